//! What a log line says about itself, read once as the line enters: the
//! time it was written (a leading RFC 3339 / ISO 8601 stamp, or a JSON
//! line's `time`/`ts`/`timestamp`/`@timestamp`), and for JSON lines of the
//! common shapes (structlog, pino, zap, logrus, python-json-logger) its
//! level, message and remaining fields, so the pane can draw
//! `LEVEL message key=value …` instead of the raw object. Every string
//! taken out of the JSON is sanitised here (a JSON `\u001b` decodes to a
//! real escape byte); redaction then masks the pieces like the text.

use std::ops::Range;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::log_time::{json_value_time, split_leading_timestamp};
use super::logs::Severity;
use super::sanitize::clean_text;

const TIME_KEYS: [&str; 4] = ["time", "ts", "timestamp", "@timestamp"];
const LEVEL_KEYS: [&str; 4] = ["level", "lvl", "severity", "levelname"];
const MESSAGE_KEYS: [&str; 3] = ["msg", "message", "event"];
/// Objects whose fields are the line's own extras (python-json-logger's
/// `extra_fields`, logrus' `fields`): their keys are shown without the
/// wrapper's name.
const WRAPPERS: [&str; 3] = ["extra_fields", "extra", "fields"];
/// How deep nested objects are flattened into `a.b.c=value`.
const MAX_DEPTH: usize = 3;
/// Fields drawn at most; the rest are counted (`+N`), a line is one row.
const MAX_FIELDS: usize = 64;

/// A JSON line read as a log record, kept as it is drawn: the pieces it
/// was laid out from (message, fields) are not kept, since a full pane
/// holds tens of thousands of lines and would hold every record twice.
#[derive(Debug, Clone, PartialEq)]
pub struct Structured {
    pub level: Option<Severity>,
    /// The drawn form, `LEVEL message key=value …`, and its parts.
    pub shown: String,
    pub parts: Box<[(Range<usize>, Part)]>,
}

/// What a JSON line says about itself: the record, the time it names and
/// its severity (its level, else as its message reads).
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub record: Structured,
    pub written: Option<DateTime<Utc>>,
    pub severity: Severity,
}

/// The pieces a record is laid out from.
struct Pieces {
    level: Option<Severity>,
    message: String,
    /// The other fields, by key (as serde_json's map keeps them), nested
    /// keys dotted.
    fields: Vec<(String, String)>,
    /// Fields beyond [`MAX_FIELDS`], not drawn.
    more: usize,
}

/// What a piece of [`Structured::shown`] is, for its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Level,
    Message,
    Key,
    Value,
}

/// The leading timestamp of a text line: its time and the byte offset where
/// the text after it starts.
pub fn leading_time(text: &str) -> Option<(DateTime<Utc>, usize)> {
    split_leading_timestamp(text)
}

/// A JSON object line as a log record: None unless it is an object with a
/// level or a message (an arbitrary JSON value is shown as it is).
pub fn structured(text: &str) -> Option<Parsed> {
    structured_masked(text, &|_| false)
}

/// [`structured`], with `mask` applied to every decoded piece (message,
/// keys, values) before they are laid out: a secret the raw text hid
/// behind a JSON escape (`\"`, `\u00e9`) shows in the pieces only, and
/// masking each piece keeps the drawn parts' styles.
pub fn structured_masked(text: &str, mask: &dyn Fn(&mut String) -> bool) -> Option<Parsed> {
    let trimmed = text.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    let Value::Object(map) = serde_json::from_str::<Value>(trimmed).ok()? else {
        return None;
    };
    let time_key = TIME_KEYS
        .iter()
        .find(|k| map.get(**k).and_then(json_value_time).is_some());
    let written = time_key.and_then(|k| map.get(*k)).and_then(json_value_time);
    let level_key = LEVEL_KEYS.iter().find(|k| level_of(map.get(**k)).is_some());
    let level = level_key.and_then(|k| level_of(map.get(*k)));
    let message_key = MESSAGE_KEYS
        .iter()
        .find(|k| map.get(**k).is_some_and(Value::is_string));
    if level.is_none() && message_key.is_none() {
        return None;
    }
    let message = message_key
        .and_then(|k| map.get(*k))
        .and_then(Value::as_str)
        .map(clean)
        .unwrap_or_default();
    let skip = [time_key, level_key, message_key];
    let mut fields = Vec::new();
    for (key, value) in &map {
        if skip.iter().flatten().any(|k| *k == key) {
            continue;
        }
        let prefix = if WRAPPERS.contains(&key.as_str()) && value.is_object() {
            String::new()
        } else {
            clean(key)
        };
        flatten(&prefix, value, 0, &mut fields);
    }
    let more = fields.len().saturating_sub(MAX_FIELDS);
    fields.truncate(MAX_FIELDS);
    let mut pieces = Pieces {
        level,
        message,
        fields,
        more,
    };
    mask(&mut pieces.message);
    for (key, value) in &mut pieces.fields {
        mask(key);
        mask(value);
    }
    let severity = level.unwrap_or_else(|| super::logs::severity_of(&pieces.message));
    Some(Parsed {
        record: pieces.lay_out(),
        written,
        severity,
    })
}

