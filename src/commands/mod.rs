//! One module per subcommand: turns validated arguments into work on the
//! shared engine, and returns the process exit code.

use std::process::ExitCode;

use color_eyre::Result;

use crate::cli::{Cli, Command};

pub mod act;
pub mod baseline;
pub mod check;
pub mod completions;
pub mod demo;
pub mod journal;
pub mod logs;
pub mod notify;
pub mod output;
pub mod report;
pub mod run;
pub mod sign;
pub mod status;
pub mod validate;

/// Loads a profile for a command that acts on it (check, run, act, logs):
/// every problem is printed, and unset variables are refused here, where
/// `validate` only warns. `Err` carries the usage exit code, 2.
pub fn load_resolved(path: &std::path::Path) -> Result<crate::profile::Profile, ExitCode> {
    let loaded = crate::profile::load(path).and_then(|profile| {
        profile.ensure_resolved()?;
        Ok(profile)
    });
    loaded.map_err(|err| {
        eprintln!("{err}");
        ExitCode::from(2)
    })
}

/// Runs the parsed command line; the returned code is the process's exit code.
pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(args, &cli.global),
        Command::Validate(args) => validate::run(&args),
        Command::Sign(args) => sign::run(args, &cli.global),
        Command::Status(args) => status::run(args, &cli.global),
        Command::Report(args) => report::run(&args, &cli.global),
        Command::Act(args) => act::run(args, &cli.global),
        Command::Logs(args) => logs::run(args, &cli.global),
        Command::Baseline(args) => baseline::run(args),
        Command::Journal(args) => journal::run(args, &cli.global),
        Command::Notify(args) => notify::run(args, &cli.global),
        Command::Demo(args) => demo::run(&args, &cli.global),
        Command::DemoCtl(args) => demo::run_ctl(&args),
        Command::Run(args) => run::run(&cli.global, &args),
        Command::Completions(args) => completions::completions(args.shell),
        Command::Man => completions::man(),
    }
}

/// The release's journal path, as every face that needs one resolves it; a
/// path that cannot be had is said on `err` and the face exits 2.
pub fn journal_or_exit(
    explicit: Option<&std::path::Path>,
    service: &crate::profile::Service,
    err: &mut impl std::io::Write,
) -> Result<std::path::PathBuf, ExitCode> {
    crate::io::journal::resolve_path(explicit, service).map_err(|e| {
        let _ = writeln!(err, "{e}");
        ExitCode::from(2)
    })
}
