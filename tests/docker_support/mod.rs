//! Shared by the tests that need the real Docker engine: a skip (or, with
//! `GOLIVE_REQUIRE_TOOLS=1` or `GOLIVE_REQUIRE_DOCKER=1`, a failure; the
//! rule is `tests/support/tools.rs`) when no engine answers, test images
//! built `FROM scratch` with Debian's busybox-static, and a guard that
//! removes every container, image, network and volume a test made.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use golive::io::docker::{self, Engine};

#[path = "../support/tools.rs"]
pub mod tools;
pub use tools::Tool;

/// A name no other test (or run) uses: `golive-test-<pid>-<n>-<what>`.
pub fn unique(what: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "golive-test-{}-{}-{what}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// The engine (on its unix socket or at `DOCKER_HOST`), or None after
/// printing why the test is skipped; a required engine fails the test.
pub async fn engine_or_skip(test: &str) -> Option<Engine> {
    let host = docker::host_from(None);
    match Engine::connect(&host, Duration::from_secs(5)).await {
        Ok(engine) if busybox().is_some() => Some(engine),
        result => {
            let (tool, why) = match result {
                Err(e) => (Tool::Docker, e.to_string()),
                Ok(_) => (Tool::Busybox, "/bin/busybox is missing".to_string()),
            };
            tools::missing(test, tool, &why);
            None
        }
    }
}

fn busybox() -> Option<&'static Path> {
    ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
}

/// Runs the docker CLI, panicking with its stderr on failure.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI");
    assert!(
        out.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Everything a test created, removed when it ends (pass or panic).
#[derive(Default)]
pub struct Cleanup {
    pub containers: Vec<String>,
    pub images: Vec<String>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
    /// Name prefixes: containers golive itself created (or renamed).
    pub prefixes: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let quiet = |args: &[&str]| {
            let _ = Command::new("docker").args(args).output();
        };
        for prefix in &self.prefixes {
            if let Ok(out) = Command::new("docker")
                .args(["ps", "-aq", "--filter", &format!("name={prefix}")])
                .output()
            {
                for id in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                    quiet(&["rm", "-f", id]);
                }
            }
        }
        for c in &self.containers {
            quiet(&["rm", "-f", c]);
        }
        for n in &self.networks {
            quiet(&["network", "rm", n]);
        }
        for v in &self.volumes {
            quiet(&["volume", "rm", "-f", v]);
        }
        for i in &self.images {
            quiet(&["rmi", "-f", i]);
        }
    }
}

/// Builds `tag` FROM scratch: busybox as /bin/busybox and /bin/sh (so
/// healthchecks work), `/version` holding `version`, and an entrypoint of
/// `busybox sh -c`, so a container's command is a shell script.
pub fn build_image(cleanup: &mut Cleanup, tag: &str, version: &str) {
    let dir = tempfile::tempdir().unwrap();
    let bb = busybox().expect("busybox");
    std::fs::copy(bb, dir.path().join("busybox")).unwrap();
    std::fs::write(dir.path().join("version"), format!("{version}\n")).unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY version /version\n\
         ENTRYPOINT [\"/bin/busybox\", \"sh\", \"-c\"]\n",
    )
    .unwrap();
    cleanup.images.push(tag.to_string());
    // No cache: the legacy builder shares cached layers between builds, and
    // a test removing its image can delete a layer another test's build is
    // about to reuse ("unknown parent image ID"). Each image gets its own.
    let build = || {
        Command::new("docker")
            .args(["build", "--no-cache", "-q", "-t", tag])
            .arg(dir.path())
            .output()
            .expect("docker CLI")
    };
    let mut out = build();
    if !out.status.success() {
        // Once more: a build can still lose a race with another's cleanup.
        out = build();
    }
    assert!(
        out.status.success(),
        "docker build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Polls `f` every 50 ms until it returns Some or `timeout` passes.
pub async fn poll<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
