//! Rendering only: draws the cockpit from the state; never does I/O and never
//! changes domain state. One file per pane; `layout` is shared with the
//! runtime so mouse clicks land on what was drawn.

pub mod action;
pub mod charts;
pub mod checklist;
pub mod header;
pub mod health;
pub mod help;
pub mod keybar;
pub mod logs;
pub mod modal;
mod pane_frame;
pub mod theme;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Margin, Rect};
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthChar;

use crate::engine::state::{App, Pane};
pub(crate) use pane_frame::PaneFrame;
pub use theme::Theme;

/// A drawn screen as text, a row a line with trailing blanks cut: what the
/// snapshot tests compare and the end-to-end checks search.
pub fn screen_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

/// The smallest terminal the cockpit draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Where everything goes on a screen of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub checklist: Rect,
    pub health: Rect,
    pub charts: Rect,
    pub logs: Rect,
    pub keybar: Rect,
}

impl Areas {
    pub fn pane(&self, pane: Pane) -> Rect {
        match pane {
            Pane::Checklist => self.checklist,
            Pane::Health => self.health,
            Pane::Charts => self.charts,
            Pane::Logs => self.logs,
        }
    }

    /// The pane under a screen cell, with the cell's row inside the pane's
    /// content (below the border), and that content's height.
    pub fn hit(&self, column: u16, row: u16) -> Option<(Pane, usize, usize)> {
        Pane::ALL.into_iter().find_map(|pane| {
            let content = self.pane(pane).inner(Margin::new(1, 1));
            let inside = column >= content.x
                && column < content.right()
                && row >= content.y
                && row < content.bottom();
            inside.then(|| {
                let height = match pane {
                    Pane::Checklist => checklist::list_height(content),
                    _ => content.height,
                };
                ((pane), usize::from(row - content.y), usize::from(height))
            })
        })
    }
}

/// From this width on the checklist column takes what its longest line
/// needs, and the health and logs panes the rest.
pub const WIDE: u16 = 160;

/// The layout of `app` on `area`: header, a 2×2 grid of panes, the key bar.
/// Below [`WIDE`] the left column takes 52%; from it on, what the checklist's
/// longest line needs (within 30–55% of the width), so wide screens go to
/// the logs.
pub fn layout(area: Rect, app: &App) -> Areas {
    let left = (area.width >= WIDE).then(|| {
        let need = checklist::needed_width(app);
        need.clamp(area.width * 3 / 10, area.width * 55 / 100)
    });
    layout_with(area, left)
}

/// The layout with the left column `left` wide (None: 52%).
pub fn layout_with(area: Rect, left: Option<u16>) -> Areas {
    let [header, body, keybar] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(body);
    let columns = match left {
        Some(width) => [Constraint::Length(width), Constraint::Min(0)],
        None => [Constraint::Percentage(52), Constraint::Percentage(48)],
    };
    let [checklist, health] = Layout::horizontal(columns).areas(top);
    let [charts, logs] = Layout::horizontal(columns).areas(bottom);
    Areas {
        header,
        checklist,
        health,
        charts,
        logs,
        keybar,
    }
}

/// Draws the whole cockpit.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    fill(frame.buffer_mut(), theme.text());
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area, theme);
        return;
    }
    let areas = layout(area, app);
    header::draw(frame, areas.header, app, theme);
    checklist::draw(frame, areas.checklist, app, theme);
    health::draw(frame, areas.health, app, theme);
    if app.action.is_some() {
        action::draw(frame, areas.charts, app, theme);
    } else {
        charts::draw(frame, areas.charts, app, theme);
    }
    logs::draw(frame, areas.logs, app, theme);
    keybar::draw(frame, areas.keybar, app, theme);
    if app.help.is_some() {
        help::draw(frame, area, app, theme);
    }
    if app.modal.is_some() {
        modal::draw(frame, area, app, theme);
    }
}

fn draw_too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = vec![
        Line::styled("terminal too small", theme.bad()),
        Line::raw(format!(
            "{}×{}, golive needs {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        )),
    ];
    let y = area.height.saturating_sub(2) / 2;
    let rect = Rect::new(area.x, area.y + y, area.width, area.height.min(2));
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

/// The screen's base style on every cell, in one pass over the buffer
/// rather than a widget's bounds-checked walk of its area.
fn fill(buf: &mut Buffer, style: Style) {
    for cell in &mut buf.content {
        cell.set_style(style);
    }
}

/// A pane's frame: its title, bold and marked when focused.
pub(crate) fn pane_block<'a>(
    title: &'a str,
    extra: Option<Span<'a>>,
    focused: bool,
    theme: &Theme,
) -> PaneFrame<'a> {
    pane_block_spans(title, extra.into_iter().collect(), focused, theme)
}

