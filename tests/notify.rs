//! Notifications end to end: a canary on loopback whose error rate breaches
//! an auto-rollback gate until the rollback ran, driven through the real
//! engine and driver (`runtime::headless`), and real HTTP receivers on
//! loopback that record what they got. The breach, the rollback, the
//! recovery and the resolution arrive once each, in order, with numbers and
//! without the secret; a restart between breach and resolution repeats
//! nothing and still sends the resolution; a flaky receiver gets its
//! notification once, a dead one is journalled as failed, a hanging one is
//! cut at its timeout without holding anyone up, and a command notifier
//! reads the payload on stdin.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::Value;

use golive::engine::notify::{Delivery, Notification};
use golive::engine::record::{Event, Record};
use golive::engine::state::App;
use golive::io::journal;
use golive::profile::{self, Notifier, NotifyTarget, Profile};

const TOKEN: &str = "notify-t0ken-9f2c";

/// What a receiver got: the bodies it accepted, and every attempt.
#[derive(Clone, Default)]
struct Inbox {
    accepted: Arc<Mutex<Vec<Value>>>,
    attempts: Arc<AtomicUsize>,
    /// Raw requests (headers and body), to look for the secret.
    raw: Arc<Mutex<Vec<String>>>,
}

impl Inbox {
    fn events(&self) -> Vec<String> {
        let got = self.accepted.lock().unwrap();
        got.iter()
            .map(|b| b["event"].as_str().unwrap_or("?").to_string())
            .collect()
    }
}

#[derive(Clone, Copy)]
enum Behaviour {
    Accept,
    /// 500 this many times, then accept.
    FailFirst(usize),
    Hang,
}

