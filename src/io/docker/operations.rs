//! The Docker adapter: the only module that talks to a Docker engine (or
//! podman's Docker-compatible socket). It connects honouring `DOCKER_HOST`,
//! resolves profile targets (a container, a compose service, a label) to
//! containers, follows their logs (timestamps, stdout and stderr, merged in
//! time order, picking up containers that appear later, resuming after a
//! container or engine restart without repeating lines), reports their
//! state, and carries out Docker actions (recreate from another image
//! keeping the container's settings, restart, rolling through a compose
//! service one container at a time).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::models::{
    ContainerConfig, ContainerCreateBody, ContainerInspectResponse, EndpointSettings,
    HealthStatusEnum, ImageConfig, NetworkConnectRequest, NetworkingConfig,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, RenameContainerOptionsBuilder, RestartContainerOptionsBuilder,
    StopContainerOptionsBuilder,
};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::{mpsc, watch};

use crate::app::containers::{ContainerHealth, ContainerState, TargetState};
use crate::app::logs::LogLine;
use crate::profile::{DockerOp, DockerTarget};

/// The engine's socket when neither an option nor `DOCKER_HOST` names one.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// Longest line kept; a longer one is cut (a 90k-character line must not
/// stall the pane).
const MAX_LINE: usize = 16 * 1024;
/// How long live lines are held to put several containers' lines in time
/// order.
const REORDER_WINDOW: Duration = Duration::from_millis(300);
/// How long the history (lines stamped before its stream opened) of a
/// source naming one container is held: nothing to merge it with.
const BACKLOG_WINDOW: Duration = Duration::ZERO;
/// Request timeout for engine calls other than log streams (seconds).
const API_TIMEOUT: u64 = 30;

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

/// The label Compose puts on every container of a project.
pub const PROJECT_LABEL: &str = "com.docker.compose.project";
/// How a project's containers are told apart from a label no project set.
const NO_PROJECT: &str = "(none: no com.docker.compose.project label)";

/// Labels in which Compose records what it deployed. A recreated container
/// runs something else, so they would be false: without them, the next
/// `docker-compose up` sees a container it did not make as it stands and
/// recreates it to what the compose file says.
const COMPOSE_DEPLOYED_LABELS: [&str; 2] =
    ["com.docker.compose.config-hash", "com.docker.compose.image"];

fn api(err: bollard::errors::Error) -> DockerError {
    match err {
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message,
        } => DockerError::NotFound(message),
        other => DockerError::Api(other.to_string()),
    }
}

/// Where to connect: the explicit option wins, then `DOCKER_HOST`, then the
/// default socket. Taken as a value so tests need not mutate their env.
pub fn host_from(explicit: Option<&str>) -> String {
    explicit
        .map(str::to_string)
        .or_else(|| std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| DEFAULT_HOST.to_string())
}

/// A connection to one engine, its API version negotiated.
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
    pub host: String,
}

impl Engine {
    /// Connects and pings within `timeout`, so "engine unreachable" is a clear
    /// error now rather than a hang later.
    pub async fn connect(host: &str, timeout: Duration) -> Result<Engine, DockerError> {
        let version = bollard::API_DEFAULT_VERSION;
        let docker = if let Some(path) = host.strip_prefix("unix://") {
            Docker::connect_with_unix(path, API_TIMEOUT, version)
        } else if host.starts_with("tcp://") || host.starts_with("http://") {
            Docker::connect_with_http(host, API_TIMEOUT, version)
        } else if host.starts_with('/') {
            Docker::connect_with_unix(host, API_TIMEOUT, version)
        } else {
            return Err(DockerError::Connect {
                host: host.to_string(),
                message: "only unix:// and tcp:// hosts are supported".into(),
            });
        }
        .map_err(|e| DockerError::Connect {
            host: host.to_string(),
            message: e.to_string(),
        })?;
        let unreachable = |message: String| DockerError::Unreachable {
            host: host.to_string(),
            message,
        };
        // Older engines (and podman) refuse a client newer than they are.
        let docker = tokio::time::timeout(timeout, docker.negotiate_version())
            .await
            .map_err(|_| unreachable(format!("no answer within {timeout:?}")))?
            .map_err(|e| unreachable(e.to_string()))?;
        tokio::time::timeout(timeout, docker.ping())
            .await
            .map_err(|_| unreachable(format!("no answer within {timeout:?}")))?
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(Engine {
            docker,
            host: host.to_string(),
        })
    }

    pub fn client(&self) -> &Docker {
        &self.docker
    }

    /// The containers a target names, running or not, sorted by name.
    pub async fn resolve(&self, target: &DockerTarget) -> Result<Vec<ContainerRef>, DockerError> {
        let mut filters: HashMap<String, Vec<String>> = HashMap::new();
        match target {
            DockerTarget::Container(name) => {
                return match self.docker.inspect_container(name, None).await {
                    Ok(c) => Ok(vec![ContainerRef::from_inspect(&c)]),
                    Err(e) => match api(e) {
                        DockerError::NotFound(_) => Ok(Vec::new()),
                        other => Err(other),
                    },
                };
            }
            DockerTarget::ComposeService { service, .. } => {
                // Every project's, so a wrong project can say where it runs.
                filters.insert(
                    "label".into(),
                    vec![format!("com.docker.compose.service={service}")],
                );
            }
            DockerTarget::Label { key, value } => {
                filters.insert("label".into(), vec![format!("{key}={value}")]);
            }
        }
        let opts = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let list = self.docker.list_containers(Some(opts)).await.map_err(api)?;
        let mut found: Vec<(ContainerRef, Option<String>)> = list
            .into_iter()
            .filter_map(|c| {
                let id = c.id?;
                let name = c
                    .names
                    .and_then(|n| n.into_iter().next())
                    .map(|n| n.trim_start_matches('/').to_string())
                    .unwrap_or_else(|| id.chars().take(12).collect());
                let project = c.labels.and_then(|mut l| l.remove(PROJECT_LABEL));
                Some((ContainerRef { id, name }, project))
            })
            .collect();
        found.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        match target {
            DockerTarget::ComposeService { service, project } => {
                in_project(service, project, found)
            }
            _ => Ok(found.into_iter().map(|(r, _)| r).collect()),
        }
    }

