#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::*;
use crate::cockpit::fixture::sample_profile;
use crate::engine::state::{Msg, update};
use crate::profile::Notifier;

fn at(s: u32) -> DateTime<Utc> {
    format!("2026-12-01T10:00:{s:02}Z").parse().unwrap()
}

fn receiver(id: &str, format: NotifyFormat, events: &[NotifyEvent]) -> Notifier {
    Notifier {
        id: id.into(),
        target: NotifyTarget::Webhook {
            url: "http://127.0.0.1:9/hook".into(),
            format,
            headers: vec![("Authorization".into(), "Bearer s3cr3t-token".into())],
        },
        events: events.to_vec(),
        timeout: Duration::from_secs(5),
        retries: 3,
    }
}

fn app() -> App {
    let mut profile = sample_profile();
    profile.notify.receivers = vec![
        receiver("team", NotifyFormat::Json, &NotifyEvent::ALL),
        receiver("chat", NotifyFormat::Slack, &[NotifyEvent::GateResolved]),
    ];
    App::new(profile, "alice", at(0))
}

fn fold(app: &mut App, s: u32, event: Event) {
    let record = Record::new(&app.profile, "alice", at(s), event);
    update(app, Msg::Record(Box::new(record)));
}

fn breach() -> Event {
    Event::GateBreach {
        gate: "errors".into(),
        observed: "8.00% vs > 5.00%".into(),
        on_breach: "alert".into(),
    }
}

fn resolved() -> Event {
    Event::GateResolved {
        gate: "errors".into(),
        observed: "1.00% vs > 5.00%".into(),
        breached_ms: Some(30_000),
    }
}

fn delivered(key: &str, receiver: &str) -> Event {
    Event::NotifyDelivery {
        key: key.into(),
        receiver: receiver.into(),
        outcome: "sent".into(),
        attempts: 1,
        status: Some(200),
        detail: String::new(),
    }
}

fn asked(effects: &[Effect]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some((n.key.clone(), n.receiver.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn nothing_is_asked_while_the_journal_is_read_and_a_delivered_key_is_never_asked_again() {
    let mut app = app();
    fold(&mut app, 1, breach());
    let breach_key = key(&app.profile, NotifyEvent::GateBreached, "errors", 1);
    fold(&mut app, 2, delivered(&breach_key, "team"));
    fold(&mut app, 3, resolved());
    // Only the clock hands notifications out, once the journal is folded.
    let effects = due(&mut app);
    let got = asked(&effects);
    assert!(!got.iter().any(|(k, _)| *k == breach_key), "{got:?}");
    let resolution = key(&app.profile, NotifyEvent::GateResolved, "errors", 1);
    assert!(
        got.contains(&(resolution.clone(), "team".into())),
        "{got:?}"
    );
    assert!(got.contains(&(resolution, "chat".into())), "{got:?}");
    // Asked once: a second tick does not ask again while it is on its way.
    assert!(asked(&due(&mut app)).is_empty());
}

#[test]
fn a_resolution_pending_after_a_restart_is_asked_for_and_the_breach_is_not() {
    let mut app = app();
    let breach_key = key(&app.profile, NotifyEvent::GateBreached, "errors", 1);
    fold(&mut app, 1, breach());
    fold(&mut app, 2, delivered(&breach_key, "team"));
    fold(&mut app, 3, resolved());
    let got = asked(&due(&mut app));
    assert!(!got.iter().any(|(k, _)| *k == breach_key), "{got:?}");
    let resolution = key(&app.profile, NotifyEvent::GateResolved, "errors", 1);
    assert_eq!(
        got,
        [
            (resolution.clone(), "team".into()),
            (resolution, "chat".into())
        ]
    );
    // The breach stays open in the engine's eyes until resolved: not re-journalled.
    let mut fresh = self::app();
    fold(&mut fresh, 1, breach());
    assert!(!fresh.notify.claim_breach("errors"));
    fold(&mut fresh, 2, resolved());
    assert!(fresh.notify.claim_breach("errors"));
}

#[test]
fn a_delivery_outcome_becomes_a_record_and_a_claim_held_elsewhere_does_not() {
    let mut app = app();
    fold(&mut app, 1, breach());
    let got = asked(&due(&mut app));
    assert_eq!(got.len(), 1, "chat hears only resolutions: {got:?}");
    let (key, receiver) = got[0].clone();
    let failed = Delivered {
        key: key.clone(),
        receiver: receiver.clone(),
        delivery: Delivery::Failed {
            attempts: 4,
            status: Some(500),
            reason: "HTTP 500".into(),
        },
    };
    let effects = update(&mut app, Msg::Notified(Box::new(failed)));
    let record = effects.iter().find_map(|e| match e {
        Effect::Append(r) => Some(r.event.clone()),
        _ => None,
    });
    assert!(
        matches!(&record, Some(Event::NotifyDelivery { outcome, attempts: 4, .. }) if outcome == "failed"),
        "{record:?}"
    );
    assert_eq!(app.notify.failure.as_deref(), Some("team: HTTP 500"));
    assert!(asked(&due(&mut app)).is_empty(), "a failed key is settled");

    let mut other = self::app();
    fold(&mut other, 1, breach());
    due(&mut other);
    let elsewhere = Delivered {
        key,
        receiver,
        delivery: Delivery::ClaimedElsewhere,
    };
    assert!(update(&mut other, Msg::Notified(Box::new(elsewhere))).is_empty());
    assert!(asked(&due(&mut other)).is_empty());
}

#[test]
fn payloads_carry_the_release_and_never_a_secret_and_slack_gets_text_and_fields() {
    let mut app = app();
    fold(
        &mut app,
        1,
        Event::ActionStarted {
            action: "rollback".into(),
            what: "deploy --token s3cr3t-token".into(),
            dry_run: false,
            trigger: None,
            reason: Some(
                "why: gate canary-errors: 9.1% vs > 5%\nrun: deploy --token s3cr3t-token".into(),
            ),
        },
    );
    fold(&mut app, 2, breach());
    fold(&mut app, 3, resolved());
    let notes: Vec<Notification> = app.notify.pending().cloned().collect();
    assert!(!notes.is_empty());
    for n in &notes {
        assert!(!n.body.to_string().contains("s3cr3t-token"), "{}", n.body);
    }
    let started = &notes[0].body;
    assert_eq!(started["event"], "action_started");
    assert_eq!(started["operator"], "alice");
    assert_eq!(started["service"], app.profile.service.name.as_str());
    let slack = notes.iter().find(|n| n.receiver == "chat").unwrap();
    assert!(
        slack.body["text"]
            .as_str()
            .unwrap()
            .contains("gate errors resolved")
    );
    let fields = slack.body["attachments"][0]["fields"].as_array().unwrap();
    assert!(
        fields
            .iter()
            .any(|f| f["title"] == "for_ms" && f["value"] == "30000"),
        "{fields:?}"
    );
}

#[test]
fn records_of_another_release_and_dry_runs_tell_nobody() {
    let mut app = app();
    let mut record = Record::new(&app.profile, "bob", at(1), breach());
    record.version = "v9".into();
    update(&mut app, Msg::Record(Box::new(record)));
    fold(
        &mut app,
        2,
        Event::ActionStarted {
            action: "rollback".into(),
            what: "x".into(),
            dry_run: true,
            trigger: None,
            reason: None,
        },
    );
    assert_eq!(app.notify.pending().count(), 0);
}