/// [`pane_block`] with a title made of several styled pieces.
pub(crate) fn pane_block_spans<'a>(
    title: &'a str,
    extra: Vec<Span<'a>>,
    focused: bool,
    theme: &Theme,
) -> PaneFrame<'a> {
    let marker = if focused { "▶ " } else { "" };
    let mut spans = vec![Span::styled(
        format!(" {marker}{title} "),
        if focused { theme.title() } else { theme.text() },
    )];
    if !extra.is_empty() {
        spans.extend(extra);
        spans.push(Span::raw(" "));
    }
    PaneFrame::new(
        if focused {
            border::THICK
        } else {
            border::ROUNDED
        },
        theme.border(focused),
        Line::from(spans),
    )
}

/// Lines from the top of `area`, each cut at its width: what an unwrapped
/// `Paragraph` draws, without its passes over every cell of the area (an
/// empty style set cell by cell). The cockpit draws once a second while
/// idle, and those passes were a third of a frame.
pub(crate) fn draw_lines(frame: &mut Frame, area: Rect, lines: &[Line]) {
    let buf = frame.buffer_mut();
    let area = area.intersection(buf.area);
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        put_line(buf, area.x, y, line, area.width);
    }
}

/// What `Buffer::set_line` draws. A span of printable ASCII, most of what
/// the cockpit shows, is one cell per byte: it is written straight into
/// its cells, skipping the grapheme and width passes, which were most of a
/// `set_line`'s cost. Any other span goes through `set_stringn`.
fn put_line(buf: &mut Buffer, x: u16, y: u16, line: &Line, width: u16) {
    let mut x = x;
    let mut remaining = width;
    for span in &line.spans {
        if remaining == 0 {
            break;
        }
        let style = line.style.patch(span.style);
        let text = span.content.as_bytes();
        let next = if text.iter().all(|b| (b' '..=b'~').contains(b)) {
            let room = remaining.min(buf.area.right().saturating_sub(x));
            let n = text.len().min(usize::from(room));
            if n > 0 {
                let start = buf.index_of(x, y);
                for (cell, &byte) in buf.content[start..start + n].iter_mut().zip(text) {
                    cell.set_char(char::from(byte)).set_style(style);
                }
            }
            x + n as u16
        } else {
            buf.set_stringn(x, y, &span.content, usize::from(remaining), style)
                .0
        };
        remaining = remaining.saturating_sub(next.saturating_sub(x));
        x = next;
    }
}

/// Cuts `text` to `width` terminal columns, ending with `…` when cut.
pub(crate) fn fit(text: &str, width: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_string();
    }
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// A centred rectangle of at most `width`×`height` inside `area`.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Block characters for a sparkline of `values` scaled to their maximum.
pub(crate) fn spark(values: impl Iterator<Item = u64> + Clone, width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let count = values.clone().count();
    let skip = count.saturating_sub(width);
    let max = values.clone().skip(skip).max().unwrap_or(0).max(1);
    values
        .skip(skip)
        .map(|v| BARS[((v * 7) / max).min(7) as usize])
        .collect()
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier, Stylize};

    use super::*;

    /// The fast path draws what `Buffer::set_line` draws, whatever the mix
    /// of ASCII, wide, combining and control characters, and wherever the
    /// width or the buffer's edge cuts the line.
    #[test]
    fn put_line_draws_what_set_line_draws() {
        let lines = [
            Line::from("plain ascii text that runs past the edge of the buffer"),
            Line::from(vec!["ok ".green(), "宽字符 wide".bold(), " tail".into()]),
            Line::from(vec![
                "tab\there ".into(),
                "e\u{301}clair".italic(),
                "~!".red(),
            ]),
            Line::from(vec!["".into(), "x".on_blue(), "\u{7f}del".into()]).style(
                Style::new()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::UNDERLINED),
            ),
            Line::from(vec!["✔ done".into(), "  3/4".dim()]),
        ];
        for line in &lines {
            for (x, width) in [(0, 40), (3, 10), (10, 30), (29, 5), (0, 0), (0, 1)] {
                let area = Rect::new(0, 0, 30, 1);
                let mut ours = Buffer::empty(area);
                let mut theirs = Buffer::empty(area);
                put_line(&mut ours, x, 0, line, width);
                theirs.set_line(x, 0, line, width);
                assert_eq!(ours, theirs, "{line:?} at {x} in {width}");
            }
        }
    }
}
