//! What a `check = { logs = ..., pattern, max, window }` decides over the
//! lines held: how many of its source's lines matched within its window,
//! against its maximum, and the sentence the verdict reads as on every face.

use std::time::Duration;

use chrono::{DateTime, Utc};
use regex::Regex;

use super::logs::LogLine;
use crate::profile::LogsCheck;

/// What a `check = { logs = ..., pattern, max, window }` saw.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsVerdict {
    pub passed: bool,
    pub count: u64,
    pub explanation: String,
}

/// golive's own notes in a source's stream ("golive: cannot open ...") are
/// not the service's lines: no logs check counts them, on any face.
pub fn is_service_line(line: &LogLine) -> bool {
    !line.text.starts_with("golive: ")
}

/// The evidence of a logs check whose source the profile does not have.
pub fn missing_source(check: &LogsCheck) -> String {
    format!("no log source {:?} in the profile", check.source)
}

/// [`evaluate_logs_check`] over a profile's sources: a check naming a
/// source the profile lacks fails with the reason, never passes on silence.
pub fn evaluate_logs_check_in<'a>(
    sources: &[crate::profile::LogSource],
    check: &LogsCheck,
    lines: impl IntoIterator<Item = &'a LogLine>,
    now: DateTime<Utc>,
) -> LogsVerdict {
    if !sources.iter().any(|s| s.id == check.source) {
        return LogsVerdict {
            passed: false,
            count: 0,
            explanation: missing_source(check),
        };
    }
    evaluate_logs_check(check, lines, now)
}

/// Counts lines of the check's source matching its pattern within the window
/// ending at `now`. Lines without a timestamp count: a silent pass on lines
/// whose age is unknown would hide errors.
pub fn evaluate_logs_check<'a>(
    check: &LogsCheck,
    lines: impl IntoIterator<Item = &'a LogLine>,
    now: DateTime<Utc>,
) -> LogsVerdict {
    let re = match Regex::new(&check.pattern) {
        Ok(re) => re,
        Err(e) => {
            return LogsVerdict {
                passed: false,
                count: 0,
                explanation: format!("pattern {:?} is not a valid regex: {e}", check.pattern),
            };
        }
    };
    let window = chrono::Duration::from_std(check.window).unwrap_or(chrono::Duration::MAX);
    let from = now.checked_sub_signed(window);
    let count = lines
        .into_iter()
        .filter(|l| *l.source == *check.source && is_service_line(l))
        .filter(|l| match (l.at, from) {
            (Some(at), Some(from)) => at >= from,
            _ => true,
        })
        .filter(|l| re.is_match(&l.text))
        .count() as u64;
    let passed = count <= check.max;
    LogsVerdict {
        passed,
        count,
        explanation: logs_verdict_sentence(check, &count.to_string(), passed),
    }
}

/// The sentence a logs check's verdict reads as, headless and in the cockpit
/// alike; `count` is the number, or "at least N" where matches were dropped.
pub fn logs_verdict_sentence(check: &LogsCheck, count: &str, passed: bool) -> String {
    format!(
        "{count} line(s) of {} matched {:?} in the last {} (max {}){}",
        check.source,
        check.pattern,
        humantime::format_duration(Duration::from_secs(check.window.as_secs())),
        check.max,
        if passed { "" } else { ": too many" }
    )
}
