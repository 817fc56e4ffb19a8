//! The health pane's containers section on a fixed-size `TestBackend`: what
//! each container row says, the colours that carry meaning (restarts since
//! the release started, an engine that does not answer), and symbols that
//! survive NO_COLOR.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use golive::cockpit::fixture::{sample_app, t0};
use golive::engine::containers::{ContainerHealth, ContainerState, TargetState};
use golive::engine::state::{App, Msg, Pane, update};
use golive::profile::{ActionKind, DockerOp, DockerTarget, LogKind, LogSource};
use golive::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn render(app: &App, theme: &Theme) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| ui::draw(f, app, theme)).unwrap();
    terminal.backend().buffer().clone()
}

fn rows(buf: &Buffer) -> Vec<String> {
    golive::ui::screen_text(buf)
        .lines()
        .map(String::from)
        .collect()
}

/// The cell where `needle` starts (one char per cell in these rows).
fn find(buf: &Buffer, needle: &str) -> (u16, u16) {
    for (y, row) in rows(buf).iter().enumerate() {
        if let Some(byte) = row.find(needle) {
            return (row[..byte].chars().count() as u16, y as u16);
        }
    }
    panic!("{needle:?} not on screen:\n{}", rows(buf).join("\n"));
}

fn api() -> DockerTarget {
    DockerTarget::Container("api".into())
}

fn worker() -> DockerTarget {
    DockerTarget::compose("worker", "shop")
}

fn container(name: &str, started: i64) -> ContainerState {
    ContainerState {
        id: format!("id-{name}"),
        name: name.into(),
        image: "registry.local/api:v1.2.0".into(),
        status: "running".into(),
        running: true,
        exit_code: Some(0),
        health: ContainerHealth::Healthy,
        restart_count: 0,
        started_at: Some(t0() + Duration::seconds(started)),
    }
}

/// The sample cockpit with a Docker log source on `api` and a rollback that
/// restarts compose service `worker`.
fn app() -> App {
    let mut app = sample_app();
    app.focus = Pane::Logs;
    let mut profile = app.profile.clone();
    profile.logs.push(LogSource {
        id: "api".into(),
        kind: LogKind::Docker(api()),
        highlight: Vec::new(),
        grep: None,
    });
    if let Some(rollback) = profile.actions.get_mut("rollback") {
        rollback.kind = ActionKind::Docker {
            target: worker(),
            op: DockerOp::Restart,
        };
    }
    let mut fresh = App::new(profile, "alice", t0());
    fresh.endpoints = app.endpoints.clone();
    fresh.focus = Pane::Logs;
    fresh
}

fn look(app: &mut App, target: DockerTarget, state: TargetState) {
    update(app, Msg::Containers { target, state });
}

#[test]
fn containers_show_state_health_restarts_and_image() {
    let theme = Theme::default();
    let mut app = app();
    let buf = render(&app, &theme);
    find(&buf, "containers");
    find(&buf, "waiting for the Docker engine");

    let mut exited = container("api-2", 0);
    exited.running = false;
    exited.status = "exited".into();
    exited.exit_code = Some(137);
    exited.health = ContainerHealth::None;
    let state = |first_started: i64| TargetState {
        containers: vec![container("api-1", first_started), exited.clone()],
        error: None,
    };
    look(&mut app, api(), state(0));
    // `docker restart api-1`: it started again.
    look(&mut app, api(), state(30));
    look(
        &mut app,
        worker(),
        TargetState {
            containers: Vec::new(),
            error: Some("the Docker engine at tcp://10.0.0.9:2375 does not answer".into()),
        },
    );
    let buf = render(&app, &theme);
    let screen = rows(&buf).join("\n");
    assert!(screen.contains("container api"), "{screen}");
    let (x, y) = find(
        &buf,
        "api-1  running  health healthy  1 restart  registry.local/api:v1.2.0",
    );
    assert_eq!(buf[(x - 2, y)].symbol(), "✔");
    let restarts = find(&buf, "1 restart  registry");
    assert_eq!(
        buf[restarts].fg, theme.warn,
        "restarts since start stand out"
    );
    let (x, y) = find(&buf, "api-2  exited (137)  health none  0 restarts");
    assert_eq!(buf[(x - 2, y)].symbol(), "✘");
    assert_eq!(buf[(x - 2, y)].fg, theme.bad);
    find(&buf, "↻ 1 restart since start");
    // The unreachable engine: one red line with the reason.
    let (x, y) = find(
        &buf,
        "✘ engine unreachable: the Docker engine at tcp://10.0.0.9:2375",
    );
    assert_eq!(buf[(x, y)].fg, theme.bad);
    assert!(screen.contains("compose service worker"), "{screen}");
}

#[test]
fn no_color_keeps_the_container_symbols() {
    let theme = Theme::default().without_color();
    let mut app = app();
    look(
        &mut app,
        api(),
        TargetState {
            containers: vec![container("api-1", 0)],
            error: None,
        },
    );
    let buf = render(&app, &theme);
    let screen = rows(&buf).join("\n");
    assert!(screen.contains("✔ api-1  running"), "{screen}");
    assert!(screen.contains("waiting for the Docker engine"), "{screen}");
    for cell in buf.content() {
        assert!(matches!(cell.fg, Color::Reset), "coloured cell {cell:?}");
    }
}
