//! Whole-screen snapshots of the cockpit on a fixed-size `TestBackend`, with a
//! fixed clock and fixed data, plus cell-colour checks where colour carries
//! meaning.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use golive::cockpit::fixture::{sample_app, sample_profile, t0};
use golive::cockpit::keys::Key;
use golive::engine::logs::{LogLine, prefix_colour};
use golive::engine::state::{App, Msg, Pane, update};
use golive::profile::{LogKind, LogSource};
use golive::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

fn render(app: &App, theme: &Theme, w: u16, h: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| ui::draw(f, app, theme)).unwrap();
    terminal.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    ui::screen_text(buf)
}

fn press(app: &mut App, keys: &[Key]) {
    for k in keys {
        update(app, Msg::Key(*k));
    }
}

#[test]
fn whole_screen_80x24() {
    insta::assert_snapshot!(text(&render(&sample_app(), &Theme::default(), 80, 24)));
}

#[test]
fn whole_screen_120x40() {
    insta::assert_snapshot!(text(&render(&sample_app(), &Theme::default(), 120, 40)));
}

#[test]
fn whole_screen_200x60() {
    insta::assert_snapshot!(text(&render(&sample_app(), &Theme::default(), 200, 60)));
}

#[test]
fn help_overlay_120x40() {
    let mut app = sample_app();
    press(&mut app, &[Key::Char('?')]);
    insta::assert_snapshot!(text(&render(&app, &Theme::default(), 120, 40)));
}

