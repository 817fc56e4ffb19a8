//! The PromQL path end to end against a real Prometheus server (Debian's
//! `prometheus` package): it scrapes a test server on loopback every second,
//! and golive's instant queries, `query_range` backfill and the scraper task
//! read the p95 and error rate back. Skipped, with the reason printed, when
//! the binary is missing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod metrics_common;
mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use golive::engine::metrics::{MetricValue, MetricsState};
use golive::io::metrics;
use golive::profile::{MetricKind, MetricsKind, MetricsSource};
use metrics_common::*;
use tokio::sync::mpsc;

const P95: &str = "histogram_quantile(0.95, sum by (le) (rate(test_duration_seconds_bucket[5s])))";
const ERRORS: &str =
    "sum(rate(test_requests_total{code=~\"5..\"}[5s])) / sum(rate(test_requests_total[5s]))";

fn prometheus_binary() -> Option<PathBuf> {
    let from_env = std::env::var_os("GOLIVE_PROMETHEUS").map(PathBuf::from);
    from_env
        .into_iter()
        .chain(["/usr/bin/prometheus", "/usr/local/bin/prometheus"].map(PathBuf::from))
        .find(|c| c.is_file())
}

/// Kills and reaps the server however the test ends.
struct Prometheus {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn start_prometheus(binary: &PathBuf, target: std::net::SocketAddr) -> Prometheus {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: golive-test\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Prometheus {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promql_path_against_a_real_prometheus() {
    let Some(binary) = prometheus_binary() else {
        support::tools::missing(
            "promql_path_against_a_real_prometheus",
            support::tools::Tool::Prometheus,
            "no prometheus binary (apt-get install prometheus, or set GOLIVE_PROMETHEUS)",
        );
        return;
    };
    let server = start_server().await;
    let prom = start_prometheus(&binary, server.addr);
    let client = metrics::client(Duration::from_secs(2)).unwrap();

