//! Container states: what the engine reports about a target's containers
//! (inspect), read into the engine's [`TargetState`], either once (a one-off
//! docker check) or on an interval (the watcher behind the health pane). An
//! engine that does not answer becomes a state carrying its error, so the
//! engine shows it; no verdict is reached here.

use std::time::Duration;

use bollard::models::{ContainerInspectResponse, HealthStatusEnum};
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};

use super::events::Changes;
use super::operations::ContainerRef;
use super::{DockerError, Engine, api};
use crate::engine::containers::{ContainerHealth, ContainerState, TargetState};
use crate::profile::DockerTarget;

impl Engine {
    /// The state of every container of a target; an engine error becomes
    /// part of the state (shown, never a silent pass).
    pub async fn target_state(&self, target: &DockerTarget) -> TargetState {
        // A named container is resolved by the inspect that reads its state:
        // one request a look, not two.
        if let DockerTarget::Container(name) = target {
            return match self.inspect_named(name).await {
                Ok(found) => TargetState {
                    containers: found.iter().map(container_state).collect(),
                    error: None,
                },
                Err(e) => TargetState {
                    containers: Vec::new(),
                    error: Some(e.to_string()),
                },
            };
        }
        let refs = match self.resolve(target).await {
            Ok(refs) => refs,
            Err(e) => {
                return TargetState {
                    containers: Vec::new(),
                    error: Some(e.to_string()),
                };
            }
        };
        let mut containers = Vec::new();
        for r in refs {
            match self.docker.inspect_container(&r.id, None).await {
                Ok(c) => containers.push(container_state(&c)),
                Err(e) => match api(e) {
                    DockerError::NotFound(_) => {}
                    other => {
                        return TargetState {
                            containers,
                            error: Some(other.to_string()),
                        };
                    }
                },
            }
        }
        TargetState {
            containers,
            error: None,
        }
    }
}

pub(super) fn container_state(c: &ContainerInspectResponse) -> ContainerState {
    let state = c.state.as_ref();
    let health = match state.and_then(|s| s.health.as_ref()).and_then(|h| h.status) {
        Some(HealthStatusEnum::HEALTHY) => ContainerHealth::Healthy,
        Some(HealthStatusEnum::UNHEALTHY) => ContainerHealth::Unhealthy,
        Some(HealthStatusEnum::STARTING) => ContainerHealth::Starting,
        _ => ContainerHealth::None,
    };
    let status = state
        .and_then(|s| s.status)
        .map(|s| s.to_string())
        .unwrap_or_else(|| "unknown".into());
    let container = ContainerRef::from_inspect(c);
    ContainerState {
        id: container.id,
        name: container.name,
        image: c
            .config
            .as_ref()
            .and_then(|cfg| cfg.image.clone())
            .unwrap_or_default(),
        running: state.and_then(|s| s.running).unwrap_or(false),
        exit_code: state.and_then(|s| s.exit_code),
        status,
        health,
        restart_count: c.restart_count.unwrap_or(0).max(0) as u64,
        started_at: state
            .and_then(|s| s.started_at.as_deref())
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc)),
    }
}

/// Sends the state of each target with the target's index, for the health
/// pane: once at the start, then whenever the engine announces a container
/// change (its event stream), and at least every [`BACKSTOP`]. An idle
/// release costs no request at all. An unreachable engine is sent as a
/// state with its error (never silence) and is retried every `retry`.
/// Ends when `stop` turns true or the receiver goes away.
pub async fn watch_states(
    host: String,
    targets: Vec<DockerTarget>,
    retry: Duration,
    tx: mpsc::Sender<(usize, TargetState)>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match Engine::connect(&host, Duration::from_secs(5)).await {
            Ok(engine) => {
                let mut changes = Changes::open(&engine);
                loop {
                    match look(&engine, &targets, &tx).await {
                        Look::Sent => {}
                        Look::Failed => break,
                        Look::Closed => return,
                    }
                    tokio::select! {
                        alive = changes.next(&targets) => if !alive { break },
                        _ = tokio::time::sleep(BACKSTOP) => {}
                        _ = stop.changed() => if *stop.borrow() { return },
                    }
                }
            }
            Err(e) => {
                let error = Some(e.to_string());
                for i in 0..targets.len() {
                    let state = TargetState {
                        containers: Vec::new(),
                        error: error.clone(),
                    };
                    if tx.send((i, state)).await.is_err() {
                        return;
                    }
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(retry) => {}
            _ = stop.changed() => if *stop.borrow() { return },
        }
        if tx.is_closed() {
            return;
        }
    }
}

/// The longest the watcher goes without a look while the engine's events
/// say nothing changed: a safety net, not the way changes are seen.
const BACKSTOP: Duration = Duration::from_secs(30);

enum Look {
    Sent,
    /// The engine stopped answering: reconnect.
    Failed,
    /// Nobody listens any more.
    Closed,
}

async fn look(
    engine: &Engine,
    targets: &[DockerTarget],
    tx: &mpsc::Sender<(usize, TargetState)>,
) -> Look {
    for (i, target) in targets.iter().enumerate() {
        let state = engine.target_state(target).await;
        let failed = state.error.is_some();
        if tx.send((i, state)).await.is_err() {
            return Look::Closed;
        }
        if failed {
            return Look::Failed;
        }
    }
    Look::Sent
}

/// The target's state in one look, for a one-off docker check item: an
/// engine that does not answer is a state with its error, never a verdict
/// (the rule is `engine::containers::evaluate_docker_check_once`).
pub async fn inspect_once(host: &str, target: &DockerTarget) -> TargetState {
    match Engine::connect(host, Duration::from_secs(5)).await {
        Ok(engine) => engine.target_state(target).await,
        Err(e) => TargetState {
            containers: Vec::new(),
            error: Some(e.to_string()),
        },
    }
}
