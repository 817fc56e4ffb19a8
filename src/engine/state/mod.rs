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

use crate::cockpit::keys::{Context, Key};
use crate::engine::action_reason;
use crate::engine::checklist::{Checklist, ItemState, ItemStatus};
use crate::engine::command::CommandOutcome;
use crate::engine::containers::{Containers, TargetState};
use crate::engine::evidence;
use crate::engine::headless::HeadlessScope;
use crate::engine::health::HealthState;
use crate::engine::judge::{JudgeReport, VerdictTrail};
use crate::engine::lifecycle::{self, Lifecycle};
use crate::engine::live_checks::LogChecks;
use crate::engine::logs::{LogEffect, LogLine, LogView};
use crate::engine::metrics::baseline::BaselineFile;
use crate::engine::metrics::{ChartWindow, GateState, MetricsReport, MetricsState};
use crate::engine::probe::{Observation, ProbeReport};
use crate::engine::record::{Event, Record};
use crate::engine::recovery::Recovery;
use crate::engine::samples::Sampler;
use crate::profile::{Check, DockerTarget, MetricKind, Profile, Threshold};

/// Latency samples kept per endpoint for its sparkline.
pub const SPARK_SAMPLES: usize = 120;
/// Hard cap on probe samples per track, whatever the poll rate and replica
/// count: the charts keep `[settings] metrics_retention` of samples, and this
/// bounds memory (24 bytes a sample) if that would be more.
pub const TRACK_SAMPLES_CAP: usize = 100_000;
/// Lines of a running action's output kept on screen.
pub(crate) const ACTION_TAIL: usize = 200;
/// How long a flash message stays in the key bar.
pub(crate) const FLASH_SECS: i64 = 6;

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

    pub(crate) fn step(self, forward: bool) -> Pane {
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
    /// The kubernetes watcher's latest look at a deployment.
    Kube(super::kubernetes::KubeState),
    /// A kubernetes check's look at its deployment (run as a command check is).
    KubeChecked {
        item: String,
        state: super::kubernetes::KubeState,
    },
    /// What a rehearsal found for its action (`io::rehearse`).
    Rehearsed {
        item: String,
        facts: Box<super::rehearsal::RehearsalFacts>,
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
    /// How a notification's delivery ended (`engine::notify`).
    Notified(Box<super::notify::Delivered>),
}

impl Msg {
    /// A periodic look at the world (a probe, a scrape, a container,
    /// service or deployment state): it comes every poll whether or not
    /// anything changed, so a face shows it with its next clock frame
    /// rather than drawing once more for it.
    pub fn is_look(&self) -> bool {
        matches!(
            self,
            Msg::Probe(_) | Msg::Metrics(_) | Msg::Containers { .. } | Msg::Swarm(_) | Msg::Kube(_)
        )
    }
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
    /// Every Kubernetes deployment of the profile, as last seen (absent
    /// until the first look).
    pub kubes: BTreeMap<crate::profile::KubeTarget, super::kubernetes::KubeState>,
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
    /// What of the probes and metrics goes into the journal (`engine::samples`).
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
            kubes: BTreeMap::new(),
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

    /// What the cockpit asks for as soon as it opens: run every command,
    /// swarm, kubernetes and rehearsal check once.
    pub fn startup_effects(&self) -> Vec<Effect> {
        self.profile
            .items()
            .filter(|(_, i)| {
                matches!(
                    i.check,
                    Some(
                        Check::Command(_)
                            | Check::Swarm(_)
                            | Check::Kubernetes(_)
                            | Check::Rehearse(_)
                    )
                )
            })
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

    pub(crate) fn flash(&mut self, text: impl Into<String>) {
        self.flash = Some((text.into(), self.now));
    }

    pub(crate) fn record(&self, event: Event) -> Effect {
        Effect::Append(Box::new(self.record_of(event)))
    }

    /// `event` followed by the evidence of what the operator saw (`engine::evidence`).
    pub(crate) fn attested(&self, event: Event, about: &str) -> Vec<Effect> {
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
pub(crate) fn shell_words(argv: &[String]) -> String {
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

/// Why `action` would run now, in the text the confirmation shows and the
/// journal keeps (`action_reason`).
pub(crate) fn reason_lines_now(
    app: &App,
    action: &crate::profile::Action,
    containers: &[String],
) -> Vec<String> {
    let triggers =
        action_reason::trigger_lines(&app.gates, &app.profile.gates, app.judge.as_ref(), app.now);
    action_reason::reason_lines(action, &app.profile.redactor, triggers, containers)
}

pub(crate) fn reason_now(
    app: &App,
    action: &crate::profile::Action,
    containers: &[String],
) -> String {
    action_reason::reason_text(&reason_lines_now(app, action, containers))
}

mod update;
pub(crate) use update::*;
pub use update::{update, update_at};

#[cfg(test)]
mod tests;
