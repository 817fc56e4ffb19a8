//! `golive baseline capture`: samples one track's metrics for a while before
//! the deploy and writes them as a versioned baseline file, which
//! `[baseline] file` then makes the reference for checks, gates and the judge.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use color_eyre::Result;
use color_eyre::eyre::{WrapErr, eyre};

use crate::cli::{BaselineArgs, BaselineCommand};
use crate::engine::metrics::{KINDS, fmt_value};
use crate::io::metrics::capture_baseline;
use crate::profile::MetricKind;

pub fn run(args: BaselineArgs) -> Result<ExitCode> {
    match args.command {
        BaselineCommand::Capture {
            profile,
            track,
            duration,
            out,
        } => capture(&profile, &track, &duration, &out),
    }
}

fn capture(profile_path: &Path, track: &str, duration: &str, out: &Path) -> Result<ExitCode> {
    let duration = humantime::parse_duration(duration)
        .map_err(|e| eyre!("--duration {duration:?}: {e} (write it like 5m or 90s)"))?;
    let profile = match super::load_resolved(profile_path) {
        Ok(profile) => profile,
        Err(code) => return Ok(code),
    };
    if !profile.metrics.iter().any(|m| m.track == track) {
        let known: Vec<&str> = profile.metrics.iter().map(|m| m.track.as_str()).collect();
        return Err(eyre!(
            "{}: no [[metrics]] block for track {track:?} (tracks: {})",
            profile_path.display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ));
    }
    eprintln!(
        "golive: sampling track {track} for {} ...",
        humantime::format_duration(duration)
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let file = match runtime.block_on(capture_baseline(&profile, track, duration)) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("golive: {}", profile.redactor.redact(&e.to_string()));
            return Ok(ExitCode::from(1));
        }
    };
    write_atomically(out, &file.to_json())
        .wrap_err_with(|| format!("cannot write {}", out.display()))?;
    let mut stdout = super::output::stdout();
    let _ = writeln!(
        stdout,
        "baseline of track {track} written to {}",
        out.display()
    );
    for kind in KINDS {
        let samples = file.samples.get(kind.name()).map_or(0, Vec::len);
        let _ = match file.summary_of(kind) {
            Some(v) => writeln!(
                stdout,
                "  {:<13} {:>16}  ({samples} window samples)",
                kind.name(),
                fmt_value(kind, v)
            ),
            None => writeln!(stdout, "  {:<13} {:>16}", kind.name(), "no data"),
        };
    }
    if file.summary_of(MetricKind::LatencyP95).is_none() {
        eprintln!(
            "golive: warning: no latency in this baseline; latency checks against it will show no data"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Written beside the target and renamed over it, so a crash never leaves a
/// half-written baseline behind.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    let file = std::fs::File::open(&tmp)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}
