//! The binaries `golive act` and `golive logs` on real profile files:
//! confirmation refused without `--yes`, a dry run masking a secret taken
//! from the environment, and `golive logs` streaming a file source until
//! SIGTERM ends it cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "tok-31337-from-env";

fn write_profile(dir: &Path, marker: &Path, log: &Path) -> std::path::PathBuf {
    let path = dir.join("p.toml");
    std::fs::write(
        &path,
        format!(
            r#"[service]
name = "svc"
version = "v2"

[settings]
secrets = ["DEPLOY_TOKEN"]

[[logs]]
id = "app"
file = "{log}"

[actions.rollback]
command = ["sh", "-c", "touch \"$1\"; echo \"deployed with $2\"", "sh", "{marker}", "--token=${{DEPLOY_TOKEN}}"]
"#,
            log = log.display(),
            marker = marker.display()
        ),
    )
    .unwrap();
    path
}

fn golive() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("golive").unwrap()
}

#[test]
fn act_refuses_without_yes_and_dry_run_masks_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let journal = dir.path().join("j.jsonl");
    let profile = write_profile(dir.path(), &marker, &dir.path().join("app.log"));

    let out = golive()
        .arg("act")
        .arg(&profile)
        .arg("rollback")
        .env("DEPLOY_TOKEN", SECRET)
        .env("GOLIVE_JOURNAL", &journal)
        .write_stdin("y\n")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(!marker.exists(), "the action ran without --yes");

    let out = golive()
        .arg("act")
        .arg(&profile)
        .arg("rollback")
        .arg("--dry-run")
        .env("DEPLOY_TOKEN", SECRET)
        .env("GOLIVE_JOURNAL", &journal)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(!marker.exists(), "a dry run changed something");
    assert!(stdout.contains("--token=••••"), "{stdout}");
    assert!(!stdout.contains(SECRET), "{stdout}");
    let journal_text = std::fs::read_to_string(&journal).unwrap();
    assert!(journal_text.contains("\"dry_run\":true"), "{journal_text}");
    assert!(!journal_text.contains(SECRET), "{journal_text}");

    let out = golive()
        .arg("act")
        .arg(&profile)
        .arg("rollback")
        .arg("--yes")
        .env("DEPLOY_TOKEN", SECRET)
        .env("GOLIVE_JOURNAL", &journal)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(marker.exists());
    assert!(stdout.contains("deployed with --token=••••"), "{stdout}");
    assert!(!stdout.contains(SECRET), "{stdout}");
    let journal_text = std::fs::read_to_string(&journal).unwrap();
    assert!(journal_text.contains("action_finished"), "{journal_text}");
    assert!(!journal_text.contains(SECRET), "{journal_text}");
}

#[test]
fn logs_streams_a_file_and_ends_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "").unwrap();
    let profile = write_profile(dir.path(), &dir.path().join("unused"), &log);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("golive"))
        .arg("logs")
        .arg(&profile)
        .args(["--grep", "ERROR|ready"])
        .env("DEPLOY_TOKEN", SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Keep appending until the follower (started at some point) shows a line.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    let mut n = 0;
    while !got.iter().any(|l: &String| l.contains("ERROR boom")) {
        assert!(Instant::now() < deadline, "no line arrived: {got:?}");
        n += 1;
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        writeln!(f, "INFO filtered {n}\nERROR boom {n} \x1b]0;title\x07").unwrap();
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(300)) {
            got.push(line);
        }
    }
    // SAFETY: signalling our own child by its pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("golive logs did not end on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
        got.push(line);
    }
    assert!(got.iter().all(|l| !l.contains("filtered")), "{got:?}");
    assert!(got.iter().all(|l| !l.contains('\u{1b}')), "{got:?}");
    assert!(got.iter().any(|l| l.contains(" app ERROR boom")), "{got:?}");
}
