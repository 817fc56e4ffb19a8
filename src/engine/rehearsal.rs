//! The rollback rehearsal at T-30 (`check = { rehearse = "rollback" }`): the
//! action's dry run, judged from what the adapter found (the executable on
//! PATH, the target, the image to return to, the Swarm service, the
//! Kubernetes deployment and its previous revision). A broken
//! rollback is found before launch, not at 3 a.m. The verdict is here; the
//! looking is `io::rehearse`'s.

use super::actions::describe;
use crate::profile::{Action, ActionKind, Redactor};

/// What the adapter found for one action. Each field is None where the
/// action's kind has nothing of the sort to look for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RehearsalFacts {
    /// A command action: where its executable is, or why it is not found.
    pub executable: Option<Result<String, String>>,
    /// A Docker action: the containers its target names, or the engine's error.
    pub containers: Option<Result<Vec<String>, String>>,
    /// A Docker image action: the image to return to is on the engine, or why not.
    pub image: Option<Result<(), String>>,
    /// A Swarm action: the service exists, or why not.
    pub service: Option<Result<(), String>>,
    /// A Kubernetes action: a look at its deployment (its error when kubectl
    /// could not read it).
    pub deployment: Option<Box<super::kubernetes::KubeState>>,
}

/// Pass with "would run: …" (masked), or fail with the first reason the
/// action would not run as written.
pub fn verdict(action: &Action, redactor: &Redactor, facts: &RehearsalFacts) -> (bool, String) {
    let what = describe(action, redactor);
    let problem = match (
        &facts.executable,
        &facts.containers,
        &facts.image,
        &facts.service,
    ) {
        (Some(Err(why)), ..) => Some(why.clone()),
        (_, Some(Err(why)), ..) => Some(format!("target: {why}")),
        (_, Some(Ok(names)), ..) if names.is_empty() => {
            Some("target: no container matches it".to_string())
        }
        (_, _, Some(Err(why)), _) => Some(format!("image: {why}")),
        (_, _, _, Some(Err(why))) => Some(format!("service: {why}")),
        _ => match (&action.kind, facts.deployment.as_deref()) {
            (ActionKind::Kubernetes { op, .. }, Some(state)) => {
                super::kubernetes::rehearsal_problem(op, state)
                    .map(|why| format!("deployment: {why}"))
            }
            _ => None,
        },
    };
    match problem {
        Some(why) => (
            false,
            redactor.redact(&format!("{} would not run: {why}", action.name)),
        ),
        None => {
            let touches = match &facts.containers {
                Some(Ok(names)) => format!("; touches {}", names.join(", ")),
                _ => String::new(),
            };
            (
                true,
                redactor.redact(&format!("would run: {what}{touches}")),
            )
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::profile::ActionKind;
    use std::time::Duration;

    fn action(argv: &[&str]) -> Action {
        Action {
            name: "rollback".into(),
            description: None,
            kind: ActionKind::Command {
                argv: argv.iter().map(|s| s.to_string()).collect(),
                cwd: None,
                env: vec![],
            },
            timeout: Duration::from_secs(60),
            verify: vec![],
            verify_timeout: Duration::from_secs(300),
        }
    }

    #[test]
    fn a_found_command_would_run_masked() {
        let redactor = Redactor::new(["s3cr3t-token".to_string()]);
        let facts = RehearsalFacts {
            executable: Some(Ok("/usr/bin/deploy".into())),
            ..Default::default()
        };
        let (passed, detail) = verdict(
            &action(&["deploy", "--token", "s3cr3t-token"]),
            &redactor,
            &facts,
        );
        assert!(passed, "{detail}");
        assert!(detail.starts_with("would run: deploy --token "), "{detail}");
        assert!(!detail.contains("s3cr3t-token"), "{detail}");
    }

    #[test]
    fn a_missing_executable_or_image_fails_with_why() {
        let r = Redactor::default();
        let missing = RehearsalFacts {
            executable: Some(Err("`deploy` is not on PATH".into())),
            ..Default::default()
        };
        let (passed, detail) = verdict(&action(&["deploy"]), &r, &missing);
        assert!(!passed);
        assert_eq!(detail, "rollback would not run: `deploy` is not on PATH");
        let no_image = RehearsalFacts {
            containers: Some(Ok(vec!["api-1".into()])),
            image: Some(Err("shop/api:v1 is not on the engine".into())),
            ..Default::default()
        };
        let (passed, detail) = verdict(&action(&["x"]), &r, &no_image);
        assert!(!passed);
        assert!(
            detail.ends_with("image: shop/api:v1 is not on the engine"),
            "{detail}"
        );
        let nothing = RehearsalFacts {
            containers: Some(Ok(vec![])),
            ..Default::default()
        };
        assert!(!verdict(&action(&["x"]), &r, &nothing).0);
    }
}
