//! The metrics keys of a profile: `[judge]` (the statistical judge's
//! thresholds) and `[settings] metrics_retention`, their defaults, and their
//! validation errors with file, line, column and a fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use golive::engine::judge::JudgeConfig;
use golive::engine::metrics::{MAX_POINTS_CAP, MetricsConfig};
use golive::profile::{self, Profile, ProfileIssue};

const HEAD: &str = "[service]\nname = \"shop\"\nversion = \"v2\"\n";

fn load(text: &str) -> Result<Profile, Vec<ProfileIssue>> {
    profile::load_with(Path::new("shop.toml"), text, &|_| None).map_err(|e| e.issues())
}

fn issue_with<'a>(issues: &'a [ProfileIssue], needle: &str) -> &'a ProfileIssue {
    issues
        .iter()
        .find(|i| i.message.contains(needle))
        .unwrap_or_else(|| panic!("no issue with {needle:?} in {issues:#?}"))
}

#[test]
fn defaults_without_the_keys() {
    let p = load(HEAD).unwrap();
    assert_eq!(p.settings.metrics_retention, Duration::from_secs(3600));
    assert_eq!(p.settings.judge, JudgeConfig::default());
    let cfg = MetricsConfig::for_settings(&p.settings);
    assert_eq!(cfg.retention, Duration::from_secs(3600));
    // An hour at the default 2 s poll, twice over.
    assert_eq!(cfg.max_points, 3600);
}

#[test]
fn judge_and_retention_keys_are_read() {
    let p = load(&format!(
        "{HEAD}\n[settings]\npoll_interval = \"100ms\"\nmetrics_retention = \"24h\"\n\n[judge]\nconfidence = 0.95\npass_score = 80\nmarginal_score = 60.5\nmin_samples = 8\nallowed_increase = 1.2\n"
    ))
    .unwrap();
    assert_eq!(p.settings.metrics_retention, Duration::from_secs(24 * 3600));
    let j = &p.settings.judge;
    assert_eq!(j.confidence, 0.95);
    assert_eq!(j.pass_score, 80.0);
    assert_eq!(j.marginal_score, 60.5);
    assert_eq!(j.min_samples, 8);
    assert_eq!(j.allowed_increase, 1.2);
    let cfg = MetricsConfig::for_settings(&p.settings);
    assert_eq!(cfg.judge, *j);
    // A day at 10 polls a second would be 864k points: capped.
    assert_eq!(cfg.max_points, MAX_POINTS_CAP);
}

#[test]
fn out_of_range_values_name_their_place_and_a_fix() {
    let text = format!(
        "{HEAD}\n[settings]\nmetrics_retention = \"10s\"\n\n[judge]\nconfidence = 98\npass_score = 120\nmarginal_score = 90\nmin_samples = 0\nallowed_increase = 0.8\n"
    );
    let issues = load(&text).unwrap_err();
    let retention = issue_with(&issues, "metrics_retention");
    assert_eq!((retention.line, retention.column), (6, 21));
    assert!(retention.hint.as_deref().unwrap().contains("\"1h\""));
    let confidence = issue_with(&issues, "`confidence`");
    assert_eq!((confidence.line, confidence.column), (9, 14));
    assert_eq!(
        confidence.message,
        "`confidence` must be at least 0.5 and below 1, not 98"
    );
    assert!(confidence.hint.as_deref().unwrap().contains("0.98"));
    let pass = issue_with(&issues, "`pass_score`");
    assert_eq!(pass.line, 10);
    assert!(pass.hint.as_deref().unwrap().contains("0 to 100"));
    assert_eq!(issue_with(&issues, "`min_samples`").line, 12);
    let increase = issue_with(&issues, "`allowed_increase`");
    assert_eq!((increase.line, increase.column), (13, 20));
    assert!(increase.hint.as_deref().unwrap().contains("1.2"));
    // Shown as file:line:col with the source line.
    let shown = confidence.to_string();
    assert!(shown.starts_with("shop.toml:9:14: "), "{shown}");
    assert!(shown.contains("confidence = 98"), "{shown}");
}

#[test]
fn marginal_above_pass_and_unknown_judge_keys_are_errors() {
    let issues = load(&format!(
        "{HEAD}\n[judge]\npass_score = 70\nmarginal_score = 80\nconfidense = 0.9\n"
    ))
    .unwrap_err();
    let marginal = issue_with(&issues, "`marginal_score` (80) is above `pass_score` (70)");
    assert_eq!((marginal.line, marginal.column), (7, 18));
    assert!(marginal.hint.is_some());
    let unknown = issue_with(&issues, "confidense");
    assert_eq!(unknown.line, 8);
    assert_eq!(
        unknown.hint.as_deref(),
        Some("did you mean `confidence`?"),
        "{unknown:?}"
    );
    // A misspelt section name is suggested too.
    let issues = load(&format!("{HEAD}\n[judgee]\nconfidence = 0.9\n")).unwrap_err();
    assert_eq!(
        issue_with(&issues, "unknown section").hint.as_deref(),
        Some("did you mean `judge`?")
    );
}
