//! `golive validate PROFILE...`: loads each profile and reports, per file, a
//! one-line summary and its warnings, or every problem with file, line,
//! column and hint. Exit 0 when every file is valid (unset variables are only
//! warnings, so shipped profiles validate anywhere), 2 otherwise. When a
//! Docker engine answers, each compose service target is also looked up: one
//! whose project has none of the service's containers while other projects
//! do is a problem, naming those projects.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::Result;

use crate::cli::ValidateArgs;
use crate::engine::containers::docker_targets;
use crate::engine::sanitize::clean_text;
use crate::io::docker::{self, DockerError, Engine};
use crate::profile::{self, DockerTarget, Profile, ProfileError};

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
    let mut engine = EngineProbe::default();
    for path in &args.profiles {
        match profile::load(path) {
            Ok(p) => match engine.misplaced(&p) {
                Ok(problems) if problems.is_empty() => {
                    writeln!(out, "{}", summary(path, &p, &paint))?
                }
                Ok(problems) => {
                    all_valid = false;
                    writeln!(out, "{}", misplaced(path, &p, &problems, &paint))?;
                }
                Err(note) => {
                    let line = format!("note: {note}");
                    writeln!(
                        out,
                        "{}\n  {}",
                        summary(path, &p, &paint),
                        clean(Some(&p), &line)
                    )?;
                }
            },
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

/// The Docker engine, connected on the first profile with a compose target.
#[derive(Default)]
struct EngineProbe {
    runtime: Option<tokio::runtime::Runtime>,
    engine: Option<Result<Engine, String>>,
}

impl EngineProbe {
    /// The problems of `p`'s compose targets on the engine, or why they
    /// could not be looked up (no engine answering is not a problem: a
    /// profile is often validated far from where it runs).
    fn misplaced(&mut self, p: &Profile) -> Result<Vec<String>, String> {
        let targets: Vec<DockerTarget> = docker_targets(p)
            .into_iter()
            .filter(|t| matches!(t, DockerTarget::ComposeService { .. }))
            .collect();
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        if self.runtime.is_none() {
            self.runtime = Some(tokio::runtime::Runtime::new().map_err(|e| e.to_string())?);
        }
        let Some(runtime) = &self.runtime else {
            return Ok(Vec::new());
        };
        let engine = self.engine.get_or_insert_with(|| {
            let host = docker::host_from(None);
            runtime
                .block_on(Engine::connect(&host, Duration::from_secs(2)))
                .map_err(|e| format!("compose projects not checked: {e}"))
        });
        let engine = engine.as_ref().map_err(Clone::clone)?;
        let mut problems = Vec::new();
        for target in &targets {
            if let Err(err @ DockerError::OtherProjects { .. }) =
                runtime.block_on(engine.resolve(target))
            {
                problems.push(err.to_string());
            }
        }
        Ok(problems)
    }
}

fn misplaced(path: &Path, p: &Profile, problems: &[String], paint: &Paint) -> String {
    let mut text = format!(
        "{} {}",
        paint.paint("31", "✘"),
        clean(
            Some(p),
            &format!(
                "{}: {} problem{} on the Docker engine",
                path.display(),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            )
        )
    );
    for problem in problems {
        text.push_str(&format!("\n  {}", clean(Some(p), problem)));
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
