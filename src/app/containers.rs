//! Container state as the health pane and `check = { docker = ... }` see it:
//! what the engine said about each container of a target (running or not,
//! health, restarts), summed into the facts conditions are written against
//! (`[RUNNING] >= 3`, `[HEALTHY] == [RUNNING]`, `[RESTARTS] == 0`) through
//! `app::condition`'s `Facts`. Pure: the Docker adapter fills it in.

use serde::{Deserialize, Serialize};

use crate::app::condition::{Condition, Facts, PathSeg, Value, Verdict};

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerState {
    pub name: String,
    pub image: String,
    /// The engine's status word: running, exited, restarting, created...
    pub status: String,
    pub running: bool,
    pub exit_code: Option<i64>,
    pub health: ContainerHealth,
    /// The engine's restart count for this container.
    pub restart_count: u64,
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
    /// `restart_baseline` subtracts the restart counts seen when the release
    /// started, so `[RESTARTS] == 0` means "none since", not "none ever".
    pub fn fact(&self, name: &str, restart_baseline: u64) -> Option<f64> {
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
            "RESTARTS" => {
                let total: u64 = self.containers.iter().map(|c| c.restart_count).sum();
                total.saturating_sub(restart_baseline) as f64
            }
            _ => return None,
        })
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
                    h => format!(
                        ", {}",
                        serde_json::to_string(&h)
                            .unwrap_or_default()
                            .trim_matches('"')
                    ),
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

/// Restart counts as first seen after the release started, per container
/// name, so "no unexpected restarts" (seed 001) counts only new ones. A
/// container seen for the first time (scaled up, recreated) starts at its
/// count then.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestartBaseline {
    first_seen: std::collections::BTreeMap<String, u64>,
}

impl RestartBaseline {
    /// Records counts of containers not seen before; returns the restarts
    /// since the baseline, summed over the target.
    pub fn observe(&mut self, state: &TargetState) -> u64 {
        let mut since = 0;
        for c in &state.containers {
            let base = *self
                .first_seen
                .entry(c.name.clone())
                .or_insert(c.restart_count);
            since += c.restart_count.saturating_sub(base);
        }
        since
    }

    /// The baseline to hand [`TargetState::fact`]: the sum of the first-seen
    /// counts of the containers in `state`.
    pub fn total_for(&self, state: &TargetState) -> u64 {
        state
            .containers
            .iter()
            .filter_map(|c| self.first_seen.get(&c.name))
            .sum()
    }
}

/// A target's state as facts for `app::condition`: `[RUNNING]`, `[HEALTHY]`,
/// `[UNHEALTHY]`, `[EXITED]`, `[CONTAINERS]`, `[RESTARTS]` (since
/// `restart_baseline`, the count seen when the release started).
#[derive(Debug, Clone, Copy)]
pub struct ContainerFacts<'a> {
    pub state: &'a TargetState,
    pub restart_baseline: u64,
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
            .fact(placeholder, self.restart_baseline)
            .map(Value::Number)
            .ok_or_else(|| {
                "not a container fact (RUNNING, HEALTHY, UNHEALTHY, EXITED, CONTAINERS, RESTARTS)"
                    .into()
            })
    }
}

/// Evaluates a docker check's conditions; with none, asks for at least one
/// container and every container running. Returns the overall verdict and
/// one sentence per condition plus one line per container, as evidence.
pub fn evaluate_check(
    conditions: &[Condition],
    state: &TargetState,
    restart_baseline: u64,
) -> (bool, Vec<String>) {
    let facts = ContainerFacts {
        state,
        restart_baseline,
    };
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn c(name: &str, running: bool, health: ContainerHealth, restarts: u64) -> ContainerState {
        ContainerState {
            name: name.into(),
            image: "img:1".into(),
            status: if running { "running" } else { "exited" }.into(),
            running,
            exit_code: if running { None } else { Some(1) },
            health,
            restart_count: restarts,
        }
    }

    fn eval(cond: &str, state: &TargetState, baseline: u64) -> (bool, String) {
        let (passed, detail) = evaluate_check(&[Condition::parse(cond).unwrap()], state, baseline);
        (passed, detail.join("; "))
    }

    #[test]
    fn facts_and_conditions() {
        let state = TargetState {
            containers: vec![
                c("a", true, ContainerHealth::Healthy, 0),
                c("b", true, ContainerHealth::Healthy, 2),
                c("c", false, ContainerHealth::Unhealthy, 1),
            ],
            error: None,
        };
        assert!(!eval("[RUNNING] >= 3", &state, 0).0);
        assert!(eval("[RUNNING] >= 2", &state, 0).0);
        assert!(eval("[HEALTHY] == [RUNNING]", &state, 0).0);
        let (passed, detail) = eval("[RESTARTS] == 0", &state, 0);
        assert!(!passed);
        assert!(detail.contains('3'), "{detail}");
        assert!(eval("[RESTARTS] == 0", &state, 3).0);
        assert!(!eval("[NOPE] == 0", &state, 0).0);
        assert!(state.describe()[2].contains("exit 1"));
        // No conditions: at least one container, all running.
        assert!(!evaluate_check(&[], &state, 0).0);
    }

    #[test]
    fn restarts_count_from_the_first_sighting() {
        let mut base = RestartBaseline::default();
        let mut state = TargetState {
            containers: vec![c("a", true, ContainerHealth::None, 4)],
            error: None,
        };
        assert_eq!(base.observe(&state), 0);
        state.containers[0].restart_count = 6;
        state
            .containers
            .push(c("b", true, ContainerHealth::None, 1));
        assert_eq!(base.observe(&state), 2);
        assert_eq!(base.total_for(&state), 5);
        assert!(!eval("[RESTARTS] == 0", &state, base.total_for(&state)).0);
        state.containers[0].restart_count = 4;
        assert!(eval("[RESTARTS] == 0", &state, base.total_for(&state)).0);
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
}
