//! Secret masking: every header value and every secret variable's value is
//! replaced by `••••` before any text is printed, logged or journalled. The
//! loader decides what is secret (see [`is_secret_name`]); everything that
//! shows text to a human or writes it down passes it through a [`Redactor`].

use std::fmt;

pub const MASK: &str = "••••";

/// Name fragments that make a variable's value a secret (case-insensitive).
pub const SECRET_MARKERS: [&str; 6] = ["TOKEN", "SECRET", "PASSWORD", "PASS", "KEY", "AUTH"];

/// Whether the value of variable `name` must be masked: its name says so, or
/// the profile lists it in `[settings] secrets`.
pub fn is_secret_name(name: &str, listed: &[String]) -> bool {
    let upper = name.to_uppercase();
    SECRET_MARKERS.iter().any(|m| upper.contains(m)) || listed.iter().any(|l| l == name)
}

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is masked whole.
    secrets: Vec<String>,
}

/// Never shows the secrets themselves: a `{:?}` of a profile ends up in logs.
impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Self { secrets }
    }

    pub fn add(&mut self, secret: impl Into<String>) {
        let mut all = std::mem::take(&mut self.secrets);
        all.push(secret.into());
        *self = Self::new(all);
    }

    /// The text with every secret replaced by the mask.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    /// Masks `text` in place; true when it held a secret. Allocates only
    /// then, since every log line passes through here.
    pub fn mask(&self, text: &mut String) -> bool {
        if !self.finds(text) {
            return false;
        }
        *text = self.redact(text);
        true
    }

    /// Whether `text` holds any secret.
    pub fn finds(&self, text: &str) -> bool {
        self.secrets.iter().any(|s| text.contains(s.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    pub fn len(&self) -> usize {
        self.secrets.len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_match_markers_case_insensitively() {
        assert!(is_secret_name("AI_API_KEY", &[]));
        assert!(is_secret_name("db_password", &[]));
        assert!(is_secret_name("GITHUB_TOKEN", &[]));
        assert!(is_secret_name("Authorization", &[]));
        assert!(!is_secret_name("AI_SERVICE_URL", &[]));
        assert!(is_secret_name(
            "AI_SERVICE_URL",
            &["AI_SERVICE_URL".to_string()]
        ));
    }

    #[test]
    fn redacts_longest_first_and_debug_hides_values() {
        let r = Redactor::new(["abc".to_string(), "abcdef".to_string(), String::new()]);
        assert_eq!(r.redact("x abcdef y abc"), format!("x {MASK} y {MASK}"));
        let debug = format!("{r:?}");
        assert!(!debug.contains("abc"), "{debug}");
        assert_eq!(r.len(), 2);
    }
}
