//! Search in the logs pane: the matches of the pattern, stepping to the
//! next or previous one, and the first error.

use super::logs::{LogView, Severity};

impl LogView {
    /// `n`: the next visible line matching the search after the cursor.
    pub fn search_next(&mut self) -> Option<u64> {
        self.step_search(true)
    }

    /// `N`: the previous one.
    pub fn search_prev(&mut self) -> Option<u64> {
        self.step_search(false)
    }

    pub(crate) fn step_search(&mut self, forward: bool) -> Option<u64> {
        let re = self.search.clone()?;
        let visible = self.visible();
        let matches = |i: &&u64| self.line(**i).is_some_and(|l| l.matches(&re));
        let found = match (self.cursor, forward) {
            (None, true) => visible.iter().find(matches),
            (None, false) => visible.iter().rev().find(matches),
            (Some(c), true) => visible
                .iter()
                .filter(|i| **i > c)
                .find(matches)
                .or_else(|| visible.iter().find(matches)),
            (Some(c), false) => visible
                .iter()
                .rev()
                .filter(|i| **i < c)
                .find(matches)
                .or_else(|| visible.iter().rev().find(matches)),
        }
        .copied();
        if found.is_some() {
            self.cursor = found;
            self.pause();
        }
        found
    }

    /// Jumps to the first error line still held; pauses following so it stays.
    pub fn jump_first_error(&mut self) -> Option<u64> {
        let found = self
            .visible()
            .into_iter()
            .find(|i| self.line(*i).is_some_and(|l| l.severity == Severity::Error));
        if found.is_some() {
            self.cursor = found;
            self.pause();
        }
        found
    }
}
