//! The poller: keeps every replica of every endpoint probed at the poll
//! interval and hands each [`ProbeReport`] to the state through a bounded
//! channel. One task per replica, their first probes spread evenly over one
//! interval so a thousand endpoints do not fire at once; a semaphore bounds
//! how many requests are in flight. It stops when the receiver is dropped
//! (or the handle is), and `poll_now` re-probes an endpoint at once for the
//! cockpit's re-run key.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

use super::probe::Prober;
use crate::app::probe::ProbeReport;
use crate::profile::Endpoint;

/// Requests in flight at most, by default: enough to keep a thousand
/// endpoints at 1 Hz, few enough not to flood a service or the machine.
pub const DEFAULT_CONCURRENCY: usize = 64;

#[derive(Debug, Clone)]
pub struct PollerConfig {
    pub interval: Duration,
    pub concurrency: usize,
}

/// Owns the polling tasks: dropping it stops them.
#[derive(Debug)]
pub struct Poller {
    triggers: HashMap<String, Vec<Arc<Notify>>>,
    tasks: JoinSet<()>,
}

impl Poller {
    /// Starts polling `endpoints` with `prober`, sending reports to `tx`.
    /// Must be called inside a tokio runtime.
    pub fn spawn(
        prober: Prober,
        endpoints: &[Endpoint],
        config: &PollerConfig,
        tx: mpsc::Sender<ProbeReport>,
    ) -> Poller {
        let interval = config.interval.max(Duration::from_millis(10));
        let permits = Arc::new(Semaphore::new(config.concurrency.max(1)));
        let total: usize = endpoints.iter().map(|e| e.urls.len()).sum();
        let mut triggers: HashMap<String, Vec<Arc<Notify>>> = HashMap::new();
        let mut tasks = JoinSet::new();
        let start = Instant::now();
        let mut slot = 0usize;
        for endpoint in endpoints {
            let endpoint = Arc::new(endpoint.clone());
            for (replica, url) in endpoint.urls.iter().enumerate() {
                let trigger = Arc::new(Notify::new());
                triggers
                    .entry(endpoint.id.clone())
                    .or_default()
                    .push(trigger.clone());
                // Evenly spread first probes: slot k of n starts k/n into
                // the first interval.
                let offset = interval.mul_f64(slot as f64 / total.max(1) as f64);
                slot += 1;
                tasks.spawn(poll_replica(Replica {
                    prober: prober.clone(),
                    endpoint: endpoint.clone(),
                    replica,
                    url: url.clone(),
                    first: start + offset,
                    interval,
                    permits: permits.clone(),
                    trigger,
                    tx: tx.clone(),
                }));
            }
        }
        Poller { triggers, tasks }
    }

    /// Probes every replica of `endpoint` now, without waiting for the next
    /// tick. A trigger during a probe is kept and runs right after it.
    /// False when no such endpoint is polled.
    pub fn poll_now(&self, endpoint: &str) -> bool {
        match self.triggers.get(endpoint) {
            Some(replicas) => {
                for t in replicas {
                    t.notify_one();
                }
                true
            }
            None => false,
        }
    }

    /// Probes everything now.
    pub fn poll_all_now(&self) {
        for t in self.triggers.values().flatten() {
            t.notify_one();
        }
    }

    /// Waits until every task has stopped (they stop once the receiver is
    /// dropped).
    pub async fn finished(mut self) {
        while self.tasks.join_next().await.is_some() {}
    }
}

struct Replica {
    prober: Prober,
    endpoint: Arc<Endpoint>,
    replica: usize,
    url: String,
    first: Instant,
    interval: Duration,
    permits: Arc<Semaphore>,
    trigger: Arc<Notify>,
    tx: mpsc::Sender<ProbeReport>,
}

async fn poll_replica(r: Replica) {
    let mut ticks = tokio::time::interval_at(r.first, r.interval);
    // A slow probe delays the next one rather than causing a burst.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = r.trigger.notified() => ticks.reset(),
            _ = r.tx.closed() => return,
        }
        let observation = {
            let Ok(_permit) = r.permits.acquire().await else {
                return;
            };
            tokio::select! {
                obs = r.prober.probe(&r.endpoint, &r.url, 1) => obs,
                _ = r.tx.closed() => return,
            }
        };
        let report = ProbeReport {
            endpoint: r.endpoint.id.clone(),
            replica: r.replica,
            url: r.url.clone(),
            at: Utc::now(),
            observation,
        };
        if r.tx.send(report).await.is_err() {
            return;
        }
    }
}
