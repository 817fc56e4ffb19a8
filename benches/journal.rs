//! What durability costs: the latency of one acknowledged append (lock,
//! write, fsync) on this machine's disk, and how fast a long journal is read
//! back at start-up and its hash chain verified. A plain main (no criterion):
//! fsync latency depends on the disk, so the figures are printed for a
//! report, not compared. It runs where journals live, in the user data dir
//! (a tmpfs temp dir would make fsync free), and prints that file system.
//!
//! `cargo bench --bench journal` (GOLIVE_BENCH_DIR picks another directory).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::Utc;
use golive::engine::record::{Event, Record};
use golive::io::journal::{self, Journal, chain};
use golive::profile::Redactor;

fn record(i: usize) -> Record {
    Record {
        at: Utc::now(),
        operator: "bench".into(),
        service: "svc".into(),
        version: "v1".into(),
        event: Event::SignOff {
            item: format!("item-{i}"),
            note: Some("a typical note of a few words, token s3cr3t masked".into()),
        },
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() {
    // `cargo test --benches` runs this binary with --bench absent; stay quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let appends = if quick { 20 } else { 1000 };
    let reads = if quick { 1000 } else { 100_000 };
    let base = match std::env::var_os("GOLIVE_BENCH_DIR") {
        Some(d) => std::path::PathBuf::from(d),
        None => journal::default_path("bench", "v1")
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf(),
    };
    std::fs::create_dir_all(&base).unwrap();
    let dir = tempfile::tempdir_in(&base).unwrap();
    println!("{}", file_system(dir.path()));
    let redactor = Redactor::new(["s3cr3t".to_string()]);

    let path = dir.path().join("append.jsonl");
    let journal = Journal::open(&path).unwrap();
    let mut latencies = Vec::with_capacity(appends);
    for i in 0..appends {
        let rec = record(i);
        let start = Instant::now();
        journal.append(&rec, &redactor).unwrap();
        latencies.push(start.elapsed());
    }
    latencies.sort();
    println!(
        "append (lock + write + fsync), {appends} records: p50 {:?}  p99 {:?}  max {:?}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
    // What the chain costs in bytes: each line's `"prev":"…",` member.
    let written = std::fs::read(&path).unwrap();
    let link_bytes: usize = written
        .split(|&b| b == b'\n')
        .filter_map(|line| line.windows(5).position(|w| w == b"\"at\":"))
        .map(|at| at - 1)
        .sum();
    println!(
        "chain: {:.0} bytes per record ({:.0} bytes per line on average)",
        link_bytes as f64 / appends as f64,
        written.len() as f64 / appends as f64
    );

    let path = dir.path().join("read.jsonl");
    let mut text = Vec::new();
    let mut prev = chain::GENESIS.to_string();
    for i in 0..reads {
        let mut body = serde_json::to_vec(&record(i)).unwrap();
        body.push(b'\n');
        let line = chain::link(&prev, &body);
        prev = chain::digest(line.trim_ascii_end());
        text.extend(line);
    }
    std::fs::write(&path, &text).unwrap();
    let start = Instant::now();
    let read = journal::read(&path).unwrap();
    let took = start.elapsed();
    assert_eq!(read.records.len(), reads);
    println!(
        "read {reads} records ({} KiB): {took:?} ({:.0} records/s)",
        text.len() / 1024,
        reads as f64 / took.as_secs_f64()
    );
    let start = Instant::now();
    let report = journal::verify(&path).unwrap();
    let took = start.elapsed();
    assert!(report.intact() && report.chained == reads);
    println!(
        "verify the chain of {reads} records: {took:?} ({:.0} records/s)",
        reads as f64 / took.as_secs_f64()
    );
}

/// `file system: ext4 (/dev/vda on /) for …`: the /proc/mounts entry with
/// the longest mount point holding `dir`.
fn file_system(dir: &std::path::Path) -> String {
    let dir = dir.canonicalize().unwrap();
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let best = mounts
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 3 && dir.starts_with(f[1])).then(|| (f[0], f[1], f[2]))
        })
        .max_by_key(|(_, on, _)| on.len());
    match best {
        Some((dev, on, kind)) => {
            format!("file system: {kind} ({dev} on {on}) for {}", dir.display())
        }
        None => format!(
            "file system: unknown (no /proc/mounts) for {}",
            dir.display()
        ),
    }
}
