//! The seed profiles, proven rather than parsed: each one's automated items
//! run through the headless `check` engine against a loopback stand-in of
//! its service that serves the guide's own paths and bodies. Base URLs reach
//! the profiles through the injected environment lookup, exactly as
//! `${AI_SERVICE_URL:-...}` would take them from the real environment. Each
//! seed also gets a broken stand-in, so the items are shown able to fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use golive::commands::check::{CheckOptions, run_checks};
use golive::engine::checklist::ItemStatus;
use golive::profile::{self, Check, Profile};
use serde_json::{Value, json};

/// Serves `router` on 127.0.0.1, port 0; the server ends with the test's runtime.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

fn json_route(body: Value) -> axum::routing::MethodRouter {
    get(move || {
        let body = body.clone();
        async move { Json(body) }
    })
}

/// Loads `profiles/NAME.toml` with `env` standing in for the environment,
/// and runs command checks in `cwd`, the way CI runs them in a checkout.
fn load(name: &str, env: HashMap<&'static str, String>, cwd: Option<&Path>) -> Profile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("profiles")
        .join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let lookup = move |var: &str| env.get(var).cloned();
    let mut p = profile::load_with(&path, &text, &lookup).unwrap();
    assert!(p.unresolved.is_empty(), "{:?}", p.unresolved);
    if let Some(cwd) = cwd {
        for phase in &mut p.phases {
            for item in &mut phase.items {
                if let Some(Check::Command(c)) = &mut item.check {
                    c.cwd.get_or_insert_with(|| PathBuf::from(cwd));
                }
            }
        }
    }
    p
}

/// Item id to (status, detail) for one phase, run once, headless.
async fn run_phase(p: Profile, phase: &str) -> HashMap<String, (ItemStatus, String)> {
    let options = CheckOptions {
        // Long enough for a probe, short enough that `hold = "1m"` items
        // (not asserted here) give up quickly.
        timeout: Duration::from_secs(3),
        operator: "seed-test".into(),
        journal: None,
    };
    let reports = run_checks(Arc::new(p), Some(phase), options, |_| {})
        .await
        .unwrap();
    reports
        .into_iter()
        .map(|r| (r.id, (r.status, r.detail)))
        .collect()
}

fn assert_status(results: &HashMap<String, (ItemStatus, String)>, ids: &[&str], want: ItemStatus) {
    for id in ids {
        let (status, detail) = results
            .get(*id)
            .unwrap_or_else(|| panic!("no result for {id}: {results:?}"));
        assert_eq!(*status, want, "{id}: {detail}");
    }
}

// ----- 000: core warm-up ---------------------------------------------------

fn warmup_body(ready: bool, errors: &[&str]) -> Value {
    json!({
        "ready": ready,
        "duration_sec": 12.5,
        "checks": {
            "fast": ready, "http_client": true, "http_health": true,
            "tesseract": true, "ghostscript": true, "poppler": true
        },
        "latency_ms": 120.0,
        "errors": errors,
        "warnings": []
    })
}

