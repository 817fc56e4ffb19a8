//! The cockpit in a real terminal: tmux on a private socket at a fixed
//! 120×40, the built binary on a profile against a loopback server this test
//! starts. Polls the screen for markers (never bare sleeps), signs an item,
//! opens help, quits, and checks the terminal left the alternate screen; then
//! the same after SIGTERM. Skips, saying why, when tmux is missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
mod tmux_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tmux_support::{exit_status, launch_command, launch_with_status, tmux_available};

use axum::Router;
use axum::routing::get;

/// A loopback service answering `/health`, on its own thread and runtime.
fn serve() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new().route(
                "/health",
                get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    format!("http://{addr}/health")
}

fn write_profile(dir: &Path, url: &str) -> PathBuf {
    let path = dir.join("e2e.toml");
    std::fs::write(
        &path,
        format!(
            r#"[service]
name = "e2e-service"
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
id = "t-30"
title = "Pre-launch"

  [[phase.item]]
  id = "ci-green"
  title = "CI pipeline passed all tests"

  [[phase.item]]
  id = "health"
  title = "Health answers 200"
  check = {{ endpoint = "health", conditions = ["[STATUS] == 200"] }}

[[phase]]
id = "canary"
title = "Canary"

  [[phase.item]]
  id = "dashboards"
  title = "Dashboards watched"

[actions.rollback]
command = ["true"]
"#
        ),
    )
    .unwrap();
    path
}

/// A loopback service, a profile on it and a journal path in a fresh
/// directory, with the command that opens the cockpit on them; None, saying
/// why, when tmux is missing.
fn cockpit_setup() -> Option<(tempfile::TempDir, String, PathBuf)> {
    if !tmux_available("the cockpit in tmux") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(dir.path(), &serve());
    let journal = dir.path().join("journal.jsonl");
    let command = run_command(&profile, &journal);
    Some((dir, command, journal))
}

fn run_command(profile: &Path, journal: &Path) -> String {
    format!(
        "'{}' run '{}' --journal '{}' --operator e2e-op",
        env!("CARGO_BIN_EXE_golive"),
        profile.display(),
        journal.display()
    )
}

#[test]
fn sign_help_quit_in_a_real_terminal() {
    let Some((dir, command, journal)) = cockpit_setup() else {
        return;
    };
    let (tmux, status) = launch_with_status("main", dir.path(), &command);
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "1",
        "runs on the alternate screen"
    );
    // The endpoint item passes against the live server.
    tmux.wait_for("✔ Health answers 200", Duration::from_secs(15));
    // ci-green is selected first: space signs it.
    tmux.keys(&["Space"]);
    tmux.wait_for("✍ CI pipeline passed all tests", Duration::from_secs(5));
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(
        text.contains("\"sign_off\"") && text.contains("e2e-op"),
        "{text}"
    );
    tmux.keys(&["?"]);
    tmux.wait_for("Help — ? or esc closes", Duration::from_secs(5));
    tmux.keys(&["Escape"]);
    let start = Instant::now();
    while tmux.capture().contains("Help — ?") {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "help did not close"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.keys(&["q"]);
    tmux.wait_dead(Duration::from_secs(10));
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
    assert_eq!(exit_status(&status), "0", "exit status 0");
}

#[test]
fn sigterm_restores_the_terminal() {
    let Some((dir, command, _)) = cockpit_setup() else {
        return;
    };
    let tmux = launch_command("term", dir.path(), &command);
    let pid = tmux.format("#{pane_pid}");
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    tmux.wait_dead(Duration::from_secs(10));
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
}

#[test]
fn demo_reaches_the_canary_phase_once_the_manual_items_are_signed() {
    if !tmux_available("demo_reaches_the_canary_phase_once_the_manual_items_are_signed") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let command = format!(
        "'{}' demo --speed 20 --journal '{}' --operator e2e-op",
        env!("CARGO_BIN_EXE_golive"),
        journal.display()
    );
    let tmux = launch_command("demo", dir.path(), &command);
    tmux.wait_for("phase t-30", Duration::from_secs(20));
    // Sign every manual item of the pre-launch phase: the first two rows.
    tmux.keys(&["Space"]);
    tmux.wait_for("✍", Duration::from_secs(5));
    tmux.keys(&["j", "Space"]);
    tmux.wait_for("phase canary", Duration::from_secs(30));
    tmux.keys(&["?"]);
    tmux.wait_for("Help — ? or esc closes", Duration::from_secs(5));
    tmux.keys(&["q"]);
    tmux.wait_dead(Duration::from_secs(10));
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(text.matches("\"sign_off\"").count(), 2, "{text}");
}

#[test]
fn a_panic_in_a_task_restores_the_terminal_before_the_report() {
    let Some((dir, command, _)) = cockpit_setup() else {
        return;
    };
    // Debug builds only: a cockpit task panics 3 s after the cockpit opens.
    let command = format!("GOLIVE_DEBUG_TASK_PANIC_MS=3000 {command}");
    let (tmux, status) = launch_with_status("panic", dir.path(), &command);
    tmux.wait_dead(Duration::from_secs(20));
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
    let screen = tmux.capture_history();
    assert!(
        screen.contains("deliberate panic in a cockpit task"),
        "the panic report is readable on the restored screen:\n{screen}"
    );
    assert_ne!(exit_status(&status), "0", "a panic is a failure exit");
}
