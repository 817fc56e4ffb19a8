//! The embedded simulated service behind `golive demo`.
