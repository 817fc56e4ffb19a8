//! `golive act PROFILE ACTION [--yes] [--dry-run]`: an action run headless,
//! the same way the cockpit runs it. It never runs unconfirmed: without
//! `--yes` it asks on the terminal, and with no terminal it refuses (exit 2).
//! `--dry-run` is the T-30 rehearsal: it prints and journals what would run,
//! secrets masked, and changes nothing.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use color_eyre::Result;

use crate::cli::{ActArgs, GlobalArgs};
use crate::driver;
use crate::engine::actions::describe_touching;
use crate::engine::recovery::Verdict;
use crate::engine::state::{App, Msg};
use crate::io::actions::{self, ExecOptions};
use crate::profile::{Action, Check, Profile};

/// Everything `act` needs besides the profile, already validated.
#[derive(Debug, Clone)]
pub struct ActOptions {
    pub yes: bool,
    pub dry_run: bool,
    /// A terminal to confirm on (stdin is one).
    pub interactive: bool,
    /// The release's journal; None records nothing (the demo's try-out).
    pub journal: Option<PathBuf>,
    pub operator: String,
    pub docker_host: Option<String>,
}

pub fn run(args: ActArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let profile = match super::load_resolved(&args.profile) {
        Ok(profile) => profile,
        Err(code) => return Ok(code),
    };
    let journal = match super::journal_or_exit(
        global.journal.as_deref(),
        &profile.service,
        &mut std::io::stderr(),
    ) {
        Ok(path) => path,
        Err(code) => return Ok(code),
    };
    let opts = ActOptions {
        yes: args.yes,
        dry_run: args.dry_run,
        interactive: std::io::stdin().is_terminal(),
        journal: Some(journal),
        operator: crate::io::operator::resolve(global.operator.as_deref()),
        docker_host: None,
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
    tokio::runtime::Runtime::new()?.block_on(act_async(profile, name, opts, input, out))
}

/// [`act`] on a runtime already running: `demo --headless` rolls back with
/// it, so the demo's recovery is proven exactly as an operator's is.
pub async fn act_async(
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
    let exec_opts = ExecOptions {
        docker_host: opts.docker_host.clone(),
    };
    // The containers a Docker action would touch, shown before anything is
    // confirmed; a compose service found only in other projects is refused.
    let containers = match actions::containers_touched(action, &exec_opts).await {
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
    } else if !opts.yes {
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
    let app = App::new(scoped(profile, action), opts.operator.clone(), Utc::now());
    let first = vec![Msg::ActionConfirmed {
        name: name.to_string(),
        dry_run: opts.dry_run,
        containers,
    }];
    let mut printer = Printer::default();
    let run = driver::Headless {
        journal: opts.journal.clone(),
        docker_host: opts.docker_host.clone(),
        first,
        run_checks: false,
    };
    let app = driver::headless(app, run, |app| {
        let done = opts.dry_run || printer.show(app, out)?;
        Ok(done.then(Vec::new))
    })
    .await?;
    if opts.dry_run {
        return Ok(match &app.problem {
            Some(problem) => {
                eprintln!("golive: {problem}");
                ExitCode::from(1)
            }
            None => ExitCode::SUCCESS,
        });
    }
    Ok(exit_code(&app))
}

/// The profile as `act` needs it: the action's verify items and what they
/// read, nothing else. No other check runs, no gate fires, no log source or
/// metrics scrape starts that the verification does not need.
fn scoped(profile: &Profile, action: &Action) -> Profile {
    let mut p = profile.clone();
    for phase in &mut p.phases {
        phase.items.retain(|i| action.verify.contains(&i.id));
    }
    p.phases.retain(|ph| !ph.items.is_empty());
    let checks: Vec<Check> = p.items().filter_map(|(_, i)| i.check.clone()).collect();
    p.endpoints.retain(|e| {
        checks
            .iter()
            .any(|c| matches!(c, Check::Endpoint(ec) if ec.endpoint == e.id))
    });
    p.logs.retain(|l| {
        checks
            .iter()
            .any(|c| matches!(c, Check::Logs(lc) if lc.source == l.id))
    });
    if !checks.iter().any(|c| matches!(c, Check::Metric(_))) {
        p.metrics.clear();
        p.baseline = None;
    }
    p.gates.clear();
    p
}

/// Prints the action's output as it comes, its end, and the recovery's
/// verdict, each once, from the engine's state.
#[derive(Default)]
struct Printer {
    lines: usize,
    ended: bool,
    verifying: bool,
}

impl Printer {
    /// True once there is nothing more to wait for.
    fn show(&mut self, app: &App, out: &mut dyn Write) -> Result<bool> {
        if let Some(running) = &app.action {
            let new = running.lines.saturating_sub(self.lines);
            let skip = running.output.len().saturating_sub(new);
            for line in running.output.iter().skip(skip) {
                writeln!(out, "  | {line}")?;
            }
            self.lines = running.lines;
            return Ok(false);
        }
        let Some((name, summary)) = &app.last_action else {
            return Ok(false);
        };
        if !self.ended {
            self.ended = true;
            writeln!(out, "{name}: {summary}")?;
        }
        let Some(recovery) = &app.recovery else {
            return Ok(true);
        };
        if !self.verifying {
            self.verifying = true;
            writeln!(out, "verifying: {}", recovery.items.join(", "))?;
        }
        match recovery.verdict {
            None => Ok(false),
            Some(Verdict::Recovered { after }) => {
                writeln!(out, "recovered in {:.1}s", after.as_secs_f64())?;
                Ok(true)
            }
            Some(Verdict::NotRecovered) => {
                writeln!(
                    out,
                    "not recovered within {}s: still failing: {}",
                    (recovery.deadline - recovery.ended_at).num_seconds(),
                    recovery.pending(&app.checklist).join(", ")
                )?;
                Ok(true)
            }
        }
    }
}

/// 0 done (and recovered, when it verifies), 1 failed or not recovered.
fn exit_code(app: &App) -> ExitCode {
    if let Some(problem) = &app.problem {
        eprintln!("golive: {problem}");
        return ExitCode::from(1);
    }
    let recovered = app
        .recovery
        .as_ref()
        .is_none_or(|r| matches!(r.verdict, Some(Verdict::Recovered { .. })));
    if app.last_succeeded && recovered {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
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
