//! Whole-screen snapshots of the cockpit on a fixed-size `TestBackend`, with a
//! fixed clock and fixed data, plus cell-colour checks where colour carries
//! meaning.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use golive::app::fixture::sample_app;
use golive::app::keys::Key;
use golive::app::state::{App, Msg, Pane, update};
use golive::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn render(app: &App, theme: &Theme, w: u16, h: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| ui::draw(f, app, theme)).unwrap();
    terminal.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
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
    insta::assert_snapshot!(screen);
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
    let mut app = sample_app();
    press(&mut app, &[Key::Char('?')]);
    for w in (80..=220).step_by(7) {
        for h in (24..=70).step_by(5) {
            render(&app, &Theme::default(), w, h);
            render(&sample_app(), &Theme::default().without_color(), w, h);
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
