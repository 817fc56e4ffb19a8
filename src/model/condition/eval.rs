//! Evaluating a parsed condition against [`Facts`]: reading both sides,
//! comparing them by the rules in the module above, and writing the verdict
//! with the observed values. (The [`Facts`] of an HTTP observation live
//! with the engine, in `engine::probe_facts`.)

use super::parse::{number_and_unit, unit_ms};
use super::{Condition, Facts, Op, Operand, PathSeg, Value, Verdict};
use crate::engine::reading::reading;
use crate::engine::sanitize::clean_text;

/// Observed text is cut to this many characters in explanations.
const SHOW_CHARS: usize = 80;

pub(super) fn evaluate(c: &Condition, facts: &dyn Facts) -> Verdict {
    let source = c.source.trim();
    let (passed, explanation) = match run(c, facts) {
        Ok((true, observed)) => (true, format!("{source} (observed {observed})")),
        Ok((false, observed)) => (false, format!("{source} failed: observed {observed}")),
        Err(reason) => (false, format!("{source} failed: {reason}")),
    };
    Verdict {
        passed,
        explanation: clean_text(&explanation),
    }
}

fn run(c: &Condition, facts: &dyn Facts) -> Result<(bool, String), String> {
    let left = resolve(&c.lhs, facts)?;
    let want = c.op == Op::Eq;
    match &c.rhs {
        Operand::Pattern(glob) => {
            let matched = glob_match(glob, &as_text(&left));
            Ok((matched == want, show(&left)))
        }
        Operand::Any(items) => {
            let matched = items.iter().any(|l| equal(&left, &l.value));
            Ok((matched == want, show(&left)))
        }
        rhs => {
            let right = resolve(rhs, facts)?;
            let passed = compare(c.op, &left, &right)?;
            Ok((passed, observed(c, &left, &right)))
        }
    }
}

/// The values read from facts (literals are in the condition already).
fn observed(c: &Condition, left: &Value, right: &Value) -> String {
    let lhs_read = !matches!(c.lhs, Operand::Literal(_));
    let rhs_read = !matches!(c.rhs, Operand::Literal(_));
    match (lhs_read, rhs_read) {
        (true, true) => format!("{} = {}, {} = {}", c.lhs, show(left), c.rhs, show(right)),
        (false, true) => show(right),
        _ => show(left),
    }
}

fn resolve(operand: &Operand, facts: &dyn Facts) -> Result<Value, String> {
    match operand {
        Operand::Placeholder(p) => facts
            .lookup(&p.name, &p.path)
            .map_err(|reason| format!("{p}: {reason}")),
        Operand::Literal(l) => Ok(l.value.clone()),
        Operand::Len(inner) => match resolve(inner, facts)? {
            Value::Text(s) => Ok(Value::Number(s.chars().count() as f64)),
            Value::List(items) => Ok(Value::Number(items.len() as f64)),
            Value::Object(fields) => Ok(Value::Number(fields.len() as f64)),
            other => Err(format!(
                "len() needs text, a list or an object, but {inner} is {} ({})",
                kind(&other),
                show(&other)
            )),
        },
        Operand::Has(p) => Ok(Value::Bool(facts.lookup(&p.name, &p.path).is_ok())),
        Operand::Pattern(_) | Operand::Any(_) => Err(format!(
            "{operand} is not a value: it goes right of == or !="
        )),
    }
}

fn compare(op: Op, left: &Value, right: &Value) -> Result<bool, String> {
    match op {
        Op::Eq => return Ok(equal(left, right)),
        Op::Ne => return Ok(!equal(left, right)),
        _ => {}
    }
    let number = |v: &Value| {
        as_number(v)
            .ok_or_else(|| format!("cannot compare {} with {}", for_compare(v), op.as_str()))
    };
    let (a, b) = (number(left)?, number(right)?);
    Ok(match op {
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
        Op::Eq | Op::Ne => a == b,
    })
}

fn is_numeric(v: &Value) -> bool {
    matches!(v, Value::Number(_) | Value::Millis(_))
}

