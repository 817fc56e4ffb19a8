//! `golive demo` and the hidden `golive demo-ctl`: start the embedded demo
//! service and either serve it (`--serve-only`) or walk its story headless
//! through the same check runner as `golive check` (the checklist, the
//! scripted regression, the rollback action and its verification); or talk to
//! a demo that is already running. Plain `golive demo` is headless until the
//! cockpit lands.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::Result;
use color_eyre::eyre::WrapErr;

use crate::cli::{DemoArgs, DemoCtlAction, DemoCtlArgs, GlobalArgs};
use crate::commands::act::{self, ActOptions};
use crate::commands::check::{self, CheckOptions};
use crate::commands::output::{self, ItemReport};
use crate::demo::{self, DemoOptions, timeline};
use crate::io::operator;
use crate::profile::{Check, Profile};

pub fn run(args: &DemoArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let opts = DemoOptions {
        seed: args.seed,
        speed: args.speed,
    };
    if args.serve_only {
        return runtime()?.block_on(serve(opts, args.port));
    }
    // Without a terminal (CI, a pipe) plain `golive demo` runs headless.
    if args.headless || !std::io::stdout().is_terminal() {
        return runtime()?.block_on(headless(opts, args.port, global));
    }
    runtime()?.block_on(cockpit(opts, &args.theme, global))
}

pub fn run_ctl(args: &DemoCtlArgs) -> Result<ExitCode> {
    runtime()?.block_on(ctl(args))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")
}

