//! The tmux harness the end-to-end tests share: a private server socket, a
//! fixed 120×40 pane running the built binary in the test's directory,
//! screen captures polled for markers (never bare sleeps) and the command's
//! exit status written by a wrapper.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    pub fn new(tag: &str) -> Tmux {
        Tmux {
            socket: format!("golive-test-{}-{tag}", std::process::id()),
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap()
    }

    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// The pane's whole history, not only the visible screen.
    pub fn capture_history(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-S", "-", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn format(&self, fmt: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "e2e", fmt]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    /// Polls the screen until `marker` shows, or fails with the last screen.
    pub fn wait_for(&self, marker: &str, within: Duration) -> String {
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

    pub fn wait_dead(&self, within: Duration) {
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

/// Whether tmux runs here; a missing tmux skips `test`, or fails it when
/// `GOLIVE_REQUIRE_TOOLS=1` (the one rule in `tests/support/tools.rs`).
pub fn tmux_available(test: &str) -> bool {
    crate::support::tools::runs(test, crate::support::tools::Tool::Tmux, "tmux", &["-V"])
}

pub fn launch_command(tag: &str, dir: &Path, command: &str) -> Tmux {
    let tmux = Tmux::new(tag);
    let conf = dir.join(format!("{tag}.conf"));
    std::fs::write(&conf, "set -g remain-on-exit on\n").unwrap();
    let out = Command::new("tmux")
        .args(["-L", &tmux.socket, "-f"])
        .arg(&conf)
        .args([
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "120",
            "-y",
            "40",
            "-c",
        ])
        .arg(dir)
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
pub fn launch_with_status(tag: &str, dir: &Path, command: &str) -> (Tmux, PathBuf) {
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
pub fn exit_status(status: &Path) -> String {
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
