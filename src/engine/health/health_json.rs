//! The IETF draft `application/health+json`: `status` pass|warn|fail (and
//! the synonyms ok/up, error/down), `checks` mapping `component:measurement`
//! to arrays of per-node entries. Each entry becomes a component; a
//! `responseTime` measurement becomes its latency.

use serde_json::{Map, Value};

use super::common::{clean, component_health, failing_summary, scalar_text, state_of, string_list};
use super::{Component, Health, HealthState};

pub fn parse(value: &Value) -> Result<Health, String> {
    let obj = value
        .as_object()
        .ok_or("health+json body is not a JSON object")?;
    let status = obj
        .get("status")
        .ok_or("health+json body has no `status`")?;
    let state = state_of(status).unwrap_or(HealthState::Unknown);
    let mut components = Vec::new();
    if let Some(Value::Object(checks)) = obj.get("checks") {
        for (key, entries) in checks {
            match entries {
                Value::Array(list) => {
                    let many = list.len() > 1;
                    for (i, entry) in list.iter().enumerate() {
                        if let Value::Object(e) = entry {
                            components.push(component(key, e, many.then_some(i)));
                        }
                    }
                }
                Value::Object(e) => components.push(component(key, e, None)),
                _ => {}
            }
        }
    }
    let output = obj
        .get("output")
        .and_then(scalar_text)
        .filter(|s| !s.is_empty());
    let notes = string_list(obj.get("notes"));
    let reason = match state {
        HealthState::Up => None,
        _ => output
            .clone()
            .or_else(|| failing_summary(&components))
            .or_else(|| scalar_text(status).map(|s| format!("status {s}"))),
    };
    let (errors, warnings) = match (state, output) {
        (HealthState::Down, Some(o)) => (vec![o], notes),
        (HealthState::Degraded, Some(o)) => (Vec::new(), std::iter::once(o).chain(notes).collect()),
        _ => (Vec::new(), notes),
    };
    Ok(component_health(
        state,
        reason,
        components,
        (errors, warnings),
        value,
    ))
}

/// One node's entry of `component:measurement`. Several nodes get their
/// `componentId` (or their index) appended so each stays distinguishable.
fn component(key: &str, entry: &Map<String, Value>, index: Option<usize>) -> Component {
    let node = entry
        .get("componentId")
        .and_then(scalar_text)
        .or_else(|| index.map(|i| i.to_string()));
    let name = match node {
        Some(node) if index.is_some() => format!("{key}#{node}"),
        _ => key.to_string(),
    };
    let state = entry
        .get("status")
        .and_then(state_of)
        .unwrap_or(HealthState::Unknown);
    let measurement = key.rsplit(':').next().unwrap_or(key);
    let value = entry.get("observedValue");
    let unit = entry.get("observedUnit").and_then(Value::as_str);
    let latency_ms = if measurement.eq_ignore_ascii_case("responseTime") {
        value.and_then(Value::as_f64).and_then(|v| match unit {
            Some("ms") | None => Some(v),
            Some("s") => Some(v * 1000.0),
            Some("us") | Some("µs") => Some(v / 1000.0),
            Some("ns") => Some(v / 1_000_000.0),
            _ => None,
        })
    } else {
        None
    };
    let observed = value.and_then(scalar_text).map(|v| match unit {
        Some(u) => format!("{v} {}", clean(u)),
        None => v,
    });
    let message = entry
        .get("output")
        .and_then(scalar_text)
        .filter(|s| !s.is_empty())
        .or(observed);
    Component {
        name: clean(&name),
        state,
        latency_ms: latency_ms.filter(|ms| ms.is_finite()),
        message,
    }
}
