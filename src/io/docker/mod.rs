//! The Docker adapter: the only part of golive that talks to a Docker engine
//! (or podman's Docker-compatible socket). It is split by what each part
//! owns, so a change to one concern reads in one file: `connection` finds
//! and reaches the engine, `operations` resolves profile targets to
//! containers and carries out Docker actions on them, `states` turns what the
//! engine reports into the engine's `TargetState`, and `logs` follows
//! containers' logs across restarts and reconnects, and `swarm` reads Swarm
//! services and their tasks. The error type and the
//! mapping of the engine's refusals live here, shared by all four. Public
//! paths stay `crate::io::docker::X`: the parts are re-exported.

mod connection;
mod events;
mod logs;
mod operations;
mod states;
mod swarm;
mod swarm_actions;
mod swarm_logs;

pub use connection::{DEFAULT_HOST, Engine, host_from};
pub use logs::{FollowOptions, follow};
pub use operations::{ContainerRef, PROJECT_LABEL};
pub use states::{inspect_once, watch_states};
pub use swarm::{inspect_service, swarm_once};
pub use swarm_actions::apply_swarm;
pub use swarm_logs::follow_swarm;

#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error("cannot use Docker host {host}: {message}")]
    Connect { host: String, message: String },
    #[error("the Docker engine at {host} does not answer: {message}")]
    Unreachable { host: String, message: String },
    #[error("no container {0}")]
    NotFound(String),
    #[error("Docker engine refused: {0}")]
    Api(String),
    #[error("{0}")]
    Failed(String),
    /// A compose target whose project has none of the service's containers,
    /// while other projects do: refused rather than guessed at.
    #[error(
        "compose service `{service}` has no container in project `{project}`; it runs in {}: \
         set `project = \"...\"` on the target to the one meant",
        projects_named(.others)
    )]
    OtherProjects {
        service: String,
        project: String,
        others: Vec<String>,
    },
}

fn projects_named(projects: &[String]) -> String {
    let names: Vec<String> = projects.iter().map(|p| format!("`{p}`")).collect();
    match names.len() {
        1 => format!("project {}", names[0]),
        _ => format!("projects {}", names.join(", ")),
    }
}

fn api(err: bollard::errors::Error) -> DockerError {
    match err {
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message,
        } => DockerError::NotFound(message),
        other => DockerError::Api(other.to_string()),
    }
}
