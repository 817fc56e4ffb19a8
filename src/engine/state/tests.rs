//! Transition tests of the cockpit state: every key and every message, no
//! terminal, no network, a fixed clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::Duration as Span;

use super::*;
use crate::cockpit::fixture::{sample_profile, t0};
use crate::cockpit::keys;
use crate::engine::health::Health;
use crate::profile::OnBreach;

fn app() -> App {
    App::new(sample_profile(), "alice", t0())
}

fn press(app: &mut App, key: Key) -> Vec<Effect> {
    update(app, Msg::Key(key))
}

fn select(app: &mut App, id: &str) {
    app.selected_item = app
        .checklist
        .items()
        .iter()
        .position(|i| i.id == id)
        .unwrap();
}

fn appended(effects: &[Effect]) -> Vec<&Record> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Append(r) => Some(r.as_ref()),
            _ => None,
        })
        .collect()
}

fn flash(app: &App) -> &str {
    app.flash.as_ref().map(|(t, _)| t.as_str()).unwrap_or("")
}

fn probe(endpoint: &str, replica: usize, ms: u64, state: HealthState, version: &str) -> Msg {
    let url = sample_profile()
        .endpoint(endpoint)
        .and_then(|e| e.urls.get(replica).cloned())
        .unwrap_or_default();
    Msg::Probe(Box::new(ProbeReport {
        endpoint: endpoint.into(),
        replica,
        url: url.clone(),
        at: t0(),
        observation: Observation {
            url,
            connected: true,
            status: Some(200),
            response_time: Duration::from_millis(ms),
            health: Health {
                state,
                version: Some(version.into()),
                ..Health::default()
            },
            ..Observation::default()
        },
    }))
}

fn come_back(app: &mut App, effects: Vec<Effect>) {
    for e in effects {
        if let Effect::Append(r) = e {
            update(app, Msg::Record(r));
        }
    }
}

#[test]
fn question_mark_toggles_help_and_esc_closes_it() {
    let mut app = app();
    press(&mut app, Key::Char('?'));
    assert_eq!(app.context(), Context::Help);
    press(&mut app, Key::Char('j'));
    assert_eq!(app.help, Some(1), "help scrolls");
    press(&mut app, Key::Char('?'));
    assert_eq!(app.help, None);
    press(&mut app, Key::Char('?'));
    press(&mut app, Key::Esc);
    assert_eq!(app.help, None);
}

#[test]
fn q_quits_at_once_when_nothing_runs() {
    let mut app = app();
    assert_eq!(press(&mut app, Key::Char('q')), vec![Effect::Quit]);
    assert!(app.quit);
    let mut app = self::app();
    assert_eq!(press(&mut app, Key::Ctrl('c')), vec![Effect::Quit]);
}

#[test]
fn q_asks_while_an_action_runs_and_only_y_quits() {
    let mut app = app();
    press(&mut app, Key::Char('R'));
    press(&mut app, Key::Char('y'));
    assert!(app.action.is_some());
    assert!(press(&mut app, Key::Char('q')).is_empty());
    assert_eq!(app.modal, Some(Modal::ConfirmQuit));
    assert!(press(&mut app, Key::Char('n')).is_empty());
    assert!(!app.quit && app.modal.is_none());
    press(&mut app, Key::Char('q'));
    assert_eq!(
        press(&mut app, Key::Char('y')),
        vec![Effect::CancelAction, Effect::Quit]
    );
    assert!(app.quit);
}

#[test]
fn tab_and_shift_tab_cycle_the_panes() {
    let mut app = app();
    let mut seen = vec![app.focus];
    for _ in 0..4 {
        press(&mut app, Key::Tab);
        seen.push(app.focus);
    }
    assert_eq!(
        seen,
        [
            Pane::Checklist,
            Pane::Health,
            Pane::Charts,
            Pane::Logs,
            Pane::Checklist
        ]
    );
    press(&mut app, Key::BackTab);
    assert_eq!(app.focus, Pane::Logs);
}

#[test]
fn j_k_arrows_home_end_move_and_clamp() {
    let mut app = app();
    let last = app.checklist.items().len() - 1;
    press(&mut app, Key::Char('k'));
    assert_eq!(app.selected_item, 0);
    press(&mut app, Key::Char('j'));
    press(&mut app, Key::Down);
    assert_eq!(app.selected_item, 2);
    press(&mut app, Key::Up);
    assert_eq!(app.selected_item, 1);
    press(&mut app, Key::Char('G'));
    assert_eq!(app.selected_item, last);
    press(&mut app, Key::Down);
    assert_eq!(app.selected_item, last);
    press(&mut app, Key::Home);
    assert_eq!(app.selected_item, 0);
    press(&mut app, Key::Tab);
    press(&mut app, Key::End);
    assert_eq!(app.selected_health, app.endpoints.len() - 1);
}

#[test]
fn enter_shows_the_evidence_and_esc_closes() {
    let mut app = app();
    select(&mut app, "health");
    press(&mut app, Key::Enter);
    let Some(Modal::Details { lines, .. }) = &app.modal else {
        panic!("no details")
    };
    assert!(
        lines.iter().any(|l| l.contains("[STATUS] == 200")),
        "{lines:?}"
    );
    press(&mut app, Key::Esc);
    assert!(app.modal.is_none());
    press(&mut app, Key::Tab);
    update(&mut app, probe("warmup", 0, 40, HealthState::Up, "v1.2.0"));
    press(&mut app, Key::Enter);
    let Some(Modal::Details { lines, .. }) = &app.modal else {
        panic!("no endpoint details")
    };
    assert!(lines.iter().any(|l| l.contains("in 40 ms")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("replica 1: no report yet")));
}

