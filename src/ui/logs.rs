//! The logs pane: the merged, sanitised lines of every source with their
//! severity, newest at the bottom; a filter and a follow switch.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, fit, pane_block};
use crate::app::logs::Severity;
use crate::app::state::{App, Pane};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Pane::Logs && app.modal.is_none();
    let visible = app.visible_logs();
    let mut info = if app.follow {
        "following".to_string()
    } else {
        format!("paused +{}", app.log_offset)
    };
    if !app.log_filter.is_empty() {
        info.push_str(&format!(" · filter “{}” {}", app.log_filter, visible.len()));
    }
    let block = pane_block(
        "Logs",
        Some(Span::styled(info, theme.muted())),
        focused,
        theme,
    );
    frame.render_widget(block, area);
    let content = area.inner(Margin::new(1, 1));
    let height = usize::from(content.height);
    let width = usize::from(content.width);
    if visible.is_empty() {
        let text = if app.logs.is_empty() {
            "no log lines yet"
        } else {
            "no line matches the filter"
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.muted())), content);
        return;
    }
    let end = visible.len().saturating_sub(app.log_offset);
    let start = end.saturating_sub(height);
    let lines: Vec<Line> = visible[start..end]
        .iter()
        .map(|l| {
            let time =
                l.at.map(|t| t.format("%H:%M:%S ").to_string())
                    .unwrap_or_default();
            let mark = match l.severity {
                Severity::Error => "✘ ",
                Severity::Warn => "▲ ",
                _ => "  ",
            };
            let head = format!("{time}{} ", l.source);
            let room = width.saturating_sub(head.chars().count() + 2);
            Line::from(vec![
                Span::styled(time, theme.muted()),
                Span::styled(format!("{} ", l.source), theme.accent()),
                Span::styled(mark, theme.severity(l.severity)),
                Span::styled(fit(&l.text, room), theme.severity(l.severity)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), content);
}
