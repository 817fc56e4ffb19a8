//! Scrolling the logs pane by screen rows while lines wrap: a line longer
//! than the pane is read row by row to its end, instead of jumping from
//! one line's start to the next. The view's anchor is the bottom line and
//! how many of its rows are shown; rows are counted with the pane's own
//! rules ([`Columns`], [`row_count`]).

use super::log_layout::{Columns, row_count};
use super::logs::LogView;

impl LogView {
    /// Moves a wrapped view `delta` rows (negative: up) on a pane `rows`
    /// tall. Reaching the end of the newest line follows again, unless that
    /// line is taller than the pane (following would show its start).
    pub fn scroll_rows(&mut self, delta: i64, rows: usize) {
        let visible = self.visible();
        let Some(pos) = self.bottom_position(&visible) else {
            return;
        };
        let rows = rows.max(1);
        let columns = Columns::of(self, &visible, self.cols);
        let height = |p: usize| {
            self.line(visible[p])
                .map_or(1, |l| row_count(l.shown(self.raw), columns.room))
        };
        let last = visible.len() - 1;
        let top = top_anchor(rows, last, &height);
        // Where the pane's last row is now, as the pane draws it.
        let shown = self.shown(&visible, rows);
        let at_top = shown.start == 0 && pos + 1 < visible.len() && !self.follow;
        let (mut line, mut end) = match self.bottom_rows {
            Some(k) => (pos, k.clamp(1, height(pos)) as i64),
            None if at_top => top,
            None => (pos, height(pos).min(rows) as i64),
        };
        if (line, end) < top {
            (line, end) = top;
        }
        end = end.saturating_add(delta);
        while end > height(line) as i64 && line < last {
            end -= height(line) as i64;
            line += 1;
        }
        while end < 1 && line > 0 {
            line -= 1;
            end += height(line) as i64;
        }
        end = end.clamp(1, height(line) as i64);
        if (line, end) < top {
            (line, end) = top;
        }
        let end = end as usize;
        if line == last && end == height(last) && (height(last) <= rows || self.follow) {
            self.follow = true;
            self.bottom_rows = None;
            return;
        }
        self.follow = false;
        self.bottom = visible[line];
        self.bottom_rows = Some(end);
    }
}

/// The anchor of a view scrolled to the very top: the first `rows` rows,
/// as (position, rows of that line shown).
fn top_anchor(rows: usize, last: usize, height: &dyn Fn(usize) -> usize) -> (usize, i64) {
    let mut left = rows;
    for p in 0..=last {
        let h = height(p);
        if h >= left || p == last {
            return (p, h.min(left) as i64);
        }
        left -= h;
    }
    (last, 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::engine::logs::LogLine;

    fn view(lines: &[&str], cols: usize) -> LogView {
        let mut view = LogView::new(100);
        view.push_batch(
            lines
                .iter()
                .map(|t| LogLine::new("a", None, (*t).to_string())),
        );
        view.wrap = true;
        view.cols = cols;
        view
    }

    #[test]
    fn a_line_taller_than_the_pane_is_read_row_by_row_to_its_end() {
        // Prefix "a" and its space, the mark: 4 columns, 6 left per row.
        let long = "x".repeat(60);
        let mut v = view(&["first", &long, "after"], 10);
        v.scroll_to_top(3);
        assert_eq!((v.bottom, v.bottom_rows), (1, Some(2)));
        // From the top: "first" and the long line's first two rows shown.
        v.scroll_rows(1, 3);
        assert_eq!((v.bottom, v.bottom_rows), (1, Some(3)));
        v.scroll_rows(7, 3);
        assert_eq!((v.bottom, v.bottom_rows), (1, Some(10)), "its last row");
        v.scroll_rows(1, 3);
        assert!(v.follow, "the newest line fits: following again");
        v.scroll_rows(-1, 3);
        assert_eq!((v.bottom, v.bottom_rows), (1, Some(10)));
        v.scroll_rows(-100, 3);
        assert_eq!(
            (v.bottom, v.bottom_rows),
            (1, Some(2)),
            "clamped at the top"
        );
    }

    #[test]
    fn following_a_huge_newest_line_scrolls_to_its_end() {
        let long = "y".repeat(600);
        let mut v = view(&["a", &long], 10);
        v.scroll_rows(-1, 4);
        // Following showed its first four rows; one up is the top already.
        assert_eq!((v.bottom, v.bottom_rows, v.follow), (1, Some(3), false));
        v.scroll_rows(1000, 4);
        assert_eq!(v.bottom_rows, Some(100));
        assert!(!v.follow, "following would jump back to its start");
    }
}
