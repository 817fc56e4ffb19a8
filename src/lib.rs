//! golive as a library: the binary is a thin face over it, and tests drive it
//! in-process.

pub mod app;
pub mod cli;
pub mod commands;
pub mod demo;
pub mod diagnostics;
pub mod io;
pub mod model;
pub mod profile;
pub mod runtime;
pub mod ui;
