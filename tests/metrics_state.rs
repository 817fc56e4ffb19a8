//! The pure metrics state, driven with made-up scrapes and times: windowed
//! quantiles and error rates against hand-computed values, counter resets,
//! missing buckets, series appearing mid-window, selectors, no-data, checks
//! with `hold`, gates with `for`, baselines and the judge.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use golive::engine::judge::{Classification, Verdict};
use golive::engine::metrics::baseline::{BASELINE_VERSION, BaselineFile, TimedValue};
use golive::engine::metrics::{CheckStatus, MetricValue, MetricsConfig, MetricsState};
use golive::profile::{
    BaselineConfig, BaselinePrefer, Cmp, Gate, MetricCheck, MetricKind, MetricsKind, MetricsSource,
    OnBreach, Ratio, Threshold,
};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_750_000_000 + secs, 0).unwrap()
}

fn scrape_source(track: &str, selector: &[(&str, &str)]) -> MetricsSource {
    MetricsSource {
        track: track.into(),
        kind: MetricsKind::Scrape {
            url: "http://127.0.0.1:1/metrics".into(),
            latency_histogram: None,
            requests_counter: None,
            status_label: None,
            selector: selector
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        },
        window: Duration::from_secs(60),
    }
}

fn promql_source(track: &str) -> MetricsSource {
    MetricsSource {
        track: track.into(),
        kind: MetricsKind::PromQl {
            url: "http://127.0.0.1:1".into(),
            latency_p50: None,
            latency_p95: Some("q".into()),
            latency_p99: None,
            error_rate: Some("q".into()),
            request_rate: None,
        },
        window: Duration::from_secs(60),
    }
}

fn state(sources: &[MetricsSource]) -> MetricsState {
    MetricsState::with_sources(
        sources,
        None,
        MetricsConfig::for_poll(Duration::from_secs(10)),
    )
}

/// A histogram (cumulative counts for le 0.1, 0.5, 1, +Inf) and a request
/// counter by code, for one route.
fn expo(route: &str, buckets: [u64; 4], ok: u64, errors: Option<u64>) -> String {
    let les = ["0.1", "0.5", "1", "+Inf"];
    let mut s = String::from(
        "# HELP http_request_duration_seconds Latency.\n# TYPE http_request_duration_seconds histogram\n",
    );
    for (le, n) in les.iter().zip(buckets) {
        s.push_str(&format!(
            "http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {n}\n"
        ));
    }
    s.push_str(&format!(
        "http_request_duration_seconds_count{{route=\"{route}\"}} {}\n",
        buckets[3]
    ));
    s.push_str("# TYPE http_requests_total counter\n");
    s.push_str(&format!(
        "http_requests_total{{route=\"{route}\",code=\"200\"}} {ok}\n"
    ));
    if let Some(e) = errors {
        s.push_str(&format!(
            "http_requests_total{{route=\"{route}\",code=\"500\"}} {e}\n"
        ));
    }
    s
}

fn ok(v: MetricValue) -> f64 {
    match v {
        MetricValue::Ok(v) => v,
        MetricValue::NoData(r) => panic!("no data: {r}"),
    }
}

