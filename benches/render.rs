//! Frame render time of the full cockpit at 120×40 (every pane filled, the
//! fixture's two minutes of probes and a screen of logs): criterion's mean,
//! then a p99 over 5,000 timed frames, since a p99 goal is what matters for
//! a UI that must never stutter.
use std::time::Instant;

use criterion::Criterion;
use golive::app::fixture::sample_app;
use golive::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn bench(c: &mut Criterion) {
    let app = sample_app();
    let theme = Theme::default();
    let Ok(mut terminal) = Terminal::new(TestBackend::new(120, 40));
    c.bench_function("frame 120x40 full panes", |b| {
        b.iter(|| {
            let _ = terminal.draw(|f| ui::draw(f, &app, &theme));
        })
    });
}

fn p99() {
    let app = sample_app();
    let theme = Theme::default();
    let Ok(mut terminal) = Terminal::new(TestBackend::new(120, 40));
    let mut times: Vec<f64> = (0..5_000)
        .map(|_| {
            let start = Instant::now();
            let _ = terminal.draw(|f| ui::draw(f, &app, &theme));
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "frame 120x40 over {} frames: mean {mean:.3} ms, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    p99();
}
