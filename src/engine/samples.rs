//! What the journal keeps of the live signals, for the release report: each
//! endpoint's health when it changes (not every probe) and each metrics
//! track's p95 latency and error rate at most once every `EVERY`, so an
//! hour at a 1 s poll stays a few hundred small records. Pure: the engine
//! calls it from its probe and metrics handling and journals what it returns.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::health::HealthState;
use super::metrics::MetricsState;
use super::record::Event;
use crate::profile::MetricKind;

/// The shortest gap between two samples of one track.
pub const EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(10);

#[derive(Debug, Clone, Default)]
pub struct Sampler {
    health: BTreeMap<String, HealthState>,
    sampled: BTreeMap<String, DateTime<Utc>>,
}

impl Sampler {
    /// A `health` record when `endpoint`'s state changed (an unknown state,
    /// before any answer, is not a change worth keeping).
    pub fn health(
        &mut self,
        endpoint: &str,
        track: Option<&str>,
        state: HealthState,
        detail: &str,
    ) -> Option<Event> {
        if state == HealthState::Unknown || self.health.get(endpoint) == Some(&state) {
            return None;
        }
        self.health.insert(endpoint.to_string(), state);
        Some(Event::Health {
            endpoint: endpoint.to_string(),
            track: track.map(str::to_string),
            state,
            detail: if state == HealthState::Up {
                String::new()
            } else {
                detail.to_string()
            },
        })
    }

    /// A `sample` record of `track` unless one was taken less than `EVERY`
    /// ago or it has neither number.
    pub fn metrics(
        &mut self,
        metrics: &MetricsState,
        track: &str,
        now: DateTime<Utc>,
    ) -> Option<Event> {
        if self.sampled.get(track).is_some_and(|at| now - *at < EVERY) {
            return None;
        }
        let latency_p95 = metrics.value(track, MetricKind::LatencyP95, now).ok();
        let error_rate = metrics.value(track, MetricKind::ErrorRate, now).ok();
        if latency_p95.is_none() && error_rate.is_none() {
            return None;
        }
        self.sampled.insert(track.to_string(), now);
        Some(Event::Sample {
            track: track.to_string(),
            latency_p95,
            error_rate,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn health_is_kept_only_when_it_changes() {
        let mut s = Sampler::default();
        assert!(s.health("api", None, HealthState::Unknown, "").is_none());
        assert!(s.health("api", None, HealthState::Up, "").is_some());
        assert!(s.health("api", None, HealthState::Up, "").is_none());
        let down = s.health("api", Some("canary"), HealthState::Down, "HTTP 502");
        assert!(matches!(down, Some(Event::Health { ref detail, .. }) if detail == "HTTP 502"));
        assert!(s.health("web", None, HealthState::Up, "").is_some());
    }
}