#[test]
fn rollback_modal_masks_the_secret_120x40() {
    let mut app = sample_app();
    press(&mut app, &[Key::Char('R')]);
    let screen = text(&render(&app, &Theme::default(), 120, 40));
    assert!(!screen.contains("s3cr3t"), "secret shown:\n{screen}");
    assert!(screen.contains("kubectl --token •••• rollout undo deployment/api-canary"));
    // During the fixture's breach it says why: the gate, its value, since when.
    assert!(screen.contains("why: gate errors: "), "{screen}");
    assert!(screen.contains("8.08% (0.0808) vs > 5.00%"), "{screen}");
    assert!(screen.contains("judge: fail"), "{screen}");
    assert!(
        screen.contains("runs rollback"),
        "the prompt is cut off:\n{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn a_running_rollback_takes_the_charts_place_and_x_asks_before_cancelling_120x40() {
    let mut app = sample_app();
    press(&mut app, &[Key::Char('R'), Key::Char('y')]);
    for line in [
        "deployment.apps/api-canary rolled back",
        "Waiting for rollout to finish: 1 of 3 updated replicas are available...",
    ] {
        update(
            &mut app,
            Msg::ActionOutput {
                name: "rollback".into(),
                line: line.into(),
            },
        );
    }
    let screen = text(&render(&app, &Theme::default(), 120, 40));
    assert!(
        screen.contains("▶ rollback running 0s · X cancels"),
        "{screen}"
    );
    assert!(screen.contains("1 of 3 updated replicas"), "{screen}");
    assert!(!screen.contains("s3cr3t"), "secret shown:\n{screen}");
    insta::assert_snapshot!(screen);
    press(&mut app, &[Key::Char('X')]);
    let asked = text(&render(&app, &Theme::default(), 120, 40));
    assert!(asked.contains("Cancel rollback?"), "{asked}");
}

#[test]
fn waive_input_and_details_80x24() {
    let mut app = sample_app();
    press(&mut app, &[Key::Char('j'), Key::Char('j'), Key::Enter]);
    let details = text(&render(&app, &Theme::default(), 80, 24));
    assert!(
        details.contains("condition: [RESPONSE_TIME] < 500"),
        "{details}"
    );
    // Down to the failing `ready` item, waive it with a reason being typed.
    press(
        &mut app,
        &[
            Key::Esc,
            Key::Char('j'),
            Key::Char('j'),
            Key::Char('w'),
            Key::Char('o'),
            Key::Char('k'),
        ],
    );
    insta::assert_snapshot!(text(&render(&app, &Theme::default(), 80, 24)));
}

#[test]
fn too_small_says_so_at_every_size_below_80x24() {
    let app = sample_app();
    for (w, h) in [(79, 24), (80, 23), (40, 10), (10, 3)] {
        let screen = text(&render(&app, &Theme::default(), w, h));
        assert!(screen.contains("small"), "{w}x{h}:\n{screen}");
    }
    // Degenerate sizes draw nothing and do not panic.
    for (w, h) in [(0, 0), (1, 1), (0, 30), (300, 1)] {
        render(&app, &Theme::default(), w, h);
    }
}

#[test]
fn every_size_from_80x24_up_renders_without_panicking() {
    let plain = sample_app();
    let mut app = plain.clone();
    press(&mut app, &[Key::Char('?')]);
    for w in (80..=220).step_by(7) {
        for h in (24..=70).step_by(5) {
            render(&app, &Theme::default(), w, h);
            render(&plain, &Theme::default().without_color(), w, h);
        }
    }
}

/// Finds the first cell whose row text contains `needle`, at the needle's
/// first column.
fn find(buf: &Buffer, needle: &str) -> (u16, u16) {
    for y in 0..buf.area.height {
        let row: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        let joined = row.concat();
        if let Some(byte) = joined.find(needle) {
            let col = joined[..byte].chars().count();
            // Cells hold one char each here (no wide chars in these rows).
            return (col as u16, y);
        }
    }
    panic!("{needle:?} not on screen:\n{}", text(buf));
}

#[test]
fn status_colours_carry_meaning() {
    let theme = Theme::default();
    let mut app = sample_app();
    app.focus = Pane::Logs; // keep the selection highlight off the items
    let buf = render(&app, &theme, 120, 40);
    let (x, y) = find(&buf, "✘ FAILING");
    assert_eq!(buf[(x, y)].fg, theme.bad, "the failing verdict is red");
    let (x, y) = find(&buf, "✍ CI pipeline");
    assert_eq!(buf[(x, y)].fg, theme.ok, "a signed item is green");
    let (x, y) = find(&buf, "~ Database backup");
    assert_eq!(buf[(x, y)].fg, theme.warn, "a waived item is amber");
}

#[test]
fn no_color_keeps_symbols_and_drops_colours() {
    let theme = Theme::default().without_color();
    let buf = render(&sample_app(), &theme, 120, 40);
    let screen = text(&buf);
    for symbol in ["✘ FAILING", "✍", "~ Database", "○"] {
        assert!(screen.contains(symbol), "{symbol} missing");
    }
    for cell in buf.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "coloured cell {cell:?}"
        );
    }
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        update(app, Msg::Key(Key::Char(c)));
    }
}

#[test]
fn logs_pane_with_a_filter_and_a_search_120x40() {
    let mut app = sample_app();
    update(&mut app, Msg::LogRows(ui::logs::rows(120, 40)));
    app.focus = Pane::Logs;
    press(&mut app, &[Key::Char('/')]);
    type_text(&mut app, "upstream|503");
    press(&mut app, &[Key::Enter, Key::Char('s')]);
    type_text(&mut app, "timeout");
    press(&mut app, &[Key::Enter, Key::Char('n')]);
    let screen = text(&render(&app, &Theme::default(), 120, 40));
    assert!(
        screen.contains("filter /upstream|503/ 9 matches"),
        "{screen}"
    );
    assert!(screen.contains("search /timeout/"), "{screen}");
    assert!(screen.contains("Logs paused"), "{screen}");
    assert!(!screen.contains("cache hit"), "filtered out:\n{screen}");
    insta::assert_snapshot!(screen);
}

