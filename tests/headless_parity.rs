//! Parity of the faces: one scripted service on loopback, whose answers the
//! test changes step by step, is looked at by `golive check`'s headless run
//! and by the cockpit's engine (`update` fed the probe reports and command
//! outcomes the cockpit's driver would hand it). At every step both must
//! give every item the same status, and the status the script expects, so a
//! rule changed in one face alone fails here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use chrono::Utc;

use golive::commands::check::{CheckOptions, run_checks};
use golive::engine::checklist::ItemStatus;
use golive::engine::probe::ProbeReport;
use golive::engine::state::{App, Effect, Msg, update};
use golive::io::command::{self, CommandSpec};
use golive::io::probe::Prober;
use golive::profile::{Check, Profile};

/// What the scripted service answers: 0 all healthy, 1 the second replica
/// down, 2 both replicas failing.
type Mode = Arc<AtomicU8>;

async fn replica(State((mode, index)): State<(Mode, u8)>) -> (StatusCode, String) {
    match (mode.load(Ordering::SeqCst), index) {
        (0, _) | (1, 0) => (StatusCode::OK, r#"{"status":"ok"}"#.into()),
        (1, _) => (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"status":"down"}"#.into(),
        ),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "boom".into()),
    }
}

async fn serve(mode: Mode) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/r0", get(replica).with_state((mode.clone(), 0)))
        .route("/r1", get(replica).with_state((mode, 1)));
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn profile(dir: &Path, addr: std::net::SocketAddr) -> Profile {
    let flag = dir.join("migrated");
    let text = format!(
        r#"[service]
name = "parity"
version = "v2"
previous = "v1"

[settings]
poll_interval = "200ms"
timeout = "1s"

[[endpoint]]
id = "api"
urls = ["http://{addr}/r0", "http://{addr}/r1"]
format = "plain"

[[phase]]
id = "t-30"
title = "Pre-launch"

  [[phase.item]]
  id = "ci"
  title = "CI green"

  [[phase.item]]
  id = "first-up"
  title = "The first replica answers 200"
  check = {{ endpoint = "api", conditions = ["[STATUS] == 200"] }}

  [[phase.item]]
  id = "all-ok"
  title = "Every replica says ok"
  check = {{ endpoint = "api", conditions = ["[STATUS] == 200", "[BODY].status == ok"], all_replicas = true }}

  [[phase.item]]
  id = "quick"
  title = "Answers within 2 s"
  check = {{ endpoint = "api", conditions = ["[RESPONSE_TIME] < 2000"] }}

  [[phase.item]]
  id = "migrated"
  title = "Migration flag present"
  check = {{ command = ["test", "-f", "{flag}"] }}
"#,
        flag = flag.display()
    );
    let path = dir.join("parity.toml");
    std::fs::write(&path, text).unwrap();
    golive::profile::load(&path).unwrap()
}

/// The headless face: `golive check`'s run, item id to status.
async fn headless(profile: &Profile) -> Vec<(String, ItemStatus)> {
    let options = CheckOptions {
        timeout: Duration::from_secs(5),
        operator: "parity".into(),
        journal: None,
    };
    let reports = run_checks(Arc::new(profile.clone()), None, options, |_| {})
        .await
        .unwrap();
    reports.into_iter().map(|r| (r.id, r.status)).collect()
}

/// The cockpit's face: a fresh engine fed what its driver hands it at
/// start: every replica probed once, every command check run once.
async fn cockpit(profile: &Profile) -> Vec<(String, ItemStatus)> {
    let mut app = App::new(profile.clone(), "parity", Utc::now());
    let prober = Prober::new(&profile.settings).unwrap();
    for endpoint in &profile.endpoints {
        for (replica, url) in endpoint.urls.iter().enumerate() {
            let observation = prober.probe(endpoint, url, 1).await;
            let report = ProbeReport {
                endpoint: endpoint.id.clone(),
                replica,
                url: url.clone(),
                at: Utc::now(),
                observation,
            };
            update(&mut app, Msg::Probe(Box::new(report)));
        }
    }
    for effect in app.startup_effects() {
        let Effect::RunCheck { item } = effect else {
            continue;
        };
        let Some(Check::Command(check)) = profile.item(&item).and_then(|(_, i)| i.check.clone())
        else {
            continue;
        };
        let outcome = command::run(&CommandSpec::from(&check), None, None).await;
        update(&mut app, Msg::CheckFinished { item, outcome });
    }
    app.checklist
        .items()
        .iter()
        .map(|i| (i.id.clone(), i.status))
        .collect()
}

#[tokio::test]
async fn check_and_the_cockpit_agree_on_every_item_at_every_step() {
    use ItemStatus::{Fail, Manual, Pass};
    let dir = tempfile::tempdir().unwrap();
    let mode: Mode = Arc::new(AtomicU8::new(0));
    let addr = serve(mode.clone()).await;
    let profile = profile(dir.path(), addr);
    let flag = dir.path().join("migrated");
    let steps: [(u8, bool, [ItemStatus; 5]); 3] = [
        (0, true, [Manual, Pass, Pass, Pass, Pass]),
        (1, true, [Manual, Pass, Fail, Pass, Pass]),
        // A 500 answered quickly still meets a condition on time alone.
        (2, false, [Manual, Fail, Fail, Pass, Fail]),
    ];
    let ids = ["ci", "first-up", "all-ok", "quick", "migrated"];
    for (step, migrated, expected) in steps {
        mode.store(step, Ordering::SeqCst);
        if migrated {
            std::fs::write(&flag, "").unwrap();
        } else {
            let _ = std::fs::remove_file(&flag);
        }
        let headless = headless(&profile).await;
        let cockpit = cockpit(&profile).await;
        assert_eq!(
            headless, cockpit,
            "step {step}: check and the cockpit disagree"
        );
        let want: Vec<(String, ItemStatus)> =
            ids.iter().map(|id| id.to_string()).zip(expected).collect();
        assert_eq!(headless, want, "step {step}");
    }
}
