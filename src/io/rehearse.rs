//! Looks, for a rehearsal, at what an action needs without running it: its
//! executable on PATH, the containers its target names and the image it
//! returns to, its Swarm service, or (through kubectl) its Kubernetes
//! deployment. Facts only; `engine::rehearsal` judges.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::docker::{self, Engine};
use crate::engine::rehearsal::RehearsalFacts;
use crate::profile::{Action, ActionKind, DockerOp, SwarmOp};

pub async fn gather(action: &Action, docker_host: Option<&str>) -> RehearsalFacts {
    let mut facts = RehearsalFacts::default();
    if let ActionKind::Command { argv, cwd, .. } = &action.kind {
        facts.executable = Some(match argv.first() {
            Some(program) => find_executable(program, cwd.as_deref()),
            None => Err("the command is empty".to_string()),
        });
        return facts;
    }
    if let ActionKind::Kubernetes { target, .. } = &action.kind {
        let kubectl = crate::engine::kubernetes::argv::KUBECTL;
        let found = find_executable(kubectl, None);
        let on_path = found.is_ok();
        facts.executable = Some(found);
        if on_path {
            let state = super::kubectl::look(target).await;
            facts.deployment = Some(Box::new(state));
        }
        return facts;
    }
    // One connection answers every question a Docker or Swarm action asks.
    let host = docker::host_from(docker_host);
    let engine = Engine::connect(&host, Duration::from_secs(10)).await;
    match (&action.kind, engine) {
        (ActionKind::Docker { .. }, Err(e)) => facts.containers = Some(Err(e.to_string())),
        (ActionKind::Swarm { .. }, Err(e)) => facts.service = Some(Err(e.to_string())),
        (ActionKind::Docker { target, op }, Ok(engine)) => {
            facts.containers = Some(
                engine
                    .touched(target)
                    .await
                    .map(|refs| refs.into_iter().map(|r| r.name).collect())
                    .map_err(|e| e.to_string()),
            );
            if let DockerOp::Image(image) = op {
                facts.image = Some(image_present(&engine, image).await);
            }
        }
        (ActionKind::Swarm { service, op }, Ok(engine)) => {
            let found = docker::inspect_service(&engine, service).await;
            let exists = found.is_ok();
            facts.service = Some(found.map(|_| ()).map_err(|e| e.to_string()));
            if let (SwarmOp::Image(image), true) = (op, exists) {
                facts.image = Some(image_present(&engine, image).await);
            }
        }
        (ActionKind::Command { .. } | ActionKind::Kubernetes { .. }, _) => {}
    }
    facts
}

async fn image_present(engine: &Engine, image: &str) -> Result<(), String> {
    match engine.client().inspect_image(image).await {
        Ok(_) => Ok(()),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Err(format!("{image} is not on the engine")),
        Err(e) => Err(format!("{image}: {e}")),
    }
}

/// Where `program` would be found when run: a path as given (relative to
/// the action's `cwd`), else the first executable of that name on PATH.
fn find_executable(program: &str, cwd: Option<&Path>) -> Result<String, String> {
    if program.contains('/') {
        let path = match cwd {
            Some(dir) if !program.starts_with('/') => dir.join(program),
            _ => PathBuf::from(program),
        };
        return if is_executable(&path) {
            Ok(path.display().to_string())
        } else {
            Err(format!("`{program}` is not an executable file"))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
        .map(|p| p.display().to_string())
        .ok_or_else(|| format!("`{program}` is not on PATH"))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
