//! Log ingestion from a container printing as fast as it can: golive's
//! Docker follower (timestamps parsed, lines sanitised, severity derived,
//! merged, batched) against `docker logs -f` and `docker logs -f -t` (their
//! output only counted), which is the limit the engine sets. Live: each
//! reader attaches to a fresh container that waits (it prints `ready`), and
//! the flood starts once the reader has seen that line, so every reader
//! follows a live flood from its first line. Backlog: then the same readers
//! replay the last container's stored log after it exited. Each container
//! gets log limits of its own, so the daemon's defaults cannot rotate part of
//! the run away. First the
//! memory a full log pane (50,000 lines) holds: counted by the allocator
//! (live heap bytes), and as RSS growth while the process is still fresh (once
//! a run has freed memory, RSS no longer grows when a new pane reuses it).
//!
//! `cargo bench --bench log_ingest` (LINES=N to change the line count). Needs
//! the Docker engine and busybox-static; says why and exits 0 without them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

mod peer;

use golive::engine::logs::{DEFAULT_CAPACITY, LogLine, LogView};
use golive::io::docker::{self, Engine, FollowOptions};
use golive::profile::DockerTarget;
use tokio::sync::{mpsc, watch};

/// The system allocator, counting live heap bytes while `COUNTING` is on
/// (off during the timed runs, so they pay one relaxed load per call).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; the
// counters are side bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The memory a full log pane holds: lines as the follower builds them
/// (parsed colour, derived severity), twice the capacity pushed so the
/// buffer has evicted.
fn measure_full_pane() {
    let rss_before = rss_kib();
    LIVE.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let mut view = LogView::new(DEFAULT_CAPACITY);
    for i in 0..(DEFAULT_CAPACITY as u64 * 2) {
        view.push_batch([LogLine::from_bytes(
            "api",
            Some(chrono::Utc::now()),
            format!("2026-01-01 INFO GET /api/v1/items?page={i} 200 12ms \x1b[32mok\x1b[0m user=alice trace=4bf92f3577b34da6").as_bytes(),
        )]);
    }
    let live = LIVE.load(Ordering::Relaxed);
    COUNTING.store(false, Ordering::Relaxed);
    let rss_after = rss_kib();
    let held = view.buffer.len();
    println!(
        "log view full ({held} lines held, {} evicted): live heap {:.1} MiB = {:.0} bytes per line held; \
         RSS grew by {} KiB = {:.0} bytes per line held",
        view.buffer.evicted,
        live as f64 / 1048576.0,
        live as f64 / held as f64,
        rss_after.saturating_sub(rss_before),
        rss_after.saturating_sub(rss_before) as f64 * 1024.0 / held as f64
    );
}

/// Runs `docker logs -f [extra] NAME`, counting the lines it prints (the
/// bench's own reading is not charged to it). Returns lines, wall seconds
/// and the CLI's CPU seconds.
fn docker_logs_cli(container: &str, extra: &[&str], live: bool) -> Option<(u64, f64, f64)> {
    let mut cpu0 = cpu_seconds(libc::RUSAGE_CHILDREN);
    let mut t0 = Instant::now();
    // Counted, not assumed: a full disk or a log driver limit keeps fewer.
    let child = Command::new("docker")
        .args(["logs", "-f"])
        .args(extra)
        .arg(container)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("log_ingest: cannot run docker logs");
        return None;
    };
    let mut lines: u64 = 0;
    if let Some(mut out) = child.stdout.take() {
        use std::io::Read;
        let mut buf = vec![0u8; 1 << 16];
        let mut waiting = live;
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            if waiting && lines > 0 {
                // Attached: start the flood, uncharged to the reader.
                waiting = false;
                go(container);
                cpu0 = cpu_seconds(libc::RUSAGE_CHILDREN);
                t0 = Instant::now();
            }
        }
    }
    // The `ready` line is not part of the flood.
    lines = lines.saturating_sub(1);
    let status = child.wait();
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds(libc::RUSAGE_CHILDREN) - cpu0;
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("log_ingest: docker logs failed");
        return None;
    }
    Some((lines, wall, cpu))
}

