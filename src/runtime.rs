//! The driver: owns the terminal, the adapter tasks and the one event loop.
//! A single `tokio::select!` waits on terminal events, the adapters' channel,
//! the 1 Hz clock, task failures and SIGTERM; it drains what is queued,
//! updates the pure state, carries out the effects, and draws once, only
//! when something changed. Nothing here decides anything: `app::state` does.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use color_eyre::Result;
use color_eyre::eyre::eyre;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::app::keys::Key;
use crate::app::live_checks::docker_backlog;
use crate::app::logs::{LogEffect, LogLine};
use crate::app::metrics::MetricsReport;
use crate::app::notify;
use crate::app::probe::ProbeReport;
use crate::app::record::Record;
use crate::app::state::{App, Effect, Msg, update, update_at};
use crate::io::actions::{self, ExecOptions};
use crate::io::command::{CommandSpec, Stream, run as run_command};
use crate::io::docker;
use crate::io::journal::{self, Journal, JournalWatcher};
use crate::io::logs::{self, SourceOptions};
use crate::io::metrics;
use crate::io::poller::{DEFAULT_CONCURRENCY, DEFAULT_WAVE, Poller, PollerConfig};
use crate::io::probe::Prober;
use crate::io::terminal;
use crate::profile::{Check, LogKind, LogSource, Profile};
use crate::ui::{self, Theme};

/// Capacity of the adapters' channel: a flood slows its producer instead of
/// growing memory.
const CHANNEL: usize = 1024;
/// Background updates (probes, logs) draw at most this often; keys and
/// journal records draw at once. Probes of many endpoints arrive spread over
/// the poll interval, and a frame per probe is most of the idle CPU.
const MIN_FRAME: Duration = Duration::from_millis(500);
/// How often the journal watcher looks at the file when no notification
/// arrives: records from another shell show within a second either way.
const JOURNAL_POLL: Duration = Duration::from_millis(400);
/// How long a headless face that is done waits for its own last records to
/// come back through the watcher, when the profile has receivers.
const NOTIFY_SETTLE: Duration = Duration::from_millis(1200);
/// The Docker targets are looked at no more often than this, however fast
/// the endpoints are polled: one inspect per container each time keeps the
/// daemon's load small.
const CONTAINER_POLL_FLOOR: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct Options {
    pub journal: PathBuf,
    pub theme: Theme,
    /// Where `S` saves the logs pane's lines: the directory golive runs in.
    pub save_dir: PathBuf,
}

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

/// Feeds the state what is already on disk: the captured baseline file, if
/// the profile names one, and the journal's records. Returns the journal
/// offset the watcher goes on from.
fn catch_up(app: &mut App, journal_path: &std::path::Path) -> Result<u64> {
    if let Some(path) = metrics::baseline_path(&app.profile) {
        let file = metrics::load_baseline_file(&path)
            .map(Box::new)
            .map_err(|e| e.to_string());
        update(app, Msg::Baseline(file));
    }
    let read = journal::read(journal_path)?;
    for record in read.records {
        update(app, Msg::Record(Box::new(record)));
    }
    for warning in read.warnings {
        update(app, Msg::Problem(warning));
    }
    Ok(read.offset)
}

/// How a headless face starts the engine.
#[derive(Debug, Clone, Default)]
pub struct Headless {
    /// The release's journal: read first, watched, appended to. None
    /// records nothing (a demo try-out, a check with no data directory).
    pub journal: Option<PathBuf>,
    pub docker_host: Option<String>,
    /// Messages fed once the adapters run (a confirmed action).
    pub first: Vec<Msg>,
    /// Run every command check once at start, as the cockpit does.
    pub run_checks: bool,
}

