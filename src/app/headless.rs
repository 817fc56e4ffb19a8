//! The headless stop policy over the engine's own evaluations: when a run
//! without a terminal (`golive check`, `demo --headless`) takes an item as
//! decided, what an item still undecided at the timeout reads, how a watched
//! gate is reported, and what the operator is told to do about a breach.
//! The verdicts themselves are the cockpit's ([`MetricsState`] evaluates,
//! [`metric_evaluation`] words them for the checklist); this module only
//! says when to stop looking. Pure: the adapters hand in metrics reports and
//! the time, nothing here waits or fetches.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::checklist::{Evaluation, ItemStatus};
use super::judge::JudgeReport;
use super::logs::logs_verdict_sentence;
use super::metrics::{CheckEval, CheckStatus, GateState, MetricsState};
use crate::profile::{Gate, LogsCheck, MetricCheck, OnBreach, Profile};

/// What a face without a terminal sets on the engine: the phase it takes as
/// under way (so gates act from the canary on, as the cockpit's do), and
/// whether a gate may act on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadlessScope {
    /// The phase checked; None takes the whole run as under way.
    pub phase: Option<String>,
    /// A gate configured `auto-rollback` may start the rollback. `golive
    /// check` only reports: it says which command to run instead.
    pub may_act: bool,
}

/// How long a headless run watches a log source before it judges a logs
/// item on the lines seen: a CI run cannot wait out a five-minute window,
/// and the lines already there (a source's backlog) arrive at once.
pub const LOGS_SETTLE: Duration = Duration::from_secs(3);

/// A logs item still within its window when the settle is over: no more
/// matches than allowed is a pass, quoting the count (too many has already
/// failed it in the engine).
pub fn logs_settled(check: &LogsCheck, matches: usize) -> (ItemStatus, String) {
    let passed = u64::try_from(matches).unwrap_or(u64::MAX) <= check.max;
    let status = if passed {
        ItemStatus::Pass
    } else {
        ItemStatus::Fail
    };
    (
        status,
        logs_verdict_sentence(check, &matches.to_string(), passed),
    )
}

/// A metric check's evaluation as the checklist folds it: the one mapping
/// both the cockpit and the headless run use. Holding and no data are
/// "not yet"; no data says so in its first words.
pub fn metric_evaluation(eval: &CheckEval) -> Evaluation {
    let detail = eval.detail.clone();
    match eval.status {
        CheckStatus::Pass => Evaluation::Pass(detail),
        CheckStatus::Fail => Evaluation::Fail(detail),
        CheckStatus::Holding => Evaluation::Waiting(detail),
        CheckStatus::NoData if detail.starts_with("no data") => Evaluation::Waiting(detail),
        CheckStatus::NoData => Evaluation::Waiting(format!("no data: {detail}")),
    }
}

/// Whether a headless run may stop looking at an item whose latest status
/// is `status`: a pass is final, and so is a failure of an item without
/// `hold` (one with `hold` may still hold before the timeout).
pub fn decided(status: ItemStatus, has_hold: bool) -> bool {
    match status {
        ItemStatus::Pass | ItemStatus::Signed | ItemStatus::Waived => true,
        ItemStatus::Fail => !has_hold,
        ItemStatus::Pending | ItemStatus::Running | ItemStatus::Manual => false,
    }
}

/// The evidence of a metric item still undecided when the run stopped.
pub fn unsettled_metric_detail(eval: &CheckEval) -> String {
    match eval.status {
        CheckStatus::Holding => format!(
            "did not hold long enough before the timeout: {}",
            eval.detail
        ),
        CheckStatus::NoData => format!("NO DATA: {}", eval.detail),
        _ => eval.detail.clone(),
    }
}

/// What a headless run says of a watched gate when it ends: a breach fails,
/// and so does a gate that could not be watched (no data is never a silent
/// pass); a gate breaching, but not yet for its `for`, held.
pub fn gate_verdict(state: &GateState, breached: bool, advice: &[String]) -> (ItemStatus, String) {
    if breached {
        let mut detail = state.detail.clone();
        for s in advice {
            detail.push_str("; ");
            detail.push_str(s);
        }
        (ItemStatus::Fail, detail)
    } else if state.no_data.is_some() {
        (ItemStatus::Fail, format!("NO DATA: {}", state.detail))
    } else if state.since.is_some() {
        (
            ItemStatus::Pass,
            format!("not breached within the run: {}", state.detail),
        )
    } else {
        (ItemStatus::Pass, format!("held: {}", state.detail))
    }
}

/// What the operator should do about a breach, by the gate's `on_breach`.
pub fn breach_advice(profile: &Profile, gate: &Gate) -> String {
    let path = profile.path.display();
    match gate.on_breach {
        OnBreach::Alert => format!("gate {} breached (alert)", gate.id),
        OnBreach::Rollback => format!(
            "gate {} breached: roll back with `golive act {path} rollback`",
            gate.id
        ),
        OnBreach::AutoRollback => format!(
            "gate {} breached (auto-rollback): the cockpit rolls back by itself; headless, run `golive act {path} rollback --yes`",
            gate.id
        ),
    }
}

