//! The checklist engine: phases in order, each item's status and evidence,
//! moved only by facts handed in (observations, command results, journal
//! records, the clock). Pure: no I/O, no async, the time is a parameter.

use std::borrow::Borrow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::{CommandFacts, CommandOutcome};
use super::health::HealthState;
use super::probe::Observation;
use super::reading::reading;
use super::record::Record;
use super::signoffs::Signoffs;
use crate::model::condition::{Condition, Verdict};
use crate::profile::{Check, Endpoint, EndpointCheck, Profile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Pending,
    Running,
    Pass,
    Fail,
    /// A manual item awaiting sign-off.
    Manual,
    Signed,
    Waived,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Pending => "pending",
            ItemStatus::Running => "running",
            ItemStatus::Pass => "pass",
            ItemStatus::Fail => "fail",
            ItemStatus::Manual => "manual",
            ItemStatus::Signed => "signed",
            ItemStatus::Waived => "waived",
        }
    }

    /// Symbols carry the state where colour cannot (NO_COLOR, colour blindness).
    pub fn symbol(self) -> &'static str {
        match self {
            ItemStatus::Pending => "·",
            ItemStatus::Running => "…",
            ItemStatus::Pass => "✔",
            ItemStatus::Fail => "✘",
            ItemStatus::Manual => "○",
            ItemStatus::Signed => "✍",
            ItemStatus::Waived => "~",
        }
    }

    /// Done, in the sense that the phase may move on.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            ItemStatus::Pass | ItemStatus::Signed | ItemStatus::Waived
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemState {
    pub phase: String,
    pub id: String,
    pub title: String,
    pub status: ItemStatus,
    /// A human sentence with the evidence (status, latency, failing condition).
    pub detail: String,
    /// Since when the item's conditions have held (for `hold`).
    pub holding_since: Option<DateTime<Utc>>,
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub duration_ms: Option<u64>,
}

