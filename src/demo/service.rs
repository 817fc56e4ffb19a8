//! The demo's HTTP face: one axum router per replica (`/health`,
//! `/status/warmup`, `/api/v1/healthz`, `/metrics`, `/logs`) and one for the
//! control endpoint (`/state`, `/rollback`, `/promote`), over a shared
//! simulation that a small driver task advances. Every answer is computed from
//! the pure timeline at the current simulated instant; this module only keeps
//! the clock, the counters the traffic has moved and the log backlog.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

use super::LogLine;
use super::timeline::{self, Control, Event, Level, LogFormat, Replica};
use super::traffic::{self, Metrics, Request};

/// Lines kept per replica for a `/logs` reader that connects late.
const BACKLOG: usize = 2000;
/// How often the driver moves the simulation forward (real time).
pub(super) const TICK: Duration = Duration::from_millis(100);

/// Simulated time: real time since the start, times the speed.
pub(super) struct Clock {
    start: Instant,
    start_wall: DateTime<Utc>,
    speed: f64,
}

impl Clock {
    pub(super) fn new(speed: f64) -> Self {
        Self {
            start: Instant::now(),
            start_wall: Utc::now(),
            speed,
        }
    }

    pub(super) fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * self.speed
    }

    /// The wall-clock instant at which simulated second `sim` happened.
    fn wall(&self, sim: f64) -> DateTime<Utc> {
        let real = Duration::from_secs_f64((sim / self.speed).max(0.0));
        self.start_wall + chrono::Duration::from_std(real).unwrap_or_default()
    }
}

/// What the traffic and the operator have done so far.
struct Sim {
    control: Control,
    /// Simulated time up to which traffic and events have been produced.
    processed: f64,
    next_slot: [u64; 3],
    metrics: [Metrics; 3],
    backlog: [VecDeque<LogLine>; 3],
}

