//! Pure vocabulary that both the profile and the engine use: the condition
//! language and the judge's configuration. It imports neither, so
//! `profile/` can parse into these types without depending on `engine/`.

pub mod condition;
pub mod judge_config;
