//! Frame render time of the cockpit at 120×40, for two screens: the fixture
//! with every pane filled (fifteen minutes of scrapes charted, two minutes
//! of probes, containers, a screen of logs), and the same cockpit whose logs
//! pane holds 50,000 lines (some 90,000 characters long, many coloured)
//! with a filter and a search active and wrap on. For each, criterion's
//! mean, then a p99 over 5,000 timed frames, since a p99 goal is what
//! matters for a UI that must never stutter.
use std::time::Instant;

use chrono::Duration;
use criterion::Criterion;
use golive::cockpit::fixture::{narrow_logs, press_keys, sample_app};
use golive::cockpit::keys::Key;
use golive::engine::logs::LogLine;
use golive::engine::state::{App, Msg, update};
use golive::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Lines the heavy logs pane holds.
const HELD: usize = 50_000;
/// Every this many lines, one is a 90,000-character dump (one of them two
/// lines from the tail, so the followed view has one to wrap).
const LONG_EVERY: usize = 997;
const LONG_CHARS: usize = 90_000;

/// One of the heavy pane's lines: mostly short access-log lines, a third of
/// them with SGR colours, some upstream errors, and now and then a dump of
/// 90,000 characters that mentions the upstream too (so the filter keeps it
/// and wrap has to lay it out).
fn heavy_line(i: usize, app: &App) -> LogLine {
    let at = Some(app.now - Duration::milliseconds(((HELD - i) * 20) as i64));
    let text = if (HELD - 1 - i) % LONG_EVERY == 2 {
        let mut dump = format!("upstream response body dump req={i}: ");
        while dump.len() < LONG_CHARS {
            dump.push_str("{\"tokens\":[4821,311,90210],\"score\":0.9312,\"ok\":false} ");
        }
        dump
    } else if i.is_multiple_of(7) {
        format!("upstream timeout after 2000ms (model-server) req={i}")
    } else if i.is_multiple_of(3) {
        format!(
            "GET /v1/predict \x1b[1;31m503\x1b[0m {}ms req={i}",
            1900 + i % 200
        )
    } else {
        format!(
            "GET /v1/predict \x1b[32m200\x1b[0m {}ms req={i}",
            60 + i % 50
        )
    };
    let source = if i.is_multiple_of(2) {
        "api-canary-7d9f"
    } else {
        "api-stable-5c2a"
    };
    LogLine::from_bytes(source, at, text.as_bytes())
}

/// The fixture cockpit with 50,000 lines held, the logs pane focused,
/// filtered to the upstream trouble, searching for timeouts, wrapped, and
/// following the tail again after the search jumped to the first match.
fn heavy_logs_app() -> App {
    let mut app = sample_app();
    let lines: Vec<LogLine> = (0..HELD).map(|i| heavy_line(i, &app)).collect();
    update(&mut app, Msg::Logs(lines));
    narrow_logs(&mut app);
    press_keys(&mut app, [Key::Char('w'), Key::Char('f')]);
    app
}

fn cases() -> Vec<(&'static str, App)> {
    let heavy = heavy_logs_app();
    assert!(heavy.logs.buffer.len() >= HELD, "the pane holds every line");
    assert!(heavy.logs.wrap && heavy.logs.follow, "wrapped, following");
    assert!(heavy.logs.filter_text().is_some() && heavy.logs.search_text().is_some());
    vec![
        ("frame 120x40 full panes", sample_app()),
        ("frame 120x40 logs 50k lines filter+search+wrap", heavy),
    ]
}

fn bench(c: &mut Criterion, name: &str, app: &App) {
    let theme = Theme::default();
    let Ok(mut terminal) = Terminal::new(TestBackend::new(120, 40));
    c.bench_function(name, |b| {
        b.iter(|| {
            let _ = terminal.draw(|f| ui::draw(f, app, &theme));
        })
    });
}

fn p99(name: &str, app: &App) {
    let theme = Theme::default();
    let Ok(mut terminal) = Terminal::new(TestBackend::new(120, 40));
    let mut times: Vec<f64> = (0..5_000)
        .map(|_| {
            let start = Instant::now();
            let _ = terminal.draw(|f| ui::draw(f, app, &theme));
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "{name} over {} frames: mean {mean:.3} ms, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

fn main() {
    let cases = cases();
    let mut c = Criterion::default().configure_from_args();
    for (name, app) in &cases {
        bench(&mut c, name, app);
    }
    c.final_summary();
    for (name, app) in &cases {
        p99(name, app);
    }
}
