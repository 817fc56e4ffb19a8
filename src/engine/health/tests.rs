use proptest::prelude::*;

use super::*;

fn facts<'a>(status: u16, content_type: Option<&'a str>, body: &'a str) -> HttpFacts<'a> {
    HttpFacts {
        status,
        content_type,
        body: body.as_bytes(),
    }
}

fn json(body: &str) -> HttpFacts<'_> {
    facts(200, Some("application/json"), body)
}

/// Seed 000's `/status/warmup` endpoint, fully warmed up.
const WARMUP_READY: &str = r#"{
  "ready": true, "duration_sec": 12.4,
  "checks": {"fast": true, "http_client": true, "http_health": true,
             "tesseract": true, "ghostscript": true, "poppler": null},
  "latency_ms": 87.5, "errors": [], "warnings": [], "version": "v2.0.0"
}"#;

#[test]
fn warmup_ready_is_up_with_components_and_latency() {
    let h = interpret(HealthFormat::Auto, json(WARMUP_READY));
    assert_eq!(h.format, Some(HealthFormat::Warmup));
    assert_eq!(h.state, HealthState::Up, "{h:?}");
    assert_eq!(h.ready, Some(true));
    assert_eq!(h.version.as_deref(), Some("v2.0.0"));
    let http = h.component("http_health").unwrap();
    assert_eq!(http.state, HealthState::Up);
    assert_eq!(http.latency_ms, Some(87.5));
    assert_eq!(h.component("poppler").unwrap().state, HealthState::Unknown);
    assert_eq!(h.components.len(), 6);
}

#[test]
fn warmup_not_ready_is_down_with_errors_as_reason() {
    let body = r#"{"ready": false, "duration_sec": 3.1,
      "checks": {"fast": false, "http_client": true},
      "errors": ["Asset de warm-up no encontrado: app/shared/assets/warmup/warmup_es_min.pdf"],
      "warnings": []}"#;
    let h = interpret(HealthFormat::Warmup, json(body));
    assert_eq!(h.state, HealthState::Down);
    assert_eq!(
        h.reason.as_deref(),
        Some(
            "not ready: Asset de warm-up no encontrado: app/shared/assets/warmup/warmup_es_min.pdf"
        )
    );
    assert_eq!(h.component("fast").unwrap().state, HealthState::Down);
    assert_eq!(h.errors.len(), 1);
}

#[test]
fn a_warmup_in_progress_is_warming_until_its_timeout() {
    use std::time::Duration;
    let body = r#"{"ready": false, "duration_sec": 42.0,
      "checks": {"fast": true, "http_client": false},
      "errors": [], "warnings": ["warm-up in progress: http_client pending"]}"#;
    let mut h = interpret(HealthFormat::Warmup, json(body));
    assert_eq!(h.state, HealthState::Warming);
    assert_eq!(
        h.reason.as_deref(),
        Some("warming up (42s): http_client pending")
    );
    assert_eq!(h.warmup_secs, Some(42.0));
    h.apply_warmup_timeout(Duration::from_secs(120));
    assert_eq!(h.state, HealthState::Warming, "42 s is within 120 s");
    h.apply_warmup_timeout(Duration::from_secs(30));
    assert_eq!(h.state, HealthState::Down);
    assert_eq!(
        h.reason.as_deref(),
        Some("still warming up after 42s, past its 30s warmup_timeout")
    );
    // A 503 is how a warming service says "not yet".
    let mut facts = json(body);
    facts.status = 503;
    assert_eq!(
        interpret(HealthFormat::Warmup, facts).state,
        HealthState::Warming
    );
    // With errors it is down at once, whatever the time.
    let failed = r#"{"ready": false, "duration_sec": 1.0, "errors": ["asset missing"]}"#;
    assert_eq!(
        interpret(HealthFormat::Warmup, json(failed)).state,
        HealthState::Down
    );
    // Warming weighs less than a replica not heard from, or a degraded one.
    assert_eq!(
        HealthState::worst_shown([HealthState::Up, HealthState::Warming]),
        HealthState::Warming
    );
    assert_eq!(
        HealthState::Warming.worst(HealthState::Degraded),
        HealthState::Degraded
    );
}

