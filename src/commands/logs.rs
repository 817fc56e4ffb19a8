//! `golive logs PROFILE [--source ID] [--since D] [--grep RE]`: the merged,
//! sanitised stream of a profile's log sources, headless (a `stern`-like
//! face over the same adapters as the cockpit's log pane). It ends cleanly
//! on Ctrl-C, SIGTERM or a closed pipe.

use std::io::Write;
use std::process::ExitCode;

use chrono::Utc;
use color_eyre::Result;
use regex::Regex;
use tokio::sync::{mpsc, watch};

use crate::app::redaction::redact_line;
use crate::cli::{GlobalArgs, LogsArgs};
use crate::commands::output::Quiet;
use crate::io::logs::{SourceOptions, spawn_sources};
use crate::profile::Profile;

pub fn run(args: LogsArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let _ = global;
    let profile = match super::load_resolved(&args.profile) {
        Ok(profile) => profile,
        Err(code) => return Ok(code),
    };
    let opts = match options(&profile, &args) {
        Ok(opts) => opts,
        Err(msg) => {
            eprintln!("golive: {msg}");
            return Ok(ExitCode::from(2));
        }
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let mut out = super::output::stdout();
    runtime.block_on(stream(
        &profile,
        args.source.as_deref(),
        &opts,
        &mut out,
        crate::commands::act::wait_for_stop_signal(),
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// Validated flags: a bad duration, regex or source id is refused before
/// anything starts.
pub fn options(profile: &Profile, args: &LogsArgs) -> Result<SourceOptions, String> {
    if profile.logs.is_empty() {
        return Err(format!("{} has no [[logs]] source", profile.path.display()));
    }
    if let Some(id) = &args.source
        && !profile.logs.iter().any(|s| &s.id == id)
    {
        let known: Vec<&str> = profile.logs.iter().map(|s| s.id.as_str()).collect();
        return Err(format!(
            "no log source {id:?}; sources: {}",
            known.join(", ")
        ));
    }
    let since = match &args.since {
        Some(text) => {
            let d = humantime::parse_duration(text)
                .map_err(|e| format!("--since {text:?}: {e} (use e.g. 30s, 10m, 1h)"))?;
            let d = chrono::Duration::from_std(d).map_err(|e| format!("--since: {e}"))?;
            Some(Utc::now() - d)
        }
        None => None,
    };
    let grep = match &args.grep {
        Some(re) => Some(Regex::new(re).map_err(|e| format!("--grep: {e}"))?),
        None => None,
    };
    Ok(SourceOptions {
        docker_host: None,
        since,
        grep,
    })
}

/// Prints every line until `stop` completes (Ctrl-C or SIGTERM for the
/// binary) or the output is closed; the sources are stopped before it returns.
pub async fn stream(
    profile: &Profile,
    only: Option<&str>,
    opts: &SourceOptions,
    out: &mut Quiet<impl Write>,
    stop: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let (tx, mut rx) = mpsc::channel(64);
    let (stop_tx, stop_rx) = watch::channel(false);
    let tasks = spawn_sources(&profile.logs, only, opts, tx, stop_rx);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            batch = rx.recv() => match batch {
                Some(batch) => {
                    let mut failed = false;
                    for mut line in batch {
                        redact_line(&profile.redactor, &mut line);
                        let text = line.render(true);
                        if writeln!(out, "{text}").is_err() {
                            failed = true;
                            break;
                        }
                    }
                    if failed || out.flush().is_err() || out.closed() {
                        break;
                    }
                }
                None => break,
            },
            _ = &mut stop => break,
        }
    }
    let _ = stop_tx.send(true);
    drop(rx);
    for task in tasks {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), task).await;
    }
    Ok(())
}