/// The cell where `needle` starts, matching cell by cell (a wide character
/// fills two cells, the second blank), searched in the logs pane only.
fn locate(buf: &Buffer, needle: &str) -> (u16, u16) {
    let pane = ui::layout_with(buf.area, None).logs;
    let wanted: Vec<char> = needle.chars().collect();
    for y in pane.y..pane.bottom() {
        let cells: Vec<(u16, char)> = (pane.x..pane.right())
            .filter_map(|x| buf[(x, y)].symbol().chars().next().map(|c| (x, c)))
            .collect();
        let mut i = 0;
        while i < cells.len() {
            let mut k = 0;
            let mut j = i;
            while k < wanted.len() && j < cells.len() && cells[j].1 == wanted[k] {
                k += 1;
                j += 1;
                // Skip the blank cell a wide character leaves behind it.
                if k < wanted.len()
                    && unicode_width::UnicodeWidthChar::width(wanted[k - 1]) == Some(2)
                    && j < cells.len()
                    && cells[j].1 == ' '
                    && wanted[k] != ' '
                {
                    j += 1;
                }
            }
            if k == wanted.len() {
                return (cells[i].0, y);
            }
            i += 1;
        }
    }
    panic!("{needle:?} not in the logs pane:\n{}", text(buf));
}

/// The cockpit with only these log lines, the logs pane focused.
fn app_with_logs(lines: Vec<LogLine>) -> App {
    let mut app = App::new(sample_profile(), "alice", t0());
    update(&mut app, Msg::Logs(lines));
    app.focus = Pane::Logs;
    app
}

fn replica_line(replica: &str, bytes: &[u8]) -> LogLine {
    let mut line = LogLine::from_bytes("api", None, bytes);
    line.replica = Some(replica.into());
    line
}

/// Two replica names that land in different prefix colour slots.
fn two_replicas() -> (String, String) {
    let first = "api-0".to_string();
    let other = (1..50)
        .map(|n| format!("api-{n}"))
        .find(|n| prefix_colour(n) != prefix_colour(&first))
        .expect("some name lands in another slot");
    (first, other)
}

#[test]
fn log_colours_ansi_highlights_and_prefixes_render() {
    let theme = Theme::default();
    let (a, b) = two_replicas();
    let mut app = app_with_logs(vec![
        replica_line(&a, b"\x1b[31mFAILED\x1b[0m job 7"),
        replica_line(&b, b"served needle ok"),
    ]);
    app.logs.set_filter("needle|job");
    let buf = render(&app, &theme, 120, 40);
    let (x, y) = locate(&buf, "FAILED");
    assert_eq!(buf[(x, y)].fg, Color::Red, "the line's own red is kept");
    assert_eq!(buf[(x + 5, y)].fg, Color::Red);
    assert_ne!(buf[(x + 6, y)].fg, Color::Red, "only where it asked");
    let (x, y) = locate(&buf, "needle");
    assert_eq!(
        buf[(x, y)].bg,
        theme.highlight_bg,
        "a filter match is highlighted"
    );
    assert_eq!(buf[(x, y)].fg, theme.highlight_fg);
    let (x, y) = locate(&buf, "job 7");
    assert_eq!(buf[(x, y)].bg, theme.highlight_bg);
    assert_ne!(buf[(x + 4, y)].bg, theme.highlight_bg, "only the match");
    let (xa, ya) = locate(&buf, &a);
    let (xb, yb) = locate(&buf, &b);
    assert_eq!(
        buf[(xa, ya)].fg,
        theme.prefixes[usize::from(prefix_colour(&a))]
    );
    assert_eq!(
        buf[(xb, yb)].fg,
        theme.prefixes[usize::from(prefix_colour(&b))]
    );
    assert_ne!(
        buf[(xa, ya)].fg,
        buf[(xb, yb)].fg,
        "replicas differ in colour"
    );
    // Without colour: no colour anywhere, the match still shows (reversed),
    // the line's bold survives, and severity still reads from the mark.
    let plain_theme = Theme::default().without_color();
    let mut app = app_with_logs(vec![
        replica_line(&a, b"\x1b[1;31mERROR\x1b[0m disk full"),
        replica_line(&b, b"served needle ok"),
    ]);
    app.logs.set_filter("needle|disk");
    let buf = render(&app, &plain_theme, 120, 40);
    for cell in buf.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "coloured cell {cell:?}"
        );
    }
    let (x, y) = locate(&buf, "needle");
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    let (x, y) = locate(&buf, "ERROR");
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    assert!(text(&buf).contains("✘ ERROR disk full"));
}

