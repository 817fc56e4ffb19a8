//! The cockpit in a real terminal: tmux on a private socket at a fixed
//! 120×40, the built binary on a profile against a loopback server this test
//! starts. Polls the screen for markers (never bare sleeps), signs an item,
//! opens help, quits, and checks the terminal left the alternate screen; then
//! the same after SIGTERM. Skips, saying why, when tmux is missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;

struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(tag: &str) -> Tmux {
        Tmux {
            socket: format!("golive-test-{}-{tag}", std::process::id()),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap()
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// The pane's whole history, not only the visible screen.
    fn capture_history(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-S", "-", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn format(&self, fmt: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "e2e", fmt]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    /// Polls the screen until `marker` shows, or fails with the last screen.
    fn wait_for(&self, marker: &str, within: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if screen.contains(marker) {
                return screen;
            }
            assert!(
                start.elapsed() < within,
                "{marker:?} did not appear within {within:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_dead(&self, within: Duration) {
        let start = Instant::now();
        while self.format("#{pane_dead}") != "1" {
            assert!(
                start.elapsed() < within,
                "golive still running; screen:\n{}",
                self.capture()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available(test: &str) -> bool {
    support::tools::runs(test, support::tools::Tool::Tmux, "tmux", &["-V"])
}

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

fn launch_command(tag: &str, dir: &Path, command: &str) -> Tmux {
    let tmux = Tmux::new(tag);
    let conf = dir.join(format!("{tag}.conf"));
    std::fs::write(&conf, "set -g remain-on-exit on\n").unwrap();
    let out = Command::new("tmux")
        .args(["-L", &tmux.socket, "-f"])
        .arg(&conf)
        .args(["new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40"])
        .arg(command)
        .env("TERM", "xterm-256color")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let start = Instant::now();
    loop {
        let screen = tmux.capture();
        if screen.contains("Checklist") {
            return tmux;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the cockpit did not open:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Launches `command` through a wrapper that writes its exit status to the
/// returned file: tmux can mark the pane dead before it has reaped the
/// process, so `#{pane_dead_status}` is not to be trusted.
fn launch_with_status(tag: &str, dir: &Path, command: &str) -> (Tmux, PathBuf) {
    let status = dir.join(format!("{tag}-exit-status"));
    let script = dir.join(format!("{tag}.sh"));
    std::fs::write(
        &script,
        format!("{command}\necho $? > '{}'\n", status.display()),
    )
    .unwrap();
    let tmux = launch_command(tag, dir, &format!("sh '{}'", script.display()));
    (tmux, status)
}

/// The exit status the wrapper wrote, waiting a little for it.
fn exit_status(status: &Path) -> String {
    let start = Instant::now();
    while !status.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "no exit status written"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::read_to_string(status).unwrap().trim().to_string()
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
