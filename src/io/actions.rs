//! Carrying out an action: a command through `io::command` (argv only, the
//! process group killed on timeout or cancel) or a Docker operation through
//! `io::docker`; its start and end journalled with output captured and
//! secrets masked; then its verify items re-run until they pass or time out,
//! and the time to recovery journalled (seed 004's KPIs).

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{mpsc, watch};

use crate::app::actions::{Recovery, finished_event, started_event};
use crate::app::command::CommandOutcome;
use crate::app::record::{Event, Record};
use crate::io::command::{self, CommandSpec, Stream};
use crate::io::docker::{self, ContainerRef, DockerError, Engine};
use crate::io::journal::Journal;
use crate::profile::{Action, ActionKind, DockerOp, DockerTarget, Profile};

/// Where journal events of an action go. The journal in production; tests
/// and the dry run's printout may collect them instead.
pub trait Recorder {
    fn record(&mut self, event: Event);
}

/// Appends events to the release journal as records of `operator`.
pub struct JournalRecorder<'a> {
    pub journal: &'a Journal,
    pub profile: &'a Profile,
    pub operator: String,
    /// The first append error, reported once the action is over (a journal
    /// problem must not stop a rollback half-way).
    pub error: Option<String>,
}

impl Recorder for JournalRecorder<'_> {
    fn record(&mut self, event: Event) {
        let record = Record {
            at: Utc::now(),
            operator: self.operator.clone(),
            service: self.profile.service.name.clone(),
            version: self.profile.service.version.clone(),
            event,
        };
        if let Err(e) = self.journal.append(&record, &self.profile.redactor)
            && self.error.is_none()
        {
            self.error = Some(e.to_string());
        }
    }
}

impl Recorder for Vec<Event> {
    fn record(&mut self, event: Event) {
        self.push(event);
    }
}

/// How an action is carried out.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    /// Docker host for Docker actions (None: `DOCKER_HOST` or the default).
    pub docker_host: Option<String>,
    /// Who asked ("operator", or a gate for an auto-rollback).
    pub trigger: Option<String>,
}

/// Runs `action` to its end, journalling start and end. Output lines are
/// streamed to `lines` (sanitised) when given; `cancel` turning true kills it.
pub async fn execute(
    action: &Action,
    profile: &Profile,
    opts: &ExecOptions,
    lines: Option<mpsc::Sender<(Stream, String)>>,
    cancel: Option<watch::Receiver<bool>>,
    recorder: &mut dyn Recorder,
) -> CommandOutcome {
    // A Docker action's containers are resolved once, before it starts: the
    // journal names them, and they are the ones acted on.
    let prepared = match &action.kind {
        ActionKind::Docker { target, .. } => Some(prepare(target, opts).await),
        ActionKind::Command { .. } => None,
    };
    let containers = match &prepared {
        Some(Ok((_, refs))) => names(refs),
        _ => Vec::new(),
    };
    recorder.record(started_event(
        action,
        &profile.redactor,
        false,
        opts.trigger.clone(),
        &containers,
    ));
    let outcome = match &action.kind {
        ActionKind::Command { argv, cwd, env } => {
            let spec = CommandSpec {
                argv: argv.clone(),
                cwd: cwd.clone(),
                env: env.clone(),
                timeout: action.timeout,
            };
            command::run(&spec, lines, cancel).await
        }
        ActionKind::Docker { op, .. } => match prepared {
            Some(prepared) => run_docker(action, prepared, op, lines, cancel).await,
            None => CommandOutcome::default(),
        },
    };
    recorder.record(finished_event(action, &outcome, &profile.redactor));
    outcome
}

/// Journals what `action` would do, and does nothing.
pub fn dry_run(
    action: &Action,
    profile: &Profile,
    opts: &ExecOptions,
    containers: &[String],
    recorder: &mut dyn Recorder,
) {
    recorder.record(started_event(
        action,
        &profile.redactor,
        true,
        opts.trigger.clone(),
        containers,
    ));
}

/// The engine and the containers a Docker action on `target` touches
/// (refused when a compose service's project has none of them).
async fn prepare(
    target: &DockerTarget,
    opts: &ExecOptions,
) -> Result<(Engine, Vec<ContainerRef>), DockerError> {
    let host = docker::host_from(opts.docker_host.as_deref());
    let engine = Engine::connect(&host, Duration::from_secs(10)).await?;
    let refs = engine.touched(target).await?;
    Ok((engine, refs))
}

