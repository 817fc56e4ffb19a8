//! Conditions in the Gatus syntax users know (`[STATUS] == 200`,
//! `[BODY].ready == true`, `[RESPONSE_TIME] < 150ms`): parsed once when the
//! profile loads, evaluated against any source of facts (an HTTP observation,
//! a container summary). A condition that cannot be evaluated fails with a
//! sentence saying why.

use std::fmt;

/// A parsed condition; `source` is the text as the user wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    pub message: String,
    /// Byte offset in the condition text where the problem is.
    pub offset: usize,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The result of evaluating one condition, with the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    /// A sentence with the observed value: "[STATUS] == 200 failed: status was 503".
    pub explanation: String,
}

impl Condition {
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        Ok(Condition {
            source: text.to_string(),
        })
    }
}

/// A source of values for placeholders (`[STATUS]`, `[BODY].x`, `[RUNNING]`).
pub trait Facts {}

impl Facts for crate::app::probe::Observation {}

impl Condition {
    pub fn evaluate(&self, _facts: &dyn Facts) -> Verdict {
        Verdict {
            passed: false,
            explanation: format!("{}: conditions are not implemented yet", self.source),
        }
    }
}
