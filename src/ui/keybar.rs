//! The key bar: the keys that work in the current context, read from the one
//! key registry; a flash message (why a key did nothing, who just signed)
//! takes the front of the bar for a few seconds. The registry puts the
//! incident keys first, so `R rollback` is never the one cut off; keys with
//! nothing to act on (no rollback in the profile, no action running) are
//! left out to make room.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Theme, fit};
use crate::cockpit::keys::{self, Command};
use crate::engine::state::App;

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
        if seen.contains(&binding.short) || !applies(app, binding.command) {
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
    super::draw_lines(frame, area, &[Line::from(spans)]);
}

/// Whether a key has something to act on now.
fn applies(app: &App, command: Command) -> bool {
    match command {
        Command::Rollback => app.profile.actions.contains_key("rollback"),
        Command::Promote => app.profile.actions.contains_key("promote"),
        Command::CancelAction => app.action.is_some(),
        _ => true,
    }
}
