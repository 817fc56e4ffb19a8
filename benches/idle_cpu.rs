//! Idle CPU of the cockpit: the real event loop, poller, prober and journal
//! watcher polling 20 loopback endpoints at 1 Hz, drawing to a 120×40
//! `TestBackend`, with no keys pressed. The endpoints are served by a child
//! process (this binary re-run with `--serve`), so only the cockpit's own
//! work is counted: user+system CPU of this process (getrusage) over
//! the measured window (GOLIVE_IDLE_SECS, default 60, after 5 s of warm-up).
//! Two runs: the manual items only (the fixed cost of polling, journal and
//! frames), then the sample profile with its checked items kept, as a
//! release runs it.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
mod peer;

use golive::cockpit::fixture::sample_profile;
use golive::driver::{Options, event_loop};
use golive::engine::state::App;
use golive::ui::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Endpoints polled: 20 by default (the figure); GOLIVE_IDLE_ENDPOINTS
/// changes it, so the cost per endpoint and the fixed cost can be told apart.
fn endpoints() -> usize {
    std::env::var("GOLIVE_IDLE_ENDPOINTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
}

fn serve(n: usize) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async move {
        let mut servers = Vec::new();
        for _ in 0..n {
            let app = axum::Router::new().route(
                "/health",
                axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
            );
            let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
                return;
            };
            if let Ok(addr) = listener.local_addr() {
                println!("http://{addr}/health");
            }
            servers.push(tokio::spawn(
                async move { axum::serve(listener, app).await },
            ));
        }
        println!("ready");
        for s in servers {
            let _ = s.await;
        }
    });
}

/// User plus system CPU time of this process so far. getrusage is exact
/// (the kernel scales it from the scheduler's nanosecond runtime), where
/// /proc's clock ticks are 10 ms apart: too coarse for a 0.5 % goal.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes into the zeroed struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        serve(endpoints());
        return;
    }
    let secs: u64 = std::env::var("GOLIVE_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let Ok(mut child) = Command::new(exe)
        .arg("--serve")
        .stdout(Stdio::piped())
        .spawn()
    else {
        eprintln!("cannot start the endpoint server");
        return;
    };
    let mut urls = Vec::new();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line == "ready" {
                break;
            }
            urls.push(line);
        }
    }
    // Manual items only (the poller, the journal and the frames alone), then
    // the sample profile as a release runs it, its checked items kept.
    for keep_checks in [false, true] {
        measure(&urls, secs, keep_checks);
    }
    let _ = child.kill();
    let _ = child.wait();
    peer_idle(secs);
}

/// oxker idle on the same engine (it polls every container's stats, so the
/// containers running are said), over the same window.
fn peer_idle(secs: u64) {
    let Some(oxker) = peer::Peer::start(&[]) else {
        return;
    };
    let containers = Command::new("docker")
        .args(["ps", "-q"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().count())
        .unwrap_or(0);
    std::thread::sleep(Duration::from_secs(5));
    let (t0, c0) = (Instant::now(), oxker.cpu_seconds());
    std::thread::sleep(Duration::from_secs(secs));
    let (elapsed, cpu) = (t0.elapsed().as_secs_f64(), oxker.cpu_seconds() - c0);
    let (rss, _) = oxker.rss_kib();
    println!(
        "peer: oxker idle with {containers} containers running: {cpu:.2} s CPU over {elapsed:.1} s = {:.3} % of one core, RSS {:.1} MiB",
        100.0 * cpu / elapsed,
        rss as f64 / 1024.0
    );
}

/// Runs the cockpit on `urls` for `secs` (after a warm-up) and prints the
/// CPU it took.
fn measure(urls: &[String], secs: u64, keep_checks: bool) {
    let mut profile = sample_profile();
    profile.settings.poll_interval = Duration::from_secs(1);
    let template = profile.endpoints[0].clone();
    profile.endpoints = urls
        .iter()
        .enumerate()
        .map(|(i, url)| {
            let mut e = template.clone();
            e.id = format!("ep{i:02}");
            e.urls = vec![url.clone()];
            e.track = Some(if i % 2 == 0 { "canary" } else { "baseline" }.into());
            e
        })
        .collect();
    if !keep_checks {
        for phase in &mut profile.phases {
            phase.items.retain(|i| i.check.is_none());
        }
    }
    let Ok(dir) = tempfile::tempdir() else { return };
    let options = Options {
        journal: dir.path().join("journal.jsonl"),
        theme: Theme::default(),
        save_dir: dir.path().to_path_buf(),
    };
    // The runtime `golive run` builds (src/commands/run.rs).
    let built = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let Ok(rt) = built else {
        return;
    };
    let result = rt.block_on(async move {
        let Ok(mut terminal) = Terminal::new(TestBackend::new(120, 40));
        let warmup = Duration::from_secs(5);
        let window = Duration::from_secs(secs);
        let measure = async {
            tokio::time::sleep(warmup).await;
            let (t0, c0) = (Instant::now(), cpu_time());
            tokio::time::sleep(window).await;
            (t0.elapsed(), cpu_time() - c0)
        };
        let app = App::new(profile, "bench", Utc::now());
        // No key ever arrives; the loop ends when the measurement does.
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let events = tokio_stream::wrappers::ReceiverStream::new(rx);
        let (looped, measured) =
            tokio::join!(event_loop(&mut terminal, app, options, 0, events), async {
                let m = measure.await;
                drop(tx);
                m
            });
        looped.ok().map(|app| (app, measured))
    });
    let Some((app, (elapsed, cpu))) = result else {
        eprintln!("the cockpit loop failed");
        return;
    };
    let cpu_secs = cpu.as_secs_f64();
    let probed = app
        .endpoints
        .iter()
        .filter(|e| !e.latency.is_empty())
        .count();
    let items = if keep_checks {
        "every sample item, checked ones included"
    } else {
        "manual items only"
    };
    println!(
        "idle cockpit, {} endpoints at 1 Hz ({probed} answered), {items}: {:.3} s CPU over {:.1} s = {:.3} % of one core",
        app.endpoints.len(),
        cpu_secs,
        elapsed.as_secs_f64(),
        100.0 * cpu_secs / elapsed.as_secs_f64()
    );
}