    /// The state of every container of a target; an engine error becomes
    /// part of the state (shown, never a silent pass).
    pub async fn target_state(&self, target: &DockerTarget) -> TargetState {
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

    /// Restarts the given containers, one at a time.
    async fn restart(&self, refs: &[ContainerRef]) -> Result<Vec<String>, DockerError> {
        let mut done = Vec::new();
        for r in refs {
            let opts = RestartContainerOptionsBuilder::default().t(10).build();
            self.docker
                .restart_container(&r.id, Some(opts))
                .await
                .map_err(api)?;
            done.push(format!("restarted {}", r.name));
        }
        Ok(done)
    }

    /// The containers an action on `target` would touch: at least one, and
    /// (for a compose service) only its project's.
    pub async fn touched(&self, target: &DockerTarget) -> Result<Vec<ContainerRef>, DockerError> {
        let refs = self.resolve(target).await?;
        if refs.is_empty() {
            return Err(DockerError::NotFound(crate::app::containers::target_label(
                target,
            )));
        }
        Ok(refs)
    }

    /// Carries out a Docker action: every container of the target in turn,
    /// waiting for each to be healthy (or running, without a healthcheck)
    /// before the next. Returns one line per step, for the journal.
    pub async fn apply(
        &self,
        target: &DockerTarget,
        op: &DockerOp,
        health_timeout: Duration,
    ) -> Result<Vec<String>, DockerError> {
        let refs = self.touched(target).await?;
        self.apply_to(&refs, op, health_timeout).await
    }

    /// [`Engine::apply`] on containers already resolved (and shown to the
    /// operator), so what runs is what was confirmed.
    pub async fn apply_to(
        &self,
        refs: &[ContainerRef],
        op: &DockerOp,
        health_timeout: Duration,
    ) -> Result<Vec<String>, DockerError> {
        match op {
            DockerOp::Restart => self.restart(refs).await,
            DockerOp::Image(image) => {
                let mut steps = Vec::new();
                for r in refs {
                    let id = self.recreate(&r.name, image).await?;
                    steps.push(format!("recreated {} from {image}", r.name));
                    self.wait_ready(&id, health_timeout).await?;
                    steps.push(format!("{} is up", r.name));
                }
                Ok(steps)
            }
        }
    }

    /// Waits until the container runs and, when it has a healthcheck, is
    /// healthy.
    pub async fn wait_ready(&self, id: &str, timeout: Duration) -> Result<(), DockerError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let c = self.docker.inspect_container(id, None).await.map_err(api)?;
            let state = container_state(&c);
            let ready = state.running
                && matches!(
                    state.health,
                    ContainerHealth::None | ContainerHealth::Healthy
                );
            if ready {
                return Ok(());
            }
            if state.status == "exited" || state.status == "dead" {
                return Err(DockerError::Failed(format!(
                    "{} exited (code {}) instead of starting",
                    state.name,
                    state.exit_code.unwrap_or(-1)
                )));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(DockerError::Failed(format!(
                    "{} not ready after {timeout:?} ({}, health {:?})",
                    state.name, state.status, state.health
                )));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Recreates container `name` from `image` as `docker run` would have
    /// made it from that image: what the operator set (name, env given at
    /// create, labels, ports, volumes, networks, restart policy, a command
    /// or entrypoint of their own) is kept, and every default of the old
    /// image (env, command, entrypoint, healthcheck, labels, working dir,
    /// user) is left out so the engine takes `image`'s instead. The old
    /// container is kept (renamed, stopped) until the new one has started,
    /// and put back if it cannot be.
    pub async fn recreate(&self, name: &str, image: &str) -> Result<String, DockerError> {
        let old = self
            .docker
            .inspect_container(name, None)
            .await
            .map_err(api)?;
        let old_id = old.id.clone().unwrap_or_else(|| name.to_string());
        let was_running = old.state.as_ref().and_then(|s| s.running).unwrap_or(false);
        // Without the old image's defaults there is no telling them from the
        // operator's, and carrying them would keep the release rolled back
        // from: refuse before anything is stopped.
        let old_image = old.image.clone().unwrap_or_default();
        let defaults = self
            .docker
            .inspect_image(&old_image)
            .await
            .map_err(|e| {
                DockerError::Failed(format!(
                    "cannot read the defaults of {name}'s current image {old_image} ({}); \
                     nothing was changed",
                    api(e)
                ))
            })?
            .config
            .unwrap_or_default();
        let (body, extra_networks) = recreate_body(&old, &defaults, image);
        let parked = format!("{name}-golive-replaced-{}", Utc::now().timestamp_millis());
        if was_running {
            // The container's own stop timeout, as `docker stop` would use.
            let grace = old
                .config
                .as_ref()
                .and_then(|c| c.stop_timeout)
                .and_then(|t| i32::try_from(t).ok())
                .unwrap_or(10);
            let opts = StopContainerOptionsBuilder::default().t(grace).build();
            self.docker
                .stop_container(&old_id, Some(opts))
                .await
                .map_err(api)?;
        }
        let rename = |to: &str| RenameContainerOptionsBuilder::default().name(to).build();
        self.docker
            .rename_container(&old_id, rename(&parked))
            .await
            .map_err(api)?;
        match self.create_and_start(name, body, &extra_networks).await {
            Ok(new_id) => {
                let opts = RemoveContainerOptionsBuilder::default().force(true).build();
                // Its named volumes stay; anonymous ones were carried over.
                let _ = self.docker.remove_container(&old_id, Some(opts)).await;
                Ok(new_id)
            }
            Err((err, created)) => {
                if let Some(id) = created {
                    let opts = RemoveContainerOptionsBuilder::default().force(true).build();
                    let _ = self.docker.remove_container(&id, Some(opts)).await;
                }
                let _ = self.docker.rename_container(&old_id, rename(name)).await;
                if was_running {
                    let _ = self.docker.start_container(&old_id, None).await;
                }
                Err(DockerError::Failed(format!(
                    "could not recreate {name} from {image} ({err}); the old container was put back"
                )))
            }
        }
    }

    async fn create_and_start(
        &self,
        name: &str,
        body: ContainerCreateBody,
        extra_networks: &[(String, EndpointSettings)],
    ) -> Result<String, (DockerError, Option<String>)> {
        let opts = CreateContainerOptionsBuilder::default().name(name).build();
        let created = self
            .docker
            .create_container(Some(opts), body)
            .await
            .map_err(|e| (api(e), None))?;
        let id = created.id;
        for (network, settings) in extra_networks {
            self.docker
                .connect_network(
                    network,
                    NetworkConnectRequest {
                        container: id.clone(),
                        endpoint_config: Some(settings.clone()),
                    },
                )
                .await
                .map_err(|e| (api(e), Some(id.clone())))?;
        }
        self.docker
            .start_container(&id, None)
            .await
            .map_err(|e| (api(e), Some(id.clone())))?;
        Ok(id)
    }
}

/// Of the containers of compose service `service` (found in any project,
/// with their project label), those of `project`. When the project has none
/// but others do, the target is refused naming them: a profile written for
/// one project must never roll another one back, and a wrong guess of the
/// project name should say where the service does run.
fn in_project(
    service: &str,
    project: &str,
    found: Vec<(ContainerRef, Option<String>)>,
) -> Result<Vec<ContainerRef>, DockerError> {
    let mut others: Vec<String> = Vec::new();
    let mut mine = Vec::new();
    for (r, p) in found {
        if p.as_deref() == Some(project) {
            mine.push(r);
        } else {
            let p = p.unwrap_or_else(|| NO_PROJECT.to_string());
            if !others.contains(&p) {
                others.push(p);
            }
        }
    }
    if mine.is_empty() && !others.is_empty() {
        others.sort();
        return Err(DockerError::OtherProjects {
            service: service.to_string(),
            project: project.to_string(),
            others,
        });
    }
    Ok(mine)
}

/// A container as a target resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRef {
    pub id: String,
    pub name: String,
}

impl ContainerRef {
    fn from_inspect(c: &ContainerInspectResponse) -> Self {
        let id = c.id.clone().unwrap_or_default();
        let name = c
            .name
            .as_deref()
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_else(|| id.chars().take(12).collect());
        Self { id, name }
    }
}

fn container_state(c: &ContainerInspectResponse) -> ContainerState {
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

/// What the operator set on a container made from an image with
/// `defaults`: the container's config without what the engine filled in from
/// the image at create time (and without Compose's record of what it
/// deployed). A value equal to the image's default is taken for the default:
/// the engine cannot tell them apart either, and the new image's default is
/// what `docker run` would give it.
fn operator_config(cfg: ContainerConfig, defaults: &ImageConfig) -> ContainerConfig {
    let same_list = |a: &Option<Vec<String>>, b: &Option<Vec<String>>| {
        a.as_deref().unwrap_or_default() == b.as_deref().unwrap_or_default()
    };
    let unless_default = |value: Option<String>, default: &Option<String>| {
        value.filter(|v| !v.is_empty() && Some(v) != default.as_ref())
    };
    let image_env = defaults.env.as_deref().unwrap_or_default();
    let env: Vec<String> = cfg
        .env
        .unwrap_or_default()
        .into_iter()
        .filter(|e| !image_env.contains(e))
        .collect();
    // The engine gives a container the image's command only when it has no
    // entrypoint of its own, so a command next to the operator's entrypoint
    // is the operator's, whatever it equals.
    let own_entrypoint = !same_list(&cfg.entrypoint, &defaults.entrypoint);
    let own_cmd = own_entrypoint || !same_list(&cfg.cmd, &defaults.cmd);
    let entrypoint = cfg.entrypoint.filter(|_| own_entrypoint);
    let cmd = cfg.cmd.filter(|_| own_cmd);
    let image_labels = defaults.labels.clone().unwrap_or_default();
    let labels: HashMap<String, String> = cfg
        .labels
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, v)| {
            image_labels.get(k) != Some(v) && !COMPOSE_DEPLOYED_LABELS.contains(&k.as_str())
        })
        .collect();
    let minus = |own: Option<Vec<String>>, image: &Option<Vec<String>>| {
        let image = image.as_deref().unwrap_or_default();
        own.map(|v| {
            v.into_iter()
                .filter(|x| !image.contains(x))
                .collect::<Vec<_>>()
        })
        .filter(|v| !v.is_empty())
    };
    ContainerConfig {
        env: Some(env).filter(|e| !e.is_empty()),
        cmd,
        entrypoint,
        healthcheck: cfg
            .healthcheck
            .filter(|h| Some(h) != defaults.healthcheck.as_ref()),
        labels: Some(labels).filter(|l| !l.is_empty()),
        working_dir: unless_default(cfg.working_dir, &defaults.working_dir),
        user: unless_default(cfg.user, &defaults.user),
        stop_signal: unless_default(cfg.stop_signal, &defaults.stop_signal),
        exposed_ports: minus(cfg.exposed_ports, &defaults.exposed_ports),
        volumes: minus(cfg.volumes, &defaults.volumes),
        ..cfg
    }
}

