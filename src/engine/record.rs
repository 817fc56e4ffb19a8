//! Journal records: what a release record is made of. Pure data; the journal
//! adapter (`io::journal`) is the only writer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::checklist::ItemStatus;
use super::judge::{Classification, SequentialEvidence, Verdict};
use crate::profile::Profile;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub at: DateTime<Utc>,
    pub operator: String,
    pub service: String,
    pub version: String,
    #[serde(flatten)]
    pub event: Event,
}

impl Record {
    /// The one builder of a release record: every face stamps its events
    /// with the profile's service and version the same way.
    pub fn new(profile: &Profile, operator: &str, at: DateTime<Utc>, event: Event) -> Self {
        Self {
            at,
            operator: operator.to_string(),
            service: profile.service.name.clone(),
            version: profile.service.version.clone(),
            event,
        }
    }
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
        /// Why it runs and what it will do, the text the confirmation showed
        /// (`engine::action_reason`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
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
    /// The release's lifecycle stage, journalled when a record moved it (see
    /// `engine::lifecycle`, which folds the same stage from the action records).
    Lifecycle {
        state: super::lifecycle::Stage,
        #[serde(default)]
        by: String,
        #[serde(default)]
        detail: String,
    },
    GateBreach {
        gate: String,
        observed: String,
        on_breach: String,
    },
    /// A breached gate is back within its threshold: journalled once per
    /// breach, by whichever engine sees it first (see `engine::notify`).
    GateResolved {
        gate: String,
        observed: String,
        /// From the breach record to this one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        breached_ms: Option<u64>,
    },
    /// What became of one notification for one receiver (`engine::notify`):
    /// a key with a record is never sent again, by any process.
    NotifyDelivery {
        key: String,
        receiver: String,
        /// `sent` or `failed`.
        outcome: String,
        attempts: u32,
        /// The receiver's HTTP status or a command's exit code, when it answered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<i32>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        detail: String,
    },
    /// The statistical judge's verdict, when it changed (cockpit) or once per
    /// headless check that judged. A new kind: journals written before it
    /// simply have none, and every field but the verdict may be missing.
    JudgeVerdict {
        verdict: Verdict,
        /// 0–100; None when no metric could be judged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        score: Option<f64>,
        #[serde(default)]
        summary: String,
        /// One line per metric: class, p-value, shift, ratio, samples.
        #[serde(default)]
        metrics: Vec<String>,
        /// Per metric, the numbers behind its line (journals written before
        /// the sequential judge have none).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        evidence: Vec<MetricEvidence>,
    },
    /// An endpoint's health changed (journalled on change, not every probe:
    /// see `engine::samples`). A new kind: older journals simply have none.
    Health {
        endpoint: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        track: Option<String>,
        state: super::health::HealthState,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        detail: String,
    },
    /// A track's metrics at one instant (at most one every `samples::EVERY`),
    /// so the report can redraw the charts after the fact.
    Sample {
        track: String,
        /// Seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        latency_p95: Option<f64>,
        /// A fraction (0.05 = 5%).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_rate: Option<f64>,
    },
    /// What the operator saw when they signed, waived or confirmed an
    /// action: journalled right after that record, about its item or action.
    Evidence {
        about: String,
        #[serde(default)]
        seen: super::evidence::Evidence,
    },
}

/// One metric of a journalled verdict: its class and, from the sequential
/// judge, the ratio with its bounds, the allowed increase, what was counted
/// and what an inconclusive metric still needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricEvidence {
    pub metric: String,
    pub classification: Classification,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential: Option<SequentialEvidence>,
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn records_written_before_the_judge_verdict_kind_still_read() {
        let old = r#"{"at":"2026-11-22T19:01:00Z","operator":"alice","service":"svc","version":"v2","kind":"gate_breach","gate":"errors","observed":"8.00% vs > 5.00%","on_breach":"alert"}"#;
        let record: Record = serde_json::from_str(old).unwrap();
        assert!(matches!(record.event, Event::GateBreach { .. }));
    }

    #[test]
    fn a_judge_verdict_round_trips_and_its_details_are_optional() {
        let record = Record {
            at: "2026-11-22T19:02:00Z".parse().unwrap(),
            operator: "alice".into(),
            service: "svc".into(),
            version: "v2".into(),
            event: Event::JudgeVerdict {
                verdict: Verdict::Fail,
                score: Some(50.0),
                summary: "judge: fail (score 50/100) for canary vs baseline".into(),
                metrics: vec!["latency_p95 high: p = 0.0001".into()],
                evidence: Vec::new(),
            },
        };
        let line = serde_json::to_string(&record).unwrap();
        assert!(line.contains(r#""kind":"judge_verdict""#), "{line}");
        assert!(line.contains(r#""verdict":"fail""#), "{line}");
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), record);
        // Journals before 2026-12 spelt no data `no_data`: still read.
        let bare = r#"{"at":"2026-11-22T19:01:00Z","operator":"a","service":"svc","version":"v2","kind":"judge_verdict","verdict":"no_data"}"#;
        let record: Record = serde_json::from_str(bare).unwrap();
        assert_eq!(
            record.event,
            Event::JudgeVerdict {
                verdict: Verdict::NoData,
                score: None,
                summary: String::new(),
                metrics: Vec::new(),
                evidence: Vec::new(),
            }
        );
    }

    #[test]
    fn no_data_is_written_no_dash_data_and_the_evidence_round_trips() {
        use crate::engine::judge::{CountUnit, SequentialEvidence};
        let evidence = MetricEvidence {
            metric: "error_rate".into(),
            classification: Classification::Inconclusive,
            sequential: Some(SequentialEvidence {
                ratio: 1.1,
                lower: None,
                upper: Some(3.0),
                allowed_increase: 1.2,
                confidence: 0.995,
                unit: CountUnit::Requests,
                canary_count: 1200,
                baseline_count: 1200,
                canary_errors: Some(3),
                baseline_errors: Some(2),
                more: Some(40_000),
                more_minutes: Some(33.0),
            }),
        };
        let event = Event::JudgeVerdict {
            verdict: Verdict::NoData,
            score: None,
            summary: String::new(),
            metrics: Vec::new(),
            evidence: vec![
                evidence.clone(),
                MetricEvidence {
                    metric: "latency_p95".into(),
                    classification: Classification::NoData,
                    sequential: None,
                },
            ],
        };
        let line = serde_json::to_string(&event).unwrap();
        assert!(line.contains(r#""verdict":"no-data""#), "{line}");
        assert!(line.contains(r#""classification":"no-data""#), "{line}");
        assert!(
            line.contains(r#""classification":"inconclusive""#),
            "{line}"
        );
        assert!(!line.contains("no_data"), "{line}");
        assert_eq!(serde_json::from_str::<Event>(&line).unwrap(), event);
        let old: Classification = serde_json::from_str(r#""no_data""#).unwrap();
        assert_eq!(old, Classification::NoData);
    }
}