#[test]
fn a_sources_own_highlight_patterns_are_drawn() {
    let mut profile = sample_profile();
    profile.logs = vec![LogSource {
        id: "api".into(),
        kind: LogKind::Command(vec!["true".into()]),
        highlight: vec!["slow|p9\\d".into()],
        grep: None,
    }];
    let mut app = App::new(profile, "alice", t0());
    update(
        &mut app,
        Msg::Logs(vec![
            LogLine::new("api", None, "request took p95 ok".into()),
            LogLine::new("db", None, "db is slow too".into()),
        ]),
    );
    let theme = Theme::default();
    let buf = render(&app, &theme, 120, 40);
    let (x, y) = locate(&buf, "p95");
    assert_eq!(buf[(x + 2, y)].bg, theme.highlight_bg);
    let (x, y) = locate(&buf, "slow too");
    assert_ne!(buf[(x, y)].bg, theme.highlight_bg, "another source's line");
}

#[test]
fn the_search_match_line_is_marked() {
    let theme = Theme::default();
    let mut app = app_with_logs(
        (0..30)
            .map(|n| LogLine::new("api", Some(t0()), format!("request {n}")))
            .collect(),
    );
    app.logs.set_search("request 17$");
    let buf = render(&app, &theme, 120, 40);
    // The marked line's head (time and prefix) is in the selection style.
    let head = ui::layout_with(buf.area, None).logs.x + 1;
    let (_, y) = locate(&buf, "request 17");
    assert_eq!(buf[(head, y)].symbol(), "1", "the time starts the row");
    assert_eq!(buf[(head, y)].bg, theme.selection_bg);
    let (_, other) = locate(&buf, "request 16");
    assert_ne!(buf[(head, other)].bg, theme.selection_bg);
}

#[test]
fn wrap_shows_long_multibyte_lines_whole_and_never_splits_a_character() {
    let long = "日本語のログ ❌ エラー émoji 🚀 ".repeat(6);
    let mut app = app_with_logs(vec![
        LogLine::new("api", Some(t0()), "short".into()),
        LogLine::new("api", Some(t0()), long.clone()),
    ]);
    app.logs.set_search("エラー");
    press(&mut app, &[Key::Char('G'), Key::Char('w')]);
    assert!(app.logs.wrap);
    for width in [80u16, 97, 120, 151] {
        let buf = render(&app, &Theme::default(), width, 40);
        let screen = text_of_logs(&buf);
        let squeezed: String = screen.chars().filter(|c| !c.is_whitespace()).collect();
        let wanted: String = long.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            squeezed.contains(&wanted),
            "{width}: the whole line, wrapped:\n{screen}"
        );
        assert!(screen.contains("short"), "{width}");
        let (x, y) = locate(&buf, "エラー");
        assert_eq!(buf[(x, y)].bg, Theme::default().highlight_bg, "{width}");
    }
    // Unwrapped, the same line is cut with a mark.
    press(&mut app, &[Key::Char('w')]);
    let screen = text(&render(&app, &Theme::default(), 80, 24));
    assert!(screen.contains('…'));
}

