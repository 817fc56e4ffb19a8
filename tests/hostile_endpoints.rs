//! The prober against endpoints that misbehave, each a real server on
//! 127.0.0.1 started by the test (axum, or a raw TCP listener for the ones
//! no framework would produce). Every case asserts the verdict, the one-line
//! reason, and that the probe ended within its timeout plus a margin.
//! Environment-driven behaviour (`HTTP_PROXY`, `NO_PROXY`, `SSL_CERT_FILE`)
//! runs in a child process — this test binary re-run on one ignored test —
//! because changing the environment of a multi-threaded test is unsound.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use golive::engine::health::HealthState;
use golive::engine::probe::Observation;
use golive::io::probe::{Prober, ProberOptions};
use golive::profile::{Endpoint, HealthFormat, RequestBody, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Slack on top of an endpoint's timeout for a loaded CI machine.
const MARGIN: Duration = Duration::from_millis(1500);

fn endpoint(url: &str, format: HealthFormat, timeout: Duration) -> Endpoint {
    Endpoint {
        id: "ep".into(),
        urls: vec![url.into()],
        format,
        track: None,
        method: "GET".into(),
        headers: Vec::new(),
        body: None,
        timeout,
        warmup_timeout: Duration::from_secs(120),
    }
}

fn prober() -> Prober {
    Prober::new(&Settings::default()).unwrap()
}

/// Probes once and checks the call ended within the endpoint's timeout
/// plus the margin.
async fn probe_timed(ep: &Endpoint) -> Observation {
    let started = Instant::now();
    let obs = prober().probe(ep, &ep.urls[0], 1).await;
    let took = started.elapsed();
    assert!(
        took <= ep.timeout + MARGIN,
        "probe took {took:?}, timeout {:?}",
        ep.timeout
    );
    obs
}

fn reason(obs: &Observation) -> &str {
    obs.health.reason.as_deref().unwrap_or("")
}

fn printable(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() && c != '\n')
}

async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// A raw server: each connection is handed to `handle` after its request
/// head has been read.
async fn raw<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = Arc::new(handle);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let handle = handle.clone();
            tokio::spawn(async move {
                read_head(&mut stream).await;
                handle(stream).await;
            });
        }
    });
    addr
}

async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[tokio::test]
async fn slow_headers_end_at_the_deadline() {
    let addr = raw(|stream| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(stream);
    })
    .await;
    let ep = endpoint(
        &format!("http://{addr}/health"),
        HealthFormat::Auto,
        Duration::from_secs(1),
    );
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.health.state, HealthState::Down);
    assert_eq!(reason(&obs), "timed out after 1s (no response headers)");
    assert_eq!(obs.status, None);
    assert_eq!(obs.error.as_deref(), Some(reason(&obs)));
}

#[tokio::test]
async fn a_dripping_body_ends_at_the_total_deadline() {
    let addr = raw(|mut stream| async move {
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for _ in 0..100 {
            if stream.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    let ep = endpoint(
        &format!("http://{addr}/status/warmup"),
        HealthFormat::Warmup,
        Duration::from_secs(2),
    );
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.health.state, HealthState::Down);
    assert_eq!(obs.status, Some(200));
    let r = reason(&obs);
    assert!(
        r.starts_with("timed out after 2s (HTTP 200, body incomplete after "),
        "{r}"
    );
    let bytes: usize = r
        .trim_start_matches("timed out after 2s (HTTP 200, body incomplete after ")
        .trim_end_matches(" bytes)")
        .parse()
        .unwrap();
    assert!((1..=4).contains(&bytes), "{r}");
}

#[tokio::test]
async fn a_50_mb_body_is_capped_and_says_so() {
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let addr = raw(move |mut stream| {
        let counter = counter.clone();
        async move {
            let total: u64 = 50 * 1024 * 1024;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {total}\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b'a'; 64 * 1024];
            let mut written = 0u64;
            while written < total {
                match stream.write(&chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        written += n as u64;
                        counter.fetch_add(n as u64, Ordering::Relaxed);
                    }
                }
            }
        }
    })
    .await;
    let ep = endpoint(
        &format!("http://{addr}/big"),
        HealthFormat::Plain,
        Duration::from_secs(10),
    );
    let obs = probe_timed(&ep).await;
    assert!(obs.truncated);
    assert_eq!(obs.status, Some(200));
    assert_eq!(obs.health.state, HealthState::Degraded);
    assert_eq!(reason(&obs), "body larger than 1 MiB, read the first 1 MiB");
    assert_eq!(obs.body_text.len(), 1024 * 1024);
    // The probe stopped reading: the server could not push the whole 50 MB
    // (what it did send beyond 1 MiB sits in socket buffers).
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut last = sent.load(Ordering::Relaxed);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = sent.load(Ordering::Relaxed);
        if now == last {
            break;
        }
        last = now;
    }
    assert!(last < 20 * 1024 * 1024, "server pushed {last} bytes");
}

