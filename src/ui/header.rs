//! The header: service, version → previous, current phase, elapsed release
//! time, operator, the overall verdict (or the release's lifecycle once a
//! promote or rollback moved it: `ROLLED BACK by alice 03:12 · recovered in
//! 42s`), every gate's state, and a marker when a notification failed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::Theme;
use crate::engine::lifecycle::Stage;
use crate::engine::metrics::fmt_value;
use crate::engine::state::{App, Verdict};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let svc = &app.profile.service;
    let elapsed = (app.now - app.started_at).num_seconds().max(0);
    let phase = app.current_phase();
    let phase_text = match &phase {
        Some(id) => {
            let (done, total) = app.checklist.phase_progress(id);
            format!("{id} {done}/{total}")
        }
        None => "all phases done".to_string(),
    };
    let (verdict, style) = match (app.verdict(), app.lifecycle.headline()) {
        (Verdict::Acting, _) | (_, None) => verdict(app, theme),
        (_, Some(headline)) => {
            let style = match app.lifecycle.stage {
                Stage::Promoted | Stage::Recovered => theme.ok(),
                Stage::NotRecovered => theme.bad(),
                _ => theme.warn(),
            };
            (format!("↩ {headline}"), style)
        }
    };
    let sep = || Span::styled(" │ ", theme.muted());
    let mut first = vec![
        Span::styled(" golive ", theme.title()),
        Span::styled(svc.name.clone(), theme.accent()),
        Span::raw(" "),
        Span::styled(svc.version.clone(), theme.title()),
    ];
    if let Some(prev) = &svc.previous {
        first.push(Span::styled(format!(" → {prev}"), theme.muted()));
    }
    first.extend([
        sep(),
        Span::styled(verdict, style),
        sep(),
        Span::styled("phase ", theme.muted()),
        Span::styled(phase_text, theme.text()),
        sep(),
        Span::styled(
            format!(
                "⏱ {:02}:{:02}:{:02}",
                elapsed / 3600,
                elapsed / 60 % 60,
                elapsed % 60
            ),
            theme.text(),
        ),
        sep(),
        Span::styled("op ", theme.muted()),
        Span::styled(app.operator.clone(), theme.text()),
    ]);
    let mut second = vec![Span::styled(" gates ", theme.muted())];
    if app.profile.gates.is_empty() {
        second.push(Span::styled("none defined", theme.muted()));
    }
    for gate in &app.profile.gates {
        let cond = gate
            .condition
            .map(|t| format!("{} {}", t.cmp.symbol(), t.value))
            .or_else(|| {
                gate.vs_baseline
                    .map(|r| format!("{} {}x baseline", r.cmp.symbol(), r.factor))
            })
            .unwrap_or_default();
        let state = app.gates.iter().find(|g| g.id == gate.id);
        // No data is said loudly, never shown as passing; the measured value
        // stands next to its threshold so "why did it fail?" has an answer.
        let (symbol, style, measured) = match state {
            None => ("?", theme.warn(), "no data".to_string()),
            Some(s) if s.no_data.is_some() => ("?", theme.warn(), "no data".to_string()),
            Some(s) => {
                let observed = s
                    .observed
                    .map(|v| fmt_value(gate.metric, v))
                    .unwrap_or_else(|| "?".into());
                if s.breached {
                    ("✘", theme.bad(), format!("{observed} BREACHED"))
                } else if s.since.is_some() {
                    ("!", theme.warn(), format!("{observed} breaching"))
                } else {
                    ("✔", theme.ok(), observed)
                }
            }
        };
        second.push(Span::styled(format!("{symbol} "), style));
        second.push(Span::styled(gate.id.clone(), theme.text()));
        second.push(Span::styled(
            format!(
                " {} ({} {} {cond})  ",
                measured,
                gate.track,
                gate.metric.name()
            ),
            theme.muted(),
        ));
    }
    if let Some(reason) = &app.notify.failure {
        second.push(Span::styled(
            format!("✉✘ notify failed: {reason}  "),
            theme.bad(),
        ));
    }
    if let Some((name, summary)) = &app.last_action {
        second.push(Span::styled(
            format!("last {name}: {summary}"),
            theme.muted(),
        ));
    }
    super::draw_lines(frame, area, &[Line::from(first), Line::from(second)]);
}

/// The checklist's verdict while no promote or rollback has moved the
/// release, or while an action runs.
fn verdict(app: &App, theme: &Theme) -> (String, ratatui::style::Style) {
    match app.verdict() {
        Verdict::Ready => ("✔ READY".to_string(), theme.ok()),
        Verdict::InProgress => ("… IN PROGRESS".to_string(), theme.info()),
        Verdict::Failing => ("✘ FAILING".to_string(), theme.bad()),
        Verdict::WarmingUp => ("◌ WARMING UP".to_string(), theme.info()),
        Verdict::Acting => (
            format!(
                "▶ {} RUNNING",
                app.action
                    .as_ref()
                    .map(|a| a.name.to_uppercase())
                    .unwrap_or_default()
            ),
            theme.warn(),
        ),
    }
}
