//! The charts pane: latency and error rate over time, canary against
//! baseline, with the threshold line. Fed by probe latencies per track until
//! the metrics engine's series land; an empty chart says "no data" loudly.
//! While less data than the window exists, the x axis spans the data held,
//! so a release one minute in fills the width. Canary and baseline differ by
//! marker (a braille line against dots) as well as colour, and the threshold
//! is named with its value.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};

use super::{Theme, pane_block};
use crate::cockpit::chart_details::chart_marks;
use crate::engine::judge::{Verdict, verdict_mark};
use crate::engine::state::{App, Pane, TrackSample};
use crate::profile::MetricKind;

/// Samples in the rolling error-rate window.
const ERROR_WINDOW: usize = 10;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Pane::Charts && app.modal.is_none();
    // The legend lives in the title: it costs no plot space and survives 80×24.
    let legend = Line::from(vec![
        Span::styled(" ⣿ canary ", theme.canary()),
        Span::styled("• baseline ", theme.baseline()),
        Span::styled("▄ threshold", theme.threshold()),
    ]);
    // The window in the title, so a glance says how much time the x axis spans.
    let window = app.chart_window;
    let window_secs = window.duration().as_secs_f64();
    let block = pane_block(
        "Charts",
        Some(Span::styled(
            format!("last {}", window.label()),
            theme.muted(),
        )),
        focused,
        theme,
    )
    .title_right(legend);
    frame.render_widget(block, area);
    let content = area.inner(Margin::new(1, 1));
    let from_metrics = metric_series(app, window_secs);
    if from_metrics.is_none() && app.tracks.values().all(|s| s.is_empty()) {
        super::draw_lines(
            frame,
            content,
            &[
                Line::styled("? no data yet", theme.warn()),
                Line::styled(
                    "waiting for probes of endpoints with a track",
                    theme.muted(),
                ),
            ],
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
    let (latency, errors) = from_metrics.unwrap_or_else(|| probe_series(app, window_secs));
    let span = held_span(&latency, &errors, window_secs);
    let (gate_latency_ms, gate_error) = gate_thresholds(app);
    let threshold_ms = gate_latency_ms.or_else(|| app.latency_threshold_ms());
    let max_ms = latency
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .chain(threshold_ms)
        .fold(1.0_f64, f64::max)
        * 1.1;
    let threshold_err = gate_error
        .or_else(|| app.error_threshold())
        .map(|t| t * 100.0);
    let max_err = errors
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .chain(threshold_err)
        .fold(1.0_f64, f64::max)
        * 1.1;
    let lat_line = threshold_ms.map(|t| vec![(-span, t), (0.0, t)]);
    let err_line = threshold_err.map(|t| vec![(-span, t), (0.0, t)]);
    let latency_title = match &app.judge {
        Some(judge) if from_metrics_present(app) => {
            // Not decided is said in capitals, with its symbol: never a pass.
            let word = match judge.verdict {
                Verdict::Inconclusive => {
                    let (symbol, word) = verdict_mark(judge.verdict);
                    format!("{symbol} {word}")
                }
                v => v.as_str().to_string(),
            };
            match judge.score {
                Some(score) => format!("p95 ms · judge {word} {score:.0}"),
                None => format!("p95 ms · judge {word}"),
            }
        }
        _ => "latency ms".to_string(),
    };
    let limit = |title: String, t: Option<f64>| match t {
        Some(t) => format!("{title} · threshold {t:.0}"),
        None => title,
    };
    let latency_title = limit(latency_title, threshold_ms);
    let errors_title = limit("errors %".to_string(), threshold_err);
    let label = if span < window_secs {
        span_label(span)
    } else {
        window.label().to_string()
    };
    // The engine's events, as offsets before now within the span shown.
    let marks: Vec<(f64, String)> = chart_marks(app)
        .into_iter()
        .map(|m| ((m.at - app.now).num_milliseconds() as f64 / 1000.0, m.label))
        .filter(|(x, _)| (-span..=0.0).contains(x))
        .collect();
    let scale = |max: f64| Scale {
        secs: span,
        label: label.clone(),
        max,
        marks: marks.clone(),
    };
    chart(
        frame,
        left,
        theme,
        scale(max_ms),
        &latency_title,
        &latency,
        lat_line.as_deref(),
    );
    let Some(right) = right else { return };
    chart(
        frame,
        right,
        theme,
        scale(max_err),
        &errors_title,
        &errors,
        err_line.as_deref(),
    );
}

type Series = Vec<(String, Vec<(f64, f64)>)>;

fn from_metrics_present(app: &App) -> bool {
    app.metrics
        .tracks()
        .any(|t| !app.metrics.series(t, MetricKind::LatencyP95).is_empty())
}

/// p95 latency (ms) and error rate (%) per track from the metrics engine,
/// when it has any: the real canary-against-baseline picture.
fn metric_series(app: &App, window_secs: f64) -> Option<(Series, Series)> {
    if !from_metrics_present(app) {
        return None;
    }
    let now = app.now;
    let since = now - chrono::Duration::seconds(window_secs as i64);
    let x_of = |at: chrono::DateTime<chrono::Utc>| (at - now).num_milliseconds() as f64 / 1000.0;
    let mut latency = Vec::new();
    let mut errors = Vec::new();
    for track in app.metrics.tracks() {
        let points = |kind: MetricKind, scale: f64| -> Vec<(f64, f64)> {
            app.metrics
                .series_since(track, kind, since)
                .iter()
                .map(|(at, v)| (x_of(*at), v * scale))
                .collect()
        };
        latency.push((track.to_string(), points(MetricKind::LatencyP95, 1000.0)));
        errors.push((track.to_string(), points(MetricKind::ErrorRate, 100.0)));
    }
    Some((latency, errors))
}

/// The absolute thresholds of the first latency and error-rate gates, as
/// the metrics engine computed them (relative ones times the baseline).
fn gate_thresholds(app: &App) -> (Option<f64>, Option<f64>) {
    let value_of = |kinds: &[MetricKind]| {
        app.profile
            .gates
            .iter()
            .filter(|g| kinds.contains(&g.metric))
            .find_map(|g| {
                app.gates
                    .iter()
                    .find(|s| s.id == g.id)
                    .and_then(|s| s.threshold_value)
            })
    };
    let latency = value_of(&[
        MetricKind::LatencyP50,
        MetricKind::LatencyP95,
        MetricKind::LatencyP99,
    ])
    .map(|secs| secs * 1000.0);
    (latency, value_of(&[MetricKind::ErrorRate]))
}

/// Latency and a rolling failure rate per track from the probes, for
/// profiles without metrics.
fn probe_series(app: &App, window_secs: f64) -> (Series, Series) {
    let now = app.now;
    let x_of = |s: &TrackSample| (s.at - now).num_milliseconds() as f64 / 1000.0;
    let mut latency: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    let mut errors: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for (track, samples) in &app.tracks {
        let recent: Vec<&TrackSample> =
            samples.iter().filter(|s| x_of(s) >= -window_secs).collect();
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
    (latency, errors)
}

/// Seconds the x axis spans: the window, or less while less data is held
/// (at least ten seconds, so a first sample is not a wall at the edge).
fn held_span(latency: &Series, errors: &Series, window_secs: f64) -> f64 {
    let oldest = latency
        .iter()
        .chain(errors)
        .flat_map(|(_, points)| points.iter().map(|(x, _)| -x))
        .fold(0.0_f64, f64::max);
    oldest.clamp(10.0, window_secs.max(10.0))
}

/// "-1m30s"-style length of a span, for the axis's left end.
fn span_label(secs: f64) -> String {
    let secs = secs.round() as u64;
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s:02}s"),
    }
}

