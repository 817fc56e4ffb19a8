//! A `/metrics` endpoint is healthy when it answers with parseable
//! Prometheus text (exposition format 0.0.4 or OpenMetrics). This checks
//! the grammar line by line without building the samples: the metrics
//! adapter does the real reading; here only "could a scraper read this?"
//! matters. A `*_build_info{version="..."}` sample gives the version.

use super::common::clean;
use super::{Health, HealthState};

/// True when the body starts like an exposition (a HELP or TYPE comment).
pub fn looks_like(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let rest = &body[start..];
    rest.starts_with(b"# HELP ") || rest.starts_with(b"# TYPE ")
}

pub fn parse(body: &[u8]) -> Result<Health, String> {
    let text = std::str::from_utf8(body)
        .map_err(|e| format!("metrics are not valid UTF-8 (at byte {})", e.valid_up_to()))?;
    let mut samples = 0usize;
    let mut version = None;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let sample = sample(line).map_err(|why| {
            format!(
                "not Prometheus text: line {}: {why}: {}",
                index + 1,
                clean(line)
            )
        })?;
        samples += 1;
        if version.is_none() && sample.name.ends_with("_build_info") {
            version = sample
                .labels
                .iter()
                .find(|(k, _)| *k == "version")
                .map(|(_, v)| clean(v));
        }
    }
    let (state, reason) = if samples == 0 {
        (
            HealthState::Degraded,
            Some("the metrics page has no samples".to_string()),
        )
    } else {
        (HealthState::Up, None)
    };
    Ok(Health {
        state,
        reason,
        version: version.filter(|v| !v.is_empty()),
        ..Health::default()
    })
}

struct Sample<'a> {
    name: &'a str,
    labels: Vec<(&'a str, String)>,
}

/// `name{label="value",...} value [timestamp]`.
fn sample(line: &str) -> Result<Sample<'_>, &'static str> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("bad metric name");
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        let (parsed, remaining) = label_set(after)?;
        labels = parsed;
        rest = remaining;
    }
    let mut fields = rest.split_whitespace();
    let value = fields.next().ok_or("no value")?;
    if !is_float(value) {
        return Err("bad value");
    }
    if let Some(ts) = fields.next()
        && !is_float(ts)
    {
        return Err("bad timestamp");
    }
    // OpenMetrics exemplars start with `#`; anything else is junk.
    if let Some(extra) = fields.next()
        && !extra.starts_with('#')
    {
        return Err("unexpected text after the value");
    }
    Ok(Sample { name, labels })
}

type Labels<'a> = Vec<(&'a str, String)>;

fn label_set(mut s: &str) -> Result<(Labels<'_>, &str), &'static str> {
    let mut labels = Vec::new();
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix('}') {
            return Ok((labels, rest));
        }
        let name_end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .ok_or("unclosed label set")?;
        let name = &s[..name_end];
        if name.is_empty() {
            return Err("bad label name");
        }
        s = s[name_end..].trim_start();
        s = s.strip_prefix('=').ok_or("label without `=`")?.trim_start();
        s = s.strip_prefix('"').ok_or("label value not quoted")?;
        let mut value = String::new();
        let mut chars = s.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c)) => value.push(c),
                    None => return Err("unclosed label value"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => return Err("unclosed label value"),
            }
        };
        labels.push((name, value));
        s = s[end + 1..].trim_start();
        if let Some(rest) = s.strip_prefix(',') {
            s = rest;
        } else if !s.starts_with('}') {
            return Err("expected `,` or `}` in labels");
        }
    }
}

fn is_float(s: &str) -> bool {
    matches!(s, "NaN" | "+Inf" | "-Inf" | "Inf" | "+inf" | "-inf")
        || (s.parse::<f64>().is_ok() && !s.eq_ignore_ascii_case("nan") && !s.contains("inf"))
}
