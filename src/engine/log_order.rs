//! Putting the lines of several sources in time order: each line waits at
//! most [`REORDER_WINDOW`] after it arrived, and leaves in the order of the
//! time it says it was written (else when it came), together with every
//! held line dated no later. Lines out of order by less than the window
//! come out sorted; a line with a strange clock is never held longer.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::logs::LogLine;

/// The same window Docker's containers are merged within.
pub const REORDER_WINDOW: Duration = Duration::from_millis(300);

/// Most lines held for ordering, by the Docker follower and by the merge of
/// several sources alike. A flood fills the window with far more (100,000
/// lines a second is 30,000 in 300 ms); past this many, what is held leaves
/// at once, still sorted, so a flood costs a few batches of memory rather
/// than a window of lines.
pub const HELD_MAX: usize = 4096;

/// A held line's place: the time it sorts by, then its arrival number.
type Key = (Option<DateTime<Utc>>, u64);

/// Lines held for ordering. Pure: the caller says what time it is.
#[derive(Debug)]
pub struct Reorder {
    window: Duration,
    /// Held lines by (time, arrival number).
    held: BTreeMap<Key, LogLine>,
    /// Arrival order: when each held line must leave, and its key.
    due: VecDeque<(Instant, Key)>,
    seq: u64,
}

impl Reorder {
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            held: BTreeMap::new(),
            due: VecDeque::new(),
            seq: 0,
        }
    }

    /// Takes lines that arrived at `now`.
    pub fn push(&mut self, lines: impl IntoIterator<Item = LogLine>, now: Instant) {
        for line in lines {
            self.seq += 1;
            let key = (line.time(), self.seq);
            self.held.insert(key, line);
            self.due.push_back((now + self.window, key));
        }
    }

    /// The lines due at `now`, in time order: each whose wait is over, and
    /// every held line dated no later than one of those.
    pub fn release(&mut self, now: Instant) -> Vec<LogLine> {
        let mut out = Vec::new();
        while let Some((at, key)) = self.due.front().copied() {
            if at > now && self.held.contains_key(&key) {
                break;
            }
            self.due.pop_front();
            if !self.held.contains_key(&key) {
                continue;
            }
            // Everything dated up to this line leaves with it, first.
            let rest = self.held.split_off(&(key.0, key.1 + 1));
            out.extend(std::mem::replace(&mut self.held, rest).into_values());
        }
        out
    }

    /// When the next held line must leave.
    pub fn next_due(&self) -> Option<Instant> {
        self.due
            .iter()
            .find(|(_, key)| self.held.contains_key(key))
            .map(|(at, _)| *at)
    }

    /// Everything held, in time order (the sources ended).
    pub fn drain(&mut self) -> Vec<LogLine> {
        self.due.clear();
        std::mem::take(&mut self.held).into_values().collect()
    }

    pub fn len(&self) -> usize {
        self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn line(source: &str, text: &str) -> LogLine {
        LogLine::new(source, Some(Utc::now()), text.to_string())
    }

    fn texts(lines: &[LogLine]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn lines_of_several_sources_leave_in_their_own_time_order() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut r = Reorder::new(Duration::from_millis(250));
        r.push([line("b", "2026-12-01T17:01:35.349Z INFO late")], ms(0));
        r.push(
            [
                line("a", "2026-12-01T17:01:35.303Z INFO early"),
                line("a", "2026-12-01T17:01:35.400Z INFO next"),
            ],
            ms(100),
        );
        assert!(r.release(ms(200)).is_empty(), "nothing waited long enough");
        assert_eq!(r.next_due(), Some(ms(250)));
        // The first arrival is due: it leaves after the earlier line.
        assert_eq!(texts(&r.release(ms(250))), ["INFO early", "INFO late"]);
        assert_eq!(r.next_due(), Some(ms(350)));
        assert_eq!(texts(&r.release(ms(350))), ["INFO next"]);
        assert!(r.is_empty());
    }

    #[test]
    fn no_line_waits_longer_than_the_window() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut r = Reorder::new(Duration::from_millis(250));
        // A clock a day behind leaves at its time, not a day later; the
        // line dated before it leaves with it.
        r.push([line("a", "2026-12-01T00:00:00Z INFO behind")], ms(0));
        r.push([line("b", "2026-12-02T00:00:00Z INFO now")], ms(10));
        r.push([line("c", "2026-11-30T00:00:00Z INFO older")], ms(20));
        assert_eq!(texts(&r.release(ms(250))), ["INFO older", "INFO behind"]);
        assert_eq!(texts(&r.release(ms(260))), ["INFO now"]);
        // Lines without a time of their own sort by when they came.
        let mut r = Reorder::new(Duration::from_millis(250));
        r.push([line("a", "one"), line("b", "two")], ms(0));
        r.push([line("a", "three")], ms(1));
        assert_eq!(texts(&r.drain()), ["one", "two", "three"]);
    }
}
