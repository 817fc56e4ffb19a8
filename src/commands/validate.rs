//! `golive validate PROFILE...`: loads each profile and reports, per file, a
//! one-line summary and its warnings, or every problem with file, line,
//! column and hint. Exit 0 when every file is valid (unset variables are only
//! warnings, so shipped profiles validate anywhere), 2 otherwise.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use color_eyre::Result;

use crate::app::sanitize::clean_text;
use crate::cli::ValidateArgs;
use crate::profile::{self, Profile, ProfileError};

/// Whether to colour output: never with NO_COLOR set or without a terminal.
fn use_colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

struct Paint {
    colour: bool,
}

impl Paint {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

pub fn run(args: &ValidateArgs) -> Result<ExitCode> {
    let paint = Paint {
        colour: use_colour(),
    };
    let mut out = super::output::stdout();
    let mut all_valid = true;
    for path in &args.profiles {
        match profile::load(path) {
            Ok(p) => writeln!(out, "{}", summary(path, &p, &paint))?,
            Err(e) => {
                all_valid = false;
                writeln!(out, "{}", failure(path, &e, &paint))?;
            }
        }
    }
    out.flush()?;
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// Text from the profile and the environment, safe for a terminal: control
/// and escape bytes removed, secrets masked.
fn clean(p: Option<&Profile>, text: &str) -> String {
    let text = clean_text(text);
    match p {
        Some(p) => p.redactor.redact(&text),
        None => text,
    }
}

/// `✔ path: service vX, N phases, M items, K endpoints` and its warnings.
fn summary(path: &Path, p: &Profile, paint: &Paint) -> String {
    let items = p.items().count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut text = format!(
        "{} {}",
        paint.paint("32", "✔"),
        clean(
            Some(p),
            &format!(
                "{}: {} {}, {}, {}, {}",
                path.display(),
                p.service.name,
                p.service.version,
                plural(p.phases.len(), "phase"),
                plural(items, "item"),
                plural(p.endpoints.len(), "endpoint"),
            )
        )
    );
    let warn = paint.paint("33", "⚠");
    for var in &p.unresolved {
        let line = format!(
            "warning: ${{{var}}} is unset and has no default (check, run and act refuse until it is set)"
        );
        text.push_str(&format!("\n  {warn} {}", clean(Some(p), &line)));
    }
    for w in &p.warnings {
        text.push_str(&format!(
            "\n  {warn} {}",
            clean(Some(p), &format!("warning: {w}"))
        ));
    }
    text
}

fn failure(path: &Path, e: &ProfileError, paint: &Paint) -> String {
    let issues = e.issues();
    let mut text = format!(
        "{} {}",
        paint.paint("31", "✘"),
        clean(
            None,
            &format!(
                "{}: {} problem{}",
                path.display(),
                issues.len(),
                if issues.len() == 1 { "" } else { "s" }
            )
        )
    );
    for issue in issues {
        for line in issue.to_string().lines() {
            text.push('\n');
            text.push_str(&clean(None, line));
        }
    }
    text
}
