//! A fixed release in progress (profile, probe reports, scrapes, container
//! looks, journal records, log lines at fixed times) shared by the screen
//! snapshots, the render benchmark and the screenshot tool, so all three show
//! the same, stable cockpit. Everything goes in through `update`, as the
//! adapters would hand it in, so the screens show what the real rules make
//! of it (the judge, gate runs, restart counts), not hand-set fields.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::keys::Key;
use crate::engine::command::CommandOutcome;
use crate::engine::containers::{ContainerHealth, ContainerState, TargetState};
use crate::engine::health::{Component, Health, HealthState};
use crate::engine::logs::{LogLine, Severity};
use crate::engine::metrics::{ChartWindow, MetricsPayload, MetricsReport};
use crate::engine::probe::{Observation, ProbeReport};
use crate::engine::record::{Event, Record};
use crate::engine::state::{App, Effect, Msg, update};
use crate::model::condition::Condition;
use crate::profile::{
    Action, ActionKind, Check, Cmp, CommandCheck, DockerCheck, DockerTarget, Endpoint,
    EndpointCheck, Gate, HealthFormat, Item, MetricCheck, MetricKind, MetricsKind, MetricsSource,
    OnBreach, Phase, Profile, Ratio, Redactor, Service, Settings, Threshold,
};

/// The fixed "now" of the fixture: 14:32:10 UTC.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 14, 14, 0, 0)
        .single()
        .unwrap_or_default()
}

fn item(id: &str, title: &str, check: Option<Check>) -> Item {
    Item {
        id: id.into(),
        title: title.into(),
        description: None,
        check,
    }
}

fn endpoint_check(endpoint: &str, conditions: &[&str]) -> Option<Check> {
    Some(Check::Endpoint(EndpointCheck {
        endpoint: endpoint.into(),
        conditions: conditions
            .iter()
            .filter_map(|c| Condition::parse(c).ok())
            .collect(),
        all_replicas: true,
        hold: None,
        requests: 1,
    }))
}

fn endpoint(id: &str, urls: &[&str], track: Option<&str>) -> Endpoint {
    Endpoint {
        id: id.into(),
        urls: urls.iter().map(|u| u.to_string()).collect(),
        format: HealthFormat::Auto,
        track: track.map(str::to_string),
        method: "GET".into(),
        headers: vec![("Authorization".into(), "Bearer s3cr3t-token".into())],
        body: None,
        timeout: Duration::from_secs(5),
        warmup_timeout: Duration::from_secs(120),
    }
}

