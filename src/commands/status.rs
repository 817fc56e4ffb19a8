//! `golive status PROFILE [--format text|json]`: the checklist as the journal
//! records it, without running anything: who signed or waived what, when,
//! with which note, and the last recorded result of each automated item.
//! For a hand-over between operators, or a script asking "is the release
//! signed off?". Unreadable journal lines are reported on stderr and skipped.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use color_eyre::Result;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::cli::{GlobalArgs, OutputFormat, StatusArgs};
use crate::commands::output;
use crate::engine::checklist::ItemStatus;
use crate::engine::judge::Verdict;
use crate::engine::lifecycle::superseded;
use crate::engine::record::{Event, Record};
use crate::engine::sanitize::clean_text;
use crate::engine::signoffs::{Latest, Signoffs};
use crate::engine::story::{ActionRun, Story};
use crate::io::journal::{self, ChainBreak};
use crate::profile::Profile;

pub fn run(args: StatusArgs, global: &GlobalArgs) -> Result<ExitCode> {
    if args.format == OutputFormat::Junit {
        eprintln!("status prints text or json (junit is for `golive check`)");
        return Ok(ExitCode::from(2));
    }
    let profile = match crate::profile::load(&args.profile) {
        Ok(profile) => profile,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut stdout = output::stdout();
    let mut stderr = std::io::stderr().lock();
    Ok(status(
        &profile,
        global.journal.as_deref(),
        args.format,
        output::use_color(),
        &mut stdout,
        &mut stderr,
    ))
}

/// One item as the journal has it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusRow {
    pub id: String,
    pub phase: String,
    pub title: String,
    pub status: ItemStatus,
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// The sign-off's note or the waiver's reason.
    pub note: Option<String>,
    /// The last recorded check's evidence, for automated items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Made moot by the rollback (see `engine::lifecycle`): not a failure.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub superseded: bool,
}

/// The judge's latest verdict as the journal has it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgeRow {
    pub verdict: Verdict,
    pub score: Option<f64>,
    pub summary: String,
    /// One line per metric.
    pub metrics: Vec<String>,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct StatusDoc<'a> {
    service: &'a str,
    version: &'a str,
    journal: String,
    items: &'a [StatusRow],
    /// The latest judge verdict recorded for this release, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    judge: Option<&'a JudgeRow>,
    /// Gate breaches, judge verdict changes, actions and the lifecycle.
    #[serde(flatten)]
    story: &'a Story,
    warnings: &'a [String],
    /// Where the journal's hash chain breaks; null while it holds.
    chain_broken: Option<&'a ChainBreak>,
}

/// Reads the journal and prints the checklist state. Exit 0, or 1 when the
/// journal cannot be read at all.
pub fn status(
    profile: &Profile,
    journal_path: Option<&Path>,
    format: OutputFormat,
    color: bool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> ExitCode {
    let path = match super::journal_or_exit(journal_path, &profile.service, err) {
        Ok(path) => path,
        Err(code) => return code,
    };
    let read = match journal::read(&path) {
        Ok(read) => read,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::from(1);
        }
    };
    for warning in &read.warnings {
        let _ = writeln!(err, "warning: {}", clean_text(warning));
    }
    let chain_broken = crate::commands::journal::chain_break(&path);
    if let Some(broken) = &chain_broken
        && format != OutputFormat::Json
    {
        let _ = writeln!(
            out,
            "{}",
            output::paint(ItemStatus::Fail, &broken.warning(), color)
        );
    }
    let fold = Signoffs::from_records(
        &profile.service.name,
        &profile.service.version,
        &read.records,
    );
    let story = Story::from_records(
        &profile.service.name,
        &profile.service.version,
        &read.records,
    );
    let mut rows = rows(profile, &fold);
    for row in &mut rows {
        row.superseded = superseded(profile, &story.lifecycle, &row.id, row.status);
    }
    let judge = latest_judge(profile, &read.records);
    let _ = match format {
        OutputFormat::Json => {
            let doc = StatusDoc {
                service: &profile.service.name,
                version: &profile.service.version,
                journal: path.display().to_string(),
                items: &rows,
                judge: judge.as_ref(),
                story: &story,
                warnings: &read.warnings,
                chain_broken: chain_broken.as_ref(),
            };
            match serde_json::to_string_pretty(&doc) {
                Ok(json) => writeln!(out, "{json}"),
                Err(e) => {
                    let _ = writeln!(err, "cannot encode the status: {e}");
                    return ExitCode::from(1);
                }
            }
        }
        OutputFormat::Text | OutputFormat::Junit => {
            let header = format!(
                "{} {} — journal {} ({} record{})",
                clean_text(&profile.service.name),
                clean_text(&profile.service.version),
                clean_text(&path.display().to_string()),
                read.records.len(),
                if read.records.len() == 1 { "" } else { "s" }
            );
            let mut body = text(&rows, color);
            if let Some(judge) = &judge {
                body.push('\n');
                body.push_str(&judge_text(judge, color));
            }
            body.push_str(&story_text(&story));
            writeln!(out, "{header}\n{body}")
        }
    };
    ExitCode::SUCCESS
}

