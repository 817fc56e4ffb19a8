//! The statistical judge: for each metric, is the canary worse than the
//! baseline by more than the profile allows? Two methods share the faces,
//! the score and the verdict. `sequential` (the default, `sequential.rs`):
//! anytime-valid confidence sequences on the canary/baseline ratio, so
//! judging at every poll does not inflate false alarms; a metric fails when
//! the whole sequence is above `allowed_increase`, passes when it is inside
//! it, and is inconclusive otherwise, saying how much more data would decide
//! it. `mann-whitney` (`mann_whitney.rs`): Kayenta's fixed-sample rank test,
//! kept for comparison. The share of passing metrics is a score 0–100 and the
//! score a verdict; inconclusive never counts as passing, and too few
//! samples is a loud NoData. Pure: it only sees numbers.

mod mann_whitney;
pub mod sequential;

pub use mann_whitney::{hodges_lehmann, judge_metric, mann_whitney, samples_needed};
pub use sequential::{CountUnit, Counts, SequentialEvidence};

use serde::{Deserialize, Serialize};

use super::record::{Event, MetricEvidence};
use super::sanitize::clean_text;
use crate::profile::MetricKind;

pub use crate::model::judge_config::{JudgeConfig, JudgeMethod};

/// Written `no-data` everywhere a person or a script reads it (text, JSON,
/// JUnit, the journal); `no_data`, as journals before 2026-12 spelled it,
/// still reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Classification {
    Pass,
    /// The canary is significantly higher (worse, for latency and errors).
    High,
    /// Significantly lower: reported, and counted as passing since lower
    /// latency and fewer errors are not a reason to roll back.
    Low,
    /// Sequential only: neither shown worse than allowed nor shown within
    /// it. Never counts as passing.
    Inconclusive,
    #[serde(alias = "no_data")]
    NoData,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Pass => "pass",
            Classification::High => "high",
            Classification::Low => "low",
            Classification::Inconclusive => "inconclusive",
            Classification::NoData => "no-data",
        }
    }
}

/// Spelt like [`Classification`]: `no-data`, reading the old `no_data` too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Marginal,
    Fail,
    /// The inconclusive metrics could still move the verdict across a
    /// threshold: not decided yet, shown loudly, never a pass.
    Inconclusive,
    /// No metric could be judged, shown loudly.
    #[serde(alias = "no_data")]
    NoData,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Marginal => "marginal",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
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
    /// The sequential judge's evidence (absent from older reports).
    #[serde(default)]
    pub sequential: Option<SequentialEvidence>,
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

/// What the judge is handed for one metric: the per-window samples of both
/// sides, and for the error rate the per-window counts too.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricInput {
    pub canary: Vec<f64>,
    pub baseline: Vec<f64>,
    pub canary_counts: Vec<Counts>,
    pub baseline_counts: Vec<Counts>,
}

/// Judges every metric by the profile's method. The sequential judge shares
/// `1 - confidence` out equally over the metrics (Bonferroni), so the chance
/// that a canary equal to its baseline ever fails any metric stays under it.
pub fn judge_all(
    inputs: &[(MetricKind, MetricInput)],
    cfg: &JudgeConfig,
    window_secs: f64,
) -> Vec<MetricJudgement> {
    let alpha = (1.0 - cfg.confidence) / inputs.len().max(1) as f64;
    inputs
        .iter()
        .map(|(kind, input)| match (cfg.method, kind) {
            (JudgeMethod::MannWhitney, _) => {
                judge_metric(*kind, &input.canary, &input.baseline, cfg)
            }
            (JudgeMethod::Sequential, MetricKind::ErrorRate) => sequential::judge_errors(
                &input.canary_counts,
                &input.baseline_counts,
                cfg,
                alpha,
                window_secs,
            ),
            (JudgeMethod::Sequential, _) => sequential::judge_latency(
                *kind,
                &input.canary,
                &input.baseline,
                cfg,
                alpha,
                window_secs,
            ),
        })
        .collect()
}

/// Samples a side before a metric can be judged at all, by method.
pub fn samples_to_judge(cfg: &JudgeConfig) -> usize {
    match cfg.method {
        JudgeMethod::MannWhitney => samples_needed(cfg),
        JudgeMethod::Sequential => cfg.min_samples.max(2),
    }
}

fn score_verdict(score: f64, cfg: &JudgeConfig) -> Verdict {
    if score >= cfg.pass_score {
        Verdict::Pass
    } else if score >= cfg.marginal_score {
        Verdict::Marginal
    } else {
        Verdict::Fail
    }
}

/// Scores the judged metrics (equal weights) and gives the verdict. The
/// score counts inconclusive metrics as not passing; the verdict is the
/// score's only when it would be the same had they all passed, and
/// `inconclusive` otherwise, so an open question is neither a pass nor a fail.
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
        let open = judged
            .iter()
            .filter(|m| m.classification == Classification::Inconclusive)
            .count();
        let share = |n: usize| 100.0 * n as f64 / judged.len() as f64;
        let score = share(passed);
        let worst = score_verdict(score, cfg);
        let verdict = if worst == score_verdict(share(passed + open), cfg) {
            worst
        } else {
            Verdict::Inconclusive
        };
        (Some(score), verdict)
    };
    let named = |c: Classification| -> Vec<&str> {
        metrics
            .iter()
            .filter(|m| m.classification == c)
            .map(|m| m.metric.as_str())
            .collect()
    };
    let (high, open) = (
        named(Classification::High),
        named(Classification::Inconclusive),
    );
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
    if !open.is_empty() {
        summary.push_str(&format!("; inconclusive: {}", open.join(", ")));
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
        Verdict::Inconclusive => ("…", "INCONCLUSIVE"),
        Verdict::NoData => ("?", "NO DATA"),
    }
}

