//! `golive sign` and `golive status` as an operator runs them: the real
//! binary, a real profile file and a journal in a temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const PROFILE: &str = r#"
[service]
name = "ai-service"
version = "v1.2.0"

[[endpoint]]
id = "health"
url = "http://127.0.0.1:9/health"
headers = { Authorization = "Bearer ${GOLIVE_TEST_API_TOKEN}" }

[[phase]]
id = "t-30"
title = "Pre-launch (T-30 min)"

  [[phase.item]]
  id = "ci-green"
  title = "CI pipeline passed all tests"

  [[phase.item]]
  id = "asset"
  title = "Warm-up asset present"
  check = { command = ["true"] }

[[phase]]
id = "canary"
title = "Canary"

  [[phase.item]]
  id = "smoke"
  title = "Manual smoke test"
"#;

struct Setup {
    _dir: tempfile::TempDir,
    profile: PathBuf,
    journal: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("ai-service.toml");
    std::fs::write(&profile, PROFILE).unwrap();
    let journal = dir.path().join("journals").join("release.jsonl");
    Setup {
        _dir: dir,
        profile,
        journal,
    }
}

/// The binary with a controlled environment: no journal or operator leaking
/// in from the developer's shell, the profile's secret set.
fn golive(journal: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_golive"));
    cmd.env_remove("GOLIVE_OPERATOR")
        .env_remove("GOLIVE_JOURNAL")
        .env("NO_COLOR", "1")
        .env("GOLIVE_TEST_API_TOKEN", "s3cr3t-t0ken")
        .arg("--journal")
        .arg(journal);
    cmd
}

fn status_json(s: &Setup) -> Value {
    let out = golive(&s.journal)
        .args(["status", "--format", "json"])
        .arg(&s.profile)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn item<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap()
}

#[test]
fn sign_then_status_shows_who_when_and_the_note() {
    let s = setup();
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    golive(&s.journal)
        .args(["--operator", "alice", "sign"])
        .arg(&s.profile)
        .args(["ci-green", "--note", "pipeline #42 green"])
        .assert()
        .success()
        .stdout(predicate::str::contains("signed t-30/ci-green"))
        .stdout(predicate::str::contains("as alice"))
        .stdout(predicate::str::contains("note: pipeline #42 green"));

    let doc = status_json(&s);
    assert_eq!(doc["service"], "ai-service");
    assert_eq!(doc["version"], "v1.2.0");
    let ci = item(&doc, "ci-green");
    assert_eq!(ci["status"], "signed");
    assert_eq!(ci["phase"], "t-30");
    assert_eq!(ci["title"], "CI pipeline passed all tests");
    assert_eq!(ci["by"], "alice");
    assert_eq!(ci["note"], "pipeline #42 green");
    let at: chrono::DateTime<chrono::Utc> = ci["at"].as_str().unwrap().parse().unwrap();
    assert!(at >= before && at <= chrono::Utc::now(), "{at}");
    assert_eq!(item(&doc, "smoke")["status"], "manual");
    assert_eq!(item(&doc, "asset")["status"], "pending");

    // The text face: symbols, no colour codes off a terminal.
    golive(&s.journal)
        .arg("status")
        .arg(&s.profile)
        .assert()
        .success()
        .stdout(predicate::str::contains("✍ signed"))
        .stdout(predicate::str::contains("○ manual"))
        .stdout(predicate::str::contains("alice"))
        .stdout(predicate::str::contains("\u{1b}").not());
}

#[test]
fn unknown_item_is_exit_2_and_writes_nothing() {
    let s = setup();
    golive(&s.journal)
        .arg("sign")
        .arg(&s.profile)
        .arg("ci-gren")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no item \"ci-gren\""))
        .stderr(predicate::str::contains("did you mean \"ci-green\""));
    assert!(!s.journal.exists());
}

#[test]
fn automated_items_are_refused_unless_waived() {
    let s = setup();
    golive(&s.journal)
        .arg("sign")
        .arg(&s.profile)
        .arg("asset")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("automated"));
    golive(&s.journal)
        .env("GOLIVE_OPERATOR", "bob")
        .arg("sign")
        .arg(&s.profile)
        .args(["asset", "--waive", "asset checked by hand on the host"])
        .assert()
        .success()
        .stdout(predicate::str::contains("waived t-30/asset"));
    let asset = status_json(&s);
    let asset = item(&asset, "asset");
    assert_eq!(asset["status"], "waived");
    assert_eq!(asset["by"], "bob");
    assert_eq!(asset["note"], "asset checked by hand on the host");
}

#[test]
fn a_later_sign_off_from_another_operator_wins() {
    let s = setup();
    for (who, args) in [
        ("alice", vec!["smoke", "--waive", "no time"]),
        ("carol", vec!["smoke", "--note", "done after all"]),
    ] {
        golive(&s.journal)
            .args(["--operator", who, "sign"])
            .arg(&s.profile)
            .args(args)
            .assert()
            .success();
    }
    let doc = status_json(&s);
    let smoke = item(&doc, "smoke");
    assert_eq!(smoke["status"], "signed");
    assert_eq!(smoke["by"], "carol");
    assert_eq!(smoke["note"], "done after all");
}

