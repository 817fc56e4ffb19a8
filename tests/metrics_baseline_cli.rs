//! `golive baseline capture` as a user runs it: the binary, a profile file, a
//! real loopback server; the file it writes loads back as a baseline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod metrics_common;

use std::time::Duration;

use assert_cmd::Command;
use golive::io::metrics::load_baseline_file;
use golive::profile::MetricKind;
use metrics_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capture_writes_a_versioned_file_that_loads_back() {
    let server = start_server().await;
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("svc.toml");
    std::fs::write(
        &profile,
        format!(
            r#"[service]
name = "svc"
version = "v2"

[settings]
poll_interval = "100ms"
timeout = "2s"

[[metrics]]
track = "baseline"
scrape = "http://{}/metrics"
latency_histogram = "test_duration_seconds"
requests_counter = "test_requests_total"
window = "300ms"
"#,
            server.addr
        ),
    )
    .unwrap();
    let out = dir.path().join("baseline.json");
    let (profile_arg, out_arg) = (profile.clone(), out.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::cargo_bin("golive")
            .unwrap()
            .args(["baseline", "capture"])
            .arg(&profile_arg)
            .args(["--track", "baseline", "--duration", "1500ms", "--out"])
            .arg(&out_arg)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("latency_p95"), "{stdout}");
    assert!(stdout.contains("300 ms"), "{stdout}");
    let file = load_baseline_file(&out).unwrap();
    assert_eq!(file.version, 1);
    assert_eq!(file.service, "svc");
    assert!((file.summary_of(MetricKind::LatencyP95).unwrap() - EXPECTED_P95).abs() < 1e-9);
    assert!(file.samples_of(MetricKind::ErrorRate).len() >= 3);

    // An unknown track is refused with the known ones listed.
    let profile_arg = profile.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::cargo_bin("golive")
            .unwrap()
            .args(["baseline", "capture"])
            .arg(&profile_arg)
            .args(["--track", "nope", "--duration", "1s", "--out", "/dev/null"])
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("tracks: baseline"), "{stderr}");
}
