//! Parsing a 10,000-series exposition: golive's own parser against the
//! `prometheus-parse` crate in the same run (the bar for writing our
//! own), both timed on the same text (the owned lines `prometheus-parse`
//! takes are made outside the timed part), and the per-scrape CPU of the whole metrics pipeline (parse, select,
//! per-series increases, window sums, quantiles, series push).
//!
//! Run: `cargo bench --bench exposition`.

use std::hint::black_box;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use golive::engine::metrics::{MetricsConfig, MetricsState, exposition};
use golive::profile::{MetricKind, MetricsKind, MetricsSource};

const BOUNDS: [&str; 10] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf",
];

/// 800 histograms × 12 series (10 buckets, sum, count) + 400 counters =
/// 10,000 series, with HELP/TYPE comments, escaped label values, NaN and
/// infinities, and timestamps on the counters. `n` moves every count.
fn exposition_10k(n: u64) -> String {
    let mut s = String::with_capacity(1_200_000);
    s.push_str("# HELP http_request_duration_seconds Request latency.\n");
    s.push_str("# TYPE http_request_duration_seconds histogram\n");
    for h in 0..800u64 {
        let labels = format!(
            "service=\"svc-{}\",route=\"/api/v1/items/{}\",method=\"{}\",note=\"a \\\"quoted\\\" \\\\ path\\n\"",
            h % 20,
            h,
            if h % 3 == 0 { "POST" } else { "GET" }
        );
        let mut cumulative = 0;
        for (i, le) in BOUNDS.iter().enumerate() {
            cumulative += (i as u64 + 1) * (n + h);
            s.push_str(&format!(
                "http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}\n"
            ));
        }
        s.push_str(&format!(
            "http_request_duration_seconds_sum{{{labels}}} {}.25\n",
            cumulative / 7
        ));
        s.push_str(&format!(
            "http_request_duration_seconds_count{{{labels}}} {cumulative}\n"
        ));
    }
    s.push_str("# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n");
    for c in 0..400u64 {
        let code = ["200", "201", "404", "500", "503"][(c % 5) as usize];
        s.push_str(&format!(
            "http_requests_total{{service=\"svc-{}\",route=\"/api/v1/items/{}\",code=\"{code}\"}} {} 1700000000000\n",
            c % 20,
            c / 5,
            (c + 1) * (n + 1)
        ));
    }
    s.push_str("# TYPE process_weird gauge\nprocess_weird NaN\nprocess_weird_max +Inf\nprocess_weird_min -Inf\n");
    s
}

fn parsers(c: &mut Criterion) {
    let text = exposition_10k(1);
    let ours = exposition::parse(&text);
    assert!(ours.errors.is_empty(), "{:?}", &ours.errors[..1]);
    assert_eq!(ours.samples.len(), 10_003);
    let theirs = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())));
    assert!(theirs.is_ok());

    let mut group = c.benchmark_group("parse_10k_series");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("golive", |b| {
        b.iter(|| black_box(exposition::parse(black_box(&text))).samples.len())
    });
    // Its API takes owned lines: they are made outside the timed part, so
    // both parsers are timed on the same text with nothing extra to pay.
    group.bench_function("prometheus-parse", |b| {
        b.iter_batched(
            || {
                text.lines()
                    .map(|l| Ok(l.to_string()))
                    .collect::<Vec<std::io::Result<String>>>()
            },
            |lines| {
                let scrape = prometheus_parse::Scrape::parse(black_box(lines).into_iter());
                black_box(scrape.map(|s| s.samples.len()).unwrap_or(0))
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn pipeline(c: &mut Criterion) {
    let texts: Vec<String> = (1..=8).map(|n| exposition_10k(n * 10)).collect();
    let source = MetricsSource {
        track: "canary".into(),
        kind: MetricsKind::Scrape {
            url: "http://127.0.0.1:1/metrics".into(),
            latency_histogram: None,
            requests_counter: None,
            status_label: None,
            selector: Default::default(),
        },
        window: Duration::from_secs(60),
    };
    let mut state = MetricsState::with_sources(
        std::slice::from_ref(&source),
        None,
        MetricsConfig::for_poll(Duration::from_secs(2)),
    );
    let mut tick: i64 = 0;
    let mut group = c.benchmark_group("pipeline_10k_series");
    group.bench_function("ingest_scrape", |b| {
        b.iter(|| {
            tick += 1;
            let at = Utc
                .timestamp_opt(1_700_000_000 + 2 * tick, 0)
                .single()
                .unwrap_or_default();
            // Counts grow through the 8 texts, then restart: a reset every 8 scrapes.
            let text = &texts[(tick % 8) as usize];
            state.ingest_scrape("canary", black_box(text), at);
            black_box(state.value("canary", MetricKind::LatencyP95, at))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4)).sample_size(30);
    targets = parsers, pipeline
}
criterion_main!(benches);
