//! Actions (promote, rollback, ...) as the pure core sees them: one at a
//! time, the exact text an operator confirms (secrets masked), the journal
//! events of an action's life, and the bookkeeping of its verification
//! (which verify items passed since the action ended, and the time to
//! recovery). Carrying an action out is `io::actions`' job.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::app::command::CommandOutcome;
use crate::app::record::Event;
use crate::profile::{Action, ActionKind, DockerOp, DockerTarget, Redactor};

/// Output kept in a journal record: enough to explain a failure, bounded so a
/// chatty deploy script cannot bloat the release record.
pub const JOURNAL_OUTPUT_LIMIT: usize = 8 * 1024;

/// Quotes an argument only when a reader could misread it.
fn shell_word(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

pub fn describe_target(target: &DockerTarget) -> String {
    match target {
        DockerTarget::Container(name) => format!("container {name}"),
        DockerTarget::ComposeService { service, project } => {
            format!("every container of compose service {service} in project {project}")
        }
        DockerTarget::Label { key, value } => format!("every container labelled {key}={value}"),
    }
}

/// What will run, in words an operator can check before confirming. Every
/// secret the profile resolved is masked.
pub fn describe(action: &Action, redactor: &Redactor) -> String {
    let text = match &action.kind {
        ActionKind::Command { argv, cwd, env } => {
            let mut s = String::new();
            for (k, v) in env {
                s.push_str(&format!("{k}={} ", shell_word(v)));
            }
            s.push_str(
                &argv
                    .iter()
                    .map(|a| shell_word(a))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            if let Some(cwd) = cwd {
                s.push_str(&format!("  (in {})", cwd.display()));
            }
            s
        }
        ActionKind::Docker { target, op } => match op {
            DockerOp::Image(image) => format!(
                "recreate {} from image {image}, keeping what was set on it (name, env, labels, ports, volumes, networks, restart policy) and taking the image's own defaults",
                describe_target(target)
            ),
            DockerOp::Restart => format!("restart {}", describe_target(target)),
        },
    };
    redactor.redact(&text)
}

/// Why an action could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Another action is running; only one at a time.
    Busy {
        running: String,
    },
    Unknown {
        action: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Busy { running } => write!(f, "action {running} is still running"),
            Refusal::Unknown { action } => write!(f, "the profile has no action {action}"),
        }
    }
}

/// The one-at-a-time rule, plus what is being verified.
#[derive(Debug, Clone, Default)]
pub struct Actions {
    running: Option<(String, DateTime<Utc>)>,
    pub recovery: Option<Recovery>,
}

impl Actions {
    pub fn running(&self) -> Option<&str> {
        self.running.as_ref().map(|(n, _)| n.as_str())
    }

    pub fn begin(&mut self, name: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
        if let Some((running, _)) = &self.running {
            return Err(Refusal::Busy {
                running: running.clone(),
            });
        }
        self.running = Some((name.to_string(), now));
        self.recovery = None;
        Ok(())
    }

    /// Ends the running action; starts verification when it succeeded and has
    /// verify items.
    pub fn finish(&mut self, action: &Action, succeeded: bool, now: DateTime<Utc>) {
        self.running = None;
        if succeeded && !action.verify.is_empty() {
            self.recovery = Some(Recovery::new(&action.name, action.verify.clone(), now));
        }
    }
}

/// Tracks verify items after an action: recovery is when every item has
/// passed on its latest run.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    pub action: String,
    pub items: Vec<String>,
    pub ended_at: DateTime<Utc>,
    passing: BTreeSet<String>,
    pub recovered_at: Option<DateTime<Utc>>,
}

impl Recovery {
    pub fn new(action: &str, items: Vec<String>, ended_at: DateTime<Utc>) -> Self {
        Self {
            action: action.to_string(),
            items,
            ended_at,
            passing: BTreeSet::new(),
            recovered_at: None,
        }
    }

    /// Records one verify item's result; returns the time to recovery the
    /// first time every item passes.
    pub fn observe(&mut self, item: &str, passed: bool, now: DateTime<Utc>) -> Option<Duration> {
        if self.recovered_at.is_some() || !self.items.iter().any(|i| i == item) {
            return None;
        }
        if passed {
            self.passing.insert(item.to_string());
        } else {
            self.passing.remove(item);
        }
        if self.items.iter().all(|i| self.passing.contains(i)) {
            self.recovered_at = Some(now);
            return Some(self.time_to_recovery().unwrap_or_default());
        }
        None
    }

    pub fn pending(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter(|i| !self.passing.contains(*i))
            .map(String::as_str)
            .collect()
    }

    pub fn time_to_recovery(&self) -> Option<Duration> {
        self.recovered_at
            .and_then(|at| (at - self.ended_at).to_std().ok())
    }

