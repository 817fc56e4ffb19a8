//! The sequential judge (`method = "sequential"`, the default): confidence
//! sequences that stay valid however often the cockpit or a check looks, so a
//! canary judged at every poll for an hour is no more likely to be failed by
//! chance than one judged once.
//!
//! The maths follows two papers. Howard, Ramdas, McAuliffe and Sekhon,
//! "Time-uniform, nonparametric, nonasymptotic confidence sequences" (Annals
//! of Statistics, 2021): a mixture martingale and Ville's inequality give a
//! confidence sequence, a set that covers the true value at every time at once
//! with probability `1 - alpha`. Lindon, Sanden and Shirikian, "Rapid
//! Regression Detection in Software Deployments through Sequential Testing"
//! (KDD 2022): canary and baseline compared that way, latency on per-window
//! measurements and errors on counts, by conditioning on the total count.
//!
//! - **Latency** (p50, p95, p99): the per-window quantiles on a log scale, so
//!   the difference of means is the log of the canary/baseline ratio. The
//!   mixture is the group-invariant Bayes factor of the two-sample t statistic
//!   (normal effect prior `N(0, g·σ²)`, right-Haar prior on `σ`), which is an
//!   anytime-valid test with the variance unknown; inverting it gives the
//!   sequence for the log ratio.
//! - **Error rate**: errors and requests counted per track. Given the errors
//!   of both tracks together, the canary's share is binomial with a
//!   probability set by the rate ratio and the request shares; a normal
//!   mixture over the log rate ratio, integrated on a grid, gives the
//!   sequence for the ratio.
//!
//! A metric fails when the whole sequence lies above `allowed_increase`,
//! passes (equivalence) when it lies below it, and is inconclusive otherwise,
//! with an estimate of how many more samples or requests would decide it.

use serde::{Deserialize, Serialize};

use super::{Classification, JudgeConfig, MetricJudgement};
use crate::profile::MetricKind;

/// The effect prior's variance, in units of the per-window spread: `g = 1`
/// spends the mixture on shifts of about one spread, the size a latency
/// regression worth a rollback has against windows of real traffic.
const LATENCY_G: f64 = 1.0;
/// The spread of the normal mixture over the log error-rate ratio: ratios
/// between 1/3 and 3 carry most of the weight, where rollbacks are decided.
const ERRORS_MIX_SD: f64 = 1.0;
/// Per-window quantiles are not measured finer than about half a percent
/// (histogram interpolation); a spread of zero would make any difference
/// certain.
const MIN_LOG_SPREAD: f64 = 0.005;
/// The grid of log rate ratios the error mixture is integrated on.
const GRID_HALF: f64 = 6.0;
const GRID_STEP: f64 = 0.01;
/// Beyond this many times the data counted so far, "more" is not estimated.
const MAX_MORE: f64 = 1000.0;

/// What one track counted in one metrics window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Counts {
    pub errors: f64,
    pub requests: f64,
}

/// What the sequential judge counted in: windows (latency) or requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CountUnit {
    Samples,
    Requests,
}

/// The sequential judge's evidence for one metric: the ratio canary ÷
/// baseline with its confidence-sequence bounds (None: unbounded on that
/// side), the allowed increase it was held against, what was counted, and
/// for an inconclusive metric how much more it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequentialEvidence {
    pub ratio: f64,
    #[serde(default)]
    pub lower: Option<f64>,
    #[serde(default)]
    pub upper: Option<f64>,
    pub allowed_increase: f64,
    /// The confidence of this metric's own sequence (the profile's, shared
    /// out over the judged metrics).
    pub confidence: f64,
    pub unit: CountUnit,
    pub canary_count: u64,
    pub baseline_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_errors: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_errors: Option<u64>,
    /// Inconclusive: about how many more samples (or requests) each side
    /// needs if the estimate holds; None when it would take more than
    /// [`MAX_MORE`] times what was counted (the estimate sits on the bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_minutes: Option<f64>,
}

