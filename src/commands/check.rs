//! `golive check`: the automated checklist items run once, headless, for CI.
//! The same engine as the cockpit (the pure checklist and the same adapters);
//! only the face differs: text, JSON or JUnit on stdout and an exit code.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use color_eyre::Result;
use color_eyre::eyre::eyre;
use tokio::task::JoinSet;

use crate::app::checklist::{
    Checklist, Evaluation, ItemStatus, canary_started, command_evaluation, evaluate_endpoint,
};
use crate::app::containers::evaluate_docker_check_once;
use crate::app::headless::gate_verdict;
use crate::app::judge::{JudgeReport, Verdict};
use crate::app::lifecycle::Lifecycle;
use crate::app::record::{Event, Record};
use crate::app::signoffs::{SignoffKind, Signoffs};
use crate::app::story::Story;
use crate::cli::{CheckArgs, GlobalArgs, OutputFormat};
use crate::commands::output::{self, ItemReport, PhaseJudge};
use crate::io::command::{self, CommandSpec};
use crate::io::journal::{self, Journal};
use crate::io::operator;
use crate::io::probe::Prober;
use crate::profile::{Check, EndpointCheck, Gate, Item, MetricCheck, Phase, Profile};

/// How the headless run is bounded, and where its results are recorded.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The longest any item may take, `hold` included.
    pub timeout: Duration,
    pub operator: String,
    /// Where check results are appended; None records nothing.
    pub journal: Option<Arc<Journal>>,
    /// What the journal already says (sign-offs, waivers).
    pub signoffs: Signoffs,
}

/// A headless run's results: one report per item (gates included) and, when
/// the run involved metrics, the statistical judge over what it sampled.
#[derive(Debug, Clone)]
pub struct CheckRun {
    pub items: Vec<ItemReport>,
    pub judge: Option<PhaseJudge>,
}

impl CheckRun {
    /// An item failed, or the judge's verdict is fail. A marginal or
    /// no-data judge is printed loudly but does not fail the run: the items
    /// and gates are the profile's contract, the judge its second opinion.
    pub fn failed(&self) -> bool {
        self.items.iter().any(|r| r.status == ItemStatus::Fail)
            || self
                .judge
                .as_ref()
                .is_some_and(|j| j.report.verdict == Verdict::Fail)
    }
}

