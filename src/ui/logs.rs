//! The logs pane: the merged, sanitised lines of every source, newest at the
//! bottom, each with its time, its prefix in that replica's colour, a
//! severity mark (so severity reads without colour) and the colours the line
//! asked for; filter, search and source matches are highlighted on top. It
//! only draws: what is shown and where it is scrolled is the state's
//! `LogView`. Work per frame is bounded by the pane, not the line: a line is
//! cut (or wrapped) to the columns drawn before any span is built.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{Theme, layout_with, pane_block_spans};
use crate::cockpit::log_pane::window_label;
use crate::engine::log_layout::{Columns, TIME_WIDTH, chunks};
use crate::engine::log_parse::Part;
use crate::engine::logs::{LogLine, LogView, Severity, StyleRun, prefix_colour};
use crate::engine::state::{App, Pane};

/// Rows inside the logs pane on a `width`×`height` screen: the runtime tells
/// the state, so paging and jumps move by what is drawn.
pub fn rows(width: u16, height: u16) -> usize {
    // Heights do not depend on the columns.
    let pane = layout_with(Rect::new(0, 0, width, height), None).logs;
    usize::from(pane.inner(Margin::new(1, 1)).height).max(1)
}

/// Columns inside the logs pane on a `width`×`height` screen, so the state
/// counts wrapped rows as they are drawn.
pub fn cols(width: u16, height: u16) -> usize {
    let pane = layout_with(Rect::new(0, 0, width, height), None).logs;
    usize::from(pane.inner(Margin::new(1, 1)).width).max(1)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Pane::Logs && app.modal.is_none();
    let view = &app.logs;
    let (visible, matches) = view.visible_and_matches();
    let block = pane_block_spans("Logs", title_info(app, &visible, theme), focused, theme);
    let patterns = patterns_info(view, matches, theme);
    let block = if patterns.is_empty() {
        block
    } else {
        block.title_bottom(Line::from(patterns))
    };
    frame.render_widget(block, area);
    let content = area.inner(Margin::new(1, 1));
    let (rows, width) = (usize::from(content.height), usize::from(content.width));
    if rows == 0 || width == 0 {
        return;
    }
    if visible.is_empty() {
        let text = if view.buffer.is_empty() {
            "no log lines yet"
        } else if view.filter_text().is_some() {
            "no line matches the filter"
        } else {
            "no line in the time window"
        };
        super::draw_lines(frame, content, &[Line::styled(text, theme.muted())]);
        return;
    }
    let lines = Rows::new(view, &visible, rows, width, theme).lay_out();
    super::draw_lines(frame, content, &lines);
}

/// The title after "Logs": following or paused (and how many lines wait
/// below), the time window and the toggles.
fn title_info(app: &App, visible: &[u64], theme: &Theme) -> Vec<Span<'static>> {
    let view = &app.logs;
    let mut parts = Vec::new();
    if view.follow {
        parts.push(Span::styled("following", theme.muted()));
    } else {
        let below = view
            .bottom_position(visible)
            .map_or(0, |b| visible.len() - 1 - b);
        let text = if below > 0 {
            format!("paused ↓{below}")
        } else {
            "paused".to_string()
        };
        parts.push(Span::styled(text, theme.warn()));
    }
    if let Some(window) = app.log_window {
        parts.push(Span::styled(
            format!("last {}", window_label(window)),
            theme.muted(),
        ));
    }
    if view.wrap {
        parts.push(Span::styled("wrap", theme.muted()));
    }
    if !view.timestamps {
        parts.push(Span::styled("no time", theme.muted()));
    }
    if view.raw {
        parts.push(Span::styled("raw", theme.muted()));
    }
    joined(parts, theme)
}

/// The bottom border: why a pattern was refused, then the filter with its
/// match count and context, then the search. Patterns are the operator's
/// own typing, so they get a line of their own.
fn patterns_info(view: &LogView, matches: usize, theme: &Theme) -> Vec<Span<'static>> {
    let mut parts = Vec::new();
    if let Some(error) = &view.error {
        parts.push(Span::styled(format!("⚠ {error}"), theme.bad()));
    }
    if let Some(filter) = view.filter_text() {
        let plural = if matches == 1 { "" } else { "es" };
        let context = if view.context > 0 {
            format!(" ±{}", view.context)
        } else {
            String::new()
        };
        parts.push(Span::styled(
            format!("filter /{filter}/ {matches} match{plural}{context}"),
            theme.accent(),
        ));
    }
    if let Some(search) = view.search_text() {
        parts.push(Span::styled(format!("search /{search}/"), theme.accent()));
    }
    let mut spans = joined(parts, theme);
    if !spans.is_empty() {
        spans.insert(0, Span::raw(" "));
        spans.push(Span::raw(" "));
    }
    spans
}

