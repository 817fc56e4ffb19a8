//! The one place text from outside is masked as it enters the engine: log
//! lines, probe answers (body, headers, errors), command and action output,
//! container facts and journal records. Whatever a face then shows, saves or
//! journals was masked here once, so no pane, file or command can forget to.
//! The journal encoder runs [`redact_value`] again as a last line of defence.

use serde_json::Value;

use super::command::CommandOutcome;
use super::logs::LogLine;
use super::probe::Observation;
use super::record::Record;
use super::state::Msg;
use crate::profile::Redactor;

/// Masks every secret in a message before the state sees it.
pub fn redact_msg(r: &Redactor, msg: &mut Msg) {
    if r.is_empty() {
        return;
    }
    match msg {
        Msg::Logs(lines) => lines.iter_mut().for_each(|l| redact_line(r, l)),
        Msg::Probe(report) => {
            r.mask(&mut report.url);
            redact_observation(r, &mut report.observation);
        }
        Msg::Record(record) => redact_record(r, record),
        Msg::Containers { state, .. } => {
            if let Some(err) = &mut state.error {
                r.mask(err);
            }
            for c in &mut state.containers {
                r.mask(&mut c.image);
            }
        }
        Msg::CheckFinished { outcome, .. } | Msg::ActionFinished { outcome, .. } => {
            redact_outcome(r, outcome)
        }
        Msg::Rehearsed { facts, .. } => {
            // The engine's and the shell's words may quote an argv or a path.
            let texts = [
                facts.executable.as_mut().map(|r| match r {
                    Ok(s) | Err(s) => s,
                }),
                facts.containers.as_mut().and_then(|r| r.as_mut().err()),
                facts.image.as_mut().and_then(|r| r.as_mut().err()),
                facts.service.as_mut().and_then(|r| r.as_mut().err()),
            ];
            for s in texts.into_iter().flatten() {
                *s = r.redact(s);
            }
            if let Some(err) = facts.deployment.as_mut().and_then(|d| d.error.as_mut()) {
                r.mask(err);
            }
        }
        Msg::SwarmChecked { state, .. } | Msg::Swarm(state) => {
            let task_texts = state
                .tasks
                .iter_mut()
                .flat_map(|t| [Some(&mut t.image), t.error.as_mut()].into_iter().flatten());
            for s in task_texts
                .chain(state.error.iter_mut())
                .chain(state.update_message.iter_mut())
                .chain(std::iter::once(&mut state.image))
            {
                r.mask(s);
            }
        }
        Msg::KubeChecked { state, .. } | Msg::Kube(state) => {
            let pod_texts = state.pods.iter_mut().flat_map(|p| {
                [Some(&mut p.image), p.reason.as_mut()]
                    .into_iter()
                    .flatten()
            });
            for s in pod_texts
                .chain(state.error.iter_mut())
                .chain(state.progress_message.iter_mut())
                .chain(std::iter::once(&mut state.image))
            {
                r.mask(s);
            }
        }
        Msg::ActionOutput { line, .. } | Msg::Problem(line) => {
            r.mask(line);
        }
        Msg::Notified(done) => {
            if let super::notify::Delivery::Failed { reason, .. } = &mut done.delivery {
                r.mask(reason);
            }
        }
        Msg::Key(_)
        | Msg::Tick(_)
        | Msg::Resize(..)
        | Msg::Scroll { .. }
        | Msg::Click { .. }
        | Msg::Metrics(_)
        | Msg::LogRows(_)
        | Msg::LogCols(_)
        | Msg::LogsSaved { .. }
        | Msg::ActionConfirmed { .. }
        | Msg::CheckStarted { .. }
        | Msg::Baseline(_) => {}
    }
}

/// A log line with its secrets masked. Its colour runs are byte ranges of
/// the text as written, so a line that changed loses them rather than
/// colouring the wrong bytes.
pub fn redact_line(r: &Redactor, line: &mut LogLine) {
    if r.is_empty() {
        return;
    }
    // A record's pieces were decoded from JSON (`\"`, `\u00e9`): a secret
    // the raw text hid behind an escape shows in them only, so the record
    // is read again from the text as written, each piece masked before it
    // is drawn. Without an escape the pieces are pieces of the text, and a
    // text with no secret needs no second read.
    if line.structured.is_some()
        && (line.text.contains('\\') || r.finds(&line.text))
        && let Some(parsed) =
            crate::engine::log_parse::structured_masked(&line.text, &|s| r.mask(s))
    {
        line.structured = Some(Box::new(parsed.record));
    }
    if r.mask(&mut line.text) {
        line.styles.clear();
    }
    if let Some(record) = line.structured.as_deref_mut() {
        // A pattern may span pieces (`password=…` once drawn): the drawn
        // form is masked whole too, losing its part styles if it changes.
        if r.mask(&mut record.shown) {
            record.parts = Box::default();
        }
    }
}

