//! Where the logs pane's view is: the bottom line, the lines shown, and
//! scrolling by lines, kept on a cursor when one is selected.

use super::logs::LogView;
use std::ops::Range;

impl LogView {
    /// Where the view's bottom line sits in `visible`: the last line while
    /// following, else the last visible line at or before `bottom`.
    pub fn bottom_position(&self, visible: &[u64]) -> Option<usize> {
        if visible.is_empty() {
            return None;
        }
        if self.follow {
            return Some(visible.len() - 1);
        }
        Some(
            visible
                .partition_point(|i| *i <= self.bottom)
                .saturating_sub(1),
        )
    }

    /// Positions in `visible` shown on `rows` rows, a line a row: the lines
    /// up to the bottom one, or the first `rows` when fewer lie above it.
    pub fn shown(&self, visible: &[u64], rows: usize) -> Range<usize> {
        let Some(bottom) = self.bottom_position(visible) else {
            return 0..0;
        };
        let end = (bottom + 1).max(rows.min(visible.len()));
        end.saturating_sub(rows)..end
    }

    /// Moves the view `delta` visible lines (negative: up) on a pane `rows`
    /// tall. Leaving the newest line pauses; coming back down to it follows.
    pub fn scroll(&mut self, delta: i64, rows: usize) {
        let visible = self.visible();
        let Some(pos) = self.bottom_position(&visible) else {
            return;
        };
        let last = visible.len() - 1;
        // The bottom line never sits above the pane's last row, so every
        // step moves what is drawn.
        let floor = rows.saturating_sub(1).min(last);
        let pos = pos.max(floor) as i64;
        let target = (pos.saturating_add(delta)).clamp(floor as i64, last as i64) as usize;
        if target == last && (delta > 0 || self.follow) {
            self.follow = true;
            return;
        }
        self.follow = false;
        self.anchor(visible[target]);
    }

    /// `g`: the first lines, paused.
    pub fn scroll_to_top(&mut self, rows: usize) {
        let visible = self.visible();
        if let Some(last) = visible.len().checked_sub(1) {
            self.follow = false;
            self.anchor(visible[rows.saturating_sub(1).min(last)]);
            if self.wrap {
                // Wrapped lines take more rows than one: the top by rows.
                self.scroll_rows(-(1 << 40), rows);
            }
        }
    }

    /// Brings the cursor line into a pane `rows` tall, near its middle,
    /// unless it is already shown.
    pub fn reveal_cursor(&mut self, rows: usize) {
        let Some(cursor) = self.cursor else {
            return;
        };
        let visible = self.visible();
        let at = visible.partition_point(|i| *i < cursor);
        let Some(last) = visible.len().checked_sub(1) else {
            return;
        };
        if at > last || self.shown(&visible, rows).contains(&at) {
            return;
        }
        let floor = rows.saturating_sub(1).min(last);
        self.follow = false;
        self.anchor(visible[(at + rows / 2).clamp(floor, last)]);
    }
}
