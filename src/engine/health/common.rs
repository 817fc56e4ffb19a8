//! Pieces every health parser shares: the words services use for states,
//! where versions and latencies hide in a JSON body, and JSON parse errors
//! phrased for a one-line reason.

use serde_json::{Map, Value};

use super::{Component, Health, HealthState};
use crate::engine::sanitize::clean_text;

/// Longest remote string kept in a reason, message or version: a body can
/// put a megabyte in a field, a one-line reason must stay one line.
const MAX_TEXT: usize = 200;

/// Maps the words services use (`ok`, `healthy`, `UP`, `pass`, `warn`,
/// `OUT_OF_SERVICE`, ...) to a state, case-insensitively.
pub fn state_from_word(word: &str) -> HealthState {
    match word.trim().to_ascii_lowercase().as_str() {
        "ok" | "up" | "healthy" | "pass" | "passed" | "passing" | "green" | "true" | "ready"
        | "success" | "available" | "running" | "serving" | "alive" | "good" => HealthState::Up,
        "warn" | "warning" | "warnings" | "degraded" | "yellow" | "partial" | "slow" => {
            HealthState::Degraded
        }
        "down" | "fail" | "failed" | "failing" | "failure" | "error" | "unhealthy" | "critical"
        | "crit" | "red" | "false" | "out_of_service" | "unavailable" | "not_serving"
        | "not_ready" | "dead" => HealthState::Down,
        _ => HealthState::Unknown,
    }
}

/// A JSON value used as a state: a word, or a boolean.
pub fn state_of(value: &Value) -> Option<HealthState> {
    match value {
        Value::String(s) => Some(state_from_word(s)),
        Value::Bool(true) => Some(HealthState::Up),
        Value::Bool(false) => Some(HealthState::Down),
        _ => None,
    }
}

/// Parses a body as JSON, phrasing a failure as "body is not valid JSON: EOF
/// at line 1 column 40".
pub fn parse_json(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|err| {
        let detail = match err.classify() {
            serde_json::error::Category::Eof => {
                format!("EOF at line {} column {}", err.line(), err.column())
            }
            _ => err.to_string(),
        };
        format!("body is not valid JSON: {}", clean(&detail))
    })
}

/// Remote text made safe and short enough for a one-line reason.
pub fn clean(text: &str) -> String {
    let cleaned = clean_text(text);
    let one_line = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX_TEXT {
        let mut cut: String = one_line.chars().take(MAX_TEXT).collect();
        cut.push('…');
        cut
    } else {
        one_line
    }
}

/// A scalar rendered as text (strings cleaned, numbers and booleans as
/// written); None for objects, arrays and null.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(clean(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Strings of a JSON array (or a single string), cleaned; other entries are
/// rendered compactly so an error given as an object is not lost.
pub fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| scalar_text(v).unwrap_or_else(|| clean(&v.to_string())))
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) if !s.trim().is_empty() => vec![clean(s)],
        _ => Vec::new(),
    }
}

/// Paths where services put their version or release id, most specific
/// first (health+json's `releaseId`, actuator's `build.version`, git info).
const VERSION_PATHS: &[&[&str]] = &[
    &["version"],
    &["release_id"],
    &["releaseId"],
    &["release"],
    &["build", "version"],
    &["build_version"],
    &["app", "version"],
    &["info", "version"],
    &["service", "version"],
    &["git", "commit", "id"],
    &["git", "commit", "id", "abbrev"],
    &["git", "commit", "id", "full"],
    &["git_commit"],
    &["commit"],
    &["details", "version"],
];

/// The version or release id a body carries, if any.
pub fn version_of(value: &Value) -> Option<String> {
    VERSION_PATHS.iter().find_map(|path| {
        let mut at = value;
        for key in *path {
            at = at.as_object()?.get(*key)?;
        }
        scalar_text(at).filter(|s| !s.is_empty())
    })
}

/// Keys that carry a latency in milliseconds, then in seconds.
const LATENCY_MS_KEYS: &[&str] = &[
    "latency_ms",
    "latencyMs",
    "response_time_ms",
    "responseTimeMs",
    "duration_ms",
    "durationMs",
    "latency",
];
const LATENCY_S_KEYS: &[&str] = &["latency_sec", "latency_s", "duration_sec", "duration_s"];

/// The latency an object reports, in milliseconds.
pub fn latency_of(obj: &Map<String, Value>) -> Option<f64> {
    let number = |key: &&str| obj.get(*key).and_then(Value::as_f64);
    LATENCY_MS_KEYS
        .iter()
        .find_map(number)
        .or_else(|| LATENCY_S_KEYS.iter().find_map(number).map(|s| s * 1000.0))
        .filter(|ms| ms.is_finite())
}

/// The worst state among components, or None when there are none.
pub fn worst_component(components: &[Component]) -> Option<HealthState> {
    components
        .iter()
        .map(|c| c.state)
        .reduce(HealthState::worst)
}

/// A one-line summary of the components that are not up: "redis down
/// (timeout), database degraded".
pub fn failing_summary(components: &[Component]) -> Option<String> {
    let parts: Vec<String> = components
        .iter()
        .filter(|c| c.state != HealthState::Up)
        .map(|c| match &c.message {
            Some(m) => format!("{} {} ({m})", c.name, c.state.as_str()),
            None => format!("{} {}", c.name, c.state.as_str()),
        })
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(clean(&parts.join(", ")))
    }
}

pub fn starts_with_ignoring_space(body: &[u8], prefix: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body[start..].starts_with(prefix)
}

/// The verdict of a body whose components were read: what every JSON format
/// that nests components (actuator, health+json, healthz) ends with.
pub(super) fn component_health(
    state: HealthState,
    reason: Option<String>,
    components: Vec<Component>,
    (errors, warnings): (Vec<String>, Vec<String>),
    body: &Value,
) -> Health {
    Health {
        state,
        reason,
        components,
        ready: None,
        errors,
        warnings,
        version: version_of(body),
        warmup_secs: None,
        format: None,
    }
}
