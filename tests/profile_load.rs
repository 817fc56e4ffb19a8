//! Loading valid profiles: interpolation from an injected environment,
//! secrets kept out of `Debug` and masked by the redactor, defaults, the
//! shapes checks and actions take, and every shipped profile validating.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use golive::profile::{
    self, ActionKind, Check, Cmp, DockerOp, DockerTarget, HealthFormat, KubeOp, KubeTarget,
    LogKind, MetricKind, Profile, ProfileError, RequestBody, SwarmOp, secrets::MASK,
};

const PROFILE: &str = r#"
[service]
name = "ai-service"
version = "${RELEASE:-v1.2.0}"
previous = "v1.1.0"

[settings]
poll_interval = "3s"
timeout = "7s"
secrets = ["DB_DSN"]

[[endpoint]]
id = "health"
url = "${AI_SERVICE_URL:-http://localhost:8002}/health"
headers = { Authorization = "Bearer ${AI_API_KEY}", X-Trace = "plain-header-value" }

[[endpoint]]
id = "validate"
urls = ["${AI_SERVICE_URL:-http://localhost:8002}/a", "http://127.0.0.1:9/b"]
format = "plain"
method = "post"
body = { dte = { tipo = "33", version = "${service.version}" }, company_id = 1 }

[[endpoint]]
id = "text"
url = "http://127.0.0.1:9/t"
body = "raw ${service.name} $$HOME"

[[metrics]]
track = "canary"
scrape = "http://127.0.0.1:9/metrics"

[[metrics]]
track = "baseline"
prometheus = "http://127.0.0.1:9090"
latency_p95 = 'histogram_quantile(0.95, rate(x[5m]))'

[[logs]]
docker = { container = "ai-service" }

[[logs]]
command = ["tail", "-f", "${LOG_FILE:-/var/log/app.log}"]

[[phase]]
id = "t-30"

  [[phase.item]]
  id = "manual"
  title = "Signed by a human"

  [[phase.item]]
  id = "cmd"
  check = { command = ["psql", "${DB_DSN}", "-c", "select 1"], env = { PGPASSWORD = "${DB_PASSWORD:-hunter2-default}" } }

  [[phase.item]]
  id = "burst"
  check = { endpoint = "validate", requests = 25, conditions = ["[STATUS_COUNT].429 >= 5"], all_replicas = true, hold = "1m" }

  [[phase.item]]
  id = "p95"
  check = { metric = "latency_p95", track = "canary", condition = "< 300ms", vs_baseline = "< 1.2x" }

  [[phase.item]]
  id = "quiet"
  check = { logs = "ai-service", pattern = "ERROR" }

  [[phase.item]]
  id = "container"
  check = { docker = { label = "com.docker.compose.service=api" } }

[[gate]]
id = "errors"
metric = "error_rate"
track = "canary"
condition = "> 5%"
for = "5m"
on_breach = "auto-rollback"

[actions.rollback]
docker = { compose_service = "api", image = "api:${service.previous}" }
verify = ["burst"]

[actions.promote]
command = ["kubectl", "set", "image", "deploy/api", "api=api:${service.version}"]
"#;

fn env(name: &str) -> Option<String> {
    match name {
        "AI_API_KEY" => Some("sk-live-0123456789".into()),
        "DB_DSN" => Some("postgres://u:pw-in-dsn@db/x".into()),
        "AI_SERVICE_URL" => Some("http://127.0.0.1:18002".into()),
        _ => None,
    }
}

fn load(text: &str) -> Profile {
    profile::load_with(Path::new("test.toml"), text, &env).unwrap()
}

