//! The help overlay: every binding of the key registry, with the panes it
//! works in, ordered by urgency: rollback, promote, cancel, quit and help
//! first (visible without scrolling at 80×24), then each pane's keys under
//! its name. The same table drives the keys, so help cannot drift from them.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::{Theme, centered, fit};
use crate::cockpit::keys::{Context, Section, help_sections};
use crate::engine::state::App;

fn context_name(c: Context) -> &'static str {
    match c {
        Context::Checklist => "checklist",
        Context::Health => "health",
        Context::Charts => "charts",
        Context::Logs => "logs",
        Context::Help => "help",
        Context::Details => "details",
        Context::Confirm => "confirm",
        Context::TextInput => "input",
    }
}

fn context_title(c: Context) -> &'static str {
    match c {
        Context::Checklist => "Checklist",
        Context::Health => "Health",
        Context::Charts => "Charts",
        Context::Logs => "Logs",
        _ => "",
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let rect = centered(area, 76, area.height.saturating_sub(4));
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border(true))
        .style(theme.text())
        .title(Span::styled(" Help — ? or esc closes ", theme.title()));
    frame.render_widget(block, rect);
    let content = rect.inner(Margin::new(2, 1));
    let help_w = usize::from(content.width).saturating_sub(9 + 20);
    let mut lines = Vec::new();
    for (section, keys) in help_sections() {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        let title = match section {
            Section::Incident => "Incident",
            Section::Pane(pane) => context_title(pane),
            Section::EveryPane => "Moving, every pane",
            Section::Dialogs => "Dialogs",
        };
        lines.push(Line::styled(title, theme.title()));
        for b in keys {
            let contexts: Vec<&str> = b.contexts.iter().map(|c| context_name(*c)).collect();
            let where_ = if contexts.len() >= 4 {
                "everywhere".to_string()
            } else {
                contexts.join(", ")
            };
            let help = fit(b.help, help_w);
            let pad = help_w.saturating_sub(help.chars().count());
            lines.push(Line::from(vec![
                Span::styled(format!("{:<9}", b.label), theme.accent()),
                Span::styled(format!("{help}{} ", " ".repeat(pad)), theme.text()),
                Span::styled(fit(&where_, 19), theme.muted()),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "mouse: wheel scrolls, click selects, m releases it · symbols: ✔ pass ✍ signed ~ waived ✘ fail … running ○ manual · pending",
        theme.muted(),
    ));
    let scroll = app.help.unwrap_or(0) as u16;
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((scroll, 0)),
        content,
    );
}
