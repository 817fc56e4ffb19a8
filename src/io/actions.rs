//! Carrying out an action: a command through `io::command` (argv only, the
//! process group killed on timeout or cancel), a Docker operation through
//! `io::docker`, or a kubectl change and its wait through `io::kubectl`. Nothing else: the engine journals the action and verifies
//! the recovery after it (`engine::recovery`).

use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::engine::command::CommandOutcome;
use crate::io::command::{self, CommandSpec, Stream};
use crate::io::docker::{self, ContainerRef, DockerError, Engine};
use crate::profile::{Action, ActionKind, DockerOp, DockerTarget};

/// How an action is carried out.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    /// Docker host for Docker actions (None: `DOCKER_HOST` or the default).
    pub docker_host: Option<String>,
}

/// Runs `action` to its end. Output lines are streamed to `lines`
/// (sanitised) when given; `cancel` turning true kills it. The engine
/// journals its start and end; this only carries it out.
pub async fn execute(
    action: &Action,
    opts: &ExecOptions,
    lines: Option<mpsc::Sender<(Stream, String)>>,
    cancel: Option<watch::Receiver<bool>>,
) -> CommandOutcome {
    match &action.kind {
        ActionKind::Command { argv, cwd, env } => {
            let spec = CommandSpec {
                argv: argv.clone(),
                cwd: cwd.clone(),
                env: env.clone(),
                timeout: action.timeout,
            };
            command::run(&spec, lines, cancel).await
        }
        // A Docker action's containers are resolved once, as it starts:
        // they are the ones acted on, and its output names them.
        ActionKind::Docker { target, op } => {
            let prepared = prepare(target, opts).await;
            run_docker(action, prepared, op, lines, cancel).await
        }
        ActionKind::Swarm { service, op } => {
            let host = docker::host_from(opts.docker_host.as_deref());
            let work = async {
                let engine = Engine::connect(&host, Duration::from_secs(10)).await?;
                docker::apply_swarm(&engine, service, op, lines.as_ref()).await
            };
            bounded(action, work, None, cancel).await
        }
        ActionKind::Kubernetes { target, op } => {
            crate::io::kubectl::apply(target, op, action.timeout, lines, cancel).await
        }
    }
}

/// The engine and the containers a Docker action on `target` touches
/// (refused when a compose service's project has none of them).
async fn prepare(
    target: &DockerTarget,
    opts: &ExecOptions,
) -> Result<(Engine, Vec<ContainerRef>), DockerError> {
    let host = docker::host_from(opts.docker_host.as_deref());
    let engine = Engine::connect(&host, Duration::from_secs(10)).await?;
    let refs = engine.touched(target).await?;
    Ok((engine, refs))
}

fn names(refs: &[ContainerRef]) -> Vec<String> {
    refs.iter().map(|r| r.name.clone()).collect()
}

/// The names of the containers `action` would touch, for the operator to
/// confirm; None for a command action.
pub async fn containers_touched(
    action: &Action,
    opts: &ExecOptions,
) -> Option<Result<Vec<String>, DockerError>> {
    match &action.kind {
        ActionKind::Docker { target, .. } => {
            Some(prepare(target, opts).await.map(|(_, refs)| names(&refs)))
        }
        ActionKind::Command { .. } | ActionKind::Swarm { .. } | ActionKind::Kubernetes { .. } => {
            None
        }
    }
}

async fn run_docker(
    action: &Action,
    prepared: Result<(Engine, Vec<ContainerRef>), DockerError>,
    op: &DockerOp,
    lines: Option<mpsc::Sender<(Stream, String)>>,
    cancel: Option<watch::Receiver<bool>>,
) -> CommandOutcome {
    let work = async {
        let (engine, refs) = prepared?;
        engine.apply_to(&refs, op, action.timeout).await
    };
    bounded(action, work, lines, cancel).await
}

/// Runs an engine operation within the action's timeout and cancel; its
/// lines of evidence become the outcome's tail (and are sent to `lines`
/// when the operation did not stream them itself).
async fn bounded(
    action: &Action,
    work: impl Future<Output = Result<Vec<String>, DockerError>>,
    lines: Option<mpsc::Sender<(Stream, String)>>,
    cancel: Option<watch::Receiver<bool>>,
) -> CommandOutcome {
    let started = Instant::now();
    let cancelled = async {
        match cancel {
            Some(mut rx) => {
                let _ = rx.wait_for(|c| *c).await;
            }
            None => std::future::pending().await,
        }
    };
    let result = tokio::select! {
        r = tokio::time::timeout(action.timeout, work) => Some(r),
        _ = cancelled => None,
    };
    let mut outcome = CommandOutcome {
        duration: started.elapsed(),
        ..CommandOutcome::default()
    };
    match result {
        None => outcome.cancelled = true,
        Some(Err(_)) => outcome.timed_out = true,
        Some(Ok(Ok(steps))) => {
            outcome.exit_code = Some(0);
            outcome.tail = steps;
        }
        Some(Ok(Err(e))) => {
            outcome.exit_code = Some(1);
            outcome.tail = vec![crate::engine::sanitize::clean_text(&e.to_string())];
        }
    }
    if let Some(sink) = lines {
        for line in &outcome.tail {
            let _ = sink.send((Stream::Stdout, line.clone())).await;
        }
    }
    outcome
}