fn names(refs: &[ContainerRef]) -> Vec<String> {
    refs.iter().map(|r| r.name.clone()).collect()
}

/// The names of the containers `action` would touch, for the operator to
/// confirm; None for a command action.
pub async fn containers_touched(
    action: &Action,
    opts: &ExecOptions,
) -> Option<Result<Vec<String>, DockerError>> {
    match &action.kind {
        ActionKind::Docker { target, .. } => {
            Some(prepare(target, opts).await.map(|(_, refs)| names(&refs)))
        }
        ActionKind::Command { .. } => None,
    }
}

async fn run_docker(
    action: &Action,
    prepared: Result<(Engine, Vec<ContainerRef>), DockerError>,
    op: &DockerOp,
    lines: Option<mpsc::Sender<(Stream, String)>>,
    cancel: Option<watch::Receiver<bool>>,
) -> CommandOutcome {
    let started = Instant::now();
    let work = async {
        let (engine, refs) = prepared?;
        engine.apply_to(&refs, op, action.timeout).await
    };
    let cancelled = async {
        match cancel {
            Some(mut rx) => {
                let _ = rx.wait_for(|c| *c).await;
            }
            None => std::future::pending().await,
        }
    };
    let result = tokio::select! {
        r = tokio::time::timeout(action.timeout, work) => Some(r),
        _ = cancelled => None,
    };
    let mut outcome = CommandOutcome {
        duration: started.elapsed(),
        ..CommandOutcome::default()
    };
    match result {
        None => outcome.cancelled = true,
        Some(Err(_)) => outcome.timed_out = true,
        Some(Ok(Ok(steps))) => {
            outcome.exit_code = Some(0);
            outcome.tail = steps;
        }
        Some(Ok(Err(e))) => {
            outcome.exit_code = Some(1);
            outcome.tail = vec![crate::app::sanitize::clean_text(&e.to_string())];
        }
    }
    if let Some(sink) = lines {
        for line in &outcome.tail {
            let _ = sink.send((Stream::Stdout, line.clone())).await;
        }
    }
    outcome
}

/// Re-runs `check` on every verify item of `recovery` every `interval` until
/// all pass at once or `timeout` runs out, then journals the verdict.
/// `check` returns whether the item passed, with a sentence of evidence.
pub async fn verify<F, Fut>(
    mut recovery: Recovery,
    interval: Duration,
    timeout: Duration,
    mut check: F,
    recorder: &mut dyn Recorder,
) -> Recovery
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = (bool, String)>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        for item in recovery.items.clone() {
            let (passed, _evidence) = check(item.clone()).await;
            recovery.observe(&item, passed, Utc::now());
        }
        if recovery.recovered_at.is_some() || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(interval.min(deadline - tokio::time::Instant::now())).await;
    }
    recorder.record(recovery.event());
    recovery
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verify_records_time_to_recovery() {
        let recovery = Recovery::new("rollback", vec!["health".into()], Utc::now());
        let mut calls = 0;
        let mut events: Vec<Event> = Vec::new();
        let r = verify(
            recovery,
            Duration::from_millis(10),
            Duration::from_secs(5),
            |_item| {
                calls += 1;
                let passed = calls >= 3;
                async move { (passed, String::new()) }
            },
            &mut events,
        )
        .await;
        assert!(r.recovered_at.is_some());
        assert!(matches!(
            events.as_slice(),
            [Event::Verified {
                recovered: true,
                time_to_recovery_ms: Some(_),
                ..
            }]
        ));
    }

    #[tokio::test]
    async fn verify_gives_up_at_its_timeout() {
        let recovery = Recovery::new("rollback", vec!["health".into()], Utc::now());
        let mut events: Vec<Event> = Vec::new();
        let started = Instant::now();
        let r = verify(
            recovery,
            Duration::from_millis(20),
            Duration::from_millis(200),
            |_item| async { (false, "down".to_string()) },
            &mut events,
        )
        .await;
        assert!(r.recovered_at.is_none());
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(matches!(
            events.as_slice(),
            [Event::Verified {
                recovered: false,
                time_to_recovery_ms: None,
                ..
            }]
        ));
    }
}
