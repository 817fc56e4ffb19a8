//! Notifications, decided here and only here. Every journal record the
//! engine folds (its own or another process's) may mean something to tell:
//! a gate breached or resolved, the judge's verdict changed, a phase
//! completed, an action started or finished, a recovery proven or not, the
//! lifecycle moved, an item marked `notify = true` signed. Each becomes one
//! notification per interested receiver with a stable key (release, event,
//! subject, occurrence), so every engine folding the same journal names it
//! the same way. `notify_delivery` records settle a key: once sent or failed
//! it is never asked for again, after a restart or in another process.
//!
//! Nothing is asked for while the journal is being read: the wanted list is
//! handed to the driver on the clock's tick ([`due`]), once every record on
//! disk (deliveries included) has been folded. The driver's adapter claims
//! the key before sending, so two processes never both send it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::metrics::fmt_value;
use super::record::{Event, Record};
use super::state::{App, Effect};
use crate::profile::{Gate, NotifyEvent, NotifyFormat, NotifyTarget, Profile};

/// The payload's schema name (`docs/notify.md`); bumped when a field changes meaning.
pub const SCHEMA: &str = "golive.notify/1";

/// One notification for one receiver, ready to deliver.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub key: String,
    pub receiver: String,
    /// What goes on the wire: golive's payload, or its Slack-compatible
    /// shape for a `format = "slack"` webhook. Secrets already masked.
    pub body: Value,
}

/// How one delivery ended, as the adapter reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Delivery {
    /// The receiver accepted it (2xx, or a command exiting 0).
    Sent { attempts: u32, status: Option<i32> },
    /// Every attempt failed; the last one's status and reason.
    Failed {
        attempts: u32,
        status: Option<i32>,
        reason: String,
    },
    /// Another process holds the claim: it sends and journals it.
    ClaimedElsewhere,
    /// The delivery queue was full: asked for again on the next tick.
    Busy,
}

/// A delivery's end, for the engine (`Msg::Notified`).
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    pub key: String,
    pub receiver: String,
    pub delivery: Delivery,
}

/// The numbers behind a notification, when it has them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Numbers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// How long the state held: a breach's run so far, a breach's whole
    /// length at its resolution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub for_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_recovery_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// golive's JSON payload (documented in `docs/notify.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payload {
    pub schema: &'static str,
    pub key: String,
    pub event: &'static str,
    pub subject: String,
    pub occurrence: u32,
    pub summary: String,
    pub service: String,
    pub version: String,
    pub phase: Option<String>,
    pub lifecycle: String,
    pub operator: String,
    pub at: DateTime<Utc>,
    pub detail: String,
    pub numbers: Numbers,
}

/// An open breach as the journal says: its occurrence and when it began.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OpenBreach {
    occurrence: u32,
    at: DateTime<Utc>,
}

/// The notifications folded from the journal and where each one stands.
#[derive(Debug, Clone, Default)]
pub struct Notifications {
    /// Records seen per (event, subject): the next one's occurrence.
    counts: BTreeMap<(NotifyEvent, String), u32>,
    open_gates: BTreeMap<String, OpenBreach>,
    /// A gate's breach or resolution this engine asked to journal and has
    /// not folded back yet: whether it left the gate open.
    written: BTreeMap<String, bool>,
    phases_done: BTreeSet<String>,
    /// In journal order; settled ones are dropped on the next [`due`].
    wanted: Vec<Notification>,
    settled: BTreeSet<(String, String)>,
    in_flight: BTreeSet<(String, String)>,
    /// The last delivery that failed: shown in the header.
    pub failure: Option<String>,
}

impl Notifications {
    /// Whether the gate's breach is open, as the journal (or this engine's
    /// own record on its way there) says.
    pub fn gate_open(&self, gate: &str) -> bool {
        self.written
            .get(gate)
            .copied()
            .unwrap_or_else(|| self.open_gates.contains_key(gate))
    }

