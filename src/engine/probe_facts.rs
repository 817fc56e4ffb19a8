//! The facts an HTTP observation offers to conditions (`[STATUS]`,
//! `[RESPONSE_TIME]`, `[BODY]`, `[HEADER]`, `[HEALTH]`, ...): the engine's
//! side of the condition language, which itself (in `model::condition`)
//! knows nothing of probes.

use std::time::Duration;

use super::probe::Observation;
use super::sanitize::clean_text;
use crate::model::condition::{Facts, PathSeg, Value, cut, walk};

fn millis(d: Duration) -> Value {
    Value::Millis(d.as_secs_f64() * 1000.0)
}

impl Observation {
    fn no_response(&self) -> String {
        match &self.error {
            Some(e) => format!("no response ({})", cut(&clean_text(e))),
            None => "no response".to_string(),
        }
    }

    /// Why a path into the body cannot be read: what the body was instead
    /// of JSON. On an error answer the HTTP facts (which the checklist puts
    /// first) already say what came back, so the body is not blamed.
    fn unreadable_body(&self) -> String {
        let kind = self
            .header("content-type")
            .and_then(|c| c.split(';').next())
            .map(|m| cut(&clean_text(m.trim())).to_ascii_lowercase())
            .filter(|m| !m.is_empty());
        if self.status.is_some_and(|s| !(200..300).contains(&s)) {
            return "cannot be read: the answer is not JSON".to_string();
        }
        if self.body_text.trim().is_empty() {
            "the body is empty, not JSON".to_string()
        } else if self.truncated {
            "the body is not JSON (it was cut off at the size limit)".to_string()
        } else if let Some(kind) = kind {
            format!("the body is not JSON ({kind})")
        } else {
            "the body is not JSON".to_string()
        }
    }

    fn answered(&self) -> Result<(), String> {
        match self.status {
            Some(_) => Ok(()),
            None => Err(self.no_response()),
        }
    }
}

fn first_key(path: &[PathSeg]) -> Option<&str> {
    match path.first() {
        Some(PathSeg::Key(k)) => Some(k),
        _ => None,
    }
}

impl Facts for Observation {
    fn lookup(&self, placeholder: &str, path: &[PathSeg]) -> Result<Value, String> {
        match placeholder {
            "STATUS" => {
                self.answered()?;
                Ok(Value::Number(f64::from(self.status.unwrap_or_default())))
            }
            "CONNECTED" => Ok(Value::Bool(self.connected)),
            "RESPONSE_TIME" => {
                self.answered()?;
                let time = match first_key(path) {
                    Some("first") => self.response_times.first(),
                    Some("last") => self.response_times.last(),
                    _ => None,
                };
                Ok(millis(time.copied().unwrap_or(self.response_time)))
            }
            "STATUS_COUNT" => {
                if self.status.is_none() && self.status_counts.is_empty() {
                    return Err(self.no_response());
                }
                let code = first_key(path)
                    .and_then(|k| k.parse::<u16>().ok())
                    .ok_or("needs a status code, as in [STATUS_COUNT].429")?;
                let count = self.status_counts.get(&code).copied().unwrap_or(0);
                Ok(Value::Number(f64::from(count)))
            }
            "BODY" => {
                self.answered()?;
                if path.is_empty() {
                    return Ok(Value::Text(self.body_text.clone()));
                }
                let Some(json) = &self.json else {
                    return Err(self.unreadable_body());
                };
                walk(json, path, "the body")
            }
            "HEADER" => {
                self.answered()?;
                let name =
                    first_key(path).ok_or("needs a header name, as in [HEADER].content-type")?;
                self.header(name)
                    .map(|v| Value::Text(v.to_string()))
                    .ok_or_else(|| {
                        format!("no header `{}` in the response", cut(&clean_text(name)))
                    })
            }
            "HEALTH" => {
                let Some(name) = first_key(path) else {
                    return Ok(Value::Text(self.health.state.as_str().to_string()));
                };
                if let Some(c) = self.health.component(name) {
                    return Ok(Value::Text(c.state.as_str().to_string()));
                }
                let names: Vec<&str> = self
                    .health
                    .components
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect();
                let known = if names.is_empty() {
                    "it reports no components".to_string()
                } else {
                    format!("it reports {}", names.join(", "))
                };
                Err(clean_text(&format!(
                    "no component `{name}` in the health of this endpoint ({known})"
                )))
            }
            _ => Err(
                "not available for an HTTP endpoint, which offers [STATUS], [RESPONSE_TIME], \
                 [STATUS_COUNT], [BODY], [HEADER], [CONNECTED] and [HEALTH]"
                    .to_string(),
            ),
        }
    }
}
