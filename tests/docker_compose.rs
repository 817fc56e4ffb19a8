//! Docker actions on real Compose 1.29 projects (issue 10): after a golive
//! rollback, `docker-compose up -d` with the release tag recreates the
//! container instead of calling it up to date; a `compose_service` target
//! touches its own project only (named, or derived from the profile's
//! directory as Compose derives it), and one whose project has none of the
//! service's containers is refused naming the projects that do, by
//! `validate` and by `act`; `act` names the containers it will touch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docker_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use docker_support::{
    Cleanup, ComposeProject, build_releases, docker, engine_or_skip, release_health, unique,
};

fn golive() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("golive").unwrap()
}

fn inspect(name: &str, format: &str) -> String {
    docker(&["inspect", "-f", format, name])
}

/// A profile in `dir` whose rollback recreates compose service `api` from
/// `repo:v1`, scoped by `project` when given.
fn write_profile(dir: &Path, repo: &str, project: Option<&str>) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let project = project
        .map(|p| format!(", project = \"{p}\""))
        .unwrap_or_default();
    let path = dir.join("golive.toml");
    std::fs::write(
        &path,
        format!(
            "[service]\nname = \"api\"\nversion = \"v2\"\nprevious = \"v1\"\n\n\
             [[phase]]\nid = \"p\"\n  [[phase.item]]\n  id = \"i\"\n\n\
             [actions.rollback]\n\
             docker = {{ compose_service = \"api\"{project}, image = \"{repo}:${{service.previous}}\" }}\n"
        ),
    )
    .unwrap();
    path
}

/// `golive act PROFILE rollback --yes`: exit code, stdout, stderr.
fn act(profile: &Path, journal: &Path) -> (Option<i32>, String, String) {
    let out = golive()
        .args(["act"])
        .arg(profile)
        .args(["rollback", "--yes"])
        .env("GOLIVE_JOURNAL", journal)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn compose_up_after_a_golive_rollback_recreates_the_release() {
    if engine_or_skip("compose_up_after_a_golive_rollback_recreates_the_release")
        .await
        .is_none()
    {
        return;
    }
    let mut cleanup = Cleanup::default();
    let repo = build_releases(&mut cleanup, "compose-rel");
    let tmp = tempfile::tempdir().unwrap();
    let project = unique("shop");
    let compose = ComposeProject::new(&tmp.path().join("app"), Some(&project), &repo);
    compose.up("v2");
    let name = compose.container();
    cleanup.prefixes.push(name.clone());
    assert!(release_health(&name).await.contains("\"version\":\"v2\""));

    let profile = write_profile(&tmp.path().join("ops"), &repo, Some(&project));
    let (code, stdout, stderr) = act(&profile, &tmp.path().join("j.jsonl"));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(inspect(&name, "{{.Config.Image}}"), format!("{repo}:v1"));
    assert_eq!(
        release_health(&name).await.trim(),
        r#"{"version":"v1","cmd":"v1"}"#
    );
    // Compose's own labels that find the container are kept.
    assert_eq!(
        inspect(
            &name,
            "{{index .Config.Labels \"com.docker.compose.project\"}}"
        ),
        project
    );

    // Compose is not fooled: v2 is not what runs, so `up` recreates it.
    let said = compose.up("v2");
    assert!(!said.contains("up-to-date"), "{said}");
    assert!(said.contains("Recreating"), "{said}");
    let name = compose.container();
    assert_eq!(inspect(&name, "{{.Config.Image}}"), format!("{repo}:v2"));
    assert!(release_health(&name).await.contains("\"version\":\"v2\""));
}

#[tokio::test]
async fn compose_targets_touch_their_own_project_and_refuse_a_project_without_the_service() {
    if engine_or_skip(
        "compose_targets_touch_their_own_project_and_refuse_a_project_without_the_service",
    )
    .await
    .is_none()
    {
        return;
    }
    let mut cleanup = Cleanup::default();
    let repo = build_releases(&mut cleanup, "compose-rel");
    let tmp = tempfile::tempdir().unwrap();
    // Compose names this one after its directory: lower-cased, the dot gone.
    let dir_name = format!("Shop.{}", unique("mine"));
    let mine_dir = tmp.path().join(&dir_name);
    let mine = ComposeProject::new(&mine_dir, None, &repo);
    mine.up("v2");
    let mine_name = mine.container();
    cleanup.prefixes.push(mine_name.clone());
    let derived = golive::profile::compose_project_name(&dir_name);
    assert_eq!(
        inspect(
            &mine_name,
            "{{index .Config.Labels \"com.docker.compose.project\"}}"
        ),
        derived,
        "golive derives the project name as Compose does"
    );
    let other_project = unique("other");
    let other = ComposeProject::new(&tmp.path().join("other"), Some(&other_project), &repo);
    other.up("v2");
    let other_name = other.container();
    cleanup.prefixes.push(other_name.clone());
    let other_id = inspect(&other_name, "{{.Id}}");

    // A profile elsewhere, naming no project: neither project is its own.
    let stray = write_profile(&tmp.path().join("elsewhere"), &repo, None);
    let out = golive().arg("validate").arg(&stray).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains(&format!("`{derived}`")), "{text}");
    assert!(text.contains(&format!("`{other_project}`")), "{text}");
    assert!(text.contains("project = "), "{text}");
    let (code, stdout, stderr) = act(&stray, &tmp.path().join("j1.jsonl"));
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains(&format!("`{derived}`")), "{stderr}");
    assert!(stderr.contains(&format!("`{other_project}`")), "{stderr}");
    assert_eq!(
        inspect(&mine_name, "{{.Config.Image}}"),
        format!("{repo}:v2")
    );
    assert_eq!(inspect(&other_name, "{{.Id}}"), other_id);

    // The profile next to the compose file: its project, by default.
    let profile = write_profile(&mine_dir, &repo, None);
    let out = golive().arg("validate").arg(&profile).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let journal = tmp.path().join("j2.jsonl");
    let (code, stdout, stderr) = act(&profile, &journal);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        inspect(&mine_name, "{{.Config.Image}}"),
        format!("{repo}:v1")
    );
    // The other project's `api` was not touched.
    assert_eq!(inspect(&other_name, "{{.Id}}"), other_id);
    assert_eq!(
        inspect(&other_name, "{{.Config.Image}}"),
        format!("{repo}:v2")
    );
    // The journal names the one container it touched.
    let journal = std::fs::read_to_string(&journal).unwrap();
    let started = journal
        .lines()
        .find(|l| l.contains("action_started"))
        .unwrap();
    assert!(
        started.contains(&format!("containers: {mine_name}")),
        "{started}"
    );
    assert!(!started.contains(&other_name), "{started}");
}