    /// A breach to journal, unless the journal already holds it open (a
    /// restarted engine sees the same breach anew).
    pub fn claim_breach(&mut self, gate: &str) -> bool {
        if self.gate_open(gate) {
            return false;
        }
        self.written.insert(gate.to_string(), true);
        true
    }

    /// Notifications not yet settled, in order (for tests and `status`).
    pub fn pending(&self) -> impl Iterator<Item = &Notification> {
        self.wanted
            .iter()
            .filter(|n| !self.settled.contains(&(n.key.clone(), n.receiver.clone())))
    }
}

/// Folds one record: its notifications join the wanted list, a delivery
/// record settles its key.
pub fn on_record(app: &mut App, record: &Record) {
    let profile = &app.profile;
    if record.service != profile.service.name || record.version != profile.service.version {
        return;
    }
    if let Event::NotifyDelivery {
        key,
        receiver,
        outcome,
        detail,
        ..
    } = &record.event
    {
        let n = &mut app.notify;
        n.in_flight.remove(&(key.clone(), receiver.clone()));
        n.settled.insert((key.clone(), receiver.clone()));
        if outcome == "failed" {
            n.failure = Some(format!("{receiver}: {detail}"));
        }
        return;
    }
    let mut found = facts(app, record);
    found.extend(completed_phases(app, record));
    for fact in found {
        want(app, record, fact);
    }
}

/// What one record tells, before it is keyed: event, subject, detail, numbers.
struct Fact {
    event: NotifyEvent,
    subject: String,
    detail: String,
    numbers: Numbers,
    /// A resolution shares its breach's occurrence.
    occurrence: Option<u32>,
}

fn fact(event: NotifyEvent, subject: &str, detail: String, numbers: Numbers) -> Fact {
    Fact {
        event,
        subject: subject.to_string(),
        detail,
        numbers,
        occurrence: None,
    }
}

fn facts(app: &mut App, record: &Record) -> Vec<Fact> {
    let gate_numbers = |gate: &str| {
        let state = app.gates.iter().find(|g| g.id == gate);
        Numbers {
            value: state.and_then(|s| s.observed),
            threshold: state.and_then(|s| s.threshold_value),
            for_ms: state
                .and_then(|s| s.since)
                .map(|since| (record.at - since).num_milliseconds().max(0) as u64),
            ..Numbers::default()
        }
    };
    let one = match &record.event {
        Event::GateBreach { gate, observed, .. } => {
            let numbers = gate_numbers(gate);
            let occurrence = next(&app.notify.counts, NotifyEvent::GateBreached, gate);
            app.notify.open_gates.insert(
                gate.clone(),
                OpenBreach {
                    occurrence,
                    at: record.at,
                },
            );
            app.notify.written.remove(gate);
            fact(NotifyEvent::GateBreached, gate, observed.clone(), numbers)
        }
        Event::GateResolved {
            gate,
            observed,
            breached_ms,
        } => {
            app.notify.written.remove(gate);
            let Some(open) = app.notify.open_gates.remove(gate) else {
                return Vec::new();
            };
            let mut numbers = gate_numbers(gate);
            numbers.for_ms = breached_ms
                .or_else(|| Some((record.at - open.at).num_milliseconds().max(0) as u64));
            let mut f = fact(NotifyEvent::GateResolved, gate, observed.clone(), numbers);
            f.occurrence = Some(open.occurrence);
            f
        }
        Event::JudgeVerdict {
            verdict,
            score,
            summary,
            ..
        } => fact(
            NotifyEvent::VerdictChanged,
            &serde_name(verdict),
            summary.clone(),
            Numbers {
                score: *score,
                ..Numbers::default()
            },
        ),
        Event::ActionStarted {
            action,
            what,
            dry_run: false,
            trigger,
            reason,
        } => {
            let by = trigger.clone().unwrap_or_else(|| record.operator.clone());
            let mut detail = format!("{what} (asked by {by})");
            // Why it runs, as the operator confirmed it: the gate and its
            // numbers, the judge, or "operator's decision".
            let why = reason
                .iter()
                .flat_map(|r| r.lines())
                .filter(|l| l.starts_with("why:") || l.starts_with("judge:"));
            for line in why {
                detail.push_str("; ");
                detail.push_str(line);
            }
            fact(
                NotifyEvent::ActionStarted,
                action,
                detail,
                Numbers::default(),
            )
        }
        Event::ActionFinished {
            action,
            exit_code,
            duration_ms,
            cancelled,
            timed_out,
            ..
        } => {
            let how = super::story::how_it_ended(*exit_code, *cancelled, *timed_out);
            let numbers = Numbers {
                exit_code: *exit_code,
                duration_ms: Some(*duration_ms),
                ..Numbers::default()
            };
            fact(NotifyEvent::ActionFinished, action, how, numbers)
        }
        Event::Verified {
            action,
            items,
            recovered,
            time_to_recovery_ms,
        } => {
            let event = if *recovered {
                NotifyEvent::Recovered
            } else {
                NotifyEvent::NotRecovered
            };
            let detail = format!("after {action}, verified by {}", items.join(", "));
            let numbers = Numbers {
                time_to_recovery_ms: *time_to_recovery_ms,
                ..Numbers::default()
            };
            fact(event, action, detail, numbers)
        }
        Event::Lifecycle { state, detail, .. } => fact(
            NotifyEvent::LifecycleChanged,
            &state.as_str().replace(' ', "_"),
            detail.clone(),
            Numbers::default(),
        ),
        Event::SignOff { item, note } if app.profile.notify.items.contains(item) => fact(
            NotifyEvent::SignedOff,
            item,
            note.clone().unwrap_or_default(),
            Numbers::default(),
        ),
        _ => return Vec::new(),
    };
    vec![one]
}