fn cpu_seconds(who: i32) -> f64 {
    // SAFETY: getrusage writes into the struct we hand it and nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn docker_cli(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}

struct Cleanup {
    containers: Vec<String>,
    image: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for c in &self.containers {
            let _ = docker_cli(&["rm", "-f", c]);
        }
        let _ = docker_cli(&["rmi", "-f", &self.image]);
    }
}

/// Starts a container that prints `ready`, waits for [`go`], then prints
/// `lines` lines as fast as it can and exits.
fn start_flood(cleanup: &mut Cleanup, lines: u64) -> Option<String> {
    let name = format!(
        "golive-bench-{}-flood{}",
        std::process::id(),
        cleanup.containers.len()
    );
    cleanup.containers.push(name.clone());
    // A typical access-log-sized line, with a level word and a colour.
    let script = format!(
        "echo ready; while [ ! -e /go ]; do /bin/busybox sleep 0.02; done; \
         yes '2026-01-01 INFO GET /api/v1/items?page=2 200 12ms \x1b[32mok\x1b[0m user=alice trace=4bf92f3577b34da6' | head -n {lines}"
    );
    // The daemon's own log limits (often max-size 10m, max-file 3) would
    // rotate most of a large run away: this container keeps it all.
    let started = docker_cli(&[
        "run",
        "-d",
        "--name",
        &name,
        "--log-driver",
        "json-file",
        "--log-opt",
        "max-size=2g",
        "--log-opt",
        "max-file=1",
        &cleanup.image,
        &script,
    ]);
    match started {
        Ok(_) => Some(name),
        Err(e) => {
            eprintln!("log_ingest: cannot start the container: {e}");
            None
        }
    }
}

/// Lets a container from [`start_flood`] start printing.
fn go(container: &str) {
    if let Err(e) = docker_cli(&["exec", container, "/bin/busybox", "touch", "/go"]) {
        eprintln!("log_ingest: cannot start the flood: {e}");
    }
}

/// Until `container` has exited.
fn wait_exited(container: &str) -> bool {
    let started = Instant::now();
    loop {
        match docker_cli(&["inspect", "-f", "{{.State.Running}}", container]) {
            Ok(s) if s == "false" => return true,
            Ok(_) if started.elapsed() < Duration::from_secs(300) => {
                std::thread::sleep(Duration::from_millis(100))
            }
            other => {
                eprintln!("log_ingest: container did not finish: {other:?}");
                return false;
            }
        }
    }
}

/// golive's follower on `container` into a full-size log view, until it has
/// delivered `ready` and `lines` lines (when `live`, `ready` starts the
/// flood). Returns the flood's lines, wall seconds and CPU seconds of this
/// process.
fn golive_follow(
    runtime: &tokio::runtime::Runtime,
    host: &str,
    container: &str,
    lines: u64,
    live: bool,
) -> (u64, f64, f64) {
    let target = DockerTarget::Container(container.to_string());
    runtime.block_on(async {
        let mut cpu0 = cpu_seconds(libc::RUSAGE_SELF);
        let mut t0 = Instant::now();
        let (tx, mut rx) = mpsc::channel::<Vec<LogLine>>(64);
        let (stop_tx, stop_rx) = watch::channel(false);
        let follow = tokio::spawn(docker::follow(
            host.to_string(),
            target,
            FollowOptions::new("bench"),
            tx,
            stop_rx,
        ));
        let mut view = LogView::new(DEFAULT_CAPACITY);
        let mut n: u64 = 0;
        let want = lines + 1;
        while n < want {
            match tokio::time::timeout(Duration::from_secs(60), rx.recv()).await {
                Ok(Some(batch)) => {
                    // golive's own notes (a broken stream) are not lines read.
                    n += batch
                        .iter()
                        .filter(|l| !l.text.starts_with("golive: "))
                        .count() as u64;
                    view.push_batch(batch);
                    if live && n == 1 {
                        go(container);
                        cpu0 = cpu_seconds(libc::RUSAGE_SELF);
                        t0 = Instant::now();
                    }
                }
                _ => break,
            }
        }
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds(libc::RUSAGE_SELF) - cpu0;
        let _ = stop_tx.send(true);
        let _ = follow.await;
        (n.saturating_sub(1), wall, cpu)
    })
}