/// The logs pane's content rows (right half, below the top panes), joined.
fn text_of_logs(buf: &Buffer) -> String {
    let area = ui::layout_with(buf.area, None).logs;
    let mut out = String::new();
    for y in area.y + 1..area.bottom() - 1 {
        for x in area.x + 1..area.right() - 1 {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn a_90k_character_line_draws_in_both_modes() {
    let huge = "abc🚀".repeat(22_500);
    let mut app = app_with_logs(vec![
        LogLine::new("api", Some(t0()), huge.clone()),
        LogLine::new("api", Some(t0()), "after".into()),
    ]);
    app.logs.set_filter("c🚀a|after");
    let buf = render(&app, &Theme::default(), 120, 40);
    assert!(text_of_logs(&buf).contains("after"));
    let (x, y) = locate(&buf, "c🚀a");
    assert_eq!(buf[(x, y)].bg, Theme::default().highlight_bg);
    // Wrapped while following, the newest line is still at the bottom.
    press(&mut app, &[Key::Char('w')]);
    let buf = render(&app, &Theme::default(), 120, 40);
    let rows = text_of_logs(&buf);
    let last = rows.lines().rfind(|l| !l.trim().is_empty()).unwrap();
    assert!(last.contains("after"), "{rows}");
    assert!(rows.contains("abc🚀"));
    // Searching for the huge line brings its start into view instead.
    app.logs.set_search("^abc");
    app.logs.reveal_cursor(ui::logs::rows(120, 40));
    let rows = text_of_logs(&render(&app, &Theme::default(), 120, 40));
    assert!(rows.starts_with("14:00:00 api   abc🚀"), "{rows}");
}

/// The help's first screen (no scrolling): rows of the overlay as drawn.
fn help_first_screen(w: u16, h: u16) -> String {
    let mut app = sample_app();
    press(&mut app, &[Key::Char('?')]);
    text(&render(&app, &Theme::default(), w, h))
}

#[test]
fn help_puts_the_incident_keys_first_at_80x24_and_120x40() {
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = help_first_screen(w, h);
        let row_of = |needle: &str| {
            screen
                .lines()
                .position(|l| l.contains(needle))
                .unwrap_or_else(|| {
                    panic!("{needle:?} not on the first screen at {w}×{h}:\n{screen}")
                })
        };
        let incident = row_of("Incident");
        let rollback = row_of("R        Roll back");
        let promote = row_of("P        Promote");
        let cancel = row_of("X        Cancel the running action");
        let quit = row_of("q        Quit");
        assert_eq!(
            [rollback, promote, cancel, quit],
            [incident + 1, incident + 2, incident + 3, incident + 4],
            "{screen}"
        );
        // Pane keys follow, grouped under the pane's name.
        assert!(row_of("║ Checklist") > quit, "{screen}");
    }
    insta::assert_snapshot!("help_overlay_80x24", help_first_screen(80, 24));
}

#[test]
fn the_key_bar_always_shows_r_rollback() {
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        for tabs in 0..4 {
            let mut app = sample_app();
            press(&mut app, &vec![Key::Tab; tabs]);
            let screen = text(&render(&app, &Theme::default(), w, h));
            let bar = screen.lines().last().unwrap_or_default();
            assert!(bar.contains("R rollback"), "{w}×{h}: {bar}");
        }
    }
    let mut app = sample_app();
    app.profile.actions.remove("rollback");
    let screen = text(&render(&app, &Theme::default(), 120, 40));
    let bar = screen.lines().last().unwrap_or_default();
    assert!(
        !bar.contains("rollback"),
        "no rollback in the profile: {bar}"
    );
}

#[test]
fn wide_screens_give_the_logs_what_the_checklist_does_not_need() {
    let app = sample_app();
    let narrow = ui::layout(ratatui::layout::Rect::new(0, 0, 120, 40), &app);
    assert_eq!(narrow.checklist.width, 62, "52% below 160 columns");
    let wide = ui::layout(ratatui::layout::Rect::new(0, 0, 200, 50), &app);
    let need = ui::checklist::needed_width(&app);
    assert!(need < 100, "the fixture's longest checklist line: {need}");
    assert_eq!(wide.checklist.width, need.max(60));
    assert_eq!(wide.logs.width, 200 - wide.checklist.width);
    assert!(wide.logs.width > 100, "{wide:?}");
    let screen = text(&render(&app, &Theme::default(), 200, 50));
    // Every checklist title is still whole.
    for item in app.checklist.items() {
        assert!(
            screen.contains(&item.title),
            "{} cut:\n{screen}",
            item.title
        );
    }
    insta::assert_snapshot!("whole_screen_200x50", screen);
}

/// The fixture's profile, every endpoint answering; the canary's warm-up
/// body says it has run `secs` seconds, with no errors.
fn warming_app(secs: f64) -> App {
    use golive::engine::health::{HttpFacts, interpret};
    use golive::engine::probe::{Observation, ProbeReport};
    use golive::profile::HealthFormat;
    let profile = sample_profile();
    let mut app = App::new(profile.clone(), "alice", t0());
    let warmup = format!(
        r#"{{"ready": false, "duration_sec": {secs}, "checks": {{"fast": true, "http_client": false}},
            "errors": [], "warnings": ["warm-up in progress: http_client pending"]}}"#
    );
    for endpoint in &profile.endpoints {
        let body = if endpoint.id == "warmup" {
            warmup.clone()
        } else {
            r#"{"status":"ok"}"#.to_string()
        };
        for (replica, url) in endpoint.urls.iter().enumerate() {
            let mut health = interpret(
                if endpoint.id == "warmup" {
                    HealthFormat::Warmup
                } else {
                    HealthFormat::Plain
                },
                HttpFacts {
                    status: 200,
                    content_type: Some("application/json"),
                    body: body.as_bytes(),
                },
            );
            health.apply_warmup_timeout(endpoint.warmup_timeout);
            let observation = Observation {
                url: url.clone(),
                connected: true,
                status: Some(200),
                json: serde_json::from_str(&body).ok(),
                body_text: body.clone(),
                health,
                ..Observation::default()
            };
            update(
                &mut app,
                Msg::Probe(Box::new(ProbeReport {
                    endpoint: endpoint.id.clone(),
                    replica,
                    url: url.clone(),
                    at: t0(),
                    observation,
                })),
            );
        }
    }
    app
}