/// The create request that reproduces `old` on `image` (its own settings,
/// `image`'s defaults), and the networks to connect after creation (older
/// engines accept one at create time).
fn recreate_body(
    old: &ContainerInspectResponse,
    old_defaults: &ImageConfig,
    image: &str,
) -> (ContainerCreateBody, Vec<(String, EndpointSettings)>) {
    let mut cfg = operator_config(old.config.clone().unwrap_or_default(), old_defaults);
    let host = old.host_config.clone().unwrap_or_default();
    // A published port stays exposed, whichever image exposed it first.
    for port in host.port_bindings.iter().flat_map(|b| b.keys()) {
        let exposed = cfg.exposed_ports.get_or_insert_with(Vec::new);
        if !exposed.contains(port) {
            exposed.push(port.clone());
        }
    }
    let mut host = host;
    let short_id: String = old
        .id
        .clone()
        .unwrap_or_default()
        .chars()
        .take(12)
        .collect();
    // Anonymous volumes are not in the binds; carry them by name so the data
    // follows the container.
    let mut binds = host.binds.clone().unwrap_or_default();
    for m in old.mounts.iter().flatten() {
        if m.typ.as_deref() == Some("volume")
            && let (Some(vol), Some(dest)) = (&m.name, &m.destination)
            && !binds
                .iter()
                .any(|b| b.split(':').nth(1) == Some(dest.as_str()))
        {
            let mode = if m.rw == Some(false) { ":ro" } else { "" };
            binds.push(format!("{vol}:{dest}{mode}"));
        }
    }
    if !binds.is_empty() {
        host.binds = Some(binds);
    }
    let mut networks: Vec<(String, EndpointSettings)> = old
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|(name, ep)| {
            let aliases = ep
                .aliases
                .map(|a| a.into_iter().filter(|x| *x != short_id).collect::<Vec<_>>());
            let settings = EndpointSettings {
                aliases: aliases.filter(|a| !a.is_empty()),
                ipam_config: ep.ipam_config,
                links: ep.links,
                driver_opts: ep.driver_opts,
                ..Default::default()
            };
            (name, settings)
        })
        .collect();
    networks.sort_by(|a, b| a.0.cmp(&b.0));
    let primary = host.network_mode.clone().unwrap_or_default();
    let (first, rest): (Vec<_>, Vec<_>) = networks.into_iter().partition(|(n, _)| *n == primary);
    let networking_config = first.into_iter().next().map(|(n, ep)| NetworkingConfig {
        endpoints_config: Some(HashMap::from([(n, ep)])),
    });
    // The hostname defaults to the old id; a new container gets its own.
    let hostname = cfg.hostname.filter(|h| *h != short_id);
    let body = ContainerCreateBody {
        hostname,
        domainname: cfg.domainname,
        user: cfg.user,
        exposed_ports: cfg.exposed_ports,
        tty: cfg.tty,
        open_stdin: cfg.open_stdin,
        stdin_once: cfg.stdin_once,
        env: cfg.env,
        cmd: cfg.cmd,
        healthcheck: cfg.healthcheck,
        image: Some(image.to_string()),
        volumes: cfg.volumes,
        working_dir: cfg.working_dir,
        entrypoint: cfg.entrypoint,
        labels: cfg.labels,
        stop_signal: cfg.stop_signal,
        stop_timeout: cfg.stop_timeout,
        host_config: Some(host),
        networking_config,
        ..Default::default()
    };
    (body, rest)
}

