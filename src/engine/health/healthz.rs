//! The healthz shape of seed 004: `status` healthy|degraded|unhealthy and
//! `checks{name:{status, latency_ms, ...}}`, each check's other fields kept
//! as its message (`age_minutes=8`), so the cockpit shows what the service
//! measured, not only the verdict.

use serde_json::Value;

use super::common::{
    clean, component_health, failing_summary, latency_of, scalar_text, state_of, string_list,
    worst_component,
};
use super::{Component, Health, HealthState};

pub fn parse(value: &Value) -> Result<Health, String> {
    let obj = value
        .as_object()
        .ok_or("healthz body is not a JSON object")?;
    let status = obj.get("status").and_then(state_of);
    let mut components = Vec::new();
    if let Some(Value::Object(checks)) = obj.get("checks") {
        for (name, check) in checks {
            components.push(component(name, check));
        }
    }
    if status.is_none() && components.is_empty() {
        return Err("healthz body has neither `status` nor `checks`".into());
    }
    let state = status
        .or_else(|| worst_component(&components))
        .unwrap_or(HealthState::Unknown);
    let errors = string_list(obj.get("errors"));
    let warnings = string_list(obj.get("warnings"));
    let reason = match state {
        HealthState::Up => None,
        _ => failing_summary(&components)
            .or_else(|| errors.first().cloned())
            .or_else(|| {
                obj.get("status")
                    .and_then(scalar_text)
                    .map(|s| format!("status {s}"))
            }),
    };
    Ok(component_health(
        state,
        reason,
        components,
        (errors, warnings),
        value,
    ))
}

fn component(name: &str, check: &Value) -> Component {
    match check {
        Value::Object(o) => {
            let state = o
                .get("status")
                .or_else(|| o.get("healthy"))
                .or_else(|| o.get("ok"))
                .and_then(state_of)
                .unwrap_or(HealthState::Unknown);
            let explicit = ["message", "error", "detail", "output"]
                .iter()
                .find_map(|k| o.get(*k).and_then(scalar_text));
            let extras: Vec<String> = o
                .iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "status" | "healthy" | "ok" | "message" | "error" | "detail" | "output"
                    ) && !k.contains("latency")
                })
                .filter_map(|(k, v)| scalar_text(v).map(|v| format!("{}={v}", clean(k))))
                .collect();
            let message = match (explicit, extras.is_empty()) {
                (Some(m), _) => Some(m),
                (None, false) => Some(clean(&extras.join(" "))),
                (None, true) => None,
            };
            Component {
                name: clean(name),
                state,
                latency_ms: latency_of(o),
                message,
            }
        }
        other => Component {
            name: clean(name),
            state: state_of(other).unwrap_or(HealthState::Unknown),
            latency_ms: None,
            message: None,
        },
    }
}
