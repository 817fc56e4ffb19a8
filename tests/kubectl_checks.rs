//! A Kubernetes rollout read through `kubectl get deployment -o json` by a
//! command check with conditions. No Kubernetes API server can run on this
//! machine (Debian ships kubectl but no server, and no image can be
//! pulled), so a stand-in `kubectl` on PATH prints Deployment JSON of the
//! documented shape from a file the test changes over time, and records the
//! argv it was called with.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The Deployment as `kubectl get deployment api -o json` prints it.
fn deployment(updated: u32, available: u32, progressing_reason: &str) -> String {
    format!(
        r#"{{"apiVersion":"apps/v1","kind":"Deployment",
  "metadata":{{"name":"api","namespace":"prod","generation":7}},
  "spec":{{"replicas":3,"selector":{{"matchLabels":{{"app":"api"}}}}}},
  "status":{{"observedGeneration":7,"replicas":3,"updatedReplicas":{updated},
    "readyReplicas":{available},"availableReplicas":{available},
    "conditions":[
      {{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"}},
      {{"type":"Progressing","status":"True","reason":"{progressing_reason}"}}]}}}}"#
    )
}

fn stand_in(bin: &Path, state: &Path, argv_log: &Path) {
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> {}\ncat {}\n",
        argv_log.display(),
        state.display()
    );
    let path = bin.join("kubectl");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

const PROFILE: &str = r#"
[service]
name = "core-warmup"
version = "v2"

[[phase]]
id = "rollout"

  [[phase.item]]
  id = "rolled-out"
  check = { command = ["kubectl", "--context", "prod", "-n", "prod", "get", "deployment", "api", "-o", "json"], conditions = [
    "[BODY].status.observedGeneration >= [BODY].metadata.generation",
    "[BODY].status.updatedReplicas == [BODY].spec.replicas",
    "[BODY].status.availableReplicas == [BODY].spec.replicas",
    "[BODY].status.conditions[1].reason != ProgressDeadlineExceeded",
  ] }
"#;

#[test]
fn a_rollout_progresses_completes_or_is_stuck() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let state = dir.path().join("deployment.json");
    let argv_log = dir.path().join("argv");
    stand_in(&bin, &state, &argv_log);
    let profile = dir.path().join("profile.toml");
    std::fs::write(&profile, PROFILE).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let check = || {
        let out = assert_cmd::Command::cargo_bin("golive")
            .unwrap()
            .env("PATH", &path)
            .env("GOLIVE_JOURNAL", dir.path().join("journal.jsonl"))
            .args(["check", profile.to_str().unwrap(), "--format", "json"])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let item = doc["items"][0].clone();
        (
            out.status.code(),
            item["status"].as_str().unwrap().to_string(),
            item["detail"].as_str().unwrap().to_string(),
        )
    };

    std::fs::write(&state, deployment(1, 3, "ReplicaSetUpdated")).unwrap();
    let (code, status, detail) = check();
    assert_eq!((code, status.as_str()), (Some(1), "fail"), "{detail}");
    assert!(
        detail.contains("[BODY].status.updatedReplicas = 1"),
        "{detail}"
    );

    std::fs::write(&state, deployment(3, 3, "NewReplicaSetAvailable")).unwrap();
    let (code, status, detail) = check();
    assert_eq!((code, status.as_str()), (Some(0), "pass"), "{detail}");

    std::fs::write(&state, deployment(3, 3, "ProgressDeadlineExceeded")).unwrap();
    let (_, status, detail) = check();
    assert_eq!(status, "fail");
    assert!(detail.contains("ProgressDeadlineExceeded"), "{detail}");

    let calls = std::fs::read_to_string(&argv_log).unwrap();
    assert_eq!(calls.lines().count(), 3);
    assert!(
        calls
            .lines()
            .all(|l| l == "--context prod -n prod get deployment api -o json")
    );
}