/// A number, a duration in ms, or a text that reads as one of them.
fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) | Value::Millis(n) => Some(*n),
        Value::Text(s) => match number_and_unit(s.trim())? {
            (n, "") => Some(n),
            (n, unit) => unit_ms(unit).map(|f| n * f),
        },
        _ => None,
    }
}

fn equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Bool(b), Value::Text(t)) | (Value::Text(t), Value::Bool(b)) => {
            t == if *b { "true" } else { "false" }
        }
        (Value::Text(a), Value::Text(b)) => a == b,
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| equal(x, y)))
        }
        _ if is_numeric(left) || is_numeric(right) => {
            matches!((as_number(left), as_number(right)), (Some(a), Some(b)) if a == b)
        }
        _ => false,
    }
}

/// `*` matches any run of characters (also none); everything else matches itself.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::Millis(_) => "a duration",
        Value::Text(_) => "text",
        Value::List(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn for_compare(v: &Value) -> String {
    match v {
        Value::Text(_) => format!("text {}", show(v)),
        Value::List(_) | Value::Object(_) => kind(v).to_string(),
        _ => show(v),
    }
}

fn fmt_num(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The value's text as `pat(...)` sees it.
fn as_text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Number(n) | Value::Millis(n) => fmt_num(*n),
        other => {
            let mut out = String::new();
            render(other, &mut out, usize::MAX, fmt_num);
            out
        }
    }
}

/// Compact JSON-like text; stops adding once `out` passes `limit` bytes.
/// `number` writes numbers: exactly for `pat(...)` matching, rounded by
/// [`reading`] for evidence.
fn render(v: &Value, out: &mut String, limit: usize, number: fn(f64) -> String) {
    if out.len() > limit {
        return;
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(*n)),
        Value::Millis(n) => {
            out.push_str(&number(*n));
            out.push_str(" ms");
        }
        Value::Text(s) => out.push_str(&format!("{s:?}")),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if out.len() > limit {
                    break;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                render(item, out, limit, number);
            }
            out.push(']');
        }
        Value::Object(fields) => {
            out.push('{');
            for (i, (k, item)) in fields.iter().enumerate() {
                if out.len() > limit {
                    break;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&format!("{k:?}: "));
                render(item, out, limit, number);
            }
            out.push('}');
        }
    }
}

/// An observed value for an explanation: sanitised, cut to [`SHOW_CHARS`].
fn show(v: &Value) -> String {
    match v {
        Value::Text(s) => format!("\"{}\"", cut(&clean_text(s))),
        other => {
            let mut out = String::new();
            render(other, &mut out, SHOW_CHARS * 4, reading);
            cut(&clean_text(&out))
        }
    }
}

pub(crate) fn cut(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(SHOW_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// A tree a path can walk: a JSON body or a [`Value`].
pub(crate) trait Tree: Sized {
    fn kind(&self) -> &'static str;
    /// None when not an object; Some(None) when the field is missing.
    fn field(&self, key: &str) -> Option<Option<&Self>>;
    fn items(&self) -> Option<&[Self]>;
    fn to_value(&self) -> Value;
}

impl Tree for serde_json::Value {
    fn kind(&self) -> &'static str {
        match self {
            serde_json::Value::Null => "null",
            serde_json::Value::Bool(_) => "a boolean",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::String(_) => "text",
            serde_json::Value::Array(_) => "a list",
            serde_json::Value::Object(_) => "an object",
        }
    }
    fn field(&self, key: &str) -> Option<Option<&Self>> {
        self.as_object().map(|m| m.get(key))
    }
    fn items(&self) -> Option<&[Self]> {
        self.as_array().map(Vec::as_slice)
    }
    fn to_value(&self) -> Value {
        Value::from(self)
    }
}

impl Tree for Value {
    fn kind(&self) -> &'static str {
        kind(self)
    }
    fn field(&self, key: &str) -> Option<Option<&Self>> {
        match self {
            Value::Object(m) => Some(m.get(key)),
            _ => None,
        }
    }
    fn items(&self) -> Option<&[Self]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }
    fn to_value(&self) -> Value {
        self.clone()
    }
}

