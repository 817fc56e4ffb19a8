//! The checklist engine: phases in order, each item's status and evidence,
//! moved only by facts handed in (observations, command results, journal
//! records, the clock). Pure: no I/O, no async, the time is a parameter.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::profile::Profile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Pending,
    Running,
    Pass,
    Fail,
    /// A manual item awaiting sign-off.
    Manual,
    Signed,
    Waived,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Pending => "pending",
            ItemStatus::Running => "running",
            ItemStatus::Pass => "pass",
            ItemStatus::Fail => "fail",
            ItemStatus::Manual => "manual",
            ItemStatus::Signed => "signed",
            ItemStatus::Waived => "waived",
        }
    }

    /// Symbols carry the state where colour cannot (NO_COLOR, colour blindness).
    pub fn symbol(self) -> &'static str {
        match self {
            ItemStatus::Pending => "·",
            ItemStatus::Running => "…",
            ItemStatus::Pass => "✔",
            ItemStatus::Fail => "✘",
            ItemStatus::Manual => "○",
            ItemStatus::Signed => "✍",
            ItemStatus::Waived => "~",
        }
    }

    /// Done, in the sense that the phase may move on.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            ItemStatus::Pass | ItemStatus::Signed | ItemStatus::Waived
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemState {
    pub phase: String,
    pub id: String,
    pub title: String,
    pub status: ItemStatus,
    /// A human sentence with the evidence (status, latency, failing condition).
    pub detail: String,
    /// Since when the item's conditions have held (for `hold`).
    pub holding_since: Option<DateTime<Utc>>,
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub duration_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Checklist {
    items: Vec<ItemState>,
}

impl Checklist {
    pub fn new(profile: &Profile) -> Self {
        let items = profile
            .items()
            .map(|(phase, item)| ItemState {
                phase: phase.id.clone(),
                id: item.id.clone(),
                title: item.title.clone(),
                status: if item.check.is_some() {
                    ItemStatus::Pending
                } else {
                    ItemStatus::Manual
                },
                detail: String::new(),
                holding_since: None,
                by: None,
                at: None,
                note: None,
                duration_ms: None,
            })
            .collect();
        Self { items }
    }

    pub fn items(&self) -> &[ItemState] {
        &self.items
    }

    pub fn get(&self, id: &str) -> Option<&ItemState> {
        self.items.iter().find(|i| i.id == id)
    }
}

// Stand-in engine methods for the cockpit until the lead's engine lands;
// delete this line and the file when it does.
mod tui_standin;