#[test]
fn the_login_name_is_the_default_operator() {
    let s = setup();
    golive(&s.journal)
        .env("USER", "dave")
        .arg("sign")
        .arg(&s.profile)
        .arg("ci-green")
        .assert()
        .success()
        .stdout(predicate::str::contains("as dave"));
    assert_eq!(item(&status_json(&s), "ci-green")["by"], "dave");
}

#[test]
fn secrets_typed_into_a_note_are_masked_everywhere() {
    let s = setup();
    golive(&s.journal)
        .args(["--operator", "alice", "sign"])
        .arg(&s.profile)
        .args(["ci-green", "--note", "used s3cr3t-t0ken to test"])
        .assert()
        .success()
        .stdout(predicate::str::contains("s3cr3t").not())
        .stdout(predicate::str::contains("used •••• to test"));
    let bytes = std::fs::read_to_string(&s.journal).unwrap();
    assert!(!bytes.contains("s3cr3t"), "{bytes}");
    assert_eq!(
        item(&status_json(&s), "ci-green")["note"],
        "used •••• to test"
    );
}

#[test]
fn golive_journal_env_selects_the_journal() {
    let s = setup();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_golive"));
    cmd.env_remove("GOLIVE_OPERATOR")
        .env("GOLIVE_JOURNAL", &s.journal)
        .env("GOLIVE_TEST_API_TOKEN", "x")
        .args(["--operator", "erin", "sign"])
        .arg(&s.profile)
        .arg("smoke")
        .assert()
        .success();
    let text = std::fs::read_to_string(&s.journal).unwrap();
    // The sign-off and the evidence of what erin could see when signing.
    let kinds: Vec<&str> = text
        .lines()
        .map(|l| {
            if l.contains("\"kind\":\"sign_off\"") {
                "sign_off"
            } else if l.contains("\"kind\":\"evidence\"") {
                "evidence"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(kinds, ["sign_off", "evidence"], "{text}");
    assert!(text.contains("\"operator\":\"erin\""), "{text}");
}

#[test]
fn status_shows_the_last_check_result_journalled_by_check() {
    let s = setup();
    golive(&s.journal)
        .args(["--operator", "ci", "check"])
        .arg(&s.profile)
        .args(["--phase", "t-30"])
        .assert()
        .success();
    let doc = status_json(&s);
    let asset = item(&doc, "asset");
    assert_eq!(asset["status"], "pass");
    assert_eq!(asset["by"], "ci");
    assert!(
        asset["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{asset}"
    );
    // A manual item is not something `check` can settle.
    assert_eq!(item(&doc, "ci-green")["status"], "manual");
}

#[test]
fn the_default_journal_lives_in_the_data_dir_keyed_by_release() {
    let s = setup();
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_golive"));
    cmd.env_remove("GOLIVE_JOURNAL")
        .env("XDG_DATA_HOME", data.path())
        .env("GOLIVE_TEST_API_TOKEN", "x")
        .args(["--operator", "fay", "sign"])
        .arg(&s.profile)
        .arg("ci-green")
        .assert()
        .success();
    let expected = data
        .path()
        .join("golive")
        .join("journals")
        .join("ai-service-v1.2.0.jsonl");
    let text = std::fs::read_to_string(&expected).unwrap();
    assert!(text.contains("\"operator\":\"fay\""), "{text}");
}

#[test]
fn an_open_watcher_sees_a_sign_off_from_another_shell() {
    let s = setup();
    // The journal exists before the "cockpit" starts following it.
    golive(&s.journal)
        .args(["--operator", "alice", "sign"])
        .arg(&s.profile)
        .arg("smoke")
        .assert()
        .success();
    let start = golive::io::journal::read(&s.journal).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let task = golive::io::journal::JournalWatcher::new(&s.journal)
            .from_offset(start.offset)
            .spawn(tx);
        let mut sign = tokio::process::Command::from({
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_golive"));
            cmd.env_remove("GOLIVE_JOURNAL")
                .env("GOLIVE_TEST_API_TOKEN", "x")
                .arg("--journal")
                .arg(&s.journal)
                .args(["--operator", "bob", "sign"])
                .arg(&s.profile)
                .args(["ci-green", "--note", "from the other shell"])
                .stdout(std::process::Stdio::null());
            cmd
        });
        let status = sign.kill_on_drop(true).status().await.unwrap();
        assert!(status.success());
        // The watcher promises a second; allow a margin for a loaded machine.
        let record = tokio::time::timeout(Duration::from_secs(3), rx.recv())
            .await
            .expect("the sign-off did not reach the watcher in time")
            .unwrap();
        assert_eq!(record.operator, "bob");
        assert_eq!(
            record.event,
            golive::engine::record::Event::SignOff {
                item: "ci-green".into(),
                note: Some("from the other shell".into()),
            }
        );
        drop(rx);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
    });
}