/// Polls the state of each target every `interval` and sends it with the
/// target's index, for the health pane; an unreachable engine is sent as a
/// state with its error (never silence). Ends when `stop` turns true or the
/// receiver goes away. One inspect per container per interval keeps the load
/// on the daemon small.
pub async fn watch_states(
    host: String,
    targets: Vec<DockerTarget>,
    interval: Duration,
    tx: mpsc::Sender<(usize, TargetState)>,
    mut stop: watch::Receiver<bool>,
) {
    let mut engine: Option<Engine> = None;
    loop {
        if engine.is_none() {
            engine = Engine::connect(&host, Duration::from_secs(5))
                .await
                .map_err(|e| {
                    let msg = e.to_string();
                    (0..targets.len()).for_each(|i| {
                        let _ = tx.try_send((
                            i,
                            TargetState {
                                containers: Vec::new(),
                                error: Some(msg.clone()),
                            },
                        ));
                    });
                })
                .ok();
        }
        if let Some(e) = &engine {
            for (i, target) in targets.iter().enumerate() {
                let state = e.target_state(target).await;
                let failed = state.error.is_some();
                if tx.send((i, state)).await.is_err() {
                    return;
                }
                if failed {
                    engine = None;
                    break;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => if *stop.borrow() { return },
        }
        if tx.is_closed() {
            return;
        }
    }
}

/// The target's state in one look, for a one-off docker check item: an
/// engine that does not answer is a state with its error, never a verdict
/// (the rule is `app::containers::evaluate_docker_check_once`).
pub async fn inspect_once(host: &str, target: &DockerTarget) -> TargetState {
    match Engine::connect(host, Duration::from_secs(5)).await {
        Ok(engine) => engine.target_state(target).await,
        Err(e) => TargetState {
            containers: Vec::new(),
            error: Some(e.to_string()),
        },
    }
}

// ---------------------------------------------------------------- log follow

/// How a Docker log source is followed.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// The profile's log source id.
    pub source: String,
    /// Only lines at or after this time (None: the whole backlog).
    pub since: Option<DateTime<Utc>>,
    /// How often the target is re-resolved to pick up new containers.
    pub rescan: Duration,
    /// Longest wait between reconnection attempts.
    pub max_backoff: Duration,
    /// Lines per batch sent downstream.
    pub batch: usize,
}

impl FollowOptions {
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            since: None,
            rescan: Duration::from_secs(2),
            max_backoff: Duration::from_secs(5),
            batch: 256,
        }
    }
}