/// A profile with every pane's worth of content: three phases, endpoints on
/// two tracks with replicas, gates and both actions (one carrying a secret).
pub fn sample_profile() -> Profile {
    let mut actions = BTreeMap::new();
    actions.insert(
        "rollback".to_string(),
        Action {
            name: "rollback".into(),
            description: None,
            kind: ActionKind::Command {
                argv: vec![
                    "kubectl".into(),
                    "--token".into(),
                    "s3cr3t-token".into(),
                    "rollout".into(),
                    "undo".into(),
                    "deployment/api-canary".into(),
                ],
                cwd: None,
                env: Vec::new(),
            },
            timeout: Duration::from_secs(120),
            verify: vec!["health".into()],
            verify_timeout: std::time::Duration::from_secs(300),
        },
    );
    actions.insert(
        "promote".to_string(),
        Action {
            name: "promote".into(),
            description: None,
            kind: ActionKind::Command {
                argv: vec![
                    "kubectl".into(),
                    "set".into(),
                    "image".into(),
                    "deployment/api-production".into(),
                    "api=api:v1.2.0".into(),
                ],
                cwd: None,
                env: Vec::new(),
            },
            timeout: Duration::from_secs(120),
            verify: Vec::new(),
            verify_timeout: std::time::Duration::from_secs(300),
        },
    );
    Profile {
        path: PathBuf::from("profiles/ai-service.toml"),
        service: Service {
            name: "ai-service".into(),
            version: "v1.2.0".into(),
            previous: Some("v1.1.0".into()),
        },
        settings: Settings::default(),
        endpoints: vec![
            endpoint(
                "warmup",
                &[
                    "http://10.0.0.11:8002/warmup/status",
                    "http://10.0.0.12:8002/warmup/status",
                ],
                Some("canary"),
            ),
            endpoint(
                "health",
                &["http://10.0.0.21:8002/health"],
                Some("baseline"),
            ),
            endpoint("redis", &["http://10.0.0.31:8080/healthz"], None),
        ],
        metrics: Vec::new(),
        baseline: None,
        logs: Vec::new(),
        phases: vec![
            Phase {
                id: "t-30".into(),
                title: "Pre-launch (T-30 min)".into(),
                duration: None,
                items: vec![
                    item("ci-green", "CI pipeline passed all tests", None),
                    item(
                        "asset",
                        "Warm-up asset present",
                        Some(Check::Command(CommandCheck {
                            argv: vec!["test".into(), "-f".into(), "warmup.pdf".into()],
                            timeout: Duration::from_secs(5),
                            cwd: None,
                            env: Vec::new(),
                            conditions: Vec::new(),
                        })),
                    ),
                    item(
                        "health",
                        "Health answers 200 in under 500 ms",
                        endpoint_check("health", &["[STATUS] == 200", "[RESPONSE_TIME] < 500"]),
                    ),
                    item("backup", "Database backup taken", None),
                ],
            },
            Phase {
                id: "canary".into(),
                title: "Canary (T+0 to T+15 min)".into(),
                duration: Some(Duration::from_secs(900)),
                items: vec![
                    item(
                        "ready",
                        "is_ready=true in all canary pods",
                        endpoint_check("warmup", &["[BODY].ready == true"]),
                    ),
                    item(
                        "p95",
                        "No P95 latency degradation vs baseline",
                        Some(Check::Metric(MetricCheck {
                            metric: MetricKind::LatencyP95,
                            track: "canary".into(),
                            condition: None,
                            vs_baseline: Some(Ratio {
                                cmp: Cmp::Lt,
                                factor: 1.2,
                            }),
                            hold: Some(Duration::from_secs(300)),
                        })),
                    ),
                    item("dashboards", "Dashboards watched by on-call", None),
                ],
            },
            Phase {
                id: "post".into(),
                title: "Post-launch".into(),
                duration: None,
                items: vec![
                    item("announce", "Release announced in #deploys", None),
                    item("kpis", "Deployment KPIs recorded", None),
                ],
            },
        ],
        gates: vec![
            Gate {
                id: "errors".into(),
                metric: MetricKind::ErrorRate,
                track: "canary".into(),
                condition: Some(Threshold {
                    cmp: Cmp::Gt,
                    value: 0.05,
                }),
                vs_baseline: None,
                for_: Duration::from_secs(300),
                on_breach: OnBreach::Rollback,
            },
            Gate {
                id: "latency".into(),
                metric: MetricKind::LatencyP95,
                track: "canary".into(),
                condition: Some(Threshold {
                    cmp: Cmp::Gt,
                    value: 0.35,
                }),
                vs_baseline: None,
                for_: Duration::from_secs(300),
                on_breach: OnBreach::Alert,
            },
        ],
        actions,
        notify: Default::default(),
        redactor: Redactor::new(["s3cr3t-token".to_string()]),
        unresolved: Vec::new(),
        warnings: Vec::new(),
    }
}

fn observation(url: &str, ms: u64, state: HealthState, version: &str) -> Observation {
    let down = state == HealthState::Down;
    Observation {
        url: url.into(),
        connected: true,
        status: Some(if down { 503 } else { 200 }),
        response_time: Duration::from_millis(ms),
        response_times: vec![Duration::from_millis(ms)],
        health: Health {
            state,
            reason: down.then(|| "warm-up check http_client failed".to_string()),
            components: vec![
                Component {
                    name: "redis".into(),
                    state: HealthState::Up,
                    latency_ms: Some(2.0),
                    message: None,
                },
                Component {
                    name: "http_client".into(),
                    state: if state == HealthState::Up {
                        HealthState::Up
                    } else {
                        HealthState::Degraded
                    },
                    latency_ms: Some(ms as f64 * 0.6),
                    message: None,
                },
            ],
            ready: Some(!down),
            version: Some(version.into()),
            ..Health::default()
        },
        ..Observation::default()
    }
}

