//! Every file in `tests/invalid_profiles/` must fail to load with its
//! expected message, at its expected line and column, with its hint; and
//! every file there must be listed here, so a new case cannot go unchecked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use golive::profile::{self, ProfileError, ProfileIssue};

struct Case {
    file: &'static str,
    line: usize,
    column: usize,
    message: &'static str,
    hint: Option<&'static str>,
}

const fn case(
    file: &'static str,
    line: usize,
    column: usize,
    message: &'static str,
    hint: Option<&'static str>,
) -> Case {
    Case {
        file,
        line,
        column,
        message,
        hint,
    }
}

const CASES: &[Case] = &[
    case(
        "bad_notify_event",
        9,
        28,
        "unknown notify event `gate_resolvd`",
        Some("did you mean `gate_resolved`?"),
    ),
    case(
        "notify_webhook_and_command",
        9,
        11,
        "notify `team` has both `webhook` and `command`",
        Some("a receiver is one webhook or one command; add another [[notify]] for the other"),
    ),
    case(
        "unknown_kpi_key",
        7,
        1,
        "unknown key `downtme`",
        Some("did you mean `downtime`?"),
    ),
    case(
        "bad_kpi_bound",
        7,
        12,
        "`rollback`: `5m` is not a bound",
        Some("rollback = \"< 5m\""),
    ),
    case(
        "unknown_key",
        15,
        3,
        "unknown key `titel`",
        Some("did you mean `title`?"),
    ),
    case(
        "unknown_section",
        6,
        3,
        "unknown section `endpoints`",
        Some("did you mean `endpoint`?"),
    ),
    case(
        "wrong_type",
        15,
        45,
        "expected an integer",
        Some("`requests`"),
    ),
    case(
        "bad_duration",
        12,
        12,
        "bad duration `5 parsecs`",
        Some("ms, s, m, h"),
    ),
    case(
        "duplicate_item",
        14,
        8,
        "duplicate item id `ci`",
        Some("already defined on line 9"),
    ),
    case(
        "duplicate_endpoint",
        11,
        6,
        "duplicate endpoint id `health`",
        Some("line 7"),
    ),
    case(
        "missing_endpoint",
        14,
        24,
        "endpoint `helth`, which is not defined",
        Some("did you mean `health`?"),
    ),
    case(
        "missing_verify_item",
        13,
        21,
        "verifies item `healthy`, which is not defined",
        Some("did you mean `health`?"),
    ),
    case(
        "missing_log_source",
        13,
        20,
        "log source `apii`",
        Some("did you mean `api`?"),
    ),
    case(
        "missing_metrics_track",
        13,
        9,
        "no [[metrics]] for track `canry`",
        Some("did you mean `canary`?"),
    ),
    case(
        "bad_format",
        9,
        10,
        "unknown format `helthz`",
        Some("did you mean `healthz`?"),
    ),
    case(
        "url_and_urls",
        9,
        8,
        "has both `url` and `urls`",
        Some("not both"),
    ),
    case(
        "no_url",
        6,
        1,
        "has neither `url` nor `urls`",
        Some("url = "),
    ),
    case(
        "mixed_check",
        14,
        11,
        "check mixes kinds: `command`, `endpoint`",
        Some("separate items"),
    ),
    case(
        "foreign_check_key",
        14,
        44,
        "`pattern` does not apply to an endpoint check",
        Some("`requests`"),
    ),
    case(
        "unknown_on_breach",
        15,
        13,
        "unknown on_breach `rolback`",
        Some("did you mean `rollback`?"),
    ),
    case(
        "rollback_without_action",
        15,
        13,
        "there is no [actions.rollback]",
        Some("[actions.rollback]"),
    ),
    case(
        "bad_regex",
        14,
        37,
        "bad regular expression in pattern",
        None,
    ),
    case("bad_threshold", 14, 13, "needs a unit (ms or s)", None),
    case(
        "bad_interpolation",
        7,
        38,
        "`${service.previous}` is used but [service] has no `previous`",
        Some("add previous"),
    ),
    case("toml_syntax", 7, 13, "invalid basic string", None),
    case(
        "single_bracket_endpoint",
        6,
        1,
        "`endpoint` is a list of tables",
        Some("[[endpoint]]"),
    ),
    case(
        "kubernetes_action_without_op",
        7,
        14,
        "kubernetes action `rollback` needs exactly one of `image = \"...\"`, `rollback = true` or `restart = true`",
        Some("e.g. kubernetes = { deployment = \"api\", image = \"api:${service.version}\" }"),
    ),
    case(
        "kubernetes_misspelt_key",
        11,
        48,
        "unknown key `namespce`",
        Some("did you mean `namespace`?"),
    ),
    case(
        "kubernetes_container_without_image",
        7,
        65,
        "`container` picks the container an `image` is set on; this action sets none",
        Some("remove `container`, or give `image = \"...\"` instead"),
    ),
    case(
        "docker_action_without_op",
        7,
        10,
        "needs exactly one of `image",
        None,
    ),
    case(
        "bad_url",
        8,
        7,
        "URL `ftp://127.0.0.1/health` is not http(s)",
        None,
    ),
    case(
        "missing_service",
        0,
        0,
        "missing [service] section",
        Some("`name` and `version`"),
    ),
    case(
        "bad_condition",
        14,
        67,
        "bad condition `[STATUS] ==`",
        Some("[STATUS] == 200"),
    ),
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid_profiles")
}

