//! `golive demo` and the hidden `golive demo-ctl`: start the embedded demo
//! service and serve it (the cockpit and the headless checklist come on top of
//! this), or talk to one that is already running.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use color_eyre::Result;
use color_eyre::eyre::WrapErr;

use crate::cli::{DemoArgs, DemoCtlAction, DemoCtlArgs};
use crate::demo::{self, DemoOptions};

pub fn run(args: &DemoArgs) -> Result<ExitCode> {
    let opts = DemoOptions {
        seed: args.seed,
        speed: args.speed,
    };
    if args.headless {
        // TODO(lead): run profiles/demo.toml through the check runner once
        // `commands::check` is on main; until then say so plainly.
        eprintln!(
            "golive demo --headless: the headless checklist runner is not available yet; \
             use `golive demo --serve-only`"
        );
        return Ok(ExitCode::from(2));
    }
    // Plain `golive demo` serves until the cockpit lands.
    runtime()?.block_on(serve(opts))
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

async fn serve(opts: DemoOptions) -> Result<ExitCode> {
    let service = demo::start(opts).await?;
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
