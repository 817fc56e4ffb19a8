//! The cockpit's loop: terminal events in, frames out, drawn only when
//! something changed, over the same engine and driver as every face.

use crate::cockpit::keys::Key;
use crate::engine::probe::ProbeReport;
use crate::engine::record::Record;
use crate::engine::state::{App, Msg, update, update_at};
use crate::io::journal::JournalWatcher;
use crate::io::terminal;
use crate::ui::{self, Theme};
use chrono::Utc;
use color_eyre::Result;
use color_eyre::eyre::eyre;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::*;

#[derive(Debug, Clone)]
pub struct Options {
    pub journal: PathBuf,
    pub theme: Theme,
    /// Where `S` saves the logs pane's lines: the directory golive runs in.
    pub save_dir: PathBuf,
}

/// How long after the first log lines every batch draws at once: a
/// source's history comes in several batches, and without this all but the
/// first waited for the next frame (500 ms); live lines after it draw at
/// the frame rate.
const HISTORY_BURST: Duration = Duration::from_millis(500);

/// How long after the first frame start-up is over (the journal caught up,
/// every source's history drawn): then the code only start-up ran is handed
/// back (`io::residency`), so the resident set is what the running cockpit
/// uses.
const SETTLED: Duration = Duration::from_secs(3);

/// Runs the cockpit on the real terminal until the operator quits, SIGTERM,
/// or a task fails. The terminal is restored on every path.
pub async fn run(mut app: App, options: Options) -> Result<()> {
    let offset = catch_up(&mut app, &options.journal)?;
    let mut guard = terminal::TerminalGuard::enter()?;
    let events = Box::pin(terminal::events().filter_map(|e| async move { e.ok() }));
    let result = event_loop(guard.terminal(), app, options, offset, events).await;
    drop(guard);
    result.map(|_| ())
}

/// The loop itself, generic over the backend and the event source so tests
/// and benchmarks can drive it without a terminal. Returns the final state.
pub async fn event_loop<B, E>(
    terminal: &mut Terminal<B>,
    mut app: App,
    options: Options,
    journal_offset: u64,
    mut events: E,
) -> Result<App>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    E: futures::Stream<Item = Event> + Unpin,
{
    let (tx, mut rx) = mpsc::channel::<Msg>(CHANNEL);
    let (probe_tx, mut probes) = mpsc::channel::<ProbeReport>(CHANNEL);
    let (record_tx, mut records) = mpsc::channel::<Record>(CHANNEL);
    let driver_options = DriverOptions {
        journal: Some(options.journal.clone()),
        bursts: HashMap::new(),
        save_dir: options.save_dir.clone(),
        docker_host: None,
    };
    let mut driver = Driver::start(&app.profile, &driver_options, tx.clone(), probe_tx)?;
    driver.tasks.spawn(
        JournalWatcher::new(options.journal.clone())
            .from_offset(journal_offset)
            .poll_interval(JOURNAL_POLL)
            .run(record_tx),
    );
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let size = terminal.size()?;
    for msg in resized(size.width, size.height) {
        update_at(&mut app, Utc::now(), msg);
    }
    for effect in app.startup_effects() {
        driver.carry_out(effect);
    }
    terminal.draw(|f| ui::draw(f, &app, &options.theme))?;
    let mut last_draw = Instant::now();
    driver.tasks.spawn(async {
        tokio::time::sleep(SETTLED).await;
        crate::io::residency::release_startup_code();
    });
    // When the first log lines came: a source's history arrives as a burst
    // of batches, and all of it draws at once, not a frame later.
    let mut first_lines: Option<Instant> = None;
    let mut undrawn = Undrawn::default();

    loop {
        let mut now_draw = false;
        let pending = undrawn.dirty;
        let wait_frame = async move {
            if pending {
                tokio::time::sleep_until((last_draw + MIN_FRAME).into()).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            event = events.next() => {
                let Some(event) = event else { break };
                for msg in translate(event, terminal.size()?.into(), &app) {
                    now_draw = true;
                    undrawn.step(&mut app, &mut driver, msg);
                }
            }
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                // The first lines (a source's backlog) draw at once, and so
                // does the rest of the burst they came in.
                if matches!(msg, Msg::Logs(_)) {
                    let first = *first_lines.get_or_insert_with(Instant::now);
                    now_draw |= first.elapsed() < HISTORY_BURST;
                }
                now_draw |= undrawn.step(&mut app, &mut driver, msg);
                // Drain everything already queued before drawing once.
                while let Ok(msg) = rx.try_recv() {
                    now_draw |= undrawn.step(&mut app, &mut driver, msg);
                }
            }
            Some(report) = probes.recv() => {
                now_draw |= undrawn.step(&mut app, &mut driver, Msg::Probe(Box::new(report)));
                while let Ok(report) = probes.try_recv() {
                    now_draw |= undrawn.step(&mut app, &mut driver, Msg::Probe(Box::new(report)));
                }
            }
            Some(record) = records.recv() => {
                now_draw = true;
                undrawn.step(&mut app, &mut driver, Msg::Record(Box::new(record)));
                while let Ok(record) = records.try_recv() {
                    undrawn.step(&mut app, &mut driver, Msg::Record(Box::new(record)));
                }
            }
            _ = clock.tick() => {
                let before = app.now.timestamp();
                for effect in update(&mut app, Msg::Tick(Utc::now())) {
                    driver.carry_out(effect);
                }
                undrawn.dirty |=
                    app.now.timestamp() != before || std::mem::take(&mut undrawn.looked);
                now_draw = true;
            }
            joined = driver.tasks.join_next(), if !driver.tasks.is_empty() => {
                if let Some(Err(err)) = joined
                    && err.is_panic()
                {
                    return Err(eyre!("a cockpit task panicked; the terminal was restored"));
                }
            }
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
            _ = wait_frame => now_draw = true,
        }
        if app.quit || terminal::panicked() {
            break;
        }
        if undrawn.dirty && (now_draw || last_draw.elapsed() >= MIN_FRAME) {
            terminal.draw(|f| ui::draw(f, &app, &options.theme))?;
            last_draw = Instant::now();
            undrawn.dirty = false;
        }
    }
    driver.shutdown().await;
    if terminal::panicked() {
        return Err(eyre!("golive panicked; the terminal was restored"));
    }
    Ok(app)
}

