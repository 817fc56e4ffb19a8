//! The action pane: while promote, rollback or another action runs it takes
//! the charts' place, so the operator sees what runs, for how long, and its
//! output as it arrives, with the health pane still beside it. The charts
//! come back when the action ends (its outcome stays in the header).

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};

use super::{Theme, fit, pane_block};
use crate::engine::actions::confirm_lines;
use crate::engine::state::{App, Pane};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(running) = &app.action else {
        return;
    };
    let elapsed = (app.now - running.started).num_seconds().max(0);
    let info = Span::styled(
        format!("▶ {} running {elapsed}s · X cancels", running.name),
        theme.warn(),
    );
    // It stands in for the charts: focused when the charts would be.
    let focused = app.focus == Pane::Charts && app.modal.is_none();
    frame.render_widget(pane_block("Action", Some(info), focused, theme), area);
    let content = area.inner(Margin::new(1, 1));
    let width = usize::from(content.width);
    let height = usize::from(content.height);
    let mut lines: Vec<Line> = app
        .profile
        .actions
        .get(&running.name)
        .map(|spec| confirm_lines(spec, &app.profile.redactor))
        .unwrap_or_default()
        .iter()
        .map(|l| Line::styled(fit(l, width), theme.muted()))
        .collect();
    lines.push(Line::styled(fit(&"─".repeat(width), width), theme.muted()));
    let room = height.saturating_sub(lines.len());
    if running.output.is_empty() {
        lines.push(Line::styled("no output yet", theme.muted()));
    }
    let skip = running.output.len().saturating_sub(room);
    lines.extend(
        running
            .output
            .iter()
            .skip(skip)
            .map(|l| Line::styled(fit(l, width), theme.text())),
    );
    super::draw_lines(frame, content, &lines);
}
