//! Operations: what a profile's Docker target and actions do to containers.
//! A target (a container, a compose service kept to its project, a label) is
//! resolved to containers, and an action is carried out on them one at a
//! time: a restart, or a recreate from another image that keeps what the
//! operator set and leaves the old image's defaults to the new one, waiting
//! for each container to be ready before the next.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{
    ContainerConfig, ContainerCreateBody, ContainerInspectResponse, EndpointSettings, ImageConfig,
    NetworkConnectRequest, NetworkingConfig,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
    RenameContainerOptionsBuilder, RestartContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use chrono::Utc;

use super::states::container_state;
use super::{DockerError, Engine, api};
use crate::engine::containers::ContainerHealth;
use crate::profile::{DockerOp, DockerTarget};

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

impl Engine {
    /// The container of this name or id, if there is one.
    pub(super) async fn inspect_named(
        &self,
        name: &str,
    ) -> Result<Option<bollard::models::ContainerInspectResponse>, DockerError> {
        match self.docker.inspect_container(name, None).await {
            Ok(c) => Ok(Some(c)),
            Err(e) => match api(e) {
                DockerError::NotFound(_) => Ok(None),
                other => Err(other),
            },
        }
    }

    /// The containers a target names, running or not, sorted by name.
    pub async fn resolve(&self, target: &DockerTarget) -> Result<Vec<ContainerRef>, DockerError> {
        let mut filters: HashMap<String, Vec<String>> = HashMap::new();
        match target {
            DockerTarget::Container(name) => {
                let found = self.inspect_named(name).await?;
                return Ok(found.iter().map(ContainerRef::from_inspect).collect());
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
            return Err(DockerError::NotFound(
                crate::engine::containers::target_label(target),
            ));
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
    pub(super) fn from_inspect(c: &ContainerInspectResponse) -> Self {
        let id = c.id.clone().unwrap_or_default();
        let name = c
            .name
            .as_deref()
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_else(|| id.chars().take(12).collect());
        Self { id, name }
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

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
}
