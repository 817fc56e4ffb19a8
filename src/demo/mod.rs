//! The embedded simulated service behind `golive demo`: a stable baseline and
//! two canary replicas of `checkout-api`, each a real HTTP server on loopback,
//! plus a control endpoint the demo profile's promote and rollback actions
//! call. It exists so that golive can be tried, shown and tested end to end
//! with nothing set up: the canaries warm up, run healthy, regress at about
//! 60 s and recover on rollback, deterministically for a given seed.
//!
//! `timeline` and `traffic` are the pure script; `service` serves it;
//! `ctl` is the client behind the hidden `golive demo-ctl` subcommand.

pub mod ctl;
mod service;
pub mod timeline;
pub mod traffic;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

pub use timeline::Replica;

use crate::profile::{Profile, ProfileError};

/// The demo profile, with `${DEMO_*}` placeholders for [`DemoService::vars`].
pub const PROFILE: &str = include_str!("../../profiles/demo.toml");
/// Where the demo profile lives in the source tree (for messages and journals).
pub const PROFILE_PATH: &str = "profiles/demo.toml";

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoOptions {
    /// Seeds the synthetic traffic and the warm-up jitter.
    pub seed: u64,
    /// Simulated seconds per real second.
    pub speed: f64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            seed: 42,
            speed: 1.0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo speed must be a number above 0 and at most 1000, not {0}")]
    InvalidSpeed(f64),
    #[error("cannot listen on 127.0.0.1 for the demo's {what}: {source}")]
    Bind {
        what: &'static str,
        source: std::io::Error,
    },
}

/// One raw log line of a replica, as its container would print it (ANSI
/// colours and all: sanitising is the reader's job).
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub replica: Replica,
    pub at: DateTime<Utc>,
    pub text: String,
}

/// A running demo. Dropping it (or [`DemoService::shutdown`]) stops every
/// server and the traffic.
pub struct DemoService {
    replica_urls: [String; 3],
    control_url: String,
    shared: Arc<service::Shared>,
    stop: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
    driver: JoinHandle<()>,
}

/// Binds the three replicas and the control endpoint on ephemeral loopback
/// ports and starts the simulated clock. Must run inside a tokio runtime.
pub async fn start(opts: DemoOptions) -> Result<DemoService, DemoError> {
    start_at(opts, None).await
}

/// Like [`start`], on `base_port` (baseline), +1 and +2 (canaries) and +3
/// (control) when given: the ports `profiles/demo.toml` defaults to are
/// 8480–8483, so the profile works by hand without any variable set.
pub async fn start_at(opts: DemoOptions, base_port: Option<u16>) -> Result<DemoService, DemoError> {
    if !(opts.speed.is_finite() && opts.speed > 0.0 && opts.speed <= 1000.0) {
        return Err(DemoError::InvalidSpeed(opts.speed));
    }
    let (stop, stopped) = watch::channel(false);
    let mut listeners = Vec::new();
    for (offset, what) in (0u16..).zip(["baseline", "canary-1", "canary-2", "control"]) {
        let port = match base_port {
            Some(base) => base.checked_add(offset).ok_or(DemoError::Bind {
                what,
                source: std::io::Error::other(format!("port {base}+{offset} is out of range")),
            })?,
            None => 0,
        };
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| DemoError::Bind { what, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| DemoError::Bind { what, source })?;
        listeners.push((listener, format!("http://{addr}")));
    }
    // The clock starts once every port is bound, so simulated time 0 is the
    // moment the URLs become known.
    let shared = Arc::new(service::Shared::new(opts.seed, opts.speed, stopped.clone()));
    let mut urls = Vec::new();
    let mut servers = Vec::new();
    for (i, (listener, url)) in listeners.into_iter().enumerate() {
        let router = match Replica::ALL.get(i) {
            Some(replica) => service::replica_router(shared.clone(), *replica),
            None => service::control_router(shared.clone()),
        };
        let mut stopped = stopped.clone();
        servers.push(tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
        }));
        urls.push(url);
    }
    let driver = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(service::TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                shared.tick();
            }
        })
    };
    let [baseline, canary1, canary2, control] =
        <[String; 4]>::try_from(urls).map_err(|_| DemoError::Bind {
            what: "servers",
            source: std::io::Error::other("fewer listeners than servers"),
        })?;
    Ok(DemoService {
        replica_urls: [baseline, canary1, canary2],
        control_url: control,
        shared,
        stop,
        servers,
        driver,
    })
}

impl DemoService {
    /// Base URL of a replica, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self, replica: Replica) -> &str {
        &self.replica_urls[replica.index()]
    }

    /// Base URL of the control endpoint (`/state`, `/rollback`, `/promote`).
    pub fn control_url(&self) -> &str {
        &self.control_url
    }

    /// `(name, url)` for every server, in the order `--serve-only` prints them.
    pub fn urls(&self) -> Vec<(&'static str, &str)> {
        let mut out: Vec<(&'static str, &str)> = Replica::ALL
            .iter()
            .map(|r| (r.name(), self.url(*r)))
            .collect();
        out.push(("control", self.control_url()));
        out
    }

    /// The variables `profiles/demo.toml` refers to, for the profile loader.
    /// `DEMO_GOLIVE` is this executable, so the profile's actions run
    /// `golive demo-ctl` without needing curl or a PATH entry.
    pub fn vars(&self) -> BTreeMap<String, String> {
        let golive = std::env::current_exe()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "golive".into());
        BTreeMap::from([
            (
                "DEMO_BASELINE_URL".into(),
                self.url(Replica::Baseline).into(),
            ),
            (
                "DEMO_CANARY_1_URL".into(),
                self.url(Replica::Canary1).into(),
            ),
            (
                "DEMO_CANARY_2_URL".into(),
                self.url(Replica::Canary2).into(),
            ),
            ("DEMO_CONTROL_URL".into(), self.control_url.clone()),
            ("DEMO_GOLIVE".into(), golive),
        ])
    }

    /// The demo profile with this service's URLs and executable filled in:
    /// what `golive demo` hands to the cockpit and the headless runner.
    pub fn profile(&self) -> Result<Profile, ProfileError> {
        let vars = self.vars();
        crate::profile::load_with(Path::new(PROFILE_PATH), PROFILE, &|name| {
            vars.get(name).cloned()
        })
    }

    /// Every replica's log lines from now on. A receiver that falls more than
    /// a few thousand lines behind loses the oldest (and is told so by
    /// `recv`); `/logs` also serves a backlog.
    pub fn subscribe_logs(&self) -> broadcast::Receiver<LogLine> {
        self.shared.logs.subscribe()
    }

    /// Simulated seconds since the start.
    pub fn elapsed(&self) -> f64 {
        self.shared.clock.now()
    }

    /// Stops the servers and waits (briefly) for them to close.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        self.driver.abort();
        for server in std::mem::take(&mut self.servers) {
            let abort = server.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(5), server)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for DemoService {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.driver.abort();
    }
}
