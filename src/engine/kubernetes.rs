//! A Kubernetes deployment as the engine reads it: the JSON kubectl prints
//! for `kubectl get deployment,replicaset,pod -o json` (a `List` of
//! Deployment, ReplicaSet and Pod items) folded into one rollout state, and
//! every decision made from it, in one place: which ReplicaSets and pods
//! belong to the deployment (by ownerReferences, else by the selector's
//! labels), each ReplicaSet's revision, how many versions run
//! (`[VERSIONS]`, the mixed-version marker), whether the rollout is
//! progressing, complete or stuck, a kubernetes check's verdict, and the
//! kubectl argv every adapter runs. The adapter (`io::kubectl`) only runs
//! kubectl and hands the output here.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::checklist::{Checklist, ItemChange};
use super::health::HealthState;
use crate::model::condition::{FactMap, Verdict};
use crate::profile::{ActionKind, Check, KubeCheck, KubeOp, KubeTarget, LogKind, Profile};

/// The annotation the deployment controller numbers ReplicaSets with.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
/// The Progressing condition's reason once the progress deadline passed.
pub const DEADLINE_EXCEEDED: &str = "ProgressDeadlineExceeded";
/// The Progressing condition's reason once the new ReplicaSet is available.
pub const NEW_RS_AVAILABLE: &str = "NewReplicaSetAvailable";

