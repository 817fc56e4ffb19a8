//! Actions (promote, rollback, ...) as the pure core sees them: the one
//! description of what will run (secrets masked), which the confirmation,
//! the journal and `act` all show, and the one builder of an action's
//! start and end records. Verifying its recovery is `engine::recovery`'s rule;
//! carrying it out is `io::actions`' job.

use crate::engine::command::CommandOutcome;
use crate::engine::containers::target_label;
use crate::engine::record::Event;
use crate::profile::{Action, ActionKind, DockerOp, Redactor, SwarmOp};

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

fn argv_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell_word(a))
        .collect::<Vec<_>>()
        .join(" ")
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
                "recreate every container of {} from image {image}, keeping what was set on it (name, env, labels, ports, volumes, networks, restart policy) and taking the image's own defaults",
                target_label(target)
            ),
            DockerOp::Restart => format!("restart every container of {}", target_label(target)),
        },
        ActionKind::Swarm { service, op } => match op {
            SwarmOp::Image(image) => format!(
                "update swarm service {service} to image {image}, rolling as its update config says, and wait for the update to complete, pause or roll back"
            ),
            SwarmOp::Rollback => {
                format!(
                    "roll swarm service {service} back to its previous spec (the engine's rollback)"
                )
            }
            SwarmOp::Scale(n) => format!("scale swarm service {service} to {n} replicas"),
        },
        ActionKind::Kubernetes { target, op } => {
            let wait = crate::engine::kubernetes::status_argv(target, action.timeout.as_secs());
            format!(
                "{}, then wait: {}",
                argv_words(&crate::engine::kubernetes::op_argv(target, op)),
                argv_words(&wait)
            )
        }
    };
    redactor.redact(&text)
}

/// The confirmation's lines: what runs (as [`describe`] says it), its
/// timeout, and what is re-checked after it.
pub fn confirm_lines(action: &Action, redactor: &Redactor) -> Vec<String> {
    let verb = match action.kind {
        ActionKind::Command { .. } => "run",
        ActionKind::Docker { .. } => "docker",
        ActionKind::Swarm { .. } => "swarm",
        ActionKind::Kubernetes { .. } => "kubectl",
    };
    let mut lines = vec![format!("{verb}: {}", describe(action, redactor))];
    lines.push(format!("timeout: {}s", action.timeout.as_secs()));
    if !action.verify.is_empty() {
        lines.push(format!(
            "then re-checks: {} (for up to {}s)",
            action.verify.join(", "),
            action.verify_timeout.as_secs()
        ));
    }
    lines
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

/// The start record, with the reason the confirmation showed
/// (`engine::action_reason`).
pub fn started_event(
    action: &Action,
    redactor: &Redactor,
    dry_run: bool,
    trigger: Option<String>,
    containers: &[String],
    reason: String,
) -> Event {
    Event::ActionStarted {
        action: action.name.clone(),
        what: describe_touching(action, redactor, containers),
        dry_run,
        trigger,
        reason: Some(redactor.redact(&reason)),
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
    use std::time::Duration;

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
            verify_timeout: Duration::from_secs(300),
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
