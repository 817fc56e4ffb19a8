//! A simulated release for the judge: canary and baseline serve log-normal
//! latencies and binomial errors, scraped every 10 s into latency histograms
//! and counters; at every 10 s poll the judge sees, as golive does, one
//! sample per 1-minute window walking back from now (so successive polls see
//! differently aligned windows), and judges. Shared by `examples/judge_sim.rs`
//! (the benchmark) and `tests/judge_sim.rs` (the bounds that must hold).
#![allow(dead_code)]

use golive::engine::judge::{self, Classification, Counts, JudgeConfig, MetricInput};
use golive::profile::MetricKind;

/// SplitMix64: tiny, seeded, good enough for a simulation.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform on (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    /// Poisson by multiplication (means up to a few dozen).
    fn poisson(&mut self, mean: f64) -> f64 {
        let limit = (-mean).exp();
        let (mut k, mut p) = (0.0, self.uniform());
        while p > limit {
            k += 1.0;
            p *= self.uniform();
        }
        k
    }
}

/// One simulated case.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// Every canary latency multiplied by this (so p50, p95 and p99 are).
    pub latency_factor: f64,
    pub baseline_error_rate: f64,
    pub canary_error_rate: f64,
}

pub const POLL_SECS: usize = 10;
pub const WINDOW_SECS: usize = 60;
pub const MINUTES: usize = 30;
/// Requests per second on each track.
pub const RPS: f64 = 20.0;
const MEDIAN_LATENCY: f64 = 0.08;
const LOG_SD: f64 = 0.6;
/// Log-latency histogram: 5 % buckets from 1 ms to 100 s.
const BUCKET_LOG_MIN: f64 = -6.907_755;
const BUCKET_STEP: f64 = 0.05;
const BUCKETS: usize = 231;

#[derive(Default, Clone)]
struct Slice {
    hist: Vec<f64>,
    errors: f64,
    requests: f64,
}

fn slice(rng: &mut Rng, factor: f64, error_rate: f64) -> Slice {
    let requests = (RPS * POLL_SECS as f64) as usize;
    let mut hist = vec![0.0; BUCKETS];
    let shift = (MEDIAN_LATENCY * factor).ln();
    for _ in 0..requests {
        let l = shift + LOG_SD * rng.normal();
        let b = ((l - BUCKET_LOG_MIN) / BUCKET_STEP)
            .floor()
            .clamp(0.0, (BUCKETS - 1) as f64);
        hist[b as usize] += 1.0;
    }
    Slice {
        hist,
        errors: rng.poisson(requests as f64 * error_rate),
        requests: requests as f64,
    }
}

/// The quantile of a histogram, interpolated in log space within a bucket.
fn quantile(hist: &[f64], q: f64) -> f64 {
    let total: f64 = hist.iter().sum();
    let target = q * total;
    let mut seen = 0.0;
    for (i, &c) in hist.iter().enumerate() {
        if c > 0.0 && seen + c >= target {
            let frac = (target - seen) / c;
            return (BUCKET_LOG_MIN + (i as f64 + frac) * BUCKET_STEP).exp();
        }
        seen += c;
    }
    (BUCKET_LOG_MIN + BUCKETS as f64 * BUCKET_STEP).exp()
}

/// One window's samples: p50, p95, p99 and the counts.
#[derive(Clone, Copy)]
struct Window {
    q: [f64; 3],
    counts: Counts,
}

fn window(slices: &[Slice]) -> Window {
    let mut hist = vec![0.0; BUCKETS];
    let (mut errors, mut requests) = (0.0, 0.0);
    for s in slices {
        for (h, c) in hist.iter_mut().zip(&s.hist) {
            *h += c;
        }
        errors += s.errors;
        requests += s.requests;
    }
    Window {
        q: [
            quantile(&hist, 0.5),
            quantile(&hist, 0.95),
            quantile(&hist, 0.99),
        ],
        counts: Counts { errors, requests },
    }
}

/// What happened to one release over the simulated half hour.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    /// Seconds to the first poll at which any metric was `high` (failed).
    pub failed_at: Option<usize>,
    /// Seconds to the first poll at which p95 was shown within the allowed.
    pub p95_passed_at: Option<usize>,
    /// The p95 classification at the end.
    pub p95_final: Option<Classification>,
}

/// Simulates one release and judges it at every poll with `cfg`.
pub fn release(seed: u64, case: Case, cfg: &JudgeConfig) -> Outcome {
    let mut rng = Rng::new(seed);
    let polls = MINUTES * 60 / POLL_SECS;
    let per_window = WINDOW_SECS / POLL_SECS;
    let mut canary = Vec::with_capacity(polls);
    let mut baseline = Vec::with_capacity(polls);
    for _ in 0..polls {
        canary.push(slice(&mut rng, case.latency_factor, case.canary_error_rate));
        baseline.push(slice(&mut rng, 1.0, case.baseline_error_rate));
    }
    // Window ending after slice i (inclusive), once there are enough slices.
    let windows = |slices: &[Slice]| -> Vec<Option<Window>> {
        (0..polls)
            .map(|i| (i + 1 >= per_window).then(|| window(&slices[i + 1 - per_window..=i])))
            .collect()
    };
    let (cw, bw) = (windows(&canary), windows(&baseline));
    let mut out = Outcome::default();
    for poll in 0..polls {
        // Walking back from now one window at a time, as `thin` does.
        let picked: Vec<usize> = (0..=poll)
            .rev()
            .step_by(per_window)
            .filter(|&i| cw[i].is_some())
            .collect();
        let pick = |w: &[Option<Window>], f: &dyn Fn(&Window) -> f64| -> Vec<f64> {
            picked
                .iter()
                .filter_map(|&i| w[i].as_ref().map(f))
                .collect()
        };
        let counts = |w: &[Option<Window>]| -> Vec<Counts> {
            picked
                .iter()
                .filter_map(|&i| w[i].map(|x| x.counts))
                .collect()
        };
        let mut inputs = Vec::new();
        for (k, kind) in [
            MetricKind::LatencyP50,
            MetricKind::LatencyP95,
            MetricKind::LatencyP99,
        ]
        .into_iter()
        .enumerate()
        {
            inputs.push((
                kind,
                MetricInput {
                    canary: pick(&cw, &|w| w.q[k]),
                    baseline: pick(&bw, &|w| w.q[k]),
                    ..Default::default()
                },
            ));
        }
        inputs.push((
            MetricKind::ErrorRate,
            MetricInput {
                canary: pick(&cw, &|w| w.counts.errors / w.counts.requests),
                baseline: pick(&bw, &|w| w.counts.errors / w.counts.requests),
                canary_counts: counts(&cw),
                baseline_counts: counts(&bw),
            },
        ));
        let judged = judge::judge_all(&inputs, cfg, WINDOW_SECS as f64);
        let secs = (poll + 1) * POLL_SECS;
        if out.failed_at.is_none()
            && judged
                .iter()
                .any(|m| m.classification == Classification::High)
        {
            out.failed_at = Some(secs);
        }
        let p95 = judged[1].classification;
        if out.p95_passed_at.is_none() && p95.eq(&Classification::Pass) {
            out.p95_passed_at = Some(secs);
        }
        out.p95_final = Some(p95);
    }
    out
}

/// Releases `0..n` of a case (seeds `base + i`).
pub fn releases(n: usize, base: u64, case: Case, cfg: &JudgeConfig) -> Vec<Outcome> {
    (0..n as u64)
        .map(|i| release(base + i, case, cfg))
        .collect()
}
