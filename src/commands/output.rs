//! How headless commands print checklist results: text with symbols (colour
//! only on a terminal without NO_COLOR), JSON for scripts, JUnit XML for CI.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use chrono::{DateTime, Utc};
use color_eyre::Result;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use crate::engine::checklist::ItemStatus;
use crate::engine::judge::{self, Classification, JudgeReport, Verdict};
use crate::engine::lifecycle::Lifecycle;
use crate::engine::sanitize::clean_text;
use crate::profile::Profile;

/// One item's outcome as headless faces report it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemReport {
    pub phase: String,
    pub id: String,
    pub title: String,
    pub status: ItemStatus,
    pub detail: String,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Standard output for every headless face. A reader that goes away
/// (`golive act ... | head -1`) must not turn into an error report or an
/// exit code that belies what was done: after a broken pipe, what is still
/// written is dropped quietly and the command carries on to its own exit
/// code. Loops that only print (`logs`) ask [`Quiet::closed`] to stop.
pub fn stdout() -> Quiet<std::io::StdoutLock<'static>> {
    Quiet::new(std::io::stdout().lock())
}

/// A writer that treats a broken pipe as the end of its output.
#[derive(Debug)]
pub struct Quiet<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> Quiet<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            closed: false,
        }
    }

    /// Whether the reader has gone away.
    pub fn closed(&self) -> bool {
        self.closed
    }

    fn settle<T>(&mut self, result: std::io::Result<T>, quiet: T) -> std::io::Result<T> {
        match result {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(quiet)
            }
            other => other,
        }
    }
}

impl<W: Write> Write for Quiet<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.settle(result, buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.settle(result, ())
    }
}

/// Colour only for a terminal, and never when NO_COLOR is set (any value).
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// The status's colour around `text`, or `text` alone without colour.
pub fn paint(status: ItemStatus, text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match status {
        ItemStatus::Pass | ItemStatus::Signed => "32",
        ItemStatus::Fail => "31",
        ItemStatus::Waived | ItemStatus::Manual => "33",
        ItemStatus::Running | ItemStatus::Pending => "36",
    };
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}

/// `✔ t-30/health  Health answers 200 — HTTP 200 in 12 ms (0.0s)`
pub fn text_line(report: &ItemReport, color: bool) -> String {
    let symbol = paint(report.status, report.status.symbol(), color);
    let detail = clean_text(&report.detail);
    let mut line = format!(
        "{symbol} {:<7} {}/{}  {}",
        report.status.as_str(),
        report.phase,
        report.id,
        clean_text(&report.title)
    );
    if !detail.is_empty() {
        line.push_str(" — ");
        line.push_str(&detail);
    }
    if report.duration_ms > 0 {
        line.push_str(&format!(" ({:.1}s)", report.duration_ms as f64 / 1000.0));
    }
    line
}

/// `3 passed, 1 failed, 2 manual`
pub fn text_summary(reports: &[ItemReport]) -> String {
    let count = |s: ItemStatus| reports.iter().filter(|r| r.status == s).count();
    let mut parts = vec![
        format!("{} passed", count(ItemStatus::Pass)),
        format!("{} failed", count(ItemStatus::Fail)),
    ];
    for status in [ItemStatus::Manual, ItemStatus::Signed, ItemStatus::Waived] {
        let n = count(status);
        if n > 0 {
            parts.push(format!("{n} {}", status.as_str()));
        }
    }
    parts.join(", ")
}

/// The judge's report and the phase it is reported under.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseJudge {
    pub phase: String,
    #[serde(flatten)]
    pub report: JudgeReport,
}

/// The colour a verdict or a metric's class is painted in, as the item
/// status it reads like.
fn verdict_status(verdict: Verdict) -> ItemStatus {
    match verdict {
        Verdict::Pass => ItemStatus::Pass,
        Verdict::Marginal | Verdict::Inconclusive | Verdict::NoData => ItemStatus::Waived,
        Verdict::Fail => ItemStatus::Fail,
    }
}

