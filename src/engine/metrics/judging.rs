//! The metrics state's side of the judge: the samples, points and counts it
//! hands `engine::judge` for canary against baseline.

use crate::engine::judge::{self, JudgeReport};
use crate::profile::MetricKind;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use super::*;

impl MetricsState {
    /// Samples for the judge: one per window (non-overlapping), newest first
    /// kept, over the lookback.
    pub(super) fn judge_samples(
        &self,
        track: &str,
        kind: MetricKind,
        now: DateTime<Utc>,
    ) -> Vec<f64> {
        self.judge_points(track, kind, now)
            .into_iter()
            .map(|(_, v)| v)
            .collect()
    }

    pub(super) fn judge_points(
        &self,
        track: &str,
        kind: MetricKind,
        now: DateTime<Utc>,
    ) -> Vec<Point> {
        let Some(t) = self.tracks.get(track) else {
            return Vec::new();
        };
        let lookback = chrono::Duration::from_std(self.cfg.judge_lookback)
            .unwrap_or(chrono::Duration::hours(1));
        let spacing = chrono::Duration::from_std(t.window).unwrap_or(chrono::Duration::minutes(1));
        thin_points(t.series[idx(kind)].since(now - lookback), spacing)
    }

    /// Errors and requests of the judge's error-rate windows: each thinned
    /// error-rate point with the requests counted at the same scrape.
    pub(super) fn judge_counts(&self, track: &str, now: DateTime<Utc>) -> Vec<judge::Counts> {
        let Some(t) = self.tracks.get(track) else {
            return Vec::new();
        };
        let requests: BTreeMap<DateTime<Utc>, f64> = t.requests.points().iter().copied().collect();
        self.judge_points(track, MetricKind::ErrorRate, now)
            .into_iter()
            .filter_map(|(at, rate)| {
                let requests = *requests.get(&at)?;
                Some(judge::Counts {
                    errors: rate * requests,
                    requests,
                })
            })
            .collect()
    }

    /// The judge on the canary: the track named `canary` when there is one,
    /// else the first other non-baseline track.
    pub fn judge(&self, now: DateTime<Utc>) -> JudgeReport {
        let canary = if self.tracks.contains_key(CANARY_TRACK) {
            CANARY_TRACK.to_string()
        } else {
            self.tracks
                .keys()
                .find(|t| t.as_str() != BASELINE_TRACK)
                .cloned()
                .unwrap_or_else(|| CANARY_TRACK.to_string())
        };
        self.judge_track(&canary, now)
    }

    /// The judge on `track` against the baseline (file or live, as preferred).
    pub fn judge_track(&self, track: &str, now: DateTime<Utc>) -> JudgeReport {
        let order = self.baseline_order();
        let inputs: Vec<(MetricKind, judge::MetricInput)> = JUDGED
            .iter()
            .map(|&kind| {
                let counted = kind == MetricKind::ErrorRate;
                let counts = |t: &str| {
                    if counted {
                        self.judge_counts(t, now)
                    } else {
                        Vec::new()
                    }
                };
                let mut input = judge::MetricInput {
                    canary: self.judge_samples(track, kind, now),
                    canary_counts: counts(track),
                    ..Default::default()
                };
                for origin in &order {
                    (input.baseline, input.baseline_counts) = match origin {
                        BaselineOrigin::File => self
                            .captured
                            .as_ref()
                            .map(|f| {
                                (
                                    f.samples_of(kind),
                                    if counted { f.counts() } else { Vec::new() },
                                )
                            })
                            .unwrap_or_default(),
                        BaselineOrigin::Live => (
                            self.judge_samples(BASELINE_TRACK, kind, now),
                            counts(BASELINE_TRACK),
                        ),
                    };
                    if !input.baseline.is_empty() {
                        break;
                    }
                }
                (kind, input)
            })
            .collect();
        let window = self
            .tracks
            .get(track)
            .map_or(60.0, |t| t.window.as_secs_f64());
        let mut metrics = judge::judge_all(&inputs, &self.cfg.judge, window);
        for (judged, (kind, input)) in metrics.iter_mut().zip(&inputs) {
            if input.baseline.is_empty() {
                judged.reason = format!(
                    "{} canary and no baseline samples: {}",
                    judged.canary_n,
                    self.no_baseline_reason(*kind, &order, now)
                );
            }
        }
        judge::report(track, metrics, &self.cfg.judge)
    }
}
