//! The kubectl argv golive runs for a deployment, built in one place so the
//! adapters run and the confirmation and journal show the same words: the
//! look (`get deployment,replicaset,pod -o json`), an action's change, the
//! `rollout status` wait after it, and the logs follower; and the one
//! reader of the `[pod/NAME/CONTAINER]` prefix `kubectl logs --prefix`
//! puts before each line. The target's `-n` and `--context` follow the
//! verb and its object, so the argv reads as kubectl's own examples do.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::profile::{KubeOp, KubeTarget};

/// The program every kubernetes argv starts with (found on PATH).
pub const KUBECTL: &str = "kubectl";

fn s(v: &str) -> String {
    v.to_string()
}

/// `-n NS --context CTX`, each only when the target names it.
fn scope(target: &KubeTarget) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(ns) = &target.namespace {
        out.extend([s("-n"), ns.clone()]);
    }
    if let Some(ctx) = &target.context {
        out.extend([s("--context"), ctx.clone()]);
    }
    out
}

fn object(target: &KubeTarget) -> String {
    format!("deployment/{}", target.deployment)
}

/// One look at the deployment, its ReplicaSets and its pods.
pub fn get_argv(target: &KubeTarget) -> Vec<String> {
    let mut argv = vec![s(KUBECTL), s("get"), s("deployment,replicaset,pod")];
    argv.extend(scope(target));
    argv.extend([s("-o"), s("json")]);
    argv
}

/// The change an action makes: `set image` on every container (`*`) or
/// the one named, `rollout undo`, or `rollout restart`.
pub fn op_argv(target: &KubeTarget, op: &KubeOp) -> Vec<String> {
    let mut argv = vec![s(KUBECTL)];
    match op {
        KubeOp::Image { image, container } => {
            let name = container.as_deref().unwrap_or("*");
            argv.extend([
                s("set"),
                s("image"),
                object(target),
                format!("{name}={image}"),
            ]);
        }
        KubeOp::Rollback => argv.extend([s("rollout"), s("undo"), object(target)]),
        KubeOp::Restart => argv.extend([s("rollout"), s("restart"), object(target)]),
    }
    argv.extend(scope(target));
    argv
}

/// Waits for the rollout an action started, for at most `timeout_secs`.
pub fn status_argv(target: &KubeTarget, timeout_secs: u64) -> Vec<String> {
    let mut argv = vec![s(KUBECTL), s("rollout"), s("status"), object(target)];
    argv.extend(scope(target));
    argv.push(format!("--timeout={}s", timeout_secs.max(1)));
    argv
}

/// Follows every container of every pod the selector picks, each line
/// prefixed with its pod and container and stamped by the kubelet; from
/// `since` when given (kubectl shows 10 lines a pod otherwise).
pub fn logs_argv(
    target: &KubeTarget,
    selector: &str,
    max_requests: usize,
    since: Option<DateTime<Utc>>,
) -> Vec<String> {
    let mut argv = vec![
        s(KUBECTL),
        s("logs"),
        s("-f"),
        s("--prefix"),
        s("--timestamps"),
        s("-l"),
        s(selector),
        s("--all-containers"),
        format!("--max-log-requests={max_requests}"),
    ];
    if let Some(at) = since {
        argv.push(format!(
            "--since-time={}",
            at.to_rfc3339_opts(SecondsFormat::Secs, true)
        ));
    }
    argv.extend(scope(target));
    argv
}

/// `[pod/NAME/CONTAINER] rest`: the pod, the container and the rest of the
/// line (the space after the prefix dropped); None for a line without it.
pub fn split_prefix(line: &[u8]) -> Option<(&str, &str, &[u8])> {
    let inner = line.strip_prefix(b"[pod/")?;
    let end = inner.iter().position(|b| *b == b']')?;
    let prefix = std::str::from_utf8(&inner[..end]).ok()?;
    let (pod, container) = prefix.split_once('/')?;
    let rest = &inner[end + 1..];
    Some((pod, container, rest.strip_prefix(b" ").unwrap_or(rest)))
}
