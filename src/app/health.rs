//! One health model for every format a service may expose (warm-up status,
//! healthz, health+json, Spring actuator, plain, Prometheus). Parsers turn a
//! response into a [`Health`]; conditions (`[HEALTH]`), the cockpit's health
//! pane, `check` details and journal evidence all read this one model.

use serde::{Deserialize, Serialize};

use crate::profile::HealthFormat;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum HealthState {
    Up,
    Degraded,
    Down,
    #[default]
    Unknown,
}

impl HealthState {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Up => "up",
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
}

/// What the HTTP layer saw, handed to the parsers.
#[derive(Debug, Clone, Copy)]
pub struct HttpFacts<'a> {
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// Interprets a response in the given format. Until the format parsers land, any
/// 2xx is `up` and anything else is `down`.
pub fn interpret(format: HealthFormat, facts: HttpFacts<'_>) -> Health {
    let _ = format;
    if (200..300).contains(&facts.status) {
        Health {
            state: HealthState::Up,
            format: Some(HealthFormat::Plain),
            ..Health::default()
        }
    } else {
        Health::down(format!("HTTP {}", facts.status))
    }
}
