//! Turning successive scrapes of one track into windowed p50/p95/p99, error
//! rate and request rate. Each scrape is reduced to a *frame*: the increase of
//! every selected counter and bucket since the previous scrape, per series,
//! with counter resets handled as Prometheus' `rate()` does (a drop means the
//! process restarted and counted from zero: the increase is the new value,
//! never negative, never a spike). Frames are summed over the sliding window
//! and quantiles are interpolated with [`histogram_quantile`].
//!
//! Unlike `rate()`, a series that first appears after the track's first
//! scrape counts from zero: the first 5xx of a release shows up at once
//! instead of being silently absorbed as the series' starting value.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use regex::Regex;

use super::exposition::{self, MetricType, Sample};
use super::quantile::{Bucket, histogram_quantile};

/// Latency histograms golive looks for when the profile names none.
pub const HISTOGRAM_CANDIDATES: [&str; 6] = [
    "http_request_duration_seconds",
    "http_server_request_duration_seconds",
    "http_server_requests_seconds",
    "request_duration_seconds",
    "http_request_duration_milliseconds",
    "http_request_duration_ms",
];

/// Request counters golive looks for when the profile names none.
pub const COUNTER_CANDIDATES: [&str; 4] = [
    "http_requests_total",
    "http_server_requests_total",
    "http_requests",
    "requests_total",
];

/// Status labels golive looks for when the profile names none.
pub const STATUS_LABELS: [&str; 3] = ["status", "code", "status_code"];

/// What to read from a scrape: the profile's `[[metrics]]` scrape keys.
#[derive(Debug, Clone)]
pub struct ScrapeSpec {
    pub histogram: Option<String>,
    pub counter: Option<String>,
    pub status_label: Option<String>,
    /// Label name and a fully anchored regex its value must match.
    pub selector: Vec<(String, Regex)>,
    /// A selector that did not compile: reported as the no-data reason.
    pub selector_error: Option<String>,
    pub window: Duration,
}

impl ScrapeSpec {
    /// Compiles the selector regexes, anchored as PromQL's `=~` is.
    pub fn new(
        histogram: Option<String>,
        counter: Option<String>,
        status_label: Option<String>,
        selector: &std::collections::BTreeMap<String, String>,
        window: Duration,
    ) -> Self {
        let mut compiled = Vec::new();
        let mut selector_error = None;
        for (label, pattern) in selector {
            match Regex::new(&format!("^(?:{pattern})$")) {
                Ok(re) => compiled.push((label.clone(), re)),
                Err(e) => {
                    selector_error = Some(format!("selector {label} = {pattern:?} is invalid: {e}"))
                }
            }
        }
        Self {
            histogram,
            counter,
            status_label,
            selector: compiled,
            selector_error,
            window,
        }
    }
}

/// The increase of everything golive reads, between two scrapes.
#[derive(Debug, Clone, PartialEq)]
struct Frame {
    from: DateTime<Utc>,
    at: DateTime<Utc>,
    /// Bucket increases summed across series by upper bound (unsorted).
    buckets: Vec<Bucket>,
    requests: f64,
    errors: f64,
}

/// Windowed values of one track, or why each is missing.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowStats {
    pub p50: Result<f64, String>,
    pub p95: Result<f64, String>,
    pub p99: Result<f64, String>,
    pub error_rate: Result<f64, String>,
    pub request_rate: Result<f64, String>,
    /// Requests counted in the window (the sequential judge tests counts).
    pub requests: Option<f64>,
}

impl WindowStats {
    pub fn all_missing(reason: &str) -> Self {
        let r = || Err(reason.to_string());
        Self {
            p50: r(),
            p95: r(),
            p99: r(),
            error_rate: r(),
            request_rate: r(),
            requests: None,
        }
    }
}

