//! Swarm actions through the engine's API: an image update, the engine's
//! rollback and a scale, each followed until it ends, every task's move
//! reported as a line. The service's own update config (parallelism,
//! delay, failure action, monitor) is left as it is, so the engine rolls
//! as the operator set it up; when the update has ended is the engine's
//! rule (`engine::swarm::update_end`).

use std::collections::BTreeMap;
use std::time::Duration;

use bollard::query_parameters::UpdateServiceOptions;
use tokio::sync::mpsc;

use super::{DockerError, Engine, api, inspect_service};
use crate::engine::swarm::{SwarmState, update_end};
use crate::io::command::Stream;
use crate::profile::SwarmOp;

const LOOK_EVERY: Duration = Duration::from_millis(250);

/// Carries out `op` on `service` and follows it to its end (the caller
/// bounds it with the action's timeout). Ok holds the lines of evidence.
pub async fn apply_swarm(
    engine: &Engine,
    service: &str,
    op: &SwarmOp,
    lines: Option<&mpsc::Sender<(Stream, String)>>,
) -> Result<Vec<String>, DockerError> {
    let current = engine
        .docker
        .inspect_service(service, None)
        .await
        .map_err(|e| match api(e) {
            DockerError::NotFound(_) => DockerError::NotFound(format!("swarm service {service}")),
            other => other,
        })?;
    let before = inspect_service(engine, service).await?;
    let mut spec = current.spec.clone().unwrap_or_default();
    let version = current
        .version
        .as_ref()
        .and_then(|v| v.index)
        .and_then(|i| i32::try_from(i).ok())
        .unwrap_or_default();
    let mut options = UpdateServiceOptions {
        version,
        ..UpdateServiceOptions::default()
    };
    match op {
        SwarmOp::Image(image) => {
            let container = spec
                .task_template
                .get_or_insert_with(Default::default)
                .container_spec
                .get_or_insert_with(Default::default);
            container.image = Some(image.clone());
        }
        SwarmOp::Rollback => options.rollback = Some("previous".to_string()),
        SwarmOp::Scale(n) => {
            let mode = spec.mode.get_or_insert_with(Default::default);
            let Some(replicated) = mode.replicated.as_mut() else {
                return Err(DockerError::Failed(format!(
                    "swarm service {service} is global (one task per node): it cannot be scaled"
                )));
            };
            replicated.replicas = Some(i64::try_from(*n).unwrap_or(i64::MAX));
        }
    }
    // No credentials and no registry lookup: the engine uses the image as
    // named, which is what a local-only image on a single node needs.
    let answer = engine
        .docker
        .update_service(service, spec, options, None)
        .await
        .map_err(api)?;
    let mut out = Vec::new();
    let say = async |line: String, out: &mut Vec<String>| {
        if let Some(tx) = lines {
            let _ = tx.send((Stream::Stdout, line.clone())).await;
        }
        out.push(line);
    };
    for warning in answer.warnings.unwrap_or_default() {
        say(format!("engine warning: {warning}"), &mut out).await;
    }
    say(format!("{service}: {}", describe(op)), &mut out).await;
    let mut seen = task_moves(&before);
    loop {
        tokio::time::sleep(LOOK_EVERY).await;
        let now = inspect_service(engine, service).await?;
        let moves = task_moves(&now);
        for (key, line) in &moves {
            if seen.get(key) != Some(line) {
                say(line.clone(), &mut out).await;
            }
        }
        seen = moves;
        let end = match op {
            SwarmOp::Scale(n) => (now.running() as u64 == *n
                && now
                    .tasks
                    .iter()
                    .all(|t| t.desired != "running" || t.is_running()))
            .then(|| Ok(now.summary())),
            SwarmOp::Image(_) | SwarmOp::Rollback => {
                let new = now.update_started != before.update_started;
                new.then(|| update_end(*op == SwarmOp::Rollback, &now))
                    .flatten()
            }
        };
        match end {
            Some(Ok(summary)) => {
                say(format!("{service}: {summary}"), &mut out).await;
                return Ok(out);
            }
            Some(Err(why)) => return Err(DockerError::Failed(format!("{service}: {why}"))),
            None => {}
        }
    }
}

fn describe(op: &SwarmOp) -> String {
    match op {
        SwarmOp::Image(image) => format!("updating to {image}"),
        SwarmOp::Rollback => "rolling back to the previous spec".to_string(),
        SwarmOp::Scale(n) => format!("scaling to {n}"),
    }
}

/// A line per task, keyed by slot and image, to report each move once.
fn task_moves(state: &SwarmState) -> BTreeMap<(Option<i64>, String, String), String> {
    state
        .tasks
        .iter()
        .zip(state.task_lines())
        .map(|(t, line)| ((t.slot, t.image.clone(), t.desired.clone()), line))
        .collect()
}