#[test]
fn a_warm_up_in_progress_reads_warming_and_past_its_timeout_down() {
    let screen = text(&render(&warming_app(42.0), &Theme::default(), 120, 40));
    let header = screen.lines().next().unwrap_or_default();
    assert!(header.contains("◌ WARMING UP"), "{header}");
    assert!(!screen.contains("FAILING"), "{screen}");
    assert!(screen.contains("◌ warming"), "{screen}");
    assert!(!screen.contains("✘ down"), "{screen}");
    insta::assert_snapshot!("warming_up_120x40", screen);

    let late = text(&render(&warming_app(130.0), &Theme::default(), 120, 40));
    let header = late.lines().next().unwrap_or_default();
    assert!(header.contains("✘ FAILING"), "{header}");
    assert!(late.contains("✘ down"), "{late}");
    assert!(!late.contains("WARMING UP"), "{late}");
}

/// One minute of probes, every two seconds, canary slower than baseline.
fn one_minute_in() -> App {
    use golive::engine::probe::{Observation, ProbeReport};
    let mut app = App::new(sample_profile(), "alice", t0());
    let probe = |endpoint: &str, url: &str, s: i64, ms: u64| {
        let at = t0() + chrono::Duration::seconds(s);
        Msg::Probe(Box::new(ProbeReport {
            endpoint: endpoint.into(),
            replica: 0,
            url: url.into(),
            at,
            observation: Observation {
                url: url.into(),
                connected: true,
                status: Some(200),
                response_time: std::time::Duration::from_millis(ms),
                ..Observation::default()
            },
        }))
    };
    for s in (0..=60).step_by(2) {
        let wave = (s * 7 % 11) as u64;
        update(
            &mut app,
            probe(
                "warmup",
                "http://10.0.0.11:8002/warmup/status",
                s,
                150 + wave,
            ),
        );
        update(
            &mut app,
            probe("health", "http://10.0.0.21:8002/health", s, 70 + wave),
        );
    }
    app.now = t0() + chrono::Duration::seconds(60);
    app.focus = Pane::Charts;
    press(&mut app, &[Key::Char('1')]);
    app
}

