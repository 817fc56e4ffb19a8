//! When a line of a file or command log source says it was written, so
//! `--since` can skip what is older. Docker stamps every line itself and
//! filters engine-side; files and commands only have what the application
//! printed: a leading RFC 3339 / ISO 8601 timestamp, or a JSON line's
//! `time`, `timestamp`, `ts` or `@timestamp` field.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The time a line starts with, if it starts with one. A timestamp without
/// an offset is taken as the machine's local time, as ISO 8601 reads it.
pub fn leading_timestamp(line: &[u8]) -> Option<DateTime<Utc>> {
    let start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    let line = &line[start..];
    if line.first() == Some(&b'{') {
        return json_time(line);
    }
    let line = line.strip_prefix(b"[").unwrap_or(line);
    // The longest form: 2026-01-02T03:04:05.123456789+02:00.
    let head = &line[..line.len().min(40)];
    // The cut may split a character after the timestamp: keep what is valid.
    let head = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
    };
    parse_prefix(head).map(|(at, _)| at)
}

fn json_time(line: &[u8]) -> Option<DateTime<Utc>> {
    let serde_json::Value::Object(map) = serde_json::from_slice(line).ok()? else {
        return None;
    };
    ["time", "timestamp", "ts", "@timestamp"]
        .iter()
        .find_map(|key| match map.get(*key)? {
            serde_json::Value::String(s) => parse_prefix(s.trim()).map(|(at, _)| at),
            serde_json::Value::Number(n) => epoch(n.as_f64()?),
            _ => None,
        })
}

/// A JSON value as a time: an RFC 3339 / ISO 8601 string, or epoch seconds
/// or milliseconds (as a number or a string of digits).
pub fn json_value_time(value: &serde_json::Value) -> Option<DateTime<Utc>> {
    match value {
        serde_json::Value::String(s) => {
            let s = s.trim();
            parse_prefix(s)
                .filter(|(_, end)| *end == s.len())
                .map(|(at, _)| at)
                .or_else(|| epoch(s.parse::<f64>().ok()?))
        }
        serde_json::Value::Number(n) => epoch(n.as_f64()?),
        _ => None,
    }
}

/// The time a text line starts with and the byte offset where the rest of
/// the line begins (the blanks after it skipped, a `[...]` around it
/// included), so the text need not repeat what the time column shows.
/// Only a timestamp that ends at a blank, a `]` or the end counts.
pub fn split_leading_timestamp(text: &str) -> Option<(DateTime<Utc>, usize)> {
    let start = text.len() - text.trim_start().len();
    let mut at = start;
    let bracket = text[at..].starts_with('[');
    if bracket {
        at += 1;
    }
    let (time, len) = parse_prefix(&text[at..])?;
    let mut end = at + len;
    let rest = &text[end..];
    if bracket {
        end += rest.strip_prefix(']').map(|_| 1)?;
    } else if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let after = &text[end..];
    Some((time, end + (after.len() - after.trim_start().len())))
}

/// Epoch seconds, or milli-, micro- or nanoseconds judged by magnitude (a
/// log line from before 1973 in milliseconds is not a concern).
fn epoch(n: f64) -> Option<DateTime<Utc>> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let nanos = if n >= 1e17 {
        n
    } else if n >= 1e14 {
        n * 1e3
    } else if n >= 1e11 {
        n * 1e6
    } else {
        n * 1e9
    };
    // f64 holds epoch nanoseconds to well under a microsecond of error.
    let nanos = nanos as i64;
    Some(DateTime::from_timestamp_nanos(nanos))
}

