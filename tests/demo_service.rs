//! The embedded demo service over real loopback HTTP: the scripted timeline
//! happens (warm-up, regression in `/metrics`, recovery on rollback), the
//! traffic is deterministic per seed, logs stream, and the `golive demo
//! --serve-only` and `golive demo-ctl` processes work against it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::StreamExt;
use golive::demo::{self, DemoOptions, DemoService, Replica};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

const GOLIVE: &str = env!("CARGO_BIN_EXE_golive");

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn get_json(url: &str) -> (u16, Value) {
    let r = client().get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

async fn get_text(url: &str) -> String {
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn elapsed(svc: &DemoService) -> f64 {
    let (_, state) = get_json(&format!("{}/state", svc.control_url())).await;
    state["elapsed_sec"].as_f64().unwrap()
}

/// Polls the control endpoint until simulated time reaches `t`.
async fn wait_until(svc: &DemoService, t: f64, deadline: Duration) {
    let start = Instant::now();
    while elapsed(svc).await < t {
        assert!(
            start.elapsed() < deadline,
            "simulated time did not reach {t}s within {deadline:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What one scrape of `/metrics` says: cumulative histogram buckets and the
/// request counters by code.
#[derive(Debug, Clone)]
struct Scrape {
    buckets: Vec<(f64, f64)>,
    codes: Vec<(String, f64)>,
}

async fn scrape(base: &str) -> Scrape {
    let text = get_text(&format!("{base}/metrics")).await;
    let parsed = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let mut buckets = Vec::new();
    let mut codes = Vec::new();
    for s in parsed.samples {
        match (s.metric.as_str(), s.value) {
            ("http_request_duration_seconds", prometheus_parse::Value::Histogram(hs)) => {
                buckets = hs.iter().map(|b| (b.less_than, b.count)).collect();
            }
            ("http_requests_total", prometheus_parse::Value::Counter(v)) => {
                codes.push((s.labels.get("code").unwrap().to_string(), v));
            }
            _ => {}
        }
    }
    assert!(!buckets.is_empty(), "no histogram in:\n{text}");
    assert!(!codes.is_empty(), "no counters in:\n{text}");
    Scrape { buckets, codes }
}

/// Requests, 5xx share and p95 (as `histogram_quantile` would estimate it)
/// of the traffic between two scrapes.
fn window(a: &Scrape, b: &Scrape) -> (f64, f64, f64) {
    let total: f64 =
        b.codes.iter().map(|c| c.1).sum::<f64>() - a.codes.iter().map(|c| c.1).sum::<f64>();
    let errors = |s: &Scrape| -> f64 {
        s.codes
            .iter()
            .filter(|(code, _)| code.starts_with('5'))
            .map(|c| c.1)
            .sum()
    };
    let share = (errors(b) - errors(a)) / total;
    let deltas: Vec<(f64, f64)> = a
        .buckets
        .iter()
        .zip(&b.buckets)
        .map(|((le, x), (_, y))| (*le, y - x))
        .collect();
    let count = deltas.last().unwrap().1;
    let rank = 0.95 * count;
    let mut lower = (0.0, 0.0);
    let mut p95 = f64::NAN;
    for (le, cum) in &deltas {
        if *cum >= rank {
            p95 = if le.is_infinite() {
                lower.0
            } else {
                lower.0 + (le - lower.0) * (rank - lower.1) / (cum - lower.1)
            };
            break;
        }
        lower = (*le, *cum);
    }
    (total, share, p95)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_warms_up_check_by_check_while_baseline_is_warm() {
    let svc = demo::start(DemoOptions {
        seed: 42,
        speed: 10.0,
    })
    .await
    .unwrap();
    let canary = format!("{}/status/warmup", svc.url(Replica::Canary1));
    let (_, base) = get_json(&format!("{}/status/warmup", svc.url(Replica::Baseline))).await;
    assert_eq!(base["ready"], true);

    let (_, first) = get_json(&canary).await;
    assert_eq!(first["ready"], false, "{first}");
    let mut seen_counts = vec![];
    let mut durations = vec![];
    let times = golive::demo::timeline::check_times(42, Replica::Canary1);
    let start = Instant::now();
    let last = loop {
        let (status, body) = get_json(&canary).await;
        assert_eq!(status, 200);
        let checks = body["checks"].as_object().unwrap();
        let done = checks.values().filter(|v| **v == Value::Bool(true)).count();
        // Each reading agrees with its own simulated time, however late the
        // poll came: a check is true once its moment has passed (±0.05 s for
        // the rounding of `duration_sec`), so they turn true one by one.
        let t = body["duration_sec"].as_f64().unwrap();
        for (name, at) in golive::demo::timeline::WARMUP_CHECKS.iter().zip(times) {
            let value = checks[*name] == Value::Bool(true);
            if at <= t - 0.05 || at > t + 0.05 {
                assert_eq!(value, at <= t, "{name} (due at {at}) at {t}: {body}");
            }
        }
        if seen_counts.last() != Some(&done) {
            seen_counts.push(done);
        }
        durations.push(t);
        if body["ready"] == true {
            break body;
        }
        assert!(!body["warnings"].as_array().unwrap().is_empty());
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "never ready: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        seen_counts.windows(2).all(|w| w[0] < w[1]),
        "{seen_counts:?}"
    );
    assert_eq!(*seen_counts.last().unwrap(), 6);
    assert!(durations.windows(2).all(|w| w[0] <= w[1]));
    assert!(durations.first() < durations.last(), "{durations:?}");
    let took = last["duration_sec"].as_f64().unwrap();
    assert!((7.0..=10.5).contains(&took), "warm-up took {took}s");
    assert_eq!(last["errors"], Value::Array(vec![]));
    svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_shows_in_metrics_and_rollback_reverses_it() {
    // Fast enough to be short, slow enough that a loaded machine's pauses do
    // not blur the 10 simulated seconds between the healthy window and 60 s.
    let svc = demo::start(DemoOptions {
        seed: 42,
        speed: 20.0,
    })
    .await
    .unwrap();
    let canary = svc.url(Replica::Canary1).to_string();
    let baseline = svc.url(Replica::Baseline).to_string();
    let limit = Duration::from_secs(20);

    // Healthy canary: ~38 simulated seconds between two scrapes, well clear
    // of the regression at 60 s even on a slow machine.
    wait_until(&svc, 12.0, limit).await;
    let (_, hz) = get_json(&format!("{canary}/api/v1/healthz")).await;
    assert_eq!(hz["status"], "healthy", "{hz}");
    let (c0, b0) = (scrape(&canary).await, scrape(&baseline).await);
    wait_until(&svc, 50.0, limit).await;
    let (c1, b1) = (scrape(&canary).await, scrape(&baseline).await);
    let scraped_by = elapsed(&svc).await;
    let (n, share, canary_p95) = window(&c0, &c1);
    eprintln!("healthy: n={n} share={share} p95={canary_p95}");
    let (_, _, base_p95) = window(&b0, &b1);
    assert!(n >= 100.0, "{n} requests");
    assert!(share < 0.04, "5xx share before the regression: {share}");
    assert!(
        canary_p95 < base_p95 * 1.5,
        "{canary_p95} vs {base_p95} (window ended by {scraped_by} s)"
    );

    // Regressed: the share of 5xx and the latency buckets move.
    wait_until(&svc, 62.0, limit).await;
    let (_, state) = get_json(&format!("{}/state", svc.control_url())).await;
    assert_eq!(state["phase"], "regressed", "{state}");
    let (c2, b2) = (scrape(&canary).await, scrape(&baseline).await);
    wait_until(&svc, 150.0, limit).await;
    let (c3, b3) = (scrape(&canary).await, scrape(&baseline).await);
    let (n, share, canary_p95) = window(&c2, &c3);
    let (_, base_share, base_p95) = window(&b2, &b3);
    eprintln!("regressed: n={n} share={share} p95={canary_p95} base={base_p95}");
    assert!(n >= 400.0, "{n} requests");
    assert!(
        (0.045..0.13).contains(&share),
        "5xx share while regressed: {share}"
    );
    assert!(base_share < 0.03, "baseline 5xx share {base_share}");
    let ratio = canary_p95 / base_p95;
    assert!(
        (2.0..4.5).contains(&ratio),
        "p95 {canary_p95} vs {base_p95}"
    );
    let (status, hz) = get_json(&format!("{canary}/api/v1/healthz")).await;
    assert_eq!(
        (status, hz["status"].as_str()),
        (200, Some("degraded")),
        "{hz}"
    );
    assert_eq!(hz["checks"]["database"]["status"], "warning");
    let logs = get_text(&format!("{canary}/logs?follow=false")).await;
    assert!(
        logs.lines()
            .any(|l| l.contains("ERROR") && l.contains('❌'))
    );
    assert!(
        logs.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .any(|j| j["level"] == "WARN" && j["extra_fields"].is_object())
    );

    // Rollback: back to the previous version's behaviour.
    let r = client()
        .post(format!("{}/rollback", svc.control_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let state: Value = r.json().await.unwrap();
    assert_eq!(state["phase"], "rolled-back");
    assert_eq!(state["canary_version"], "v1.1.0");
    let rolled_at = state["rolled_back_at_sec"].as_f64().unwrap();
    let (c4, b4) = (scrape(&canary).await, scrape(&baseline).await);
    wait_until(&svc, rolled_at + 110.0, limit).await;
    let (c5, b5) = (scrape(&canary).await, scrape(&baseline).await);
    let (n, share, canary_p95) = window(&c4, &c5);
    let (_, _, base_p95) = window(&b4, &b5);
    assert!(n >= 300.0);
    assert!(share < 0.03, "5xx share after rollback: {share}");
    assert!(canary_p95 < base_p95 * 1.5, "{canary_p95} vs {base_p95}");
    let (_, hz) = get_json(&format!("{canary}/api/v1/healthz")).await;
    assert_eq!(hz["status"], "healthy", "{hz}");
    let (_, health) = get_json(&format!("{canary}/health")).await;
    assert_eq!(health["version"], "v1.1.0");

    // Promoting what was rolled back is refused.
    let r = client()
        .post(format!("{}/promote", svc.control_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promote_marks_the_canaries_promoted() {
    let svc = demo::start(DemoOptions {
        seed: 1,
        speed: 20.0,
    })
    .await
    .unwrap();
    wait_until(&svc, 12.0, Duration::from_secs(10)).await;
    let r = client()
        .post(format!("{}/promote", svc.control_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let state: Value = r.json().await.unwrap();
    assert_eq!(state["phase"], "promoted", "{state}");
    assert_eq!(state["promoted"], true);
    let (_, health) = get_json(&format!("{}/health", svc.url(Replica::Canary2))).await;
    assert_eq!(health["version"], "v1.2.0");
    svc.shutdown().await;
}

/// Access-log lines of the baseline with timestamps removed: the wall clock
/// differs between runs, the traffic must not.
async fn traffic_signature(seed: u64) -> Vec<String> {
    let svc = demo::start(DemoOptions { seed, speed: 20.0 })
        .await
        .unwrap();
    wait_until(&svc, 15.0, Duration::from_secs(10)).await;
    let text = get_text(&format!("{}/logs?follow=false", svc.url(Replica::Baseline))).await;
    svc.shutdown().await;
    text.lines()
        .filter(|l| l.contains("req="))
        .map(|l| l.split_once(' ').map(|(_, rest)| rest.to_string()).unwrap())
        .take(40)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_traffic() {
    let a = traffic_signature(7).await;
    let b = traffic_signature(7).await;
    let c = traffic_signature(8).await;
    assert_eq!(a.len(), 40, "{a:?}");
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_stream_line_by_line_and_reach_subscribers() {
    let svc = demo::start(DemoOptions {
        seed: 3,
        speed: 20.0,
    })
    .await
    .unwrap();
    let mut sub = svc.subscribe_logs();
    let response = client()
        .get(format!("{}/logs", svc.url(Replica::Canary1)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut body = response.bytes_stream();
    let mut buf = String::new();
    let start = Instant::now();
    // The canary's first lines: start-up, a refused database, warm-up checks,
    // then request lines once it is ready.
    while !(buf.contains("warm-up complete") && buf.contains("req=")) {
        assert!(start.elapsed() < Duration::from_secs(10), "got:\n{buf}");
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let lines: Vec<&str> = buf.lines().collect();
    assert!(
        lines[0].contains("starting checkout-api v1.2.0"),
        "{}",
        lines[0]
    );
    assert!(buf.contains("\u{1b}[31mERROR") && buf.contains('❌'));
    assert!(buf.contains("✅ warm-up check"));

    let mut replicas = std::collections::BTreeSet::new();
    while replicas.len() < 3 {
        assert!(start.elapsed() < Duration::from_secs(10));
        let line = tokio::time::timeout(Duration::from_secs(5), sub.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(!line.text.contains('\n'));
        replicas.insert(line.replica);
    }

    // Shutting down ends a live stream instead of hanging.
    svc.shutdown().await;
    let rest = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = body.next().await {}
    })
    .await;
    assert!(rest.is_ok(), "the log stream outlived the service");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_handle_stops_every_server() {
    let svc = demo::start(DemoOptions::default()).await.unwrap();
    let urls: Vec<String> = svc.urls().iter().map(|(_, u)| u.to_string()).collect();
    assert_eq!(urls.len(), 4);
    for url in &urls {
        assert!(client().get(format!("{url}/state")).send().await.is_ok());
    }
    drop(svc);
    let start = Instant::now();
    for url in &urls {
        loop {
            if client().get(format!("{url}/health")).send().await.is_err() {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{url} still answers"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_speed_is_refused() {
    for speed in [0.0, -1.0, 1e6, f64::NAN, f64::INFINITY] {
        let err = demo::start(DemoOptions { seed: 1, speed }).await.err();
        assert!(
            matches!(err, Some(demo::DemoError::InvalidSpeed(_))),
            "{speed}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vars_name_every_server_and_this_executable() {
    let svc = demo::start(DemoOptions::default()).await.unwrap();
    let vars = svc.vars();
    assert_eq!(vars["DEMO_BASELINE_URL"], svc.url(Replica::Baseline));
    assert_eq!(vars["DEMO_CANARY_1_URL"], svc.url(Replica::Canary1));
    assert_eq!(vars["DEMO_CANARY_2_URL"], svc.url(Replica::Canary2));
    assert_eq!(vars["DEMO_CONTROL_URL"], svc.control_url());
    assert_eq!(
        vars["DEMO_GOLIVE"],
        std::env::current_exe().unwrap().to_string_lossy()
    );
    // Every variable the demo profile uses is provided.
    let used = regex::Regex::new(r"\$\{(DEMO_[A-Z0-9_]+)(:-[^}]*)?\}").unwrap();
    for cap in used.captures_iter(demo::PROFILE) {
        assert!(vars.contains_key(&cap[1]), "{} is not provided", &cap[1]);
    }
    svc.shutdown().await;
}

/// Kills the child on drop so a failing assertion leaves no process behind.
struct Child(tokio::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.start_kill();
    }
}

fn sigterm(child: &tokio::process::Child) {
    let pid = child.id().unwrap() as i32;
    // SAFETY: sending a signal to our own child, whose pid we hold.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_only_prints_urls_that_answer_and_stops_on_sigterm() {
    let mut child = Child(
        tokio::process::Command::new(GOLIVE)
            .args(["demo", "--serve-only", "--speed", "10", "--seed", "5"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut urls = Vec::new();
    for _ in 0..4 {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let (name, url) = line.split_once(' ').unwrap();
        urls.push((name.to_string(), url.to_string()));
    }
    let names: Vec<&str> = urls.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["baseline", "canary-1", "canary-2", "control"]);
    for (name, url) in &urls {
        if name == "control" {
            let (status, state) = get_json(&format!("{url}/state")).await;
            assert_eq!(status, 200);
            assert_eq!(state["seed"], 5);
        } else {
            let (status, health) = get_json(&format!("{url}/health")).await;
            assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
        }
    }
    sigterm(&child.0);
    let status = tokio::time::timeout(Duration::from_secs(10), child.0.wait())
        .await
        .expect("golive demo did not stop on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        client()
            .get(format!("{}/health", urls[0].1))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_ctl_rolls_back_and_streams_logs() {
    let svc = demo::start(DemoOptions {
        seed: 9,
        speed: 20.0,
    })
    .await
    .unwrap();
    let out = tokio::process::Command::new(GOLIVE)
        .args(["demo-ctl", svc.control_url(), "rollback"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(state["phase"], "rolled-back");
    let (_, state) = get_json(&format!("{}/state", svc.control_url())).await;
    assert_eq!(state["rolled_back"], true);

    // The server's refusal is an error exit with the reason.
    let out = tokio::process::Command::new(GOLIVE)
        .args(["demo-ctl", svc.control_url(), "promote"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("409"));

    let mut child = Child(
        tokio::process::Command::new(GOLIVE)
            .args(["demo-ctl", svc.url(Replica::Canary2), "logs"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut got = Vec::new();
    while got.len() < 5 {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        got.push(line);
    }
    assert!(got[0].contains("checkout_api"), "{got:?}");
    // Piped: colours pass for the reader to render.
    assert!(got.iter().any(|l| l.contains("\u{1b}[32mINFO")), "{got:?}");
    // The stream ends when the service does, and so does the command.
    svc.shutdown().await;
    let status = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = lines.next_line().await {}
        child.0.wait().await
    })
    .await
    .expect("demo-ctl logs outlived the service")
    .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_ctl_says_why_when_nothing_listens() {
    // Bind then drop a listener to get a port nobody is listening on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = tokio::process::Command::new(GOLIVE)
        .args(["demo-ctl", &format!("http://127.0.0.1:{port}"), "rollback"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the demo"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_profile_loads_with_the_service_urls() {
    let svc = demo::start(DemoOptions::default()).await.unwrap();
    let profile = svc.profile().unwrap();
    profile.ensure_resolved().unwrap();
    assert_eq!(profile.service.name, "checkout-api");
    assert_eq!(profile.service.version, "v1.2.0");
    assert_eq!(profile.service.previous.as_deref(), Some("v1.1.0"));
    let warmup = profile.endpoint("warmup").unwrap();
    assert_eq!(
        warmup.urls,
        [
            format!("{}/status/warmup", svc.url(Replica::Canary1)),
            format!("{}/status/warmup", svc.url(Replica::Canary2)),
        ]
    );
    let golive = std::env::current_exe().unwrap();
    for name in ["promote", "rollback"] {
        let action = &profile.actions[name];
        let golive::profile::ActionKind::Command { argv, .. } = &action.kind else {
            panic!("{name} is not a command");
        };
        assert_eq!(argv[0], golive.to_string_lossy());
        assert_eq!(argv[1..], ["demo-ctl", svc.control_url(), name]);
        assert!(!action.verify.is_empty());
    }
    let gate = &profile.gates[0];
    assert_eq!(gate.on_breach, golive::profile::OnBreach::Rollback);
    assert_eq!(gate.for_, Duration::from_secs(30));
    assert_eq!(profile.logs.len(), 3);
    svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_demo_runs_checklist_regression_rollback_and_recovery() {
    let child = tokio::process::Command::new(GOLIVE)
        .args(["demo", "--headless", "--speed", "10"])
        .env("NO_COLOR", "1")
        .env_remove("GOLIVE_JOURNAL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
        .await
        .expect("golive demo --headless did not finish in 90 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let at = |needle: &str| {
        stdout
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{stdout}"))
    };
    // Healthy canary first, degraded after the scripted regression, healthy
    // again after the rollback.
    let ready = at("✔ pass    canary/ready");
    let healthy = at("✔ pass    canary/healthz");
    let watching = at("── Watching the canary");
    let degraded = at("✘ fail    canary/healthz");
    let rollback = at("── Rollback");
    // The rollback runs as `golive act` runs it: the engine proves the
    // recovery from the verify items.
    let ran = at("rollback: exit 0");
    let verifying = at("verifying: ");
    let recovered = at("recovered in ");
    assert!(ready < healthy && healthy < watching, "{stdout}");
    assert!(watching < degraded && degraded < rollback, "{stdout}");
    assert!(
        rollback < ran && ran < verifying && verifying < recovered,
        "{stdout}"
    );
    assert!(stdout[degraded..rollback].contains("observed \"degraded\""));
    assert!(!stdout.contains("not recovered"), "{stdout}");
    assert!(stdout.contains("✔ pass    t-30/baseline-up"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_speed_on_the_command_line_is_one_clear_line() {
    let out = tokio::process::Command::new(GOLIVE)
        .args(["demo", "--serve-only", "--speed", "0"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        "golive demo: demo speed must be a number above 0 and at most 1000, not 0"
    );
}

/// Four consecutive free loopback ports, found by trying: another test or
/// engineer may take one between the probe and the bind, so retry.
async fn start_on_free_ports(opts: DemoOptions) -> (DemoService, u16) {
    for _ in 0..20 {
        let base = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if base > u16::MAX - 3 {
            continue;
        }
        if let Ok(svc) = demo::start_at(opts, Some(base)).await {
            return (svc, base);
        }
    }
    panic!("no four consecutive free ports found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_ports_match_the_profile_defaults_and_a_taken_port_is_named() {
    // Without any variable, the profile points at 8480..8483 and `golive`.
    let profile = golive::profile::load_with(
        std::path::Path::new(demo::PROFILE_PATH),
        demo::PROFILE,
        &|_| None,
    )
    .unwrap();
    assert!(profile.unresolved.is_empty(), "{:?}", profile.unresolved);
    assert_eq!(
        profile.endpoint("baseline-health").unwrap().urls,
        ["http://127.0.0.1:8480/health"]
    );
    assert_eq!(
        profile.endpoint("health").unwrap().urls,
        [
            "http://127.0.0.1:8481/health",
            "http://127.0.0.1:8482/health"
        ]
    );
    let golive::profile::ActionKind::Command { argv, .. } = &profile.actions["rollback"].kind
    else {
        panic!("rollback is not a command");
    };
    assert_eq!(
        argv,
        &["golive", "demo-ctl", "http://127.0.0.1:8483", "rollback"]
    );

    // start_at serves exactly there.
    let (svc, base) = start_on_free_ports(DemoOptions::default()).await;
    let names: Vec<(&str, String)> = svc
        .urls()
        .into_iter()
        .map(|(n, u)| (n, u.to_string()))
        .collect();
    for (i, (_, url)) in names.iter().enumerate() {
        assert_eq!(url, &format!("http://127.0.0.1:{}", base + i as u16));
    }
    // A second demo on the same ports says which server could not listen.
    let err = demo::start_at(DemoOptions::default(), Some(base))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("for the demo's baseline"), "{err}");
    svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn golive_check_runs_the_demo_profile_against_a_served_demo() {
    let svc = demo::start(DemoOptions {
        seed: 2,
        speed: 10.0,
    })
    .await
    .unwrap();
    let journal_dir = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(GOLIVE);
    cmd.args(["check", "profiles/demo.toml", "--phase", "t-30"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("GOLIVE_JOURNAL", journal_dir.path().join("journal.jsonl"));
    for (name, value) in svc.vars() {
        cmd.env(name, value);
    }
    // The test binary is not golive: the profile's commands must run golive.
    cmd.env("DEMO_GOLIVE", GOLIVE);
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("✔ pass    t-30/control"), "{stdout}");
    assert!(stdout.contains("✔ pass    t-30/baseline-up"), "{stdout}");
    assert!(stdout.contains("○ manual  t-30/ci-green"), "{stdout}");
    svc.shutdown().await;
}
