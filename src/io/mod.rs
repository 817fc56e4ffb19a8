//! Adapters, one resource each. They produce facts for `app` and carry out its
//! effects; none of them knows about the terminal.
pub mod actions;
pub mod command;
pub mod docker;
pub mod journal;
pub mod kubectl;
pub mod logs;
pub mod metrics;
pub mod notify;
pub mod operator;
pub mod poller;
pub mod probe;
pub mod rehearse;
pub mod residency;
pub mod terminal;