fn report(endpoint: &str, replica: usize, url: &str, at: DateTime<Utc>, o: Observation) -> Msg {
    Msg::Probe(Box::new(ProbeReport {
        endpoint: endpoint.into(),
        replica,
        url: url.into(),
        at,
        observation: o,
    }))
}

/// A journal record of the fixture's release, as the journal tail delivers it.
pub fn record(at: DateTime<Utc>, operator: &str, event: Event) -> Msg {
    Msg::Record(Box::new(Record {
        at,
        operator: operator.into(),
        service: "ai-service".into(),
        version: "v1.2.0".into(),
        event,
    }))
}

/// Upper bounds of the fixture's latency histogram, in seconds.
const BUCKETS: [f64; 15] = [
    0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0,
];
/// Requests each track answers per second.
const REQUESTS_PER_SEC: i64 = 40;
/// Seconds between two scrapes of a track.
const SCRAPE_EVERY: i64 = 10;
/// The canary starts to degrade this long before the fixture's "now"...
const RAMP_FROM: f64 = 720.0;
/// ...and is at its worst from this long before it on.
const RAMP_TO: f64 = 240.0;

/// The canary's compose service, three containers of the new version.
pub fn canary_containers() -> DockerTarget {
    DockerTarget::compose("api-canary", "shop")
}

/// The sample profile as the regression screens need it: both tracks
/// scraped, a container check on the canary's compose service, and a 300 ms
/// latency gate.
pub fn regression_profile() -> Profile {
    let mut profile = sample_profile();
    let scrape = |track: &str, url: &str| MetricsSource {
        track: track.into(),
        kind: MetricsKind::Scrape {
            url: url.into(),
            latency_histogram: Some("http_request_duration_seconds".into()),
            requests_counter: Some("http_requests_total".into()),
            status_label: Some("code".into()),
            selector: BTreeMap::new(),
        },
        window: Duration::from_secs(60),
    };
    profile.settings.poll_interval = Duration::from_secs(SCRAPE_EVERY as u64);
    profile.metrics = vec![
        scrape("baseline", "http://10.0.0.21:8002/metrics"),
        scrape("canary", "http://10.0.0.11:8002/metrics"),
    ];
    if let Some(gate) = profile.gates.iter_mut().find(|g| g.id == "latency") {
        gate.condition = Some(Threshold {
            cmp: Cmp::Gt,
            value: 0.3,
        });
    }
    if let Some(canary) = profile.phases.iter_mut().find(|p| p.id == "canary") {
        canary.items.insert(
            1,
            item(
                "containers",
                "Canary containers up, none restarted",
                Some(Check::Docker(DockerCheck {
                    target: canary_containers(),
                    conditions: ["[RUNNING] == 3", "[RESTARTS] == 0"]
                        .iter()
                        .filter_map(|c| Condition::parse(c).ok())
                        .collect(),
                })),
            ),
        );
    }
    profile
}

/// A small deterministic random stream (xorshift), so the traffic is the
/// same on every run and on every machine.
struct Noise(u64);

impl Noise {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly standard normal: the sum of twelve uniforms, centred.
    fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.unit()).sum::<f64>() - 6.0
    }
}

/// The standard normal CDF (Abramowitz and Stegun 7.1.26, error < 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Spread of the log of a request's latency: p95 is the median times
/// e^(1.645 σ), about 1.8 times it.
const SIGMA: f64 = 0.35;

/// One track's counters, kept as its Prometheus client would keep them,
/// as the expected counts of its traffic (cheap: a few numbers a scrape,
/// not one draw per request).
struct Traffic {
    noise: Noise,
    /// Requests at or under each bound of [`BUCKETS`], and in all.
    cumulative: [f64; BUCKETS.len() + 1],
    sum: f64,
    ok: f64,
    errors: f64,
}

impl Traffic {
    fn new(seed: u64) -> Self {
        Self {
            noise: Noise(seed),
            cumulative: [0.0; BUCKETS.len() + 1],
            sum: 0.0,
            ok: 0.0,
            errors: 0.0,
        }
    }