fn no_data(v: MetricValue) -> String {
    match v {
        MetricValue::Ok(v) => panic!("expected no data, got {v}"),
        MetricValue::NoData(r) => r,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn hand_computed_window_values_and_counter_reset() {
    let mut s = state(&[scrape_source("canary", &[])]);
    s.ingest_scrape(
        "canary",
        &expo("/api", [100, 180, 200, 200], 190, Some(10)),
        t(0),
    );
    assert!(no_data(s.value("canary", MetricKind::LatencyP95, t(0))).contains("second scrape"));

    // +50 <= 0.1, +40 in (0.1, 0.5], +10 in (0.5, 1]; 95 ok and 5 errors.
    s.ingest_scrape(
        "canary",
        &expo("/api", [150, 270, 300, 300], 285, Some(15)),
        t(10),
    );
    // p50: rank 50 is the top of the first bucket: 0.1.
    assert!(close(
        ok(s.value("canary", MetricKind::LatencyP50, t(10))),
        0.1
    ));
    // p95: rank 95, 5 of the 10 in (0.5, 1]: 0.5 + 0.5 * 0.5 = 0.75.
    assert!(close(
        ok(s.value("canary", MetricKind::LatencyP95, t(10))),
        0.75
    ));
    // p99: rank 99, 9 of 10: 0.5 + 0.5 * 0.9 = 0.95.
    assert!(close(
        ok(s.value("canary", MetricKind::LatencyP99, t(10))),
        0.95
    ));
    assert!(close(
        ok(s.value("canary", MetricKind::ErrorRate, t(10))),
        0.05
    ));
    assert!(close(
        ok(s.value("canary", MetricKind::RequestRate, t(10))),
        10.0
    ));

    // The pod restarts: every counter starts again from zero and is now at
    // a tenth of the previous increase. The increase is the new value.
    s.ingest_scrape(
        "canary",
        &expo("/api", [10, 18, 20, 20], 19, Some(1)),
        t(20),
    );
    let rate = ok(s.value("canary", MetricKind::RequestRate, t(20)));
    assert!(
        close(rate, 120.0 / 20.0),
        "no negative rate and no spike: {rate}"
    );
    // Window: 0.1:60, 0.5:108, 1:120. p95 rank 114: 0.5 + 0.5 * 6/12.
    assert!(close(
        ok(s.value("canary", MetricKind::LatencyP95, t(20))),
        0.75
    ));
    assert!(close(
        ok(s.value("canary", MetricKind::ErrorRate, t(20))),
        0.05
    ));
    for (_, v) in s.series("canary", MetricKind::RequestRate) {
        assert!(*v >= 0.0 && *v <= 10.0, "series value {v}");
    }

    // A minute with no traffic: the old frames slid out of the window.
    s.ingest_scrape(
        "canary",
        &expo("/api", [10, 18, 20, 20], 19, Some(1)),
        t(80),
    );
    let reason = no_data(s.value("canary", MetricKind::ErrorRate, t(80)));
    assert!(reason.contains("no requests in the last 1m"), "{reason}");
    assert!(no_data(s.value("canary", MetricKind::LatencyP95, t(80))).contains("no requests"));
    assert_eq!(ok(s.value("canary", MetricKind::RequestRate, t(80))), 0.0);
}

#[test]
fn a_series_appearing_mid_window_counts_from_zero() {
    let mut s = state(&[scrape_source("canary", &[])]);
    s.ingest_scrape("canary", &expo("/api", [0, 0, 0, 0], 100, None), t(0));
    // The first 5xx of the release: the series is born with value 5.
    s.ingest_scrape(
        "canary",
        &expo("/api", [50, 90, 100, 100], 195, Some(5)),
        t(10),
    );
    assert!(close(
        ok(s.value("canary", MetricKind::ErrorRate, t(10))),
        0.05
    ));
}

#[test]
fn a_bucket_missing_from_one_scrape_does_not_spike() {
    let mut s = state(&[scrape_source("canary", &[])]);
    let without_half = |b: [u64; 4], ok: u64| {
        expo("/api", b, ok, Some(0))
            .lines()
            .filter(|l| !l.contains("le=\"0.5\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    s.ingest_scrape(
        "canary",
        &expo("/api", [1000, 1800, 2000, 2000], 2000, Some(0)),
        t(0),
    );
    s.ingest_scrape(
        "canary",
        &without_half([1050, 1890, 2100, 2100], 2100),
        t(10),
    );
    s.ingest_scrape(
        "canary",
        &expo("/api", [1100, 1980, 2200, 2200], 2200, Some(0)),
        t(20),
    );
    // True increase over both frames: 0.1:100, 0.5:180, 1:200. With the 0.5
    // bucket missing once, its increase is measured from its last value.
    assert!(close(
        ok(s.value("canary", MetricKind::LatencyP95, t(20))),
        0.75
    ));
    assert!(close(
        ok(s.value("canary", MetricKind::LatencyP50, t(20))),
        0.1
    ));
    // And during the glitch, the evened-out histogram never went negative.
    for (_, v) in s.series("canary", MetricKind::LatencyP95) {
        assert!(*v >= 0.0 && *v <= 1.0, "{v}");
    }
}

#[test]
fn summed_across_series_with_a_selector() {
    let both = |api: [u64; 4], health: [u64; 4], ok: u64| {
        let mut s = expo("/api/users", api, ok, Some(ok / 10));
        s.push_str(&expo("/health", health, ok * 5, Some(ok)).replace("# TYPE", "# X"));
        s
    };
    let mut all = state(&[scrape_source("canary", &[])]);
    let mut api = state(&[scrape_source("canary", &[("route", "/api/.*")])]);
    let mut none = state(&[scrape_source("canary", &[("route", "/nothing")])]);
    for st in [&mut all, &mut api, &mut none] {
        st.ingest_scrape("canary", &both([0, 0, 0, 0], [0, 0, 0, 0], 0), t(0));
        st.ingest_scrape(
            "canary",
            &both([50, 90, 100, 100], [100, 100, 100, 100], 100),
            t(10),
        );
    }
    // /api only: 100 requests, p95 0.75, errors 10 / 110.
    assert!(close(
        ok(api.value("canary", MetricKind::LatencyP95, t(10))),
        0.75
    ));
    assert!(close(
        ok(api.value("canary", MetricKind::ErrorRate, t(10))),
        10.0 / 110.0
    ));
    // Everything: 200 observations (150 <= 0.1, 190 <= 0.5); p95 rank 190
    // lands at the top of (0.1, 0.5]: 0.5.
    assert!(close(
        ok(all.value("canary", MetricKind::LatencyP95, t(10))),
        0.5
    ));
    assert!(close(
        ok(all.value("canary", MetricKind::ErrorRate, t(10))),
        110.0 / 710.0
    ));
    let reason = no_data(none.value("canary", MetricKind::LatencyP95, t(10)));
    assert!(reason.contains("missing"), "{reason}");
}

#[test]
fn no_data_states_say_why() {
    let mut s = state(&[scrape_source("canary", &[])]);
    assert!(
        no_data(s.value("nope", MetricKind::LatencyP95, t(0))).contains("no [[metrics]] source")
    );
    s.ingest_scrape(
        "canary",
        "# nothing useful\nprocess_cpu_seconds_total 3\n",
        t(0),
    );
    s.ingest_scrape("canary", "process_cpu_seconds_total 4\n", t(10));
    assert!(
        no_data(s.value("canary", MetricKind::LatencyP95, t(10))).contains("latency_histogram")
    );
    s.ingest_failure(
        "canary",
        "request to http://127.0.0.1:1/metrics failed: cannot connect",
        t(20),
    );
    assert!(no_data(s.value("canary", MetricKind::ErrorRate, t(20))).contains("cannot connect"));

    // Data that stopped coming is stale, not current.
    let mut p = state(&[promql_source("canary")]);
    p.ingest_promql("canary", MetricKind::ErrorRate, MetricValue::Ok(0.01), t(0));
    assert_eq!(ok(p.value("canary", MetricKind::ErrorRate, t(5))), 0.01);
    assert!(no_data(p.value("canary", MetricKind::ErrorRate, t(300))).contains("old"));

    let check = MetricCheck {
        metric: MetricKind::ErrorRate,
        track: "canary".into(),
        condition: Some(Threshold {
            cmp: Cmp::Lt,
            value: 0.05,
        }),
        vs_baseline: None,
        hold: None,
    };
    let eval = p.evaluate_check(&check, t(300));
    assert_eq!(eval.status, CheckStatus::NoData);
    assert!(
        eval.detail.starts_with("no data for error_rate of canary"),
        "{}",
        eval.detail
    );
}

fn p95_check(hold: Option<u64>) -> MetricCheck {
    MetricCheck {
        metric: MetricKind::LatencyP95,
        track: "canary".into(),
        condition: Some(Threshold {
            cmp: Cmp::Lt,
            value: 0.3,
        }),
        vs_baseline: None,
        hold: hold.map(Duration::from_secs),
    }
}

#[test]
fn check_hold_needs_a_continuous_run() {
    let mut s = state(&[promql_source("canary")]);
    let check = p95_check(Some(300));
    let mut now = 0;
    fn feed(s: &mut MetricsState, now: &mut i64, v: f64, secs: i64) -> i64 {
        for _ in 0..secs / 10 {
            *now += 10;
            s.ingest_promql(
                "canary",
                MetricKind::LatencyP95,
                MetricValue::Ok(v),
                t(*now),
            );
        }
        *now
    }
    let at = feed(&mut s, &mut now, 0.2, 120);
    let e = s.evaluate_check(&check, t(at));
    assert_eq!(e.status, CheckStatus::Holding, "{}", e.detail);
    assert!(e.detail.contains("of the 5m hold"), "{}", e.detail);

    let at = feed(&mut s, &mut now, 0.45, 10);
    let e = s.evaluate_check(&check, t(at));
    assert_eq!(e.status, CheckStatus::Fail);
    assert_eq!(e.detail, "latency_p95 of canary is 450 ms, not < 300 ms");

    let at = feed(&mut s, &mut now, 0.2, 290);
    assert_eq!(s.evaluate_check(&check, t(at)).status, CheckStatus::Holding);
    let at = feed(&mut s, &mut now, 0.2, 20);
    let e = s.evaluate_check(&check, t(at));
    assert_eq!(e.status, CheckStatus::Pass, "{}", e.detail);
    assert!(e.detail.contains("held for 5m"), "{}", e.detail);

    // A gap in the data restarts the hold.
    now += 10;
    s.ingest_failure("canary", "HTTP 503", t(now));
    assert_eq!(s.evaluate_check(&check, t(now)).status, CheckStatus::NoData);
    let at = feed(&mut s, &mut now, 0.2, 30);
    assert_eq!(s.evaluate_check(&check, t(at)).status, CheckStatus::Holding);
    // Without hold, one good value passes.
    assert_eq!(
        s.evaluate_check(&p95_check(None), t(at)).status,
        CheckStatus::Pass
    );
}

fn error_gate(on_breach: OnBreach) -> Gate {
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
        on_breach,
    }
}

#[test]
fn gates_flicker_never_breaches_persist_does_and_auto_rollback_fires_once() {
    let mut s = state(&[promql_source("canary")]);
    let gates = [error_gate(OnBreach::AutoRollback)];
    let mut now = 0;
    // Flicker: 4 minutes bad, one good value, 4 minutes bad, ... for 30 minutes.
    for round in 0..6 {
        for i in 0..25 {
            now += 10;
            let v = if i == 24 { 0.01 } else { 0.2 };
            s.ingest_promql("canary", MetricKind::ErrorRate, MetricValue::Ok(v), t(now));
            let g = &s.evaluate_gates(&gates, t(now))[0];
            assert!(
                !g.breached && !g.fired,
                "round {round} step {i}: {}",
                g.detail
            );
        }
    }
    // Persist: bad from now on; breached once 5 minutes have passed.
    let start = now + 10;
    let mut fired = 0;
    let mut newly = 0;
    let mut first_breach = None;
    for _ in 0..60 {
        now += 10;
        s.ingest_promql(
            "canary",
            MetricKind::ErrorRate,
            MetricValue::Ok(0.2),
            t(now),
        );
        let g = s.evaluate_gates(&gates, t(now)).remove(0);
        if g.breached && first_breach.is_none() {
            first_breach = Some(now);
            assert_eq!(g.since, Some(t(start)));
            assert_eq!(g.observed, Some(0.2));
            assert_eq!(g.threshold, "> 5.00% (0.0500)");
            assert_eq!(g.threshold_value, Some(0.05));
            match g.breach_event(&gates[0]) {
                golive::engine::record::Event::GateBreach {
                    gate,
                    observed,
                    on_breach,
                } => {
                    assert_eq!(gate, "errors");
                    assert_eq!(observed, "20.00% (0.2000) vs > 5.00% (0.0500)");
                    assert_eq!(on_breach, "auto-rollback");
                }
                other => panic!("{other:?}"),
            }
            assert!(g.detail.contains("breached"), "{}", g.detail);
        }
        fired += usize::from(g.fired);
        newly += usize::from(g.newly_breached);
    }
    assert_eq!(first_breach, Some(start + 300));
    assert_eq!(fired, 1);
    assert_eq!(newly, 1);
    // Recovery, then a new breach: a new episode is journalled, but the
    // auto-rollback does not fire a second time.
    for _ in 0..5 {
        now += 10;
        s.ingest_promql(
            "canary",
            MetricKind::ErrorRate,
            MetricValue::Ok(0.0),
            t(now),
        );
        assert!(!s.evaluate_gates(&gates, t(now))[0].breached);
    }
    let mut newly = 0;
    for _ in 0..40 {
        now += 10;
        s.ingest_promql(
            "canary",
            MetricKind::ErrorRate,
            MetricValue::Ok(0.5),
            t(now),
        );
        let g = s.evaluate_gates(&gates, t(now)).remove(0);
        assert!(!g.fired);
        newly += usize::from(g.newly_breached);
    }
    assert_eq!(newly, 1);
}

fn with_baseline(prefer: BaselinePrefer) -> MetricsState {
    MetricsState::with_sources(
        &[promql_source("canary"), promql_source("baseline")],
        Some(&BaselineConfig {
            file: Some(PathBuf::from("baseline.json")),
            prefer,
        }),
        MetricsConfig::for_poll(Duration::from_secs(10)),
    )
}

fn baseline_file(p95: f64, samples: &[f64]) -> BaselineFile {
    BaselineFile {
        version: BASELINE_VERSION,
        service: "svc".into(),
        service_version: "v1".into(),
        track: "baseline".into(),
        source: "http://127.0.0.1:1".into(),
        started_at: t(-1000),
        ended_at: t(-100),
        window_secs: 60.0,
        summary: BTreeMap::from([("latency_p95".to_string(), p95)]),
        samples: BTreeMap::from([(
            "latency_p95".to_string(),
            samples
                .iter()
                .enumerate()
                .map(|(i, &value)| TimedValue {
                    at: t(-1000 + 60 * i as i64),
                    value,
                })
                .collect(),
        )]),
    }
}

#[test]
fn vs_baseline_live_or_file_as_preferred() {
    let check = MetricCheck {
        metric: MetricKind::LatencyP95,
        track: "canary".into(),
        condition: None,
        vs_baseline: Some(Ratio {
            cmp: Cmp::Lt,
            factor: 1.2,
        }),
        hold: None,
    };
    for prefer in [BaselinePrefer::Live, BaselinePrefer::File] {
        let mut s = with_baseline(prefer);
        s.set_captured_baseline(baseline_file(0.3, &[0.3; 5]));
        s.ingest_promql(
            "baseline",
            MetricKind::LatencyP95,
            MetricValue::Ok(0.2),
            t(0),
        );
        s.ingest_promql("canary", MetricKind::LatencyP95, MetricValue::Ok(0.3), t(0));
        let e = s.evaluate_check(&check, t(1));
        match prefer {
            // Live: 0.3 / 0.2 = 1.5x, not < 1.2x.
            BaselinePrefer::Live => {
                assert_eq!(e.status, CheckStatus::Fail);
                assert!(e.detail.contains("1.50x baseline 200 ms"), "{}", e.detail);
                assert!(
                    e.detail.contains("< 1.2x baseline (1.2x = 240 ms)"),
                    "{}",
                    e.detail
                );
            }
            // File: 0.3 / 0.3 = 1.0x.
            BaselinePrefer::File => assert_eq!(e.status, CheckStatus::Pass, "{}", e.detail),
        }
    }
    // The preferred one without data falls back to the other.
    let mut s = with_baseline(BaselinePrefer::File);
    s.set_captured_baseline_error("cannot read baseline file baseline.json: not found".into());
    s.ingest_promql(
        "baseline",
        MetricKind::LatencyP95,
        MetricValue::Ok(0.2),
        t(0),
    );
    s.ingest_promql(
        "canary",
        MetricKind::LatencyP95,
        MetricValue::Ok(0.22),
        t(0),
    );
    assert_eq!(s.evaluate_check(&check, t(1)).status, CheckStatus::Pass);
    // Neither: no data, with the preferred one's reason.
    let mut s = with_baseline(BaselinePrefer::File);
    s.set_captured_baseline_error("cannot read baseline file baseline.json: not found".into());
    s.ingest_promql(
        "canary",
        MetricKind::LatencyP95,
        MetricValue::Ok(0.22),
        t(0),
    );
    let e = s.evaluate_check(&check, t(1));
    assert_eq!(e.status, CheckStatus::NoData);
    assert!(e.detail.contains("baseline"), "{}", e.detail);
}

#[test]
fn the_judge_compares_canary_and_baseline_samples() {
    // The per-window judge's p-values and shifts; the sequential judge, the
    // default, is tested in tests/judge_sim.rs and tests/check_cli.rs.
    let mut s = MetricsState::with_sources(
        &[promql_source("canary"), promql_source("baseline")],
        Some(&BaselineConfig {
            file: Some(PathBuf::from("baseline.json")),
            prefer: BaselinePrefer::Live,
        }),
        MetricsConfig {
            judge: golive::profile::JudgeConfig {
                method: golive::profile::JudgeMethod::MannWhitney,
                allowed_increase: 1.0,
                ..Default::default()
            },
            ..MetricsConfig::for_poll(Duration::from_secs(10))
        },
    );
    // 20 minutes, one value a minute (the window): the canary is twice as slow.
    for i in 0..20 {
        let jitter = (i % 5) as f64 * 0.002;
        s.ingest_promql(
            "baseline",
            MetricKind::LatencyP95,
            MetricValue::Ok(0.2 + jitter),
            t(i * 60),
        );
        s.ingest_promql(
            "canary",
            MetricKind::LatencyP95,
            MetricValue::Ok(0.4 + jitter),
            t(i * 60),
        );
        s.ingest_promql(
            "baseline",
            MetricKind::ErrorRate,
            MetricValue::Ok(0.01 + jitter),
            t(i * 60),
        );
        s.ingest_promql(
            "canary",
            MetricKind::ErrorRate,
            MetricValue::Ok(0.01 + jitter),
            t(i * 60),
        );
    }
    let r = s.judge(t(20 * 60));
    assert_eq!(r.canary_track, "canary");
    let p95 = r
        .metrics
        .iter()
        .find(|m| m.metric == "latency_p95")
        .unwrap();
    assert_eq!(p95.classification, Classification::High, "{}", p95.reason);
    assert_eq!(p95.canary_n, 20);
    assert!(close(p95.shift.unwrap().estimate, 0.2));
    let errors = r.metrics.iter().find(|m| m.metric == "error_rate").unwrap();
    assert_eq!(
        errors.classification,
        Classification::Pass,
        "{}",
        errors.reason
    );
    let p50 = r
        .metrics
        .iter()
        .find(|m| m.metric == "latency_p50")
        .unwrap();
    assert_eq!(p50.classification, Classification::NoData);
    // Judged: p95 high, error rate pass: 50/100, fail.
    assert_eq!(r.score, Some(50.0));
    assert_eq!(r.verdict, Verdict::Fail);

    // Against a captured file whose samples match the canary: pass.
    let mut f = with_baseline(BaselinePrefer::File);
    let samples: Vec<f64> = (0..10).map(|i| 0.4 + f64::from(i % 5) * 0.002).collect();
    f.set_captured_baseline(baseline_file(0.4, &samples));
    for i in 0..20 {
        let jitter = (i % 5) as f64 * 0.002;
        f.ingest_promql(
            "canary",
            MetricKind::LatencyP95,
            MetricValue::Ok(0.4 + jitter),
            t(i * 60),
        );
    }
    let r = f.judge(t(20 * 60));
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
}

#[test]
fn a_configured_status_label_that_is_absent_is_no_data_not_zero_errors() {
    let mut source = scrape_source("canary", &[]);
    if let MetricsKind::Scrape { status_label, .. } = &mut source.kind {
        *status_label = Some("status".into());
    }
    let mut s = state(&[source]);
    s.ingest_scrape("canary", &expo("/api", [0, 0, 0, 0], 0, Some(0)), t(0));
    s.ingest_scrape(
        "canary",
        &expo("/api", [50, 90, 100, 100], 90, Some(10)),
        t(10),
    );
    let reason = no_data(s.value("canary", MetricKind::ErrorRate, t(10)));
    assert_eq!(reason, "no status label \"status\" on the request series");
    // The latency does not depend on it.
    assert!(close(
        ok(s.value("canary", MetricKind::LatencyP95, t(10))),
        0.75
    ));
}

#[test]
fn openmetrics_and_millisecond_histograms() {
    let mut s = state(&[scrape_source("canary", &[])]);
    let om = |b: [u64; 4], ok: u64| {
        format!(
            "# TYPE http_request_duration_milliseconds histogram\n\
             http_request_duration_milliseconds_bucket{{le=\"100\"}} {} # {{trace_id=\"a\"}} 42 1.7e9\n\
             http_request_duration_milliseconds_bucket{{le=\"500\"}} {}\n\
             http_request_duration_milliseconds_bucket{{le=\"1000\"}} {}\n\
             http_request_duration_milliseconds_bucket{{le=\"+Inf\"}} {}\n\
             # TYPE http_requests counter\n\
             http_requests_total{{status=\"200\"}} {ok} 1.7e9\n\
             http_requests_total{{status=\"503\"}} 1\n\
             # EOF\n",
            b[0], b[1], b[2], b[3]
        )
    };
    s.ingest_scrape("canary", &om([0, 0, 0, 0], 0), t(0));
    s.ingest_scrape("canary", &om([50, 90, 100, 100], 99), t(10));
    assert!(close(
        ok(s.value("canary", MetricKind::LatencyP95, t(10))),
        0.75
    ));
    // The 503 series was there from the first scrape: no increase, no errors.
    assert_eq!(ok(s.value("canary", MetricKind::ErrorRate, t(10))), 0.0);
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_scrape_pipeline_on_arbitrary_text(a in "\\PC*", b in "(http_request_duration_seconds_bucket|http_requests_total)?[{}\"a-z=,.0-9+\\- \n#]*") {
            let mut s = state(&[scrape_source("canary", &[("route", ".*")])]);
            s.ingest_scrape("canary", &a, t(0));
            s.ingest_scrape("canary", &b, t(10));
            s.ingest_scrape("canary", &a, t(20));
            for kind in golive::engine::metrics::KINDS {
                let _ = s.value("canary", kind, t(20));
            }
            let _ = s.judge(t(20));
        }
    }
}

#[test]
fn the_judge_prefers_the_canary_track_and_says_why_there_is_no_baseline() {
    // "blue" sorts before "canary": the judge still picks the canary.
    let mut s = state(&[promql_source("blue"), promql_source("canary")]);
    for i in 0..10 {
        s.ingest_promql(
            "canary",
            MetricKind::LatencyP95,
            MetricValue::Ok(0.3),
            t(i * 60),
        );
    }
    let r = s.judge(t(600));
    assert_eq!(r.canary_track, "canary");
    assert_eq!(r.verdict, golive::engine::judge::Verdict::NoData);
    let p95 = r
        .metrics
        .iter()
        .find(|m| m.metric == "latency_p95")
        .unwrap();
    assert_eq!(p95.classification, Classification::NoData);
    assert_eq!(
        p95.reason,
        "10 canary and no baseline samples: neither a [baseline] file nor a track named \"baseline\""
    );
    assert!(r.summary.contains("no data"), "{}", r.summary);
}
