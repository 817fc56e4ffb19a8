//! The release report's model: one pure fold of the journal's records into
//! what a change review reads the next morning (header, timeline, phases,
//! KPIs and the chart series). It decides nothing itself: the lifecycle,
//! the story (breaches, verdict changes, actions and recovery), the item
//! statuses and the evidence all come from the engine's own folds; this only
//! orders them and measures the time between them. `commands::report`
//! renders it as Markdown, HTML or JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::checklist::ItemStatus;
use super::evidence::Evidence;
use super::health::HealthState;
use super::lifecycle::{self, Lifecycle, ROLLBACK, Stage};
use super::record::{Event, Record};
use super::signoffs::Signoffs;
use super::story::{ActionRun, Story};
use crate::profile::{MetricKind, Profile};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub service: String,
    pub version: String,
    pub previous: Option<String>,
    pub participants: Vec<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub lifecycle: Lifecycle,
    pub timeline: Vec<Row>,
    pub phases: Vec<PhaseRow>,
    pub kpis: Vec<Kpi>,
    /// Per track, the journal's metric samples (oldest first).
    pub series: BTreeMap<String, Vec<SamplePoint>>,
    /// The first p95 latency gate's bound (seconds) and error-rate gate's (fraction).
    pub latency_threshold: Option<f64>,
    pub error_threshold: Option<f64>,
    /// The moments the charts mark on their time axis.
    pub marks: Vec<Mark>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub at: DateTime<Utc>,
    pub operator: String,
    /// sign-off, waiver, check, breach, verdict, action, action end,
    /// recovery, lifecycle or health.
    pub kind: &'static str,
    /// The item, gate, action or endpoint the row is about.
    pub subject: String,
    pub text: String,
    /// What the operator saw, for sign-offs, waivers and confirmed actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseRow {
    pub id: String,
    pub title: String,
    pub start: Option<DateTime<Utc>>,
    /// When its last item was done; None while one is not.
    pub end: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    pub items: Vec<ItemRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    pub id: String,
    pub title: String,
    pub status: ItemStatus,
    pub superseded: bool,
    pub by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    /// The `[kpi]` key that sets its target (or the count's name).
    pub key: &'static str,
    pub label: &'static str,
    /// Milliseconds for a time, a count for sign-offs and waivers; None
    /// when the release never reached what it measures.
    pub value: Option<u64>,
    pub shown: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplePoint {
    pub at: DateTime<Utc>,
    pub latency_p95: Option<f64>,
    pub error_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mark {
    pub at: DateTime<Utc>,
    pub label: &'static str,
}

/// The phase whose time is "time in canary": the profile's one rule.
fn canary_phase(profile: &Profile) -> Option<&str> {
    profile.canary_phase().map(|(_, p)| p.id.as_str())
}

fn ms(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    u64::try_from((to - from).num_milliseconds()).unwrap_or(0)
}

/// "42s", "3m 05s", "1h 02m".
pub fn span(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..60 if ms < 10_000 && !ms.is_multiple_of(1000) => format!("{:.1}s", ms as f64 / 1000.0),
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

impl Report {
    pub fn from_records(profile: &Profile, records: &[Record]) -> Self {
        let (service, version) = (&profile.service.name, &profile.service.version);
        let mine: Vec<&Record> = records
            .iter()
            .filter(|r| &r.service == service && &r.version == version)
            .collect();
        let owned: Vec<Record> = mine.iter().map(|r| (*r).clone()).collect();
        let story = Story::from_records(service, version, &owned);
        let fold = Signoffs::from_records(service, version, &owned);
        let start = mine.first().map(|r| r.at);
        let end = mine.last().map(|r| r.at);

        let mut timeline = Vec::new();
        let mut lifecycle = Lifecycle::default();
        let mut last_check: BTreeMap<&str, ItemStatus> = BTreeMap::new();
        let mut participants = BTreeSet::new();
        let mut series: BTreeMap<String, Vec<SamplePoint>> = BTreeMap::new();
        let mut evidence = Vec::new();
        let mut down_since: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
        let mut downtime = Vec::new();
        let row = |r: &Record, kind, subject: &str, text: String| Row {
            at: r.at,
            operator: r.operator.clone(),
            kind,
            subject: subject.to_string(),
            text,
            evidence: None,
        };
        for r in &mine {
            if lifecycle.apply(r) {
                let stage = lifecycle.stage.as_str();
                timeline.push(row(r, "lifecycle", stage, lifecycle.detail.clone()));
            }
            match &r.event {
                Event::SignOff { item, note } => {
                    participants.insert(r.operator.clone());
                    let text = note
                        .clone()
                        .map_or("signed".into(), |n| format!("signed: {n}"));
                    timeline.push(row(r, "sign-off", item, text));
                }
                Event::Waiver { item, reason } => {
                    participants.insert(r.operator.clone());
                    timeline.push(row(r, "waiver", item, format!("waived: {reason}")));
                }
                Event::CheckResult {
                    item,
                    status,
                    detail,
                    ..
                } if last_check.insert(item, *status) != Some(*status) => {
                    let text = format!("{}: {detail}", status.as_str());
                    timeline.push(row(r, "check", item, text));
                }
                Event::CheckResult { .. } => {}
                Event::Health {
                    endpoint,
                    state,
                    detail,
                    ..
                } => {
                    let text = if detail.is_empty() {
                        state.as_str().to_string()
                    } else {
                        format!("{}: {detail}", state.as_str())
                    };
                    timeline.push(row(r, "health", endpoint, text));
                    if *state == HealthState::Down {
                        down_since.entry(endpoint).or_insert(r.at);
                    } else if let Some(since) = down_since.remove(endpoint.as_str()) {
                        downtime.push((since, r.at));
                    }
                }
                Event::Sample {
                    track,
                    latency_p95,
                    error_rate,
                } => {
                    series.entry(track.clone()).or_default().push(SamplePoint {
                        at: r.at,
                        latency_p95: *latency_p95,
                        error_rate: *error_rate,
                    });
                }
                Event::Evidence { about, seen } => evidence.push((r.at, about, seen)),
                Event::ActionStarted { dry_run: false, .. } => {
                    participants.insert(r.operator.clone());
                }
                _ => {}
            }
        }
        for b in &story.breaches {
            timeline.push(Row {
                at: b.at,
                operator: String::new(),
                kind: "breach",
                subject: b.gate.clone(),
                text: format!("{} (on breach: {})", b.observed, b.on_breach),
                evidence: None,
            });
        }
        let verdict_rows = mine.iter().filter_map(|r| match &r.event {
            Event::JudgeVerdict { metrics, .. } => Some((r, metrics)),
            _ => None,
        });
        for v in &story.verdicts {
            let details = verdict_rows
                .clone()
                .find(|(r, _)| r.at == v.at)
                .map(|(_, m)| m.join("; "))
                .unwrap_or_default();
            let text = match details.is_empty() {
                true => v.summary.clone(),
                false => format!("{} — {details}", v.summary),
            };
            timeline.push(Row {
                at: v.at,
                operator: String::new(),
                kind: "verdict",
                subject: "judge".into(),
                text,
                evidence: None,
            });
        }
        for run in &story.actions {
            action_rows(run, &mut timeline);
        }
        // Stable: rows of one instant keep the journal's order.
        timeline.sort_by_key(|r| r.at);
        // Each evidence record backs the sign-off, waiver or action it was
        // written beside: the nearest such row about the same thing.
        for (at, about, seen) in evidence {
            let backed = timeline
                .iter_mut()
                .filter(|row| {
                    row.subject == *about
                        && matches!(row.kind, "sign-off" | "waiver" | "action")
                        && row.evidence.is_none()
                })
                .min_by_key(|row| (row.at - at).num_milliseconds().abs());
            if let Some(row) = backed {
                row.evidence = Some(seen.clone());
            }
        }
        // Still down at the journal's end: down until then.
        for since in down_since.into_values() {
            downtime.push((since, end.unwrap_or(since)));
        }

        let phases = phase_rows(profile, &fold, &story.lifecycle, &mine);
        let decision = story
            .actions
            .iter()
            .find(|a| !a.dry_run && (a.action == ROLLBACK || a.action == lifecycle::PROMOTE));
        let first_breach = story.breaches.first().map(|b| b.at);
        let rollback = story
            .actions
            .iter()
            .find(|a| !a.dry_run && a.action == ROLLBACK);
        let canary_start = canary_phase(profile)
            .and_then(|id| phases.iter().find(|p| p.id == id))
            .and_then(|p| p.start);
        let recovered_at = rollback
            .and_then(|a| a.recovery.as_ref())
            .filter(|r| r.recovered)
            .map(|r| r.at);

        let mut marks = Vec::new();
        marks.extend(first_breach.map(|at| Mark {
            at,
            label: "breach",
        }));
        marks.extend(decision.map(|a| Mark {
            at: a.started_at,
            label: "decision",
        }));
        marks.extend(rollback.and_then(|a| {
            a.end.as_ref().map(|e| Mark {
                at: a.started_at + chrono::Duration::milliseconds(e.duration_ms as i64),
                label: "rolled back",
            })
        }));
        marks.extend(recovered_at.map(|at| Mark {
            at,
            label: "recovered",
        }));

        let signoffs = mine
            .iter()
            .filter(|r| matches!(r.event, Event::SignOff { .. }))
            .count();
        let waivers = mine
            .iter()
            .filter(|r| matches!(r.event, Event::Waiver { .. }))
            .count();
        let downtime_ms = merged_ms(&mut downtime);
        let targets = &profile.settings.kpi.0;
        let time = |key: &'static str, label, value: Option<u64>| {
            let target = targets.get(key);
            Kpi {
                key,
                label,
                value,
                shown: value.map_or("—".into(), span),
                target: target.map(|t| t.describe()),
                met: target
                    .zip(value)
                    .map(|(t, v)| t.met(Duration::from_millis(v))),
            }
        };
        let kpis = vec![
            time(
                "canary",
                "time in canary",
                canary_start.map(|s| ms(s, decision.map_or(end.unwrap_or(s), |d| d.started_at))),
            ),
            time(
                "decision",
                "first breach → decision",
                first_breach.zip(decision).map(|(b, d)| ms(b, d.started_at)),
            ),
            time(
                "rollback",
                "decision → rollback done",
                rollback.and_then(|a| a.end.as_ref().map(|e| e.duration_ms)),
            ),
            time(
                "recovery",
                "time to recovery",
                story.lifecycle.time_to_recovery_ms,
            ),
            time("downtime", "downtime seen by probes", Some(downtime_ms)),
            count("signoffs", "sign-offs", signoffs),
            count("waivers", "waivers", waivers),
        ];

        let gate_bound = |kind: MetricKind| {
            profile
                .gates
                .iter()
                .filter(|g| g.metric == kind)
                .find_map(|g| g.condition.map(|t| t.value))
        };
        Report {
            service: service.clone(),
            version: version.clone(),
            previous: profile.service.previous.clone(),
            participants: participants.into_iter().collect(),
            start,
            end,
            lifecycle: story.lifecycle.clone(),
            timeline,
            phases,
            kpis,
            series,
            latency_threshold: gate_bound(MetricKind::LatencyP95),
            error_threshold: gate_bound(MetricKind::ErrorRate),
            marks,
        }
    }

    /// The final stage in words: "rolled back · recovered".
    pub fn outcome(&self) -> String {
        match self.lifecycle.stage {
            Stage::Recovered => "rolled back · recovered".into(),
            Stage::NotRecovered => "rolled back · not recovered".into(),
            other => other.as_str().into(),
        }
    }
}

fn count(key: &'static str, label: &'static str, n: usize) -> Kpi {
    Kpi {
        key,
        label,
        value: Some(n as u64),
        shown: n.to_string(),
        target: None,
        met: None,
    }
}

/// The length of the union of `spans` (two endpoints down at once count once).
fn merged_ms(spans: &mut [(DateTime<Utc>, DateTime<Utc>)]) -> u64 {
    spans.sort();
    let mut total = 0;
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for &(a, b) in spans.iter() {
        current = match current {
            Some((s, e)) if a <= e => Some((s, e.max(b))),
            Some((s, e)) => {
                total += ms(s, e);
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    total + current.map_or(0, |(s, e)| ms(s, e))
}

fn action_rows(run: &ActionRun, timeline: &mut Vec<Row>) {
    let dry = if run.dry_run { " (dry run)" } else { "" };
    let asked = run
        .trigger
        .as_ref()
        .map_or(String::new(), |t| format!(", asked by {t}"));
    timeline.push(Row {
        at: run.started_at,
        operator: run.by.clone(),
        kind: "action",
        subject: run.action.clone(),
        text: format!("started{dry}{asked}: {}", run.what),
        evidence: None,
    });
    if let Some(end) = &run.end {
        let how = end.how();
        let tail = match end.output_tail.is_empty() {
            true => String::new(),
            false => format!("; output: {}", end.output_tail.join(" ⏎ ")),
        };
        timeline.push(Row {
            at: run.started_at + chrono::Duration::milliseconds(end.duration_ms as i64),
            operator: run.by.clone(),
            kind: "action end",
            subject: run.action.clone(),
            text: format!("{how} after {}{tail}", span(end.duration_ms)),
            evidence: None,
        });
    }
    if let Some(rec) = &run.recovery {
        let text = match (rec.recovered, rec.time_to_recovery_ms) {
            (true, Some(t)) => format!("recovered in {}: {}", span(t), rec.items.join(", ")),
            (true, None) => format!("recovered: {}", rec.items.join(", ")),
            (false, _) => format!("not recovered: {}", rec.items.join(", ")),
        };
        timeline.push(Row {
            at: rec.at,
            operator: run.by.clone(),
            kind: "recovery",
            subject: run.action.clone(),
            text,
            evidence: None,
        });
    }
}

fn phase_rows(
    profile: &Profile,
    fold: &Signoffs,
    lifecycle: &Lifecycle,
    records: &[&Record],
) -> Vec<PhaseRow> {
    profile
        .phases
        .iter()
        .map(|phase| {
            let ids: BTreeSet<&str> = phase.items.iter().map(|i| i.id.as_str()).collect();
            let times: Vec<DateTime<Utc>> = records
                .iter()
                .filter(|r| r.event.item().is_some_and(|i| ids.contains(i)))
                .map(|r| r.at)
                .collect();
            let items: Vec<ItemRow> = phase
                .items
                .iter()
                .map(|item| {
                    let status = fold.status(&item.id, item.check.is_none());
                    let by = fold
                        .signoff(&item.id)
                        .map(|s| s.by.clone())
                        .or_else(|| fold.last_check(&item.id).map(|c| c.by.clone()));
                    ItemRow {
                        id: item.id.clone(),
                        title: profile.redactor.redact(&item.title),
                        status,
                        superseded: lifecycle::superseded(profile, lifecycle, &item.id, status),
                        by,
                    }
                })
                .collect();
            let start = times.first().copied();
            let done = items.iter().all(|i| i.status.is_done() || i.superseded);
            let end = times.last().copied().filter(|_| done && !items.is_empty());
            PhaseRow {
                id: phase.id.clone(),
                title: profile.redactor.redact(&phase.title),
                start,
                end,
                duration_ms: start.zip(end).map(|(s, e)| ms(s, e)),
                items,
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::cockpit::fixture::sample_profile;
    use crate::profile::KpiTarget;

    fn rec(s: i64, who: &str, event: Event) -> Record {
        Record {
            at: DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap(),
            operator: who.into(),
            service: sample_profile().service.name,
            version: sample_profile().service.version,
            event,
        }
    }

    fn health(s: i64, endpoint: &str, state: HealthState) -> Record {
        let event = Event::Health {
            endpoint: endpoint.into(),
            track: None,
            state,
            detail: String::new(),
        };
        rec(s, "alice", event)
    }

    #[test]
    fn kpis_are_the_time_between_the_records_and_meet_their_targets() {
        let mut profile = sample_profile();
        for (key, text) in [
            ("rollback", "< 5m"),
            ("recovery", "< 2m"),
            ("downtime", "< 30s"),
        ] {
            let target = KpiTarget::parse(text).unwrap();
            profile.settings.kpi.0.insert(key.into(), target);
        }
        let records = vec![
            rec(
                0,
                "alice",
                Event::SignOff {
                    item: "ci-green".into(),
                    note: None,
                },
            ),
            rec(
                10,
                "bob",
                Event::CheckResult {
                    item: "ready".into(),
                    status: ItemStatus::Pass,
                    detail: "ready".into(),
                    duration_ms: 0,
                },
            ),
            health(20, "health", HealthState::Up),
            health(30, "health", HealthState::Down),
            health(40, "warmup", HealthState::Down),
            health(50, "health", HealthState::Up),
            health(70, "warmup", HealthState::Up),
            rec(
                100,
                "golive",
                Event::GateBreach {
                    gate: "errors".into(),
                    observed: "8% vs > 5%".into(),
                    on_breach: "rollback".into(),
                },
            ),
            rec(
                130,
                "bob",
                Event::ActionStarted {
                    action: "rollback".into(),
                    what: "kubectl rollout undo".into(),
                    dry_run: false,
                    trigger: None,
                    reason: None,
                },
            ),
            rec(
                130,
                "bob",
                Event::Evidence {
                    about: "rollback".into(),
                    seen: Evidence::default(),
                },
            ),
            rec(
                190,
                "bob",
                Event::ActionFinished {
                    action: "rollback".into(),
                    exit_code: Some(0),
                    duration_ms: 60_000,
                    output: "done\n".into(),
                    cancelled: false,
                    timed_out: false,
                },
            ),
            rec(
                340,
                "bob",
                Event::Verified {
                    action: "rollback".into(),
                    items: vec!["ready".into()],
                    recovered: true,
                    time_to_recovery_ms: Some(150_000),
                },
            ),
        ];
        let report = Report::from_records(&profile, &records);
        let kpi = |key: &str| report.kpis.iter().find(|k| k.key == key).unwrap();
        assert_eq!(
            kpi("canary").value,
            Some(120_000),
            "from `ready` to the decision"
        );
        assert_eq!(kpi("decision").value, Some(30_000));
        assert_eq!(kpi("rollback").value, Some(60_000));
        assert_eq!(kpi("rollback").met, Some(true));
        assert_eq!(kpi("recovery").value, Some(150_000));
        assert_eq!(kpi("recovery").met, Some(false), "150s is not under 2m");
        // 30..70 s: one endpoint or the other was down (overlaps count once).
        assert_eq!(kpi("downtime").value, Some(40_000));
        assert_eq!(kpi("downtime").met, Some(false));
        assert_eq!(kpi("signoffs").value, Some(1));
        assert_eq!(report.participants, vec!["alice", "bob"]);
        assert_eq!(report.lifecycle.stage, Stage::Recovered);
        let action = report.timeline.iter().find(|r| r.kind == "action").unwrap();
        assert!(action.evidence.is_some(), "the confirm's evidence backs it");
        let kinds: Vec<&str> = report.timeline.iter().map(|r| r.kind).collect();
        for kind in [
            "sign-off",
            "check",
            "health",
            "breach",
            "action",
            "action end",
            "recovery",
            "lifecycle",
        ] {
            assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
        }
        let labels: Vec<&str> = report.marks.iter().map(|m| m.label).collect();
        assert_eq!(labels, ["breach", "decision", "rolled back", "recovered"]);
    }
}
