//! The `kubernetes` target end to end through the binary: checks read a
//! rollout (progressing with two ReplicaSets and mixed versions, complete,
//! stuck on ProgressDeadlineExceeded), a rehearsal finds the revision an
//! undo returns to, `golive act` undoes a rollout and journals it, and
//! `golive logs` follows the deployment's pods, each line prefixed by its
//! pod.
//!
//! No Kubernetes API server can run on this machine (Debian ships no
//! server, and no image can be pulled), so a stand-in `kubectl` shell
//! script on PATH prints List JSON of the documented shapes (apps/v1
//! Deployment and ReplicaSet, v1 Pod) from a file the test changes over
//! time, answers `rollout undo`/`rollout status` as kubectl words them,
//! prints `kubectl logs --prefix --timestamps` lines, and records every
//! argv it was called with.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SCOPE: &str = "-n prod --context kind-prod";

/// A temp dir with the stand-in on a PATH of its own.
struct Cluster {
    dir: tempfile::TempDir,
}

impl Cluster {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let d = dir.path().display();
        // `get` prints the current List (or fails as kubectl does when
        // `fail` holds its stderr); `rollout undo` makes the undone state
        // current; `rollout status` fails as kubectl does on a passed
        // progress deadline when `stuck` exists; `logs` prints its lines and
        // keeps following.
        let script = format!(
            r#"#!/bin/sh
echo "$@" >> {d}/argv
if [ -f {d}/fail ]; then cat {d}/fail >&2; exit 1; fi
case "$1 $2" in
  "get deployment,replicaset,pod") cat {d}/list.json ;;
  "rollout undo") cp {d}/undone.json {d}/list.json; echo "deployment.apps/api rolled back" ;;
  "rollout status")
    if [ -f {d}/stuck ]; then echo 'error: deployment "api" exceeded its progress deadline' >&2; exit 1; fi
    echo 'deployment "api" successfully rolled out' ;;
  logs*) cat {d}/logs.txt; exec sleep 20 ;;
  *) echo "error: unknown command \"$1\" for \"kubectl\"" >&2; exit 1 ;;
esac
"#
        );
        let path = bin.join("kubectl");
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn set(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }

    fn env_path(&self) -> String {
        format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap()
        )
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("argv"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn profile(&self) -> PathBuf {
        let path = self.path("profile.toml");
        std::fs::write(&path, PROFILE).unwrap();
        path
    }

    fn golive(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("golive").unwrap();
        cmd.env("PATH", self.env_path())
            .env("GOLIVE_JOURNAL", self.path("journal.jsonl"))
            .timeout(Duration::from_secs(60));
        cmd
    }

    /// `golive check --format json`: the exit code and each item's status and detail.
    fn check(&self, phase: &str) -> (Option<i32>, Vec<(String, String, String)>) {
        let profile = self.profile();
        let out = self
            .golive()
            .args(["check", profile.to_str().unwrap(), "--format", "json"])
            .args(["--phase", phase])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let items = doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["id"].as_str().unwrap().to_string(),
                    i["status"].as_str().unwrap().to_string(),
                    i["detail"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        (out.status.code(), items)
    }
}

fn item<'a>(items: &'a [(String, String, String)], id: &str) -> (&'a str, &'a str) {
    let (_, status, detail) = items.iter().find(|(i, ..)| i == id).unwrap();
    (status.as_str(), detail.as_str())
}

const PROFILE: &str = r#"
[service]
name = "core-warmup"
version = "v2"
previous = "v1"

[[logs]]
kubernetes = { deployment = "api", namespace = "prod", context = "kind-prod" }

[[phase]]
id = "rollout"

  [[phase.item]]
  id = "two-versions"
  check = { kubernetes = { deployment = "api", namespace = "prod", context = "kind-prod" }, conditions = ["[VERSIONS] == 2", "[ROLLOUT_STATE] == progressing"] }

  [[phase.item]]
  id = "rolled-out"
  check = { kubernetes = { deployment = "api", namespace = "prod", context = "kind-prod" } }

  [[phase.item]]
  id = "not-stuck"
  check = { kubernetes = { deployment = "api", namespace = "prod", context = "kind-prod" }, conditions = ["[ROLLOUT_STATE] != stuck", "[READY] >= 1"] }

[[phase]]
id = "t-30"

  [[phase.item]]
  id = "undo-rehearsed"
  check = { rehearse = "rollback" }

[actions.rollback]
kubernetes = { deployment = "api", namespace = "prod", context = "kind-prod", rollback = true }
timeout = "30s"
"#;