pub(super) struct Shared {
    pub(super) seed: u64,
    pub(super) clock: Clock,
    sim: Mutex<Sim>,
    pub(super) logs: broadcast::Sender<LogLine>,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    pub(super) fn new(seed: u64, speed: f64, shutdown: watch::Receiver<bool>) -> Self {
        let (logs, _) = broadcast::channel(4096);
        Self {
            seed,
            clock: Clock::new(speed),
            sim: Mutex::new(Sim {
                control: Control::default(),
                processed: -1.0,
                next_slot: [0; 3],
                metrics: Default::default(),
                backlog: Default::default(),
            }),
            logs,
            shutdown,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Sim> {
        self.sim.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Produces the traffic and events up to now; returns the locked state.
    fn advanced(&self) -> MutexGuard<'_, Sim> {
        let mut sim = self.lock();
        self.advance(&mut sim);
        sim
    }

    pub(super) fn tick(&self) {
        drop(self.advanced());
    }

    fn advance(&self, sim: &mut Sim) {
        let now = self.clock.now();
        if now <= sim.processed {
            return;
        }
        for replica in Replica::ALL {
            let i = replica.index();
            let (requests, next) =
                traffic::requests_until(self.seed, replica, sim.next_slot[i], now, &sim.control);
            sim.next_slot[i] = next;
            let events = timeline::events(self.seed, replica, sim.processed, now, &sim.control);
            let mut lines: Vec<(f64, String)> = Vec::with_capacity(requests.len() + events.len());
            for r in &requests {
                sim.metrics[i].record(r);
                lines.push((r.at, request_line(self.clock.wall(r.at), replica, r)));
            }
            for e in &events {
                lines.push((e.at, event_line(self.clock.wall(e.at), e)));
            }
            lines.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (at, text) in lines {
                self.emit(sim, replica, at, text);
            }
        }
        sim.processed = now;
    }

    fn emit(&self, sim: &mut Sim, replica: Replica, at: f64, text: String) {
        let line = LogLine {
            replica,
            at: self.clock.wall(at),
            text,
        };
        let backlog = &mut sim.backlog[replica.index()];
        if backlog.len() == BACKLOG {
            backlog.pop_front();
        }
        backlog.push_back(line.clone());
        // No subscriber is fine: the backlog still has it.
        let _ = self.logs.send(line);
    }

    fn state_json(&self, sim: &Sim) -> Value {
        let t = sim.processed.max(0.0);
        let c = &sim.control;
        json!({
            "service": timeline::SERVICE,
            "phase": timeline::phase(t, c).name(),
            "elapsed_sec": round3(t),
            "speed": self.clock.speed,
            "seed": self.seed,
            "warmup_end_sec": timeline::WARMUP_END_SEC,
            "regression_at_sec": timeline::REGRESSION_AT_SEC,
            "baseline_version": timeline::version(Replica::Baseline, t, c),
            "canary_version": timeline::version(Replica::Canary1, t, c),
            "rolled_back": c.rolled_back_at.is_some(),
            "rolled_back_at_sec": c.rolled_back_at.map(round3),
            "promoted": c.promoted_at.is_some(),
            "promoted_at_sec": c.promoted_at.map(round3),
            "requests": {
                "baseline": sim.metrics[0].count(),
                "canary-1": sim.metrics[1].count(),
                "canary-2": sim.metrics[2].count(),
            },
        })
    }

    /// Resolves when the service is shutting down (or its handle is gone).
    fn stopping(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.shutdown.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The app's text log line, level coloured like a typical container log.
fn text_line(at: DateTime<Utc>, level: Level, logger: &str, message: &str) -> String {
    let colour = match level {
        Level::Info => "32",
        Level::Warn => "33",
        Level::Error => "31",
    };
    format!(
        "{} \u{1b}[{colour}m{:<5}\u{1b}[0m {logger}: {message}",
        stamp(at),
        level.name()
    )
}

/// Seed 003's structured line: timestamp, level, logger, message, extra_fields.
fn json_line(
    at: DateTime<Utc>,
    level: Level,
    logger: &str,
    message: &str,
    fields: Value,
) -> String {
    json!({
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Micros, false),
        "level": level.name(),
        "logger": logger,
        "message": message,
        "extra_fields": fields,
    })
    .to_string()
}

fn event_line(at: DateTime<Utc>, e: &Event) -> String {
    match e.format {
        LogFormat::Text => text_line(at, e.level, e.logger, &e.message),
        LogFormat::Json => {
            let fields: serde_json::Map<String, Value> = e
                .fields
                .iter()
                .map(|(k, v)| ((*k).to_string(), Value::String(v.clone())))
                .collect();
            json_line(at, e.level, e.logger, &e.message, Value::Object(fields))
        }
    }
}

/// One access-log line per request; failed checkouts come from the payments
/// component in JSON, like seed 003's structured logs.
fn request_line(at: DateTime<Utc>, replica: Replica, r: &Request) -> String {
    let ms = r.latency * 1000.0;
    if r.code >= 500 && r.route == "/api/checkout" {
        return json_line(
            at,
            Level::Error,
            "checkout_api.payments",
            "❌ checkout failed: payments upstream timeout",
            json!({
                "request_id": format!("{}-{}", replica.name(), r.slot),
                "status": r.code,
                "duration_ms": (ms * 10.0).round() / 10.0,
            }),
        );
    }
    let (level, mark) = if r.code >= 500 {
        (Level::Error, "❌ ")
    } else {
        (Level::Info, "")
    };
    text_line(
        at,
        level,
        "checkout_api.http",
        &format!(
            "{mark}{} {} {} {ms:.1}ms req={}",
            r.method, r.route, r.code, r.slot
        ),
    )
}

#[derive(Clone)]
struct ReplicaState {
    shared: Arc<Shared>,
    replica: Replica,
}

pub(super) fn replica_router(shared: Arc<Shared>, replica: Replica) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/status/warmup", get(warmup))
        .route("/api/v1/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/logs", get(logs))
        .with_state(ReplicaState { shared, replica })
}

pub(super) fn control_router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(state))
        .route("/state", get(state))
        .route("/rollback", post(rollback))
        .route("/promote", post(promote))
        .with_state(shared)
}

async fn health(State(st): State<ReplicaState>) -> Response {
    let sim = st.shared.advanced();
    let version = timeline::version(st.replica, sim.processed, &sim.control);
    Json(json!({ "status": "ok", "version": version })).into_response()
}

async fn warmup(State(st): State<ReplicaState>) -> Response {
    let sim = st.shared.advanced();
    let w = timeline::warmup(st.shared.seed, st.replica, sim.processed, &sim.control);
    let checks: serde_json::Map<String, Value> = timeline::WARMUP_CHECKS
        .iter()
        .zip(w.checks)
        .map(|(name, ok)| ((*name).to_string(), Value::Bool(ok)))
        .collect();
    Json(json!({
        "ready": w.ready,
        "duration_sec": w.duration_sec,
        "checks": checks,
        "latency_ms": w.latency_ms,
        "errors": w.errors,
        "warnings": w.warnings,
    }))
    .into_response()
}

