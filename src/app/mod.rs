//! The pure core: state, messages and the rules that move them. Nothing in
//! here does I/O or imports tokio; adapters feed it facts and carry out the
//! effects it asks for.

pub mod action_reason;
pub mod actions;
pub mod chart_details;
pub mod checklist;
pub mod command;
pub mod condition;
pub mod containers;
pub mod evidence;
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod headless;
pub mod health;
pub mod health_rows;
pub mod judge;
pub mod keys;
pub mod lifecycle;
pub mod live_checks;
pub mod log_layout;
pub mod log_order;
pub mod log_parse;
mod log_scroll;
pub mod log_time;
pub mod logs;
pub mod logs_check;
pub mod metrics;
pub mod notify;
pub mod probe;
pub mod probe_facts;
pub mod reading;
pub mod record;
pub mod recovery;
pub mod redaction;
pub mod replicas;
pub mod report;
pub mod samples;
pub mod sanitize;
pub mod signoffs;
pub mod state;
pub mod story;
pub mod swarm;