fn joined(parts: Vec<Span<'static>>, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::with_capacity(parts.len() * 2);
    for (n, part) in parts.into_iter().enumerate() {
        if n > 0 {
            spans.push(Span::styled(" · ", theme.muted()));
        }
        spans.push(part);
    }
    spans
}

/// Lays the visible lines out on the pane's rows.
struct Rows<'a> {
    view: &'a LogView,
    visible: &'a [u64],
    rows: usize,
    theme: &'a Theme,
    /// Lines shown one a row (the state's notion of the view).
    shown: Range<usize>,
    cursor: Option<usize>,
    columns: Columns,
}

impl<'a> Rows<'a> {
    fn new(
        view: &'a LogView,
        visible: &'a [u64],
        rows: usize,
        width: usize,
        theme: &'a Theme,
    ) -> Self {
        Self {
            view,
            visible,
            rows,
            theme,
            cursor: view.cursor.and_then(|c| visible.binary_search(&c).ok()),
            shown: view.shown(visible, rows),
            columns: Columns::of(view, visible, width),
        }
    }

    fn lay_out(&self) -> Vec<Line<'static>> {
        if !self.view.wrap {
            return self
                .shown
                .clone()
                .flat_map(|p| self.line_rows(p, 1))
                .collect();
        }
        let bottom = self.shown.end.saturating_sub(1);
        // Scrolled by rows: the state says which rows of the bottom line
        // end the pane.
        if let (Some(k), false) = (self.view.bottom_rows, self.view.follow) {
            return self.pack_up(bottom, Some(k)).0;
        }
        // Scrolled to the top (lines wait below): the first line leads.
        // Otherwise the bottom line is the anchor, as in the state.
        let at_top = self.shown.start == 0 && bottom + 1 < self.visible.len();
        let (rows, packed) = if at_top && !self.view.follow {
            self.pack_down(0)
        } else {
            self.pack_up(bottom, None)
        };
        // Wrapped lines take more room than the state counts on: keep the
        // marked search match on screen even so.
        match self.cursor {
            Some(c) if self.shown.contains(&c) && !packed.contains(&c) => self.pack_down(c).0,
            _ => rows,
        }
    }

    /// Rows from the line at `from` downwards until the pane is full; the
    /// positions whose first row made it.
    fn pack_down(&self, from: usize) -> (Vec<Line<'static>>, Range<usize>) {
        let mut out = Vec::with_capacity(self.rows);
        let mut p = from;
        while out.len() < self.rows && p < self.visible.len() {
            out.extend(self.line_rows(p, self.rows - out.len()));
            p += 1;
        }
        (out, from..p)
    }

    /// Rows of the lines up to `to` (inclusive) that fill the pane from the
    /// bottom, and the positions whose first row is on screen; the topmost
    /// line may show only its last rows. With `bottom_rows`, only that many
    /// of the bottom line's first rows are taken (its last ones on screen).
    fn pack_up(&self, to: usize, bottom_rows: Option<usize>) -> (Vec<Line<'static>>, Range<usize>) {
        let mut blocks: Vec<Vec<Line<'static>>> = Vec::new();
        let mut used = 0;
        let mut first = to + 1;
        let mut p = to + 1;
        while p > 0 && used < self.rows {
            p -= 1;
            let take = match bottom_rows {
                Some(k) if p == to => k.max(1),
                _ => self.rows,
            };
            let mut block = self.line_rows(p, take);
            if p == to && bottom_rows.is_some() && block.len() > self.rows {
                block.drain(..block.len() - self.rows);
            }
            let room = self.rows - used;
            if block.len() <= room {
                used += block.len();
                first = p;
                blocks.push(block);
                continue;
            }
            if used == 0 {
                // The bottom line alone overflows the pane: its start.
                block.truncate(room);
                first = p;
            } else {
                // Only its last rows fit; its head is off screen.
                block.drain(..block.len() - room);
            }
            blocks.push(block);
            break;
        }
        (blocks.into_iter().rev().flatten().collect(), first..to + 1)
    }

    /// The rows one line takes: the first with its head, the rest indented
    /// under the text; at most `max` of them.
    fn line_rows(&self, position: usize, max: usize) -> Vec<Line<'static>> {
        let Some(line) = self.visible.get(position).and_then(|i| self.view.line(*i)) else {
            return Vec::new();
        };
        let theme = self.theme;
        let base = theme.severity(line.severity);
        let highlights = self.view.line_highlights(line);
        let marked = self.cursor == Some(position);
        let text = line.shown(self.view.raw);
        let room = self.columns.room;
        let mut head = Vec::with_capacity(4);
        if self.columns.time {
            let time = line.time().map_or_else(
                || " ".repeat(TIME_WIDTH),
                |t| t.format("%H:%M:%S ").to_string(),
            );
            head.push(Span::styled(
                time,
                if marked {
                    theme.selection()
                } else {
                    theme.muted()
                },
            ));
        }
        if self.columns.prefix > 0 {
            let prefix = fit_middle(line.prefix(), self.columns.prefix);
            let pad = self.columns.prefix.saturating_sub(prefix.width());
            head.push(Span::styled(
                format!("{prefix}{}", " ".repeat(pad)),
                if marked {
                    theme.selection()
                } else {
                    theme.prefix(prefix_colour(line.prefix()))
                },
            ));
            head.push(Span::raw(" "));
        }
        let mark = match line.severity {
            Severity::Error => "✘ ",
            Severity::Warn => "▲ ",
            _ => "  ",
        };
        head.push(Span::styled(mark, base));
        let runs = self.runs(line);
        if !self.view.wrap {
            let (range, cut) = cut(text, room);
            let mut spans = head;
            spans.extend(styled(text, &runs, range, &highlights, base, theme));
            if cut {
                spans.push(Span::styled("…", theme.muted()));
            }
            return vec![Line::from(spans)];
        }
        let indent = " ".repeat(self.columns.head());
        chunks(text, room, max.max(1))
            .into_iter()
            .enumerate()
            .map(|(n, range)| {
                let mut spans = if n == 0 {
                    head.clone()
                } else {
                    vec![Span::raw(indent.clone())]
                };
                spans.extend(styled(text, &runs, range, &highlights, base, theme));
                Line::from(spans)
            })
            .collect()
    }

    /// The styles over the text drawn: a record's level (bold, in its
    /// severity's colour), muted keys and plain values; else the colours
    /// the line asked for.
    fn runs(&self, line: &LogLine) -> Vec<(Range<usize>, Style)> {
        let theme = self.theme;
        match &line.structured {
            Some(record) if !self.view.raw => record
                .parts
                .iter()
                .filter_map(|(range, part)| {
                    let style = match part {
                        Part::Level => theme
                            .severity(line.severity)
                            .add_modifier(ratatui::style::Modifier::BOLD),
                        Part::Key => theme.muted(),
                        Part::Message | Part::Value => return None,
                    };
                    Some((range.clone(), style))
                })
                .collect(),
            _ => line
                .styles
                .iter()
                .map(|StyleRun { range, style }| (range.clone(), theme.ansi(style)))
                .collect(),
        }
    }
}

