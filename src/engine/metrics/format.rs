//! Metric values in the units people read them in, and the thinning the
//! charts and the judge share.

use crate::profile::MetricKind;
use chrono::{DateTime, Utc};
use std::time::Duration;

use super::*;

/// Keeps points at least `spacing` apart, walking back from the newest.
pub fn thin(points: &[Point], spacing: chrono::Duration) -> Vec<f64> {
    thin_points(points, spacing)
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

pub(super) fn thin_points(points: &[Point], spacing: chrono::Duration) -> Vec<Point> {
    let mut out = Vec::new();
    let mut next_before: Option<DateTime<Utc>> = None;
    for &(at, v) in points.iter().rev() {
        if next_before.is_none_or(|limit| at <= limit) {
            out.push((at, v));
            next_before = Some(at - spacing);
        }
    }
    out.reverse();
    out
}

/// A metric value in the unit people read it in.
pub fn fmt_value(kind: MetricKind, v: f64) -> String {
    match kind {
        MetricKind::LatencyP50 | MetricKind::LatencyP95 | MetricKind::LatencyP99 => {
            if v.abs() < 1.0 {
                format!("{:.0} ms", v * 1000.0)
            } else {
                format!("{v:.2} s")
            }
        }
        MetricKind::ErrorRate => format!("{:.2}% ({v:.4})", v * 100.0),
        MetricKind::RequestRate => format!("{v:.1} req/s"),
    }
}

pub(super) fn fmt_ratio(f: f64) -> String {
    format!("{f}x")
}

/// `90s` → `1m 30s`: short enough for a detail sentence.
pub(super) fn short(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        let (m, s) = (secs / 60, secs % 60);
        if s == 0 {
            format!("{m}m")
        } else {
            format!("{m}m {s}s")
        }
    } else if secs > 0 || d.is_zero() {
        format!("{secs}s")
    } else {
        format!("{}ms", d.as_millis())
    }
}
