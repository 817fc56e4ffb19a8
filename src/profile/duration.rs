//! Durations in profiles ("2s", "5m", "1h30m"), parsed by humantime.
