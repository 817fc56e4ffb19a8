//! golive's own diagnostics go to a file, never to the terminal: the cockpit
//! owns the screen, and headless output is for the operator's pipes. The file
//! lives in the user's cache directory (`golive.log`), or where `GOLIVE_LOG_FILE`
//! says; `GOLIVE_LOG` sets the level filter (default `info`).

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Where the diagnostics file is, when there is a place for it.
pub fn log_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("GOLIVE_LOG_FILE") {
        return Some(PathBuf::from(path));
    }
    directories::ProjectDirs::from("", "", "golive").map(|d| d.cache_dir().join("golive.log"))
}

/// Installs the file subscriber. Failing to open the file costs only the
/// diagnostics: golive runs on without them rather than refusing to start.
pub fn init() {
    let Some(path) = log_path() else {
        return;
    };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = OpenOptions::new().create(true).append(true).open(&path) else {
        return;
    };
    let filter = EnvFilter::try_from_env("GOLIVE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}