/// Names resolved against what the target actually exposes.
#[derive(Debug, Clone, Default)]
struct Resolved {
    histogram: Option<String>,
    /// Bucket bounds are multiplied by this to get seconds.
    scale: f64,
    counter: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ScrapeWindow {
    spec: ScrapeSpec,
    resolved: Resolved,
    /// Last cumulative value of each selected series, and when it was seen.
    last: HashMap<String, (f64, DateTime<Utc>)>,
    prev_at: Option<DateTime<Utc>>,
    frames: VecDeque<Frame>,
    /// Why the last scrape yielded nothing usable, if it did not.
    problem: Option<String>,
    status_label_seen: Option<String>,
    key_buf: String,
}

impl ScrapeWindow {
    pub fn new(spec: ScrapeSpec) -> Self {
        Self {
            spec,
            resolved: Resolved {
                scale: 1.0,
                ..Resolved::default()
            },
            last: HashMap::new(),
            prev_at: None,
            frames: VecDeque::new(),
            problem: None,
            status_label_seen: None,
            key_buf: String::new(),
        }
    }

    pub fn window(&self) -> Duration {
        self.spec.window
    }

    /// Folds one scrape in; `at` is when it was taken.
    pub fn ingest(&mut self, text: &str, at: DateTime<Utc>) {
        if let Some(prev) = self.prev_at
            && at <= prev
        {
            return;
        }
        self.resolve(text);
        let first = self.prev_at.is_none();
        let hist = self.resolved.histogram.clone();
        let counter = self.resolved.counter.clone();
        let mut frame = Frame {
            from: self.prev_at.unwrap_or(at),
            at,
            buckets: Vec::new(),
            requests: 0.0,
            errors: 0.0,
        };
        let mut hist_count_requests = 0.0;
        let mut hist_count_errors = 0.0;
        let mut saw_bucket = false;
        let mut saw_counter = false;
        let mut parse_errors = 0usize;
        let mut first_error = None;
        for (number, line) in exposition::lines(text) {
            let Some(name) = exposition::sample_name(line) else {
                if line.trim_start().starts_with("# EOF") {
                    break;
                }
                continue;
            };
            let role = classify(name, hist.as_deref(), counter.as_deref());
            if role == Role::Skip {
                continue;
            }
            let sample = match exposition::parse_line(line) {
                Ok(exposition::Line::Sample(s)) => s,
                Ok(_) => continue,
                Err(message) => {
                    parse_errors += 1;
                    first_error.get_or_insert(format!("line {number}: {message}"));
                    continue;
                }
            };
            if !self.selected(&sample) {
                continue;
            }
            let increase = self.increase(&sample, at, first);
            match role {
                Role::Bucket => {
                    let Some(upper) = sample
                        .label("le")
                        .and_then(|le| le.trim().parse::<f64>().ok())
                    else {
                        continue;
                    };
                    saw_bucket = true;
                    let upper = if upper.is_finite() {
                        upper * self.resolved.scale
                    } else {
                        upper
                    };
                    add_bucket(&mut frame.buckets, upper, increase);
                }
                Role::HistCount => {
                    hist_count_requests += increase;
                    if self.is_error(&sample) {
                        hist_count_errors += increase;
                    }
                }
                Role::Counter => {
                    saw_counter = true;
                    frame.requests += increase;
                    if self.is_error(&sample) {
                        frame.errors += increase;
                    }
                }
                Role::Skip => {}
            }
        }
        if !saw_counter {
            frame.requests = hist_count_requests;
            frame.errors = hist_count_errors;
        }
        self.problem = if !saw_bucket && !saw_counter && hist_count_requests == 0.0 {
            Some(match (&hist, &counter, first_error) {
                (_, _, Some(err)) if parse_errors > 0 => {
                    format!(
                        "the scrape could not be parsed ({parse_errors} bad lines, first at {err})"
                    )
                }
                (None, None, _) => "no latency histogram or request counter found in the scrape \
                     (set latency_histogram / requests_counter)"
                    .to_string(),
                _ => "the selected series are missing from the scrape".to_string(),
            })
        } else {
            None
        };
        // Series not seen for a while are forgotten (bounded memory); within
        // that time a series that comes back is compared with its last value.
        let keep = chrono::Duration::from_std(self.spec.window.max(Duration::from_secs(600)))
            .unwrap_or(chrono::Duration::minutes(10));
        self.last.retain(|_, (_, seen)| at - *seen <= keep);
        if !first {
            self.frames.push_back(frame);
        }
        self.prev_at = Some(at);
        self.evict(at);
    }

