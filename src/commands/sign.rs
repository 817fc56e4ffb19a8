//! `golive sign PROFILE ITEM [--note TEXT] [--waive REASON]`: a named
//! operator signs off a manual item, or waives any item, from any shell. The
//! record goes to the release's journal, where the cockpit and `status` pick
//! it up; the command succeeds only once the journal acknowledged the record
//! as durable, so "exit 0" means "on disk".

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, SecondsFormat, Utc};
use color_eyre::Result;

use crate::cli::{GlobalArgs, SignArgs};
use crate::engine::checklist::ItemStatus;
use crate::engine::evidence;
use crate::engine::record::{Event, Record};
use crate::engine::sanitize::clean_text;
use crate::engine::signoffs::{SignRefusal, Signoffs, sign_refusal};
use crate::io::journal::{self, Journal};
use crate::io::operator;
use crate::profile::Profile;

pub fn run(args: SignArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let profile = match crate::profile::load(&args.profile) {
        Ok(profile) => profile,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(2));
        }
    };
    let request = SignRequest {
        item: args.item,
        note: args.note,
        waive: args.waive,
    };
    let operator = operator::resolve(global.operator.as_deref());
    let mut stdout = super::output::stdout();
    let mut stderr = std::io::stderr().lock();
    Ok(sign(
        &profile,
        &request,
        global.journal.as_deref(),
        &operator,
        Utc::now(),
        &mut stdout,
        &mut stderr,
    ))
}

/// What the operator asked to record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignRequest {
    pub item: String,
    pub note: Option<String>,
    pub waive: Option<String>,
}

