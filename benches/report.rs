//! Measures the journal a 1-hour release leaves and the time `golive report
//! --format html` takes on it: a 1 s poll of 5 endpoints (one flapping every
//! few minutes), 2 scraped metrics tracks and a chatty log source (logs are
//! shown, never journalled), with sign-offs, a breach and a rollback. The
//! probe and metrics records come from the engine's own sampler
//! (`app::samples`), every record is written by the real journal.
//!
//! `cargo bench --bench report`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use chrono::{TimeDelta, Utc};
use golive::cli::ReportFormat;
use golive::engine::health::HealthState;
use golive::engine::metrics::MetricsState;
use golive::engine::record::{Event, Record};
use golive::engine::report::Report;
use golive::engine::samples::Sampler;
use golive::io::journal::Journal;

fn main() {
    let profile = golive::profile::load(std::path::Path::new("profiles/demo.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let journal = Journal::open(&path).unwrap();
    let t0 = Utc::now() - TimeDelta::hours(1);
    let record = |s: i64, event: Event| Record {
        at: t0 + TimeDelta::seconds(s),
        operator: "alice".into(),
        service: profile.service.name.clone(),
        version: profile.service.version.clone(),
        event,
    };
    let mut sampler = Sampler::default();
    let mut metrics = MetricsState::new(&profile);
    let mut written = 0usize;
    let mut log_lines = 0usize;
    let mut append = |r: Record| {
        journal.append(&r, &profile.redactor).unwrap();
        written += 1;
    };
    append(record(
        0,
        Event::SignOff {
            item: "ci-green".into(),
            note: Some("green".into()),
        },
    ));
    append(record(
        5,
        Event::SignOff {
            item: "on-call".into(),
            note: None,
        },
    ));
    let (mut ok, mut bad) = (0u64, 0u64);
    for s in 0..3600 {
        let at = t0 + TimeDelta::seconds(s);
        for n in 0..5 {
            let down = n == 4 && (s % 300) < 20;
            let state = if down {
                HealthState::Down
            } else {
                HealthState::Up
            };
            let id = format!("endpoint-{n}");
            if let Some(e) = sampler.health(&id, Some("canary"), state, "HTTP 503") {
                append(record(s, e));
            }
        }
        for track in ["baseline", "canary"] {
            ok += 50;
            bad += if track == "canary" && s > 1800 { 4 } else { 0 };
            let total = ok + bad;
            let text = format!(
                "http_requests_total{{code=\"200\"}} {ok}\nhttp_requests_total{{code=\"500\"}} {bad}\n\
                 http_request_duration_seconds_bucket{{le=\"0.1\"}} {total}\n\
                 http_request_duration_seconds_bucket{{le=\"+Inf\"}} {total}\n\
                 http_request_duration_seconds_sum {}\nhttp_request_duration_seconds_count {total}\n",
                total as f64 * 0.05
            );
            metrics.ingest_scrape(track, &text, at);
            if let Some(e) = sampler.metrics(&metrics, track, at) {
                append(record(s, e));
            }
        }
        log_lines += 20;
    }
    append(record(
        1900,
        Event::GateBreach {
            gate: "canary-errors".into(),
            observed: "7.4% vs > 5%".into(),
            on_breach: "rollback".into(),
        },
    ));
    let size = std::fs::metadata(&path).unwrap().len();
    let start = Instant::now();
    let read = golive::io::journal::read(&path).unwrap();
    let report = Report::from_records(&profile, &read.records);
    let out = dir.path().join("report.html");
    golive::commands::report::write(&report, None, ReportFormat::Html, Some(&out)).unwrap();
    let took = start.elapsed();
    println!(
        "1 h at 1 s: {written} records, {:.1} KB journal ({log_lines} log lines not journalled); \
         report --format html in {:.1} ms ({} KB)",
        size as f64 / 1024.0,
        took.as_secs_f64() * 1000.0,
        std::fs::metadata(&out).unwrap().len() / 1024
    );
}