    /// A failed scrape: the window keeps its frames (the next good scrape's
    /// increase covers the gap), but the track shows no data meanwhile.
    pub fn evict(&mut self, now: DateTime<Utc>) {
        let window =
            chrono::Duration::from_std(self.spec.window).unwrap_or(chrono::Duration::minutes(1));
        while let Some(f) = self.frames.front() {
            if f.at <= now - window {
                self.frames.pop_front();
            } else {
                break;
            }
        }
    }

    /// The window's values as of the latest scrape.
    pub fn stats(&self) -> WindowStats {
        if let Some(err) = &self.spec.selector_error {
            return WindowStats::all_missing(err);
        }
        if let Some(problem) = &self.problem {
            return WindowStats::all_missing(problem);
        }
        if self.frames.is_empty() {
            return WindowStats::all_missing("waiting for a second scrape to measure increases");
        }
        let window = humantime::format_duration(self.spec.window).to_string();
        let mut buckets: Vec<Bucket> = Vec::new();
        let mut requests = 0.0;
        let mut errors = 0.0;
        let mut span = 0.0;
        for f in &self.frames {
            for b in &f.buckets {
                add_bucket(&mut buckets, b.upper, b.count);
            }
            requests += f.requests;
            errors += f.errors;
            span += (f.at - f.from).num_milliseconds() as f64 / 1000.0;
        }
        let quantile = |q: f64| -> Result<f64, String> {
            match &self.resolved.histogram {
                None => {
                    Err("no latency histogram found in the scrape (set latency_histogram)".into())
                }
                Some(name) if buckets.is_empty() => {
                    Err(format!("histogram {name} has no buckets in the scrape"))
                }
                Some(_) => histogram_quantile(q, &buckets).map_err(|e| match e {
                    super::quantile::QuantileError::NoObservations => {
                        format!("no requests in the last {window}")
                    }
                    other => other.to_string(),
                }),
            }
        };
        // Only a label actually seen on a series counts: a configured one
        // that the target does not use must not read as "zero errors".
        let error_rate = if self.status_label_seen.is_none() {
            Err(match &self.spec.status_label {
                Some(label) => format!("no status label {label:?} on the request series"),
                None => format!(
                    "no status label ({}) on the request series",
                    STATUS_LABELS.join(", ")
                ),
            })
        } else if requests <= 0.0 {
            Err(format!("no requests in the last {window}"))
        } else {
            Ok(errors / requests)
        };
        let request_rate = if span > 0.0 {
            Ok(requests / span)
        } else {
            Err("no time has passed between scrapes".to_string())
        };
        WindowStats {
            p50: quantile(0.5),
            p95: quantile(0.95),
            p99: quantile(0.99),
            error_rate,
            request_rate,
            requests: (span > 0.0).then_some(requests),
        }
    }

    fn resolve(&mut self, text: &str) {
        if self.resolved.histogram.is_none() {
            self.resolved.histogram = match &self.spec.histogram {
                Some(name) => Some(name.clone()),
                None => detect_histogram(text),
            };
            if let Some(name) = &self.resolved.histogram {
                self.resolved.scale = if name.ends_with("_milliseconds") || name.ends_with("_ms") {
                    0.001
                } else {
                    1.0
                };
            }
        }
        if self.resolved.counter.is_none() {
            self.resolved.counter = match &self.spec.counter {
                Some(name) => Some(name.clone()),
                None => detect_counter(text),
            };
        }
    }

    fn selected(&self, sample: &Sample<'_>) -> bool {
        self.spec
            .selector
            .iter()
            .all(|(label, re)| re.is_match(sample.label(label).unwrap_or("")))
    }