#[test]
fn warmup_ready_with_warnings_is_degraded() {
    let body = r#"{"ready": true, "checks": {"fast": true},
      "errors": [], "warnings": ["http_health latency 812ms > 500ms"]}"#;
    let h = interpret(HealthFormat::Auto, json(body));
    assert_eq!(h.state, HealthState::Degraded);
    assert_eq!(
        h.reason.as_deref(),
        Some("http_health latency 812ms > 500ms")
    );
}

#[test]
fn warmup_flat_field_names() {
    let body = r#"{"is_ready": true, "duration_sec": 8.0, "fast_ok": true,
      "http_client_ok": true, "http_health_ok": false, "http_health_latency_ms": 1500.0,
      "tesseract_ok": true, "errors": [], "warnings": []}"#;
    let h = interpret(HealthFormat::Auto, json(body));
    assert_eq!(h.format, Some(HealthFormat::Warmup));
    assert_eq!(h.ready, Some(true));
    assert_eq!(h.state, HealthState::Degraded);
    assert_eq!(h.reason.as_deref(), Some("ready, but http_health failed"));
    let http = h.component("http_health").unwrap();
    assert_eq!(http.latency_ms, Some(1500.0));
    assert_eq!(http.state, HealthState::Down);
    assert_eq!(h.component("tesseract").unwrap().state, HealthState::Up);
}

/// Seed 004's `/api/v1/healthz`.
#[test]
fn healthz_seed_example() {
    let body = r#"{
      "status": "healthy", "timestamp": "2025-10-14T14:30:22Z",
      "checks": {
        "database": {"status": "ok", "latency_ms": 45},
        "redis": {"status": "ok", "latency_ms": 12},
        "ical_sync": {"status": "ok", "age_minutes": 8}
      }}"#;
    let h = interpret(HealthFormat::Auto, json(body));
    assert_eq!(h.format, Some(HealthFormat::Healthz));
    assert_eq!(h.state, HealthState::Up);
    assert_eq!(h.component("database").unwrap().latency_ms, Some(45.0));
    assert_eq!(h.component("redis").unwrap().latency_ms, Some(12.0));
    let ical = h.component("ical_sync").unwrap();
    assert_eq!(ical.message.as_deref(), Some("age_minutes=8"));
    assert_eq!(ical.latency_ms, None);
}

#[test]
fn healthz_degraded_names_the_slow_dependency() {
    let body = r#"{"status": "degraded", "checks": {
        "database": {"status": "ok", "latency_ms": 45},
        "redis": {"status": "warning", "latency_ms": 640, "message": "slow PING"}}}"#;
    let h = interpret(HealthFormat::Healthz, json(body));
    assert_eq!(h.state, HealthState::Degraded);
    assert_eq!(h.reason.as_deref(), Some("redis degraded (slow PING)"));
    assert_eq!(h.component("redis").unwrap().state, HealthState::Degraded);
}

#[test]
fn healthz_unhealthy_is_down_and_503_keeps_the_detail() {
    let body = r#"{"status": "unhealthy", "checks": {
        "database": {"status": "error", "error": "connection refused"}}}"#;
    let h = interpret(
        HealthFormat::Healthz,
        facts(503, Some("application/json"), body),
    );
    assert_eq!(h.state, HealthState::Down);
    assert_eq!(
        h.reason.as_deref(),
        Some("HTTP 503 (application/json): database down (connection refused)")
    );
}

#[test]
fn health_json_draft_example() {
    let body = r#"{
      "status": "warn", "version": "1", "releaseId": "1.2.2",
      "notes": [""], "output": "", "serviceId": "f03e522f",
      "checks": {
        "cassandra:responseTime": [
          {"componentId": "dfd6cf2b", "componentType": "datastore",
           "observedValue": 250, "observedUnit": "ms", "status": "pass",
           "time": "2018-01-17T03:36:48Z", "output": ""},
          {"componentId": "6fd416e0", "componentType": "datastore",
           "observedValue": 2.5, "observedUnit": "s", "status": "warn",
           "time": "2018-01-17T03:36:48Z", "output": ""}
        ],
        "uptime": [{"componentType": "system", "observedValue": 1209600.245,
                    "observedUnit": "s", "status": "pass"}]
      }}"#;
    let h = interpret(
        HealthFormat::Auto,
        facts(200, Some("application/health+json"), body),
    );
    assert_eq!(h.format, Some(HealthFormat::HealthJson));
    assert_eq!(h.state, HealthState::Degraded);
    assert_eq!(h.version.as_deref(), Some("1"));
    let slow = h.component("cassandra:responseTime#6fd416e0").unwrap();
    assert_eq!(slow.state, HealthState::Degraded);
    assert_eq!(slow.latency_ms, Some(2500.0));
    assert_eq!(
        h.component("cassandra:responseTime#dfd6cf2b")
            .unwrap()
            .latency_ms,
        Some(250.0)
    );
    assert_eq!(
        h.component("uptime").unwrap().message.as_deref(),
        Some("1209600.245 s")
    );
    assert_eq!(
        h.reason.as_deref(),
        Some("cassandra:responseTime#6fd416e0 degraded (2.5 s)")
    );
}

