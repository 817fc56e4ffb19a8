//! Container state as the health pane and `check = { docker = ... }` see it:
//! what the engine said about each container of a target (running or not,
//! health, restarts), summed into the facts conditions are written against
//! (`[RUNNING] >= 3`, `[HEALTHY] == [RUNNING]`, `[RESTARTS] == 0`) through
//! `engine::condition`'s `Facts`. Pure: the Docker adapter fills it in.
//!
//! The cockpit keeps, per target, the latest state and a [`RestartTracker`]
//! that counts restarts from the first observation on, so `[RESTARTS] == 0`
//! means "none since the release started", also across a `docker restart`
//! (which the engine's own count ignores) and a recreated container.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::engine::health::HealthState;
use crate::model::condition::{Condition, Facts, PathSeg, Value, Verdict};
use crate::profile::{ActionKind, Check, DockerCheck, DockerTarget, LogKind, Profile};

/// The engine's health verdict for a container with a healthcheck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContainerHealth {
    /// No healthcheck defined.
    None,
    Starting,
    Healthy,
    Unhealthy,
}

impl ContainerHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerHealth::None => "none",
            ContainerHealth::Starting => "starting",
            ContainerHealth::Healthy => "healthy",
            ContainerHealth::Unhealthy => "unhealthy",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerState {
    /// The engine's id: a recreated container keeps its name, not its id.
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub image: String,
    /// The engine's status word: running, exited, restarting, created...
    pub status: String,
    pub running: bool,
    pub exit_code: Option<i64>,
    pub health: ContainerHealth,
    /// The engine's restart count for this container (its restart policy's
    /// doing only: `docker restart` leaves it alone).
    pub restart_count: u64,
    /// When the container last started; a later value means it restarted.
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
}

impl ContainerState {
    /// The container as one of the health pane's states: running and healthy
    /// (or without a healthcheck) is up; starting, restarting, paused or
    /// created is degraded; unhealthy, exited or dead is down.
    pub fn health_state(&self) -> HealthState {
        if self.running {
            return match self.health {
                ContainerHealth::Healthy | ContainerHealth::None => HealthState::Up,
                ContainerHealth::Starting => HealthState::Degraded,
                ContainerHealth::Unhealthy => HealthState::Down,
            };
        }
        match self.status.as_str() {
            "restarting" | "paused" | "created" => HealthState::Degraded,
            _ => HealthState::Down,
        }
    }

    /// "running", or "exited (3)" with the exit code.
    pub fn run_state(&self) -> String {
        match (self.running, self.exit_code) {
            (false, Some(code)) if self.status == "exited" || self.status == "dead" => {
                format!("{} ({code})", self.status)
            }
            _ => self.status.clone(),
        }
    }

    /// What the tracker keys the container by: its id, or its name when the
    /// engine gave none.
    fn key(&self) -> &str {
        if self.id.is_empty() {
            &self.name
        } else {
            &self.id
        }
    }
}

/// Every container of one target, as observed at one moment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TargetState {
    pub containers: Vec<ContainerState>,
    /// Set when the engine could not be asked: the facts are unknown, not zero.
    pub error: Option<String>,
}

impl TargetState {
    /// The value of a fact by its condition name, None when the name is not a
    /// container fact or the engine did not answer.
    ///
    /// `restarts` is what `[RESTARTS]` stands for: the engine's counts minus
    /// a baseline (headless) or the restarts since the release started (the
    /// cockpit's [`RestartTracker`]).
    pub fn fact(&self, name: &str, restarts: u64) -> Option<f64> {
        if self.error.is_some() {
            return None;
        }
        let count = |f: &dyn Fn(&ContainerState) -> bool| {
            self.containers.iter().filter(|c| f(c)).count() as f64
        };
        Some(match name {
            "RUNNING" => count(&|c| c.running),
            "HEALTHY" => count(&|c| c.health == ContainerHealth::Healthy),
            "UNHEALTHY" => count(&|c| c.health == ContainerHealth::Unhealthy),
            "EXITED" => count(&|c| c.status == "exited" || c.status == "dead"),
            "CONTAINERS" | "TOTAL" => self.containers.len() as f64,
            "RESTARTS" => restarts as f64,
            _ => return None,
        })
    }

