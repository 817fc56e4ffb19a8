//! `golive completions SHELL` and `golive man`: the command line's own
//! definitions (`cli.rs`) rendered as a shell completion script or a roff
//! man page on standard output, so they never drift from what golive
//! accepts. Packagers and users redirect them where their shell or `man`
//! looks (the README says where).

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;
use color_eyre::Result;

use crate::cli::Cli;

/// Writes the completion script for `shell` to standard output.
pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut command = Cli::command();
    // Rendered in memory first: the generator panics on a failed write,
    // and `golive completions bash | head` must not.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "golive", &mut script);
    emit(&script)
}

/// Writes the man page, golive(1), to standard output.
pub fn man() -> Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    emit(&page)
}

/// A reader that stops early (`| head`) is not an error.
fn emit(bytes: &[u8]) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}
