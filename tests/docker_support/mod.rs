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

/// The engine when it is a manager of an active swarm, or None after
/// printing why the test is skipped; a required engine that is not in a
/// swarm fails the test ("engine not in a swarm": `.ci/run` makes one).
pub async fn swarm_or_skip(test: &str) -> Option<Engine> {
    let engine = engine_or_skip(test).await?;
    let state = Command::new("docker")
        .args([
            "info",
            "--format",
            "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if state == "active true" {
        return Some(engine);
    }
    tools::missing(
        test,
        Tool::Docker,
        &format!("engine not in a swarm (state `{state}`): run `docker swarm init`"),
    );
    None
}

/// A Swarm service removed when dropped (its tasks go with it).
pub struct SwarmService(pub String);

impl Drop for SwarmService {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["service", "rm", &self.0])
            .output();
    }
}

/// `<repo>:v1` and `<repo>:v2` swarm images (see [`build_swarm_image`]) and
/// a 3-replica service on v1 that updates one task at a time with `delay`
/// between them: (the service, its name, v1, v2).
pub fn swarm_releases(
    cleanup: &mut Cleanup,
    what: &str,
    delay: &str,
) -> (SwarmService, String, String, String) {
    let repo = unique(what);
    let (v1, v2) = (format!("{repo}:v1"), format!("{repo}:v2"));
    build_swarm_image(cleanup, &v1, "v1");
    build_swarm_image(cleanup, &v2, "v2");
    let name = unique("svc");
    let service = SwarmService(name.clone());
    docker(&[
        "service",
        "create",
        "--detach",
        "--no-resolve-image",
        "--name",
        &name,
        "--replicas",
        "3",
        "--update-parallelism",
        "1",
        "--update-delay",
        delay,
        "--stop-grace-period",
        "1s",
        &v1,
    ]);
    (service, name, v1, v2)
}

