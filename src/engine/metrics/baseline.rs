//! The captured-baseline file written by `golive baseline capture` and read
//! back as the reference when `[baseline] file` is set. Versioned JSON, so a
//! file captured by an older golive is either read correctly or refused with
//! a clear message, never misread. Pure: the caller reads and writes bytes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::profile::MetricKind;

/// The format this golive writes and the only one it reads.
pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineFile {
    pub version: u32,
    pub service: String,
    pub service_version: String,
    pub track: String,
    /// The scrape URL or the Prometheus server sampled (no credentials).
    pub source: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    /// Length of each sample's sliding window, in seconds.
    pub window_secs: f64,
    /// One value per metric over the whole capture (the reference for
    /// `vs_baseline`); a metric with no data is absent.
    pub summary: BTreeMap<String, f64>,
    /// Non-overlapping window samples per metric: the distribution the judge
    /// compares the canary's samples with.
    pub samples: BTreeMap<String, Vec<TimedValue>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimedValue {
    pub at: DateTime<Utc>,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaselineFileError {
    #[error("not a golive baseline file: {0}")]
    Malformed(String),
    #[error(
        "baseline file version {found} is not supported (this golive reads version {BASELINE_VERSION}); capture it again"
    )]
    Version { found: u32 },
}

impl BaselineFile {
    pub fn summary_of(&self, kind: MetricKind) -> Option<f64> {
        self.summary.get(kind.name()).copied()
    }

    pub fn samples_of(&self, kind: MetricKind) -> Vec<f64> {
        self.samples
            .get(kind.name())
            .map(|v| v.iter().map(|t| t.value).collect())
            .unwrap_or_default()
    }

    /// Errors and requests per captured window, from the error-rate and
    /// request-rate samples taken at the same time (rate × window length).
    pub fn counts(&self) -> Vec<crate::engine::judge::Counts> {
        let rates: BTreeMap<DateTime<Utc>, f64> = self
            .samples
            .get(MetricKind::RequestRate.name())
            .map(|v| v.iter().map(|t| (t.at, t.value)).collect())
            .unwrap_or_default();
        self.samples
            .get(MetricKind::ErrorRate.name())
            .map(|v| {
                v.iter()
                    .filter_map(|t| {
                        let requests = rates.get(&t.at)? * self.window_secs;
                        Some(crate::engine::judge::Counts {
                            errors: t.value * requests,
                            requests,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        // Serialising plain maps, numbers and strings cannot fail; NaN and
        // infinities are kept out of the file by the capture.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Self, BaselineFileError> {
        #[derive(Deserialize)]
        struct Head {
            version: u32,
        }
        let head: Head =
            serde_json::from_str(text).map_err(|e| BaselineFileError::Malformed(e.to_string()))?;
        if head.version != BASELINE_VERSION {
            return Err(BaselineFileError::Version {
                found: head.version,
            });
        }
        serde_json::from_str(text).map_err(|e| BaselineFileError::Malformed(e.to_string()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_versions() {
        let at = Utc::now();
        let file = BaselineFile {
            version: BASELINE_VERSION,
            service: "svc".into(),
            service_version: "v1".into(),
            track: "baseline".into(),
            source: "http://127.0.0.1:1/metrics".into(),
            started_at: at,
            ended_at: at,
            window_secs: 60.0,
            summary: [("latency_p95".to_string(), 0.25)].into(),
            samples: [(
                "latency_p95".to_string(),
                vec![TimedValue { at, value: 0.25 }],
            )]
            .into(),
        };
        let back = BaselineFile::from_json(&file.to_json()).unwrap();
        assert_eq!(back, file);
        assert_eq!(back.summary_of(MetricKind::LatencyP95), Some(0.25));
        assert_eq!(back.samples_of(MetricKind::LatencyP95), vec![0.25]);
        assert_eq!(back.summary_of(MetricKind::ErrorRate), None);

        let v2 = file.to_json().replace("\"version\": 1", "\"version\": 2");
        assert_eq!(
            BaselineFile::from_json(&v2),
            Err(BaselineFileError::Version { found: 2 })
        );
        assert!(matches!(
            BaselineFile::from_json("{}"),
            Err(BaselineFileError::Malformed(_))
        ));
    }
}