fn unjudged(
    metric: MetricKind,
    canary_n: usize,
    baseline_n: usize,
    reason: String,
) -> MetricJudgement {
    MetricJudgement {
        metric: metric.name().to_string(),
        classification: Classification::NoData,
        reason,
        canary_n,
        baseline_n,
        canary_mean: None,
        baseline_mean: None,
        mean_ratio: None,
        test: None,
        shift: None,
        sequential: None,
    }
}

/// Half-width of the t-mixture sequence for a log-ratio estimate: `None`
/// when the data cannot bound it yet.
fn t_half_width(se: f64, n_eff: f64, dof: f64, alpha: f64) -> Option<f64> {
    let a = 1.0 + n_eff * LATENCY_G;
    // BF(t) = a^{-1/2} [(1 + t²/ν) / (1 + t²/(ν a))]^{(ν+1)/2} ≥ 1/α.
    let c = (a.sqrt() / alpha).powf(2.0 / (dof + 1.0));
    if c >= a {
        return None;
    }
    let u = (c - 1.0) / (1.0 - c / a);
    Some((dof * u).sqrt() * se)
}

/// Half-width of the normal-mixture sequence for an estimate with variance
/// `v` (mixture variance `tau2`): Robbins' mixture, as Lindon et al. use it.
fn normal_half_width(v: f64, tau2: f64, alpha: f64) -> f64 {
    (v * (v + tau2) / tau2 * ((v + tau2) / (v * alpha * alpha)).ln()).sqrt()
}

/// Classifies one log-ratio interval against the allowed increase.
fn classify(lower: Option<f64>, upper: Option<f64>, allowed: f64) -> Classification {
    let limit = allowed.ln();
    match (lower, upper) {
        (Some(l), _) if l > limit => Classification::High,
        (_, Some(u)) if u < 0.0 && u < limit => Classification::Low,
        (_, Some(u)) if u <= limit => Classification::Pass,
        _ => Classification::Inconclusive,
    }
}