#[test]
fn health_json_statuses_are_case_insensitive() {
    for (word, state) in [
        ("PASS", HealthState::Up),
        ("Ok", HealthState::Up),
        ("fail", HealthState::Down),
        ("ERROR", HealthState::Down),
        ("Warn", HealthState::Degraded),
    ] {
        let body = format!(r#"{{"status": "{word}", "releaseId": "r-9"}}"#);
        let h = interpret(HealthFormat::HealthJson, json(&body));
        assert_eq!(h.state, state, "{word}");
        assert_eq!(h.version.as_deref(), Some("r-9"));
    }
}

#[test]
fn actuator_nested_components_recursively() {
    let body = r#"{
      "status": "DOWN",
      "components": {
        "db": {"status": "UP", "components": {
            "primary": {"status": "UP", "details": {"database": "PostgreSQL"}},
            "replica": {"status": "DOWN", "details": {"error": "java.net.ConnectException: refused"}}}},
        "diskSpace": {"status": "UP", "details": {"total": 499963174912, "free": 91300069376}},
        "ping": {"status": "UP"},
        "kafka": {"status": "OUT_OF_SERVICE"}
      }}"#;
    let h = interpret(
        HealthFormat::Auto,
        facts(
            200,
            Some("application/vnd.spring-boot.actuator.v3+json"),
            body,
        ),
    );
    assert_eq!(h.format, Some(HealthFormat::Actuator));
    assert_eq!(h.state, HealthState::Down);
    let replica = h.component("db/replica").unwrap();
    assert_eq!(replica.state, HealthState::Down);
    assert_eq!(
        replica.message.as_deref(),
        Some("java.net.ConnectException: refused")
    );
    assert_eq!(h.component("kafka").unwrap().state, HealthState::Down);
    assert_eq!(h.component("diskSpace").unwrap().state, HealthState::Up);
    assert_eq!(h.components.len(), 6);
    assert_eq!(
        h.reason.as_deref(),
        Some("db/replica down (java.net.ConnectException: refused), kafka down")
    );
}

#[test]
fn actuator_legacy_details_and_git_version() {
    let body = r#"{"status": "UNKNOWN",
      "details": {"redis": {"status": "UP", "details": {"version": "7.2"}}},
      "git": {"commit": {"id": {"abbrev": "a1b2c3d", "full": "a1b2c3d4e5"}}}}"#;
    let h = interpret(HealthFormat::Actuator, json(body));
    assert_eq!(h.state, HealthState::Unknown);
    assert_eq!(h.component("redis").unwrap().state, HealthState::Up);
    assert_eq!(h.version.as_deref(), Some("a1b2c3d"));
}

