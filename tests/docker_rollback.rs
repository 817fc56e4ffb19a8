//! Native Docker actions against the real engine: a rollback recreating a
//! container on the previous tag keeps its settings (env, labels, restart
//! policy, ports, a volume and a network); a compose service is rolled one
//! container at a time, each healthy before the next.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docker_support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use docker_support::{
    Cleanup, build_image, build_releases, docker, engine_or_skip, poll, release_health, unique,
};
use golive::engine::actions::{finished_event, started_event};
use golive::engine::record::Event;
use golive::io::actions::{ExecOptions, execute};
use golive::profile::{
    Action, ActionKind, DockerOp, DockerTarget, Profile, Redactor, Service, Settings,
};

fn profile(actions: Vec<Action>, secrets: &[&str]) -> Profile {
    Profile {
        path: PathBuf::from("test.toml"),
        service: Service {
            name: "svc".into(),
            version: "v2".into(),
            previous: Some("v1".into()),
        },
        settings: Settings::default(),
        endpoints: vec![],
        metrics: vec![],
        baseline: None,
        logs: vec![],
        phases: vec![],
        gates: vec![],
        actions: actions
            .into_iter()
            .map(|a| (a.name.clone(), a))
            .collect::<BTreeMap<_, _>>(),
        notify: Default::default(),
        redactor: Redactor::new(secrets.iter().map(|s| s.to_string())),
        unresolved: vec![],
        warnings: vec![],
    }
}

fn inspect(name: &str, format: &str) -> String {
    docker(&["inspect", "-f", format, name])
}

#[tokio::test]
async fn rollback_recreates_on_previous_tag_keeping_settings() {
    let Some(engine) = engine_or_skip("rollback_recreates_on_previous_tag_keeping_settings").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let repo = unique("img");
    let (v1, v2) = (format!("{repo}:v1"), format!("{repo}:v2"));
    build_image(&mut cleanup, &v1, "v1");
    build_image(&mut cleanup, &v2, "v2");
    let net = unique("net");
    let vol = unique("vol");
    docker(&["network", "create", &net]);
    cleanup.networks.push(net.clone());
    docker(&["volume", "create", &vol]);
    cleanup.volumes.push(vol.clone());
    let name = unique("api");
    cleanup.containers.push(name.clone());
    cleanup.prefixes.push(name.clone());
    docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        &net,
        "--network-alias",
        "api-alias",
        "-e",
        "APP_MODE=canary",
        "-e",
        "API_TOKEN=tok-s3cret",
        "-l",
        "golive.role=canary",
        "--restart",
        "on-failure:3",
        "--stop-timeout",
        "1",
        "-v",
        &format!("{vol}:/data"),
        "-p",
        "127.0.0.1::8080",
        &v2,
        "echo version $(cat /version); cat /data/seen 2>/dev/null; echo kept > /data/seen; sleep 300",
    ]);
    let old_id = inspect(&name, "{{.Id}}");
    let old_port = inspect(&name, "{{json .HostConfig.PortBindings}}");

    let action = Action {
        name: "rollback".into(),
        description: None,
        kind: ActionKind::Docker {
            target: DockerTarget::Container(name.clone()),
            op: DockerOp::Image(v1.clone()),
        },
        timeout: Duration::from_secs(60),
        verify: vec![],
        verify_timeout: std::time::Duration::from_secs(300),
    };
    let p = profile(vec![action.clone()], &["tok-s3cret"]);
    let opts = ExecOptions {
        docker_host: Some(engine.host.clone()),
    };
    let outcome = execute(&action, &opts, None, None).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    // The records the engine journals for it (the adapter journals none).
    let events: Vec<Event> = vec![
        started_event(
            &action,
            &p.redactor,
            false,
            Some("tester".into()),
            &[],
            "why: operator's decision".into(),
        ),
        finished_event(&action, &outcome, &p.redactor),
    ];

    // Same name, new container, previous tag, running.
    assert_ne!(inspect(&name, "{{.Id}}"), old_id);
    assert_eq!(inspect(&name, "{{.Config.Image}}"), v1);
    assert_eq!(inspect(&name, "{{.State.Running}}"), "true");
    let env = inspect(&name, "{{json .Config.Env}}");
    assert!(env.contains("APP_MODE=canary"), "{env}");
    assert!(env.contains("API_TOKEN=tok-s3cret"), "{env}");
    assert_eq!(
        inspect(&name, "{{index .Config.Labels \"golive.role\"}}"),
        "canary"
    );
    assert_eq!(
        inspect(
            &name,
            "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}"
        ),
        "on-failure:3"
    );
    assert_eq!(
        inspect(&name, "{{json .HostConfig.PortBindings}}"),
        old_port
    );
    let mounts = inspect(&name, "{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}");
    assert!(mounts.contains(&format!("{vol}:/data")), "{mounts}");
    let nets = inspect(
        &name,
        "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
    );
    assert!(nets.contains(&net), "{nets}");
    let aliases = inspect(
        &name,
        &format!("{{{{json (index .NetworkSettings.Networks \"{net}\").Aliases}}}}"),
    );
    assert!(aliases.contains("api-alias"), "{aliases}");
    // The volume's data survived, and the old image is what runs now.
    let logs = poll(Duration::from_secs(10), || {
        let out = docker(&["logs", &name]);
        out.contains("version v1").then_some(out)
    })
    .await
    .expect("the recreated container logs its version");
    assert!(logs.contains("kept"), "{logs}");
    // No parked copy left behind.
    let parked = docker(&["ps", "-a", "--filter", &format!("name={name}-golive"), "-q"]);
    assert!(parked.is_empty(), "old container left behind: {parked}");

    // Journal events: start and end, the secret never in clear.
    assert!(
        matches!(&events[0], Event::ActionStarted { action, dry_run: false, .. } if action == "rollback")
    );
    assert!(matches!(
        &events[1],
        Event::ActionFinished {
            exit_code: Some(0),
            ..
        }
    ));
    let json = serde_json::to_string(&events).unwrap();
    assert!(!json.contains("tok-s3cret"));
}

