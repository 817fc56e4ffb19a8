//! What running a command produced: pure data shared by command checks and
//! command actions.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CommandOutcome {
    /// None when the process was killed (timeout, cancel) or never started.
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub cancelled: bool,
    /// Why it could not start ("no such file: kubectl").
    pub spawn_error: Option<String>,
    /// The last lines of stdout and stderr interleaved, sanitised.
    pub tail: Vec<String>,
    pub duration: Duration,
}

impl CommandOutcome {
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out && !self.cancelled
    }

    /// One sentence for evidence: "exit 0 in 0.2s" / "timed out after 10s".
    pub fn summary(&self) -> String {
        let secs = self.duration.as_secs_f64();
        if let Some(err) = &self.spawn_error {
            format!("could not start: {err}")
        } else if self.timed_out {
            format!("timed out after {secs:.1}s, process group killed")
        } else if self.cancelled {
            format!("cancelled after {secs:.1}s")
        } else {
            match self.exit_code {
                Some(code) => format!("exit {code} in {secs:.1}s"),
                None => format!("killed by a signal after {secs:.1}s"),
            }
        }
    }
}