/// A face without a terminal (`golive act`, `golive check`, the demo's
/// headless run): the same engine and driver as the cockpit, fed
/// `run.first` once the adapters run, with no key map. `watch` sees the
/// state after every message (to print it) and returns None to go on, or
/// the records the face ends with (`golive check`'s final verdicts),
/// appended through the same journal writer before it stops. SIGINT or
/// SIGTERM cancels a running action first. Every record asked for is
/// durable on return.
pub async fn headless(
    mut app: App,
    run: Headless,
    mut watch: impl FnMut(&App) -> Result<Option<Vec<Record>>>,
) -> Result<App> {
    let offset = match &run.journal {
        Some(path) => Some(catch_up(&mut app, path)?),
        None => None,
    };
    let driver_options = DriverOptions {
        journal: run.journal.clone(),
        bursts: if run.run_checks {
            bursts(&app.profile)
        } else {
            HashMap::new()
        },
        save_dir: PathBuf::from("."),
        docker_host: run.docker_host,
    };
    let (tx, mut rx) = mpsc::channel::<Msg>(CHANNEL);
    let (probe_tx, mut probes) = mpsc::channel::<ProbeReport>(CHANNEL);
    let (record_tx, mut records) = mpsc::channel::<Record>(CHANNEL);
    let mut driver = Driver::start(&app.profile, &driver_options, tx.clone(), probe_tx)?;
    if let (Some(path), Some(offset)) = (run.journal, offset) {
        driver.tasks.spawn(
            JournalWatcher::new(path)
                .from_offset(offset)
                .poll_interval(JOURNAL_POLL)
                .run(record_tx),
        );
    }
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut clock = tokio::time::interval(Duration::from_millis(250));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    if run.run_checks {
        for effect in app.startup_effects() {
            driver.carry_out(effect);
        }
    }
    for msg in run.first {
        step(&mut app, &mut driver, msg);
    }
    // Once the face is done, what is owed to the receivers still goes out,
    // within their timeouts and retries.
    let mut done = false;
    let mut drain_until = None;
    loop {
        if !done && let Some(last) = watch(&app)? {
            done = true;
            for record in last {
                driver.carry_out(Effect::Append(Box::new(record)));
            }
        }
        if done {
            let now = Instant::now();
            let (settled, until) = *drain_until.get_or_insert_with(|| {
                let budget = notify::drain_budget(&app.profile);
                // Our last records come back through the watcher before
                // they are owed to anyone.
                let settle = if budget.is_zero() {
                    budget
                } else {
                    NOTIFY_SETTLE
                };
                (now + settle, now + settle + budget)
            });
            let owed = app.notify.pending().next().is_some();
            if (now >= settled && !owed) || now >= until {
                break;
            }
        }
        let msg = tokio::select! {
            Some(msg) = rx.recv() => msg,
            Some(report) = probes.recv() => Msg::Probe(Box::new(report)),
            Some(record) = records.recv() => Msg::Record(Box::new(record)),
            _ = clock.tick() => Msg::Tick(Utc::now().max(app.now)),
            joined = driver.tasks.join_next(), if !driver.tasks.is_empty() => {
                if let Some(Err(err)) = joined
                    && err.is_panic()
                {
                    driver.shutdown().await;
                    return Err(eyre!("a golive task panicked"));
                }
                continue;
            }
            _ = sigterm.recv() => {
                driver.carry_out(Effect::CancelAction);
                continue;
            }
            _ = sigint.recv() => {
                driver.carry_out(Effect::CancelAction);
                continue;
            }
        };
        step(&mut app, &mut driver, msg);
    }
    driver.finish().await;
    Ok(app)
}