    fn is_error(&mut self, sample: &Sample<'_>) -> bool {
        let value = match &self.spec.status_label {
            Some(label) => sample.label(label),
            None => STATUS_LABELS.iter().find_map(|label| {
                let v = sample.label(label)?;
                if self.status_label_seen.is_none() {
                    self.status_label_seen = Some((*label).to_string());
                }
                Some(v)
            }),
        };
        if value.is_some() && self.status_label_seen.is_none() {
            self.status_label_seen = self.spec.status_label.clone();
        }
        // "500", "503", and the class form "5xx".
        value.is_some_and(|v| v.starts_with('5'))
    }

    /// The increase of one series since the previous scrape.
    fn increase(&mut self, sample: &Sample<'_>, at: DateTime<Utc>, first: bool) -> f64 {
        let value = sample.value;
        if !value.is_finite() {
            return 0.0;
        }
        let key = &mut self.key_buf;
        key.clear();
        key.push_str(&sample.name);
        let mut labels: Vec<(&str, &str)> = sample
            .labels
            .iter()
            .map(|l| (l.name.as_ref(), l.value.as_ref()))
            .collect();
        labels.sort_unstable();
        for (name, value) in labels {
            key.push('\u{1}');
            key.push_str(name);
            key.push('\u{2}');
            key.push_str(value);
        }
        match self.last.get_mut(key.as_str()) {
            Some(entry) => {
                let prev = entry.0;
                *entry = (value, at);
                if value >= prev {
                    value - prev
                } else {
                    // Reset: the process counted again from zero.
                    value
                }
            }
            None => {
                self.last.insert(key.clone(), (value, at));
                if first { 0.0 } else { value }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Bucket,
    HistCount,
    Counter,
    Skip,
}

fn classify(name: &str, hist: Option<&str>, counter: Option<&str>) -> Role {
    if let Some(h) = hist
        && let Some(rest) = name.strip_prefix(h)
    {
        match rest {
            "_bucket" => return Role::Bucket,
            "_count" => return Role::HistCount,
            _ => {}
        }
    }
    if let Some(c) = counter
        && (name == c || name.strip_prefix(c) == Some("_total"))
    {
        return Role::Counter;
    }
    Role::Skip
}

fn add_bucket(buckets: &mut Vec<Bucket>, upper: f64, increase: f64) {
    match buckets.iter_mut().find(|b| b.upper == upper) {
        Some(b) => b.count += increase,
        None => buckets.push(Bucket {
            upper,
            count: increase,
        }),
    }
}

fn detect_histogram(text: &str) -> Option<String> {
    let mut typed_fallback: Option<&str> = None;
    let mut bucket_fallback: Option<&str> = None;
    for (_, line) in exposition::lines(text) {
        if let Some(name) = exposition::sample_name(line) {
            if let Some(family) = name.strip_suffix("_bucket") {
                if HISTOGRAM_CANDIDATES.contains(&family) {
                    return Some(family.to_string());
                }
                if bucket_fallback.is_none()
                    && (family.contains("duration") || family.contains("latency"))
                {
                    bucket_fallback = Some(family);
                }
            }
        } else if let Ok(exposition::Line::Type {
            family,
            kind: MetricType::Histogram,
        }) = exposition::parse_line(line)
            && typed_fallback.is_none()
            && (family.contains("duration") || family.contains("latency"))
        {
            typed_fallback = Some(family);
        }
    }
    typed_fallback.or(bucket_fallback).map(str::to_string)
}

fn detect_counter(text: &str) -> Option<String> {
    let mut found: Option<usize> = None;
    for (_, line) in exposition::lines(text) {
        if let Some(name) = exposition::sample_name(line)
            && let Some(i) = COUNTER_CANDIDATES.iter().position(|c| *c == name)
        {
            found = Some(found.map_or(i, |f| f.min(i)));
            if i == 0 {
                break;
            }
        }
    }
    found.map(|i| COUNTER_CANDIDATES[i].to_string())
}
