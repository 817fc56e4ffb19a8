//! `golive check` as CI runs it: the real binary against real HTTP servers on
//! loopback, asserting exit codes, reported statuses and evidence.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;

/// A loopback server with a few behaviours, alive while the runtime is.
struct Server {
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

fn server() -> Server {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/ok", get(|| async { r#"{"status":"ok","ready":true}"# }))
        .route(
            "/down",
            get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "maintenance") }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .route(
            "/echo-auth",
            get(|headers: HeaderMap| async move {
                headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none")
                    .to_string()
            }),
        );
    runtime.spawn(async move { axum::serve(listener, app).await });
    Server {
        addr,
        _runtime: runtime,
    }
}

fn write_profile(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("profile.toml");
    let text = format!(
        "[service]\nname = \"shop\"\nversion = \"v2\"\nprevious = \"v1\"\n\n[settings]\npoll_interval = \"200ms\"\ntimeout = \"1s\"\n\n{body}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn golive(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("golive").unwrap();
    cmd.env("GOLIVE_JOURNAL", dir.join("journal.jsonl"))
        .env("GOLIVE_OPERATOR", "ci-bot")
        .env_remove("NO_COLOR");
    cmd
}

fn json_items(stdout: &[u8]) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_slice(stdout).unwrap();
    doc["items"].as_array().unwrap().clone()
}

fn item<'a>(items: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    items.iter().find(|i| i["id"] == id).unwrap()
}

#[test]
fn passing_items_exit_zero_and_report_evidence() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(
        dir.path(),
        &format!(
            r#"
[[endpoint]]
id = "health"
url = "http://{addr}/ok"

[[phase]]
id = "t-30"
title = "Pre-launch"

  [[phase.item]]
  id = "ci"
  title = "CI green"

  [[phase.item]]
  id = "health"
  title = "Health answers"
  check = {{ endpoint = "health", conditions = ["[STATUS] == 200", "[BODY].ready == true", "[RESPONSE_TIME] < 900ms"] }}

  [[phase.item]]
  id = "up"
  title = "Health is up"
  check = {{ endpoint = "health" }}

  [[phase.item]]
  id = "asset"
  title = "Asset present"
  check = {{ command = ["test", "-f", "{asset}"] }}
"#,
            addr = srv.addr,
            asset = dir.path().join("profile.toml").display()
        ),
    );
    let out = golive(dir.path())
        .args(["check", profile.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let items = json_items(&out.stdout);
    assert_eq!(items.len(), 4);
    assert_eq!(item(&items, "ci")["status"], "manual");
    assert_eq!(item(&items, "health")["status"], "pass");
    assert!(
        item(&items, "health")["detail"]
            .as_str()
            .unwrap()
            .contains("200")
    );
    assert_eq!(item(&items, "up")["status"], "pass");
    assert_eq!(item(&items, "asset")["status"], "pass");
    assert_eq!(item(&items, "asset")["phase"], "t-30");

    // Every automated result went to the journal, with the operator.
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    let results: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let checks: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["kind"] == "check_result")
        .collect();
    assert_eq!(checks.len(), 3, "{journal}");
    assert!(
        results.iter().all(|r| r["operator"] == "ci-bot"),
        "{journal}"
    );
    // The engine journals what the report needs, as the cockpit does: the
    // endpoint's health transition, not every probe.
    assert!(
        results
            .iter()
            .all(|r| matches!(r["kind"].as_str(), Some("check_result" | "health"))),
        "{journal}"
    );
}

#[test]
fn a_failing_status_exits_one_and_names_the_observed_value() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(
        dir.path(),
        &format!(
            r#"
[[endpoint]]
id = "health"
url = "http://{}/down"

[[phase]]
id = "t-30"
title = "Pre-launch"

  [[phase.item]]
  id = "health"
  title = "Health answers 200"
  check = {{ endpoint = "health", conditions = ["[STATUS] == 200"] }}
"#,
            srv.addr
        ),
    );
    let out = golive(dir.path())
        .args(["check", profile.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("✘"), "{text}");
    assert!(text.contains("503"), "{text}");
    assert!(text.contains("0 passed, 1 failed"), "{text}");
    // Not a terminal: no colour codes.
    assert!(!text.contains('\u{1b}'), "{text}");
}