pub fn run(args: CheckArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let profile = match super::load_resolved(&args.profile) {
        Ok(profile) => profile,
        Err(code) => return Ok(code),
    };
    let timeout = match humantime::parse_duration(&args.timeout) {
        Ok(t) => t,
        Err(err) => {
            eprintln!("--timeout {:?}: {err} (use e.g. 30s, 5m)", args.timeout);
            return Ok(ExitCode::from(2));
        }
    };
    if let Some(phase) = args
        .phase
        .as_ref()
        .filter(|id| !profile.phases.iter().any(|p| &&p.id == id))
    {
        let known: Vec<&str> = profile.phases.iter().map(|p| p.id.as_str()).collect();
        eprintln!(
            "no phase {phase:?} in {}; phases: {}",
            profile.path.display(),
            known.join(", ")
        );
        return Ok(ExitCode::from(2));
    }
    let operator = operator::resolve(global.operator.as_deref());
    let (journal, signoffs) = open_journal(&profile, global);
    let lifecycle = lifecycle_of(&profile, global);
    let judge_journal = journal.clone();
    let judge_operator = operator.clone();
    let runtime = tokio::runtime::Runtime::new()?;
    let profile = Arc::new(profile);
    let format = args.format;
    let color = output::use_color();
    let mut stdout = output::stdout();
    let run = runtime.block_on(run_checks_judged(
        profile.clone(),
        args.phase.as_deref(),
        CheckOptions {
            timeout,
            operator,
            journal,
            signoffs,
        },
        |report| {
            if format == OutputFormat::Text {
                let _ = writeln!(stdout, "{}", output::text_line(report, color));
            }
        },
    ))?;
    let failed = run.failed();
    let judge = run.judge.as_ref();
    match format {
        OutputFormat::Text => {
            if let Some(judge) = judge {
                let _ = writeln!(stdout, "{}", output::text_judge(&judge.report, color));
            }
            if let Some(headline) = lifecycle.headline() {
                let _ = writeln!(stdout, "lifecycle: {headline}");
            }
            let mut summary = output::text_summary(&run.items);
            if let Some(judge) = judge {
                summary.push_str(&format!(", judge {}", judge.report.verdict.as_str()));
            }
            let _ = writeln!(stdout, "{summary}");
        }
        OutputFormat::Json => {
            let _ = writeln!(
                stdout,
                "{}",
                output::json(&profile, &run.items, judge, &lifecycle)
            );
        }
        OutputFormat::Junit => {
            let _ = writeln!(stdout, "{}", output::junit(&profile, &run.items, judge)?);
        }
    }
    if let (Some(judge), Some(journal)) = (judge, &judge_journal) {
        record_judge(&profile, &judge_operator, journal, &judge.report);
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The release's lifecycle, folded from its journal (in progress when there
/// is none to read).
fn lifecycle_of(profile: &Profile, global: &GlobalArgs) -> Lifecycle {
    let service = &profile.service;
    journal::resolve_path(global.journal.as_deref(), service)
        .ok()
        .and_then(|path| journal::read(&path).ok())
        .map(|read| Story::from_records(&service.name, &service.version, &read.records).lifecycle)
        .unwrap_or_default()
}

/// The release's journal, opened for appending check results, and what it
/// already holds. A journal that cannot be used is a warning: CI may run
/// where no data directory exists, and the checks still mean something.
pub fn open_journal(profile: &Profile, global: &GlobalArgs) -> (Option<Arc<Journal>>, Signoffs) {
    let service = &profile.service;
    let path = match journal::resolve_path(global.journal.as_deref(), service) {
        Ok(path) => path,
        Err(err) => {
            eprintln!("warning: {err}; results are not journalled");
            return (None, Signoffs::for_release(&service.name, &service.version));
        }
    };
    let signoffs = match journal::read(&path) {
        Ok(read) => {
            for warning in &read.warnings {
                eprintln!("warning: {}: {warning}", path.display());
            }
            Signoffs::from_records(&service.name, &service.version, &read.records)
        }
        Err(err) => {
            eprintln!("warning: {err}");
            Signoffs::for_release(&service.name, &service.version)
        }
    };
    match Journal::open(&path) {
        Ok(j) => (Some(Arc::new(j)), signoffs),
        Err(err) => {
            eprintln!("warning: {err}; results are not journalled");
            (None, signoffs)
        }
    }
}

/// Runs the automated items of `phase` (all phases when None) in parallel and
/// returns one report per item in checklist order; `on_result` sees each one
/// as it settles (manual items first, as they need no work).
pub async fn run_checks(
    profile: Arc<Profile>,
    phase: Option<&str>,
    options: CheckOptions,
    on_result: impl FnMut(&ItemReport),
) -> Result<Vec<ItemReport>> {
    Ok(run_checks_judged(profile, phase, options, on_result)
        .await?
        .items)
}

/// [`run_checks`] with the judge. Metric items and watched gates share one
/// metrics watcher: it scrapes every `[[metrics]]` source from the start of
/// the run until the last item is decided, and the judge compares the
/// canary's samples it gathered (one per metrics window) with the baseline
/// (the live track over the same time, or the captured file). So the judge
/// sees as much as the check ran for: a check shorter than a few windows is
/// reported as no data, never as a pass.
pub async fn run_checks_judged(
    profile: Arc<Profile>,
    phase: Option<&str>,
    options: CheckOptions,
    mut on_result: impl FnMut(&ItemReport),
) -> Result<CheckRun> {
    let prober = Prober::new(&profile.settings).map_err(|e| eyre!(e))?;
    let checklist = Checklist::new(&profile);
    let selected: Vec<(&Phase, &Item)> = profile
        .items()
        .filter(|(p, _)| phase.is_none_or(|id| p.id == id))
        .collect();
    let mut reports: Vec<Option<ItemReport>> = vec![None; selected.len()];
    let mut tasks = JoinSet::new();
    // Metric items go to the one metrics watcher below, by index.
    let mut metric_items: Vec<(usize, String, MetricCheck)> = Vec::new();
    for (index, (phase, item)) in selected.iter().enumerate() {
        let base = ItemReport {
            phase: phase.id.clone(),
            id: item.id.clone(),
            title: item.title.clone(),
            status: ItemStatus::Manual,
            detail: String::new(),
            duration_ms: 0,
            by: None,
            at: None,
            note: None,
        };
        let signoff = options.signoffs.signoff(&item.id);
        // A manual item is whatever the journal says; an automated one is run
        // unless an operator waived it.
        let waived = signoff.is_some_and(|s| s.kind == SignoffKind::Waived);
        match &item.check {
            Some(Check::Metric(m)) if !waived => {
                metric_items.push((index, item.id.clone(), m.clone()));
            }
            Some(check) if !waived => {
                let check = check.clone();
                let profile = profile.clone();
                let prober = prober.clone();
                let options = options.clone();
                tasks.spawn(async move {
                    let started = Instant::now();
                    let (status, detail) = run_one(&profile, &prober, &check, &options).await;
                    let report = ItemReport {
                        status,
                        detail: profile.redactor.redact(&detail),
                        duration_ms: started.elapsed().as_millis() as u64,
                        ..base
                    };
                    (index, report)
                });
            }
            _ => {
                let report = match signoff {
                    Some(s) => ItemReport {
                        status: s.kind.status(),
                        detail: s.describe(),
                        by: Some(s.by.clone()),
                        at: Some(s.at),
                        note: s.note.clone(),
                        ..base
                    },
                    None => ItemReport {
                        status: checklist
                            .get(&item.id)
                            .map_or(ItemStatus::Manual, |s| s.status),
                        detail: "awaiting sign-off".into(),
                        ..base
                    },
                };
                on_result(&report);
                reports[index] = Some(report);
            }
        }
    }
    // From the canary phase on, gates are watched while the items run; a
    // breach ends the run at once. Metric items are decided by the same
    // watcher, whose samples the judge then reads.
    let (stop_gates, gates_stopped) = tokio::sync::oneshot::channel::<()>();
    let watch_gates = gates_watched(&profile, phase);
    let mut gate_task = (watch_gates || !metric_items.is_empty()).then(|| {
        let profile = profile.clone();
        let timeout = options.timeout;
        let items: Vec<(String, MetricCheck)> = metric_items
            .iter()
            .map(|(_, id, check)| (id.clone(), check.clone()))
            .collect();
        tokio::spawn(async move {
            let stop = async {
                let _ = gates_stopped.await;
            };
            let gates: &[Gate] = if watch_gates { &profile.gates } else { &[] };
            crate::io::metrics::check_metrics_until(&profile, &items, gates, timeout, stop).await
        })
    });
    let mut gate_outcome = None;
    loop {
        let joined = match gate_task.as_mut() {
            Some(handle) if gate_outcome.is_none() => tokio::select! {
                joined = tasks.join_next() => joined,
                outcome = handle => {
                    let outcome = outcome.map_err(|e| eyre!("the gate watcher failed: {e}"))?;
                    let breached = outcome.breached.is_some();
                    gate_outcome = Some(outcome);
                    if breached {
                        tasks.abort_all();
                        break;
                    }
                    continue;
                }
            },
            _ => tasks.join_next().await,
        };
        let Some(joined) = joined else { break };
        let (index, report) = joined.map_err(|e| eyre!("a check task failed: {e}"))?;
        record_result(&profile, &options, &report);
        on_result(&report);
        reports[index] = Some(report);
    }
    if let Some(handle) = gate_task
        && gate_outcome.is_none()
    {
        let _ = stop_gates.send(());
        gate_outcome = Some(
            handle
                .await
                .map_err(|e| eyre!("the gate watcher failed: {e}"))?,
        );
    }
    let stopped_by = gate_outcome
        .as_ref()
        .and_then(|o| o.breached.as_ref())
        .map(|g| g.id.clone());
    if let Some(outcome) = &gate_outcome {
        for ((index, _, _), result) in metric_items.iter().zip(&outcome.items) {
            let Some((phase, item)) = selected.get(*index) else {
                continue;
            };
            let detail = match &stopped_by {
                Some(gate) if !result.settled => {
                    format!("not finished: the run stopped when gate {gate} breached")
                }
                _ => profile.redactor.redact(&result.detail),
            };
            let report = ItemReport {
                phase: phase.id.clone(),
                id: item.id.clone(),
                title: item.title.clone(),
                status: result.status,
                detail,
                duration_ms: result.duration_ms,
                by: None,
                at: None,
                note: None,
            };
            record_result(&profile, &options, &report);
            on_result(&report);
            reports[*index] = Some(report);
        }
    }
    let mut out: Vec<ItemReport> = Vec::with_capacity(reports.len());
    for (slot, (phase, item)) in reports.into_iter().zip(&selected) {
        match slot {
            Some(report) => out.push(report),
            None => {
                let report = ItemReport {
                    phase: phase.id.clone(),
                    id: item.id.clone(),
                    title: item.title.clone(),
                    status: ItemStatus::Fail,
                    detail: format!(
                        "not finished: the run stopped when gate {} breached",
                        stopped_by.as_deref().unwrap_or("?")
                    ),
                    duration_ms: 0,
                    by: None,
                    at: None,
                    note: None,
                };
                on_result(&report);
                out.push(report);
            }
        }
    }
    let judge = gate_outcome.as_ref().map(|outcome| PhaseJudge {
        phase: judge_phase(&profile, phase, &selected, &metric_items),
        report: outcome.judge.clone(),
    });
    if let Some(outcome) = gate_outcome {
        for report in gate_reports(&profile, &outcome) {
            record_result(&profile, &options, &report);
            on_result(&report);
            out.push(report);
        }
        if let (Some(state), Some(journal)) = (&outcome.breached, &options.journal)
            && let Some(gate) = profile.gates.iter().find(|g| g.id == state.id)
        {
            let record = Record {
                at: Utc::now(),
                operator: options.operator.clone(),
                service: profile.service.name.clone(),
                version: profile.service.version.clone(),
                event: state.breach_event(gate),
            };
            if let Err(err) = journal.append(&record, &profile.redactor) {
                eprintln!("warning: breach of gate {} not journalled: {err}", state.id);
            }
        }
    }
    Ok(CheckRun { items: out, judge })
}

/// The phase the judge is reported under: the one checked, else the canary
/// phase, else the phase of the first metric item.
fn judge_phase(
    profile: &Profile,
    phase: Option<&str>,
    selected: &[(&Phase, &Item)],
    metric_items: &[(usize, String, MetricCheck)],
) -> String {
    if let Some(id) = phase {
        return id.to_string();
    }
    profile
        .canary_phase()
        .map(|(_, p)| p.id.clone())
        .or_else(|| {
            metric_items
                .first()
                .and_then(|(i, _, _)| selected.get(*i))
                .map(|(p, _)| p.id.clone())
        })
        .unwrap_or_else(|| "canary".to_string())
}

/// Gates are watched once the canary phase has started: the same rule as
/// the cockpit's, with the phase checked taken as the phase under way (the
/// whole run, when no phase is selected).
fn gates_watched(profile: &Profile, phase: Option<&str>) -> bool {
    !profile.gates.is_empty() && canary_started(profile, phase)
}

/// One report line per watched gate: a breach fails, and so does a gate that
/// could not be watched (no data is never a silent pass).
fn gate_reports(
    profile: &Profile,
    outcome: &crate::io::metrics::MetricsCheckOutcome,
) -> Vec<ItemReport> {
    let phase = profile
        .canary_phase()
        .map_or("canary".to_string(), |(_, p)| p.id.clone());
    outcome
        .gates
        .iter()
        .filter_map(|state| {
            let gate = profile.gates.iter().find(|g| g.id == state.id)?;
            let breached = outcome.breached.as_ref().is_some_and(|b| b.id == state.id);
            let (status, detail) = gate_verdict(state, breached, &outcome.suggestions);
            Some(ItemReport {
                phase: phase.clone(),
                id: format!("gate:{}", gate.id),
                title: format!("Gate {}: {} of {}", gate.id, gate.metric.name(), gate.track),
                status,
                detail: profile.redactor.redact(&detail),
                duration_ms: 0,
                by: None,
                at: None,
                note: None,
            })
        })
        .collect()
}

/// Appends a check result to the journal; a failure to record is reported,
/// not fatal, since the result itself is still printed.
fn record_result(profile: &Profile, options: &CheckOptions, report: &ItemReport) {
    let Some(journal) = &options.journal else {
        return;
    };
    let record = Record {
        at: Utc::now(),
        operator: options.operator.clone(),
        service: profile.service.name.clone(),
        version: profile.service.version.clone(),
        event: Event::CheckResult {
            item: report.id.clone(),
            status: report.status,
            detail: report.detail.clone(),
            duration_ms: report.duration_ms,
        },
    };
    if let Err(err) = journal.append(&record, &profile.redactor) {
        eprintln!(
            "warning: check result of {} not journalled: {err}",
            report.id
        );
    }
}

/// The judge's verdict of a headless run, once, into the release record: a
/// CI run that judged the canary leaves its verdict where `golive status`
/// and the next operator find it.
fn record_judge(profile: &Profile, operator: &str, journal: &Journal, report: &JudgeReport) {
    let record = Record {
        at: Utc::now(),
        operator: operator.to_string(),
        service: profile.service.name.clone(),
        version: profile.service.version.clone(),
        event: report.journal_event(),
    };
    if let Err(err) = journal.append(&record, &profile.redactor) {
        eprintln!("warning: the judge's verdict was not journalled: {err}");
    }
}

async fn run_one(
    profile: &Profile,
    prober: &Prober,
    check: &Check,
    options: &CheckOptions,
) -> (ItemStatus, String) {
    match check {
        Check::Command(cmd) => {
            let spec = CommandSpec {
                timeout: cmd.timeout.min(options.timeout),
                ..CommandSpec::from(cmd)
            };
            let outcome = command::run(&spec, None, None).await;
            settle(command_evaluation(&outcome, &cmd.conditions))
        }
        Check::Endpoint(ep) => run_endpoint(profile, prober, ep, options).await,
        // Decided by the shared metrics watcher; kept for a lone call.
        Check::Metric(m) => crate::io::metrics::run_metric_item(profile, m, options.timeout).await,
        Check::Logs(logs) => {
            // Lines already in the window plus a short settle to catch up.
            let verdict = crate::io::logs::run_logs_check(
                &profile.logs,
                logs,
                None,
                Duration::from_secs(2).min(options.timeout),
            )
            .await;
            let status = if verdict.passed {
                ItemStatus::Pass
            } else {
                ItemStatus::Fail
            };
            (status, verdict.explanation)
        }
        Check::Swarm(swarm) => {
            let host = crate::io::docker::host_from(None);
            let state = crate::io::docker::swarm_once(&host, &swarm.service).await;
            let (passed, detail) = crate::app::swarm::evaluate_swarm_check(swarm, &state);
            let status = if passed {
                ItemStatus::Pass
            } else {
                ItemStatus::Fail
            };
            (status, detail)
        }
        Check::Docker(docker) => {
            let host = crate::io::docker::host_from(None);
            let state = crate::io::docker::inspect_once(&host, &docker.target).await;
            let (passed, detail) = evaluate_docker_check_once(docker, &state);
            let status = if passed {
                ItemStatus::Pass
            } else {
                ItemStatus::Fail
            };
            (status, detail)
        }
    }
}

/// Probes the replicas the check needs until it settles: at once without
/// `hold`; with `hold`, until the conditions held that long or time ran out.
async fn run_endpoint(
    profile: &Profile,
    prober: &Prober,
    check: &EndpointCheck,
    options: &CheckOptions,
) -> (ItemStatus, String) {
    let Some(endpoint) = profile.endpoint(&check.endpoint) else {
        return (
            ItemStatus::Fail,
            format!("no endpoint {:?}", check.endpoint),
        );
    };
    let started = Instant::now();
    let mut checklist = ChecklistOfOne::new(check);
    loop {
        let wanted = if check.all_replicas {
            endpoint.urls.len()
        } else {
            1
        };
        let probes = endpoint
            .urls
            .iter()
            .take(wanted)
            .map(|url| prober.probe(endpoint, url, check.requests));
        let observations = futures::future::join_all(probes).await;
        let evaluation = evaluate_endpoint(check, endpoint, &observations);
        let failed = matches!(evaluation, Evaluation::Fail(_));
        let (status, detail) = checklist.apply(evaluation);
        let out_of_time = started.elapsed() + profile.settings.poll_interval > options.timeout;
        match status {
            ItemStatus::Pass => return (status, detail),
            _ if check.hold.is_none() && failed => return (status, detail),
            _ if out_of_time => {
                let why = if check.hold.is_some() {
                    format!(
                        "did not hold within {}: {detail}",
                        crate::app::checklist::short_duration(options.timeout)
                    )
                } else {
                    detail
                };
                return (ItemStatus::Fail, why);
            }
            _ => tokio::time::sleep(profile.settings.poll_interval).await,
        }
    }
}

/// The checklist's hold bookkeeping for a single item, driven by wall time.
struct ChecklistOfOne {
    checklist: Checklist,
    hold: Option<Duration>,
}

impl ChecklistOfOne {
    const ID: &'static str = "item";

    fn new(check: &EndpointCheck) -> Self {
        Self {
            checklist: Checklist::single(Self::ID),
            hold: check.hold,
        }
    }

    fn apply(&mut self, evaluation: Evaluation) -> (ItemStatus, String) {
        self.checklist
            .apply_evaluation(Self::ID, self.hold, evaluation, Utc::now());
        self.checklist
            .get(Self::ID)
            .map(|s| (s.status, s.detail.clone()))
            .unwrap_or((ItemStatus::Fail, "lost track of the item".into()))
    }
}

fn settle(evaluation: Evaluation) -> (ItemStatus, String) {
    match evaluation {
        Evaluation::Pass(d) => (ItemStatus::Pass, d),
        Evaluation::Fail(d) | Evaluation::Waiting(d) => (ItemStatus::Fail, d),
    }
}