async fn warmup_replica(ready: bool, errors: &[&str]) -> String {
    serve(
        Router::new()
            .route("/status/warmup", json_route(warmup_body(ready, errors)))
            .route("/health", json_route(json!({"status": "ok"}))),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_warmup_pre_launch_and_canary_items_against_a_stand_in() {
    let pod1 = warmup_replica(true, &[]).await;
    let pod2 = warmup_replica(true, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let assets = dir.path().join("app/shared/assets/warmup");
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::write(assets.join("warmup_es_min.pdf"), b"%PDF-1.4").unwrap();
    let env = HashMap::from([
        ("WARMUP_URL_1", format!("{pod1}/status/warmup")),
        ("WARMUP_URL_2", format!("{pod2}/status/warmup")),
        ("WARMUP_HTTP_HEALTH_URL", format!("{pod1}/health")),
    ]);
    let t30 = run_phase(load("core-warmup", env.clone(), Some(dir.path())), "t-30").await;
    assert_status(&t30, &["asset", "health-url"], ItemStatus::Pass);
    assert_status(&t30, &["ci-green", "dashboards"], ItemStatus::Manual);
    let canary = run_phase(load("core-warmup", env.clone(), Some(dir.path())), "canary").await;
    assert_status(
        &canary,
        &["duration", "no-errors", "health-latency"],
        ItemStatus::Pass,
    );

    // Without the asset, and with one pod reporting a warm-up error.
    let empty = tempfile::tempdir().unwrap();
    let bad = warmup_replica(false, &["Asset de warm-up no encontrado"]).await;
    let mut env_bad = env;
    env_bad.insert("WARMUP_URL_2", format!("{bad}/status/warmup"));
    let t30 = run_phase(
        load("core-warmup", env_bad.clone(), Some(empty.path())),
        "t-30",
    )
    .await;
    assert_status(&t30, &["asset"], ItemStatus::Fail);
    let canary = run_phase(load("core-warmup", env_bad, None), "canary").await;
    assert_status(&canary, &["no-errors"], ItemStatus::Fail);
}

// ----- 001: ai-service -------------------------------------------------------

/// Rate limit of 20 requests on the plain validation body; the body with a
/// folio is cached: the first answer is slow, the next ones are not.
async fn ai_service(rate_limited: bool) -> String {
    let count = Arc::new(AtomicUsize::new(0));
    let cached = Arc::new(AtomicUsize::new(0));
    let validate = post(move |headers: HeaderMap, Json(body): Json<Value>| {
        let count = count.clone();
        let cached = cached.clone();
        async move {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
            if auth != Some("Bearer default_ai_api_key") {
                return (StatusCode::UNAUTHORIZED, Json(json!({"detail": "bad key"})));
            }
            if body["dte_data"]["folio"].is_string() {
                if cached.fetch_add(1, Ordering::SeqCst) == 0 {
                    // The cache miss goes to the LLM.
                    tokio::time::sleep(Duration::from_millis(400)).await;
                }
                return (StatusCode::OK, Json(json!({"valid": true})));
            }
            if body["dte_data"]["tipo_dte"] != "33" || body["company_id"] != 1 {
                return (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({})));
            }
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            if rate_limited && n > 20 {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(json!({"error": "rate_limit_exceeded"})),
                )
            } else {
                (StatusCode::OK, Json(json!({"valid": true})))
            }
        }
    });
    serve(
        Router::new()
            .route(
                "/health",
                json_route(json!({
                    "status": "healthy",
                    "service": "AI Microservice - DTE Intelligence",
                    "version": "1.0.0",
                    "anthropic_configured": true,
                    "openai_configured": false
                })),
            )
            .route("/api/ai/validate", validate),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ai_service_verification_items_against_a_stand_in() {
    let base = ai_service(true).await;
    let env = HashMap::from([("AI_SERVICE_URL", base)]);
    let verify = run_phase(load("ai-service", env, None), "verify").await;
    assert_status(
        &verify,
        &["health", "validate-route", "rate-limit", "cache"],
        ItemStatus::Pass,
    );
    assert_status(&verify, &["odoo"], ItemStatus::Manual);

    let unlimited = ai_service(false).await;
    let env = HashMap::from([("AI_SERVICE_URL", unlimited)]);
    let verify = run_phase(load("ai-service", env, None), "verify").await;
    assert_status(&verify, &["rate-limit"], ItemStatus::Fail);
    assert_status(&verify, &["health"], ItemStatus::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ai_service_key_from_the_environment_is_sent_and_masked() {
    let base = ai_service(true).await;
    let env = HashMap::from([
        ("AI_SERVICE_URL", base),
        ("AI_API_KEY", "not-the-right-key-123".to_string()),
    ]);
    let p = load("ai-service", env, None);
    let redactor = p.redactor.clone();
    let verify = run_phase(p, "verify").await;
    // The stand-in refuses the key: the route check sees 401 (not 404), so it
    // still passes, but the rate limit never shows up.
    assert_status(&verify, &["validate-route"], ItemStatus::Pass);
    assert_status(&verify, &["rate-limit"], ItemStatus::Fail);
    for (status, detail) in verify.values() {
        assert!(
            !detail.contains("not-the-right-key-123"),
            "{status:?} {detail}"
        );
    }
    assert!(redactor.redact("not-the-right-key-123").contains("••••"));
}

// ----- 002: documentos ---------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documentos_health_items_against_a_stand_in() {
    let ok = serve(Router::new().route(
        "/api/v1/health",
        json_route(json!({"status": "ok", "service": "documentos-service"})),
    ))
    .await;
    let env = HashMap::from([
        ("DOCUMENTOS_URL", ok.clone()),
        ("DOCUMENTOS_PUBLIC_URL", ok),
    ]);
    let deploy = run_phase(load("documentos", env, None), "deploy").await;
    assert_status(&deploy, &["health", "health-public"], ItemStatus::Pass);

    // Traefik with the circuit breaker open answers 503.
    let open = serve(Router::new().route(
        "/api/v1/health",
        get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable") }),
    ))
    .await;
    let env = HashMap::from([("DOCUMENTOS_PUBLIC_URL", open)]);
    let deploy = run_phase(load("documentos", env, None), "deploy").await;
    assert_status(&deploy, &["health-public"], ItemStatus::Fail);
}

// ----- 003: orquestador ----------------------------------------------------------

async fn orquestador(model_in_config: bool) -> String {
    let config = if model_in_config {
        json!({"openai_model": "gpt-4o-mini", "mcp_reserva_url": "http://localhost:8003/mcp"})
    } else {
        json!({"mcp_reserva_url": "http://localhost:8003/mcp"})
    };
    let chat = post(|Json(body): Json<Value>| async move {
        if body["message"].is_string() && body["config"]["id_empresa"].is_number() {
            (
                StatusCode::OK,
                Json(json!({"reply": "Hola", "session_id": body["session_id"]})),
            )
        } else {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"detail": "invalid"})),
            )
        }
    });
    serve(
        Router::new()
            .route("/health", json_route(json!({"status": "ok", "service": "orquestador"})))
            .route(
                "/",
                json_route(json!({"service": "orquestador", "version": "0.2.0", "endpoints": ["/health", "/config", "/metrics"]})),
            )
            .route("/config", json_route(config))
            .route(
                "/metrics",
                json_route(json!({"requests": 10, "latency_ms": {"p95": 120}, "circuit_breakers": {}})),
            )
            .route("/api/agent/chat", chat),
    )
    .await
}

