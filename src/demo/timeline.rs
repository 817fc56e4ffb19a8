//! The demo's script, as pure functions of simulated time, the seed and the
//! operator's interventions: when each canary finishes warming up, when the
//! regression starts, what every health endpoint reports at a given instant,
//! and which log events happen in a time window. Keeping it free of clocks and
//! I/O is what makes the demo deterministic and testable without a server.

/// The release under way (what the canaries run until rolled back).
pub const NEW_VERSION: &str = "v1.2.0";
/// What the baseline runs and what a rollback returns the canaries to.
pub const PREVIOUS_VERSION: &str = "v1.1.0";
/// The simulated service's name, as in `profiles/demo.toml`.
pub const SERVICE: &str = "checkout-api";
/// The canaries are ready by about this simulated second.
pub const WARMUP_END_SEC: f64 = 10.0;
/// When the canary regression starts, in simulated seconds.
pub const REGRESSION_AT_SEC: f64 = 60.0;
/// Names of the warm-up checks, in the order they turn true (seed 000).
pub const WARMUP_CHECKS: [&str; 6] = [
    "fast",
    "http_client",
    "http_health",
    "tesseract",
    "ghostscript",
    "poppler",
];

/// Nominal start of each warm-up check, before the seeded jitter. The gaps are
/// wider than the jitter so the checks always complete in this order.
const CHECK_BASE_SEC: [f64; 6] = [0.8, 2.2, 3.6, 5.1, 6.6, 8.1];
const CHECK_JITTER_SEC: f64 = 0.9;
/// How long after the last check the replica declares itself ready.
const READY_AFTER_LAST_CHECK_SEC: f64 = 0.3;
/// The baseline has been warm for a long time; this is the duration it reports.
const BASELINE_WARMUP_SEC: f64 = 8.7;

/// One simulated pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Replica {
    Baseline,
    Canary1,
    Canary2,
}

impl Replica {
    pub const ALL: [Replica; 3] = [Replica::Baseline, Replica::Canary1, Replica::Canary2];

    pub fn name(self) -> &'static str {
        match self {
            Replica::Baseline => "baseline",
            Replica::Canary1 => "canary-1",
            Replica::Canary2 => "canary-2",
        }
    }

    pub fn is_canary(self) -> bool {
        self != Replica::Baseline
    }

    pub fn index(self) -> usize {
        match self {
            Replica::Baseline => 0,
            Replica::Canary1 => 1,
            Replica::Canary2 => 2,
        }
    }

    /// Distinct per replica, so each gets its own random stream from one seed.
    fn salt(self) -> u64 {
        match self {
            Replica::Baseline => 0xB45E,
            Replica::Canary1 => 0xCA01,
            Replica::Canary2 => 0xCA02,
        }
    }
}

/// What the operator did, in simulated seconds since the start.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Control {
    pub rolled_back_at: Option<f64>,
    pub promoted_at: Option<f64>,
}

impl Control {
    fn rolled_back_by(&self, t: f64) -> bool {
        self.rolled_back_at.is_some_and(|r| t >= r)
    }

    fn promoted_by(&self, t: f64) -> bool {
        self.promoted_at.is_some_and(|p| t >= p)
    }
}

/// Where the canaries are in the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    WarmingUp,
    Healthy,
    /// Promoted while healthy. A promoted release still regresses at the
    /// scripted time: promotion does not make a bad build good.
    Promoted,
    Regressed,
    RolledBack,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::WarmingUp => "warming-up",
            Phase::Healthy => "healthy",
            Phase::Promoted => "promoted",
            Phase::Regressed => "regressed",
            Phase::RolledBack => "rolled-back",
        }
    }
}

/// The phase of the canaries at simulated time `t`.
pub fn phase(t: f64, control: &Control) -> Phase {
    if control.rolled_back_by(t) {
        Phase::RolledBack
    } else if t < WARMUP_END_SEC {
        Phase::WarmingUp
    } else if t >= REGRESSION_AT_SEC {
        Phase::Regressed
    } else if control.promoted_by(t) {
        Phase::Promoted
    } else {
        Phase::Healthy
    }
}