async fn serve(opts: DemoOptions, port: Option<u16>) -> Result<ExitCode> {
    let service = match demo::start_at(opts, port).await {
        Ok(service) => service,
        Err(err) => {
            eprintln!("golive demo: {err}");
            return Ok(ExitCode::from(2));
        }
    };
    {
        let mut out = std::io::stdout().lock();
        for (name, url) in service.urls() {
            writeln!(out, "{name} {url}")?;
        }
        out.flush()?;
    }
    eprintln!(
        "golive demo: serving {} (seed {}, speed {}x) until Ctrl-C; for {}:",
        demo::timeline::SERVICE,
        opts.seed,
        opts.speed,
        demo::PROFILE_PATH
    );
    for (name, value) in service.vars() {
        eprintln!("  export {name}={value}");
    }
    terminated().await;
    service.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// The demo in the cockpit: start the service, load the demo profile with
/// its URLs, open the cockpit on it. Sign-offs go to `--journal` when given,
/// else to a scratch journal removed on exit (a try-out leaves no record).
async fn cockpit(opts: DemoOptions, theme: &str, global: &GlobalArgs) -> Result<ExitCode> {
    let service = demo::start(opts).await?;
    let profile = match service.profile() {
        Ok(profile) => profile,
        Err(err) => {
            eprintln!("golive demo: the demo profile does not load:\n{err}");
            return Ok(ExitCode::from(2));
        }
    };
    let (journal, scratch) = match &global.journal {
        Some(path) => (path.clone(), false),
        None => (
            std::env::temp_dir().join(format!("golive-demo-{}.jsonl", std::process::id())),
            true,
        ),
    };
    let result = crate::commands::run::cockpit(global, profile, theme, journal.clone()).await;
    service.shutdown().await;
    if scratch {
        let _ = std::fs::remove_file(&journal);
    }
    result.map(|()| ExitCode::SUCCESS)
}

/// The longest a headless step (an item with `hold`, a verification) may
/// take, in simulated seconds: a compressed demo gives up sooner in real time.
const STEP_TIMEOUT_SIM_SEC: f64 = 60.0;
/// ... but never sooner than this, so short holds can still be met.
const STEP_TIMEOUT_MIN: Duration = Duration::from_secs(5);
/// How long after the scripted regression the headless run looks again, in
/// simulated seconds: long enough for the canary to show it.
const LOOK_AFTER_REGRESSION_SEC: f64 = 5.0;

/// The demo's story without a terminal: every phase of the demo checklist,
/// then the regression, the rollback action and the recovery, each result
/// printed as it comes. Exits 0 when the rollback was verified.
async fn headless(opts: DemoOptions, port: Option<u16>, global: &GlobalArgs) -> Result<ExitCode> {
    let service = match demo::start_at(opts, port).await {
        Ok(service) => service,
        Err(err) => {
            eprintln!("golive demo: {err}");
            return Ok(ExitCode::from(2));
        }
    };
    let profile = match service.profile() {
        Ok(profile) => Arc::new(profile),
        Err(err) => {
            eprintln!("golive demo: the demo profile does not load:\n{err}");
            return Ok(ExitCode::from(2));
        }
    };
    let color = output::use_color();
    println!(
        "golive demo: {} {} (previous {}), seed {}, speed {}x",
        profile.service.name,
        profile.service.version,
        profile.service.previous.as_deref().unwrap_or("-"),
        opts.seed,
        opts.speed
    );
    for (name, url) in service.urls() {
        println!("  {name:<9} {url}");
    }
    // The demo journals only where asked to: a try-out should not leave a
    // release record in the operator's data directory.
    let journal = if global.journal.is_some() {
        check::journal_path(&profile, global)
    } else {
        None
    };
    let step_timeout =
        Duration::from_secs_f64(STEP_TIMEOUT_SIM_SEC / opts.speed).max(STEP_TIMEOUT_MIN);
    let options = CheckOptions {
        timeout: step_timeout,
        operator: operator::resolve(global.operator.as_deref()),
        journal,
    };
    let print = |report: &ItemReport| println!("{}", output::text_line(report, color));

    for phase in &profile.phases {
        println!("\n── {} ({})", phase.title, phase.id);
        // Items that wait for a condition to hold (readiness) go first, so
        // the rest are judged on a service that is up.
        let (waiting, rest): (Vec<&str>, Vec<&str>) = phase
            .items
            .iter()
            .map(|i| i.id.as_str())
            .partition(|id| holds(&profile, id));
        for ids in [waiting, rest] {
            if !ids.is_empty() {
                let part = Arc::new(only_items(&profile, &ids));
                check::run_checks(part, Some(&phase.id), options.clone(), print).await?;
            }
        }
    }

    let Some(rollback) = profile.actions.get("rollback") else {
        eprintln!("golive demo: the demo profile has no rollback action");
        return Ok(ExitCode::from(2));
    };
    let verify: Vec<&str> = rollback.verify.iter().map(String::as_str).collect();
    let look_at = timeline::REGRESSION_AT_SEC + LOOK_AFTER_REGRESSION_SEC;
    println!(
        "\n── Watching the canary (the demo regresses at {}s simulated; now {:.0}s)",
        timeline::REGRESSION_AT_SEC,
        service.elapsed()
    );
    while service.elapsed() < look_at {
        let left = (look_at - service.elapsed()) / opts.speed;
        tokio::time::sleep(Duration::from_secs_f64(left.clamp(0.01, 1.0))).await;
    }
    let verify_profile = Arc::new(only_items(&profile, &verify));
    check::run_checks(verify_profile.clone(), None, options.clone(), print).await?;

    println!("\n── Rollback");
    // The operator's own path: the engine fed one confirmed action under
    // the one driver, which runs it, journals it and proves the recovery.
    let act_options = ActOptions {
        yes: true,
        dry_run: false,
        interactive: false,
        journal: options.journal.clone(),
        operator: options.operator.clone(),
        docker_host: None,
    };
    let mut out = output::stdout();
    let code = act::act_async(
        &profile,
        "rollback",
        &act_options,
        &mut std::io::empty(),
        &mut out,
    )
    .await?;
    service.shutdown().await;
    Ok(code)
}

/// Whether the item waits for its condition to hold for a while.
fn holds(profile: &Profile, id: &str) -> bool {
    profile.items().any(|(_, item)| {
        item.id == id && matches!(&item.check, Some(Check::Endpoint(c)) if c.hold.is_some())
    })
}

/// The profile with only the named items (phases left empty are dropped).
fn only_items(profile: &Profile, ids: &[&str]) -> Profile {
    let mut part = profile.clone();
    for phase in &mut part.phases {
        phase.items.retain(|item| ids.contains(&item.id.as_str()));
    }
    part.phases.retain(|phase| !phase.items.is_empty());
    part
}

/// Resolves on Ctrl-C or SIGTERM.
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn ctl(args: &DemoCtlArgs) -> Result<ExitCode> {
    let outcome = match args.action {
        DemoCtlAction::Logs => {
            let keep_colour = !std::io::stdout().is_terminal();
            let mut out = std::io::stdout().lock();
            match demo::ctl::stream_logs(&args.url, &mut out, keep_colour).await {
                // The reader went away: nothing left to do.
                Err(demo::ctl::CtlError::Output(e))
                    if e.kind() == std::io::ErrorKind::BrokenPipe =>
                {
                    Ok(())
                }
                other => other,
            }
        }
        action => {
            let verb = match action {
                DemoCtlAction::Rollback => "rollback",
                DemoCtlAction::Promote => "promote",
                _ => "state",
            };
            demo::ctl::control(&args.url, verb)
                .await
                .map(|body| println!("{body}"))
        }
    };
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("golive demo-ctl: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn demo_profile() -> Profile {
        crate::profile::load_with(
            std::path::Path::new(demo::PROFILE_PATH),
            demo::PROFILE,
            &|_| None,
        )
        .unwrap()
    }

    #[test]
    fn only_items_keeps_the_named_items_and_drops_empty_phases() {
        let profile = demo_profile();
        let part = only_items(&profile, &["healthz", "ready", "control"]);
        let kept: Vec<(&str, &str)> = part
            .items()
            .map(|(p, i)| (p.id.as_str(), i.id.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                ("t-30", "control"),
                ("canary", "ready"),
                ("canary", "healthz")
            ]
        );
        assert!(part.phases.iter().all(|p| p.id != "post-launch"));
        assert_eq!(part.endpoints, profile.endpoints);
    }

    #[test]
    fn only_endpoint_items_with_a_hold_go_first() {
        let profile = demo_profile();
        assert!(holds(&profile, "ready"));
        // A metric item with a hold is judged with the rest.
        assert!(!holds(&profile, "p95"));
        assert!(!holds(&profile, "healthz"));
        assert!(!holds(&profile, "no-such-item"));
    }
}
