//! The journal's hash chain as an auditor meets it: journals written by the
//! real `golive sign`, then edited, cut, shuffled or forged by hand, and
//! `golive journal verify` and `golive status` run on them. Eight `golive
//! sign` processes writing at once must leave a chain that verifies.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use golive::io::journal::chain;
use serde_json::Value;

const PROFILE: &str = r#"
[service]
name = "chain-svc"
version = "v9"

[[phase]]
id = "t-30"
title = "Pre-launch"

  [[phase.item]]
  id = "ci"
  title = "CI green"

  [[phase.item]]
  id = "smoke"
  title = "Smoke test by hand"
"#;

struct Setup {
    dir: tempfile::TempDir,
    profile: PathBuf,
    journal: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("chain.toml");
    std::fs::write(&profile, PROFILE).unwrap();
    let journal = dir.path().join("release.jsonl");
    Setup {
        dir,
        profile,
        journal,
    }
}

/// The binary with nothing leaking in from the developer's shell.
fn golive() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_golive"));
    cmd.env_remove("GOLIVE_OPERATOR")
        .env_remove("GOLIVE_JOURNAL")
        .env("NO_COLOR", "1")
        .env("HOME", "/nonexistent-golive-chain-test");
    cmd
}

/// [`golive`] writing to and reading the setup's journal.
fn on_journal(s: &Setup) -> Command {
    let mut cmd = golive();
    cmd.arg("--journal").arg(&s.journal);
    cmd
}

fn sign(s: &Setup, operator: &str, note: &str) {
    on_journal(s)
        .args(["--operator", operator, "sign"])
        .arg(&s.profile)
        .args(["ci", "--note", note])
        .assert()
        .success();
}

/// Records one `golive sign` appends: the sign-off and the evidence record
/// of what the operator could see when signing.
const PER_SIGN: usize = 2;

/// A journal of `n` sign-offs by `golive sign`, notes `note-1` … `note-n`.
fn signed(n: usize) -> Setup {
    let s = setup();
    for i in 1..=n {
        // Two operators in turn: one operator signing again records nothing new.
        sign(
            &s,
            if i % 2 == 0 { "bob" } else { "alice" },
            &format!("note-{i}"),
        );
    }
    s
}

/// [`signed`], then the record at `index` (0-based) removed by hand.
fn signed_without(n: usize, index: usize) -> Setup {
    let s = signed(n);
    let mut all = lines(&s.journal);
    all.remove(index);
    write_lines(&s.journal, &all);
    s
}

/// `golive journal verify FILE`: exit code, stdout, stderr.
fn verify(path: &Path) -> (i32, String, String) {
    let out = golive()
        .args(["journal", "verify"])
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Asserts exit 1 and that the verdict names `line`; returns the verdict.
fn assert_broken_at(path: &Path, line: usize) -> String {
    let (code, out, err) = verify(path);
    assert_eq!(code, 1, "stdout: {out}\nstderr: {err}");
    assert!(
        out.contains(&format!("BROKEN at line {line}:")),
        "expected line {line}: {out}"
    );
    out
}

#[test]
fn an_intact_journal_verifies_with_its_record_count() {
    let s = signed(5);
    let (code, out, err) = verify(&s.journal);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("chain intact: {} records chained", 5 * PER_SIGN)),
        "{out}"
    );
    assert!(err.is_empty(), "{err}");
    // Every line opens with its link; the first names the genesis value.
    let lines = lines(&s.journal);
    assert!(lines[0].starts_with(&format!("{{\"prev\":\"{}\",", "0".repeat(64))));
    assert!(lines.iter().all(|l| l.starts_with("{\"prev\":\"")));
}

#[test]
fn one_byte_edited_in_a_middle_record_names_that_line() {
    let s = signed(5);
    let mut text = std::fs::read(&s.journal).unwrap();
    let at = text.windows(6).position(|w| w == b"note-3").unwrap();
    text[at + 5] = b'7';
    std::fs::write(&s.journal, text).unwrap();
    // note-3 is the third sign-off: line 5, after two sign-offs and their evidence.
    let out = assert_broken_at(&s.journal, 2 * PER_SIGN + 1);
    assert!(out.contains("changed"), "{out}");
}

#[test]
fn a_removed_record_is_named_at_the_gap() {
    let s = signed_without(5, 2);
    let out = assert_broken_at(&s.journal, 2);
    assert!(out.contains("removed") && out.contains("line 3"), "{out}");
}

#[test]
fn two_swapped_records_are_out_of_order() {
    let s = signed(5);
    let mut all = lines(&s.journal);
    all.swap(1, 2);
    write_lines(&s.journal, &all);
    let out = assert_broken_at(&s.journal, 2);
    assert!(out.contains("out of order"), "{out}");
}

/// A record as a golive from before the chain wrote it: no link.
fn unchained(minute: u32, operator: &str, item: &str) -> String {
    serde_json::json!({
        "at": format!("2026-11-22T19:{minute:02}:00Z"), "operator": operator,
        "service": "chain-svc", "version": "v9", "kind": "sign_off", "item": item
    })
    .to_string()
}