    /// The engine's restart counts summed over the target.
    pub fn engine_restarts(&self) -> u64 {
        self.containers.iter().map(|c| c.restart_count).sum()
    }

    /// One line per container for the health pane and evidence.
    pub fn describe(&self) -> Vec<String> {
        if let Some(err) = &self.error {
            return vec![format!("engine unreachable: {err}")];
        }
        if self.containers.is_empty() {
            return vec!["no container matches".into()];
        }
        self.containers
            .iter()
            .map(|c| {
                let health = match c.health {
                    ContainerHealth::None => String::new(),
                    h => format!(", {}", h.as_str()),
                };
                let exit = match (c.running, c.exit_code) {
                    (false, Some(code)) => format!(" (exit {code})"),
                    _ => String::new(),
                };
                format!(
                    "{} {}{exit}{health}, {} restart(s), image {}",
                    c.name, c.status, c.restart_count, c.image
                )
            })
            .collect()
    }
}

/// What the tracker remembers of one container (by id).
#[derive(Debug, Clone, PartialEq)]
struct Sighting {
    name: String,
    restart_count: u64,
    started_at: Option<DateTime<Utc>>,
    /// Restarts seen since the first sighting.
    restarts: u64,
}

/// Restarts counted from the first observation of each container on, so
/// "no unexpected restarts" (seed 001) counts only new ones. Each container
/// is followed by id: a restart is a rise of the engine's count or a later
/// start time (a `docker restart` moves only the latter), whichever says
/// more. A recreated container (same name, new id) starts afresh, while the
/// restarts of the one it replaced still count for the target.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestartTracker {
    seen: BTreeMap<String, Sighting>,
}

impl RestartTracker {
    /// Folds in one observation. A state with an error tells nothing.
    pub fn observe(&mut self, state: &TargetState) {
        if state.error.is_some() {
            return;
        }
        for c in &state.containers {
            match self.seen.get_mut(c.key()) {
                None => {
                    self.seen.insert(
                        c.key().to_string(),
                        Sighting {
                            name: c.name.clone(),
                            restart_count: c.restart_count,
                            started_at: c.started_at,
                            restarts: 0,
                        },
                    );
                }
                Some(s) => {
                    let counted = c.restart_count.saturating_sub(s.restart_count);
                    let restarted = matches!(
                        (s.started_at, c.started_at),
                        (Some(before), Some(now)) if now > before
                    );
                    s.restarts += counted.max(u64::from(restarted));
                    s.restart_count = c.restart_count;
                    s.started_at = c.started_at.or(s.started_at);
                    s.name.clone_from(&c.name);
                }
            }
        }
    }

    /// Restarts since the first sighting of every container ever seen,
    /// removed and replaced ones included.
    pub fn total(&self) -> u64 {
        self.seen.values().map(|s| s.restarts).sum()
    }

    /// Restarts since the first sighting of the containers that carried
    /// `name` (a recreated container adds to its predecessor's).
    pub fn for_name(&self, name: &str) -> u64 {
        self.seen
            .values()
            .filter(|s| s.name == name)
            .map(|s| s.restarts)
            .sum()
    }
}

/// A target's state as facts for `engine::condition`: `[RUNNING]`, `[HEALTHY]`,
/// `[UNHEALTHY]`, `[EXITED]`, `[CONTAINERS]`, `[RESTARTS]` (`restarts`, as
/// [`TargetState::fact`] takes it).
#[derive(Debug, Clone, Copy)]
pub struct ContainerFacts<'a> {
    pub state: &'a TargetState,
    pub restarts: u64,
}

impl Facts for ContainerFacts<'_> {
    fn lookup(&self, placeholder: &str, path: &[PathSeg]) -> Result<Value, String> {
        if let Some(err) = &self.state.error {
            return Err(format!("unknown: the Docker engine did not answer ({err})"));
        }
        if !path.is_empty() {
            return Err("a container fact has no fields".into());
        }
        self.state
            .fact(placeholder, self.restarts)
            .map(Value::Number)
            .ok_or_else(|| {
                "not a container fact (RUNNING, HEALTHY, UNHEALTHY, EXITED, CONTAINERS, RESTARTS)"
                    .into()
            })
    }
}

