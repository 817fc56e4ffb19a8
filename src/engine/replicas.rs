//! Every replica of one endpoint at a glance: each replica's latest state,
//! the endpoint's overall state (the worst replica, so one bad pod is never
//! averaged away), and a mixed rollout flagged when replicas report
//! different versions — seed 000's "is_ready true in all pods" and a canary
//! half rolled out both read from here.

use serde::{Deserialize, Serialize};

use super::health::HealthState;
use super::probe::Observation;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaState {
    pub replica: usize,
    pub url: String,
    /// Unknown until the replica has been probed once.
    pub state: HealthState,
    pub reason: Option<String>,
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaSummary {
    pub replicas: Vec<ReplicaState>,
    /// The worst replica's state.
    pub overall: HealthState,
    /// The distinct versions, sorted, when replicas disagree; replicas that
    /// report no version do not count.
    pub mixed_versions: Option<Vec<String>>,
}

impl ReplicaSummary {
    /// Every replica is up (what `all_replicas = true` asks of the health).
    pub fn all_up(&self) -> bool {
        !self.replicas.is_empty() && self.replicas.iter().all(|r| r.state == HealthState::Up)
    }
}

/// Summarises the latest observation of each replica. `latest[i]` is the
/// newest observation of `urls[i]`, None when it has not been probed yet.
pub fn summarise(urls: &[String], latest: &[Option<&Observation>]) -> ReplicaSummary {
    let replicas: Vec<ReplicaState> = urls
        .iter()
        .enumerate()
        .map(|(i, url)| match latest.get(i).copied().flatten() {
            Some(obs) => ReplicaState {
                replica: i,
                url: url.clone(),
                state: obs.health.state,
                reason: obs.health.reason.clone(),
                version: obs.health.version.clone(),
            },
            None => ReplicaState {
                replica: i,
                url: url.clone(),
                state: HealthState::Unknown,
                reason: Some("not probed yet".into()),
                version: None,
            },
        })
        .collect();
    let overall = replicas
        .iter()
        .map(|r| r.state)
        .reduce(HealthState::worst)
        .unwrap_or(HealthState::Unknown);
    let mut versions: Vec<String> = replicas.iter().filter_map(|r| r.version.clone()).collect();
    versions.sort();
    versions.dedup();
    ReplicaSummary {
        replicas,
        overall,
        mixed_versions: (versions.len() > 1).then_some(versions),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::engine::health::Health;

    fn obs(state: HealthState, version: Option<&str>) -> Observation {
        Observation {
            health: Health {
                state,
                version: version.map(String::from),
                ..Health::default()
            },
            ..Observation::default()
        }
    }

    fn urls(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("http://10.0.0.{i}/health"))
            .collect()
    }

    #[test]
    fn overall_is_the_worst_replica() {
        let a = obs(HealthState::Up, Some("v2"));
        let b = obs(HealthState::Degraded, Some("v2"));
        let s = summarise(&urls(2), &[Some(&a), Some(&b)]);
        assert_eq!(s.overall, HealthState::Degraded);
        assert_eq!(s.mixed_versions, None);
        assert!(!s.all_up());
        let c = obs(HealthState::Down, None);
        let s = summarise(&urls(3), &[Some(&a), Some(&b), Some(&c)]);
        assert_eq!(s.overall, HealthState::Down);
    }

    #[test]
    fn mixed_versions_are_flagged() {
        let a = obs(HealthState::Up, Some("v1.2.0"));
        let b = obs(HealthState::Up, Some("v1.1.0"));
        let c = obs(HealthState::Up, Some("v1.2.0"));
        let s = summarise(&urls(3), &[Some(&a), Some(&b), Some(&c)]);
        assert_eq!(
            s.mixed_versions,
            Some(vec!["v1.1.0".to_string(), "v1.2.0".to_string()])
        );
        assert!(s.all_up());
        assert_eq!(s.replicas[1].version.as_deref(), Some("v1.1.0"));
    }

    #[test]
    fn an_unprobed_replica_is_unknown_and_blocks_all_up() {
        let a = obs(HealthState::Up, Some("v2"));
        let s = summarise(&urls(2), &[Some(&a), None]);
        assert_eq!(s.overall, HealthState::Unknown);
        assert_eq!(s.replicas[1].reason.as_deref(), Some("not probed yet"));
        assert!(!s.all_up());
        assert_eq!(summarise(&[], &[]).overall, HealthState::Unknown);
    }
}