/// The requests each endpoint's probes send headless: the most any of its
/// checks asks for. The cockpit probes with one, so a rate limit is not
/// kept tripped by its polling.
fn bursts(profile: &Profile) -> HashMap<String, u32> {
    let mut out: HashMap<String, u32> = HashMap::new();
    for (_, item) in profile.items() {
        if let Some(Check::Endpoint(c)) = &item.check
            && c.requests > 1
        {
            let n = out.entry(c.endpoint.clone()).or_insert(1);
            *n = (*n).max(c.requests);
        }
    }
    out
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
    let mut dirty = false;
    let mut probed = false;

    loop {
        let mut now_draw = false;
        let wait_frame = async {
            if dirty {
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
                    dirty |= step(&mut app, &mut driver, msg);
                }
            }
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                // The first lines (a source's backlog) draw at once.
                now_draw |= app.logs.buffer.is_empty() && matches!(msg, Msg::Logs(_));
                dirty |= step(&mut app, &mut driver, msg);
                // Drain everything already queued before drawing once.
                while let Ok(msg) = rx.try_recv() {
                    dirty |= step(&mut app, &mut driver, msg);
                }
            }
            Some(report) = probes.recv() => {
                // A probe wave shows with the next clock tick's frame, which
                // is drawn anyway: one frame a second while idle, not two.
                probed |= step(&mut app, &mut driver, Msg::Probe(Box::new(report)));
                while let Ok(report) = probes.try_recv() {
                    probed |= step(&mut app, &mut driver, Msg::Probe(Box::new(report)));
                }
            }
            Some(record) = records.recv() => {
                now_draw = true;
                dirty |= step(&mut app, &mut driver, Msg::Record(Box::new(record)));
                while let Ok(record) = records.try_recv() {
                    dirty |= step(&mut app, &mut driver, Msg::Record(Box::new(record)));
                }
            }
            _ = clock.tick() => {
                let before = app.now.timestamp();
                for effect in update(&mut app, Msg::Tick(Utc::now())) {
                    driver.carry_out(effect);
                }
                dirty |= app.now.timestamp() != before || std::mem::take(&mut probed);
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
        if dirty && (now_draw || last_draw.elapsed() >= MIN_FRAME) {
            terminal.draw(|f| ui::draw(f, &app, &options.theme))?;
            last_draw = Instant::now();
            dirty = false;
        }
    }
    driver.shutdown().await;
    if terminal::panicked() {
        return Err(eyre!("golive panicked; the terminal was restored"));
    }
    Ok(app)
}