/// Phases whose every item is done after this record, each once per release.
fn completed_phases(app: &mut App, record: &Record) -> Vec<Fact> {
    if record.event.item().is_none() {
        return Vec::new();
    }
    let items = app.checklist.items();
    let mut out = Vec::new();
    for phase in &app.profile.phases {
        let mut of_phase = items.iter().filter(|i| i.phase == phase.id).peekable();
        if of_phase.peek().is_none() || app.notify.phases_done.contains(&phase.id) {
            continue;
        }
        if of_phase.all(|i| i.status.is_done()) {
            app.notify.phases_done.insert(phase.id.clone());
            let detail = format!("{} complete", phase.title);
            out.push(fact(
                NotifyEvent::PhaseCompleted,
                &phase.id,
                detail,
                Numbers::default(),
            ));
        }
    }
    out
}

fn next(counts: &BTreeMap<(NotifyEvent, String), u32>, event: NotifyEvent, subject: &str) -> u32 {
    counts
        .get(&(event, subject.to_string()))
        .copied()
        .unwrap_or(0)
        + 1
}

/// Keys the fact and queues it for every receiver that wants it.
fn want(app: &mut App, record: &Record, fact: Fact) {
    let counted = next(&app.notify.counts, fact.event, &fact.subject);
    let occurrence = fact.occurrence.unwrap_or(counted);
    if fact.occurrence.is_none() {
        app.notify
            .counts
            .insert((fact.event, fact.subject.clone()), counted);
    }
    if app.profile.notify.receivers.is_empty() {
        return;
    }
    let key = key(&app.profile, fact.event, &fact.subject, occurrence);
    let payload = Payload {
        schema: SCHEMA,
        key: key.clone(),
        event: fact.event.name(),
        summary: summary(&app.profile, fact.event, &fact.subject, &fact.detail),
        subject: fact.subject,
        occurrence,
        service: record.service.clone(),
        version: record.version.clone(),
        phase: app.current_phase(),
        lifecycle: app.lifecycle.stage.as_str().to_string(),
        operator: record.operator.clone(),
        at: record.at,
        detail: fact.detail,
        numbers: fact.numbers,
    };
    for n in bodies(&app.profile, &payload, |r| r.wants(fact.event)) {
        app.notify.wanted.push(n);
    }
}