fn issues_of(file: &str) -> Vec<ProfileIssue> {
    let path = dir().join(format!("{file}.toml"));
    match profile::load(&path) {
        Ok(_) => panic!("{file}.toml loaded, but it is invalid"),
        Err(ProfileError::Invalid { issues }) => issues,
        Err(other) => panic!("{file}.toml: unexpected error {other}"),
    }
}

#[test]
fn every_invalid_profile_fails_where_expected() {
    let mut failures = Vec::new();
    for c in CASES {
        let issues = issues_of(c.file);
        let found = issues.iter().find(|i| i.message.contains(c.message));
        let Some(issue) = found else {
            failures.push(format!(
                "{}: no issue mentions {:?}; got:\n{}",
                c.file,
                c.message,
                issues
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
            continue;
        };
        // A condition error points into the condition text, where the
        // condition parser says; the case gives the quote that opens it.
        let column_ok = if c.file == "bad_condition" {
            (c.column..c.column + "\"[STATUS] ==\"".len()).contains(&issue.column)
        } else {
            issue.column == c.column
        };
        if issue.line != c.line || !column_ok {
            failures.push(format!(
                "{}: {:?} at {}:{}, expected {}:{}",
                c.file, c.message, issue.line, issue.column, c.line, c.column
            ));
        }
        if let Some(hint) = c.hint
            && !issue.hint.as_deref().unwrap_or("").contains(hint)
        {
            failures.push(format!(
                "{}: hint {:?} does not contain {:?}",
                c.file, issue.hint, hint
            ));
        }
        assert!(
            issue.file.ends_with(format!("{}.toml", c.file)),
            "{}: issue names file {}",
            c.file,
            issue.file.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_file_in_the_folder_has_a_case() {
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        if !CASES.iter().any(|c| c.file == stem) {
            missing.push(stem);
        }
    }
    assert!(missing.is_empty(), "files without a case: {missing:?}");
    assert!(CASES.len() >= 12);
}

#[test]
fn the_display_shows_position_source_line_caret_and_hint() {
    let issues = issues_of("unknown_key");
    let text = issues[0].to_string();
    assert!(
        text.contains("unknown_key.toml:15:3: unknown key `titel`"),
        "{text}"
    );
    assert!(text.contains("15 |   titel = \"CI green\""), "{text}");
    let caret_line = text.lines().find(|l| l.trim_end().ends_with('^')).unwrap();
    let source_line = text.lines().find(|l| l.contains("titel =")).unwrap();
    // The caret sits under the `t` of `titel`.
    assert_eq!(
        caret_line.find('^').unwrap(),
        source_line.find("titel").unwrap(),
        "{text}"
    );
    assert!(text.contains("hint: did you mean `title`?"), "{text}");
}

#[test]
fn several_problems_are_reported_in_one_pass() {
    let text = r#"
[service]
name = "svc"
version = "v1"

[settings]
timeout = "5 parsecs"
poll_intervall = "2s"

[[endpoint]]
id = "health"
url = "http://127.0.0.1/"
format = "xml"

[[phase]]
id = "p"
  [[phase.item]]
  id = "a"
  titel = "x"
  [[phase.item]]
  id = "a"
  check = { endpoint = "nope" }

[actions.rollback]
command = ["true"]
verify = ["missing"]
"#;
    let err = profile::load_with(Path::new("multi.toml"), text, &|_| None).unwrap_err();
    let issues = err.issues();
    let messages: Vec<&str> = issues.iter().map(|i| i.message.as_str()).collect();
    for expected in [
        "bad duration `5 parsecs`",
        "unknown key `poll_intervall`",
        "unknown format `xml`",
        "unknown key `titel`",
        "duplicate item id `a`",
        "endpoint `nope`",
        "verifies item `missing`",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{expected:?} missing from {messages:#?}"
        );
    }
    let lines: Vec<usize> = issues.iter().map(|i| i.line).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "issues come in file order");
}
