//! The headless stop policy over the engine's own evaluations: when a run
//! without a terminal (`golive check`, `demo --headless`) takes an item as
//! decided, what an item still undecided at the timeout reads, how a watched
//! gate is reported, and what the operator is told to do about a breach.
//! The verdicts themselves are the cockpit's ([`MetricsState`] evaluates,
//! [`metric_evaluation`] words them for the checklist); this module only
//! says when to stop looking. Pure: the adapters hand in metrics reports and
//! the time, nothing here waits or fetches.

use std::time::Duration;

use super::checklist::{Evaluation, ItemStatus};
use super::logs::logs_verdict_sentence;
use super::metrics::{CheckEval, CheckStatus, GateState};
use crate::profile::{Gate, LogsCheck, OnBreach, Profile};

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
