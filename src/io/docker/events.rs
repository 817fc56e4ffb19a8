//! Container changes as the engine announces them (its event stream), so
//! the watchers look again when something happened instead of asking every
//! second whether it did. One idle connection costs nothing while nothing
//! changes; before, the health pane's watcher inspected every second and
//! the log follower listed containers every two.

use std::collections::HashMap;
use std::pin::Pin;
use std::time::Duration;

use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptions;
use futures::{Stream, StreamExt};

use super::Engine;
use crate::engine::containers::event_concerns;
use crate::profile::DockerTarget;

/// What changes a container's state or the set a target resolves to. Exec
/// events (a healthcheck runs one every interval) and attach, resize or
/// top calls are left out: they change nothing a look shows.
const CHANGES: &[&str] = &[
    "create",
    "start",
    "restart",
    "die",
    "kill",
    "oom",
    "stop",
    "pause",
    "unpause",
    "rename",
    "update",
    "destroy",
    "health_status",
];

/// How long a burst of events is gathered before one look answers them
/// all: a restart is a die, a start and more within a few milliseconds.
const SETTLE: Duration = Duration::from_millis(50);

/// How far back the stream starts (see [`Changes::open`]).
const REPLAY_SECS: i64 = 60;

type Events = Pin<Box<dyn Stream<Item = Result<EventMessage, bollard::errors::Error>> + Send>>;

/// The engine's container events from the moment it was opened.
pub(super) struct Changes {
    events: Events,
}

impl Changes {
    /// Opens the stream a minute back, so a change made while the first
    /// look was under way is replayed, not missed, even on an engine whose
    /// clock is somewhat behind ours. The replayed events arrive together
    /// and cost one extra look.
    pub(super) fn open(engine: &Engine) -> Changes {
        let since = (chrono::Utc::now().timestamp() - REPLAY_SECS).to_string();
        let filters = HashMap::from([
            ("type".to_string(), vec!["container".to_string()]),
            (
                "event".to_string(),
                CHANGES.iter().map(|e| e.to_string()).collect(),
            ),
        ]);
        let options = EventsOptions {
            since: Some(since),
            until: None,
            filters: Some(filters),
        };
        Changes {
            events: engine.docker.events(Some(options)).boxed(),
        }
    }

    /// Waits for the next change to a container one of `targets` names
    /// (the rule is `engine::containers::event_concerns`) and the burst that
    /// comes with it. False when the stream ended or broke: the engine went
    /// away, and the caller reconnects (and looks again) as after any
    /// outage.
    pub(super) async fn next(&mut self, targets: &[DockerTarget]) -> bool {
        loop {
            match self.events.next().await {
                Some(Ok(event)) if concerns(&event, targets) => break,
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return false,
            }
        }
        let settled = tokio::time::sleep(SETTLE);
        tokio::pin!(settled);
        loop {
            tokio::select! {
                _ = &mut settled => return true,
                event = self.events.next() => match event {
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => return false,
                },
            }
        }
    }
}

fn concerns(event: &EventMessage, targets: &[DockerTarget]) -> bool {
    let Some(actor) = &event.actor else {
        return false;
    };
    let none = HashMap::new();
    let attributes = actor.attributes.as_ref().unwrap_or(&none);
    let id = actor.id.as_deref().unwrap_or_default();
    targets.iter().any(|t| event_concerns(t, id, attributes))
}
