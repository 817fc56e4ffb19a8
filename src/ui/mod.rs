//! Rendering only: draws the cockpit from the state; never does I/O.