/// Evaluates a docker check's conditions; with none, asks for at least one
/// container and every container running. `restarts` is what `[RESTARTS]`
/// stands for. Returns the overall verdict and one sentence per condition
/// plus one line per container, as evidence.
pub fn evaluate_check(
    conditions: &[Condition],
    state: &TargetState,
    restarts: u64,
) -> (bool, Vec<String>) {
    let facts = ContainerFacts { state, restarts };
    let defaults: Vec<Condition> = if conditions.is_empty() {
        ["[CONTAINERS] > 0", "[RUNNING] == [CONTAINERS]"]
            .iter()
            .filter_map(|c| Condition::parse(c).ok())
            .collect()
    } else {
        Vec::new()
    };
    let used = if conditions.is_empty() {
        &defaults
    } else {
        conditions
    };
    let verdicts: Vec<Verdict> = used.iter().map(|c| c.evaluate(&facts)).collect();
    let passed = !verdicts.is_empty() && verdicts.iter().all(|v| v.passed);
    let mut detail: Vec<String> = verdicts.into_iter().map(|v| v.explanation).collect();
    detail.extend(state.describe());
    (passed, detail)
}

/// A docker check item's verdict and its evidence as one sentence: the
/// headless check and the cockpit both settle items with this.
pub fn evaluate_docker_check(
    check: &DockerCheck,
    state: &TargetState,
    restarts: u64,
) -> (bool, String) {
    let (passed, detail) = evaluate_check(&check.conditions, state, restarts);
    (passed, detail.join("; "))
}

/// A one-off look's verdict (`golive check`, `act`'s verification): no
/// watch began earlier, so every restart the engine counts is counted.
pub fn evaluate_docker_check_once(check: &DockerCheck, state: &TargetState) -> (bool, String) {
    evaluate_docker_check(check, state, state.engine_restarts())
}

/// Whether an engine event about a container (its id, and the name and
/// labels the event carries as attributes) can change what `target`
/// resolves to or shows. The watchers look again only then, so the other
/// projects' containers on a busy host coming and going cost no look. A
/// rename names the container's old name too.
pub fn event_concerns(
    target: &DockerTarget,
    id: &str,
    attributes: &std::collections::HashMap<String, String>,
) -> bool {
    let is = |key: &str, value: &str| attributes.get(key).is_some_and(|v| v == value);
    match target {
        DockerTarget::Container(name) => {
            let name = name.trim_start_matches('/');
            is("name", name)
                || is("oldName", name)
                || is("oldName", &format!("/{name}"))
                || (name.len() >= 12 && id.starts_with(name))
        }
        DockerTarget::ComposeService { service, project } => {
            is("com.docker.compose.service", service) && is("com.docker.compose.project", project)
        }
        DockerTarget::Label { key, value } => is(key, value),
    }
}

/// "container api", "compose service api", "label app=api": a target in
/// the few words a heading has room for.
pub fn target_label(target: &DockerTarget) -> String {
    match target {
        DockerTarget::Container(name) => format!("container {name}"),
        DockerTarget::ComposeService { service, project } => {
            format!("compose service {service} (project {project})")
        }
        DockerTarget::Label { key, value } => format!("label {key}={value}"),
    }
}

/// Every Docker target the profile names (docker checks, docker log sources,
/// docker actions), each once, in the order first named.
pub fn docker_targets(profile: &Profile) -> Vec<DockerTarget> {
    super::targets::named(
        profile,
        super::targets::Named {
            check: |c| match c {
                Check::Docker(d) => Some(&d.target),
                _ => None,
            },
            log: |l| match l {
                LogKind::Docker(target) => Some(target),
                _ => None,
            },
            action: |a| match a {
                ActionKind::Docker { target, .. } => Some(target),
                _ => None,
            },
        },
    )
}

/// One target as the cockpit follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetView {
    pub target: DockerTarget,
    /// The latest state; None until the watcher's first report.
    pub state: Option<TargetState>,
    /// When the engine first answered for this target (log checks on a
    /// Docker source trust the backlog from then on).
    pub answered_at: Option<DateTime<Utc>>,
    pub restarts: RestartTracker,
}

