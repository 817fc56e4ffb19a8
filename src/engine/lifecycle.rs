//! The release's lifecycle: in progress, then promoted, or rolling back →
//! rolled back → recovered | not recovered. It is a fold of journal records
//! (the promote and rollback actions' start and end, and the rollback's
//! `verified`), so every face and a second cockpit on the same journal reach
//! the same stage from the same records. The engine journals a `lifecycle`
//! record beside the record that moves it, for readers of the raw journal.
//!
//! Items made moot by a rollback are *superseded*: once the release is
//! rolling back or later, an item not done of the canary phase or a later
//! one, or whose check reads the canary track, no longer says anything about
//! the release, except the rollback's own verify items, which prove it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::checklist::ItemStatus;
use super::record::{Event, Record};
use crate::profile::{Check, Profile};

/// The action names whose records move the lifecycle.
pub const PROMOTE: &str = "promote";
pub const ROLLBACK: &str = "rollback";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    #[default]
    InProgress,
    Promoted,
    RollingBack,
    RolledBack,
    Recovered,
    NotRecovered,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::InProgress => "in progress",
            Stage::Promoted => "promoted",
            Stage::RollingBack => "rolling back",
            Stage::RolledBack => "rolled back",
            Stage::Recovered => "recovered",
            Stage::NotRecovered => "not recovered",
        }
    }

    /// A rollback has begun: the canary's items no longer judge the release.
    pub fn rolled_back(self) -> bool {
        matches!(
            self,
            Stage::RollingBack | Stage::RolledBack | Stage::Recovered | Stage::NotRecovered
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Lifecycle {
    pub stage: Stage,
    /// Who started the promote or rollback that moved it, and when.
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// From the rollback's end to every verify item passing.
    pub time_to_recovery_ms: Option<u64>,
    /// One sentence on how it got here.
    pub detail: String,
    /// When the rollback was decided (started: the operator's `y`, or an
    /// auto-rollback gate) and when its recovery was verified: the charts
    /// mark them on the time axis.
    #[serde(skip)]
    pub rollback_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub recovered_at: Option<DateTime<Utc>>,
}

impl Lifecycle {
    /// Folds one record in; true when the stage changed.
    pub fn apply(&mut self, record: &Record) -> bool {
        let before = self.stage;
        match &record.event {
            Event::ActionStarted {
                action,
                dry_run: false,
                trigger,
                ..
            } if action == ROLLBACK => {
                self.stage = Stage::RollingBack;
                self.by = Some(record.operator.clone());
                self.at = Some(record.at);
                self.rollback_at = Some(record.at);
                self.recovered_at = None;
                self.time_to_recovery_ms = None;
                self.detail = match trigger {
                    Some(t) if t != &record.operator => format!("rollback started by {t}"),
                    _ => format!("rollback started by {}", record.operator),
                };
            }
            Event::ActionFinished {
                action,
                exit_code,
                cancelled,
                timed_out,
                ..
            } if action == ROLLBACK || action == PROMOTE => {
                let ok = *exit_code == Some(0) && !cancelled && !timed_out;
                if action == PROMOTE {
                    if ok {
                        self.stage = Stage::Promoted;
                        self.by = Some(record.operator.clone());
                        self.at = Some(record.at);
                        self.detail = format!("promoted by {}", record.operator);
                    }
                } else if ok {
                    self.stage = Stage::RolledBack;
                    self.detail = "rollback finished; verifying recovery".into();
                } else {
                    self.stage = Stage::InProgress;
                    self.detail = format!(
                        "rollback failed ({})",
                        if *cancelled {
                            "cancelled".to_string()
                        } else if *timed_out {
                            "timed out".to_string()
                        } else {
                            exit_code.map_or("no exit code".into(), |c| format!("exit {c}"))
                        }
                    );
                }
            }
            Event::Verified {
                action,
                recovered,
                time_to_recovery_ms,
                items,
            } if action == ROLLBACK && self.stage.rolled_back() => {
                if *recovered {
                    self.stage = Stage::Recovered;
                    self.recovered_at = Some(record.at);
                    self.time_to_recovery_ms = *time_to_recovery_ms;
                    self.detail = format!(
                        "recovered in {}: {} passed",
                        secs(time_to_recovery_ms.unwrap_or(0)),
                        items.join(", ")
                    );
                } else {
                    self.stage = Stage::NotRecovered;
                    self.detail = format!("not recovered: {} still failing", items.join(", "));
                }
            }
            _ => {}
        }
        self.stage != before
    }

    /// The stage as its own record, journalled when it changes.
    pub fn event(&self) -> Event {
        Event::Lifecycle {
            state: self.stage,
            by: self.by.clone().unwrap_or_default(),
            detail: self.detail.clone(),
        }
    }

    /// What the header and `check` say: "ROLLED BACK by alice 03:12 ·
    /// recovered in 42s"; None while the release is simply in progress.
    pub fn headline(&self) -> Option<String> {
        let who = match (&self.by, self.at) {
            (Some(by), Some(at)) => format!(" by {by} {}", at.format("%H:%M")),
            _ => String::new(),
        };
        Some(match self.stage {
            Stage::InProgress => return None,
            Stage::Promoted => format!("PROMOTED{who}"),
            Stage::RollingBack => format!("ROLLING BACK{who}"),
            Stage::RolledBack => format!("ROLLED BACK{who} · verifying"),
            Stage::Recovered => format!(
                "ROLLED BACK{who} · recovered in {}",
                secs(self.time_to_recovery_ms.unwrap_or(0))
            ),
            Stage::NotRecovered => format!("ROLLED BACK{who} · NOT RECOVERED"),
        })
    }
}

/// The record that moves `lifecycle`, if `event` (about to be journalled by
/// this engine) changes its stage: journalled right after it.
pub fn follows(lifecycle: &Lifecycle, record: &Record) -> Option<Event> {
    let mut next = lifecycle.clone();
    next.apply(record).then(|| next.event())
}

/// Whether item `id`, now `status`, is made moot by the rollback (see the
/// module's rule).
pub fn superseded(profile: &Profile, lifecycle: &Lifecycle, id: &str, status: ItemStatus) -> bool {
    if !lifecycle.stage.rolled_back() || status.is_done() {
        return false;
    }
    if profile
        .actions
        .get(ROLLBACK)
        .is_some_and(|a| a.verify.iter().any(|v| v == id))
    {
        return false;
    }
    let Some((item_phase, spec)) = profile.item(id) else {
        return false;
    };
    let canary_phase = profile.canary_phase().map(|(index, _)| index);
    let phase = profile.phases.iter().position(|p| p.id == item_phase.id);
    if let (Some(canary), Some(phase)) = (canary_phase, phase)
        && phase >= canary
    {
        return true;
    }
    let track = match &spec.check {
        Some(Check::Endpoint(e)) => profile.endpoint(&e.endpoint).and_then(|e| e.track.clone()),
        Some(Check::Metric(m)) => Some(m.track.clone()),
        _ => None,
    };
    track.as_deref() == Some("canary")
}

/// "42s", "3m05s".
fn secs(ms: u64) -> String {
    let d = Duration::from_millis(ms);
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rec(at: &str, operator: &str, event: Event) -> Record {
        Record {
            at: at.parse().unwrap(),
            operator: operator.into(),
            service: "svc".into(),
            version: "v2".into(),
            event,
        }
    }

    fn started(action: &str) -> Event {
        Event::ActionStarted {
            action: action.into(),
            what: "run: x".into(),
            dry_run: false,
            trigger: None,
            reason: None,
        }
    }

    fn finished(action: &str, exit: i32) -> Event {
        Event::ActionFinished {
            action: action.into(),
            exit_code: Some(exit),
            duration_ms: 10,
            output: String::new(),
            cancelled: false,
            timed_out: false,
        }
    }

    fn verified(recovered: bool) -> Event {
        Event::Verified {
            action: ROLLBACK.into(),
            items: vec!["health".into()],
            recovered,
            time_to_recovery_ms: recovered.then_some(42_000),
        }
    }

    #[test]
    fn a_rollback_folds_to_recovered_with_who_and_when() {
        let mut l = Lifecycle::default();
        assert_eq!(l.headline(), None);
        assert!(l.apply(&rec("2026-12-01T03:12:00Z", "alice", started(ROLLBACK))));
        assert_eq!(l.stage, Stage::RollingBack);
        assert!(l.apply(&rec("2026-12-01T03:12:05Z", "alice", finished(ROLLBACK, 0))));
        assert_eq!(
            l.headline().unwrap(),
            "ROLLED BACK by alice 03:12 · verifying"
        );
        assert!(l.apply(&rec("2026-12-01T03:12:47Z", "alice", verified(true))));
        assert_eq!(l.stage, Stage::Recovered);
        assert_eq!(
            l.headline().unwrap(),
            "ROLLED BACK by alice 03:12 · recovered in 42.0s"
        );
    }

    #[test]
    fn not_recovered_and_failed_rollbacks_and_promotion() {
        let mut l = Lifecycle::default();
        l.apply(&rec("2026-12-01T03:12:00Z", "bob", started(ROLLBACK)));
        assert!(l.apply(&rec("2026-12-01T03:12:01Z", "bob", finished(ROLLBACK, 1))));
        assert_eq!(l.stage, Stage::InProgress);
        assert_eq!(l.detail, "rollback failed (exit 1)");
        l.apply(&rec("2026-12-01T03:13:00Z", "bob", started(ROLLBACK)));
        l.apply(&rec("2026-12-01T03:13:01Z", "bob", finished(ROLLBACK, 0)));
        l.apply(&rec("2026-12-01T03:18:01Z", "bob", verified(false)));
        assert_eq!(l.stage, Stage::NotRecovered);
        assert!(l.headline().unwrap().ends_with("NOT RECOVERED"));

        let mut p = Lifecycle::default();
        assert!(!p.apply(&rec("2026-12-01T04:00:00Z", "carol", started(PROMOTE))));
        assert!(p.apply(&rec("2026-12-01T04:00:02Z", "carol", finished(PROMOTE, 0))));
        assert_eq!(p.headline().unwrap(), "PROMOTED by carol 04:00");
    }

    #[test]
    fn a_dry_run_or_another_action_does_not_move_it() {
        let mut l = Lifecycle::default();
        let dry = Event::ActionStarted {
            action: ROLLBACK.into(),
            what: String::new(),
            dry_run: true,
            trigger: None,
            reason: None,
        };
        assert!(!l.apply(&rec("2026-12-01T03:12:00Z", "a", dry)));
        assert!(!l.apply(&rec("2026-12-01T03:12:00Z", "a", started("restart"))));
        assert!(!l.apply(&rec("2026-12-01T03:12:00Z", "a", verified(true))));
        assert_eq!(l.stage, Stage::InProgress);
    }

    #[test]
    fn follows_names_the_lifecycle_record_a_record_brings() {
        let l = Lifecycle::default();
        let r = rec("2026-12-01T03:12:00Z", "alice", started(ROLLBACK));
        assert_eq!(
            follows(&l, &r),
            Some(Event::Lifecycle {
                state: Stage::RollingBack,
                by: "alice".into(),
                detail: "rollback started by alice".into()
            })
        );
        assert_eq!(
            follows(&l, &rec("2026-12-01T03:12:00Z", "a", started("x"))),
            None
        );
    }
}
