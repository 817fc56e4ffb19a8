//! Kubernetes deployments through `kubectl`, run as an argv (never a
//! shell) with the target's `-n` and `--context`: one look at a deployment
//! (its JSON handed to `engine::kubernetes`, which reads it), an action's
//! change followed by `kubectl rollout status`, and the pods' logs followed
//! with `kubectl logs -f --prefix`. Facts only: what the JSON means, what
//! runs and whether a check passes are the engine's. A kubectl that is
//! missing or fails is a state whose error starts with what failed
//! (`kubectl exited 1: <its first line on stderr>`).

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};

use crate::engine::command::CommandOutcome;
use crate::engine::kubernetes::{
    KubeState, action_evidence, get_argv, logs_argv, op_argv, split_prefix, status_argv,
    stderr_reason,
};
use crate::engine::logs::LogLine;
use crate::io::command::Stream;
use crate::io::command::{self, CommandSpec, TAIL_LINES};
use crate::profile::{KubeOp, KubeTarget};

/// How long one look may take.
pub const LOOK_TIMEOUT: Duration = Duration::from_secs(20);
/// How often a logs follower looks for pods that came or went.
const RELOOK: Duration = Duration::from_secs(5);
const BATCH: usize = 256;
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Runs a kubectl argv to its end: its stdout, or why it failed.
async fn output(argv: &[String], timeout: Duration) -> Result<String, String> {
    let Some((program, args)) = argv.split_first() else {
        return Err("empty command".to_string());
    };
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("{program} is not on PATH"));
        }
        Err(e) => return Err(format!("{program} could not start: {e}")),
    };
    let out = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(format!("{program} failed: {e}")),
        Err(_) => {
            return Err(format!("{program} timed out after {}s", timeout.as_secs()));
        }
    };
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let first = stderr_reason(&String::from_utf8_lossy(&out.stderr))
        .unwrap_or_else(|| "(nothing on stderr)".to_string());
    Err(match out.status.code() {
        Some(code) => format!("{program} exited {code}: {first}"),
        None => format!("{program} was killed by a signal: {first}"),
    })
}

/// One look at the deployment, its ReplicaSets and its pods.
pub async fn look(target: &KubeTarget) -> KubeState {
    match output(&get_argv(target), LOOK_TIMEOUT).await {
        Ok(json) => KubeState::parse(target, &json),
        Err(why) => KubeState::failed(target, why),
    }
}

/// Adds one step's outcome to an action's: its lines, its time, and how it
/// ended (the last step run says).
fn merge(into: &mut CommandOutcome, step: CommandOutcome) {
    into.tail.extend(step.tail);
    let over = into.tail.len().saturating_sub(TAIL_LINES);
    into.tail.drain(..over);
    into.exit_code = step.exit_code;
    into.timed_out = step.timed_out;
    into.cancelled = step.cancelled;
    into.spawn_error = step.spawn_error;
}

/// Carries out `op` on `target` within `timeout`: the change, then
/// `kubectl rollout status` for what is left of the timeout, then a look
/// whose revisions (before and after) end the output: kubectl records
/// nothing of an undo, so the action's record does.
pub async fn apply(
    target: &KubeTarget,
    op: &KubeOp,
    timeout: Duration,
    lines: Option<mpsc::Sender<(Stream, String)>>,
    cancel: Option<watch::Receiver<bool>>,
) -> CommandOutcome {
    let started = Instant::now();
    let before = look(target).await;
    let left = |started: Instant| timeout.saturating_sub(started.elapsed());
    let mut outcome = CommandOutcome::default();
    let spec = |argv: Vec<String>, timeout: Duration| CommandSpec {
        argv,
        cwd: None,
        env: Vec::new(),
        timeout,
    };
    let change = command::run(
        &spec(op_argv(target, op), left(started)),
        lines.clone(),
        cancel.clone(),
    )
    .await;
    merge(&mut outcome, change);
    if outcome.succeeded() {
        let wait_for = left(started);
        // kubectl's own timeout ends the wait; ours is a little longer so
        // that its words, not a kill, say why.
        let wait = command::run(
            &spec(
                status_argv(target, wait_for.as_secs()),
                wait_for + Duration::from_secs(5),
            ),
            lines.clone(),
            cancel,
        )
        .await;
        merge(&mut outcome, wait);
    }
    if !outcome.cancelled {
        let after = look(target).await;
        let evidence = action_evidence(&before, &after);
        if let Some(tx) = &lines {
            let _ = tx.send((Stream::Stdout, evidence.clone())).await;
        }
        outcome.tail.push(evidence);
    }
    outcome.duration = started.elapsed();
    outcome
}

