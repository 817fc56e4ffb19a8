//! Spring Boot Actuator: UP, DOWN, OUT_OF_SERVICE (down), UNKNOWN, with
//! nested `components` (Boot 2.2+) or `details` (older), read recursively.
//! A nested component is named by its path (`db/primary`), so a group's
//! children stay apart from other groups'.

use serde_json::{Map, Value};

use super::common::{clean, component_health, failing_summary, latency_of, scalar_text, state_of};
use super::{Component, Health, HealthState};

/// Deeper nesting than this is not followed: a hostile body could nest
/// thousands of levels (serde_json already stops at 128).
const MAX_DEPTH: usize = 16;

pub fn parse(value: &Value) -> Result<Health, String> {
    let obj = value
        .as_object()
        .ok_or("actuator body is not a JSON object")?;
    let status = obj.get("status").ok_or("actuator body has no `status`")?;
    let state = state_of(status).unwrap_or(HealthState::Unknown);
    let mut components = Vec::new();
    collect(obj, "", 0, &mut components);
    let reason = match state {
        HealthState::Up => None,
        _ => failing_summary(&components)
            .or_else(|| scalar_text(status).map(|s| format!("status {s}"))),
    };
    let errors = components
        .iter()
        .filter(|c| c.state == HealthState::Down)
        .filter_map(|c| c.message.as_ref().map(|m| format!("{}: {m}", c.name)))
        .collect();
    Ok(component_health(
        state,
        reason,
        components,
        (errors, Vec::new()),
        value,
    ))
}

/// Children live under `components`, or under `details` when the entries
/// there carry a `status` of their own (otherwise `details` is plain data
/// such as disk space figures).
fn collect(obj: &Map<String, Value>, prefix: &str, depth: usize, out: &mut Vec<Component>) {
    if depth >= MAX_DEPTH {
        return;
    }
    let children = obj
        .get("components")
        .and_then(Value::as_object)
        .or_else(|| {
            obj.get("details")
                .and_then(Value::as_object)
                .filter(|d| d.values().any(|v| v.get("status").is_some()))
        });
    let Some(children) = children else {
        return;
    };
    for (name, child) in children {
        let Some(child) = child.as_object() else {
            continue;
        };
        let Some(status) = child.get("status") else {
            continue;
        };
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let details = child.get("details").and_then(Value::as_object);
        let message = details.and_then(|d| {
            ["error", "message", "reason"]
                .iter()
                .find_map(|k| d.get(*k).and_then(scalar_text))
        });
        out.push(Component {
            name: clean(&path),
            state: state_of(status).unwrap_or(HealthState::Unknown),
            latency_ms: latency_of(child).or_else(|| details.and_then(latency_of)),
            message,
        });
        collect(child, &path, depth + 1, out);
    }
}
