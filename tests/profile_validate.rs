//! `golive validate` as a user runs it: exit codes, the summary line of a
//! valid profile, warnings for unset variables, every problem of an invalid
//! one with its position, no colour without a terminal, no secrets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn golive() -> Command {
    let mut cmd = Command::cargo_bin("golive").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

#[test]
fn a_valid_profile_prints_its_summary_and_exits_0() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/ai-service.toml");
    let p = golive::profile::load(&path).unwrap();
    let expected = format!(
        "✔ profiles/ai-service.toml: {} {}, {} phases, {} items, {} endpoints",
        p.service.name,
        p.service.version,
        p.phases.len(),
        p.items().count(),
        p.endpoints.len()
    );
    golive()
        .args(["validate", "profiles/ai-service.toml"])
        .env_remove("AI_API_KEY")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(expected))
        .stdout(predicate::str::contains("\u{1b}").not());
}

#[test]
fn unset_variables_are_warnings_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.toml");
    std::fs::write(
        &file,
        "[service]\nname = \"s\"\nversion = \"v1\"\n[[endpoint]]\nid = \"e\"\nurl = \"${GOLIVE_TEST_UNSET_BASE}/health\"\nheaders = { X-Token = \"${GOLIVE_TEST_UNSET_TOKEN}\" }\n[[phase]]\nid = \"p\"\n  [[phase.item]]\n  id = \"i\"\n",
    )
    .unwrap();
    golive()
        .arg("validate")
        .arg(&file)
        .env_remove("GOLIVE_TEST_UNSET_BASE")
        .env_remove("GOLIVE_TEST_UNSET_TOKEN")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("✔"))
        .stdout(predicate::str::contains(
            "warning: ${GOLIVE_TEST_UNSET_BASE} is unset and has no default",
        ))
        // An unset header variable is named, not masked: there is no secret yet.
        .stdout(predicate::str::contains(
            "warning: ${GOLIVE_TEST_UNSET_TOKEN} is unset",
        ));
    // Set, the warning goes away.
    golive()
        .arg("validate")
        .arg(&file)
        .env("GOLIVE_TEST_UNSET_BASE", "http://127.0.0.1:1")
        .env("GOLIVE_TEST_UNSET_TOKEN", "tok-set-later-42")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning").not())
        .stdout(predicate::str::contains("tok-set-later-42").not());
}

#[test]
fn an_invalid_profile_lists_every_problem_and_exits_2() {
    golive()
        .args([
            "validate",
            "profiles/documentos.toml",
            "tests/invalid_profiles/unknown_key.toml",
            "tests/invalid_profiles/missing_endpoint.toml",
        ])
        .env("NO_COLOR", "1")
        .assert()
        .code(2)
        .stdout(predicate::str::contains("✔ profiles/documentos.toml"))
        .stdout(predicate::str::contains(
            "✘ tests/invalid_profiles/unknown_key.toml: 1 problem",
        ))
        .stdout(predicate::str::contains(
            "tests/invalid_profiles/unknown_key.toml:15:3: unknown key `titel`",
        ))
        .stdout(predicate::str::contains("hint: did you mean `title`?"))
        .stdout(predicate::str::contains(
            "tests/invalid_profiles/missing_endpoint.toml:14:24:",
        ))
        .stdout(predicate::str::contains("\u{1b}").not());
}

#[test]
fn a_missing_file_is_reported_and_exits_2() {
    golive()
        .args(["validate", "profiles/no-such-profile.toml"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("cannot read profile"));
}

#[test]
fn secrets_from_the_environment_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.toml");
    std::fs::write(
        &file,
        "[service]\nname = \"s\"\nversion = \"v1\"\n[[endpoint]]\nid = \"e\"\nurl = \"not a url ${DEPLOY_TOKEN}\"\n",
    )
    .unwrap();
    golive()
        .arg("validate")
        .arg(&file)
        .env("DEPLOY_TOKEN", "tok-secret-98765")
        .assert()
        .code(2)
        .stdout(predicate::str::contains("bad URL"))
        .stdout(predicate::str::contains("tok-secret-98765").not());
}

#[test]
fn every_shipped_profile_validates_through_the_binary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    assert!(files.len() >= 5);
    let out = golive()
        .arg("validate")
        .args(&files)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches('✔').count(), files.len(), "{text}");
}
