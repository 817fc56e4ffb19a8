//! The rollback rehearsal at T-30 (`check = { rehearse = "..." }`) run by
//! `golive check`: a command action whose executable is on PATH passes with
//! what it would run; one whose executable is missing fails saying so; a
//! Docker rollback to an image the real engine does not have fails naming
//! the image. Nothing is run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docker_support;

use std::path::Path;

use assert_cmd::Command;
use docker_support::{Cleanup, build_image, docker, engine_or_skip, unique};

fn check(dir: &Path, body: &str) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let profile = dir.join("profile.toml");
    std::fs::write(
        &profile,
        format!(
            "[service]\nname = \"shop\"\nversion = \"v2\"\nprevious = \"v1\"\n\n{body}\n\
             [[phase]]\nid = \"t-30\"\ntitle = \"Pre-launch\"\n\n"
        ) + &items(body),
    )
    .unwrap();
    let out = Command::cargo_bin("golive")
        .unwrap()
        .args(["check", profile.to_str().unwrap(), "--format", "json"])
        .env("GOLIVE_JOURNAL", dir.join("journal.jsonl"))
        .env("DEPLOY_TOKEN", "s3cr3t-deploy-token")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{stderr}", String::from_utf8_lossy(&out.stdout)));
    (
        out.status.code(),
        doc["items"].as_array().unwrap().clone(),
        stderr,
    )
}

/// One rehearsal item per `[actions.NAME]` of the body.
fn items(body: &str) -> String {
    body.lines()
        .filter_map(|l| l.strip_prefix("[actions.")?.strip_suffix(']'))
        .map(|name| {
            format!(
                "  [[phase.item]]\n  id = \"rehearse-{name}\"\n  title = \"Rehearse {name}\"\n  \
                 check = {{ rehearse = \"{name}\" }}\n\n"
            )
        })
        .collect()
}

fn by_id<'a>(items: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    items.iter().find(|i| i["id"] == id).unwrap()
}

#[test]
fn a_command_rehearsal_finds_its_executable_or_says_it_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[actions.rollback]\ncommand = [\"sh\", \"-c\", \"deploy --token ${DEPLOY_TOKEN}\"]\n\n\
                [actions.broken]\ncommand = [\"golive-no-such-deployer\", \"--rollback\"]\n";
    let (code, items, stderr) = check(dir.path(), body);
    assert_eq!(
        code,
        Some(1),
        "the broken rehearsal fails the run: {stderr}"
    );
    let good = by_id(&items, "rehearse-rollback");
    assert_eq!(good["status"], "pass", "{good}");
    let detail = good["detail"].as_str().unwrap();
    assert!(detail.starts_with("would run: sh -c "), "{detail}");
    assert!(!detail.contains("s3cr3t-deploy-token"), "masked: {detail}");
    let broken = by_id(&items, "rehearse-broken");
    assert_eq!(broken["status"], "fail", "{broken}");
    assert_eq!(
        broken["detail"],
        "broken would not run: `golive-no-such-deployer` is not on PATH"
    );
    // Nothing ran: no action record in the journal.
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    assert!(!journal.contains("action_started"), "{journal}");
}

#[test]
fn a_rehearsal_names_an_action_the_profile_has() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.toml");
    std::fs::write(
        &profile,
        "[service]\nname = \"shop\"\nversion = \"v2\"\n\n[actions.rollback]\ncommand = [\"true\"]\n\n\
         [[phase]]\nid = \"t-30\"\ntitle = \"Pre-launch\"\n\n  [[phase.item]]\n  id = \"r\"\n  \
         title = \"Rehearse\"\n  check = { rehearse = \"rolback\" }\n",
    )
    .unwrap();
    let out = Command::cargo_bin("golive")
        .unwrap()
        .args(["validate", profile.to_str().unwrap()])
        .output()
        .unwrap();
    // validate reports on stdout; either stream will do.
    let stderr = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no action `rolback` to rehearse"),
        "{stderr}"
    );
    assert!(
        stderr.contains("profile.toml:15:24:"),
        "line and column: {stderr}"
    );
    assert!(
        stderr.contains("actions are `rollback`"),
        "the fix: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_docker_rollback_to_an_absent_image_fails_its_rehearsal() {
    let test = "a_docker_rollback_to_an_absent_image_fails_its_rehearsal";
    if engine_or_skip(test).await.is_none() {
        return;
    }
    let mut cleanup = Cleanup::default();
    let tag = format!("{}:v2", unique("golive-rehearse"));
    build_image(&mut cleanup, &tag, "v2");
    let name = unique("golive-rehearse-api");
    docker(&["run", "-d", "--name", &name, &tag, "sleep 600"]);
    cleanup.containers.push(name.clone());
    let absent = format!("{}:v1", unique("golive-rehearse-gone"));
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "[actions.rollback]\ndocker = {{ container = \"{name}\", image = \"{absent}\" }}\n\n\
         [actions.present]\ndocker = {{ container = \"{name}\", image = \"{tag}\" }}\n"
    );
    let (code, items, stderr) = tokio::task::spawn_blocking(move || {
        let out = check(dir.path(), &body);
        drop(dir);
        out
    })
    .await
    .unwrap();
    assert_eq!(code, Some(1), "{stderr}");
    let gone = by_id(&items, "rehearse-rollback");
    assert_eq!(gone["status"], "fail", "{gone}");
    let detail = gone["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("image: {absent} is not on the engine")),
        "{detail}"
    );
    let present = by_id(&items, "rehearse-present");
    assert_eq!(present["status"], "pass", "{present}");
    assert!(
        present["detail"].as_str().unwrap().contains(&name),
        "names the container it would touch: {present}"
    );
}