/// The payload shaped for each receiver `wanted` picks, secrets masked.
pub fn bodies(
    profile: &Profile,
    payload: &Payload,
    wanted: impl Fn(&crate::profile::Notifier) -> bool,
) -> Vec<Notification> {
    let mut json = serde_json::to_value(payload).unwrap_or(Value::Null);
    super::redaction::redact_value(&mut json, &profile.redactor);
    profile
        .notify
        .receivers
        .iter()
        .filter(|r| wanted(r))
        .map(|r| Notification {
            key: payload.key.clone(),
            receiver: r.id.clone(),
            body: match &r.target {
                NotifyTarget::Webhook {
                    format: NotifyFormat::Slack,
                    ..
                } => slack(&json),
                _ => json.clone(),
            },
        })
        .collect()
}

/// The stable key: release, event, subject, occurrence.
pub fn key(profile: &Profile, event: NotifyEvent, subject: &str, occurrence: u32) -> String {
    format!(
        "{}@{}/{}/{subject}/{occurrence}",
        profile.service.name,
        profile.service.version,
        event.name()
    )
}

fn summary(profile: &Profile, event: NotifyEvent, subject: &str, detail: &str) -> String {
    let release = format!("{} {}", profile.service.name, profile.service.version);
    let what = match event {
        NotifyEvent::GateBreached => format!("gate {subject} BREACHED"),
        NotifyEvent::GateResolved => format!("gate {subject} resolved"),
        NotifyEvent::VerdictChanged => format!("judge verdict: {subject}"),
        NotifyEvent::PhaseCompleted => format!("phase {subject} completed"),
        NotifyEvent::ActionStarted => format!("{subject} started"),
        NotifyEvent::ActionFinished => format!("{subject} finished"),
        NotifyEvent::Recovered => format!("recovered after {subject}"),
        NotifyEvent::NotRecovered => format!("NOT RECOVERED after {subject}"),
        NotifyEvent::LifecycleChanged => format!("release {}", subject.replace('_', " ")),
        NotifyEvent::SignedOff => format!("{subject} signed off"),
        NotifyEvent::Test => "test notification".to_string(),
    };
    if detail.is_empty() {
        format!("{release}: {what}")
    } else {
        format!("{release}: {what}: {detail}")
    }
}

/// Slack-compatible: plain `text` plus attachment fields, which Slack,
/// Mattermost and Rocket.Chat all show.
fn slack(payload: &Value) -> Value {
    let text = payload["summary"].as_str().unwrap_or_default();
    let mut fields = Vec::new();
    for name in [
        "service",
        "version",
        "phase",
        "lifecycle",
        "operator",
        "event",
    ] {
        if let Some(v) = payload[name].as_str() {
            fields.push(json!({"title": name, "value": v, "short": true}));
        }
    }
    if let Some(numbers) = payload["numbers"].as_object() {
        for (name, v) in numbers {
            fields.push(json!({"title": name, "value": v.to_string(), "short": true}));
        }
    }
    json!({"text": text, "attachments": [{"fallback": text, "fields": fields}]})
}

/// The notifications to hand the driver now: wanted, not settled, not on
/// their way. Called on the clock, never while the journal is being read.
pub fn due(app: &mut App) -> Vec<Effect> {
    let n = &mut app.notify;
    let settled = &n.settled;
    n.wanted
        .retain(|w| !settled.contains(&(w.key.clone(), w.receiver.clone())));
    let mut effects = Vec::new();
    for w in &n.wanted {
        if n.in_flight.insert((w.key.clone(), w.receiver.clone())) {
            effects.push(Effect::Notify(Box::new(w.clone())));
        }
    }
    effects
}

