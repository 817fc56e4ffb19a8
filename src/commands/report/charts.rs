//! The report's two charts, drawn with plotters' SVG backend: canary against
//! baseline p95 latency and error rate over the release, each gate's bound
//! as a red line and the report's marks (breach, decision, rolled back,
//! recovered) as labelled verticals on the time axis. Pure drawing of the
//! model's numbers; an SVG string out, nothing fetched.

use chrono::{DateTime, Utc};
use plotters::prelude::*;

use crate::engine::report::{Report, SamplePoint};

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    Latency,
    Errors,
}

impl Chart {
    pub const BOTH: [Chart; 2] = [Chart::Latency, Chart::Errors];

    pub fn title(self) -> &'static str {
        match self {
            Chart::Latency => "p95 latency (ms)",
            Chart::Errors => "error rate (%)",
        }
    }

    /// The file name stem's suffix when written beside a Markdown report.
    pub fn slug(self) -> &'static str {
        match self {
            Chart::Latency => "latency",
            Chart::Errors => "errors",
        }
    }

    fn value(self, p: &SamplePoint) -> Option<f64> {
        match self {
            Chart::Latency => p.latency_p95.map(|s| s * 1000.0),
            Chart::Errors => p.error_rate.map(|f| f * 100.0),
        }
    }

    fn threshold(self, report: &Report) -> Option<f64> {
        match self {
            Chart::Latency => report.latency_threshold.map(|s| s * 1000.0),
            Chart::Errors => report.error_threshold.map(|f| f * 100.0),
        }
    }
}

fn secs(t0: DateTime<Utc>, at: DateTime<Utc>) -> f64 {
    (at - t0).num_milliseconds() as f64 / 1000.0
}

fn track_color(track: &str) -> RGBColor {
    match track {
        "baseline" => RGBColor(31, 119, 180),
        t if t.contains("canary") => RGBColor(214, 39, 40),
        _ => RGBColor(44, 160, 44),
    }
}

/// The chart as one `<svg>` element.
pub fn svg(report: &Report, chart: Chart) -> Result<String, String> {
    let mut out = String::new();
    draw(report, chart, &mut out).map_err(|e| format!("cannot draw the {}: {e}", chart.title()))?;
    // The element alone, to inline in HTML or write as a file.
    Ok(out
        .find("<svg")
        .map_or(out.clone(), |i| out[i..].to_string()))
}

fn draw(report: &Report, chart: Chart, out: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    let t0 = report.start.unwrap_or_default();
    let x_max = report.end.map_or(1.0, |e| secs(t0, e)).max(1.0);
    let threshold = chart.threshold(report);
    let y_top = report
        .series
        .values()
        .flatten()
        .filter_map(|p| chart.value(p))
        .chain(threshold)
        .fold(0.0_f64, f64::max);
    let y_max = if y_top > 0.0 { y_top * 1.2 } else { 1.0 };
    let root = SVGBackend::with_string(out, (760, 280)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut c = ChartBuilder::on(&root)
        .caption(chart.title(), ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    c.configure_mesh()
        .x_desc("seconds since the release's first record")
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for (track, points) in &report.series {
        let color = track_color(track);
        let line: Vec<(f64, f64)> = points
            .iter()
            .filter_map(|p| chart.value(p).map(|v| (secs(t0, p.at), v)))
            .collect();
        c.draw_series(LineSeries::new(line, color.stroke_width(2)))?
            .label(track.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color));
    }
    if let Some(t) = threshold {
        let red = RGBColor(200, 0, 0);
        c.draw_series(LineSeries::new(
            vec![(0.0, t), (x_max, t)],
            red.stroke_width(1),
        ))?
        .label("gate")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], red));
    }
    for (n, mark) in report.marks.iter().enumerate() {
        let x = secs(t0, mark.at);
        c.draw_series(LineSeries::new(vec![(x, 0.0), (x, y_max)], BLACK.mix(0.6)))?;
        // Staggered so marks close together stay readable.
        let y = y_max * (0.95 - 0.08 * (n % 4) as f64);
        c.draw_series(std::iter::once(Text::new(
            mark.label,
            (x, y),
            ("sans-serif", 12),
        )))?;
    }
    c.configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.85))
        .draw()?;
    root.present()?;
    Ok(())
}