    // Wait (bounded) until Prometheus has scraped enough for rate() to answer.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    let mut last;
    let p95 = loop {
        match metrics::instant_query(&client, &prom.url, P95).await {
            Ok(MetricValue::Ok(v)) => break v,
            Ok(MetricValue::NoData(r)) => last = r,
            Err(e) => last = e.to_string(),
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Prometheus gave no p95 in time; last answer: {last}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!((p95 - EXPECTED_P95).abs() < 1e-6, "p95 {p95}");
    let errors = metrics::instant_query(&client, &prom.url, ERRORS)
        .await
        .unwrap();
    assert!(
        matches!(errors, MetricValue::Ok(e) if (e - EXPECTED_ERROR_RATE).abs() < 1e-6),
        "{errors:?}"
    );

    // An unaggregated query is no data, said so; a broken one is an error.
    let many = metrics::instant_query(&client, &prom.url, "test_requests_total")
        .await
        .unwrap();
    assert!(
        matches!(&many, MetricValue::NoData(r) if r.contains("2 series")),
        "{many:?}"
    );
    let err = metrics::instant_query(&client, &prom.url, "sum(")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refused the query"), "{err}");

    // The backfill range query, once a few seconds of history exist.
    let points = loop {
        let now = Utc::now();
        let points = metrics::range_query(
            &client,
            &prom.url,
            P95,
            now - chrono::Duration::seconds(30),
            now,
            Duration::from_secs(1),
        )
        .await
        .unwrap();
        if points.len() >= 3 {
            break points;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} points of history in time",
            points.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(
        points.iter().all(|(_, v)| (v - EXPECTED_P95).abs() < 1e-6),
        "{points:?}"
    );

    // And the scraper task with a PromQL source, into the pure state.
    let source = MetricsSource {
        track: "canary".into(),
        kind: MetricsKind::PromQl {
            url: prom.url.clone(),
            latency_p50: None,
            latency_p95: Some(P95.into()),
            latency_p99: None,
            error_rate: Some(ERRORS.into()),
            request_rate: Some("sum(rate(test_requests_total[5s]))".into()),
        },
        window: Duration::from_secs(5),
    };
    let prof = profile(vec![source.clone()], Duration::from_millis(500));
    let mut state = MetricsState::new(&prof);
    let (tx, mut rx) = mpsc::channel(8);
    let task = tokio::spawn(metrics::run_source(
        source,
        Duration::from_millis(500),
        Duration::from_secs(2),
        Some(Duration::from_secs(60)),
        tx,
    ));
    // First the backfill, then live answers.
    let first = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .unwrap()
        .unwrap();
    state.apply(first);
    let backfilled = state.series("canary", MetricKind::LatencyP95).len();
    assert!(backfilled >= 2, "backfill gave {backfilled} points");
    let report = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .unwrap()
        .unwrap();
    let at = report.at;
    state.apply(report);
    let v = state.value("canary", MetricKind::LatencyP95, at);
    assert!(
        matches!(v, MetricValue::Ok(p) if (p - EXPECTED_P95).abs() < 1e-6),
        "{v:?}"
    );
    let e = state.value("canary", MetricKind::ErrorRate, at);
    assert!(
        matches!(e, MetricValue::Ok(r) if (r - EXPECTED_ERROR_RATE).abs() < 1e-6),
        "{e:?}"
    );
    assert!(
        matches!(state.value("canary", MetricKind::RequestRate, at), MetricValue::Ok(r) if r > 0.0)
    );
    assert!(state.series("canary", MetricKind::LatencyP95).len() > backfilled);
    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the scraper did not stop")
        .unwrap();
}

/// A target that has served only 200s: its request counter has a
/// `code="200"` series and no 5xx series at all, as `prometheus_client`
/// exposes a healthy service.
async fn start_healthy_target() -> std::net::SocketAddr {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let scrapes = Arc::new(AtomicU64::new(0));
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let n = scrapes.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4",
                    )],
                    format!(
                        "# TYPE healthy_requests_total counter\n\
                         healthy_requests_total{{route=\"/api\",code=\"200\"}} {}\n",
                        50 * n
                    ),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_that_never_served_a_5xx_has_a_zero_error_rate_not_no_data() {
    let Some(binary) = prometheus_binary() else {
        eprintln!(
            "skipped: no prometheus binary (apt-get install prometheus, or set GOLIVE_PROMETHEUS)"
        );
        return;
    };
    let target = start_healthy_target().await;
    let prom = start_prometheus(&binary, target);
    let client = metrics::client(Duration::from_secs(2)).unwrap();
    // The query users wrote before docs/promql.md added `or vector(0)`.
    let errors = "sum(rate(healthy_requests_total{code=~\"5..\"}[5s])) \
                  / sum(rate(healthy_requests_total[5s]))";
    let requests = "sum(rate(healthy_requests_total[5s]))";
    let source = MetricsSource {
        track: "canary".into(),
        kind: MetricsKind::PromQl {
            url: prom.url.clone(),
            latency_p50: None,
            latency_p95: None,
            latency_p99: None,
            error_rate: Some(errors.into()),
            request_rate: Some(requests.into()),
        },
        window: Duration::from_secs(5),
    };

    // Wait (bounded) until Prometheus has two scrapes, so rate() answers.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(MetricValue::Ok(_)) = metrics::instant_query(&client, &prom.url, requests).await {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Prometheus never answered the requests query"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // The numerator alone really is empty: this is the case being fixed.
    let numerator = "sum(rate(healthy_requests_total{code=~\"5..\"}[5s]))";
    let empty = metrics::instant_query(&client, &prom.url, numerator)
        .await
        .unwrap();
    assert!(matches!(empty, MetricValue::NoData(_)), "{empty:?}");
    // docs/promql.md's query answers 0 by itself.
    let documented = "(sum(rate(healthy_requests_total{code=~\"5..\"}[5s])) or vector(0)) \
                      / sum(rate(healthy_requests_total[5s]))";
    let doc_value = metrics::instant_query(&client, &prom.url, documented)
        .await
        .unwrap();
    assert_eq!(doc_value, MetricValue::Ok(0.0));

    // golive reads the old query as 0, and says why in the evidence.
    let report = metrics::poll_once(&client, &source).await;
    let prof = profile(vec![source.clone()], Duration::from_millis(500));
    let mut state = MetricsState::new(&prof);
    let at = report.at;
    state.apply(report);
    assert_eq!(
        state.value("canary", MetricKind::ErrorRate, at),
        MetricValue::Ok(0.0)
    );
    let check = golive::profile::MetricCheck {
        metric: MetricKind::ErrorRate,
        track: "canary".into(),
        condition: Some(
            golive::profile::threshold::parse_threshold("< 0.05", MetricKind::ErrorRate).unwrap(),
        ),
        vs_baseline: None,
        hold: None,
    };
    let eval = state.evaluate_check(&check, at);
    assert_eq!(
        eval.status,
        golive::engine::metrics::CheckStatus::Pass,
        "{}",
        eval.detail
    );
    assert!(
        eval.detail
            .contains("no error series yet (requests present): 0"),
        "{}",
        eval.detail
    );
}