#[test]
fn open_details_follow_new_reports_and_keep_their_scroll() {
    let mut app = app();
    press(&mut app, Key::Tab);
    update(&mut app, probe("warmup", 0, 40, HealthState::Up, "v1.2.0"));
    press(&mut app, Key::Enter);
    press(&mut app, Key::Char('j'));
    update(
        &mut app,
        probe("warmup", 1, 75, HealthState::Down, "v1.2.0"),
    );
    let Some(Modal::Details { lines, scroll, .. }) = &app.modal else {
        panic!("the details closed")
    };
    assert_eq!(*scroll, 1, "the operator's scroll stays");
    assert!(lines.iter().any(|l| l.contains("in 75 ms")), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("replica 1: no report yet")));
    assert!(
        lines.iter().any(|l| l.starts_with("state: down")),
        "{lines:?}"
    );
}

#[test]
fn space_signs_through_the_journal_not_directly() {
    let mut app = app();
    select(&mut app, "ci-green");
    let effects = press(&mut app, Key::Char(' '));
    let records = appended(&effects);
    assert_eq!(records.len(), 2, "the sign-off and what alice saw");
    assert!(matches!(&records[1].event, Event::Evidence { about, .. } if about == "ci-green"));
    assert_eq!(records[0].operator, "alice");
    assert_eq!(
        records[0].event,
        Event::SignOff {
            item: "ci-green".into(),
            note: None
        }
    );
    assert_eq!(
        app.selected().unwrap().status,
        ItemStatus::Manual,
        "not yet"
    );
    come_back(&mut app, effects);
    let item = app.selected().unwrap();
    assert_eq!(item.status, ItemStatus::Signed);
    assert_eq!(item.by.as_deref(), Some("alice"));
    // Signing again says who already did.
    assert!(press(&mut app, Key::Char('s')).is_empty());
    assert!(
        flash(&app).contains("already signed by alice"),
        "{}",
        flash(&app)
    );
}

#[test]
fn automated_items_are_not_signed() {
    let mut app = app();
    select(&mut app, "asset");
    assert!(press(&mut app, Key::Char('s')).is_empty());
    assert!(flash(&app).contains("r re-runs it"));
}

#[test]
fn n_signs_with_a_typed_note() {
    let mut app = app();
    select(&mut app, "dashboards");
    press(&mut app, Key::Char('n'));
    assert_eq!(app.context(), Context::TextInput);
    for c in "on it!x".chars() {
        press(&mut app, Key::Char(c));
    }
    press(&mut app, Key::Backspace);
    // Keys bound elsewhere (q, j) are text here.
    let effects = press(&mut app, Key::Enter);
    assert_eq!(
        appended(&effects)[0].event,
        Event::SignOff {
            item: "dashboards".into(),
            note: Some("on it!".into())
        }
    );
    assert!(app.modal.is_none());
}

#[test]
fn typing_q_in_an_input_does_not_quit() {
    let mut app = app();
    press(&mut app, Key::Char('n'));
    assert!(press(&mut app, Key::Char('q')).is_empty());
    assert!(!app.quit);
    press(&mut app, Key::Esc);
    assert!(app.modal.is_none(), "esc cancels the input");
}

#[test]
fn w_waives_only_with_a_reason() {
    let mut app = app();
    select(&mut app, "p95");
    press(&mut app, Key::Char('w'));
    assert!(press(&mut app, Key::Enter).is_empty());
    assert!(flash(&app).contains("needs a reason"));
    assert!(
        matches!(app.modal, Some(Modal::Input { .. })),
        "still asking"
    );
    for c in "no baseline".chars() {
        press(&mut app, Key::Char(c));
    }
    let effects = press(&mut app, Key::Enter);
    assert_eq!(
        appended(&effects)[0].event,
        Event::Waiver {
            item: "p95".into(),
            reason: "no baseline".into()
        }
    );
    come_back(&mut app, effects);
    assert_eq!(app.selected().unwrap().status, ItemStatus::Waived);
    assert!(press(&mut app, Key::Char('w')).is_empty());
    assert!(flash(&app).contains("already waived"));
}

#[test]
fn r_reruns_commands_polls_endpoints_and_explains_manual_items() {
    let mut app = app();
    select(&mut app, "asset");
    assert_eq!(
        press(&mut app, Key::Char('r')),
        vec![Effect::RunCheck {
            item: "asset".into()
        }]
    );
    assert_eq!(app.selected().unwrap().status, ItemStatus::Running);
    select(&mut app, "health");
    assert_eq!(press(&mut app, Key::Char('r')), vec![Effect::PollNow]);
    select(&mut app, "ci-green");
    assert!(press(&mut app, Key::Char('r')).is_empty());
    assert!(flash(&app).contains("manual"));
    press(&mut app, Key::Tab);
    assert_eq!(press(&mut app, Key::Char('r')), vec![Effect::PollNow]);
}

fn log(text: &str) -> LogLine {
    LogLine::new("api", Some(t0()), text.into())
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, Key::Char(c));
    }
}

/// The logs pane focused, `n` numbered lines in, `rows` tall.
fn logs_app(n: usize, rows: usize) -> App {
    let mut app = app();
    update(&mut app, Msg::LogRows(rows));
    update(
        &mut app,
        Msg::Logs((0..n).map(|i| log(&format!("line {i}"))).collect()),
    );
    app.focus = Pane::Logs;
    app
}

/// The absolute indices of the lines the pane shows, a line a row.
fn shown(app: &App) -> Vec<u64> {
    let visible = app.logs.visible();
    app.logs
        .shown(&visible, app.log_rows)
        .map(|p| visible[p])
        .collect()
}

