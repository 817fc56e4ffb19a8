//! The statistical judge's settings, as the profile's `[judge]` section
//! gives them and the judge (`engine::judge`) reads them.

use serde::{Deserialize, Serialize};

/// Which judge a profile asks for (`[judge] method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum JudgeMethod {
    #[default]
    Sequential,
    MannWhitney,
}

impl JudgeMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            JudgeMethod::Sequential => "sequential",
            JudgeMethod::MannWhitney => "mann-whitney",
        }
    }

    /// The allowed increase when the profile names none: the sequential
    /// judge needs room for equivalence (a bound inside 1.0 would demand a
    /// canary proven faster), the Mann–Whitney one keeps its old 1.0.
    pub fn default_allowed_increase(self) -> f64 {
        match self {
            JudgeMethod::Sequential => 1.2,
            JudgeMethod::MannWhitney => 1.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeConfig {
    /// Reports written before the sequential judge carry no method.
    #[serde(default = "mann_whitney_method")]
    pub method: JudgeMethod,
    /// Two-sided confidence of the test (Kayenta's default 0.98).
    pub confidence: f64,
    /// Fewer samples than this on either side: NoData.
    pub min_samples: usize,
    /// Sequential: the ratio canary ÷ baseline a metric must be shown under
    /// to pass and over to fail. Mann–Whitney: a significant increase whose
    /// mean ratio stays at or under this passes.
    pub allowed_increase: f64,
    /// Score at or above which the verdict is pass.
    pub pass_score: f64,
    /// Score at or above which (and under `pass_score`) the verdict is marginal.
    pub marginal_score: f64,
}

fn mann_whitney_method() -> JudgeMethod {
    JudgeMethod::MannWhitney
}

impl Default for JudgeConfig {
    fn default() -> Self {
        Self {
            method: JudgeMethod::Sequential,
            confidence: 0.98,
            min_samples: 3,
            allowed_increase: JudgeMethod::Sequential.default_allowed_increase(),
            pass_score: 95.0,
            marginal_score: 75.0,
        }
    }
}
