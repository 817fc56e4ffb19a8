//! Journal records: what a release record is made of. Pure data; the journal
//! adapter (`io::journal`) is the only writer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::checklist::ItemStatus;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub at: DateTime<Utc>,
    pub operator: String,
    pub service: String,
    pub version: String,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    SignOff {
        item: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Waiver {
        item: String,
        reason: String,
    },
    CheckResult {
        item: String,
        status: ItemStatus,
        detail: String,
        duration_ms: u64,
    },
    ActionStarted {
        action: String,
        /// What runs, secrets masked (argv joined, or the Docker operation).
        what: String,
        #[serde(default)]
        dry_run: bool,
        /// Who asked: an operator, or golive itself for an auto-rollback gate.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trigger: Option<String>,
    },
    ActionFinished {
        action: String,
        exit_code: Option<i32>,
        duration_ms: u64,
        /// Captured output, bounded and secrets masked.
        output: String,
        #[serde(default)]
        cancelled: bool,
        #[serde(default)]
        timed_out: bool,
    },
    Verified {
        action: String,
        items: Vec<String>,
        recovered: bool,
        /// From the action's end to every verify item passing.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        time_to_recovery_ms: Option<u64>,
    },
    GateBreach {
        gate: String,
        observed: String,
        on_breach: String,
    },
}

impl Event {
    /// The checklist item this record is about, if any.
    pub fn item(&self) -> Option<&str> {
        match self {
            Event::SignOff { item, .. }
            | Event::Waiver { item, .. }
            | Event::CheckResult { item, .. } => Some(item),
            _ => None,
        }
    }
}