pub(crate) fn walk<T: Tree>(root: &T, path: &[PathSeg], root_name: &str) -> Result<Value, String> {
    let mut node = root;
    let mut here = root_name.to_string();
    for seg in path {
        node = match seg {
            PathSeg::Key(key) => match (node.field(key), node.items()) {
                (Some(Some(next)), _) => next,
                (Some(None), _) => return Err(format!("no field `{key}` in {root_name}")),
                // `.0` on a list reads as an index, as Gatus does.
                (None, Some(items)) if key.parse::<usize>().is_ok() => {
                    let i = key.parse::<usize>().unwrap_or(usize::MAX);
                    items.get(i).ok_or_else(|| no_item(i, &here, items.len()))?
                }
                (None, _) => {
                    return Err(format!("{here} is {}, not an object", node.kind()));
                }
            },
            PathSeg::Index(i) => match node.items() {
                Some(items) => items
                    .get(*i)
                    .ok_or_else(|| no_item(*i, &here, items.len()))?,
                None => return Err(format!("{here} is {}, not a list", node.kind())),
            },
        };
        here = match seg {
            PathSeg::Key(key) => format!("`{}`", cut(&clean_text(key))),
            PathSeg::Index(i) => format!("item [{i}]"),
        };
    }
    Ok(node.to_value())
}

fn no_item(i: usize, here: &str, len: usize) -> String {
    let items = if len == 1 { "item" } else { "items" };
    format!("no item [{i}] in {here}, which has {len} {items}")
}

