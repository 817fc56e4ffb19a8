//! `golive check`: the automated checklist items run once, headless, for CI.
//! The same engine as the cockpit (the pure checklist and the same adapters);
//! only the face differs: text, JSON or JUnit on stdout and an exit code.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use color_eyre::Result;

use crate::cli::{CheckArgs, GlobalArgs, OutputFormat};
use crate::commands::output::{self, ItemReport, PhaseJudge};
use crate::driver::{self, Headless};
use crate::engine::checklist::{ItemStatus, canary_started, short_duration};
use crate::engine::headless::{
    HeadlessScope, LOGS_SETTLE, breach_advice, decided, gate_verdict, logs_settled,
    unsettled_metric_detail,
};
use crate::engine::judge::Verdict;
use crate::engine::lifecycle::Lifecycle;
use crate::engine::metrics::GateState;
use crate::engine::record::{Event, Record};
use crate::engine::signoffs::SignoffKind;
use crate::engine::state::App;
use crate::io::journal::{self, Journal};
use crate::io::operator;
use crate::profile::{Check, Item, Profile};

/// How the headless run is bounded, and where its results are recorded.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The longest the run may take, `hold` included.
    pub timeout: Duration,
    pub operator: String,
    /// The release's journal: its sign-offs and waivers are read, check
    /// results appended. None reads and records nothing.
    pub journal: Option<PathBuf>,
}

