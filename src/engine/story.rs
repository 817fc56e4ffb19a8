//! The release's story as the journal tells it, beside its checklist: every
//! gate breach (value against threshold), every change of the judge's
//! verdict, every action (who, what ran, masked, exit code, duration, the
//! tail of its output, and the recovery after it) and the lifecycle. Pure: a
//! fold of records for `golive status` and any face that reports.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::judge::Verdict;
use super::lifecycle::Lifecycle;
use super::record::{Event, Record};

/// Lines of an action's output the story keeps.
pub const OUTPUT_TAIL: usize = 5;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Story {
    pub breaches: Vec<Breach>,
    pub verdicts: Vec<VerdictChange>,
    pub actions: Vec<ActionRun>,
    pub lifecycle: Lifecycle,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    pub gate: String,
    /// The measured value against its threshold, as the gate said it.
    pub observed: String,
    pub on_breach: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictChange {
    pub verdict: Verdict,
    pub score: Option<f64>,
    pub summary: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRun {
    pub action: String,
    pub by: String,
    /// Who asked, when not the operator (an auto-rollback gate).
    pub trigger: Option<String>,
    /// What ran, secrets masked.
    pub what: String,
    pub dry_run: bool,
    /// Why it ran, as the confirmation said it (`engine::action_reason`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub started_at: DateTime<Utc>,
    /// None while it runs (or if the journal never heard its end).
    pub end: Option<ActionEnd>,
    pub recovery: Option<RecoveryRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionEnd {
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub cancelled: bool,
    pub timed_out: bool,
    pub output_tail: Vec<String>,
}

impl ActionEnd {
    /// How the action ended, in the words every face prints: `cancelled`,
    /// `timed out`, `exit N` or `no exit code`.
    pub fn how(&self) -> String {
        how_it_ended(self.exit_code, self.cancelled, self.timed_out)
    }
}

/// [`ActionEnd::how`] from an `action_finished` record's fields.
pub fn how_it_ended(exit_code: Option<i32>, cancelled: bool, timed_out: bool) -> String {
    if cancelled {
        "cancelled".to_string()
    } else if timed_out {
        "timed out".to_string()
    } else {
        exit_code.map_or("no exit code".into(), |c| format!("exit {c}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryRow {
    pub recovered: bool,
    pub time_to_recovery_ms: Option<u64>,
    pub items: Vec<String>,
    pub at: DateTime<Utc>,
}

impl Story {
    /// The story of `service` `version` in `records`.
    pub fn from_records(service: &str, version: &str, records: &[Record]) -> Self {
        let mut story = Story::default();
        let mut last_verdict = None;
        for r in records
            .iter()
            .filter(|r| r.service == service && r.version == version)
        {
            story.lifecycle.apply(r);
            match &r.event {
                Event::GateBreach {
                    gate,
                    observed,
                    on_breach,
                } => story.breaches.push(Breach {
                    gate: gate.clone(),
                    observed: observed.clone(),
                    on_breach: on_breach.clone(),
                    at: r.at,
                }),
                Event::JudgeVerdict {
                    verdict,
                    score,
                    summary,
                    ..
                } if last_verdict != Some(*verdict) => {
                    last_verdict = Some(*verdict);
                    story.verdicts.push(VerdictChange {
                        verdict: *verdict,
                        score: *score,
                        summary: summary.clone(),
                        at: r.at,
                    });
                }
                Event::ActionStarted {
                    action,
                    what,
                    dry_run,
                    trigger,
                    reason,
                } => story.actions.push(ActionRun {
                    action: action.clone(),
                    by: r.operator.clone(),
                    trigger: trigger.clone().filter(|t| t != &r.operator),
                    what: what.clone(),
                    dry_run: *dry_run,
                    reason: reason.clone(),
                    started_at: r.at,
                    end: None,
                    recovery: None,
                }),
                Event::ActionFinished {
                    action,
                    exit_code,
                    duration_ms,
                    output,
                    cancelled,
                    timed_out,
                } => {
                    if let Some(run) = story.open_run(action, |run| run.end.is_none()) {
                        let lines: Vec<&str> = output.lines().collect();
                        let skip = lines.len().saturating_sub(OUTPUT_TAIL);
                        run.end = Some(ActionEnd {
                            exit_code: *exit_code,
                            duration_ms: *duration_ms,
                            cancelled: *cancelled,
                            timed_out: *timed_out,
                            output_tail: lines[skip..].iter().map(|l| l.to_string()).collect(),
                        });
                    }
                }
                Event::Verified {
                    action,
                    items,
                    recovered,
                    time_to_recovery_ms,
                } => {
                    if let Some(run) = story.open_run(action, |run| run.recovery.is_none()) {
                        run.recovery = Some(RecoveryRow {
                            recovered: *recovered,
                            time_to_recovery_ms: *time_to_recovery_ms,
                            items: items.clone(),
                            at: r.at,
                        });
                    }
                }
                _ => {}
            }
        }
        story
    }

    /// The latest real run of `action` that `open` still accepts.
    fn open_run(
        &mut self,
        action: &str,
        open: impl Fn(&ActionRun) -> bool,
    ) -> Option<&mut ActionRun> {
        self.actions
            .iter_mut()
            .rev()
            .find(|run| run.action == action && !run.dry_run)
            .filter(|run| open(run))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::engine::lifecycle::Stage;

    fn rec(s: i64, event: Event) -> Record {
        Record {
            at: DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap(),
            operator: "alice".into(),
            service: "svc".into(),
            version: "v2".into(),
            event,
        }
    }

    #[test]
    fn a_rollback_with_its_end_and_recovery_and_a_breach() {
        let records = vec![
            rec(
                0,
                Event::GateBreach {
                    gate: "errors".into(),
                    observed: "8.00% vs > 5.00%".into(),
                    on_breach: "rollback".into(),
                },
            ),
            rec(
                1,
                Event::ActionStarted {
                    action: "rollback".into(),
                    what: "kubectl rollout undo".into(),
                    dry_run: false,
                    trigger: None,
                    reason: None,
                },
            ),
            rec(
                3,
                Event::ActionFinished {
                    action: "rollback".into(),
                    exit_code: Some(0),
                    duration_ms: 2000,
                    output: (1..=8).map(|n| format!("line {n}\n")).collect(),
                    cancelled: false,
                    timed_out: false,
                },
            ),
            rec(
                10,
                Event::Verified {
                    action: "rollback".into(),
                    items: vec!["health".into()],
                    recovered: true,
                    time_to_recovery_ms: Some(7000),
                },
            ),
        ];
        let story = Story::from_records("svc", "v2", &records);
        assert_eq!(story.breaches.len(), 1);
        assert_eq!(story.breaches[0].observed, "8.00% vs > 5.00%");
        let run = &story.actions[0];
        assert_eq!(run.by, "alice");
        let end = run.end.as_ref().unwrap();
        assert_eq!(end.exit_code, Some(0));
        assert_eq!(end.output_tail.first().unwrap(), "line 4");
        assert_eq!(end.output_tail.len(), OUTPUT_TAIL);
        assert_eq!(
            run.recovery.as_ref().unwrap().time_to_recovery_ms,
            Some(7000)
        );
        assert_eq!(story.lifecycle.stage, Stage::Recovered);
        assert!(
            Story::from_records("svc", "v3", &records)
                .actions
                .is_empty()
        );
    }
}