    /// `n` requests whose latencies are log-normal around this p95
    /// (seconds), a share `error_rate` of them answered 503, both wavering
    /// a little from one call to the next.
    fn serve(&mut self, n: f64, p95: f64, error_rate: f64) {
        let p95 = p95 * (1.0 + 0.05 * self.noise.normal());
        let error_rate = (error_rate * (1.0 + 0.15 * self.noise.normal())).max(0.0);
        let median = p95 / (1.645 * SIGMA).exp();
        for (i, le) in BUCKETS.iter().enumerate() {
            self.cumulative[i] += n * normal_cdf((le / median).ln() / SIGMA);
        }
        self.cumulative[BUCKETS.len()] += n;
        // The mean of a log-normal: median times e^(σ²/2).
        self.sum += n * median * (SIGMA * SIGMA / 2.0).exp();
        self.errors += n * error_rate;
        self.ok += n * (1.0 - error_rate);
    }

    /// The scrape body: text exposition format 0.0.4, whole counts.
    fn exposition(&self) -> String {
        let mut out = String::from("# TYPE http_request_duration_seconds histogram\n");
        for (i, count) in self.cumulative.iter().enumerate() {
            let le = BUCKETS
                .get(i)
                .map_or_else(|| "+Inf".to_string(), |b| b.to_string());
            out.push_str(&format!(
                "http_request_duration_seconds_bucket{{le=\"{le}\"}} {}\n",
                count.round()
            ));
        }
        let total = self.cumulative[BUCKETS.len()].round();
        out.push_str(&format!(
            "http_request_duration_seconds_sum {:.3}\nhttp_request_duration_seconds_count {total}\n",
            self.sum
        ));
        out.push_str("# TYPE http_requests_total counter\n");
        out.push_str(&format!(
            "http_requests_total{{code=\"200\"}} {}\nhttp_requests_total{{code=\"503\"}} {}\n",
            self.ok.round(),
            self.errors.round()
        ));
        out
    }
}

/// How far into its degradation the canary is, `ago` seconds before now:
/// 0 before the ramp, 1 at its worst.
fn degradation(ago: f64) -> f64 {
    ((RAMP_FROM - ago) / (RAMP_FROM - RAMP_TO)).clamp(0.0, 1.0)
}

fn scrape(track: &str, at: DateTime<Utc>, traffic: &Traffic) -> Msg {
    Msg::Metrics(Box::new(MetricsReport {
        track: track.into(),
        at,
        payload: MetricsPayload::Scrape(traffic.exposition()),
    }))
}

fn container(n: usize, restarts: u64, started: DateTime<Utc>) -> ContainerState {
    ContainerState {
        id: format!("{:012x}", 0x3f9a_0000_0000_u64 + n as u64),
        name: format!("api-canary-{n}"),
        image: "registry.local/ai-service:v1.2.0".into(),
        status: "running".into(),
        running: true,
        exit_code: None,
        health: ContainerHealth::Healthy,
        restart_count: restarts,
        started_at: Some(started),
    }
}

/// Applies a message as the runtime would: journal appends come back as
/// records, so sign-offs, check results and breaches land in the checklist.
fn feed(app: &mut App, msg: Msg) {
    for effect in update(app, msg) {
        if let Effect::Append(record) = effect {
            update(app, Msg::Record(record));
        }
    }
}

/// The fixture cockpit 32 minutes into the release, its canary regressing:
/// pre-launch signed, fifteen minutes of scrapes in which the canary's p95
/// and error rate climb past their gates while the baseline stays flat, the
/// rollback the error gate offered put off for now, one canary container
/// restarted, two minutes of probes and a screen of coloured logs.
/// Presses `keys` in order, as an operator would.
pub fn press_keys(app: &mut App, keys: impl IntoIterator<Item = Key>) {
    for key in keys {
        update(app, Msg::Key(key));
    }
}

