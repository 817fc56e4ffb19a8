//! Swarm checks against a real single-node swarm (`.ci/run` makes one when
//! the engine is in none): a 3-replica service from a scratch image, its
//! facts while an image update with parallelism 1 rolls (`[VERSIONS]` is 2
//! half way), and `golive check` settling a swarm item from the same facts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docker_support;

use std::time::Duration;

use docker_support::{Cleanup, docker, swarm_or_skip, swarm_releases, unique};
use golive::engine::swarm::{SwarmState, evaluate_swarm_check};
use golive::io::docker::{Engine, inspect_service};
use golive::model::condition::Condition;
use golive::profile::SwarmCheck;

fn check(service: &str, conditions: &[&str]) -> SwarmCheck {
    SwarmCheck {
        service: service.into(),
        conditions: conditions
            .iter()
            .map(|c| Condition::parse(c).unwrap())
            .collect(),
    }
}

/// The cockpit at 160×40 on a profile naming the service, after one look
/// at it, as text.
fn health_pane(service: &str, state: SwarmState) -> String {
    let profile = golive::profile::load_str(
        std::path::Path::new("swarm.toml"),
        &format!(
            "[service]\nname = \"api\"\nversion = \"v2\"\n\n[[phase]]\nid = \"rollout\"\n\n\
             [[phase.item]]\nid = \"tasks\"\n\
             check = {{ swarm = {{ service = \"{service}\" }}, conditions = [\"[VERSIONS] == 1\"] }}\n"
        ),
    )
    .unwrap();
    let mut app = golive::engine::state::App::new(profile, "test", chrono::Utc::now());
    golive::engine::state::update(&mut app, golive::engine::state::Msg::Swarm(state));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 40)).unwrap();
    terminal
        .draw(|f| golive::ui::draw(f, &app, &golive::ui::Theme::default()))
        .unwrap();
    golive::ui::screen_text(terminal.backend().buffer())
}

