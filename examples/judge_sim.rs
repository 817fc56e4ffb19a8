//! `judge_sim`: the judge benchmark. Simulates releases (log-normal latency,
//! binomial errors, 20 req/s a track, 1-minute windows, a poll every 10 s for
//! 30 minutes) and judges each at every poll with the sequential judge and
//! the Mann–Whitney one, printing the README's table.
//!
//! `cargo run --release --example judge_sim [-- RELEASES]` (default 1000).

#[path = "../tests/judge_support/sim.rs"]
mod sim;

use golive::engine::judge::{Classification, JudgeConfig, JudgeMethod};
use sim::{Case, Outcome};

fn quantile_min(mut v: Vec<usize>, q: f64) -> String {
    if v.is_empty() {
        return "–".into();
    }
    v.sort_unstable();
    let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
    format!("{:.1} min", v[i] as f64 / 60.0)
}

fn share(n: usize, of: usize) -> String {
    format!("{:.1} %", 100.0 * n as f64 / of as f64)
}

fn row(name: &str, judge: &str, out: &[Outcome]) {
    let n = out.len();
    let fails: Vec<usize> = out.iter().filter_map(|o| o.failed_at).collect();
    let within5 = fails.iter().filter(|&&s| s <= 300).count();
    let passes: Vec<usize> = out.iter().filter_map(|o| o.p95_passed_at).collect();
    let ends_pass = out
        .iter()
        .filter(|o| o.p95_final == Some(Classification::Pass))
        .count();
    println!(
        "| {name} | {judge} | {} | {} | {} | {} | {} | {} |",
        share(fails.len(), n),
        quantile_min(fails.clone(), 0.5),
        quantile_min(fails, 0.9),
        share(within5, n),
        share(ends_pass, n),
        quantile_min(passes, 0.5),
    );
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let sequential = JudgeConfig::default();
    let mann_whitney = JudgeConfig {
        method: JudgeMethod::MannWhitney,
        allowed_increase: JudgeMethod::MannWhitney.default_allowed_increase(),
        ..JudgeConfig::default()
    };
    let base = Case {
        latency_factor: 1.0,
        baseline_error_rate: 0.01,
        canary_error_rate: 0.01,
    };
    let cases = [
        ("A/A (canary = baseline)", base, None),
        (
            "latency ×1.5 (p95 ×1.5)",
            Case {
                latency_factor: 1.5,
                ..base
            },
            None,
        ),
        (
            "latency ×2 (p95 ×2)",
            Case {
                latency_factor: 2.0,
                ..base
            },
            None,
        ),
        (
            "errors 1 % → 2 %",
            Case {
                canary_error_rate: 0.02,
                ..base
            },
            None,
        ),
        (
            "latency ×1.05, allowed 1.2",
            Case {
                latency_factor: 1.05,
                ..base
            },
            Some(1.2),
        ),
    ];
    println!(
        "{n} releases per case; confidence 0.98; allowed_increase 1.2 (sequential) / 1.0 (Mann-Whitney) unless given\n"
    );
    println!(
        "| case | judge | ever failed | median to fail | p90 to fail | failed ≤ 5 min | p95 `pass` at 30 min | median to p95 `pass` |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, case, allowed) in cases {
        for (judge, cfg) in [("sequential", &sequential), ("mann-whitney", &mann_whitney)] {
            let cfg = JudgeConfig {
                allowed_increase: allowed.unwrap_or(cfg.allowed_increase),
                ..cfg.clone()
            };
            let started = std::time::Instant::now();
            let out = sim::releases(n, 1, case, &cfg);
            row(name, judge, &out);
            eprintln!("{name} / {judge}: {:.1} s", started.elapsed().as_secs_f64());
        }
    }
}
