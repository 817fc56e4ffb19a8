//! Metrics against the baseline, as pure state: what every track's scrapes and
//! PromQL answers say about latency and errors, kept as bounded time series;
//! the baseline (the live `baseline` track or a captured file); metric checks
//! with `hold`, gates with `for`, and the statistical judge over both. The
//! adapters (`io::metrics`) hand in reports with their time; nothing here does
//! I/O or reads a clock, so every rule is tested with made-up times.
//!
//! No data is never a pass: a value that is missing, stale or unmeasurable is
//! [`MetricValue::NoData`] with the reason in words, and checks and gates that
//! depend on it say so.

pub mod baseline;
pub mod exposition;
pub mod promql;
pub mod quantile;
pub mod scrape;
pub mod series;
pub mod window;

mod evaluate;
mod format;
mod judging;

use format::{fmt_ratio, short, thin_points};
pub use format::{fmt_value, thin};

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::engine::judge::JudgeConfig;
use crate::profile::{
    BaselineConfig, BaselinePrefer, Gate, MetricKind, MetricsKind, MetricsSource, OnBreach,
    Profile, Settings,
};
pub use baseline::BaselineFile;
use scrape::{ScrapeSpec, ScrapeWindow, WindowStats};
pub use series::{Point, Series};
pub use window::ChartWindow;

/// The track every other one is compared with.
pub const BASELINE_TRACK: &str = "baseline";
/// The track the judge looks at first.
pub const CANARY_TRACK: &str = "canary";

/// All metric kinds, in display order.
pub const KINDS: [MetricKind; 5] = [
    MetricKind::LatencyP50,
    MetricKind::LatencyP95,
    MetricKind::LatencyP99,
    MetricKind::ErrorRate,
    MetricKind::RequestRate,
];

/// The metrics the judge compares (all "higher is worse").
pub const JUDGED: [MetricKind; 4] = [
    MetricKind::LatencyP50,
    MetricKind::LatencyP95,
    MetricKind::LatencyP99,
    MetricKind::ErrorRate,
];

