//! The one driver every face runs the engine under: it starts the adapters
//! (`io`), feeds their facts to the engine (`engine::state::update`) and
//! carries out the effects it asks for, journal appends first. The cockpit's
//! loop (`cockpit`) adds a terminal and draws only when something changed;
//! the headless loop (`headless`) adds a face's stop policy. Nothing here
//! decides anything: the engine does.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use color_eyre::Result;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::engine::live_checks::docker_backlog;
use crate::engine::logs::{LogEffect, LogLine};
use crate::engine::metrics::MetricsReport;
use crate::engine::probe::ProbeReport;
use crate::engine::record::Record;
use crate::engine::state::{App, Effect, Msg, update, update_at};
use crate::io::actions::{self, ExecOptions};
use crate::io::command::{CommandSpec, Stream, run as run_command};
use crate::io::docker;
use crate::io::journal::{self, Journal};
use crate::io::logs::{self, SourceOptions};
use crate::io::metrics;
use crate::io::poller::{DEFAULT_CONCURRENCY, DEFAULT_WAVE, Poller, PollerConfig};
use crate::io::probe::Prober;
use crate::io::terminal;
use crate::profile::{Check, LogKind, LogSource, Profile};

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

/// Updates the state by one message and carries out its effects; true when
/// the screen may have changed.
fn step(app: &mut App, driver: &mut Driver, msg: Msg) -> bool {
    for effect in update_at(app, Utc::now(), msg) {
        driver.carry_out(effect);
    }
    true
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
        spawn_kube_watcher(profile, &tx, stop_rx.clone(), &mut tasks);
        // Containers from a bounded past (their engine keeps it); files and
        // commands from their tail, as `tail -f` and the tools themselves do.
        let (docker, others): (Vec<LogSource>, Vec<LogSource>) =
            profile.logs.iter().cloned().partition(|s| {
                matches!(
                    s.kind,
                    LogKind::Docker(_) | LogKind::Swarm(_) | LogKind::Kubernetes(_)
                )
            });
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
                if let Some(Check::Kubernetes(kube)) = check {
                    let tx = self.tx.clone();
                    self.tasks.spawn(async move {
                        let state = crate::io::kubectl::look(&kube.target).await;
                        let _ = tx.send(Msg::KubeChecked { item, state }).await;
                    });
                    return;
                }
                if let Some(Check::Rehearse(rehearse)) = &check {
                    let Some(action) = self.profile.actions.get(&rehearse.action).cloned() else {
                        return;
                    };
                    let host = self.docker_host.clone();
                    let tx = self.tx.clone();
                    self.tasks.spawn(async move {
                        let facts = crate::io::rehearse::gather(&action, host.as_deref()).await;
                        let facts = Box::new(facts);
                        let _ = tx.send(Msg::Rehearsed { item, facts }).await;
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
                    let busy = crate::engine::notify::Delivered {
                        key,
                        receiver,
                        delivery: crate::engine::notify::Delivery::Busy,
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
    let targets = crate::engine::containers::docker_targets(profile);
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
    stop: watch::Receiver<bool>,
    tasks: &mut JoinSet<()>,
) {
    let services = crate::engine::swarm::swarm_services(profile);
    spawn_looks(profile, services, tx, stop, tasks, |service| async move {
        Msg::Swarm(docker::swarm_once(&docker::host_from(None), &service).await)
    });
}

/// Looks at every Kubernetes deployment the profile names each poll
/// interval: the health pane's rows and the kubernetes items' verdicts come
/// from these looks.
fn spawn_kube_watcher(
    profile: &Profile,
    tx: &mpsc::Sender<Msg>,
    stop: watch::Receiver<bool>,
    tasks: &mut JoinSet<()>,
) {
    let targets = crate::engine::kubernetes::kube_targets(profile);
    spawn_looks(profile, targets, tx, stop, tasks, |target| async move {
        Msg::Kube(crate::io::kubectl::look(&target).await)
    });
}

/// Takes `look` at each target every poll interval (at least
/// [`CONTAINER_POLL_FLOOR`]) until `stop`, sending each look to the loop.
fn spawn_looks<T, Look, Fut>(
    profile: &Profile,
    targets: Vec<T>,
    tx: &mpsc::Sender<Msg>,
    mut stop: watch::Receiver<bool>,
    tasks: &mut JoinSet<()>,
    look: Look,
) where
    T: Clone + Send + Sync + 'static,
    Look: Fn(T) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Msg> + Send,
{
    if targets.is_empty() {
        return;
    }
    let every = profile.settings.poll_interval.max(CONTAINER_POLL_FLOOR);
    let tx = tx.clone();
    tasks.spawn(async move {
        loop {
            for target in &targets {
                if tx.send(look(target.clone()).await).await.is_err() {
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

mod cockpit;
mod headless;
pub use cockpit::{Options, event_loop, run};
pub use headless::{Headless, headless};
