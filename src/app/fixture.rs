//! A fixed release in progress (profile, probe reports, journal records, log
//! lines at fixed times) shared by the screen snapshots, the render benchmark
//! and the screenshot tool, so all three show the same, stable cockpit.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::command::CommandOutcome;
use super::condition::Condition;
use super::health::{Component, Health, HealthState};
use super::logs::{LogLine, Severity};
use super::probe::{Observation, ProbeReport};
use super::record::{Event, Record};
use super::state::{App, Msg, update};
use crate::profile::{
    Action, ActionKind, Check, Cmp, CommandCheck, Endpoint, EndpointCheck, Gate, HealthFormat,
    Item, MetricCheck, MetricKind, OnBreach, Phase, Profile, Ratio, Redactor, Service, Settings,
    Threshold,
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

fn record(at: DateTime<Utc>, operator: &str, event: Event) -> Msg {
    Msg::Record(Box::new(Record {
        at,
        operator: operator.into(),
        service: "ai-service".into(),
        version: "v1.2.0".into(),
        event,
    }))
}

/// The fixture cockpit 32 minutes into the release, its canary regressing:
/// some items signed, one failing, two minutes of probes, a screen of logs.
pub fn sample_app() -> App {
    let start = t0();
    let mut app = App::new(sample_profile(), "alice", start);
    let secs = |s: i64| start + chrono::Duration::seconds(s);
    update(
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
    update(
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
    update(
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
    let warm = [
        "http://10.0.0.11:8002/warmup/status",
        "http://10.0.0.12:8002/warmup/status",
    ];
    for n in 0..120u64 {
        let at = secs(1800 + n as i64);
        let wave = (n * 37 % 23) as i64 - 11;
        let base = (80 + wave) as u64;
        update(
            &mut app,
            report(
                "health",
                0,
                "http://10.0.0.21:8002/health",
                at,
                observation(
                    "http://10.0.0.21:8002/health",
                    base,
                    HealthState::Up,
                    "v1.1.0",
                ),
            ),
        );
        // The canary degrades in the last minute.
        let canary = if n < 60 {
            base + 15
        } else {
            base + 4 * (n - 55)
        };
        let state = if n > 100 && n % 3 == 0 {
            HealthState::Down
        } else if n > 80 {
            HealthState::Degraded
        } else {
            HealthState::Up
        };
        update(
            &mut app,
            report(
                "warmup",
                0,
                warm[0],
                at,
                observation(warm[0], canary, state, "v1.2.0"),
            ),
        );
        update(
            &mut app,
            report(
                "warmup",
                1,
                warm[1],
                at,
                observation(warm[1], canary.saturating_sub(9), HealthState::Up, "v1.1.0"),
            ),
        );
    }
    // The last canary report is the degraded one the header reacts to.
    update(
        &mut app,
        report(
            "warmup",
            0,
            warm[0],
            secs(1930),
            observation(warm[0], 612, HealthState::Degraded, "v1.2.0"),
        ),
    );
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
    let lines = (0..24)
        .map(|n| {
            let (severity, source, text) = texts[n % texts.len()];
            // Status codes coloured as a real access log colours them, so
            // screenshots show the SGR colours the pane keeps.
            let coloured = text
                .replace(" 200 ", " \x1b[32m200\x1b[0m ")
                .replace(" 503 ", " \x1b[1;31m503\x1b[0m ");
            let mut line =
                LogLine::from_bytes(source, Some(secs(1900 + n as i64)), coloured.as_bytes());
            line.severity = severity;
            line
        })
        .collect();
    update(&mut app, Msg::Logs(lines));
    update(&mut app, Msg::Tick(secs(1930)));
    app.size = (120, 40);
    app
}
