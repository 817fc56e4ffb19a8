//! Conditions as the engine has always named them: the language itself now
//! lives in `model::condition`, where the profile can use it without
//! importing the engine. Kept for a short transition.

pub use crate::model::condition::*;
