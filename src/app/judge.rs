//! The statistical judge, in the manner of Kayenta: for each metric, are the
//! canary's samples drawn from a worse distribution than the baseline's?
//! A two-sided Mann–Whitney U test (normal approximation with tie and
//! continuity corrections, as R's `wilcox.test(correct = TRUE)`) says whether
//! they differ at the configured confidence; the Hodges–Lehmann shift (with
//! its confidence interval) says by how much and in which direction; the
//! ratio of means is the effect size compared with the allowed increase.
//! Every metric is Pass, High, Low or NoData; the share of passing metrics is
//! a score 0–100 and the score a verdict. Too few samples is a loud NoData,
//! never a pass. Pure: it only sees numbers.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::record::Event;
use super::sanitize::clean_text;
use crate::profile::MetricKind;

pub use crate::model::judge_config::JudgeConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Pass,
    /// The canary is significantly higher (worse, for latency and errors).
    High,
    /// Significantly lower: reported, and counted as passing since lower
    /// latency and fewer errors are not a reason to roll back.
    Low,
    NoData,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Pass => "pass",
            Classification::High => "high",
            Classification::Low => "low",
            Classification::NoData => "no-data",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Marginal,
    Fail,
    /// No metric could be judged: inconclusive, shown loudly.
    NoData,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Marginal => "marginal",
            Verdict::Fail => "fail",
            Verdict::NoData => "no-data",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MannWhitney {
    /// U of the first sample (the canary).
    pub u: f64,
    pub z: f64,
    pub p_value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    /// Median of all canary − baseline differences.
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricJudgement {
    pub metric: String,
    pub classification: Classification,
    /// A sentence: the evidence behind the classification.
    pub reason: String,
    pub canary_n: usize,
    pub baseline_n: usize,
    pub canary_mean: Option<f64>,
    pub baseline_mean: Option<f64>,
    pub mean_ratio: Option<f64>,
    pub test: Option<MannWhitney>,
    pub shift: Option<Shift>,
}

impl MetricJudgement {
    pub fn passed(&self) -> bool {
        matches!(
            self.classification,
            Classification::Pass | Classification::Low
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeReport {
    pub canary_track: String,
    pub metrics: Vec<MetricJudgement>,
    /// None when no metric had data.
    pub score: Option<f64>,
    pub verdict: Verdict,
    pub summary: String,
    /// The thresholds it was judged with, so a report explains itself.
    pub config: JudgeConfig,
}

/// The two-sided Mann–Whitney U test of `x` against `y`; None when either is
/// empty. When every value is tied the spread is zero: p = 1 (no evidence of
/// a difference).
pub fn mann_whitney(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let mut all: Vec<(f64, bool)> = x
        .iter()
        .map(|&v| (v, true))
        .chain(y.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = all.len();
    let mut rank_sum_x = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their average.
        let avg = (i + j + 2) as f64 / 2.0;
        let t = (j - i + 1) as f64;
        tie_term += t * t * t - t;
        rank_sum_x += avg * all[i..=j].iter().filter(|(_, is_x)| *is_x).count() as f64;
        i = j + 1;
    }
    let (n1f, n2f, nf) = (n1 as f64, n2 as f64, n as f64);
    let u = rank_sum_x - n1f * (n1f + 1.0) / 2.0;
    let mean = n1f * n2f / 2.0;
    let variance = n1f * n2f / 12.0 * ((nf + 1.0) - tie_term / (nf * (nf - 1.0)));
    if variance <= 0.0 || !variance.is_finite() {
        return Some(MannWhitney {
            u,
            z: 0.0,
            p_value: 1.0,
        });
    }
    let diff = u - mean;
    // R's sign(): zero for no difference (f64::signum(0.0) would be 1).
    let correction = if diff > 0.0 {
        0.5
    } else if diff < 0.0 {
        -0.5
    } else {
        0.0
    };
    let z = (diff - correction) / variance.sqrt();
    let normal = Normal::standard();
    let p_value = (2.0 * normal.cdf(-z.abs())).min(1.0);
    Some(MannWhitney { u, z, p_value })
}

/// The Hodges–Lehmann estimate of the shift `x − y` and its distribution-free
/// confidence interval from the ordered pairwise differences (normal
/// approximation for the order statistic's index).
pub fn hodges_lehmann(x: &[f64], y: &[f64], confidence: f64) -> Option<Shift> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let mut diffs: Vec<f64> = Vec::with_capacity(x.len() * y.len());
    for &a in x {
        for &b in y {
            diffs.push(a - b);
        }
    }
    diffs.sort_by(f64::total_cmp);
    let m = diffs.len();
    let estimate = if m % 2 == 1 {
        diffs[m / 2]
    } else {
        (diffs[m / 2 - 1] + diffs[m / 2]) / 2.0
    };
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let z = Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    let k = (n1 * n2 / 2.0 - z * (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt()).floor();
    // k is a 1-based order statistic; too few samples: the full range.
    let k = if k.is_finite() && k >= 1.0 {
        k as usize
    } else {
        1
    };
    let k = k.min(m);
    Some(Shift {
        estimate,
        lower: diffs[k - 1],
        upper: diffs[m - k],
    })
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Classifies one metric from the canary's and the baseline's samples.
pub fn judge_metric(
    metric: MetricKind,
    canary: &[f64],
    baseline: &[f64],
    cfg: &JudgeConfig,
) -> MetricJudgement {
    let canary: Vec<f64> = canary.iter().copied().filter(|v| v.is_finite()).collect();
    let baseline: Vec<f64> = baseline.iter().copied().filter(|v| v.is_finite()).collect();
    let canary_mean = mean(&canary);
    let baseline_mean = mean(&baseline);
    let mean_ratio = match (canary_mean, baseline_mean) {
        (Some(c), Some(b)) if b > 0.0 => Some(c / b),
        (Some(c), Some(b)) if b == 0.0 && c == 0.0 => Some(1.0),
        _ => None,
    };
    let mut out = MetricJudgement {
        metric: metric.name().to_string(),
        classification: Classification::NoData,
        reason: String::new(),
        canary_n: canary.len(),
        baseline_n: baseline.len(),
        canary_mean,
        baseline_mean,
        mean_ratio,
        test: None,
        shift: None,
    };
    if canary.len() < cfg.min_samples || baseline.len() < cfg.min_samples {
        // Say the number that matters: at a high confidence a difference
        // can only show with more samples than the minimum to be judged.
        out.reason = format!(
            "not enough samples: {} canary and {} baseline (needs {} each)",
            canary.len(),
            baseline.len(),
            samples_needed(cfg)
        );
        return out;
    }
    // With few samples even the most lopsided ranking cannot reach the
    // confidence asked for: that is inconclusive, never a pass.
    let alpha = 1.0 - cfg.confidence;
    let best_p = 2.0 / binomial(canary.len() + baseline.len(), canary.len());
    if best_p >= alpha {
        out.reason = format!(
            "inconclusive: {} canary and {} baseline samples cannot show a difference at {:.0}% confidence (best possible p = {best_p:.3})",
            canary.len(),
            baseline.len(),
            cfg.confidence * 100.0
        );
        return out;
    }
    let (Some(test), Some(shift)) = (
        mann_whitney(&canary, &baseline),
        hodges_lehmann(&canary, &baseline, cfg.confidence),
    ) else {
        out.reason = "no samples".into();
        return out;
    };
    out.test = Some(test);
    out.shift = Some(shift);
    let ratio_text = mean_ratio.map_or("n/a".to_string(), |r| format!("{r:.2}x"));
    if test.p_value >= alpha {
        out.classification = Classification::Pass;
        out.reason = format!(
            "no significant difference (p = {:.3} ≥ {alpha:.2}; mean ratio {ratio_text})",
            test.p_value
        );
        return out;
    }
    let higher = if shift.estimate != 0.0 {
        shift.estimate > 0.0
    } else {
        canary_mean > baseline_mean
    };
    if higher {
        if mean_ratio.is_some_and(|r| r <= cfg.allowed_increase) {
            out.classification = Classification::Pass;
            out.reason = format!(
                "higher (p = {:.4}) but within the allowed increase (mean ratio {ratio_text} ≤ {:.2}x)",
                test.p_value, cfg.allowed_increase
            );
        } else {
            out.classification = Classification::High;
            out.reason = format!(
                "canary higher: p = {:.4} < {alpha:.2}, shift {:+.4} [{:+.4}, {:+.4}], mean ratio {ratio_text}",
                test.p_value, shift.estimate, shift.lower, shift.upper
            );
        }
    } else {
        out.classification = Classification::Low;
        out.reason = format!(
            "canary lower: p = {:.4} < {alpha:.2}, shift {:+.4} [{:+.4}, {:+.4}], mean ratio {ratio_text}",
            test.p_value, shift.estimate, shift.lower, shift.upper
        );
    }
    out
}

/// Samples needed on each side before a difference can show at all: the
/// configured minimum, or more when even the most lopsided ranking of fewer
/// could not reach the confidence asked for.
pub fn samples_needed(cfg: &JudgeConfig) -> usize {
    let alpha = 1.0 - cfg.confidence;
    let mut n = cfg.min_samples.max(1);
    while n < 1000 && 2.0 / binomial(2 * n, n) >= alpha {
        n += 1;
    }
    n
}

/// C(n, k) as a float (exact enough for the sample sizes judged here).
fn binomial(n: usize, k: usize) -> f64 {
    let k = k.min(n - k.min(n));
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Scores the judged metrics (equal weights) and gives the verdict.
pub fn report(canary_track: &str, metrics: Vec<MetricJudgement>, cfg: &JudgeConfig) -> JudgeReport {
    let judged: Vec<&MetricJudgement> = metrics
        .iter()
        .filter(|m| m.classification != Classification::NoData)
        .collect();
    let no_data = metrics.len() - judged.len();
    let (score, verdict) = if judged.is_empty() {
        (None, Verdict::NoData)
    } else {
        let passed = judged.iter().filter(|m| m.passed()).count();
        let score = 100.0 * passed as f64 / judged.len() as f64;
        let verdict = if score >= cfg.pass_score {
            Verdict::Pass
        } else if score >= cfg.marginal_score {
            Verdict::Marginal
        } else {
            Verdict::Fail
        };
        (Some(score), verdict)
    };
    let high: Vec<&str> = metrics
        .iter()
        .filter(|m| m.classification == Classification::High)
        .map(|m| m.metric.as_str())
        .collect();
    let mut summary = match score {
        None => format!("judge: no data for {canary_track} vs baseline"),
        Some(s) => format!(
            "judge: {} (score {s:.0}/100) for {canary_track} vs baseline",
            verdict.as_str()
        ),
    };
    if !high.is_empty() {
        summary.push_str(&format!("; higher: {}", high.join(", ")));
    }
    if no_data > 0 && score.is_some() {
        summary.push_str(&format!("; {no_data} metric(s) without data"));
    }
    JudgeReport {
        canary_track: canary_track.to_string(),
        metrics,
        score,
        verdict,
        summary,
        config: cfg.clone(),
    }
}

/// The verdict as a symbol and a word in capitals, as every face prints it.
pub fn verdict_mark(verdict: Verdict) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Pass => ("✔", "PASS"),
        Verdict::Marginal => ("⚠", "MARGINAL"),
        Verdict::Fail => ("✘", "FAIL"),
        Verdict::NoData => ("?", "NO DATA"),
    }
}

/// A metric's classification as a symbol (low counts as passing).
pub fn classification_symbol(c: Classification) -> &'static str {
    match c {
        Classification::Pass | Classification::Low => "✔",
        Classification::High => "✘",
        Classification::NoData => "?",
    }
}

/// `canary vs baseline: FAIL, score 50/100 (pass ≥ 95, marginal ≥ 75;
/// Mann-Whitney at 98% confidence)`: the verdict with the thresholds it was
/// reached with, so the line explains itself.
pub fn headline(report: &JudgeReport) -> String {
    let cfg = &report.config;
    let (_, word) = verdict_mark(report.verdict);
    let score = report
        .score
        .map_or("no score".to_string(), |s| format!("score {s:.0}/100"));
    format!(
        "{} vs baseline: {word}, {score} (pass ≥ {:.0}, marginal ≥ {:.0}; Mann-Whitney at {}% confidence)",
        clean_text(&report.canary_track),
        cfg.pass_score,
        cfg.marginal_score,
        cfg.confidence * 100.0
    )
}

/// Said in capitals when no metric could be judged: why, and what it takes.
pub fn no_data_note(report: &JudgeReport) -> Option<String> {
    (report.verdict == Verdict::NoData).then(|| {
        format!(
            "NO DATA: no metric could be judged; the check ran too briefly or the baseline is missing (it needs {} samples a side, one per metrics window)",
            samples_needed(&report.config)
        )
    })
}

/// The evidence behind one metric's class, in pieces: the Mann–Whitney
/// p-value, the Hodges–Lehmann shift with its interval, the mean ratio and
/// the sample counts; or, unjudged, the reason alone. The headless check
/// prints the pieces on one line, the cockpit one under the other.
pub fn evidence(m: &MetricJudgement) -> Vec<String> {
    match (&m.test, &m.shift) {
        (Some(test), Some(shift)) => vec![
            // Four decimals, and never a p-value of zero.
            if test.p_value < 0.0001 {
                "p < 0.0001".to_string()
            } else {
                format!("p = {:.4}", test.p_value)
            },
            format!(
                "shift {} [{}, {}]",
                signed(&m.metric, shift.estimate),
                signed(&m.metric, shift.lower),
                signed(&m.metric, shift.upper)
            ),
            format!(
                "ratio {}",
                m.mean_ratio
                    .map_or("n/a".to_string(), |r| format!("{r:.2}x"))
            ),
            format!("n = {}/{}", m.canary_n, m.baseline_n),
        ],
        _ => vec![clean_text(&m.reason)],
    }
}

/// `latency_p95 high: p = 0.0001, shift +251 ms [+200 ms, +300 ms], ratio
/// 3.00x, n = 20/20`: one metric in one line, for the release record.
pub fn metric_summary(m: &MetricJudgement) -> String {
    format!(
        "{} {}: {}",
        m.metric,
        m.classification.as_str(),
        evidence(m).join(", ")
    )
}

impl JudgeReport {
    /// The longest metric name, so per-metric lines align in both faces.
    pub fn name_width(&self) -> usize {
        self.metrics
            .iter()
            .map(|m| m.metric.len())
            .max()
            .unwrap_or(0)
    }

    /// The journal record of this verdict: the summary sentence and one line
    /// per metric, so the release record says why without the numbers file.
    pub fn journal_event(&self) -> Event {
        Event::JudgeVerdict {
            verdict: self.verdict,
            score: self.score,
            summary: clean_text(&self.summary),
            metrics: self.metrics.iter().map(metric_summary).collect(),
        }
    }
}

/// A shift in the metric's unit, signed: `+120 ms`, `-0.40%`, and a plain
/// `0` for what rounds to nothing (never `-0`).
pub fn signed(metric: &str, v: f64) -> String {
    let (scaled, decimals, unit) = match MetricKind::from_name(metric) {
        Some(MetricKind::LatencyP50 | MetricKind::LatencyP95 | MetricKind::LatencyP99) => {
            if v.abs() < 1.0 {
                (v * 1000.0, 0, " ms")
            } else {
                (v, 2, " s")
            }
        }
        Some(MetricKind::ErrorRate) => (v * 100.0, 2, "%"),
        _ => (v, 4, ""),
    };
    let text = format!("{scaled:+.decimals$}");
    if text
        .trim_start_matches(['+', '-'])
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        format!("{:.decimals$}{unit}", 0.0)
    } else {
        format!("{text}{unit}")
    }
}

/// Which of the cockpit's verdicts go into the release record. The judge is
/// re-run on every metrics report, so journalling each one would bury the
/// record; instead a verdict is journalled when it differs from the last one
/// journalled and has held for [`VerdictTrail::HOLD`] successive
/// evaluations, so a score wobbling across a threshold stays out of the
/// record while a lasting change (the first no data included) goes in once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerdictTrail {
    journalled: Option<Verdict>,
    streak: Option<(Verdict, usize)>,
}

impl VerdictTrail {
    /// Evaluations a new verdict must hold before it is journalled.
    pub const HOLD: usize = 2;

    /// Folds in one evaluation; true when this verdict is to be journalled now.
    pub fn observe(&mut self, verdict: Verdict) -> bool {
        let held = match self.streak {
            Some((v, n)) if v == verdict => n + 1,
            _ => 1,
        };
        self.streak = Some((verdict, held));
        if held >= Self::HOLD && self.journalled != Some(verdict) {
            self.journalled = Some(verdict);
            true
        } else {
            false
        }
    }

    /// A verdict read back from the journal: ours, another cockpit's on the
    /// same release, or a headless check's. It counts as journalled, so two
    /// operators watching one release do not both record the same change.
    pub fn recorded(&mut self, verdict: Verdict) {
        self.journalled = Some(verdict);
    }

    /// The verdict last journalled, if any.
    pub fn journalled(&self) -> Option<Verdict> {
        self.journalled
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn a_verdict_another_cockpit_recorded_is_not_recorded_again() {
        let mut trail = VerdictTrail::default();
        // Another operator's cockpit recorded the fail first.
        trail.recorded(Verdict::Fail);
        assert!(!trail.observe(Verdict::Fail));
        assert!(!trail.observe(Verdict::Fail));
        // A real change is still ours to record, once it held.
        assert!(!trail.observe(Verdict::Pass));
        assert!(trail.observe(Verdict::Pass));
    }

    #[test]
    fn textbook_complete_separation() {
        // x = 1..5, y = 6..10: U = 0, mean 12.5, sd sqrt(25*11/12) = 4.7871,
        // z = (0 - 12.5 + 0.5) / 4.7871 = -2.5067, p = 2 * Phi(-2.5067) = 0.01219
        // (R: wilcox.test(1:5, 6:10, exact = FALSE) gives p-value = 0.01219).
        let t = mann_whitney(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0]).unwrap();
        assert_eq!(t.u, 0.0);
        assert!(close(t.z, -2.5067, 1e-4), "z = {}", t.z);
        assert!(close(t.p_value, 0.01219, 1e-5), "p = {}", t.p_value);
        // Symmetric the other way round.
        let r = mann_whitney(&[6.0, 7.0, 8.0, 9.0, 10.0], &[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(r.u, 25.0);
        assert!(close(r.p_value, t.p_value, 1e-12));
    }

    #[test]
    fn textbook_with_ties() {
        // x = {1, 2, 2, 3}, y = {2, 3, 4, 5}: pooled ranks 1, 3, 3, 3, 5.5, 5.5, 7, 8.
        // R1 = 1 + 3 + 3 + 5.5 = 12.5, U = 12.5 - 10 = 2.5, mean 8.
        // Ties: a triple (24) and a pair (6): var = 16/12 * (9 - 30/56) = 11.2857.
        // z = (2.5 - 8 + 0.5) / 3.35942 = -1.48835, p = 0.13666.
        let t = mann_whitney(&[1.0, 2.0, 2.0, 3.0], &[2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(t.u, 2.5);
        assert!(close(t.z, -1.48835, 1e-4), "z = {}", t.z);
        assert!(close(t.p_value, 0.13666, 1e-4), "p = {}", t.p_value);
    }

    #[test]
    fn identical_constant_and_empty_samples() {
        let same = [3.0, 1.0, 2.0, 5.0, 4.0];
        let t = mann_whitney(&same, &same).unwrap();
        assert_eq!(t.p_value, 1.0);
        let constant = mann_whitney(&[2.0; 6], &[2.0; 6]).unwrap();
        assert_eq!(constant.p_value, 1.0);
        // Two different constants are as different as samples can be.
        let apart = mann_whitney(&[5.0; 5], &[3.0; 5]).unwrap();
        assert!(apart.p_value < 0.02, "p = {}", apart.p_value);
        assert_eq!(mann_whitney(&[], &[1.0]), None);
        assert_eq!(hodges_lehmann(&[1.0], &[], 0.98), None);

        let cfg = JudgeConfig::default();
        let j = judge_metric(MetricKind::LatencyP95, &same, &same, &cfg);
        assert_eq!(j.classification, Classification::Pass);
        let j = judge_metric(MetricKind::LatencyP95, &[], &same, &cfg);
        assert_eq!(j.classification, Classification::NoData);
        assert!(j.reason.contains("0 canary"), "{}", j.reason);
        let j = judge_metric(MetricKind::ErrorRate, &[0.0; 8], &[0.0; 8], &cfg);
        assert_eq!(j.classification, Classification::Pass);
        assert_eq!(j.mean_ratio, Some(1.0));
    }

    #[test]
    fn hodges_lehmann_shift_and_interval() {
        let y: Vec<f64> = (1..=10).map(f64::from).collect();
        let x: Vec<f64> = y.iter().map(|v| v + 3.0).collect();
        let s = hodges_lehmann(&x, &y, 0.98).unwrap();
        assert_eq!(s.estimate, 3.0);
        assert!(s.lower < 3.0 && s.upper > 3.0, "{s:?}");
        // k = floor(50 - 2.3263 * sqrt(100 * 21 / 12)) = floor(19.23) = 19:
        // the 19th smallest and 19th largest of the 100 differences.
        let mut d: Vec<f64> = x
            .iter()
            .flat_map(|a| y.iter().map(move |b| a - b))
            .collect();
        d.sort_by(f64::total_cmp);
        assert_eq!(s.lower, d[18]);
        assert_eq!(s.upper, d[81]);
    }

    #[test]
    fn too_few_samples_to_reach_confidence_is_inconclusive_not_a_pass() {
        let cfg = JudgeConfig::default();
        // Three times slower, but 4 against 4 can at best give p = 2/70.
        let base = [0.10, 0.11, 0.12, 0.13];
        let slow = [0.30, 0.33, 0.36, 0.39];
        let few = judge_metric(MetricKind::LatencyP95, &slow, &base, &cfg);
        assert_eq!(few.classification, Classification::NoData, "{}", few.reason);
        assert!(few.reason.starts_with("inconclusive"), "{}", few.reason);
        // Five against five can: the same shift is High.
        let more = judge_metric(
            MetricKind::LatencyP95,
            &[0.30, 0.33, 0.36, 0.39, 0.42],
            &[0.10, 0.11, 0.12, 0.13, 0.14],
            &cfg,
        );
        assert_eq!(more.classification, Classification::High, "{}", more.reason);
    }

    #[test]
    fn classifies_and_scores() {
        let cfg = JudgeConfig::default();
        let base: Vec<f64> = (0..10).map(|i| 0.10 + f64::from(i) * 0.001).collect();
        let slow: Vec<f64> = base.iter().map(|v| v * 2.0).collect();
        let fast: Vec<f64> = base.iter().map(|v| v / 2.0).collect();
        let high = judge_metric(MetricKind::LatencyP95, &slow, &base, &cfg);
        assert_eq!(high.classification, Classification::High, "{}", high.reason);
        let low = judge_metric(MetricKind::LatencyP99, &fast, &base, &cfg);
        assert_eq!(low.classification, Classification::Low);
        let same = judge_metric(MetricKind::LatencyP50, &base, &base, &cfg);
        let lenient = JudgeConfig {
            allowed_increase: 2.5,
            ..cfg.clone()
        };
        assert_eq!(
            judge_metric(MetricKind::LatencyP95, &slow, &base, &lenient).classification,
            Classification::Pass
        );
        let none = judge_metric(MetricKind::ErrorRate, &[], &[], &cfg);

        let r = report(
            "canary",
            vec![high.clone(), low.clone(), same.clone(), none.clone()],
            &cfg,
        );
        // 2 of 3 judged pass (low counts as pass): 66.7 < 75: fail.
        assert!(close(r.score.unwrap(), 200.0 / 3.0, 1e-9));
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(r.summary.contains("latency_p95"), "{}", r.summary);
        let r = report("canary", vec![same.clone(), low, same.clone(), high], &cfg);
        assert_eq!(r.verdict, Verdict::Marginal);
        let r = report("canary", vec![same.clone(), none.clone()], &cfg);
        assert_eq!(r.verdict, Verdict::Pass);
        let r = report("canary", vec![none], &cfg);
        assert_eq!(r.verdict, Verdict::NoData);
        assert_eq!(r.score, None);
    }

    #[test]
    fn samples_needed_follows_the_confidence() {
        // 4 against 4 can at best give p = 2/70 = 0.029 > 0.02; 5 against 5
        // gives 2/252 = 0.008.
        assert_eq!(samples_needed(&JudgeConfig::default()), 5);
        let loose = JudgeConfig {
            confidence: 0.9,
            ..JudgeConfig::default()
        };
        // 3 against 3: 2/20 = 0.1, not below 0.1; 4 against 4: 0.029.
        assert_eq!(samples_needed(&loose), 4);
        let many = JudgeConfig {
            min_samples: 12,
            ..JudgeConfig::default()
        };
        assert_eq!(samples_needed(&many), 12);
    }

    #[test]
    fn shifts_are_signed_in_the_metric_unit() {
        assert_eq!(signed("latency_p95", 0.2514), "+251 ms");
        assert_eq!(signed("latency_p95", -0.0004), "0 ms");
        assert_eq!(signed("latency_p99", 1.5), "+1.50 s");
        assert_eq!(signed("error_rate", -0.0675), "-6.75%");
        assert_eq!(signed("error_rate", 0.0), "0.00%");
    }

    #[test]
    fn a_verdict_is_journalled_once_it_held_and_flapping_is_damped() {
        use Verdict::*;
        let mut trail = VerdictTrail::default();
        let journalled = |trail: &mut VerdictTrail, seq: &[Verdict]| -> Vec<Verdict> {
            seq.iter().copied().filter(|v| trail.observe(*v)).collect()
        };
        // No data at the start is a verdict too, but only once.
        assert_eq!(journalled(&mut trail, &[NoData]), []);
        assert_eq!(journalled(&mut trail, &[NoData, NoData, NoData]), [NoData]);
        // A change goes in on its second evaluation, once.
        assert_eq!(journalled(&mut trail, &[Pass]), []);
        assert_eq!(journalled(&mut trail, &[Pass, Pass, Pass]), [Pass]);
        // Wobbling across the marginal threshold records nothing.
        assert_eq!(
            journalled(
                &mut trail,
                &[Marginal, Pass, Marginal, Pass, Marginal, Pass]
            ),
            []
        );
        assert_eq!(trail.journalled(), Some(Pass));
        // A lasting change does, and a return to the journalled verdict is
        // itself a change.
        assert_eq!(
            journalled(&mut trail, &[Fail, Fail, Pass, Pass]),
            [Fail, Pass]
        );
        // Back to no data (the source went away) is journalled like any change.
        assert_eq!(journalled(&mut trail, &[NoData, NoData]), [NoData]);
    }

    #[test]
    fn the_journal_event_carries_the_verdict_and_a_line_per_metric() {
        let cfg = JudgeConfig::default();
        let base: Vec<f64> = (0..10).map(|i| 0.10 + f64::from(i) * 0.001).collect();
        let slow: Vec<f64> = base.iter().map(|v| v * 2.0).collect();
        let r = report(
            "canary",
            vec![
                judge_metric(MetricKind::LatencyP95, &slow, &base, &cfg),
                judge_metric(MetricKind::ErrorRate, &[], &base, &cfg),
            ],
            &cfg,
        );
        let Event::JudgeVerdict {
            verdict,
            score,
            summary,
            metrics,
        } = r.journal_event()
        else {
            panic!("not a judge verdict")
        };
        assert_eq!((verdict, score), (Verdict::Fail, Some(0.0)));
        assert_eq!(summary, r.summary);
        assert_eq!(metrics.len(), 2);
        assert!(
            metrics[0].starts_with("latency_p95 high: p ")
                && metrics[0].contains(", shift +")
                && metrics[0].ends_with(", ratio 2.00x, n = 10/10"),
            "{}",
            metrics[0]
        );
        assert!(
            metrics[1].starts_with("error_rate no-data: not enough samples"),
            "{}",
            metrics[1]
        );
    }
}
