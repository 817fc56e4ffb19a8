//! The event loop end to end, in-process: a real HTTP server on loopback, a
//! real journal file, the real poller and journal watcher, a `TestBackend`
//! for the screen and a channel for the keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use chrono::Utc;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use golive::cockpit::fixture::sample_profile;
use golive::driver::{Options, event_loop};
use golive::engine::checklist::ItemStatus;
use golive::engine::record::{Event as RecordEvent, Record};
use golive::engine::state::App;
use golive::io::journal::{self, Journal};
use golive::ui::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::screen::SharedScreen;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

async fn server(hits: Arc<AtomicUsize>) -> String {
    let app = Router::new().route(
        "/health",
        get(move || {
            hits.fetch_add(1, Ordering::SeqCst);
            async { axum::Json(serde_json::json!({"status": "ok", "version": "v1.2.0"})) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/health")
}

/// Until `text` is on the last screen drawn.
async fn until_shown(screen: &Mutex<String>, text: &str) {
    until(text, Duration::from_secs(15), || {
        screen.lock().unwrap().contains(text)
    })
    .await;
}

async fn until(what: &str, deadline: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn journal_has(path: &std::path::Path, f: impl Fn(&Record) -> bool) -> bool {
    journal::read(path)
        .map(|r| r.records.iter().any(f))
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_off_round_trips_through_the_journal_and_other_shells_show_up() {
    let hits = Arc::new(AtomicUsize::new(0));
    let url = server(hits.clone()).await;
    let mut profile = sample_profile();
    profile.settings.poll_interval = Duration::from_millis(200);
    for e in &mut profile.endpoints {
        e.urls = vec![url.clone()];
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let app = App::new(profile, "alice", Utc::now());
    let options = Options {
        journal: path.clone(),
        theme: Theme::default(),
        save_dir: path.parent().unwrap().to_path_buf(),
    };
    let (keys, keys_rx) = mpsc::channel::<Event>(16);
    let (backend, screen) = SharedScreen::new(120, 40);
    let mut terminal = Terminal::new(backend).unwrap();
    let driver = async {
        until("probes", Duration::from_secs(10), || {
            hits.load(Ordering::SeqCst) >= 3
        })
        .await;
        // ci-green is selected first: space signs it, through the journal.
        keys.send(key(' ')).await.unwrap();
        until("our sign-off in the journal", Duration::from_secs(5), || {
            journal_has(&path, |r| {
                r.operator == "alice"
                    && matches!(&r.event, RecordEvent::SignOff { item, .. } if item == "ci-green")
            })
        })
        .await;
        // Another shell signs `announce` in the same journal.
        let other = Journal::open(&path).unwrap();
        let record = Record {
            at: Utc::now(),
            operator: "bob".into(),
            service: "ai-service".into(),
            version: "v1.2.0".into(),
            event: RecordEvent::SignOff {
                item: "announce".into(),
                note: None,
            },
        };
        other.append(&record, &Default::default()).unwrap();
        until_shown(&screen, "bob").await;
        keys.send(key('q')).await.unwrap();
    };
    let events = ReceiverStream::new(keys_rx);
    let started = Instant::now();
    let (result, ()) = tokio::join!(event_loop(&mut terminal, app, options, 0, events), driver);
    let app = result.unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
    let signed = app.checklist.get("ci-green").unwrap();
    assert_eq!(signed.status, ItemStatus::Signed);
    assert_eq!(signed.by.as_deref(), Some("alice"));
    let theirs = app.checklist.get("announce").unwrap();
    assert_eq!(theirs.status, ItemStatus::Signed, "bob's sign-off landed");
    assert_eq!(theirs.by.as_deref(), Some("bob"));
    // The endpoint item passed against the live server, and that was journalled.
    assert_eq!(
        app.checklist.get("health").unwrap().status,
        ItemStatus::Pass
    );
    assert!(journal_has(&path, |r| matches!(&r.event,
        RecordEvent::CheckResult { item, status: ItemStatus::Pass, .. } if item == "health")));
    // The last frame drawn shows bob's sign-off.
    let buffer = terminal.backend().inner.buffer();
    let screen: String = buffer.content().iter().map(|c| c.symbol()).collect();
    assert!(screen.contains("bob"), "bob not on screen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_runs_only_after_y_and_its_output_is_journalled() {
    let mut profile = sample_profile();
    profile.endpoints.clear();
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("rolled-back");
    if let Some(action) = profile.actions.get_mut("rollback") {
        action.kind = golive::profile::ActionKind::Command {
            argv: vec![
                "sh".into(),
                "-c".into(),
                format!("echo undoing s3cr3t-token && touch {}", marker.display()),
            ],
            cwd: None,
            env: Vec::new(),
        };
        action.verify.clear();
    }
    let path = marker_dir.path().join("journal.jsonl");
    let app = App::new(profile, "alice", Utc::now());
    let options = Options {
        journal: path.clone(),
        theme: Theme::default(),
        save_dir: path.parent().unwrap().to_path_buf(),
    };
    let (keys, keys_rx) = mpsc::channel::<Event>(16);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let driver = async {
        // R then a stray key: cancelled, nothing runs.
        keys.send(key('R')).await.unwrap();
        keys.send(key('x')).await.unwrap();
        keys.send(key('R')).await.unwrap();
        keys.send(key('y')).await.unwrap();
        until("the rollback to finish", Duration::from_secs(10), || {
            journal_has(&path, |r| {
                matches!(&r.event, RecordEvent::ActionFinished { .. })
            })
        })
        .await;
        keys.send(key('q')).await.unwrap();
    };
    let (result, ()) = tokio::join!(
        event_loop(&mut terminal, app, options, 0, ReceiverStream::new(keys_rx)),
        driver
    );
    let app = result.unwrap();
    assert!(marker.exists(), "the action ran");
    let read = journal::read(&path).unwrap();
    let started: Vec<_> = read
        .records
        .iter()
        .filter(|r| matches!(&r.event, RecordEvent::ActionStarted { .. }))
        .collect();
    assert_eq!(started.len(), 1, "x cancelled the first confirmation");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("s3cr3t"), "secret journalled: {text}");
    assert!(read.records.iter().any(|r| matches!(&r.event,
        RecordEvent::ActionFinished { exit_code: Some(0), output, .. } if output.contains("undoing ••••"))));
    assert!(app.action.is_none());
    assert!(app.last_action.unwrap().1.contains("exit 0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shift_s_saves_the_filtered_log_lines_to_a_file() {
    let mut profile = sample_profile();
    profile.endpoints.clear();
    profile.logs = vec![golive::profile::LogSource {
        id: "web".into(),
        kind: golive::profile::LogKind::Command(vec![
            "sh".into(),
            "-c".into(),
            "echo 'GET / 200'; echo 'ERROR boom'; echo 'GET / 204'; exec sleep 30".into(),
        ]),
        highlight: Vec::new(),
        grep: None,
    }];
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("journal.jsonl");
    let save_dir = dir.path().join("saved");
    std::fs::create_dir(&save_dir).unwrap();
    let app = App::new(profile, "alice", Utc::now());
    let options = Options {
        journal: journal_path,
        theme: Theme::default(),
        save_dir: save_dir.clone(),
    };
    let saved = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&save_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect()
    };
    let (keys, keys_rx) = mpsc::channel::<Event>(16);
    let (backend, screen) = SharedScreen::new(120, 40);
    let mut terminal = Terminal::new(backend).unwrap();
    let driver = async {
        let tab = Event::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        for _ in 0..3 {
            keys.send(tab.clone()).await.unwrap();
        }
        keys.send(key('/')).await.unwrap();
        for c in "error".chars() {
            keys.send(key(c)).await.unwrap();
        }
        keys.send(Event::Key(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE,
        )))
        .await
        .unwrap();
        // One `S`, once the filtered line is on screen.
        until_shown(&screen, "ERROR boom").await;
        keys.send(key('S')).await.unwrap();
        until_shown(&screen, "saved 1 log lines").await;
        keys.send(key('q')).await.unwrap();
    };
    let (result, ()) = tokio::join!(
        event_loop(&mut terminal, app, options, 0, ReceiverStream::new(keys_rx)),
        driver
    );
    let app = result.unwrap();
    let files = saved();
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("golive-logs-ai-service-") && name.ends_with(".log"),
        "{name}"
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "only the filtered line: {text}");
    assert!(lines[0].ends_with("Z web ERROR boom"), "{text}");
    // The outcome came back to the cockpit as a flash.
    let flash = app.flash.map(|(t, _)| t).unwrap_or_default();
    assert!(flash.starts_with("saved 1 log lines to "), "{flash}");
    assert_eq!(files.len(), 1, "{files:?}");
}

/// Idle, with probes answering four times a second, the cockpit draws about
/// once a second (the clock's frame, which shows the probes too), not once
/// per probe wave on top of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_cockpit_draws_about_once_a_second() {
    let hits = Arc::new(AtomicUsize::new(0));
    let url = server(hits.clone()).await;
    let mut profile = sample_profile();
    profile.settings.poll_interval = Duration::from_millis(250);
    profile.logs.clear();
    for e in &mut profile.endpoints {
        e.urls = vec![url.clone()];
    }
    for phase in &mut profile.phases {
        phase.items.retain(|i| i.check.is_none());
    }
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        journal: dir.path().join("journal.jsonl"),
        theme: Theme::default(),
        save_dir: dir.path().to_path_buf(),
    };
    let app = App::new(profile, "alice", Utc::now());
    let (backend, _screen) = SharedScreen::new(120, 40);
    let frames = backend.frames.clone();
    let mut terminal = Terminal::new(backend).unwrap();
    let (keys, keys_rx) = mpsc::channel::<Event>(16);
    let started = Instant::now();
    let driver = async {
        until("probes", Duration::from_secs(10), || {
            hits.load(Ordering::SeqCst) >= 2
        })
        .await;
        let (from, drawn) = (Instant::now(), frames.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_secs(4)).await;
        let idle = (from.elapsed(), frames.load(Ordering::SeqCst) - drawn);
        keys.send(key('q')).await.unwrap();
        idle
    };
    let (result, (idle_for, idle_frames)) = tokio::join!(
        event_loop(&mut terminal, app, options, 0, ReceiverStream::new(keys_rx)),
        driver
    );
    result.unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    let probes = hits.load(Ordering::SeqCst);
    let seconds = idle_for.as_secs_f64().ceil() as usize;
    assert!(
        idle_frames <= seconds + 1,
        "{idle_frames} frames in {idle_for:?} of idling ({probes} probes answered)"
    );
}