/// A Deployment as apps/v1 prints it.
fn deployment(
    image: &str,
    revision: u64,
    counts: (u64, u64, u64),
    progress: (&str, &str),
) -> String {
    let (ready, updated, available) = counts;
    let (status, reason) = progress;
    let message = match reason {
        "ProgressDeadlineExceeded" => r#"ReplicaSet \"api-7d9f\" has timed out progressing."#,
        "NewReplicaSetAvailable" => r#"ReplicaSet \"api-7d9f\" has successfully progressed."#,
        _ => r#"ReplicaSet \"api-7d9f\" is progressing."#,
    };
    format!(
        r#"{{"apiVersion":"apps/v1","kind":"Deployment",
  "metadata":{{"name":"api","namespace":"prod","uid":"dep-api","generation":7,
    "annotations":{{"deployment.kubernetes.io/revision":"{revision}"}}}},
  "spec":{{"replicas":3,"selector":{{"matchLabels":{{"app":"api","tier":"web"}}}},
    "template":{{"metadata":{{"labels":{{"app":"api","tier":"web"}}}},
      "spec":{{"containers":[{{"name":"api","image":"{image}"}}]}}}}}},
  "status":{{"observedGeneration":7,"replicas":3,"updatedReplicas":{updated},
    "readyReplicas":{ready},"availableReplicas":{available},
    "conditions":[
      {{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"}},
      {{"type":"Progressing","status":"{status}","reason":"{reason}","message":"{message}"}}]}}}}"#
    )
}

/// A ReplicaSet the deployment owns.
fn replica_set(name: &str, revision: u64, image: &str, replicas: u64) -> String {
    format!(
        r#"{{"apiVersion":"apps/v1","kind":"ReplicaSet",
  "metadata":{{"name":"{name}","namespace":"prod","uid":"rs-{name}",
    "annotations":{{"deployment.kubernetes.io/revision":"{revision}"}},
    "ownerReferences":[{{"apiVersion":"apps/v1","kind":"Deployment","name":"api","uid":"dep-api","controller":true}}]}},
  "spec":{{"replicas":{replicas},"template":{{"spec":{{"containers":[{{"name":"api","image":"{image}"}}]}}}}}},
  "status":{{"replicas":{replicas},"readyReplicas":{replicas},"availableReplicas":{replicas}}}}}"#
    )
}

/// A Pod one of those ReplicaSets owns.
fn pod(name: &str, rs: &str, image: &str, ready: bool) -> String {
    let r = if ready { "True" } else { "False" };
    format!(
        r#"{{"apiVersion":"v1","kind":"Pod",
  "metadata":{{"name":"{name}","namespace":"prod","labels":{{"app":"api","tier":"web"}},
    "ownerReferences":[{{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"{rs}","uid":"rs-{rs}","controller":true}}]}},
  "spec":{{"nodeName":"node-1","containers":[{{"name":"api","image":"{image}"}}]}},
  "status":{{"phase":"Running","conditions":[{{"type":"Ready","status":"{r}"}}],
    "containerStatuses":[{{"name":"api","ready":{ready},"restartCount":0,"image":"{image}","state":{{"running":{{}}}}}}]}}}}"#
    )
}

fn list(items: &[String]) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"List","metadata":{{"resourceVersion":""}},"items":[{}]}}"#,
        items.join(",")
    )
}

/// Revision 5 (api:v2) rolling out over revision 4 (api:v1): one new pod.
fn progressing() -> String {
    list(&[
        deployment("api:v2", 5, (2, 1, 2), ("True", "ReplicaSetUpdated")),
        replica_set("api-6b8d", 4, "api:v1", 2),
        replica_set("api-7d9f", 5, "api:v2", 1),
        pod("api-6b8d-x1", "api-6b8d", "api:v1", true),
        pod("api-6b8d-x2", "api-6b8d", "api:v1", true),
        pod("api-7d9f-abc", "api-7d9f", "api:v2", false),
    ])
}

/// Every replica on one image at `revision`, the other ReplicaSet scaled to 0.
fn settled(image: &str, revision: u64, progress: (&str, &str)) -> String {
    let (rs, other) = if image == "api:v2" {
        ("api-7d9f", "api-6b8d")
    } else {
        ("api-6b8d", "api-7d9f")
    };
    list(&[
        deployment(image, revision, (3, 3, 3), progress),
        replica_set(rs, revision, image, 3),
        replica_set(other, revision - 1, "api:other", 0),
        pod(&format!("{rs}-a"), rs, image, true),
        pod(&format!("{rs}-b"), rs, image, true),
        pod(&format!("{rs}-c"), rs, image, true),
    ])
}

