//! The release engine: facts in, effects out. Every rule of a release lives
//! here once (the checklist and who may sign, gates and the judge, actions
//! and their recovery, the lifecycle, redaction, the records the journal
//! keeps), and every face drives it through the one driver (`driver`).
//! Nothing in here does I/O or imports tokio; adapters (`io`) feed it facts
//! and carry out the effects it asks for.

pub mod action_reason;
pub mod actions;
pub mod checklist;
pub mod command;
pub mod containers;
pub mod evidence;
pub mod headless;
pub mod health;
pub mod judge;
pub mod kubernetes;
pub mod lifecycle;
pub mod live_checks;
pub mod log_layout;
pub mod log_order;
pub mod log_parse;
mod log_position;
mod log_scroll;
mod log_search;
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
pub mod rehearsal;
pub mod replicas;
pub mod report;
pub mod samples;
pub mod sanitize;
pub mod signoffs;
pub mod state;
pub mod story;
pub mod swarm;
pub mod targets;