impl Pieces {
    fn lay_out(&self) -> Structured {
        let mut shown = String::with_capacity(self.message.len() + 16 * self.fields.len());
        let mut parts = Vec::with_capacity(2 + 2 * self.fields.len());
        let mut push = |shown: &mut String, text: &str, part: Part| {
            let start = shown.len();
            shown.push_str(text);
            parts.push((start..shown.len(), part));
        };
        if let Some(level) = self.level {
            push(&mut shown, &level.name().to_ascii_uppercase(), Part::Level);
            shown.push(' ');
        }
        if !self.message.is_empty() {
            push(&mut shown, &self.message, Part::Message);
        }
        for (key, value) in &self.fields {
            if !shown.is_empty() && !shown.ends_with(' ') {
                shown.push(' ');
            }
            push(&mut shown, &format!("{key}="), Part::Key);
            push(&mut shown, &quoted(value), Part::Value);
        }
        if self.more > 0 {
            shown.push_str(&format!(" +{} more", self.more));
        }
        let shown = shown.trim_end().to_string();
        Structured {
            level: self.level,
            shown,
            parts: parts.into_boxed_slice(),
        }
    }
}

/// A level field's value as a severity: a word, or pino's numbers (10
/// trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal).
fn level_of(value: Option<&Value>) -> Option<Severity> {
    match value? {
        Value::String(s) => Severity::from_word(s.trim()),
        Value::Number(n) => Some(match n.as_f64()? {
            n if n >= 50.0 => Severity::Error,
            n if n >= 40.0 => Severity::Warn,
            n if n >= 30.0 => Severity::Info,
            n if n >= 20.0 => Severity::Debug,
            _ => Severity::Trace,
        }),
        _ => None,
    }
}

