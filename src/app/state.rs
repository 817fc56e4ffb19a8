//! The cockpit's state and the one function that moves it: `update(&mut App,
//! Msg) -> Vec<Effect>`. Keys, probe reports, journal records, log lines and
//! the clock all arrive as [`Msg`]; whatever needs the outside world (append a
//! record, run an action, poll now, quit) leaves as an [`Effect`] for the
//! runtime to carry out. Pure: no I/O, no async, time comes in as data, so
//! every transition is tested without a terminal or a network.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::action_reason;
use super::actions::{finished_event, started_event};
use super::checklist::{self, Checklist, ItemChange, ItemState, ItemStatus};
use super::command::CommandOutcome;
use super::containers::{Containers, TargetState, target_label};
use super::evidence;
use super::headless::{HeadlessScope, metric_evaluation};
use super::health::HealthState;
use super::health_rows::HealthRow;
use super::judge::{JudgeReport, VerdictTrail};
use super::keys::{self, Command, Context, Key};
use super::lifecycle::{self, Lifecycle};
use super::live_checks::{self, LogChecks};
use super::logs::{LogEffect, LogLine, LogView};
use super::metrics::baseline::BaselineFile;
use super::metrics::{ChartWindow, GateState, MetricsReport, MetricsState};
use super::probe::{Observation, ProbeReport};
use super::record::{Event, Record};
use super::recovery::Recovery;
use super::samples::Sampler;
use super::signoffs::{SignRefusal, sign_refusal};
use crate::profile::{Check, DockerTarget, MetricCheck, MetricKind, OnBreach, Profile, Threshold};

/// Latency samples kept per endpoint for its sparkline.
pub const SPARK_SAMPLES: usize = 120;
/// Hard cap on probe samples per track, whatever the poll rate and replica
/// count: the charts keep `[settings] metrics_retention` of samples, and this
/// bounds memory (24 bytes a sample) if that would be more.
pub const TRACK_SAMPLES_CAP: usize = 100_000;
/// Lines of a running action's output kept on screen.
const ACTION_TAIL: usize = 200;
/// How long a flash message stays in the key bar.
const FLASH_SECS: i64 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Checklist,
    Health,
    Charts,
    Logs,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Checklist, Pane::Health, Pane::Charts, Pane::Logs];

    fn context(self) -> Context {
        match self {
            Pane::Checklist => Context::Checklist,
            Pane::Health => Context::Health,
            Pane::Charts => Context::Charts,
            Pane::Logs => Context::Logs,
        }
    }

    fn step(self, forward: bool) -> Pane {
        let i = Pane::ALL.iter().position(|p| *p == self).unwrap_or(0);
        let n = Pane::ALL.len();
        Pane::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// Everything that can happen to the cockpit.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(Key),
    /// The clock (at most 1 Hz).
    Tick(DateTime<Utc>),
    Resize(u16, u16),
    /// Mouse wheel over a pane: positive scrolls down.
    Scroll {
        pane: Pane,
        delta: i32,
    },
    /// A click on `row` of a pane's content area `height` rows tall.
    Click {
        pane: Pane,
        row: usize,
        height: usize,
    },
    Probe(Box<ProbeReport>),
    /// A scrape or PromQL answer for one metrics track.
    Metrics(Box<MetricsReport>),
    /// A journal record, ours or another process's: the only way sign-offs land.
    Record(Box<Record>),
    Logs(Vec<LogLine>),
    /// The Docker watcher's latest look at one target.
    Containers {
        target: DockerTarget,
        state: TargetState,
    },
    /// The logs pane's height in rows as laid out, so paging and jumps
    /// match what is drawn.
    LogRows(usize),
    /// Columns inside the logs pane, so scrolling wrapped lines moves by
    /// the rows drawn.
    LogCols(usize),
    /// The logs were saved (`S`): where, and how many lines.
    LogsSaved {
        path: PathBuf,
        lines: usize,
    },
    CheckFinished {
        item: String,
        outcome: CommandOutcome,
    },
    /// The swarm watcher's latest look at a service.
    Swarm(super::swarm::SwarmState),
    /// A swarm check's look at its service (run as a command check is).
    SwarmChecked {
        item: String,
        state: super::swarm::SwarmState,
    },
    ActionOutput {
        name: String,
        line: String,
    },
    ActionFinished {
        name: String,
        outcome: CommandOutcome,
    },
    /// An operator confirmed an action outside the cockpit (`golive act`'s
    /// prompt or `--yes`): the engine starts it as the cockpit's `y` does.
    /// A dry run is journalled as what would run, and nothing runs.
    ActionConfirmed {
        name: String,
        dry_run: bool,
        /// The containers a Docker action will touch, as the face resolved
        /// them for the confirmation (empty: the engine's own view).
        containers: Vec<String>,
    },
    /// The driver started an item's command check.
    CheckStarted {
        item: String,
    },
    /// The profile's captured baseline file, as read (or why it could not be).
    Baseline(Result<Box<BaselineFile>, String>),
    /// Something an adapter could not do (journal append failed, ...): shown loudly.
    Problem(String),
    /// How a notification's delivery ended (`app::notify`).
    Notified(Box<super::notify::Delivered>),
}