/// The profile's items in checklist order, each with what the journal says.
pub fn rows(profile: &Profile, fold: &Signoffs) -> Vec<StatusRow> {
    let redact = |s: &str| profile.redactor.redact(s);
    profile
        .items()
        .map(|(phase, item)| {
            let manual = item.check.is_none();
            let mut row = StatusRow {
                id: item.id.clone(),
                phase: phase.id.clone(),
                title: redact(&item.title),
                status: fold.status(&item.id, manual),
                by: None,
                at: None,
                note: None,
                detail: None,
                superseded: false,
            };
            let latest = if manual {
                fold.signoff(&item.id).map(Latest::Signoff)
            } else {
                fold.latest(&item.id)
            };
            match latest {
                Some(Latest::Signoff(s)) => {
                    row.by = Some(s.by.clone());
                    row.at = Some(s.at);
                    row.note = s.note.clone();
                }
                Some(Latest::Check(c)) => {
                    row.by = Some(c.by.clone());
                    row.at = Some(c.at);
                    row.detail = Some(c.detail.clone());
                }
                None => {}
            }
            row
        })
        .collect()
}

/// The story after the checklist: breaches, verdict changes, actions with
/// their recovery, and the lifecycle, one line each (output indented).
pub fn story_text(story: &Story) -> String {
    let at = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%SZ").to_string();
    let mut out = String::new();
    if !story.breaches.is_empty() {
        out.push_str("\ngate breaches:");
        for b in &story.breaches {
            out.push_str(&format!(
                "\n  ✘ {} {} — {} ({})",
                clean_text(&b.gate),
                clean_text(&b.observed),
                at(b.at),
                clean_text(&b.on_breach)
            ));
        }
    }
    if !story.verdicts.is_empty() {
        out.push_str("\njudge verdicts:");
        for v in &story.verdicts {
            let (symbol, word) = crate::engine::judge::verdict_mark(v.verdict);
            out.push_str(&format!(
                "\n  {symbol} {} — {}",
                word.to_lowercase(),
                at(v.at)
            ));
            if !v.summary.is_empty() {
                out.push_str(&format!(": {}", clean_text(&v.summary)));
            }
        }
    }
    if !story.actions.is_empty() {
        out.push_str("\nactions:");
        for a in &story.actions {
            out.push_str(&action_text(a, &at));
        }
    }
    out.push_str(&format!(
        "\nlifecycle: {}{}",
        story.lifecycle.stage.as_str(),
        if story.lifecycle.detail.is_empty() {
            String::new()
        } else {
            format!(" — {}", clean_text(&story.lifecycle.detail))
        }
    ));
    out
}

