//! The demo's synthetic traffic and what it leaves behind: a deterministic
//! stream of requests per replica (request `k` is a pure function of the seed,
//! the replica, `k` and the behaviour at its instant) and the Prometheus
//! counters and histogram those requests move. Pure, so the same seed gives the
//! same traffic whenever and however fast it is replayed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::timeline::{self, Behaviour, Control, Replica, Rng};

/// Requests per simulated second per replica.
pub const REQUESTS_PER_SEC: f64 = 8.0;
/// Upper bounds of `http_request_duration_seconds`, in seconds (+Inf implied).
pub const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Status codes always exposed, even at zero, so rates exist from the start.
const CODES: [u16; 4] = [200, 404, 500, 503];

const ROUTES: [(&str, &str); 4] = [
    ("GET", "/api/products"),
    ("GET", "/api/cart"),
    ("POST", "/api/cart/items"),
    ("POST", "/api/checkout"),
];

/// One synthetic request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Its slot number: request `k` falls in `[k, k+1) / REQUESTS_PER_SEC`.
    pub slot: u64,
    /// Simulated seconds since the start.
    pub at: f64,
    pub method: &'static str,
    pub route: &'static str,
    pub code: u16,
    pub latency: f64,
}

/// When slot `k`'s request happens: somewhere inside its own slot, so request
/// times are strictly increasing.
pub fn slot_time(seed: u64, replica: Replica, slot: u64) -> f64 {
    let jitter = stream(seed, replica, slot).unit() * 0.9;
    (slot as f64 + jitter) / REQUESTS_PER_SEC
}

/// The request of slot `k`, or None when the replica takes no traffic then.
pub fn request(seed: u64, replica: Replica, slot: u64, control: &Control) -> Option<Request> {
    let at = slot_time(seed, replica, slot);
    let b = timeline::behaviour(seed, replica, at, control);
    if !b.serving {
        return None;
    }
    let mut rng = stream(seed, replica, slot);
    let _jitter = rng.unit();
    Some(draw(&mut rng, slot, at, &b))
}

fn draw(rng: &mut Rng, slot: u64, at: f64, b: &Behaviour) -> Request {
    let (method, route) = ROUTES[(rng.next_u64() % ROUTES.len() as u64) as usize];
    let u = rng.unit();
    let z = rng.normal();
    let (code, latency) = if u < b.error_rate {
        // Server errors fail about as fast as successes (a tripped circuit
        // breaker), so the latency quantiles move with the latency alone.
        let code = if rng.unit() < 0.7 { 503 } else { 500 };
        (code, b.latency_median * (b.latency_sigma * z).exp())
    } else if u < b.error_rate + b.not_found_rate {
        (404, 0.003 + rng.unit() * 0.006)
    } else {
        (200, b.latency_median * (b.latency_sigma * z).exp())
    };
    Request {
        slot,
        at,
        method,
        route,
        code,
        latency: latency.min(30.0),
    }
}

fn stream(seed: u64, replica: Replica, slot: u64) -> Rng {
    Rng::salted(seed, replica).mix(slot)
}

/// Every request of a replica in `(from, to]`, replayed from `next_slot`.
/// Returns them and the slot to continue from.
pub fn requests_until(
    seed: u64,
    replica: Replica,
    next_slot: u64,
    to: f64,
    control: &Control,
) -> (Vec<Request>, u64) {
    let mut out = Vec::new();
    let mut slot = next_slot;
    while slot_time(seed, replica, slot) <= to {
        if let Some(r) = request(seed, replica, slot, control) {
            out.push(r);
        }
        slot += 1;
    }
    (out, slot)
}

/// Counters and histogram of one replica, as a Prometheus client would keep.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// Per bucket of [`BUCKETS`], not yet cumulative.
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
    codes: BTreeMap<u16, u64>,
}

