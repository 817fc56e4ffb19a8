//! `golive act` and the action runner on real processes: no run without
//! confirmation, a dry run changes nothing, arguments never pass through a
//! shell, a timeout kills the whole process group, secrets are masked in
//! output and journal, and verify items measure the time to recovery.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use golive::commands::act::{ActOptions, act};
use golive::engine::record::Event;
use golive::profile::{
    Action, ActionKind, Check, CommandCheck, Item, Phase, Profile, Redactor, Service, Settings,
};

const SECRET: &str = "tok-9f8e7d-secret";

fn command_action(name: &str, argv: &[&str], timeout: Duration, verify: &[&str]) -> Action {
    Action {
        name: name.into(),
        description: None,
        kind: ActionKind::Command {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            cwd: None,
            env: vec![("DEPLOY_TOKEN".into(), SECRET.into())],
        },
        timeout,
        verify: verify.iter().map(|s| s.to_string()).collect(),
        verify_timeout: Duration::from_secs(300),
    }
}

fn profile(actions: Vec<Action>, phases: Vec<Phase>) -> Profile {
    let settings = Settings {
        poll_interval: Duration::from_millis(100),
        ..Settings::default()
    };
    Profile {
        path: PathBuf::from("test.toml"),
        service: Service {
            name: "svc".into(),
            version: "v2".into(),
            previous: Some("v1".into()),
        },
        settings,
        endpoints: vec![],
        metrics: vec![],
        baseline: None,
        logs: vec![],
        phases,
        gates: vec![],
        actions: actions
            .into_iter()
            .map(|a| (a.name.clone(), a))
            .collect::<BTreeMap<_, _>>(),
        notify: Default::default(),
        redactor: Redactor::new([SECRET.to_string()]),
        unresolved: vec![],
        warnings: vec![],
    }
}

fn options(dir: &Path, yes: bool, dry_run: bool, interactive: bool) -> ActOptions {
    ActOptions {
        yes,
        dry_run,
        interactive,
        journal: Some(dir.join("journal.jsonl")),
        operator: "alice".into(),
        docker_host: None,
    }
}

fn run(p: &Profile, name: &str, opts: &ActOptions, input: &str) -> (ExitCode, String) {
    let mut out = Vec::new();
    let code = act(p, name, opts, &mut input.as_bytes(), &mut out).unwrap();
    (code, String::from_utf8(out).unwrap())
}

/// The action's own records (its start, end and verification), without the
/// lifecycle, check results and confirmation evidence the engine journals
/// beside them.
fn journal(dir: &Path) -> (Vec<Event>, String) {
    let path = dir.join("journal.jsonl");
    let read = golive::io::journal::read(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let events = read
        .records
        .into_iter()
        .map(|r| r.event)
        .filter(|e| {
            !matches!(
                e,
                Event::Lifecycle { .. } | Event::CheckResult { .. } | Event::Evidence { .. }
            )
        })
        .collect();
    (events, text)
}

fn touch_action(marker: &Path) -> Action {
    command_action(
        "rollback",
        &["touch", marker.to_str().unwrap()],
        Duration::from_secs(10),
        &[],
    )
}

#[test]
fn refuses_without_yes_and_without_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let p = profile(vec![touch_action(&marker)], vec![]);
    let (code, _) = run(
        &p,
        "rollback",
        &options(dir.path(), false, false, false),
        "y\n",
    );
    assert_eq!(code, ExitCode::from(2));
    assert!(!marker.exists(), "the action ran without confirmation");
    assert!(journal(dir.path()).0.is_empty());
}

#[test]
fn terminal_confirmation_shows_what_runs_and_needs_a_yes() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let p = profile(vec![touch_action(&marker)], vec![]);
    let (code, out) = run(
        &p,
        "rollback",
        &options(dir.path(), false, false, true),
        "\n",
    );
    assert_eq!(code, ExitCode::from(2));
    assert!(
        out.contains(&format!("touch {}", marker.display())),
        "{out}"
    );
    assert!(out.contains("[y/N]"), "{out}");
    assert!(!marker.exists());
    let (code, _) = run(
        &p,
        "rollback",
        &options(dir.path(), false, false, true),
        "y\n",
    );
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(marker.exists());
}

#[test]
fn dry_run_prints_and_journals_masked_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let action = command_action(
        "promote",
        &[
            "touch",
            marker.to_str().unwrap(),
            &format!("--token={SECRET}"),
        ],
        Duration::from_secs(10),
        &[],
    );
    let p = profile(vec![action], vec![]);
    let (code, out) = run(&p, "promote", &options(dir.path(), false, true, false), "");
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(!marker.exists());
    assert!(out.contains("--token=••••"), "{out}");
    assert!(!out.contains(SECRET));
    let (events, text) = journal(dir.path());
    assert!(matches!(
        events.as_slice(),
        [Event::ActionStarted { dry_run: true, what, .. }] if what.contains("DEPLOY_TOKEN=••••")
    ));
    assert!(!text.contains(SECRET), "{text}");
}

