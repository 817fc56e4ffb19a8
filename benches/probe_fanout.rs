//! Probe fan-out: what polling N endpoints at 1 Hz costs golive in CPU.
//!
//! One loopback axum server (a child process, this binary re-run with
//! `--serve`, so its CPU is not counted as golive's) answers `/health/{i}`
//! with a small healthz body; the real poller polls N endpoints, one per
//! path, at 1 Hz. After a short warm-up, user+sys CPU of this process over
//! the measured window (getrusage) divided by the wall time is the figure.
//!
//! cargo bench --bench probe_fanout              # N = 100 and 1000, 10 s each
//! cargo bench --bench probe_fanout -- 250 5     # N = 250 for 5 s

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use golive::io::poller::{DEFAULT_CONCURRENCY, DEFAULT_WAVE, Poller, PollerConfig};
use golive::io::probe::Prober;
use golive::profile::{Endpoint, HealthFormat, Settings};
use tokio::sync::mpsc;

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        return serve();
    }
    // cargo passes `--bench`; anything numeric is ours.
    let numbers: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let (sizes, seconds) = match numbers.as_slice() {
        [] => (vec![100, 1000], 10),
        [n] => (vec![*n as usize], 10),
        [n, s, ..] => (vec![*n as usize], *s),
    };

    let mut server = Command::new(std::env::current_exe()?)
        .arg("--serve")
        .stdout(Stdio::piped())
        .spawn()?;
    let result = (|| -> Result<(), BoxError> {
        let stdout = server.stdout.take().ok_or("no server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let addr = line.trim().to_string();
        println!("probe fan-out at 1 Hz, loopback server {addr} (separate process)");
        println!(
            "{:>6} {:>10} {:>12} {:>14} {:>12}",
            "N", "window s", "reports/s", "CPU s/wall s", "max RSS MiB"
        );
        for n in sizes {
            run(&addr, n, Duration::from_secs(seconds))?;
        }
        Ok(())
    })();
    let _ = server.kill();
    let _ = server.wait();
    result
}

fn run(addr: &str, n: usize, window: Duration) -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let settings = Settings::default();
        let prober = Prober::new(&settings)?;
        let endpoints: Vec<Endpoint> = (0..n)
            .map(|i| Endpoint {
                id: format!("ep{i}"),
                urls: vec![format!("http://{addr}/health/{i}")],
                format: HealthFormat::Auto,
                track: None,
                method: "GET".into(),
                headers: Vec::new(),
                body: None,
                timeout: Duration::from_secs(5),
                warmup_timeout: Duration::from_secs(120),
            })
            .collect();
        let (tx, mut rx) = mpsc::channel(1024);
        let config = PollerConfig {
            interval: Duration::from_secs(1),
            concurrency: DEFAULT_CONCURRENCY,
            wave: DEFAULT_WAVE,
        };
        let poller = Poller::spawn(prober, &endpoints, &config, tx);
        let received = Arc::new(AtomicU64::new(0));
        let counter = received.clone();
        let consumer = tokio::spawn(async move {
            while let Some(report) = rx.recv().await {
                if report.observation.health.state != golive::engine::health::HealthState::Up {
                    eprintln!("not up: {:?}", report.observation.health.reason);
                }
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        // Warm-up: every endpoint probed once, connections pooled.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (cpu0, wall0, n0) = (
            cpu_seconds(),
            Instant::now(),
            received.load(Ordering::Relaxed),
        );
        tokio::time::sleep(window).await;
        let (cpu1, wall1, n1) = (
            cpu_seconds(),
            Instant::now(),
            received.load(Ordering::Relaxed),
        );
        let wall = wall1.duration_since(wall0).as_secs_f64();
        println!(
            "{:>6} {:>10.1} {:>12.1} {:>14.4} {:>12.1}",
            n,
            wall,
            (n1 - n0) as f64 / wall,
            (cpu1 - cpu0) / wall,
            max_rss_mib()
        );
        drop(poller);
        consumer.abort();
        Ok::<(), BoxError>(())
    })?;
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

fn rusage() -> libc::rusage {
    // SAFETY: getrusage only writes into the struct we hand it.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    }
}

fn cpu_seconds() -> f64 {
    let u = rusage();
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Peak resident memory of this process image (`VmHWM`). Not getrusage's
/// `ru_maxrss`: that survives `execve`, so under `cargo bench` it reports
/// cargo's own peak.
fn max_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// The child: one axum server on 127.0.0.1, its address on stdout.
fn serve() -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let router = Router::new().route(
            "/health/{i}",
            get(|| async {
                axum::Json(serde_json::json!({
                    "status": "healthy",
                    "version": "v1.2.0",
                    "checks": {
                        "database": {"status": "ok", "latency_ms": 4},
                        "redis": {"status": "ok", "latency_ms": 1}
                    }
                }))
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{}", listener.local_addr()?);
        axum::serve(listener, router).await?;
        Ok::<(), BoxError>(())
    })
}