#[test]
fn slash_filters_by_regex_with_smart_case_and_keeps_the_old_filter_when_invalid() {
    let mut app = app();
    update(
        &mut app,
        Msg::Logs(vec![
            log("GET / 200"),
            log("ERROR boom"),
            log("GET / 500 error"),
            log("Error: disk"),
        ]),
    );
    app.focus = Pane::Logs;
    press(&mut app, Key::Char('/'));
    type_text(&mut app, "error|5\\d\\d");
    press(&mut app, Key::Enter);
    assert!(app.modal.is_none());
    assert_eq!(app.logs.filter_text(), Some("error|5\\d\\d"));
    assert_eq!(app.logs.visible(), vec![1, 2, 3], "lower case ignores case");
    // An upper-case letter makes the pattern case-sensitive.
    press(&mut app, Key::Char('/'));
    for _ in 0.."error|5\\d\\d".len() {
        press(&mut app, Key::Backspace);
    }
    type_text(&mut app, "Error");
    press(&mut app, Key::Enter);
    assert_eq!(app.logs.visible(), vec![3]);
    // An invalid pattern keeps the old filter, says why, and reopens the input.
    press(&mut app, Key::Char('/'));
    type_text(&mut app, "(");
    press(&mut app, Key::Enter);
    assert_eq!(app.logs.filter_text(), Some("Error"));
    assert_eq!(app.logs.visible(), vec![3]);
    let error = app.logs.error.clone().unwrap();
    assert!(error.contains("unclosed group"), "{error}");
    assert!(!error.contains('\n'), "one line for the title: {error}");
    assert!(flash(&app).contains("unclosed group"));
    assert!(matches!(
        &app.modal,
        Some(Modal::Input { purpose: InputPurpose::Filter, text }) if text == "Error("
    ));
    // Fixing it clears the error; an empty filter shows everything.
    press(&mut app, Key::Backspace);
    for _ in 0.."Error".len() {
        press(&mut app, Key::Backspace);
    }
    press(&mut app, Key::Enter);
    assert!(app.logs.error.is_none());
    assert_eq!(app.logs.filter_text(), None);
    assert_eq!(app.logs.visible().len(), 4);
}

#[test]
fn c_cycles_the_filter_context() {
    let mut app = logs_app(0, 10);
    update(
        &mut app,
        Msg::Logs(
            ["a", "b", "c", "ERROR x", "d", "e", "f", "g", "h"]
                .into_iter()
                .map(log)
                .collect(),
        ),
    );
    app.logs.set_filter("ERROR");
    assert_eq!(app.logs.visible(), vec![3]);
    press(&mut app, Key::Char('c'));
    assert_eq!(app.logs.context, 2);
    assert_eq!(app.logs.visible(), vec![1, 2, 3, 4, 5]);
    assert!(flash(&app).contains("2 lines of context"));
    press(&mut app, Key::Char('c'));
    assert_eq!(app.logs.context, 5);
    assert_eq!(app.logs.visible(), (0..=8).collect::<Vec<u64>>());
    press(&mut app, Key::Char('c'));
    assert_eq!(app.logs.context, 0);
}

#[test]
fn a_paused_view_stays_put_while_lines_arrive() {
    let mut app = logs_app(30, 10);
    assert!(app.logs.follow);
    assert_eq!(shown(&app), (20..30).collect::<Vec<u64>>());
    press(&mut app, Key::Char('f'));
    assert!(!app.logs.follow);
    update(
        &mut app,
        Msg::Logs((0..50).map(|i| log(&format!("new {i}"))).collect()),
    );
    assert_eq!(shown(&app), (20..30).collect::<Vec<u64>>(), "paused: still");
    // Scrolling while paused moves by visible lines, still anchored.
    press(&mut app, Key::Char('k'));
    assert_eq!(shown(&app), (19..29).collect::<Vec<u64>>());
    update(&mut app, Msg::Logs(vec![log("more")]));
    assert_eq!(shown(&app), (19..29).collect::<Vec<u64>>());
    // A filter while paused keeps the anchor: the lines shown end at or
    // before the same line.
    app.logs.set_filter("line 1");
    assert_eq!(shown(&app).last(), Some(&19));
    app.logs.set_filter("");
    // f again follows the tail.
    press(&mut app, Key::Char('f'));
    assert!(app.logs.follow);
    assert_eq!(shown(&app), (71..81).collect::<Vec<u64>>());
}

#[test]
fn a_paused_view_survives_its_lines_being_evicted() {
    let mut profile = sample_profile();
    profile.settings.log_buffer = 20;
    let mut app = App::new(profile, "alice", t0());
    update(&mut app, Msg::LogRows(5));
    update(
        &mut app,
        Msg::Logs((0..20).map(|i| log(&i.to_string())).collect()),
    );
    app.focus = Pane::Logs;
    press(&mut app, Key::Char('g'));
    assert_eq!(shown(&app), vec![0, 1, 2, 3, 4]);
    update(
        &mut app,
        Msg::Logs((0..3).map(|i| log(&i.to_string())).collect()),
    );
    // Lines 0-2 fell off the ring: the view keeps its place as far as it can.
    assert_eq!(shown(&app), vec![3, 4, 5, 6, 7]);
    update(
        &mut app,
        Msg::Logs((0..40).map(|i| log(&i.to_string())).collect()),
    );
    assert_eq!(shown(&app), vec![43, 44, 45, 46, 47], "the oldest held");
}

