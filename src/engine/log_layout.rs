//! How the logs pane's columns are shared and a line wraps into rows: the
//! time column, the prefix column (as wide as the widest prefix shown, no
//! wider), the severity mark, and the room left for the text. The state
//! counts wrapped rows with the same rules the pane draws with, so
//! scrolling in wrap mode moves by the rows on screen.

use std::ops::Range;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::logs::LogView;

/// The widest prefix column, so long replica names leave room for the text.
pub const PREFIX_MAX: usize = 24;
/// `HH:MM:SS ` before each line while timestamps are on.
pub const TIME_WIDTH: usize = 9;
/// The severity mark and its space.
pub const MARK_WIDTH: usize = 2;

/// The pane's columns for a set of visible lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    pub time: bool,
    pub prefix: usize,
    /// Columns left for the text after time, prefix and mark.
    pub room: usize,
}

impl Columns {
    /// The columns for `visible` in a pane `width` columns wide. Measured
    /// over every visible line (not only those on screen), so the text does
    /// not shift sideways while scrolling.
    pub fn of(view: &LogView, visible: &[u64], width: usize) -> Self {
        let lines = || visible.iter().filter_map(|i| view.line(*i));
        let time = view.timestamps && lines().any(|l| l.time().is_some());
        let mut widest = 0;
        let mut seen: Option<&str> = None;
        for line in lines() {
            let prefix = line.prefix();
            // Runs of one source are the common case: measure each name once.
            if seen != Some(prefix) {
                widest = widest.max(prefix.width());
                seen = Some(prefix);
            }
        }
        let prefix = widest.min(PREFIX_MAX).min(width / 3);
        let mut columns = Self {
            time,
            prefix,
            room: 1,
        };
        columns.room = width.saturating_sub(columns.head()).max(1);
        columns
    }

    /// Columns before a line's text: time, prefix and a space, mark.
    pub fn head(&self) -> usize {
        let time = if self.time { TIME_WIDTH } else { 0 };
        let prefix = if self.prefix > 0 { self.prefix + 1 } else { 0 };
        time + prefix + MARK_WIDTH
    }
}

/// `text` in pieces of at most `room` columns, at most `max` of them: only
/// what can be drawn is measured. An empty text is one empty piece.
pub fn chunks(text: &str, room: usize, max: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > room && i > start {
            out.push(start..i);
            if out.len() == max {
                return out;
            }
            start = i;
            used = 0;
        }
        used += w;
    }
    out.push(start..text.len());
    out
}

/// How many rows [`chunks`] makes of `text`, without keeping them.
pub fn row_count(text: &str, room: usize) -> usize {
    let mut rows = 1;
    let mut used = 0;
    let mut start = true;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > room && !start {
            rows += 1;
            used = 0;
        }
        start = false;
        used += w;
    }
    rows
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::engine::logs::LogLine;

    #[test]
    fn row_count_agrees_with_chunks() {
        for text in [
            "",
            "a",
            "abcd",
            "abcde",
            "日本語テキスト",
            "a日b本c",
            &"é".repeat(99),
        ] {
            for room in 1..7 {
                assert_eq!(
                    row_count(text, room),
                    chunks(text, room, usize::MAX).len(),
                    "{text:?} in {room}"
                );
            }
        }
    }

    #[test]
    fn the_prefix_column_takes_what_the_widest_prefix_needs() {
        let mut view = LogView::new(10);
        view.push_batch([
            LogLine::new("db", None, "x".into()),
            LogLine::new("api-1", None, "y".into()),
        ]);
        let visible = view.visible();
        let columns = Columns::of(&view, &visible, 60);
        assert_eq!(columns.prefix, 5);
        assert!(!columns.time, "no line has a time");
        assert_eq!(columns.room, 60 - 5 - 1 - MARK_WIDTH);
        // A narrow pane gives a long name a third at most.
        let mut view = LogView::new(10);
        view.push_batch([LogLine::new(
            "a-very-long-replica-name-7d9f",
            None,
            "x".into(),
        )]);
        let visible = view.visible();
        assert_eq!(Columns::of(&view, &visible, 40).prefix, 13);
    }
}
