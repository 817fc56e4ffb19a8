//! Renders the cockpit to SVG images in `screenshots/`: the fixture release
//! during its canary regression, the help overlay, the rollback
//! confirmation and the logs pane with a filter and a search, each at
//! 120×40 with the dark theme (and the health pane in the high-contrast
//! theme), from a `TestBackend` buffer (so they are exactly what the
//! terminal would show).
//!
//!     cargo run --example screenshots
use std::fmt::Write as _;

use golive::cockpit::fixture::{narrow_logs, press_keys, sample_app};
use golive::cockpit::keys::Key;
use golive::engine::state::{App, Msg, Pane, update};
use golive::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const CELL_W: f64 = 8.4;
const CELL_H: f64 = 18.0;
const DEFAULT_FG: &str = "#d0d0d0";
const DEFAULT_BG: &str = "#1c1c1c";

fn hex(color: Color, fallback: &str) -> String {
    let named = |s: &str| s.to_string();
    match color {
        Color::Reset => fallback.to_string(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Black => named("#000000"),
        Color::Red => named("#cd3131"),
        Color::Green => named("#0dbc79"),
        Color::Yellow => named("#e5e510"),
        Color::Blue => named("#2472c8"),
        Color::Magenta => named("#bc3fbc"),
        Color::Cyan => named("#11a8cd"),
        Color::Gray => named("#c0c0c0"),
        Color::DarkGray => named("#666666"),
        Color::LightRed => named("#f14c4c"),
        Color::LightGreen => named("#23d18b"),
        Color::LightYellow => named("#f5f543"),
        Color::LightBlue => named("#3b8eea"),
        Color::LightMagenta => named("#d670d6"),
        Color::LightCyan => named("#29b8db"),
        Color::White => named("#ffffff"),
        Color::Indexed(i) => format!("#{i:02x}{i:02x}{i:02x}"),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Whether the usual monospace fonts draw every character of `symbol` one
/// cell wide (ASCII, Latin-1, box drawing, block elements), so a run of
/// them stays on the grid without per-cell placement.
fn on_grid(symbol: &str) -> bool {
    symbol
        .chars()
        .all(|c| (c as u32) < 0x250 || ('\u{2500}'..='\u{259f}').contains(&c))
}

fn svg(buf: &Buffer, title: &str) -> String {
    let (w, h) = (buf.area.width, buf.area.height);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{:.0}" viewBox="0 0 {:.0} {:.0}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#,
        w as f64 * CELL_W,
        h as f64 * CELL_H,
        w as f64 * CELL_W,
        h as f64 * CELL_H
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{DEFAULT_BG}"/>"#
    );
    for y in 0..h {
        // Backgrounds first, one rect per run of equal colour.
        let mut x = 0;
        while x < w {
            let bg = hex(buf[(x, y)].bg, DEFAULT_BG);
            let start = x;
            while x < w && hex(buf[(x, y)].bg, DEFAULT_BG) == bg {
                x += 1;
            }
            if bg != DEFAULT_BG {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{CELL_H}" fill="{bg}"/>"#,
                    start as f64 * CELL_W,
                    y as f64 * CELL_H,
                    (x - start) as f64 * CELL_W
                );
            }
        }
        // Then text: one element per run of equal style of characters any
        // monospace font has at one cell's width, and one per cell for the
        // rest (braille, symbols),
        // placed by column, so a glyph drawn by a wider fallback font cannot
        // shift the grid in renderers that ignore `textLength`.
        let mut x = 0;
        while x < w {
            let cell = &buf[(x, y)];
            let style = (cell.fg, cell.modifier);
            let start = x;
            let mut text = String::from(cell.symbol());
            x += 1;
            if on_grid(&text) {
                while x < w
                    && (buf[(x, y)].fg, buf[(x, y)].modifier) == style
                    && on_grid(buf[(x, y)].symbol())
                {
                    text.push_str(buf[(x, y)].symbol());
                    x += 1;
                }
            }
            if text.trim().is_empty() {
                continue;
            }
            let mut fg = hex(style.0, DEFAULT_FG);
            if style.1.contains(Modifier::REVERSED) {
                fg = DEFAULT_BG.to_string();
            }
            let weight = if style.1.contains(Modifier::BOLD) {
                r#" font-weight="bold""#
            } else {
                ""
            };
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" fill="{fg}"{weight} xml:space="preserve" textLength="{:.1}" lengthAdjust="spacingAndGlyphs">{}</text>"#,
                start as f64 * CELL_W,
                y as f64 * CELL_H + CELL_H * 0.75,
                (x - start) as f64 * CELL_W,
                escape(&text)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

fn render(app: &App, theme: &Theme) -> Buffer {
    let Ok(mut terminal) = Terminal::new(TestBackend::new(120, 40));
    let _ = terminal.draw(|f| ui::draw(f, app, theme));
    terminal.backend().buffer().clone()
}

/// The logs pane focused, filtered to the upstream trouble and searching
/// for the timeouts in it, as on-call would narrow it down.
fn logs_filtered() -> App {
    let mut app = sample_app();
    narrow_logs(&mut app);
    press_keys(&mut app, [Key::Char('n')]);
    app
}

fn main() -> std::io::Result<()> {
    let theme = Theme::default();
    std::fs::create_dir_all("screenshots")?;
    let mut shots: Vec<(&str, &str, App)> = Vec::new();
    shots.push((
        "cockpit-regression",
        "golive: the canary regressing",
        sample_app(),
    ));
    let mut help = sample_app();
    update(&mut help, Msg::Key(Key::Char('?')));
    shots.push(("help", "golive: the help overlay", help));
    let mut rollback = sample_app();
    update(&mut rollback, Msg::Key(Key::Char('R')));
    shots.push(("rollback", "golive: the rollback confirmation", rollback));
    shots.push((
        "logs-filter-search",
        "golive: the logs pane filtered and searched",
        logs_filtered(),
    ));
    let mut light = sample_app();
    light.focus = Pane::Health;
    for (name, title, app) in &shots {
        let path = format!("screenshots/{name}.svg");
        std::fs::write(&path, svg(&render(app, &theme), title))?;
        println!("wrote {path}");
    }
    if let Some(hc) = Theme::builtin("high-contrast") {
        let path = "screenshots/high-contrast.svg";
        std::fs::write(
            path,
            svg(&render(&light, &hc), "golive: high-contrast theme"),
        )?;
        println!("wrote {path}");
    }
    Ok(())
}
