//! `golive report` on a scripted release against the demo service (`golive
//! demo --serve-only`, real loopback HTTP): alice and bob sign, `golive check
//! --phase canary` watches the canary until the engine journals a real gate
//! breach (the demo's profile with 2 s `for`s), alice rolls back with
//! `golive act ... rollback --yes` and the demo recovers. The report holds
//! every event in all three formats, its KPIs are the journal's timestamps,
//! and the HTML carries its charts inline and fetches nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use golive::engine::record::Event;

const GOLIVE: &str = env!("CARGO_BIN_EXE_golive");

struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn golive(env: &[(&str, String)], journal: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = golive_exit(env, journal, args);
    assert_eq!(code, Some(0), "{args:?}\n{stdout}\n{stderr}");
    stdout
}

fn golive_exit(
    env: &[(&str, String)],
    journal: &Path,
    args: &[&str],
) -> (Option<i32>, String, String) {
    let out = assert_cmd::Command::cargo_bin("golive")
        .unwrap()
        .args(args)
        .arg("--journal")
        .arg(journal)
        .envs(env.iter().cloned())
        .env("DEMO_GOLIVE", GOLIVE)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_scripted_release_reports_every_event_in_md_html_and_json() {
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
    for var in [
        "DEMO_BASELINE_URL",
        "DEMO_CANARY_1_URL",
        "DEMO_CANARY_2_URL",
        "DEMO_CONTROL_URL",
    ] {
        let line = lines.next().unwrap().unwrap();
        let (_, url) = line.split_once(' ').unwrap();
        env.push((var, url.to_string()));
    }
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    // The demo's own profile, its gates quick to trip: the regression
    // (6 s in at speed 10) breaches a gate 2 s later.
    let demo_profile = dir.path().join("demo.toml");
    let text = std::fs::read_to_string("profiles/demo.toml").unwrap();
    assert!(text.contains("for = \"30s\""));
    std::fs::write(&demo_profile, text.replace("for = \"30s\"", "for = \"2s\"")).unwrap();
    let demo = demo_profile.to_str().unwrap();
    golive(
        &env,
        &journal,
        &[
            "sign",
            demo,
            "ci-green",
            "--note",
            "pipeline #812",
            "--operator",
            "alice",
        ],
    );
    golive(
        &env,
        &journal,
        &["sign", demo, "on-call", "--operator", "bob"],
    );
    let (code, checked, stderr) = golive_exit(
        &env,
        &journal,
        &["check", demo, "--phase", "canary", "--timeout", "60s"],
    );
    assert_eq!(
        code,
        Some(1),
        "the breach fails the check:\n{checked}\n{stderr}"
    );
    let records = golive::io::journal::read(&journal).unwrap().records;
    // Whichever gate the regression trips first (latency or errors).
    let (breach_at, gate, observed) = records
        .iter()
        .find_map(|r| match &r.event {
            Event::GateBreach { gate, observed, .. } => {
                Some((r.at, gate.clone(), observed.clone()))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no gate breach journalled:\n{checked}"));
    let acted = golive(
        &env,
        &journal,
        &["act", demo, "rollback", "--yes", "--operator", "alice"],
    );
    assert!(acted.contains("recovered in"), "{acted}");

    let records = golive::io::journal::read(&journal).unwrap().records;
    let at = |f: &dyn Fn(&Event) -> bool| records.iter().find(|r| f(&r.event)).unwrap().at;
    let started = at(&|e| matches!(e, Event::ActionStarted { dry_run: false, .. }));
    let ttr = records
        .iter()
        .find_map(|r| match &r.event {
            Event::Verified {
                time_to_recovery_ms,
                ..
            } => *time_to_recovery_ms,
            _ => None,
        })
        .unwrap();

    let json = golive(&env, &journal, &["report", demo, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let kpi = |key: &str| {
        doc["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == key)
            .unwrap()
            .clone()
    };
    let decision = u64::try_from((started - breach_at).num_milliseconds()).unwrap();
    assert_eq!(kpi("decision")["value"], decision, "{doc}");
    assert_eq!(kpi("recovery")["value"], ttr, "{doc}");
    assert_eq!(kpi("signoffs")["value"], 2);
    assert_eq!(doc["participants"], serde_json::json!(["alice", "bob"]));
    assert_eq!(doc["lifecycle"]["stage"], "recovered");
    let kinds: Vec<&str> = doc["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "sign-off",
        "breach",
        "action",
        "action end",
        "recovery",
        "lifecycle",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let signed = doc["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "sign-off")
        .unwrap();
    assert!(
        signed["evidence"].is_object(),
        "evidence at sign-off: {signed}"
    );

    let md_path = dir.path().join("release.md");
    golive(
        &env,
        &journal,
        &["report", demo, "--out", md_path.to_str().unwrap()],
    );
    let md = std::fs::read_to_string(&md_path).unwrap();
    for needle in [
        "pipeline #812",
        gate.as_str(),
        observed.as_str(),
        "rollback",
        "recovered in",
        "| sign-off |",
    ] {
        assert!(md.contains(needle), "{needle} in:\n{md}");
    }
    for chart in ["release-latency.svg", "release-errors.svg"] {
        assert!(md.contains(&format!("]({chart})")), "{md}");
        let svg = std::fs::read_to_string(dir.path().join(chart)).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
    }

    let html = golive(&env, &journal, &["report", demo, "--format", "html"]);
    assert!(html.matches("<svg").count() >= 2, "{html}");
    let observed_html = observed.replace('>', "&gt;").replace('<', "&lt;");
    for needle in ["pipeline #812", observed_html.as_str(), "recovered in"] {
        assert!(html.contains(needle), "{needle}");
    }
    assert!(!html.contains("<script"));
    for attr in ["src=", "href="] {
        for (i, _) in html.match_indices(attr) {
            let value = &html[i + attr.len()..];
            let value = value.trim_start_matches(['"', '\'']);
            assert!(
                value.starts_with('#') || value.starts_with("data:"),
                "fetches {}",
                &value[..value.len().min(60)]
            );
        }
    }
}
