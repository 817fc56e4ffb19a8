//! `golive act PROFILE ACTION [--yes] [--dry-run]`: an action run headless,
//! the same way the cockpit runs it. It never runs unconfirmed: without
//! `--yes` it asks on the terminal, and with no terminal it refuses (exit 2).
//! `--dry-run` is the T-30 rehearsal: it prints and journals what would run,
//! secrets masked, and changes nothing.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use color_eyre::Result;
use tokio::sync::{mpsc, watch};

use crate::app::actions::{Actions, describe_touching};
use crate::app::checklist::ItemStatus;
use crate::cli::{ActArgs, GlobalArgs};
use crate::io::actions::{self, ExecOptions, JournalRecorder, Recorder};
use crate::io::journal::{self, Journal};
use crate::profile::{Action, Profile};

/// How long verify items are re-run after an action before giving up.
pub const VERIFY_TIMEOUT: Duration = Duration::from_secs(300);

/// Everything `act` needs besides the profile, already validated.
#[derive(Debug, Clone)]
pub struct ActOptions {
    pub yes: bool,
    pub dry_run: bool,
    /// A terminal to confirm on (stdin is one).
    pub interactive: bool,
    pub journal: PathBuf,
    pub operator: String,
    pub docker_host: Option<String>,
    pub verify_timeout: Duration,
}

pub fn run(args: ActArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let profile = match super::load_resolved(&args.profile) {
        Ok(profile) => profile,
        Err(code) => return Ok(code),
    };
    let journal = match journal::resolve_path(global.journal.as_deref(), &profile.service) {
        Ok(path) => path,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(2));
        }
    };
    let opts = ActOptions {
        yes: args.yes,
        dry_run: args.dry_run,
        interactive: std::io::stdin().is_terminal(),
        journal,
        operator: crate::io::operator::resolve(global.operator.as_deref()),
        docker_host: None,
        verify_timeout: VERIFY_TIMEOUT,
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = super::output::stdout();
    act(&profile, &args.action, &opts, &mut input, &mut out)
}

