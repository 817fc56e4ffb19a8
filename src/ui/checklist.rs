//! The checklist pane: phases as headings, items with their status symbol and
//! colour, who signed and when; below, the evidence of the selected item (the
//! "why": observed value, condition, who and when).

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use unicode_width::UnicodeWidthStr;

use super::{Theme, fit, pane_block};
use crate::engine::checklist::ItemStatus;
use crate::engine::state::{App, ChecklistRow, Pane, list_offset};

/// An item the rollback made moot: neither a pass nor a failure.
const SUPERSEDED: &str = "⊘";

/// Rows under the list that show the selected item's evidence.
const EVIDENCE_ROWS: u16 = 3;

/// Rows of the list itself inside the pane's content area.
pub fn list_height(content: Rect) -> u16 {
    if content.height > EVIDENCE_ROWS + 3 {
        content.height - EVIDENCE_ROWS
    } else {
        content.height
    }
}

/// Columns the pane needs for its longest line (borders included): phase
/// headings, and items with room for who signed them and when.
pub fn needed_width(app: &App) -> u16 {
    let items = app.checklist.items();
    let reserve = app.operator.width() + 6;
    let phases = app.profile.phases.iter().map(|phase| {
        let (d, t) = app.checklist.phase_progress(&phase.id);
        format!("✔ {}  {d}/{t}", phase.title).width()
    });
    let rows = items.iter().map(|item| {
        let who = match &item.by {
            Some(by) => by.width() + 6,
            None => reserve,
        };
        4 + item.title.width() + 1 + who
    });
    let widest = phases.chain(rows).max().unwrap_or(0) + 2;
    u16::try_from(widest).unwrap_or(u16::MAX)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Pane::Checklist && app.modal.is_none();
    let items = app.checklist.items();
    let done = items.iter().filter(|i| i.status.is_done()).count();
    let progress = Span::styled(format!("{done}/{} done", items.len()), theme.muted());
    frame.render_widget(
        pane_block("Checklist", Some(progress), focused, theme),
        area,
    );
    let content = area.inner(Margin::new(1, 1));
    let list_h = list_height(content);
    let width = usize::from(content.width);
    let current = app.current_phase();
    let rows = app.checklist_rows();
    let selected_row = rows
        .iter()
        .position(|r| *r == ChecklistRow::Item(app.selected_item))
        .unwrap_or(0);
    let offset = list_offset(selected_row, usize::from(list_h));
    let mut lines = Vec::new();
    for row in rows.iter().skip(offset).take(usize::from(list_h)) {
        match *row {
            ChecklistRow::Phase(p) => {
                let Some(phase) = app.profile.phases.get(p) else {
                    continue;
                };
                let (d, t) = app.checklist.phase_progress(&phase.id);
                let is_current = current.as_deref() == Some(phase.id.as_str());
                let mark = if d == t && t > 0 {
                    "✔"
                } else if is_current {
                    "▶"
                } else {
                    "·"
                };
                let text = fit(&format!("{mark} {}  {d}/{t}", phase.title), width);
                let style = if is_current {
                    theme.title()
                } else {
                    theme.accent()
                };
                lines.push(Line::styled(text, style));
            }
            ChecklistRow::Item(n) => {
                let Some(item) = items.get(n) else { continue };
                let who = match (&item.by, item.at) {
                    (Some(by), Some(at)) => format!("{by} {}", at.format("%H:%M")),
                    _ => String::new(),
                };
                let room = width.saturating_sub(4 + who.chars().count() + 1);
                let title = fit(&item.title, room);
                let pad = room.saturating_sub(title.chars().count());
                let marked = n == app.selected_item;
                // The highlight follows the focus; elsewhere only the marker shows.
                let sel = marked && focused;
                let base = if sel { theme.selection() } else { theme.text() };
                let superseded = app.superseded(item);
                let (symbol, symbol_style) = if superseded {
                    (SUPERSEDED, if sel { base } else { theme.muted() })
                } else {
                    (
                        item.status.symbol(),
                        if sel { base } else { theme.status(item.status) },
                    )
                };
                lines.push(Line::from(vec![
                    Span::styled(if marked { " ›" } else { "  " }, base),
                    Span::styled(format!("{symbol} "), symbol_style),
                    Span::styled(format!("{title}{}", " ".repeat(pad)), base),
                    Span::styled(format!(" {who}"), if sel { base } else { theme.muted() }),
                ]));
            }
        }
    }
    super::draw_lines(
        frame,
        Rect::new(content.x, content.y, content.width, list_h),
        &lines,
    );
    if list_h == content.height {
        return;
    }
    let evidence = Rect::new(
        content.x,
        content.y + list_h,
        content.width,
        content.height - list_h,
    );
    let mut lines = vec![Line::styled("─".repeat(width), theme.muted())];
    if let Some(item) = app.selected() {
        let mut spans = vec![
            if app.superseded(item) {
                Span::styled(
                    format!(
                        "{SUPERSEDED} superseded by the rollback ({}) ",
                        item.status.as_str()
                    ),
                    theme.muted(),
                )
            } else {
                Span::styled(
                    format!("{} {} ", item.status.symbol(), item.status.as_str()),
                    theme.status(item.status),
                )
            },
            Span::styled(item.id.clone(), theme.accent()),
        ];
        let why =
            if let (Some(by), ItemStatus::Signed | ItemStatus::Waived) = (&item.by, item.status) {
                let at = item
                    .at
                    .map(|t| t.format("%H:%M:%S").to_string())
                    .unwrap_or_default();
                format!("by {by} at {at}")
            } else if !item.detail.is_empty() {
                item.detail.clone()
            } else if item.status == ItemStatus::Manual {
                "awaiting sign-off: space signs, n adds a note".to_string()
            } else {
                "no evidence yet".to_string()
            };
        spans.push(Span::styled(format!(": {why}"), theme.text()));
        if let Some(note) = &item.note {
            spans.push(Span::styled(format!(" — “{note}”"), theme.muted()));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), evidence);
}