#[tokio::test]
async fn truncated_json_is_down_with_the_parse_error() {
    let router = Router::new().route(
        "/api/v1/healthz",
        get(|| async {
            (
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"status": "healthy", "checks": {"database": {"#,
            )
        }),
    );
    let addr = serve(router).await;
    for format in [HealthFormat::Healthz, HealthFormat::Auto] {
        let ep = endpoint(
            &format!("http://{addr}/api/v1/healthz"),
            format,
            Duration::from_secs(2),
        );
        let obs = probe_timed(&ep).await;
        assert_eq!(obs.health.state, HealthState::Down, "{format:?}");
        assert_eq!(
            reason(&obs),
            "body is not valid JSON: EOF at line 1 column 46",
            "{format:?}"
        );
        assert!(obs.json.is_none());
    }
}

#[tokio::test]
async fn a_connection_closed_mid_body_says_how_much_arrived() {
    let addr = raw(|mut stream| async move {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"status\":")
            .await;
    })
    .await;
    let ep = endpoint(
        &format!("http://{addr}/health"),
        HealthFormat::Auto,
        Duration::from_secs(2),
    );
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.health.state, HealthState::Down);
    assert!(
        reason(&obs).starts_with("HTTP 200, body cut off after 10 bytes"),
        "{}",
        reason(&obs)
    );
}

#[tokio::test]
async fn an_html_502_from_a_proxy() {
    let router = Router::new().route(
        "/health",
        get(|| async {
            (
                StatusCode::BAD_GATEWAY,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>",
            )
        }),
    );
    let addr = serve(router).await;
    let ep = endpoint(
        &format!("http://{addr}/health"),
        HealthFormat::Healthz,
        Duration::from_secs(2),
    );
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.health.state, HealthState::Down);
    assert_eq!(obs.status, Some(502));
    assert_eq!(reason(&obs), "HTTP 502 (text/html, proxy error page)");
}

#[tokio::test]
async fn binary_and_invalid_utf8_bodies_are_sanitised() {
    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let router = Router::new()
        .route(
            "/bin",
            get(move || {
                let b = binary.clone();
                async move { ([(header::CONTENT_TYPE, "application/octet-stream")], b) }
            }),
        )
        .route(
            "/bad-utf8",
            get(|| async { b"{\"status\":\"ok\",\"note\":\"\xff\xfe\"} \xc3\x28".to_vec() }),
        );
    let addr = serve(router).await;
    let ep = endpoint(
        &format!("http://{addr}/bin"),
        HealthFormat::Auto,
        Duration::from_secs(2),
    );
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.health.state, HealthState::Up, "{:?}", obs.health);
    assert!(printable(&obs.body_text));
    assert!(obs.body_text.contains('\u{fffd}'));

    let ep = endpoint(
        &format!("http://{addr}/bad-utf8"),
        HealthFormat::Healthz,
        Duration::from_secs(2),
    );
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.health.state, HealthState::Down);
    assert!(
        reason(&obs).starts_with("body is not valid JSON: "),
        "{}",
        reason(&obs)
    );
    assert!(printable(reason(&obs)));
    assert!(obs.body_text.contains('\u{fffd}'));
}

#[tokio::test]
async fn escape_sequences_never_reach_the_text() {
    let router = Router::new()
        .route(
            "/plain",
            get(|| async {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "\u{1b}[2J\u{1b}]0;owned\u{7}\u{1b}[31mdown for maintenance\u{9b}1m",
                )
            }),
        )
        .route(
            "/healthz",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"status":"unhealthy","checks":{"db":{"status":"error","error":"\u001b[2J\u001b]0;x\u0007refused"}}}"#,
                )
            }),
        );
    let addr = serve(router).await;
    let ep = endpoint(
        &format!("http://{addr}/plain"),
        HealthFormat::Auto,
        Duration::from_secs(2),
    );
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.body_text, "down for maintenance");
    assert_eq!(reason(&obs), "HTTP 503 (text/plain)");
    let ep = endpoint(
        &format!("http://{addr}/healthz"),
        HealthFormat::Auto,
        Duration::from_secs(2),
    );
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.health.state, HealthState::Down);
    assert_eq!(reason(&obs), "db down (refused)");
    assert!(printable(&obs.body_text));
    assert!(!obs.body_text.contains('\u{1b}'));
}

#[tokio::test]
async fn connection_refused() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let ep = endpoint(
        &format!("http://127.0.0.1:{port}/health"),
        HealthFormat::Auto,
        Duration::from_secs(2),
    );
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.health.state, HealthState::Down);
    assert_eq!(reason(&obs), "connection refused");
    assert!(!obs.connected);
}

