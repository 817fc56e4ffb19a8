//! The faces without a terminal (`golive check`, `act`, the demo's headless
//! run): the engine under the same driver, with a stop policy of the face's.

use crate::engine::notify;
use crate::engine::probe::ProbeReport;
use crate::engine::record::Record;
use crate::engine::state::{App, Effect, Msg};
use crate::io::journal::JournalWatcher;
use crate::profile::{Check, Profile};
use chrono::Utc;
use color_eyre::Result;
use color_eyre::eyre::eyre;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::*;

/// How a headless face starts the engine.
#[derive(Debug, Clone, Default)]
pub struct Headless {
    /// The release's journal: read first, watched, appended to. None
    /// records nothing (a demo try-out, a check with no data directory).
    pub journal: Option<PathBuf>,
    pub docker_host: Option<String>,
    /// Messages fed once the adapters run (a confirmed action).
    pub first: Vec<Msg>,
    /// Run every command check once at start, as the cockpit does.
    pub run_checks: bool,
}

/// A face without a terminal (`golive act`, `golive check`, the demo's
/// headless run): the same engine and driver as the cockpit, fed
/// `run.first` once the adapters run, with no key map. `watch` sees the
/// state after every message (to print it) and returns None to go on, or
/// the records the face ends with (`golive check`'s final verdicts),
/// appended through the same journal writer before it stops. SIGINT or
/// SIGTERM cancels a running action first. Every record asked for is
/// durable on return.
pub async fn headless(
    mut app: App,
    run: Headless,
    mut watch: impl FnMut(&App) -> Result<Option<Vec<Record>>>,
) -> Result<App> {
    let offset = match &run.journal {
        Some(path) => Some(catch_up(&mut app, path)?),
        None => None,
    };
    let driver_options = DriverOptions {
        journal: run.journal.clone(),
        bursts: if run.run_checks {
            bursts(&app.profile)
        } else {
            HashMap::new()
        },
        save_dir: PathBuf::from("."),
        docker_host: run.docker_host,
    };
    let (tx, mut rx) = mpsc::channel::<Msg>(CHANNEL);
    let (probe_tx, mut probes) = mpsc::channel::<ProbeReport>(CHANNEL);
    let (record_tx, mut records) = mpsc::channel::<Record>(CHANNEL);
    let mut driver = Driver::start(&app.profile, &driver_options, tx.clone(), probe_tx)?;
    if let (Some(path), Some(offset)) = (run.journal, offset) {
        driver.tasks.spawn(
            JournalWatcher::new(path)
                .from_offset(offset)
                .poll_interval(JOURNAL_POLL)
                .run(record_tx),
        );
    }
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut clock = tokio::time::interval(Duration::from_millis(250));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    if run.run_checks {
        for effect in app.startup_effects() {
            driver.carry_out(effect);
        }
    }
    for msg in run.first {
        step(&mut app, &mut driver, msg);
    }
    // Once the face is done, what is owed to the receivers still goes out,
    // within their timeouts and retries.
    let mut done = false;
    let mut drain_until = None;
    loop {
        if !done && let Some(last) = watch(&app)? {
            done = true;
            for record in last {
                driver.carry_out(Effect::Append(Box::new(record)));
            }
        }
        if done {
            let now = Instant::now();
            let (settled, until) = *drain_until.get_or_insert_with(|| {
                let budget = notify::drain_budget(&app.profile);
                // Our last records come back through the watcher before
                // they are owed to anyone.
                let settle = if budget.is_zero() {
                    budget
                } else {
                    NOTIFY_SETTLE
                };
                (now + settle, now + settle + budget)
            });
            let owed = app.notify.pending().next().is_some();
            if (now >= settled && !owed) || now >= until {
                break;
            }
        }
        let msg = tokio::select! {
            Some(msg) = rx.recv() => msg,
            Some(report) = probes.recv() => Msg::Probe(Box::new(report)),
            Some(record) = records.recv() => Msg::Record(Box::new(record)),
            _ = clock.tick() => Msg::Tick(Utc::now().max(app.now)),
            joined = driver.tasks.join_next(), if !driver.tasks.is_empty() => {
                if let Some(Err(err)) = joined
                    && err.is_panic()
                {
                    driver.shutdown().await;
                    return Err(eyre!("a golive task panicked"));
                }
                continue;
            }
            _ = sigterm.recv() => {
                driver.carry_out(Effect::CancelAction);
                continue;
            }
            _ = sigint.recv() => {
                driver.carry_out(Effect::CancelAction);
                continue;
            }
        };
        step(&mut app, &mut driver, msg);
    }
    driver.finish().await;
    Ok(app)
}

/// The requests each endpoint's probes send headless: the most any of its
/// checks asks for. The cockpit probes with one, so a rate limit is not
/// kept tripped by its polling.
fn bursts(profile: &Profile) -> HashMap<String, u32> {
    let mut out: HashMap<String, u32> = HashMap::new();
    for (_, item) in profile.items() {
        if let Some(Check::Endpoint(c)) = &item.check
            && c.requests > 1
        {
            let n = out.entry(c.endpoint.clone()).or_insert(1);
            *n = (*n).max(c.requests);
        }
    }
    out
}
