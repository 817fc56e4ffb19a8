//! The key bar: the keys that work in the current context, read from the one
//! key registry; a flash message (why a key did nothing, who just signed)
//! takes the front of the bar for a few seconds.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, fit};
use crate::app::keys;
use crate::app::state::App;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let width = usize::from(area.width);
    let mut spans = Vec::new();
    let mut used = 0;
    if let Some((text, _)) = &app.flash {
        let text = fit(text, width.saturating_sub(2));
        used += text.chars().count() + 2;
        spans.push(Span::styled(format!(" {text} "), theme.warn()));
    }
    let mut seen = Vec::new();
    for binding in keys::bindings_for(app.context()) {
        // Page keys share a word; show each word once.
        if seen.contains(&binding.short) {
            continue;
        }
        seen.push(binding.short);
        let len = binding.label.chars().count() + binding.short.chars().count() + 3;
        if used + len > width {
            break;
        }
        used += len;
        spans.push(Span::styled(format!(" {}", binding.label), theme.accent()));
        spans.push(Span::styled(format!(" {} ", binding.short), theme.muted()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
