//! `golive act profiles/demo.toml rollback --yes` against the demo service
//! (`golive demo --serve-only`, real loopback HTTP): the engine's recovery
//! rule re-runs the verify items as the checklist runs them (the `ready`
//! item's 2 s hold included), so the rollback is verified and `act` exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const GOLIVE: &str = env!("CARGO_BIN_EXE_golive");

struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn act_rollback_on_the_demo_recovers_and_exits_0() {
    let mut child = Serving(
        Command::new(GOLIVE)
            .args(["demo", "--serve-only", "--speed", "10"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut env = Vec::new();
    for (name, var) in [
        ("baseline", "DEMO_BASELINE_URL"),
        ("canary-1", "DEMO_CANARY_1_URL"),
        ("canary-2", "DEMO_CANARY_2_URL"),
        ("control", "DEMO_CONTROL_URL"),
    ] {
        let line = lines.next().unwrap().unwrap();
        let (got, url) = line.split_once(' ').unwrap();
        assert_eq!(got, name);
        env.push((var, url.to_string()));
    }
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let out = assert_cmd::Command::cargo_bin("golive")
        .unwrap()
        .args([
            "act",
            "profiles/demo.toml",
            "rollback",
            "--yes",
            "--operator",
            "alice",
        ])
        .arg("--journal")
        .arg(&journal)
        .envs(env)
        .env("DEMO_GOLIVE", GOLIVE)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("recovered in"), "{stdout}");
    let records = golive::io::journal::read(&journal).unwrap().records;
    let verified: Vec<_> = records
        .iter()
        .filter(|r| matches!(r.event, golive::engine::record::Event::Verified { .. }))
        .collect();
    assert_eq!(verified.len(), 1, "verified once: {records:?}");
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.contains(r#""recovered":true"#), "{text}");
    assert!(text.contains(r#""time_to_recovery_ms""#), "{text}");
    assert!(text.contains(r#""state":"recovered""#), "{text}");
}