/// What the runtime must do for the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Append to the journal; the record comes back as `Msg::Record`.
    Append(Box<Record>),
    RunAction {
        name: String,
    },
    CancelAction,
    /// Capture the mouse (wheel and clicks) or leave it to the terminal.
    Mouse(bool),
    RunCheck {
        item: String,
    },
    PollNow,
    /// Write the logs pane's lines to a file; the outcome comes back as
    /// `Msg::LogsSaved` or `Msg::Problem`.
    SaveLogs(LogEffect),
    /// Deliver a notification; the outcome comes back as `Msg::Notified`.
    Notify(Box<super::notify::Notification>),
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InputPurpose {
    Note { item: String },
    Waive { item: String },
    Filter,
    Search,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    ConfirmAction {
        name: String,
        lines: Vec<String>,
    },
    ConfirmQuit,
    /// `X` while an action runs: kill it (y) or let it finish.
    ConfirmCancel,
    Input {
        purpose: InputPurpose,
        text: String,
    },
    Details {
        title: String,
        lines: Vec<String>,
        scroll: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaView {
    pub url: String,
    pub at: DateTime<Utc>,
    pub observation: Observation,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointView {
    pub id: String,
    pub track: Option<String>,
    /// One slot per replica URL, filled by its latest report.
    pub replicas: Vec<Option<ReplicaView>>,
    /// Recent latency in ms (worst replica per report), oldest first.
    pub latency: VecDeque<u64>,
}

impl EndpointView {
    /// Worst state over the replicas that answered; unknown before any report.
    pub fn state(&self) -> HealthState {
        HealthState::worst_shown(
            self.replicas
                .iter()
                .flatten()
                .map(|r| replica_state(&r.observation)),
        )
    }

    /// More than one version among the replicas: a rollout is half done.
    pub fn mixed_versions(&self) -> bool {
        let mut versions = self
            .replicas
            .iter()
            .flatten()
            .filter_map(|r| r.observation.health.version.as_deref());
        match versions.next() {
            Some(first) => versions.any(|v| v != first),
            None => false,
        }
    }
}

/// A replica that did not answer is down whatever its last body said.
pub fn replica_state(o: &Observation) -> HealthState {
    if o.error.is_some() || !o.connected {
        HealthState::Down
    } else {
        o.health.state
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackSample {
    pub at: DateTime<Utc>,
    pub latency_ms: f64,
    pub failed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunningAction {
    pub name: String,
    pub started: DateTime<Utc>,
    /// The last lines of output (at most a screenful or so).
    pub output: VecDeque<String>,
    /// Every line of output so far, kept or not: a face printing the output
    /// as it comes knows what it has not printed yet.
    pub lines: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every item done and nothing down.
    Ready,
    InProgress,
    /// An item failed or an endpoint is down.
    Failing,
    /// Nothing failing but a warm-up in progress (items on a warming
    /// endpoint wait for it rather than fail).
    WarmingUp,
    /// An action (promote, rollback) is running.
    Acting,
}

/// A row of the checklist pane: phase headings interleave the items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecklistRow {
    Phase(usize),
    Item(usize),
}

/// The whole cockpit state.
#[derive(Debug, Clone)]
pub struct App {
    pub profile: Profile,
    pub checklist: Checklist,
    pub operator: String,
    /// The release started at the first journal record, or when the cockpit opened.
    pub started_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub focus: Pane,
    /// Index into `checklist.items()`.
    pub selected_item: usize,
    /// Index into the health pane's selectable rows: the endpoints, then
    /// the Docker targets (see `health_rows::selected_row`).
    pub selected_health: usize,
    pub endpoints: Vec<EndpointView>,
    /// Probe latencies per track, the charts' fallback without `[[metrics]]`:
    /// kept for the metrics retention (oldest first).
    pub tracks: BTreeMap<String, VecDeque<TrackSample>>,
    /// The time window the charts show (keys 1/2/3 and z in the charts).
    pub chart_window: ChartWindow,
    /// Canary and baseline metrics, fed by the metrics adapter.
    pub metrics: MetricsState,
    /// Every gate's state at the last evaluation (empty until then).
    pub gates: Vec<GateState>,
    /// The statistical judge's latest word on canary against baseline.
    pub judge: Option<JudgeReport>,
    /// Which of the judge's verdicts went into the journal (changes only).
    pub judge_trail: VerdictTrail,
    /// Every Docker target of the profile, as the engine last described it.
    pub containers: Containers,
    /// Every Swarm service of the profile, by name, as last seen (absent
    /// until the first look).
    pub swarms: BTreeMap<String, super::swarm::SwarmState>,
    /// Matching lines per logs check item, within its window.
    pub log_checks: LogChecks,
    /// The logs pane: lines, filter, search, follow and where it is scrolled.
    pub logs: LogView,
    /// The logs pane's height in rows, as the runtime last laid it out.
    pub log_rows: usize,
    /// The logs pane's time window (`T`); None shows every line held.
    pub log_window: Option<Duration>,
    pub modal: Option<Modal>,
    /// The help overlay, with its scroll.
    pub help: Option<usize>,
    pub action: Option<RunningAction>,
    /// The last finished action and its outcome summary.
    pub last_action: Option<(String, String)>,
    /// Whether that action succeeded (exit 0, not cancelled or timed out).
    pub last_succeeded: bool,
    /// The last thing an adapter could not do (a journal append, ...).
    pub problem: Option<String>,
    /// The release's lifecycle, folded from the journal's records.
    pub lifecycle: Lifecycle,
    /// The verification of the last action this engine ran, while it lasts
    /// and after (its verdict says it was journalled).
    pub recovery: Option<Recovery>,
    pub flash: Option<(String, DateTime<Utc>)>,
    pub size: (u16, u16),
    pub quit: bool,
    /// The cockpit has the mouse; false while the operator selects text.
    pub mouse: bool,
    /// What of the probes and metrics goes into the journal (`app::samples`).
    pub samples: Sampler,
    /// Set by a face without a terminal (`golive check`): the phase it
    /// takes as under way, and whether a gate may act on its own.
    pub headless: Option<HeadlessScope>,
    /// The notifications folded from the journal and their deliveries.
    pub notify: super::notify::Notifications,
}

impl App {
    pub fn new(profile: Profile, operator: impl Into<String>, now: DateTime<Utc>) -> Self {
        let checklist = Checklist::new(&profile);
        let endpoints = profile
            .endpoints
            .iter()
            .map(|e| EndpointView {
                id: e.id.clone(),
                track: e.track.clone(),
                replicas: vec![None; e.urls.len()],
                latency: VecDeque::with_capacity(SPARK_SAMPLES),
            })
            .collect();
        let mut logs = LogView::new(profile.settings.log_buffer);
        // The loader refused invalid patterns already; none can be left here.
        logs.set_source_highlights(&profile.logs);
        let metrics = MetricsState::new(&profile);
        let containers = Containers::new(&profile);
        let log_checks = LogChecks::new(&profile);
        Self {
            profile,
            checklist,
            operator: operator.into(),
            started_at: now,
            now,
            focus: Pane::Checklist,
            selected_item: 0,
            selected_health: 0,
            endpoints,
            tracks: BTreeMap::new(),
            chart_window: ChartWindow::default(),
            metrics,
            gates: Vec::new(),
            judge: None,
            judge_trail: VerdictTrail::default(),
            containers,
            swarms: BTreeMap::new(),
            log_checks,
            logs,
            log_rows: 10,
            log_window: None,
            modal: None,
            help: None,
            action: None,
            last_action: None,
            last_succeeded: false,
            problem: None,
            lifecycle: Lifecycle::default(),
            recovery: None,
            flash: None,
            size: (0, 0),
            quit: false,
            mouse: true,
            samples: Sampler::default(),
            headless: None,
            notify: Default::default(),
        }
    }

    /// What the cockpit asks for as soon as it opens: run every command and
    /// swarm check once.
    pub fn startup_effects(&self) -> Vec<Effect> {
        self.profile
            .items()
            .filter(|(_, i)| matches!(i.check, Some(Check::Command(_) | Check::Swarm(_))))
            .map(|(_, i)| Effect::RunCheck { item: i.id.clone() })
            .collect()
    }

    /// The key context: a modal or overlay wins over the focused pane.
    pub fn context(&self) -> Context {
        match &self.modal {
            Some(Modal::ConfirmAction { .. } | Modal::ConfirmQuit | Modal::ConfirmCancel) => {
                Context::Confirm
            }
            Some(Modal::Input { .. }) => Context::TextInput,
            Some(Modal::Details { .. }) => Context::Details,
            None if self.help.is_some() => Context::Help,
            None => self.focus.context(),
        }
    }

    pub fn selected(&self) -> Option<&ItemState> {
        self.checklist.items().get(self.selected_item)
    }

    pub fn current_phase(&self) -> Option<String> {
        self.checklist.current_phase(&self.profile)
    }

    pub fn verdict(&self) -> Verdict {
        if self.action.is_some() {
            return Verdict::Acting;
        }
        let items = self.checklist.items();
        let warming = |id: &str| {
            self.endpoints
                .iter()
                .any(|e| e.id == id && e.state() == HealthState::Warming)
        };
        let on_warming = |i: &ItemState| {
            let check = self
                .profile
                .item(&i.id)
                .and_then(|(_, item)| item.check.as_ref());
            matches!(check, Some(Check::Endpoint(c)) if warming(&c.endpoint))
        };
        let failing = items
            .iter()
            .any(|i| i.status == ItemStatus::Fail && !on_warming(i) && !self.superseded(i))
            || self
                .endpoints
                .iter()
                .any(|e| e.state() == HealthState::Down)
            || self.gates.iter().any(|g| g.breached);
        if failing {
            Verdict::Failing
        } else if self.endpoints.iter().any(|e| warming(&e.id)) {
            Verdict::WarmingUp
        } else if items
            .iter()
            .all(|i| i.status.is_done() || self.superseded(i))
        {
            Verdict::Ready
        } else {
            Verdict::InProgress
        }
    }

    /// Phase headings and items in display order.
    pub fn checklist_rows(&self) -> Vec<ChecklistRow> {
        let mut rows = Vec::new();
        let items = self.checklist.items();
        for (p, phase) in self.profile.phases.iter().enumerate() {
            rows.push(ChecklistRow::Phase(p));
            rows.extend(
                items
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| i.phase == phase.id)
                    .map(|(n, _)| ChecklistRow::Item(n)),
            );
        }
        rows
    }

    /// The latency threshold (ms) the charts draw: a latency gate or metric
    /// check first, else an endpoint check's `[RESPONSE_TIME] <` condition.
    pub fn latency_threshold_ms(&self) -> Option<f64> {
        let is_latency = |k: MetricKind| {
            matches!(
                k,
                MetricKind::LatencyP50 | MetricKind::LatencyP95 | MetricKind::LatencyP99
            )
        };
        let as_ms = |t: &Threshold| t.value * 1000.0;
        if let Some(t) = self
            .profile
            .gates
            .iter()
            .filter(|g| is_latency(g.metric))
            .find_map(|g| g.condition.as_ref())
        {
            return Some(as_ms(t));
        }
        for (_, item) in self.profile.items() {
            match &item.check {
                Some(Check::Metric(m)) if is_latency(m.metric) => {
                    if let Some(t) = &m.condition {
                        return Some(as_ms(t));
                    }
                }
                Some(Check::Endpoint(e)) => {
                    for c in &e.conditions {
                        if let Some(ms) = c.response_time_bound_ms() {
                            return Some(ms);
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The error-rate threshold (fraction) of the first error-rate gate.
    pub fn error_threshold(&self) -> Option<f64> {
        self.profile
            .gates
            .iter()
            .filter(|g| g.metric == MetricKind::ErrorRate)
            .find_map(|g| g.condition.map(|t| t.value))
    }

    /// Whether the rollback made `item` moot (the rule is `lifecycle`'s).
    pub fn superseded(&self, item: &ItemState) -> bool {
        lifecycle::superseded(&self.profile, &self.lifecycle, &item.id, item.status)
    }

    fn flash(&mut self, text: impl Into<String>) {
        self.flash = Some((text.into(), self.now));
    }

    fn record(&self, event: Event) -> Effect {
        Effect::Append(Box::new(self.record_of(event)))
    }

    /// `event` followed by the evidence of what the operator saw (`app::evidence`).
    fn attested(&self, event: Event, about: &str) -> Vec<Effect> {
        let seen = evidence::snapshot(self, about);
        let about = about.to_string();
        vec![
            self.record(event),
            self.record(Event::Evidence { about, seen }),
        ]
    }

    fn record_of(&self, event: Event) -> Record {
        Record::new(&self.profile, &self.operator, self.now, event)
    }

    /// An action's or recovery's record, followed by the `lifecycle` record
    /// when it moves the release's stage.
    fn record_moving(&self, event: Event) -> Vec<Effect> {
        let record = self.record_of(event);
        let next = lifecycle::follows(&self.lifecycle, &record);
        let mut effects = vec![Effect::Append(Box::new(record))];
        effects.extend(next.map(|e| self.record(e)));
        effects
    }
}

/// An argv as a user would type it: words with spaces or quotes are quoted.
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.is_empty()
                || a.chars()
                    .any(|c| c.is_whitespace() || "'\"$`\\".contains(c))
            {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first visible row of a list so that `selected` stays in view; the UI
/// and the click handler share it so a click lands on what is drawn.
pub fn list_offset(selected: usize, height: usize) -> usize {
    if height == 0 {
        0
    } else {
        selected.saturating_sub(height - 1)
    }
}

/// [`update`] at the wall clock's `now`, for the driver: the engine's clock
/// never goes back, and records carry the time their fact arrived.
pub fn update_at(app: &mut App, now: DateTime<Utc>, msg: Msg) -> Vec<Effect> {
    app.now = now.max(app.now);
    update(app, msg)
}

/// Moves the state by one message and says what the outside world must do.
pub fn update(app: &mut App, mut msg: Msg) -> Vec<Effect> {
    super::redaction::redact_msg(&app.profile.redactor, &mut msg);
    let mut effects = apply(app, msg);
    effects.extend(follow_recovery(app));
    refresh_details(app);
    effects
}

/// An open details modal follows the state: a gate's "breaching since, 10s
/// of 30s", a replica's latest answer or a container's restarts move on
/// while the operator reads them. Scroll and title stay.
fn refresh_details(app: &mut App) {
    if !matches!(app.modal, Some(Modal::Details { .. })) {
        return;
    }
    let Some((_, fresh)) = details_for(app) else {
        return;
    };
    if let Some(Modal::Details { lines, .. }) = &mut app.modal {
        *lines = fresh;
    }
}

fn apply(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Tick(now) => {
            app.now = now;
            if let Some((_, at)) = &app.flash
                && (now - *at).num_seconds() >= FLASH_SECS
            {
                app.flash = None;
            }
            log_pane::tick(app);
            // Holds and gate durations advance with the clock too.
            let mut effects = on_metrics(app);
            effects.extend(journal(live_checks::on_clock(app), app));
            effects.extend(rerun_verify(app));
            effects.extend(super::notify::due(app));
            effects
        }
        Msg::Resize(w, h) => {
            app.size = (w, h);
            Vec::new()
        }
        Msg::Scroll { pane, delta } => {
            if app.modal.is_some() {
                return Vec::new();
            }
            let cmd = if delta > 0 {
                Command::Down
            } else {
                Command::Up
            };
            let saved = app.focus;
            app.focus = pane;
            for _ in 0..delta.unsigned_abs().min(50) {
                move_selection(app, cmd);
            }
            app.focus = if pane == Pane::Charts { saved } else { pane };
            Vec::new()
        }
        Msg::Click { pane, row, height } => {
            if app.modal.is_some() || app.help.is_some() {
                return Vec::new();
            }
            app.focus = pane;
            on_click(app, pane, row, height);
            Vec::new()
        }
        Msg::Probe(report) => on_probe(app, *report),
        Msg::Metrics(report) => {
            let track = report.track.clone();
            app.metrics.apply(*report);
            let mut effects = judge_metrics(app, &track);
            let sample = app.samples.metrics(&app.metrics, &track, app.now);
            effects.extend(sample.map(|e| app.record(e)));
            effects.extend(on_metrics(app));
            effects
        }
        Msg::Record(record) => {
            if record.at < app.started_at {
                app.started_at = record.at;
            }
            app.checklist.apply_record(&record);
            app.lifecycle.apply(&record);
            super::notify::on_record(app, &record);
            if let Event::JudgeVerdict { verdict, .. } = &record.event {
                app.judge_trail.recorded(*verdict);
            }
            match &record.event {
                Event::SignOff { item, .. } if record.operator != app.operator => {
                    app.flash(format!("{} signed {item}", record.operator));
                }
                Event::ActionStarted { action, .. } if record.operator != app.operator => {
                    app.flash(format!("{} started {action}", record.operator));
                }
                _ => {}
            }
            Vec::new()
        }
        Msg::Logs(lines) => {
            let effects = journal(live_checks::on_log_lines(app, &lines), app);
            // Paused, the view is anchored to an absolute line: it stays put.
            app.logs.push_batch(lines);
            effects
        }
        Msg::Containers { target, state } => {
            journal(live_checks::on_containers(app, target, state), app)
        }
        Msg::LogRows(rows) => {
            app.log_rows = rows.max(1);
            Vec::new()
        }
        Msg::LogCols(cols) => {
            app.logs.cols = cols.max(1);
            Vec::new()
        }
        Msg::LogsSaved { path, lines } => {
            app.flash(format!("saved {lines} log lines to {}", path.display()));
            Vec::new()
        }
        Msg::CheckFinished { item, outcome } => {
            let conditions = match app.profile.item(&item).and_then(|(_, i)| i.check.as_ref()) {
                Some(Check::Command(c)) => c.conditions.as_slice(),
                _ => &[],
            };
            let change = app
                .checklist
                .command_finished(&item, &outcome, conditions, app.now);
            let ms = outcome.duration.as_millis() as u64;
            change
                .map(|c| app.record(check_result(c, ms)))
                .into_iter()
                .collect()
        }
        Msg::Swarm(state) => {
            let changes =
                super::swarm::settle_items(&app.profile, &mut app.checklist, &state, app.now);
            app.swarms.insert(state.service.clone(), state);
            journal(changes, app)
        }
        Msg::SwarmChecked { item, state } => {
            let Some(Check::Swarm(check)) =
                app.profile.item(&item).and_then(|(_, i)| i.check.as_ref())
            else {
                return Vec::new();
            };
            let (passed, detail) = super::swarm::evaluate_swarm_check(check, &state);
            let evaluation = if passed {
                super::checklist::Evaluation::Pass(detail)
            } else {
                super::checklist::Evaluation::Fail(detail)
            };
            app.checklist
                .apply_evaluation(&item, None, evaluation, app.now)
                .map(|c| app.record(check_result(c, 0)))
                .into_iter()
                .collect()
        }
        Msg::ActionOutput { name, line } => {
            if let Some(action) = app.action.as_mut().filter(|a| a.name == name) {
                if action.output.len() == ACTION_TAIL {
                    action.output.pop_front();
                }
                action.output.push_back(line.clone());
                action.lines += 1;
            }
            // The logs pane is where the operator watches output scroll.
            let at = Some(app.now);
            apply(
                app,
                Msg::Logs(vec![LogLine::new(format!("action:{name}"), at, line)]),
            )
        }
        Msg::ActionFinished { name, outcome } => on_action_finished(app, name, outcome),
        Msg::ActionConfirmed {
            name,
            dry_run,
            containers,
        } => match app.profile.actions.get(&name) {
            Some(action) if dry_run => {
                let reason = reason_now(app, action, &containers);
                vec![app.record(started_event(
                    action,
                    &app.profile.redactor,
                    true,
                    None,
                    &containers,
                    reason,
                ))]
            }
            Some(_) if app.action.is_none() => start_confirmed(app, name, containers, None),
            Some(_) => {
                app.flash(format!("{name}: another action is running"));
                Vec::new()
            }
            None => Vec::new(),
        },
        Msg::CheckStarted { item } => {
            app.checklist.start(&item, app.now);
            Vec::new()
        }
        Msg::Baseline(file) => {
            match file {
                Ok(file) => app.metrics.set_captured_baseline(*file),
                Err(reason) => app.metrics.set_captured_baseline_error(reason),
            }
            Vec::new()
        }
        Msg::Notified(done) => {
            let event = super::notify::on_delivered(app, *done);
            event.map(|e| app.record(e)).into_iter().collect()
        }
        Msg::Problem(text) => {
            app.flash(format!("⚠ {text}"));
            app.problem = Some(text);
            Vec::new()
        }
    }
}

fn on_probe(app: &mut App, report: ProbeReport) -> Vec<Effect> {
    let Some(view) = app.endpoints.iter_mut().find(|e| e.id == report.endpoint) else {
        return Vec::new();
    };
    if report.replica >= view.replicas.len() {
        view.replicas.resize(report.replica + 1, None);
    }
    let failed = replica_state(&report.observation) == HealthState::Down;
    let latency_ms = report.observation.response_time.as_secs_f64() * 1000.0;
    if let Some(track) = &view.track {
        let samples = app.tracks.entry(track.clone()).or_default();
        samples.push_back(TrackSample {
            at: report.at,
            latency_ms,
            failed,
        });
        let retention = chrono::Duration::from_std(app.profile.settings.metrics_retention)
            .unwrap_or(chrono::Duration::hours(1));
        let cutoff = report.at - retention;
        while samples.len() > TRACK_SAMPLES_CAP || samples.front().is_some_and(|s| s.at < cutoff) {
            samples.pop_front();
        }
    }
    view.replicas[report.replica] = Some(ReplicaView {
        url: report.url,
        at: report.at,
        observation: report.observation,
    });
    let worst = view
        .replicas
        .iter()
        .flatten()
        .map(|r| r.observation.response_time.as_millis() as u64)
        .max()
        .unwrap_or(0);
    if view.latency.len() == SPARK_SAMPLES {
        view.latency.pop_front();
    }
    view.latency.push_back(worst);
    let observations: Vec<Observation> = view
        .replicas
        .iter()
        .flatten()
        .map(|r| r.observation.clone())
        .collect();
    let endpoint = view.id.clone();
    let health = app
        .samples
        .health(&endpoint, view.track.as_deref(), view.state(), "");
    // Items that settled on pass or fail are worth a journal record.
    let changes = app
        .checklist
        .observe(&app.profile, &endpoint, &observations, report.at);
    let mut effects: Vec<Effect> = health.into_iter().map(|e| app.record(e)).collect();
    effects.extend(changes.into_iter().map(|c| app.record(check_result(c, 0))));
    effects
}

/// Re-runs the judge after a report of `track`. Its verdict is journalled
/// when it changed and held: one evaluation counts per report of the judged
/// track (one a poll), so the baseline's report in the same poll cannot make
/// a one-poll wobble look like two.
fn judge_metrics(app: &mut App, track: &str) -> Vec<Effect> {
    let report = app.metrics.judge(app.now);
    // A headless run journals the verdict it ends with, once.
    let journalled = app.headless.is_none();
    let effects =
        if journalled && track == report.canary_track && app.judge_trail.observe(report.verdict) {
            vec![app.record(report.journal_event())]
        } else {
            Vec::new()
        };
    app.judge = Some(report);
    effects
}

/// Re-evaluates metric items and gates. A breach is journalled once; an
/// `on_breach = "rollback"` gate opens the rollback confirm, an
/// `auto-rollback` gate runs it with no key, recorded as golive's doing.
/// Gates act only once the canary phase has started, as the profile means.
fn on_metrics(app: &mut App) -> Vec<Effect> {
    let now = app.now;
    let mut effects = Vec::new();
    let metric_items: Vec<(String, MetricCheck)> = app
        .profile
        .items()
        .filter_map(|(_, item)| match &item.check {
            Some(Check::Metric(m)) => Some((item.id.clone(), m.clone())),
            _ => None,
        })
        .collect();
    for (id, check) in metric_items {
        let eval = app.metrics.evaluate_check(&check, now);
        let evaluation = metric_evaluation(&eval);
        if let Some(change) = app.checklist.apply_evaluation(&id, None, evaluation, now) {
            effects.push(app.record(check_result(change, 0)));
        }
    }
    if app.profile.gates.is_empty() {
        return effects;
    }
    let gates = app.profile.gates.clone();
    app.gates = app.metrics.evaluate_gates(&gates, now);
    let resolved = super::notify::resolutions(app, &gates);
    effects.extend(resolved.into_iter().map(|e| app.record(e)));
    if !canary_started(app) {
        return effects;
    }
    for state in app.gates.clone() {
        let Some(gate) = gates.iter().find(|g| g.id == state.id) else {
            continue;
        };
        if state.newly_breached {
            // A restarted engine sees the journal's open breach anew: once.
            if app.notify.claim_breach(&gate.id) {
                effects.push(app.record(state.breach_event(gate)));
            }
            match gate.on_breach {
                OnBreach::Alert | OnBreach::AutoRollback => {
                    app.flash(format!("gate {} breached: {}", gate.id, state.detail));
                }
                OnBreach::Rollback => {
                    if app.modal.is_none() && app.action.is_none() {
                        effects.extend(open_action(app, "rollback"));
                    }
                    app.flash(format!("gate {} breached: rollback offered", gate.id));
                }
            }
        }
        let rollback = app.profile.actions.get("rollback").cloned();
        let may_act = app.headless.as_ref().is_none_or(|h| h.may_act);
        if let Some(action) = rollback.filter(|_| may_act && state.fired && app.action.is_none()) {
            let trigger = format!("gate {} (auto-rollback)", gate.id);
            effects.extend(start_action(
                app,
                &action.name,
                Some(trigger),
                Vec::new(),
                None,
            ));
        }
    }
    effects
}

/// The canary phase has started (the one rule: [`checklist::canary_started`]).
fn canary_started(app: &App) -> bool {
    if let Some(scope) = &app.headless {
        return checklist::canary_started(&app.profile, scope.phase.as_deref());
    }
    let current = app.checklist.current_phase(&app.profile);
    checklist::canary_started(&app.profile, current.as_deref())
}

/// Check results worth a journal record, as records to append.
fn journal(changes: Vec<ItemChange>, app: &App) -> Vec<Effect> {
    changes
        .into_iter()
        .map(|c| app.record(check_result(c, 0)))
        .collect()
}

fn check_result(change: ItemChange, duration_ms: u64) -> Event {
    Event::CheckResult {
        item: change.id,
        status: change.status,
        detail: change.detail,
        duration_ms,
    }
}

/// Why `action` would run now, in the text the confirmation shows and the
/// journal keeps (`action_reason`).
fn reason_lines_now(
    app: &App,
    action: &crate::profile::Action,
    containers: &[String],
) -> Vec<String> {
    let triggers =
        action_reason::trigger_lines(&app.gates, &app.profile.gates, app.judge.as_ref(), app.now);
    action_reason::reason_lines(action, &app.profile.redactor, triggers, containers)
}

fn reason_now(app: &App, action: &crate::profile::Action, containers: &[String]) -> String {
    action_reason::reason_text(&reason_lines_now(app, action, containers))
}

/// Starts an action the operator (or an auto-rollback gate) asked for: it
/// is journalled, with the lifecycle it moves, and the driver runs it. The
/// reason is the one the operator confirmed, or, with none, the one now.
fn start_action(
    app: &mut App,
    name: &str,
    trigger: Option<String>,
    containers: Vec<String>,
    reason: Option<String>,
) -> Vec<Effect> {
    let Some(action) = app.profile.actions.get(name).cloned() else {
        return Vec::new();
    };
    let containers = if containers.is_empty() {
        known_containers(app, &action)
    } else {
        containers
    };
    let reason = reason.unwrap_or_else(|| reason_now(app, &action, &containers));
    app.action = Some(RunningAction {
        name: name.to_string(),
        started: app.now,
        output: VecDeque::new(),
        lines: 0,
    });
    let mut effects = app.record_moving(started_event(
        &action,
        &app.profile.redactor,
        false,
        trigger,
        &containers,
        reason,
    ));
    effects.push(Effect::RunAction {
        name: name.to_string(),
    });
    effects
}

/// The containers a Docker action's target holds as the health pane last saw
/// them: what the operator confirms, and what its start record names.
fn known_containers(app: &App, action: &crate::profile::Action) -> Vec<String> {
    let crate::profile::ActionKind::Docker { target, .. } = &action.kind else {
        return Vec::new();
    };
    app.containers
        .targets
        .iter()
        .filter(|t| &t.target == target)
        .filter_map(|t| t.state.as_ref())
        .flat_map(|s| s.containers.iter().map(|c| c.name.clone()))
        .collect()
}

fn on_action_finished(app: &mut App, name: String, outcome: CommandOutcome) -> Vec<Effect> {
    if app.action.as_ref().is_some_and(|a| a.name == name) {
        app.action = None;
    }
    let summary = outcome.summary();
    app.flash(format!("{name}: {summary}"));
    app.last_action = Some((name.clone(), summary));
    app.last_succeeded = outcome.succeeded();
    let Some(action) = app.profile.actions.get(&name).cloned() else {
        return Vec::new();
    };
    let mut effects = app.record_moving(finished_event(&action, &outcome, &app.profile.redactor));
    app.recovery = outcome
        .succeeded()
        .then(|| Recovery::start(&action, app.now))
        .flatten();
    if app.recovery.is_some() {
        effects.extend(recheck(app, &action.verify));
    }
    effects
}

/// During a recovery, failed command verify items run again each poll
/// interval (endpoint, metric, log and Docker items follow their own facts).
fn rerun_verify(app: &mut App) -> Vec<Effect> {
    let Some(recovery) = &app.recovery else {
        return Vec::new();
    };
    let again = recovery.reruns(&app.profile, &app.checklist, app.now);
    recheck(app, &again)
}

/// The recovery's verdict, journalled once with the lifecycle it moves.
fn follow_recovery(app: &mut App) -> Vec<Effect> {
    let now = app.now;
    let Some(event) = app
        .recovery
        .as_mut()
        .and_then(|r| r.follow(&app.checklist, now))
    else {
        return Vec::new();
    };
    if let Event::Verified {
        recovered,
        time_to_recovery_ms,
        ..
    } = &event
    {
        app.flash(match (recovered, time_to_recovery_ms) {
            (true, Some(ms)) => format!("recovered in {:.1}s", *ms as f64 / 1000.0),
            _ => "NOT RECOVERED: the verify items did not pass in time".to_string(),
        });
    }
    app.record_moving(event)
}

/// Re-runs the given items: command checks run again, endpoint checks poll now.
fn recheck(app: &mut App, items: &[String]) -> Vec<Effect> {
    let mut effects = Vec::new();
    let mut poll = false;
    for id in items {
        match app.profile.item(id).and_then(|(_, i)| i.check.as_ref()) {
            Some(Check::Command(_) | Check::Swarm(_)) => {
                app.checklist.start(id, app.now);
                effects.push(Effect::RunCheck { item: id.clone() });
            }
            Some(_) => poll = true,
            None => {}
        }
    }
    if poll {
        effects.push(Effect::PollNow);
    }
    effects
}

fn on_key(app: &mut App, key: Key) -> Vec<Effect> {
    // A modal's text input takes printable keys before any binding.
    if let Some(Modal::Input { text, .. }) = &mut app.modal {
        match key {
            Key::Char(c) => {
                text.push(c);
                return Vec::new();
            }
            Key::Backspace => {
                text.pop();
                return Vec::new();
            }
            _ => {}
        }
    }
    let context = app.context();
    let command = keys::lookup(context, key);
    if context == Context::Confirm {
        // Anything but `y` cancels: a stray key never runs an action.
        return match command {
            Some(Command::Confirm) => confirm(app),
            _ => {
                app.modal = None;
                app.flash("cancelled");
                Vec::new()
            }
        };
    }
    let Some(command) = command else {
        return Vec::new();
    };
    match command {
        Command::Help => {
            app.help = if app.help.is_some() { None } else { Some(0) };
            Vec::new()
        }
        Command::Quit => {
            if app.action.is_some() {
                app.help = None;
                app.modal = Some(Modal::ConfirmQuit);
                Vec::new()
            } else {
                app.quit = true;
                vec![Effect::Quit]
            }
        }
        Command::Cancel => {
            if app.modal.is_some() {
                app.modal = None;
            } else {
                app.help = None;
            }
            Vec::new()
        }
        Command::NextPane | Command::PrevPane => {
            app.focus = app.focus.step(command == Command::NextPane);
            Vec::new()
        }
        Command::Down
        | Command::Up
        | Command::PageDown
        | Command::PageUp
        | Command::Top
        | Command::Bottom => {
            move_selection(app, command);
            Vec::new()
        }
        Command::Details => {
            open_details(app);
            Vec::new()
        }
        Command::Sign => sign(app, None),
        Command::SignWithNote => {
            if let Some(item) = signable(app) {
                app.modal = Some(Modal::Input {
                    purpose: InputPurpose::Note { item },
                    text: String::new(),
                });
            }
            Vec::new()
        }
        Command::Waive => {
            match app.selected() {
                Some(item) if item.status.is_done() => {
                    let msg = format!("{} is already {}", item.id, item.status.as_str());
                    app.flash(msg);
                }
                Some(item) => {
                    app.modal = Some(Modal::Input {
                        purpose: InputPurpose::Waive {
                            item: item.id.clone(),
                        },
                        text: String::new(),
                    });
                }
                None => {}
            }
            Vec::new()
        }
        Command::Rerun => {
            if app.focus == Pane::Health {
                app.flash("polling every endpoint now");
                return vec![Effect::PollNow];
            }
            let Some(item) = app.selected().map(|i| i.id.clone()) else {
                return Vec::new();
            };
            let effects = recheck(app, std::slice::from_ref(&item));
            if effects.is_empty() {
                app.flash(format!("{item} is a manual item: space signs it"));
            }
            effects
        }
        Command::ChartWindow(window) => {
            app.chart_window = window;
            Vec::new()
        }
        Command::CycleChartWindow => {
            app.chart_window = app.chart_window.next();
            Vec::new()
        }
        Command::FilterLogs
        | Command::SearchLogs
        | Command::SearchNext
        | Command::SearchPrev
        | Command::Follow
        | Command::FirstError
        | Command::WrapLogs
        | Command::LogTimestamps
        | Command::RawLogs
        | Command::LogWindow
        | Command::LogContext
        | Command::SaveLogs => log_pane::command(app, command),
        Command::ToggleMouse => {
            app.mouse = !app.mouse;
            app.flash(if app.mouse {
                "mouse captured: wheel scrolls, click selects"
            } else {
                "mouse released: select text with the terminal; m takes it back"
            });
            vec![Effect::Mouse(app.mouse)]
        }
        Command::CancelAction => {
            if app.action.is_some() {
                app.help = None;
                app.modal = Some(Modal::ConfirmCancel);
            } else {
                app.flash("no action is running");
            }
            Vec::new()
        }
        Command::Promote => open_action(app, "promote"),
        Command::Rollback => open_action(app, "rollback"),
        Command::Submit => submit(app),
        Command::Confirm => Vec::new(),
    }
}

fn confirm(app: &mut App) -> Vec<Effect> {
    match app.modal.take() {
        Some(Modal::ConfirmAction { name, lines }) => {
            let reason = action_reason::reason_text(&lines);
            start_confirmed(app, name, Vec::new(), Some(reason))
        }
        Some(Modal::ConfirmQuit) => {
            app.quit = true;
            vec![Effect::CancelAction, Effect::Quit]
        }
        Some(Modal::ConfirmCancel) => match &app.action {
            // Recorded when the killed action reports back as cancelled.
            Some(running) => {
                let text = format!("cancelling {}", running.name);
                app.flash(text);
                vec![Effect::CancelAction]
            }
            None => Vec::new(),
        },
        other => {
            app.modal = other;
            Vec::new()
        }
    }
}

/// An action the operator confirmed, with the evidence of what they saw.
fn start_confirmed(
    app: &mut App,
    name: String,
    containers: Vec<String>,
    reason: Option<String>,
) -> Vec<Effect> {
    let seen = evidence::snapshot(app, &name);
    let mut effects = vec![app.record(Event::Evidence {
        about: name.clone(),
        seen,
    })];
    effects.extend(start_action(app, &name, None, containers, reason));
    effects
}

fn submit(app: &mut App) -> Vec<Effect> {
    let Some(Modal::Input { purpose, text }) = app.modal.take() else {
        return Vec::new();
    };
    let text = text.trim().to_string();
    match purpose {
        purpose @ (InputPurpose::Filter | InputPurpose::Search) => {
            log_pane::submit(app, purpose, text);
            Vec::new()
        }
        InputPurpose::Note { item } => {
            let note = (!text.is_empty()).then_some(text);
            app.attested(
                Event::SignOff {
                    item: item.clone(),
                    note,
                },
                &item,
            )
        }
        InputPurpose::Waive { item } => {
            if text.is_empty() {
                app.flash("a waiver needs a reason");
                app.modal = Some(Modal::Input {
                    purpose: InputPurpose::Waive { item },
                    text,
                });
                Vec::new()
            } else {
                app.attested(
                    Event::Waiver {
                        item: item.clone(),
                        reason: text,
                    },
                    &item,
                )
            }
        }
    }
}

/// The selected item's id when it can be signed; otherwise flashes why not
/// (the rule is [`sign_refusal`], shared with `golive sign`).
fn signable(app: &mut App) -> Option<String> {
    let id = app.selected()?.id.clone();
    let (_, item) = app.profile.item(&id)?;
    let refusal = sign_refusal(item, app.checklist.journal().signoff(&id), &app.operator);
    let why_not = match refusal {
        None => return Some(id),
        Some(SignRefusal::Automated) => {
            format!("{id} is checked automatically: r re-runs it, w waives it")
        }
        Some(SignRefusal::AlreadySigned { by }) => format!("{id} is already signed by {by}"),
    };
    app.flash(why_not);
    None
}

fn sign(app: &mut App, note: Option<String>) -> Vec<Effect> {
    match signable(app) {
        Some(item) => app.attested(
            Event::SignOff {
                item: item.clone(),
                note,
            },
            &item,
        ),
        None => Vec::new(),
    }
}

fn open_action(app: &mut App, name: &str) -> Vec<Effect> {
    if let Some(running) = &app.action {
        let text = format!("{} is still running", running.name);
        app.flash(text);
        return Vec::new();
    }
    match app.profile.actions.get(name) {
        Some(action) => {
            let containers = known_containers(app, action);
            let lines = reason_lines_now(app, action, &containers);
            app.help = None;
            app.modal = Some(Modal::ConfirmAction {
                name: name.to_string(),
                lines,
            });
        }
        None => app.flash(format!("the profile has no [actions.{name}]")),
    }
    Vec::new()
}

fn move_selection(app: &mut App, command: Command) {
    if let Some(Modal::Details { scroll, .. }) = &mut app.modal {
        *scroll = step(*scroll, command, usize::MAX);
        return;
    }
    if let Some(scroll) = &mut app.help {
        *scroll = step(*scroll, command, keys::help_line_count());
        return;
    }
    match app.focus {
        Pane::Checklist => {
            let n = app.checklist.items().len();
            app.selected_item = step(app.selected_item, command, n);
        }
        Pane::Health => {
            let n = super::health_rows::selectable_count(app);
            app.selected_health = step(app.selected_health, command, n);
        }
        Pane::Logs => log_pane::scroll(app, command),
        Pane::Charts => {}
    }
}

/// One step of a selection in `0..len`, clamped.
fn step(current: usize, command: Command, len: usize) -> usize {
    let last = len.saturating_sub(1);
    let next = match command {
        Command::Down => current.saturating_add(1),
        Command::Up => current.saturating_sub(1),
        Command::PageDown => current.saturating_add(10),
        Command::PageUp => current.saturating_sub(10),
        Command::Top => 0,
        Command::Bottom => last,
        _ => current,
    };
    next.min(last)
}

fn on_click(app: &mut App, pane: Pane, row: usize, height: usize) {
    match pane {
        Pane::Checklist => {
            let rows = app.checklist_rows();
            let selected_row = rows
                .iter()
                .position(|r| *r == ChecklistRow::Item(app.selected_item))
                .unwrap_or(0);
            let offset = list_offset(selected_row, height);
            if let Some(ChecklistRow::Item(n)) = rows.get(offset + row) {
                app.selected_item = *n;
            }
        }
        Pane::Health => {
            if let Some(n) = super::health_rows::selection_at(app, row, height) {
                app.selected_health = n;
            }
        }
        Pane::Charts | Pane::Logs => {}
    }
}

fn open_details(app: &mut App) {
    if let Some((title, lines)) = details_for(app) {
        app.modal = Some(Modal::Details {
            title,
            lines,
            scroll: 0,
        });
    }
}

/// The details of what the focused pane has selected: title and lines.
fn details_for(app: &App) -> Option<(String, Vec<String>)> {
    Some(match app.focus {
        Pane::Checklist => {
            let item = app.selected()?;
            (
                format!("{} — {}", item.id, item.title),
                item_details(app, item),
            )
        }
        Pane::Health => match super::health_rows::selected_row(app) {
            HealthRow::Endpoint(n) => {
                let view = app.endpoints.get(n)?;
                (format!("endpoint {}", view.id), endpoint_details(view))
            }
            HealthRow::Target(t) => {
                let view = app.containers.targets.get(t)?;
                (target_label(&view.target), view.details())
            }
            _ => return None,
        },
        Pane::Charts => super::chart_details::chart_details(app),
        Pane::Logs => return None,
    })
}

fn item_details(app: &App, item: &ItemState) -> Vec<String> {
    let r = &app.profile.redactor;
    let mut lines = vec![
        format!("status: {} {}", item.status.symbol(), item.status.as_str()),
        format!("phase: {}", item.phase),
    ];
    let spec = app.profile.item(&item.id).map(|(_, i)| i);
    if let Some(desc) = spec.and_then(|i| i.description.as_deref()) {
        lines.push(format!("about: {desc}"));
    }
    match spec.and_then(|i| i.check.as_ref()) {
        None => lines.push("check: manual sign-off".into()),
        Some(Check::Command(c)) => {
            lines.push(format!("check: run {}", r.redact(&shell_words(&c.argv))));
            for c in &c.conditions {
                lines.push(format!("  condition: {}", c.source));
            }
        }
        Some(Check::Endpoint(e)) => {
            lines.push(format!(
                "check: endpoint {}{}",
                e.endpoint,
                if e.all_replicas {
                    " (all replicas)"
                } else {
                    ""
                }
            ));
            for c in &e.conditions {
                lines.push(format!("  condition: {}", c.source));
            }
            if let Some(hold) = e.hold {
                lines.push(format!("  hold: {}s", hold.as_secs()));
            }
        }
        Some(Check::Metric(m)) => {
            let mut text = format!("check: {} of {}", m.metric.name(), m.track);
            if let Some(t) = &m.condition {
                text.push_str(&format!(" {} {}", t.cmp.symbol(), t.value));
            }
            if let Some(v) = &m.vs_baseline {
                text.push_str(&format!(" {} {}x baseline", v.cmp.symbol(), v.factor));
            }
            lines.push(text);
        }
        Some(Check::Logs(l)) => lines.push(format!(
            "check: at most {} lines matching {} in {} over {}s",
            l.max,
            l.pattern,
            l.source,
            l.window.as_secs()
        )),
        Some(Check::Docker(d)) => {
            let target = super::containers::target_label(&d.target);
            lines.push(format!("check: docker {target}"));
            for c in &d.conditions {
                lines.push(format!("  condition: {}", c.source));
            }
        }
        Some(Check::Swarm(s)) => {
            lines.push(format!("check: swarm service {}", s.service));
            for c in &s.conditions {
                lines.push(format!("  condition: {}", c.source));
            }
        }
    }
    if !item.detail.is_empty() {
        lines.push(format!("evidence: {}", item.detail));
    }
    if let Some(by) = &item.by {
        let at = item
            .at
            .map(|t| t.format("%H:%M:%S").to_string())
            .unwrap_or_default();
        lines.push(format!("by: {by} at {at}"));
    }
    if let Some(note) = &item.note {
        lines.push(format!("note: {note}"));
    }
    if let Some(ms) = item.duration_ms {
        lines.push(format!("took: {ms} ms"));
    }
    lines
}

fn endpoint_details(view: &EndpointView) -> Vec<String> {
    let mut lines = vec![format!(
        "state: {}{}",
        view.state().as_str(),
        view.track
            .as_ref()
            .map(|t| format!("  track: {t}"))
            .unwrap_or_default()
    )];
    for (n, slot) in view.replicas.iter().enumerate() {
        let Some(rep) = slot else {
            lines.push(format!("replica {n}: no report yet"));
            continue;
        };
        let o = &rep.observation;
        lines.push(format!(
            "replica {n}: {} {} in {} ms",
            rep.url,
            o.status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "—".into()),
            o.response_time.as_millis()
        ));
        if let Some(err) = &o.error {
            lines.push(format!("  error: {err}"));
        }
        if let Some(reason) = &o.health.reason {
            lines.push(format!("  reason: {reason}"));
        }
        for c in &o.health.components {
            lines.push(format!(
                "  {}: {}{}",
                c.name,
                c.state.as_str(),
                c.latency_ms
                    .map(|l| format!(" {l:.0} ms"))
                    .unwrap_or_default()
            ));
        }
        for e in &o.health.errors {
            lines.push(format!("  error: {e}"));
        }
        for w in &o.health.warnings {
            lines.push(format!("  warning: {w}"));
        }
        if !o.body_text.is_empty() {
            let body: String = o.body_text.chars().take(400).collect();
            lines.push(format!("  body: {body}"));
        }
    }
    lines
}

#[path = "log_pane.rs"]
pub mod log_pane;

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
