//! How facts move the release: probes, metrics, log lines, containers,
//! records, command and action outcomes, and the clock. Each rule is here
//! once; input (keys, clicks) is the cockpit's (`cockpit::keymap`).

use crate::cockpit::keys::Command;
use crate::engine::actions::{finished_event, started_event};
use crate::engine::checklist::{self, ItemChange};
use crate::engine::command::CommandOutcome;
use crate::engine::evidence;
use crate::engine::headless::metric_evaluation;
use crate::engine::health::HealthState;
use crate::engine::live_checks::{self};
use crate::engine::logs::LogLine;
use crate::engine::probe::{Observation, ProbeReport};
use crate::engine::record::Event;
use crate::engine::recovery::Recovery;
use crate::profile::{Check, MetricCheck, OnBreach};
use chrono::{DateTime, Utc};
use std::collections::VecDeque;

use super::*;
use crate::cockpit::details::*;
use crate::cockpit::keymap::*;
use crate::cockpit::log_pane;

/// [`update`] at the wall clock's `now`, for the driver: the engine's clock
/// never goes back, and records carry the time their fact arrived.
pub fn update_at(app: &mut App, now: DateTime<Utc>, msg: Msg) -> Vec<Effect> {
    app.now = now.max(app.now);
    update(app, msg)
}

/// Moves the state by one message and says what the outside world must do.
pub fn update(app: &mut App, mut msg: Msg) -> Vec<Effect> {
    crate::engine::redaction::redact_msg(&app.profile.redactor, &mut msg);
    let mut effects = apply(app, msg);
    effects.extend(follow_recovery(app));
    refresh_details(app);
    effects
}

pub(crate) fn apply(app: &mut App, msg: Msg) -> Vec<Effect> {
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
            effects.extend(crate::engine::notify::due(app));
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
            crate::engine::notify::on_record(app, &record);
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
            let changes = crate::engine::swarm::settle_items(
                &app.profile,
                &mut app.checklist,
                &state,
                app.now,
            );
            app.swarms.insert(state.service.clone(), state);
            journal(changes, app)
        }
        Msg::SwarmChecked { item, state } => {
            let Some(Check::Swarm(check)) =
                app.profile.item(&item).and_then(|(_, i)| i.check.as_ref())
            else {
                return Vec::new();
            };
            let (passed, detail) = crate::engine::swarm::evaluate_swarm_check(check, &state);
            settle_check(app, &item, passed, detail)
        }
        Msg::Kube(state) => {
            let changes = crate::engine::kubernetes::settle_items(
                &app.profile,
                &mut app.checklist,
                &state,
                app.now,
            );
            app.kubes.insert(state.target.clone(), state);
            journal(changes, app)
        }
        Msg::KubeChecked { item, state } => {
            let Some(Check::Kubernetes(check)) =
                app.profile.item(&item).and_then(|(_, i)| i.check.as_ref())
            else {
                return Vec::new();
            };
            let (passed, detail) = crate::engine::kubernetes::evaluate_kube_check(check, &state);
            settle_check(app, &item, passed, detail)
        }
        Msg::Rehearsed { item, facts } => {
            let Some(Check::Rehearse(check)) =
                app.profile.item(&item).and_then(|(_, i)| i.check.as_ref())
            else {
                return Vec::new();
            };
            let Some(action) = app.profile.actions.get(&check.action) else {
                return Vec::new();
            };
            let (passed, detail) =
                crate::engine::rehearsal::verdict(action, &app.profile.redactor, &facts);
            settle_check(app, &item, passed, detail)
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
            let event = crate::engine::notify::on_delivered(app, *done);
            event.map(|e| app.record(e)).into_iter().collect()
        }
        Msg::Problem(text) => {
            app.flash(format!("⚠ {text}"));
            app.problem = Some(text);
            Vec::new()
        }
    }
}

pub(crate) fn on_probe(app: &mut App, report: ProbeReport) -> Vec<Effect> {
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
    // Borrowed, not cloned: a probe of one replica of twenty must not copy
    // twenty observations (headers and bodies) to re-read them.
    let observations: Vec<&Observation> = view
        .replicas
        .iter()
        .flatten()
        .map(|r| &r.observation)
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
pub(crate) fn judge_metrics(app: &mut App, track: &str) -> Vec<Effect> {
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
pub(crate) fn on_metrics(app: &mut App) -> Vec<Effect> {
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
    let resolved = crate::engine::notify::resolutions(app, &gates);
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
pub(crate) fn canary_started(app: &App) -> bool {
    if let Some(scope) = &app.headless {
        return checklist::canary_started(&app.profile, scope.phase.as_deref());
    }
    let current = app.checklist.current_phase(&app.profile);
    checklist::canary_started(&app.profile, current.as_deref())
}

/// Check results worth a journal record, as records to append.
pub(crate) fn journal(changes: Vec<ItemChange>, app: &App) -> Vec<Effect> {
    changes
        .into_iter()
        .map(|c| app.record(check_result(c, 0)))
        .collect()
}

pub(crate) fn check_result(change: ItemChange, duration_ms: u64) -> Event {
    Event::CheckResult {
        item: change.id,
        status: change.status,
        detail: change.detail,
        duration_ms,
    }
}

/// Starts an action the operator (or an auto-rollback gate) asked for: it
/// is journalled, with the lifecycle it moves, and the driver runs it. The
/// reason is the one the operator confirmed, or, with none, the one now.
pub(crate) fn start_action(
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
pub(crate) fn known_containers(app: &App, action: &crate::profile::Action) -> Vec<String> {
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

pub(crate) fn on_action_finished(
    app: &mut App,
    name: String,
    outcome: CommandOutcome,
) -> Vec<Effect> {
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
pub(crate) fn rerun_verify(app: &mut App) -> Vec<Effect> {
    let Some(recovery) = &app.recovery else {
        return Vec::new();
    };
    let again = recovery.reruns(&app.profile, &app.checklist, app.now);
    recheck(app, &again)
}

/// The recovery's verdict, journalled once with the lifecycle it moves.
pub(crate) fn follow_recovery(app: &mut App) -> Vec<Effect> {
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
pub(crate) fn recheck(app: &mut App, items: &[String]) -> Vec<Effect> {
    let mut effects = Vec::new();
    let mut poll = false;
    for id in items {
        match app.profile.item(id).and_then(|(_, i)| i.check.as_ref()) {
            Some(
                Check::Command(_) | Check::Swarm(_) | Check::Kubernetes(_) | Check::Rehearse(_),
            ) => {
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

/// An action the operator confirmed, with the evidence of what they saw.
pub(crate) fn start_confirmed(
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

/// A check decided at one look (a swarm service, a deployment, a rehearsal): its verdict
/// settles the item, and a change is journalled.
pub(crate) fn settle_check(app: &mut App, item: &str, passed: bool, detail: String) -> Vec<Effect> {
    let evaluation = if passed {
        crate::engine::checklist::Evaluation::Pass(detail)
    } else {
        crate::engine::checklist::Evaluation::Fail(detail)
    };
    app.checklist
        .apply_evaluation(item, None, evaluation, app.now)
        .map(|c| app.record(check_result(c, 0)))
        .into_iter()
        .collect()
}
