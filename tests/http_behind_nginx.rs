//! Endpoint checks behind a real reverse proxy (Debian's nginx-light, run
//! in the foreground with its own prefix and config in a temp dir, on a
//! loopback port). With the upstream down nginx answers 502, with the
//! upstream hanging past `proxy_read_timeout 1s` it answers 504, both with
//! its HTML error page. An item whose only condition is on the body, as the
//! seed profiles' `health-after` and `ready` items are, must say the HTTP
//! status first, in `golive check` and in the cockpit's checklist alike.
//! Skipped, with the reason printed, when nginx is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use golive::engine::probe::ProbeReport;
use golive::engine::state::{App, Msg, update};
use golive::io::probe::Prober;

fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .map(PathBuf::from)
        .into_iter()
        .find(|p| p.is_file())
}

/// Stops and reaps nginx however the test ends.
struct Nginx {
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// nginx proxying `/down/` to a port nobody listens on and `/hang/` to
/// `hang`, which accepts and never answers.
fn start_nginx(binary: &Path, hang: SocketAddr) -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let port = free_port();
    let dead = free_port();
    let conf = format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
         error_log {d}/error.log warn;\nevents {{ worker_connections 64; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         server {{\n    listen 127.0.0.1:{port};\n\
         location /down/ {{ proxy_pass http://127.0.0.1:{dead}/; }}\n\
         location /hang/ {{ proxy_pass http://{hang}/; proxy_read_timeout 1s; }}\n  }}\n}}\n"
    );
    let conf_path = dir.path().join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = Command::new(binary)
        .arg("-p")
        .arg(dir.path())
        .arg("-e")
        .arg(dir.path().join("error.log"))
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let nginx = Nginx { child, addr, dir };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "nginx did not listen on {addr}: {}",
            std::fs::read_to_string(nginx.dir.path().join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    nginx
}

/// An upstream that accepts connections and never answers; it lives as
/// long as the test process.
fn hanging_upstream() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    addr
}

/// The seed profiles' items: alojamientos' `health-after` (healthz) and
/// core-warmup's `ready` (warmup), both reading only the body.
fn write_profile(dir: &Path, nginx: SocketAddr) -> PathBuf {
    let path = dir.join("behind-nginx.toml");
    let text = format!(
        r#"[service]
name = "alojamientos"
version = "v2"
previous = "v1"

[settings]
poll_interval = "200ms"
timeout = "5s"

[[endpoint]]
id = "healthz"
url = "http://{nginx}/down/api/v1/healthz"
format = "healthz"

[[endpoint]]
id = "warmup"
url = "http://{nginx}/hang/warmup/status"
format = "warmup"

[[phase]]
id = "post"
title = "Post-launch"

  [[phase.item]]
  id = "health-after"
  title = "Health check post-deploy = healthy"
  check = {{ endpoint = "healthz", conditions = ["[BODY].status == healthy"] }}

  [[phase.item]]
  id = "ready"
  title = "is_ready=true in all canary pods"
  check = {{ endpoint = "warmup", conditions = ["[BODY].ready == true"], all_replicas = true }}
"#
    );
    std::fs::write(&path, text).unwrap();
    path
}

const BAD_GATEWAY: &str =
    "HTTP 502 (text/html, proxy error page): [BODY].status == healthy failed: [BODY].status";
const GATEWAY_TIMEOUT: &str =
    "HTTP 504 (text/html, proxy error page): [BODY].ready == true failed: [BODY].ready";

#[test]
fn a_proxy_error_page_is_reported_by_its_status_in_check_and_cockpit() {
    let Some(binary) = nginx_binary() else {
        eprintln!("skipped: no nginx binary (apt-get install nginx-light)");
        return;
    };
    let nginx = start_nginx(&binary, hanging_upstream());
    let dir = tempfile::tempdir().unwrap();
    let profile_path = write_profile(dir.path(), nginx.addr);

    // `golive check`, as CI runs it.
    let out = assert_cmd::Command::cargo_bin("golive")
        .unwrap()
        .env("GOLIVE_JOURNAL", dir.path().join("journal.jsonl"))
        .env("GOLIVE_OPERATOR", "ci-bot")
        .args(["check", profile_path.to_str().unwrap(), "--format", "json"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let detail = |id: &str| {
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let health = detail("health-after");
    assert!(health.starts_with(BAD_GATEWAY), "{health}");
    assert!(health.contains("cannot be read"), "{health}");
    let ready = detail("ready");
    assert!(ready.starts_with(GATEWAY_TIMEOUT), "{ready}");

    // The cockpit's engine, fed the same prober's observations.
    let profile = golive::profile::load(&profile_path).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let prober = Prober::new(&profile.settings).unwrap();
    let mut app = App::new(profile.clone(), "ops", Utc::now());
    for endpoint in &profile.endpoints {
        let url = &endpoint.urls[0];
        let observation = runtime.block_on(prober.probe(endpoint, url, 1));
        update(
            &mut app,
            Msg::Probe(Box::new(ProbeReport {
                endpoint: endpoint.id.clone(),
                replica: 0,
                url: url.clone(),
                at: Utc::now(),
                observation,
            })),
        );
    }
    let shown = |id: &str| app.checklist.get(id).unwrap().detail.clone();
    assert_eq!(shown("health-after"), health);
    assert_eq!(shown("ready"), ready);
}