/// Walks a [`Value`] held by a [`super::FactMap`].
pub(super) fn walk_value(value: &Value, path: &[PathSeg]) -> Result<Value, String> {
    walk(value, path, "the value")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use std::time::Duration;

    use super::super::FactMap;
    use super::*;
    use crate::engine::health::{Component, Health, HealthState};
    use crate::engine::probe::Observation;

    const WARMUP: &str = r#"{"ready":true,"checks":{"fast":true}}"#;
    const HEALTHZ: &str = r#"{"status":"healthy","checks":{"db":{"status":"ok","latency_ms":3}}}"#;

    #[test]
    fn response_time_bounds_come_from_the_parsed_condition() {
        let bound = |text: &str| Condition::parse(text).unwrap().response_time_bound_ms();
        assert_eq!(bound("[RESPONSE_TIME] < 500"), Some(500.0));
        assert_eq!(bound("[RESPONSE_TIME]<=2s"), Some(2000.0));
        assert_eq!(bound("  [RESPONSE_TIME]   <   150ms"), Some(150.0));
        assert_eq!(bound("[RESPONSE_TIME] > 5"), None);
        assert_eq!(bound("[STATUS] < 500"), None);
    }

    fn answered(status: u16, body: &str) -> Observation {
        Observation {
            url: "http://127.0.0.1:8002/health".into(),
            connected: true,
            status: Some(status),
            response_time: Duration::from_millis(42),
            response_times: vec![Duration::from_millis(42)],
            status_counts: BTreeMap::from([(status, 1)]),
            headers: vec![("content-type".into(), "application/json".into())],
            json: serde_json::from_str(body).ok(),
            body_text: body.to_string(),
            ..Observation::default()
        }
    }

    fn refused() -> Observation {
        Observation {
            url: "http://127.0.0.1:9/health".into(),
            error: Some("connection refused".into()),
            health: Health::down("connection refused"),
            ..Observation::default()
        }
    }

    fn check(condition: &str, facts: &dyn Facts) -> Verdict {
        Condition::parse(condition)
            .unwrap_or_else(|e| panic!("{condition}: {e}"))
            .evaluate(facts)
    }

    /// Asserts the verdict and that the explanation contains `needle`.
    fn expect(condition: &str, facts: &dyn Facts, passed: bool, needle: &str) {
        let v = check(condition, facts);
        assert_eq!(v.passed, passed, "{condition}: {}", v.explanation);
        assert!(
            v.explanation.contains(needle),
            "{condition}: {:?} lacks {needle:?}",
            v.explanation
        );
    }

    #[test]
    fn status_explains_what_was_observed() {
        expect(
            "[STATUS] == 200",
            &answered(200, "{}"),
            true,
            "[STATUS] == 200 (observed 200)",
        );
        expect(
            "[STATUS] == 200",
            &answered(503, "{}"),
            false,
            "[STATUS] == 200 failed: observed 503",
        );
        expect("[STATUS] < 300", &answered(204, ""), true, "observed 204");
        expect("[STATUS] >= 500", &answered(204, ""), false, "observed 204");
        expect(
            "[STATUS] == 200",
            &refused(),
            false,
            "[STATUS] == 200 failed: [STATUS]: no response (connection refused)",
        );
        for (op, want) in [
            ("<", false),
            ("<=", true),
            (">", false),
            (">=", true),
            ("!=", false),
        ] {
            expect(
                &format!("[STATUS] {op} 200"),
                &answered(200, ""),
                want,
                "observed 200",
            );
        }
        expect(
            "[CONNECTED] == true",
            &answered(200, ""),
            true,
            "observed true",
        );
        expect("[CONNECTED] == true", &refused(), false, "observed false");
    }

    #[test]
    fn warmup_body() {
        let obs = answered(200, WARMUP);
        expect("[BODY].ready == true", &obs, true, "(observed true)");
        expect("[BODY].checks.fast == true", &obs, true, "observed true");
        expect("[BODY].ready != true", &obs, false, "observed true");
        expect(
            "[BODY].checks.db == true",
            &obs,
            false,
            "[BODY].checks.db: no field `db` in the body",
        );
        expect(
            "[BODY].ready.x == 1",
            &obs,
            false,
            "`ready` is a boolean, not an object",
        );
        expect(
            "[BODY].checks[0] == 1",
            &obs,
            false,
            "`checks` is an object, not a list",
        );
        expect("len([BODY].checks) == 1", &obs, true, "observed 1");
        expect("has([BODY].errors) == false", &obs, true, "observed false");
        expect("has([BODY].ready) == true", &obs, true, "observed true");
        let not_ready = answered(200, r#"{"ready":false,"checks":{"fast":false}}"#);
        expect(
            "[BODY].ready == true",
            &not_ready,
            false,
            "failed: observed false",
        );
    }

    #[test]
    fn healthz_body() {
        let obs = answered(200, HEALTHZ);
        expect(
            "[BODY].status == healthy",
            &obs,
            true,
            "observed \"healthy\"",
        );
        expect(
            "[BODY].status == \"healthy\"",
            &obs,
            true,
            "observed \"healthy\"",
        );
        expect(
            "[BODY].status == any(healthy, degraded)",
            &obs,
            true,
            "observed \"healthy\"",
        );
        expect(
            "[BODY].status != any(unhealthy, degraded)",
            &obs,
            true,
            "healthy",
        );
        expect(
            "[BODY].status == unhealthy",
            &obs,
            false,
            "failed: observed \"healthy\"",
        );
        expect("[BODY].checks.db.status == ok", &obs, true, "\"ok\"");
        expect("[BODY].checks.db.latency_ms < 50", &obs, true, "observed 3");
        expect(
            "[BODY].checks.db.latency_ms < 50ms",
            &obs,
            true,
            "observed 3",
        );
        expect(
            "[BODY].checks.db.latency_ms <= 2",
            &obs,
            false,
            "failed: observed 3",
        );
        expect(
            "[BODY].checks.db.status < 5",
            &obs,
            false,
            "cannot compare text \"ok\" with <",
        );
        expect("[BODY] == pat(*healthy*)", &obs, true, "");
        expect("[BODY].checks == pat(*latency_ms*)", &obs, true, "");
    }

    #[test]
    fn body_that_is_not_json() {
        let html = answered(502, "<html><body>Bad Gateway</body></html>");
        expect(
            "[BODY].ready == true",
            &html,
            false,
            "[BODY].ready: cannot be read: the answer is not JSON",
        );
        let mut captive = answered(200, "<html>sign in</html>");
        captive.headers = vec![("content-type".into(), "text/html; charset=utf-8".into())];
        expect(
            "[BODY].ready == true",
            &captive,
            false,
            "[BODY].ready: the body is not JSON (text/html)",
        );
        expect("[BODY] == pat(*Bad Gateway*)", &html, true, "");
        expect("[BODY] != pat(*Bad Gateway*)", &html, false, "");
        expect("[BODY] == pat(Bad*)", &html, false, "observed \"<html>");
        let mut cut = answered(200, r#"{"ready": tr"#);
        cut.truncated = true;
        expect(
            "[BODY].ready == true",
            &cut,
            false,
            "cut off at the size limit",
        );
        expect(
            "[BODY].ready == true",
            &answered(204, ""),
            false,
            "the body is empty",
        );
        expect(
            "[BODY].ready == true",
            &refused(),
            false,
            "no response (connection refused)",
        );
    }

    #[test]
    fn paths_into_lists() {
        let obs = answered(200, r#"[{"x":"a"},{"x":"b","items":[1,2,3]}]"#);
        expect("[BODY][0].x == a", &obs, true, "\"a\"");
        expect("[BODY][1].items[2] == 3", &obs, true, "observed 3");
        expect("[BODY].1.x == b", &obs, true, "\"b\"");
        expect("len([BODY][1].items) == 3", &obs, true, "observed 3");
        expect("len([BODY][1].x) == 1", &obs, true, "observed 1");
        expect("len([BODY]) > 10", &obs, true, "");
        expect(
            "[BODY][5].x == a",
            &obs,
            false,
            "no item [5] in the body, which has 2 items",
        );
        expect(
            "[BODY][1].items[3] == 1",
            &obs,
            false,
            "no item [3] in `items`, which has 3 items",
        );
        expect(
            "[BODY][0].x[0] == 1",
            &obs,
            false,
            "`x` is text, not a list",
        );
        expect(
            "len([BODY][1].items[0]) == 1",
            &obs,
            false,
            "len() needs text, a list or an object",
        );
        expect("[BODY][1].items == pat(*2*)", &obs, true, "[1, 2, 3]");
    }

    #[test]
    fn numbers_texts_and_booleans() {
        let obs = answered(
            200,
            r#"{"code":"200","n":200,"flag":"true","slow":"1.5s","f":0.25}"#,
        );
        expect("[BODY].code == 200", &obs, true, "\"200\"");
        expect("[BODY].code > 100", &obs, true, "");
        expect("[BODY].code == \"200\"", &obs, true, "");
        expect("[BODY].n == 200", &obs, true, "observed 200");
        expect("[BODY].n == 200.0", &obs, true, "");
        expect("[BODY].n == \"200\"", &obs, true, "");
        expect("[BODY].n == abc", &obs, false, "observed 200");
        expect("[BODY].flag == true", &obs, true, "");
        expect("[BODY].slow > 1s", &obs, true, "");
        expect("[BODY].slow < 1000", &obs, false, "");
        expect("[BODY].f < 0.3", &obs, true, "observed 0.25");
        expect("[BODY].n > true", &obs, false, "cannot compare true with >");
        expect("[BODY] < 1", &obs, false, "cannot compare text");
        expect("[BODY].missing == null", &obs, false, "no field `missing`");
        let with_null = answered(200, r#"{"error":null}"#);
        expect("[BODY].error == null", &with_null, true, "observed null");
        expect("[BODY].error != null", &with_null, false, "observed null");
    }

    #[test]
    fn measured_numbers_read_rounded_but_match_exactly() {
        let mut obs = answered(200, r#"{"load":0.123456789,"ids":[1.23456]}"#);
        obs.response_time = Duration::from_nanos(4_970_252);
        expect("[RESPONSE_TIME] < 500", &obs, true, "(observed 4.97 ms)");
        expect("[BODY].load < 0.1", &obs, false, "failed: observed 0.123");
        expect("[BODY].ids == pat(*1.23456*)", &obs, true, "[1.23]");
    }

    #[test]
    fn response_times_and_status_counts() {
        let mut obs = answered(429, "{}");
        obs.response_times = (0..25).map(|i| Duration::from_millis(80 - i)).collect();
        obs.response_time = Duration::from_millis(56);
        obs.status_counts = BTreeMap::from([(200, 20), (429, 5)]);
        expect("[STATUS_COUNT].429 >= 5", &obs, true, "observed 5");
        expect("[STATUS_COUNT].200 == 20", &obs, true, "observed 20");
        expect("[STATUS_COUNT].500 == 0", &obs, true, "observed 0");
        expect("[STATUS_COUNT].429 > 5", &obs, false, "failed: observed 5");
        expect(
            "[RESPONSE_TIME].last < [RESPONSE_TIME].first",
            &obs,
            true,
            "[RESPONSE_TIME].last = 56 ms, [RESPONSE_TIME].first = 80 ms",
        );
        expect(
            "[RESPONSE_TIME].first < [RESPONSE_TIME].last",
            &obs,
            false,
            "failed: observed",
        );
        expect("[RESPONSE_TIME] < 150ms", &obs, true, "observed 56 ms");
        expect("[RESPONSE_TIME] < 2s", &obs, true, "");
        expect(
            "[RESPONSE_TIME] < 50",
            &obs,
            false,
            "failed: observed 56 ms",
        );
        expect("[RESPONSE_TIME] > 0.05s", &obs, true, "");
        expect(
            "[RESPONSE_TIME] < 1s",
            &refused(),
            false,
            "no response (connection refused)",
        );
        expect("[STATUS_COUNT].429 >= 5", &refused(), false, "no response");
    }

    #[test]
    fn headers_and_health() {
        let mut obs = answered(200, HEALTHZ);
        obs.health = Health {
            state: HealthState::Degraded,
            components: vec![
                Component {
                    name: "db".into(),
                    state: HealthState::Up,
                    latency_ms: Some(3.0),
                    message: None,
                },
                Component {
                    name: "redis".into(),
                    state: HealthState::Down,
                    latency_ms: None,
                    message: Some("timeout".into()),
                },
            ],
            ..Health::default()
        };
        expect(
            "[HEADER].Content-Type == application/json",
            &obs,
            true,
            "application/json",
        );
        expect("[HEADER].content-type == pat(*json*)", &obs, true, "");
        expect(
            "[HEADER].etag == x",
            &obs,
            false,
            "no header `etag` in the response",
        );
        expect(
            "[HEALTH] == up",
            &obs,
            false,
            "failed: observed \"degraded\"",
        );
        expect("[HEALTH] == any(up, degraded)", &obs, true, "degraded");
        expect("[HEALTH].db == up", &obs, true, "\"up\"");
        expect("[HEALTH].redis == up", &obs, false, "observed \"down\"");
        expect(
            "[HEALTH].cache == up",
            &obs,
            false,
            "no component `cache` in the health of this endpoint (it reports db, redis)",
        );
        expect("[HEALTH] == down", &refused(), true, "");
        expect(
            "[RUNNING] == 3",
            &obs,
            false,
            "[RUNNING]: not available for an HTTP endpoint",
        );
    }

    #[test]
    fn fact_maps_for_other_sources() {
        let mut facts = FactMap::new("the container summary");
        facts
            .insert("RUNNING", 3u32)
            .insert("HEALTHY", 2u32)
            .insert("RESTARTS", 0u32)
            .insert("IMAGE", "api:v1.2.0")
            .insert(
                "CONTAINERS",
                Value::from(&serde_json::json!([{"name": "api-1", "state": "running"}])),
            );
        expect(
            "[HEALTHY] == [RUNNING]",
            &facts,
            false,
            "[HEALTHY] = 2, [RUNNING] = 3",
        );
        expect(
            "[HEALTHY] < [RUNNING]",
            &facts,
            true,
            "[HEALTHY] = 2, [RUNNING] = 3",
        );
        expect("[RESTARTS] == 0", &facts, true, "observed 0");
        expect("[RUNNING] >= 3", &facts, true, "observed 3");
        expect("[IMAGE] == pat(*:v1.2.0)", &facts, true, "\"api:v1.2.0\"");
        expect("[CONTAINERS][0].state == running", &facts, true, "");
        expect("len([CONTAINERS]) == 1", &facts, true, "");
        expect(
            "[CONTAINERS][0].pid == 1",
            &facts,
            false,
            "no field `pid` in the value",
        );
        expect(
            "[STATUS] == 200",
            &facts,
            false,
            "[STATUS]: not reported by the container summary",
        );
        facts.insert("HEALTHY", 3u32);
        expect(
            "[HEALTHY] == [RUNNING]",
            &facts,
            true,
            "(observed [HEALTHY] = 3, [RUNNING] = 3)",
        );
        expect("3 == [RUNNING]", &facts, true, "observed 3");
        expect("1 < 2", &facts, true, "observed 1");
    }

    #[test]
    fn observed_text_is_sanitised_and_cut() {
        let nasty = format!("\u{1b}]0;owned\u{7}\u{1b}[2J{}\u{9b}31m", "x".repeat(500));
        let body = serde_json::json!({ "msg": nasty }).to_string();
        let obs = answered(200, &body);
        let v = check("[BODY].msg == ok", &obs);
        assert!(!v.passed);
        assert!(
            v.explanation.contains("observed \"xxx"),
            "{}",
            v.explanation
        );
        assert!(v.explanation.contains('…'));
        assert!(v.explanation.chars().count() < 140, "{}", v.explanation);
        assert!(
            !v.explanation.chars().any(char::is_control),
            "{:?}",
            v.explanation
        );
        let raw = check("[BODY] == ok", &answered(200, &nasty));
        assert!(
            !raw.explanation.chars().any(char::is_control),
            "{:?}",
            raw.explanation
        );
        let mut err = refused();
        err.error = Some("reset\u{1b}[31m by peer\r\n".into());
        let v = check("[STATUS] == 200", &err);
        assert!(
            !v.explanation.chars().any(char::is_control),
            "{:?}",
            v.explanation
        );
        assert!(v.explanation.contains("reset by peer"), "{}", v.explanation);
    }

    #[test]
    fn glob() {
        for (pattern, text, want) in [
            ("*ok*", "all ok here", true),
            ("*ok*", "OK", false),
            ("ok", "ok", true),
            ("ok", "oky", false),
            ("*", "", true),
            ("", "", true),
            ("", "a", false),
            ("a*b*c", "a-b-b-c", true),
            ("a*b*c", "a-b-b-", false),
            ("**x", "yyx", true),
            ("é*", "été", true),
        ] {
            assert_eq!(glob_match(pattern, text), want, "{pattern} on {text}");
        }
    }

    fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            "\\PC{0,12}".prop_map(serde_json::Value::String),
            Just(serde_json::Value::String("\u{1b}[2J\u{9b}\u{0}".into())),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("ready".to_string()),
                        Just("checks".to_string()),
                        Just("db".to_string()),
                        Just("status".to_string()),
                        "[a-z]{1,4}",
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    const CONDITIONS: &[&str] = &[
        "[BODY].ready == true",
        "[BODY].checks.fast == true",
        "[BODY].checks.db.latency_ms < 50ms",
        "[BODY].status == any(healthy, ok, 1, null)",
        "[BODY][0].status != pat(*a*b*)",
        "[BODY].checks[2][0] >= 1",
        "len([BODY].checks) > 0",
        "len([BODY]) < 1000",
        "has([BODY].status) == true",
        "[BODY].ready == [BODY].status",
        "[BODY].status <= [BODY].checks.db",
        "[BODY] == pat(*)",
        "[STATUS] == 200",
        "[HEALTH].db == up",
    ];

    proptest! {
        #[test]
        fn evaluate_never_panics_on_arbitrary_json(json in arbitrary_json()) {
            let body = json.to_string();
            let obs = answered(200, &body);
            let mut facts = FactMap::new("the test");
            facts.insert("BODY", Value::from(&json));
            for text in CONDITIONS {
                let condition = Condition::parse(text).unwrap();
                for v in [condition.evaluate(&obs), condition.evaluate(&facts)] {
                    prop_assert!(!v.explanation.is_empty());
                    prop_assert!(!v.explanation.chars().any(char::is_control), "{:?}", v.explanation);
                }
            }
        }

        #[test]
        fn evaluate_never_panics_on_arbitrary_bodies(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let text = String::from_utf8_lossy(&body).into_owned();
            let mut obs = answered(200, &text);
            obs.body_text = clean_text(&text);
            for text in CONDITIONS {
                let v = Condition::parse(text).unwrap().evaluate(&obs);
                prop_assert!(!v.explanation.chars().any(char::is_control), "{:?}", v.explanation);
            }
        }
    }
}
