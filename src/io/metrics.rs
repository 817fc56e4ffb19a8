//! The metrics adapter: scrapes Prometheus text endpoints and asks Prometheus
//! servers PromQL questions (instant queries at each poll, `query_range` once
//! to backfill the charts), and turns every answer — or failure — into a
//! [`MetricsReport`] for the pure [`MetricsState`]. A failed poll is data (a
//! report saying why), never a panic or an error that stops the task.
//!
//! It also drives the two headless uses of metrics: capturing a baseline file
//! (`golive baseline capture`) and evaluating metric items and gates for
//! `golive check`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::Url;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::engine::metrics::baseline::{BASELINE_VERSION, BaselineFile, TimedValue};
use crate::engine::metrics::promql::{self, Answer};
use crate::engine::metrics::scrape::ScrapeWindow;
use crate::engine::metrics::{
    self, KINDS, MetricValue, MetricsConfig, MetricsPayload, MetricsState, Point, PromQlAnswer,
};
use crate::engine::sanitize::clean_text;
use crate::profile::{MetricKind, MetricsKind, MetricsSource, Profile};

pub use crate::engine::metrics::MetricsReport;

/// Largest scrape body read; a bigger one is refused rather than buffered.
pub const SCRAPE_LIMIT: usize = 64 * 1024 * 1024;

/// OpenMetrics first, the classic text format as the fallback, as Prometheus asks.
const ACCEPT: &str =
    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("invalid URL {url}: {reason}")]
    Url { url: String, reason: String },
    #[error("request to {url} failed: {reason}")]
    Request { url: String, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} sent more than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("Prometheus refused the query: {0}")]
    Query(String),
    #[error("unexpected answer from Prometheus: {0}")]
    Answer(String),
    #[error("no [[metrics]] source for track {0}")]
    NoSource(String),
    #[error("captured no data for track {track}: {reason}")]
    NoData { track: String, reason: String },
    #[error("cannot read baseline file {}: {reason}", path.display())]
    BaselineFile { path: PathBuf, reason: String },
}

/// A client for metrics requests with the profile's timeout.
pub fn client(timeout: Duration) -> Result<reqwest::Client, MetricsError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .map_err(|e| MetricsError::Client(e.without_url().to_string()))
}

/// The URL as shown in messages: without credentials or query.
fn shown(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.to_string()
        }
        Err(_) => clean_text(url),
    }
}

fn request_error(url: &str, e: reqwest::Error) -> MetricsError {
    let reason = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        // The innermost cause says "Connection refused" and the like.
        let mut source: Option<&dyn std::error::Error> = Some(&e);
        let mut last = String::new();
        while let Some(s) = source {
            last = s.to_string();
            source = s.source();
        }
        format!("cannot connect ({})", clean_text(&last))
    } else {
        clean_text(&e.without_url().to_string())
    };
    MetricsError::Request {
        url: shown(url),
        reason,
    }
}