impl TargetView {
    /// The latest state with each container's restart count replaced by its
    /// restarts since the release started: the figures the pane shows and
    /// the evidence quotes.
    pub fn counted_state(&self) -> Option<TargetState> {
        let mut state = self.state.clone()?;
        for c in &mut state.containers {
            c.restart_count = self.restarts.for_name(&c.name);
        }
        Some(state)
    }

    /// The details modal's lines: every container in full, the restarts the
    /// cockpit counted against the engine's own count, and what the engine
    /// said when it did not answer.
    pub fn details(&self) -> Vec<String> {
        let mut lines = vec![format!("state: {}", self.health_state().as_str())];
        let Some(state) = &self.state else {
            lines.push("waiting for the Docker engine's first answer".into());
            return lines;
        };
        if let Some(err) = &state.error {
            lines.push(format!("engine unreachable: {err}"));
            return lines;
        }
        if state.containers.is_empty() {
            lines.push("no container matches".into());
            return lines;
        }
        lines.push(format!(
            "restarts since the cockpit first saw them: {}",
            self.restarts.total()
        ));
        for c in &state.containers {
            let id: String = c.id.chars().take(12).collect();
            lines.push(format!("{} ({id})", c.name));
            lines.push(format!(
                "  state: {}, health: {}",
                c.run_state(),
                c.health.as_str()
            ));
            lines.push(format!("  image: {}", c.image));
            lines.push(format!(
                "  restarts: {} since start, {} in the engine's count",
                self.restarts.for_name(&c.name),
                c.restart_count
            ));
            if let Some(at) = c.started_at {
                lines.push(format!("  started: {}", at.format("%Y-%m-%d %H:%M:%S UTC")));
            }
        }
        lines
    }

    /// The worst state over the target's containers; unknown before any
    /// report, down when the engine did not answer or nothing matches.
    pub fn health_state(&self) -> HealthState {
        let Some(state) = &self.state else {
            return HealthState::Unknown;
        };
        if state.error.is_some() || state.containers.is_empty() {
            return HealthState::Down;
        }
        HealthState::worst_shown(state.containers.iter().map(ContainerState::health_state))
    }
}

/// Every Docker target of the profile with what the engine last said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Containers {
    pub targets: Vec<TargetView>,
}

impl Containers {
    pub fn new(profile: &Profile) -> Self {
        Self {
            targets: docker_targets(profile)
                .into_iter()
                .map(|target| TargetView {
                    target,
                    state: None,
                    answered_at: None,
                    restarts: RestartTracker::default(),
                })
                .collect(),
        }
    }

    pub fn get(&self, target: &DockerTarget) -> Option<&TargetView> {
        self.targets.iter().find(|t| t.target == *target)
    }

    /// Takes in the watcher's latest word on a target. A target the profile
    /// does not name is ignored.
    pub fn apply(&mut self, target: &DockerTarget, state: TargetState, now: DateTime<Utc>) {
        let Some(view) = self.targets.iter_mut().find(|t| t.target == *target) else {
            return;
        };
        view.restarts.observe(&state);
        if state.error.is_none() && view.answered_at.is_none() {
            view.answered_at = Some(now);
        }
        view.state = Some(state);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_event_concerns_only_the_targets_it_names() {
        let attrs = |pairs: &[(&str, &str)]| -> std::collections::HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let id = "0123456789abcdef0123";
        let api = attrs(&[
            ("name", "shop-api-1"),
            ("com.docker.compose.service", "api"),
            ("com.docker.compose.project", "shop"),
            ("tier", "web"),
        ]);
        let container = |n: &str| DockerTarget::Container(n.into());
        assert!(event_concerns(&container("shop-api-1"), id, &api));
        assert!(event_concerns(&container("/shop-api-1"), id, &api));
        assert!(event_concerns(&container("0123456789ab"), id, &api));
        assert!(!event_concerns(&container("shop-api"), id, &api));
        assert!(
            !event_concerns(&container("0123"), id, &api),
            "too short an id prefix"
        );
        let renamed = attrs(&[("name", "new"), ("oldName", "/old")]);
        assert!(event_concerns(&container("old"), id, &renamed));
        assert!(event_concerns(&container("new"), id, &renamed));
        assert!(event_concerns(
            &DockerTarget::compose("api", "shop"),
            id,
            &api
        ));
        assert!(!event_concerns(
            &DockerTarget::compose("api", "other"),
            id,
            &api
        ));
        assert!(!event_concerns(
            &DockerTarget::compose("web", "shop"),
            id,
            &api
        ));
        let label = |k: &str, v: &str| DockerTarget::Label {
            key: k.into(),
            value: v.into(),
        };
        assert!(event_concerns(&label("tier", "web"), id, &api));
        assert!(!event_concerns(&label("tier", "db"), id, &api));
        assert!(!event_concerns(&label("zone", "web"), id, &attrs(&[])));
    }

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
    }

