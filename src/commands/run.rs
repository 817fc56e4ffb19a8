//! `golive run PROFILE`: load and check the profile, pick the theme, the
//! operator and the journal, and open the cockpit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::Utc;
use color_eyre::Result;
use color_eyre::eyre::{WrapErr, eyre};

use crate::cli::{GlobalArgs, RunArgs};
use crate::driver::{self, Options};
use crate::engine::state::App;
use crate::io::{journal, operator, terminal};
use crate::profile::Profile;
use crate::ui::Theme;
use crate::ui::theme::BUILTIN;

pub fn run(global: &GlobalArgs, args: &RunArgs) -> Result<ExitCode> {
    let profile = match super::load_resolved(&args.profile) {
        Ok(profile) => profile,
        Err(code) => return Ok(code),
    };
    open_cockpit(global, profile, &args.theme)
}

/// Opens the cockpit on a loaded profile, on a runtime of its own.
pub fn open_cockpit(global: &GlobalArgs, profile: Profile, theme: &str) -> Result<ExitCode> {
    let journal = journal::resolve_path(global.journal.as_deref(), &profile.service)?;
    // One thread: the cockpit waits on the network, the engine and the
    // terminal far more than it computes, and workers of a multi-threaded
    // runtime spend an idle cockpit's CPU waking and parking each other
    // (futex and sched_yield were most of its system calls at idle).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    rt.block_on(cockpit(global, profile, theme, journal))?;
    Ok(ExitCode::SUCCESS)
}

/// The cockpit on a loaded profile, inside a running tokio runtime (what
/// `golive demo` calls once its service is up).
pub async fn cockpit(
    global: &GlobalArgs,
    profile: Profile,
    theme: &str,
    journal: PathBuf,
) -> Result<()> {
    let theme = resolve_theme(theme, no_color())?;
    let operator = operator::resolve(global.operator.as_deref());
    let app = App::new(profile, operator, Utc::now());
    terminal::install_panic_hook();
    // Saved logs land where the operator started golive, like any file it writes.
    let save_dir = std::path::PathBuf::from(".");
    driver::run(
        app,
        Options {
            journal,
            theme,
            save_dir,
        },
    )
    .await
}

/// NO_COLOR set to anything non-empty turns colour off (no-color.org).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// `--theme NAME|PATH`: a built-in name, or a file laid over the dark theme.
pub fn resolve_theme(spec: &str, no_color: bool) -> Result<Theme> {
    let theme = match Theme::builtin(spec) {
        Some(theme) => theme,
        None => {
            let path = Path::new(spec);
            if !path.exists() {
                return Err(eyre!(
                    "unknown theme {spec:?}: use {} or a path to a theme TOML file",
                    BUILTIN.join(", ")
                ));
            }
            let text = std::fs::read_to_string(path)
                .wrap_err_with(|| format!("cannot read theme {}", path.display()))?;
            Theme::with_overrides(Theme::default(), spec, &text)?
        }
    };
    Ok(if no_color {
        theme.without_color()
    } else {
        theme
    })
}
