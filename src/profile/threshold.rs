//! Metric thresholds as users write them (`"< 300ms"`, `"> 0.05"`, `"< 5%"`)
//! and baseline ratios (`"< 1.2x"`). Latencies are held in seconds, rates as
//! fractions, so the metrics engine compares like with like.

use super::{Cmp, MetricKind, Ratio, Threshold};

/// Splits a leading comparison operator off `text`.
fn split_cmp(text: &str) -> Result<(Cmp, &str), String> {
    let text = text.trim();
    let ops = [
        ("<=", Cmp::Le),
        (">=", Cmp::Ge),
        ("==", Cmp::Eq),
        ("!=", Cmp::Ne),
        ("<", Cmp::Lt),
        (">", Cmp::Gt),
    ];
    for (symbol, cmp) in ops {
        if let Some(rest) = text.strip_prefix(symbol) {
            return Ok((cmp, rest.trim()));
        }
    }
    Err(format!(
        "`{text}` does not start with a comparison (<, <=, >, >=, ==, !=)"
    ))
}

fn number(text: &str, whole: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("`{whole}` has no number after the comparison")),
    }
}

/// `"< 300ms"` for latencies (ms, s, us), `"< 0.05"` or `"< 5%"` for error
/// rates, `"> 10"` or `"> 10/s"` for request rates.
pub fn parse_threshold(text: &str, metric: MetricKind) -> Result<Threshold, String> {
    let (cmp, rest) = split_cmp(text)?;
    let value = match metric {
        MetricKind::LatencyP50 | MetricKind::LatencyP95 | MetricKind::LatencyP99 => {
            let units = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("s", 1.0)];
            let Some((num, scale)) = units
                .iter()
                .find_map(|(u, scale)| rest.strip_suffix(u).map(|n| (n, *scale)))
            else {
                return Err(format!(
                    "latency threshold `{}` needs a unit (ms or s), e.g. \"< 300ms\"",
                    text.trim()
                ));
            };
            number(num, text.trim())? * scale
        }
        MetricKind::ErrorRate => match rest.strip_suffix('%') {
            Some(num) => number(num, text.trim())? / 100.0,
            None => {
                let v = number(rest, text.trim())?;
                if !(0.0..=1.0).contains(&v) {
                    return Err(format!(
                        "error rate `{}` is a fraction between 0 and 1 (or a percentage like \"5%\")",
                        text.trim()
                    ));
                }
                v
            }
        },
        MetricKind::RequestRate => number(rest.strip_suffix("/s").unwrap_or(rest), text.trim())?,
    };
    Ok(Threshold { cmp, value })
}

/// `"< 1.2x"`: the canary's value over the baseline's.
pub fn parse_ratio(text: &str) -> Result<Ratio, String> {
    let (cmp, rest) = split_cmp(text)?;
    let Some(num) = rest.strip_suffix('x').or_else(|| rest.strip_suffix('×')) else {
        return Err(format!(
            "baseline ratio `{}` needs an `x`, e.g. \"< 1.2x\"",
            text.trim()
        ));
    };
    let factor = number(num, text.trim())?;
    if factor <= 0.0 {
        return Err(format!("baseline ratio `{}` must be above 0", text.trim()));
    }
    Ok(Ratio { cmp, factor })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn latencies_become_seconds() {
        let t = parse_threshold("< 300ms", MetricKind::LatencyP95).unwrap();
        assert_eq!(t.cmp, Cmp::Lt);
        assert!((t.value - 0.3).abs() < 1e-12);
        let t = parse_threshold(">= 2s", MetricKind::LatencyP99).unwrap();
        assert_eq!((t.cmp, t.value), (Cmp::Ge, 2.0));
        assert!(parse_threshold("< 300", MetricKind::LatencyP95).is_err());
    }

    #[test]
    fn error_rates_are_fractions_or_percentages() {
        let t = parse_threshold("> 0.05", MetricKind::ErrorRate).unwrap();
        assert_eq!((t.cmp, t.value), (Cmp::Gt, 0.05));
        let t = parse_threshold("> 5%", MetricKind::ErrorRate).unwrap();
        assert!((t.value - 0.05).abs() < 1e-12);
        assert!(parse_threshold("> 5", MetricKind::ErrorRate).is_err());
    }

    #[test]
    fn ratios_need_an_x() {
        let r = parse_ratio("< 1.2x").unwrap();
        assert_eq!((r.cmp, r.factor), (Cmp::Lt, 1.2));
        assert!(parse_ratio("< 1.2").is_err());
        assert!(parse_ratio("1.2x").is_err());
        assert!(parse_ratio("< 0x").is_err());
    }
}