#[test]
fn charts_one_minute_in_fill_the_width_and_tell_tracks_apart_by_marker() {
    let app = one_minute_in();
    let mut terminal = Terminal::new(TestBackend::new(100, 14)).unwrap();
    terminal
        .draw(|f| ui::charts::draw(f, f.area(), &app, &Theme::default()))
        .unwrap();
    let buf = terminal.backend().buffer().clone();
    let screen = text(&buf);
    assert!(screen.contains("last 5m"), "{screen}");
    // The axis spans the minute held, not the five-minute window.
    assert!(screen.contains("-1m"), "{screen}");
    assert!(!screen.contains("-5m"), "{screen}");
    let is_braille = |s: &str| s.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c));
    let columns: Vec<u16> = (0..buf.area.height)
        .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
        .filter(|(x, y)| is_braille(buf[(*x, *y)].symbol()))
        .map(|(x, _)| x)
        .collect();
    let (first, last) = (columns.iter().min().unwrap(), columns.iter().max().unwrap());
    // The latency chart is the left 55% of 98 columns: the canary's line
    // starts near its left edge and runs to its right one.
    assert!(*first < 12, "canary starts at column {first}:\n{screen}");
    assert!(*last > 45, "canary ends at column {last}:\n{screen}");
    // Baseline points are dots, the canary a braille line: no colour needed.
    assert!(screen.contains('•'), "{screen}");
    assert!(
        screen.contains("⣿ canary") && screen.contains("• baseline"),
        "{screen}"
    );
    insta::assert_snapshot!("charts_one_minute_in", screen);
}

/// The cockpit with these lines, its pane size told as the runtime tells it.
fn app_with_sized_logs(lines: Vec<LogLine>) -> App {
    let mut app = app_with_logs(lines);
    update(&mut app, Msg::LogRows(ui::logs::rows(120, 40)));
    update(&mut app, Msg::LogCols(ui::logs::cols(120, 40)));
    app
}

