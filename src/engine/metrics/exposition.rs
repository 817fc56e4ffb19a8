//! The Prometheus text exposition format (0.0.4) and OpenMetrics 1.0, parsed
//! without copying: samples borrow the scraped text, and only label values
//! that carry escapes are rewritten. golive writes its own parser because the
//! scrape path runs every poll for every track and `prometheus-parse` builds a
//! `HashMap` of owned strings per sample (see `benches/exposition.rs`).
//!
//! A malformed line is counted and skipped, never fatal: one bad line from an
//! exporter must not blank the whole chart. The parser never panics on any
//! input (property-tested below).

use std::borrow::Cow;

/// The `# TYPE` of a metric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    Unknown,
}

impl MetricType {
    fn from_word(word: &str) -> MetricType {
        match word {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "gaugehistogram" => MetricType::GaugeHistogram,
            "summary" => MetricType::Summary,
            "info" => MetricType::Info,
            "stateset" => MetricType::StateSet,
            _ => MetricType::Unknown,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label<'a> {
    pub name: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sample<'a> {
    pub name: Cow<'a, str>,
    pub labels: Vec<Label<'a>>,
    pub value: f64,
    /// As written: milliseconds in 0.0.4, seconds in OpenMetrics.
    pub timestamp: Option<f64>,
}

impl Sample<'_> {
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.value.as_ref())
    }
}

/// One line of an exposition, classified.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    Sample(Sample<'a>),
    Type {
        family: &'a str,
        kind: MetricType,
    },
    /// `# HELP`, `# UNIT`, any other comment, or a blank line.
    Ignored,
    /// OpenMetrics' `# EOF`: nothing after it is read.
    Eof,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based.
    pub line: usize,
    pub message: &'static str,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A whole exposition, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposition<'a> {
    pub samples: Vec<Sample<'a>>,
    pub types: Vec<(&'a str, MetricType)>,
    pub errors: Vec<ParseError>,
}

impl<'a> Exposition<'a> {
    pub fn type_of(&self, family: &str) -> Option<MetricType> {
        self.types
            .iter()
            .find(|(name, _)| *name == family)
            .map(|(_, kind)| *kind)
    }
}

/// Parses every line; bad lines land in `errors` and the rest is kept.
pub fn parse(text: &str) -> Exposition<'_> {
    let mut out = Exposition {
        samples: Vec::with_capacity(text.len() / 64),
        ..Exposition::default()
    };
    for (number, line) in lines(text) {
        match parse_line(line) {
            Ok(Line::Sample(sample)) => out.samples.push(sample),
            Ok(Line::Type { family, kind }) => out.types.push((family, kind)),
            Ok(Line::Ignored) => {}
            Ok(Line::Eof) => break,
            Err(message) => out.errors.push(ParseError {
                line: number,
                message,
            }),
        }
    }
    out
}

/// The lines of an exposition with their 1-based numbers, `\r` trimmed.
pub fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line.strip_suffix('\r').unwrap_or(line)))
}

/// The metric name a sample line starts with, without parsing the rest; lets
/// a consumer skip families it does not need at the cost of one byte scan.
/// Quoted (UTF-8) names and comment lines return `None`.
pub fn sample_name(line: &str) -> Option<&str> {
    let line = line.trim_start_matches([' ', '\t']);
    let end = line
        .bytes()
        .position(|b| b == b'{' || b == b' ' || b == b'\t')
        .unwrap_or(line.len());
    let name = &line[..end];
    if name.is_empty() || name.starts_with('#') {
        None
    } else {
        Some(name)
    }
}

/// Classifies and parses one line (without its line ending).
pub fn parse_line(line: &str) -> Result<Line<'_>, &'static str> {
    let trimmed = line.trim_start_matches([' ', '\t']);
    if trimmed.is_empty() {
        return Ok(Line::Ignored);
    }
    if let Some(comment) = trimmed.strip_prefix('#') {
        return Ok(parse_comment(comment));
    }
    parse_sample(trimmed).map(Line::Sample)
}

