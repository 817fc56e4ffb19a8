//! A Swarm service as the engine reads it: the facts the Docker adapter
//! reports (desired count, every task, the update status) and the
//! decisions made from them here, in one place: which tasks count as
//! running, how many versions run (`[VERSIONS]`, the mixed-version marker),
//! the update's verdict, and a swarm check's pass or fail.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::checklist::{Checklist, ItemChange};
use super::health::HealthState;
use crate::model::condition::{FactMap, Verdict};
use crate::profile::{ActionKind, Check, LogKind, Profile, SwarmCheck};

/// One task of a service, as the engine reported it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SwarmTask {
    /// The replica slot (None for a global service's tasks).
    pub slot: Option<i64>,
    /// `running`, `starting`, `failed`, `shutdown`, ... as Docker names them.
    pub state: String,
    /// What the orchestrator wants of the task (`running` or `shutdown`).
    pub desired: String,
    /// The image without its `@sha256:` pin, as the operator wrote it.
    pub image: String,
    pub node: String,
    pub error: Option<String>,
}

impl SwarmTask {
    pub fn is_running(&self) -> bool {
        self.state == "running" && self.desired == "running"
    }
}

/// A service's state at one look; `error` says why there is none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SwarmState {
    pub service: String,
    /// Replicas asked for; None for a global service (one per node).
    pub desired: Option<u64>,
    /// The image the service's spec names now.
    pub image: String,
    /// `updating`, `paused`, `completed`, `rollback_started`,
    /// `rollback_paused`, `rollback_completed`; None before any update.
    pub update_state: Option<String>,
    pub update_message: Option<String>,
    /// When the last update began, as the engine wrote it: tells a new
    /// update from the one before it.
    pub update_started: Option<String>,
    /// Tasks the orchestrator still wants, and those that just ended.
    pub tasks: Vec<SwarmTask>,
    pub error: Option<String>,
}

/// Drops the `@sha256:...` pin the engine adds to a task's image.
pub fn image_name(image: &str) -> String {
    image.split('@').next().unwrap_or(image).to_string()
}

impl SwarmState {
    pub fn failed(service: &str, error: String) -> Self {
        Self {
            service: service.to_string(),
            error: Some(error),
            ..Self::default()
        }
    }

    pub fn running(&self) -> usize {
        self.tasks.iter().filter(|t| t.is_running()).count()
    }

    /// Replicas asked for; a global service wants one task per task it keeps.
    pub fn wanted(&self) -> u64 {
        self.desired
            .unwrap_or_else(|| self.tasks.iter().filter(|t| t.desired == "running").count() as u64)
    }

