//! The peer in the same run: oxker (ratatui + bollard, `cargo install
//! oxker`), started in a private tmux server at 120×40 when it is on PATH,
//! so a bench can report its CPU and memory beside golive's. Absent, the
//! bench says so and goes on without it.
#![allow(dead_code)]

use std::process::Command;
use std::time::Duration;

/// oxker running in tmux; dropping it ends the tmux server and oxker.
pub struct Peer {
    socket: String,
    pub pid: u32,
}

fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Peer {
    /// Starts `oxker args`, or None after saying why it cannot.
    pub fn start(args: &[&str]) -> Option<Peer> {
        if !on_path("oxker") {
            println!("peer: oxker is not on PATH (cargo install oxker): not compared");
            return None;
        }
        if !Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            println!("peer: tmux is missing: oxker not compared");
            return None;
        }
        let socket = format!("golive-bench-{}-oxker", std::process::id());
        let command = std::iter::once("oxker")
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        let started = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "40",
            ])
            .arg(&command)
            .status();
        if !started.is_ok_and(|s| s.success()) {
            println!("peer: cannot start oxker in tmux");
            return None;
        }
        let pid = Command::new("tmux")
            .args(["-L", &socket, "display-message", "-p", "#{pane_pid}"])
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok());
        let peer = Peer {
            socket,
            pid: pid.unwrap_or(0),
        };
        if peer.pid == 0 {
            println!("peer: oxker's pid is unknown");
            return None;
        }
        // Its first frame and first look at the engine.
        std::thread::sleep(Duration::from_secs(2));
        Some(peer)
    }

    /// User plus system CPU seconds oxker has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) else {
            return 0.0;
        };
        // Fields after the command name (which may hold spaces) in parentheses.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // SAFETY: sysconf only reads a system constant.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        (ticks(11) + ticks(12)) / hz.max(1.0)
    }

    /// Resident memory now and at its peak, KiB.
    pub fn rss_kib(&self) -> (u64, u64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// The screen as text, to read what oxker shows.
    pub fn screen(&self) -> String {
        Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
