//! The scrape path end to end against a real HTTP server on loopback: the
//! adapter's reports feed the pure state; baseline capture writes a file that
//! loads back; the headless check passes items and fails on a gate breach.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod metrics_common;

use std::time::Duration;

use chrono::Utc;
use golive::engine::checklist::ItemStatus;
use golive::engine::metrics::{MetricValue, MetricsPayload, MetricsState};
use golive::io::metrics::{self, MetricsReport};
use golive::profile::{Cmp, Gate, MetricCheck, MetricKind, OnBreach, Threshold};
use metrics_common::*;
use tokio::sync::mpsc;

async fn wait_for_value(
    state: &mut MetricsState,
    rx: &mut mpsc::Receiver<MetricsReport>,
    track: &str,
    kind: MetricKind,
) -> f64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let report = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("no value before the deadline")
            .expect("the scraper stopped");
        let at = report.at;
        state.apply(report);
        if let MetricValue::Ok(v) = state.value(track, kind, at) {
            return v;
        }
    }
}

#[tokio::test]
async fn scraper_reports_feed_the_state() {
    let server = start_server().await;
    let url = format!("http://{}/metrics", server.addr);
    let source = scrape_source("canary", &url, Duration::from_secs(5));
    let prof = profile(vec![source.clone()], Duration::from_millis(100));
    let mut state = MetricsState::new(&prof);
    let (tx, mut rx) = mpsc::channel(4);
    let task = tokio::spawn(metrics::run_source(
        source,
        Duration::from_millis(100),
        Duration::from_secs(2),
        None,
        tx,
    ));
    let p95 = wait_for_value(&mut state, &mut rx, "canary", MetricKind::LatencyP95).await;
    assert!((p95 - EXPECTED_P95).abs() < 1e-9, "p95 {p95}");
    let now = Utc::now();
    let errors = state.value("canary", MetricKind::ErrorRate, now);
    assert!(
        matches!(errors, MetricValue::Ok(e) if (e - EXPECTED_ERROR_RATE).abs() < 1e-9),
        "{errors:?}"
    );
    assert!(server.scrapes.load(std::sync::atomic::Ordering::SeqCst) >= 2);
    // Dropping the receiver ends the task (bounded wait).
    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the scraper did not stop")
        .unwrap();
}

#[tokio::test]
async fn a_failed_scrape_is_a_report_and_no_data() {
    // A port that was just free: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let source = scrape_source(
        "canary",
        &format!("http://127.0.0.1:{port}/metrics"),
        Duration::from_secs(5),
    );
    let client = metrics::client(Duration::from_secs(2)).unwrap();
    let report = metrics::poll_once(&client, &source).await;
    let MetricsPayload::Failed(reason) = &report.payload else {
        panic!("expected a failure, got {:?}", report.payload);
    };
    assert!(reason.contains("cannot connect"), "{reason}");
    let mut state = MetricsState::with_sources(
        &[source],
        None,
        golive::engine::metrics::MetricsConfig::for_poll(Duration::from_secs(1)),
    );
    let at = report.at;
    state.apply(report);
    match state.value("canary", MetricKind::LatencyP95, at) {
        MetricValue::NoData(r) => assert!(r.contains("cannot connect"), "{r}"),
        other => panic!("{other:?}"),
    }

    // An HTTP error status is a failure too.
    let server = start_server().await;
    let bad = scrape_source(
        "canary",
        &format!("http://{}/nope", server.addr),
        Duration::from_secs(5),
    );
    let report = metrics::poll_once(&client, &bad).await;
    assert!(
        matches!(&report.payload, MetricsPayload::Failed(r) if r.contains("HTTP 404")),
        "{:?}",
        report.payload
    );
}

#[tokio::test]
async fn baseline_capture_writes_a_file_that_loads_back() {
    let server = start_server().await;
    let url = format!("http://{}/metrics", server.addr);
    let prof = profile(
        vec![scrape_source("baseline", &url, Duration::from_millis(300))],
        Duration::from_millis(100),
    );
    let file = metrics::capture_baseline(&prof, "baseline", Duration::from_millis(1500))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baseline.json");
    std::fs::write(&path, file.to_json()).unwrap();
    let back = metrics::load_baseline_file(&path).unwrap();
    // JSON keeps every field; floats to within a unit in the last place.
    assert_eq!(
        (&back.track, &back.source, back.started_at, back.ended_at),
        (&file.track, &file.source, file.started_at, file.ended_at)
    );
    assert_eq!(
        back.summary.keys().collect::<Vec<_>>(),
        file.summary.keys().collect::<Vec<_>>()
    );
    for (k, v) in &file.summary {
        assert!((back.summary[k] - v).abs() <= v.abs() * 1e-12, "{k}");
    }
    for (k, v) in &file.samples {
        assert_eq!(back.samples[k].len(), v.len(), "{k}");
    }
    assert_eq!(back.version, 1);
    assert_eq!(back.track, "baseline");
    let p95 = back.summary_of(MetricKind::LatencyP95).unwrap();
    assert!((p95 - EXPECTED_P95).abs() < 1e-9, "{p95}");
    let errors = back.summary_of(MetricKind::ErrorRate).unwrap();
    assert!((errors - EXPECTED_ERROR_RATE).abs() < 1e-9);
    // Non-overlapping 300 ms windows over ~1.5 s: several samples, all 0.3.
    let samples = back.samples_of(MetricKind::LatencyP95);
    assert!(samples.len() >= 3, "{samples:?}");
    assert!(samples.iter().all(|v| (v - EXPECTED_P95).abs() < 1e-9));

    // No such track: an error that says so.
    let err = metrics::capture_baseline(&prof, "canary", Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("track canary"), "{err}");
}