#[test]
fn act_shows_the_containers_a_label_target_touches_before_confirming() {
    // `act` runs its own runtime, so this test is not on one.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let test = "act_shows_the_containers_a_label_target_touches_before_confirming";
    if rt.block_on(engine_or_skip(test)).is_none() {
        return;
    }
    drop(rt);
    let mut cleanup = Cleanup::default();
    let repo = build_releases(&mut cleanup, "compose-rel");
    let label = unique("role");
    let mut names = Vec::new();
    for what in ["web", "worker"] {
        let name = unique(what);
        cleanup.containers.push(name.clone());
        docker(&[
            "run",
            "-d",
            "--name",
            &name,
            "-l",
            &format!("golive.test={label}"),
            &format!("{repo}:v2"),
        ]);
        names.push(name);
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("golive.toml");
    std::fs::write(
        &path,
        format!(
            "[service]\nname = \"api\"\nversion = \"v2\"\n\n[[phase]]\nid = \"p\"\n  \
             [[phase.item]]\n  id = \"i\"\n\n[actions.restart]\n\
             docker = {{ label = \"golive.test={label}\", restart = true }}\n"
        ),
    )
    .unwrap();
    let profile = golive::profile::load(&path).unwrap();
    let started: Vec<String> = names
        .iter()
        .map(|n| inspect(n, "{{.State.StartedAt}}"))
        .collect();
    let opts = golive::commands::act::ActOptions {
        yes: false,
        dry_run: false,
        interactive: true,
        journal: Some(tmp.path().join("j.jsonl")),
        operator: "tester".into(),
        docker_host: None,
    };
    let mut out = Vec::new();
    let mut input: &[u8] = b"n\n";
    let code =
        golive::commands::act::act(&profile, "restart", &opts, &mut input, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(code, std::process::ExitCode::from(2), "{text}");
    let prompt = text.split("Run it?").next().unwrap();
    for name in &names {
        assert!(prompt.contains(name.as_str()), "{text}");
    }
    assert!(text.contains("not run"), "{text}");
    // Declined: nothing restarted.
    for (name, at) in names.iter().zip(&started) {
        assert_eq!(&inspect(name, "{{.State.StartedAt}}"), at);
    }
}
