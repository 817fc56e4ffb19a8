//! The judge in the cockpit: `enter` on the charts opens its full report
//! with every gate and the chart window, and the verdict goes into the
//! journal when it changes, not on every poll. Pure updates with made-up
//! PromQL answers and a fixed clock; the modal drawn once for a snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use golive::cockpit::fixture::{sample_profile, t0};
use golive::cockpit::keys::{self, Context, Key};
use golive::engine::judge::Verdict;
use golive::engine::metrics::{MetricValue, MetricsPayload, MetricsReport};
use golive::engine::record::{Event, Record};
use golive::engine::state::{App, Effect, Modal, Msg, Pane, update};
use golive::profile::{
    Cmp, Gate, JudgeConfig, JudgeMethod, MetricKind, MetricsKind, MetricsSource, OnBreach, Profile,
    Threshold,
};
use golive::ui::{Theme, modal};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn promql(track: &str) -> MetricsSource {
    let q = || Some("q".to_string());
    MetricsSource {
        track: track.into(),
        kind: MetricsKind::PromQl {
            url: "http://127.0.0.1:1".into(),
            latency_p50: q(),
            latency_p95: q(),
            latency_p99: q(),
            error_rate: q(),
            request_rate: None,
        },
        window: Duration::from_secs(60),
    }
}

fn gate(id: &str, metric: MetricKind, above: f64, minutes: u64, on_breach: OnBreach) -> Gate {
    Gate {
        id: id.into(),
        metric,
        track: "canary".into(),
        condition: Some(Threshold {
            cmp: Cmp::Gt,
            value: above,
        }),
        vs_baseline: None,
        for_: Duration::from_secs(minutes * 60),
        on_breach,
    }
}

/// Canary and baseline read with PromQL, and gates in every state: one ok,
/// one breached, one breaching within its `for`, one without data.
fn profile() -> Profile {
    let mut p = sample_profile();
    p.metrics = vec![promql("canary"), promql("baseline")];
    // These PromQL sources give no request rate, and the verdict trail and
    // the details are shown here on the per-window judge: the sequential
    // judge's own evidence is tested in tests/check_cli.rs and judge_sim.rs.
    p.settings.judge = JudgeConfig {
        method: JudgeMethod::MannWhitney,
        allowed_increase: JudgeMethod::MannWhitney.default_allowed_increase(),
        ..JudgeConfig::default()
    };
    p.gates = vec![
        gate("errors", MetricKind::ErrorRate, 0.05, 5, OnBreach::Alert),
        gate("p95", MetricKind::LatencyP95, 0.35, 5, OnBreach::Alert),
        gate(
            "p95-slow",
            MetricKind::LatencyP95,
            0.35,
            30,
            OnBreach::Alert,
        ),
        gate("p50", MetricKind::LatencyP50, 0.3, 5, OnBreach::Alert),
    ];
    p
}

fn at(minute: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::minutes(minute)
}

/// One poll's answer for `track`: the canary's p95 twice the baseline's,
/// p99 the same on both, fewer errors on the canary, and no p50 at all.
fn answer(track: &str, minute: i64) -> Msg {
    let jitter = (minute % 5) as f64 * 0.002;
    let canary = track == "canary";
    let p95 = if canary { 0.4 } else { 0.2 } + jitter;
    let p99 = 0.5 + (minute % 7) as f64 * 0.003;
    let errors = if canary { 0.005 } else { 0.02 } + (minute % 3) as f64 * 0.001;
    Msg::Metrics(Box::new(MetricsReport {
        track: track.into(),
        at: at(minute),
        payload: MetricsPayload::PromQl(
            vec![
                (
                    MetricKind::LatencyP50,
                    MetricValue::NoData("the query returned no series".into()),
                ),
                (MetricKind::LatencyP95, MetricValue::Ok(p95)),
                (MetricKind::LatencyP99, MetricValue::Ok(p99)),
                (MetricKind::ErrorRate, MetricValue::Ok(errors)),
            ]
            .into_iter()
            .map(Into::into)
            .collect(),
        ),
    }))
}

