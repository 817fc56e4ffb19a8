//! `golive report` on a scripted release against the demo service (`golive
//! demo --serve-only`, real loopback HTTP): alice and bob sign, a gate breach
//! is journalled (as the cockpit's engine writes it), alice rolls back with
//! `golive act ... rollback --yes` and the demo recovers. The report holds
//! every event in all three formats, its KPIs are the journal's timestamps,
//! and the HTML carries its charts inline and fetches nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use golive::app::record::{Event, Record};

const GOLIVE: &str = env!("CARGO_BIN_EXE_golive");

struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn golive(env: &[(&str, String)], journal: &Path, args: &[&str]) -> String {
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
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
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
    let demo = "profiles/demo.toml";
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
    // The breach as the cockpit's engine journals it when canary-errors trips.
    let breach = Record {
        at: chrono::Utc::now(),
        operator: "bob".into(),
        service: "ai-service".into(),
        version: "v1.2.0".into(),
        event: Event::GateBreach {
            gate: "canary-errors".into(),
            observed: "9.10% vs > 5.00%".into(),
            on_breach: "rollback".into(),
        },
    };
    let profile = golive::profile::load(Path::new(demo)).unwrap();
    let breach = Record {
        service: profile.service.name.clone(),
        version: profile.service.version.clone(),
        ..breach
    };
    golive::io::journal::Journal::open(&journal)
        .unwrap()
        .append(&breach, &profile.redactor)
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
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
    let decision = u64::try_from((started - breach.at).num_milliseconds()).unwrap();
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
        "canary-errors",
        "9.10% vs > 5.00%",
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
    for needle in ["pipeline #812", "9.10% vs &gt; 5.00%", "recovered in"] {
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