fn parse_comment(comment: &str) -> Line<'_> {
    let comment = comment.trim_start_matches([' ', '\t']);
    if comment.trim_end() == "EOF" {
        return Line::Eof;
    }
    let mut words = comment.split_ascii_whitespace();
    if words.next() == Some("TYPE")
        && let (Some(family), Some(kind)) = (words.next(), words.next())
    {
        return Line::Type {
            family,
            kind: MetricType::from_word(kind),
        };
    }
    Line::Ignored
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A bare name: `[a-zA-Z_:][a-zA-Z0-9_:]*` (label names have no `:`,
    /// but accepting it costs nothing and loses nothing).
    fn name(&mut self) -> Option<&'a str> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            let ok = b.is_ascii_alphabetic()
                || b == b'_'
                || b == b':'
                || (self.pos > start && b.is_ascii_digit());
            if !ok {
                break;
            }
            self.pos += 1;
        }
        (self.pos > start).then(|| &self.text[start..self.pos])
    }

    /// A double-quoted string; the opening quote is next. Escapes `\\`, `\"`
    /// and `\n` are decoded; any other escape is kept as written.
    fn quoted(&mut self) -> Result<Cow<'a, str>, &'static str> {
        if !self.eat(b'"') {
            return Err("expected '\"'");
        }
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut owned: Option<String> = None;
        let mut run_start = start;
        loop {
            let Some(rel) = memchr::memchr2(b'"', b'\\', &bytes[self.pos..]) else {
                return Err("unterminated quoted string");
            };
            let at = self.pos + rel;
            if bytes[at] == b'"' {
                self.pos = at + 1;
                return Ok(match owned {
                    None => Cow::Borrowed(&self.text[start..at]),
                    Some(mut s) => {
                        s.push_str(&self.text[run_start..at]);
                        Cow::Owned(s)
                    }
                });
            }
            // A backslash: decode the escape into the owned copy.
            let s = owned.get_or_insert_with(String::new);
            s.push_str(&self.text[run_start..at]);
            match bytes.get(at + 1) {
                Some(b'\\') => s.push('\\'),
                Some(b'"') => s.push('"'),
                Some(b'n') => s.push('\n'),
                Some(_) => {
                    // Keep the unknown escape literally (backslash and the
                    // whole next character, which may be multi-byte).
                    let next = self.text[at + 1..].chars().next().map_or(1, char::len_utf8);
                    s.push_str(&self.text[at..at + 1 + next]);
                    self.pos = at + 1 + next;
                    run_start = self.pos;
                    continue;
                }
                None => return Err("unterminated quoted string"),
            }
            self.pos = at + 2;
            run_start = self.pos;
        }
    }

    /// The next whitespace-delimited token.
    fn token(&mut self) -> &'a str {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if b == b' ' || b == b'\t' {
                break;
            }
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }
}

fn parse_sample(line: &str) -> Result<Sample<'_>, &'static str> {
    let mut c = Cursor { text: line, pos: 0 };
    let mut name: Option<Cow<'_, str>> = c.name().map(Cow::Borrowed);
    let mut labels = Vec::new();
    if c.eat(b'{') {
        loop {
            c.skip_blanks();
            if c.eat(b'}') {
                break;
            }
            let label_name = match c.peek() {
                Some(b'"') => c.quoted()?,
                _ => Cow::Borrowed(c.name().ok_or("expected a label name")?),
            };
            c.skip_blanks();
            if c.eat(b'=') {
                c.skip_blanks();
                let value = c.quoted()?;
                labels.push(Label {
                    name: label_name,
                    value,
                });
            } else if name.is_none() {
                // Prometheus 3 quoted metric name: `{"my.metric", a="b"}`.
                name = Some(label_name);
            } else {
                return Err("expected '=' after a label name");
            }
            c.skip_blanks();
            if c.eat(b',') {
                continue;
            }
            if c.eat(b'}') {
                break;
            }
            return Err("expected ',' or '}' in the label set");
        }
    }
    let name = name.ok_or("expected a metric name")?;
    let before = c.pos;
    c.skip_blanks();
    if c.pos == before {
        return Err("expected a space before the value");
    }
    let value = parse_value(c.token()).ok_or("the value is not a number")?;
    c.skip_blanks();
    let mut timestamp = None;
    match c.peek() {
        None => {}
        Some(b'#') => {} // OpenMetrics exemplar: not needed here.
        Some(_) => {
            timestamp = Some(parse_value(c.token()).ok_or("the timestamp is not a number")?);
            c.skip_blanks();
            if !matches!(c.peek(), None | Some(b'#')) {
                return Err("unexpected text after the timestamp");
            }
        }
    }
    Ok(Sample {
        name,
        labels,
        value,
        timestamp,
    })
}