/// What the loop has stepped but not drawn. Looks (probe waves, scrapes,
/// container and service states) come every poll, changed or not: they
/// show with the clock's frame, drawn once a second anyway, so an idle
/// cockpit draws one frame a second, not one per look.
#[derive(Debug, Default)]
struct Undrawn {
    /// Something changed that the next frame shows.
    dirty: bool,
    /// Looks stepped since the last clock frame.
    looked: bool,
}

impl Undrawn {
    /// Steps `msg`; true when it must draw at once: a look that opened a
    /// modal or started an action (a gate's rollback).
    fn step(&mut self, app: &mut App, driver: &mut Driver, msg: Msg) -> bool {
        let look = msg.is_look();
        let asked = |app: &App| (app.modal.is_some(), app.action.is_some());
        let before = asked(app);
        let changed = step(app, driver, msg);
        let urgent = look && asked(app) != before;
        if look && !urgent {
            self.looked |= changed;
        } else {
            self.dirty |= changed;
        }
        urgent
    }
}

/// The screen's new size, and the logs pane's height in the layout drawn.
fn resized(width: u16, height: u16) -> [Msg; 3] {
    [
        Msg::Resize(width, height),
        Msg::LogRows(ui::logs::rows(width, height)),
        Msg::LogCols(ui::logs::cols(width, height)),
    ]
}

/// A crossterm event as cockpit messages; mouse positions become pane rows.
fn translate(event: Event, area: ratatui::layout::Rect, app: &App) -> Vec<Msg> {
    match event {
        Event::Resize(w, h) => resized(w, h).into(),
        other => translate_one(other, area, app).into_iter().collect(),
    }
}

fn translate_one(event: Event, area: ratatui::layout::Rect, app: &App) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => key_of(key).map(Msg::Key),
        Event::Mouse(mouse) => {
            let areas = ui::layout(area, app);
            let (pane, row, height) = areas.hit(mouse.column, mouse.row)?;
            match mouse.kind {
                MouseEventKind::ScrollDown => Some(Msg::Scroll { pane, delta: 3 }),
                MouseEventKind::ScrollUp => Some(Msg::Scroll { pane, delta: -3 }),
                MouseEventKind::Down(MouseButton::Left) => Some(Msg::Click { pane, row, height }),
                _ => None,
            }
        }
        _ => None,
    }
}

fn key_of(key: KeyEvent) -> Option<Key> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char(c) if ctrl => Key::Ctrl(c),
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::Backspace => Key::Backspace,
        _ => return None,
    })
}