/// Looks at the service every 100 ms until `until` holds of what it saw.
async fn watch(
    engine: &Engine,
    name: &str,
    timeout: Duration,
    until: impl Fn(&SwarmState) -> bool,
) -> SwarmState {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let state = inspect_service(engine, name).await.unwrap();
        if until(&state) {
            return state;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name}: gave up waiting; last seen {}",
            state.summary()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rolling_image_update_shows_two_versions_then_one() {
    let Some(engine) = swarm_or_skip("a_rolling_image_update_shows_two_versions_then_one").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let (service, name, v1, v2) = swarm_releases(&mut cleanup, "swarm", "3s");
    let settled = watch(&engine, &name, Duration::from_secs(60), |s| {
        s.running() == 3
    })
    .await;
    let (passed, why) = evaluate_swarm_check(
        &check(
            &name,
            &[
                "[TASKS_RUNNING] == [TASKS_DESIRED]",
                "[VERSIONS] == 1",
                &format!("[IMAGE] == \"{v1}\""),
            ],
        ),
        &settled,
    );
    assert!(passed, "{why}");
    assert_eq!(settled.update_state(), "none");

    docker(&[
        "service",
        "update",
        "--detach",
        "--no-resolve-image",
        "--image",
        &v2,
        &name,
    ]);
    let rolling = watch(&engine, &name, Duration::from_secs(60), SwarmState::mixed).await;
    let (passed, why) = evaluate_swarm_check(&check(&name, &["[VERSIONS] == 2"]), &rolling);
    assert!(passed, "{why}");
    // The cockpit's health pane, drawn from the same look: the service's
    // heading marks the mixed versions, and its tasks show both images.
    let screen = health_pane(&name, rolling.clone());
    assert!(screen.contains(&format!("swarm {name}")), "{screen}");
    assert!(screen.contains("mixed versions"), "{screen}");
    for image in [&v1, &v2] {
        let tag = image.rsplit(':').next().unwrap();
        assert!(screen.contains(&format!(":{tag}")), "{tag} in\n{screen}");
    }
    assert_eq!(rolling.image, v2, "the spec names the new image at once");
    assert!(
        !evaluate_swarm_check(&check(&name, &[]), &rolling).0,
        "a half-rolled service is not settled: {}",
        rolling.summary()
    );

    let done = watch(&engine, &name, Duration::from_secs(90), |s| {
        s.update_state() == "completed" && s.running() == 3 && !s.mixed()
    })
    .await;
    assert_eq!(done.versions(), vec![v2.clone()]);
    assert!(
        evaluate_swarm_check(&check(&name, &[]), &done).0,
        "{}",
        done.summary()
    );

    // `golive check` reads the same facts from a profile's swarm item.
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.toml");
    std::fs::write(
        &profile,
        format!(
            "[service]\nname = \"api\"\nversion = \"v2\"\n\n[[phase]]\nid = \"rollout\"\n\n\
             [[phase.item]]\nid = \"tasks\"\n\
             check = {{ swarm = {{ service = \"{name}\" }}, conditions = [\"[TASKS_RUNNING] == 3\", \"[UPDATE_STATE] == completed\", \"[IMAGE] == pat(*:v2)\"] }}\n\n\
             [[phase.item]]\nid = \"stale\"\n\
             check = {{ swarm = {{ service = \"{name}\" }}, conditions = [\"[IMAGE] == pat(*:v1)\"] }}\n"
        ),
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("golive")
        .unwrap()
        .env("GOLIVE_JOURNAL", dir.path().join("journal.jsonl"))
        .args(["check", profile.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = |id: &str| {
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| {
                (
                    i["status"].as_str().unwrap().to_string(),
                    i["detail"].to_string(),
                )
            })
            .unwrap()
    };
    assert_eq!(status("tasks").0, "pass", "{}", status("tasks").1);
    assert_eq!(status("stale").0, "fail");
    assert!(status("stale").1.contains(":v2"), "{}", status("stale").1);
    drop(service);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_service_is_named_in_the_failure() {
    let Some(engine) = swarm_or_skip("a_missing_service_is_named_in_the_failure").await else {
        return;
    };
    let name = unique("absent");
    let err = inspect_service(&engine, &name).await.unwrap_err();
    assert!(err.to_string().contains(&name), "{err}");
}

/// The seed's Swarm profile as shipped (`profiles/documentos-swarm.toml`),
/// on a real stack service: a 3-replica `STACK_documentos-service`.
/// `golive check` passes its replicas item and rehearses its rollback; the
/// profile's `scale-up` action, confirmed and verified like every action,
/// leaves the engine asking for five tasks.
#[tokio::test(flavor = "multi_thread")]
async fn the_documentos_swarm_profile_drives_its_stack_service() {
    let Some(engine) = swarm_or_skip("the_documentos_swarm_profile_drives_its_stack_service").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let repo = unique("documentos");
    let image = format!("{repo}:v1.0.1");
    docker_support::build_swarm_image(&mut cleanup, &image, "v1.0.1");
    let stack = unique("stack");
    let name = format!("{stack}_documentos-service");
    let _service = docker_support::SwarmService(name.clone());
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
    watch(&engine, &name, Duration::from_secs(60), |s| {
        s.running() == 3
    })
    .await;

    let profile = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/profiles/documentos-swarm.toml"
    );
    let dir = tempfile::tempdir().unwrap();
    let golive = || {
        let mut cmd = assert_cmd::Command::cargo_bin("golive").unwrap();
        cmd.env("GOLIVE_JOURNAL", dir.path().join("journal.jsonl"))
            .env("DOCUMENTOS_STACK", &stack)
            .env("DOCUMENTOS_IMAGE", &repo);
        cmd
    };
    let out = golive()
        .args(["check", profile, "--phase", "pre", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = |id: &str| {
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no item {id} in {doc}"))
    };
    assert_eq!(item("replicas")["status"], "pass", "{}", item("replicas"));
    assert_eq!(
        item("rollback-rehearsed")["status"],
        "pass",
        "{}",
        item("rollback-rehearsed")
    );
    assert!(
        item("rollback-rehearsed")["detail"]
            .as_str()
            .unwrap()
            .contains(&name),
        "{}",
        item("rollback-rehearsed")
    );

    let out = golive()
        .args(["act", profile, "scale-up", "--yes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let replicas = docker(&[
        "service",
        "inspect",
        "--format",
        "{{.Spec.Mode.Replicated.Replicas}}",
        &name,
    ]);
    assert_eq!(replicas.trim(), "5");
    let scaled = inspect_service(&engine, &name).await.unwrap();
    assert_eq!(scaled.running(), 5, "{}", scaled.summary());
}