/// Updates the state by one message and carries out its effects; true when
/// the screen may have changed.
fn step(app: &mut App, driver: &mut Driver, msg: Msg) -> bool {
    for effect in update_at(app, Utc::now(), msg) {
        driver.carry_out(effect);
    }
    true
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

/// Waits for a task spawned elsewhere, passing its panic on: the join set the
/// loop watches then sees it, and the cockpit stops instead of going on with
/// a dead adapter.
async fn watch_task(handle: tokio::task::JoinHandle<()>) {
    if let Err(err) = handle.await
        && err.is_panic()
    {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// Only in debug builds: `GOLIVE_DEBUG_TASK_PANIC_MS=N` panics a task N ms
/// after the cockpit opens, so the end-to-end test can prove that a panic in
/// any task leaves the terminal restored and the report readable.
#[cfg(debug_assertions)]
fn debug_task_panic(tasks: &mut JoinSet<()>) {
    let Some(ms) = std::env::var("GOLIVE_DEBUG_TASK_PANIC_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    tasks.spawn(async move {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        #[allow(clippy::panic)]
        {
            panic!("deliberate panic in a cockpit task (GOLIVE_DEBUG_TASK_PANIC_MS)");
        }
    });
}

/// What the driver needs besides the profile.
struct DriverOptions {
    /// None: records asked for are dropped.
    journal: Option<PathBuf>,
    /// Requests per probe by endpoint, where more than one (headless only).
    bursts: HashMap<String, u32>,
    save_dir: PathBuf,
    docker_host: Option<String>,
}

/// The adapters and what it takes to carry out effects.
struct Driver {
    profile: Profile,
    tx: mpsc::Sender<Msg>,
    /// To the one journal writer, which appends in order.
    appends: mpsc::Sender<Record>,
    /// The writer itself, awaited by [`Driver::finish`] so nothing asked
    /// for is lost when a headless face ends.
    writer: Option<tokio::task::JoinHandle<()>>,
    docker_host: Option<String>,
    poller: Poller,
    cancel: Option<watch::Sender<bool>>,
    stop_logs: watch::Sender<bool>,
    save_dir: PathBuf,
    tasks: JoinSet<()>,
    /// The notification sender's queue (`io::notify`).
    outbox: crate::io::notify::Outbox,
}

impl Driver {
    fn start(
        profile: &Profile,
        options: &DriverOptions,
        tx: mpsc::Sender<Msg>,
        probes: mpsc::Sender<ProbeReport>,
    ) -> Result<Self> {
        let mut tasks = JoinSet::new();
        let (appends, mut appends_rx) = mpsc::channel::<Record>(256);
        let writer = match &options.journal {
            Some(path) => tokio::spawn(journal_writer(
                Arc::new(Journal::open(path)?),
                profile.redactor.clone(),
                appends_rx,
                tx.clone(),
            )),
            None => tokio::spawn(async move { while appends_rx.recv().await.is_some() {} }),
        };
        let prober = Prober::new(&profile.settings)?;
        let poller = Poller::spawn_bursts(
            prober,
            &profile.endpoints,
            &PollerConfig {
                interval: profile.settings.poll_interval,
                concurrency: DEFAULT_CONCURRENCY,
                wave: DEFAULT_WAVE,
            },
            &options.bursts,
            probes,
        );
        let (log_tx, log_rx) = mpsc::channel::<Vec<LogLine>>(64);
        let (stop_logs, stop_rx) = watch::channel(false);
        spawn_container_watcher(profile, &tx, stop_rx.clone(), &mut tasks);
        spawn_swarm_watcher(profile, &tx, stop_rx.clone(), &mut tasks);
        // Containers from a bounded past (their engine keeps it); files and
        // commands from their tail, as `tail -f` and the tools themselves do.
        let (docker, others): (Vec<LogSource>, Vec<LogSource>) = profile
            .logs
            .iter()
            .cloned()
            .partition(|s| matches!(s.kind, LogKind::Docker(_) | LogKind::Swarm(_)));
        let backlog = chrono::Duration::from_std(docker_backlog(profile)).ok();
        let docker_opts = SourceOptions {
            since: backlog.and_then(|b| Utc::now().checked_sub_signed(b)),
            ..SourceOptions::default()
        };
        for (sources, opts) in [(docker, docker_opts), (others, SourceOptions::default())] {
            for handle in
                logs::spawn_sources(&sources, None, &opts, log_tx.clone(), stop_rx.clone())
            {
                tasks.spawn(watch_task(handle));
            }
        }
        drop(log_tx);
        let (metrics_tx, metrics_rx) = mpsc::channel::<MetricsReport>(64);
        for handle in metrics::spawn_sources(profile, metrics_tx) {
            tasks.spawn(watch_task(handle));
        }
        tasks.spawn(forward(metrics_rx, tx.clone(), |r| {
            Some(Msg::Metrics(Box::new(r)))
        }));
        tasks.spawn(forward(log_rx, tx.clone(), |batch| Some(Msg::Logs(batch))));
        let (notified_tx, notified_rx) = mpsc::channel(64);
        let outbox = crate::io::notify::spawn(
            profile.notify.receivers.clone(),
            options
                .journal
                .as_deref()
                .map(crate::io::notify::claims_dir),
            notified_tx,
            &mut tasks,
        );
        tasks.spawn(forward(notified_rx, tx.clone(), |d| {
            Some(Msg::Notified(Box::new(d)))
        }));
        #[cfg(debug_assertions)]
        debug_task_panic(&mut tasks);
        Ok(Self {
            profile: profile.clone(),
            tx,
            appends,
            writer: Some(writer),
            docker_host: options.docker_host.clone(),
            poller,
            cancel: None,
            stop_logs,
            save_dir: options.save_dir.clone(),
            tasks,
            outbox,
        })
    }

    fn carry_out(&mut self, effect: Effect) {
        match effect {
            Effect::Append(record) => {
                if self.appends.try_send(*record).is_err() {
                    let _ = self
                        .tx
                        .try_send(Msg::Problem("journal writer is behind or stopped".into()));
                }
            }
            Effect::PollNow => self.poller.poll_all_now(),
            Effect::RunCheck { item } => {
                let check = self.profile.item(&item).and_then(|(_, i)| i.check.clone());
                if let Some(Check::Swarm(swarm)) = check {
                    let host = crate::io::docker::host_from(self.docker_host.as_deref());
                    let tx = self.tx.clone();
                    self.tasks.spawn(async move {
                        let state = crate::io::docker::swarm_once(&host, &swarm.service).await;
                        let _ = tx.send(Msg::SwarmChecked { item, state }).await;
                    });
                    return;
                }
                let Some(Check::Command(check)) = check else {
                    return;
                };
                let spec = CommandSpec {
                    argv: check.argv,
                    cwd: check.cwd,
                    env: check.env,
                    timeout: check.timeout,
                };
                let tx = self.tx.clone();
                self.tasks.spawn(async move {
                    let _ = tx.send(Msg::CheckStarted { item: item.clone() }).await;
                    let outcome = run_command(&spec, None, None).await;
                    let _ = tx.send(Msg::CheckFinished { item, outcome }).await;
                });
            }
            Effect::RunAction { name } => self.run_action(name),
            Effect::CancelAction => {
                if let Some(cancel) = &self.cancel {
                    let _ = cancel.send(true);
                }
            }
            Effect::SaveLogs(effect) => self.save_logs(effect),
            Effect::Mouse(on) => terminal::set_mouse(on),
            Effect::Notify(n) => {
                let (key, receiver) = (n.key.clone(), n.receiver.clone());
                if !self.outbox.offer(*n) {
                    let busy = crate::app::notify::Delivered {
                        key,
                        receiver,
                        delivery: crate::app::notify::Delivery::Busy,
                    };
                    let _ = self.tx.try_send(Msg::Notified(Box::new(busy)));
                }
            }
            Effect::Quit => {}
        }
    }

    /// Writes the lines off the event loop; the outcome comes back as a message.
    fn save_logs(&mut self, effect: LogEffect) {
        let LogEffect::Save { path, lines } = effect;
        let path = self.save_dir.join(path);
        let effect = LogEffect::Save {
            path: path.clone(),
            lines,
        };
        let tx = self.tx.clone();
        self.tasks.spawn(async move {
            let written = tokio::task::spawn_blocking(move || logs::save(&effect)).await;
            let msg = match written {
                Ok(Ok(lines)) => Msg::LogsSaved { path, lines },
                Ok(Err(err)) => {
                    Msg::Problem(format!("logs not saved to {}: {err}", path.display()))
                }
                Err(err) => Msg::Problem(format!("saving logs failed: {err}")),
            };
            let _ = tx.send(msg).await;
        });
    }

    fn run_action(&mut self, name: String) {
        let tx = self.tx.clone();
        let Some(action) = self.profile.actions.get(&name).cloned() else {
            return;
        };
        let (cancel, cancel_rx) = watch::channel(false);
        self.cancel = Some(cancel);
        let opts = ExecOptions {
            docker_host: self.docker_host.clone(),
        };
        self.tasks.spawn(async move {
            let (lines, mut lines_rx) = mpsc::channel::<(Stream, String)>(256);
            let forward_tx = tx.clone();
            let forward_name = name.clone();
            let forward = tokio::spawn(async move {
                while let Some((_, line)) = lines_rx.recv().await {
                    let msg = Msg::ActionOutput {
                        name: forward_name.clone(),
                        line,
                    };
                    if forward_tx.send(msg).await.is_err() {
                        return;
                    }
                }
            });
            // The engine journals the start and the end (it knows who asked);
            // the adapter only runs the command or the Docker operation.
            let outcome = actions::execute(&action, &opts, Some(lines), Some(cancel_rx)).await;
            let _ = forward.await;
            let _ = tx.send(Msg::ActionFinished { name, outcome }).await;
        });
    }

    /// Ends a headless face: the journal writer appends what it was given
    /// and stops, then every other task is stopped.
    async fn finish(mut self) {
        let (closed, _) = mpsc::channel(1);
        drop(std::mem::replace(&mut self.appends, closed));
        if let Some(writer) = self.writer.take() {
            let _ = writer.await;
        }
        self.shutdown().await;
    }

    async fn shutdown(&mut self) {
        if let Some(cancel) = &self.cancel {
            let _ = cancel.send(true);
        }
        let _ = self.stop_logs.send(true);
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Watches every Docker target the profile names (checks, log sources,
/// actions) and sends each look as `Msg::Containers`.
fn spawn_container_watcher(
    profile: &Profile,
    tx: &mpsc::Sender<Msg>,
    stop: watch::Receiver<bool>,
    tasks: &mut JoinSet<()>,
) {
    let targets = crate::app::containers::docker_targets(profile);
    if targets.is_empty() {
        return;
    }
    let (state_tx, states) = mpsc::channel(16);
    tasks.spawn(docker::watch_states(
        docker::host_from(None),
        targets.clone(),
        profile.settings.poll_interval.max(CONTAINER_POLL_FLOOR),
        state_tx,
        stop,
    ));
    tasks.spawn(forward(states, tx.clone(), move |(index, state)| {
        let target = targets.get(index).cloned()?;
        Some(Msg::Containers { target, state })
    }));
}

/// Looks at every Swarm service the profile names each poll interval: the
/// health pane's rows and the swarm items' verdicts come from these looks.
fn spawn_swarm_watcher(
    profile: &Profile,
    tx: &mpsc::Sender<Msg>,
    mut stop: watch::Receiver<bool>,
    tasks: &mut JoinSet<()>,
) {
    let services = crate::app::swarm::swarm_services(profile);
    if services.is_empty() {
        return;
    }
    let every = profile.settings.poll_interval.max(CONTAINER_POLL_FLOOR);
    let tx = tx.clone();
    tasks.spawn(async move {
        loop {
            for service in &services {
                let host = docker::host_from(None);
                let state = docker::swarm_once(&host, service).await;
                if tx.send(Msg::Swarm(state)).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.changed() => return,
            }
        }
    });
}

/// Passes an adapter's reports on to the loop as messages (None skips one),
/// until either side is gone.
async fn forward<T>(
    mut from: mpsc::Receiver<T>,
    to: mpsc::Sender<Msg>,
    message: impl Fn(T) -> Option<Msg>,
) {
    while let Some(item) = from.recv().await {
        if let Some(msg) = message(item)
            && to.send(msg).await.is_err()
        {
            return;
        }
    }
}

/// The one journal writer: records are appended in the order they were
/// asked for, each durable before the next; they come back through the
/// watcher like any other process's.
async fn journal_writer(
    journal: Arc<Journal>,
    redactor: crate::profile::Redactor,
    mut records: mpsc::Receiver<Record>,
    tx: mpsc::Sender<Msg>,
) {
    while let Some(record) = records.recv().await {
        let journal = journal.clone();
        let redactor = redactor.clone();
        let written = tokio::task::spawn_blocking(move || journal.append(&record, &redactor)).await;
        let problem = match written {
            Ok(Ok(())) => continue,
            Ok(Err(err)) => format!("not journalled: {err}"),
            Err(err) => format!("journal writer failed: {err}"),
        };
        if tx.send(Msg::Problem(problem)).await.is_err() {
            return;
        }
    }
}