/// The smallest factor `k` (on what was counted) at which `half_width(k)`
/// around `estimate` lies wholly on one side of `limit`, by bisection.
fn more_factor(estimate: f64, limit: f64, half_width: impl Fn(f64) -> Option<f64>) -> Option<f64> {
    let decided = |k: f64| half_width(k).is_some_and(|h| (estimate - limit).abs() > h);
    if !decided(MAX_MORE) {
        return None;
    }
    let (mut lo, mut hi) = (1.0_f64, MAX_MORE);
    for _ in 0..40 {
        let mid = (lo * hi).sqrt();
        if decided(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

fn ln_values(v: &[f64]) -> Vec<f64> {
    v.iter()
        .copied()
        .filter(|x| x.is_finite() && *x > 0.0)
        .map(f64::ln)
        .collect()
}

fn mean_and_ss(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (mean, v.iter().map(|x| (x - mean).powi(2)).sum())
}

/// A latency metric: per-window quantiles of canary and baseline.
pub fn judge_latency(
    metric: MetricKind,
    canary: &[f64],
    baseline: &[f64],
    cfg: &JudgeConfig,
    alpha: f64,
    window_secs: f64,
) -> MetricJudgement {
    let (x, y) = (ln_values(canary), ln_values(baseline));
    let (n, m) = (x.len(), y.len());
    let need = cfg.min_samples.max(2);
    if n < need || m < need {
        return unjudged(
            metric,
            n,
            m,
            format!("not enough samples: {n} canary and {m} baseline (needs {need} each)"),
        );
    }
    let ((mx, ssx), (my, ssy)) = (mean_and_ss(&x), mean_and_ss(&y));
    let (nf, mf) = (n as f64, m as f64);
    let dof = nf + mf - 2.0;
    let spread = ((ssx + ssy) / dof).sqrt().max(MIN_LOG_SPREAD);
    let estimate = mx - my;
    let n_eff = nf * mf / (nf + mf);
    // k times the windows on each side: the spread stays, the rest grows.
    let hw_at = |k: f64| {
        t_half_width(
            spread / (n_eff * k).sqrt(),
            n_eff * k,
            dof * k + 2.0 * (k - 1.0),
            alpha,
        )
    };
    let hw = hw_at(1.0);
    let (lower, upper) = (hw.map(|h| estimate - h), hw.map(|h| estimate + h));
    let classification = classify(lower, upper, cfg.allowed_increase);
    let mut evidence = SequentialEvidence {
        ratio: estimate.exp(),
        lower: lower.map(f64::exp),
        upper: upper.map(f64::exp),
        allowed_increase: cfg.allowed_increase,
        confidence: 1.0 - alpha,
        unit: CountUnit::Samples,
        canary_count: n as u64,
        baseline_count: m as u64,
        canary_errors: None,
        baseline_errors: None,
        more: None,
        more_minutes: None,
    };
    if classification == Classification::Inconclusive
        && let Some(k) = more_factor(estimate, cfg.allowed_increase.ln(), hw_at)
    {
        let more = (nf * (k - 1.0)).ceil().max(1.0);
        evidence.more = Some(more as u64);
        evidence.more_minutes = Some(more * window_secs / 60.0);
    }
    let geo = |v: &[f64]| (v.iter().sum::<f64>() / v.len() as f64).exp();
    judged(
        metric,
        classification,
        n,
        m,
        Some(geo(&x)),
        Some(geo(&y)),
        evidence,
    )
}

fn judged(
    metric: MetricKind,
    classification: Classification,
    canary_n: usize,
    baseline_n: usize,
    canary_mean: Option<f64>,
    baseline_mean: Option<f64>,
    evidence: SequentialEvidence,
) -> MetricJudgement {
    let mean_ratio = Some(evidence.ratio);
    let reason = format!(
        "{}: {}",
        classification.as_str(),
        super::sequential_words(classification, &evidence)
    );
    MetricJudgement {
        metric: metric.name().to_string(),
        classification,
        reason,
        canary_n,
        baseline_n,
        canary_mean,
        baseline_mean,
        mean_ratio,
        test: None,
        shift: None,
        sequential: Some(evidence),
    }
}

/// The log-likelihood of the canary holding `ec` of the `ec + eb` errors
/// when the log rate ratio is `l` and `lw` the log of the request ratio.
fn log_lik(l: f64, lw: f64, ec: f64, eb: f64) -> f64 {
    let z = l + lw;
    // ln π = -ln(1 + e^-z), ln(1 - π) = -ln(1 + e^z), computed stably.
    let softplus = |t: f64| {
        if t > 0.0 {
            t + (-t).exp().ln_1p()
        } else {
            t.exp().ln_1p()
        }
    };
    -ec * softplus(-z) - eb * softplus(z)
}

/// The error-rate sequence: bounds of the log rate ratio (None at the edge
/// of the grid: unbounded on that side).
fn error_bounds(ec: f64, nc: f64, eb: f64, nb: f64, alpha: f64) -> (Option<f64>, Option<f64>) {
    let lw = (nc / nb).ln();
    let steps = (2.0 * GRID_HALF / GRID_STEP) as usize;
    let grid: Vec<(f64, f64)> = (0..=steps)
        .map(|i| {
            let l = -GRID_HALF + i as f64 * GRID_STEP;
            (l, log_lik(l, lw, ec, eb))
        })
        .collect();
    // log ∫ L(l) φ(l) dl, with φ the mixture's normal density.
    let log_prior = |l: f64| {
        -0.5 * (l / ERRORS_MIX_SD).powi(2)
            - (ERRORS_MIX_SD * (2.0 * std::f64::consts::PI).sqrt()).ln()
    };
    let terms: Vec<f64> = grid
        .iter()
        .map(|(l, ll)| ll + log_prior(*l) + GRID_STEP.ln())
        .collect();
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let log_mix = top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln();
    // Kept: every ratio whose mixture martingale stays under 1/α.
    let cut = log_mix + alpha.ln();
    let inside: Vec<usize> = (0..grid.len()).filter(|&i| grid[i].1 > cut).collect();
    match (inside.first(), inside.last()) {
        (Some(&first), Some(&last)) => (
            (first > 0).then(|| grid[first].0),
            (last < steps).then(|| grid[last].0),
        ),
        // Nothing inside cannot happen with a proper mixture; say unbounded.
        _ => (None, None),
    }
}

/// The error rate: errors and requests per window of each track.
pub fn judge_errors(
    canary: &[Counts],
    baseline: &[Counts],
    cfg: &JudgeConfig,
    alpha: f64,
    window_secs: f64,
) -> MetricJudgement {
    let metric = MetricKind::ErrorRate;
    let valid = |c: &&Counts| c.requests.is_finite() && c.errors.is_finite() && c.requests > 0.0;
    let canary: Vec<Counts> = canary.iter().filter(valid).copied().collect();
    let baseline: Vec<Counts> = baseline.iter().filter(valid).copied().collect();
    let (n, m) = (canary.len(), baseline.len());
    if n == 0 && m == 0 {
        return unjudged(
            metric,
            n,
            m,
            "no requests counted on either track: error rates are judged on errors and \
             requests counted, so the metrics source needs a request counter (or, for \
             PromQL, a `request_rate` query)"
                .to_string(),
        );
    }
    if n < cfg.min_samples || m < cfg.min_samples {
        return unjudged(
            metric,
            n,
            m,
            format!(
                "not enough windows with requests: {n} canary and {m} baseline (needs {} each)",
                cfg.min_samples
            ),
        );
    }
    let sum = |v: &[Counts]| {
        v.iter().fold((0.0, 0.0), |(e, r), c| {
            (e + c.errors.clamp(0.0, c.requests), r + c.requests)
        })
    };
    let ((ec, nc), (eb, nb)) = (sum(&canary), sum(&baseline));
    let (lower, upper) = error_bounds(ec, nc, eb, nb, alpha);
    let estimate = ((ec + 0.5) / nc).ln() - ((eb + 0.5) / nb).ln();
    let classification = classify(lower, upper, cfg.allowed_increase);
    let mut evidence = SequentialEvidence {
        ratio: estimate.exp(),
        lower: lower.map(f64::exp),
        upper: upper.map(f64::exp),
        allowed_increase: cfg.allowed_increase,
        confidence: 1.0 - alpha,
        unit: CountUnit::Requests,
        canary_count: nc.round() as u64,
        baseline_count: nb.round() as u64,
        canary_errors: Some(ec.round() as u64),
        baseline_errors: Some(eb.round() as u64),
        more: None,
        more_minutes: None,
    };
    if classification == Classification::Inconclusive {
        // The estimate of what it takes uses the normal approximation of the
        // same sequence (variance of a log rate ratio: 1/errors a side).
        let v = 1.0 / (ec + 0.5) + 1.0 / (eb + 0.5);
        let tau2 = ERRORS_MIX_SD * ERRORS_MIX_SD;
        if let Some(k) = more_factor(estimate, cfg.allowed_increase.ln(), |k| {
            Some(normal_half_width(v / k, tau2, alpha))
        }) {
            evidence.more = Some((nc * (k - 1.0)).ceil().max(1.0) as u64);
            evidence.more_minutes = Some(n as f64 * (k - 1.0) * window_secs / 60.0);
        }
    }
    let rate = |e: f64, r: f64| Some(e / r);
    judged(
        metric,
        classification,
        n,
        m,
        rate(ec, nc),
        rate(eb, nb),
        evidence,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn cfg(allowed: f64) -> JudgeConfig {
        JudgeConfig {
            allowed_increase: allowed,
            ..JudgeConfig::default()
        }
    }

    fn p95(canary: &[f64], baseline: &[f64], allowed: f64) -> MetricJudgement {
        judge_latency(
            MetricKind::LatencyP95,
            canary,
            baseline,
            &cfg(allowed),
            0.005,
            60.0,
        )
    }

    fn wobble(base: f64, n: usize) -> Vec<f64> {
        // Deterministic ±3 % spread around `base`.
        (0..n)
            .map(|i| base * (1.0 + 0.03 * ((i * 7 % 5) as f64 - 2.0) / 2.0))
            .collect()
    }

    #[test]
    fn a_doubled_latency_fails_with_its_ratio_bounded_above_the_allowed() {
        let j = p95(&wobble(0.2, 10), &wobble(0.1, 10), 1.2);
        assert_eq!(j.classification, Classification::High, "{}", j.reason);
        let e = j.sequential.unwrap();
        assert!((e.ratio - 2.0).abs() < 0.01, "{e:?}");
        assert!(e.lower.unwrap() > 1.2 && e.upper.unwrap() > 2.0, "{e:?}");
        assert_eq!((e.canary_count, e.unit), (10, CountUnit::Samples));
    }

    #[test]
    fn the_same_latency_passes_only_once_the_bound_is_inside_the_allowed() {
        let few = p95(&wobble(0.1, 3), &wobble(0.1, 3), 1.2);
        assert_eq!(
            few.classification,
            Classification::Inconclusive,
            "{}",
            few.reason
        );
        let e = few.sequential.unwrap();
        let more = e.more.expect("an estimate of what it takes");
        assert!(more >= 1 && e.more_minutes == Some(more as f64), "{e:?}");
        let many = p95(&wobble(0.1, 20), &wobble(0.1, 20), 1.2);
        assert_eq!(many.classification, Classification::Pass, "{}", many.reason);
        let e = many.sequential.unwrap();
        assert!(e.upper.unwrap() <= 1.2 && e.lower.unwrap() < 1.0, "{e:?}");
        // No allowance at all: the same data cannot pass, it stays open.
        let strict = p95(&wobble(0.1, 20), &wobble(0.1, 20), 1.0);
        assert_eq!(strict.classification, Classification::Inconclusive);
        assert_eq!(strict.sequential.unwrap().more, None);
    }

    #[test]
    fn error_counts_fail_a_doubled_rate_and_leave_few_errors_open() {
        let w = |errors: f64| {
            vec![
                Counts {
                    errors,
                    requests: 1000.0
                };
                30
            ]
        };
        let doubled = judge_errors(&w(20.0), &w(10.0), &cfg(1.2), 0.005, 60.0);
        assert_eq!(
            doubled.classification,
            Classification::High,
            "{}",
            doubled.reason
        );
        let e = doubled.sequential.unwrap();
        assert_eq!((e.canary_errors, e.baseline_errors), (Some(600), Some(300)));
        assert_eq!(e.canary_count, 30_000);
        assert!(e.lower.unwrap() > 1.2 && e.upper.unwrap() < 3.0, "{e:?}");
        // No errors anywhere: nothing is known about the ratio.
        let none = judge_errors(&w(0.0), &w(0.0), &cfg(1.2), 0.005, 60.0);
        assert_eq!(
            none.classification,
            Classification::Inconclusive,
            "{}",
            none.reason
        );
        let e = none.sequential.unwrap();
        assert_eq!((e.lower, e.upper), (None, None));
        // Many errors at the same rate: shown equivalent.
        let many = |errors: f64| {
            vec![
                Counts {
                    errors,
                    requests: 100_000.0
                };
                30
            ]
        };
        let same = judge_errors(&many(1000.0), &many(1000.0), &cfg(1.2), 0.005, 60.0);
        assert_eq!(same.classification, Classification::Pass, "{}", same.reason);
    }

    #[test]
    fn the_sequence_is_wider_than_a_fixed_sample_interval_and_narrows_with_data() {
        // The price of looking at every poll: wider than 2.81 standard
        // errors (a fixed-sample 99.5 % interval), and it shrinks with n.
        let se = 0.1;
        let h = t_half_width(se, 50.0, 98.0, 0.005).unwrap();
        assert!(h > 2.81 * se && h < 6.0 * se, "{h}");
        assert!(t_half_width(se / 2.0, 200.0, 398.0, 0.005).unwrap() < h);
        assert_eq!(t_half_width(1.0, 1.0, 1.0, 0.005), None);
        let n = normal_half_width(0.01, 1.0, 0.005);
        assert!(n > 0.281 && n < 0.6, "{n}");
    }
}