/// A delivery's end: journalled (sent or failed) unless another process
/// holds it; a full queue asks again on the next tick.
pub fn on_delivered(app: &mut App, done: Delivered) -> Option<Event> {
    let id = (done.key.clone(), done.receiver.clone());
    let n = &mut app.notify;
    n.in_flight.remove(&id);
    let (outcome, attempts, status, detail) = match done.delivery {
        Delivery::Busy => return None,
        Delivery::ClaimedElsewhere => {
            n.settled.insert(id);
            return None;
        }
        Delivery::Sent { attempts, status } => ("sent", attempts, status, String::new()),
        Delivery::Failed {
            attempts,
            status,
            reason,
        } => {
            n.failure = Some(format!("{}: {reason}", done.receiver));
            ("failed", attempts, status, reason)
        }
    };
    n.settled.insert(id);
    Some(Event::NotifyDelivery {
        key: done.key,
        receiver: done.receiver,
        outcome: outcome.to_string(),
        attempts,
        status,
        detail,
    })
}

/// Breached gates now back within their threshold (with data): their
/// resolution to journal, once, by this engine.
pub fn resolutions(app: &mut App, gates: &[Gate]) -> Vec<Event> {
    let mut out = Vec::new();
    for state in &app.gates {
        let settled = !state.breached && state.since.is_none() && state.no_data.is_none();
        if !settled || !app.notify.gate_open(&state.id) {
            continue;
        }
        let Some(gate) = gates.iter().find(|g| g.id == state.id) else {
            continue;
        };
        let observed = match state.observed {
            Some(v) => format!("{} vs {}", fmt_value(gate.metric, v), state.threshold),
            None => format!("no data vs {}", state.threshold),
        };
        let breached_ms = app
            .notify
            .open_gates
            .get(&state.id)
            .map(|o| (app.now - o.at).num_milliseconds().max(0) as u64);
        app.notify.written.insert(state.id.clone(), false);
        out.push(Event::GateResolved {
            gate: state.id.clone(),
            observed,
            breached_ms,
        });
    }
    out
}

/// A test notification for `golive notify test`: every receiver, or `only`.
pub fn test_notifications(
    profile: &Profile,
    operator: &str,
    now: DateTime<Utc>,
    only: Option<&str>,
) -> Vec<Notification> {
    let subject = format!("{}", now.timestamp_millis());
    let key = key(profile, NotifyEvent::Test, &subject, 1);
    let payload = Payload {
        schema: SCHEMA,
        key,
        event: NotifyEvent::Test.name(),
        summary: summary(profile, NotifyEvent::Test, &subject, "golive notify test"),
        subject,
        occurrence: 1,
        service: profile.service.name.clone(),
        version: profile.service.version.clone(),
        phase: None,
        lifecycle: super::lifecycle::Stage::default().as_str().to_string(),
        operator: operator.to_string(),
        at: now,
        detail: "golive notify test".into(),
        numbers: Numbers::default(),
    };
    bodies(profile, &payload, |r| only.is_none_or(|id| r.id == id))
}

/// How long a face that is done may wait for what it still owes the
/// receivers: the slowest receiver's attempts and back-offs, at most a minute.
pub fn drain_budget(profile: &Profile) -> std::time::Duration {
    let worst = profile
        .notify
        .receivers
        .iter()
        .map(|r| r.timeout * (r.retries + 1) + BACKOFF_ALLOWANCE * r.retries)
        .max();
    // One clock tick to hand them out, and a little for the journal.
    worst.map_or_else(Default::default, |w| {
        (w + std::time::Duration::from_secs(1)).min(std::time::Duration::from_secs(60))
    })
}

/// What the adapter's back-offs may add per retry, at most.
const BACKOFF_ALLOWANCE: std::time::Duration = std::time::Duration::from_secs(10);

/// A value's serde name (`fail`, `no-data`), as the journal spells it.
fn serde_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;
