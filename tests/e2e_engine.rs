//! The engine's rules as a user meets them in a real terminal (tmux, the
//! built binary, a loopback service this test starts): a secret printed by a
//! log source is masked on screen, in the file `S` saves and in the journal;
//! a rollback confirmed with R, y is verified against a service that only
//! recovers once the rollback ran, and `golive status` tells that story.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
mod tmux_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tmux_support::{launch_command, tmux_available};

const TOKEN: &str = "e2e-tok3n-4f9a";

/// A loopback `/health` that answers 200 once `flag` exists and 503 before:
/// the service "recovers" only when a rollback has created the file.
fn serve(flag: Option<PathBuf>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new().route(
                "/health",
                get(move || {
                    let up = flag.as_ref().is_none_or(|f| f.exists());
                    async move {
                        let code = if up {
                            StatusCode::OK
                        } else {
                            StatusCode::SERVICE_UNAVAILABLE
                        };
                        (code, axum::Json(serde_json::json!({"status": "ok"})))
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    format!("http://{addr}/health")
}

fn golive(dir: &Path, profile: &Path, journal: &Path, args: &str) -> String {
    format!(
        "cd '{}' && E2E_TOKEN={TOKEN} '{}' {args} '{}' --journal '{}' --operator alice",
        dir.display(),
        env!("CARGO_BIN_EXE_golive"),
        profile.display(),
        journal.display()
    )
}

fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < within, "{what} within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_secret_printed_by_a_log_source_never_reaches_screen_file_or_journal() {
    if !tmux_available("a secret printed by a log source") {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = serve(None);
    let profile = dir.path().join("secret.toml");
    std::fs::write(
        &profile,
        format!(
            r#"[service]
name = "secret-svc"
version = "v2"

[settings]
poll_interval = "1s"

[[endpoint]]
id = "health"
url = "{url}"
format = "plain"
headers = {{ Authorization = "Bearer ${{E2E_TOKEN}}" }}

[[logs]]
id = "printer"
command = ["sh", "-c", "while :; do echo \"sending Authorization: Bearer $(printenv E2E_TOKEN)\"; sleep 0.3; done"]

[[phase]]
id = "t-30"
title = "Pre-launch"

  [[phase.item]]
  id = "health"
  title = "Health answers 200"
  check = {{ endpoint = "health", conditions = ["[STATUS] == 200"] }}
"#
        ),
    )
    .unwrap();
    let journal = dir.path().join("journal.jsonl");
    let tmux = launch_command(
        "secret",
        dir.path(),
        &golive(dir.path(), &profile, &journal, "run"),
    );
    let screen = tmux.wait_for("sending Authorization: ••••", Duration::from_secs(20));
    assert!(!screen.contains(TOKEN), "the token is on screen:\n{screen}");
    // Focus the logs pane and save what it shows.
    tmux.keys(&["Tab", "Tab", "Tab"]);
    tmux.keys(&["S"]);
    tmux.wait_for("saved", Duration::from_secs(10));
    let saved: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("golive-logs-"))
        .collect();
    assert_eq!(saved.len(), 1, "one file saved: {saved:?}");
    let text = std::fs::read_to_string(&saved[0]).unwrap();
    assert!(text.contains("Authorization: ••••"), "{text}");
    assert!(
        !text.contains(TOKEN),
        "the token is in the saved file:\n{text}"
    );
    tmux.wait_for("✔ Health answers 200", Duration::from_secs(15));
    let screen = tmux.capture_history();
    assert!(!screen.contains(TOKEN), "the token is on screen:\n{screen}");
    tmux.keys(&["q"]);
    tmux.wait_dead(Duration::from_secs(10));
    let journalled = std::fs::read_to_string(&journal).unwrap_or_default();
    assert!(!journalled.contains(TOKEN), "{journalled}");
}

#[test]
fn a_rollback_from_the_cockpit_is_verified_and_status_tells_it() {
    if !tmux_available("a rollback from the cockpit") {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let flag = dir.path().join("rolled-back");
    let url = serve(Some(flag.clone()));
    let profile = dir.path().join("rollback.toml");
    std::fs::write(
        &profile,
        format!(
            r#"[service]
name = "rb-svc"
version = "v2"
previous = "v1"

[settings]
poll_interval = "1s"

[[endpoint]]
id = "health"
url = "{url}"
format = "plain"
track = "canary"

[[phase]]
id = "canary"
title = "Canary"

  [[phase.item]]
  id = "health"
  title = "Health answers 200"
  check = {{ endpoint = "health", conditions = ["[STATUS] == 200"], hold = "1s" }}

  [[phase.item]]
  id = "version"
  title = "Every canary runs v2"
  check = {{ endpoint = "health", conditions = ["[BODY].version == v2"] }}

[actions.rollback]
command = ["touch", "{flag}"]
verify = ["health"]
verify_timeout = "1m"
"#,
            flag = flag.display()
        ),
    )
    .unwrap();
    let journal = dir.path().join("journal.jsonl");
    let tmux = launch_command(
        "rollback",
        dir.path(),
        &golive(dir.path(), &profile, &journal, "run"),
    );
    tmux.wait_for("✘ FAILING", Duration::from_secs(15));
    tmux.keys(&["R"]);
    tmux.wait_for("touch", Duration::from_secs(5));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for("recovered in", Duration::from_secs(30));
    assert!(screen.contains("ROLLED BACK by alice"), "{screen}");
    assert!(!screen.contains("FAILING"), "{screen}");
    // The item the rollback made moot is superseded, not failed.
    assert!(screen.contains("⊘ Every canary runs v2"), "{screen}");
    let mut verified = String::new();
    wait_until("a verified record", Duration::from_secs(5), || {
        verified = std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(r#""kind":"verified""#))
            .collect();
        !verified.is_empty()
    });
    assert!(verified.contains(r#""recovered":true"#), "{verified}");
    assert!(verified.contains(r#""time_to_recovery_ms""#), "{verified}");
    tmux.keys(&["q"]);
    tmux.wait_dead(Duration::from_secs(10));

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_golive"))
        .arg("status")
        .arg(&profile)
        .arg("--journal")
        .arg(&journal)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("rollback by alice"), "{text}");
    assert!(text.contains("exit 0"), "{text}");
    assert!(text.contains("recovered in"), "{text}");
    assert!(text.contains("lifecycle: recovered"), "{text}");
}