/// Metric items run headless by the engine (`golive check`'s path): each is
/// decided by its first evaluation with data, with the evidence sentence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_check_decides_metric_items_with_their_evidence() {
    use golive::commands::check::{CheckOptions, run_checks};
    use golive::profile::{Check, Item, Phase};

    let server = start_server().await;
    let url = format!("http://{}/metrics", server.addr);
    let mut prof = profile(
        vec![scrape_source("canary", &url, Duration::from_secs(5))],
        Duration::from_millis(100),
    );
    let p95_under = |id: &str, secs: f64| Item {
        id: id.into(),
        title: format!("p95 under {secs} s"),
        description: None,
        check: Some(Check::Metric(MetricCheck {
            metric: MetricKind::LatencyP95,
            track: "canary".into(),
            condition: Some(Threshold {
                cmp: Cmp::Lt,
                value: secs,
            }),
            vs_baseline: None,
            hold: None,
        })),
    };
    prof.phases = vec![Phase {
        id: "t-30".into(),
        title: "Pre-launch".into(),
        duration: None,
        items: vec![p95_under("p95-ok", 0.5), p95_under("p95-tight", 0.2)],
    }];
    let options = CheckOptions {
        timeout: Duration::from_secs(20),
        operator: "tester".into(),
        journal: None,
    };
    let reports = run_checks(std::sync::Arc::new(prof), None, options, |_| {})
        .await
        .unwrap();
    let by_id = |id: &str| reports.iter().find(|r| r.id == id).unwrap();
    let ok = by_id("p95-ok");
    assert_eq!(ok.status, ItemStatus::Pass, "{}", ok.detail);
    let tight = by_id("p95-tight");
    assert_eq!(tight.status, ItemStatus::Fail);
    assert_eq!(
        tight.detail,
        "latency_p95 of canary is 300 ms, not < 200 ms"
    );
}

/// `golive check --phase canary`: a gate breach ends the run at once and
/// fails it, with the gate's evidence and the rollback suggestion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_phase_canary_fails_as_soon_as_a_gate_breaches() {
    use golive::commands::check::{CheckOptions, run_checks};
    use golive::profile::{Check, Item, Phase};

    let server = start_server().await;
    let url = format!("http://{}/metrics", server.addr);
    let mut prof = profile(
        vec![scrape_source("canary", &url, Duration::from_secs(5))],
        Duration::from_millis(100),
    );
    prof.phases = vec![Phase {
        id: "canary".into(),
        title: "Canary".into(),
        duration: None,
        items: vec![Item {
            id: "p95".into(),
            title: "p95 under 500 ms for 20 s".into(),
            description: None,
            check: Some(Check::Metric(MetricCheck {
                metric: MetricKind::LatencyP95,
                track: "canary".into(),
                condition: Some(Threshold {
                    cmp: Cmp::Lt,
                    value: 0.5,
                }),
                vs_baseline: None,
                hold: Some(Duration::from_secs(20)),
            })),
        }],
    }];
    let gate = |id: &str, limit: f64| Gate {
        id: id.into(),
        metric: MetricKind::ErrorRate,
        track: "canary".into(),
        condition: Some(Threshold {
            cmp: Cmp::Gt,
            value: limit,
        }),
        vs_baseline: None,
        for_: Duration::from_millis(300),
        on_breach: OnBreach::Rollback,
    };
    prof.gates = vec![gate("calm", 0.05), gate("errors", 0.01)];
    let options = CheckOptions {
        timeout: Duration::from_secs(60),
        operator: "tester".into(),
        journal: None,
    };
    let started = std::time::Instant::now();
    let reports = run_checks(std::sync::Arc::new(prof), Some("canary"), options, |_| {})
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "stopped at the breach"
    );
    let by_id = |id: &str| reports.iter().find(|r| r.id == id).unwrap();
    let item = by_id("p95");
    assert_eq!(item.status, ItemStatus::Fail);
    assert_eq!(
        item.detail,
        "not finished: the run stopped when gate errors breached"
    );
    let errors = by_id("gate:errors");
    assert_eq!(errors.status, ItemStatus::Fail);
    assert!(
        errors
            .detail
            .contains("gate errors breached: error_rate of canary is 2.00%"),
        "{}",
        errors.detail
    );
    assert!(errors.detail.contains("golive act"), "{}", errors.detail);
    let calm = by_id("gate:calm");
    assert_eq!(calm.status, ItemStatus::Pass, "{}", calm.detail);
}
