//! The `[[notify]]` receivers as the profile gives them: where each one is
//! reached, in which format, and which events it wants.

use std::time::Duration;

use super::*;

/// The `[[notify]]` receivers and the items whose sign-off is announced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Notify {
    pub receivers: Vec<Notifier>,
    /// Ids of the items marked `notify = true`.
    pub items: Vec<String>,
}

/// One receiver of notifications: where they go, which events, and how hard
/// delivery tries.
#[derive(Debug, Clone, PartialEq)]
pub struct Notifier {
    pub id: String,
    pub target: NotifyTarget,
    /// The events this receiver hears; the loader fills in every event when
    /// the profile names none.
    pub events: Vec<NotifyEvent>,
    /// Per attempt.
    pub timeout: Duration,
    /// Attempts after the first, with exponential back-off.
    pub retries: u32,
}

impl Notifier {
    pub fn wants(&self, event: NotifyEvent) -> bool {
        event == NotifyEvent::Test || self.events.contains(&event)
    }
}

#[derive(Clone, PartialEq)]
pub enum NotifyTarget {
    Webhook {
        url: String,
        format: NotifyFormat,
        /// Secret: masked wherever a receiver is shown.
        headers: Vec<(String, String)>,
    },
    /// Runs as argv (never a shell); the JSON payload arrives on stdin.
    Command { argv: Vec<String> },
}

impl std::fmt::Debug for NotifyTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotifyTarget::Webhook {
                url,
                format,
                headers,
            } => f
                .debug_struct("Webhook")
                .field("url", url)
                .field("format", format)
                .field("headers", &masked_env(headers))
                .finish(),
            NotifyTarget::Command { argv } => {
                f.debug_struct("Command").field("argv", argv).finish()
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyFormat {
    /// golive's own payload (`docs/notify.md`).
    Json,
    /// Slack-compatible: plain `text` plus attachment fields.
    Slack,
}

/// What a receiver can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NotifyEvent {
    GateBreached,
    GateResolved,
    VerdictChanged,
    PhaseCompleted,
    ActionStarted,
    ActionFinished,
    Recovered,
    NotRecovered,
    LifecycleChanged,
    SignedOff,
    /// `golive notify test`: every receiver hears it, whatever its `events`.
    Test,
}

impl NotifyEvent {
    /// Every event a profile may name in `events` (not `test`).
    pub const ALL: [NotifyEvent; 10] = [
        NotifyEvent::GateBreached,
        NotifyEvent::GateResolved,
        NotifyEvent::VerdictChanged,
        NotifyEvent::PhaseCompleted,
        NotifyEvent::ActionStarted,
        NotifyEvent::ActionFinished,
        NotifyEvent::Recovered,
        NotifyEvent::NotRecovered,
        NotifyEvent::LifecycleChanged,
        NotifyEvent::SignedOff,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NotifyEvent::GateBreached => "gate_breached",
            NotifyEvent::GateResolved => "gate_resolved",
            NotifyEvent::VerdictChanged => "verdict_changed",
            NotifyEvent::PhaseCompleted => "phase_completed",
            NotifyEvent::ActionStarted => "action_started",
            NotifyEvent::ActionFinished => "action_finished",
            NotifyEvent::Recovered => "recovered",
            NotifyEvent::NotRecovered => "not_recovered",
            NotifyEvent::LifecycleChanged => "lifecycle_changed",
            NotifyEvent::SignedOff => "signed_off",
            NotifyEvent::Test => "test",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }
}