impl Metrics {
    pub fn record(&mut self, r: &Request) {
        if let Some(i) = BUCKETS.iter().position(|le| r.latency <= *le) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += r.latency;
        *self.codes.entry(r.code).or_default() += 1;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn render(&self, replica: Replica, version: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP http_request_duration_seconds Time spent answering HTTP requests."
        );
        let _ = writeln!(out, "# TYPE http_request_duration_seconds histogram");
        let mut cumulative = 0;
        for (le, n) in BUCKETS.iter().zip(self.buckets) {
            cumulative += n;
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            self.count
        );
        let _ = writeln!(out, "http_request_duration_seconds_sum {:.6}", self.sum);
        let _ = writeln!(out, "http_request_duration_seconds_count {}", self.count);
        let _ = writeln!(
            out,
            "# HELP http_requests_total HTTP requests answered, by status code."
        );
        let _ = writeln!(out, "# TYPE http_requests_total counter");
        let mut codes = self.codes.clone();
        for code in CODES {
            codes.entry(code).or_default();
        }
        for (code, n) in codes {
            let _ = writeln!(out, "http_requests_total{{code=\"{code}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP demo_build_info The build this replica runs.");
        let _ = writeln!(out, "# TYPE demo_build_info gauge");
        let _ = writeln!(
            out,
            "demo_build_info{{replica=\"{}\",version=\"{version}\"}} 1",
            replica.name()
        );
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::demo::timeline::REGRESSION_AT_SEC;

    const NONE: Control = Control {
        rolled_back_at: None,
        promoted_at: None,
    };

    fn p95(latencies: &mut [f64]) -> f64 {
        latencies.sort_by(f64::total_cmp);
        latencies[(latencies.len() as f64 * 0.95) as usize]
    }

    #[test]
    fn slot_times_increase_and_rate_is_as_stated() {
        let times: Vec<f64> = (0..1000)
            .map(|k| slot_time(3, Replica::Baseline, k))
            .collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        assert!((times[999] - 999.0 / REQUESTS_PER_SEC).abs() < 1.0 / REQUESTS_PER_SEC);
    }

    #[test]
    fn same_seed_same_traffic_other_seed_other_traffic() {
        let a = requests_until(42, Replica::Canary1, 0, 120.0, &NONE).0;
        let b = requests_until(42, Replica::Canary1, 0, 120.0, &NONE).0;
        let c = requests_until(43, Replica::Canary1, 0, 120.0, &NONE).0;
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn replaying_in_pieces_gives_the_same_requests() {
        let whole = requests_until(9, Replica::Canary2, 0, 90.0, &NONE).0;
        let mut pieces = Vec::new();
        let mut slot = 0;
        let mut t = 0.0;
        while t < 90.0 {
            t = (t + 0.123_f64).min(90.0);
            let (reqs, next) = requests_until(9, Replica::Canary2, slot, t, &NONE);
            pieces.extend(reqs);
            slot = next;
        }
        assert_eq!(whole, pieces);
    }

    #[test]
    fn warming_canary_gets_no_traffic() {
        let reqs = requests_until(1, Replica::Canary1, 0, 30.0, &NONE).0;
        let ready = timeline::ready_at(1, Replica::Canary1);
        assert!(reqs.iter().all(|r| r.at >= ready));
        let base = requests_until(1, Replica::Baseline, 0, 30.0, &NONE).0;
        assert!(base.iter().any(|r| r.at < 1.0));
    }

    /// p95 as Prometheus's `histogram_quantile` estimates it from the buckets.
    fn histogram_p95(rs: &[Request]) -> f64 {
        let mut m = Metrics::default();
        rs.iter().for_each(|r| m.record(r));
        let rank = 0.95 * m.count as f64;
        let (mut lo, mut cum) = (0.0, 0.0);
        for (le, n) in BUCKETS.iter().zip(m.buckets) {
            let next = cum + n as f64;
            if next >= rank {
                return lo + (le - lo) * (rank - cum) / (next - cum);
            }
            (lo, cum) = (*le, next);
        }
        lo
    }

    #[test]
    fn estimated_p95_is_steady_when_healthy_and_about_three_times_when_regressed() {
        let seed = 42;
        let span = 30.0;
        let canary = requests_until(seed, Replica::Canary1, 0, 1000.0, &NONE).0;
        let base = requests_until(seed, Replica::Baseline, 0, 1000.0, &NONE).0;
        let in_window = |rs: &[Request], from: f64| -> Vec<Request> {
            rs.iter()
                .filter(|r| r.at >= from && r.at < from + span)
                .cloned()
                .collect()
        };
        for from in [12.0, 25.0] {
            let ratio =
                histogram_p95(&in_window(&canary, from)) / histogram_p95(&in_window(&base, from));
            assert!(
                (0.9..1.1).contains(&ratio),
                "healthy window at {from}: {ratio}"
            );
        }
        let mut from = REGRESSION_AT_SEC;
        while from < 900.0 {
            let ratio =
                histogram_p95(&in_window(&canary, from)) / histogram_p95(&in_window(&base, from));
            assert!(
                (2.3..3.9).contains(&ratio),
                "regressed window at {from}: {ratio}"
            );
            from += span;
        }
    }

    #[test]
    fn regression_raises_p95_and_makes_about_eight_percent_5xx() {
        let seed = 42;
        let window = REGRESSION_AT_SEC + 2000.0;
        let after: Vec<Request> = requests_until(seed, Replica::Canary1, 0, window, &NONE)
            .0
            .into_iter()
            .filter(|r| r.at >= REGRESSION_AT_SEC)
            .collect();
        let base = requests_until(seed, Replica::Baseline, 0, 2000.0, &NONE).0;
        let ok = |rs: &[Request]| -> Vec<f64> { rs.iter().map(|r| r.latency).collect() };
        let ratio = p95(&mut ok(&after)) / p95(&mut ok(&base));
        assert!((3.0..4.0).contains(&ratio), "true p95 ratio {ratio}");
        let share =
            |rs: &[Request]| rs.iter().filter(|r| r.code >= 500).count() as f64 / rs.len() as f64;
        assert!((0.06..0.10).contains(&share(&after)), "{}", share(&after));
        assert!(share(&base) < 0.015, "{}", share(&base));
    }

    #[test]
    fn rollback_returns_canary_traffic_to_baseline_behaviour() {
        let rolled = Control {
            rolled_back_at: Some(70.0),
            promoted_at: None,
        };
        let after: Vec<Request> = requests_until(4, Replica::Canary1, 0, 2070.0, &rolled)
            .0
            .into_iter()
            .filter(|r| r.at >= 70.0)
            .collect();
        let errors = after.iter().filter(|r| r.code >= 500).count() as f64;
        assert!(errors / (after.len() as f64) < 0.015);
    }

    #[test]
    fn exposition_is_cumulative_and_parses() {
        let mut m = Metrics::default();
        for r in requests_until(5, Replica::Canary1, 0, 200.0, &NONE).0 {
            m.record(&r);
        }
        let text = m.render(Replica::Canary1, "v1.2.0");
        let lines = text.lines().map(|l| Ok(l.to_string()));
        let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
        let hist = scrape
            .samples
            .iter()
            .find(|s| s.metric == "http_request_duration_seconds")
            .unwrap();
        let prometheus_parse::Value::Histogram(buckets) = &hist.value else {
            panic!("not a histogram: {:?}", hist.value);
        };
        assert_eq!(buckets.len(), BUCKETS.len() + 1);
        assert!(buckets.windows(2).all(|w| w[0].count <= w[1].count));
        assert_eq!(buckets.last().unwrap().count, m.count() as f64);
        let total: f64 = scrape
            .samples
            .iter()
            .filter(|s| s.metric == "http_requests_total")
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v) => v,
                _ => 0.0,
            })
            .sum();
        assert_eq!(total, m.count() as f64);
        assert!(text.contains("http_requests_total{code=\"503\"}"));
    }
}
