//! One module per subcommand: turns validated arguments into work on the
//! shared engine, and returns the process exit code.

use std::process::ExitCode;

use color_eyre::Result;

use crate::cli::{Cli, Command};

pub mod check;
pub mod output;
pub mod run;

/// Runs the parsed command line; the returned code is the process's exit code.
pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(args, &cli.global),
        Command::Run(args) => run::run(&cli.global, &args),
        Command::Demo(_)
        | Command::Validate(_)
        | Command::Sign(_)
        | Command::Status(_)
        | Command::Act(_)
        | Command::Logs(_)
        | Command::Baseline(_) => {
            eprintln!("golive: this command is not implemented yet");
            Ok(ExitCode::from(2))
        }
    }
}
