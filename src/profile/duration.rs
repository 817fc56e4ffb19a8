//! Durations in profiles ("2s", "5m", "1h30m"), parsed by humantime. Kept in
//! one place so every duration key accepts the same units and fails with the
//! same hint.

use std::time::Duration;

/// Said whenever a duration does not parse.
pub const UNITS_HINT: &str =
    "use a number with a unit: ms, s, m, h or d (e.g. \"500ms\", \"30s\", \"5m\", \"1h30m\")";

/// Parses a profile duration; the error is a sentence naming the text.
pub fn parse(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("empty duration".to_string());
    }
    if trimmed.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!("duration `{trimmed}` has no unit"));
    }
    humantime::parse_duration(trimmed).map_err(|e| {
        let detail = e.to_string();
        // humantime lists its units itself; the hint says which ones we mean.
        let detail = detail.split(", supported units").next().unwrap_or("");
        format!("bad duration `{trimmed}`: {detail}")
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_units() {
        assert_eq!(parse("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse(" 5m ").unwrap(), Duration::from_secs(300));
    }

    #[test]
    fn rejects_unknown_units_and_bare_numbers() {
        let err = parse("5 parsecs").unwrap_err();
        assert!(err.contains("5 parsecs"), "{err}");
        assert!(parse("30").unwrap_err().contains("no unit"));
        assert!(parse("").is_err());
    }
}