#[tokio::test]
async fn dns_failure_names_the_host() {
    let ep = endpoint(
        "http://golive-probe-test.invalid/health",
        HealthFormat::Auto,
        Duration::from_secs(3),
    );
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.health.state, HealthState::Down);
    assert_eq!(
        reason(&obs),
        "DNS lookup failed for host golive-probe-test.invalid"
    );
}

/// A CA, and a server certificate for 127.0.0.1 signed by it; returns the
/// address of an HTTPS server answering `{"status":"ok"}` and the CA's PEM.
async fn tls_server() -> (SocketAddr, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let body = r#"{"status":"ok"}"#;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (addr, ca_cert.pem())
}

#[tokio::test]
async fn tls_untrusted_then_trusted_through_the_ca_option() {
    let (addr, ca_pem) = tls_server().await;
    let ep = endpoint(
        &format!("https://{addr}/health"),
        HealthFormat::Auto,
        Duration::from_secs(3),
    );
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.health.state, HealthState::Down);
    assert_eq!(reason(&obs), "TLS: certificate not trusted");
    assert!(!obs.connected);

    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let prober = Prober::with_options(
        &Settings::default(),
        &ProberOptions {
            ca_file: Some(ca_file),
        },
    )
    .unwrap();
    let obs = prober.probe(&ep, &ep.urls[0], 1).await;
    assert_eq!(obs.health.state, HealthState::Up, "{:?}", obs.health);
    assert_eq!(obs.status, Some(200));
}

#[test]
fn a_ca_file_without_certificates_is_refused_at_construction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.pem");
    std::fs::write(&path, "not a certificate\n").unwrap();
    let err = Prober::with_options(
        &Settings::default(),
        &ProberOptions {
            ca_file: Some(path),
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("no usable certificate"), "{err}");
    let err = Prober::with_options(
        &Settings::default(),
        &ProberOptions {
            ca_file: Some(dir.path().join("missing.pem")),
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("cannot read the CA file"),
        "{err}"
    );
}

// ---- the environment, through a child process ----

const CHILD_URL: &str = "GOLIVE_TEST_CHILD_URL";
const CHILD_MARK: &str = "GOLIVE_CHILD_OBSERVATION ";

/// Run only as a child of the tests below: probes `$GOLIVE_TEST_CHILD_URL`
/// with a prober built from the environment it was given.
#[tokio::test]
#[ignore = "run in a child process by the environment tests"]
async fn child_probe() {
    let url = std::env::var(CHILD_URL).unwrap();
    let ep = endpoint(&url, HealthFormat::Auto, Duration::from_secs(3));
    let obs = prober().probe(&ep, &url, 1).await;
    println!("{CHILD_MARK}{}", serde_json::to_string(&obs).unwrap());
}

/// Runs `child_probe` in a fresh process with a clean proxy and CA
/// environment plus `env`.
fn probe_in_child(url: &str, env: &[(&str, &str)]) -> Observation {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_probe", "--ignored", "--nocapture"]);
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "SSL_CERT_FILE",
        "REQUEST_METHOD",
    ] {
        cmd.env_remove(var);
    }
    cmd.env(CHILD_URL, url);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(CHILD_MARK))
        .unwrap_or_else(|| {
            panic!(
                "child printed no observation: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    serde_json::from_str(line).unwrap()
}

/// A loopback forward proxy: answers every request itself and records the
/// request line, which for a proxied request carries the absolute URL.
async fn proxy() -> (SocketAddr, Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let head = read_head(&mut stream).await;
                log.lock()
                    .unwrap()
                    .push(head.lines().next().unwrap_or("").to_string());
                let body = r#"{"status":"ok","version":"via-proxy"}"#;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(resp.as_bytes()).await;
            });
        }
    });
    (addr, seen)
}

