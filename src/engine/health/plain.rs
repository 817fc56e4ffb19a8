//! Plain health: `{"status":"ok"}` and friends (seeds 001–003), a bare word
//! such as `OK`, or any 2xx body. A status word golive does not know is
//! `unknown`, said loudly, never a silent pass.

use serde_json::Value;

use super::common::{clean, scalar_text, state_from_word, state_of, string_list, version_of};
use super::{Health, HealthState, HttpFacts};

/// Fields that carry the verdict in plain JSON bodies, in order of trust.
const STATUS_KEYS: &[&str] = &["status", "state", "health", "healthy", "ok", "up", "ready"];

pub fn parse(facts: HttpFacts<'_>) -> Result<Health, String> {
    match serde_json::from_slice::<Value>(facts.body) {
        Ok(value) => Ok(from_json(&value)),
        Err(_) => Ok(from_text(facts.body)),
    }
}

fn from_json(value: &Value) -> Health {
    let Some(obj) = value.as_object() else {
        // `true`, `"ok"` or any other JSON: judge a scalar, accept the rest.
        let state = state_of(value).unwrap_or(HealthState::Up);
        return Health {
            state,
            reason: (state != HealthState::Up)
                .then(|| format!("body says {}", clean(&value.to_string()))),
            ..Health::default()
        };
    };
    let mut health = Health {
        state: HealthState::Up,
        errors: string_list(obj.get("errors").or_else(|| obj.get("error"))),
        warnings: string_list(obj.get("warnings")),
        version: version_of(value),
        ready: obj.get("ready").and_then(Value::as_bool),
        ..Health::default()
    };
    let verdict = STATUS_KEYS
        .iter()
        .find_map(|k| obj.get(*k).map(|v| (*k, v)));
    if let Some((key, v)) = verdict {
        match state_of(v) {
            Some(HealthState::Unknown) => {
                health.state = HealthState::Unknown;
                health.reason = Some(format!(
                    "{key} {:?} is not a word golive knows",
                    scalar_text(v).unwrap_or_default()
                ));
            }
            Some(state) => {
                health.state = state;
                if state != HealthState::Up {
                    let detail = ["message", "detail", "reason", "error"]
                        .iter()
                        .find_map(|k| obj.get(*k).and_then(scalar_text));
                    let word = scalar_text(v).unwrap_or_default();
                    health.reason = Some(match detail {
                        Some(d) => format!("{key} {word}: {d}"),
                        None => format!("{key} {word}"),
                    });
                }
            }
            None => {}
        }
    }
    health
}

fn from_text(body: &[u8]) -> Health {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    // A short body that is one known word is a verdict; anything else is
    // just a 2xx answer.
    let state = if trimmed.len() <= 32 && !trimmed.is_empty() {
        match state_from_word(trimmed) {
            HealthState::Unknown => HealthState::Up,
            known => known,
        }
    } else {
        HealthState::Up
    };
    Health {
        state,
        reason: (state != HealthState::Up).then(|| format!("body says {}", clean(trimmed))),
        ..Health::default()
    }
}