/// The whole of `golive act` given a loaded profile: prompts on `input`,
/// prints on `out`, returns the exit code (0 done and recovered, 1 failed or
/// not recovered, 2 refused or declined).
pub fn act(
    profile: &Profile,
    name: &str,
    opts: &ActOptions,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let Some(action) = profile.actions.get(name) else {
        let known: Vec<&str> = profile.actions.keys().map(String::as_str).collect();
        eprintln!(
            "no action {name:?} in {}; actions: {}",
            profile.path.display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
        return Ok(ExitCode::from(2));
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let exec_opts = ExecOptions {
        docker_host: opts.docker_host.clone(),
        trigger: Some(opts.operator.clone()),
    };
    // The containers a Docker action would touch, shown before anything is
    // confirmed; a compose service found only in other projects is refused.
    let containers = match runtime.block_on(actions::containers_touched(action, &exec_opts)) {
        Some(Ok(names)) => names,
        Some(Err(err @ crate::io::docker::DockerError::OtherProjects { .. })) => {
            eprintln!("golive: refusing to run {name}: {err}");
            return Ok(ExitCode::from(2));
        }
        Some(Err(err)) => {
            writeln!(
                out,
                "{name}: cannot list the containers it would touch: {err}"
            )?;
            Vec::new()
        }
        None => Vec::new(),
    };
    let what = describe_touching(action, &profile.redactor, &containers);
    let journal = Journal::open(&opts.journal)?;
    let mut recorder = JournalRecorder {
        journal: &journal,
        profile,
        operator: opts.operator.clone(),
        error: None,
    };
    if opts.dry_run {
        writeln!(out, "dry run: {name} would run:\n  {what}")?;
        if !action.verify.is_empty() {
            writeln!(
                out,
                "then re-run until they pass: {}",
                action.verify.join(", ")
            )?;
        }
        writeln!(out, "nothing was run")?;
        actions::dry_run(
            action,
            profile,
            &ExecOptions::default(),
            &containers,
            &mut recorder,
        );
        return Ok(journal_status(&recorder, ExitCode::SUCCESS));
    }
    if !opts.yes {
        if !opts.interactive {
            eprintln!(
                "golive: refusing to run {name} unconfirmed: no terminal to confirm on; \
                 pass --yes to run it, or --dry-run to see what it would do"
            );
            return Ok(ExitCode::from(2));
        }
        write!(out, "{name} will run:\n  {what}\nRun it? [y/N] ")?;
        out.flush()?;
        let mut answer = String::new();
        input.read_line(&mut answer)?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            writeln!(out, "not run")?;
            return Ok(ExitCode::from(2));
        }
    }
    let code = runtime.block_on(execute(profile, action, opts, out, &mut recorder))?;
    Ok(journal_status(&recorder, code))
}

fn journal_status(recorder: &JournalRecorder<'_>, code: ExitCode) -> ExitCode {
    match &recorder.error {
        Some(err) => {
            eprintln!("golive: the journal could not record this action: {err}");
            ExitCode::from(1)
        }
        None => code,
    }
}

async fn execute(
    profile: &Profile,
    action: &Action,
    opts: &ActOptions,
    out: &mut dyn Write,
    recorder: &mut dyn Recorder,
) -> Result<ExitCode> {
    let mut state = Actions::default();
    if let Err(refusal) = state.begin(&action.name, Utc::now()) {
        eprintln!("golive: {refusal}");
        return Ok(ExitCode::from(2));
    }
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let signals = tokio::spawn(async move {
        wait_for_stop_signal().await;
        let _ = cancel_tx.send(true);
    });
    let (line_tx, mut line_rx) = mpsc::channel(256);
    let exec_opts = ExecOptions {
        docker_host: opts.docker_host.clone(),
        trigger: Some(opts.operator.clone()),
    };
    let outcome = {
        let run = actions::execute(
            action,
            profile,
            &exec_opts,
            Some(line_tx),
            Some(cancel_rx),
            recorder,
        );
        tokio::pin!(run);
        loop {
            tokio::select! {
                outcome = &mut run => break outcome,
                Some((_, line)) = line_rx.recv() => {
                    writeln!(out, "  | {}", profile.redactor.redact(&line))?;
                }
            }
        }
    };
    while let Ok((_, line)) = line_rx.try_recv() {
        writeln!(out, "  | {}", profile.redactor.redact(&line))?;
    }
    signals.abort();
    writeln!(out, "{}: {}", action.name, outcome.summary())?;
    state.finish(action, outcome.succeeded(), Utc::now());
    if !outcome.succeeded() {
        return Ok(ExitCode::from(1));
    }
    let Some(recovery) = state.recovery.take() else {
        return Ok(ExitCode::SUCCESS);
    };
    writeln!(out, "verifying: {}", recovery.items.join(", "))?;
    let profile_arc = Arc::new(profile.clone());
    let recovery = actions::verify(
        recovery,
        profile.settings.poll_interval,
        opts.verify_timeout,
        |item| verify_item(profile_arc.clone(), item, opts.docker_host.clone()),
        recorder,
    )
    .await;
    match recovery.time_to_recovery() {
        Some(ttr) => {
            writeln!(out, "recovered in {:.1}s", ttr.as_secs_f64())?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            writeln!(
                out,
                "not recovered within {}s: still failing: {}",
                opts.verify_timeout.as_secs(),
                recovery.pending().join(", ")
            )?;
            Ok(ExitCode::from(1))
        }
    }
}

/// Runs one checklist item's check once, as the headless checker does.
async fn verify_item(
    profile: Arc<Profile>,
    item: String,
    docker_host: Option<String>,
) -> (bool, String) {
    use crate::commands::check::{CheckOptions, run_checks};
    let Some((_, it)) = profile.item(&item) else {
        return (false, format!("no item {item}"));
    };
    if let Some(crate::profile::Check::Docker(check)) = &it.check {
        let host = crate::io::docker::host_from(docker_host.as_deref());
        let state = crate::io::docker::inspect_once(&host, &check.target).await;
        return crate::app::containers::evaluate_docker_check_once(check, &state);
    }
    let mut single = (*profile).clone();
    for phase in &mut single.phases {
        phase.items.retain(|i| i.id == item);
    }
    // Verify runs are recorded as one `verified` record by the caller, not
    // as a check result per attempt.
    let options = CheckOptions {
        timeout: profile.settings.timeout.max(Duration::from_secs(1)),
        operator: String::new(),
        // The verdict is journalled once, as the action's `verified` record.
        journal: None,
        signoffs: Default::default(),
    };
    match run_checks(Arc::new(single), None, options, |_| {}).await {
        Ok(reports) => match reports.into_iter().find(|r| r.id == item) {
            Some(r) => (r.status == ItemStatus::Pass, r.detail),
            None => (false, format!("{item} did not run")),
        },
        Err(e) => (false, e.to_string()),
    }
}

/// Ctrl-C or SIGTERM.
pub async fn wait_for_stop_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