/// A metric's classification as a symbol (low counts as passing).
pub fn classification_symbol(c: Classification) -> &'static str {
    match c {
        Classification::Pass | Classification::Low => "✔",
        Classification::High => "✘",
        Classification::Inconclusive => "…",
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
        "{} vs baseline: {word}, {score} (pass ≥ {:.0}, marginal ≥ {:.0}; {} at {}% confidence)",
        clean_text(&report.canary_track),
        cfg.pass_score,
        cfg.marginal_score,
        match cfg.method {
            JudgeMethod::Sequential => "sequential",
            JudgeMethod::MannWhitney => "Mann-Whitney",
        },
        cfg.confidence * 100.0
    )
}

/// Said in capitals when no metric could be judged: why, and what it takes.
pub fn no_data_note(report: &JudgeReport) -> Option<String> {
    (report.verdict == Verdict::NoData).then(|| {
        format!(
            "NO DATA: no metric could be judged; the check ran too briefly or the baseline is missing (it needs {} samples a side, one per metrics window)",
            samples_to_judge(&report.config)
        )
    })
}

/// Said in capitals while any metric is inconclusive: which, and what each
/// still needs; it is not a pass.
pub fn inconclusive_note(report: &JudgeReport) -> Option<String> {
    let open: Vec<String> = report
        .metrics
        .iter()
        .filter(|m| m.classification == Classification::Inconclusive)
        .map(|m| match &m.sequential {
            Some(e) => format!("{} {}", m.metric, needs(e)),
            None => m.metric.clone(),
        })
        .collect();
    (!open.is_empty()).then(|| format!("INCONCLUSIVE (not a pass): {}", open.join("; ")))
}

/// `needs ~4 more samples (~4 min)`: what an inconclusive metric lacks.
fn needs(e: &SequentialEvidence) -> String {
    let unit = match e.unit {
        CountUnit::Samples => "samples",
        CountUnit::Requests => "requests",
    };
    match (e.more, e.more_minutes) {
        (Some(n), Some(min)) => format!("needs ~{n} more {unit} a side (~{})", minutes(min)),
        (Some(n), None) => format!("needs ~{n} more {unit} a side"),
        _ => "needs far more data: the estimate sits on the allowed increase".to_string(),
    }
}

fn minutes(min: f64) -> String {
    if min < 1.0 {
        format!("{:.0} s", (min * 60.0).max(1.0))
    } else if min < 120.0 {
        format!("{min:.0} min")
    } else {
        format!("{:.1} h", min / 60.0)
    }
}

fn ratio(v: Option<f64>, none: &str) -> String {
    v.map_or(none.to_string(), |r| format!("{r:.2}x"))
}

/// The sequential evidence in pieces: ratio with its bounds, the allowed
/// increase, what was counted, and what an open question still needs.
fn sequential_pieces(e: &SequentialEvidence) -> Vec<String> {
    let mut out = vec![
        format!(
            "ratio {} [{}, {}]",
            ratio(Some(e.ratio), ""),
            ratio(e.lower, "0"),
            ratio(e.upper, "∞")
        ),
        format!("allowed ≤ {:.2}x", e.allowed_increase),
        match (e.unit, e.canary_errors, e.baseline_errors) {
            (CountUnit::Requests, Some(ec), Some(eb)) => format!(
                "errors {ec}/{} vs {eb}/{} requests",
                e.canary_count, e.baseline_count
            ),
            _ => format!("n = {}/{}", e.canary_count, e.baseline_count),
        },
    ];
    if e.more.is_some() || e.lower.is_none() || e.upper.is_none() {
        out.push(needs(e));
    }
    out
}

/// One sentence for a metric's reason: the ratio against the allowed one.
pub(crate) fn sequential_words(class: Classification, e: &SequentialEvidence) -> String {
    let bounds = format!(
        "ratio {} [{}, {}] at {:.1}% confidence",
        ratio(Some(e.ratio), ""),
        ratio(e.lower, "0"),
        ratio(e.upper, "∞"),
        e.confidence * 100.0
    );
    let allowed = e.allowed_increase;
    match class {
        Classification::High => format!("{bounds}: worse than the allowed {allowed:.2}x"),
        Classification::Pass => format!("{bounds}: within the allowed {allowed:.2}x"),
        Classification::Low => format!("{bounds}: lower than the baseline"),
        _ => format!(
            "{bounds}: neither above nor within the allowed {allowed:.2}x yet; {}",
            needs(e)
        ),
    }
}

/// The evidence behind one metric's class, in pieces: the Mann–Whitney
/// p-value, the Hodges–Lehmann shift with its interval, the mean ratio and
/// the sample counts; or, unjudged, the reason alone. The headless check
/// prints the pieces on one line, the cockpit one under the other.
pub fn evidence(m: &MetricJudgement) -> Vec<String> {
    if let Some(e) = &m.sequential {
        return sequential_pieces(e);
    }
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
            evidence: self
                .metrics
                .iter()
                .map(|m| MetricEvidence {
                    metric: m.metric.clone(),
                    classification: m.classification,
                    sequential: m.sequential.clone(),
                })
                .collect(),
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
pub(crate) mod tests {
    use super::*;

    pub(crate) fn close(a: f64, b: f64, tol: f64) -> bool {
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
            ..
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