fn action_text(a: &ActionRun, at: &dyn Fn(DateTime<Utc>) -> String) -> String {
    let mut line = format!(
        "\n  {}{} by {}{} — {}\n    ran: {}",
        clean_text(&a.action),
        if a.dry_run { " (dry run)" } else { "" },
        clean_text(&a.by),
        a.trigger
            .as_deref()
            .map(|t| format!(" ({})", clean_text(t)))
            .unwrap_or_default(),
        at(a.started_at),
        clean_text(&a.what)
    );
    // The trigger half of the confirmed reason: the rest repeats `ran:`.
    for why in a.reason.iter().flat_map(|r| r.lines()) {
        if why.starts_with("why: ") || why.starts_with("judge: ") {
            line.push_str(&format!("\n    {}", clean_text(why)));
        }
    }
    if let Some(end) = &a.end {
        let how = end.how();
        line.push_str(&format!(
            "\n    {how} in {:.1}s",
            end.duration_ms as f64 / 1000.0
        ));
        for l in &end.output_tail {
            line.push_str(&format!("\n    | {}", clean_text(l)));
        }
    } else if !a.dry_run {
        line.push_str("\n    no end recorded");
    }
    if let Some(r) = &a.recovery {
        line.push_str(&match r.time_to_recovery_ms {
            Some(ms) if r.recovered => format!(
                "\n    recovered in {:.1}s ({})",
                ms as f64 / 1000.0,
                clean_text(&r.items.join(", "))
            ),
            _ => format!("\n    NOT RECOVERED ({})", clean_text(&r.items.join(", "))),
        });
    }
    line
}

/// The last judge verdict journalled for this release (the cockpit journals
/// changes, a headless check its one verdict): the latest word wins.
pub fn latest_judge(profile: &Profile, records: &[Record]) -> Option<JudgeRow> {
    records.iter().rev().find_map(|r| match &r.event {
        Event::JudgeVerdict {
            verdict,
            score,
            summary,
            metrics,
            ..
        } if r.service == profile.service.name && r.version == profile.service.version => {
            Some(JudgeRow {
                verdict: *verdict,
                score: *score,
                summary: summary.clone(),
                metrics: metrics.clone(),
                by: r.operator.clone(),
                at: r.at,
            })
        }
        _ => None,
    })
}

/// `✘ judge: fail (score 50/100) for canary vs baseline — ci-bot
/// 2026-11-22 19:03:00Z`, then the metrics one a line, indented.
pub fn judge_text(judge: &JudgeRow, color: bool) -> String {
    let (symbol, word) = crate::engine::judge::verdict_mark(judge.verdict);
    let status = match judge.verdict {
        Verdict::Pass => ItemStatus::Pass,
        Verdict::Fail => ItemStatus::Fail,
        Verdict::Marginal | Verdict::Inconclusive | Verdict::NoData => ItemStatus::Waived,
    };
    let said = if judge.summary.is_empty() {
        format!("judge: {}", word.to_lowercase())
    } else {
        clean_text(&judge.summary)
    };
    let mut out = format!(
        "{} {said} — {} {}",
        output::paint(status, symbol, color),
        clean_text(&judge.by),
        judge.at.format("%Y-%m-%d %H:%M:%SZ")
    );
    for m in &judge.metrics {
        out.push_str("\n    ");
        out.push_str(&clean_text(m));
    }
    out
}

