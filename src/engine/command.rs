//! What running a command produced: pure data shared by command checks and
//! command actions, and the facts a command check's conditions read from it
//! (`[BODY]`: stdout as JSON when it parses, as text otherwise; `[EXIT]`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::condition::{Facts, PathSeg, Value, walk};

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
    /// Standard output alone, sanitised, up to [`MAX_STDOUT`] bytes: what a
    /// command check's conditions read as `[BODY]`. Not journalled (the
    /// tail is the evidence), so it never bloats a record.
    #[serde(skip)]
    pub stdout: String,
    pub duration: Duration,
}

/// Standard output kept for `[BODY]`; a `kubectl get -o json` of a
/// deployment and its pods fits many times over.
pub const MAX_STDOUT: usize = 1024 * 1024;

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

/// What a command's output offers to conditions. The body is parsed once
/// when the facts are made, not once per condition.
pub struct CommandFacts<'a> {
    outcome: &'a CommandOutcome,
    json: Option<serde_json::Value>,
}

impl<'a> CommandFacts<'a> {
    pub fn new(outcome: &'a CommandOutcome) -> Self {
        let json = serde_json::from_str(outcome.stdout.trim()).ok();
        Self { outcome, json }
    }
}

impl Facts for CommandFacts<'_> {
    fn lookup(&self, placeholder: &str, path: &[PathSeg]) -> Result<Value, String> {
        match placeholder {
            "EXIT" => match self.outcome.exit_code {
                Some(code) if path.is_empty() => Ok(Value::Number(f64::from(code))),
                Some(_) => Err("takes no path".to_string()),
                None => Err(format!("no exit code ({})", self.outcome.summary())),
            },
            "BODY" => match &self.json {
                Some(json) => walk(json, path, "the output"),
                None if path.is_empty() => Ok(Value::Text(self.outcome.stdout.trim().to_string())),
                None if self.outcome.stdout.trim().is_empty() => {
                    Err("the output is empty, not JSON".to_string())
                }
                None => Err("the output is not JSON".to_string()),
            },
            _ => Err("not reported by a command (it offers [BODY] and [EXIT])".to_string()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::model::condition::Condition;

    fn outcome(exit: Option<i32>, stdout: &str) -> CommandOutcome {
        CommandOutcome {
            exit_code: exit,
            stdout: stdout.to_string(),
            ..CommandOutcome::default()
        }
    }

    fn holds(text: &str, o: &CommandOutcome) -> (bool, String) {
        let v = Condition::parse(text)
            .unwrap()
            .evaluate(&CommandFacts::new(o));
        (v.passed, v.explanation)
    }

    #[test]
    fn json_stdout_is_walked_and_two_paths_compare() {
        let o = outcome(
            Some(0),
            r#"{"spec":{"replicas":3},"status":{"updatedReplicas":2}}"#,
        );
        let (passed, why) = holds("[BODY].status.updatedReplicas == [BODY].spec.replicas", &o);
        assert!(!passed);
        assert!(why.contains("= 2") && why.contains("= 3"), "{why}");
        assert!(holds("[BODY].status.updatedReplicas < [BODY].spec.replicas", &o).0);
        assert!(holds("[EXIT] == 0", &o).0);
    }

    #[test]
    fn text_stdout_is_the_body_and_paths_into_it_say_why_not() {
        let o = outcome(Some(2), "deployment \"api\" successfully rolled out\n");
        assert!(holds("[BODY] == pat(*successfully rolled out*)", &o).0);
        let (passed, why) = holds("[BODY].status == ok", &o);
        assert!(!passed && why.contains("not JSON"), "{why}");
        let (passed, why) = holds("[EXIT] == 0", &o);
        assert!(!passed && why.contains("observed 2"), "{why}");
    }

    #[test]
    fn a_killed_command_has_no_exit_code() {
        let o = CommandOutcome {
            timed_out: true,
            ..outcome(None, "")
        };
        let (passed, why) = holds("[EXIT] == 0", &o);
        assert!(!passed && why.contains("timed out"), "{why}");
    }
}