/// The version a replica runs at `t`.
pub fn version(replica: Replica, t: f64, control: &Control) -> &'static str {
    if replica.is_canary() && !control.rolled_back_by(t) {
        NEW_VERSION
    } else {
        PREVIOUS_VERSION
    }
}

/// True when the replica behaves badly at `t` (a canary on the new version
/// after the regression point).
pub fn regressed(replica: Replica, t: f64, control: &Control) -> bool {
    replica.is_canary() && phase(t, control) == Phase::Regressed
}

/// How a replica answers traffic at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Behaviour {
    /// Whether the load balancer sends it requests (a warming pod gets none).
    pub serving: bool,
    /// Median latency of a successful request, seconds.
    pub latency_median: f64,
    /// Spread of the log-normal latency distribution.
    pub latency_sigma: f64,
    /// Share of requests answered 5xx.
    pub error_rate: f64,
    /// Share of requests answered 404 (client errors, not counted as errors).
    pub not_found_rate: f64,
}

/// The p95 (about 160 ms) sits in the middle of the 0.1–0.25 s bucket, so the
/// p95 a reader estimates from the histogram is steady from window to window.
const HEALTHY: Behaviour = Behaviour {
    serving: true,
    latency_median: 0.090,
    latency_sigma: 0.35,
    error_rate: 0.005,
    not_found_rate: 0.02,
};

/// 3.5× the latency and 8 % 5xx. The true p95 is 3.5× the baseline's; the
/// p95 estimated from the standard buckets (what a dashboard or golive shows)
/// comes out at about 3×, which is what the demo means to show.
pub const REGRESSION_LATENCY_FACTOR: f64 = 3.5;
const REGRESSED: Behaviour = Behaviour {
    serving: true,
    latency_median: 0.090 * REGRESSION_LATENCY_FACTOR,
    latency_sigma: 0.35,
    error_rate: 0.08,
    not_found_rate: 0.02,
};

pub fn behaviour(seed: u64, replica: Replica, t: f64, control: &Control) -> Behaviour {
    if !replica.is_canary() || control.rolled_back_by(t) {
        return HEALTHY;
    }
    if regressed(replica, t, control) {
        return REGRESSED;
    }
    Behaviour {
        serving: t >= ready_at(seed, replica),
        ..HEALTHY
    }
}

/// When each warm-up check of a canary turns true, in simulated seconds.
pub fn check_times(seed: u64, replica: Replica) -> [f64; 6] {
    let mut rng = Rng::new(seed).mix(replica.salt()).mix(0x3A4A);
    CHECK_BASE_SEC.map(|base| base + rng.unit() * CHECK_JITTER_SEC)
}

/// When a canary reports `ready: true` (the baseline always has).
pub fn ready_at(seed: u64, replica: Replica) -> f64 {
    if !replica.is_canary() {
        return 0.0;
    }
    let times = check_times(seed, replica);
    times.iter().copied().fold(0.0, f64::max) + READY_AFTER_LAST_CHECK_SEC
}

/// The `/status/warmup` body of seed 000.
#[derive(Debug, Clone, PartialEq)]
pub struct Warmup {
    pub ready: bool,
    pub duration_sec: f64,
    /// In [`WARMUP_CHECKS`] order.
    pub checks: [bool; 6],
    pub latency_ms: f64,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

pub fn warmup(seed: u64, replica: Replica, t: f64, control: &Control) -> Warmup {
    let latency_ms = health_probe_latency_ms(seed, replica, t, control);
    let mut warnings = Vec::new();
    if latency_ms > 1000.0 {
        warnings.push(format!(
            "http_health latency {latency_ms:.0} ms above 1000 ms"
        ));
    }
    // A rolled-back canary runs the previous, long-warm build again.
    if !replica.is_canary() || control.rolled_back_by(t) {
        return Warmup {
            ready: true,
            duration_sec: BASELINE_WARMUP_SEC,
            checks: [true; 6],
            latency_ms,
            errors: Vec::new(),
            warnings,
        };
    }
    let times = check_times(seed, replica);
    let ready = ready_at(seed, replica);
    let checks = times.map(|at| t >= at);
    if t < ready {
        let pending = WARMUP_CHECKS.iter().zip(checks).find(|(_, done)| !done);
        warnings.push(match pending {
            Some((name, _)) => format!("warm-up in progress: {name} pending"),
            None => "warm-up in progress: finishing".into(),
        });
    }
    Warmup {
        ready: t >= ready,
        duration_sec: round1(t.clamp(0.0, ready)),
        checks,
        latency_ms,
        errors: Vec::new(),
        warnings,
    }
}

/// Latency of the warm-up's own health probe: about 40 ms, 1.2–1.6 s while the
/// canary is regressed.
fn health_probe_latency_ms(seed: u64, replica: Replica, t: f64, control: &Control) -> f64 {
    let mut rng = Rng::new(seed).mix(replica.salt()).mix(time_bucket(t));
    if regressed(replica, t, control) {
        (1200.0 + rng.unit() * 400.0).round()
    } else {
        (32.0 + rng.unit() * 16.0).round()
    }
}

/// Dependency states of `/api/v1/healthz` (seed 004).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepStatus {
    Ok,
    Warning,
    Error,
}