fn idx(kind: MetricKind) -> usize {
    match kind {
        MetricKind::LatencyP50 => 0,
        MetricKind::LatencyP95 => 1,
        MetricKind::LatencyP99 => 2,
        MetricKind::ErrorRate => 3,
        MetricKind::RequestRate => 4,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum MetricValue {
    Ok(f64),
    /// Why there is no number, in words ("no requests in the last 1m").
    NoData(String),
}

impl MetricValue {
    pub fn ok(&self) -> Option<f64> {
        match self {
            MetricValue::Ok(v) => Some(*v),
            MetricValue::NoData(_) => None,
        }
    }
}

/// What an adapter observed for one track at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsReport {
    pub track: String,
    pub at: DateTime<Utc>,
    pub payload: MetricsPayload,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MetricsPayload {
    /// The body of a scrape (text format or OpenMetrics).
    Scrape(String),
    /// One answer per configured PromQL query.
    PromQl(Vec<PromQlAnswer>),
    /// A `query_range` answer covering the time before the first poll.
    Backfill(Vec<(MetricKind, Vec<Point>)>),
    /// The source could not be read at all (connection refused, HTTP 503...).
    Failed(String),
}

/// One PromQL query's answer for a track.
#[derive(Debug, Clone, PartialEq)]
pub struct PromQlAnswer {
    pub kind: MetricKind,
    pub value: MetricValue,
    /// How golive read the answer when it read more into it than a number
    /// ([`promql::NO_ERROR_SERIES`]); the evidence repeats it.
    pub note: Option<String>,
}

impl From<(MetricKind, MetricValue)> for PromQlAnswer {
    fn from((kind, value): (MetricKind, MetricValue)) -> Self {
        Self {
            kind,
            value,
            note: None,
        }
    }
}

/// How the metrics are kept and judged: retention and the judge come from
/// the profile (`[settings] metrics_retention`, `[judge]`), the rest follows
/// from the poll interval.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsConfig {
    /// How long chart series are kept.
    pub retention: Duration,
    /// Hard cap on points per series, whatever the poll rate.
    pub max_points: usize,
    /// A value older than this is no longer current.
    pub stale_after: Duration,
    /// How far back the judge looks.
    pub judge_lookback: Duration,
    pub judge: JudgeConfig,
}

impl MetricsConfig {
    /// Defaults for a poll interval: stale after three missed polls (at
    /// least 10 s), one hour of retention.
    pub fn for_poll(poll: Duration) -> Self {
        Self {
            retention: Duration::from_secs(3600),
            max_points: 20_000,
            stale_after: (poll * 3).max(Duration::from_secs(10)),
            judge_lookback: Duration::from_secs(3600),
            judge: JudgeConfig::default(),
        }
    }

    /// The profile's retention and judge, with a point cap that fits the
    /// retention at the poll rate (twice over, for jitter and backfills) but
    /// never lets a fast poll and a long retention grow without bound.
    pub fn for_settings(settings: &Settings) -> Self {
        let poll = settings.poll_interval.max(Duration::from_millis(10));
        let per_retention = settings.metrics_retention.as_secs_f64() / poll.as_secs_f64();
        let max_points = (per_retention * 2.0).clamp(64.0, MAX_POINTS_CAP as f64) as usize;
        Self {
            retention: settings.metrics_retention,
            max_points,
            judge: settings.judge.clone(),
            ..Self::for_poll(settings.poll_interval)
        }
    }
}

/// The most points one series ever holds (100k points: 1.6 MB).
pub const MAX_POINTS_CAP: usize = 100_000;

#[derive(Debug, Clone)]
enum Source {
    Scrape(Box<ScrapeWindow>),
    PromQl,
}

#[derive(Debug, Clone)]
struct Track {
    source: Source,
    window: Duration,
    series: [Series; 5],
    /// Requests counted in the window ending at each point, for the
    /// sequential judge's test on counts (errors = error rate × requests).
    requests: Series,
    /// The latest value or reason per kind, with when it was learnt.
    latest: [(MetricValue, Option<DateTime<Utc>>); 5],
    /// The last time each kind had no data (breaks `hold` and `for` runs).
    last_gap: [Option<DateTime<Utc>>; 5],
    /// How the latest value per kind was read, when there is more to say
    /// than the number.
    notes: [Option<String>; 5],
}

impl Track {
    fn new(source: Source, window: Duration, cfg: &MetricsConfig) -> Self {
        let s = || Series::new(cfg.retention, cfg.max_points);
        let waiting = || {
            (
                MetricValue::NoData("waiting for the first report".into()),
                None,
            )
        };
        Self {
            source,
            window,
            series: [s(), s(), s(), s(), s()],
            requests: s(),
            latest: [waiting(), waiting(), waiting(), waiting(), waiting()],
            last_gap: [None; 5],
            notes: Default::default(),
        }
    }

    fn record(&mut self, kind: MetricKind, value: MetricValue, at: DateTime<Utc>) {
        let i = idx(kind);
        self.notes[i] = None;
        match &value {
            MetricValue::Ok(v) if v.is_finite() => self.series[i].push(at, *v),
            MetricValue::Ok(_) => {
                self.last_gap[i] = Some(at);
                self.latest[i] = (
                    MetricValue::NoData("the value is not a finite number".into()),
                    Some(at),
                );
                return;
            }
            MetricValue::NoData(_) => self.last_gap[i] = Some(at),
        }
        self.latest[i] = (value, Some(at));
    }
}

/// A check's or gate's state as of `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Fail,
    /// True now, but not yet for the whole `hold`.
    Holding,
    NoData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckEval {
    pub status: CheckStatus,
    /// A sentence with the observed value and the threshold.
    pub detail: String,
    pub observed: Option<f64>,
    /// Since when the check has been continuously true.
    pub holding_since: Option<DateTime<Utc>>,
    /// The line to draw on the chart (see [`GateState::threshold_value`]).
    pub threshold_value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateState {
    pub id: String,
    /// The breach condition has held for the gate's whole `for`.
    pub breached: bool,
    /// Start of the current run of breaching values (breached or not yet).
    pub since: Option<DateTime<Utc>>,
    pub observed: Option<f64>,
    /// The breach condition in words, with the baseline value when relative.
    pub threshold: String,
    /// The line to draw on the chart: the absolute threshold (a relative one
    /// times the current baseline); None without a baseline.
    pub threshold_value: Option<f64>,
    /// Why the gate cannot be evaluated, when it cannot.
    pub no_data: Option<String>,
    /// First evaluation of this breach: journal it (and offer the rollback).
    pub newly_breached: bool,
    /// An auto-rollback gate asks for the rollback now; true exactly once per
    /// state, whatever happens afterwards.
    pub fired: bool,
    pub detail: String,
}

impl GateState {
    /// The journal event for this breach (write it when `newly_breached`).
    pub fn breach_event(&self, gate: &Gate) -> crate::engine::record::Event {
        crate::engine::record::Event::GateBreach {
            gate: self.id.clone(),
            observed: match self.observed {
                Some(v) => format!("{} vs {}", fmt_value(gate.metric, v), self.threshold),
                None => format!("no data vs {}", self.threshold),
            },
            on_breach: match gate.on_breach {
                OnBreach::Alert => "alert",
                OnBreach::Rollback => "rollback",
                OnBreach::AutoRollback => "auto-rollback",
            }
            .to_string(),
        }
    }
}

/// Where a baseline value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineOrigin {
    Live,
    File,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BaselineValue {
    pub value: MetricValue,
    pub origin: Option<BaselineOrigin>,
}

/// One profile's metrics: every track, the baseline, gate memory.
#[derive(Debug, Clone)]
pub struct MetricsState {
    cfg: MetricsConfig,
    tracks: BTreeMap<String, Track>,
    prefer: BaselinePrefer,
    /// The profile names a baseline file (it may not be loaded yet).
    file_configured: bool,
    captured: Option<BaselineFile>,
    /// Why the configured file could not be used.
    captured_error: Option<String>,
    open_breaches: BTreeSet<String>,
    fired: BTreeSet<String>,
}

/// The `[[metrics]]` block of a profile as a scrape spec.
pub fn scrape_spec(source: &MetricsSource) -> Option<ScrapeSpec> {
    match &source.kind {
        MetricsKind::Scrape {
            latency_histogram,
            requests_counter,
            status_label,
            selector,
            ..
        } => Some(ScrapeSpec::new(
            latency_histogram.clone(),
            requests_counter.clone(),
            status_label.clone(),
            selector,
            source.window,
        )),
        MetricsKind::PromQl { .. } => None,
    }
}

impl MetricsState {
    pub fn new(profile: &Profile) -> Self {
        Self::with_sources(
            &profile.metrics,
            profile.baseline.as_ref(),
            MetricsConfig::for_settings(&profile.settings),
        )
    }

    pub fn with_sources(
        sources: &[MetricsSource],
        baseline: Option<&BaselineConfig>,
        cfg: MetricsConfig,
    ) -> Self {
        let mut tracks = BTreeMap::new();
        for source in sources {
            let kind = match scrape_spec(source) {
                Some(spec) => Source::Scrape(Box::new(ScrapeWindow::new(spec))),
                None => Source::PromQl,
            };
            tracks.insert(source.track.clone(), Track::new(kind, source.window, &cfg));
        }
        Self {
            cfg,
            tracks,
            prefer: baseline.map(|b| b.prefer).unwrap_or_default(),
            file_configured: baseline.is_some_and(|b| b.file.is_some()),
            captured: None,
            captured_error: None,
            open_breaches: BTreeSet::new(),
            fired: BTreeSet::new(),
        }
    }

    pub fn config(&self) -> &MetricsConfig {
        &self.cfg
    }

    /// The tracks with a source, baseline included.
    pub fn tracks(&self) -> impl Iterator<Item = &str> {
        self.tracks.keys().map(String::as_str)
    }

    /// Hands in the captured baseline file (read by the caller).
    pub fn set_captured_baseline(&mut self, file: BaselineFile) {
        self.captured = Some(file);
        self.captured_error = None;
        self.file_configured = true;
    }

    /// The configured baseline file could not be read: shown as the reason.
    pub fn set_captured_baseline_error(&mut self, reason: String) {
        self.captured = None;
        self.captured_error = Some(reason);
        self.file_configured = true;
    }

    pub fn apply(&mut self, report: MetricsReport) {
        match report.payload {
            MetricsPayload::Scrape(text) => self.ingest_scrape(&report.track, &text, report.at),
            MetricsPayload::PromQl(answers) => {
                for answer in answers {
                    let track = self.track_mut(&report.track, false);
                    track.record(answer.kind, answer.value, report.at);
                    track.notes[idx(answer.kind)] = answer.note;
                }
            }
            MetricsPayload::Backfill(series) => {
                for (kind, points) in series {
                    self.backfill(&report.track, kind, &points);
                }
            }
            MetricsPayload::Failed(reason) => {
                self.ingest_failure(&report.track, &reason, report.at)
            }
        }
    }

    fn track_mut(&mut self, track: &str, scrape: bool) -> &mut Track {
        let cfg = &self.cfg;
        self.tracks.entry(track.to_string()).or_insert_with(|| {
            let window = Duration::from_secs(60);
            let source = if scrape {
                Source::Scrape(Box::new(ScrapeWindow::new(ScrapeSpec::new(
                    None,
                    None,
                    None,
                    &BTreeMap::new(),
                    window,
                ))))
            } else {
                Source::PromQl
            };
            Track::new(source, window, cfg)
        })
    }

    /// Folds one scrape of `track` in. A track without a `[[metrics]]` block
    /// is created with auto-detected names and a 1m window.
    pub fn ingest_scrape(&mut self, track: &str, text: &str, at: DateTime<Utc>) {
        let t = self.track_mut(track, true);
        let stats = match &mut t.source {
            Source::Scrape(window) => {
                window.ingest(text, at);
                window.stats()
            }
            Source::PromQl => {
                WindowStats::all_missing("this track is read with PromQL, not scraped")
            }
        };
        let to_value = |r: Result<f64, String>| match r {
            Ok(v) => MetricValue::Ok(v),
            Err(reason) => MetricValue::NoData(reason),
        };
        t.record(MetricKind::LatencyP50, to_value(stats.p50), at);
        t.record(MetricKind::LatencyP95, to_value(stats.p95), at);
        t.record(MetricKind::LatencyP99, to_value(stats.p99), at);
        t.record(MetricKind::ErrorRate, to_value(stats.error_rate), at);
        t.record(MetricKind::RequestRate, to_value(stats.request_rate), at);
        if let Some(requests) = stats.requests.filter(|r| r.is_finite()) {
            t.requests.push(at, requests);
        }
    }

    pub fn ingest_promql(
        &mut self,
        track: &str,
        kind: MetricKind,
        value: MetricValue,
        at: DateTime<Utc>,
    ) {
        let t = self.track_mut(track, false);
        // A PromQL source gives rates; its window turns them into counts.
        if let (MetricKind::RequestRate, MetricValue::Ok(rate)) = (kind, &value)
            && rate.is_finite()
        {
            let requests = rate * t.window.as_secs_f64();
            t.requests.push(at, requests);
        }
        t.record(kind, value, at);
    }

    /// Points from before the first poll (PromQL `query_range`).
    pub fn backfill(&mut self, track: &str, kind: MetricKind, points: &[Point]) {
        let finite: Vec<Point> = points
            .iter()
            .copied()
            .filter(|(_, v)| v.is_finite())
            .collect();
        let t = self.track_mut(track, false);
        if kind == MetricKind::RequestRate {
            let secs = t.window.as_secs_f64();
            let counts: Vec<Point> = finite.iter().map(|&(at, r)| (at, r * secs)).collect();
            t.requests.backfill(&counts);
        }
        t.series[idx(kind)].backfill(&finite);
    }

    /// The source could not be read: every metric of the track has no data.
    pub fn ingest_failure(&mut self, track: &str, reason: &str, at: DateTime<Utc>) {
        let t = self.track_mut(track, false);
        if let Source::Scrape(window) = &mut t.source {
            window.evict(at);
        }
        for kind in KINDS {
            t.record(kind, MetricValue::NoData(reason.to_string()), at);
        }
    }

    /// The current value of a metric, or why there is none.
    pub fn value(&self, track: &str, kind: MetricKind, now: DateTime<Utc>) -> MetricValue {
        let Some(t) = self.tracks.get(track) else {
            return MetricValue::NoData(format!("no [[metrics]] source for track {track}"));
        };
        match &t.latest[idx(kind)] {
            (MetricValue::NoData(reason), _) => MetricValue::NoData(reason.clone()),
            (MetricValue::Ok(v), Some(at)) => {
                let age = (now - *at).to_std().unwrap_or_default();
                if age > self.cfg.stale_after {
                    MetricValue::NoData(format!(
                        "no fresh data: the last value is {} old",
                        short(age)
                    ))
                } else {
                    MetricValue::Ok(*v)
                }
            }
            (MetricValue::Ok(v), None) => MetricValue::Ok(*v),
        }
    }

    /// The chart series of a metric (oldest first; empty when unknown).
    pub fn series(&self, track: &str, kind: MetricKind) -> &[Point] {
        self.tracks
            .get(track)
            .map(|t| t.series[idx(kind)].points())
            .unwrap_or(&[])
    }

    /// The chart series from `since` on (the 5m / 15m / 1h chart windows).
    pub fn series_since(&self, track: &str, kind: MetricKind, since: DateTime<Utc>) -> &[Point] {
        self.tracks
            .get(track)
            .map(|t| t.series[idx(kind)].since(since))
            .unwrap_or(&[])
    }

    fn has_live_baseline(&self) -> bool {
        self.tracks.contains_key(BASELINE_TRACK)
    }

    /// The order in which baselines are tried.
    fn baseline_order(&self) -> Vec<BaselineOrigin> {
        let mut order = Vec::new();
        let live = self.has_live_baseline();
        let file = self.file_configured;
        match self.prefer {
            BaselinePrefer::File => {
                if file {
                    order.push(BaselineOrigin::File);
                }
                if live {
                    order.push(BaselineOrigin::Live);
                }
            }
            BaselinePrefer::Live => {
                if live {
                    order.push(BaselineOrigin::Live);
                }
                if file {
                    order.push(BaselineOrigin::File);
                }
            }
        }
        order
    }

    fn file_value(&self, kind: MetricKind) -> MetricValue {
        match (&self.captured, &self.captured_error) {
            (Some(file), _) => match file.summary_of(kind) {
                Some(v) => MetricValue::Ok(v),
                None => MetricValue::NoData(format!("the baseline file has no {}", kind.name())),
            },
            (None, Some(err)) => MetricValue::NoData(err.clone()),
            (None, None) => MetricValue::NoData("the baseline file is not loaded yet".into()),
        }
    }

    /// The reference value of a metric now: the preferred baseline that has
    /// data, or the preferred one's reason.
    pub fn baseline(&self, kind: MetricKind, now: DateTime<Utc>) -> BaselineValue {
        let order = self.baseline_order();
        let mut first_reason: Option<String> = None;
        for origin in &order {
            let value = match origin {
                BaselineOrigin::File => self.file_value(kind),
                BaselineOrigin::Live => self.value(BASELINE_TRACK, kind, now),
            };
            match value {
                MetricValue::Ok(_) => {
                    return BaselineValue {
                        value,
                        origin: Some(*origin),
                    };
                }
                MetricValue::NoData(reason) => {
                    first_reason.get_or_insert_with(|| match origin {
                        BaselineOrigin::File => format!("baseline file: {reason}"),
                        BaselineOrigin::Live => format!("baseline track: {reason}"),
                    });
                }
            }
        }
        BaselineValue {
            value: MetricValue::NoData(first_reason.unwrap_or_else(|| {
                "no baseline: neither a [baseline] file nor a track named \"baseline\"".to_string()
            })),
            origin: None,
        }
    }

    /// The baseline value that applied at a past time `at` (for runs).
    fn baseline_at(&self, kind: MetricKind, at: DateTime<Utc>) -> Option<f64> {
        for origin in self.baseline_order() {
            let v = match origin {
                BaselineOrigin::File => self.file_value(kind).ok(),
                BaselineOrigin::Live => self.tracks.get(BASELINE_TRACK).and_then(|t| {
                    let (when, v) = t.series[idx(kind)].at_or_before(at)?;
                    let age = (at - when).to_std().unwrap_or_default();
                    (age <= self.cfg.stale_after).then_some(v)
                }),
            };
            if v.is_some() {
                return v;
            }
        }
        None
    }
}

impl MetricsState {
    /// Why the judge has no baseline samples of `kind`, in words.
    fn no_baseline_reason(
        &self,
        kind: MetricKind,
        order: &[BaselineOrigin],
        now: DateTime<Utc>,
    ) -> String {
        if order.is_empty() {
            return "neither a [baseline] file nor a track named \"baseline\"".to_string();
        }
        let reasons: Vec<String> = order
            .iter()
            .map(|origin| match origin {
                BaselineOrigin::File => match (&self.captured, &self.captured_error) {
                    (Some(_), _) => format!("the baseline file has no {} samples", kind.name()),
                    (None, Some(err)) => err.clone(),
                    (None, None) => "the baseline file is not loaded".to_string(),
                },
                BaselineOrigin::Live => match self.value(BASELINE_TRACK, kind, now) {
                    MetricValue::NoData(reason) => format!("baseline track: {reason}"),
                    MetricValue::Ok(_) => "the baseline track has no samples yet".to_string(),
                },
            })
            .collect();
        reasons.join("; ")
    }
}
