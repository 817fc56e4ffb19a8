//! One health model for every format a service may expose (warm-up status,
//! healthz, health+json, Spring actuator, plain, Prometheus). Parsers turn a
//! response into a [`Health`]; conditions (`[HEALTH]`), the cockpit's health
//! pane, `check` details and journal evidence all read this one model.

mod actuator;
mod common;
mod health_json;
mod healthz;
mod plain;
mod prometheus;
mod warmup;

use serde::{Deserialize, Serialize};

use crate::engine::sanitize::clean_text;
use crate::profile::HealthFormat;

pub use common::state_from_word;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum HealthState {
    Up,
    /// A warm-up in progress: not ready yet, no errors, within its timeout.
    Warming,
    Degraded,
    Down,
    #[default]
    Unknown,
}

impl HealthState {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Up => "up",
            HealthState::Warming => "warming",
            HealthState::Degraded => "degraded",
            HealthState::Down => "down",
            HealthState::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    pub state: HealthState,
    pub latency_ms: Option<f64>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Health {
    pub state: HealthState,
    /// Why the state is not `up`, in one line.
    pub reason: Option<String>,
    pub components: Vec<Component>,
    pub ready: Option<bool>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Version or release id, when the body carries one.
    pub version: Option<String>,
    /// How long the warm-up has run, as the service reports it
    /// (`duration_sec`), for the warm-up timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_secs: Option<f64>,
    /// The format that was applied (the detected one for `auto`).
    #[serde(skip)]
    pub format: Option<HealthFormat>,
}

impl Health {
    pub fn down(reason: impl Into<String>) -> Self {
        Self {
            state: HealthState::Down,
            reason: Some(reason.into()),
            ..Self::default()
        }
    }

    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }

    /// A warm-up that has run longer than `timeout` is down: the service
    /// is stuck, not starting. One without a reported duration stays
    /// warming (the body says nothing about how long it has taken).
    pub fn apply_warmup_timeout(&mut self, timeout: std::time::Duration) {
        let Some(secs) = self.warmup_secs else { return };
        if self.state == HealthState::Warming && secs > timeout.as_secs_f64() {
            self.state = HealthState::Down;
            self.reason = Some(format!(
                "still warming up after {secs:.0}s, past its {}s warmup_timeout",
                timeout.as_secs()
            ));
        }
    }
}

impl HealthState {
    /// The state a pane shows for a group (an endpoint's replicas, a
    /// target's containers): its worst member, where a member not heard from
    /// yet weighs less than one that answered degraded, so a half-reported
    /// group is not painted worse than what is known. Unknown when empty.
    pub fn worst_shown(states: impl IntoIterator<Item = HealthState>) -> HealthState {
        states
            .into_iter()
            .max_by_key(|s| match s {
                HealthState::Up => 0,
                HealthState::Warming => 1,
                HealthState::Unknown => 2,
                HealthState::Degraded => 3,
                HealthState::Down => 4,
            })
            .unwrap_or(HealthState::Unknown)
    }

    /// The worse of two states, for rolling components or replicas up. Unknown
    /// ranks between degraded and down: not knowing is worse than a warning but
    /// better than a confirmed failure.
    pub fn worst(self, other: HealthState) -> HealthState {
        if self.rank() >= other.rank() {
            self
        } else {
            other
        }
    }

    fn rank(self) -> u8 {
        match self {
            HealthState::Up => 0,
            HealthState::Warming => 1,
            HealthState::Degraded => 2,
            HealthState::Unknown => 3,
            HealthState::Down => 4,
        }
    }
}

/// What the HTTP layer saw, handed to the parsers.
#[derive(Debug, Clone, Copy)]
pub struct HttpFacts<'a> {
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// Interprets a response in the given format. HTTP facts come first: a
/// non-2xx answer is `down` whatever the body says (the body still gives the
/// components and the reason). An explicit format is enforced, so a body that
/// does not parse in it is `down` with the parse error; `auto` picks a format
/// from the content type, then from the shape of the body.
pub fn interpret(format: HealthFormat, facts: HttpFacts<'_>) -> Health {
    let auto = format == HealthFormat::Auto;
    let format = match format {
        HealthFormat::Auto => detect(facts),
        explicit => explicit,
    };
    let parsed = match format {
        // A body that claims to be JSON and is not (cut off, mangled) is a
        // broken answer, not "any 2xx body".
        HealthFormat::Plain | HealthFormat::Auto if claims_json(facts, auto) => {
            common::parse_json(facts.body).and_then(|_| plain::parse(facts))
        }
        HealthFormat::Warmup => json_then(facts, warmup::parse),
        HealthFormat::Healthz => json_then(facts, healthz::parse),
        HealthFormat::HealthJson => json_then(facts, health_json::parse),
        HealthFormat::Actuator => json_then(facts, actuator::parse),
        HealthFormat::Prometheus => prometheus::parse(facts.body),
        HealthFormat::Plain | HealthFormat::Auto => plain::parse(facts),
    };
    let ok_status = (200..300).contains(&facts.status);
    let mut health = match parsed {
        Ok(health) => health,
        // An error page that is not in the format says nothing about the
        // service: the HTTP status alone is the reason then.
        Err(_) if !ok_status => Health::default(),
        Err(reason) => Health::down(reason),
    };
    health.format = Some(format);
    // 503 is how a warming service says "not yet": the body tells more.
    if !(ok_status || (facts.status == 503 && health.state == HealthState::Warming)) {
        let http = http_reason(facts);
        health.reason = Some(match health.reason.take() {
            Some(body_reason) if health.state != HealthState::Up => {
                format!("{http}: {body_reason}")
            }
            _ => http,
        });
        health.state = HealthState::Down;
    }
    health
}

