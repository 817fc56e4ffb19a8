//! `golive report PROFILE [--format md|html|json] [--out FILE]`: the release
//! record for a change review, read from the journal alone. The model is
//! `engine::report` (the engine's folds, ordered and timed); this face renders
//! it, writes it (Markdown's charts as SVG files beside `--out`) and maps
//! the outcome to an exit code: 0, 1 when the journal cannot be read or the
//! output written, 2 for a bad profile.

mod charts;
mod render;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use color_eyre::Result;

use crate::cli::{GlobalArgs, ReportArgs, ReportFormat};
use crate::commands::output;
use crate::engine::report::Report;
use crate::engine::sanitize::clean_text;
use crate::io::journal;

pub use charts::Chart;

/// The journal's hash chain, when broken, in one sentence: the same check
/// as `golive journal verify` and `golive status`.
fn chain_warning(path: &Path) -> Option<String> {
    crate::commands::journal::chain_break(path).map(|b| {
        format!(
            "JOURNAL CHAIN BROKEN at line {}: {} (run `golive journal verify`)",
            b.line, b.problem
        )
    })
}

pub fn run(args: &ReportArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let profile = match crate::profile::load(&args.profile) {
        Ok(profile) => profile,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(2));
        }
    };
    let path = match super::journal_or_exit(
        global.journal.as_deref(),
        &profile.service,
        &mut std::io::stderr(),
    ) {
        Ok(path) => path,
        Err(code) => return Ok(code),
    };
    let read = match journal::read(&path) {
        Ok(read) => read,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(1));
        }
    };
    for warning in &read.warnings {
        eprintln!("warning: {}", clean_text(warning));
    }
    let warning = chain_warning(&path);
    if let Some(w) = &warning {
        eprintln!("warning: {}", clean_text(w));
    }
    let report = Report::from_records(&profile, &read.records);
    match write(
        &report,
        warning.as_deref(),
        args.format,
        args.out.as_deref(),
    ) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Renders `report` in `format` and writes it to `out` (stdout when None).
pub fn write(
    report: &Report,
    warning: Option<&str>,
    format: ReportFormat,
    out: Option<&Path>,
) -> Result<(), String> {
    let text = match format {
        ReportFormat::Json => {
            let mut doc = serde_json::to_value(report).map_err(|e| e.to_string())?;
            if let (Some(w), Some(map)) = (warning, doc.as_object_mut()) {
                map.insert("chain_warning".into(), w.into());
            }
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n"
        }
        ReportFormat::Html => {
            let svgs = Chart::BOTH
                .iter()
                .map(|c| charts::svg(report, *c))
                .collect::<Result<Vec<_>, _>>()?;
            render::html(report, warning, &svgs)
        }
        ReportFormat::Md => {
            let links = match out {
                Some(out) => chart_files(report, out)?,
                None => vec!["(charts are written beside the report with --out FILE)".to_string()],
            };
            render::markdown(report, warning, &links)
        }
    };
    match out {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write the report {}: {e}", path.display())),
        None => {
            let mut stdout = output::stdout();
            let _ = stdout.write_all(text.as_bytes());
            Ok(())
        }
    }
}

/// Writes each chart beside `out` as `STEM-latency.svg` and `STEM-errors.svg`,
/// returning the Markdown image links to them.
fn chart_files(report: &Report, out: &Path) -> Result<Vec<String>, String> {
    let stem = out
        .file_stem()
        .map_or("report".into(), |s| s.to_string_lossy().into_owned());
    let mut links = Vec::new();
    for chart in Chart::BOTH {
        let name = format!("{stem}-{}.svg", chart.slug());
        let file: PathBuf = out.with_file_name(&name);
        let svg = charts::svg(report, chart)?;
        std::fs::write(&file, svg)
            .map_err(|e| format!("cannot write the chart {}: {e}", file.display()))?;
        links.push(format!("![{}]({name})", chart.title()));
    }
    Ok(links)
}