#[tokio::test]
async fn failed_recreate_puts_the_old_container_back() {
    let Some(engine) = engine_or_skip("failed_recreate_puts_the_old_container_back").await else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let image = format!("{}:v2", unique("img"));
    build_image(&mut cleanup, &image, "v2");
    let name = unique("keep");
    cleanup.containers.push(name.clone());
    cleanup.prefixes.push(name.clone());
    docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "--stop-timeout",
        "1",
        &image,
        "sleep 300",
    ]);
    let old_id = inspect(&name, "{{.Id}}");
    let err = engine
        .recreate(&name, "golive-test-no-such-image:never")
        .await
        .expect_err("the image does not exist");
    assert!(err.to_string().contains("put back"), "{err}");
    assert_eq!(inspect(&name, "{{.Id}}"), old_id);
    assert_eq!(inspect(&name, "{{.State.Running}}"), "true");
}

#[tokio::test]
async fn compose_service_rolls_one_container_at_a_time_waiting_for_health() {
    let Some(engine) =
        engine_or_skip("compose_service_rolls_one_container_at_a_time_waiting_for_health").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let repo = unique("img");
    let (v1, v2) = (format!("{repo}:v1"), format!("{repo}:v2"));
    build_image(&mut cleanup, &v1, "v1");
    build_image(&mut cleanup, &v2, "v2");
    let svc = unique("svc");
    let mut names = Vec::new();
    for i in 1..=2 {
        let name = format!("{svc}-{i}");
        cleanup.containers.push(name.clone());
        cleanup.prefixes.push(name.clone());
        docker(&[
            "run",
            "-d",
            "--name",
            &name,
            "-l",
            &format!("com.docker.compose.service={svc}"),
            "-l",
            &format!("com.docker.compose.project={svc}-proj"),
            "--health-cmd",
            "test -f /ready",
            "--health-interval",
            "1s",
            "--stop-timeout",
            "1",
            &v2,
            "sleep 1; touch /ready; sleep 300",
        ]);
        names.push(name);
    }
    let target = DockerTarget::compose(svc.clone(), format!("{svc}-proj"));
    let steps = engine
        .apply(
            &target,
            &DockerOp::Image(v1.clone()),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert_eq!(
        steps,
        vec![
            format!("recreated {} from {v1}", names[0]),
            format!("{} is up", names[0]),
            format!("recreated {} from {v1}", names[1]),
            format!("{} is up", names[1]),
        ]
    );
    let state = engine.target_state(&target).await;
    assert_eq!(state.containers.len(), 2);
    for c in &state.containers {
        assert_eq!(c.image, v1);
        assert_eq!(
            c.health,
            golive::engine::containers::ContainerHealth::Healthy
        );
    }
    // One at a time: the second was recreated only after the first passed
    // its healthcheck.
    let time = |t: String| chrono::DateTime::parse_from_rfc3339(t.trim_matches('"')).unwrap();
    let first_healthy = time(
        inspect(
            &names[0],
            "{{range .State.Health.Log}}{{if eq .ExitCode 0}}{{json .End}}\n{{end}}{{end}}",
        )
        .lines()
        .next()
        .unwrap()
        .to_string(),
    );
    let second_created = time(inspect(&names[1], "{{.Created}}"));
    assert!(
        first_healthy < second_created,
        "second recreated at {second_created} before the first was healthy at {first_healthy}"
    );
    let check = golive::profile::DockerCheck {
        target,
        conditions: [
            "[RUNNING] >= 2",
            "[HEALTHY] == [RUNNING]",
            "[RESTARTS] == 0",
        ]
        .iter()
        .map(|c| golive::model::condition::Condition::parse(c).unwrap())
        .collect(),
    };
    let (passed, detail) = golive::engine::containers::evaluate_docker_check_once(
        &check,
        &golive::io::docker::inspect_once(&engine.host, &check.target).await,
    );
    assert!(passed, "{detail}");
}

/// Issue 10, defect 1: the container made from v2 carried v2's image
/// defaults (Env, Cmd, labels) into the "rolled back" v1 container.
#[tokio::test]
async fn rollback_takes_the_image_defaults_of_the_release_rolled_back_to() {
    let Some(engine) =
        engine_or_skip("rollback_takes_the_image_defaults_of_the_release_rolled_back_to").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let repo = build_releases(&mut cleanup, "rel");
    let (v1, v2) = (format!("{repo}:v1"), format!("{repo}:v2"));
    let name = unique("api");
    cleanup.containers.push(name.clone());
    cleanup.prefixes.push(name.clone());
    // The operator's settings; the command, env RELEASE, workdir and
    // healthcheck are v2's own.
    docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "-e",
        "APP_MODE=canary",
        "-l",
        "golive.role=canary",
        "--restart",
        "on-failure:3",
        "--stop-timeout",
        "1",
        "-p",
        "127.0.0.1::8080",
        &v2,
    ]);
    let port = inspect(&name, "{{json .HostConfig.PortBindings}}");
    let v2_health = release_health(&name).await;
    assert!(v2_health.contains("\"version\":\"v2\""), "{v2_health}");

    let steps = engine
        .apply(
            &DockerTarget::Container(name.clone()),
            &DockerOp::Image(v1.clone()),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert_eq!(steps.len(), 2, "{steps:?}");

    assert_eq!(inspect(&name, "{{.Config.Image}}"), v1);
    let env = inspect(&name, "{{json .Config.Env}}");
    assert!(env.contains("RELEASE=v1"), "{env}");
    assert!(!env.contains("RELEASE=v2"), "{env}");
    assert!(env.contains("APP_MODE=canary"), "{env}");
    assert_eq!(
        inspect(&name, "{{json .Config.Cmd}}"),
        r#"["/bin/sh /serve-v1.sh"]"#
    );
    assert_eq!(
        inspect(
            &name,
            "{{index .Config.Labels \"org.opencontainers.image.version\"}}"
        ),
        "v1"
    );
    assert_eq!(
        inspect(&name, "{{index .Config.Labels \"golive.role\"}}"),
        "canary"
    );
    assert_eq!(inspect(&name, "{{.Config.WorkingDir}}"), "/srv/v1");
    assert_eq!(inspect(&name, "{{.Config.Healthcheck.Retries}}"), "3");
    assert_eq!(
        inspect(
            &name,
            "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}"
        ),
        "on-failure:3"
    );
    assert_eq!(inspect(&name, "{{json .HostConfig.PortBindings}}"), port);
    // What it serves: v1's env through v1's command.
    let v1_health = release_health(&name).await;
    assert_eq!(v1_health.trim(), r#"{"version":"v1","cmd":"v1"}"#);
}