/// `text` in `width` columns, cut in the middle when too long: replica
/// names share their start and differ at the end ("api-ca…-7d9f").
fn fit_middle(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let Some(room) = width.checked_sub(1) else {
        return String::new();
    };
    let take = |chars: &mut dyn Iterator<Item = char>, cols: usize| {
        let mut used = 0;
        let mut out = Vec::new();
        for c in chars {
            let w = c.width().unwrap_or(0);
            if used + w > cols {
                break;
            }
            used += w;
            out.push(c);
        }
        out
    };
    let head = take(&mut text.chars(), room - room / 2);
    let mut tail = take(&mut text.chars().rev(), room / 2);
    tail.reverse();
    head.into_iter()
        .chain(std::iter::once('…'))
        .chain(tail)
        .collect()
}

/// The bytes of `text` that fit `room` columns, and whether it goes on
/// beyond them (then one column is left for `…`). Stops at the edge, so a
/// 90k-character line costs what a short one does.
fn cut(text: &str, room: usize) -> (Range<usize>, bool) {
    let mut used = 0;
    let mut short_end = 0;
    for (i, c) in text.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            return (0..short_end, true);
        }
        used += w;
        if used < room {
            short_end = i + c.len_utf8();
        }
    }
    (0..text.len(), false)
}

