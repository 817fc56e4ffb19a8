//! golive as a library: the binary is a thin face over it, and tests drive it
//! in-process.

pub mod cli;
pub mod cockpit;
pub mod commands;
pub mod demo;
pub mod diagnostics;
pub mod driver;
pub mod engine;
pub mod io;
pub mod model;
pub mod profile;
pub mod ui;