/// A table with a symbol per status (readable without colour), and a summary.
pub fn text(rows: &[StatusRow], color: bool) -> String {
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                if r.superseded {
                    "superseded".to_string()
                } else {
                    r.status.as_str().to_string()
                },
                clean_text(&r.phase),
                clean_text(&r.id),
                clean_text(&r.title),
                r.by.as_deref().map(clean_text).unwrap_or_default(),
                r.at.map(|at| at.format("%Y-%m-%d %H:%M:%SZ").to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let mut widths = [0usize; 6];
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut lines = Vec::with_capacity(rows.len() + 1);
    for (row, cells) in rows.iter().zip(&cells) {
        let symbol = if row.superseded {
            "⊘"
        } else {
            row.status.symbol()
        };
        let paint_as = if row.superseded {
            ItemStatus::Waived
        } else {
            row.status
        };
        let mut line = output::paint(paint_as, symbol, color);
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            line.push(' ');
            let padded = format!("{cell}{}", " ".repeat(width - cell.width()));
            if i == 0 {
                line.push_str(&output::paint(paint_as, &padded, color));
            } else {
                line.push_str(&padded);
            }
        }
        let remark = row.note.as_deref().or(row.detail.as_deref());
        if let Some(remark) = remark.map(clean_text).filter(|r| !r.is_empty()) {
            line.push_str(" — ");
            line.push_str(&remark);
        }
        lines.push(line.trim_end().to_string());
    }
    lines.push(summary(rows));
    lines.join("\n")
}

