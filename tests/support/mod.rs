//! Helpers shared by the integration tests that are not about Docker: the
//! one rule for a missing tool (`tools`) and a screen the test can read while
//! the event loop owns the terminal (`screen`). Each test binary uses a part.
#![allow(dead_code)]

pub mod screen;
pub mod tools;
