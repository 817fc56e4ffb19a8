//! Docker targets as a profile names them (no engine needed): a compose
//! service's project, given or derived from the profile's directory the way
//! Compose 1.29 derives it, and the mistakes around `project`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use golive::profile::{self, ActionKind, DockerTarget, compose_project_name};

fn rollback(target: &str) -> String {
    format!(
        "[service]\nname = \"api\"\nversion = \"v2\"\n\n[actions.rollback]\n\
         docker = {{ {target}, image = \"api:v1\" }}\n"
    )
}

fn target_of(path: &Path, text: &str) -> DockerTarget {
    let p = profile::load_with(path, text, &|_| None).unwrap();
    match &p.actions["rollback"].kind {
        ActionKind::Docker { target, .. } => target.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn compose_derives_project_names_as_compose_does() {
    assert_eq!(compose_project_name("My.Shop"), "myshop");
    assert_eq!(compose_project_name("api_v2-Prod"), "api_v2-prod");
    assert_eq!(compose_project_name("Ünï cödé!"), "ncd");
    assert_eq!(compose_project_name("..."), "default");
}

#[test]
fn a_compose_target_takes_its_project_from_the_profiles_directory() {
    let target = target_of(
        Path::new("/srv/Shop.Front/golive.toml"),
        &rollback("compose_service = \"api\""),
    );
    assert_eq!(target, DockerTarget::compose("api", "shopfront"));
}

#[test]
fn an_explicit_project_wins_and_may_come_from_the_environment() {
    let text = rollback("compose_service = \"api\", project = \"${PROJ:-billing}\"");
    let target = target_of(Path::new("/srv/shop/golive.toml"), &text);
    assert_eq!(target, DockerTarget::compose("api", "billing"));
}

#[test]
fn project_without_a_compose_service_or_empty_is_refused() {
    let path = Path::new("/srv/shop/golive.toml");
    let err = profile::load_with(
        path,
        &rollback("container = \"api\", project = \"shop\""),
        &|_| None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("`project` scopes a `compose_service` target"),
        "{err}"
    );
    assert!(err.contains("golive.toml:6:"), "{err}");
    let err = profile::load_with(
        path,
        &rollback("compose_service = \"api\", project = \"\""),
        &|_| None,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("`project` is empty"), "{err}");
}

#[test]
fn a_docker_check_and_a_log_source_take_project_too() {
    let text = "[service]\nname = \"api\"\nversion = \"v2\"\n\n[[logs]]\n\
                docker = { compose_service = \"api\", project = \"shop\" }\n\n\
                [[phase]]\nid = \"p\"\n  [[phase.item]]\n  id = \"up\"\n  \
                check = { docker = { compose_service = \"api\" } }\n";
    let p = profile::load_with(Path::new("/srv/Billing/golive.toml"), text, &|_| None).unwrap();
    let targets = golive::engine::containers::docker_targets(&p);
    assert!(
        targets.contains(&DockerTarget::compose("api", "shop")),
        "{targets:?}"
    );
    assert!(
        targets.contains(&DockerTarget::compose("api", "billing")),
        "{targets:?}"
    );
}