#[test]
fn interpolates_from_the_injected_environment_and_service_values() {
    let p = load(PROFILE);
    assert_eq!(p.service.version, "v1.2.0");
    let health = p.endpoint("health").unwrap();
    assert_eq!(
        health.urls,
        vec!["http://127.0.0.1:18002/health".to_string()]
    );
    assert_eq!(health.method, "GET");
    assert_eq!(health.timeout, Duration::from_secs(7));
    assert_eq!(health.format, HealthFormat::Auto);
    let validate = p.endpoint("validate").unwrap();
    assert_eq!(validate.method, "POST");
    assert_eq!(validate.urls.len(), 2);
    assert_eq!(
        validate.body,
        Some(RequestBody::Json(serde_json::json!({
            "dte": { "tipo": "33", "version": "v1.2.0" },
            "company_id": 1
        })))
    );
    assert_eq!(
        p.endpoint("text").unwrap().body,
        Some(RequestBody::Text("raw ai-service $HOME".into()))
    );
    let promote = &p.actions["promote"];
    match &promote.kind {
        ActionKind::Command { argv, .. } => assert_eq!(argv[4], "api=api:v1.2.0"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        promote.timeout,
        Duration::from_secs(600),
        "actions default to 10m"
    );
    assert_eq!(p.settings.poll_interval, Duration::from_secs(3));
}

#[test]
fn unset_variables_without_default_are_listed_and_refused_by_ensure_resolved() {
    let text = PROFILE.replace("${DB_DSN}", "${MISSING_ONE}");
    let p = load(&text);
    assert_eq!(p.unresolved, vec!["MISSING_ONE".to_string()]);
    let (_, item) = p.item("cmd").unwrap();
    match &item.check {
        Some(Check::Command(c)) => assert_eq!(c.argv[1], "${MISSING_ONE}", "left as written"),
        other => panic!("{other:?}"),
    }
    match p.ensure_resolved() {
        Err(ProfileError::Unresolved { vars, .. }) => assert_eq!(vars, vec!["MISSING_ONE"]),
        other => panic!("{other:?}"),
    }
    assert!(load(PROFILE).ensure_resolved().is_ok());
}

#[test]
fn secrets_are_masked_and_never_in_debug() {
    let p = load(PROFILE);
    let secrets = [
        "sk-live-0123456789",          // marked by its name (KEY), inside a header
        "Bearer sk-live-0123456789",   // the header value itself
        "plain-header-value",          // any header value
        "postgres://u:pw-in-dsn@db/x", // listed in [settings] secrets
        "hunter2-default",             // a default of a PASSWORD variable
    ];
    for s in secrets {
        let shown = p.redactor.redact(&format!("before {s} after"));
        assert_eq!(shown, format!("before {MASK} after"), "{s}");
    }
    assert_eq!(
        p.redactor.redact("http://127.0.0.1:18002/health"),
        "http://127.0.0.1:18002/health",
        "plain variables stay visible"
    );
    let debug = format!("{p:?}");
    for s in [
        "sk-live-0123456789",
        "plain-header-value",
        "hunter2-default",
    ] {
        assert!(!debug.contains(s), "Debug of the profile leaks {s}");
    }
    assert!(debug.contains("PGPASSWORD"), "env names stay visible");
    let endpoint_debug = format!("{:?}", p.endpoint("health").unwrap());
    assert!(endpoint_debug.contains("Authorization"), "{endpoint_debug}");
    assert!(!endpoint_debug.contains("sk-live"), "{endpoint_debug}");
}

#[test]
fn checks_actions_gates_and_logs_take_their_shapes() {
    let p = load(PROFILE);
    assert!(p.item("manual").unwrap().1.check.is_none());
    match &p.item("burst").unwrap().1.check {
        Some(Check::Endpoint(c)) => {
            assert_eq!(c.requests, 25);
            assert!(c.all_replicas);
            assert_eq!(c.hold, Some(Duration::from_secs(60)));
            assert_eq!(c.conditions.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    match &p.item("p95").unwrap().1.check {
        Some(Check::Metric(m)) => {
            assert_eq!(m.metric, MetricKind::LatencyP95);
            let t = m.condition.unwrap();
            assert_eq!(t.cmp, Cmp::Lt);
            assert!((t.value - 0.3).abs() < 1e-9, "300ms is 0.3 s");
            assert_eq!(m.vs_baseline.unwrap().factor, 1.2);
        }
        other => panic!("{other:?}"),
    }
    match &p.item("quiet").unwrap().1.check {
        Some(Check::Logs(l)) => {
            assert_eq!(l.source, "ai-service", "default id is the container name");
            assert_eq!(l.max, 0);
        }
        other => panic!("{other:?}"),
    }
    match &p.item("container").unwrap().1.check {
        Some(Check::Docker(d)) => assert_eq!(
            d.target,
            DockerTarget::Label {
                key: "com.docker.compose.service".into(),
                value: "api".into()
            }
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(p.logs[1].id, "logs-2");
    assert_eq!(
        p.logs[1].kind,
        LogKind::Command(vec!["tail".into(), "-f".into(), "/var/log/app.log".into()])
    );
    let gate = &p.gates[0];
    assert_eq!(gate.for_, Duration::from_secs(300));
    assert!((gate.condition.unwrap().value - 0.05).abs() < 1e-12);
    match &p.actions["rollback"].kind {
        ActionKind::Docker { target, op } => {
            assert!(
                matches!(target, DockerTarget::ComposeService { service, .. } if service == "api"),
                "{target:?}"
            );
            assert_eq!(*op, DockerOp::Image("api:v1.1.0".into()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.actions["rollback"].verify, vec!["burst".to_string()]);
}

#[test]
fn a_gate_on_a_promql_track_needs_the_query() {
    let text = PROFILE.replace(
        "[[gate]]\nid = \"errors\"",
        "[[gate]]\nid = \"slow\"\nmetric = \"latency_p99\"\ntrack = \"baseline\"\ncondition = \"> 1s\"\n\n[[gate]]\nid = \"errors\"",
    );
    let err = profile::load_with(Path::new("t.toml"), &text, &env).unwrap_err();
    let issues = err.issues();
    assert!(
        issues
            .iter()
            .any(|i| i.message.contains("no `latency_p99` query")),
        "{err}"
    );
}

#[test]
fn errors_do_not_leak_secret_values() {
    // The bad URL is built from a secret variable: the message quotes it.
    let text = r#"
[service]
name = "s"
version = "v1"
[[endpoint]]
id = "e"
url = "${API_TOKEN}"
"#;
    let lookup = |name: &str| (name == "API_TOKEN").then(|| "tok-abcdef-123".to_string());
    let err = profile::load_with(Path::new("t.toml"), text, &lookup).unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("bad URL"), "{shown}");
    assert!(!shown.contains("tok-abcdef-123"), "{shown}");
    assert!(shown.contains(MASK), "{shown}");
}

#[test]
fn every_shipped_profile_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            // No environment: every seed's base URLs must have a default
            // (the demo fills its own through `load_with`).
            let text = std::fs::read_to_string(&path).unwrap();
            let p = profile::load_with(&path, &text, &|_| None)
                .unwrap_or_else(|e| panic!("{} is invalid:\n{e}", path.display()));
            let is_demo = path.file_stem().is_some_and(|s| s == "demo");
            assert!(
                is_demo || p.unresolved.is_empty(),
                "{} needs {:?} set",
                path.display(),
                p.unresolved
            );
            assert!(!p.phases.is_empty() && p.items().count() > 0);
            seen.push(path.file_stem().unwrap().to_string_lossy().to_string());
        }
    }
    for seed in [
        "core-warmup",
        "ai-service",
        "documentos",
        "orquestador",
        "alojamientos",
    ] {
        assert!(
            seen.iter().any(|s| s == seed),
            "profiles/{seed}.toml missing"
        );
    }
}

#[test]
fn seed_profiles_keep_the_guides_endpoints_and_formats() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let load = |name: &str| {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        profile::load_with(&path, &text, &|_| None).unwrap()
    };
    let warmup = load("core-warmup.toml");
    let e = warmup.endpoint("warmup").unwrap();
    assert_eq!(e.format, HealthFormat::Warmup);
    assert!(e.urls.iter().all(|u| u.ends_with("/status/warmup")));
    // Seed 000 runs on Kubernetes: its rollback is the guide's undo of the canary.
    match &warmup.actions["rollback"].kind {
        ActionKind::Kubernetes { target, op } => {
            assert_eq!(target.deployment, "api-canary");
            assert_eq!(*op, KubeOp::Rollback);
        }
        other => panic!("{other:?}"),
    }
    let ai = load("ai-service.toml");
    assert_eq!(
        ai.endpoint("health").unwrap().urls,
        vec!["http://localhost:8002/health"]
    );
    match &ai.item("rate-limit").unwrap().1.check {
        Some(Check::Endpoint(c)) => {
            assert_eq!(c.requests, 25);
            assert_eq!(c.conditions[0].source, "[STATUS_COUNT].429 >= 5");
        }
        other => panic!("{other:?}"),
    }
    let validate = ai.endpoint("validate").unwrap();
    assert_eq!(validate.method, "POST");
    assert!(validate.headers.iter().any(|(k, _)| k == "Authorization"));
    assert!(
        ai.redactor
            .redact("Bearer default_ai_api_key")
            .contains(MASK)
    );
    let aloj = load("alojamientos.toml");
    let e = aloj.endpoint("healthz").unwrap();
    assert_eq!(e.format, HealthFormat::Healthz);
    assert_eq!(e.urls, vec!["http://localhost:8000/api/v1/healthz"]);
    let docs = load("documentos.toml");
    assert_eq!(docs.endpoint("health").unwrap().format, HealthFormat::Plain);
    let orq = load("orquestador.toml");
    assert_eq!(
        orq.endpoint("health").unwrap().urls,
        vec!["http://localhost:8000/health"]
    );
}

#[test]
fn swarm_checks_and_actions_and_command_conditions_load() {
    let p = load(
        r#"
[service]
name = "shop"
version = "v2"

[[phase]]
id = "rollout"

  [[phase.item]]
  id = "tasks"
  check = { swarm = { service = "shop_api" }, conditions = ["[VERSIONS] == 1"] }

  [[phase.item]]
  id = "kubectl"
  check = { command = ["kubectl", "get", "deployment", "api", "-o", "json"], conditions = ["[BODY].status.updatedReplicas == [BODY].spec.replicas"] }

[[logs]]
swarm = { service = "shop_api" }

[actions.promote]
swarm = { service = "shop_api", image = "shop:${service.version}" }

[actions.undo]
swarm = { service = "shop_api", rollback = true }

[actions.shrink]
swarm = { service = "shop_api", scale = 1 }
"#,
    );
    match &p.item("tasks").unwrap().1.check {
        Some(Check::Swarm(s)) => {
            assert_eq!(s.service, "shop_api");
            assert_eq!(s.conditions.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    match &p.item("kubectl").unwrap().1.check {
        Some(Check::Command(c)) => assert_eq!(c.conditions.len(), 1),
        other => panic!("{other:?}"),
    }
    let op = |name: &str| match &p.actions[name].kind {
        ActionKind::Swarm { service, op } => {
            assert_eq!(service, "shop_api");
            op.clone()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(op("promote"), SwarmOp::Image("shop:v2".into()));
    assert_eq!(op("undo"), SwarmOp::Rollback);
    assert_eq!(op("shrink"), SwarmOp::Scale(1));
    assert_eq!(
        p.logs[0].id, "shop_api",
        "a swarm source is named after its service"
    );
    assert_eq!(p.logs[0].kind, LogKind::Swarm("shop_api".into()));

    let text = "[service]\nname = \"s\"\nversion = \"v\"\n\n[actions.both]\nswarm = { service = \"a\", scale = 2, rollback = true }\n";
    let err = profile::load_with(Path::new("t.toml"), text, &env).unwrap_err();
    assert!(err.to_string().contains("exactly one of"), "{err}");
}

#[test]
fn kubernetes_checks_logs_and_actions_load() {
    let p = load(
        r#"
[service]
name = "api"
version = "v2"

[[phase]]
id = "canary"

  [[phase.item]]
  id = "rolled-out"
  check = { kubernetes = { deployment = "api", namespace = "prod", context = "kind-prod" }, conditions = ["[VERSIONS] == 1", "[ROLLOUT_STATE] == complete"] }

[[logs]]
kubernetes = { deployment = "api" }

[actions.promote]
kubernetes = { deployment = "api", namespace = "prod", container = "web", image = "api:${service.version}" }

[actions.everywhere]
kubernetes = { deployment = "api", image = "api:${service.version}" }

[actions.undo]
kubernetes = { deployment = "api", namespace = "prod", rollback = true }

[actions.bounce]
kubernetes = { deployment = "api", restart = true }
"#,
    );
    let prod = KubeTarget {
        deployment: "api".into(),
        namespace: Some("prod".into()),
        context: None,
    };
    let current = KubeTarget {
        deployment: "api".into(),
        namespace: None,
        context: None,
    };
    match &p.item("rolled-out").unwrap().1.check {
        Some(Check::Kubernetes(k)) => {
            assert_eq!(k.target.context.as_deref(), Some("kind-prod"));
            assert_eq!(k.target.label(), "prod/api@kind-prod");
            assert_eq!(k.conditions.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.logs[0].id, "api", "named after its deployment");
    assert_eq!(p.logs[0].kind, LogKind::Kubernetes(current.clone()));
    let kind = |name: &str| match &p.actions[name].kind {
        ActionKind::Kubernetes { target, op } => (target.clone(), op.clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        kind("promote"),
        (
            prod.clone(),
            KubeOp::Image {
                image: "api:v2".into(),
                container: Some("web".into())
            }
        )
    );
    assert_eq!(
        kind("everywhere").1,
        KubeOp::Image {
            image: "api:v2".into(),
            container: None
        }
    );
    assert_eq!(kind("undo"), (prod, KubeOp::Rollback));
    assert_eq!(kind("bounce"), (current, KubeOp::Restart));

    let text = "[service]\nname = \"s\"\nversion = \"v\"\n\n[actions.both]\ncommand = [\"true\"]\nkubernetes = { deployment = \"a\", restart = true }\n";
    let err = profile::load_with(Path::new("t.toml"), text, &env).unwrap_err();
    assert!(
        err.to_string()
            .contains("action `both` has `kubernetes` and another kind"),
        "{err}"
    );
    let text = "[service]\nname = \"s\"\nversion = \"v\"\n\n[[logs]]\nkubernetes = { deployment = \"\" }\n";
    let err = profile::load_with(Path::new("t.toml"), text, &env).unwrap_err();
    assert!(err.to_string().contains("cannot be empty"), "{err}");
}