/// The logs pane focused at 120×40, filtered to the upstream trouble
/// (`/upstream|503`) and searching it for timeouts (`s timeout`), as on-call
/// would narrow it down: the screenshot and the logs render bench start here.
pub fn narrow_logs(app: &mut App) {
    update(app, Msg::LogRows(crate::ui::logs::rows(120, 40)));
    update(app, Msg::LogCols(crate::ui::logs::cols(120, 40)));
    app.focus = crate::engine::state::Pane::Logs;
    press_keys(app, [Key::Char('/')]);
    press_keys(app, "upstream|503".chars().map(Key::Char));
    press_keys(app, [Key::Enter, Key::Char('s')]);
    press_keys(app, "timeout".chars().map(Key::Char));
    press_keys(app, [Key::Enter]);
}

pub fn sample_app() -> App {
    let start = t0();
    let mut app = App::new(regression_profile(), "alice", start);
    let secs = |s: i64| start + chrono::Duration::seconds(s);
    feed(
        &mut app,
        record(
            secs(60),
            "bob",
            Event::SignOff {
                item: "ci-green".into(),
                note: Some("run #4812".into()),
            },
        ),
    );
    feed(
        &mut app,
        Msg::CheckFinished {
            item: "asset".into(),
            outcome: CommandOutcome {
                exit_code: Some(0),
                duration: Duration::from_millis(12),
                ..CommandOutcome::default()
            },
        },
    );
    feed(
        &mut app,
        record(
            secs(300),
            "alice",
            Event::Waiver {
                item: "backup".into(),
                reason: "no schema change in this release".into(),
            },
        ),
    );
    let health_url = "http://10.0.0.21:8002/health";
    // The pre-launch health check passes; the canary phase starts.
    feed(&mut app, Msg::Tick(secs(900)));
    feed(
        &mut app,
        report(
            "health",
            0,
            health_url,
            secs(900),
            observation(health_url, 78, HealthState::Up, "v1.1.0"),
        ),
    );
    let warm = [
        "http://10.0.0.11:8002/warmup/status",
        "http://10.0.0.12:8002/warmup/status",
    ];
    let now = 1930;
    let mut baseline = Traffic::new(0x00B4_5E11_u64);
    let mut canary = Traffic::new(0xCA9A_4721_u64);
    for s in (now - 900)..=now {
        let at = secs(s);
        if s % SCRAPE_EVERY == 0 {
            let worse = degradation((now - s) as f64);
            let n = (REQUESTS_PER_SEC * SCRAPE_EVERY) as f64;
            baseline.serve(n, 0.120, 0.004);
            canary.serve(n, 0.125 + worse * 0.300, 0.004 + worse * 0.081);
            feed(&mut app, Msg::Tick(at));
            feed(&mut app, scrape("baseline", at, &baseline));
            feed(&mut app, scrape("canary", at, &canary));
            // Offered when the error gate breached; on-call put it off to
            // look at the charts first.
            if app.modal.is_some() {
                feed(&mut app, Msg::Key(Key::Esc));
            }
        }
        // The engine's looks at the canary's containers: all three up, then
        // the second one restarted once (its count and start time move).
        if s == now - 900 || s == now - 10 {
            let restarted = s == now - 10;
            let state = TargetState {
                containers: (1..=3)
                    .map(|n| {
                        if restarted && n == 2 {
                            container(n, 1, secs(now - 200))
                        } else {
                            container(n, 0, secs(0))
                        }
                    })
                    .collect(),
                error: None,
            };
            feed(
                &mut app,
                Msg::Containers {
                    target: canary_containers(),
                    state,
                },
            );
        }
        if !(1800..1920).contains(&s) {
            continue;
        }
        let n = (s - 1800) as u64;
        let wave = (n * 37 % 23) as i64 - 11;
        let base = (80 + wave) as u64;
        feed(
            &mut app,
            report(
                "health",
                0,
                health_url,
                at,
                observation(health_url, base, HealthState::Up, "v1.1.0"),
            ),
        );
        // The canary's probes degrade in the last minute.
        let canary_ms = if n < 60 {
            base + 15
        } else {
            base + 4 * (n - 55)
        };
        let state = if n > 100 && n.is_multiple_of(3) {
            HealthState::Down
        } else if n > 80 {
            HealthState::Degraded
        } else {
            HealthState::Up
        };
        feed(
            &mut app,
            report(
                "warmup",
                0,
                warm[0],
                at,
                observation(warm[0], canary_ms, state, "v1.2.0"),
            ),
        );
        feed(
            &mut app,
            report(
                "warmup",
                1,
                warm[1],
                at,
                observation(
                    warm[1],
                    canary_ms.saturating_sub(9),
                    HealthState::Up,
                    "v1.1.0",
                ),
            ),
        );
    }
    // The last canary report is the degraded one the header reacts to.
    feed(
        &mut app,
        report(
            "warmup",
            0,
            warm[0],
            secs(now),
            observation(warm[0], 612, HealthState::Degraded, "v1.2.0"),
        ),
    );
    feed(&mut app, Msg::Logs(log_lines(secs(1900))));
    app.chart_window = ChartWindow::FifteenMinutes;
    feed(&mut app, Msg::Tick(secs(now)));
    app.size = (120, 40);
    app
}