/// Checks the request against the profile, appends the record and says what
/// was recorded. Exit 0 once acknowledged, 1 when the journal refused the
/// record, 2 for a request that makes no sense for this profile.
pub fn sign(
    profile: &Profile,
    request: &SignRequest,
    journal_path: Option<&Path>,
    operator: &str,
    now: DateTime<Utc>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> ExitCode {
    let path = match super::journal_or_exit(journal_path, &profile.service, err) {
        Ok(path) => path,
        Err(code) => return code,
    };
    // What the journal already says decides, as in the cockpit, whether a
    // sign-off would be a new fact; an unreadable journal is said below.
    let fold = journal::read(&path)
        .map(|read| {
            Signoffs::from_records(
                &profile.service.name,
                &profile.service.version,
                &read.records,
            )
        })
        .unwrap_or_default();
    let event = match event_for(profile, request, &fold, operator) {
        Ok(event) => event,
        Err(message) => {
            let _ = writeln!(err, "{}", clean_text(&message));
            return ExitCode::from(2);
        }
    };
    let record = Record::new(profile, operator, now, event);
    // What the operator could have seen: the journal's latest records, folded
    // as the cockpit folds them (unreadable: no evidence, still a sign-off).
    let records = journal::read(&path).map(|r| r.records).unwrap_or_default();
    let about = request.item.clone();
    let seen = evidence::from_records(profile, &records, &about);
    let backing = Record {
        event: Event::Evidence { about, seen },
        ..record.clone()
    };
    let appended = Journal::open(&path).and_then(|j| {
        j.append(&record, &profile.redactor)?;
        j.append(&backing, &profile.redactor)
    });
    if let Err(e) = appended {
        let _ = writeln!(err, "not recorded: {e}");
        return ExitCode::from(1);
    }
    let _ = writeln!(out, "{}", describe(profile, &record, &path));
    ExitCode::SUCCESS
}

/// The event to record, or why the request is refused, in words.
fn event_for(
    profile: &Profile,
    request: &SignRequest,
    fold: &Signoffs,
    operator: &str,
) -> Result<Event, String> {
    let Some((phase, item)) = profile.item(&request.item) else {
        return Err(unknown_item(profile, &request.item));
    };
    let note = request
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    match request.waive.as_deref().map(str::trim) {
        Some("") => Err(format!(
            "--waive needs a reason: say why {} may be skipped",
            item.id
        )),
        Some(_) if note.is_some() => {
            Err("--note and --waive do not go together: a waiver's reason is its note".to_string())
        }
        Some(reason) => Ok(Event::Waiver {
            item: item.id.clone(),
            reason: reason.to_string(),
        }),
        None => match sign_refusal(item, fold.signoff(&item.id), operator) {
            Some(SignRefusal::Automated) => Err(format!(
                "{}/{} is automated: its check decides, a sign-off cannot; \
                 to accept it anyway, waive it with --waive REASON",
                phase.id, item.id
            )),
            Some(SignRefusal::AlreadySigned { by }) => Err(format!(
                "{}/{} is already signed by {by}; nothing new to record",
                phase.id, item.id
            )),
            None => Ok(Event::SignOff {
                item: item.id.clone(),
                note: note.map(str::to_string),
            }),
        },
    }
}

fn unknown_item(profile: &Profile, wanted: &str) -> String {
    let manual: Vec<String> = profile
        .items()
        .filter(|(_, i)| i.check.is_none())
        .map(|(p, i)| format!("{}/{}", p.id, i.id))
        .collect();
    let mut message = format!("no item {wanted:?} in {}", profile.path.display());
    if let Some(close) = profile
        .items()
        .map(|(_, i)| i.id.as_str())
        .filter(|id| id.eq_ignore_ascii_case(wanted) || edit_distance(id, wanted) <= 2)
        .min_by_key(|id| edit_distance(id, wanted))
    {
        message.push_str(&format!("; did you mean {close:?}?"));
    }
    if manual.is_empty() {
        message.push_str("; it has no manual items");
    } else {
        message.push_str(&format!("; manual items: {}", manual.join(", ")));
    }
    message
}

/// Levenshtein distance, for the did-you-mean hint on a mistyped item id.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// `✍ signed t-30/ci-green "CI green" as alice at 2026-…Z — note: … (journal: …)`,
/// masked as it was journalled and cleaned of control bytes.
fn describe(profile: &Profile, record: &Record, path: &Path) -> String {
    let redact = |s: &str| clean_text(&profile.redactor.redact(s));
    let (status, item, extra) = match &record.event {
        Event::SignOff { item, note } => (
            ItemStatus::Signed,
            item,
            note.as_deref()
                .map(|n| format!(" — note: {}", redact(n)))
                .unwrap_or_default(),
        ),
        Event::Waiver { item, reason } => (
            ItemStatus::Waived,
            item,
            format!(" — reason: {}", redact(reason)),
        ),
        _ => return String::new(),
    };
    let (phase, title) = profile
        .item(item)
        .map(|(p, i)| (p.id.as_str(), i.title.as_str()))
        .unwrap_or(("?", ""));
    format!(
        "{} {} {phase}/{item} {:?} as {} at {}{extra} (journal: {})",
        status.symbol(),
        status.as_str(),
        redact(title),
        redact(&record.operator),
        record.at.to_rfc3339_opts(SecondsFormat::Secs, true),
        path.display()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;
    use crate::profile::{Check, CommandCheck, Item, Phase, Profile, Redactor, Service, Settings};

    /// A profile with a manual item `ci` and an automated item `asset` in
    /// phase `t-30`, and a manual `smoke` in `canary`.
    pub(crate) fn test_profile() -> Profile {
        let manual = |id: &str, title: &str| Item {
            id: id.into(),
            title: title.into(),
            description: None,
            check: None,
        };
        let asset = Item {
            id: "asset".into(),
            title: "Warm-up asset present".into(),
            description: None,
            check: Some(Check::Command(CommandCheck {
                argv: vec!["true".into()],
                timeout: Duration::from_secs(1),
                cwd: None,
                env: vec![],
                conditions: Vec::new(),
            })),
        };
        Profile {
            path: "svc.toml".into(),
            service: Service {
                name: "svc".into(),
                version: "v2".into(),
                previous: None,
            },
            settings: Settings::default(),
            endpoints: vec![],
            metrics: vec![],
            baseline: None,
            logs: vec![],
            phases: vec![
                Phase {
                    id: "t-30".into(),
                    title: "Pre-launch".into(),
                    duration: None,
                    items: vec![manual("ci", "CI pipeline passed"), asset],
                },
                Phase {
                    id: "canary".into(),
                    title: "Canary".into(),
                    duration: None,
                    items: vec![manual("smoke", "Smoke test by hand")],
                },
            ],
            gates: vec![],
            actions: Default::default(),
            notify: Default::default(),
            redactor: Redactor::new(["s3cr3t".to_string()]),
            unresolved: vec![],
            warnings: vec![],
        }
    }

    fn run_sign(request: SignRequest, path: &Path) -> (ExitCode, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 19, 30, 0).unwrap();
        let code = sign(
            &test_profile(),
            &request,
            Some(path),
            "alice",
            now,
            &mut out,
            &mut err,
        );
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn req(item: &str, note: Option<&str>, waive: Option<&str>) -> SignRequest {
        SignRequest {
            item: item.into(),
            note: note.map(str::to_string),
            waive: waive.map(str::to_string),
        }
    }

    #[test]
    fn signs_a_manual_item_and_says_what_was_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (code, out, err) = run_sign(req("ci", Some("green, key s3cr3t"), None), &path);
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
        assert!(out.contains("signed t-30/ci"), "{out}");
        assert!(out.contains("as alice at 2026-11-22T19:30:00Z"), "{out}");
        assert!(out.contains("note: green, key ••••"), "{out}");
        assert!(!out.contains("s3cr3t"));
        let read = journal::read(&path).unwrap();
        assert_eq!(read.records.len(), 2, "the sign-off and its evidence");
        assert!(matches!(&read.records[1].event, Event::Evidence { about, .. } if about == "ci"));
        assert_eq!(
            read.records[0].event,
            Event::SignOff {
                item: "ci".into(),
                note: Some("green, key ••••".into())
            }
        );
    }

    #[test]
    fn refuses_automated_items_unless_waived() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (code, _, err) = run_sign(req("asset", None, None), &path);
        assert_eq!(code, ExitCode::from(2));
        assert!(
            err.contains("automated") && err.contains("--waive"),
            "{err}"
        );
        assert!(journal::read(&path).unwrap().records.is_empty());

        let (code, out, _) = run_sign(req("asset", None, Some("checked by hand")), &path);
        assert_eq!(code, ExitCode::SUCCESS);
        assert!(out.contains("waived t-30/asset") && out.contains("checked by hand"));
        assert_eq!(journal::read(&path).unwrap().records.len(), 2);
    }

    #[test]
    fn refuses_unknown_items_and_bad_requests() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (code, _, err) = run_sign(req("smoek", None, None), &path);
        assert_eq!(code, ExitCode::from(2));
        assert!(err.contains("did you mean \"smoke\""), "{err}");
        assert!(err.contains("manual items: t-30/ci, canary/smoke"), "{err}");
        let (code, _, err) = run_sign(req("ci", None, Some("  ")), &path);
        assert_eq!(code, ExitCode::from(2));
        assert!(err.contains("needs a reason"), "{err}");
        let (code, _, err) = run_sign(req("ci", Some("n"), Some("r")), &path);
        assert_eq!(code, ExitCode::from(2));
        assert!(err.contains("do not go together"), "{err}");
        assert!(
            !path.exists(),
            "nothing may be written for a refused request"
        );
    }

    #[test]
    fn the_same_operator_signing_twice_is_refused_as_in_the_cockpit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (code, _, _) = run_sign(req("ci", None, None), &path);
        assert_eq!(code, ExitCode::SUCCESS);
        let (code, _, err) = run_sign(req("ci", None, None), &path);
        assert_eq!(code, ExitCode::from(2));
        assert!(err.contains("already signed by alice"), "{err}");
        // Only the first sign-off (and its evidence record) was written.
        let signoffs = journal::read(&path)
            .unwrap()
            .records
            .iter()
            .filter(|r| matches!(r.event, Event::SignOff { .. }))
            .count();
        assert_eq!(signoffs, 1);
    }

    #[test]
    fn an_unwritable_journal_is_exit_1() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the journal file should be: open fails.
        let path = dir.path().join("taken");
        std::fs::create_dir(&path).unwrap();
        let (code, out, err) = run_sign(req("ci", None, None), &path);
        assert_eq!(code, ExitCode::from(1));
        assert!(out.is_empty());
        assert!(err.contains("not recorded"), "{err}");
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("smoke", "smoke"), 0);
        assert_eq!(edit_distance("smoke", "smoek"), 2);
        assert_eq!(edit_distance("ci", "cli"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
