//! The cockpit's own state beside the engine: the key map, the panes' rows
//! and scroll, the details a modal shows, and the screenshot fixture. The
//! cockpit is the engine plus a terminal and these; drawing is `ui`'s.

pub mod chart_details;
pub mod details;
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod health_rows;
pub mod keymap;
pub mod keys;
pub mod log_pane;