#[test]
fn checks_read_a_rollout_progressing_complete_and_stuck() {
    let k = Cluster::new();

    k.set("list.json", &progressing());
    let (code, items) = k.check("rollout");
    assert_eq!(code, Some(1), "{items:#?}");
    let (status, detail) = item(&items, "two-versions");
    assert_eq!(status, "pass", "{detail}");
    assert!(
        detail.contains("2 versions (mixed: api:v1, api:v2)"),
        "{detail}"
    );
    let (status, detail) = item(&items, "rolled-out");
    assert_eq!(status, "fail", "{detail}");
    assert!(detail.contains("rollout progressing"), "{detail}");
    assert_eq!(item(&items, "not-stuck").0, "pass");

    k.set(
        "list.json",
        &settled("api:v2", 5, ("True", "NewReplicaSetAvailable")),
    );
    let (code, items) = k.check("rollout");
    let (status, detail) = item(&items, "rolled-out");
    assert_eq!(status, "pass", "{detail}");
    assert!(
        detail.contains("3/3 ready") && detail.contains("rollout complete"),
        "{detail}"
    );
    let (status, detail) = item(&items, "two-versions");
    assert_eq!(status, "fail", "{detail}");
    assert!(detail.contains("[VERSIONS]"), "{detail}");
    assert_eq!(code, Some(1));

    k.set(
        "list.json",
        &settled("api:v2", 5, ("False", "ProgressDeadlineExceeded")),
    );
    let (_, items) = k.check("rollout");
    let (status, detail) = item(&items, "not-stuck");
    assert_eq!(status, "fail", "{detail}");
    assert!(
        detail.contains("rollout stuck: ProgressDeadlineExceeded")
            && detail.contains("has timed out progressing"),
        "{detail}"
    );
    assert_eq!(item(&items, "rolled-out").0, "fail");

    k.set("fail", "error: context \"kind-prod\" does not exist\n");
    let (_, items) = k.check("rollout");
    let (status, detail) = item(&items, "rolled-out");
    assert_eq!(status, "fail");
    assert!(
        detail.starts_with("kubectl exited 1: error: context \"kind-prod\" does not exist"),
        "{detail}"
    );

    // Looks only (the log source's follower runs beside the checks, as in
    // every face), each scoped to the target.
    let gets = format!("get deployment,replicaset,pod {SCOPE} -o json");
    let calls = k.calls();
    assert!(calls.contains(&gets), "{calls:#?}");
    assert!(
        calls
            .iter()
            .all(|c| *c == gets || (c.starts_with("logs -f ") && c.ends_with(SCOPE))),
        "{calls:#?}"
    );
}

