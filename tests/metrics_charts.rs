//! The charts' time windows: keys 1/2/3 and z in the charts pane pick 5m,
//! 15m or 1h (pure updates, no terminal), the probe samples the charts fall
//! back to are kept by time (the retention) rather than by count, and the
//! charts pane drawn at the 1h window.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use golive::cockpit::fixture::{sample_app, sample_profile, t0};
use golive::cockpit::keys::{self, Context, Key};
use golive::engine::metrics::{ChartWindow, MetricsState};
use golive::engine::probe::{Observation, ProbeReport};
use golive::engine::state::{App, Msg, Pane, TRACK_SAMPLES_CAP, update};
use golive::ui::{Theme, charts};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn press(app: &mut App, key: Key) {
    update(app, Msg::Key(key));
}

fn probe(endpoint: &str, url: &str, at: DateTime<Utc>, ms: u64) -> Msg {
    Msg::Probe(Box::new(ProbeReport {
        endpoint: endpoint.into(),
        replica: 0,
        url: url.into(),
        at,
        observation: Observation {
            url: url.into(),
            connected: true,
            status: Some(200),
            response_time: Duration::from_millis(ms),
            ..Observation::default()
        },
    }))
}

#[test]
fn window_keys_work_in_the_charts_pane_only() {
    let mut app = App::new(sample_profile(), "alice", t0());
    assert_eq!(app.chart_window, ChartWindow::FiveMinutes);
    // Outside the charts the digits mean nothing.
    press(&mut app, Key::Char('3'));
    assert_eq!(app.chart_window, ChartWindow::FiveMinutes);

    app.focus = Pane::Charts;
    press(&mut app, Key::Char('3'));
    assert_eq!(app.chart_window, ChartWindow::OneHour);
    press(&mut app, Key::Char('2'));
    assert_eq!(app.chart_window, ChartWindow::FifteenMinutes);
    press(&mut app, Key::Char('1'));
    assert_eq!(app.chart_window, ChartWindow::FiveMinutes);
    press(&mut app, Key::Char('z'));
    assert_eq!(app.chart_window, ChartWindow::FifteenMinutes);
    press(&mut app, Key::Char('z'));
    press(&mut app, Key::Char('z'));
    assert_eq!(app.chart_window, ChartWindow::FiveMinutes);
    // The help overlay takes the keys while it is open.
    press(&mut app, Key::Char('?'));
    press(&mut app, Key::Char('3'));
    assert_eq!(app.chart_window, ChartWindow::FiveMinutes);
}

#[test]
fn the_key_bar_and_help_read_the_window_bindings_from_the_registry() {
    let shorts: Vec<&str> = keys::bindings_for(Context::Charts)
        .map(|b| b.short)
        .collect();
    for word in ["5m", "15m", "1h", "window"] {
        assert!(shorts.contains(&word), "{shorts:?}");
    }
    assert!(
        keys::BINDINGS
            .iter()
            .any(|b| b.label == "z" && b.help.contains("5m, 15m, 1h"))
    );
}

#[test]
fn probe_samples_cover_the_retention_not_a_fixed_count() {
    let mut app = App::new(sample_profile(), "alice", t0());
    let url = "http://10.0.0.21:8002/health";
    // Two hours of the default 2 s poll: 3600 reports.
    for i in 0..3600i64 {
        let at = t0() + chrono::Duration::seconds(2 * i);
        update(&mut app, probe("health", url, at, 80));
    }
    let samples = &app.tracks["baseline"];
    let newest = samples.back().unwrap().at;
    let oldest = samples.front().unwrap().at;
    // The last hour (the default retention) is all there, nothing older.
    assert_eq!(newest - oldest, chrono::Duration::hours(1));
    assert_eq!(samples.len(), 1801);
    assert!(samples.len() < TRACK_SAMPLES_CAP);

    // A shorter retention keeps less.
    let mut profile = sample_profile();
    profile.settings.metrics_retention = Duration::from_secs(600);
    let mut app = App::new(profile, "alice", t0());
    for i in 0..1000i64 {
        let at = t0() + chrono::Duration::seconds(2 * i);
        update(&mut app, probe("health", url, at, 80));
    }
    assert_eq!(app.tracks["baseline"].len(), 301);
}

/// The fixture's two minutes of probes plus fifty minutes of older ones,
/// one a minute, so the hour window has something to span.
fn hour_of_probes() -> App {
    let mut app = sample_app();
    // The probe-fed picture: without the fixture's scrapes the charts fall
    // back to the probes.
    app.metrics = MetricsState::new(&sample_profile());
    let end = app.now;
    let canary = "http://10.0.0.11:8002/warmup/status";
    let base = "http://10.0.0.21:8002/health";
    let mut older = App::new(sample_profile(), "alice", end);
    for m in (3..53).rev() {
        let at = end - chrono::Duration::minutes(m);
        let wave = (m * 7 % 11) as u64;
        update(&mut older, probe("warmup", canary, at, 90 + wave));
        update(&mut older, probe("health", base, at, 70 + wave));
    }
    for (track, samples) in older.tracks {
        let kept = app.tracks.entry(track).or_default();
        for s in samples.into_iter().rev() {
            kept.push_front(s);
        }
    }
    app
}

#[test]
fn charts_pane_at_the_one_hour_window() {
    let mut app = hour_of_probes();
    app.focus = Pane::Charts;
    press(&mut app, Key::Char('3'));
    let mut terminal = Terminal::new(TestBackend::new(100, 14)).unwrap();
    terminal
        .draw(|f| charts::draw(f, f.area(), &app, &Theme::default()))
        .unwrap();
    let text = golive::ui::screen_text(terminal.backend().buffer());
    assert!(text.contains("last 1h"), "{text}");
    // 52 minutes held: the axis spans them, not the empty first 8 minutes.
    assert!(text.contains("-52m"), "{text}");
    insta::assert_snapshot!(text);
}
