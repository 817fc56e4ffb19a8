//! The one recovery rule, for every face (cockpit, `act`, the demo): after
//! an action exits 0 with `verify` items, those items are re-run as the
//! checklist runs them (an endpoint item's `hold`, `all_replicas` and poll
//! timeout; a command item re-run each poll interval until it passes; metric,
//! log and Docker items on their own facts). The release has recovered when
//! every verify item has passed since the action ended; it has not when the
//! action's `verify_timeout` runs out first. Either verdict is journalled
//! once, as `verified`.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::checklist::{Checklist, ItemStatus};
use super::record::Event;
use crate::profile::{Action, Check, Profile};

#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    pub action: String,
    pub items: Vec<String>,
    /// When the action ended: the time to recovery counts from here.
    pub ended_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// Set once the verdict is journalled: it never is twice.
    pub verdict: Option<Verdict>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Recovered { after: Duration },
    NotRecovered,
}

impl Recovery {
    /// Starts verifying `action`, which just ended at `now`; None when it
    /// has nothing to verify.
    pub fn start(action: &Action, now: DateTime<Utc>) -> Option<Self> {
        if action.verify.is_empty() {
            return None;
        }
        let timeout = chrono::Duration::from_std(action.verify_timeout)
            .unwrap_or(chrono::Duration::minutes(5));
        Some(Self {
            action: action.name.clone(),
            items: action.verify.clone(),
            ended_at: now,
            deadline: now + timeout,
            verdict: None,
        })
    }

    /// Whether `id` passed since the action ended (a signed or waived item
    /// counts: an operator settled it).
    fn passed(&self, checklist: &Checklist, id: &str) -> bool {
        checklist.get(id).is_some_and(|i| match i.status {
            ItemStatus::Signed | ItemStatus::Waived => true,
            ItemStatus::Pass => i.at.is_some_and(|at| at >= self.ended_at),
            _ => false,
        })
    }

    /// The verify items not passing yet.
    pub fn pending(&self, checklist: &Checklist) -> Vec<String> {
        self.items
            .iter()
            .filter(|i| !self.passed(checklist, i))
            .cloned()
            .collect()
    }

    /// Looks at the checklist at `now`: the `verified` event to journal when
    /// the verdict is reached (once), else None.
    pub fn follow(&mut self, checklist: &Checklist, now: DateTime<Utc>) -> Option<Event> {
        if self.verdict.is_some() {
            return None;
        }
        let verdict = if self.pending(checklist).is_empty() {
            Verdict::Recovered {
                after: (now - self.ended_at).to_std().unwrap_or_default(),
            }
        } else if now >= self.deadline {
            Verdict::NotRecovered
        } else {
            return None;
        };
        self.verdict = Some(verdict);
        Some(Event::Verified {
            action: self.action.clone(),
            items: self.items.clone(),
            recovered: matches!(verdict, Verdict::Recovered { .. }),
            time_to_recovery_ms: match verdict {
                Verdict::Recovered { after } => Some(after.as_millis() as u64),
                Verdict::NotRecovered => None,
            },
        })
    }

    /// The command items to run again now: failed ones whose last run ended
    /// a poll interval ago or more, while the verdict is open.
    pub fn reruns(
        &self,
        profile: &Profile,
        checklist: &Checklist,
        now: DateTime<Utc>,
    ) -> Vec<String> {
        if self.verdict.is_some() {
            return Vec::new();
        }
        let interval = chrono::Duration::from_std(profile.settings.poll_interval)
            .unwrap_or(chrono::Duration::seconds(1));
        self.items
            .iter()
            .filter(|id| {
                matches!(
                    profile.item(id).and_then(|(_, i)| i.check.as_ref()),
                    Some(Check::Command(_))
                )
            })
            .filter(|id| {
                checklist.get(id).is_some_and(|i| {
                    i.status == ItemStatus::Fail && i.at.is_none_or(|at| now - at >= interval)
                })
            })
            .cloned()
            .collect()
    }
}