/// `2 signed, 1 waived, 1 awaiting sign-off, 3 pending`: the counts that
/// are not zero, done ones first.
fn summary(rows: &[StatusRow]) -> String {
    let order = [
        (ItemStatus::Pass, "passed"),
        (ItemStatus::Signed, "signed"),
        (ItemStatus::Waived, "waived"),
        (ItemStatus::Fail, "failed"),
        (ItemStatus::Manual, "awaiting sign-off"),
        (ItemStatus::Running, "running"),
        (ItemStatus::Pending, "pending"),
    ];
    let parts: Vec<String> = order
        .iter()
        .filter_map(|(status, label)| {
            let n = rows.iter().filter(|r| r.status == *status).count();
            (n > 0).then(|| format!("{n} {label}"))
        })
        .collect();
    if parts.is_empty() {
        "no items".to_string()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::commands::sign::tests::test_profile;
    use crate::engine::record::{Event, Record};
    use crate::io::journal::Journal;
    use crate::profile::Redactor;

    fn append(path: &Path, minute: u32, who: &str, event: Event) {
        let record = Record {
            at: Utc.with_ymd_and_hms(2026, 11, 22, 19, minute, 0).unwrap(),
            operator: who.into(),
            service: "svc".into(),
            version: "v2".into(),
            event,
        };
        Journal::open(path)
            .unwrap()
            .append(&record, &Redactor::default())
            .unwrap();
    }

    fn run_status(path: &Path, format: OutputFormat, color: bool) -> (ExitCode, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = status(
            &test_profile(),
            Some(path),
            format,
            color,
            &mut out,
            &mut err,
        );
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn sample_journal(path: &Path) {
        append(
            path,
            1,
            "alice",
            Event::SignOff {
                item: "ci".into(),
                note: Some("green \u{1b}[31mred".into()),
            },
        );
        append(
            path,
            2,
            "runner",
            Event::CheckResult {
                item: "asset".into(),
                status: ItemStatus::Fail,
                detail: "exit 1: no such file".into(),
                duration_ms: 4,
            },
        );
    }

    #[test]
    fn json_has_every_item_with_who_when_and_note() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        sample_journal(&path);
        let (code, out, err) = run_status(&path, OutputFormat::Json, false);
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["service"], "svc");
        assert_eq!(doc["version"], "v2");
        let items = doc["items"].as_array().unwrap();
        let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["ci", "asset", "smoke"]);
        assert_eq!(items[0]["status"], "signed");
        assert_eq!(items[0]["phase"], "t-30");
        assert_eq!(items[0]["by"], "alice");
        assert_eq!(items[0]["at"], "2026-11-22T19:01:00Z");
        assert_eq!(items[0]["note"], "green \u{1b}[31mred");
        assert_eq!(items[1]["status"], "fail");
        assert_eq!(items[1]["detail"], "exit 1: no such file");
        assert_eq!(items[2]["status"], "manual");
        assert!(items[2]["by"].is_null() && items[2]["at"].is_null());
        // JSON escapes the control byte: nothing raw reaches the terminal.
        assert!(!out.contains('\u{1b}'));
    }

    #[test]
    fn text_uses_symbols_and_no_colour_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        sample_journal(&path);
        let (_, plain, _) = run_status(&path, OutputFormat::Text, false);
        assert!(!plain.contains('\u{1b}'), "{plain:?}");
        let ci = plain.lines().find(|l| l.contains(" ci ")).unwrap();
        assert!(ci.starts_with("✍ signed"), "{ci}");
        assert!(
            ci.contains("alice") && ci.contains("2026-11-22 19:01:00Z"),
            "{ci}"
        );
        assert!(ci.ends_with("— green red"), "{ci}");
        let smoke = plain.lines().find(|l| l.contains("smoke")).unwrap();
        assert!(smoke.starts_with("○ manual"), "{smoke}");
        assert!(
            plain.contains("1 signed, 1 failed, 1 awaiting sign-off"),
            "{plain}"
        );

        let (_, coloured, _) = run_status(&path, OutputFormat::Text, true);
        assert!(coloured.contains("\u{1b}[32m✍\u{1b}[0m"), "{coloured:?}");
    }

    fn verdict(verdict: Verdict, summary: &str) -> Event {
        Event::JudgeVerdict {
            verdict,
            score: (verdict != Verdict::NoData).then_some(50.0),
            summary: summary.into(),
            metrics: vec!["latency_p95 high: p = 0.0001, n = 20/20".into()],
            evidence: Vec::new(),
        }
    }

    #[test]
    fn the_latest_judge_verdict_is_shown_and_a_journal_without_one_shows_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        sample_journal(&path);
        let (_, plain, _) = run_status(&path, OutputFormat::Text, false);
        assert!(!plain.contains("judge"), "{plain}");
        let (_, json, _) = run_status(&path, OutputFormat::Json, false);
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(doc.get("judge").is_none(), "{doc}");

        append(
            &path,
            3,
            "alice",
            verdict(Verdict::NoData, "judge: no data for canary vs baseline"),
        );
        append(
            &path,
            4,
            "ci-bot",
            verdict(
                Verdict::Fail,
                "judge: fail (score 50/100) for canary vs baseline",
            ),
        );
        let (code, plain, _) = run_status(&path, OutputFormat::Text, false);
        assert_eq!(code, ExitCode::SUCCESS);
        let line = plain.lines().find(|l| l.contains("judge")).unwrap();
        assert_eq!(
            line,
            "✘ judge: fail (score 50/100) for canary vs baseline — ci-bot 2026-11-22 19:04:00Z"
        );
        // The story lists every verdict change, the earlier no-data one too.
        let (_, story) = plain.split_once("judge verdicts:").unwrap();
        assert!(
            story.contains("? no data — 2026-11-22 19:03:00Z"),
            "{plain}"
        );
        assert!(story.contains("✘ fail — 2026-11-22 19:04:00Z"), "{plain}");
        assert!(
            plain.contains("\n    latency_p95 high: p = 0.0001"),
            "{plain}"
        );
        let (_, json, _) = run_status(&path, OutputFormat::Json, false);
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(doc["judge"]["verdict"], "fail");
        assert_eq!(doc["judge"]["score"], 50.0);
        assert_eq!(doc["judge"]["by"], "ci-bot");
    }

    #[test]
    fn a_missing_journal_shows_nothing_signed_and_a_torn_one_warns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (code, out, err) = run_status(&path, OutputFormat::Text, false);
        assert_eq!(code, ExitCode::SUCCESS);
        assert!(err.is_empty());
        assert!(out.contains("(0 records)"));
        assert!(out.contains("2 awaiting sign-off, 1 pending"), "{out}");

        sample_journal(&path);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"{\"at\":\"2026"))
            .unwrap();
        let (code, out, err) = run_status(&path, OutputFormat::Text, false);
        assert_eq!(code, ExitCode::SUCCESS);
        assert!(err.contains("warning:") && err.contains("line 3"), "{err}");
        assert!(out.contains("(2 records)"), "{out}");
    }
}