fn main() {
    // `cargo test --benches` runs this with --bench absent: do nothing then.
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let lines: u64 = std::env::var("LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500_000);
    // Memory first, while the process has freed nothing RSS could hide.
    measure_full_pane();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("log_ingest: no runtime: {e}");
            return;
        }
    };
    let host = docker::host_from(None);
    if let Err(e) = runtime.block_on(Engine::connect(&host, Duration::from_secs(5))) {
        println!("log_ingest: skipped: {e}");
        return;
    }
    if !std::path::Path::new("/bin/busybox").exists() {
        println!("log_ingest: skipped: /bin/busybox (busybox-static) is missing");
        return;
    }
    let pid = std::process::id();
    let mut cleanup = Cleanup {
        containers: Vec::new(),
        image: format!("golive-bench-{pid}-img:1"),
    };
    let Ok(dir) = tempfile::tempdir() else {
        eprintln!("log_ingest: no temp dir");
        return;
    };
    let built = std::fs::copy("/bin/busybox", dir.path().join("busybox"))
        .and_then(|_| {
            std::fs::write(
                dir.path().join("Dockerfile"),
                "FROM scratch\nCOPY busybox /bin/busybox\nCOPY busybox /bin/sh\n\
                 ENTRYPOINT [\"/bin/busybox\",\"sh\",\"-c\"]\n",
            )
        })
        .map_err(|e| e.to_string())
        .and_then(|_| {
            docker_cli(&[
                "build",
                "-q",
                "-t",
                &cleanup.image,
                &dir.path().to_string_lossy(),
            ])
        });
    if let Err(e) = built {
        eprintln!("log_ingest: cannot build the image: {e}");
        return;
    }
    let per100k = |cpu: f64, n: u64| cpu / n.max(1) as f64 * 100_000.0;
    let report = |what: &str, (n, wall, cpu): (u64, f64, f64)| {
        println!(
            "{what}: {n} lines in {wall:.2}s = {:.0} lines/s, CPU {cpu:.2}s = {:.3} CPU s per 100k lines",
            n as f64 / wall,
            per100k(cpu, n)
        );
        if n != lines {
            println!("log_ingest: {what} got {n} of the {lines} lines printed");
        }
    };

    // Live: each reader follows its own fresh flood from the first line.
    let mut last = String::new();
    for (what, extra) in [
        ("live, docker logs -f (lines counted by the bench)", None),
        (
            "live, docker logs -f -t (timestamps, as golive asks)",
            Some("-t"),
        ),
        ("live, golive follower + log view", Some("golive")),
    ] {
        let Some(container) = start_flood(&mut cleanup, lines) else {
            return;
        };
        let result = match extra {
            Some("golive") => Some(golive_follow(&runtime, &host, &container, lines, true)),
            Some(flag) => docker_logs_cli(&container, &[flag], true),
            None => docker_logs_cli(&container, &[], true),
        };
        let Some(result) = result else { return };
        report(what, result);
        last = container;
    }

    // The peer on a live flood of its own, when it is installed.
    if let Some(container) = start_flood(&mut cleanup, lines)
        && let Some(oxker) = peer::Peer::start(&[])
    {
        let (t0, c0) = (Instant::now(), oxker.cpu_seconds());
        go(&container);
        if wait_exited(&container) {
            let (wall, cpu) = (t0.elapsed().as_secs_f64(), oxker.cpu_seconds() - c0);
            let (rss, peak) = oxker.rss_kib();
            println!(
                "live, peer oxker (whole UI, the container among the engine's others): {lines} lines printed in {wall:.2}s, \
                 CPU {cpu:.2}s = {:.3} CPU s per 100k lines, RSS {:.1} MiB (peak {:.1} MiB)",
                per100k(cpu, lines),
                rss as f64 / 1024.0,
                peak as f64 / 1024.0
            );
        }
    }

    // Backlog: the last flood, stored, replayed from its start.
    if !wait_exited(&last) {
        return;
    }
    if let Some(result) = docker_logs_cli(&last, &["-t"], false) {
        report("backlog, docker logs -f -t", result);
    }
    report(
        "backlog, golive follower + log view",
        golive_follow(&runtime, &host, &last, lines, false),
    );
    println!(
        "(golive holds live lines 300 ms to merge containers in time order; one named container's history leaves at once)"
    );

    drop(cleanup);
}