#[test]
fn a_rehearsal_needs_a_revision_to_undo_to() {
    let k = Cluster::new();
    k.set("list.json", &progressing());
    let (code, items) = k.check("t-30");
    let (status, detail) = item(&items, "undo-rehearsed");
    assert_eq!((code, status), (Some(0), "pass"), "{detail}");
    assert!(
        detail.contains(&format!("kubectl rollout undo deployment/api {SCOPE}")),
        "{detail}"
    );

    let first = list(&[
        deployment("api:v2", 1, (3, 3, 3), ("True", "NewReplicaSetAvailable")),
        replica_set("api-7d9f", 1, "api:v2", 3),
    ]);
    k.set("list.json", &first);
    let (code, items) = k.check("t-30");
    let (status, detail) = item(&items, "undo-rehearsed");
    assert_eq!((code, status), (Some(1), "fail"), "{detail}");
    assert!(
        detail.ends_with(
            "deployment: prod/api@kind-prod has no previous revision to undo to (only revision 1)"
        ),
        "{detail}"
    );

    // A missing kubectl is named as such.
    let profile = k.profile();
    let out = assert_cmd::Command::cargo_bin("golive")
        .unwrap()
        .env("PATH", "/nonexistent")
        .env("GOLIVE_JOURNAL", k.path("journal.jsonl"))
        .args(["check", profile.to_str().unwrap(), "--format", "json"])
        .args(["--phase", "t-30"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let detail = doc["items"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("`kubectl` is not on PATH"), "{detail}");
}

#[test]
fn an_undo_runs_kubectl_waits_for_the_rollout_and_is_journalled() {
    let k = Cluster::new();
    k.set(
        "list.json",
        &settled("api:v2", 5, ("True", "NewReplicaSetAvailable")),
    );
    k.set(
        "undone.json",
        &settled("api:v1", 6, ("True", "NewReplicaSetAvailable")),
    );
    let profile = k.profile();
    let out = k
        .golive()
        .arg("act")
        .arg(&profile)
        .args(["rollback", "--yes"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("deployment.apps/api rolled back"),
        "{stdout}"
    );

    let calls = k.calls();
    let undo = format!("rollout undo deployment/api {SCOPE}");
    let wait = format!("rollout status deployment/api {SCOPE} --timeout=");
    let at = |want: &str| {
        calls
            .iter()
            .position(|c| c.starts_with(want))
            .unwrap_or_else(|| panic!("no `{want}` in {calls:#?}"))
    };
    assert!(
        at(&undo) < at(&wait),
        "the wait follows the undo: {calls:#?}"
    );

    let journal = std::fs::read_to_string(k.path("journal.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let started = records
        .iter()
        .find(|r| r["kind"] == "action_started" && r["action"] == "rollback")
        .unwrap_or_else(|| panic!("{journal}"));
    assert!(
        started
            .to_string()
            .contains("kubectl rollout undo deployment/api"),
        "{started}"
    );
    let finished = records
        .iter()
        .find(|r| r["kind"] == "action_finished" && r["action"] == "rollback")
        .unwrap_or_else(|| panic!("{journal}"));
    assert_eq!(finished["exit_code"], 0, "{finished}");
    let output = finished["output"].as_str().unwrap();
    assert!(
        output.contains("prod/api@kind-prod: revision 5 (api:v2) -> revision 6 (api:v1)"),
        "the record keeps what kubectl does not: {output}"
    );

    // An undo whose rollout does not finish fails with kubectl's words.
    k.set("stuck", "");
    let out = k
        .golive()
        .arg("act")
        .arg(&profile)
        .args(["rollback", "--yes"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_ne!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("exceeded its progress deadline"),
        "{stdout}"
    );
    let journal = std::fs::read_to_string(k.path("journal.jsonl")).unwrap();
    let last = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .rfind(|r| r["kind"] == "action_finished")
        .unwrap();
    assert_eq!(last["exit_code"], 1, "{last}");
}

#[test]
fn logs_follow_the_pods_prefixed_by_pod() {
    let k = Cluster::new();
    k.set("list.json", &progressing());
    // The cluster is out of reach when the follower starts.
    k.set(
        "fail",
        "error: You must be logged in to the server (Unauthorized)\n",
    );
    k.set(
        "logs.txt",
        "[pod/api-7d9f-abc/api] 2026-03-04T05:06:07.100000000Z serving v2\n\
         [pod/api-6b8d-x1/api] 2026-03-04T05:06:07.200000000Z serving v1\n",
    );
    let profile = k.profile();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("golive"))
        .arg("logs")
        .arg(&profile)
        .env("PATH", k.env_path())
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
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut got: Vec<String> = Vec::new();
    let read_until = |n: usize, got: &mut Vec<String>| {
        while got.len() < n {
            assert!(Instant::now() < deadline, "lines missing: {got:?}");
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                got.push(line);
            }
        }
    };
    read_until(1, &mut got);
    std::thread::sleep(Duration::from_millis(1500));
    std::fs::remove_file(k.path("fail")).unwrap();
    read_until(4, &mut got);
    let outage = got.drain(..2).collect::<Vec<_>>();
    assert!(
        outage[0].ends_with(
            " api golive: kubectl exited 1: error: You must be logged in to the server (Unauthorized); retrying (back-off up to 10s)"
        ),
        "one line for the outage, however many retries: {outage:?}"
    );
    assert!(
        outage[1].ends_with(" api golive: prod/api@kind-prod readable again"),
        "{outage:?}"
    );
    // The rollout replaces the pods: the follower starts kubectl again from
    // the last line it showed, and shows only what it had not.
    k.set(
        "logs.txt",
        "[pod/api-7d9f-abc/api] 2026-03-04T05:06:07.100000000Z serving v2\n\
         [pod/api-6b8d-x1/api] 2026-03-04T05:06:07.200000000Z serving v1\n\
         [pod/api-7d9f-a/api] 2026-03-04T05:06:09.000000000Z serving v2 on a new pod\n",
    );
    k.set(
        "list.json",
        &settled("api:v2", 5, ("True", "NewReplicaSetAvailable")),
    );
    read_until(3, &mut got);
    // SAFETY: signalling our own child by its pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = wait(&mut child, Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
        got.push(line);
    }
    assert_eq!(
        got,
        vec![
            "2026-03-04T05:06:07.100Z api-7d9f-abc serving v2".to_string(),
            "2026-03-04T05:06:07.200Z api-6b8d-x1 serving v1".to_string(),
            "2026-03-04T05:06:09.000Z api-7d9f-a serving v2 on a new pod".to_string(),
        ]
    );
    let calls = k.calls();
    let follow = "logs -f --prefix --timestamps -l app=api,tier=web --all-containers";
    let follows: Vec<&String> = calls.iter().filter(|c| c.starts_with(follow)).collect();
    assert_eq!(
        follows.first().map(|c| c.as_str()),
        Some(format!("{follow} --max-log-requests=12 {SCOPE}").as_str()),
        "{calls:#?}"
    );
    assert_eq!(
        follows.get(1).map(|c| c.as_str()),
        Some(
            format!("{follow} --max-log-requests=12 --since-time=2026-03-04T05:06:07Z {SCOPE}")
                .as_str()
        ),
        "{calls:#?}"
    );
}

fn wait(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("golive logs did not end on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
