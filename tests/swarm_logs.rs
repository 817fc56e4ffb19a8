//! Swarm service logs against a real single-node swarm: every task of a
//! 3-replica service shows with its `service.slot` prefix, and when a
//! task's container is killed with `docker kill` the swarm replaces it and
//! the slot's lines continue from the new task.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docker_support;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Utc;
use docker_support::{Cleanup, SwarmService, build_swarm_image, docker, swarm_or_skip, unique};
use golive::engine::logs::LogLine;
use golive::io::docker::{follow_swarm, host_from};
use tokio::sync::{mpsc, watch};

/// Reads lines until `until` holds of all read so far.
async fn read_until(
    rx: &mut mpsc::Receiver<Vec<LogLine>>,
    seen: &mut Vec<LogLine>,
    timeout: Duration,
    until: impl Fn(&[LogLine]) -> bool,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !until(seen) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(batch)) => seen.extend(batch),
            _ => {
                let replicas: BTreeSet<_> = seen.iter().filter_map(|l| l.replica.clone()).collect();
                panic!("gave up after {} lines from {replicas:?}", seen.len());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_task_is_prefixed_and_a_killed_task_is_followed_again() {
    if swarm_or_skip("every_task_is_prefixed_and_a_killed_task_is_followed_again")
        .await
        .is_none()
    {
        return;
    }
    let mut cleanup = Cleanup::default();
    let image = format!("{}:v1", unique("swarm-logs"));
    build_swarm_image(&mut cleanup, &image, "v1");
    let name = unique("svc");
    let _service = SwarmService(name.clone());
    docker(&[
        "service",
        "create",
        "--detach",
        "--no-resolve-image",
        "--name",
        &name,
        "--replicas",
        "3",
        "--stop-grace-period",
        "1s",
        &image,
    ]);
    let (tx, mut rx) = mpsc::channel(64);
    let (stop_tx, stop) = watch::channel(false);
    let follower = tokio::spawn(follow_swarm(
        host_from(None),
        name.clone(),
        "api".into(),
        None,
        tx,
        stop,
    ));
    let mut seen = Vec::new();
    let slots: Vec<String> = (1..=3).map(|s| format!("{name}.{s}")).collect();
    read_until(&mut rx, &mut seen, Duration::from_secs(60), |lines| {
        slots.iter().all(|s| {
            lines
                .iter()
                .any(|l| l.replica.as_deref() == Some(s) && l.text == "serving v1")
        })
    })
    .await;
    assert!(seen.iter().all(|l| &*l.source == "api"));

    // Kill slot 1's container: the swarm starts a new task in the slot.
    let container = docker(&[
        "ps",
        "--filter",
        &format!("label=com.docker.swarm.service.name={name}"),
        "--filter",
        "label=com.docker.swarm.task.name",
        "--format",
        "{{.ID}} {{.Label \"com.docker.swarm.task.name\"}}",
    ]);
    let victim = container
        .lines()
        .filter_map(|l| l.split_once(' '))
        .find(|(_, task)| task.starts_with(&format!("{name}.1.")))
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("slot 1's container among {container:?}"))
        .to_string();
    let killed_at = Utc::now();
    docker(&["kill", &victim]);
    let slot1 = slots[0].clone();
    read_until(&mut rx, &mut seen, Duration::from_secs(60), |lines| {
        lines.iter().any(|l| {
            l.replica.as_deref() == Some(slot1.as_str())
                && l.at
                    .is_some_and(|at| at > killed_at + chrono::Duration::seconds(2))
        })
    })
    .await;
    let tasks = docker(&[
        "service",
        "ps",
        "-q",
        "--filter",
        "desired-state=shutdown",
        &name,
    ]);
    assert!(!tasks.is_empty(), "the killed task was replaced");
    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), follower)
        .await
        .unwrap()
        .unwrap();
}
