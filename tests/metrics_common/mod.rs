//! Shared pieces of the metrics tests: a real HTTP server on loopback that
//! serves a histogram changing on every scrape, and profiles built in Rust.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use golive::profile::{MetricsKind, MetricsSource, Profile, Redactor, Service, Settings};

/// Each scrape adds 100 requests: 90 under 0.1 s, 10 in (0.1 s, 0.5 s];
/// 98 answered 200 and 2 answered 500. So over any window the p95 is
/// 0.1 + 0.4 * (95 - 90) / 10 = 0.3 s and the error rate 0.02.
pub const EXPECTED_P95: f64 = 0.3;
pub const EXPECTED_ERROR_RATE: f64 = 0.02;

pub struct Server {
    pub addr: SocketAddr,
    pub scrapes: Arc<AtomicU64>,
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

pub fn exposition(n: u64) -> String {
    format!(
        "# HELP test_duration_seconds Request latency.\n\
         # TYPE test_duration_seconds histogram\n\
         test_duration_seconds_bucket{{route=\"/api\",le=\"0.1\"}} {}\n\
         test_duration_seconds_bucket{{route=\"/api\",le=\"0.5\"}} {}\n\
         test_duration_seconds_bucket{{route=\"/api\",le=\"1\"}} {}\n\
         test_duration_seconds_bucket{{route=\"/api\",le=\"+Inf\"}} {}\n\
         test_duration_seconds_sum{{route=\"/api\"}} {}\n\
         test_duration_seconds_count{{route=\"/api\"}} {}\n\
         # TYPE test_requests_total counter\n\
         test_requests_total{{route=\"/api\",code=\"200\"}} {}\n\
         test_requests_total{{route=\"/api\",code=\"500\"}} {}\n",
        90 * n,
        100 * n,
        100 * n,
        100 * n,
        7.5 * n as f64,
        100 * n,
        98 * n,
        2 * n
    )
}

/// Starts the server on 127.0.0.1, port 0.
pub async fn start_server() -> Server {
    let scrapes = Arc::new(AtomicU64::new(0));
    let counter = scrapes.clone();
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let counter = counter.clone();
            async move {
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4",
                    )],
                    exposition(n),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        addr,
        scrapes,
        handle,
    }
}

pub fn scrape_source(track: &str, url: &str, window: Duration) -> MetricsSource {
    MetricsSource {
        track: track.into(),
        kind: MetricsKind::Scrape {
            url: url.into(),
            latency_histogram: Some("test_duration_seconds".into()),
            requests_counter: Some("test_requests_total".into()),
            status_label: None,
            selector: BTreeMap::new(),
        },
        window,
    }
}

pub fn profile(metrics: Vec<MetricsSource>, poll: Duration) -> Profile {
    Profile {
        path: PathBuf::from("/tmp/golive-metrics-test.toml"),
        service: Service {
            name: "test-service".into(),
            version: "v2".into(),
            previous: Some("v1".into()),
        },
        settings: Settings {
            poll_interval: poll,
            timeout: Duration::from_secs(2),
            ..Settings::default()
        },
        endpoints: Vec::new(),
        metrics,
        baseline: None,
        logs: Vec::new(),
        phases: Vec::new(),
        gates: Vec::new(),
        actions: BTreeMap::new(),
        notify: Default::default(),
        redactor: Redactor::default(),
        unresolved: Vec::new(),
        warnings: Vec::new(),
    }
}
