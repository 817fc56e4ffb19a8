//! What a PromQL instant query's answer means, decided without I/O: one
//! series is a value, none is no data, several are a profile mistake. And
//! the one reading golive adds on top: an error-rate ratio `A / B` whose
//! numerator matched nothing while its denominator has data is a zero error
//! rate, not missing data. Client libraries (`prometheus_client` among them)
//! create a `code="5xx"` series only at the first 5xx, so a healthy canary's
//! error query is empty by construction; calling that NO DATA would fail
//! every healthy release. The adapter (`io::metrics`) asks the questions
//! this module names and hands the answers back here.

use super::MetricValue;

/// The shape of an instant query's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// One sample (a one-series vector or a scalar).
    Value(f64),
    /// An empty vector: the query matched no series.
    Empty,
    /// A vector of this many series.
    Series(usize),
}

/// The words an error rate derived from an empty numerator carries.
pub const NO_ERROR_SERIES: &str = "no error series yet (requests present): 0";

/// An answer as a metric value.
pub fn value_of(answer: &Answer) -> MetricValue {
    match answer {
        Answer::Value(v) if v.is_finite() => MetricValue::Ok(*v),
        Answer::Value(_) => {
            MetricValue::NoData("the query answered NaN (no requests in its range?)".into())
        }
        Answer::Empty => MetricValue::NoData("the query returned no data".into()),
        Answer::Series(n) => MetricValue::NoData(format!(
            "the query returned {n} series; aggregate it to one (sum, max, ...)"
        )),
    }
}

/// The denominator worth asking about when an error-rate query came back
/// empty: `B` of a query that is `A / B` at its top level (optionally in
/// parentheses, vector matching such as `on(job)` dropped). None for any
/// other shape, where an empty answer stays no data.
pub fn denominator(query: &str) -> Option<&str> {
    let query = strip_outer_parens(query.trim());
    let mut slash = None;
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut prev_word_end = 0;
    for (i, c) in query.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q != '`' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ if depth > 0 => {}
            '/' if slash.is_none() => slash = Some(i),
            // Any other operator at the top level makes `/` not the root.
            '/' | '*' | '%' | '^' | '+' | '-' | '=' | '!' | '<' | '>' => return None,
            _ => {}
        }
        if depth == 0 && !(c.is_alphanumeric() || c == '_') {
            let word = &query[prev_word_end..i];
            if matches!(word, "and" | "or" | "unless" | "atan2") {
                return None;
            }
            prev_word_end = i + c.len_utf8();
        }
    }
    if matches!(&query[prev_word_end..], "and" | "or" | "unless") {
        return None;
    }
    let at = slash?;
    let numerator = query[..at].trim();
    let rest = skip_matching(query[at + 1..].trim());
    (!numerator.is_empty() && !rest.is_empty()).then_some(rest)
}

/// An empty error-rate numerator read with its denominator's answer: data in
/// the denominator makes it 0 (with [`NO_ERROR_SERIES`] as the note), an
/// empty denominator is no traffic at all, anything else keeps the
/// numerator's no data.
pub fn empty_error_rate(denominator: Result<Answer, String>) -> (MetricValue, Option<String>) {
    match denominator {
        Ok(Answer::Value(v)) if v.is_finite() => {
            (MetricValue::Ok(0.0), Some(NO_ERROR_SERIES.to_string()))
        }
        Ok(Answer::Value(_)) | Ok(Answer::Empty) => (
            MetricValue::NoData(
                "the query returned no data, and neither did its requests query".into(),
            ),
            None,
        ),
        Ok(many @ Answer::Series(_)) => (value_of(&many), None),
        Err(reason) => (
            MetricValue::NoData(format!(
                "the query returned no data, and its requests query failed: {reason}"
            )),
            None,
        ),
    }
}

fn strip_outer_parens(mut q: &str) -> &str {
    while q.starts_with('(') && q.ends_with(')') && closes_at_end(q) {
        q = q[1..q.len() - 1].trim();
    }
    q
}

/// Whether the `(` at the start of `q` is closed by its last character.
fn closes_at_end(q: &str) -> bool {
    let mut depth = 0;
    for (i, c) in q.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i == q.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// Drops `on(..)`, `ignoring(..)`, `group_left(..)`, `group_right(..)` in
/// front of a division's right-hand side.
fn skip_matching(mut rest: &str) -> &str {
    loop {
        let before = rest;
        for word in ["on", "ignoring", "group_left", "group_right"] {
            let Some(after) = rest.strip_prefix(word) else {
                continue;
            };
            if after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue; // a metric named `online_users`, not `on`
            }
            let after = after.trim_start();
            if after.starts_with('(')
                && let Some(close) = after.find(')')
            {
                rest = after[close + 1..].trim_start();
            } else if word.starts_with("group_") {
                rest = after;
            }
        }
        if rest == before {
            return rest;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_denominator_of_a_top_level_ratio() {
        let errors = r#"sum(rate(http_requests_total{code=~"5.."}[5m]))"#;
        let total = "sum(rate(http_requests_total[5m]))";
        for (query, want) in [
            (format!("{errors} / {total}"), Some(total)),
            (
                format!("({errors}) / ({total})"),
                Some("(sum(rate(http_requests_total[5m])))"),
            ),
            (format!("({errors} / {total})"), Some(total)),
            (format!("{errors} / on(job) {total}"), Some(total)),
            (
                format!("{errors} / ignoring(code) group_left {total}"),
                Some(total),
            ),
            (format!("{errors} / {total} * 100"), None),
            (
                "errors_total / online_users".to_string(),
                Some("online_users"),
            ),
            (format!("{errors} / {total} > 0.05"), None),
            (format!("{errors} / {total} or vector(0)"), None),
            (format!("({errors} or vector(0)) / {total}"), Some(total)),
            (errors.to_string(), None),
            (r#"sum(rate(x{path="/a/b"}[5m]))"#.to_string(), None),
            ("/ x".to_string(), None),
            ("x /".to_string(), None),
        ] {
            assert_eq!(denominator(&query), want, "{query}");
        }
    }

    #[test]
    fn an_empty_numerator_over_present_requests_is_zero() {
        let (v, note) = empty_error_rate(Ok(Answer::Value(12.5)));
        assert_eq!(v, MetricValue::Ok(0.0));
        assert_eq!(note.as_deref(), Some(NO_ERROR_SERIES));
        for denominator in [
            Ok(Answer::Empty),
            Ok(Answer::Value(f64::NAN)),
            Ok(Answer::Series(3)),
            Err("HTTP 503".to_string()),
        ] {
            let (v, note) = empty_error_rate(denominator.clone());
            assert!(
                matches!(v, MetricValue::NoData(_)),
                "{denominator:?}: {v:?}"
            );
            assert!(note.is_none());
        }
    }

    #[test]
    fn answers_as_values() {
        assert_eq!(value_of(&Answer::Value(0.5)), MetricValue::Ok(0.5));
        assert!(
            matches!(value_of(&Answer::Empty), MetricValue::NoData(r) if r.contains("no data"))
        );
        assert!(
            matches!(value_of(&Answer::Series(2)), MetricValue::NoData(r) if r.contains("2 series"))
        );
    }

    proptest::proptest! {
        #[test]
        fn denominator_never_panics(q in "\\PC{0,60}") {
            let _ = denominator(&q);
        }
    }
}
