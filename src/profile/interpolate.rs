//! `${VAR}`, `${VAR:-default}`, `${service.name|version|previous}` and `$$`
//! in profile strings. The environment is a function handed in, so the demo
//! can fill URLs without touching the process environment and tests need no
//! environment mutation. An unset variable without a default is recorded and
//! left as written: `validate` warns about it, the commands that act refuse.

use super::secrets::is_secret_name;

const SYNTAX_HINT: &str = "write ${NAME}, ${NAME:-default} or ${service.version} (names are letters, digits and _); `$$` is a literal `$`";

/// The `[service]` values `${service.*}` refers to.
#[derive(Debug, Clone)]
pub struct ServiceVars {
    pub name: String,
    pub version: String,
    pub previous: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpolateError {
    pub message: String,
    pub hint: String,
    /// Byte offset in the string where the problem is.
    pub offset: usize,
}

pub struct Interpolator<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    /// None while `[service]` itself is being expanded.
    service: Option<ServiceVars>,
    secret_names: Vec<String>,
    /// Unset variables without a default, first use first, no repeats.
    pub unresolved: Vec<String>,
    /// Values substituted for secret variables, for the redactor.
    pub secrets: Vec<String>,
}

fn valid_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl<'a> Interpolator<'a> {
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>, secret_names: Vec<String>) -> Self {
        Self {
            lookup,
            service: None,
            secret_names,
            unresolved: Vec::new(),
            secrets: Vec::new(),
        }
    }

    /// `[settings] secrets`: read before anything is expanded.
    pub fn set_secret_names(&mut self, names: Vec<String>) {
        self.secret_names = names;
    }

    pub fn set_service(&mut self, service: ServiceVars) {
        self.service = Some(service);
    }

    /// The text with every reference replaced.
    pub fn expand(&mut self, text: &str) -> Result<String, InterpolateError> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        let mut base = 0;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                out.push('$');
                base += i + 2;
                rest = tail;
            } else if let Some(inner) = after.strip_prefix('{') {
                let Some(close) = inner.find('}') else {
                    return Err(InterpolateError {
                        message: "`${` is never closed by `}`".to_string(),
                        hint: SYNTAX_HINT.to_string(),
                        offset: base + i,
                    });
                };
                let whole = &rest[i..i + 3 + close];
                let body = &inner[..close];
                out.push_str(&self.reference(body, whole, base + i)?);
                base += i + 3 + close;
                rest = &inner[close + 1..];
            } else {
                // A lone `$` (a regex anchor, a price) is just text.
                out.push('$');
                base += i + 1;
                rest = after;
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    fn reference(
        &mut self,
        body: &str,
        whole: &str,
        offset: usize,
    ) -> Result<String, InterpolateError> {
        let (name, default) = match body.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (body, None),
        };
        if let Some(field) = name.strip_prefix("service.") {
            return self.service_field(field, whole, offset);
        }
        if !valid_var_name(name) {
            return Err(InterpolateError {
                message: format!("`{whole}` is not a variable reference"),
                hint: SYNTAX_HINT.to_string(),
                offset,
            });
        }
        let value = match ((self.lookup)(name), default) {
            (Some(v), Some(d)) if v.is_empty() => d.to_string(),
            (Some(v), _) => v,
            (None, Some(d)) => d.to_string(),
            (None, None) => {
                if !self.unresolved.iter().any(|u| u == name) {
                    self.unresolved.push(name.to_string());
                }
                return Ok(whole.to_string());
            }
        };
        if is_secret_name(name, &self.secret_names) && !value.is_empty() {
            self.secrets.push(value.clone());
        }
        Ok(value)
    }

    fn service_field(
        &self,
        field: &str,
        whole: &str,
        offset: usize,
    ) -> Result<String, InterpolateError> {
        let err = |message: String, hint: &str| {
            Err(InterpolateError {
                message,
                hint: hint.to_string(),
                offset,
            })
        };
        let Some(service) = &self.service else {
            return err(
                format!("`{whole}` cannot be used inside [service] itself"),
                "write the value itself, or take it from the environment with ${VAR:-default}",
            );
        };
        match field {
            "name" => Ok(service.name.clone()),
            "version" => Ok(service.version.clone()),
            "previous" => match &service.previous {
                Some(p) => Ok(p.clone()),
                None => err(
                    format!("`{whole}` is used but [service] has no `previous`"),
                    "add previous = \"...\" (the version rollback returns to) to [service]",
                ),
            },
            other => err(
                format!("`${{service.{other}}}` is not a service value"),
                "use ${service.name}, ${service.version} or ${service.previous}",
            ),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("example.test".into()),
            "EMPTY" => Some(String::new()),
            "AI_API_KEY" => Some("k-123456".into()),
            "PLAIN" => Some("visible".into()),
            _ => None,
        }
    }

    fn interp() -> Interpolator<'static> {
        let mut i = Interpolator::new(&env, vec!["PLAIN".into()]);
        i.set_service(ServiceVars {
            name: "svc".into(),
            version: "v2".into(),
            previous: None,
        });
        i
    }

    #[test]
    fn expands_variables_defaults_and_service_values() {
        let mut i = interp();
        assert_eq!(
            i.expand("http://${HOST}/x").unwrap(),
            "http://example.test/x"
        );
        assert_eq!(
            i.expand("${NOPE:-http://localhost:8002}").unwrap(),
            "http://localhost:8002"
        );
        assert_eq!(i.expand("${EMPTY:-fallback}").unwrap(), "fallback");
        assert_eq!(i.expand("api:${service.version}").unwrap(), "api:v2");
        assert_eq!(i.expand("${service.name}").unwrap(), "svc");
        assert_eq!(
            i.expand("cost $$5 and $ alone, end$").unwrap(),
            "cost $5 and $ alone, end$"
        );
        assert!(i.unresolved.is_empty());
    }

    #[test]
    fn unset_without_default_is_recorded_once_and_left_as_written() {
        let mut i = interp();
        assert_eq!(
            i.expand("a ${MISSING} b ${MISSING}").unwrap(),
            "a ${MISSING} b ${MISSING}"
        );
        assert_eq!(i.expand("${OTHER}").unwrap(), "${OTHER}");
        assert_eq!(
            i.unresolved,
            vec!["MISSING".to_string(), "OTHER".to_string()]
        );
    }

    #[test]
    fn secret_values_are_collected() {
        let mut i = interp();
        i.expand("Bearer ${AI_API_KEY} ${PLAIN} ${HOST}").unwrap();
        assert_eq!(
            i.secrets,
            vec!["k-123456".to_string(), "visible".to_string()]
        );
    }

    #[test]
    fn errors_point_at_the_reference() {
        let mut i = interp();
        let e = i.expand("abc ${UNCLOSED").unwrap_err();
        assert_eq!(e.offset, 4);
        let e = i.expand("x${service.previous}").unwrap_err();
        assert_eq!(e.offset, 1);
        assert!(e.message.contains("previous"), "{}", e.message);
        let e = i.expand("$$${bad name}").unwrap_err();
        assert_eq!(e.offset, 2);
        assert!(i.expand("${service.colour}").is_err());
    }

    #[test]
    fn service_refs_are_refused_inside_service() {
        let mut i = Interpolator::new(&env, Vec::new());
        assert!(i.expand("${service.version}").is_err());
        assert_eq!(i.expand("${HOST}").unwrap(), "example.test");
    }
}