fn classification_status(c: Classification) -> ItemStatus {
    match c {
        Classification::Pass | Classification::Low => ItemStatus::Pass,
        Classification::High => ItemStatus::Fail,
        Classification::Inconclusive | Classification::NoData => ItemStatus::Waived,
    }
}

/// The judge as a short block after the items: the verdict and score, then
/// one line per metric with its classification, Mann–Whitney p-value,
/// Hodges–Lehmann shift and interval, mean ratio and sample counts. No data
/// is written in capitals with its reason, never left blank. The words are
/// `engine::judge`'s, the same the cockpit's details show.
pub fn text_judge(report: &JudgeReport, color: bool) -> String {
    let (symbol, _) = judge::verdict_mark(report.verdict);
    let mut out = format!(
        "{} judge   {}",
        paint(verdict_status(report.verdict), symbol, color),
        judge::headline(report)
    );
    for note in [
        judge::no_data_note(report),
        judge::inconclusive_note(report),
    ]
    .into_iter()
    .flatten()
    {
        out.push_str("\n  ");
        out.push_str(&note);
    }
    let width = report.name_width();
    for m in &report.metrics {
        let symbol = judge::classification_symbol(m.classification);
        out.push_str(&format!(
            "\n  {} {:<width$}  {:<7}  {}",
            paint(classification_status(m.classification), symbol, color),
            m.metric,
            m.classification.as_str(),
            judge::evidence(m).join("  ")
        ));
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    service: &'a str,
    version: &'a str,
    items: &'a [ItemReport],
    /// Present when the run involved metrics.
    #[serde(skip_serializing_if = "Option::is_none")]
    judge: Option<&'a PhaseJudge>,
    /// The release's lifecycle as the journal has it.
    lifecycle: &'a Lifecycle,
}

pub fn json(
    profile: &Profile,
    reports: &[ItemReport],
    judge: Option<&PhaseJudge>,
    lifecycle: &Lifecycle,
) -> String {
    let doc = JsonReport {
        service: &profile.service.name,
        version: &profile.service.version,
        items: reports,
        judge,
        lifecycle,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The judge as a test case: a fail verdict fails, no data is skipped with
/// its reason, pass and marginal succeed; the numbers are properties and the
/// text block its output.
fn judge_case(profile: &Profile, judge: &PhaseJudge) -> TestCase {
    let report = &judge.report;
    let status = match report.verdict {
        Verdict::Pass | Verdict::Marginal => TestCaseStatus::success(),
        Verdict::Fail => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(clean_text(&report.summary));
            s
        }
        Verdict::NoData => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("NO DATA: {}", clean_text(&report.summary)));
            s
        }
        // Not decided is not a success: skipped, loudly.
        Verdict::Inconclusive => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("INCONCLUSIVE: {}", clean_text(&report.summary)));
            s
        }
    };
    let mut case = TestCase::new("judge", status);
    case.set_classname(format!("{}.{}", profile.service.name, judge.phase));
    case.add_property(Property::new("verdict", report.verdict.as_str()));
    if let Some(score) = report.score {
        case.add_property(Property::new("score", format!("{score:.1}")));
    }
    case.add_property(Property::new(
        "confidence",
        report.config.confidence.to_string(),
    ));
    case.add_property(Property::new("method", report.config.method.as_str()));
    for m in &report.metrics {
        let name = |what: &str| format!("{}.{what}", m.metric);
        case.add_property(Property::new(
            name("classification"),
            m.classification.as_str(),
        ));
        case.add_property(Property::new(name("canary_n"), m.canary_n.to_string()));
        case.add_property(Property::new(name("baseline_n"), m.baseline_n.to_string()));
        if let Some(test) = &m.test {
            case.add_property(Property::new(name("p_value"), test.p_value.to_string()));
        }
        if let Some(shift) = &m.shift {
            case.add_property(Property::new(name("shift"), shift.estimate.to_string()));
            case.add_property(Property::new(name("shift_lower"), shift.lower.to_string()));
            case.add_property(Property::new(name("shift_upper"), shift.upper.to_string()));
        }
        if let Some(e) = &m.sequential {
            let numbers = [
                ("ratio", Some(e.ratio)),
                ("ratio_lower", e.lower),
                ("ratio_upper", e.upper),
                ("allowed_increase", Some(e.allowed_increase)),
                ("more", e.more.map(|n| n as f64)),
                ("more_minutes", e.more_minutes),
                ("canary_errors", e.canary_errors.map(|n| n as f64)),
                ("baseline_errors", e.baseline_errors.map(|n| n as f64)),
            ];
            for (what, v) in numbers {
                if let Some(v) = v {
                    case.add_property(Property::new(name(what), v.to_string()));
                }
            }
            let unit = match e.unit {
                judge::CountUnit::Samples => "samples",
                judge::CountUnit::Requests => "requests",
            };
            case.add_property(Property::new(name("counted"), unit));
            case.add_property(Property::new(
                name("canary_count"),
                e.canary_count.to_string(),
            ));
            case.add_property(Property::new(
                name("baseline_count"),
                e.baseline_count.to_string(),
            ));
        } else if let Some(ratio) = m.mean_ratio {
            case.add_property(Property::new(name("mean_ratio"), ratio.to_string()));
        }
    }
    case.set_system_out(text_judge(report, false));
    case
}