/// The result of one metric item in a headless run.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricItemResult {
    pub id: String,
    /// Pass or Fail: headless has no "still holding".
    pub status: ItemStatus,
    pub detail: String,
    pub duration_ms: u64,
    pub eval: CheckEval,
    /// Decided during the run; false when it was cut short (timeout, breach).
    pub settled: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricsCheckOutcome {
    pub items: Vec<MetricItemResult>,
    /// The last state of every watched gate.
    pub gates: Vec<GateState>,
    /// The gate whose breach ended the run, if one did.
    pub breached: Option<GateState>,
    /// What the operator should do, for `rollback` gates ("run golive act ...").
    pub suggestions: Vec<String>,
    pub judge: JudgeReport,
}

impl MetricsCheckOutcome {
    pub fn failed(&self) -> bool {
        self.breached.is_some() || self.items.iter().any(|i| i.status == ItemStatus::Fail)
    }
}

/// Metric items and gates watched headless over the engine's metrics
/// state: after each batch of reports, [`MetricsWatch::look`] decides what
/// it can; [`MetricsWatch::finish`] words the rest.
#[derive(Debug, Clone)]
pub struct MetricsWatch {
    items: Vec<(String, MetricCheck)>,
    gates: Vec<Gate>,
    done: BTreeMap<String, MetricItemResult>,
    last: BTreeMap<String, CheckEval>,
    gate_states: Vec<GateState>,
    breached: Option<GateState>,
    suggestions: Vec<String>,
}

impl MetricsWatch {
    pub fn new(items: &[(String, MetricCheck)], gates: &[Gate]) -> Self {
        Self {
            items: items.to_vec(),
            gates: gates.to_vec(),
            done: BTreeMap::new(),
            last: BTreeMap::new(),
            gate_states: Vec::new(),
            breached: None,
            suggestions: Vec::new(),
        }
    }

    /// Evaluates every undecided item and every gate at `now`; true when a
    /// gate breached, which ends the run.
    pub fn look(
        &mut self,
        profile: &Profile,
        state: &mut MetricsState,
        now: DateTime<Utc>,
        elapsed_ms: u64,
    ) -> bool {
        for (id, check) in &self.items {
            if self.done.contains_key(id) {
                continue;
            }
            let eval = state.evaluate_check(check, now);
            let status = match metric_evaluation(&eval) {
                Evaluation::Pass(_) => ItemStatus::Pass,
                Evaluation::Fail(_) => ItemStatus::Fail,
                Evaluation::Waiting(_) => ItemStatus::Running,
            };
            if decided(status, check.hold.is_some()) {
                self.done.insert(
                    id.clone(),
                    MetricItemResult {
                        id: id.clone(),
                        status,
                        detail: eval.detail.clone(),
                        duration_ms: elapsed_ms,
                        eval: eval.clone(),
                        settled: true,
                    },
                );
            }
            self.last.insert(id.clone(), eval);
        }
        if self.gates.is_empty() {
            return false;
        }
        self.gate_states = state.evaluate_gates(&self.gates, now);
        let Some(breach) = self.gate_states.iter().find(|g| g.breached).cloned() else {
            return false;
        };
        if let Some(gate) = self.gates.iter().find(|g| g.id == breach.id) {
            self.suggestions.push(breach_advice(profile, gate));
        }
        self.breached = Some(breach);
        true
    }

    /// Every item decided.
    pub fn all_decided(&self) -> bool {
        self.done.len() == self.items.len()
    }

    /// The outcome: decided items as they were decided, the others failed
    /// with their last evidence, and the judge over what was sampled.
    pub fn finish(
        mut self,
        state: &MetricsState,
        now: DateTime<Utc>,
        elapsed_ms: u64,
    ) -> MetricsCheckOutcome {
        let items = std::mem::take(&mut self.items);
        let results = items
            .iter()
            .map(|(id, _)| match self.done.remove(id) {
                Some(r) => r,
                None => {
                    let eval = self.last.remove(id).unwrap_or(CheckEval {
                        status: CheckStatus::NoData,
                        detail: "not evaluated".into(),
                        observed: None,
                        holding_since: None,
                        threshold_value: None,
                    });
                    MetricItemResult {
                        id: id.clone(),
                        status: ItemStatus::Fail,
                        detail: unsettled_metric_detail(&eval),
                        duration_ms: elapsed_ms,
                        eval,
                        settled: false,
                    }
                }
            })
            .collect();
        MetricsCheckOutcome {
            items: results,
            gates: self.gate_states,
            breached: self.breached,
            suggestions: self.suggestions,
            judge: state.judge(now),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn eval(status: CheckStatus, detail: &str) -> CheckEval {
        CheckEval {
            status,
            detail: detail.into(),
            observed: None,
            holding_since: None,
            threshold_value: None,
        }
    }

    #[test]
    fn a_pass_is_final_and_a_failure_only_without_hold() {
        assert!(decided(ItemStatus::Pass, true));
        assert!(decided(ItemStatus::Fail, false));
        assert!(!decided(ItemStatus::Fail, true));
        assert!(!decided(ItemStatus::Running, false));
        assert!(!decided(ItemStatus::Manual, false));
    }

    #[test]
    fn no_data_is_waiting_and_says_so_first() {
        assert_eq!(
            metric_evaluation(&eval(CheckStatus::NoData, "baseline missing")),
            Evaluation::Waiting("no data: baseline missing".into())
        );
        assert_eq!(
            unsettled_metric_detail(&eval(CheckStatus::NoData, "baseline missing")),
            "NO DATA: baseline missing"
        );
        assert!(
            unsettled_metric_detail(&eval(CheckStatus::Holding, "p95 120ms < 200ms"))
                .starts_with("did not hold long enough")
        );
    }
}