/// Go's `ParseFloat` spellings, which Rust's parser accepts too (`+Inf`,
/// `-Inf`, `NaN`, exponents); Rust's also takes `infinity`, harmlessly.
fn parse_value(token: &str) -> Option<f64> {
    if token.is_empty() {
        return None;
    }
    token.parse::<f64>().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_format_in_full() {
        let text = "# HELP http_requests_total The total.\n\
            # TYPE http_requests_total counter\n\
            http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n\
            http_requests_total{method=\"post\",code=\"400\",} 3\n\
            \n\
            msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n\
            metric_without_timestamp_and_labels 12.47\n\
            something_weird{problem=\"division by zero\"} +Inf -3982045\n\
            neg -Inf\n\
            nan NaN\n\
            # a free comment\n";
        let e = parse(text);
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        assert_eq!(e.samples.len(), 7);
        assert_eq!(e.type_of("http_requests_total"), Some(MetricType::Counter));
        let s = &e.samples[0];
        assert_eq!(s.name, "http_requests_total");
        assert_eq!(s.label("code"), Some("200"));
        assert_eq!(s.value, 1027.0);
        assert_eq!(s.timestamp, Some(1_395_066_363_000.0));
        assert_eq!(e.samples[1].labels.len(), 2);
        let weird = &e.samples[2];
        assert_eq!(weird.label("path"), Some("C:\\DIR\\FILE.TXT"));
        assert_eq!(
            weird.label("error"),
            Some("Cannot find file:\n\"FILE.TXT\"")
        );
        assert_eq!(e.samples[4].value, f64::INFINITY);
        assert_eq!(e.samples[4].timestamp, Some(-3_982_045.0));
        assert_eq!(e.samples[5].value, f64::NEG_INFINITY);
        assert!(e.samples[6].value.is_nan());
    }

    #[test]
    fn openmetrics_eof_exemplars_and_float_timestamps() {
        let text = "# TYPE foo histogram\n\
            # UNIT foo seconds\n\
            foo_bucket{le=\"0.1\"} 8 # {trace_id=\"KOO5S4vxi0o\"} 0.067 1.6e9\n\
            foo_bucket{le=\"+Inf\"} 10 1520879607.789\n\
            foo_count 10\n\
            # EOF\n\
            after_eof 1\n";
        let e = parse(text);
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        assert_eq!(e.samples.len(), 3);
        assert_eq!(e.type_of("foo"), Some(MetricType::Histogram));
        assert_eq!(e.samples[0].value, 8.0);
        assert_eq!(e.samples[0].timestamp, None);
        assert_eq!(e.samples[1].label("le"), Some("+Inf"));
        assert_eq!(e.samples[1].timestamp, Some(1_520_879_607.789));
    }

    #[test]
    fn quoted_names_and_crlf() {
        let e = parse("{\"my.metric\", \"label.x\"=\"v\"} 2\r\nok 1\r\n");
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        assert_eq!(e.samples[0].name, "my.metric");
        assert_eq!(e.samples[0].label("label.x"), Some("v"));
        assert_eq!(e.samples[1].value, 1.0);
    }

    #[test]
    fn bad_lines_are_counted_and_skipped() {
        let e = parse("good 1\nbad{a=\"x} 1\nnovalue\nx{a=\"1\"} abc\ny 1 2 3\ngood2 2\n");
        assert_eq!(e.samples.len(), 2);
        assert_eq!(
            e.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![2, 3, 4, 5]
        );
    }

    #[test]
    fn sample_name_prefilter() {
        assert_eq!(sample_name("foo_bucket{le=\"1\"} 2"), Some("foo_bucket"));
        assert_eq!(sample_name("foo 2"), Some("foo"));
        assert_eq!(sample_name("# TYPE foo counter"), None);
        assert_eq!(sample_name(""), None);
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(text in "\\PC*") {
            let _ = parse(&text);
        }

        #[test]
        fn never_panics_on_near_valid_lines(
            name in "[a-z_:{}\"#]{0,8}",
            labels in proptest::collection::vec(("[a-z\"\\\\=,]{0,5}", "[ -~\\\\\"\u{e9}\u{1F600}]{0,8}"), 0..4),
            value in "[-+0-9.eEInfNa ]{0,8}",
            tail in "[ 0-9#{}\"a-z]{0,10}",
        ) {
            let mut line = name.clone();
            line.push('{');
            for (k, v) in &labels {
                line.push_str(&format!("{k}=\"{v}\","));
            }
            line.push_str("} ");
            line.push_str(&value);
            line.push_str(&tail);
            let _ = parse(&line);
        }

        #[test]
        fn escaped_values_round_trip(value in "[ -~\u{e9}\n]{0,20}") {
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
            let text = format!("m{{v=\"{escaped}\"}} 1\n");
            let e = parse(&text);
            prop_assert!(e.errors.is_empty());
            prop_assert_eq!(e.samples[0].label("v"), Some(value.as_str()));
        }
    }
}
