//! The `[[phase]]` section: phases, their items and each item's check. A
//! check names exactly one kind (command, endpoint, metric, logs, docker,
//! swarm, kubernetes or rehearse),
//! and the keys of one kind are refused on another, so a misplaced key is
//! reported rather than silently ignored.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;
use toml::de::DeValue;

use super::docker::TargetKeys;
use super::{Known, Loader, Value, did_you_mean};
use crate::profile::error::quoted_list;
use crate::profile::raw;
use crate::profile::{
    Check, CommandCheck, DockerCheck, EndpointCheck, Item, KubeCheck, LogsCheck, MetricCheck,
    Phase, RehearseCheck, Settings, SwarmCheck,
};

const DEFAULT_LOGS_WINDOW: Duration = Duration::from_secs(300);
const MAX_REQUESTS: i64 = 10_000;

impl Loader<'_> {
    pub(super) fn phases(
        &mut self,
        value: Option<Value<'_>>,
        settings: &Settings,
        known: &mut Known,
    ) -> Vec<Phase> {
        let Some(value) = value else {
            return Vec::new();
        };
        let span = value.span();
        let elements: Vec<Value<'_>> = match value.into_inner() {
            DeValue::Array(a) => a.iter().cloned().collect(),
            DeValue::Table(t) => {
                self.hint(
                    span.clone(),
                    "`phase` is a list of tables",
                    "write [[phase]] (double brackets), once per phase",
                );
                vec![Spanned::new(span, DeValue::Table(t))]
            }
            other => {
                self.hint(
                    span,
                    format!(
                        "`phase` must be a list of tables, not a {}",
                        other.type_str()
                    ),
                    "write [[phase]] (double brackets), once per phase",
                );
                Vec::new()
            }
        };
        let mut raws = Vec::new();
        for element in elements {
            let span = element.span();
            let DeValue::Table(mut table) = element.into_inner() else {
                self.err(span, "each [[phase]] must be a table", None);
                continue;
            };
            let items = table.remove("item");
            let Some(header) =
                self.de::<Spanned<raw::RawPhase>>(Spanned::new(span, DeValue::Table(table)))
            else {
                continue;
            };
            let items: Vec<Spanned<raw::RawItem>> = self.de_array("phase.item", items);
            raws.push((header, items));
        }
        self.unique("phase", raws.iter().map(|(h, _)| &h.get_ref().id));
        self.unique(
            "item",
            raws.iter()
                .flat_map(|(_, items)| items.iter().map(|i| &i.get_ref().id)),
        );
        for (_, items) in &raws {
            known
                .items
                .extend(items.iter().map(|i| i.get_ref().id.get_ref().clone()));
        }
        let mut out = Vec::new();
        for (header, items) in raws {
            let h = header.get_ref();
            let id = self.id(&h.id, "phase");
            let title = match &h.title {
                Some(t) => self.expand(t),
                None => id.clone(),
            };
            let duration = h.duration.as_ref().and_then(|d| self.duration(d));
            let mut phase_items = Vec::new();
            for item in items {
                let i = item.get_ref();
                let item_id = self.id(&i.id, "item");
                let title = match &i.title {
                    Some(t) => self.expand(t),
                    None => item_id.clone(),
                };
                let description = self.expand_opt(&i.description);
                if i.notify == Some(true) {
                    known.notify_items.push(item_id.clone());
                }
                let check = i
                    .check
                    .as_ref()
                    .and_then(|c| self.check(c, settings, known));
                phase_items.push(Item {
                    id: item_id,
                    title,
                    description,
                    check,
                });
            }
            out.push(Phase {
                id,
                title,
                duration,
                items: phase_items,
            });
        }
        out
    }

    pub(super) fn check(
        &mut self,
        c: &Spanned<raw::RawCheck>,
        settings: &Settings,
        known: &Known,
    ) -> Option<Check> {
        let span = c.span();
        let r = c.get_ref();
        let present = present_check_keys(r);
        let kinds: Vec<&str> = CHECK_KINDS
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| present.iter().any(|(p, _)| p == k))
            .collect();
        let kind = match kinds.as_slice() {
            [one] => *one,
            [] if present.is_empty()
                && self.text.get(span.clone()).is_some_and(|t| t.contains('=')) =>
            {
                // Its keys were all dropped as unknown or mistyped: already said.
                return None;
            }
            [] => {
                let hint = if present.is_empty() {
                    "remove `check` to make this a manual item, or give one of `command`, `endpoint`, `metric`, `logs`, `docker`, `swarm`, `kubernetes`, `rehearse`".to_string()
                } else {
                    "a check is one of: command = [...], endpoint = \"id\", metric = \"...\", logs = \"source\", docker = {...}, swarm = { service = \"...\" }, kubernetes = { deployment = \"...\" }, rehearse = \"action\"".to_string()
                };
                self.hint(span, "check does not say what to check", hint);
                return None;
            }
            many => {
                self.hint(
                    span,
                    format!("check mixes kinds: {}", quoted_list(many)),
                    "one check per item: split it into separate items",
                );
                return None;
            }
        };
        let allowed = CHECK_KINDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, keys)| *keys)
            .unwrap_or(&[]);
        let mut foreign = false;
        for (key, key_span) in &present {
            if !allowed.contains(key) {
                foreign = true;
                let a = if kind == "endpoint" { "an" } else { "a" };
                self.hint(
                    key_span.clone(),
                    format!("`{key}` does not apply to {a} {kind} check"),
                    format!("{a} {kind} check takes {}", quoted_list(allowed)),
                );
            }
        }
        if foreign {
            return None;
        }
        match kind {
            "command" => {
                let argv = r.command.as_ref()?;
                Some(Check::Command(CommandCheck {
                    argv: self.expand_argv(argv),
                    timeout: self.duration_or(&r.timeout, settings.timeout),
                    cwd: self.expand_opt(&r.cwd).map(PathBuf::from),
                    env: self.expand_env(&r.env),
                    conditions: self.conditions(&r.conditions),
                }))
            }
            "endpoint" => {
                let endpoint = r.endpoint.as_ref()?;
                if !known.endpoints.contains(endpoint.get_ref()) {
                    let hint = did_you_mean(endpoint.get_ref(), &known.endpoints, "endpoints");
                    self.err(
                        endpoint.span(),
                        format!(
                            "check refers to endpoint `{}`, which is not defined",
                            endpoint.get_ref()
                        ),
                        Some(hint),
                    );
                }
                let requests = match &r.requests {
                    None => 1,
                    Some(n) if (1..=MAX_REQUESTS).contains(n.get_ref()) => {
                        u32::try_from(*n.get_ref()).unwrap_or(1)
                    }
                    Some(n) => {
                        self.err(
                            n.span(),
                            format!("`requests` must be between 1 and {MAX_REQUESTS}"),
                            None,
                        );
                        1
                    }
                };
                Some(Check::Endpoint(EndpointCheck {
                    endpoint: endpoint.get_ref().clone(),
                    conditions: self.conditions(&r.conditions),
                    all_replicas: r.all_replicas.as_ref().is_some_and(|b| *b.get_ref()),
                    hold: r.hold.as_ref().and_then(|h| self.duration(h)),
                    requests,
                }))
            }
            "metric" => {
                let metric = r.metric.as_ref()?;
                let kind = self.metric_ref(
                    span,
                    metric,
                    r.track.as_ref(),
                    &r.condition,
                    &r.vs_baseline,
                    known,
                )?;
                Some(Check::Metric(MetricCheck {
                    metric: kind.0,
                    track: kind.1,
                    condition: kind.2,
                    vs_baseline: kind.3,
                    hold: r.hold.as_ref().and_then(|h| self.duration(h)),
                }))
            }
            "logs" => {
                let source = r.logs.as_ref()?;
                if !known.logs.contains(source.get_ref()) {
                    let hint = did_you_mean(source.get_ref(), &known.logs, "log sources");
                    self.err(
                        source.span(),
                        format!(
                            "check refers to log source `{}`, which is not defined",
                            source.get_ref()
                        ),
                        Some(hint),
                    );
                }
                let Some(pattern) = &r.pattern else {
                    self.hint(
                        span,
                        "a logs check needs a `pattern`",
                        "e.g. pattern = \"(?i)error|panic\" (a regular expression)",
                    );
                    return None;
                };
                self.regex(pattern, "pattern");
                let max = match &r.max {
                    None => 0,
                    Some(n) if *n.get_ref() >= 0 => n.get_ref().unsigned_abs(),
                    Some(n) => {
                        self.err(n.span(), "`max` cannot be negative", None);
                        0
                    }
                };
                Some(Check::Logs(LogsCheck {
                    source: source.get_ref().clone(),
                    pattern: pattern.get_ref().clone(),
                    max,
                    window: self.duration_or(&r.window, DEFAULT_LOGS_WINDOW),
                }))
            }
            "docker" => {
                let d = r.docker.as_ref()?;
                let t = d.get_ref();
                let target = self.docker_target(d.span(), TargetKeys::of(t))?;
                Some(Check::Docker(DockerCheck {
                    target,
                    conditions: self.conditions(&r.conditions),
                }))
            }
            "swarm" => {
                let s = r.swarm.as_ref()?;
                let service = self.expand(&s.get_ref().service);
                if service.trim().is_empty() {
                    self.err(s.span(), "`swarm.service` cannot be empty", None);
                    return None;
                }
                Some(Check::Swarm(SwarmCheck {
                    service,
                    conditions: self.conditions(&r.conditions),
                }))
            }
            "kubernetes" => {
                let target = self.kube_target_of(r.kubernetes.as_ref()?)?;
                Some(Check::Kubernetes(KubeCheck {
                    target,
                    conditions: self.conditions(&r.conditions),
                }))
            }
            "rehearse" => {
                let action = r.rehearse.as_ref()?;
                self.rehearsals
                    .push((action.get_ref().clone(), action.span()));
                Some(Check::Rehearse(RehearseCheck {
                    action: action.get_ref().clone(),
                }))
            }
            _ => None,
        }
    }
}

