//! What durability costs: the latency of one acknowledged append (lock,
//! write, fsync) on this machine's disk, and how fast a long journal is read
//! back at start-up. A plain main (no criterion): fsync latency depends on
//! the disk, so the figures are printed for a report, not compared.
//!
//! `cargo bench --bench journal` (GOLIVE_BENCH_DIR picks the file system).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::Utc;
use golive::app::record::{Event, Record};
use golive::io::journal::{self, Journal};
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
    let dir = match std::env::var_os("GOLIVE_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d).unwrap(),
        None => tempfile::tempdir().unwrap(),
    };
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

    let path = dir.path().join("read.jsonl");
    let mut text = String::new();
    for i in 0..reads {
        text.push_str(&serde_json::to_string(&record(i)).unwrap());
        text.push('\n');
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
}
