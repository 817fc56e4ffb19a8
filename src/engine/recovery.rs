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
                    Some(
                        Check::Command(_)
                            | Check::Swarm(_)
                            | Check::Kubernetes(_)
                            | Check::Rehearse(_)
                    )
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::cockpit::fixture::{sample_profile, t0};
    use crate::cockpit::keys::Key;
    use crate::engine::command::CommandOutcome;
    use crate::engine::health::{Health, HealthState};
    use crate::engine::lifecycle::Stage;
    use crate::engine::probe::{Observation, ProbeReport};
    use crate::engine::record::Record;
    use crate::engine::state::{App, Effect, Msg, Verdict as Shown, update};

    fn at(ms: i64) -> DateTime<Utc> {
        t0() + chrono::Duration::milliseconds(ms)
    }

    /// A cockpit whose rollback verifies `health`, which holds for 2 s.
    fn app() -> App {
        let mut profile = sample_profile();
        for phase in &mut profile.phases {
            for item in &mut phase.items {
                if let Some(Check::Endpoint(e)) = &mut item.check
                    && item.id == "health"
                {
                    e.hold = Some(Duration::from_secs(2));
                }
            }
        }
        App::new(profile, "alice", t0())
    }

    fn records(effects: &[Effect]) -> Vec<Record> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Append(r) => Some((**r).clone()),
                _ => None,
            })
            .collect()
    }

    /// Feeds `msg` at `ms`, and every record it asks for back, as the
    /// journal watcher would; returns those records.
    fn feed(app: &mut App, ms: i64, msg: Msg) -> Vec<Record> {
        let mut out = records(&update(app, Msg::Tick(at(ms))));
        out.extend(records(&update(app, msg)));
        for r in &out {
            update(app, Msg::Record(Box::new(r.clone())));
        }
        out
    }

    fn health(ms: i64, status: u16) -> Msg {
        let url = "http://10.0.0.21:8002/health".to_string();
        Msg::Probe(Box::new(ProbeReport {
            endpoint: "health".into(),
            replica: 0,
            url: url.clone(),
            at: at(ms),
            observation: Observation {
                url,
                connected: true,
                status: Some(status),
                response_time: Duration::from_millis(40),
                health: Health {
                    state: if status == 200 {
                        HealthState::Up
                    } else {
                        HealthState::Down
                    },
                    ..Health::default()
                },
                ..Observation::default()
            },
        }))
    }

    fn rolled_back(app: &mut App) -> Vec<Record> {
        update(app, Msg::Tick(t0()));
        let mut out = records(&update(app, Msg::Key(Key::Char('R'))));
        out.extend(records(&update(app, Msg::Key(Key::Char('y')))));
        for r in &out {
            update(app, Msg::Record(Box::new(r.clone())));
        }
        let finished = Msg::ActionFinished {
            name: "rollback".into(),
            outcome: CommandOutcome {
                exit_code: Some(0),
                ..CommandOutcome::default()
            },
        };
        out.extend(feed(app, 0, finished));
        out
    }

    fn verified(records: &[Record]) -> Vec<&Event> {
        records
            .iter()
            .map(|r| &r.event)
            .filter(|e| matches!(e, Event::Verified { .. }))
            .collect()
    }

    #[test]
    fn recovery_honours_the_items_hold_and_is_journalled_once() {
        let mut app = app();
        let mut journal = rolled_back(&mut app);
        assert_eq!(app.lifecycle.stage, Stage::RolledBack);
        journal.extend(feed(&mut app, 500, health(500, 200)));
        journal.extend(feed(&mut app, 1500, health(1500, 200)));
        assert!(verified(&journal).is_empty(), "passed before its hold");
        journal.extend(feed(&mut app, 2600, health(2600, 200)));
        journal.extend(feed(&mut app, 3600, health(3600, 200)));
        assert_eq!(
            verified(&journal),
            vec![&Event::Verified {
                action: "rollback".into(),
                items: vec!["health".into()],
                recovered: true,
                time_to_recovery_ms: Some(2600),
            }]
        );
        assert_eq!(app.lifecycle.stage, Stage::Recovered);
        assert!(journal.iter().any(|r| matches!(
            r.event,
            Event::Lifecycle {
                state: Stage::Recovered,
                ..
            }
        )));
    }

    #[test]
    fn a_failure_during_the_hold_restarts_it_and_the_timeout_says_not_recovered() {
        let mut app = app();
        let mut journal = rolled_back(&mut app);
        journal.extend(feed(&mut app, 500, health(500, 200)));
        journal.extend(feed(&mut app, 1500, health(1500, 503)));
        journal.extend(feed(&mut app, 2600, health(2600, 200)));
        assert!(verified(&journal).is_empty());
        // The sample rollback's verify timeout is 5 minutes.
        journal.extend(feed(&mut app, 300_000, Msg::Tick(at(300_000))));
        assert!(matches!(
            verified(&journal)[..],
            [Event::Verified {
                recovered: false,
                time_to_recovery_ms: None,
                ..
            }]
        ));
        assert_eq!(app.lifecycle.stage, Stage::NotRecovered);
        assert!(app.lifecycle.headline().unwrap().contains("NOT RECOVERED"));
        journal.extend(feed(&mut app, 301_000, health(301_000, 200)));
        assert_eq!(verified(&journal).len(), 1, "journalled once");
    }

    #[test]
    fn items_made_moot_by_the_rollback_are_superseded_not_failing() {
        let mut app = app();
        // A canary-phase item fails: the release is failing.
        app.checklist.apply_evaluation(
            "ready",
            None,
            crate::engine::checklist::Evaluation::Fail("not ready".into()),
            t0(),
        );
        assert_eq!(app.verdict(), Shown::Failing);
        let journal = rolled_back(&mut app);
        let item = |id: &str| app.checklist.get(id).unwrap().clone();
        assert!(app.superseded(&item("ready")), "a canary-phase item");
        assert!(app.superseded(&item("p95")), "a canary-track metric");
        assert!(!app.superseded(&item("health")), "the rollback's proof");
        assert!(!app.superseded(&item("ci-green")), "a pre-launch item");
        assert_ne!(app.verdict(), Shown::Failing);
        // A second cockpit on the same journal reaches the same stage.
        let mut other = App::new(app.profile.clone(), "bob", t0());
        for r in journal {
            update(&mut other, Msg::Record(Box::new(r)));
        }
        assert_eq!(other.lifecycle, app.lifecycle);
        assert!(other.superseded(&item("ready")));
    }
}