#[test]
fn versions_from_the_usual_places() {
    for (body, want) in [
        (r#"{"status":"ok","version":"v1.2.0"}"#, "v1.2.0"),
        (r#"{"status":"ok","release_id":"r42"}"#, "r42"),
        (r#"{"status":"ok","releaseId":"r43"}"#, "r43"),
        (r#"{"status":"ok","build":{"version":"3.1.4"}}"#, "3.1.4"),
        (
            r#"{"status":"ok","git":{"commit":{"id":"deadbee"}}}"#,
            "deadbee",
        ),
        (r#"{"status":"ok","version":7}"#, "7"),
    ] {
        let h = interpret(HealthFormat::Auto, json(body));
        assert_eq!(h.version.as_deref(), Some(want), "{body}");
    }
}

#[test]
fn plain_status_words() {
    for (body, state) in [
        (r#"{"status":"ok"}"#, HealthState::Up),
        (
            r#"{"status":"healthy","service":"ai-service"}"#,
            HealthState::Up,
        ),
        (r#"{"healthy":false}"#, HealthState::Down),
        (r#"{"status":"starting"}"#, HealthState::Unknown),
        (r#"{"uptime": 12}"#, HealthState::Up),
        ("OK", HealthState::Up),
        ("<html>hello</html>", HealthState::Up),
        ("", HealthState::Up),
    ] {
        let h = interpret(HealthFormat::Plain, facts(200, None, body));
        assert_eq!(h.state, state, "{body}");
    }
    let h = interpret(HealthFormat::Plain, json(r#"{"status":"starting"}"#));
    assert_eq!(
        h.reason.as_deref(),
        Some("status \"starting\" is not a word golive knows")
    );
}

#[test]
fn a_5xx_is_never_up() {
    for format in HealthFormat::ALL.map(|(_, f)| f) {
        let h = interpret(
            format,
            facts(503, Some("application/json"), r#"{"status":"ok"}"#),
        );
        assert_eq!(h.state, HealthState::Down, "{format:?}");
        assert!(
            h.reason.as_deref().unwrap_or("").starts_with("HTTP 503"),
            "{h:?}"
        );
    }
}

#[test]
fn html_502_from_a_proxy() {
    let page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let h = interpret(HealthFormat::Healthz, facts(502, Some("text/html"), page));
    assert_eq!(h.state, HealthState::Down);
    assert_eq!(
        h.reason.as_deref(),
        Some("HTTP 502 (text/html, proxy error page)")
    );
}

#[test]
fn explicit_format_is_enforced() {
    let h = interpret(HealthFormat::Healthz, json(r#"{"status": "ok", "#));
    assert_eq!(h.state, HealthState::Down);
    assert_eq!(
        h.reason.as_deref(),
        Some("body is not valid JSON: EOF at line 1 column 17")
    );
    let h = interpret(HealthFormat::Warmup, json(r#"{"status": "ok"}"#));
    assert_eq!(h.state, HealthState::Down);
    assert_eq!(
        h.reason.as_deref(),
        Some("warm-up status has no `ready` or `is_ready` field")
    );
    let h = interpret(HealthFormat::Prometheus, facts(200, None, "hello world"));
    assert_eq!(h.state, HealthState::Down);
    assert_eq!(
        h.reason.as_deref(),
        Some("not Prometheus text: line 1: bad value: hello world")
    );
}

const METRICS: &str = "# HELP http_requests_total Requests.\n\
# TYPE http_requests_total counter\n\
http_requests_total{code=\"200\",method=\"get\"} 1027 1395066363000\n\
http_requests_total{code=\"500\",method=\"get\"} 3\n\
# TYPE http_request_duration_seconds histogram\n\
http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n\
http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n\
http_request_duration_seconds_sum 53423\n\
http_request_duration_seconds_count 144320\n\
app_build_info{version=\"v1.2.0\",revision=\"a\\\"b\"} 1\n\
weird_value NaN\n";

#[test]
fn prometheus_text_is_up_and_checked_against_a_reference_parser() {
    let h = interpret(
        HealthFormat::Auto,
        facts(
            200,
            Some("text/plain; version=0.0.4; charset=utf-8"),
            METRICS,
        ),
    );
    assert_eq!(h.format, Some(HealthFormat::Prometheus));
    assert_eq!(h.state, HealthState::Up, "{h:?}");
    assert_eq!(h.version.as_deref(), Some("v1.2.0"));
    // The same text is readable by an independent parser.
    let lines = METRICS.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
    assert_eq!(scrape.samples.len(), 7);
    // OpenMetrics by content type, and by shape without one.
    let om = "# TYPE up gauge\nup 1\n# EOF\n";
    let h = interpret(
        HealthFormat::Auto,
        facts(200, Some("application/openmetrics-text; version=1.0.0"), om),
    );
    assert_eq!(
        (h.format, h.state),
        (Some(HealthFormat::Prometheus), HealthState::Up)
    );
    let h = interpret(HealthFormat::Auto, facts(200, Some("text/plain"), om));
    assert_eq!(h.format, Some(HealthFormat::Prometheus));
}

#[test]
fn prometheus_rejects_broken_lines() {
    for (body, why) in [
        ("up{job=\"a\" 1\n", "expected `,` or `}` in labels"),
        ("up{job=\"a} 1\n", "unclosed label value"),
        ("up 1 2 3\n", "unexpected text after the value"),
        ("9up 1\n", "bad metric name"),
        ("up\n", "no value"),
    ] {
        let h = interpret(HealthFormat::Prometheus, facts(200, None, body));
        assert_eq!(h.state, HealthState::Down, "{body}");
        assert!(h.reason.as_deref().unwrap_or("").contains(why), "{h:?}");
    }
    let h = interpret(HealthFormat::Prometheus, facts(200, None, "# nothing\n"));
    assert_eq!(h.state, HealthState::Degraded);
}

#[test]
fn escape_sequences_never_reach_the_reason() {
    let body = r#"{"status":"fail","output":"\u001b[2J\u001b]0;pwned\u0007disk full"}"#;
    let h = interpret(HealthFormat::HealthJson, json(body));
    assert_eq!(h.reason.as_deref(), Some("disk full"));
    let body = r#"{"status":"unhealthy","checks":{"db\u001b[31m":{"status":"down"}}}"#;
    let h = interpret(HealthFormat::Healthz, json(body));
    assert_eq!(h.components[0].name, "db");
}

#[test]
fn worst_ranks_states() {
    use HealthState::*;
    assert_eq!(Up.worst(Degraded), Degraded);
    assert_eq!(Degraded.worst(Unknown), Unknown);
    assert_eq!(Down.worst(Unknown), Down);
    assert_eq!(Up.worst(Up), Up);
}

fn no_control(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() && c != '\n')
}

proptest! {
    #[test]
    fn no_body_panics_any_parser(body in proptest::collection::vec(any::<u8>(), 0..512),
                                 status in 100u16..600,
                                 ct in prop::sample::select(vec![
                                     None, Some("application/json"), Some("application/health+json"),
                                     Some("application/vnd.spring-boot.actuator.v3+json"),
                                     Some("text/plain; version=0.0.4"), Some("text/html")])) {
        for (_, format) in HealthFormat::ALL {
            let h = interpret(format, HttpFacts { status, content_type: ct, body: &body });
            prop_assert!(h.reason.as_deref().is_none_or(no_control));
        }
    }

    #[test]
    fn no_json_shape_panics_any_parser(body in r#"\{("(status|ready|checks|components|details|version|is_ready|fast_ok|errors)": ?(true|false|null|"[a-zA-Z\x1b]{0,6}"|\[[^\]]{0,20}\]|\{[^}]{0,40}\}|[0-9.e-]{1,8}),? ?){0,6}\}"#) {
        for (_, format) in HealthFormat::ALL {
            let h = interpret(format, HttpFacts { status: 200, content_type: None, body: body.as_bytes() });
            prop_assert!(h.reason.as_deref().is_none_or(no_control));
            for c in &h.components {
                prop_assert!(no_control(&c.name));
            }
        }
    }
}

#[test]
fn a_broken_json_body_is_not_any_2xx_body() {
    let h = interpret(HealthFormat::Auto, facts(200, None, r#"{"status": "ok""#));
    assert_eq!(h.state, HealthState::Down);
    assert_eq!(
        h.reason.as_deref(),
        Some("body is not valid JSON: EOF at line 1 column 15")
    );
    let h = interpret(HealthFormat::Plain, json("not json"));
    assert_eq!(h.state, HealthState::Down);
    // Without a JSON content type, explicit plain accepts any text.
    let h = interpret(HealthFormat::Plain, facts(200, Some("text/plain"), "{oops"));
    assert_eq!(h.state, HealthState::Up);
}

/// The `/health` answers of seeds 001, 002 and 003, as auto sees them.
#[test]
fn seed_plain_health_bodies() {
    let seed_001 = r#"{"status": "healthy", "service": "AI Microservice - DTE Intelligence",
        "version": "1.0.0", "anthropic_configured": true, "openai_configured": false}"#;
    let h = interpret(HealthFormat::Auto, json(seed_001));
    assert_eq!(h.state, HealthState::Up);
    assert_eq!(h.version.as_deref(), Some("1.0.0"));
    for body in [
        r#"{"status":"ok","service":"documentos-service"}"#,
        r#"{"status":"ok","service":"orquestador"}"#,
    ] {
        let h = interpret(HealthFormat::Auto, json(body));
        assert_eq!(h.format, Some(HealthFormat::Plain));
        assert_eq!(h.state, HealthState::Up);
        assert_eq!(h.reason, None);
    }
}