/// One scrape of a text endpoint, body capped at `limit` bytes.
pub async fn scrape(
    client: &reqwest::Client,
    url: &str,
    limit: usize,
) -> Result<String, MetricsError> {
    let mut resp = client
        .get(url)
        .header(reqwest::header::ACCEPT, ACCEPT)
        .send()
        .await
        .map_err(|e| request_error(url, e))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(MetricsError::Status {
            url: shown(url),
            status: status.as_u16(),
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| request_error(url, e))? {
        if body.len() + chunk.len() > limit {
            return Err(MetricsError::TooLarge {
                url: shown(url),
                limit,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

fn api_url(base: &str, path: &str, params: &[(&str, String)]) -> Result<Url, MetricsError> {
    let joined = format!("{}/{}", base.trim_end_matches('/'), path);
    let mut url = Url::parse(&joined).map_err(|e| MetricsError::Url {
        url: shown(base),
        reason: e.to_string(),
    })?;
    {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in params {
            pairs.append_pair(k, v);
        }
    }
    Ok(url)
}

async fn api_get(client: &reqwest::Client, url: Url) -> Result<Value, MetricsError> {
    let text_url = url.to_string();
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| request_error(&text_url, e))?;
    let status = resp.status();
    let body: Value = match resp.json().await {
        Ok(v) => v,
        Err(_) if !status.is_success() => {
            return Err(MetricsError::Status {
                url: shown(&text_url),
                status: status.as_u16(),
            });
        }
        Err(e) => {
            return Err(MetricsError::Answer(clean_text(
                &e.without_url().to_string(),
            )));
        }
    };
    if body.get("status").and_then(Value::as_str) != Some("success") {
        let msg = body
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("no error message");
        return Err(MetricsError::Query(clean_text(msg)));
    }
    body.get("data")
        .cloned()
        .ok_or_else(|| MetricsError::Answer("no data field".into()))
}

fn sample_value(pair: &Value) -> Option<(f64, f64)> {
    let arr = pair.as_array()?;
    let ts = arr.first()?.as_f64()?;
    let v = arr.get(1)?.as_str()?.parse::<f64>().ok()?;
    Some((ts, v))
}

fn to_time(ts: f64) -> Option<DateTime<Utc>> {
    let millis = (ts * 1000.0).round();
    if !millis.is_finite() {
        return None;
    }
    Utc.timestamp_millis_opt(millis as i64).single()
}

/// An instant query's single value; `NoData` when the query matched nothing
/// or several series (an un-aggregated query is a profile mistake, said so).
pub async fn instant_query(
    client: &reqwest::Client,
    base: &str,
    query: &str,
) -> Result<MetricValue, MetricsError> {
    Ok(promql::value_of(
        &instant_answer(client, base, query).await?,
    ))
}

/// The shape of an instant query's answer, for `engine::metrics::promql` to read.
pub async fn instant_answer(
    client: &reqwest::Client,
    base: &str,
    query: &str,
) -> Result<Answer, MetricsError> {
    let url = api_url(base, "api/v1/query", &[("query", query.to_string())])?;
    let data = api_get(client, url).await?;
    let kind = data.get("resultType").and_then(Value::as_str).unwrap_or("");
    let result = data.get("result").cloned().unwrap_or(Value::Null);
    let value = match kind {
        "scalar" => sample_value(&result).map(|(_, v)| v),
        "vector" => {
            let series = result.as_array().cloned().unwrap_or_default();
            match series.len() {
                0 => return Ok(Answer::Empty),
                1 => series[0]
                    .get("value")
                    .and_then(sample_value)
                    .map(|(_, v)| v),
                n => return Ok(Answer::Series(n)),
            }
        }
        other => {
            return Err(MetricsError::Answer(format!(
                "result type {:?} (expected a vector or scalar)",
                clean_text(other)
            )));
        }
    };
    value
        .map(Answer::Value)
        .ok_or_else(|| MetricsError::Answer("a sample without a value".into()))
}

/// One configured query's answer. An error-rate ratio whose numerator came
/// back empty also has its denominator asked, and `promql` decides.
async fn answer_query(
    client: &reqwest::Client,
    base: &str,
    kind: MetricKind,
    query: &str,
) -> PromQlAnswer {
    let answer = match instant_answer(client, base, query).await {
        Ok(answer) => answer,
        Err(e) => return (kind, MetricValue::NoData(e.to_string())).into(),
    };
    let requests = match (&answer, kind) {
        (Answer::Empty, MetricKind::ErrorRate) => promql::denominator(query),
        _ => None,
    };
    let Some(requests) = requests else {
        return (kind, promql::value_of(&answer)).into();
    };
    let denominator = instant_answer(client, base, requests)
        .await
        .map_err(|e| e.to_string());
    let (value, note) = promql::empty_error_rate(denominator);
    PromQlAnswer { kind, value, note }
}

/// A range query's single series (empty when it matched nothing).
pub async fn range_query(
    client: &reqwest::Client,
    base: &str,
    query: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    step: Duration,
) -> Result<Vec<Point>, MetricsError> {
    let params = [
        ("query", query.to_string()),
        (
            "start",
            format!("{:.3}", start.timestamp_millis() as f64 / 1000.0),
        ),
        (
            "end",
            format!("{:.3}", end.timestamp_millis() as f64 / 1000.0),
        ),
        ("step", format!("{:.3}", step.as_secs_f64().max(0.001))),
    ];
    let url = api_url(base, "api/v1/query_range", &params)?;
    let data = api_get(client, url).await?;
    let series = data
        .get("result")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if series.len() > 1 {
        return Err(MetricsError::Answer(format!(
            "the range query returned {} series; aggregate it to one",
            series.len()
        )));
    }
    let mut points = Vec::new();
    if let Some(values) = series
        .first()
        .and_then(|s| s.get("values"))
        .and_then(Value::as_array)
    {
        for pair in values {
            if let Some((ts, v)) = sample_value(pair)
                && v.is_finite()
                && let Some(at) = to_time(ts)
            {
                points.push((at, v));
            }
        }
    }
    Ok(points)
}

/// The PromQL queries of a source, by metric.
pub fn promql_queries(source: &MetricsSource) -> Vec<(MetricKind, String)> {
    match &source.kind {
        MetricsKind::PromQl {
            latency_p50,
            latency_p95,
            latency_p99,
            error_rate,
            request_rate,
            ..
        } => [
            (MetricKind::LatencyP50, latency_p50),
            (MetricKind::LatencyP95, latency_p95),
            (MetricKind::LatencyP99, latency_p99),
            (MetricKind::ErrorRate, error_rate),
            (MetricKind::RequestRate, request_rate),
        ]
        .into_iter()
        .filter_map(|(k, q)| q.clone().map(|q| (k, q)))
        .collect(),
        MetricsKind::Scrape { .. } => Vec::new(),
    }
}

/// One poll of a source, as a report (failures included).
pub async fn poll_once(client: &reqwest::Client, source: &MetricsSource) -> MetricsReport {
    let payload = match &source.kind {
        MetricsKind::Scrape { url, .. } => match scrape(client, url, SCRAPE_LIMIT).await {
            Ok(text) => MetricsPayload::Scrape(text),
            Err(e) => MetricsPayload::Failed(e.to_string()),
        },
        MetricsKind::PromQl { url, .. } => {
            let queries = promql_queries(source);
            let answers = futures::future::join_all(
                queries
                    .iter()
                    .map(|(kind, q)| answer_query(client, url, *kind, q)),
            )
            .await;
            MetricsPayload::PromQl(answers)
        }
    };
    MetricsReport {
        track: source.track.clone(),
        at: Utc::now(),
        payload,
    }
}

/// A PromQL source's history before now, to fill the charts at start.
pub async fn backfill(
    client: &reqwest::Client,
    source: &MetricsSource,
    range: Duration,
    poll: Duration,
) -> Option<MetricsReport> {
    let MetricsKind::PromQl { url, .. } = &source.kind else {
        return None;
    };
    let end = Utc::now();
    let start = end - chrono::Duration::from_std(range).unwrap_or(chrono::Duration::hours(1));
    // Prometheus refuses more than 11,000 points per series.
    let step = poll.max(range / 1000).max(Duration::from_secs(1));
    let mut out = Vec::new();
    for (kind, q) in promql_queries(source) {
        // A failed backfill only leaves the chart shorter; live polls follow.
        if let Ok(points) = range_query(client, url, &q, start, end, step).await {
            out.push((kind, points));
        }
    }
    Some(MetricsReport {
        track: source.track.clone(),
        at: end,
        payload: MetricsPayload::Backfill(out),
    })
}

/// Polls one source every `poll` until the receiver is dropped; PromQL
/// sources first backfill `backfill_range`.
pub async fn run_source(
    source: MetricsSource,
    poll: Duration,
    timeout: Duration,
    backfill_range: Option<Duration>,
    tx: mpsc::Sender<MetricsReport>,
) {
    let client = match client(timeout) {
        Ok(c) => c,
        Err(e) => {
            let _ = tx
                .send(MetricsReport {
                    track: source.track.clone(),
                    at: Utc::now(),
                    payload: MetricsPayload::Failed(e.to_string()),
                })
                .await;
            return;
        }
    };
    if let Some(range) = backfill_range
        && let Some(report) = backfill(&client, &source, range, poll).await
        && tx.send(report).await.is_err()
    {
        return;
    }
    let mut ticker = tokio::time::interval(poll.max(Duration::from_millis(10)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = tx.closed() => return,
        }
        let report = tokio::select! {
            r = poll_once(&client, &source) => r,
            _ = tx.closed() => return,
        };
        if tx.send(report).await.is_err() {
            return;
        }
    }
}

/// One task per `[[metrics]]` source of the profile. They end when the
/// receiver is dropped (or abort them through the handles).
pub fn spawn_sources(profile: &Profile, tx: mpsc::Sender<MetricsReport>) -> Vec<JoinHandle<()>> {
    let backfill = Some(Duration::from_secs(3600));
    profile
        .metrics
        .iter()
        .map(|source| {
            tokio::spawn(run_source(
                source.clone(),
                profile.settings.poll_interval,
                profile.settings.timeout,
                backfill,
                tx.clone(),
            ))
        })
        .collect()
}

/// `[baseline] file` resolved against the profile's directory.
pub fn baseline_path(profile: &Profile) -> Option<PathBuf> {
    let file = profile.baseline.as_ref()?.file.as_ref()?;
    if file.is_absolute() {
        return Some(file.clone());
    }
    let dir = profile.path.parent().unwrap_or(Path::new("."));
    Some(dir.join(file))
}

pub fn load_baseline_file(path: &Path) -> Result<BaselineFile, MetricsError> {
    let text = std::fs::read_to_string(path).map_err(|e| MetricsError::BaselineFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    BaselineFile::from_json(&text).map_err(|e| MetricsError::BaselineFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// A fresh state for the profile with its baseline file (if any) loaded; an
/// unreadable file becomes the baseline's no-data reason.
pub fn state_for(profile: &Profile) -> MetricsState {
    let mut state = MetricsState::new(profile);
    if let Some(path) = baseline_path(profile) {
        match load_baseline_file(&path) {
            Ok(file) => state.set_captured_baseline(file),
            Err(e) => state.set_captured_baseline_error(e.to_string()),
        }
    }
    state
}

/// Samples `track` for `duration` and builds a baseline file: the window
/// samples of every metric (one per window, non-overlapping) and one summary
/// value per metric over the whole capture.
pub async fn capture_baseline(
    profile: &Profile,
    track: &str,
    duration: Duration,
) -> Result<BaselineFile, MetricsError> {
    let source = profile
        .metrics
        .iter()
        .find(|s| s.track == track)
        .cloned()
        .ok_or_else(|| MetricsError::NoSource(track.to_string()))?;
    let poll = profile.settings.poll_interval;
    let client = client(profile.settings.timeout)?;
    // Every sample of the capture is kept, however long it runs.
    let mut cfg = MetricsConfig::for_poll(poll);
    cfg.retention = cfg.retention.max(duration + source.window * 2);
    cfg.max_points = metrics::MAX_POINTS_CAP;
    let mut state = MetricsState::with_sources(std::slice::from_ref(&source), None, cfg);
    // The whole capture as one window, for the summary of a scraped track.
    let mut whole = metrics::scrape_spec(&source).map(|mut spec| {
        spec.window = duration + poll * 4;
        ScrapeWindow::new(spec)
    });
    let started_at = Utc::now();
    let deadline = tokio::time::Instant::now() + duration;
    let mut ticker = tokio::time::interval(poll.max(Duration::from_millis(10)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_reason = "no poll completed".to_string();
    loop {
        ticker.tick().await;
        let report = poll_once(&client, &source).await;
        match &report.payload {
            MetricsPayload::Scrape(text) => {
                if let Some(w) = &mut whole {
                    w.ingest(text, report.at);
                }
            }
            MetricsPayload::Failed(reason) => last_reason = reason.clone(),
            _ => {}
        }
        let at = report.at;
        state.apply(report);
        if let MetricValue::NoData(reason) = state.value(track, MetricKind::RequestRate, at) {
            last_reason = reason;
        }
        if tokio::time::Instant::now() >= deadline {
            break;
        }
    }
    let ended_at = Utc::now();
    let spacing = chrono::Duration::from_std(source.window).unwrap_or(chrono::Duration::minutes(1));
    let mut samples = BTreeMap::new();
    let mut summary = BTreeMap::new();
    let whole_stats = whole.as_ref().map(ScrapeWindow::stats);
    for kind in KINDS {
        let points = state.series(track, kind);
        let kept = thin_points(points, spacing);
        if !kept.is_empty() {
            samples.insert(kind.name().to_string(), kept.clone());
        }
        let overall = match &whole_stats {
            Some(stats) => match kind {
                MetricKind::LatencyP50 => stats.p50.clone().ok(),
                MetricKind::LatencyP95 => stats.p95.clone().ok(),
                MetricKind::LatencyP99 => stats.p99.clone().ok(),
                MetricKind::ErrorRate => stats.error_rate.clone().ok(),
                MetricKind::RequestRate => stats.request_rate.clone().ok(),
            },
            None => median(&kept.iter().map(|t| t.value).collect::<Vec<_>>()),
        };
        if let Some(v) = overall.filter(|v| v.is_finite()) {
            summary.insert(kind.name().to_string(), v);
        }
    }
    if summary.is_empty() && samples.is_empty() {
        return Err(MetricsError::NoData {
            track: track.to_string(),
            reason: last_reason,
        });
    }
    Ok(BaselineFile {
        version: BASELINE_VERSION,
        service: profile.service.name.clone(),
        service_version: profile.service.version.clone(),
        track: track.to_string(),
        source: match &source.kind {
            MetricsKind::Scrape { url, .. } | MetricsKind::PromQl { url, .. } => shown(url),
        },
        started_at,
        ended_at,
        window_secs: source.window.as_secs_f64(),
        summary,
        samples,
    })
}

fn thin_points(points: &[Point], spacing: chrono::Duration) -> Vec<TimedValue> {
    let mut out = Vec::new();
    let mut next_before: Option<DateTime<Utc>> = None;
    for &(at, value) in points.iter().rev() {
        if next_before.is_none_or(|limit| at <= limit) {
            out.push(TimedValue { at, value });
            next_before = Some(at - spacing);
        }
    }
    out.reverse();
    out
}

fn median(v: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}
