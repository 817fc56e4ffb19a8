//! The `golive` binary: parse the command line, install the error hooks,
//! dispatch, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    if let Err(report) = color_eyre::install() {
        eprintln!("golive: {report}");
        return ExitCode::from(2);
    }
    let cli = golive::cli::Cli::parse();
    golive::diagnostics::init();
    tracing::info!(command = ?std::env::args().nth(1), "golive {}", env!("CARGO_PKG_VERSION"));
    match golive::commands::dispatch(cli) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("golive: {report:?}");
            ExitCode::from(2)
        }
    }
}