impl DepStatus {
    pub fn name(self) -> &'static str {
        match self {
            DepStatus::Ok => "ok",
            DepStatus::Warning => "warning",
            DepStatus::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    pub name: &'static str,
    pub status: DepStatus,
    pub latency_ms: Option<f64>,
    pub age_minutes: Option<u32>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overall {
    Healthy,
    Degraded,
    Unhealthy,
}

impl Overall {
    pub fn name(self) -> &'static str {
        match self {
            Overall::Healthy => "healthy",
            Overall::Degraded => "degraded",
            Overall::Unhealthy => "unhealthy",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Healthz {
    pub status: Overall,
    pub checks: Vec<Dependency>,
}

/// The canary's database is refused for its first seconds (unhealthy), its
/// cache is cold while it warms up (degraded), and the database is slow while
/// it is regressed (degraded).
pub fn healthz(seed: u64, replica: Replica, t: f64, control: &Control) -> Healthz {
    let mut rng = Rng::new(seed)
        .mix(replica.salt())
        .mix(time_bucket(t) ^ 0x4EA1);
    let fresh = !replica.is_canary() || control.rolled_back_by(t);
    let mut database = Dependency {
        name: "database",
        status: DepStatus::Ok,
        latency_ms: Some((30.0 + rng.unit() * 25.0).round()),
        age_minutes: None,
        message: None,
    };
    let mut redis = Dependency {
        name: "redis",
        status: DepStatus::Ok,
        latency_ms: Some((6.0 + rng.unit() * 10.0).round()),
        age_minutes: None,
        message: None,
    };
    let ical = Dependency {
        name: "ical_sync",
        status: DepStatus::Ok,
        latency_ms: None,
        age_minutes: Some(3 + (rng.next_u64() % 12) as u32),
        message: None,
    };
    if !fresh {
        if t < DATABASE_CONNECTED_SEC {
            database.status = DepStatus::Error;
            database.latency_ms = None;
            database.message = Some("connection refused (postgres:5432), retrying".into());
        } else if t < ready_at(seed, replica) {
            redis.status = DepStatus::Warning;
            redis.latency_ms = Some((280.0 + rng.unit() * 120.0).round());
            redis.message = Some("cache warming".into());
        } else if regressed(replica, t, control) {
            database.status = DepStatus::Warning;
            database.latency_ms = Some((720.0 + rng.unit() * 260.0).round());
            database.message = Some("slow queries: connection pool saturated".into());
        }
    }
    let checks = vec![database, redis, ical];
    let status = if checks.iter().any(|c| c.status == DepStatus::Error) {
        Overall::Unhealthy
    } else if checks.iter().any(|c| c.status == DepStatus::Warning) {
        Overall::Degraded
    } else {
        Overall::Healthy
    };
    Healthz { status, checks }
}

/// A canary reaches its database at this simulated second.
const DATABASE_CONNECTED_SEC: f64 = 1.9;
/// Slow-query warnings repeat this often while the canary is regressed.
const SLOW_QUERY_EVERY_SEC: f64 = 7.0;
/// The baseline logs cache statistics this often.
const CACHE_STATS_EVERY_SEC: f64 = 30.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// How a log line is written: the app's coloured text, or seed 003's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// A scripted log event (request lines come from `traffic`).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: f64,
    pub level: Level,
    pub format: LogFormat,
    pub logger: &'static str,
    pub message: String,
    pub fields: Vec<(&'static str, String)>,
}

impl Event {
    fn text(at: f64, level: Level, logger: &'static str, message: String) -> Self {
        Self {
            at,
            level,
            format: LogFormat::Text,
            logger,
            message,
            fields: Vec::new(),
        }
    }
}

/// The scripted events of a replica with `from < at <= to`, in time order.
pub fn events(seed: u64, replica: Replica, from: f64, to: f64, control: &Control) -> Vec<Event> {
    let mut out = Vec::new();
    let within = |at: f64| from < at && at <= to;
    if replica.is_canary() {
        let start = 0.0;
        if within(start) {
            out.push(Event::text(
                start,
                Level::Info,
                "checkout_api.main",
                format!("starting {SERVICE} {NEW_VERSION} on {}", replica.name()),
            ));
        }
        let refused = 0.3;
        if within(refused) {
            out.push(Event::text(
                refused,
                Level::Error,
                "checkout_api.db",
                "❌ database connection refused (postgres:5432), retrying in 1s".into(),
            ));
        }
        if within(DATABASE_CONNECTED_SEC) {
            out.push(Event::text(
                DATABASE_CONNECTED_SEC,
                Level::Info,
                "checkout_api.db",
                format!("database connected after {DATABASE_CONNECTED_SEC:.1}s"),
            ));
        }
        for (name, at) in WARMUP_CHECKS.iter().zip(check_times(seed, replica)) {
            if within(at) {
                out.push(Event::text(
                    at,
                    Level::Info,
                    "checkout_api.warmup",
                    format!("✅ warm-up check {name} ok at {at:.1}s"),
                ));
            }
        }
        let ready = ready_at(seed, replica);
        if within(ready) {
            out.push(Event::text(
                ready,
                Level::Info,
                "checkout_api.warmup",
                format!("warm-up complete in {ready:.1}s: ready to serve"),
            ));
        }
        if within(REGRESSION_AT_SEC) && regressed(replica, REGRESSION_AT_SEC, control) {
            out.push(Event {
                at: REGRESSION_AT_SEC,
                level: Level::Warn,
                format: LogFormat::Json,
                logger: "checkout_api.payments",
                message: "⚠️ payments-db connection pool saturated".into(),
                fields: vec![("pool_in_use", "48".into()), ("pool_size", "50".into())],
            });
        }
        let mut k = 1.0;
        while REGRESSION_AT_SEC + k * SLOW_QUERY_EVERY_SEC <= to {
            let at = REGRESSION_AT_SEC + k * SLOW_QUERY_EVERY_SEC;
            if within(at) && regressed(replica, at, control) {
                let mut rng = Rng::new(seed).mix(replica.salt()).mix(at as u64);
                out.push(Event {
                    at,
                    level: Level::Warn,
                    format: LogFormat::Json,
                    logger: "checkout_api.orders",
                    message: "⚠️ slow query".into(),
                    fields: vec![
                        ("table", "orders".into()),
                        ("duration_ms", format!("{:.0}", 700.0 + rng.unit() * 900.0)),
                    ],
                });
            }
            k += 1.0;
        }
    } else {
        if within(0.0) {
            out.push(Event::text(
                0.0,
                Level::Info,
                "checkout_api.main",
                format!("{SERVICE} {PREVIOUS_VERSION} serving (warm)"),
            ));
        }
        let mut k = 1.0;
        while k * CACHE_STATS_EVERY_SEC <= to {
            let at = k * CACHE_STATS_EVERY_SEC;
            if within(at) {
                let mut rng = Rng::new(seed).mix(replica.salt()).mix(at as u64);
                out.push(Event {
                    at,
                    level: Level::Info,
                    format: LogFormat::Json,
                    logger: "checkout_api.cache",
                    message: "cache stats".into(),
                    fields: vec![("hit_ratio", format!("{:.2}", 0.90 + rng.unit() * 0.08))],
                });
            }
            k += 1.0;
        }
    }
    out.sort_by(|a, b| a.at.total_cmp(&b.at));
    out
}

/// Half-second buckets: health readings change twice a simulated second, not
/// on every request, so two polls close together agree.
fn time_bucket(t: f64) -> u64 {
    (t.max(0.0) * 2.0) as u64
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// SplitMix64: a tiny, well-mixed PRNG. Streams are derived by mixing keys into
/// the seed, so any value can be recomputed without replaying the others.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A new stream keyed by `key`.
    pub fn mix(mut self, key: u64) -> Self {
        self.0 ^= key.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let v = self.next_u64();
        Self(v)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    pub fn salted(seed: u64, replica: Replica) -> Self {
        Self::new(seed).mix(replica.salt())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const NONE: Control = Control {
        rolled_back_at: None,
        promoted_at: None,
    };

    #[test]
    fn phases_follow_the_script() {
        assert_eq!(phase(0.0, &NONE), Phase::WarmingUp);
        assert_eq!(phase(9.9, &NONE), Phase::WarmingUp);
        assert_eq!(phase(30.0, &NONE), Phase::Healthy);
        assert_eq!(phase(59.9, &NONE), Phase::Healthy);
        assert_eq!(phase(60.0, &NONE), Phase::Regressed);
        assert_eq!(phase(500.0, &NONE), Phase::Regressed);
        let rolled = Control {
            rolled_back_at: Some(75.0),
            promoted_at: None,
        };
        assert_eq!(phase(74.0, &rolled), Phase::Regressed);
        assert_eq!(phase(75.0, &rolled), Phase::RolledBack);
        let promoted = Control {
            rolled_back_at: None,
            promoted_at: Some(30.0),
        };
        assert_eq!(phase(40.0, &promoted), Phase::Promoted);
        assert_eq!(phase(61.0, &promoted), Phase::Regressed);
    }

    #[test]
    fn canary_checks_turn_true_one_by_one_within_about_ten_seconds() {
        for seed in 0..200 {
            for replica in [Replica::Canary1, Replica::Canary2] {
                let times = check_times(seed, replica);
                assert!(times.windows(2).all(|w| w[0] < w[1]), "{seed}: {times:?}");
                let ready = ready_at(seed, replica);
                assert!((8.0..=WARMUP_END_SEC).contains(&ready), "{seed}: {ready}");
                let mut previous = 0;
                let mut t = 0.0;
                while t < 12.0 {
                    let w = warmup(seed, replica, t, &NONE);
                    let done = w.checks.iter().filter(|c| **c).count();
                    assert!(done >= previous);
                    assert!(done <= previous + 1, "two checks at once at {t}");
                    assert_eq!(w.ready, t >= ready);
                    if !w.ready {
                        assert!(!w.warnings.is_empty());
                    }
                    previous = done;
                    t += 0.05;
                }
                assert_eq!(previous, 6);
            }
        }
    }

    #[test]
    fn duration_grows_while_warming_then_stays() {
        let r = Replica::Canary1;
        let ready = ready_at(7, r);
        let a = warmup(7, r, 2.0, &NONE).duration_sec;
        let b = warmup(7, r, 5.0, &NONE).duration_sec;
        let c = warmup(7, r, 30.0, &NONE).duration_sec;
        let d = warmup(7, r, 90.0, &NONE).duration_sec;
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_eq!(c, d);
        assert!((c - ready).abs() < 0.06);
    }

    #[test]
    fn baseline_is_warm_and_healthy_throughout() {
        for t in [0.0, 5.0, 61.0, 300.0] {
            let w = warmup(1, Replica::Baseline, t, &NONE);
            assert!(w.ready && w.checks.iter().all(|c| *c) && w.warnings.is_empty());
            assert_eq!(
                healthz(1, Replica::Baseline, t, &NONE).status,
                Overall::Healthy
            );
            assert_eq!(version(Replica::Baseline, t, &NONE), PREVIOUS_VERSION);
            assert_eq!(behaviour(1, Replica::Baseline, t, &NONE), HEALTHY);
        }
    }

    #[test]
    fn healthz_goes_unhealthy_degraded_healthy_degraded_and_recovers_on_rollback() {
        let r = Replica::Canary2;
        assert_eq!(healthz(3, r, 0.5, &NONE).status, Overall::Unhealthy);
        assert_eq!(healthz(3, r, 5.0, &NONE).status, Overall::Degraded);
        assert_eq!(healthz(3, r, 30.0, &NONE).status, Overall::Healthy);
        let slow = healthz(3, r, 65.0, &NONE);
        assert_eq!(slow.status, Overall::Degraded);
        let db = &slow.checks[0];
        assert_eq!((db.name, db.status), ("database", DepStatus::Warning));
        assert!(db.latency_ms.unwrap() >= 700.0);
        let rolled = Control {
            rolled_back_at: Some(70.0),
            promoted_at: None,
        };
        assert_eq!(healthz(3, r, 71.0, &rolled).status, Overall::Healthy);
        assert_eq!(version(r, 71.0, &rolled), PREVIOUS_VERSION);
        assert_eq!(version(r, 69.0, &rolled), NEW_VERSION);
    }

    #[test]
    fn regression_triples_latency_and_raises_errors_until_rollback() {
        let r = Replica::Canary1;
        let before = behaviour(5, r, 30.0, &NONE);
        let after = behaviour(5, r, 61.0, &NONE);
        assert!(before.serving && after.serving);
        let factor = after.latency_median / before.latency_median;
        assert!((factor - REGRESSION_LATENCY_FACTOR).abs() < 1e-9);
        assert!(after.error_rate >= 0.07 && before.error_rate < 0.01);
        let rolled = Control {
            rolled_back_at: Some(80.0),
            promoted_at: None,
        };
        assert_eq!(behaviour(5, r, 81.0, &rolled), HEALTHY);
        // A warming canary gets no traffic.
        assert!(!behaviour(5, r, 1.0, &NONE).serving);
    }

    #[test]
    fn warmup_warns_about_slow_health_probe_while_regressed() {
        let w = warmup(9, Replica::Canary1, 70.0, &NONE);
        assert!(w.ready);
        assert!(w.latency_ms >= 1200.0);
        assert!(w.warnings.iter().any(|m| m.contains("http_health latency")));
    }

    #[test]
    fn events_are_split_exactly_by_windows() {
        let whole = events(11, Replica::Canary1, -1.0, 100.0, &NONE);
        let mut parts = Vec::new();
        let mut t = -1.0;
        while t < 100.0 {
            parts.extend(events(11, Replica::Canary1, t, t + 0.37, &NONE));
            t += 0.37;
        }
        assert_eq!(whole, parts);
        assert!(whole.iter().any(|e| e.level == Level::Error));
        assert!(whole.iter().any(|e| e.message.contains("warm-up complete")));
        assert!(whole.iter().any(|e| e.format == LogFormat::Json));
        let slow = whole
            .iter()
            .filter(|e| e.message.contains("slow query"))
            .count();
        assert_eq!(slow, 5, "60 + 7k up to 100 s");
    }

    #[test]
    fn no_regression_events_after_a_rollback() {
        let rolled = Control {
            rolled_back_at: Some(62.0),
            promoted_at: None,
        };
        let later = events(11, Replica::Canary1, 62.0, 200.0, &rolled);
        assert!(later.iter().all(|e| !e.message.contains("slow query")));
    }

    #[test]
    fn the_seed_moves_the_jitter() {
        assert_eq!(
            check_times(1, Replica::Canary1),
            check_times(1, Replica::Canary1)
        );
        assert_ne!(
            check_times(1, Replica::Canary1),
            check_times(2, Replica::Canary1)
        );
        assert_ne!(
            check_times(1, Replica::Canary1),
            check_times(1, Replica::Canary2)
        );
    }

    #[test]
    fn rng_is_roughly_uniform_and_normal() {
        let mut rng = Rng::new(42);
        let n = 20_000;
        let mean_u = (0..n).map(|_| rng.unit()).sum::<f64>() / n as f64;
        assert!((mean_u - 0.5).abs() < 0.01, "{mean_u}");
        let zs: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = zs.iter().sum::<f64>() / n as f64;
        let var = zs.iter().map(|z| (z - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
