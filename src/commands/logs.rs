//! `golive logs PROFILE [--source ID] [--since D] [--grep RE]`: the merged,
//! sanitised stream of a profile's log sources, headless (a `stern`-like
//! face over the same adapters as the cockpit's log pane). It ends cleanly
//! on Ctrl-C, SIGTERM or a closed pipe.
//!
//! It costs what `docker logs -f -t` costs: memory is bounded by a few
//! batches in flight (nothing grows with the stream), each line is written
//! into one reused buffer and one buffered writer flushed per batch, and
//! its stamp reuses the text up to the second ([`StampWriter`]).

use std::io::Write;
use std::process::ExitCode;

use chrono::Utc;
use color_eyre::Result;
use regex::Regex;
use tokio::sync::{mpsc, watch};

use crate::cli::{GlobalArgs, LogsArgs};
use crate::commands::output::Quiet;
use crate::engine::log_time::StampWriter;
use crate::engine::logs::LogLine;
use crate::engine::redaction::redact_line;
use crate::io::logs::{SourceOptions, spawn_sources};
use crate::profile::Profile;

/// Batches in flight between the sources and the writer: with the sources'
/// own batches of [`crate::io::logs::BATCH`] lines, the memory a flood can
/// hold here, whatever its length.
const IN_FLIGHT: usize = 4;
/// The output buffer: a batch of ordinary lines in one write.
const OUT_BUFFER: usize = 64 * 1024;

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
    // One thread: the lines go one way, from the sources to stdout, and a
    // second worker would only add wake-ups between them.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
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
    let (tx, mut rx) = mpsc::channel(IN_FLIGHT);
    let (stop_tx, stop_rx) = watch::channel(false);
    let tasks = spawn_sources(&profile.logs, only, opts, tx, stop_rx);
    let mut out = std::io::BufWriter::with_capacity(OUT_BUFFER, out);
    let mut printer = Printer::default();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            batch = rx.recv() => match batch {
                Some(batch) => {
                    let written = batch.into_iter().try_for_each(|mut line| {
                        redact_line(&profile.redactor, &mut line);
                        printer.write(&mut out, &line)
                    });
                    if written.and_then(|()| out.flush()).is_err() || out.get_ref().closed() {
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

/// Writes lines as [`LogLine::render`] with timestamps shows them, through
/// one reused buffer; the text is redacted before it leaves. The stamp is
/// the line's own time when it has one (taken off its text, so it shows
/// once); a JSON line stays as written, by design, for `jq` and friends.
#[derive(Debug, Default)]
struct Printer {
    stamps: StampWriter,
    buf: String,
}

impl Printer {
    fn write(&mut self, out: &mut impl Write, line: &LogLine) -> std::io::Result<()> {
        self.buf.clear();
        if let Some(at) = line.time() {
            self.stamps.push(at, &mut self.buf);
            self.buf.push(' ');
        }
        self.buf.push_str(line.prefix());
        self.buf.push(' ');
        self.buf.push_str(&line.text);
        self.buf.push('\n');
        out.write_all(self.buf.as_bytes())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::profile::Redactor;
    use chrono::TimeZone;

    #[test]
    fn printed_lines_are_the_rendered_lines_after_the_one_redaction() {
        let at =
            Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap() + chrono::Duration::milliseconds(89);
        let mut stamped = LogLine::new("web", Some(at), "GET / 200 pw=hunter2".into());
        stamped.replica = Some("web-1".into());
        let unstamped = LogLine::new("cmd", None, "plain".into());
        let own = LogLine::new("app", Some(at), "2026-03-04T05:06:00Z INFO own".into());
        for redactor in [Redactor::default(), Redactor::new(["hunter2".to_string()])] {
            let mut printer = Printer::default();
            let mut out = Vec::new();
            for line in [&stamped, &unstamped, &own] {
                let mut line = line.clone();
                redact_line(&redactor, &mut line);
                printer.write(&mut out, &line).unwrap();
            }
            let want: String = [&stamped, &unstamped, &own]
                .iter()
                .map(|l| redactor.redact(&l.render(true)) + "\n")
                .collect();
            assert_eq!(String::from_utf8(out).unwrap(), want);
            assert!(
                want.ends_with("2026-03-04T05:06:00.000Z app INFO own\n"),
                "{want}"
            );
        }
    }
}
