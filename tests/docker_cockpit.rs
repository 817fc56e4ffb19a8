//! The cockpit against the real Docker engine: the event loop on a
//! `TestBackend` with a profile naming a busybox container. The health pane
//! shows it running, its docker items pass, and after `docker restart` the
//! restart shows, `[RESTARTS] == 0` fails and a logs item on the container
//! counts the line the restart printed; each verdict is journalled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docker_support;
// The screen part only: docker_support already brings the tools rule.
#[path = "support/screen.rs"]
mod screen;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use docker_support::{Cleanup, build_image, docker, engine_or_skip, unique};
use golive::cockpit::fixture::sample_profile;
use golive::driver::{Options, event_loop};
use golive::engine::checklist::ItemStatus;
use golive::engine::record::{Event as RecordEvent, Record};
use golive::engine::state::App;
use golive::io::journal;
use golive::model::condition::Condition;
use golive::profile::{Check, DockerCheck, DockerTarget, Item, LogKind, LogSource, LogsCheck};
use golive::ui::Theme;
use ratatui::Terminal;
use screen::SharedScreen;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// A check result for `item` with `status` whose evidence contains `text`.
fn journalled(path: &std::path::Path, item: &str, status: ItemStatus, text: &str) -> bool {
    journal::read(path)
        .map(|r| {
            r.records.iter().any(|rec: &Record| {
                matches!(&rec.event, RecordEvent::CheckResult { item: i, status: s, detail, .. }
                    if i == item && *s == status && detail.contains(text))
            })
        })
        .unwrap_or(false)
}

async fn until(what: &str, screen: &Mutex<String>, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}; last screen:\n{}",
            screen.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn item(id: &str, check: Check) -> Item {
    Item {
        id: id.into(),
        title: id.into(),
        description: None,
        check: Some(check),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_shows_in_the_health_pane_and_fails_the_restart_check() {
    let Some(_engine) =
        engine_or_skip("a_restart_shows_in_the_health_pane_and_fails_the_restart_check").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let image = format!("{}:1", unique("img"));
    build_image(&mut cleanup, &image, "v1");
    let name = unique("busy");
    cleanup.containers.push(name.clone());
    // One ERROR line per start; TERM ends it within a second.
    docker(&[
        "run",
        "-d",
        "--name",
        &name,
        &image,
        "echo ERROR warming up; trap 'exit 0' TERM; while :; do sleep 1; done",
    ]);

    let target = DockerTarget::Container(name.clone());
    let mut profile = sample_profile();
    profile.endpoints.clear();
    profile.settings.poll_interval = Duration::from_millis(200);
    profile.logs = vec![LogSource {
        id: "busy".into(),
        kind: LogKind::Docker(target.clone()),
        highlight: Vec::new(),
        grep: None,
    }];
    let docker_check = |conditions: &[&str]| {
        Check::Docker(DockerCheck {
            target: target.clone(),
            conditions: conditions
                .iter()
                .map(|c| Condition::parse(c).unwrap())
                .collect(),
        })
    };
    profile.phases[0].items.extend([
        item("up", docker_check(&[])),
        item("no-restarts", docker_check(&["[RESTARTS] == 0"])),
        item(
            "errors",
            Check::Logs(LogsCheck {
                source: "busy".into(),
                pattern: "ERROR".into(),
                max: 1,
                window: Duration::from_secs(300),
            }),
        ),
    ]);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let app = App::new(profile, "alice", Utc::now());
    let options = Options {
        journal: path.clone(),
        theme: Theme::default(),
        save_dir: dir.path().to_path_buf(),
    };
    let (backend, screen) = SharedScreen::new(200, 50);
    let mut terminal = Terminal::new(backend).unwrap();
    let (keys, keys_rx) = mpsc::channel::<Event>(16);
    let shows = |text: &str| screen.lock().unwrap().contains(text);
    let running = format!("{name}  running  health none  0 restarts  {image}");
    let restarted = format!("{name}  running  health none  1 restart  {image}");
    let driver = async {
        until("the container running on screen", &screen, || {
            shows(&running)
        })
        .await;
        until("the docker items to pass", &screen, || {
            journalled(&path, "up", ItemStatus::Pass, "[RUNNING]")
                && journalled(&path, "no-restarts", ItemStatus::Pass, "[RESTARTS]")
        })
        .await;
        until("the logs item to pass on the backlog", &screen, || {
            journalled(&path, "errors", ItemStatus::Pass, "1 line(s) of busy")
        })
        .await;

        docker(&["restart", "-t", "5", &name]);
        until("the restart on screen", &screen, || shows(&restarted)).await;
        until("the restart check to fail", &screen, || {
            journalled(&path, "no-restarts", ItemStatus::Fail, "[RESTARTS]")
        })
        .await;
        until(
            "the second ERROR line to fail the logs item",
            &screen,
            || journalled(&path, "errors", ItemStatus::Fail, "2 line(s) of busy"),
        )
        .await;
        keys.send(key('q')).await.unwrap();
    };
    let (result, ()) = tokio::join!(
        event_loop(&mut terminal, app, options, 0, ReceiverStream::new(keys_rx)),
        driver
    );
    let app = result.unwrap();
    let view = app.containers.get(&target).unwrap();
    assert_eq!(view.restarts.total(), 1, "one docker restart, counted once");
    assert_eq!(app.checklist.get("up").unwrap().status, ItemStatus::Pass);
    let failed = app.checklist.get("no-restarts").unwrap();
    assert_eq!(failed.status, ItemStatus::Fail);
    assert!(failed.detail.contains("1 restart(s)"), "{}", failed.detail);
    // Each verdict was journalled once, on its change.
    let records = journal::read(&path).unwrap().records;
    let results_for = |id: &str| {
        records
            .iter()
            .filter(|r| matches!(&r.event, RecordEvent::CheckResult { item, .. } if item == id))
            .count()
    };
    // `up` may see the container down for a moment while it restarts (a
    // look can land between the stop and the start): each change is
    // journalled once, so its results alternate, from pass back to pass.
    let up: Vec<ItemStatus> = records
        .iter()
        .filter_map(|r| match &r.event {
            RecordEvent::CheckResult { item, status, .. } if item == "up" => Some(*status),
            _ => None,
        })
        .collect();
    assert_eq!(up.first(), Some(&ItemStatus::Pass), "{up:?}");
    assert_eq!(up.last(), Some(&ItemStatus::Pass), "{up:?}");
    assert!(up.windows(2).all(|w| w[0] != w[1]), "{up:?}");
    assert_eq!(results_for("no-restarts"), 2);
    assert_eq!(results_for("errors"), 2);
    let text = screen.lock().unwrap().clone();
    assert!(text.contains("↻ 1 restart since start"), "{text}");
}