#[tokio::test]
async fn http_proxy_and_no_proxy_from_the_environment() {
    let (proxy_addr, seen) = proxy().await;
    // The target itself refuses connections: only the proxy can answer.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let target = format!("http://127.0.0.1:{port}/health");
    let proxy_url = format!("http://{proxy_addr}");

    let obs = tokio::task::spawn_blocking({
        let (target, proxy_url) = (target.clone(), proxy_url.clone());
        move || probe_in_child(&target, &[("HTTP_PROXY", &proxy_url)])
    })
    .await
    .unwrap();
    assert_eq!(obs.health.state, HealthState::Up, "{:?}", obs.health);
    assert_eq!(obs.health.version.as_deref(), Some("via-proxy"));
    assert_eq!(
        seen.lock().unwrap().clone(),
        vec![format!("GET {target} HTTP/1.1")]
    );

    let obs = tokio::task::spawn_blocking({
        let (target, proxy_url) = (target.clone(), proxy_url.clone());
        move || {
            probe_in_child(
                &target,
                &[("HTTP_PROXY", &proxy_url), ("NO_PROXY", "127.0.0.1")],
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(reason(&obs), "connection refused");
    assert_eq!(seen.lock().unwrap().len(), 1, "NO_PROXY was not honoured");
}

#[tokio::test]
async fn ssl_cert_file_from_the_environment() {
    let (addr, ca_pem) = tls_server().await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let url = format!("https://{addr}/health");
    let obs = tokio::task::spawn_blocking({
        let url = url.clone();
        move || probe_in_child(&url, &[])
    })
    .await
    .unwrap();
    assert_eq!(reason(&obs), "TLS: certificate not trusted");
    let obs = tokio::task::spawn_blocking(move || {
        probe_in_child(&url, &[("SSL_CERT_FILE", ca_file.to_str().unwrap())])
    })
    .await
    .unwrap();
    assert_eq!(obs.health.state, HealthState::Up, "{:?}", obs.health);
}

// ---- smoke requests ----

#[tokio::test]
async fn post_with_json_body_and_authorization_reaches_the_server() {
    let router = Router::new().route(
        "/api/ai/validate",
        post(
            |headers: HeaderMap, axum::Json(body): axum::Json<serde_json::Value>| async move {
                let auth = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if auth != "Bearer default_ai_api_key" {
                    return (StatusCode::UNAUTHORIZED, "no").into_response();
                }
                axum::Json(serde_json::json!({"status": "ok", "received": body})).into_response()
            },
        ),
    );
    let addr = serve(router).await;
    let mut ep = endpoint(
        &format!("http://{addr}/api/ai/validate"),
        HealthFormat::Plain,
        Duration::from_secs(2),
    );
    ep.method = "POST".into();
    ep.headers = vec![("Authorization".into(), "Bearer default_ai_api_key".into())];
    let payload = serde_json::json!({"dte_data": {"tipo_dte": "33"}, "company_id": 1});
    ep.body = Some(RequestBody::Json(payload.clone()));
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.status, Some(200), "{:?}", obs.health);
    assert_eq!(obs.json.as_ref().unwrap()["received"], payload);

    ep.headers.clear();
    let obs = probe_timed(&ep).await;
    assert_eq!(obs.status, Some(401));
    assert_eq!(reason(&obs), "HTTP 401 (text/plain, unauthorized)");
}

#[tokio::test]
async fn twenty_five_requests_against_a_rate_limit_count_five_429s() {
    let hits = Arc::new(AtomicUsize::new(0));
    let router = Router::new().route(
        "/api/ai/validate",
        post(move |_body: String| {
            let hits = hits.clone();
            async move {
                if hits.fetch_add(1, Ordering::SeqCst) < 20 {
                    (StatusCode::OK, r#"{"status":"ok"}"#)
                } else {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        r#"{"detail":"rate limited"}"#,
                    )
                }
            }
        }),
    );
    let addr = serve(router).await;
    let mut ep = endpoint(
        &format!("http://{addr}/api/ai/validate"),
        HealthFormat::Plain,
        Duration::from_secs(2),
    );
    ep.method = "POST".into();
    ep.body = Some(RequestBody::Text("{}".into()));
    let obs = prober().probe(&ep, &ep.urls[0], 25).await;
    assert_eq!(obs.status_counts, BTreeMap::from([(200, 20), (429, 5)]));
    assert_eq!(obs.response_times.len(), 25);
    assert_eq!(obs.status, Some(429));
    assert_eq!(reason(&obs), "HTTP 429 (text/plain, rate limited)");
}

#[tokio::test]
async fn a_cached_second_request_shows_in_response_times() {
    let seen = Arc::new(AtomicUsize::new(0));
    let router = Router::new().route(
        "/api/ai/validate",
        post(move |_body: String| {
            let seen = seen.clone();
            async move {
                // A cache miss costs a (simulated) model call; a hit does not.
                if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                }
                r#"{"status":"ok"}"#
            }
        }),
    );
    let addr = serve(router).await;
    let mut ep = endpoint(
        &format!("http://{addr}/api/ai/validate"),
        HealthFormat::Plain,
        Duration::from_secs(3),
    );
    ep.method = "POST".into();
    let obs = prober().probe(&ep, &ep.urls[0], 2).await;
    let (first, last) = (obs.response_times[0], obs.response_times[1]);
    assert!(first >= Duration::from_millis(400), "{first:?}");
    assert!(last < first, "first {first:?}, last {last:?}");
    assert_eq!(obs.response_time, last);
}