/// One test suite per phase, one test case per item; manual items are skipped.
/// The judge, when there is one, is a test case of its phase.
pub fn junit(
    profile: &Profile,
    reports: &[ItemReport],
    judge: Option<&PhaseJudge>,
) -> Result<String> {
    let mut report = Report::new(format!(
        "golive {} {}",
        profile.service.name, profile.service.version
    ));
    for phase in &profile.phases {
        let items: Vec<&ItemReport> = reports.iter().filter(|r| r.phase == phase.id).collect();
        let phase_judge = judge.filter(|j| j.phase == phase.id);
        if items.is_empty() && phase_judge.is_none() {
            continue;
        }
        let mut suite = TestSuite::new(phase.id.clone());
        for item in items {
            let status = match item.status {
                ItemStatus::Pass | ItemStatus::Signed => TestCaseStatus::success(),
                ItemStatus::Fail => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(clean_text(&item.detail));
                    s
                }
                _ => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(format!(
                        "{}: {}",
                        item.status.as_str(),
                        clean_text(&item.detail)
                    ));
                    s
                }
            };
            let mut case = TestCase::new(item.id.clone(), status);
            case.set_classname(format!("{}.{}", profile.service.name, phase.id));
            case.set_time(Duration::from_millis(item.duration_ms));
            suite.add_test_case(case);
        }
        if let Some(j) = phase_judge {
            suite.add_test_case(judge_case(profile, j));
        }
        report.add_test_suite(suite);
    }
    Ok(report.to_string()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn report(status: ItemStatus, detail: &str) -> ItemReport {
        ItemReport {
            phase: "t-30".into(),
            id: "health".into(),
            title: "Health".into(),
            status,
            detail: detail.into(),
            duration_ms: 1500,
            by: None,
            at: None,
            note: None,
        }
    }

    #[test]
    fn text_uses_symbols_and_strips_escapes() {
        let line = text_line(&report(ItemStatus::Fail, "HTTP 503 \u{1b}[2J"), false);
        assert!(line.starts_with("✘ fail"), "{line}");
        assert!(!line.contains('\u{1b}'));
        assert!(line.ends_with("(1.5s)"));
        let colored = text_line(&report(ItemStatus::Pass, ""), true);
        assert!(colored.contains("\u{1b}[32m✔"));
    }

    #[test]
    fn summary_counts() {
        let rs = [
            report(ItemStatus::Pass, ""),
            report(ItemStatus::Fail, ""),
            report(ItemStatus::Manual, ""),
        ];
        assert_eq!(text_summary(&rs), "1 passed, 1 failed, 1 manual");
    }
}
