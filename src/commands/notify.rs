//! `golive notify test`: the face that tries a profile's receivers. It asks
//! the engine for a test notification per receiver (the same payload and
//! Slack shape a release sends), has the delivery adapter send each with the
//! receiver's timeout and retries, claiming nothing and journalling nothing,
//! and prints what each answered.

use std::process::ExitCode;

use chrono::Utc;
use color_eyre::Result;

use crate::cli::{GlobalArgs, NotifyArgs, NotifyCommand};
use crate::engine::notify::{Delivery, test_notifications};
use crate::io::{notify, operator};

pub fn run(args: NotifyArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let NotifyCommand::Test { profile, id } = args.command;
    let profile = match super::load_resolved(&profile) {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    if let Some(id) = &id
        && !profile.notify.receivers.iter().any(|r| &r.id == id)
    {
        eprintln!("the profile has no [[notify]] with id `{id}`");
        return Ok(ExitCode::from(2));
    }
    let operator = operator::resolve(global.operator.as_deref());
    let notifications = test_notifications(&profile, &operator, Utc::now(), id.as_deref());
    if notifications.is_empty() {
        eprintln!("the profile has no [[notify]] receiver");
        return Ok(ExitCode::from(2));
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let client = reqwest::Client::new();
    let mut all_ok = true;
    for n in &notifications {
        let Some(receiver) = profile.notify.receivers.iter().find(|r| r.id == n.receiver) else {
            continue;
        };
        let delivery = runtime.block_on(notify::deliver(&client, receiver, None, n));
        let line = match &delivery {
            Delivery::Sent { attempts, status } => {
                format!(
                    "✔ {}: accepted{} after {attempts} attempt(s)",
                    n.receiver,
                    answered(*status)
                )
            }
            Delivery::Failed {
                attempts,
                status,
                reason,
            } => {
                all_ok = false;
                format!(
                    "✘ {}: failed{} after {attempts} attempt(s): {reason}",
                    n.receiver,
                    answered(*status)
                )
            }
            Delivery::ClaimedElsewhere | Delivery::Busy => continue,
        };
        println!("{}", profile.redactor.redact(&line));
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn answered(status: Option<i32>) -> String {
    status.map(|s| format!(" (status {s})")).unwrap_or_default()
}
