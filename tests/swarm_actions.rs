//! Swarm actions against a real single-node swarm: an image update rolled
//! by the service's own update config (parallelism 1) and followed to its
//! end, the engine's rollback to the previous spec, and a scale to 1 and
//! back; each checked with `docker service inspect`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docker_support;

use std::time::Duration;

use docker_support::{Cleanup, docker, swarm_or_skip, swarm_releases, unique};
use golive::io::actions::{ExecOptions, execute};
use golive::io::docker::inspect_service;
use golive::profile::{Action, ActionKind, SwarmOp};

fn action(service: &str, op: SwarmOp) -> Action {
    Action {
        name: "swarm".into(),
        description: None,
        kind: ActionKind::Swarm {
            service: service.into(),
            op,
        },
        timeout: Duration::from_secs(120),
        verify: vec![],
        verify_timeout: Duration::from_secs(10),
    }
}

fn spec_image(service: &str) -> String {
    docker(&[
        "service",
        "inspect",
        "-f",
        "{{.Spec.TaskTemplate.ContainerSpec.Image}}",
        service,
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn update_rollback_and_scale_are_followed_to_their_end() {
    let Some(engine) = swarm_or_skip("update_rollback_and_scale_are_followed_to_their_end").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let (_service, name, v1, v2) = swarm_releases(&mut cleanup, "swarm-act", "1s");
    let opts = ExecOptions::default();
    // A scale to what it already asks waits for the tasks to run.
    let out = execute(&action(&name, SwarmOp::Scale(3)), &opts, None, None).await;
    assert!(out.succeeded(), "{:?}", out.tail);

    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let out = execute(
        &action(&name, SwarmOp::Image(v2.clone())),
        &opts,
        Some(tx),
        None,
    )
    .await;
    assert!(out.succeeded(), "{}: {:?}", out.summary(), out.tail);
    assert!(spec_image(&name).starts_with(&v2), "{}", spec_image(&name));
    let mut streamed = Vec::new();
    while let Ok((_, line)) = rx.try_recv() {
        streamed.push(line);
    }
    let moved = |image: &str| streamed.iter().filter(|l| l.contains(image)).count();
    assert!(
        moved(":v2") >= 3,
        "every task's move is reported: {streamed:#?}"
    );
    assert!(
        streamed.last().unwrap().contains("3/3 running")
            && streamed.last().unwrap().contains("completed"),
        "{streamed:#?}"
    );
    let state = inspect_service(&engine, &name).await.unwrap();
    assert_eq!(state.versions(), vec![v2.clone()]);

    let out = execute(&action(&name, SwarmOp::Rollback), &opts, None, None).await;
    assert!(out.succeeded(), "{}: {:?}", out.summary(), out.tail);
    assert!(spec_image(&name).starts_with(&v1), "{}", spec_image(&name));
    let state = inspect_service(&engine, &name).await.unwrap();
    assert_eq!(state.update_state(), "rollback_completed");
    assert_eq!(state.versions(), vec![v1.clone()]);

    let out = execute(&action(&name, SwarmOp::Scale(1)), &opts, None, None).await;
    assert!(out.succeeded(), "{:?}", out.tail);
    let replicas = || {
        docker(&[
            "service",
            "inspect",
            "-f",
            "{{.Spec.Mode.Replicated.Replicas}}",
            &name,
        ])
    };
    assert_eq!(replicas(), "1");
    assert_eq!(inspect_service(&engine, &name).await.unwrap().running(), 1);
    let out = execute(&action(&name, SwarmOp::Scale(3)), &opts, None, None).await;
    assert!(out.succeeded(), "{:?}", out.tail);
    assert_eq!(replicas(), "3");
    assert_eq!(inspect_service(&engine, &name).await.unwrap().running(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_action_on_a_missing_service_fails_naming_it() {
    if swarm_or_skip("an_action_on_a_missing_service_fails_naming_it")
        .await
        .is_none()
    {
        return;
    }
    let name = unique("absent");
    let out = execute(
        &action(&name, SwarmOp::Rollback),
        &ExecOptions::default(),
        None,
        None,
    )
    .await;
    assert!(!out.succeeded());
    assert!(out.tail.join(" ").contains(&name), "{:?}", out.tail);
}