/// A webhook receiver on 127.0.0.1, port 0.
async fn receiver(behaviour: Behaviour) -> (String, Inbox) {
    let inbox = Inbox::default();
    let state = inbox.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let inbox = state.clone();
            async move {
                let n = inbox.attempts.fetch_add(1, Ordering::SeqCst);
                inbox
                    .raw
                    .lock()
                    .unwrap()
                    .push(format!("{headers:?} {body}"));
                match behaviour {
                    Behaviour::Hang => {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        StatusCode::OK
                    }
                    Behaviour::FailFirst(k) if n < k => StatusCode::INTERNAL_SERVER_ERROR,
                    _ => {
                        let value = serde_json::from_str(&body).unwrap_or(Value::Null);
                        inbox.accepted.lock().unwrap().push(value);
                        StatusCode::OK
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), inbox)
}

/// The canary's `/metrics`: 100 requests a scrape, half of them 500s until
/// `healthy` exists (the rollback creates it), none after.
async fn canary(healthy: PathBuf) -> String {
    let requests = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let (requests, errors) = (requests.clone(), errors.clone());
            let healthy = healthy.exists();
            async move {
                let n = requests.fetch_add(100, Ordering::SeqCst) + 100;
                let e = if healthy {
                    errors.load(Ordering::SeqCst)
                } else {
                    errors.fetch_add(50, Ordering::SeqCst) + 50
                };
                format!(
                    "# TYPE http_request_duration_seconds histogram\n\
                     http_request_duration_seconds_bucket{{le=\"0.1\"}} {n}\n\
                     http_request_duration_seconds_bucket{{le=\"+Inf\"}} {n}\n\
                     http_request_duration_seconds_sum {}\n\
                     http_request_duration_seconds_count {n}\n\
                     # TYPE http_requests_total counter\n\
                     http_requests_total{{code=\"200\"}} {}\n\
                     http_requests_total{{code=\"500\"}} {e}\n",
                    n as f64 * 0.05,
                    n - e
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/metrics")
}

/// A canary release with an error-rate gate; `on_breach` decides whether
/// golive rolls back by itself. `notify` is the `[[notify]]` tables.
fn profile(dir: &Path, metrics: &str, on_breach: &str, notify: &str) -> Profile {
    let flag = dir.join("healthy");
    let text = format!(
        r#"[service]
name = "shop"
version = "v2"
previous = "v1"

[settings]
poll_interval = "200ms"

[[metrics]]
track = "canary"
scrape = "{metrics}"
window = "1s"
latency_histogram = "http_request_duration_seconds"
requests_counter = "http_requests_total"
status_label = "code"

[[phase]]
id = "canary"

  [[phase.item]]
  id = "healthy"
  check = {{ command = ["test", "-f", "{flag}"] }}

[[gate]]
id = "errors"
metric = "error_rate"
track = "canary"
condition = "> 5%"
on_breach = "{on_breach}"

[actions.rollback]
command = ["sh", "-c", "touch '{flag}' # {TOKEN}"]
verify = ["healthy"]
timeout = "10s"

{notify}
"#,
        flag = flag.display()
    );
    let path = dir.join("shop.toml");
    std::fs::write(&path, &text).unwrap();
    let env = |name: &str| (name == "NOTIFY_TOKEN").then(|| TOKEN.to_string());
    profile::load_with(&path, &text, &env).unwrap()
}

fn webhook(id: &str, url: &str, events: &str, extra: &str) -> String {
    format!(
        r#"[[notify]]
id = "{id}"
webhook = "{url}"
headers = {{ Authorization = "Bearer ${{NOTIFY_TOKEN}}" }}
events = [{events}]
timeout = "1s"
retries = 1
{extra}
"#
    )
}

/// Runs the engine headless on `journal` until `done` holds (or 40 s).
async fn run_until(profile: Profile, journal: &Path, done: impl Fn(&App) -> bool + 'static) -> App {
    let app = App::new(profile, "alice", Utc::now());
    let start = Instant::now();
    let run = golive::driver::Headless {
        journal: Some(journal.to_path_buf()),
        ..Default::default()
    };
    golive::driver::headless(app, run, move |app| {
        if start.elapsed() > Duration::from_secs(40) {
            return Err(color_eyre::eyre::eyre!("not done within 40 s"));
        }
        Ok(done(app).then(Vec::new))
    })
    .await
    .unwrap()
}

fn records(journal: &Path) -> Vec<Record> {
    journal::read(journal).unwrap().records
}

fn deliveries(journal: &Path) -> Vec<(String, String, String)> {
    records(journal)
        .into_iter()
        .filter_map(|r| match r.event {
            Event::NotifyDelivery {
                key,
                receiver,
                outcome,
                ..
            } => Some((key, receiver, outcome)),
            _ => None,
        })
        .collect()
}

const STORY: &str =
    r#""gate_breached", "action_started", "action_finished", "recovered", "gate_resolved""#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breaching_canary_is_told_once_each_in_order_with_numbers_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = canary(dir.path().join("healthy")).await;
    let (url, inbox) = receiver(Behaviour::Accept).await;
    let (hang_url, hanging) = receiver(Behaviour::Hang).await;
    let notify = format!(
        "{}{}",
        webhook("team", &url, STORY, ""),
        webhook("stuck", &hang_url, r#""gate_breached""#, "")
    );
    let profile = profile(dir.path(), &metrics, "auto-rollback", &notify);
    let journal = dir.path().join("journal.jsonl");
    let watched = inbox.clone();
    let started = Instant::now();
    let app = run_until(profile, &journal, move |app| {
        watched.events().len() >= 5 && app.notify.pending().count() == 0
    })
    .await;

    assert_eq!(
        inbox.events(),
        [
            "gate_breached",
            "action_started",
            "action_finished",
            "recovered",
            "gate_resolved"
        ]
    );
    let got = inbox.accepted.lock().unwrap().clone();
    let breach = &got[0];
    assert_eq!(breach["schema"], "golive.notify/1");
    assert_eq!(breach["service"], "shop");
    assert_eq!(breach["version"], "v2");
    assert_eq!(breach["subject"], "errors");
    assert_eq!(breach["key"], "shop@v2/gate_breached/errors/1");
    assert!(
        breach["numbers"]["value"].as_f64().unwrap() > 0.05,
        "{breach}"
    );
    assert_eq!(
        breach["numbers"]["threshold"].as_f64(),
        Some(0.05),
        "{breach}"
    );
    assert!(
        breach["detail"].as_str().unwrap().contains("vs"),
        "{breach}"
    );
    assert_eq!(got[2]["numbers"]["exit_code"], 0);
    assert!(
        got[3]["numbers"]["time_to_recovery_ms"].is_u64(),
        "{}",
        got[3]
    );
    let resolved = &got[4];
    assert_eq!(resolved["key"], "shop@v2/gate_resolved/errors/1");
    assert!(resolved["numbers"]["for_ms"].is_u64(), "{resolved}");
    assert!(
        resolved["numbers"]["value"].as_f64().unwrap() <= 0.05,
        "{resolved}"
    );
    // The secret went as the header it is, and into no payload.
    for body in &got {
        assert!(!body.to_string().contains(TOKEN), "{body}");
    }
    assert!(
        got[1]["detail"].as_str().unwrap().contains("touch"),
        "{}",
        got[1]
    );
    // The hanging receiver was cut at its timeout (1 s, one retry) and its
    // failure journalled, while the other heard the whole story.
    assert!(hanging.attempts.load(Ordering::SeqCst) >= 1);
    let journalled = deliveries(&journal);
    let sent: Vec<_> = journalled.iter().filter(|d| d.1 == "team").collect();
    assert_eq!(sent.len(), 5, "{journalled:?}");
    assert!(sent.iter().all(|d| d.2 == "sent"), "{journalled:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        !records(&journal)
            .iter()
            .any(|r| serde_json::to_string(r).unwrap().contains(TOKEN))
    );
    drop(app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_between_breach_and_resolution_repeats_nothing_and_sends_the_resolution() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = canary(dir.path().join("healthy")).await;
    let (url, inbox) = receiver(Behaviour::Accept).await;
    let notify = webhook("team", &url, r#""gate_breached", "gate_resolved""#, "");
    let journal = dir.path().join("journal.jsonl");

    let first = profile(dir.path(), &metrics, "alert", &notify);
    let watched = inbox.clone();
    run_until(first, &journal, move |app| {
        !watched.events().is_empty() && app.notify.pending().count() == 0
    })
    .await;
    assert_eq!(inbox.events(), ["gate_breached"]);

    // The service recovers while no cockpit is open; the next one resolves.
    std::fs::write(dir.path().join("healthy"), "").unwrap();
    let second = profile(dir.path(), &metrics, "alert", &notify);
    let watched = inbox.clone();
    run_until(second, &journal, move |app| {
        watched.events().len() >= 2 && app.notify.pending().count() == 0
    })
    .await;
    // A third engine on the same journal finds nothing left to say.
    let third = profile(dir.path(), &metrics, "alert", &notify);
    let app = run_until(third, &journal, |app| app.now > app.started_at).await;
    tokio::time::sleep(Duration::from_millis(600)).await;

    assert_eq!(inbox.events(), ["gate_breached", "gate_resolved"]);
    assert_eq!(app.notify.pending().count(), 0);
    let breaches = records(&journal)
        .iter()
        .filter(|r| matches!(r.event, Event::GateBreach { .. }))
        .count();
    assert_eq!(
        breaches, 1,
        "the restarted engine journals the open breach once"
    );
    assert_eq!(deliveries(&journal).len(), 2);
}

fn notifier(target: NotifyTarget, timeout: Duration, retries: u32) -> Notifier {
    Notifier {
        id: "r".into(),
        target,
        events: Vec::new(),
        timeout,
        retries,
    }
}

fn hook(url: &str) -> NotifyTarget {
    NotifyTarget::Webhook {
        url: url.into(),
        format: golive::profile::NotifyFormat::Json,
        headers: Vec::new(),
    }
}

fn notification(key: &str) -> Notification {
    Notification {
        key: key.into(),
        receiver: "r".into(),
        body: serde_json::json!({"event": "test", "key": key}),
    }
}

#[tokio::test]
async fn a_flaky_receiver_gets_it_once_and_a_dead_one_fails_after_the_retries() {
    let client = reqwest::Client::new();
    let (url, inbox) = receiver(Behaviour::FailFirst(2)).await;
    let r = notifier(hook(&url), Duration::from_secs(2), 3);
    let delivery = golive::io::notify::deliver(&client, &r, None, &notification("k1")).await;
    assert_eq!(
        delivery,
        Delivery::Sent {
            attempts: 3,
            status: Some(200)
        }
    );
    assert_eq!(inbox.accepted.lock().unwrap().len(), 1);

    let (url, dead) = receiver(Behaviour::FailFirst(usize::MAX)).await;
    let r = notifier(hook(&url), Duration::from_secs(2), 2);
    let delivery = golive::io::notify::deliver(&client, &r, None, &notification("k2")).await;
    let Delivery::Failed {
        attempts, status, ..
    } = delivery
    else {
        panic!("{delivery:?}");
    };
    assert_eq!((attempts, status), (3, Some(500)));
    assert_eq!(dead.attempts.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_hanging_receiver_is_cut_at_its_timeout_and_a_claim_is_sent_once_or_taken_over() {
    let client = reqwest::Client::new();
    let (url, _inbox) = receiver(Behaviour::Hang).await;
    let r = notifier(hook(&url), Duration::from_millis(300), 0);
    let started = Instant::now();
    let delivery = golive::io::notify::deliver(&client, &r, None, &notification("k")).await;
    assert!(
        matches!(delivery, Delivery::Failed { attempts: 1, .. }),
        "{delivery:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // Two processes on one journal: the second finds the first's claim.
    let dir = tempfile::tempdir().unwrap();
    let claims = golive::io::notify::claims_dir(&dir.path().join("j.jsonl"));
    let (url, inbox) = receiver(Behaviour::Accept).await;
    let r = notifier(hook(&url), Duration::from_secs(2), 0);
    let n = notification("once");
    let (one, two) = tokio::join!(
        golive::io::notify::deliver(&client, &r, Some(&claims), &n),
        golive::io::notify::deliver(&client, &r, Some(&claims), &n)
    );
    let mut both = [one, two];
    both.sort_by_key(|d| matches!(d, Delivery::ClaimedElsewhere));
    assert!(matches!(both[0], Delivery::Sent { .. }), "{both:?}");
    assert_eq!(both[1], Delivery::ClaimedElsewhere);
    let again = golive::io::notify::deliver(&client, &r, Some(&claims), &n).await;
    assert_eq!(
        again,
        Delivery::ClaimedElsewhere,
        "a delivered claim stays taken"
    );
    assert_eq!(inbox.accepted.lock().unwrap().len(), 1);

    // A sender that died mid-delivery left its claim unlocked and without
    // an outcome: the next one takes it over.
    golive::io::notify::deliver(&client, &r, Some(&claims), &notification("probe")).await;
    for entry in std::fs::read_dir(&claims).unwrap() {
        let path = entry.unwrap().path();
        if std::fs::read_to_string(&path).unwrap().starts_with("probe") {
            std::fs::write(&path, "").unwrap();
            let taken =
                golive::io::notify::deliver(&client, &r, Some(&claims), &notification("probe"))
                    .await;
            assert!(matches!(taken, Delivery::Sent { .. }), "{taken:?}");
        }
    }
    assert_eq!(inbox.accepted.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_command_notifier_reads_the_payload_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("payload.json");
    let argv = vec![
        "sh".to_string(),
        "-c".to_string(),
        "cat > \"$0\"".to_string(),
        out.display().to_string(),
    ];
    let r = notifier(NotifyTarget::Command { argv }, Duration::from_secs(5), 0);
    let delivery =
        golive::io::notify::deliver(&reqwest::Client::new(), &r, None, &notification("cmd")).await;
    assert_eq!(
        delivery,
        Delivery::Sent {
            attempts: 1,
            status: Some(0)
        }
    );
    let got: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(got["key"], "cmd");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_always_fails_gets_a_failed_record_and_the_header_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = canary(dir.path().join("healthy")).await;
    let (url, dead) = receiver(Behaviour::FailFirst(usize::MAX)).await;
    let notify = webhook("team", &url, r#""gate_breached""#, "");
    let journal = dir.path().join("journal.jsonl");
    let profile = profile(dir.path(), &metrics, "alert", &notify);
    let app = run_until(profile, &journal, |app| {
        app.notify.failure.is_some() && app.notify.pending().count() == 0
    })
    .await;
    assert_eq!(
        dead.attempts.load(Ordering::SeqCst),
        2,
        "one try and one retry"
    );
    let journalled = deliveries(&journal);
    assert_eq!(journalled.len(), 1, "{journalled:?}");
    assert_eq!(journalled[0].2, "failed");
    assert!(
        app.notify.failure.as_deref().unwrap().contains("500"),
        "{:?}",
        app.notify.failure
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_test_sends_each_receiver_a_test_event_and_prints_its_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (ok_url, ok) = receiver(Behaviour::Accept).await;
    let (bad_url, _bad) = receiver(Behaviour::FailFirst(usize::MAX)).await;
    let text = format!(
        "[service]\nname = \"shop\"\nversion = \"v2\"\n\n\
         [[notify]]\nid = \"team\"\nwebhook = \"{ok_url}\"\nformat = \"slack\"\n\n\
         [[notify]]\nid = \"broken\"\nwebhook = \"{bad_url}\"\nretries = 0\n"
    );
    let path = dir.path().join("p.toml");
    std::fs::write(&path, text).unwrap();
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_golive"))
                .args(args)
                .output()
                .unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
            )
        })
    };
    let p = path.display().to_string();
    let (code, out) = run(vec!["notify".into(), "test".into(), p.clone()])
        .await
        .unwrap();
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("✔ team: accepted (status 200)"), "{out}");
    assert!(out.contains("✘ broken: failed (status 500)"), "{out}");
    let got = ok.accepted.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert!(
        got[0]["text"]
            .as_str()
            .unwrap()
            .contains("test notification"),
        "{:?}",
        got[0]
    );

    let only = vec![
        "notify".into(),
        "test".into(),
        p,
        "--id".into(),
        "team".into(),
    ];
    let (code, out) = run(only).await.unwrap();
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("broken"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_face_that_is_done_still_delivers_what_it_owes() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = canary(dir.path().join("healthy")).await;
    let (url, inbox) = receiver(Behaviour::Accept).await;
    let notify = webhook("team", &url, r#""action_started", "action_finished""#, "");
    let profile = profile(dir.path(), &metrics, "alert", &notify);
    let journal = dir.path().join("journal.jsonl");
    let app = App::new(profile, "alice", Utc::now());
    let rollback = golive::engine::state::Msg::ActionConfirmed {
        name: "rollback".into(),
        dry_run: false,
        containers: Vec::new(),
    };
    // Done as soon as the action has finished, as `golive act` is.
    let run = golive::driver::Headless {
        journal: Some(journal.clone()),
        first: vec![rollback],
        ..Default::default()
    };
    golive::driver::headless(app, run, |app| Ok(app.last_action.is_some().then(Vec::new)))
        .await
        .unwrap();
    assert_eq!(inbox.events(), ["action_started", "action_finished"]);
    assert_eq!(deliveries(&journal).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_does_not_hold_the_cockpit_up() {
    use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
    use golive::driver::{Options, event_loop};
    use golive::ui::Theme;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use tokio_stream::wrappers::ReceiverStream;

    let key = |c: char| TermEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let dir = tempfile::tempdir().unwrap();
    let metrics = canary(dir.path().join("healthy")).await;
    let (url, inbox) = receiver(Behaviour::Accept).await;
    let (hang_url, hanging) = receiver(Behaviour::Hang).await;
    let actions = r#""action_started", "action_finished""#;
    let notify = format!(
        "{}{}",
        webhook("team", &url, actions, ""),
        webhook("stuck", &hang_url, actions, "").replace("timeout = \"1s\"", "timeout = \"30s\"")
    );
    let profile = profile(dir.path(), &metrics, "alert", &notify);
    let journal = dir.path().join("journal.jsonl");
    let app = App::new(profile, "alice", Utc::now());
    let options = Options {
        journal: journal.clone(),
        theme: Theme::default(),
        save_dir: dir.path().to_path_buf(),
    };
    let (keys, keys_rx) = tokio::sync::mpsc::channel(16);
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let watched = (inbox.clone(), hanging.clone());
    let script = async move {
        keys.send(key('R')).await.unwrap();
        keys.send(key('y')).await.unwrap();
        let start = Instant::now();
        while watched.0.events().len() < 2 || watched.1.attempts.load(Ordering::SeqCst) == 0 {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{:?}",
                watched.0.events()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The stuck receiver still holds its first request open.
        keys.send(key('q')).await.unwrap();
        Instant::now()
    };
    let (result, quit_at) = tokio::join!(
        event_loop(&mut terminal, app, options, 0, ReceiverStream::new(keys_rx)),
        script
    );
    let app = result.unwrap();
    assert!(
        quit_at.elapsed() < Duration::from_secs(2),
        "q took {:?}",
        quit_at.elapsed()
    );
    assert!(app.quit);
    assert_eq!(inbox.events(), ["action_started", "action_finished"]);
    assert_eq!(
        hanging.attempts.load(Ordering::SeqCst),
        1,
        "still its first attempt"
    );
}

#[test]
fn a_failed_delivery_shows_in_the_header_with_its_reason() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let dir = tempfile::tempdir().unwrap();
    let notify = webhook("team", "http://127.0.0.1:9/hook", r#""gate_breached""#, "");
    let profile = profile(dir.path(), "http://127.0.0.1:9/metrics", "alert", &notify);
    let mut app = App::new(profile, "alice", Utc::now());
    let screen = |app: &App| {
        let mut terminal = Terminal::new(TestBackend::new(160, 30)).unwrap();
        terminal
            .draw(|f| golive::ui::draw(f, app, &golive::ui::Theme::default()))
            .unwrap();
        let buffer = terminal.backend().buffer().clone();
        buffer
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect::<String>()
    };
    assert!(!screen(&app).contains("notify failed"));
    let failed = golive::engine::notify::Delivered {
        key: "k".into(),
        receiver: "team".into(),
        delivery: Delivery::Failed {
            attempts: 2,
            status: Some(503),
            reason: "HTTP 503 busy".into(),
        },
    };
    golive::engine::state::update(
        &mut app,
        golive::engine::state::Msg::Notified(Box::new(failed)),
    );
    assert!(
        screen(&app).contains("✉✘ notify failed: team: HTTP 503 busy"),
        "{}",
        screen(&app)
    );
}