fn flatten(key: &str, value: &Value, depth: usize, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if depth < MAX_DEPTH && !map.is_empty() => {
            for (k, v) in map {
                let k = clean(k);
                let full = if key.is_empty() {
                    k
                } else {
                    format!("{key}.{k}")
                };
                flatten(&full, v, depth + 1, out);
            }
        }
        other => out.push((key.to_string(), clean(&scalar(other)))),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// A value as logfmt writes it: quoted when it has blanks, quotes or `=`.
fn quoted(value: &str) -> String {
    if value.is_empty() || value.contains([' ', '"', '=']) {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        value.to_string()
    }
}

/// A decoded JSON string made safe to draw: line breaks become blanks (a
/// stack trace stays on its line), every escape and control byte goes.
fn clean(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    clean_text(&text.replace(['\n', '\r'], " "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn leading_times_are_split_off_the_text() {
        let line = "2026-12-01T17:01:35.205Z INFO  checkout_api.http: GET /";
        let (at, rest) = leading_time(line).unwrap();
        assert_eq!(at, utc("2026-12-01T17:01:35.205Z"));
        assert_eq!(&line[rest..], "INFO  checkout_api.http: GET /");
        let line = "[2026-01-02 05:04:05,000 +0200] WARN slow";
        let (at, rest) = leading_time(line).unwrap();
        assert_eq!(at, utc("2026-01-02T03:04:05Z"));
        assert_eq!(&line[rest..], "WARN slow");
        let (_, rest) = leading_time("2026-01-02T03:04:05+01:00").unwrap();
        assert_eq!(rest, 25);
        // Glued to what follows, or not at the start: not a stamp to split.
        assert_eq!(leading_time("2026-01-02T03:04:05Z|INFO x"), None);
        assert_eq!(leading_time("INFO 2026-01-02T03:04:05Z x"), None);
        assert_eq!(leading_time("[2026-01-02T03:04:05Z x"), None);
    }

    #[test]
    fn json_shapes_of_common_loggers() {
        let cases = [
            // structlog
            (
                r#"{"event":"user logged in","level":"info","timestamp":"2026-01-02T03:04:05Z","user":"ann"}"#,
                Some(Severity::Info),
                "INFO user logged in user=ann",
            ),
            // pino: numeric level, epoch millis, its bookkeeping kept as fields
            (
                r#"{"level":50,"time":1767323045000,"pid":7,"msg":"db down"}"#,
                Some(Severity::Error),
                "ERROR db down pid=7",
            ),
            // zap
            (
                r#"{"level":"warn","ts":1767323045.5,"caller":"main.go:9","msg":"slow","latency":"2.1s"}"#,
                Some(Severity::Warn),
                "WARN slow caller=main.go:9 latency=2.1s",
            ),
            // logrus
            (
                r#"{"level":"debug","msg":"cache miss","time":"2026-01-02T03:04:05Z","key":"a b"}"#,
                Some(Severity::Debug),
                r#"DEBUG cache miss key="a b""#,
            ),
            // python-json-logger with seed 003's extra_fields
            (
                r#"{"timestamp":"2026-01-02T03:04:05.000000+00:00","levelname":"ERROR","message":"checkout failed","extra_fields":{"status":503,"ok":false},"ctx":{"user":{"id":1}}}"#,
                Some(Severity::Error),
                "ERROR checkout failed ctx.user.id=1 ok=false status=503",
            ),
        ];
        for (line, level, shown) in cases {
            let parsed = structured(line).expect(line);
            assert_eq!(parsed.record.level, level, "{line}");
            assert_eq!(parsed.record.shown, shown, "{line}");
            assert!(parsed.written.is_some(), "{line}");
        }
        let at = structured(cases[1].0).unwrap().written;
        assert_eq!(at, Some(utc("2026-01-02T03:04:05Z")));
        let at = structured(cases[4].0).unwrap().written;
        assert_eq!(at, Some(utc("2026-01-02T03:04:05Z")));
    }

    #[test]
    fn parts_cover_level_message_keys_and_values() {
        let record = structured(r#"{"level":"info","msg":"hi","n":1}"#)
            .unwrap()
            .record;
        let pieces: Vec<(&str, Part)> = record
            .parts
            .iter()
            .map(|(r, p)| (&record.shown[r.clone()], *p))
            .collect();
        assert_eq!(
            pieces,
            [
                ("INFO", Part::Level),
                ("hi", Part::Message),
                ("n=", Part::Key),
                ("1", Part::Value)
            ]
        );
    }

    #[test]
    fn not_every_json_line_is_a_record() {
        for line in [
            r#"{"a":1}"#,
            "[1,2]",
            "{broken",
            r#"plain {"level":"info"}"#,
            "",
        ] {
            assert!(structured(line).is_none(), "{line}");
        }
    }

    #[test]
    fn decoded_strings_are_sanitised() {
        let line = r#"{"level":"info","msg":"a\u001b[2Jb\nc","k\u001b]0;x\u0007":"v\u009b31m"}"#;
        let record = structured(line).unwrap().record;
        assert!(
            !record.shown.chars().any(char::is_control),
            "{:?}",
            record.shown
        );
        assert!(record.shown.starts_with("INFO ab c "), "{:?}", record.shown);
    }

    #[test]
    fn many_fields_are_counted_not_drawn() {
        let fields: Vec<String> = (0..100).map(|i| format!("\"f{i}\":{i}")).collect();
        let line = format!("{{\"msg\":\"x\",{}}}", fields.join(","));
        let record = structured(&line).unwrap().record;
        assert_eq!(
            record.parts.iter().filter(|(_, p)| *p == Part::Key).count(),
            MAX_FIELDS
        );
        assert!(record.shown.ends_with("+36 more"), "{}", record.shown);
    }
}