/// Parses the body as JSON, then hands it to a format parser.
fn json_then(
    facts: HttpFacts<'_>,
    parse: fn(&serde_json::Value) -> Result<Health, String>,
) -> Result<Health, String> {
    let value = common::parse_json(facts.body)?;
    parse(&value)
}

/// The content type says JSON, or (when guessing) the body opens like it.
fn claims_json(facts: HttpFacts<'_>, guessing: bool) -> bool {
    let mime = facts
        .content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    mime == "application/json"
        || mime.ends_with("+json")
        || (guessing && common::starts_with_ignoring_space(facts.body, b"{"))
}

/// Picks a format for `auto`: the content type when it names one, else the
/// shape of a JSON body, else Prometheus text when it looks like it, else plain.
pub fn detect(facts: HttpFacts<'_>) -> HealthFormat {
    let content_type = facts
        .content_type
        .map(|c| c.to_ascii_lowercase())
        .unwrap_or_default();
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if mime == "application/health+json" {
        return HealthFormat::HealthJson;
    }
    if mime.starts_with("application/vnd.spring-boot.actuator") {
        return HealthFormat::Actuator;
    }
    if mime == "application/openmetrics-text"
        || (mime == "text/plain" && content_type.contains("version=0.0.4"))
    {
        return HealthFormat::Prometheus;
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(facts.body) {
        return detect_json_shape(&value);
    }
    if prometheus::looks_like(facts.body) {
        return HealthFormat::Prometheus;
    }
    HealthFormat::Plain
}

fn detect_json_shape(value: &serde_json::Value) -> HealthFormat {
    let Some(obj) = value.as_object() else {
        return HealthFormat::Plain;
    };
    if warmup::looks_like(obj) {
        return HealthFormat::Warmup;
    }
    let status = obj.get("status").and_then(|s| s.as_str()).unwrap_or("");
    let checks = obj.get("checks");
    if matches!(status, "UP" | "DOWN" | "OUT_OF_SERVICE" | "UNKNOWN")
        || obj.contains_key("components")
    {
        return HealthFormat::Actuator;
    }
    let has_array_checks = checks
        .and_then(|c| c.as_object())
        .is_some_and(|c| !c.is_empty() && c.values().all(|v| v.is_array()));
    let status_lower = status.to_ascii_lowercase();
    if has_array_checks || matches!(status_lower.as_str(), "pass" | "warn" | "fail") {
        return HealthFormat::HealthJson;
    }
    let has_object_checks = checks
        .and_then(|c| c.as_object())
        .is_some_and(|c| !c.is_empty() && c.values().all(|v| v.is_object()));
    if has_object_checks || matches!(status_lower.as_str(), "healthy" | "degraded" | "unhealthy") {
        return HealthFormat::Healthz;
    }
    HealthFormat::Plain
}

/// "HTTP 502 (text/html, proxy error page)": the status with what kind of
/// body came back, so a proxy's error page is not mistaken for the service.
/// The health reason and every failed HTTP check start with these words.
pub fn http_reason(facts: HttpFacts<'_>) -> String {
    let mime = facts
        .content_type
        .and_then(|c| c.split(';').next())
        .map(|m| clean_text(m.trim()).to_ascii_lowercase())
        .filter(|m| !m.is_empty());
    let looks_html = mime.as_deref() == Some("text/html")
        || common::starts_with_ignoring_space(facts.body, b"<");
    let what = match (facts.status, looks_html) {
        (502..=504, true) => Some("proxy error page"),
        (_, true) => Some("error page"),
        (429, _) => Some("rate limited"),
        (401, _) => Some("unauthorized"),
        (403, _) => Some("forbidden"),
        (404, _) => Some("not found"),
        _ => None,
    };
    let details: Vec<&str> = mime.as_deref().into_iter().chain(what).collect();
    if details.is_empty() {
        format!("HTTP {}", facts.status)
    } else {
        format!("HTTP {} ({})", facts.status, details.join(", "))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