/// A headless run's results: one report per item (gates included) and, when
/// the run involved metrics, the statistical judge over what it sampled.
#[derive(Debug, Clone)]
pub struct CheckRun {
    pub items: Vec<ItemReport>,
    pub judge: Option<PhaseJudge>,
    /// The release's lifecycle as the engine folded it from the journal.
    pub lifecycle: Lifecycle,
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
    let journal = journal_path(&profile, global);
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
            if let Some(headline) = run.lifecycle.headline() {
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
                output::json(&profile, &run.items, judge, &run.lifecycle)
            );
        }
        OutputFormat::Junit => {
            let _ = writeln!(stdout, "{}", output::junit(&profile, &run.items, judge)?);
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The release's journal for this run. One that cannot be used is a
/// warning: CI may run where no data directory exists, and the checks still
/// mean something.
pub fn journal_path(profile: &Profile, global: &GlobalArgs) -> Option<PathBuf> {
    let path = match journal::resolve_path(global.journal.as_deref(), &profile.service) {
        Ok(path) => path,
        Err(err) => {
            eprintln!("warning: {err}; results are not journalled");
            return None;
        }
    };
    if let Err(err) = journal::read(&path) {
        eprintln!("warning: {err}; results are not journalled");
        return None;
    }
    match Journal::open(&path) {
        Ok(_) => Some(path),
        Err(err) => {
            eprintln!("warning: {err}; results are not journalled");
            None
        }
    }
}

/// Runs the automated items of `phase` (all phases when None) and returns
/// one report per item in checklist order; `on_result` sees each one as it
/// settles (manual items first, as they need no work).
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

/// [`run_checks`] with the judge: the engine (the cockpit's `App` and
/// `update`) under the one driver, with a headless stop policy. It stops
/// when every automated item of the phase is decided, the timeout is
/// reached, or a watched gate breaches; the judge then compares what the
/// metrics sources gave over the run. So the judge sees as much as the check
/// ran for: a check shorter than a few windows is reported as no data.
pub async fn run_checks_judged(
    profile: Arc<Profile>,
    phase: Option<&str>,
    options: CheckOptions,
    mut on_result: impl FnMut(&ItemReport),
) -> Result<CheckRun> {
    let mut app = App::new(
        scoped(&profile, phase),
        options.operator.clone(),
        Utc::now(),
    );
    app.headless = Some(HeadlessScope {
        phase: phase.map(str::to_string),
        may_act: false,
    });
    let mut stop = StopPolicy::new(&profile, phase, options.timeout);
    let run = Headless {
        journal: options.journal.clone(),
        docker_host: None,
        first: Vec::new(),
        run_checks: true,
    };
    let app = driver::headless(app, run, |app| Ok(stop.look(app, &mut on_result))).await?;
    Ok(CheckRun {
        items: stop.reports(),
        judge: stop.judge,
        lifecycle: app.lifecycle,
    })
}

/// The profile with only `phase`'s items (every phase when None). Phases
/// stay, so the canary's place in the order is the profile's.
fn scoped(profile: &Profile, phase: Option<&str>) -> Profile {
    let mut p = profile.clone();
    for ph in &mut p.phases {
        if phase.is_some_and(|id| ph.id != id) {
            ph.items.clear();
        }
    }
    p
}

/// The headless stop policy over the engine's state: reports each item once
/// it is decided, and ends the run when all are, when the timeout is
/// reached, or when a watched gate breaches.
struct StopPolicy {
    profile: Arc<Profile>,
    phase: Option<String>,
    timeout: Duration,
    started: Instant,
    /// The items checked, in checklist order, and their reports so far.
    items: Vec<(String, Item)>,
    reports: BTreeMap<String, ItemReport>,
    gate_reports: Vec<ItemReport>,
    judge: Option<PhaseJudge>,
    watch_gates: bool,
    first: bool,
}

impl StopPolicy {
    fn new(profile: &Arc<Profile>, phase: Option<&str>, timeout: Duration) -> Self {
        let items = profile
            .items()
            .filter(|(p, _)| phase.is_none_or(|id| p.id == id))
            .map(|(p, i)| (p.id.clone(), i.clone()))
            .collect();
        Self {
            profile: profile.clone(),
            phase: phase.map(str::to_string),
            timeout,
            started: Instant::now(),
            items,
            reports: BTreeMap::new(),
            gate_reports: Vec::new(),
            judge: None,
            watch_gates: !profile.gates.is_empty() && canary_started(profile, phase),
            first: true,
        }
    }

    /// None while the run goes on; the records it ends with once it stops.
    fn look(&mut self, app: &App, on_result: &mut impl FnMut(&ItemReport)) -> Option<Vec<Record>> {
        let elapsed = self.started.elapsed();
        let signoffs = app.checklist.journal();
        let mut settled = Vec::new();
        for (phase, item) in &self.items {
            if self.reports.contains_key(&item.id) {
                continue;
            }
            let signoff = signoffs.signoff(&item.id);
            let waived = signoff.is_some_and(|s| s.kind == SignoffKind::Waived);
            let base = base_report(phase, item);
            // A manual item is whatever the journal says; an automated one
            // is the engine's, unless an operator waived it.
            let automated = item.check.as_ref().filter(|_| !waived);
            let report = match (automated, signoff) {
                (None, _) if !self.first => continue,
                (None, Some(s)) => ItemReport {
                    status: s.kind.status(),
                    detail: s.describe(),
                    by: Some(s.by.clone()),
                    at: Some(s.at),
                    note: s.note.clone(),
                    ..base
                },
                (None, None) => ItemReport {
                    detail: "awaiting sign-off".into(),
                    ..base
                },
                (Some(check), _) => {
                    let Some(state) = app.checklist.get(&item.id) else {
                        continue;
                    };
                    let (status, detail) = match check {
                        Check::Logs(logs)
                            if state.status != ItemStatus::Fail
                                && elapsed >= LOGS_SETTLE.min(self.timeout) =>
                        {
                            logs_settled(logs, app.log_checks.matches(&item.id).unwrap_or(0))
                        }
                        _ if decided(state.status, has_hold(check)) => {
                            (state.status, state.detail.clone())
                        }
                        _ => continue,
                    };
                    let engine_journalled = !matches!(check, Check::Logs(_));
                    let report = ItemReport {
                        status,
                        detail: self.profile.redactor.redact(&detail),
                        duration_ms: state.duration_ms.unwrap_or(elapsed.as_millis() as u64),
                        ..base
                    };
                    if !engine_journalled {
                        settled.push(report.clone());
                    }
                    report
                }
            };
            on_result(&report);
            self.reports.insert(item.id.clone(), report);
        }
        self.first = false;
        let breached = self
            .watch_gates
            .then(|| app.gates.iter().find(|g| g.breached).cloned())
            .flatten();
        let all_decided = self.reports.len() == self.items.len();
        if breached.is_none() && !all_decided && elapsed < self.timeout {
            return None;
        }
        Some(self.finish(app, breached, settled, on_result))
    }

    /// The run stopped: the undecided items fail with why, the gates and the
    /// judge are reported, and what the engine did not journal is returned.
    fn finish(
        &mut self,
        app: &App,
        breached: Option<GateState>,
        mut settled: Vec<ItemReport>,
        on_result: &mut impl FnMut(&ItemReport),
    ) -> Vec<Record> {
        let now = app.now;
        let metrics = app.metrics.clone();
        let elapsed_ms = self.started.elapsed().as_millis() as u64;
        for (phase, item) in &self.items {
            if self.reports.contains_key(&item.id) {
                continue;
            }
            let Some(check) = &item.check else { continue };
            let current = app
                .checklist
                .get(&item.id)
                .map(|s| s.detail.clone())
                .unwrap_or_default();
            let detail = match (&breached, check) {
                (Some(gate), _) => {
                    format!(
                        "not finished: the run stopped when gate {} breached",
                        gate.id
                    )
                }
                (None, Check::Metric(m)) => {
                    unsettled_metric_detail(&metrics.evaluate_check(m, now))
                }
                (None, check) if has_hold(check) => format!(
                    "did not hold within {}: {current}",
                    short_duration(self.timeout)
                ),
                (None, _) if current.is_empty() => {
                    format!("no result within {}", short_duration(self.timeout))
                }
                (None, _) => current,
            };
            let report = ItemReport {
                status: ItemStatus::Fail,
                detail: self.profile.redactor.redact(&detail),
                duration_ms: elapsed_ms,
                ..base_report(phase, item)
            };
            on_result(&report);
            settled.push(report.clone());
            self.reports.insert(item.id.clone(), report);
        }
        let metric_items = self
            .items
            .iter()
            .any(|(_, i)| matches!(i.check, Some(Check::Metric(_))));
        if self.watch_gates {
            let advice: Vec<String> = breached
                .iter()
                .filter_map(|b| self.profile.gates.iter().find(|g| g.id == b.id))
                .map(|gate| breach_advice(&self.profile, gate))
                .collect();
            self.gate_reports = gate_reports(&self.profile, &app.gates, breached.as_ref(), &advice);
            for report in &self.gate_reports {
                on_result(report);
            }
            settled.extend(self.gate_reports.iter().cloned());
        }
        let mut records: Vec<Record> = settled
            .iter()
            .map(|r| app_record(app, check_result_event(r)))
            .collect();
        if self.watch_gates || metric_items {
            let report = metrics.judge(now);
            records.push(app_record(app, report.journal_event()));
            self.judge = Some(PhaseJudge {
                phase: judge_phase(&self.profile, self.phase.as_deref(), &self.items),
                report,
            });
        }
        records
    }

    /// Every item's report in checklist order, then the gates.
    fn reports(&mut self) -> Vec<ItemReport> {
        let mut out: Vec<ItemReport> = self
            .items
            .iter()
            .filter_map(|(_, item)| self.reports.remove(&item.id))
            .collect();
        out.append(&mut self.gate_reports);
        out
    }
}

fn has_hold(check: &Check) -> bool {
    match check {
        Check::Endpoint(c) => c.hold.is_some(),
        Check::Metric(m) => m.hold.is_some(),
        _ => false,
    }
}

fn base_report(phase: &str, item: &Item) -> ItemReport {
    ItemReport {
        phase: phase.to_string(),
        id: item.id.clone(),
        title: item.title.clone(),
        status: ItemStatus::Manual,
        detail: String::new(),
        duration_ms: 0,
        by: None,
        at: None,
        note: None,
    }
}

fn app_record(app: &App, event: Event) -> Record {
    Record::new(&app.profile, &app.operator, Utc::now(), event)
}

fn check_result_event(report: &ItemReport) -> Event {
    Event::CheckResult {
        item: report.id.clone(),
        status: report.status,
        detail: report.detail.clone(),
        duration_ms: report.duration_ms,
    }
}

/// The phase the judge is reported under: the one checked, else the canary
/// phase, else the phase of the first metric item.
fn judge_phase(profile: &Profile, phase: Option<&str>, items: &[(String, Item)]) -> String {
    if let Some(id) = phase {
        return id.to_string();
    }
    profile
        .canary_phase()
        .map(|(_, p)| p.id.clone())
        .or_else(|| {
            items
                .iter()
                .find(|(_, i)| matches!(i.check, Some(Check::Metric(_))))
                .map(|(p, _)| p.clone())
        })
        .unwrap_or_else(|| "canary".to_string())
}

/// One report line per watched gate: a breach fails, and so does a gate that
/// could not be watched (no data is never a silent pass).
fn gate_reports(
    profile: &Profile,
    gates: &[GateState],
    breached: Option<&GateState>,
    advice: &[String],
) -> Vec<ItemReport> {
    let phase = profile
        .canary_phase()
        .map_or("canary".to_string(), |(_, p)| p.id.clone());
    gates
        .iter()
        .filter_map(|state| {
            let gate = profile.gates.iter().find(|g| g.id == state.id)?;
            let breached = breached.is_some_and(|b| b.id == state.id);
            let (status, detail) = gate_verdict(state, breached, advice);
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