/// One pod of the deployment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KubePod {
    pub name: String,
    /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`; `Terminating`
    /// once it is being deleted.
    pub phase: String,
    /// The pod's Ready condition is True.
    pub ready: bool,
    /// Restarts of all its containers.
    pub restarts: u64,
    /// Its containers' images, `, ` between them.
    pub image: String,
    /// The revision of the ReplicaSet it belongs to.
    pub revision: Option<u64>,
    pub node: String,
    /// Why a container is not running (`CrashLoopBackOff`, `ImagePullBackOff`).
    pub reason: Option<String>,
}

impl KubePod {
    /// A pod that counts towards the versions: not finished, not deleted.
    pub fn is_live(&self) -> bool {
        !matches!(self.phase.as_str(), "Succeeded" | "Failed" | "Terminating")
    }
}

/// One ReplicaSet of the deployment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KubeReplicaSet {
    pub name: String,
    pub revision: Option<u64>,
    pub image: String,
    pub desired: u64,
    pub ready: u64,
    pub available: u64,
}

/// Where a rollout is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RolloutState {
    Progressing,
    Complete,
    /// The progress deadline passed (`ProgressDeadlineExceeded`).
    Stuck,
}

impl RolloutState {
    pub fn name(self) -> &'static str {
        match self {
            RolloutState::Progressing => "progressing",
            RolloutState::Complete => "complete",
            RolloutState::Stuck => "stuck",
        }
    }
}

/// A deployment's state at one look; `error` says why there is none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KubeState {
    pub target: KubeTarget,
    pub generation: i64,
    pub observed_generation: i64,
    /// `spec.replicas`.
    pub desired: u64,
    pub ready: u64,
    pub updated: u64,
    pub available: u64,
    /// The pod template's images, `, ` between them.
    pub image: String,
    /// The deployment's current revision.
    pub revision: Option<u64>,
    /// The Progressing condition's reason and message.
    pub progress_reason: Option<String>,
    pub progress_message: Option<String>,
    /// `spec.selector.matchLabels`: what the logs follow.
    pub selector: BTreeMap<String, String>,
    /// Newest revision first.
    pub replica_sets: Vec<KubeReplicaSet>,
    pub pods: Vec<KubePod>,
    pub error: Option<String>,
}

fn text(v: &Json, path: &[&str]) -> Option<String> {
    walk(v, path).and_then(Json::as_str).map(str::to_string)
}

fn walk<'a>(v: &'a Json, path: &[&str]) -> Option<&'a Json> {
    path.iter().try_fold(v, |v, key| v.get(key))
}

fn count(v: &Json, path: &[&str]) -> u64 {
    walk(v, path).and_then(Json::as_u64).unwrap_or(0)
}

fn revision_of(v: &Json) -> Option<u64> {
    walk(v, &["metadata", "annotations", REVISION_ANNOTATION])
        .and_then(Json::as_str)
        .and_then(|r| r.parse().ok())
}

/// The distinct images of a pod spec's containers, as written.
fn images(spec: Option<&Json>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for c in spec
        .and_then(|s| s.get("containers"))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(image) = c.get("image").and_then(Json::as_str)
            && !out.contains(&image)
        {
            out.push(image);
        }
    }
    out.join(", ")
}

fn labels(v: &Json, path: &[&str]) -> BTreeMap<String, String> {
    walk(v, path)
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `item` names an owner of `kind` with this uid (or, when the
/// owner has no uid, this name).
fn owned_by(item: &Json, kind: &str, uid: Option<&str>, name: &str) -> bool {
    walk(item, &["metadata", "ownerReferences"])
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .any(|o| {
            o.get("kind").and_then(Json::as_str) == Some(kind)
                && match (uid, o.get("uid").and_then(Json::as_str)) {
                    (Some(want), Some(have)) => want == have,
                    _ => o.get("name").and_then(Json::as_str) == Some(name),
                }
        })
}

fn has_owner(item: &Json) -> bool {
    walk(item, &["metadata", "ownerReferences"])
        .and_then(Json::as_array)
        .is_some_and(|a| !a.is_empty())
}

fn pod_of(item: &Json, revision: Option<u64>) -> KubePod {
    let statuses = walk(item, &["status", "containerStatuses"])
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let ready = walk(item, &["status", "conditions"])
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .any(|c| {
            c.get("type").and_then(Json::as_str) == Some("Ready")
                && c.get("status").and_then(Json::as_str) == Some("True")
        });
    let reason = statuses.iter().find_map(|s| {
        ["waiting", "terminated"]
            .iter()
            .find_map(|k| text(s, &["state", k, "reason"]))
    });
    let deleting = walk(item, &["metadata", "deletionTimestamp"]).is_some_and(|d| !d.is_null());
    KubePod {
        name: text(item, &["metadata", "name"]).unwrap_or_default(),
        phase: if deleting {
            "Terminating".to_string()
        } else {
            text(item, &["status", "phase"]).unwrap_or_else(|| "Unknown".to_string())
        },
        ready,
        restarts: statuses.iter().map(|s| count(s, &["restartCount"])).sum(),
        image: images(item.get("spec")),
        revision,
        node: text(item, &["spec", "nodeName"]).unwrap_or_default(),
        reason,
    }
}

impl KubeState {
    pub fn failed(target: &KubeTarget, error: String) -> Self {
        Self {
            target: target.clone(),
            error: Some(error),
            ..Self::default()
        }
    }

    /// Reads kubectl's JSON (a `List`, or one object) for `target`.
    pub fn parse(target: &KubeTarget, json: &str) -> Self {
        let doc: Json = match serde_json::from_str(json) {
            Ok(doc) => doc,
            Err(e) => return Self::failed(target, format!("kubectl printed no JSON: {e}")),
        };
        let items: Vec<&Json> = match doc.get("items").and_then(Json::as_array) {
            Some(items) => items.iter().collect(),
            None => vec![&doc],
        };
        let of_kind = |kind: &'static str| {
            items
                .iter()
                .copied()
                .filter(move |i| i.get("kind").and_then(Json::as_str) == Some(kind))
        };
        let name = target.deployment.as_str();
        let Some(d) =
            of_kind("Deployment").find(|d| text(d, &["metadata", "name"]).as_deref() == Some(name))
        else {
            let ns = target.namespace.as_deref().map_or_else(
                || "the current namespace".to_string(),
                |n| format!("namespace {n}"),
            );
            return Self::failed(target, format!("deployment {name} not found in {ns}"));
        };
        let uid = text(d, &["metadata", "uid"]);
        let selector = labels(d, &["spec", "selector", "matchLabels"]);
        let progressing = walk(d, &["status", "conditions"])
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .find(|c| c.get("type").and_then(Json::as_str) == Some("Progressing"));
        let mut replica_sets = Vec::new();
        let mut rs_names: BTreeMap<String, (Option<String>, Option<u64>)> = BTreeMap::new();
        for rs in
            of_kind("ReplicaSet").filter(|rs| owned_by(rs, "Deployment", uid.as_deref(), name))
        {
            let rs_name = text(rs, &["metadata", "name"]).unwrap_or_default();
            let revision = revision_of(rs);
            rs_names.insert(rs_name.clone(), (text(rs, &["metadata", "uid"]), revision));
            replica_sets.push(KubeReplicaSet {
                name: rs_name,
                revision,
                image: images(walk(rs, &["spec", "template", "spec"])),
                desired: walk(rs, &["spec", "replicas"])
                    .and_then(Json::as_u64)
                    .unwrap_or(1),
                ready: count(rs, &["status", "readyReplicas"]),
                available: count(rs, &["status", "availableReplicas"]),
            });
        }
        replica_sets.sort_by(|a, b| b.revision.cmp(&a.revision).then(a.name.cmp(&b.name)));
        let mut pods: Vec<KubePod> = of_kind("Pod")
            .filter_map(|p| {
                let owner = rs_names
                    .iter()
                    .find(|(rs, (uid, _))| owned_by(p, "ReplicaSet", uid.as_deref(), rs));
                match owner {
                    Some((_, (_, revision))) => Some(pod_of(p, *revision)),
                    // A pod without an owner counts when the selector picks it.
                    None if !has_owner(p) && !selector.is_empty() => {
                        let have = labels(p, &["metadata", "labels"]);
                        selector
                            .iter()
                            .all(|(k, v)| have.get(k) == Some(v))
                            .then(|| pod_of(p, None))
                    }
                    None => None,
                }
            })
            .collect();
        pods.sort_by(|a, b| b.revision.cmp(&a.revision).then(a.name.cmp(&b.name)));
        Self {
            target: target.clone(),
            generation: walk(d, &["metadata", "generation"])
                .and_then(Json::as_i64)
                .unwrap_or(0),
            observed_generation: walk(d, &["status", "observedGeneration"])
                .and_then(Json::as_i64)
                .unwrap_or(0),
            desired: walk(d, &["spec", "replicas"])
                .and_then(Json::as_u64)
                .unwrap_or(1),
            ready: count(d, &["status", "readyReplicas"]),
            updated: count(d, &["status", "updatedReplicas"]),
            available: count(d, &["status", "availableReplicas"]),
            image: images(walk(d, &["spec", "template", "spec"])),
            revision: revision_of(d),
            progress_reason: progressing.and_then(|c| text(c, &["reason"])),
            progress_message: progressing.and_then(|c| text(c, &["message"])),
            selector,
            replica_sets,
            pods,
            error: None,
        }
    }

    /// Progressing, complete (the controller saw the latest spec, every
    /// replica is updated and available, and it says the new ReplicaSet is
    /// available) or stuck (the progress deadline passed).
    pub fn rollout(&self) -> RolloutState {
        let reason = self.progress_reason.as_deref();
        if reason == Some(DEADLINE_EXCEEDED) {
            RolloutState::Stuck
        } else if self.observed_generation >= self.generation
            && self.updated == self.desired
            && self.available == self.desired
            && reason == Some(NEW_RS_AVAILABLE)
        {
            RolloutState::Complete
        } else {
            RolloutState::Progressing
        }
    }

    /// The distinct images the live pods run, sorted.
    pub fn versions(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self
            .pods
            .iter()
            .filter(|p| p.is_live())
            .map(|p| p.image.as_str())
            .collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// True while live pods run more than one image: a rollout half way.
    pub fn mixed(&self) -> bool {
        self.versions().len() > 1
    }

    /// Every revision the deployment's ReplicaSets carry, newest first.
    pub fn revisions(&self) -> Vec<u64> {
        let set: BTreeSet<u64> = self
            .replica_sets
            .iter()
            .filter_map(|r| r.revision)
            .collect();
        set.into_iter().rev().collect()
    }

    /// `k=v,k2=v2`: the selector `kubectl logs -l` follows; None without
    /// matchLabels (a deployment selecting by expressions only).
    pub fn selector_text(&self) -> Option<String> {
        if self.selector.is_empty() {
            return None;
        }
        let pairs: Vec<String> = self
            .selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        Some(pairs.join(","))
    }

    /// The log streams kubectl may hold open for it: twice the pods and
    /// replicas (a rollout doubles them for a while), at least 10.
    pub fn log_streams(&self) -> usize {
        let replicas = usize::try_from(self.desired).unwrap_or(0);
        (2 * (self.live_pods().len() + replicas)).max(10)
    }

    /// The names of the pods that count (see [`KubePod::is_live`]): when
    /// they change, a logs follower starts again.
    pub fn live_pods(&self) -> BTreeSet<String> {
        self.pods
            .iter()
            .filter(|p| p.is_live())
            .map(|p| p.name.clone())
            .collect()
    }

    pub fn restarts(&self) -> u64 {
        self.pods.iter().map(|p| p.restarts).sum()
    }

    /// The heading's state: up when the rollout is complete on one image;
    /// down when the deployment cannot be read or nothing is ready.
    pub fn health(&self) -> HealthState {
        if self.error.is_some() || (self.ready == 0 && self.desired > 0) {
            HealthState::Down
        } else if self.rollout() == RolloutState::Complete && !self.mixed() {
            HealthState::Up
        } else {
            HealthState::Degraded
        }
    }

    /// What conditions read: `[READY]`, `[UPDATED]`, `[AVAILABLE]`,
    /// `[DESIRED]`, `[VERSIONS]`, `[ROLLOUT_STATE]`, `[IMAGE]`,
    /// `[REVISION]`, `[RESTARTS]`.
    pub fn facts(&self) -> FactMap {
        let mut facts = FactMap::new(format!("deployment {}", self.target.label()));
        if self.error.is_some() {
            return facts;
        }
        facts
            .insert("READY", self.ready as f64)
            .insert("UPDATED", self.updated as f64)
            .insert("AVAILABLE", self.available as f64)
            .insert("DESIRED", self.desired as f64)
            .insert("VERSIONS", self.versions().len() as f64)
            .insert("ROLLOUT_STATE", self.rollout().name())
            .insert("IMAGE", self.image.as_str())
            .insert("RESTARTS", self.restarts() as f64);
        if let Some(r) = self.revision {
            facts.insert("REVISION", r as f64);
        }
        facts
    }

    /// The rollout in words, with the controller's reason when it is stuck.
    pub fn rollout_words(&self) -> String {
        let state = self.rollout();
        let mut out = format!("rollout {}", state.name());
        if state == RolloutState::Stuck {
            out.push_str(&format!(": {DEADLINE_EXCEEDED}"));
            if let Some(m) = self.progress_message.as_deref().filter(|m| !m.is_empty()) {
                out.push_str(&format!(" ({m})"));
            }
        }
        out
    }

    /// One line: "2/3 ready, 1 updated, 2 versions (mixed: ..), revision 5,
    /// rollout progressing".
    pub fn summary(&self) -> String {
        if let Some(err) = &self.error {
            return err.clone();
        }
        let versions = self.versions();
        let mut out = format!(
            "{}/{} ready, {} updated, {} available",
            self.ready, self.desired, self.updated, self.available
        );
        match versions.len() {
            0 => {}
            1 => out.push_str(&format!(", {}", versions[0])),
            n => out.push_str(&format!(", {n} versions (mixed: {})", versions.join(", "))),
        }
        if let Some(r) = self.revision {
            out.push_str(&format!(", revision {r}"));
        }
        out.push_str(&format!(", {}", self.rollout_words()));
        out
    }

    /// A line per pod for the details view and action output.
    pub fn pod_lines(&self) -> Vec<String> {
        self.pods.iter().map(pod_line).collect()
    }
}

/// `api-7d9f-abc: Running ready api:v2 revision 5, 1 restart (node n1)`.
pub fn pod_line(p: &KubePod) -> String {
    let mut line = format!(
        "{}: {} {} {}",
        p.name,
        p.phase,
        if p.ready { "ready" } else { "not ready" },
        p.image
    );
    if let Some(r) = p.revision {
        line.push_str(&format!(" revision {r}"));
    }
    if p.restarts > 0 {
        let s = if p.restarts == 1 { "" } else { "s" };
        line.push_str(&format!(", {} restart{s}", p.restarts));
    }
    if let Some(reason) = &p.reason {
        line.push_str(&format!(": {reason}"));
    }
    line
}

/// A kubernetes check's verdict and evidence. Without conditions the
/// rollout must be complete, on one image.
pub fn evaluate_kube_check(check: &KubeCheck, state: &KubeState) -> (bool, String) {
    if let Some(err) = &state.error {
        return (false, err.clone());
    }
    if check.conditions.is_empty() {
        let passed = state.rollout() == RolloutState::Complete && !state.mixed();
        return (passed, state.summary());
    }
    let facts = state.facts();
    let verdicts: Vec<Verdict> = check
        .conditions
        .iter()
        .map(|c| c.evaluate(&facts))
        .collect();
    let passed = verdicts.iter().all(|v| v.passed);
    let mut detail: Vec<String> = verdicts.into_iter().map(|v| v.explanation).collect();
    detail.push(state.summary());
    (passed, detail.join("; "))
}

/// Every deployment the profile names (checks, log sources, actions), each
/// once, in the order first named: what the health pane watches.
pub fn kube_targets(profile: &Profile) -> Vec<KubeTarget> {
    super::targets::named(
        profile,
        super::targets::Named {
            check: |c| match c {
                Check::Kubernetes(k) => Some(&k.target),
                _ => None,
            },
            log: |l| match l {
                LogKind::Kubernetes(t) => Some(t),
                _ => None,
            },
            action: |a| match a {
                ActionKind::Kubernetes { target, .. } => Some(target),
                _ => None,
            },
        },
    )
}

/// A fresh look at a deployment settles every kubernetes item on it.
pub fn settle_items(
    profile: &Profile,
    checklist: &mut Checklist,
    state: &KubeState,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<ItemChange> {
    super::targets::settle(profile, checklist, now, |check| match check {
        Check::Kubernetes(check) if check.target == state.target => {
            Some(evaluate_kube_check(check, state))
        }
        _ => None,
    })
}

/// Why a rehearsed kubernetes action would not run, judged from a look at
/// its deployment: it must exist, and an undo needs a revision to go back to.
pub fn rehearsal_problem(op: &KubeOp, state: &KubeState) -> Option<String> {
    if let Some(err) = &state.error {
        return Some(err.clone());
    }
    let revisions = state.revisions();
    if *op == KubeOp::Rollback && revisions.len() < 2 {
        let had = match revisions.first() {
            Some(r) => format!("only revision {r}"),
            None => "no revision".to_string(),
        };
        return Some(format!(
            "{} has no previous revision to undo to ({had})",
            state.target.label()
        ));
    }
    None
}

/// Whether a stderr line is one of client-go's log lines
/// (`E1202 05:08:07.511743   11076 memcache.go:265] ...`), which kubectl
/// prints before its own message.
fn is_klog(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 22
        && matches!(b[0], b'I' | b'W' | b'E' | b'F')
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b' '
        && b[8] == b':'
        && line.split_once("] ").is_some()
}

/// The line that says why kubectl failed: its own first message, past the
/// client library's log lines (the first of those when it printed nothing else).
pub fn stderr_reason(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines
        .iter()
        .find(|l| !is_klog(l))
        .or(lines.first())
        .map(|l| crate::engine::sanitize::clean_text(l))
}

/// What an action's record keeps of the deployment before and after:
/// `prod/api: revision 5 (api:v2) -> revision 6 (api:v1); 3/3 ready, ...`.
pub fn action_evidence(before: &KubeState, after: &KubeState) -> String {
    let at = |s: &KubeState| match (s.error.as_deref(), s.revision) {
        (Some(err), _) => format!("unreadable ({err})"),
        (None, Some(r)) => format!("revision {r} ({})", s.image),
        (None, None) => format!("no revision ({})", s.image),
    };
    format!(
        "{}: {} -> {}; {}",
        after.target.label(),
        at(before),
        at(after),
        after.summary()
    )
}

pub mod argv;
pub use argv::{get_argv, logs_argv, op_argv, split_prefix, status_argv};

#[cfg(test)]
mod tests;
