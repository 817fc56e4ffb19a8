//! The statistical judge's settings, as the profile's `[judge]` section
//! gives them and the judge (`app::judge`) reads them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeConfig {
    /// Two-sided confidence of the test (Kayenta's default 0.98).
    pub confidence: f64,
    /// Fewer samples than this on either side: NoData.
    pub min_samples: usize,
    /// A significant increase whose mean ratio stays at or under this passes.
    pub allowed_increase: f64,
    /// Score at or above which the verdict is pass.
    pub pass_score: f64,
    /// Score at or above which (and under `pass_score`) the verdict is marginal.
    pub marginal_score: f64,
}

impl Default for JudgeConfig {
    fn default() -> Self {
        Self {
            confidence: 0.98,
            min_samples: 3,
            allowed_increase: 1.0,
            pass_score: 95.0,
            marginal_score: 75.0,
        }
    }
}
