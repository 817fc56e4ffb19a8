//! The time window the charts show: the last 5 minutes, 15 minutes or hour.
//! A plain value chosen with keys in the charts pane; the series themselves
//! keep whatever the retention allows, so switching windows loses nothing.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ChartWindow {
    #[default]
    FiveMinutes,
    FifteenMinutes,
    OneHour,
}

impl ChartWindow {
    pub const ALL: [ChartWindow; 3] = [
        ChartWindow::FiveMinutes,
        ChartWindow::FifteenMinutes,
        ChartWindow::OneHour,
    ];

    pub fn duration(self) -> Duration {
        Duration::from_secs(match self {
            ChartWindow::FiveMinutes => 5 * 60,
            ChartWindow::FifteenMinutes => 15 * 60,
            ChartWindow::OneHour => 3600,
        })
    }

    /// How the pane title and the x axis name it.
    pub fn label(self) -> &'static str {
        match self {
            ChartWindow::FiveMinutes => "5m",
            ChartWindow::FifteenMinutes => "15m",
            ChartWindow::OneHour => "1h",
        }
    }

    /// The next longer window, back to the shortest after the longest.
    pub fn next(self) -> Self {
        match self {
            ChartWindow::FiveMinutes => ChartWindow::FifteenMinutes,
            ChartWindow::FifteenMinutes => ChartWindow::OneHour,
            ChartWindow::OneHour => ChartWindow::FiveMinutes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_through_every_window_and_back() {
        let mut w = ChartWindow::default();
        let mut seen = Vec::new();
        for _ in 0..3 {
            seen.push(w);
            w = w.next();
        }
        assert_eq!(seen, ChartWindow::ALL);
        assert_eq!(w, ChartWindow::FiveMinutes);
        assert_eq!(ChartWindow::OneHour.duration(), Duration::from_secs(3600));
        assert_eq!(ChartWindow::FifteenMinutes.label(), "15m");
    }
}