/// The spans of `range` of the text drawn: its severity's style, the runs'
/// styles (the line's own SGR colours, or a record's parts) over it,
/// highlights on top. `runs` are sorted and do not overlap.
fn styled(
    text: &str,
    runs: &[(Range<usize>, Style)],
    range: Range<usize>,
    highlights: &[Range<usize>],
    base: Style,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let first = runs.partition_point(|(r, _)| r.end <= range.start);
    let runs: Vec<&(Range<usize>, Style)> = runs[first..]
        .iter()
        .take_while(|(r, _)| r.start < range.end)
        .collect();
    let touching: Vec<&Range<usize>> = highlights
        .iter()
        .filter(|h| h.start < range.end && h.end > range.start)
        .collect();
    let mut cuts = vec![range.start, range.end];
    for (r, _) in &runs {
        cuts.extend([r.start, r.end]);
    }
    for h in &touching {
        cuts.extend([h.start, h.end]);
    }
    // Ranges come from the parser and the regex, both on char boundaries;
    // snapping anyway means a bad range can never split a character.
    let mut cuts: Vec<usize> = cuts
        .into_iter()
        .map(|c| floor_boundary(text, c.clamp(range.start, range.end)))
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut spans = Vec::with_capacity(cuts.len());
    for pair in cuts.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let Some(piece) = text.get(a..b) else {
            continue;
        };
        let mut style = base;
        if let Some((_, run)) = runs.iter().find(|(r, _)| r.start <= a && a < r.end) {
            style = style.patch(*run);
        }
        if touching.iter().any(|h| h.start <= a && a < h.end) {
            style = style.patch(theme.highlight());
        }
        spans.push(Span::styled(piece.to_string(), style));
    }
    spans
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cut_and_chunks_respect_columns_and_characters() {
        assert_eq!(cut("hello", 5), (0..5, false));
        assert_eq!(cut("hello!", 5), (0..4, true));
        // Wide characters take two columns and are never split.
        let (range, more) = cut("日本語テキスト", 5);
        assert!(more);
        assert_eq!(&"日本語テキスト"[range], "日本");
        assert_eq!(chunks("abcdef", 4, 10), vec![0..4, 4..6]);
        assert_eq!(chunks("", 4, 10), vec![0..0]);
        let text = "é".repeat(10);
        let pieces = chunks(&text, 3, 2);
        assert_eq!(pieces.len(), 2, "capped at max");
        for p in pieces {
            assert!(text.get(p).is_some());
        }
    }

    #[test]
    fn long_prefixes_keep_both_ends() {
        assert_eq!(fit_middle("api-canary-7d9f", 12), "api-ca…-7d9f");
        assert_eq!(fit_middle("api-canary-7d9f", 15), "api-canary-7d9f");
        assert_eq!(
            fit_middle("日本語のレプリカ", 7),
            "日…カ",
            "wide characters are never halved"
        );
        assert_eq!(fit_middle("abc", 0), "");
        assert_eq!(fit_middle("abc", 1), "…");
    }

    #[test]
    fn a_huge_line_is_only_measured_as_far_as_drawn() {
        let text = "x".repeat(90_000);
        assert_eq!(cut(&text, 40), (0..39, true));
        assert_eq!(chunks(&text, 40, 3).len(), 3);
    }

    #[test]
    fn styles_never_split_a_character() {
        let text = "aé日b";
        // Deliberately off the boundaries: inside é and inside 日.
        let runs = [(
            2..4,
            Style::default().add_modifier(ratatui::style::Modifier::BOLD),
        )];
        let spans = styled(
            text,
            &runs,
            0..text.len(),
            std::slice::from_ref(&(5..6)),
            Style::default(),
            &Theme::default(),
        );
        let joined: String = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(joined, "aé日b");
    }
}