/// Parses `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM]` at the start of
/// `text`, ignoring what follows; the time and where it ended.
fn parse_prefix(text: &str) -> Option<(DateTime<Utc>, usize)> {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let shape = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b't' | b' '))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19);
    if !shape {
        return None;
    }
    // Read in place: every line of a flood comes through here.
    let num =
        |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let date = NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10))?;
    let mut end = 19;
    let mut nanos = 0u32;
    if matches!(b.get(end), Some(b'.' | b',')) && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
        let frac_end = (end + 1..b.len())
            .find(|&i| !b[i].is_ascii_digit())
            .unwrap_or(b.len());
        // Nanoseconds: digits past the ninth are dropped, as RFC 3339
        // parsing does.
        let digits = &b[end + 1..frac_end.min(end + 10)];
        nanos = digits
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
            * 10u32.pow(9 - digits.len() as u32);
        end = frac_end;
    }
    let time = NaiveTime::from_hms_nano_opt(num(11..13), num(14..16), num(17..19), nanos)?;
    let naive = NaiveDateTime::new(date, time);
    // "05:04:05,000 +0200": one space before a numeric offset.
    if b.get(end) == Some(&b' ')
        && matches!(b.get(end + 1), Some(b'+' | b'-'))
        && digits(end + 2..end + 4)
    {
        end += 1;
    }
    match b.get(end) {
        Some(b'Z' | b'z') => Some((naive.and_utc(), end + 1)),
        Some(sign @ (b'+' | b'-')) if digits(end + 1..end + 3) => {
            let (hh, mm, len) = if b.get(end + 3) == Some(&b':') && digits(end + 4..end + 6) {
                (num(end + 1..end + 3), num(end + 4..end + 6), 6)
            } else if digits(end + 3..end + 5) {
                (num(end + 1..end + 3), num(end + 3..end + 5), 5)
            } else {
                (num(end + 1..end + 3), 0, 3)
            };
            if hh > 23 || mm > 59 {
                return None;
            }
            let seconds = (hh * 3600 + mm * 60) as i32;
            let offset = FixedOffset::east_opt(if *sign == b'-' { -seconds } else { seconds })?;
            offset
                .from_local_datetime(&naive)
                .single()
                .map(|t| (t.with_timezone(&Utc), end + len))
        }
        _ => Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| (t.with_timezone(&Utc), end)),
    }
}

/// `--since` for a source that starts reading from its beginning: lines
/// dated before `since` are skipped until the first line that is not; from
/// there on every line passes, so a live line is never dropped for a
/// timestamp out of order. A line without a date goes with the dated line
/// before it (a stack trace with its message); undated lines before any
/// dated one are kept.
#[derive(Debug, Clone)]
pub struct SinceFilter {
    /// None once the start is reached (or without `--since`).
    since: Option<DateTime<Utc>>,
    skipping: bool,
}

impl SinceFilter {
    pub fn new(since: Option<DateTime<Utc>>) -> Self {
        Self {
            since,
            skipping: false,
        }
    }

    /// True when the line is to be shown.
    pub fn keeps(&mut self, line: &[u8]) -> bool {
        let Some(since) = self.since else {
            return true;
        };
        match leading_timestamp(line) {
            Some(at) if at >= since => {
                self.since = None;
                true
            }
            Some(_) => {
                self.skipping = true;
                false
            }
            None => !self.skipping,
        }
    }
}

/// Writes times as `2026-01-02T03:04:05.123Z` (UTC, milliseconds), the
/// stamp golive puts before a log line, without re-running a format string
/// per line: the text up to the second is kept and reused while a flood
/// stays within one second, and only the milliseconds are written anew.
#[derive(Debug, Default)]
pub struct StampWriter {
    second: Option<i64>,
    head: String,
}