    fn c(name: &str, running: bool, health: ContainerHealth, restarts: u64) -> ContainerState {
        ContainerState {
            id: format!("id-{name}"),
            name: name.into(),
            image: "img:1".into(),
            status: if running { "running" } else { "exited" }.into(),
            running,
            exit_code: if running { None } else { Some(1) },
            health,
            restart_count: restarts,
            started_at: Some(at(0)),
        }
    }

    fn state(containers: Vec<ContainerState>) -> TargetState {
        TargetState {
            containers,
            error: None,
        }
    }

    fn eval(cond: &str, state: &TargetState, restarts: u64) -> (bool, String) {
        let (passed, detail) = evaluate_check(&[Condition::parse(cond).unwrap()], state, restarts);
        (passed, detail.join("; "))
    }

    #[test]
    fn facts_and_conditions() {
        let state = state(vec![
            c("a", true, ContainerHealth::Healthy, 0),
            c("b", true, ContainerHealth::Healthy, 2),
            c("c", false, ContainerHealth::Unhealthy, 1),
        ]);
        assert!(!eval("[RUNNING] >= 3", &state, 0).0);
        assert!(eval("[RUNNING] >= 2", &state, 0).0);
        assert!(eval("[HEALTHY] == [RUNNING]", &state, 0).0);
        let (passed, detail) = eval("[RESTARTS] == 0", &state, state.engine_restarts());
        assert!(!passed);
        assert!(detail.contains('3'), "{detail}");
        assert!(eval("[RESTARTS] == 0", &state, 0).0);
        assert!(!eval("[NOPE] == 0", &state, 0).0);
        assert!(state.describe()[2].contains("exit 1"));
        // No conditions: at least one container, all running.
        assert!(!evaluate_check(&[], &state, 0).0);
    }

    #[test]
    fn container_states_for_the_pane() {
        let up = c("a", true, ContainerHealth::None, 0);
        assert_eq!(up.health_state(), HealthState::Up);
        assert_eq!(up.run_state(), "running");
        let sick = c("b", true, ContainerHealth::Unhealthy, 0);
        assert_eq!(sick.health_state(), HealthState::Down);
        let starting = c("s", true, ContainerHealth::Starting, 0);
        assert_eq!(starting.health_state(), HealthState::Degraded);
        let mut gone = c("c", false, ContainerHealth::None, 0);
        gone.exit_code = Some(137);
        assert_eq!(gone.health_state(), HealthState::Down);
        assert_eq!(gone.run_state(), "exited (137)");
        gone.status = "restarting".into();
        assert_eq!(gone.health_state(), HealthState::Degraded);
    }

    #[test]
    fn restarts_count_from_the_first_sighting() {
        let mut tracker = RestartTracker::default();
        let mut s = state(vec![c("a", true, ContainerHealth::None, 4)]);
        tracker.observe(&s);
        assert_eq!(
            tracker.total(),
            0,
            "restarts before the release do not count"
        );
        // The restart policy restarted it twice between two looks.
        s.containers[0].restart_count = 6;
        s.containers[0].started_at = Some(at(10));
        s.containers.push(c("b", true, ContainerHealth::None, 1));
        tracker.observe(&s);
        assert_eq!(tracker.total(), 2);
        assert_eq!(tracker.for_name("a"), 2);
        assert_eq!(tracker.for_name("b"), 0);
        // Nothing moved: nothing added.
        tracker.observe(&s);
        assert_eq!(tracker.total(), 2);
    }