#[test]
fn logs_pane_reads_timestamped_json_and_merged_lines_120x40() {
    use golive::engine::log_order::Reorder;
    use std::time::{Duration, Instant};
    let line = |source: &str, text: &str| LogLine::new(source, Some(t0()), text.to_string());
    // Two sources' lines arrive out of their own time order, as the demo's do.
    let start = Instant::now();
    let mut merge = Reorder::new(Duration::from_millis(250));
    merge.push(
        [line(
            "canary-2",
            "2026-12-01T17:01:35.349Z INFO  checkout_api.http: GET /api/cart 200 12.0ms req=7",
        )],
        start,
    );
    merge.push(
        [
            line(
                "canary-1",
                "2026-12-01T17:01:35.303Z INFO  checkout_api.http: GET /api/cart 200 9.1ms req=6",
            ),
            line(
                "canary-1",
                r#"{"timestamp":"2026-12-01T17:01:36.120000+00:00","level":"error","logger":"checkout_api.payments","message":"❌ checkout failed: payments upstream timeout","extra_fields":{"request_id":"canary-1-8","status":503}}"#,
            ),
            line(
                "baseline",
                r#"{"level":40,"time":1796144497000,"pid":7,"msg":"slow upstream","ms":420}"#,
            ),
        ],
        start + Duration::from_millis(20),
    );
    let merged = merge.release(start + Duration::from_millis(250));
    let merged = [merged, merge.drain()].concat();
    let mut app = app_with_sized_logs(merged);
    let buf = render(&app, &Theme::default(), 120, 40);
    let pane = text_of_logs(&buf);
    insta::assert_snapshot!(pane);
    // One time column: the lines' own times, never repeated in the text.
    assert!(!pane.contains("2026-12-01"), "{pane}");
    let early = pane.find("17:01:35 canary-1").expect("the .303 line");
    let late = pane.find("17:01:35 canary-2").expect("the .349 line");
    assert!(early < late, "merged in time order:\n{pane}");
    // A JSON record as level, message and key=value, the level coloured and bold.
    assert!(pane.contains("✘ ERROR ❌"), "{pane}");
    assert!(pane.contains("checkout failed: payments"), "{pane}");
    assert!(pane.contains("17:01:36 canary-1"), "{pane}");
    assert!(
        pane.contains("17:01:37 baseline ▲ WARN slow upstream ms=420 pid=7"),
        "{pane}"
    );
    let (x, y) = locate(&buf, "ERROR");
    assert_eq!(buf[(x, y)].fg, Theme::default().bad().fg.unwrap());
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    // The rest of the record, key=value, wraps into view.
    press(&mut app, &[Key::Char('w')]);
    let pane = text_of_logs(&render(&app, &Theme::default(), 120, 40));
    assert!(pane.contains("status=503"), "{pane}");
    // J shows the record as written.
    press(&mut app, &[Key::Char('J')]);
    let pane = text_of_logs(&render(&app, &Theme::default(), 120, 40));
    assert!(
        pane.contains(r#"{"timestamp":"2026-12-01T17:01:36"#),
        "{pane}"
    );
}

#[test]
fn wrap_mode_scrolls_a_90k_character_line_to_its_end() {
    // Numbered words, so no two rows of it read alike: 90,000 characters.
    let words: String = (0..15_000).map(|i| format!("{i:05} ")).collect();
    let huge = format!("{words}THE-END");
    assert_eq!(huge.chars().count(), 90_007);
    let mut app = app_with_sized_logs(vec![
        LogLine::new("api", Some(t0()), "before".into()),
        LogLine::new("api", Some(t0()), huge),
    ]);
    press(&mut app, &[Key::Char('w'), Key::Char('g')]);
    let first = text_of_logs(&render(&app, &Theme::default(), 120, 40));
    assert!(first.contains("before"), "{first}");
    // The pane's rows of the huge line, a page at a time, to its very end.
    let room = 56 - (9 + 4 + 2);
    let pages = 90_007 / room / ui::logs::rows(120, 40) + 2;
    let mut last = first;
    for n in 0..pages * 2 {
        press(&mut app, &[Key::PageDown]);
        let pane = text_of_logs(&render(&app, &Theme::default(), 120, 40));
        assert_ne!(pane, last, "page {n} moved nothing");
        if pane.contains("THE-END") {
            assert!(n + 1 >= pages / 2, "reached the end too soon: {n}");
            let end = pane.lines().rfind(|l| !l.trim().is_empty()).unwrap();
            assert!(end.trim_end().ends_with("THE-END"), "{pane}");
            // Down once more stays at the end: nothing below to show.
            press(&mut app, &[Key::Down]);
            assert!(text_of_logs(&render(&app, &Theme::default(), 120, 40)).contains("THE-END"));
            return;
        }
        last = pane;
    }
    panic!("never reached the end of the line");
}

#[test]
fn charts_mark_the_breach_and_the_rollback_on_the_time_axis() {
    let mut app = sample_app();
    app.focus = Pane::Charts;
    let decided = app.now - chrono::Duration::seconds(60);
    update(
        &mut app,
        golive::cockpit::fixture::record(
            decided,
            "alice",
            golive::engine::record::Event::ActionStarted {
                action: "rollback".into(),
                what: "kubectl rollout undo".into(),
                dry_run: false,
                trigger: None,
                reason: None,
            },
        ),
    );
    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(160, 16)).unwrap();
    terminal
        .draw(|f| ui::charts::draw(f, f.area(), &app, &theme))
        .unwrap();
    let buf = terminal.backend().buffer().clone();
    let screen = text(&buf);
    // Labelled in the title: the gates' breaches (7m ago) and the rollback.
    assert!(screen.contains("┊breach -"), "{screen}");
    assert!(screen.contains("┊rollback -1m"), "{screen}");
    assert!(screen.contains("threshold 300"), "{screen}");
    // A vertical line: one column drawn in the mark's colour down the plot.
    let warn = theme.warn().fg;
    let tallest = (0..buf.area.width)
        .map(|x| {
            (0..buf.area.height)
                .filter(|y| {
                    let cell = &buf[(x, *y)];
                    Some(cell.fg) == warn
                        && ('\u{2801}'..='\u{28ff}')
                            .contains(&cell.symbol().chars().next().unwrap_or(' '))
                })
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(tallest >= 5, "no vertical mark:\n{screen}");
}