/// The guide's own verify script, run by the `verify-script` item.
const VERIFY_SCRIPT: &str = r#"#!/bin/sh
BASE_URL="${1:-http://localhost:8000}"
curl -sf "$BASE_URL/health" > /dev/null || { echo "[FAIL] Health check"; exit 1; }
curl -sf "$BASE_URL/config" | grep -q "openai_model" || { echo "[FAIL] Config endpoint"; exit 1; }
RESPONSE=$(curl -sf -X POST "$BASE_URL/api/agent/chat" -H "Content-Type: application/json" \
  -d '{"message":"test","session_id":"verify","config":{"nombre_bot":"t","id_empresa":1,"rol_bot":"t","tipo_bot":"t","objetivo_principal":"t"}}')
echo "$RESPONSE" | grep -q "reply" || { echo "[FAIL] Chat endpoint"; exit 1; }
echo "Deployment verificado exitosamente!"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orquestador_verification_items_against_a_stand_in() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("verify_deployment.sh");
    std::fs::write(&script, VERIFY_SCRIPT).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let curl = std::process::Command::new("curl").arg("--version").output();
    let base = orquestador(true).await;
    let env = HashMap::from([
        ("ORQUESTADOR_URL", base.clone()),
        ("MCP_RESERVA_HEALTH_URL", format!("{base}/health")),
    ]);
    let verify = run_phase(load("orquestador", env.clone(), Some(dir.path())), "verify").await;
    assert_status(
        &verify,
        &["health", "info", "config", "metrics", "chat"],
        ItemStatus::Pass,
    );
    if curl.is_ok() {
        assert_status(&verify, &["verify-script"], ItemStatus::Pass);
    } else {
        support::tools::missing(
            "verify-script",
            support::tools::Tool::Curl,
            "curl is not installed",
        );
    }
    let pre = run_phase(load("orquestador", env, Some(dir.path())), "pre").await;
    assert_status(&pre, &["mcp-up"], ItemStatus::Pass);

    let broken = orquestador(false).await;
    let env = HashMap::from([("ORQUESTADOR_URL", broken)]);
    let verify = run_phase(load("orquestador", env, Some(dir.path())), "verify").await;
    assert_status(&verify, &["config"], ItemStatus::Fail);
    if curl.is_ok() {
        assert_status(&verify, &["verify-script"], ItemStatus::Fail);
    }
}

// ----- 004: alojamientos -------------------------------------------------------

fn healthz(status: &str, ical_age: u64) -> Value {
    json!({
        "status": status,
        "timestamp": "2025-10-14T14:30:22Z",
        "checks": {
            "database": {"status": "ok", "latency_ms": 45},
            "redis": {"status": "ok", "latency_ms": 12},
            "ical_sync": {"status": if ical_age > 20 { "warning" } else { "ok" }, "age_minutes": ical_age}
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alojamientos_items_against_a_stand_in() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("docs/deployment")).unwrap();
    std::fs::write(
        dir.path().join("docs/deployment/ROLLBACK_PLAN.md"),
        "# plan",
    )
    .unwrap();
    std::fs::write(dir.path().join("backup_20251014_143022.sql"), "-- dump").unwrap();
    let ok = serve(Router::new().route("/api/v1/healthz", json_route(healthz("healthy", 8)))).await;
    let env = HashMap::from([("ALOJAMIENTOS_URL", ok)]);
    let pre = run_phase(load("alojamientos", env.clone(), Some(dir.path())), "pre").await;
    assert_status(&pre, &["rollback-plan", "db-backup"], ItemStatus::Pass);
    let deploy = run_phase(load("alojamientos", env.clone(), None), "deploy").await;
    assert_status(
        &deploy,
        &["health-before", "db-latency", "redis-latency"],
        ItemStatus::Pass,
    );
    let post = run_phase(load("alojamientos", env, None), "post").await;
    assert_status(&post, &["ical-sync"], ItemStatus::Pass);

    // The guide's "health check degraded" case: iCal sync 35 minutes old.
    let degraded =
        serve(Router::new().route("/api/v1/healthz", json_route(healthz("degraded", 35)))).await;
    let env = HashMap::from([("ALOJAMIENTOS_URL", degraded)]);
    let deploy = run_phase(load("alojamientos", env.clone(), None), "deploy").await;
    assert_status(&deploy, &["health-before"], ItemStatus::Fail);
    let post = run_phase(load("alojamientos", env, None), "post").await;
    assert_status(&post, &["ical-sync"], ItemStatus::Fail);
    let empty = tempfile::tempdir().unwrap();
    let pre = run_phase(
        load("alojamientos", HashMap::new(), Some(empty.path())),
        "pre",
    )
    .await;
    assert_status(&pre, &["rollback-plan", "db-backup"], ItemStatus::Fail);
}