    #[test]
    fn a_docker_restart_counts_though_the_engine_count_stays() {
        let mut tracker = RestartTracker::default();
        let mut s = state(vec![c("a", true, ContainerHealth::None, 0)]);
        tracker.observe(&s);
        s.containers[0].started_at = Some(at(30));
        tracker.observe(&s);
        assert_eq!(tracker.total(), 1);
        assert!(!eval("[RESTARTS] == 0", &s, tracker.total()).0);
    }

    #[test]
    fn a_recreated_container_starts_afresh_and_its_predecessor_still_counts() {
        let mut tracker = RestartTracker::default();
        let mut s = state(vec![c("a", true, ContainerHealth::None, 0)]);
        tracker.observe(&s);
        s.containers[0].restart_count = 3;
        tracker.observe(&s);
        assert_eq!(tracker.total(), 3);
        // Recreated from a new image: new id, the engine's count back to 0.
        s.containers[0].id = "id-a-2".into();
        s.containers[0].restart_count = 0;
        s.containers[0].started_at = Some(at(60));
        tracker.observe(&s);
        assert_eq!(
            tracker.total(),
            3,
            "recreation is not a restart, nor a reset"
        );
        s.containers[0].restart_count = 1;
        tracker.observe(&s);
        assert_eq!(tracker.total(), 4);
        assert_eq!(tracker.for_name("a"), 4);
    }

    #[test]
    fn an_unanswered_look_changes_nothing() {
        let mut tracker = RestartTracker::default();
        let s = state(vec![c("a", true, ContainerHealth::None, 5)]);
        tracker.observe(&s);
        tracker.observe(&TargetState {
            containers: vec![],
            error: Some("connection refused".into()),
        });
        let mut later = s.clone();
        later.containers[0].restart_count = 5;
        tracker.observe(&later);
        assert_eq!(tracker.total(), 0);
    }

    #[test]
    fn unreachable_engine_never_passes() {
        let state = TargetState {
            containers: vec![],
            error: Some("connection refused".into()),
        };
        let (passed, detail) = eval("[RUNNING] == 0", &state, 0);
        assert!(!passed);
        assert!(detail.contains("did not answer"), "{detail}");
    }

    #[test]
    fn targets_are_collected_once_from_checks_logs_and_actions() {
        let mut profile = crate::cockpit::fixture::sample_profile();
        let api = DockerTarget::Container("api".into());
        let worker = DockerTarget::compose("worker", "shop");
        profile.logs.push(crate::profile::LogSource {
            id: "api".into(),
            kind: LogKind::Docker(api.clone()),
            highlight: Vec::new(),
            grep: None,
        });
        profile.phases[0].items[0].check = Some(Check::Docker(DockerCheck {
            target: api.clone(),
            conditions: Vec::new(),
        }));
        if let Some(rollback) = profile.actions.get_mut("rollback") {
            rollback.kind = ActionKind::Docker {
                target: worker.clone(),
                op: crate::profile::DockerOp::Restart,
            };
        }
        assert_eq!(docker_targets(&profile), vec![api.clone(), worker]);

        let mut board = Containers::new(&profile);
        assert_eq!(
            board.get(&api).unwrap().health_state(),
            HealthState::Unknown
        );
        let mut s = state(vec![c("api", true, ContainerHealth::Healthy, 0)]);
        board.apply(&api, s.clone(), at(1));
        s.containers[0].started_at = Some(at(5));
        board.apply(&api, s, at(6));
        let view = board.get(&api).unwrap();
        assert_eq!(view.answered_at, Some(at(1)));
        assert_eq!(view.health_state(), HealthState::Up);
        assert_eq!(view.counted_state().unwrap().containers[0].restart_count, 1);
        // A target the profile does not name is not taken in.
        board.apply(
            &DockerTarget::Container("other".into()),
            TargetState::default(),
            at(7),
        );
        assert_eq!(board.targets.len(), 2);
    }
}
