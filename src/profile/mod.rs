//! Profiles: the user's contract. A TOML file is read into raw serde structs
//! (`raw`), checked and resolved (`load`) into the validated [`Profile`] below,
//! which is what every other module consumes. Nothing downstream ever sees raw
//! TOML, an unresolved `${VAR}`, or a duration still in text form.

pub mod duration;
pub mod error;
pub mod interpolate;
pub mod load;
mod notify;
pub mod raw;
pub mod secrets;
pub mod threshold;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub use error::{ProfileError, ProfileIssue};
pub use load::{load, load_str, load_with};
pub use notify::{Notifier, Notify, NotifyEvent, NotifyFormat, NotifyTarget};
pub use secrets::Redactor;

use crate::model::condition::Condition;
pub use crate::model::judge_config::{JudgeConfig, JudgeMethod};

/// A validated, fully resolved profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Where it was read from (for messages and the default journal path).
    pub path: PathBuf,
    pub service: Service,
    pub settings: Settings,
    pub endpoints: Vec<Endpoint>,
    pub metrics: Vec<MetricsSource>,
    pub baseline: Option<BaselineConfig>,
    pub logs: Vec<LogSource>,
    pub phases: Vec<Phase>,
    pub gates: Vec<Gate>,
    /// Keyed by action name (`promote`, `rollback`, ...).
    pub actions: BTreeMap<String, Action>,
    /// Who hears about the release's state changes (`[[notify]]`), and
    /// which items' sign-offs they hear about (`notify = true`).
    pub notify: Notify,
    /// Masks every secret value this profile resolved, wherever text is shown.
    pub redactor: Redactor,
    /// Variables that were unset and had no default (validate warns, the rest refuse).
    pub unresolved: Vec<String>,
    /// Non-fatal remarks for `validate` to print.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub version: String,
    pub previous: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub poll_interval: Duration,
    /// Default per-request (and per-command) timeout.
    pub timeout: Duration,
    /// Largest body read from an endpoint before it is cut off.
    pub body_limit: usize,
    /// Ring-buffer size of the log pane.
    pub log_buffer: usize,
    /// Extra variable names whose values are secrets.
    pub secrets: Vec<String>,
    /// How long chart series (metrics and probe latencies) are kept.
    pub metrics_retention: Duration,
    /// The `[judge]` section: kept with the settings because, like them, it
    /// only tunes how golive reads what it observes.
    pub judge: JudgeConfig,
    /// The `[kpi]` section: targets the release report holds its KPIs to.
    pub kpi: KpiTargets,
}

/// KPI name (`canary`, `decision`, `rollback`, `recovery`, `downtime`) to its target.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KpiTargets(pub BTreeMap<String, KpiTarget>);

/// A bound on a duration: "< 30s" (below), "<= 30s" (at most).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KpiTarget {
    pub limit: Duration,
    /// `<=` rather than `<`.
    pub inclusive: bool,
}