#[test]
fn arrows_pages_and_ends_scroll_the_logs() {
    let mut app = logs_app(100, 10);
    press(&mut app, Key::Char('k'));
    assert!(!app.logs.follow);
    assert_eq!(shown(&app), (89..99).collect::<Vec<u64>>());
    press(&mut app, Key::PageUp);
    assert_eq!(
        shown(&app),
        (80..90).collect::<Vec<u64>>(),
        "a page is rows-1"
    );
    press(&mut app, Key::Char('g'));
    assert_eq!(shown(&app), (0..10).collect::<Vec<u64>>());
    // At the top, every step down moves the view: no dead keys.
    press(&mut app, Key::Char('j'));
    assert_eq!(shown(&app), (1..11).collect::<Vec<u64>>());
    press(&mut app, Key::Char('k'));
    press(&mut app, Key::Char('k'));
    assert_eq!(shown(&app), (0..10).collect::<Vec<u64>>());
    press(&mut app, Key::PageDown);
    assert_eq!(shown(&app), (9..19).collect::<Vec<u64>>());
    // Coming back down to the newest line follows again.
    press(&mut app, Key::Char('G'));
    assert!(app.logs.follow);
    for _ in 0..3 {
        press(&mut app, Key::Char('k'));
    }
    for _ in 0..3 {
        press(&mut app, Key::Char('j'));
    }
    assert!(app.logs.follow);
}

#[test]
fn s_searches_and_n_and_shift_n_step_through_matches_in_view() {
    let mut app = logs_app(0, 5);
    let lines: Vec<LogLine> = (0..60)
        .map(|i| {
            if i % 20 == 3 {
                log(&format!("upstream Timeout {i}"))
            } else {
                log(&format!("ok {i}"))
            }
        })
        .collect();
    update(&mut app, Msg::Logs(lines));
    press(&mut app, Key::Char('s'));
    assert!(matches!(
        &app.modal,
        Some(Modal::Input {
            purpose: InputPurpose::Search,
            ..
        })
    ));
    type_text(&mut app, "timeout");
    press(&mut app, Key::Enter);
    assert_eq!(app.logs.search_text(), Some("timeout"));
    assert_eq!(app.logs.cursor, Some(3), "the first match, case ignored");
    assert!(!app.logs.follow, "a search match holds the view");
    assert!(shown(&app).contains(&3), "the match is brought into view");
    press(&mut app, Key::Char('n'));
    assert_eq!(app.logs.cursor, Some(23));
    assert!(shown(&app).contains(&23));
    press(&mut app, Key::Char('n'));
    press(&mut app, Key::Char('n'));
    assert_eq!(app.logs.cursor, Some(3), "wraps around");
    press(&mut app, Key::Char('N'));
    assert_eq!(app.logs.cursor, Some(43));
    assert!(shown(&app).contains(&43));
    // New lines do not move the marked match or the view.
    let before = shown(&app);
    update(&mut app, Msg::Logs(vec![log("Timeout again")]));
    assert_eq!(shown(&app), before);
    assert_eq!(app.logs.cursor, Some(43));
    // A search that finds nothing says so.
    press(&mut app, Key::Char('s'));
    for _ in 0.."timeout".len() {
        press(&mut app, Key::Backspace);
    }
    type_text(&mut app, "nothing-like-this");
    press(&mut app, Key::Enter);
    assert_eq!(app.logs.cursor, None);
    assert!(flash(&app).contains("no line shown matches"));
    press(&mut app, Key::Char('n'));
    assert_eq!(app.logs.cursor, None);
}

#[test]
fn n_without_a_search_explains_and_an_invalid_search_is_refused() {
    let mut app = logs_app(5, 5);
    press(&mut app, Key::Char('n'));
    assert!(flash(&app).contains("s starts one"));
    press(&mut app, Key::Char('s'));
    type_text(&mut app, "[");
    press(&mut app, Key::Enter);
    assert!(app.logs.error.is_some());
    assert_eq!(app.logs.search_text(), None);
    assert!(matches!(
        &app.modal,
        Some(Modal::Input {
            purpose: InputPurpose::Search,
            ..
        })
    ));
}

#[test]
fn e_jumps_to_the_first_error_line() {
    let mut app = logs_app(0, 4);
    let mut lines: Vec<LogLine> = (0..40).map(|i| log(&format!("fine {i}"))).collect();
    lines[12] = log("ERROR first");
    lines[30] = log("ERROR second");
    update(&mut app, Msg::Logs(lines));
    press(&mut app, Key::Char('e'));
    assert_eq!(app.logs.cursor, Some(12));
    assert!(!app.logs.follow);
    assert!(shown(&app).contains(&12));
    let mut calm = logs_app(5, 4);
    press(&mut calm, Key::Char('e'));
    assert_eq!(calm.logs.cursor, None);
    assert!(calm.logs.follow);
    assert!(flash(&calm).contains("no error line"));
}

#[test]
fn w_and_t_toggle_wrap_and_timestamps() {
    let mut app = logs_app(3, 5);
    assert!(!app.logs.wrap && app.logs.timestamps);
    press(&mut app, Key::Char('w'));
    press(&mut app, Key::Char('t'));
    assert!(app.logs.wrap && !app.logs.timestamps);
    press(&mut app, Key::Char('w'));
    press(&mut app, Key::Char('t'));
    assert!(!app.logs.wrap && app.logs.timestamps);
    // In the checklist the same letter still waives.
    app.focus = Pane::Checklist;
    select(&mut app, "ready");
    press(&mut app, Key::Char('w'));
    assert!(matches!(
        &app.modal,
        Some(Modal::Input {
            purpose: InputPurpose::Waive { .. },
            ..
        })
    ));
}