/// Masks every string of a JSON value, keys left alone.
pub fn redact_value(value: &mut Value, r: &Redactor) {
    match value {
        Value::String(s) => {
            r.mask(s);
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, r)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_value(v, r)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn redact_outcome(r: &Redactor, outcome: &mut CommandOutcome) {
    outcome.tail.iter_mut().for_each(|l| {
        r.mask(l);
    });
    r.mask(&mut outcome.stdout);
    if let Some(err) = &mut outcome.spawn_error {
        r.mask(err);
    }
}

fn redact_observation(r: &Redactor, o: &mut Observation) {
    r.mask(&mut o.url);
    r.mask(&mut o.body_text);
    for (_, value) in &mut o.headers {
        r.mask(value);
    }
    if let Some(json) = &mut o.json {
        redact_value(json, r);
    }
    let strings = o
        .error
        .iter_mut()
        .chain(o.health.reason.iter_mut())
        .chain(o.health.version.iter_mut())
        .chain(o.health.errors.iter_mut())
        .chain(o.health.warnings.iter_mut());
    for s in strings {
        r.mask(s);
    }
}

/// A record read back from the journal is masked already when golive wrote
/// it; one another tool appended may not be.
fn redact_record(r: &Redactor, record: &mut Record) {
    let Ok(mut value) = serde_json::to_value(&*record) else {
        return;
    };
    if let Value::Object(map) = &mut value {
        for (key, field) in map.iter_mut() {
            if key != "at" && key != "kind" {
                redact_value(field, r);
            }
        }
    }
    if let Ok(masked) = serde_json::from_value(value) {
        *record = masked;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_json_records_decoded_pieces_are_masked() {
        let r = Redactor::new(["s3cr\"et".to_string(), "tok3n".to_string()]);
        // The first secret hides behind a JSON escape in the raw text.
        let raw = r#"{"level":"info","msg":"login s3cr\"et","auth":"tok3n","ok":1}"#;
        let mut line = LogLine::new("api", None, raw.to_string());
        assert!(line.structured.as_ref().unwrap().shown.contains("tok3n"));
        redact_line(&r, &mut line);
        let record = line.structured.as_ref().unwrap();
        assert!(!line.text.contains("tok3n"), "{}", line.text);
        for secret in ["s3cr\"et", "tok3n"] {
            assert!(!record.shown.contains(secret), "{}", record.shown);
        }
        // Masked piece by piece, the record keeps its drawn parts.
        assert!(!record.parts.is_empty());
        assert!(record.shown.starts_with("INFO login "), "{}", record.shown);
        assert!(record.shown.ends_with("ok=1"), "{}", record.shown);
    }

    #[test]
    fn a_log_line_with_a_secret_is_masked_and_loses_its_colours() {
        let r = Redactor::new(["tok3n".to_string()]);
        let mut line =
            LogLine::from_bytes("src", None, b"\x1b[31mAuthorization: Bearer tok3n\x1b[0m");
        assert!(!line.styles.is_empty());
        redact_line(&r, &mut line);
        assert_eq!(line.text, "Authorization: Bearer ••••");
        assert!(line.styles.is_empty());
    }

    #[test]
    fn every_text_of_a_message_is_masked() {
        let r = Redactor::new(["tok3n".to_string()]);
        let mut msg = Msg::ActionFinished {
            name: "rollback".into(),
            outcome: CommandOutcome {
                tail: vec!["using tok3n".into()],
                spawn_error: Some("no tok3n".into()),
                ..CommandOutcome::default()
            },
        };
        redact_msg(&r, &mut msg);
        let Msg::ActionFinished { outcome, .. } = msg else {
            panic!("changed kind");
        };
        assert_eq!(outcome.tail, vec!["using ••••".to_string()]);
        assert_eq!(outcome.spawn_error.as_deref(), Some("no ••••"));
    }
}