impl StampWriter {
    /// Appends `at`'s stamp to `out`.
    pub fn push(&mut self, at: DateTime<Utc>, out: &mut String) {
        let second = at.timestamp();
        if self.second != Some(second) {
            self.head.clear();
            use std::fmt::Write as _;
            let _ = write!(self.head, "{}", at.format("%Y-%m-%dT%H:%M:%S"));
            self.second = Some(second);
        }
        out.push_str(&self.head);
        let ms = at.timestamp_subsec_millis().min(999);
        out.push('.');
        for digit in [ms / 100, ms / 10 % 10, ms % 10] {
            out.push(char::from(b'0' + digit as u8));
        }
        out.push('Z');
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn stamp_writer_matches_the_chrono_format() {
        let mut stamps = StampWriter::default();
        let base = Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 58).unwrap();
        for ms in [
            0i64, 1, 9, 10, 99, 100, 999, 1000, 1001, 1999, 2000, 86_400_123,
        ] {
            let at = base + chrono::Duration::milliseconds(ms);
            let mut out = String::new();
            stamps.push(at, &mut out);
            assert_eq!(out, at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn leading_timestamps_in_common_forms() {
        let at = utc("2026-01-02T03:04:05Z");
        for line in [
            "2026-01-02T03:04:05Z INFO ready",
            "2026-01-02T03:04:05.000Z INFO ready",
            "  2026-01-02T05:04:05+02:00 INFO ready",
            "[2026-01-02 05:04:05,000 +0200] INFO ready",
            "2026-01-02T01:04:05-02 INFO ready",
            r#"{"level":"info","time":"2026-01-02T03:04:05Z","msg":"ready"}"#,
            r#"{"ts":1767323045,"msg":"ready"}"#,
            r#"{"ts":1767323045000,"msg":"ready"}"#,
            r#"{"@timestamp":"2026-01-02T03:04:05.000000Z"}"#,
        ] {
            assert_eq!(leading_timestamp(line.as_bytes()), Some(at), "{line}");
        }
        let nanos = leading_timestamp(b"2026-01-02T03:04:05.123456789Z x").unwrap();
        assert_eq!(nanos.timestamp_subsec_nanos(), 123_456_789);
    }

    #[test]
    fn no_offset_means_local_time() {
        let naive =
            NaiveDateTime::parse_from_str("2026-01-02 03:04:05", "%Y-%m-%d %H:%M:%S").unwrap();
        let local = Local.from_local_datetime(&naive).earliest().unwrap();
        for line in [
            "2026-01-02 03:04:05 started",
            "2026-01-02 03:04:05,000 - app - INFO - Python's default format",
        ] {
            assert_eq!(
                leading_timestamp(line.as_bytes()),
                Some(local.with_timezone(&Utc)),
                "{line}"
            );
        }
    }

    #[test]
    fn lines_without_a_leading_timestamp() {
        for line in [
            "",
            "INFO 2026-01-02T03:04:05Z later in the line",
            "2026-01-02",
            "2026-13-02T03:04:05Z month 13",
            "{not json 2026-01-02T03:04:05Z",
            r#"{"msg":"no time field"}"#,
            r#"{"time":"yesterday"}"#,
            "\u{fffd}\u{fffd} bad bytes",
        ] {
            assert_eq!(leading_timestamp(line.as_bytes()), None, "{line}");
        }
        assert_eq!(leading_timestamp(b"\xff\xfe 2026"), None);
    }

    #[test]
    fn since_skips_older_lines_with_their_continuations() {
        let mut f = SinceFilter::new(Some(utc("2026-01-02T03:00:00Z")));
        let kept: Vec<&str> = [
            "undated preamble",
            "2026-01-02T02:00:00Z ERROR old",
            "    at old_frame()",
            "2026-01-02T02:59:59Z INFO old",
            "2026-01-02T03:00:00Z INFO new",
            "    at new_frame()",
            "2026-01-02T02:30:00Z INFO late but live",
        ]
        .into_iter()
        .filter(|l| f.keeps(l.as_bytes()))
        .collect();
        assert_eq!(
            kept,
            [
                "undated preamble",
                "2026-01-02T03:00:00Z INFO new",
                "    at new_frame()",
                "2026-01-02T02:30:00Z INFO late but live",
            ]
        );
        let mut none = SinceFilter::new(None);
        assert!(none.keeps(b"2000-01-01T00:00:00Z ancient"));
    }
}
