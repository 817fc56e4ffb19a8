//! Swarm services through the engine's own API: reading a service and its
//! tasks into the engine's [`SwarmState`]. Facts only; what they mean
//! (running, versions, verdicts) is decided in `engine::swarm`.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{Service, Task};
use bollard::query_parameters::ListTasksOptionsBuilder;

use super::{DockerError, Engine, api};
use crate::engine::swarm::{SwarmState, SwarmTask, image_name};

/// The service's spec and tasks now. A stack's service is named
/// `STACK_SERVICE`, as `docker stack deploy` names it.
pub async fn inspect_service(engine: &Engine, name: &str) -> Result<SwarmState, DockerError> {
    let service = engine
        .docker
        .inspect_service(name, None)
        .await
        .map_err(|e| match api(e) {
            DockerError::NotFound(_) => DockerError::NotFound(format!("swarm service {name}")),
            other => other,
        })?;
    let filters = HashMap::from([("service", vec![name])]);
    let options = ListTasksOptionsBuilder::new().filters(&filters).build();
    let tasks = engine.docker.list_tasks(Some(options)).await.map_err(api)?;
    Ok(state_of(name, &service, &tasks))
}

/// [`inspect_service`] on a fresh connection, the failure as the state's
/// error: `golive check` and an action's verification take one look.
pub async fn swarm_once(host: &str, name: &str) -> SwarmState {
    let engine = match Engine::connect(host, Duration::from_secs(5)).await {
        Ok(engine) => engine,
        Err(e) => return SwarmState::failed(name, e.to_string()),
    };
    inspect_service(&engine, name)
        .await
        .unwrap_or_else(|e| SwarmState::failed(name, e.to_string()))
}

fn state_of(name: &str, service: &Service, tasks: &[Task]) -> SwarmState {
    let spec = service.spec.as_ref();
    let desired = spec
        .and_then(|s| s.mode.as_ref())
        .and_then(|m| m.replicated.as_ref())
        .map(|r| r.replicas.unwrap_or(1).max(0).unsigned_abs());
    let image = spec
        .and_then(|s| s.task_template.as_ref())
        .and_then(|t| t.container_spec.as_ref())
        .and_then(|c| c.image.as_deref())
        .map(image_name)
        .unwrap_or_default();
    let update = service.update_status.as_ref();
    let mut kept: Vec<SwarmTask> = tasks.iter().filter_map(task_of).collect();
    kept.sort_by_key(|t| (t.slot, t.desired != "running"));
    // Of the tasks that ended, one per slot is kept: enough to show why a
    // slot was replaced, without a service's whole history.
    let mut seen = std::collections::HashSet::new();
    kept.retain(|t| t.desired == "running" || seen.insert(t.slot));
    SwarmState {
        service: name.to_string(),
        desired,
        image,
        update_state: update
            .and_then(|u| u.state)
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty()),
        update_message: update.and_then(|u| u.message.clone()),
        update_started: update.and_then(|u| u.started_at.clone()),
        tasks: kept,
        error: None,
    }
}

fn task_of(task: &Task) -> Option<SwarmTask> {
    let status = task.status.as_ref();
    let state = status.and_then(|s| s.state).map(|s| s.to_string())?;
    let desired = task
        .desired_state
        .map(|s| s.to_string())
        .unwrap_or_default();
    Some(SwarmTask {
        slot: task.slot,
        state,
        desired,
        image: task
            .spec
            .as_ref()
            .and_then(|s| s.container_spec.as_ref())
            .and_then(|c| c.image.as_deref())
            .map(image_name)
            .unwrap_or_default(),
        node: task
            .node_id
            .clone()
            .unwrap_or_default()
            .chars()
            .take(12)
            .collect(),
        error: status.and_then(|s| s.err.clone()).filter(|e| !e.is_empty()),
    })
}