#[test]
fn timeouts_and_refused_connections_fail_with_reasons_in_bounded_time() {
    let srv = server();
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(
        dir.path(),
        &format!(
            r#"
[[endpoint]]
id = "slow"
url = "http://{slow}/slow"

[[endpoint]]
id = "gone"
url = "http://{refused}/health"

[[phase]]
id = "t-30"
title = "Pre-launch"

  [[phase.item]]
  id = "slow"
  title = "Slow"
  check = {{ endpoint = "slow", conditions = ["[STATUS] == 200"] }}

  [[phase.item]]
  id = "gone"
  title = "Gone"
  check = {{ endpoint = "gone" }}
"#,
            slow = srv.addr,
        ),
    );
    let started = Instant::now();
    let out = golive(dir.path())
        .args(["check", profile.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    let items = json_items(&out.stdout);
    let slow = item(&items, "slow")["detail"]
        .as_str()
        .unwrap()
        .to_lowercase();
    assert!(slow.contains("timed out"), "{slow}");
    let gone = item(&items, "gone")["detail"]
        .as_str()
        .unwrap()
        .to_lowercase();
    assert!(gone.contains("refused"), "{gone}");
}

#[test]
fn hold_waits_until_the_conditions_held_long_enough() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(
        dir.path(),
        &format!(
            r#"
[[endpoint]]
id = "warm"
urls = ["http://{a}/ok", "http://{a}/ok"]

[[phase]]
id = "canary"
title = "Canary"

  [[phase.item]]
  id = "ready"
  title = "Ready on all replicas"
  check = {{ endpoint = "warm", conditions = ["[BODY].ready == true"], all_replicas = true, hold = "1s" }}
"#,
            a = srv.addr
        ),
    );
    let out = golive(dir.path())
        .args([
            "check",
            profile.to_str().unwrap(),
            "--format",
            "json",
            "--phase",
            "canary",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let items = json_items(&out.stdout);
    let ready = item(&items, "ready");
    assert!(ready["duration_ms"].as_u64().unwrap() >= 1000);
    let detail = ready["detail"].as_str().unwrap();
    assert!(
        detail.contains("held for 1s") && detail.contains("all 2 replicas"),
        "{detail}"
    );
}

#[test]
fn a_hold_that_never_holds_fails_at_the_timeout() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(
        dir.path(),
        &format!(
            r#"
[[endpoint]]
id = "down"
url = "http://{}/down"

[[phase]]
id = "canary"
title = "Canary"

  [[phase.item]]
  id = "ready"
  title = "Ready"
  check = {{ endpoint = "down", conditions = ["[STATUS] == 200"], hold = "10s" }}
"#,
            srv.addr
        ),
    );
    let out = golive(dir.path())
        .args([
            "check",
            profile.to_str().unwrap(),
            "--format",
            "json",
            "--timeout",
            "1s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let items = json_items(&out.stdout);
    let detail = item(&items, "ready")["detail"].as_str().unwrap();
    assert!(detail.contains("did not hold within 1s"), "{detail}");
}

#[test]
fn secrets_never_reach_output_or_journal() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(
        dir.path(),
        &format!(
            r#"
[[endpoint]]
id = "echo"
url = "http://{}/echo-auth"
headers = {{ Authorization = "Bearer ${{API_TOKEN}}" }}

[[phase]]
id = "t-30"
title = "Pre-launch"

  [[phase.item]]
  id = "echo"
  title = "Echo"
  check = {{ endpoint = "echo", conditions = ["[BODY] == nothing"] }}
"#,
            srv.addr
        ),
    );
    for format in ["text", "json", "junit"] {
        let out = golive(dir.path())
            .env("API_TOKEN", "tok-5up3r-s3cr3t")
            .args(["check", profile.to_str().unwrap(), "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("tok-5up3r-s3cr3t"), "{format}: {all}");
        assert!(
            all.contains("••••"),
            "{format}: the masked value should be visible: {all}"
        );
    }
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    assert!(!journal.contains("tok-5up3r-s3cr3t"));
}

#[test]
fn junit_has_a_suite_per_phase_and_failures() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(
        dir.path(),
        &format!(
            r#"
[[endpoint]]
id = "down"
url = "http://{}/down"

[[phase]]
id = "t-30"
title = "Pre-launch"

  [[phase.item]]
  id = "manual"
  title = "Manual"

[[phase]]
id = "canary"
title = "Canary"

  [[phase.item]]
  id = "down"
  title = "Down"
  check = {{ endpoint = "down" }}
"#,
            srv.addr
        ),
    );
    let out = golive(dir.path())
        .args(["check", profile.to_str().unwrap(), "--format", "junit"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(xml.contains(r#"<testsuite name="t-30""#), "{xml}");
    assert!(xml.contains(r#"<testsuite name="canary""#), "{xml}");
    assert!(xml.contains("<failure"), "{xml}");
    assert!(xml.contains("<skipped"), "{xml}");
}

#[test]
fn usage_and_profile_errors_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(
        dir.path(),
        r#"
[[endpoint]]
id = "h"
url = "${UNSET_GOLIVE_TEST_URL}/health"

[[phase]]
id = "t-30"
title = "Pre-launch"

  [[phase.item]]
  id = "h"
  title = "H"
  check = { endpoint = "h" }
"#,
    );
    let out = golive(dir.path())
        .env_remove("UNSET_GOLIVE_TEST_URL")
        .args(["check", profile.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("UNSET_GOLIVE_TEST_URL"));

    let out = golive(dir.path())
        .env("UNSET_GOLIVE_TEST_URL", "http://127.0.0.1:9")
        .args(["check", profile.to_str().unwrap(), "--phase", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("phases: t-30"));
}

#[test]
fn log_and_container_checks_run_headless() {
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(
        dir.path(),
        r#"
[[logs]]
id = "app"
command = ["sh", "-c", "echo 'INFO warm-up started'; echo 'ERROR warm-up asset missing'; sleep 5"]

[[phase]]
id = "post"
title = "Post-launch"

  [[phase.item]]
  id = "no-errors"
  title = "No errors in the logs"
  check = { logs = "app", pattern = "ERROR", max = 0, window = "5m" }

  [[phase.item]]
  id = "some-info"
  title = "Warm-up logged"
  check = { logs = "app", pattern = "ERROR", max = 3, window = "5m" }

  [[phase.item]]
  id = "replicas"
  title = "Three replicas"
  check = { docker = { compose_service = "api" }, conditions = ["[RUNNING] >= 3"] }
"#,
    );
    let out = golive(dir.path())
        .env("DOCKER_HOST", "tcp://127.0.0.1:1")
        .args(["check", profile.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let items = json_items(&out.stdout);
    let errors = item(&items, "no-errors");
    assert_eq!(errors["status"], "fail", "{errors}");
    assert!(errors["detail"].as_str().unwrap().contains('1'), "{errors}");
    assert_eq!(item(&items, "some-info")["status"], "pass");
    let replicas = item(&items, "replicas");
    assert_eq!(replicas["status"], "fail", "{replicas}");
    assert!(!replicas["detail"].as_str().unwrap().is_empty());
}

/// The embedded demo service, alive while the runtime is: a real baseline and
/// real canaries on loopback whose `/metrics` move with simulated traffic.
struct Demo {
    service: golive::demo::DemoService,
    _runtime: tokio::runtime::Runtime,
}

impl Demo {
    /// Starts at 60 simulated seconds per real second: the canaries are warm
    /// within a fraction of a second and regressed (p95 about 3x, 8 % 5xx)
    /// from about one second on. `healthy` rolls them back at once, after
    /// which they behave exactly like the baseline.
    fn start(healthy: bool) -> Demo {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let service = runtime
            .block_on(golive::demo::start(golive::demo::DemoOptions {
                seed: 7,
                speed: 60.0,
            }))
            .unwrap();
        if healthy {
            runtime
                .block_on(golive::demo::ctl::control(
                    service.control_url(),
                    "rollback",
                ))
                .unwrap();
        }
        // Past the regression point (or the rollback), so every window the
        // check samples shows the behaviour under test.
        let waited = Instant::now();
        while service.elapsed() < 75.0 {
            assert!(
                waited.elapsed() < Duration::from_secs(30),
                "demo clock stuck"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Demo {
            service,
            _runtime: runtime,
        }
    }

    fn url(&self, replica: golive::demo::Replica) -> &str {
        self.service.url(replica)
    }
}

/// Canary and baseline scraped with a 1 s window, and a canary phase whose
/// metric item holds for `hold`: the run (and so the judge's sampling) lasts
/// that long, one sample per window on each side.
fn judged_profile(dir: &Path, demo: &Demo, hold: Option<&str>) -> PathBuf {
    use golive::demo::Replica;
    let hold = hold.map_or(String::new(), |h| format!(", hold = \"{h}\""));
    write_profile(
        dir,
        &format!(
            r#"
[[metrics]]
track = "canary"
scrape = "{canary}/metrics"
window = "1s"

[[metrics]]
track = "baseline"
scrape = "{baseline}/metrics"
window = "1s"

[judge]
method = "mann-whitney"
confidence = 0.98
pass_score = 90
marginal_score = 60

[[phase]]
id = "canary"
title = "Canary"

  [[phase.item]]
  id = "traffic"
  title = "The canary takes traffic"
  check = {{ metric = "request_rate", track = "canary", condition = "> 0"{hold} }}
"#,
            canary = demo.url(Replica::Canary1),
            baseline = demo.url(Replica::Baseline),
        ),
    )
}

fn judge_metric<'a>(judge: &'a serde_json::Value, metric: &str) -> &'a serde_json::Value {
    judge["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == metric)
        .unwrap()
}

#[test]
fn the_judge_fails_a_regressed_canary_in_every_format() {
    let demo = Demo::start(false);
    let dir = tempfile::tempdir().unwrap();
    let profile = judged_profile(dir.path(), &demo, Some("6s"));
    let check = |format: &str| {
        golive(dir.path())
            .args([
                "check",
                profile.to_str().unwrap(),
                "--phase",
                "canary",
                "--format",
                format,
                "--timeout",
                "40s",
            ])
            .output()
            .unwrap()
    };

    let out = check("json");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The item passes; the judge's fail verdict alone fails the run.
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["items"][0]["status"], "pass", "{stdout}");
    let judge = &doc["judge"];
    assert_eq!(judge["phase"], "canary");
    assert_eq!(judge["canary_track"], "canary");
    assert_eq!(judge["verdict"], "fail", "{stdout}");
    assert_eq!(judge["config"]["pass_score"], 90.0);
    assert!(judge["score"].as_f64().unwrap() < 60.0, "{stdout}");
    for metric in ["latency_p95", "error_rate"] {
        let m = judge_metric(judge, metric);
        assert_eq!(m["classification"], "high", "{metric}: {stdout}");
        assert!(m["canary_n"].as_u64().unwrap() >= 5, "{stdout}");
        assert!(m["baseline_n"].as_u64().unwrap() >= 5, "{stdout}");
        assert!(m["test"]["p_value"].as_f64().unwrap() < 0.02, "{stdout}");
        // The whole confidence interval of the shift is above zero.
        assert!(m["shift"]["lower"].as_f64().unwrap() > 0.0, "{stdout}");
        assert!(m["shift"]["estimate"].as_f64().unwrap() >= m["shift"]["lower"].as_f64().unwrap());
        assert!(m["mean_ratio"].as_f64().unwrap() > 2.0, "{stdout}");
    }

    let out = check("text");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    let judge_at = text.find("judge").expect("a judge block");
    let summary_at = text
        .find("1 passed, 0 failed, judge fail")
        .expect("the summary");
    assert!(text.find("canary/traffic").unwrap() < judge_at, "{text}");
    assert!(judge_at < summary_at, "after the items: {text}");
    assert!(text.contains("canary vs baseline: FAIL"), "{text}");
    let p95 = text
        .lines()
        .find(|l| l.contains("latency_p95"))
        .unwrap_or_default();
    assert!(p95.contains("✘") && p95.contains("high"), "{p95}");
    assert!(
        (p95.contains("p = 0.0") || p95.contains("p < 0.0001")) && p95.contains("shift +"),
        "{p95}"
    );
    assert!(p95.contains("ratio ") && p95.contains("n = "), "{p95}");

    let out = check("junit");
    let xml = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{xml}");
    assert!(xml.contains(r#"<testcase name="judge""#), "{xml}");
    assert!(xml.contains("<failure"), "{xml}");
    assert!(
        xml.contains(r#"<property name="latency_p95.classification" value="high"/>"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<property name="verdict" value="fail"/>"#),
        "{xml}"
    );

    // Each run journalled its verdict once: three runs, three records, each
    // with the summary and a line per metric.
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    let verdicts: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["kind"] == "judge_verdict")
        .collect();
    assert_eq!(verdicts.len(), 3, "{journal}");
    for v in &verdicts {
        assert_eq!(v["verdict"], "fail", "{v}");
        assert_eq!(v["operator"], "ci-bot", "{v}");
        assert!(v["score"].as_f64().unwrap() < 60.0, "{v}");
        assert!(v["summary"].as_str().unwrap().contains("higher: "), "{v}");
        let metrics = v["metrics"].as_array().unwrap();
        assert_eq!(metrics.len(), 4, "{v}");
        assert!(
            metrics
                .iter()
                .any(|m| m.as_str().unwrap().starts_with("latency_p95 high: p ")),
            "{v}"
        );
    }
    // `golive status` shows the latest verdict in the release record.
    let out = golive(dir.path())
        .args(["status", profile.to_str().unwrap()])
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{status}");
    let line = status
        .lines()
        .find(|l| l.contains("judge: fail"))
        .unwrap_or_else(|| panic!("no judge line in\n{status}"));
    assert!(line.starts_with("✘ judge: fail (score "), "{line}");
    assert!(line.contains("ci-bot"), "{line}");
    assert!(status.contains("\n    latency_p95 high: p "), "{status}");
}

#[test]
fn the_judge_passes_a_canary_that_behaves_like_the_baseline() {
    let demo = Demo::start(true);
    let dir = tempfile::tempdir().unwrap();
    let profile = judged_profile(dir.path(), &demo, Some("6s"));
    let out = golive(dir.path())
        .args(["check", profile.to_str().unwrap(), "--format", "json"])
        .args(["--timeout", "40s"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let judge = &doc["judge"];
    // Same distributions: no metric is significantly higher (a 2 % chance
    // per metric of a false alarm leaves at worst a marginal verdict).
    assert_ne!(judge["verdict"], "fail", "{stdout}");
    assert_ne!(judge["verdict"], "no-data", "{stdout}");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let judged: Vec<&serde_json::Value> = judge["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["classification"] != "no-data")
        .collect();
    assert!(judged.len() >= 3, "{stdout}");
    for m in judged {
        assert!(m["test"]["p_value"].as_f64().is_some(), "{stdout}");
        assert!(m["canary_n"].as_u64().unwrap() >= 5, "{stdout}");
    }
}

#[test]
fn a_check_too_short_to_judge_says_no_data_loudly() {
    let demo = Demo::start(false);
    let dir = tempfile::tempdir().unwrap();
    // No hold: the item is decided by its first value, long before five
    // windows of samples exist.
    let profile = judged_profile(dir.path(), &demo, None);
    let out = golive(dir.path())
        .args(["check", profile.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // Inconclusive is not a failure of the run, but it is never quiet.
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("canary vs baseline: NO DATA"), "{text}");
    assert!(
        text.contains("NO DATA: no metric could be judged"),
        "{text}"
    );
    let p95 = text
        .lines()
        .find(|l| l.contains("latency_p95"))
        .unwrap_or_default();
    assert!(p95.contains("no-data"), "{p95}");
    // Said with the reason: too few samples, or none yet from the baseline.
    assert!(
        ["not enough samples", "inconclusive", "no baseline samples"]
            .iter()
            .any(|why| p95.contains(why)),
        "{p95}"
    );

    let out = golive(dir.path())
        .args(["check", profile.to_str().unwrap(), "--format", "junit"])
        .output()
        .unwrap();
    let xml = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(xml.contains(r#"<testcase name="judge""#), "{xml}");
    assert!(xml.contains("NO DATA"), "{xml}");

    // A phase without metrics has no judge at all.
    let plain = write_profile(
        dir.path(),
        "[[phase]]\nid = \"t-30\"\ntitle = \"Pre\"\n\n  [[phase.item]]\n  id = \"ci\"\n  title = \"CI\"\n",
    );
    let out = golive(dir.path())
        .args(["check", plain.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc.get("judge").is_none(), "{doc}");
    let text = golive(dir.path())
        .args(["check", plain.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&text.stdout).contains("judge"));
}

/// The judged profile with the default, sequential judge.
fn sequential_profile(dir: &Path, demo: &Demo, hold: Option<&str>) -> PathBuf {
    let path = judged_profile(dir, demo, hold);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("method = \"mann-whitney\"\n", "")).unwrap();
    path
}

#[test]
fn the_sequential_judge_fails_a_regressed_canary_with_its_evidence_in_every_format() {
    let demo = Demo::start(false);
    let dir = tempfile::tempdir().unwrap();
    let profile = sequential_profile(dir.path(), &demo, Some("12s"));
    let check = |format: &str| {
        golive(dir.path())
            .args(["check", profile.to_str().unwrap(), "--phase", "canary"])
            .args(["--format", format, "--timeout", "40s"])
            .output()
            .unwrap()
    };
    let out = check("json");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let judge = &doc["judge"];
    assert_eq!(judge["verdict"], "fail", "{stdout}");
    assert_eq!(judge["config"]["method"], "sequential", "{stdout}");
    let p95 = judge_metric(judge, "latency_p95");
    assert_eq!(p95["classification"], "high", "{stdout}");
    let e = &p95["sequential"];
    // The whole confidence sequence of the ratio is above the allowance.
    assert!(e["lower"].as_f64().unwrap() > 1.2, "{stdout}");
    assert!(e["ratio"].as_f64().unwrap() >= e["lower"].as_f64().unwrap());
    assert_eq!(e["allowed_increase"], 1.2, "{stdout}");
    assert_eq!(e["unit"], "samples", "{stdout}");
    assert!(e["canary_count"].as_u64().unwrap() >= 5, "{stdout}");
    // The error rate is judged on counts: errors and requests a side.
    let errors = &judge_metric(judge, "error_rate")["sequential"];
    assert_eq!(errors["unit"], "requests", "{stdout}");
    assert!(errors["canary_errors"].as_u64().unwrap() > 0, "{stdout}");
    assert!(errors["canary_count"].as_u64().unwrap() > errors["canary_errors"].as_u64().unwrap());

    let out = check("text");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("sequential at 98% confidence"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("latency_p95"))
        .unwrap_or_default();
    assert!(
        line.contains("high") && line.contains("ratio ") && line.contains("allowed ≤ 1.20x"),
        "{line}"
    );

    let out = check("junit");
    let xml = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        xml.contains(r#"<property name="method" value="sequential"/>"#),
        "{xml}"
    );
    assert!(xml.contains(r#"name="latency_p95.ratio_lower""#), "{xml}");
    assert!(xml.contains(r#"name="error_rate.canary_errors""#), "{xml}");

    // The journal's verdict records carry the same evidence per metric.
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    let record: serde_json::Value = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["kind"] == "judge_verdict")
        .unwrap();
    let evidence = record["evidence"].as_array().unwrap();
    let p95 = evidence
        .iter()
        .find(|m| m["metric"] == "latency_p95")
        .unwrap();
    assert_eq!(p95["classification"], "high", "{record}");
    assert!(
        p95["sequential"]["lower"].as_f64().unwrap() > 1.2,
        "{record}"
    );
}

/// One spelling for no data in the JSON contract: `no-data`, as in the text,
/// JUnit and the docs.
#[test]
fn json_spells_no_data_as_the_text_does() {
    let demo = Demo::start(false);
    let dir = tempfile::tempdir().unwrap();
    let profile = sequential_profile(dir.path(), &demo, None);
    let out = golive(dir.path())
        .args(["check", profile.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["judge"]["verdict"], "no-data", "{stdout}");
    assert_eq!(
        judge_metric(&doc["judge"], "latency_p95")["classification"],
        "no-data"
    );
    assert!(!stdout.contains("no_data"), "{stdout}");
}

/// A command check with conditions reads stdout as `[BODY]` (JSON when it
/// parses, text otherwise) and the exit code as `[EXIT]`; two body paths
/// compare with each other, as a `kubectl get deployment -o json` check
/// needs (`updatedReplicas == spec.replicas`).
#[test]
fn command_checks_with_conditions_read_json_and_text_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = dir.path().join("deployment.json");
    std::fs::write(
        &deployment,
        r#"{"metadata":{"generation":4},"spec":{"replicas":3},
            "status":{"observedGeneration":4,"updatedReplicas":2,
              "conditions":[{"type":"Progressing","reason":"ReplicaSetUpdated"}]}}"#,
    )
    .unwrap();
    let profile = write_profile(
        dir.path(),
        &format!(
            r#"
[[phase]]
id = "rollout"

  [[phase.item]]
  id = "observed"
  check = {{ command = ["cat", "{d}"], conditions = ["[EXIT] == 0", "[BODY].status.observedGeneration >= [BODY].metadata.generation", "[BODY].status.conditions[0].reason != ProgressDeadlineExceeded"] }}

  [[phase.item]]
  id = "updated"
  check = {{ command = ["cat", "{d}"], conditions = ["[BODY].status.updatedReplicas == [BODY].spec.replicas"] }}

  [[phase.item]]
  id = "text"
  check = {{ command = ["echo", "deployment api successfully rolled out"], conditions = ["[BODY] == pat(*successfully rolled out*)"] }}

  [[phase.item]]
  id = "exit"
  check = {{ command = ["false"], conditions = ["[EXIT] == 1"] }}
"#,
            d = deployment.display()
        ),
    );
    let out = golive(dir.path())
        .args(["check", profile.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "one item fails");
    let items = json_items(&out.stdout);
    for id in ["observed", "text", "exit"] {
        assert_eq!(
            item(&items, id)["status"],
            "pass",
            "{id}: {}",
            item(&items, id)
        );
    }
    let updated = item(&items, "updated");
    assert_eq!(updated["status"], "fail");
    let detail = updated["detail"].as_str().unwrap();
    assert!(
        detail.contains("[BODY].status.updatedReplicas = 2")
            && detail.contains("[BODY].spec.replicas = 3"),
        "{detail}"
    );
}
