//! The charts pane: latency and error rate over time, canary against
//! baseline, with the threshold line. Fed by probe latencies per track until
//! the metrics engine's series land; an empty chart says "no data" loudly.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};

use super::{Theme, pane_block};
use crate::app::state::{App, Pane, TrackSample};

/// How far back the charts look, in seconds.
const WINDOW_SECS: f64 = 120.0;
/// Samples in the rolling error-rate window.
const ERROR_WINDOW: usize = 10;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Pane::Charts && app.modal.is_none();
    // The legend lives in the title: it costs no plot space and survives 80×24.
    let legend = Line::from(vec![
        Span::styled(" ━ canary ", theme.canary()),
        Span::styled("━ baseline ", theme.baseline()),
        Span::styled("• threshold", theme.threshold()),
    ]);
    let block = pane_block("Charts", None, focused, theme).title(legend.right_aligned());
    frame.render_widget(block, area);
    let content = area.inner(Margin::new(1, 1));
    if app.tracks.values().all(|s| s.is_empty()) {
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled("? no data yet", theme.warn()),
                Line::styled(
                    "waiting for probes of endpoints with a track",
                    theme.muted(),
                ),
            ]),
            content,
        );
        return;
    }
    // Side by side when wide, stacked when tall, latency alone when small.
    let (left, right) = if content.width >= 70 {
        let [l, r] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(content);
        (l, Some(r))
    } else if content.height >= 12 {
        let [l, r] = Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(content);
        (l, Some(r))
    } else {
        (content, None)
    };
    let now = app.now;
    let x_of = |s: &TrackSample| (s.at - now).num_milliseconds() as f64 / 1000.0;
    let mut latency: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    let mut errors: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for (track, samples) in &app.tracks {
        let recent: Vec<&TrackSample> =
            samples.iter().filter(|s| x_of(s) >= -WINDOW_SECS).collect();
        // A failed probe has no meaningful latency: it shows in the error rate.
        latency.push((
            track.clone(),
            recent
                .iter()
                .filter(|s| !s.failed)
                .map(|s| (x_of(s), s.latency_ms))
                .collect(),
        ));
        let rates = recent
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let from = i.saturating_sub(ERROR_WINDOW - 1);
                let window = &recent[from..=i];
                let failed = window.iter().filter(|w| w.failed).count();
                (x_of(s), 100.0 * failed as f64 / window.len() as f64)
            })
            .collect();
        errors.push((track.clone(), rates));
    }
    let threshold_ms = app.latency_threshold_ms();
    let max_ms = latency
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .chain(threshold_ms)
        .fold(1.0_f64, f64::max)
        * 1.1;
    let threshold_err = app.error_threshold().map(|t| t * 100.0);
    let max_err = errors
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .chain(threshold_err)
        .fold(1.0_f64, f64::max)
        * 1.1;
    let lat_line = threshold_ms.map(|t| vec![(-WINDOW_SECS, t), (0.0, t)]);
    let err_line = threshold_err.map(|t| vec![(-WINDOW_SECS, t), (0.0, t)]);
    chart(
        frame,
        left,
        theme,
        "latency ms",
        &latency,
        lat_line.as_deref(),
        max_ms,
    );
    let Some(right) = right else { return };
    chart(
        frame,
        right,
        theme,
        "errors %",
        &errors,
        err_line.as_deref(),
        max_err,
    );
}

fn chart(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: &str,
    series: &[(String, Vec<(f64, f64)>)],
    threshold: Option<&[(f64, f64)]>,
    max: f64,
) {
    let mut datasets: Vec<Dataset> = series
        .iter()
        .map(|(track, points)| {
            let style = if track == "canary" {
                theme.canary()
            } else {
                theme.baseline()
            };
            Dataset::default()
                .name(track.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(style)
                .data(points)
        })
        .collect();
    if let Some(line) = threshold {
        datasets.push(
            Dataset::default()
                .name("threshold")
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(theme.threshold())
                .data(line),
        );
    }
    let labels = |a: String, b: String| vec![Line::from(a), Line::from(b)];
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([-WINDOW_SECS, 0.0])
                .style(theme.muted())
                .labels(labels(format!("-{WINDOW_SECS:.0}s"), "now".into())),
        )
        .y_axis(
            Axis::default()
                .title(Span::styled(title.to_string(), theme.muted()))
                .bounds([0.0, max])
                .style(theme.muted())
                .labels(labels("0".into(), format!("{max:.0}"))),
        )
        .legend_position(None);
    frame.render_widget(chart, area);
}