/// Builds `tag` FROM scratch: busybox httpd on :8080 serving `/health` as
/// `{"version":"<version>"}` and printing `serving <version>` once a
/// second, so a service's tasks have logs to follow.
pub fn build_swarm_image(cleanup: &mut Cleanup, tag: &str, version: &str) {
    let script = format!(
        "mkdir -p /www\n\
         echo '{{\"version\":\"{version}\"}}' > /www/health\n\
         /bin/busybox httpd -p 8080 -h /www\n\
         while true; do echo \"serving {version}\"; sleep 1; done\n"
    );
    build_from(
        cleanup,
        tag,
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY serve.sh /\n\
         ENTRYPOINT [\"/bin/busybox\", \"sh\", \"/serve.sh\"]\n",
        &[("serve.sh", &script)],
    );
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
    build_from(
        cleanup,
        tag,
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY version /version\n\
         ENTRYPOINT [\"/bin/busybox\", \"sh\", \"-c\"]\n",
        &[("version", &format!("{version}\n"))],
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

/// Builds `tag` FROM scratch as a release image differs from the next:
/// `ENV RELEASE`, `LABEL org.opencontainers.image.version`, `WORKDIR`, a
/// `HEALTHCHECK` and a `CMD` of its own, all saying `release`. Each command (both are in every
/// image) serves `{"version":"$RELEASE","cmd":"<its release>"}` at
/// `:8080/health` with busybox httpd, so a container shows which env and
/// which command it got.
pub fn build_release_image(cleanup: &mut Cleanup, tag: &str, release: &str) {
    let script = |which: &str| {
        format!(
            "mkdir -p /www\n\
             echo \"{{\\\"version\\\":\\\"$RELEASE\\\",\\\"cmd\\\":\\\"{which}\\\"}}\" > /www/health\n\
             exec /bin/busybox httpd -f -p 8080 -h /www\n"
        )
    };
    // The healthchecks differ too: v1's allows 3 retries, v2's 4.
    let retries = if release == "v1" { 3 } else { 4 };
    let dockerfile = format!(
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\n\
         COPY serve-v1.sh serve-v2.sh /\n\
         ENV RELEASE={release}\nLABEL org.opencontainers.image.version={release}\n\
         WORKDIR /srv/{release}\n\
         HEALTHCHECK --interval=1s --timeout=2s --retries={retries} \
         CMD /bin/busybox wget -q -O /dev/null http://127.0.0.1:8080/health\n\
         ENTRYPOINT [\"/bin/busybox\", \"sh\", \"-c\"]\nCMD [\"/bin/sh /serve-{release}.sh\"]\n"
    );
    build_from(
        cleanup,
        tag,
        &dockerfile,
        &[
            ("serve-v1.sh", &script("v1")),
            ("serve-v2.sh", &script("v2")),
        ],
    );
}

/// `<repo>:v1` and `<repo>:v2` release images (see [`build_release_image`])
/// under a fresh repo name, which is returned.
pub fn build_releases(cleanup: &mut Cleanup, what: &str) -> String {
    let repo = unique(what);
    build_release_image(cleanup, &format!("{repo}:v1"), "v1");
    build_release_image(cleanup, &format!("{repo}:v2"), "v2");
    repo
}

/// The body of a release container's `/health` on its published port,
/// polled until it answers.
pub async fn release_health(name: &str) -> String {
    let host_port = docker(&["port", name, "8080/tcp"]);
    let url = format!("http://{}/health", host_port.lines().next().unwrap_or(""));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(resp) = reqwest::get(&url).await
            && let Ok(body) = resp.text().await
        {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} never answered on {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Builds `tag` from `dockerfile` with busybox (and `files`) in the context.
fn build_from(cleanup: &mut Cleanup, tag: &str, dockerfile: &str, files: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let bb = busybox().expect("busybox");
    std::fs::copy(bb, dir.path().join("busybox")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
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

/// A real Compose 1.29 project of one service `api` (image
/// `$API_REPO:$API_TAG`, env, a published port, a restart policy), taken
/// down with its network when dropped.
pub struct ComposeProject {
    pub dir: std::path::PathBuf,
    /// `-p NAME`, or None to let Compose name it after `dir`.
    pub explicit: Option<String>,
    pub repo: String,
}

impl ComposeProject {
    pub fn new(dir: &Path, explicit: Option<&str>, repo: &str) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("docker-compose.yml"),
            "version: \"2.4\"\nservices:\n  api:\n    image: \"${API_REPO}:${API_TAG}\"\n    \
             environment:\n      APP_MODE: canary\n    ports:\n      - \"127.0.0.1::8080\"\n    \
             restart: on-failure\n    stop_grace_period: 1s\n",
        )
        .unwrap();
        Self {
            dir: dir.to_path_buf(),
            explicit: explicit.map(str::to_string),
            repo: repo.to_string(),
        }
    }

    fn run(&self, tag: &str, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new("docker-compose");
        if let Some(p) = &self.explicit {
            cmd.args(["-p", p]);
        }
        cmd.args(args)
            .current_dir(&self.dir)
            .env_remove("COMPOSE_PROJECT_NAME")
            .env("API_REPO", &self.repo)
            .env("API_TAG", tag)
            .output()
            .expect("docker-compose")
    }

    /// `docker-compose up -d` with `API_TAG=tag`; what it said.
    pub fn up(&self, tag: &str) -> String {
        let out = self.run(tag, &["up", "-d"]);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "docker-compose up: {said}");
        said
    }

    /// The one container of service `api`, by name.
    pub fn container(&self) -> String {
        let out = self.run("unused", &["ps", "-q", "api"]);
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(!id.is_empty(), "no api container in {}", self.dir.display());
        docker(&["inspect", "-f", "{{.Name}}", &id])
            .trim_start_matches('/')
            .to_string()
    }
}

impl Drop for ComposeProject {
    fn drop(&mut self) {
        let _ = self.run("unused", &["down", "-v", "-t", "1"]);
    }
}
