//! The poller against real loopback servers: every replica of every
//! endpoint is probed and reported with its index, `poll_now` re-probes at
//! once, the replicas' versions are compared, and dropping the receiver
//! stops every task.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use golive::engine::health::HealthState;
use golive::engine::probe::{Observation, ProbeReport};
use golive::engine::replicas::summarise;
use golive::io::poller::{Poller, PollerConfig};
use golive::io::probe::Prober;
use golive::profile::{Endpoint, HealthFormat, Settings};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

async fn replica(version: &'static str) -> SocketAddr {
    let router = Router::new().route(
        "/health",
        get(move || async move {
            axum::Json(serde_json::json!({"status": "healthy", "version": version}))
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

fn endpoint(id: &str, urls: Vec<String>) -> Endpoint {
    Endpoint {
        id: id.into(),
        urls,
        format: HealthFormat::Auto,
        track: None,
        method: "GET".into(),
        headers: Vec::new(),
        body: None,
        timeout: Duration::from_secs(2),
        warmup_timeout: Duration::from_secs(120),
    }
}

async fn next(rx: &mut mpsc::Receiver<ProbeReport>, within: Duration) -> ProbeReport {
    tokio::time::timeout(within, rx.recv())
        .await
        .expect("no report in time")
        .expect("poller stopped")
}

#[tokio::test]
async fn every_replica_is_polled_and_a_mixed_rollout_is_flagged() {
    let a = replica("v1.2.0").await;
    let b = replica("v1.1.0").await;
    let urls = vec![format!("http://{a}/health"), format!("http://{b}/health")];
    let prober = Prober::new(&Settings::default()).unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let config = PollerConfig {
        interval: Duration::from_millis(200),
        concurrency: 4,
        wave: 32,
    };
    let poller = Poller::spawn(prober, &[endpoint("health", urls.clone())], &config, tx);

    // Two rounds from each replica, each report naming its replica.
    let mut latest: Vec<Option<Observation>> = vec![None, None];
    let mut counts = [0usize; 2];
    while counts.iter().any(|&c| c < 2) {
        let report = next(&mut rx, Duration::from_secs(5)).await;
        assert_eq!(report.endpoint, "health");
        assert_eq!(report.url, urls[report.replica]);
        assert_eq!(report.observation.health.state, HealthState::Up);
        counts[report.replica] += 1;
        latest[report.replica] = Some(report.observation);
    }
    let refs: Vec<Option<&Observation>> = latest.iter().map(Option::as_ref).collect();
    let summary = summarise(&urls, &refs);
    assert_eq!(summary.overall, HealthState::Up);
    assert_eq!(
        summary.mixed_versions,
        Some(vec!["v1.1.0".to_string(), "v1.2.0".to_string()])
    );

    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), poller.finished())
        .await
        .expect("poller tasks did not stop after the receiver was dropped");
}

#[tokio::test]
async fn poll_now_probes_without_waiting_for_the_interval() {
    let a = replica("v2").await;
    let b = replica("v2").await;
    let prober = Prober::new(&Settings::default()).unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    // With an hour's interval and waves of one replica, only the first
    // wave probes on its own; the second is spread half an hour later.
    let config = PollerConfig {
        interval: Duration::from_secs(3600),
        concurrency: 4,
        wave: 1,
    };
    let endpoints = [
        endpoint("first", vec![format!("http://{a}/health")]),
        endpoint("second", vec![format!("http://{b}/health")]),
    ];
    let poller = Poller::spawn(prober, &endpoints, &config, tx);
    let first = next(&mut rx, Duration::from_secs(5)).await;
    assert_eq!(first.endpoint, "first");
    assert!(
        tokio::time::timeout(Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "the second endpoint was probed before its slot"
    );

    assert!(!poller.poll_now("nope"));
    let asked = Instant::now();
    assert!(poller.poll_now("second"));
    let report = next(&mut rx, Duration::from_secs(5)).await;
    assert_eq!(report.endpoint, "second");
    assert!(asked.elapsed() < Duration::from_secs(5));

    // And again for the first, whose next tick is an hour away.
    assert!(poller.poll_now("first"));
    assert_eq!(
        next(&mut rx, Duration::from_secs(5)).await.endpoint,
        "first"
    );
}

#[tokio::test]
async fn a_down_replica_makes_the_endpoint_down() {
    let a = replica("v2").await;
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let urls = vec![
        format!("http://{a}/health"),
        format!("http://127.0.0.1:{refused}/health"),
    ];
    let prober = Prober::new(&Settings::default()).unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let config = PollerConfig {
        interval: Duration::from_millis(100),
        concurrency: 1,
        wave: 32,
    };
    let _poller = Poller::spawn(prober, &[endpoint("health", urls.clone())], &config, tx);
    let mut latest: Vec<Option<Observation>> = vec![None, None];
    while latest.iter().any(Option::is_none) {
        let report = next(&mut rx, Duration::from_secs(5)).await;
        latest[report.replica] = Some(report.observation);
    }
    let refs: Vec<Option<&Observation>> = latest.iter().map(Option::as_ref).collect();
    let summary = summarise(&urls, &refs);
    assert_eq!(summary.overall, HealthState::Down);
    assert_eq!(
        summary.replicas[1].reason.as_deref(),
        Some("connection refused")
    );
    assert!(!summary.all_up());
}

/// A replica that answers every request on a connection (HTTP/1.1
/// keep-alive) and counts the connections it accepted.
async fn counting_replica() -> (SocketAddr, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let body = r#"{"status":"ok"}"#;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n) = conn.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        seen.drain(..end + 4);
                        if conn.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (addr, accepted)
}

/// Idle cost: each replica keeps one connection open across polls instead
/// of a TCP (and, for https, TLS) handshake per probe.
#[tokio::test]
async fn each_replica_reuses_one_connection_across_polls() {
    use std::sync::atomic::Ordering;
    let (a, a_conns) = counting_replica().await;
    let (b, b_conns) = counting_replica().await;
    let urls = vec![format!("http://{a}/health"), format!("http://{b}/health")];
    let prober = Prober::new(&Settings::default()).unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let config = PollerConfig {
        interval: Duration::from_millis(50),
        concurrency: 4,
        wave: 32,
    };
    let poller = Poller::spawn(prober, &[endpoint("health", urls)], &config, tx);
    let mut counts = [0usize; 2];
    while counts.iter().any(|&c| c < 5) {
        let report = next(&mut rx, Duration::from_secs(5)).await;
        assert_eq!(report.observation.health.state, HealthState::Up);
        counts[report.replica] += 1;
    }
    drop(rx);
    poller.finished().await;
    assert_eq!(a_conns.load(Ordering::SeqCst), 1, "replica a");
    assert_eq!(b_conns.load(Ordering::SeqCst), 1, "replica b");
}