/// The kinds of check and the keys each one takes.
const CHECK_KINDS: [(&str, &[&str]); 8] = [
    (
        "command",
        &["command", "timeout", "cwd", "env", "conditions"],
    ),
    (
        "endpoint",
        &["endpoint", "conditions", "all_replicas", "hold", "requests"],
    ),
    (
        "metric",
        &["metric", "track", "condition", "vs_baseline", "hold"],
    ),
    ("logs", &["logs", "pattern", "max", "window"]),
    ("docker", &["docker", "conditions"]),
    ("swarm", &["swarm", "conditions"]),
    ("kubernetes", &["kubernetes", "conditions"]),
    ("rehearse", &["rehearse"]),
];

fn present_check_keys(r: &raw::RawCheck) -> Vec<(&'static str, Range<usize>)> {
    fn s<T>(v: &Option<Spanned<T>>) -> Option<Range<usize>> {
        v.as_ref().map(|v| v.span())
    }
    let all = [
        ("command", s(&r.command)),
        ("timeout", s(&r.timeout)),
        ("cwd", s(&r.cwd)),
        ("env", s(&r.env)),
        ("endpoint", s(&r.endpoint)),
        ("conditions", s(&r.conditions)),
        ("all_replicas", s(&r.all_replicas)),
        ("hold", s(&r.hold)),
        ("requests", s(&r.requests)),
        ("metric", s(&r.metric)),
        ("track", s(&r.track)),
        ("condition", s(&r.condition)),
        ("vs_baseline", s(&r.vs_baseline)),
        ("logs", s(&r.logs)),
        ("pattern", s(&r.pattern)),
        ("max", s(&r.max)),
        ("window", s(&r.window)),
        ("docker", s(&r.docker)),
        ("swarm", s(&r.swarm)),
        ("kubernetes", s(&r.kubernetes)),
        ("rehearse", s(&r.rehearse)),
    ];
    all.into_iter()
        .filter_map(|(k, span)| span.map(|s| (k, s)))
        .collect()
}