fn note(source: &str, text: String) -> LogLine {
    LogLine::new(source, Some(Utc::now()), format!("golive: {text}"))
}

/// Follows every pod of `target` as source `source` until `stop` turns
/// true: `kubectl logs -f --prefix --timestamps -l SELECTOR`, each line's
/// replica its pod. The deployment is looked at again every few seconds;
/// when its pods change (a rollout) kubectl is started again from the last
/// line seen, and lines already shown are skipped by their kubelet stamp.
/// A kubectl that fails or ends is started again with back-off.
pub async fn follow_logs(
    target: KubeTarget,
    source: String,
    since: Option<DateTime<Utc>>,
    tx: mpsc::Sender<Vec<LogLine>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(200);
    let mut last: HashMap<Arc<str>, Option<DateTime<Utc>>> = HashMap::new();
    // One copy of the source's name for all its lines.
    let name: Arc<str> = source.as_str().into();
    let mut from = since;
    // The last problem said: an outage is one line, not one a retry.
    let mut said: Option<String> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        let state = look(&target).await;
        let (selector, streams, pods) = match (&state.error, state.selector_text()) {
            (None, Some(selector)) => (selector, state.log_streams(), state.live_pods()),
            (error, _) => {
                let why = error.clone().unwrap_or_else(|| {
                    format!(
                        "deployment {} has no matchLabels selector to follow",
                        target.label()
                    )
                });
                if said.as_ref() != Some(&why) {
                    let text = format!("{why}; retrying (back-off up to 10s)");
                    if tx.send(vec![note(&source, text)]).await.is_err() {
                        return;
                    }
                    said = Some(why);
                }
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => return,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        if said.take().is_some()
            && tx
                .send(vec![note(
                    &source,
                    format!("{} readable again", target.label()),
                )])
                .await
                .is_err()
        {
            return;
        }
        let spec = CommandSpec {
            argv: logs_argv(&target, &selector, streams, from),
            cwd: None,
            env: Vec::new(),
            timeout: Duration::from_secs(365 * 24 * 3600),
        };
        let run_started = Utc::now();
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let (ltx, mut lrx) = mpsc::channel::<(Stream, Vec<u8>)>(BATCH);
        let run = tokio::spawn(async move { command::run_raw(&spec, ltx, Some(cancel_rx)).await });
        let mut relook = tokio::time::interval_at(tokio::time::Instant::now() + RELOOK, RELOOK);
        let mut batch = Vec::new();
        let mut changed = false;
        loop {
            tokio::select! {
                line = lrx.recv() => match line {
                    Some((stream, bytes)) => {
                        if let Some(line) = log_line(&name, stream, &bytes, &mut last) {
                            batch.push(line);
                        }
                        if (lrx.is_empty() || batch.len() >= BATCH)
                            && !batch.is_empty()
                            && tx.send(std::mem::take(&mut batch)).await.is_err()
                        {
                            let _ = cancel_tx.send(true);
                            return;
                        }
                    }
                    None => break,
                },
                _ = relook.tick() => {
                    let now = look(&target).await;
                    if now.error.is_none() && now.live_pods() != pods {
                        changed = true;
                        let _ = cancel_tx.send(true);
                    }
                }
                _ = stop.changed() => {
                    let _ = cancel_tx.send(true);
                }
            }
        }
        let outcome = run.await.unwrap_or_default();
        if !batch.is_empty() && tx.send(batch).await.is_err() {
            return;
        }
        if *stop.borrow() {
            return;
        }
        // From the oldest last line of the pods still there (what is
        // already shown is skipped), else from when this run began.
        from = pods
            .iter()
            .filter_map(|p| last.get(p.as_str()).copied().flatten())
            .min()
            .or(Some(run_started));
        if changed {
            backoff = Duration::from_millis(200);
            continue;
        }
        let text = format!(
            "kubectl logs {}; restarting in {:.1}s",
            outcome.summary(),
            backoff.as_secs_f64()
        );
        if tx.send(vec![note(&source, text)]).await.is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => return,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One line as kubectl printed it, through the same sanitising as every
/// source; its replica the pod its prefix names. A line no newer than the
/// last shown of its pod was shown before a restart, and is skipped.
/// `last` also holds each pod's name once, shared by its lines.
fn log_line(
    source: &Arc<str>,
    stream: Stream,
    bytes: &[u8],
    last: &mut HashMap<Arc<str>, Option<DateTime<Utc>>>,
) -> Option<LogLine> {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let now = Some(Utc::now());
    if stream == Stream::Stderr {
        let mut line = LogLine::from_bytes(Arc::clone(source), now, bytes);
        line.text = format!("kubectl: {}", line.text);
        line.styles.clear();
        return Some(line);
    }
    let Some((pod, _container, rest)) = split_prefix(bytes) else {
        return Some(LogLine::from_bytes(Arc::clone(source), now, bytes));
    };
    let mut line = LogLine::from_bytes(Arc::clone(source), now, rest);
    let (name, seen) = match last.get_key_value(pod) {
        Some((name, seen)) => (Arc::clone(name), *seen),
        None => (Arc::from(pod), None),
    };
    if let Some(written) = line.written {
        if seen.is_some_and(|seen| written <= seen) {
            return None;
        }
        last.insert(Arc::clone(&name), Some(written));
    } else if seen.is_none() {
        last.entry(Arc::clone(&name)).or_insert(None);
    }
    line.replica = Some(name);
    Some(line)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_prefixed_line_is_its_pods_and_a_repeat_is_skipped() {
        let mut last = HashMap::new();
        let raw = b"[pod/api-7d9f-abc/api] 2026-03-04T05:06:07.123456789Z ready \x1b]0;t\x07";
        let line = log_line(&"api".into(), Stream::Stdout, raw, &mut last).unwrap();
        assert_eq!(line.replica.as_deref(), Some("api-7d9f-abc"));
        assert_eq!(line.text, "ready ");
        assert!(line.written.is_some());
        assert_eq!(
            log_line(&"api".into(), Stream::Stdout, raw, &mut last),
            None
        );
        let plain = log_line(&"api".into(), Stream::Stdout, b"no prefix", &mut last).unwrap();
        assert_eq!((plain.replica, plain.text.as_str()), (None, "no prefix"));
        let err = log_line(&"api".into(), Stream::Stderr, b"error: x", &mut last).unwrap();
        assert_eq!(err.text, "kubectl: error: x");
    }

    #[tokio::test]
    async fn a_missing_kubectl_says_so() {
        let argv = vec!["golive-no-such-kubectl".to_string(), "get".to_string()];
        let why = output(&argv, Duration::from_secs(5)).await.unwrap_err();
        assert_eq!(why, "golive-no-such-kubectl is not on PATH");
        let argv: Vec<String> = [
            "sh",
            "-c",
            "echo out; echo >&2; echo 'error: no context' >&2; exit 1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let why = output(&argv, Duration::from_secs(5)).await.unwrap_err();
        assert_eq!(why, "sh exited 1: error: no context");
    }
}
