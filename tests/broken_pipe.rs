//! Headless faces piped into a reader that leaves early (`| head -1`): the
//! real binary with its stdout a pipe whose read end the test closes. Output
//! ends quietly (no error report, no backtrace on stderr), the work still
//! happens (a rollback is journalled as recovered) and the exit code is the
//! one the work earned, not the usage code 2.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn write_profile(dir: &Path, log: &Path) -> PathBuf {
    let path = dir.join("p.toml");
    std::fs::write(
        &path,
        format!(
            r#"[service]
name = "svc"
version = "v2"
previous = "v1"

[settings]
poll_interval = "100ms"

[[logs]]
id = "app"
file = "{log}"

[[phase]]
id = "post"
title = "Post-launch"

  [[phase.item]]
  id = "up"
  title = "The service answers"
  check = {{ command = ["true"] }}

  [[phase.item]]
  id = "broken"
  title = "Something that fails"
  check = {{ command = ["false"] }}

[actions.rollback]
command = ["sh", "-c", "echo first; sleep 1; echo second; echo third"]
verify = ["up"]
"#,
            log = log.display()
        ),
    )
    .unwrap();
    path
}

fn golive(dir: &Path, args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("golive"))
        .args(args)
        .env("GOLIVE_JOURNAL", dir.join("journal.jsonl"))
        .env("GOLIVE_OPERATOR", "ops")
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (bounded) for the child; its stderr must carry no report.
fn finish(mut child: Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not end after its reader left");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    for noise in [
        "Broken pipe",
        "Error:",
        "Location:",
        "panicked",
        "Backtrace",
    ] {
        assert!(
            !stderr.contains(noise),
            "{what} printed {noise:?}:\n{stderr}"
        );
    }
    status
}

/// Reads the first line, as `head -1` does, then closes the pipe.
fn head_one(child: &mut Child) -> String {
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    line
}

#[test]
fn act_piped_into_head_still_rolls_back_journals_and_exits_with_the_actions_code() {
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(dir.path(), &dir.path().join("app.log"));
    let mut child = golive(
        dir.path(),
        &["act", profile.to_str().unwrap(), "rollback", "--yes"],
    );
    let first = head_one(&mut child);
    assert!(first.contains("first"), "{first:?}");
    let status = finish(child, "act");
    assert_eq!(status.code(), Some(0), "rollback ran and recovered");
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let found = |kind: &str| {
        records
            .iter()
            .find(|r| r.to_string().contains(&format!("\"kind\":\"{kind}\"")))
            .cloned()
    };
    let finished = found("action_finished").expect("the action's end is journalled");
    assert!(finished.to_string().contains("third"), "{finished}");
    let verified = found("verified").expect("the recovery is journalled");
    assert!(
        verified.to_string().contains("\"recovered\":true"),
        "{verified}"
    );
}

#[test]
fn check_and_status_with_a_closed_stdout_end_quietly_with_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(dir.path(), &dir.path().join("app.log"));
    let p = profile.to_str().unwrap();
    for (args, want) in [
        (vec!["check", p], 1),
        (vec!["check", p, "--format", "json"], 1),
        (vec!["status", p], 0),
    ] {
        let mut child = golive(dir.path(), &args);
        drop(child.stdout.take());
        let status = finish(child, &args.join(" "));
        assert_eq!(status.code(), Some(want), "{args:?}");
    }
}

#[test]
fn logs_ends_by_itself_when_its_reader_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "").unwrap();
    let profile = write_profile(dir.path(), &log);
    let mut child = golive(dir.path(), &["logs", profile.to_str().unwrap()]);
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
        // Dropping the reader closes the pipe, as `head -1` exiting does.
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut n = 0;
    loop {
        assert!(Instant::now() < deadline, "golive logs printed nothing");
        n += 1;
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        writeln!(f, "line {n}").unwrap();
        if rx.recv_timeout(Duration::from_millis(200)).is_ok() {
            break;
        }
    }
    reader.join().unwrap();
    // Lines keep coming; the follower must notice its reader is gone.
    let feeder = std::thread::spawn(move || {
        for i in 0..100 {
            let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(&log) else {
                return;
            };
            let _ = writeln!(f, "more {i}");
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let status = finish(child, "logs");
    assert_eq!(status.code(), Some(0));
    let _ = feeder.join();
}