#[test]
fn a_forged_record_inserted_is_named() {
    let s = signed(4);
    let all = lines(&s.journal);
    let insert_as_line_3 = |forged: String| {
        let mut edited = all.clone();
        edited.insert(2, forged);
        write_lines(&s.journal, &edited);
        let out = assert_broken_at(&s.journal, 3);
        assert!(out.contains("inserted"), "{out}");
    };
    // A copy of line 2 by another operator: its link names line 1.
    let forged = all[1].replace("\"operator\":\"alice\"", "\"operator\":\"mallory\"");
    insert_as_line_3(forged.clone());
    // Linked right for where it is put: only the line after it can tell.
    let body = forged.split_once(',').unwrap().1;
    insert_as_line_3(format!(
        "{{\"prev\":\"{}\",{body}",
        chain::digest(all[1].as_bytes())
    ));
    // Without any link, as an old golive would have written it.
    insert_as_line_3(unchained(0, "mallory", "smoke"));
}

#[test]
fn a_torn_tail_is_torn_not_tampering_and_the_next_sign_off_chains_past_it() {
    let s = signed(3);
    let mut text = std::fs::read(&s.journal).unwrap();
    let last = lines(&s.journal).pop().unwrap();
    text.extend_from_slice(&last.as_bytes()[..last.len() / 2]);
    std::fs::write(&s.journal, &text).unwrap();
    let (code, out, err) = verify(&s.journal);
    assert_eq!(code, 0, "{out}{err}");
    let torn = format!("line {} is torn", 3 * PER_SIGN + 1);
    assert!(
        out.contains(&format!("{} records chained", 3 * PER_SIGN)),
        "{out}"
    );
    assert!(err.contains(&torn), "{err}");

    sign(&s, "carol", "after the power cut");
    let (code, out, err) = verify(&s.journal);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("{} records chained", 4 * PER_SIGN)),
        "{out}"
    );
    assert!(err.contains(&torn), "{err}");
}

#[test]
fn a_journal_from_before_the_chain_reads_as_unchained_and_new_records_chain_on() {
    let s = setup();
    let old: Vec<String> = (1..=2).map(|i| unchained(i, "alice", "ci")).collect();
    write_lines(&s.journal, &old);
    let (code, out, _) = verify(&s.journal);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 records chained, 2 unchained"), "{out}");

    sign(&s, "bob", "first chained");
    let (code, out, _) = verify(&s.journal);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("{PER_SIGN} records chained, 2 unchained")),
        "{out}"
    );
    // The old records still read, and status sees all three.
    let doc = status_json(&s);
    assert_eq!(doc["chain_broken"], Value::Null);
    assert_eq!(doc["items"][0]["by"], "bob");
}

fn status_json(s: &Setup) -> Value {
    let out = on_journal(s)
        .args(["status", "--format", "json"])
        .arg(&s.profile)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn status_warns_loudly_when_the_chain_is_broken() {
    let s = signed_without(4, 1);
    let out = on_journal(&s)
        .arg("status")
        .arg(&s.profile)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("JOURNAL CHAIN BROKEN at line 1:"),
        "{text}"
    );
    let doc = status_json(&s);
    assert_eq!(doc["chain_broken"]["line"], 1, "{doc}");
    assert!(
        doc["chain_broken"]["problem"]
            .as_str()
            .unwrap()
            .contains("removed")
    );
}

#[test]
fn the_journal_is_found_from_the_environment_or_the_profile() {
    let s = signed(2);
    golive()
        .env("GOLIVE_JOURNAL", &s.journal)
        .args(["journal", "verify"])
        .assert()
        .success()
        .stdout(predicates::str::contains(format!(
            "{} records chained",
            2 * PER_SIGN
        )));
    // --profile finds the data-dir journal of its release, as `sign` does.
    let home = s.dir.path().join("home");
    let mut cmd = golive();
    cmd.env("HOME", &home).env_remove("XDG_DATA_HOME");
    cmd.args(["--operator", "carol", "sign"])
        .arg(&s.profile)
        .arg("smoke")
        .assert()
        .success();
    let mut cmd = golive();
    cmd.env("HOME", &home).env_remove("XDG_DATA_HOME");
    cmd.args(["journal", "verify", "--profile"])
        .arg(&s.profile)
        .assert()
        .success()
        .stdout(predicates::str::contains("chain-svc-v9.jsonl"))
        .stdout(predicates::str::contains(format!(
            "{PER_SIGN} records chained"
        )));
    // Nothing to go on is a usage error.
    golive()
        .args(["journal", "verify"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("which journal?"));
}

#[test]
fn eight_concurrent_sign_processes_leave_a_chain_that_verifies() {
    let s = setup();
    let (writers, each) = (8, 6);
    std::thread::scope(|scope| {
        for w in 0..writers {
            let s = &s;
            scope.spawn(move || {
                for i in 0..each {
                    // One operator a sign-off: signing again the item one
                    // signed last records nothing new.
                    sign(s, &format!("op-{w}-{i}"), &format!("w{w}-{i}"));
                }
            });
        }
    });
    let (code, out, err) = verify(&s.journal);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("{} records chained", writers * each * PER_SIGN)),
        "{out}"
    );
    assert!(err.is_empty(), "{err}");
}
