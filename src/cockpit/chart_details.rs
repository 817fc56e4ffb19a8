//! What `enter` on the charts shows: the judge's whole report, every gate
//! against its threshold, and the chart window. The charts draw the picture;
//! this is the evidence behind it in words, so an operator deciding on a
//! rollback can read the p-values and the gate clocks without a terminal of
//! their own. Pure: lines of text from the state.

use chrono::{DateTime, Utc};

use crate::engine::checklist::short_duration;
use crate::engine::judge::{self, JudgeMethod, JudgeReport};
use crate::engine::metrics::{GateState, fmt_value};
use crate::engine::state::App;
use crate::profile::{Gate, OnBreach};

/// An event on the charts' time axis: when, and its short label.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartMark {
    pub at: DateTime<Utc>,
    pub label: String,
}

/// The events the charts mark, oldest first: each gate's breach (its run of
/// breaching values plus its `for`), the rollback's decision and start, its
/// verified recovery. From the engine's gate states and lifecycle.
pub fn chart_marks(app: &App) -> Vec<ChartMark> {
    let mut marks: Vec<ChartMark> = app
        .gates
        .iter()
        .filter(|g| g.breached)
        .filter_map(|state| {
            let gate = app.profile.gates.iter().find(|g| g.id == state.id)?;
            let since = state.since?;
            let held = chrono::Duration::from_std(gate.for_).unwrap_or_default();
            Some(ChartMark {
                at: since + held,
                label: format!("breach {}", state.id),
            })
        })
        .collect();
    let life = &app.lifecycle;
    marks.extend(life.rollback_at.map(|at| ChartMark {
        at,
        label: "rollback".into(),
    }));
    marks.extend(life.recovered_at.map(|at| ChartMark {
        at,
        label: "recovered".into(),
    }));
    marks.sort_by_key(|m| m.at);
    marks
}

/// The modal's title and lines.
pub fn chart_details(app: &App) -> (String, Vec<String>) {
    let mut lines = Vec::new();
    match &app.judge {
        Some(report) => judge_lines(app, report, &mut lines),
        None if app.profile.metrics.is_empty() => lines.push(
            "judge: no [[metrics]] source; it needs canary and baseline metrics to compare"
                .to_string(),
        ),
        None => lines.push("judge: no metrics report yet".to_string()),
    }
    lines.push(String::new());
    gate_lines(app, &mut lines);
    lines.push(String::new());
    lines.push(format!(
        "chart window: last {} (1, 2, 3 pick 5m, 15m, 1h; z the next)",
        app.chart_window.label()
    ));
    ("Charts — judge and gates".to_string(), lines)
}

fn judge_lines(app: &App, report: &JudgeReport, lines: &mut Vec<String>) {
    let cfg = &report.config;
    let (symbol, _) = judge::verdict_mark(report.verdict);
    lines.push(format!("judge {symbol} {}", judge::headline(report)));
    let rule = match cfg.method {
        JudgeMethod::Sequential => format!(
            "fail once the ratio's bound is above {:.2}x, pass once it is under; anytime-valid, so judging every poll adds no false alarms",
            cfg.allowed_increase
        ),
        JudgeMethod::MannWhitney => format!(
            "a higher mean up to {:.2}x the baseline still passes",
            cfg.allowed_increase
        ),
    };
    lines.push(format!(
        "samples: one per metrics window over the last {}, at least {} a side; {rule}",
        short_duration(app.metrics.config().judge_lookback),
        judge::samples_to_judge(cfg),
    ));
    for note in [
        judge::no_data_note(report),
        judge::inconclusive_note(report),
    ]
    .into_iter()
    .flatten()
    {
        lines.push(note);
    }
    let width = report.name_width();
    for m in &report.metrics {
        let mut evidence = judge::evidence(m).into_iter();
        let mut head = format!(
            "{} {:<width$}  {:<7}",
            judge::classification_symbol(m.classification),
            m.metric,
            m.classification.as_str()
        );
        // Judged, the p-value fits beside the class; the rest goes below.
        if (m.test.is_some() || m.sequential.is_some())
            && let Some(p) = evidence.next()
        {
            head.push_str("  ");
            head.push_str(&p);
        }
        lines.push(head);
        let rest: Vec<String> = evidence.collect();
        if !rest.is_empty() {
            lines.push(format!("    {}", rest.join("  ")));
        }
    }
    lines.push(match cfg.method {
        JudgeMethod::Sequential => "ratio: canary ÷ baseline [confidence-sequence bounds] (latency: per-window quantiles, errors: counts) · n: samples canary/baseline".to_string(),
        JudgeMethod::MannWhitney => "p: Mann-Whitney p-value · shift: Hodges-Lehmann canary − baseline [interval] · ratio: of the means · n: samples canary/baseline"
            .to_string(),
    });
}

fn gate_lines(app: &App, lines: &mut Vec<String>) {
    if app.profile.gates.is_empty() {
        lines.push("gates: none in the profile".to_string());
        return;
    }
    lines.push(format!("gates ({}):", app.profile.gates.len()));
    for gate in &app.profile.gates {
        let state = app.gates.iter().find(|s| s.id == gate.id);
        let (symbol, status) = gate_status(gate, state, app.now);
        let threshold = state.map_or_else(|| "its condition".to_string(), |s| s.threshold.clone());
        lines.push(format!(
            "{symbol} {}: {} of {} {threshold} for {}, then {}",
            gate.id,
            gate.metric.name(),
            gate.track,
            short_duration(gate.for_),
            on_breach(gate.on_breach)
        ));
        lines.push(format!("    {status}"));
    }
}

/// The gate's symbol and its state in words: ok, breaching since (and for
/// how much of its `for`), breached, or no data with the reason.
fn gate_status(
    gate: &Gate,
    state: Option<&GateState>,
    now: DateTime<Utc>,
) -> (&'static str, String) {
    let Some(state) = state else {
        return ("?", "not evaluated yet: no metrics report".to_string());
    };
    if let Some(reason) = &state.no_data {
        return ("?", format!("NO DATA: {reason}"));
    }
    let observed = state
        .observed
        .map_or("no value".to_string(), |v| fmt_value(gate.metric, v));
    match state.since {
        Some(since) => {
            let lasted = short_duration((now - since).to_std().unwrap_or_default());
            let at = since.format("%H:%M:%S");
            if state.breached {
                (
                    "✘",
                    format!("now {observed}: BREACHED, since {at} ({lasted})"),
                )
            } else {
                (
                    "⚠",
                    format!(
                        "now {observed}: breaching since {at} ({lasted} of {})",
                        short_duration(gate.for_)
                    ),
                )
            }
        }
        None => ("✔", format!("now {observed}: ok")),
    }
}

fn on_breach(on: OnBreach) -> &'static str {
    match on {
        OnBreach::Alert => "alert",
        OnBreach::Rollback => "offer the rollback",
        OnBreach::AutoRollback => "roll back automatically",
    }
}
