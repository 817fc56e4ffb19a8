//! Raw serde structs, one per profile section, exactly as the user wrote them.
//! Every struct denies unknown keys so a misspelt key is an error with a
//! position instead of a silently ignored setting. Values that later checks
//! must point at (ids, durations, references, conditions) keep their span;
//! nothing here is interpreted: `load` turns these into the validated model.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub type Str = Spanned<String>;

/// The top-level keys a profile may have, for did-you-mean on the rest.
pub const SECTIONS: [&str; 12] = [
    "service", "settings", "endpoint", "metrics", "baseline", "judge", "logs", "phase", "gate",
    "actions", "kpi", "notify",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub name: Str,
    pub version: Str,
    pub previous: Option<Str>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    pub poll_interval: Option<Str>,
    pub timeout: Option<Str>,
    /// Bytes.
    pub body_limit: Option<Spanned<i64>>,
    /// Lines.
    pub log_buffer: Option<Spanned<i64>>,
    #[serde(default)]
    pub secrets: Vec<Str>,
    /// How long chart series are kept (a duration).
    pub metrics_retention: Option<Str>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    pub id: Str,
    pub url: Option<Str>,
    pub urls: Option<Spanned<Vec<Str>>>,
    pub format: Option<Str>,
    pub track: Option<Str>,
    pub method: Option<Str>,
    #[serde(default)]
    pub headers: BTreeMap<String, Str>,
    /// A table or array is sent as JSON, a string as text.
    pub body: Option<Spanned<serde_json::Value>>,
    pub timeout: Option<Str>,
    /// How long a warm-up may report `ready = false` (without errors)
    /// before it counts as down.
    pub warmup_timeout: Option<Str>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    pub track: Str,
    pub window: Option<Str>,
    pub scrape: Option<Str>,
    pub latency_histogram: Option<Str>,
    pub requests_counter: Option<Str>,
    pub status_label: Option<Str>,
    pub selector: Option<Spanned<BTreeMap<String, Str>>>,
    pub prometheus: Option<Str>,
    pub latency_p50: Option<Str>,
    pub latency_p95: Option<Str>,
    pub latency_p99: Option<Str>,
    pub error_rate: Option<Str>,
    pub request_rate: Option<Str>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBaseline {
    pub file: Option<Str>,
    pub prefer: Option<Str>,
}

/// `[judge]`: the statistical judge's thresholds. Numbers keep their span so
/// an out-of-range value is reported where it is written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJudge {
    pub method: Option<Spanned<String>>,
    pub confidence: Option<Spanned<f64>>,
    pub pass_score: Option<Spanned<f64>>,
    pub marginal_score: Option<Spanned<f64>>,
    pub min_samples: Option<Spanned<i64>>,
    pub allowed_increase: Option<Spanned<f64>>,
}

/// `[kpi]`: the release report's targets, each a bound on a duration
/// ("< 30s"); they keep their span so a bad bound is reported where written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKpi {
    pub canary: Option<Str>,
    pub decision: Option<Str>,
    pub rollback: Option<Str>,
    pub recovery: Option<Str>,
    pub downtime: Option<Str>,
}

/// `{ container = .. }`, `{ compose_service = .., project = .. }` or
/// `{ label = "k=v" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDockerTarget {
    pub container: Option<Str>,
    pub compose_service: Option<Str>,
    pub project: Option<Str>,
    pub label: Option<Str>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogs {
    pub id: Option<Str>,
    pub docker: Option<Spanned<RawDockerTarget>>,
    pub swarm: Option<Spanned<RawSwarmService>>,
    pub kubernetes: Option<Spanned<RawKubeTarget>>,
    pub command: Option<Spanned<Vec<Str>>>,
    pub file: Option<Str>,
    #[serde(default)]
    pub highlight: Vec<Str>,
    pub grep: Option<Str>,
}

