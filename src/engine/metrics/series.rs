//! Bounded time series for charts and "why" evidence: points older than the
//! retention fall off, and a hard cap bounds memory whatever the poll rate.
//! Stored in one contiguous `Vec` so a chart borrows a plain slice; the front
//! is compacted only once half the buffer is dead, so pushing stays O(1)
//! amortised.

use chrono::{DateTime, Duration as ChronoDuration, Utc};

pub type Point = (DateTime<Utc>, f64);

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    buf: Vec<Point>,
    start: usize,
    retention: ChronoDuration,
    max_points: usize,
}

impl Series {
    pub fn new(retention: std::time::Duration, max_points: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            retention: ChronoDuration::from_std(retention).unwrap_or(ChronoDuration::hours(1)),
            max_points: max_points.max(2),
        }
    }

    /// Appends a point; a point older than the newest one is dropped (the
    /// series stays sorted, which the lookups rely on).
    pub fn push(&mut self, at: DateTime<Utc>, value: f64) {
        if let Some(&(last, _)) = self.points().last()
            && at < last
        {
            return;
        }
        self.buf.push((at, value));
        let cutoff = at - self.retention;
        let live = &self.buf[self.start..];
        let old = live.partition_point(|(t, _)| *t < cutoff);
        self.start += old;
        let len = self.buf.len() - self.start;
        if len > self.max_points {
            self.start += len - self.max_points;
        }
        if self.start > self.buf.len() / 2 && self.start > 64 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }

    /// Merges a backfill (e.g. a PromQL `query_range`) that ends before the
    /// first live point; points overlapping live data are ignored.
    pub fn backfill(&mut self, points: &[Point]) {
        let first_live = self.points().first().map(|(t, _)| *t);
        let mut merged: Vec<Point> = points
            .iter()
            .copied()
            .filter(|(t, _)| first_live.is_none_or(|f| *t < f))
            .collect();
        merged.sort_by_key(|(t, _)| *t);
        merged.dedup_by_key(|(t, _)| *t);
        merged.extend_from_slice(self.points());
        self.buf = Vec::with_capacity(merged.len());
        self.start = 0;
        for (t, v) in merged {
            self.push(t, v);
        }
    }

    pub fn points(&self) -> &[Point] {
        &self.buf[self.start..]
    }

    /// The points at or after `since` (a chart's 5m / 15m / 1h window).
    pub fn since(&self, since: DateTime<Utc>) -> &[Point] {
        let points = self.points();
        let from = points.partition_point(|(t, _)| *t < since);
        &points[from..]
    }

    /// The newest point at or before `at`.
    pub fn at_or_before(&self, at: DateTime<Utc>) -> Option<Point> {
        let points = self.points();
        let idx = points.partition_point(|(t, _)| *t <= at);
        idx.checked_sub(1).map(|i| points[i])
    }

    pub fn last(&self) -> Option<Point> {
        self.points().last().copied()
    }

    pub fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
    }

    #[test]
    fn retention_and_cap_bound_the_series() {
        let mut s = Series::new(std::time::Duration::from_secs(60), 1000);
        for i in 0..10_000 {
            s.push(t(i), i as f64);
        }
        // 60 s of retention at one point a second: 61 points (inclusive cutoff).
        assert_eq!(s.len(), 61);
        assert_eq!(s.points()[0], (t(9939), 9939.0));
        assert!(s.buf.len() <= 2 * 61 + 64 + 2, "buffer compacted");

        let mut capped = Series::new(std::time::Duration::from_secs(3600), 100);
        for i in 0..1000 {
            capped.push(t(i), 0.0);
        }
        assert_eq!(capped.len(), 100);
        assert_eq!(capped.points()[0].0, t(900));
    }

    #[test]
    fn lookups_and_out_of_order_points() {
        let mut s = Series::new(std::time::Duration::from_secs(3600), 1000);
        s.push(t(10), 1.0);
        s.push(t(20), 2.0);
        s.push(t(15), 9.0); // older than the newest: dropped
        s.push(t(30), 3.0);
        assert_eq!(s.len(), 3);
        assert_eq!(s.since(t(15)).len(), 2);
        assert_eq!(s.at_or_before(t(25)), Some((t(20), 2.0)));
        assert_eq!(s.at_or_before(t(5)), None);
        s.backfill(&[(t(0), 0.5), (t(12), 7.0), (t(5), 0.7)]);
        let times: Vec<_> = s.points().iter().map(|p| p.1).collect();
        assert_eq!(times, vec![0.5, 0.7, 1.0, 2.0, 3.0]);
    }
}
