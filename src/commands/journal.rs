//! `golive journal verify [FILE] [--profile PROFILE]`: walks the journal's
//! hash chain and says whether it holds, for the auditor or the reviewer who
//! reads the release record the next morning. Exit 0 when intact (torn
//! writes are warnings: a crash is not tampering), 1 naming the first bad
//! line, 2 when there is no journal to check. The verdict is the chain
//! module's; this face only finds the file and prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use color_eyre::Result;

use crate::cli::{GlobalArgs, JournalArgs, JournalCommand};
use crate::engine::sanitize::clean_text;
use crate::io::journal::{self, ChainBreak};

pub fn run(args: JournalArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let JournalCommand::Verify { file, profile } = args.command;
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let path = match journal_path(file, profile.as_deref(), global) {
        Ok(path) => path,
        Err(message) => {
            let _ = writeln!(stderr, "{message}");
            return Ok(ExitCode::from(2));
        }
    };
    Ok(verify(&path, &mut stdout, &mut stderr))
}

/// FILE, else `--journal`/`GOLIVE_JOURNAL`, else the profile's release
/// journal, found as every other command finds it.
fn journal_path(
    file: Option<PathBuf>,
    profile: Option<&Path>,
    global: &GlobalArgs,
) -> Result<PathBuf, String> {
    if let Some(file) = file.or_else(|| global.journal.clone()) {
        return Ok(file);
    }
    let Some(profile) = profile else {
        return Err(
            "which journal? name it: golive journal verify FILE, --journal FILE, \
                    GOLIVE_JOURNAL=FILE, or --profile PROFILE for its release's journal"
                .to_string(),
        );
    };
    let profile = crate::profile::load(profile).map_err(|e| e.to_string())?;
    journal::resolve_path(None, &profile.service).map_err(|e| e.to_string())
}

/// Checks the chain of the journal at `path` and prints the verdict.
pub fn verify(path: &Path, out: &mut impl Write, err: &mut impl Write) -> ExitCode {
    let shown = clean_text(&path.display().to_string());
    let report = match journal::verify(path) {
        Ok(report) => report,
        Err(e) => {
            let _ = writeln!(err, "{}", clean_text(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    for warning in report.warnings() {
        let _ = writeln!(err, "warning: {shown}: {warning}");
    }
    match &report.broken {
        None => {
            let _ = writeln!(out, "{shown}: chain intact: {}", report.summary());
            ExitCode::SUCCESS
        }
        Some(ChainBreak { line, problem }) => {
            let _ = writeln!(
                out,
                "{shown}: chain BROKEN at line {line}: {problem} ({} before it)",
                report.summary()
            );
            ExitCode::from(1)
        }
    }
}

/// Where the journal at `path` stops vouching for itself, for `status` and
/// `report` to warn about. A journal that cannot be read has nothing to say
/// here: those faces report the read error themselves.
pub fn chain_break(path: &Path) -> Option<ChainBreak> {
    journal::verify(path).ok().and_then(|report| report.broken)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn global(journal: Option<&str>) -> GlobalArgs {
        GlobalArgs {
            journal: journal.map(PathBuf::from),
            operator: None,
        }
    }

    #[test]
    fn file_wins_then_the_global_journal_and_nothing_is_a_usage_error() {
        let got = journal_path(Some("a.jsonl".into()), None, &global(Some("b.jsonl")));
        assert_eq!(got.unwrap(), PathBuf::from("a.jsonl"));
        let got = journal_path(None, Some(Path::new("p.toml")), &global(Some("b.jsonl")));
        assert_eq!(got.unwrap(), PathBuf::from("b.jsonl"));
        let err = journal_path(None, None, &global(None)).unwrap_err();
        assert!(err.contains("--profile"), "{err}");
    }

    #[test]
    fn a_missing_journal_is_exit_2() {
        let dir = tempfile::tempdir().unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = verify(&dir.path().join("none.jsonl"), &mut out, &mut err);
        assert_eq!(code, ExitCode::from(2));
        assert!(String::from_utf8(err).unwrap().contains("none.jsonl"));
    }
}