/// A phase without its items: they are read one by one so that one broken
/// item does not hide the problems of the others.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub id: Str,
    pub title: Option<Str>,
    pub duration: Option<Str>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub id: Str,
    pub title: Option<Str>,
    pub description: Option<Str>,
    pub check: Option<Spanned<RawCheck>>,
    /// Announce this item's sign-off to the `[[notify]]` receivers.
    pub notify: Option<bool>,
}

/// One `[[notify]]` receiver as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNotify {
    pub id: Str,
    pub webhook: Option<Str>,
    pub format: Option<Str>,
    #[serde(default)]
    pub headers: BTreeMap<String, Str>,
    pub command: Option<Spanned<Vec<Str>>>,
    pub events: Option<Spanned<Vec<Str>>>,
    pub timeout: Option<Str>,
    pub retries: Option<Spanned<i64>>,
}

/// Every key any kind of check may have; which kind it is (and whether the
/// keys agree with it) is decided in `load`, so a mixed check can be reported
/// by naming the kinds instead of a serde "data did not match any variant".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    // command
    pub command: Option<Spanned<Vec<Str>>>,
    pub timeout: Option<Str>,
    pub cwd: Option<Str>,
    pub env: Option<Spanned<BTreeMap<String, Str>>>,
    // endpoint
    pub endpoint: Option<Str>,
    pub conditions: Option<Spanned<Vec<Str>>>,
    pub all_replicas: Option<Spanned<bool>>,
    pub hold: Option<Str>,
    pub requests: Option<Spanned<i64>>,
    // metric
    pub metric: Option<Str>,
    pub track: Option<Str>,
    pub condition: Option<Str>,
    pub vs_baseline: Option<Str>,
    // logs
    pub logs: Option<Str>,
    pub pattern: Option<Str>,
    pub max: Option<Spanned<i64>>,
    pub window: Option<Str>,
    // docker
    pub docker: Option<Spanned<RawDockerTarget>>,
    // swarm
    pub swarm: Option<Spanned<RawSwarmService>>,
    // kubernetes
    pub kubernetes: Option<Spanned<RawKubeTarget>>,
    // rehearse
    pub rehearse: Option<Str>,
}

/// `swarm = { service = "NAME" }`: a Swarm service (a stack's is `STACK_SERVICE`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSwarmService {
    pub service: Str,
}

/// `kubernetes = { deployment = "NAME", namespace = "..", context = ".." }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKubeTarget {
    pub deployment: Str,
    pub namespace: Option<Str>,
    pub context: Option<Str>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGate {
    pub id: Str,
    pub metric: Str,
    pub track: Str,
    pub condition: Option<Str>,
    pub vs_baseline: Option<Str>,
    #[serde(rename = "for")]
    pub for_: Option<Str>,
    pub on_breach: Option<Str>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActionDocker {
    pub container: Option<Str>,
    pub compose_service: Option<Str>,
    pub project: Option<Str>,
    pub label: Option<Str>,
    pub image: Option<Str>,
    pub restart: Option<Spanned<bool>>,
}

/// `swarm = { service, image | rollback = true | scale = N }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActionSwarm {
    pub service: Str,
    pub image: Option<Str>,
    pub rollback: Option<Spanned<bool>>,
    pub scale: Option<Spanned<i64>>,
}

/// `kubernetes = { deployment, namespace, context, image [, container] |
/// rollback = true | restart = true }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActionKube {
    pub deployment: Str,
    pub namespace: Option<Str>,
    pub context: Option<Str>,
    pub image: Option<Str>,
    pub container: Option<Str>,
    pub rollback: Option<Spanned<bool>>,
    pub restart: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    pub command: Option<Spanned<Vec<Str>>>,
    pub docker: Option<Spanned<RawActionDocker>>,
    pub swarm: Option<Spanned<RawActionSwarm>>,
    pub kubernetes: Option<Spanned<RawActionKube>>,
    #[serde(default)]
    pub verify: Vec<Str>,
    pub verify_timeout: Option<Str>,
    pub timeout: Option<Str>,
    pub cwd: Option<Str>,
    pub env: Option<Spanned<BTreeMap<String, Str>>>,
    pub description: Option<Str>,
}