impl KpiTarget {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let (inclusive, rest) = if let Some(r) = t.strip_prefix("<=") {
            (true, r)
        } else if let Some(r) = t.strip_prefix('<') {
            (false, r)
        } else {
            return Err(format!("`{t}` is not a bound: start it with `<` or `<=`"));
        };
        Ok(Self {
            limit: duration::parse(rest)?,
            inclusive,
        })
    }

    /// Whether a measured duration meets the target.
    pub fn met(&self, measured: Duration) -> bool {
        if self.inclusive {
            measured <= self.limit
        } else {
            measured < self.limit
        }
    }

    pub fn describe(&self) -> String {
        let op = if self.inclusive { "<=" } else { "<" };
        format!("{op} {}", humantime::format_duration(self.limit))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
            body_limit: 1024 * 1024,
            log_buffer: 50_000,
            secrets: Vec::new(),
            metrics_retention: Duration::from_secs(3600),
            judge: JudgeConfig::default(),
            kpi: KpiTargets::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HealthFormat {
    #[default]
    Auto,
    Warmup,
    Healthz,
    HealthJson,
    Actuator,
    Plain,
    Prometheus,
}

impl HealthFormat {
    pub const ALL: [(&'static str, HealthFormat); 7] = [
        ("auto", HealthFormat::Auto),
        ("warmup", HealthFormat::Warmup),
        ("healthz", HealthFormat::Healthz),
        ("health-json", HealthFormat::HealthJson),
        ("actuator", HealthFormat::Actuator),
        ("plain", HealthFormat::Plain),
        ("prometheus", HealthFormat::Prometheus),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("auto")
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum RequestBody {
    Json(serde_json::Value),
    Text(String),
}

/// Something to poll: one URL per replica.
#[derive(Clone, PartialEq)]
pub struct Endpoint {
    pub id: String,
    /// One entry per replica; never empty.
    pub urls: Vec<String>,
    pub format: HealthFormat,
    pub track: Option<String>,
    pub method: String,
    /// Header values are secrets: show them only through the redactor.
    pub headers: Vec<(String, String)>,
    pub body: Option<RequestBody>,
    pub timeout: Duration,
    /// A warm-up still in progress after this long is down, not warming.
    pub warmup_timeout: Duration,
}

/// Header values are secrets: a `{:?}` of an endpoint (or of the profile
/// holding it) ends up in logs and panic messages, so it masks them.
impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, _)| (name.as_str(), secrets::MASK))
            .collect();
        f.debug_struct("Endpoint")
            .field("id", &self.id)
            .field("urls", &self.urls)
            .field("format", &self.format)
            .field("track", &self.track)
            .field("method", &self.method)
            .field("headers", &headers)
            .field("body", &self.body)
            .field("timeout", &self.timeout)
            .field("warmup_timeout", &self.warmup_timeout)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub id: String,
    pub title: String,
    pub duration: Option<Duration>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// None: a manual item, passed only by a sign-off or a waiver.
    pub check: Option<Check>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Command(CommandCheck),
    Endpoint(EndpointCheck),
    Metric(MetricCheck),
    Logs(LogsCheck),
    Docker(DockerCheck),
    Swarm(SwarmCheck),
    /// A Kubernetes deployment's rollout, read through kubectl.
    Kubernetes(KubeCheck),
    /// A dry run of an action at T-30: its argv resolved, its executable on
    /// PATH, its target and the image it returns to present.
    Rehearse(RehearseCheck),
}

#[derive(Clone, PartialEq)]
pub struct CommandCheck {
    pub argv: Vec<String>,
    pub timeout: Duration,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    /// Empty: exit 0 passes. Otherwise these decide, over `[BODY]` (stdout)
    /// and `[EXIT]`.
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointCheck {
    pub endpoint: String,
    /// Empty: the endpoint's health state must be `up`.
    pub conditions: Vec<Condition>,
    pub all_replicas: bool,
    pub hold: Option<Duration>,
    /// Requests sent in a row for one evaluation (rate-limit and cache checks).
    pub requests: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricKind {
    LatencyP50,
    LatencyP95,
    LatencyP99,
    ErrorRate,
    RequestRate,
}

impl MetricKind {
    pub const ALL: [(&'static str, MetricKind); 5] = [
        ("latency_p50", MetricKind::LatencyP50),
        ("latency_p95", MetricKind::LatencyP95),
        ("latency_p99", MetricKind::LatencyP99),
        ("error_rate", MetricKind::ErrorRate),
        ("request_rate", MetricKind::RequestRate),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    pub fn holds(self, lhs: f64, rhs: f64) -> bool {
        match self {
            Cmp::Lt => lhs < rhs,
            Cmp::Le => lhs <= rhs,
            Cmp::Gt => lhs > rhs,
            Cmp::Ge => lhs >= rhs,
            Cmp::Eq => lhs == rhs,
            Cmp::Ne => lhs != rhs,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        }
    }
}

/// `"< 300ms"` or `"< 0.05"`: latencies are held in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    pub cmp: Cmp,
    pub value: f64,
}

/// `"< 1.2x"`: canary over baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    pub cmp: Cmp,
    pub factor: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricCheck {
    pub metric: MetricKind,
    pub track: String,
    pub condition: Option<Threshold>,
    pub vs_baseline: Option<Ratio>,
    pub hold: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogsCheck {
    pub source: String,
    pub pattern: String,
    pub max: u64,
    pub window: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerTarget {
    Container(String),
    /// A service of one Compose project: two projects may both have an
    /// `api`, and a target must never reach into the other one.
    ComposeService {
        service: String,
        project: String,
    },
    Label {
        key: String,
        value: String,
    },
}

impl DockerTarget {
    pub fn compose(service: impl Into<String>, project: impl Into<String>) -> Self {
        DockerTarget::ComposeService {
            service: service.into(),
            project: project.into(),
        }
    }
}

/// The project name Compose 1.29 derives from a directory: its base name,
/// lower-cased, with every character but `a-z`, `0-9`, `_` and `-` dropped
/// (`default` when nothing is left).
pub fn compose_project_name(dir_name: &str) -> String {
    let name: String = dir_name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    if name.is_empty() {
        "default".to_string()
    } else {
        name
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DockerCheck {
    pub target: DockerTarget,
    pub conditions: Vec<Condition>,
}

/// A Swarm service's tasks and update: `[TASKS_RUNNING]`, `[TASKS_DESIRED]`,
/// `[VERSIONS]`, `[UPDATE_STATE]`, `[IMAGE]`. Empty conditions: every
/// desired task runs, on one image, with no update in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct RehearseCheck {
    /// The `[actions]` id rehearsed.
    pub action: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SwarmCheck {
    pub service: String,
    pub conditions: Vec<Condition>,
}

/// A Kubernetes deployment reached through kubectl: `deployment`, and the
/// namespace and context when given (else kubectl's current ones).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeTarget {
    pub deployment: String,
    pub namespace: Option<String>,
    pub context: Option<String>,
}

impl KubeTarget {
    /// `prod/api` (`api` in kubectl's current namespace), `@ctx` appended
    /// when a context is named: how rows and messages name it.
    pub fn label(&self) -> String {
        let mut out = match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.deployment),
            None => self.deployment.clone(),
        };
        if let Some(ctx) = &self.context {
            out.push_str(&format!("@{ctx}"));
        }
        out
    }
}

/// A deployment's rollout: `[READY]`, `[UPDATED]`, `[AVAILABLE]`,
/// `[DESIRED]`, `[VERSIONS]`, `[ROLLOUT_STATE]`, `[IMAGE]`, `[REVISION]`.
/// Empty conditions: the rollout is complete, on one image.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeCheck {
    pub target: KubeTarget,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnBreach {
    Alert,
    Rollback,
    AutoRollback,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub id: String,
    pub metric: MetricKind,
    pub track: String,
    pub condition: Option<Threshold>,
    pub vs_baseline: Option<Ratio>,
    /// How long the breach must persist.
    pub for_: Duration,
    pub on_breach: OnBreach,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MetricsKind {
    Scrape {
        url: String,
        latency_histogram: Option<String>,
        requests_counter: Option<String>,
        status_label: Option<String>,
        /// Label name to a regular expression its value must match.
        selector: BTreeMap<String, String>,
    },
    PromQl {
        url: String,
        latency_p50: Option<String>,
        latency_p95: Option<String>,
        latency_p99: Option<String>,
        error_rate: Option<String>,
        request_rate: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSource {
    pub track: String,
    pub kind: MetricsKind,
    pub window: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BaselinePrefer {
    /// The captured file wins when both exist.
    #[default]
    File,
    Live,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BaselineConfig {
    pub file: Option<PathBuf>,
    pub prefer: BaselinePrefer,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LogKind {
    Docker(DockerTarget),
    /// A Swarm service's tasks, each line's replica `service.slot`.
    Swarm(String),
    /// A Kubernetes deployment's pods, each line's replica its pod.
    Kubernetes(KubeTarget),
    Command(Vec<String>),
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogSource {
    pub id: String,
    pub kind: LogKind,
    pub highlight: Vec<String>,
    pub grep: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DockerOp {
    /// Recreate the container(s) from another image, keeping their settings.
    Image(String),
    Restart,
}

#[derive(Clone, PartialEq)]
pub enum ActionKind {
    Command {
        argv: Vec<String>,
        cwd: Option<PathBuf>,
        env: Vec<(String, String)>,
    },
    Docker {
        target: DockerTarget,
        op: DockerOp,
    },
    /// A Swarm service, changed through the engine's API.
    Swarm {
        service: String,
        op: SwarmOp,
    },
    /// A Kubernetes deployment, changed through kubectl and waited on with
    /// `kubectl rollout status`.
    Kubernetes {
        target: KubeTarget,
        op: KubeOp,
    },
}

/// What a kubernetes action does to its deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeOp {
    /// `kubectl set image`: every container (`*`), or the one named.
    Image {
        image: String,
        container: Option<String>,
    },
    /// `kubectl rollout undo`: back to the previous revision.
    Rollback,
    /// `kubectl rollout restart`: new pods from the same template.
    Restart,
}

/// What a swarm action does to its service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwarmOp {
    /// A rolling update to this image, as the service's update config says.
    Image(String),
    /// The engine's rollback to the service's previous spec.
    Rollback,
    /// Replicas wanted.
    Scale(u64),
}

/// Environment values handed to commands often carry credentials
/// (`PGPASSWORD`, tokens): a `{:?}` shows their names only.
fn masked_env(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter()
        .map(|(name, _)| (name.as_str(), secrets::MASK))
        .collect()
}

impl std::fmt::Debug for CommandCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandCheck")
            .field("argv", &self.argv)
            .field("timeout", &self.timeout)
            .field("cwd", &self.cwd)
            .field("env", &masked_env(&self.env))
            .field("conditions", &self.conditions)
            .finish()
    }
}

impl std::fmt::Debug for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionKind::Command { argv, cwd, env } => f
                .debug_struct("Command")
                .field("argv", argv)
                .field("cwd", cwd)
                .field("env", &masked_env(env))
                .finish(),
            ActionKind::Docker { target, op } => f
                .debug_struct("Docker")
                .field("target", target)
                .field("op", op)
                .finish(),
            ActionKind::Swarm { service, op } => f
                .debug_struct("Swarm")
                .field("service", service)
                .field("op", op)
                .finish(),
            ActionKind::Kubernetes { target, op } => f
                .debug_struct("Kubernetes")
                .field("target", target)
                .field("op", op)
                .finish(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub name: String,
    pub description: Option<String>,
    pub kind: ActionKind,
    pub timeout: Duration,
    /// Item ids re-run after the action until they pass or time out.
    pub verify: Vec<String>,
    /// How long the verify items have to pass, from the action's end, before
    /// the release reads "not recovered".
    pub verify_timeout: Duration,
}

impl Profile {
    /// The canary phase: the first whose id names the canary. Gates act,
    /// and the judge reports, from this phase on.
    pub fn canary_phase(&self) -> Option<(usize, &Phase)> {
        self.phases
            .iter()
            .enumerate()
            .find(|(_, p)| p.id.contains("canary"))
    }

    pub fn endpoint(&self, id: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.id == id)
    }

    /// Every item with the phase it belongs to, in checklist order.
    pub fn items(&self) -> impl Iterator<Item = (&Phase, &Item)> {
        self.phases
            .iter()
            .flat_map(|p| p.items.iter().map(move |i| (p, i)))
    }

    pub fn item(&self, id: &str) -> Option<(&Phase, &Item)> {
        self.items().find(|(_, i)| i.id == id)
    }
}