#[test]
fn arguments_never_go_through_a_shell_and_secrets_are_masked() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("injected");
    let injection = format!("$(touch {}); `touch {0}`", marker.display());
    let action = command_action(
        "promote",
        &[
            "sh",
            "-c",
            "echo \"arg=$1 token=$DEPLOY_TOKEN\"",
            "sh",
            &injection,
        ],
        Duration::from_secs(10),
        &[],
    );
    let p = profile(vec![action], vec![]);
    let (code, out) = run(&p, "promote", &options(dir.path(), true, false, false), "");
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(!marker.exists(), "an argument was run by a shell");
    assert!(out.contains(&format!("arg={injection}")), "{out}");
    assert!(out.contains("token=••••"), "{out}");
    assert!(!out.contains(SECRET), "{out}");
    let (events, text) = journal(dir.path());
    assert!(!text.contains(SECRET), "{text}");
    match events.as_slice() {
        [
            Event::ActionStarted {
                dry_run: false,
                reason: Some(reason),
                ..
            },
            Event::ActionFinished {
                exit_code: Some(0),
                output,
                ..
            },
        ] => {
            assert!(output.contains("token=••••"), "{output}");
            // `act` gives the same reason the cockpit's confirm would.
            let mut lines = reason.lines();
            assert_eq!(lines.next(), Some("why: operator's decision"), "{reason}");
            assert!(
                lines
                    .next()
                    .is_some_and(|l| l.starts_with("run: DEPLOY_TOKEN=•••• sh -c")),
                "{reason}"
            );
        }
        other => panic!("unexpected journal: {other:?}"),
    }
}

#[test]
fn timeout_kills_the_process_group_and_is_journalled() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("survivor");
    let script = format!("(sleep 1; touch {}) & sleep 30", marker.display());
    let action = command_action(
        "rollback",
        &["sh", "-c", &script],
        Duration::from_millis(300),
        &[],
    );
    let p = profile(vec![action], vec![]);
    let started = std::time::Instant::now();
    let (code, out) = run(&p, "rollback", &options(dir.path(), true, false, false), "");
    assert_eq!(code, ExitCode::from(1));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(out.contains("timed out"), "{out}");
    // The background child would have touched the marker after 1 s.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!marker.exists(), "a child of the timed-out action survived");
    let (events, _) = journal(dir.path());
    assert!(matches!(
        events.as_slice(),
        [
            Event::ActionStarted { .. },
            Event::ActionFinished {
                timed_out: true,
                exit_code: None,
                ..
            }
        ]
    ));
}

#[test]
fn verify_items_rerun_until_they_pass_and_recovery_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    // The item passes on its third run: it must be re-run until it does.
    let probe = format!(
        "n=$(cat {0} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {0}; [ $n -ge 3 ]",
        count.display()
    );
    let mut action = command_action("rollback", &["true"], Duration::from_secs(10), &["healthy"]);
    action.verify_timeout = Duration::from_secs(10);
    let phases = vec![Phase {
        id: "post".into(),
        title: "Post-launch".into(),
        duration: None,
        items: vec![Item {
            id: "healthy".into(),
            title: "Service healthy".into(),
            description: None,
            check: Some(Check::Command(CommandCheck {
                argv: vec!["sh".into(), "-c".into(), probe],
                timeout: Duration::from_secs(5),
                cwd: None,
                env: vec![],
                conditions: Vec::new(),
            })),
        }],
    }];
    let p = profile(vec![action], phases);
    let (code, out) = run(&p, "rollback", &options(dir.path(), true, false, false), "");
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("recovered in"), "{out}");
    let (events, _) = journal(dir.path());
    match events.last() {
        Some(Event::Verified {
            recovered: true,
            time_to_recovery_ms: Some(ms),
            items,
            ..
        }) => {
            assert_eq!(items, &vec!["healthy".to_string()]);
            // Two failed runs, each followed by the 100 ms poll interval.
            assert!(*ms >= 200, "recovered before the third run: {ms} ms");
            assert_eq!(std::fs::read_to_string(&count).unwrap().trim(), "3");
        }
        other => panic!("no recovery recorded: {other:?}"),
    }
}

#[test]
fn unknown_action_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = profile(vec![], vec![]);
    let (code, _) = run(&p, "nope", &options(dir.path(), true, false, false), "");
    assert_eq!(code, ExitCode::from(2));
}

/// The binary itself: with stdin not a terminal and no --yes, nothing runs.
#[test]
fn binary_refuses_without_yes_on_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let profile_path = dir.path().join("p.toml");
    std::fs::write(
        &profile_path,
        format!(
            "[service]\nname = \"svc\"\nversion = \"v2\"\n\n[actions.rollback]\ncommand = [\"touch\", \"{}\"]\n",
            marker.display()
        ),
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("golive")
        .unwrap()
        .args(["act"])
        .arg(&profile_path)
        .arg("rollback")
        .env("GOLIVE_JOURNAL", dir.path().join("j.jsonl"))
        .write_stdin("y\n")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!marker.exists(), "the action ran without --yes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--yes"), "{stderr}");
}