#[test]
fn shift_t_cycles_time_windows_that_move_with_the_clock() {
    let mut app = logs_app(0, 10);
    let at = |secs: i64| t0() + Span::seconds(secs);
    update(&mut app, Msg::Tick(at(7200)));
    update(
        &mut app,
        Msg::Logs(vec![
            LogLine::new("api", Some(at(0)), "two hours ago".into()),
            LogLine::new("api", Some(at(7200 - 600)), "ten minutes ago".into()),
            LogLine::new("api", Some(at(7200 - 120)), "two minutes ago".into()),
            LogLine::new("api", None, "no time".into()),
            LogLine::new("api", Some(at(7200 - 10)), "just now".into()),
        ]),
    );
    let texts = |app: &App| -> Vec<String> {
        app.logs
            .visible()
            .into_iter()
            .map(|i| app.logs.line(i).unwrap().text.clone())
            .collect()
    };
    assert_eq!(texts(&app).len(), 5);
    press(&mut app, Key::Char('T'));
    assert_eq!(app.log_window, Some(Duration::from_secs(60)));
    assert_eq!(texts(&app), vec!["no time", "just now"]);
    press(&mut app, Key::Char('T'));
    assert_eq!(texts(&app), vec!["two minutes ago", "no time", "just now"]);
    press(&mut app, Key::Char('T'));
    assert_eq!(texts(&app).len(), 4, "15m");
    // The window moves with the clock.
    update(&mut app, Msg::Tick(at(7200 + 600)));
    assert_eq!(texts(&app), vec!["two minutes ago", "no time", "just now"]);
    press(&mut app, Key::Char('T'));
    assert_eq!(app.log_window, Some(Duration::from_secs(3600)));
    press(&mut app, Key::Char('T'));
    assert_eq!(app.log_window, None);
    assert_eq!(texts(&app).len(), 5);
    // Saving and searching see the window too.
    press(&mut app, Key::Char('T'));
    let effects = press(&mut app, Key::Char('S'));
    let [Effect::SaveLogs(LogEffect::Save { lines, .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(lines, &vec!["api no time".to_string()]);
}

#[test]
fn shift_s_saves_the_filtered_lines_and_the_outcome_is_shown() {
    let mut app = logs_app(0, 10);
    update(&mut app, Msg::Tick(t0() + Span::seconds(75)));
    update(
        &mut app,
        Msg::Logs(vec![
            log("ok"),
            log("ERROR one"),
            log("ok"),
            log("ERROR two"),
        ]),
    );
    app.logs.set_filter("ERROR");
    let effects = press(&mut app, Key::Char('S'));
    let [Effect::SaveLogs(LogEffect::Save { path, lines })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        path,
        &PathBuf::from("golive-logs-ai-service-20260314-140115.log")
    );
    assert_eq!(
        lines,
        &vec![
            "2026-03-14T14:00:00.000Z api ERROR one".to_string(),
            "2026-03-14T14:00:00.000Z api ERROR two".to_string(),
        ]
    );
    update(
        &mut app,
        Msg::LogsSaved {
            path: path.clone(),
            lines: 2,
        },
    );
    assert!(flash(&app).contains("saved 2 log lines to golive-logs-ai-service"));
    // Nothing shown: nothing to save.
    app.logs.set_filter("nothing-matches");
    assert!(press(&mut app, Key::Char('S')).is_empty());
    assert!(flash(&app).contains("no log lines"));
}

#[test]
fn a_service_name_cannot_steer_the_saved_file_elsewhere() {
    let mut profile = sample_profile();
    profile.service.name = "../etc/x y".into();
    let mut app = App::new(profile, "alice", t0());
    update(&mut app, Msg::Logs(vec![log("a")]));
    app.focus = Pane::Logs;
    let effects = press(&mut app, Key::Char('S'));
    let [Effect::SaveLogs(LogEffect::Save { path, .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(path.components().count(), 1, "{path:?}");
    assert!(
        path.to_string_lossy()
            .starts_with("golive-logs-.._etc_x_y-")
    );
}

#[test]
fn actions_run_only_on_y_and_anything_else_cancels() {
    for key in [
        Key::Char('n'),
        Key::Enter,
        Key::Esc,
        Key::Char(' '),
        Key::Char('R'),
    ] {
        let mut app = app();
        press(&mut app, Key::Char('P'));
        assert!(matches!(app.modal, Some(Modal::ConfirmAction { .. })));
        assert!(press(&mut app, key).is_empty(), "{key:?} ran it");
        assert!(app.modal.is_none() && app.action.is_none());
    }
    let mut app = app();
    press(&mut app, Key::Char('R'));
    let Some(Modal::ConfirmAction { lines, .. }) = &app.modal else {
        panic!()
    };
    let shown = lines.join("\n");
    assert!(
        shown.contains("kubectl --token •••• rollout undo"),
        "{shown}"
    );
    assert!(!shown.contains("s3cr3t"));
    let effects = press(&mut app, Key::Char('y'));
    assert_eq!(
        effects.last(),
        Some(&Effect::RunAction {
            name: "rollback".into()
        })
    );
    let started = appended(&effects);
    assert!(matches!(&started[0].event, Event::Evidence { about, .. } if about == "rollback"));
    assert!(
        matches!(&started[1].event, Event::ActionStarted { action, what, .. }
        if action == "rollback" && !what.contains("s3cr3t"))
    );
    assert_eq!(app.verdict(), Verdict::Acting);
    // A second action waits for the first.
    assert!(press(&mut app, Key::Char('P')).is_empty());
    assert!(app.modal.is_none());
    assert!(flash(&app).contains("still running"));
}

#[test]
fn a_missing_action_is_explained() {
    let mut profile = sample_profile();
    profile.actions.remove("promote");
    let mut app = App::new(profile, "alice", t0());
    press(&mut app, Key::Char('P'));
    assert!(app.modal.is_none());
    assert!(flash(&app).contains("[actions.promote]"));
}

#[test]
fn action_output_and_finish_journal_and_verify() {
    let mut app = app();
    press(&mut app, Key::Char('R'));
    press(&mut app, Key::Char('y'));
    update(
        &mut app,
        Msg::ActionOutput {
            name: "rollback".into(),
            line: "deployment rolled back".into(),
        },
    );
    assert_eq!(app.action.as_ref().unwrap().output.len(), 1);
    // Its output lands in the logs pane too.
    assert_eq!(
        app.logs.buffer.iter().last().unwrap().source.as_ref(),
        "action:rollback"
    );
    let effects = update(
        &mut app,
        Msg::ActionFinished {
            name: "rollback".into(),
            outcome: CommandOutcome {
                exit_code: Some(0),
                tail: vec!["token s3cr3t-token used".into()],
                duration: Duration::from_millis(1500),
                ..CommandOutcome::default()
            },
        },
    );
    assert!(app.action.is_none());
    let finished = appended(&effects);
    assert!(
        matches!(&finished[0].event, Event::ActionFinished { output, exit_code: Some(0), .. }
        if output == "token •••• used")
    );
    // The rollback verifies `health`, an endpoint item: poll now.
    assert!(effects.contains(&Effect::PollNow));
    assert!(app.last_action.as_ref().unwrap().1.contains("exit 0"));
}

#[test]
fn probes_fill_health_sparklines_tracks_and_the_checklist() {
    let mut app = app();
    let effects = update(&mut app, probe("health", 0, 80, HealthState::Up, "v1.1.0"));
    // The endpoint's first health and the item settling on pass are journalled, once.
    assert!(
        matches!(&appended(&effects)[..], [h, r] if matches!(&r.event,
        Event::CheckResult { item, status: ItemStatus::Pass, .. } if item == "health")
        && matches!(&h.event, Event::Health { state: HealthState::Up, .. }))
    );
    let effects = update(&mut app, probe("health", 0, 120, HealthState::Up, "v1.1.0"));
    assert!(appended(&effects).is_empty());
    let view = &app.endpoints[1];
    assert_eq!(view.latency, [80, 120]);
    assert_eq!(app.tracks["baseline"].len(), 2);
    assert_eq!(
        app.checklist.get("health").unwrap().status,
        ItemStatus::Pass
    );
    // A report for an unknown endpoint changes nothing.
    update(&mut app, probe("nope", 0, 1, HealthState::Down, "x"));
    assert_ne!(app.verdict(), Verdict::Failing);
    update(&mut app, probe("redis", 0, 5, HealthState::Down, "x"));
    assert_eq!(app.verdict(), Verdict::Failing);
}

#[test]
fn replicas_on_different_versions_are_flagged() {
    let mut app = app();
    update(&mut app, probe("warmup", 0, 10, HealthState::Up, "v1.2.0"));
    assert!(!app.endpoints[0].mixed_versions());
    update(&mut app, probe("warmup", 1, 10, HealthState::Up, "v1.1.0"));
    assert!(app.endpoints[0].mixed_versions());
    assert_eq!(app.endpoints[0].state(), HealthState::Up);
    update(
        &mut app,
        probe("warmup", 1, 10, HealthState::Degraded, "v1.2.0"),
    );
    assert!(!app.endpoints[0].mixed_versions());
    assert_eq!(app.endpoints[0].state(), HealthState::Degraded);
}

#[test]
fn check_results_update_the_item_and_are_journalled() {
    let mut app = app();
    let effects = update(
        &mut app,
        Msg::CheckFinished {
            item: "asset".into(),
            outcome: CommandOutcome {
                exit_code: Some(1),
                duration: Duration::from_millis(7),
                ..CommandOutcome::default()
            },
        },
    );
    assert_eq!(app.checklist.get("asset").unwrap().status, ItemStatus::Fail);
    assert!(matches!(
        &appended(&effects)[0].event,
        Event::CheckResult {
            status: ItemStatus::Fail,
            duration_ms: 7,
            ..
        }
    ));
    assert_eq!(app.verdict(), Verdict::Failing);
}

#[test]
fn records_from_another_operator_land_and_are_announced() {
    let mut app = app();
    let earlier = t0() - Span::minutes(10);
    update(
        &mut app,
        Msg::Record(Box::new(Record {
            at: earlier,
            operator: "bob".into(),
            service: "ai-service".into(),
            version: "v1.2.0".into(),
            event: Event::SignOff {
                item: "announce".into(),
                note: None,
            },
        })),
    );
    assert_eq!(
        app.checklist.get("announce").unwrap().status,
        ItemStatus::Signed
    );
    assert_eq!(
        app.started_at, earlier,
        "the release started with its first record"
    );
    assert!(flash(&app).contains("bob signed announce"));
}

#[test]
fn the_clock_moves_time_and_clears_old_flashes() {
    let mut app = app();
    update(
        &mut app,
        Msg::Problem("journal append failed: disk full".into()),
    );
    assert!(flash(&app).starts_with('⚠'));
    update(&mut app, Msg::Tick(t0() + Span::seconds(2)));
    assert!(app.flash.is_some());
    update(&mut app, Msg::Tick(t0() + Span::seconds(7)));
    assert!(app.flash.is_none());
    assert_eq!(app.now, t0() + Span::seconds(7));
}

#[test]
fn resize_is_recorded() {
    let mut app = app();
    update(&mut app, Msg::Resize(100, 30));
    assert_eq!(app.size, (100, 30));
}

#[test]
fn wheel_scrolls_the_pane_under_the_mouse() {
    let mut app = app();
    update(
        &mut app,
        Msg::Scroll {
            pane: Pane::Checklist,
            delta: 3,
        },
    );
    assert_eq!(app.selected_item, 3);
    update(&mut app, Msg::LogRows(4));
    update(
        &mut app,
        Msg::Logs((0..10).map(|n| log(&n.to_string())).collect()),
    );
    update(
        &mut app,
        Msg::Scroll {
            pane: Pane::Logs,
            delta: -3,
        },
    );
    assert_eq!(shown(&app), vec![3, 4, 5, 6]);
    assert!(!app.logs.follow);
    assert_eq!(app.focus, Pane::Logs);
    update(
        &mut app,
        Msg::Scroll {
            pane: Pane::Logs,
            delta: 3,
        },
    );
    assert!(
        app.logs.follow,
        "wheel back down to the newest line follows"
    );
}

#[test]
fn click_selects_the_item_drawn_on_that_row() {
    let mut app = app();
    // Row 0 is the first phase heading, rows 1-4 its items, row 5 the
    // second phase heading, row 6 its first item.
    update(
        &mut app,
        Msg::Click {
            pane: Pane::Checklist,
            row: 2,
            height: 20,
        },
    );
    assert_eq!(app.selected().unwrap().id, "asset");
    update(
        &mut app,
        Msg::Click {
            pane: Pane::Checklist,
            row: 5,
            height: 20,
        },
    );
    assert_eq!(
        app.selected().unwrap().id,
        "asset",
        "a heading selects nothing"
    );
    update(
        &mut app,
        Msg::Click {
            pane: Pane::Checklist,
            row: 6,
            height: 20,
        },
    );
    assert_eq!(app.selected().unwrap().id, "ready");
    update(
        &mut app,
        Msg::Click {
            pane: Pane::Health,
            row: 3,
            height: 20,
        },
    );
    assert_eq!((app.focus, app.selected_health), (Pane::Health, 1));
}

#[test]
fn startup_runs_every_command_check() {
    assert_eq!(
        app().startup_effects(),
        vec![Effect::RunCheck {
            item: "asset".into()
        }]
    );
}

#[test]
fn every_binding_is_reachable_in_its_context() {
    // Each (context, key) pair in the registry resolves to its own binding.
    for b in keys::BINDINGS {
        for ctx in b.contexts {
            for key in b.keys {
                assert_eq!(keys::lookup(*ctx, *key), Some(b.command), "{ctx:?} {key:?}");
            }
        }
    }
}

/// A profile whose canary is scraped, with one error-rate gate (`for` 10s)
/// reacting as `on_breach` says, and no phase before the canary.
fn gated_app(on_breach: OnBreach) -> App {
    let mut profile = sample_profile();
    profile.phases.retain(|p| p.id.contains("canary"));
    profile.metrics = vec![crate::profile::MetricsSource {
        track: "canary".into(),
        kind: crate::profile::MetricsKind::Scrape {
            url: "http://127.0.0.1:1/metrics".into(),
            latency_histogram: None,
            requests_counter: None,
            status_label: None,
            selector: Default::default(),
        },
        window: Duration::from_secs(60),
    }];
    profile.gates.truncate(1);
    profile.gates[0].for_ = Duration::from_secs(10);
    profile.gates[0].on_breach = on_breach;
    App::new(profile, "ana", t0())
}

/// A scrape where `ok` requests answered 200 and `bad` answered 500.
fn scrape(app: &mut App, secs: i64, ok: u64, bad: u64) -> Vec<Effect> {
    let total = ok + bad;
    let text = format!(
        "http_requests_total{{code=\"200\"}} {ok}\nhttp_requests_total{{code=\"500\"}} {bad}\n\
         http_request_duration_seconds_bucket{{le=\"0.1\"}} {total}\n\
         http_request_duration_seconds_bucket{{le=\"+Inf\"}} {total}\n\
         http_request_duration_seconds_sum {}\nhttp_request_duration_seconds_count {total}\n",
        total as f64 * 0.05
    );
    let at = t0() + Span::seconds(secs);
    app.now = at;
    update(
        app,
        Msg::Metrics(Box::new(crate::engine::metrics::MetricsReport {
            track: "canary".into(),
            at,
            payload: crate::engine::metrics::MetricsPayload::Scrape(text),
        })),
    )
}

#[test]
fn a_persisting_breach_offers_the_rollback_once_and_journals_it() {
    let mut app = gated_app(OnBreach::Rollback);
    assert!(scrape(&mut app, 0, 100, 0).is_empty());
    // Half the new requests fail: breaching, but not yet for 10 s.
    scrape(&mut app, 5, 150, 50);
    assert!(app.modal.is_none());
    assert!(app.gates[0].since.is_some() && !app.gates[0].breached);
    let effects = scrape(&mut app, 16, 200, 100);
    assert!(app.gates[0].breached, "{:?}", app.gates[0]);
    let records = appended(&effects);
    assert!(
        records
            .iter()
            .any(|r| matches!(&r.event, Event::GateBreach { gate, .. } if gate == "errors")),
        "{effects:?}"
    );
    assert!(
        matches!(&app.modal, Some(Modal::ConfirmAction { name, .. }) if name == "rollback"),
        "the rollback confirm opens: {:?}",
        app.modal
    );
    // Nothing runs without the operator's `y`.
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::RunAction { .. }))
    );
    assert_eq!(app.verdict(), Verdict::Failing);
    // Still breached later: no second record, no second modal.
    app.modal = None;
    let again = scrape(&mut app, 20, 250, 150);
    assert!(appended(&again).is_empty());
    assert!(app.modal.is_none());
}

#[test]
fn the_rollback_confirm_says_why_and_the_journal_keeps_the_same_text() {
    let mut app = gated_app(OnBreach::Rollback);
    scrape(&mut app, 0, 100, 0);
    scrape(&mut app, 5, 150, 50);
    scrape(&mut app, 16, 200, 100);
    let Some(Modal::ConfirmAction { lines, .. }) = app.modal.clone() else {
        panic!("no rollback confirm: {:?}", app.modal);
    };
    let why = &lines[0];
    assert!(why.starts_with("why: gate errors: "), "{lines:?}");
    assert!(
        why.contains(" vs ") && why.contains("breached 11s (since "),
        "{why}"
    );
    // Later, the confirmed text is the one journalled, not a re-worded one.
    app.now += Span::seconds(30);
    let effects = update(&mut app, Msg::Key(Key::Char('y')));
    let reason = appended(&effects)
        .into_iter()
        .find_map(|r| match &r.event {
            Event::ActionStarted { reason, .. } => reason.clone(),
            _ => None,
        })
        .expect("an action_started record with its reason");
    assert_eq!(reason, lines.join("\n"));
}

#[test]
fn auto_rollback_runs_exactly_once_recorded_as_golive() {
    let mut app = gated_app(OnBreach::AutoRollback);
    scrape(&mut app, 0, 100, 0);
    scrape(&mut app, 5, 150, 50);
    let effects = scrape(&mut app, 16, 200, 100);
    let runs = effects
        .iter()
        .filter(|e| matches!(e, Effect::RunAction { name } if name == "rollback"))
        .count();
    assert_eq!(runs, 1, "{effects:?}");
    let started = appended(&effects)
        .into_iter()
        .find_map(|r| match &r.event {
            Event::ActionStarted { trigger, .. } => trigger.clone(),
            _ => None,
        })
        .expect("an action_started record");
    assert!(started.contains("auto-rollback"), "{started}");
    // The breach goes on after the rollback ends: it does not fire again.
    app.action = None;
    for secs in [20, 25, 30] {
        let more = scrape(
            &mut app,
            secs,
            200 + secs as u64 * 10,
            100 + secs as u64 * 10,
        );
        assert!(!more.iter().any(|e| matches!(e, Effect::RunAction { .. })));
    }
}

#[test]
fn gates_do_not_act_before_the_canary_phase() {
    let mut app = gated_app(OnBreach::AutoRollback);
    // Put a manual phase before the canary: nothing acts until it is done.
    let mut profile = app.profile.clone();
    profile.phases.insert(
        0,
        crate::profile::Phase {
            id: "t-30".into(),
            title: "Pre-launch".into(),
            duration: None,
            items: vec![crate::profile::Item {
                id: "go".into(),
                title: "Go".into(),
                description: None,
                check: None,
            }],
        },
    );
    app = App::new(profile, "ana", t0());
    scrape(&mut app, 0, 100, 0);
    scrape(&mut app, 5, 150, 50);
    let effects = scrape(&mut app, 16, 200, 100);
    assert!(app.gates[0].breached, "the header still shows the breach");
    let sample_only =
        |e: &Effect| matches!(e, Effect::Append(r) if matches!(r.event, Event::Sample { .. }));
    assert!(effects.iter().all(sample_only), "{effects:?}");
}

#[test]
fn m_releases_the_mouse_for_text_selection_and_takes_it_back() {
    let mut app = app();
    assert!(app.mouse);
    assert_eq!(press(&mut app, Key::Char('m')), vec![Effect::Mouse(false)]);
    assert!(!app.mouse);
    assert!(flash(&app).contains("mouse released"));
    // Works from every pane, not only the checklist.
    press(&mut app, Key::Tab);
    assert_eq!(press(&mut app, Key::Char('m')), vec![Effect::Mouse(true)]);
    assert!(app.mouse);
    // In a confirmation, m is just another key that cancels.
    press(&mut app, Key::Char('R'));
    assert!(press(&mut app, Key::Char('m')).is_empty());
    assert!(app.modal.is_none() && app.mouse);
}

#[test]
fn x_cancels_a_running_action_only_after_y() {
    let mut app = app();
    assert!(press(&mut app, Key::Char('X')).is_empty());
    assert!(app.modal.is_none());
    assert!(flash(&app).contains("no action is running"));
    press(&mut app, Key::Char('R'));
    press(&mut app, Key::Char('y'));
    assert!(app.action.is_some());
    // Any key but y lets it run.
    assert!(press(&mut app, Key::Char('X')).is_empty());
    assert_eq!(app.modal, Some(Modal::ConfirmCancel));
    assert!(press(&mut app, Key::Char('n')).is_empty());
    assert!(app.modal.is_none() && app.action.is_some());
    press(&mut app, Key::Char('X'));
    assert_eq!(press(&mut app, Key::Char('y')), vec![Effect::CancelAction]);
    // The killed action reports back, and the journal says it was cancelled.
    let effects = update(
        &mut app,
        Msg::ActionFinished {
            name: "rollback".into(),
            outcome: CommandOutcome {
                exit_code: None,
                cancelled: true,
                duration: Duration::from_millis(1200),
                ..CommandOutcome::default()
            },
        },
    );
    assert!(app.action.is_none());
    assert!(appended(&effects).iter().any(|r| matches!(
        &r.event,
        Event::ActionFinished { action, cancelled: true, .. } if action == "rollback"
    )));
}

#[test]
fn a_sign_off_during_a_breach_records_the_gates_value_as_evidence() {
    let mut app = gated_app(OnBreach::Alert);
    scrape(&mut app, 0, 100, 0);
    scrape(&mut app, 5, 150, 50);
    scrape(&mut app, 16, 200, 100);
    assert!(app.gates[0].breached, "{:?}", app.gates[0]);
    let observed = app.gates[0].observed.unwrap();
    select(&mut app, "dashboards");
    let effects = press(&mut app, Key::Char(' '));
    let records = appended(&effects);
    assert!(matches!(&records[0].event, Event::SignOff { item, .. } if item == "dashboards"));
    let Event::Evidence { about, seen } = &records[1].event else {
        panic!("no evidence after the sign-off: {records:?}");
    };
    assert_eq!(about, "dashboards");
    let gate = seen.gates.iter().find(|g| g.gate == "errors").unwrap();
    assert_eq!(gate.state, "breached");
    assert_eq!(gate.value, Some(observed));
    assert_eq!(seen.selected.as_ref().unwrap().item, "dashboards");
    assert!(seen.pending >= 1, "{seen:?}");
    // The evidence reads back from the journal line as it was written.
    let line = serde_json::to_string(records[1]).unwrap();
    assert!(line.contains(r#""kind":"evidence""#), "{line}");
    assert_eq!(&serde_json::from_str::<Record>(&line).unwrap(), records[1]);
}
