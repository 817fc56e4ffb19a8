//! Container state as the health pane and `check = { docker = ... }` see it:
//! what the engine said about each container of a target (running or not,
//! health, restarts), summed into the facts conditions are written against
//! (`[RUNNING] >= 3`, `[HEALTHY] == [RUNNING]`, `[RESTARTS] == 0`). Pure: the
//! Docker adapter fills it in.

use serde::{Deserialize, Serialize};

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

/// The outcome of one docker condition, with the observed values.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerVerdict {
    pub passed: bool,
    pub explanation: String,
}

/// Evaluates `[FACT] op NUMBER` or `[FACT] op [FACT]` against a target's
/// state. Kept deliberately small until `app::condition` offers a `Facts`
/// trait; then this becomes that trait's implementation.
pub fn evaluate_condition(
    source: &str,
    state: &TargetState,
    restart_baseline: u64,
) -> DockerVerdict {
    let fail = |why: String| DockerVerdict {
        passed: false,
        explanation: format!("{source} failed: {why}"),
    };
    let Some((lhs, op, rhs)) = split_condition(source) else {
        return fail("not of the form [FACT] op value".into());
    };
    if let Some(err) = &state.error {
        return fail(format!("the Docker engine did not answer ({err})"));
    }
    let value = |operand: &str| -> Result<f64, String> {
        if let Some(name) = operand.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            state
                .fact(name, restart_baseline)
                .ok_or_else(|| format!("[{name}] is not a container fact"))
        } else {
            operand
                .parse::<f64>()
                .map_err(|_| format!("{operand:?} is not a number"))
        }
    };
    let (l, r) = match (value(lhs), value(rhs)) {
        (Ok(l), Ok(r)) => (l, r),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let passed = match op {
        "==" => l == r,
        "!=" => l != r,
        "<" => l < r,
        "<=" => l <= r,
        ">" => l > r,
        ">=" => l >= r,
        _ => return fail(format!("unknown operator {op}")),
    };
    let observed = format!(
        "{lhs} was {l}{}",
        if rhs.starts_with('[') {
            format!(", {rhs} was {r}")
        } else {
            String::new()
        }
    );
    DockerVerdict {
        passed,
        explanation: if passed {
            format!("{source} passed: {observed}")
        } else {
            format!("{source} failed: {observed}")
        },
    }
}

fn split_condition(source: &str) -> Option<(&str, &str, &str)> {
    for op in ["==", "!=", "<=", ">=", "<", ">"] {
        if let Some(pos) = source.find(op) {
            let lhs = source[..pos].trim();
            let rhs = source[pos + op.len()..].trim();
            if !lhs.is_empty() && !rhs.is_empty() {
                return Some((lhs, op, rhs));
            }
        }
    }
    None
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
        assert!(!evaluate_condition("[RUNNING] >= 3", &state, 0).passed);
        assert!(evaluate_condition("[RUNNING] >= 2", &state, 0).passed);
        assert!(evaluate_condition("[HEALTHY] == [RUNNING]", &state, 0).passed);
        let v = evaluate_condition("[RESTARTS] == 0", &state, 0);
        assert!(!v.passed);
        assert!(v.explanation.contains("was 3"), "{}", v.explanation);
        assert!(evaluate_condition("[RESTARTS] == 0", &state, 3).passed);
        assert!(!evaluate_condition("[NOPE] == 0", &state, 0).passed);
        assert!(state.describe()[2].contains("exit 1"));
    }

    #[test]
    fn unreachable_engine_never_passes() {
        let state = TargetState {
            containers: vec![],
            error: Some("connection refused".into()),
        };
        let v = evaluate_condition("[RUNNING] == 0", &state, 0);
        assert!(!v.passed);
        assert!(v.explanation.contains("did not answer"));
    }
}