    /// The distinct images the running tasks run, sorted.
    pub fn versions(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self
            .tasks
            .iter()
            .filter(|t| t.is_running())
            .map(|t| t.image.as_str())
            .collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// True while running tasks run more than one image: a rolling update
    /// (or a stuck one) is half way.
    pub fn mixed(&self) -> bool {
        self.versions().len() > 1
    }

    /// The heading's state: up when every desired task runs one image with
    /// no update in flight; down when none runs or the service cannot be read.
    pub fn health(&self) -> HealthState {
        let in_flight = matches!(
            self.update_state(),
            "updating" | "paused" | "rollback_started" | "rollback_paused"
        );
        if self.error.is_some() || (self.running() == 0 && self.wanted() > 0) {
            HealthState::Down
        } else if self.running() as u64 == self.wanted() && !self.mixed() && !in_flight {
            HealthState::Up
        } else {
            HealthState::Degraded
        }
    }

    /// `none` before the service was ever updated.
    pub fn update_state(&self) -> &str {
        self.update_state.as_deref().unwrap_or("none")
    }

    /// What conditions read: `[TASKS_RUNNING]`, `[TASKS_DESIRED]`,
    /// `[VERSIONS]`, `[UPDATE_STATE]`, `[IMAGE]`.
    pub fn facts(&self) -> FactMap {
        let mut facts = FactMap::new(format!("swarm service {}", self.service));
        if self.error.is_some() {
            return facts;
        }
        facts
            .insert("TASKS_RUNNING", self.running() as f64)
            .insert("TASKS_DESIRED", self.wanted() as f64)
            .insert("VERSIONS", self.versions().len() as f64)
            .insert("UPDATE_STATE", self.update_state())
            .insert("IMAGE", self.image.as_str());
        facts
    }

    /// One line: "2/3 running, 2 versions (mixed), update updating: ...".
    pub fn summary(&self) -> String {
        if let Some(err) = &self.error {
            return err.clone();
        }
        let versions = self.versions();
        let mut out = format!("{}/{} running", self.running(), self.wanted());
        match versions.len() {
            0 => {}
            1 => out.push_str(&format!(", {}", versions[0])),
            n => out.push_str(&format!(", {n} versions (mixed: {})", versions.join(", "))),
        }
        out.push_str(&format!(", update {}", self.update_state()));
        if let Some(m) = self.update_message.as_deref().filter(|m| !m.is_empty()) {
            out.push_str(&format!(" ({m})"));
        }
        out
    }

    /// A line per task for the details view and action output.
    pub fn task_lines(&self) -> Vec<String> {
        self.tasks
            .iter()
            .map(|t| {
                let slot = t.slot.map_or_else(|| "-".to_string(), |s| s.to_string());
                let mut line = format!(
                    "{}.{slot}: {} ({}) {} on {}",
                    self.service, t.state, t.desired, t.image, t.node
                );
                if let Some(err) = t.error.as_deref().filter(|e| !e.is_empty()) {
                    line.push_str(&format!(": {err}"));
                }
                line
            })
            .collect()
    }
}

/// A swarm check's verdict and evidence. Without conditions every desired
/// task must run one version, with no update in flight or rolled back.
pub fn evaluate_swarm_check(check: &SwarmCheck, state: &SwarmState) -> (bool, String) {
    if let Some(err) = &state.error {
        return (false, err.clone());
    }
    if check.conditions.is_empty() {
        let settled = !matches!(
            state.update_state(),
            "updating" | "paused" | "rollback_started" | "rollback_paused"
        );
        let passed = state.running() as u64 == state.wanted() && !state.mixed() && settled;
        return (passed, state.summary());
    }
    let facts = state.facts();
    let verdicts: Vec<Verdict> = check
        .conditions
        .iter()
        .map(|c| c.evaluate(&facts))
        .collect();
    let passed = verdicts.iter().all(|v| v.passed);
    let mut detail: Vec<String> = verdicts.into_iter().map(|v| v.explanation).collect();
    detail.push(state.summary());
    (passed, detail.join("; "))
}

/// How an update or rollback golive started ended, judged from the state
/// the service reached: None while it goes on, Ok(evidence) when it did what
/// was asked, Err(why) when it paused or the engine rolled it back.
pub fn update_end(rollback: bool, state: &SwarmState) -> Option<Result<String, String>> {
    let said = state
        .update_message
        .as_deref()
        .filter(|m| !m.is_empty())
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    match (state.update_state(), rollback) {
        ("completed", false) | ("rollback_completed", true) => Some(Ok(state.summary())),
        ("rollback_completed", false) => {
            Some(Err(format!("the engine rolled the update back{said}")))
        }
        ("paused" | "rollback_paused", _) => {
            Some(Err(format!("the update {} {said}", state.update_state())))
        }
        _ => None,
    }
}

/// Every Swarm service the profile names (checks, log sources, actions),
/// each once, in the order first named: what the health pane watches.
pub fn swarm_services(profile: &Profile) -> Vec<String> {
    super::targets::named(
        profile,
        super::targets::Named {
            check: |c| match c {
                Check::Swarm(s) => Some(&s.service),
                _ => None,
            },
            log: |l| match l {
                LogKind::Swarm(service) => Some(service),
                _ => None,
            },
            action: |a| match a {
                ActionKind::Swarm { service, .. } => Some(service),
                _ => None,
            },
        },
    )
}

/// A fresh look at a service settles every swarm item on it, as a fresh
/// container state settles the docker items.
pub fn settle_items(
    profile: &Profile,
    checklist: &mut Checklist,
    state: &SwarmState,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<ItemChange> {
    super::targets::settle(profile, checklist, now, |check| match check {
        Check::Swarm(check) if check.service == state.service => {
            Some(evaluate_swarm_check(check, state))
        }
        _ => None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::model::condition::Condition;

    fn task(slot: i64, state: &str, image: &str) -> SwarmTask {
        SwarmTask {
            slot: Some(slot),
            state: state.into(),
            desired: if state == "shutdown" {
                "shutdown"
            } else {
                "running"
            }
            .into(),
            image: image.into(),
            node: "n1".into(),
            error: None,
        }
    }

    fn rolling() -> SwarmState {
        SwarmState {
            service: "api".into(),
            desired: Some(3),
            image: "api:v2".into(),
            update_state: Some("updating".into()),
            update_message: Some("update in progress".into()),
            update_started: None,
            tasks: vec![
                task(1, "running", "api:v2"),
                task(2, "running", "api:v1"),
                task(3, "running", "api:v1"),
                task(1, "shutdown", "api:v1"),
            ],
            error: None,
        }
    }

    fn check(conditions: &[&str]) -> SwarmCheck {
        SwarmCheck {
            service: "api".into(),
            conditions: conditions
                .iter()
                .map(|c| Condition::parse(c).unwrap())
                .collect(),
        }
    }

    #[test]
    fn a_rolling_update_runs_two_versions() {
        let s = rolling();
        assert_eq!(s.running(), 3);
        assert_eq!(s.versions(), vec!["api:v1", "api:v2"]);
        assert!(s.mixed());
        assert!(s.summary().contains("2 versions (mixed"), "{}", s.summary());
        let (passed, why) = evaluate_swarm_check(&check(&["[VERSIONS] == 1"]), &s);
        assert!(!passed && why.contains("observed 2"), "{why}");
        let (passed, _) = evaluate_swarm_check(
            &check(&[
                "[TASKS_RUNNING] == [TASKS_DESIRED]",
                "[UPDATE_STATE] == updating",
                "[IMAGE] == api:v2",
            ]),
            &s,
        );
        assert!(passed);
        assert!(
            !evaluate_swarm_check(&check(&[]), &s).0,
            "an update in flight is not settled"
        );
        assert_eq!(s.health(), HealthState::Degraded);
    }

    #[test]
    fn a_completed_update_on_one_image_passes_without_conditions() {
        let mut s = rolling();
        s.update_state = Some("completed".into());
        s.tasks[1].image = "api:v2".into();
        s.tasks[2].image = "api:v2".into();
        assert!(!s.mixed());
        assert!(evaluate_swarm_check(&check(&[]), &s).0);
        s.tasks[2].state = "starting".into();
        assert!(!evaluate_swarm_check(&check(&[]), &s).0, "2 of 3 running");
    }

    #[test]
    fn an_unreadable_service_fails_with_the_reason() {
        let s = SwarmState::failed("api", "no such service: api".into());
        let (passed, why) = evaluate_swarm_check(&check(&["[TASKS_RUNNING] >= 1"]), &s);
        assert!(!passed && why.contains("no such service"), "{why}");
    }

    #[test]
    fn an_update_ends_by_its_state() {
        let mut s = rolling();
        assert_eq!(update_end(false, &s), None);
        s.update_state = Some("completed".into());
        assert!(update_end(false, &s).unwrap().is_ok());
        s.update_state = Some("paused".into());
        s.update_message = Some("update paused due to failure".into());
        let why = update_end(false, &s).unwrap().unwrap_err();
        assert!(why.contains("paused due to failure"), "{why}");
        s.update_state = Some("rollback_completed".into());
        assert!(update_end(false, &s).unwrap().is_err());
        assert!(update_end(true, &s).unwrap().is_ok());
    }

    #[test]
    fn the_digest_pin_is_dropped() {
        assert_eq!(image_name("api:v1@sha256:abc"), "api:v1");
        assert_eq!(image_name("api:v1"), "api:v1");
    }
}