    pub fn event(&self) -> Event {
        Event::Verified {
            action: self.action.clone(),
            items: self.items.clone(),
            recovered: self.recovered_at.is_some(),
            time_to_recovery_ms: self.time_to_recovery().map(|d| d.as_millis() as u64),
        }
    }
}

/// [`describe`], naming the containers a Docker action will touch: a label
/// or a compose service can match more than its author meant, and the
/// operator confirms (and the journal keeps) the actual list.
pub fn describe_touching(action: &Action, redactor: &Redactor, containers: &[String]) -> String {
    let what = describe(action, redactor);
    if containers.is_empty() {
        return what;
    }
    redactor.redact(&format!("{what}; containers: {}", containers.join(", ")))
}

pub fn started_event(
    action: &Action,
    redactor: &Redactor,
    dry_run: bool,
    trigger: Option<String>,
    containers: &[String],
) -> Event {
    Event::ActionStarted {
        action: action.name.clone(),
        what: describe_touching(action, redactor, containers),
        dry_run,
        trigger,
    }
}

pub fn finished_event(action: &Action, outcome: &CommandOutcome, redactor: &Redactor) -> Event {
    let mut output: String = outcome.tail.join("\n");
    if let Some(err) = &outcome.spawn_error {
        output = format!("{err}\n{output}");
    }
    // Masked before cutting, so a cut cannot leave half a secret in clear.
    let mut output = redactor.redact(&output);
    if output.len() > JOURNAL_OUTPUT_LIMIT {
        let mut cut = output.len() - JOURNAL_OUTPUT_LIMIT;
        while !output.is_char_boundary(cut) {
            cut += 1;
        }
        output = format!("…{}", &output[cut..]);
    }
    Event::ActionFinished {
        action: action.name.clone(),
        exit_code: outcome.exit_code,
        duration_ms: outcome.duration.as_millis() as u64,
        output,
        cancelled: outcome.cancelled,
        timed_out: outcome.timed_out,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn action(argv: &[&str], verify: &[&str]) -> Action {
        Action {
            name: "rollback".into(),
            description: None,
            kind: ActionKind::Command {
                argv: argv.iter().map(|s| s.to_string()).collect(),
                cwd: None,
                env: vec![("TOKEN".into(), "s3cret".into())],
            },
            timeout: Duration::from_secs(600),
            verify: verify.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn describe_masks_secrets_and_quotes() {
        let redactor = Redactor::new(["s3cret".to_string()]);
        let text = describe(
            &action(&["deploy", "--token=s3cret", "two words"], &[]),
            &redactor,
        );
        assert_eq!(text, "TOKEN=•••• deploy --token=•••• 'two words'");
        assert!(!text.contains("s3cret"));
    }

    #[test]
    fn one_action_at_a_time() {
        let now = Utc::now();
        let mut actions = Actions::default();
        actions.begin("rollback", now).unwrap();
        assert_eq!(
            actions.begin("promote", now),
            Err(Refusal::Busy {
                running: "rollback".into()
            })
        );
        actions.finish(&action(&["x"], &["health"]), true, now);
        assert!(actions.running().is_none());
        assert!(actions.recovery.is_some());
        actions.begin("promote", now).unwrap();
    }

    #[test]
    fn recovery_needs_every_item_passing_at_once() {
        let t0 = Utc::now();
        let mut r = Recovery::new("rollback", vec!["a".into(), "b".into()], t0);
        let s = |n| t0 + chrono::Duration::seconds(n);
        assert_eq!(r.observe("a", true, s(1)), None);
        assert_eq!(r.observe("b", false, s(2)), None);
        assert_eq!(r.observe("a", false, s(3)), None);
        assert_eq!(r.observe("b", true, s(4)), None);
        assert_eq!(r.pending(), vec!["a"]);
        assert_eq!(r.observe("a", true, s(5)), Some(Duration::from_secs(5)));
        assert_eq!(
            r.event(),
            Event::Verified {
                action: "rollback".into(),
                items: vec!["a".into(), "b".into()],
                recovered: true,
                time_to_recovery_ms: Some(5000)
            }
        );
    }

    #[test]
    fn finished_event_is_bounded_and_masked() {
        let outcome = CommandOutcome {
            exit_code: Some(0),
            tail: vec!["x".repeat(JOURNAL_OUTPUT_LIMIT), "token s3cret".into()],
            ..CommandOutcome::default()
        };
        let redactor = Redactor::new(["s3cret".to_string()]);
        let Event::ActionFinished { output, .. } =
            finished_event(&action(&["x"], &[]), &outcome, &redactor)
        else {
            panic!("wrong event");
        };
        assert!(output.len() <= JOURNAL_OUTPUT_LIMIT + 4);
        assert!(output.ends_with("token ••••"));
    }
}
