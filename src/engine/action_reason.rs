//! Why an action is about to run, in one text: what triggered it (each
//! breached gate with its value against its threshold and since when, and the
//! judge's verdict), or "operator's decision" when nothing did; then what will
//! run, what is re-checked and for how long. The confirmation shows these
//! lines and the journal's `action_started` record keeps the same text as its
//! `reason`, on every face.

use chrono::{DateTime, Utc};

use crate::engine::actions::confirm_lines;
use crate::engine::judge::JudgeReport;
use crate::engine::metrics::{GateState, fmt_value};
use crate::profile::{Action, Gate, Redactor};

/// What led here: one line per breached gate, then the judge's verdict;
/// "operator's decision" when no gate is breached.
pub fn trigger_lines(
    gates: &[GateState],
    profile_gates: &[Gate],
    judge: Option<&JudgeReport>,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut lines: Vec<String> = gates
        .iter()
        .filter(|g| g.breached)
        .map(|state| {
            let value = match (
                state.observed,
                profile_gates.iter().find(|g| g.id == state.id),
            ) {
                (Some(v), Some(gate)) => fmt_value(gate.metric, v),
                (Some(v), None) => format!("{v}"),
                (None, _) => "no data".to_string(),
            };
            let since = match state.since {
                Some(at) => {
                    let secs = (now - at).num_seconds().max(0);
                    format!(
                        ", breached {} (since {})",
                        lasted(secs),
                        at.format("%H:%M:%S")
                    )
                }
                None => String::new(),
            };
            format!(
                "why: gate {}: {value} vs {}{since}",
                state.id, state.threshold
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push("why: operator's decision".to_string());
    }
    if let Some(report) = judge {
        // The summary names the verdict first ("judge: fail (score …) …").
        let summary = report.summary.trim_start_matches("judge: ");
        lines.push(format!("judge: {summary}"));
    }
    lines
}

/// The whole reason: [`trigger_lines`], then what runs and is re-checked
/// ([`confirm_lines`]), then the containers it touches when known.
pub fn reason_lines(
    action: &Action,
    redactor: &Redactor,
    triggers: Vec<String>,
    containers: &[String],
) -> Vec<String> {
    let mut lines = triggers;
    lines.extend(confirm_lines(action, redactor));
    if !containers.is_empty() {
        lines.push(format!("touches: {}", containers.join(", ")));
    }
    lines.into_iter().map(|l| redactor.redact(&l)).collect()
}

/// The journal's form of the same lines.
pub fn reason_text(lines: &[String]) -> String {
    lines.join("\n")
}

fn lasted(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn breached(id: &str, since: DateTime<Utc>) -> GateState {
        GateState {
            id: id.into(),
            breached: true,
            since: Some(since),
            observed: Some(0.5),
            threshold: "> 0.25".into(),
            threshold_value: Some(0.25),
            no_data: None,
            newly_breached: false,
            fired: false,
            detail: String::new(),
        }
    }

    #[test]
    fn names_the_breached_gate_its_value_and_since_when() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T03:10:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let since = now - chrono::Duration::seconds(125);
        let lines = trigger_lines(&[breached("errors", since)], &[], None, now);
        assert_eq!(
            lines,
            ["why: gate errors: 0.5 vs > 0.25, breached 2m05s (since 03:07:55)"]
        );
    }

    #[test]
    fn nothing_breached_is_the_operators_decision() {
        let now = Utc::now();
        let mut calm = breached("errors", now);
        calm.breached = false;
        assert_eq!(
            trigger_lines(&[calm], &[], None, now),
            ["why: operator's decision"]
        );
    }
}