fn verdicts(effects: &[Effect]) -> Vec<(Verdict, Record)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Append(r) => match &r.event {
                Event::JudgeVerdict { verdict, .. } => Some((*verdict, r.as_ref().clone())),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Twenty minutes of polls, one a minute; the judge's journal records as
/// they were asked for, with the minute each came in.
fn twenty_minutes(app: &mut App) -> Vec<(i64, Verdict, Record)> {
    let mut out = Vec::new();
    for minute in 0..20 {
        update(app, Msg::Tick(at(minute)));
        for track in ["canary", "baseline"] {
            let effects = update(app, answer(track, minute));
            out.extend(verdicts(&effects).into_iter().map(|(v, r)| (minute, v, r)));
        }
    }
    out
}

#[test]
fn the_verdict_is_journalled_when_it_changes_not_every_poll() {
    let mut app = App::new(profile(), "alice", t0());
    let journalled = twenty_minutes(&mut app);
    let seen: Vec<(i64, Verdict)> = journalled.iter().map(|(m, v, _)| (*m, *v)).collect();
    // No data while too few windows exist, once, on its second evaluation;
    // the fail verdict once it held for two polls (five samples a side are
    // there from minute 4, so it first shows at minute 4 and goes in at 5).
    assert_eq!(seen, [(1, Verdict::NoData), (5, Verdict::Fail)]);
    let (_, _, record) = &journalled[1];
    assert_eq!(record.operator, "alice");
    assert_eq!(record.at, at(5));
    let Event::JudgeVerdict {
        score,
        summary,
        metrics,
        ..
    } = &record.event
    else {
        unreachable!()
    };
    assert!(score.is_some_and(|s| s < 75.0), "{score:?}");
    assert!(summary.contains("higher: latency_p95"), "{summary}");
    assert_eq!(metrics.len(), 4, "{metrics:?}");
    assert!(
        metrics
            .iter()
            .any(|m| m.starts_with("latency_p95 high: p "))
    );
    assert!(metrics.iter().any(|m| m.starts_with("error_rate low: ")));
    assert!(
        metrics
            .iter()
            .any(|m| m.starts_with("latency_p50 no-data: "))
    );
    // The cockpit's latest word agrees with what it journalled.
    assert_eq!(app.judge.as_ref().unwrap().verdict, Verdict::Fail);
    assert_eq!(app.judge_trail.journalled(), Some(Verdict::Fail));
}

#[test]
fn two_cockpits_on_one_release_record_each_change_once() {
    // Alice's cockpit records as it goes; every record reaches Bob's through
    // the shared journal before his own polls of the same minute.
    let mut alice = App::new(profile(), "alice", t0());
    let mut bob = App::new(profile(), "bob", t0());
    let mut bob_records = Vec::new();
    for minute in 0..20 {
        for app in [&mut alice, &mut bob] {
            update(app, Msg::Tick(at(minute)));
        }
        for track in ["canary", "baseline"] {
            for (_, record) in verdicts(&update(&mut alice, answer(track, minute))) {
                update(&mut bob, Msg::Record(Box::new(record)));
            }
        }
        for track in ["canary", "baseline"] {
            bob_records.extend(verdicts(&update(&mut bob, answer(track, minute))));
        }
    }
    assert!(
        bob_records.is_empty(),
        "Bob recorded what Alice had: {:?}",
        bob_records.iter().map(|(v, _)| *v).collect::<Vec<_>>()
    );
    assert_eq!(bob.judge_trail.journalled(), Some(Verdict::Fail));
}

/// The judge's full report, the gates and the window, opened from the charts.
fn details_lines(app: &mut App) -> (String, Vec<String>) {
    app.focus = Pane::Charts;
    assert!(update(app, Msg::Key(Key::Enter)).is_empty());
    assert_eq!(app.context(), Context::Details);
    match app.modal.clone() {
        Some(Modal::Details { title, lines, .. }) => (title, lines),
        other => panic!("no details modal: {other:?}"),
    }
}

#[test]
fn enter_on_the_charts_shows_the_judge_the_gates_and_the_window() {
    let mut app = App::new(profile(), "alice", t0());
    twenty_minutes(&mut app);
    update(&mut app, Msg::Key(Key::Tab)); // health
    update(&mut app, Msg::Key(Key::Tab)); // charts
    assert_eq!(app.focus, Pane::Charts);
    update(&mut app, Msg::Key(Key::Char('2')));
    let (title, lines) = details_lines(&mut app);
    assert!(title.contains("judge"), "{title}");
    let text = lines.join("\n");
    let line = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in\n{text}"))
    };
    // Verdict, score and the thresholds it was reached with.
    assert!(
        lines[line("canary vs baseline: FAIL, score 67/100")]
            .contains("pass ≥ 95, marginal ≥ 75; Mann-Whitney at 98% confidence"),
        "{text}"
    );
    // Per metric: class and p-value, then shift with interval, ratio, counts.
    let p95 = line("latency_p95  high");
    assert!(lines[p95].ends_with("p < 0.0001"), "{text}");
    assert!(lines[p95 + 1].contains("shift +200 ms [+"), "{text}");
    assert!(
        lines[p95 + 1].contains("ratio 1.98x") && lines[p95 + 1].contains("n = 20/20"),
        "{text}"
    );
    assert!(lines[line("error_rate")].contains("low"), "{text}");
    assert!(lines[line("latency_p99")].contains("pass"), "{text}");
    // No data says why.
    let p50 = line("latency_p50  no-data");
    assert!(
        lines[p50 + 1].contains("no baseline samples")
            || lines[p50 + 1].contains("not enough samples"),
        "{text}"
    );
    // Every gate: value against threshold, `for`, and state.
    assert!(
        lines[line("errors: error_rate of canary > 5.00% (0.0500) for 5m") + 1].ends_with(": ok"),
        "{text}"
    );
    let breached = line("✘ p95: latency_p95 of canary > 350 ms for 5m");
    assert!(lines[breached + 1].contains("BREACHED, since"), "{text}");
    let slow = line("p95-slow: latency_p95 of canary > 350 ms for 30m");
    assert!(
        lines[slow + 1].contains("breaching since") && lines[slow + 1].ends_with("of 30m)"),
        "{text}"
    );
    assert!(
        lines[line("p50: latency_p50") + 1].starts_with("    NO DATA: "),
        "{text}"
    );
    assert!(text.contains("chart window: last 15m"), "{text}");

    // Esc closes it; j/k scroll it; the key bar and help name it.
    update(&mut app, Msg::Key(Key::Char('j')));
    assert!(matches!(app.modal, Some(Modal::Details { scroll: 1, .. })));
    update(&mut app, Msg::Key(Key::Esc));
    assert!(app.modal.is_none());
    assert!(
        keys::bindings_for(Context::Charts).any(|b| b.label == "enter" && b.short == "details")
    );
}

#[test]
fn without_metrics_the_details_say_what_the_judge_needs() {
    let mut app = App::new(sample_profile(), "alice", t0());
    let (_, lines) = details_lines(&mut app);
    assert!(
        lines[0].starts_with("judge: no [[metrics]] source"),
        "{lines:?}"
    );
    // The fixture's gates, not evaluated without a report.
    assert!(
        lines.iter().any(|l| l.contains("not evaluated yet")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("chart window: last 5m")));
}

#[test]
fn judge_details_modal_100x40() {
    let mut app = App::new(profile(), "alice", t0());
    twenty_minutes(&mut app);
    details_lines(&mut app);
    let mut terminal = Terminal::new(TestBackend::new(100, 40)).unwrap();
    terminal
        .draw(|f| modal::draw(f, f.area(), &app, &Theme::default()))
        .unwrap();
    let text = golive::ui::screen_text(terminal.backend().buffer());
    insta::assert_snapshot!(text);
}