/// The axes: x spans `secs` before now, y up to `max`.
#[derive(Clone)]
struct Scale {
    secs: f64,
    label: String,
    max: f64,
    /// Events to mark with a vertical line: offset before now, label (the
    /// labels go in the chart's title, where they cannot hide data).
    marks: Vec<(f64, String)>,
}

fn chart(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    x: Scale,
    title: &str,
    series: &[(String, Vec<(f64, f64)>)],
    threshold: Option<&[(f64, f64)]>,
) {
    let max = x.max;
    let mut datasets: Vec<Dataset> = series
        .iter()
        .map(|(track, points)| {
            // Marker and colour both tell the tracks apart (NO_COLOR).
            let (style, marker, graph) = if track == "canary" {
                (theme.canary(), Marker::Braille, GraphType::Line)
            } else {
                (theme.baseline(), Marker::Dot, GraphType::Scatter)
            };
            Dataset::default()
                .name(track.clone())
                .marker(marker)
                .graph_type(graph)
                .style(style)
                .data(points)
        })
        .collect();
    if let Some(line) = threshold {
        datasets.push(
            Dataset::default()
                .name("threshold")
                .marker(Marker::Bar)
                .graph_type(GraphType::Line)
                .style(theme.threshold())
                .data(line),
        );
    }
    let verticals: Vec<Vec<(f64, f64)>> = x
        .marks
        .iter()
        .map(|(at, _)| vec![(*at, 0.0), (*at, max)])
        .collect();
    for line in &verticals {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.warn())
                .data(line),
        );
    }
    // The marks' labels follow the title as far as the plot's width allows
    // (a title wider than the plot is not drawn at all).
    let room = usize::from(area.width.saturating_sub(10));
    let mut title = title.to_string();
    let mut shown = std::collections::HashSet::new();
    for (at, label) in &x.marks {
        // One label per kind of event ("breach" for every gate's breach).
        let kind = label.split(' ').next().unwrap_or(label);
        let more = format!(" ┊{kind} -{}", span_label(-at));
        if shown.insert(kind) && title.chars().count() + more.chars().count() <= room {
            title.push_str(&more);
        }
    }
    let labels = |a: String, b: String| vec![Line::from(a), Line::from(b)];
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([-x.secs, 0.0])
                .style(theme.muted())
                .labels(labels(format!("-{}", x.label), "now".into())),
        )
        .y_axis(
            Axis::default()
                .title(Span::styled(title, theme.muted()))
                .bounds([0.0, max])
                .style(theme.muted())
                .labels(labels("0".into(), format!("{max:.0}"))),
        )
        .legend_position(None);
    frame.render_widget(chart, area);
}