/// One line as read from a container, before merging.
#[derive(Debug)]
struct Raw {
    at: DateTime<Utc>,
    seq: u64,
    line: LogLine,
    /// Stamped before its stream opened: history, not live interleaving.
    backlog: bool,
}

impl PartialEq for Raw {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Raw {}
impl PartialOrd for Raw {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Raw {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// Follows every container of `target` until `stop` turns true (or the
/// receiver goes away), sending batches of merged, sanitised lines. Engine
/// trouble is retried with back-off, never fatal: a note line says so.
pub async fn follow(
    host: String,
    target: DockerTarget,
    opts: FollowOptions,
    tx: mpsc::Sender<Vec<LogLine>>,
    mut stop: watch::Receiver<bool>,
) {
    // One named container's history has nothing to merge with: it shows at
    // once. Several containers' histories arrive apart (seconds apart on a
    // loaded machine), so they wait out the reorder window like live lines.
    let history_window = match target {
        DockerTarget::Container(_) => BACKLOG_WINDOW,
        _ => REORDER_WINDOW,
    };
    let (raw_tx, mut raw_rx) = mpsc::channel::<Vec<Raw>>(64);
    let discover = tokio::spawn(discover(host, target, opts.clone(), raw_tx, stop.clone()));
    let mut held: BinaryHeap<Reverse<Raw>> = BinaryHeap::new();
    // When each batch held may leave, and how many lines it brought.
    let mut arrivals: std::collections::VecDeque<(tokio::time::Instant, usize)> =
        std::collections::VecDeque::new();
    let mut open = true;
    loop {
        // Nothing held, nothing to wake for: an idle source costs no timer.
        let next = match arrivals.front() {
            Some((due, _)) => Some(*due),
            None if !open => Some(tokio::time::Instant::now()),
            None => None,
        };
        tokio::select! {
            batch = raw_rx.recv(), if open => match batch {
                Some(batch) => {
                    // History (stamped before its stream opened) of a single
                    // container leaves at once; live lines wait out the
                    // reorder window.
                    let window = if batch.iter().all(|r| r.backlog) {
                        history_window
                    } else {
                        REORDER_WINDOW
                    };
                    let due = tokio::time::Instant::now() + window;
                    // Due times stay in order, so a batch never leaves
                    // before one that came earlier.
                    let due = arrivals.back().map_or(due, |(last, _)| due.max(*last));
                    arrivals.push_back((due, batch.len()));
                    held.extend(batch.into_iter().map(Reverse));
                }
                None => open = false,
            },
            _ = sleep_until_some(next) => {
                // Due lines leave in timestamp order.
                let now = tokio::time::Instant::now();
                let mut due = 0;
                while let Some((at, n)) = arrivals.front() {
                    if *at <= now || !open {
                        due += n;
                        arrivals.pop_front();
                    } else {
                        break;
                    }
                }
                if due > 0 {
                    let mut out = Vec::with_capacity(due.min(opts.batch));
                    for _ in 0..due {
                        let Some(Reverse(raw)) = held.pop() else { break };
                        out.push(raw.line);
                        if out.len() >= opts.batch
                            && tx.send(std::mem::take(&mut out)).await.is_err()
                        {
                            discover.abort();
                            return;
                        }
                    }
                    if !out.is_empty() && tx.send(out).await.is_err() {
                        discover.abort();
                        return;
                    }
                }
                if !open && held.is_empty() {
                    break;
                }
            }
            _ = stop.changed() => {
                if *stop.borrow() { break; }
            }
        }
    }
    discover.abort();
}

async fn discover(
    host: String,
    target: DockerTarget,
    opts: FollowOptions,
    raw_tx: mpsc::Sender<Vec<Raw>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut followers: BTreeMap<String, tokio::task::JoinHandle<()>> = BTreeMap::new();
    let mut engine: Option<Engine> = None;
    let mut backoff = Duration::from_millis(200);
    // Said once per outage, so a long one is one line, not one per retry.
    let mut outage = false;
    // Said once too: the service runs only in other compose projects.
    let mut misplaced = false;
    loop {
        if engine.is_none() {
            match Engine::connect(&host, Duration::from_secs(5)).await {
                Ok(e) => {
                    engine = Some(e);
                    backoff = Duration::from_millis(200);
                    if outage {
                        let text = format!("engine at {host} reachable again");
                        let _ = raw_tx.send(vec![note(&opts.source, &text)]).await;
                        outage = false;
                    }
                }
                Err(e) => {
                    if !outage {
                        let text = format!(
                            "engine unreachable: {e}; retrying in {:.1}s, then every {}s at most",
                            backoff.as_secs_f64(),
                            opts.max_backoff.as_secs()
                        );
                        let _ = raw_tx.send(vec![note(&opts.source, &text)]).await;
                        outage = true;
                    }
                }
            }
        }
        if let Some(e) = &engine {
            match e.resolve(&target).await {
                Ok(refs) => {
                    for r in refs {
                        let alive = followers.get(&r.id).is_some_and(|h| !h.is_finished());
                        if !alive {
                            let task = follow_container(
                                e.clone(),
                                r.clone(),
                                opts.clone(),
                                raw_tx.clone(),
                            );
                            followers.insert(r.id.clone(), tokio::spawn(task));
                        }
                    }
                    backoff = Duration::from_millis(200);
                    misplaced = false;
                }
                // Not an outage: the engine answered, the target is wrong.
                Err(err @ DockerError::OtherProjects { .. }) => {
                    if !misplaced {
                        let _ = raw_tx
                            .send(vec![note(&opts.source, &err.to_string())])
                            .await;
                        misplaced = true;
                    }
                }
                Err(_) => engine = None,
            }
        }
        let wait = if engine.is_some() {
            opts.rescan
        } else {
            backoff
        };
        backoff = (backoff * 2).min(opts.max_backoff);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => if *stop.borrow() { break },
        }
        if raw_tx.is_closed() {
            break;
        }
    }
    for (_, h) in followers {
        h.abort();
    }
}

/// Waits until `at`, or forever when there is nothing to wait for.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// golive's own line in a source's stream (an outage, a resume). Error texts
/// can quote what the engine or the network said, so they are cleaned too.
fn note(source: &str, text: &str) -> Raw {
    let at = Utc::now();
    let text = crate::app::sanitize::clean_text(text);
    Raw {
        at,
        seq: 0,
        line: LogLine::new(source, Some(at), format!("golive: {text}")),
        backlog: false,
    }
}

/// Splits a `timestamps=true` log line into its time and text.
fn split_timestamp(line: &[u8]) -> (Option<DateTime<Utc>>, &[u8]) {
    if let Some(pos) = memchr::memchr(b' ', line)
        && pos >= 20
        && let Ok(ts) = std::str::from_utf8(&line[..pos])
        && let Ok(at) = DateTime::parse_from_rfc3339(ts)
    {
        return (Some(at.with_timezone(&Utc)), &line[pos + 1..]);
    }
    (None, line)
}

/// What a follower has already passed on, so a reconnect skips it. The
/// engine resumes from a whole second, so a reopened stream replays what was
/// held from that second on: each line passed on since the second before it
/// is remembered (by time and a hash of its text, with how many) and matched
/// off once in the replay. Nothing is dropped by its time alone: the engine
/// stamps stdout and stderr apart, so a stderr line can follow a newer stdout
/// line in the stream, and it is still new. Identical lines at one instant (a
/// burst of the same message) are all new within one stream.
#[derive(Debug, Default)]
struct Seen {
    /// The newest time passed on: where a reopened stream resumes.
    last: Option<DateTime<Utc>>,
    recent: HashMap<(DateTime<Utc>, u64), u32>,
    /// Of `recent`, what the current stream has not replayed yet.
    replay: HashMap<(DateTime<Utc>, u64), u32>,
}

impl Seen {
    /// A new stream starts: it will replay the lines held since `last`'s second.
    fn reconnecting(&mut self) {
        self.replay = self.recent.clone();
    }