impl ItemState {
    /// An item nothing has happened to yet.
    fn fresh(phase: &str, id: &str, title: &str, status: ItemStatus) -> Self {
        Self {
            phase: phase.to_string(),
            id: id.to_string(),
            title: title.to_string(),
            status,
            detail: String::new(),
            holding_since: None,
            by: None,
            at: None,
            note: None,
            duration_ms: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Checklist {
    items: Vec<ItemState>,
    /// The journal's records folded per item: the source of sign-offs.
    journal: Signoffs,
}

impl Checklist {
    pub fn new(profile: &Profile) -> Self {
        let items = profile
            .items()
            .map(|(phase, item)| {
                let status = if item.check.is_some() {
                    ItemStatus::Pending
                } else {
                    ItemStatus::Manual
                };
                ItemState::fresh(&phase.id, &item.id, &item.title, status)
            })
            .collect();
        let journal = Signoffs::for_release(&profile.service.name, &profile.service.version);
        Self { items, journal }
    }

    /// A checklist of one automated item, for callers that only need the
    /// hold bookkeeping of [`Checklist::apply_evaluation`] (headless checks).
    pub fn single(id: &str) -> Self {
        Self {
            items: vec![ItemState::fresh("", id, "", ItemStatus::Pending)],
            journal: Signoffs::default(),
        }
    }

    pub fn items(&self) -> &[ItemState] {
        &self.items
    }

    pub fn get(&self, id: &str) -> Option<&ItemState> {
        self.items.iter().find(|i| i.id == id)
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut ItemState> {
        self.items.iter_mut().find(|i| i.id == id)
    }

    /// Re-evaluates every endpoint item that reads `endpoint`, given the latest
    /// observation of each of its replicas (in the endpoint's URL order).
    /// Returns the items whose status changed to pass or fail, for the journal.
    pub fn observe<O: Borrow<Observation>>(
        &mut self,
        profile: &Profile,
        endpoint: &str,
        replicas: &[O],
        now: DateTime<Utc>,
    ) -> Vec<ItemChange> {
        let Some(ep) = profile.endpoint(endpoint) else {
            return Vec::new();
        };
        let mut changes = Vec::new();
        for (_, item) in profile.items() {
            let Some(Check::Endpoint(check)) = &item.check else {
                continue;
            };
            if check.endpoint != endpoint {
                continue;
            }
            let evaluation = evaluate_endpoint(check, ep, replicas);
            if let Some(change) = self.apply_evaluation(&item.id, check.hold, evaluation, now) {
                changes.push(change);
            }
        }
        changes
    }

    /// Folds one evaluation of an item into its state, honouring `hold`: the
    /// conditions must have held continuously for that long before it passes.
    pub fn apply_evaluation(
        &mut self,
        id: &str,
        hold: Option<std::time::Duration>,
        evaluation: Evaluation,
        now: DateTime<Utc>,
    ) -> Option<ItemChange> {
        let item = self.get_mut(id)?;
        if matches!(item.status, ItemStatus::Signed | ItemStatus::Waived) {
            return None;
        }
        let before = item.status;
        match evaluation {
            Evaluation::Waiting(detail) => {
                item.holding_since = None;
                item.status = ItemStatus::Running;
                item.detail = detail;
            }
            Evaluation::Fail(detail) => {
                item.holding_since = None;
                item.status = ItemStatus::Fail;
                item.detail = detail;
            }
            Evaluation::Pass(detail) => {
                let since = *item.holding_since.get_or_insert(now);
                let held = (now - since).to_std().unwrap_or_default();
                match hold {
                    Some(hold) if held < hold => {
                        item.status = ItemStatus::Running;
                        item.detail = format!(
                            "holding {} of {}: {detail}",
                            short_duration(held),
                            short_duration(hold)
                        );
                    }
                    Some(hold) => {
                        item.status = ItemStatus::Pass;
                        item.detail = format!("held for {}: {detail}", short_duration(hold));
                    }
                    None => {
                        item.status = ItemStatus::Pass;
                        item.detail = detail;
                    }
                }
            }
        }
        item.at = Some(now);
        let settled = matches!(item.status, ItemStatus::Pass | ItemStatus::Fail);
        (settled && item.status != before).then(|| ItemChange {
            id: item.id.clone(),
            status: item.status,
            detail: item.detail.clone(),
        })
    }

    /// Marks an automated item as running (a command started, a re-run asked).
    pub fn start(&mut self, id: &str, now: DateTime<Utc>) {
        let settled = [ItemStatus::Signed, ItemStatus::Waived, ItemStatus::Manual];
        if let Some(item) = self.get_mut(id).filter(|i| !settled.contains(&i.status)) {
            item.status = ItemStatus::Running;
            item.at = Some(now);
            item.holding_since = None;
        }
    }

    /// A command check ended: exit 0 passes, or its conditions hold when it
    /// has some; the last lines or the verdicts are the evidence.
    pub fn command_finished(
        &mut self,
        id: &str,
        outcome: &CommandOutcome,
        conditions: &[Condition],
        now: DateTime<Utc>,
    ) -> Option<ItemChange> {
        let evaluation = command_evaluation(outcome, conditions);
        let change = self.apply_evaluation(id, None, evaluation, now);
        if let Some(item) = self.get_mut(id) {
            item.duration_ms = Some(outcome.duration.as_millis() as u64);
        }
        change
    }

    /// Applies a journal record through the one fold of the journal
    /// ([`Signoffs`]): a sign-off or waiver of this release (from this or
    /// another process) settles its item; a later one wins.
    pub fn apply_record(&mut self, record: &Record) {
        if !self.journal.apply(record) {
            return;
        }
        let Some(id) = record.event.item() else {
            return;
        };
        let Some(signoff) = self.journal.signoff(id).cloned() else {
            return;
        };
        if let Some(state) = self.get_mut(id) {
            state.status = signoff.kind.status();
            state.detail = signoff.describe();
            state.by = Some(signoff.by);
            state.at = Some(signoff.at);
            state.note = signoff.note;
        }
    }

    /// What the journal said so far about this release's items.
    pub fn journal(&self) -> &Signoffs {
        &self.journal
    }

    /// How many of a phase's items are done, out of how many.
    pub fn phase_progress(&self, phase: &str) -> (usize, usize) {
        let items = self.items.iter().filter(|i| i.phase == phase);
        let (done, total) = items.fold((0, 0), |(d, t), i| {
            (d + usize::from(i.status.is_done()), t + 1)
        });
        (done, total)
    }

    /// The first phase, in profile order, with an item not yet done.
    pub fn current_phase(&self, profile: &Profile) -> Option<String> {
        profile
            .phases
            .iter()
            .find(|p| {
                let (done, total) = self.phase_progress(&p.id);
                done < total
            })
            .map(|p| p.id.clone())
    }
}

/// Has the canary phase started, given the phase under way (`current`, None
/// once every phase is done)? It has once every phase before it is done,
/// or when the profile has no canary phase. The one answer the cockpit's
/// gates and `golive check --phase` both ask.
pub fn canary_started(profile: &Profile, current: Option<&str>) -> bool {
    let Some((canary, _)) = profile.canary_phase() else {
        return true;
    };
    match current {
        None => true,
        Some(current) => profile
            .phases
            .iter()
            .position(|p| p.id == current)
            .is_some_and(|i| i >= canary),
    }
}

/// An item whose status settled on pass or fail: worth a journal record.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemChange {
    pub id: String,
    pub status: ItemStatus,
    pub detail: String,
}

/// One evaluation of an automated item's check.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluation {
    Pass(String),
    Fail(String),
    /// Not enough facts yet (a replica not probed yet).
    Waiting(String),
}

/// Evaluates an endpoint check over the latest observation of each replica.
/// Without `all_replicas` the first replica listed is the one that counts.
pub fn evaluate_endpoint<O: Borrow<Observation>>(
    check: &EndpointCheck,
    endpoint: &Endpoint,
    replicas: &[O],
) -> Evaluation {
    let wanted = if check.all_replicas {
        endpoint.urls.len()
    } else {
        1
    };
    let multi = check.all_replicas && endpoint.urls.len() > 1;
    let mut passes = Vec::new();
    for (index, url) in endpoint.urls.iter().take(wanted).enumerate() {
        let Some(obs) = replicas
            .get(index)
            .map(Borrow::borrow)
            .filter(|o: &&Observation| o.url == *url)
            .or_else(|| replicas.iter().map(Borrow::borrow).find(|o| o.url == *url))
        else {
            return Evaluation::Waiting(format!("waiting for the first answer of {url}"));
        };
        let prefix = if multi {
            format!("replica {} ({url}): ", index + 1)
        } else {
            String::new()
        };
        match evaluate_observation(check, obs) {
            Ok(detail) => passes.push(format!("{prefix}{detail}")),
            Err(detail) => return Evaluation::Fail(format!("{prefix}{detail}")),
        }
    }
    if multi {
        Evaluation::Pass(format!(
            "all {} replicas pass; {}",
            passes.len(),
            passes.join("; ")
        ))
    } else {
        Evaluation::Pass(passes.join("; "))
    }
}

/// Ok(evidence) when every condition holds, Err(the first failure) otherwise;
/// a failure starts with the HTTP facts when the answer was not 2xx.
fn evaluate_observation(check: &EndpointCheck, obs: &Observation) -> Result<String, String> {
    if check.conditions.is_empty() {
        let facts = http_facts(obs);
        if obs.health.state == HealthState::Up {
            return Ok(format!("health up ({facts})"));
        }
        let state = obs.health.state.as_str();
        let reason = obs.health.reason.clone().or_else(|| obs.error.clone());
        return Err(match (obs.http_trouble(), reason) {
            // The health reason opens with the same HTTP facts: keep only
            // what the body added after them.
            (Some(http), reason) => {
                let body = reason
                    .as_deref()
                    .and_then(|r| r.strip_prefix(http.as_str()))
                    .map(|r| r.trim_start_matches(": "))
                    .filter(|r| !r.is_empty());
                let why = match body {
                    Some(body) => format!("health {state}: {body} ({facts})"),
                    None => format!("health {state} ({facts})"),
                };
                obs.failure_reason(&why)
            }
            (None, reason) => format!(
                "health {state}: {} ({facts})",
                reason.unwrap_or_else(|| "no reason given".into())
            ),
        });
    }
    let verdicts: Vec<Verdict> = check.conditions.iter().map(|c| c.evaluate(obs)).collect();
    match verdicts.iter().find(|v| !v.passed) {
        Some(failed) => Err(obs.failure_reason(&failed.explanation)),
        None => Ok(verdicts
            .iter()
            .map(|v| v.explanation.as_str())
            .collect::<Vec<_>>()
            .join(", ")),
    }
}

/// "HTTP 200 in 12 ms", or the transport failure.
fn http_facts(obs: &Observation) -> String {
    match (obs.status, &obs.error) {
        (Some(status), _) => format!(
            "HTTP {status} in {} ms",
            reading(obs.response_time.as_secs_f64() * 1000.0)
        ),
        (None, Some(err)) => err.clone(),
        (None, None) => "no response".into(),
    }
}

/// A command check's evaluation. Without conditions exit 0 passes and the
/// last lines are the evidence. With conditions they decide, over `[BODY]`
/// and `[EXIT]` (so `[EXIT] == 0` is written when it matters), but a command
/// that could not start, timed out or was cancelled fails: its output is
/// not an answer.
pub fn command_evaluation(outcome: &CommandOutcome, conditions: &[Condition]) -> Evaluation {
    if !conditions.is_empty() {
        if outcome.exit_code.is_none() {
            return Evaluation::Fail(outcome.summary());
        }
        let facts = CommandFacts::new(outcome);
        let verdicts: Vec<Verdict> = conditions.iter().map(|c| c.evaluate(&facts)).collect();
        let summary = outcome.summary();
        return match verdicts.iter().find(|v| !v.passed) {
            Some(failed) => Evaluation::Fail(format!("{summary}: {}", failed.explanation)),
            None => Evaluation::Pass(format!(
                "{summary}: {}",
                verdicts
                    .iter()
                    .map(|v| v.explanation.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
    }
    let tail: Vec<&str> = outcome
        .tail
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(String::as_str)
        .collect();
    let mut detail = outcome.summary();
    if !tail.is_empty() {
        detail.push_str(": ");
        detail.push_str(&tail.join(" | "));
    }
    if outcome.succeeded() {
        Evaluation::Pass(detail)
    } else {
        Evaluation::Fail(detail)
    }
}

/// "45s", "1m", "1m30s", "250ms": short enough for a status line.
pub fn short_duration(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;
    use crate::engine::health::Health;
    use crate::engine::record::{Event, Record};
    use crate::model::condition::Condition;
    use crate::profile::{CommandCheck, HealthFormat, Item, Phase, Redactor, Service, Settings};

    pub(crate) fn profile_with(items: Vec<(&str, Item)>, urls: &[&str]) -> Profile {
        let mut phases: Vec<Phase> = Vec::new();
        for (phase, item) in items {
            match phases.iter_mut().find(|p| p.id == phase) {
                Some(p) => p.items.push(item),
                None => phases.push(Phase {
                    id: phase.into(),
                    title: phase.into(),
                    duration: None,
                    items: vec![item],
                }),
            }
        }
        Profile {
            path: "test.toml".into(),
            service: Service {
                name: "svc".into(),
                version: "v2".into(),
                previous: Some("v1".into()),
            },
            settings: Settings::default(),
            endpoints: vec![Endpoint {
                id: "health".into(),
                urls: urls.iter().map(|u| u.to_string()).collect(),
                format: HealthFormat::Auto,
                track: None,
                method: "GET".into(),
                headers: vec![],
                body: None,
                timeout: Duration::from_secs(1),
                warmup_timeout: Duration::from_secs(120),
            }],
            metrics: vec![],
            baseline: None,
            logs: vec![],
            phases,
            gates: vec![],
            actions: Default::default(),
            notify: Default::default(),
            redactor: Redactor::default(),
            unresolved: vec![],
            warnings: vec![],
        }
    }

    fn endpoint_item(id: &str, all_replicas: bool, hold: Option<u64>) -> Item {
        Item {
            id: id.into(),
            title: id.into(),
            description: None,
            check: Some(Check::Endpoint(EndpointCheck {
                endpoint: "health".into(),
                conditions: vec![],
                all_replicas,
                hold: hold.map(Duration::from_secs),
                requests: 1,
            })),
        }
    }

    fn manual(id: &str) -> Item {
        Item {
            id: id.into(),
            title: id.into(),
            description: None,
            check: None,
        }
    }

    fn obs(url: &str, state: HealthState) -> Observation {
        Observation {
            url: url.into(),
            connected: true,
            status: Some(if state == HealthState::Up { 200 } else { 503 }),
            health: Health {
                state,
                reason: (state != HealthState::Up).then(|| "HTTP 503".to_string()),
                ..Health::default()
            },
            ..Observation::default()
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn manual_items_await_sign_off_and_automated_ones_start_pending() {
        let p = profile_with(
            vec![
                ("t-30", manual("ci")),
                ("t-30", endpoint_item("h", false, None)),
            ],
            &["http://a"],
        );
        let c = Checklist::new(&p);
        assert_eq!(c.get("ci").unwrap().status, ItemStatus::Manual);
        assert_eq!(c.get("h").unwrap().status, ItemStatus::Pending);
        assert_eq!(c.phase_progress("t-30"), (0, 2));
    }

    #[test]
    fn endpoint_without_conditions_passes_only_when_up() {
        let p = profile_with(
            vec![("t-30", endpoint_item("h", false, None))],
            &["http://a"],
        );
        let mut c = Checklist::new(&p);
        let changes = c.observe(
            &p,
            "health",
            &[obs("http://a", HealthState::Degraded)],
            at(0),
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(c.get("h").unwrap().status, ItemStatus::Fail);
        assert!(
            c.get("h").unwrap().detail.contains("degraded"),
            "{}",
            c.get("h").unwrap().detail
        );
        let changes = c.observe(&p, "health", &[obs("http://a", HealthState::Up)], at(1));
        assert_eq!(changes[0].status, ItemStatus::Pass);
        // The same status again is not a change worth journalling.
        assert!(
            c.observe(&p, "health", &[obs("http://a", HealthState::Up)], at(2))
                .is_empty()
        );
    }

    #[test]
    fn an_error_answer_puts_the_http_facts_first() {
        let p = profile_with(
            vec![("t-30", endpoint_item("h", false, None))],
            &["http://a"],
        );
        let proxy_page = Observation {
            url: "http://a".into(),
            connected: true,
            status: Some(502),
            response_time: Duration::from_millis(3),
            headers: vec![("content-type".into(), "text/html".into())],
            body_text: "<html><center>502 Bad Gateway</center></html>".into(),
            health: Health::down("HTTP 502 (text/html, proxy error page)"),
            ..Observation::default()
        };
        let endpoint = &p.endpoints[0];
        let mut check = EndpointCheck {
            endpoint: "health".into(),
            conditions: vec![],
            all_replicas: false,
            hold: None,
            requests: 1,
        };
        let failure = |check: &EndpointCheck, obs: &Observation| match evaluate_endpoint(
            check,
            endpoint,
            std::slice::from_ref(obs),
        ) {
            Evaluation::Fail(detail) => detail,
            other => panic!("{other:?} is not a failure"),
        };
        assert_eq!(
            failure(&check, &proxy_page),
            "HTTP 502 (text/html, proxy error page): health down (HTTP 502 in 3 ms)"
        );
        check.conditions = vec![Condition::parse("[BODY].status == healthy").unwrap()];
        assert_eq!(
            failure(&check, &proxy_page),
            "HTTP 502 (text/html, proxy error page): [BODY].status == healthy failed: \
             [BODY].status: cannot be read: the answer is not JSON"
        );
        // A 2xx answer's failure has no HTTP prefix: the body is the news.
        let mut fine = proxy_page;
        fine.status = Some(200);
        fine.headers = vec![("content-type".into(), "application/json".into())];
        fine.json = Some(serde_json::json!({"status": "degraded"}));
        let detail = failure(&check, &fine);
        assert!(
            detail.starts_with("[BODY].status == healthy failed"),
            "{detail}"
        );
    }

    #[test]
    fn hold_needs_continuous_success() {
        let p = profile_with(
            vec![("canary", endpoint_item("h", false, Some(60)))],
            &["http://a"],
        );
        let mut c = Checklist::new(&p);
        let up = [obs("http://a", HealthState::Up)];
        c.observe(&p, "health", &up, at(0));
        assert_eq!(c.get("h").unwrap().status, ItemStatus::Running);
        c.observe(&p, "health", &up, at(30));
        assert!(c.get("h").unwrap().detail.starts_with("holding 30s of 1m"));
        // A failure resets the clock.
        c.observe(&p, "health", &[obs("http://a", HealthState::Down)], at(40));
        assert_eq!(c.get("h").unwrap().status, ItemStatus::Fail);
        c.observe(&p, "health", &up, at(50));
        c.observe(&p, "health", &up, at(100));
        assert_eq!(c.get("h").unwrap().status, ItemStatus::Running);
        let changes = c.observe(&p, "health", &up, at(110));
        assert_eq!(c.get("h").unwrap().status, ItemStatus::Pass);
        assert_eq!(changes.len(), 1);
    }

    #[test]
    fn all_replicas_waits_for_every_replica_and_names_the_failing_one() {
        let p = profile_with(
            vec![("canary", endpoint_item("r", true, None))],
            &["http://a", "http://b"],
        );
        let mut c = Checklist::new(&p);
        c.observe(&p, "health", &[obs("http://a", HealthState::Up)], at(0));
        assert_eq!(c.get("r").unwrap().status, ItemStatus::Running);
        assert!(c.get("r").unwrap().detail.contains("http://b"));
        c.observe(
            &p,
            "health",
            &[
                obs("http://a", HealthState::Up),
                obs("http://b", HealthState::Down),
            ],
            at(1),
        );
        let item = c.get("r").unwrap();
        assert_eq!(item.status, ItemStatus::Fail);
        assert!(
            item.detail.starts_with("replica 2 (http://b)"),
            "{}",
            item.detail
        );
        c.observe(
            &p,
            "health",
            &[
                obs("http://a", HealthState::Up),
                obs("http://b", HealthState::Up),
            ],
            at(2),
        );
        assert_eq!(c.get("r").unwrap().status, ItemStatus::Pass);
    }

    #[test]
    fn without_all_replicas_the_first_replica_counts() {
        let p = profile_with(
            vec![("t-30", endpoint_item("h", false, None))],
            &["http://a", "http://b"],
        );
        let mut c = Checklist::new(&p);
        c.observe(
            &p,
            "health",
            &[
                obs("http://a", HealthState::Up),
                obs("http://b", HealthState::Down),
            ],
            at(0),
        );
        assert_eq!(c.get("h").unwrap().status, ItemStatus::Pass);
    }

    #[test]
    fn command_results_and_sign_offs() {
        let cmd = Item {
            id: "asset".into(),
            title: "asset".into(),
            description: None,
            check: Some(Check::Command(CommandCheck {
                argv: vec!["test".into()],
                timeout: Duration::from_secs(1),
                cwd: None,
                env: vec![],
                conditions: Vec::new(),
            })),
        };
        let p = profile_with(
            vec![
                ("t-30", cmd),
                ("t-30", manual("ci")),
                ("post", manual("promo")),
            ],
            &["http://a"],
        );
        let mut c = Checklist::new(&p);
        assert_eq!(c.current_phase(&p).as_deref(), Some("t-30"));
        c.start("asset", at(0));
        assert_eq!(c.get("asset").unwrap().status, ItemStatus::Running);
        let outcome = CommandOutcome {
            exit_code: Some(1),
            tail: vec!["missing file".into()],
            duration: Duration::from_millis(20),
            ..CommandOutcome::default()
        };
        c.command_finished("asset", &outcome, &[], at(1));
        let item = c.get("asset").unwrap();
        assert_eq!(item.status, ItemStatus::Fail);
        assert!(item.detail.contains("exit 1") && item.detail.contains("missing file"));
        let record = |event| Record {
            at: at(5),
            operator: "ana".into(),
            service: "svc".into(),
            version: "v2".into(),
            event,
        };
        c.apply_record(&record(Event::SignOff {
            item: "ci".into(),
            note: Some("green".into()),
        }));
        c.apply_record(&record(Event::Waiver {
            item: "asset".into(),
            reason: "known".into(),
        }));
        assert_eq!(c.get("ci").unwrap().status, ItemStatus::Signed);
        assert_eq!(c.get("ci").unwrap().by.as_deref(), Some("ana"));
        // The one fold ignores another release's records in a shared journal.
        let mut other = record(Event::Waiver {
            item: "ci".into(),
            reason: "wrong release".into(),
        });
        other.version = "v1".into();
        c.apply_record(&other);
        assert_eq!(c.get("ci").unwrap().status, ItemStatus::Signed);
        assert_eq!(c.get("asset").unwrap().status, ItemStatus::Waived);
        // A waived item is not reopened by later facts.
        c.command_finished("asset", &outcome, &[], at(6));
        assert_eq!(c.get("asset").unwrap().status, ItemStatus::Waived);
        assert_eq!(c.phase_progress("t-30"), (2, 2));
        assert_eq!(c.current_phase(&p).as_deref(), Some("post"));
    }

    #[test]
    fn short_durations() {
        assert_eq!(short_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(short_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(short_duration(Duration::from_secs(3600)), "1h");
    }
}
