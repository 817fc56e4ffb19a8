//! The warm-up status of seed 000: `ready`, `duration_sec`, `checks{...}`
//! booleans, `latency_ms`, `errors[]`, `warnings[]`, or the same facts under
//! their flat names (`is_ready`, `fast_ok`, `http_health_latency_ms`, ...).
//! Not ready without errors is a warm-up in progress (`warming`, down once
//! past the endpoint's `warmup_timeout`); not ready with errors is down;
//! ready with warnings or a failed check is degraded; the errors are the
//! reason.

use serde_json::{Map, Value};

use super::common::{clean, latency_of, string_list, version_of};
use super::{Component, Health, HealthState};

/// A warm-up body has a boolean readiness flag under one of these names.
const READY_KEYS: &[&str] = &["ready", "is_ready", "isReady"];

pub fn looks_like(obj: &Map<String, Value>) -> bool {
    READY_KEYS
        .iter()
        .any(|k| obj.get(*k).is_some_and(Value::is_boolean))
}

pub fn parse(value: &Value) -> Result<Health, String> {
    let obj = value
        .as_object()
        .ok_or("warm-up status is not a JSON object")?;
    let ready = READY_KEYS
        .iter()
        .find_map(|k| obj.get(*k))
        .ok_or("warm-up status has no `ready` or `is_ready` field")?;
    let ready = ready
        .as_bool()
        .ok_or_else(|| format!("`ready` is not a boolean: {}", clean(&ready.to_string())))?;

    let mut components = Vec::new();
    match obj.get("checks") {
        Some(Value::Object(checks)) => {
            for (name, v) in checks {
                components.push(check_component(name, v, obj));
            }
        }
        // Flat names: every `<name>_ok` field is a check.
        _ => {
            for (key, v) in obj {
                if let Some(name) = key.strip_suffix("_ok") {
                    components.push(check_component(name, v, obj));
                }
            }
        }
    }

    let errors = string_list(obj.get("errors"));
    let warnings = string_list(obj.get("warnings"));
    let failed: Vec<&str> = components
        .iter()
        .filter(|c| c.state == HealthState::Down)
        .map(|c| c.name.as_str())
        .collect();

    let warmup_secs = obj.get("duration_sec").and_then(Value::as_f64);
    let (state, reason) = if !ready && errors.is_empty() {
        let pending = if failed.is_empty() {
            String::new()
        } else {
            format!(": {} pending", failed.join(", "))
        };
        let after = warmup_secs.map_or(String::new(), |s| format!(" ({s:.0}s)"));
        (
            HealthState::Warming,
            Some(format!("warming up{after}{pending}")),
        )
    } else if !ready {
        (
            HealthState::Down,
            Some(format!("not ready: {}", errors.join("; "))),
        )
    } else if !errors.is_empty() {
        (HealthState::Degraded, Some(errors.join("; ")))
    } else if !failed.is_empty() {
        (
            HealthState::Degraded,
            Some(format!("ready, but {} failed", failed.join(", "))),
        )
    } else if !warnings.is_empty() {
        (HealthState::Degraded, Some(warnings.join("; ")))
    } else {
        (HealthState::Up, None)
    };

    Ok(Health {
        state,
        reason: reason.map(|r| clean(&r)),
        components,
        ready: Some(ready),
        errors,
        warnings,
        version: version_of(value),
        warmup_secs,
        format: None,
    })
}

/// One check: `true`/`false`, null (not run: unknown), or an object with a
/// status. The HTTP health ping's latency sits at the top level
/// (`latency_ms` or `http_health_latency_ms`), so it is attached here.
fn check_component(name: &str, value: &Value, top: &Map<String, Value>) -> Component {
    let (state, mut latency_ms, message) = match value {
        Value::Bool(true) => (HealthState::Up, None, None),
        Value::Bool(false) => (HealthState::Down, None, None),
        Value::Object(o) => (
            o.get("status")
                .or_else(|| o.get("ok"))
                .and_then(super::common::state_of)
                .unwrap_or(HealthState::Unknown),
            latency_of(o),
            o.get("message")
                .or_else(|| o.get("error"))
                .and_then(super::common::scalar_text),
        ),
        Value::String(s) => (super::state_from_word(s), None, None),
        _ => (HealthState::Unknown, None, Some("not run".to_string())),
    };
    if latency_ms.is_none() {
        latency_ms = top
            .get(&format!("{name}_latency_ms"))
            .and_then(Value::as_f64)
            .or_else(|| {
                (name == "http_health")
                    .then(|| top.get("latency_ms").and_then(Value::as_f64))
                    .flatten()
            });
    }
    Component {
        name: clean(name),
        state,
        latency_ms,
        message,
    }
}