    /// True when the line is new; records it.
    fn admit(&mut self, at: DateTime<Utc>, text: &[u8]) -> bool {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut hasher);
        let key = (at, hasher.finish());
        if let Some(n) = self.replay.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                self.replay.remove(&key);
            }
            return false;
        }
        *self.recent.entry(key).or_default() += 1;
        if self.last.is_none_or(|last| at > last) {
            let new_second = self
                .last
                .is_none_or(|last| last.timestamp() != at.timestamp());
            self.last = Some(at);
            if new_second {
                // A replay starts at `last`'s whole second; keep one more
                // for lines stamped just before it.
                let keep_from = at.timestamp() - 1;
                self.recent.retain(|(t, _), _| t.timestamp() >= keep_from);
            }
        }
        true
    }
}

/// Follows one container until it is removed (or the receiver goes away).
/// A stream that ends (the container stopped or restarted) or breaks (the
/// engine went away) is reopened with back-off from the last line held; a
/// break and the resume are said once each, not once per retry.
async fn follow_container(
    engine: Engine,
    container: ContainerRef,
    opts: FollowOptions,
    raw_tx: mpsc::Sender<Vec<Raw>>,
) {
    let mut seen = Seen::default();
    let mut backoff = Duration::from_millis(100);
    let mut seq: u64 = 1;
    let mut engine = engine;
    let mut broken = false;
    // The run the open stream belongs to, to tell a restart from a stop.
    let mut run_started = match engine.docker.inspect_container(&container.id, None).await {
        Ok(c) => run_of(&c).1,
        Err(_) => None,
    };
    loop {
        // Resume from the last line held (to the second: the API's
        // granularity); `Seen` drops the overlap.
        let since = seen
            .last
            .or(opts.since)
            .map(|t| i32::try_from(t.timestamp()).unwrap_or(0))
            .unwrap_or(0);
        seen.reconnecting();
        let opened = Utc::now();
        let logs_opts = LogsOptionsBuilder::default()
            .follow(true)
            .stdout(true)
            .stderr(true)
            .timestamps(true)
            .since(since)
            .build();
        let mut stream = engine.docker.logs(&container.id, Some(logs_opts));
        let mut partial: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
        let mut got_any = false;
        while let Some(item) = stream.next().await {
            let (slot, bytes) = match item {
                Ok(LogOutput::StdErr { message }) => (1, message),
                Ok(LogOutput::StdOut { message } | LogOutput::Console { message }) => (0, message),
                Ok(LogOutput::StdIn { .. }) => continue,
                Err(e) => {
                    if !broken {
                        let text =
                            format!("log stream of {} broke ({e}); resuming", container.name);
                        let _ = raw_tx.send(vec![note(&opts.source, &text)]).await;
                        broken = true;
                    }
                    break;
                }
            };
            got_any = true;
            let buf = &mut partial[slot];
            buf.extend_from_slice(&bytes);
            let mut batch = Vec::new();
            let mut start = 0;
            while let Some(nl) = memchr::memchr(b'\n', &buf[start..]) {
                let line = &buf[start..start + nl];
                start += nl + 1;
                if let Some(mut raw) = make_line(line, &container, &opts, &mut seen, &mut seq) {
                    raw.backlog = raw.at < opened;
                    batch.push(raw);
                }
            }
            buf.drain(..start);
            if buf.len() > MAX_LINE * 4 {
                let line = std::mem::take(buf);
                if let Some(raw) = make_line(&line, &container, &opts, &mut seen, &mut seq) {
                    batch.push(raw);
                }
            }
            if !batch.is_empty() && raw_tx.send(batch).await.is_err() {
                return;
            }
        }
        if got_any {
            backoff = Duration::from_millis(100);
        }
        // The stream ended: the container stopped or restarted, or the engine
        // went away. Look again with back-off. A stream that ended cleanly
        // on a stopped container had everything, so the log is reopened
        // only once it runs again (or ran in between): an exited container
        // costs an inspect per back-off, not a replay of its last second.
        loop {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(opts.max_backoff);
            if raw_tx.is_closed() {
                return;
            }
            let inspected = match engine.docker.inspect_container(&container.id, None).await {
                Ok(c) => Some(c),
                Err(e) => match api(e) {
                    DockerError::NotFound(_) => return,
                    _ => match Engine::connect(&engine.host, Duration::from_secs(5)).await {
                        Ok(fresh) => {
                            engine = fresh;
                            engine
                                .docker
                                .inspect_container(&container.id, None)
                                .await
                                .ok()
                        }
                        Err(_) => None,
                    },
                },
            };
            let Some(c) = inspected else { continue };
            let (running, started) = run_of(&c);
            if broken {
                let from = seen
                    .last
                    .map(|t| format!(" from {} UTC", t.format("%H:%M:%S")))
                    .unwrap_or_default();
                let text = format!("log stream of {} resumed{from}", container.name);
                let _ = raw_tx.send(vec![note(&opts.source, &text)]).await;
                broken = false;
                run_started = started;
                break;
            }
            if running || started != run_started {
                run_started = started;
                break;
            }
        }
    }
}

