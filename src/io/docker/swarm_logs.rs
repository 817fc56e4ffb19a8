//! Following a Swarm service's logs: every task's lines through the
//! engine's task-logs API (so tasks on other nodes count too), each line's
//! replica named `service.slot`. The service's tasks are listed again every
//! second, so a task that starts (a replacement, a scale up, an update) is
//! picked up, and a follower that ended (its task stopped, or the engine
//! went away) resumes from its last line once the task is listed again.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bollard::container::LogOutput;
use bollard::query_parameters::{ListTasksOptionsBuilder, LogsOptionsBuilder};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::{mpsc, watch};

use super::Engine;
use super::logs::split_timestamp;
use crate::engine::logs::LogLine;

const LIST_EVERY: Duration = Duration::from_secs(1);
const MAX_LINE: usize = 16 * 1024;

/// Follows `service`'s tasks' logs as source `source` until `stop` turns
/// true; lines before `since` are skipped.
pub async fn follow_swarm(
    host: String,
    service: String,
    source: String,
    since: Option<DateTime<Utc>>,
    tx: mpsc::Sender<Vec<LogLine>>,
    mut stop: watch::Receiver<bool>,
) {
    let (done_tx, mut done_rx) = mpsc::channel::<(String, Option<DateTime<Utc>>)>(64);
    let mut active: HashSet<String> = HashSet::new();
    let mut last: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut engine: Option<Engine> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        while let Ok((task, at)) = done_rx.try_recv() {
            active.remove(&task);
            if let Some(at) = at {
                last.insert(task, at);
            }
        }
        if engine.is_none() {
            engine = Engine::connect(&host, Duration::from_secs(5)).await.ok();
        }
        if let Some(e) = &engine {
            match running_tasks(e, &service).await {
                Ok(tasks) => {
                    for (id, slot) in tasks {
                        if !active.insert(id.clone()) {
                            continue;
                        }
                        let replica = format!("{service}.{slot}");
                        let from = last.get(&id).copied().or(since);
                        tokio::spawn(follow_task(
                            e.clone(),
                            id,
                            replica,
                            source.clone(),
                            from,
                            tx.clone(),
                            done_tx.clone(),
                            stop.clone(),
                        ));
                    }
                }
                // The engine went away: connect again on the next round.
                Err(_) => engine = None,
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(LIST_EVERY) => {}
            _ = stop.changed() => {}
        }
    }
}

/// The service's tasks that run or are meant to: (task id, slot or node).
async fn running_tasks(
    engine: &Engine,
    service: &str,
) -> Result<Vec<(String, String)>, bollard::errors::Error> {
    let filters = HashMap::from([("service", vec![service])]);
    let options = ListTasksOptionsBuilder::new().filters(&filters).build();
    let tasks = engine.docker.list_tasks(Some(options)).await?;
    Ok(tasks
        .into_iter()
        .filter(|t| {
            let running = |s: Option<String>| s.as_deref() == Some("running");
            running(t.desired_state.map(|s| s.to_string()))
                || running(
                    t.status
                        .as_ref()
                        .and_then(|s| s.state)
                        .map(|s| s.to_string()),
                )
        })
        .filter_map(|t| {
            let slot = t
                .slot
                .map(|s| s.to_string())
                .or_else(|| t.node_id.clone())
                .unwrap_or_default();
            t.id.map(|id| (id, slot))
        })
        .collect())
}

/// One task's lines until its stream ends; then says when its last line was.
#[allow(clippy::too_many_arguments)]
async fn follow_task(
    engine: Engine,
    task: String,
    replica: String,
    source: String,
    since: Option<DateTime<Utc>>,
    tx: mpsc::Sender<Vec<LogLine>>,
    done: mpsc::Sender<(String, Option<DateTime<Utc>>)>,
    mut stop: watch::Receiver<bool>,
) {
    let options = LogsOptionsBuilder::new()
        .follow(true)
        .stdout(true)
        .stderr(true)
        .timestamps(true)
        .since(since.map_or(0, |s| i32::try_from(s.timestamp()).unwrap_or(0)))
        .build();
    let mut stream = engine.docker.task_logs(&task, Some(options));
    let mut latest = since;
    // One copy of each name for all the task's lines.
    let source: std::sync::Arc<str> = source.into();
    let replica: std::sync::Arc<str> = replica.into();
    loop {
        let chunk = tokio::select! {
            c = stream.next() => c,
            _ = stop.changed() => None,
        };
        let Some(Ok(output)) = chunk else { break };
        let bytes = match output {
            LogOutput::StdOut { message } | LogOutput::StdErr { message } => message,
            LogOutput::Console { message } | LogOutput::StdIn { message } => message,
        };
        let mut batch = Vec::new();
        for raw in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let (at, text) = split_timestamp(raw);
            let at = at.unwrap_or_else(Utc::now);
            // `since` has whole seconds: what was shown already is skipped.
            if latest.is_some_and(|l| at <= l) {
                continue;
            }
            latest = Some(at);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            let mut line =
                LogLine::from_bytes(source.clone(), Some(at), &text[..text.len().min(MAX_LINE)]);
            line.replica = Some(std::sync::Arc::clone(&replica));
            batch.push(line);
        }
        if !batch.is_empty() && tx.send(batch).await.is_err() {
            break;
        }
    }
    let _ = done.send((task, latest)).await;
}