async fn healthz(State(st): State<ReplicaState>) -> Response {
    let sim = st.shared.advanced();
    let h = timeline::healthz(st.shared.seed, st.replica, sim.processed, &sim.control);
    let mut checks = serde_json::Map::new();
    for dep in &h.checks {
        let mut c = serde_json::Map::new();
        c.insert("status".into(), dep.status.name().into());
        if let Some(ms) = dep.latency_ms {
            c.insert("latency_ms".into(), ms.into());
        }
        if let Some(age) = dep.age_minutes {
            c.insert("age_minutes".into(), age.into());
        }
        if let Some(message) = &dep.message {
            c.insert("message".into(), message.clone().into());
        }
        checks.insert(dep.name.into(), Value::Object(c));
    }
    let code = if h.status == timeline::Overall::Unhealthy {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let body = json!({
        "status": h.status.name(),
        "timestamp": st.shared.clock.wall(sim.processed).to_rfc3339_opts(SecondsFormat::Secs, true),
        "version": timeline::version(st.replica, sim.processed, &sim.control),
        "checks": checks,
    });
    (code, Json(body)).into_response()
}

async fn metrics(State(st): State<ReplicaState>) -> Response {
    let sim = st.shared.advanced();
    let version = timeline::version(st.replica, sim.processed, &sim.control);
    let text = sim.metrics[st.replica.index()].render(st.replica, version);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct LogsQuery {
    /// Backlog lines to send first (default: all kept).
    tail: Option<usize>,
    /// Keep the stream open for new lines (default true).
    follow: Option<bool>,
}

async fn logs(State(st): State<ReplicaState>, Query(q): Query<LogsQuery>) -> Response {
    let replica = st.replica;
    // Subscribing under the lock that also guards the backlog means no line
    // is missed or sent twice between the two.
    let (backlog, rx) = {
        let sim = st.shared.advanced();
        let kept = &sim.backlog[replica.index()];
        let skip = kept.len().saturating_sub(q.tail.unwrap_or(BACKLOG));
        let lines: Vec<String> = kept.iter().skip(skip).map(|l| l.text.clone()).collect();
        (lines, st.shared.logs.subscribe())
    };
    let head = futures::stream::iter(backlog);
    let body = if q.follow.unwrap_or(true) {
        let follow = futures::stream::unfold(rx, move |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(line) if line.replica == replica => return Some((line.text, rx)),
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        return Some((format!("[golive demo: {n} lines dropped]"), rx));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Body::from_stream(
            head.chain(follow)
                .map(|text| Ok::<_, Infallible>(Bytes::from(text + "\n")))
                .take_until(st.shared.stopping()),
        )
    } else {
        Body::from_stream(head.map(|text| Ok::<_, Infallible>(Bytes::from(text + "\n"))))
    };
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let sim = shared.advanced();
    Json(shared.state_json(&sim)).into_response()
}

async fn rollback(State(shared): State<Arc<Shared>>) -> Response {
    let mut sim = shared.advanced();
    if sim.control.rolled_back_at.is_none() {
        let at = sim.processed.max(0.0);
        sim.control.rolled_back_at = Some(at);
        for replica in [Replica::Canary1, Replica::Canary2] {
            let text = text_line(
                shared.clock.wall(at),
                Level::Warn,
                "checkout_api.main",
                &format!(
                    "⚠️ rollback requested: restarting on {}",
                    timeline::PREVIOUS_VERSION
                ),
            );
            shared.emit(&mut sim, replica, at, text);
        }
    }
    Json(shared.state_json(&sim)).into_response()
}

async fn promote(State(shared): State<Arc<Shared>>) -> Response {
    let mut sim = shared.advanced();
    if sim.control.rolled_back_at.is_some() {
        let mut body = shared.state_json(&sim);
        body["error"] = "the canaries were rolled back: nothing to promote".into();
        return (StatusCode::CONFLICT, Json(body)).into_response();
    }
    if sim.control.promoted_at.is_none() {
        let at = sim.processed.max(0.0);
        sim.control.promoted_at = Some(at);
        for replica in [Replica::Canary1, Replica::Canary2] {
            let text = text_line(
                shared.clock.wall(at),
                Level::Info,
                "checkout_api.main",
                &format!("promoted {} to production", timeline::NEW_VERSION),
            );
            shared.emit(&mut sim, replica, at, text);
        }
    }
    Json(shared.state_json(&sim)).into_response()
}