/// Whether a container runs, and when its current (or last) run started.
fn run_of(c: &ContainerInspectResponse) -> (bool, Option<String>) {
    let state = c.state.as_ref();
    (
        state.and_then(|s| s.running).unwrap_or(false),
        state.and_then(|s| s.started_at.clone()),
    )
}

fn make_line(
    line: &[u8],
    container: &ContainerRef,
    opts: &FollowOptions,
    seen: &mut Seen,
    seq: &mut u64,
) -> Option<Raw> {
    let (at, text) = split_timestamp(line);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    let at = at.unwrap_or_else(Utc::now);
    if let Some(since) = opts.since
        && at < since
    {
        return None;
    }
    if !seen.admit(at, text) {
        return None;
    }
    let cut = &text[..text.len().min(MAX_LINE)];
    *seq += 1;
    let mut line = LogLine::from_bytes(opts.source.clone(), Some(at), cut);
    line.replica = Some(container.name.clone());
    Some(Raw {
        at,
        seq: *seq,
        line,
        backlog: false,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_split_off() {
        let (at, text) = split_timestamp(b"2026-01-02T03:04:05.123456789Z hello world");
        assert_eq!(
            at.unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            "2026-01-02T03:04:05.123456789Z"
        );
        assert_eq!(text, b"hello world");
        let (at, text) = split_timestamp(b"no timestamp here at all");
        assert!(at.is_none());
        assert_eq!(text, b"no timestamp here at all");
    }

    #[test]
    fn seen_keeps_a_stderr_line_stamped_before_the_stdout_line_ahead_of_it() {
        let ms = |n: i64| DateTime::<Utc>::from_timestamp_millis(n).unwrap();
        let mut seen = Seen::default();
        assert!(seen.admit(ms(10_500), b"done-marker"));
        assert!(seen.admit(ms(10_490), b"ERROR to-stderr"));
        // Both come again after a reconnect, and both are dropped once.
        seen.reconnecting();
        assert!(!seen.admit(ms(10_490), b"ERROR to-stderr"));
        assert!(!seen.admit(ms(10_500), b"done-marker"));
        assert!(seen.admit(ms(10_600), b"next"));
        // Lines a second and more behind the newest are forgotten.
        assert!(seen.admit(ms(12_100), b"later"));
        seen.reconnecting();
        assert!(seen.replay.keys().all(|(t, _)| t.timestamp() >= 11));
    }

    #[test]
    fn seen_drops_the_overlap_only() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let mut seen = Seen::default();
        assert!(seen.admit(t(10), b"a"));
        assert!(seen.admit(t(10), b"b"));
        assert!(seen.admit(t(11), b"c"));
        // A reconnect from second 10 replays a, b, c.
        seen.reconnecting();
        assert!(!seen.admit(t(10), b"a"));
        assert!(!seen.admit(t(10), b"b"));
        assert!(!seen.admit(t(11), b"c"));
        assert!(seen.admit(t(11), b"d"));
        assert!(seen.admit(t(12), b"c"));
    }

    #[test]
    fn seen_keeps_identical_lines_of_one_instant() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let mut seen = Seen::default();
        // A burst of the same message within one stream: all of them.
        assert!(seen.admit(t(5), b"same"));
        assert!(seen.admit(t(5), b"same"));
        assert!(seen.admit(t(5), b"same"));
        // The replay matches off exactly the three held, then a fourth is new.
        seen.reconnecting();
        for _ in 0..3 {
            assert!(!seen.admit(t(5), b"same"));
        }
        assert!(seen.admit(t(5), b"same"));
    }

    fn strings(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn the_old_images_defaults_are_left_to_the_new_image() {
        let image = ImageConfig {
            env: strings(&["PATH=/bin", "RELEASE=v2"]),
            cmd: strings(&["serve-v2"]),
            entrypoint: strings(&["/bin/sh", "-c"]),
            working_dir: Some("/srv/v2".into()),
            labels: Some(HashMap::from([("version".into(), "v2".into())])),
            exposed_ports: strings(&["8080/tcp"]),
            ..Default::default()
        };
        let container = ContainerConfig {
            env: strings(&["PATH=/bin", "RELEASE=v2", "APP_MODE=canary"]),
            cmd: strings(&["serve-v2"]),
            entrypoint: strings(&["/bin/sh", "-c"]),
            working_dir: Some("/srv/v2".into()),
            labels: Some(HashMap::from([
                ("version".into(), "v2".into()),
                ("role".into(), "canary".into()),
                ("com.docker.compose.config-hash".into(), "abc".into()),
                ("com.docker.compose.project".into(), "shop".into()),
            ])),
            exposed_ports: strings(&["8080/tcp", "9090/tcp"]),
            hostname: Some("api".into()),
            ..Default::default()
        };
        let own = operator_config(container, &image);
        assert_eq!(own.env, strings(&["APP_MODE=canary"]));
        assert_eq!(own.cmd, None);
        assert_eq!(own.entrypoint, None);
        assert_eq!(own.working_dir, None);
        assert_eq!(
            own.labels,
            Some(HashMap::from([
                ("role".into(), "canary".into()),
                ("com.docker.compose.project".into(), "shop".into()),
            ]))
        );
        assert_eq!(own.exposed_ports, strings(&["9090/tcp"]));
        assert_eq!(own.hostname.as_deref(), Some("api"));
    }

    #[test]
    fn a_command_or_entrypoint_of_the_operators_is_kept() {
        let image = ImageConfig {
            cmd: strings(&["serve"]),
            entrypoint: strings(&["/bin/sh", "-c"]),
            ..Default::default()
        };
        // Their own command with the image's entrypoint.
        let own = operator_config(
            ContainerConfig {
                cmd: strings(&["migrate"]),
                entrypoint: strings(&["/bin/sh", "-c"]),
                ..Default::default()
            },
            &image,
        );
        assert_eq!((own.cmd, own.entrypoint), (strings(&["migrate"]), None));
        // Their own entrypoint: the command beside it is theirs too, even
        // when it equals the image's (the engine gave it no image command).
        let own = operator_config(
            ContainerConfig {
                cmd: strings(&["serve"]),
                entrypoint: strings(&["/entry"]),
                ..Default::default()
            },
            &image,
        );
        assert_eq!(
            (own.cmd, own.entrypoint),
            (strings(&["serve"]), strings(&["/entry"]))
        );
    }

    #[test]
    fn a_compose_target_keeps_to_its_project() {
        let c = |name: &str| ContainerRef {
            id: format!("id-{name}"),
            name: name.into(),
        };
        let found = vec![
            (c("shop_api_1"), Some("shop".to_string())),
            (c("other_api_1"), Some("other".to_string())),
            (c("loose"), None),
        ];
        let mine = in_project("api", "shop", found.clone()).unwrap();
        assert_eq!(mine, vec![c("shop_api_1")]);
        let err = in_project("api", "billing", found).unwrap_err().to_string();
        assert!(
            err.starts_with("compose service `api` has no container in project `billing`"),
            "{err}"
        );
        assert!(err.contains("`other`") && err.contains("`shop`"), "{err}");
        assert!(err.contains("com.docker.compose.project label"), "{err}");
        assert!(err.contains("project = \"...\""), "{err}");
        assert_eq!(in_project("api", "shop", Vec::new()).unwrap(), vec![]);
    }

    #[test]
    fn host_option_wins() {
        assert_eq!(host_from(Some("tcp://127.0.0.1:1")), "tcp://127.0.0.1:1");
    }
}