/// Half a minute of the canary's and the baseline's logs from `from` on, a
/// line a second, with access-log status colours, warnings and errors.
fn log_lines(from: DateTime<Utc>) -> Vec<LogLine> {
    let texts = [
        (
            Severity::Info,
            "api-canary-7d9f",
            "GET /v1/predict 200 84ms",
        ),
        (
            Severity::Info,
            "api-canary-7d9f",
            "cache hit ratio 0.91 (redis)",
        ),
        (
            Severity::Warn,
            "api-canary-7d9f",
            "slow upstream: model-server p95 420ms",
        ),
        (
            Severity::Info,
            "api-stable-5c2a",
            "GET /v1/predict 200 77ms",
        ),
        (
            Severity::Error,
            "api-canary-7d9f",
            "upstream timeout after 2000ms (model-server)",
        ),
        (Severity::Info, "api-stable-5c2a", "GET /health 200 3ms"),
        (
            Severity::Warn,
            "api-canary-7d9f",
            "rate limit 429 for client 10.1.4.7",
        ),
        (
            Severity::Error,
            "api-canary-7d9f",
            "GET /v1/predict 503 2004ms",
        ),
    ];
    (0..24)
        .map(|n| {
            let (severity, source, text) = texts[n % texts.len()];
            // Status codes coloured as a real access log colours them, so
            // screenshots show the SGR colours the pane keeps.
            let coloured = text
                .replace(" 200 ", " \x1b[32m200\x1b[0m ")
                .replace(" 503 ", " \x1b[1;31m503\x1b[0m ");
            let at = from + chrono::Duration::seconds(n as i64);
            let mut line = LogLine::from_bytes(source, Some(at), coloured.as_bytes());
            line.severity = severity;
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::judge::Verdict;
    use crate::engine::metrics::MetricValue;

    /// The screens and the screenshots rest on this: the real rules, fed the
    /// fixture's scrapes, find the canary regressing against a flat baseline.
    #[test]
    fn the_fixture_canary_regresses_against_a_flat_baseline() {
        let app = sample_app();
        let now = app.now;
        let p95 = |track| app.metrics.value(track, MetricKind::LatencyP95, now).ok();
        let base = p95("baseline").unwrap_or(f64::NAN);
        assert!((0.10..0.14).contains(&base), "baseline p95 {base}");
        let canary = p95("canary").unwrap_or(f64::NAN);
        assert!(canary > 0.3, "canary p95 {canary}");
        let judge = app.judge.as_ref().map(|j| j.verdict);
        assert_eq!(judge, Some(Verdict::Fail), "{:?}", app.judge);
        for id in ["errors", "latency"] {
            let gate = app.gates.iter().find(|g| g.id == id);
            assert!(gate.is_some_and(|g| g.breached), "{id}: {gate:?}");
        }
        assert!(matches!(
            app.metrics.value("canary", MetricKind::ErrorRate, now),
            MetricValue::Ok(e) if e > 0.05
        ));
        let view = app.containers.get(&canary_containers());
        assert_eq!(view.map(|v| v.restarts.total()), Some(1));
        assert!(app.modal.is_none(), "the offered rollback was put off");
    }
}
