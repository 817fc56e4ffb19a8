//! The health pane's rows in display order: each endpoint with its
//! replicas, then each Docker target with its containers. The pane draws
//! these rows and a click maps back through them, so a click lands on the
//! endpoint drawn under the mouse whatever the scroll and however many
//! container rows follow.

use crate::engine::state::{App, list_offset};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthRow {
    /// An endpoint's heading (selectable).
    Endpoint(usize),
    Replica {
        endpoint: usize,
        replica: usize,
    },
    NoEndpoints,
    /// The title above the Docker targets.
    ContainersTitle,
    /// A target's heading: its name, worst state and restarts.
    Target(usize),
    /// Instead of containers: waiting for the engine, the engine's error, or
    /// no container matching.
    TargetNote(usize),
    Container {
        target: usize,
        container: usize,
    },
    /// A Swarm service's heading (the n-th of `App::swarms`): desired and
    /// running tasks, update status, mixed-version marker.
    Swarm(usize),
    /// One task of that service.
    SwarmTask {
        service: usize,
        task: usize,
    },
    /// A Kubernetes deployment's heading (the n-th of `App::kubes`): ready
    /// and desired replicas, rollout state, revision, mixed-version marker.
    Kube(usize),
    /// One pod of that deployment.
    KubePod {
        deployment: usize,
        pod: usize,
    },
}

impl HealthRow {
    /// The selection a click on this row makes: an endpoint (by its heading
    /// or a replica) or a Docker target (by its heading or a container),
    /// counted as in [`selected_row`].
    pub fn selection(self, endpoints: usize) -> Option<usize> {
        match self {
            HealthRow::Endpoint(n) | HealthRow::Replica { endpoint: n, .. } => Some(n),
            HealthRow::Target(t)
            | HealthRow::TargetNote(t)
            | HealthRow::Container { target: t, .. } => Some(endpoints + t),
            HealthRow::NoEndpoints
            | HealthRow::ContainersTitle
            | HealthRow::Swarm(_)
            | HealthRow::SwarmTask { .. }
            | HealthRow::Kube(_)
            | HealthRow::KubePod { .. } => None,
        }
    }
}

/// How many rows can be selected: every endpoint, then every Docker target.
pub fn selectable_count(app: &App) -> usize {
    app.endpoints.len() + app.containers.targets.len()
}

/// The heading row of the selection: an endpoint's, or past the endpoints a
/// Docker target's, so moving down the pane reaches the containers too.
pub fn selected_row(app: &App) -> HealthRow {
    let n = app.selected_health;
    match n.checked_sub(app.endpoints.len()) {
        None => HealthRow::Endpoint(n),
        Some(t) => HealthRow::Target(t),
    }
}

pub fn health_rows(app: &App) -> Vec<HealthRow> {
    let mut rows = Vec::new();
    for (n, e) in app.endpoints.iter().enumerate() {
        rows.push(HealthRow::Endpoint(n));
        rows.extend((0..e.replicas.len()).map(|replica| HealthRow::Replica {
            endpoint: n,
            replica,
        }));
    }
    let targets = &app.containers.targets;
    if rows.is_empty() && targets.is_empty() && app.swarms.is_empty() && app.kubes.is_empty() {
        rows.push(HealthRow::NoEndpoints);
    }
    if !targets.is_empty() {
        rows.push(HealthRow::ContainersTitle);
    }
    for (t, view) in targets.iter().enumerate() {
        rows.push(HealthRow::Target(t));
        match &view.state {
            Some(state) if state.error.is_none() && !state.containers.is_empty() => {
                rows.extend(
                    (0..state.containers.len()).map(|container| HealthRow::Container {
                        target: t,
                        container,
                    }),
                );
            }
            _ => rows.push(HealthRow::TargetNote(t)),
        }
    }
    for (n, state) in app.swarms.values().enumerate() {
        rows.push(HealthRow::Swarm(n));
        rows.extend((0..state.tasks.len()).map(|task| HealthRow::SwarmTask { service: n, task }));
    }
    for (n, state) in app.kubes.values().enumerate() {
        rows.push(HealthRow::Kube(n));
        rows.extend((0..state.pods.len()).map(|pod| HealthRow::KubePod { deployment: n, pod }));
    }
    rows
}

/// The first row shown in a pane `height` rows tall: the selected heading
/// stays in view.
pub fn first_visible(rows: &[HealthRow], selected: HealthRow, height: usize) -> usize {
    let at = rows.iter().position(|r| *r == selected).unwrap_or(0);
    list_offset(at, height)
}

/// The selection under visible `row` of a pane `height` rows tall.
pub fn selection_at(app: &App, row: usize, height: usize) -> Option<usize> {
    let rows = health_rows(app);
    let offset = first_visible(&rows, selected_row(app), height);
    rows.get(offset + row)
        .and_then(|r| r.selection(app.endpoints.len()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::cockpit::fixture::{sample_profile, t0};
    use crate::engine::containers::{ContainerHealth, ContainerState, TargetState};
    use crate::engine::state::{Msg, Pane, update};
    use crate::profile::{DockerTarget, LogKind, LogSource};

    fn app_with_containers() -> App {
        let mut profile = sample_profile();
        profile.logs.push(LogSource {
            id: "api".into(),
            kind: LogKind::Docker(DockerTarget::Container("api".into())),
            highlight: Vec::new(),
            grep: None,
        });
        let mut app = App::new(profile, "alice", t0());
        let c = |name: &str| ContainerState {
            id: name.into(),
            name: name.into(),
            image: "api:1".into(),
            status: "running".into(),
            running: true,
            exit_code: None,
            health: ContainerHealth::None,
            restart_count: 0,
            started_at: None,
        };
        update(
            &mut app,
            Msg::Containers {
                target: DockerTarget::Container("api".into()),
                state: TargetState {
                    containers: vec![c("api-1"), c("api-2")],
                    error: None,
                },
            },
        );
        app
    }

    fn click(app: &mut App, row: usize, height: usize) {
        update(
            app,
            Msg::Click {
                pane: Pane::Health,
                row,
                height,
            },
        );
    }

    #[test]
    fn deployments_show_their_pods_after_the_containers_and_settle_their_items() {
        use crate::engine::kubernetes::{KubePod, KubeState};
        use crate::model::condition::Condition;
        use crate::profile::{Check, KubeCheck, KubeTarget};
        let mut app = app_with_containers();
        let target = KubeTarget {
            deployment: "api".into(),
            namespace: Some("prod".into()),
            context: None,
        };
        app.profile.phases[0].items[0].check = Some(Check::Kubernetes(KubeCheck {
            target: target.clone(),
            conditions: vec![Condition::parse("[VERSIONS] == 1").unwrap()],
        }));
        let item = app.profile.phases[0].items[0].id.clone();
        let pod = |name: &str, image: &str| KubePod {
            name: name.into(),
            phase: "Running".into(),
            ready: true,
            image: image.into(),
            ..KubePod::default()
        };
        let before = health_rows(&app).len();
        let effects = update(
            &mut app,
            Msg::Kube(KubeState {
                target: target.clone(),
                desired: 2,
                ready: 2,
                pods: vec![pod("api-7d9f-a", "api:v2"), pod("api-6b8d-b", "api:v1")],
                ..KubeState::default()
            }),
        );
        let rows = health_rows(&app);
        assert_eq!(rows.len(), before + 3);
        assert_eq!(rows[before], HealthRow::Kube(0));
        assert_eq!(
            rows[before + 2],
            HealthRow::KubePod {
                deployment: 0,
                pod: 1
            }
        );
        assert_eq!(rows[before].selection(app.endpoints.len()), None);
        assert!(app.kubes[&target].mixed());
        let status = app.checklist.get(&item).unwrap();
        assert_eq!(status.status.as_str(), "fail", "{}", status.detail);
        assert!(status.detail.contains("observed 2"), "{}", status.detail);
        assert!(!effects.is_empty(), "the verdict is journalled");
    }

    #[test]
    fn swarm_services_show_their_tasks_after_the_containers_and_settle_their_items() {
        use crate::engine::swarm::{SwarmState, SwarmTask};
        use crate::model::condition::Condition;
        use crate::profile::{Check, SwarmCheck};
        let mut app = app_with_containers();
        app.profile.phases[0].items[0].check = Some(Check::Swarm(SwarmCheck {
            service: "shop_api".into(),
            conditions: vec![Condition::parse("[VERSIONS] == 1").unwrap()],
        }));
        let item = app.profile.phases[0].items[0].id.clone();
        let task = |slot, image: &str| SwarmTask {
            slot: Some(slot),
            state: "running".into(),
            desired: "running".into(),
            image: image.into(),
            node: "n1".into(),
            error: None,
        };
        let before = health_rows(&app).len();
        let effects = update(
            &mut app,
            Msg::Swarm(SwarmState {
                service: "shop_api".into(),
                desired: Some(2),
                image: "shop:v2".into(),
                update_state: Some("updating".into()),
                tasks: vec![task(1, "shop:v2"), task(2, "shop:v1")],
                ..SwarmState::default()
            }),
        );
        let rows = health_rows(&app);
        assert_eq!(rows.len(), before + 3);
        assert_eq!(rows[before], HealthRow::Swarm(0));
        assert_eq!(
            rows[before + 2],
            HealthRow::SwarmTask {
                service: 0,
                task: 1
            }
        );
        assert_eq!(rows[before].selection(app.endpoints.len()), None);
        assert!(app.swarms["shop_api"].mixed());
        let status = app.checklist.get(&item).unwrap();
        assert_eq!(status.status.as_str(), "fail", "{}", status.detail);
        assert!(status.detail.contains("observed 2"), "{}", status.detail);
        assert!(!effects.is_empty(), "the verdict is journalled");
    }

    #[test]
    fn containers_follow_the_endpoints() {
        let app = app_with_containers();
        let rows = health_rows(&app);
        // warmup (2 replicas), health (1), redis (1): seven rows.
        assert_eq!(
            rows[6],
            HealthRow::Replica {
                endpoint: 2,
                replica: 0
            }
        );
        assert_eq!(
            rows[7..],
            [
                HealthRow::ContainersTitle,
                HealthRow::Target(0),
                HealthRow::Container {
                    target: 0,
                    container: 0
                },
                HealthRow::Container {
                    target: 0,
                    container: 1
                },
            ]
        );
    }

    #[test]
    fn a_click_on_a_container_row_selects_its_target() {
        let mut app = app_with_containers();
        click(&mut app, 3, 20);
        assert_eq!(app.selected_health, 1);
        // The title selects nothing; the target's heading and its
        // containers select the target, counted after the three endpoints.
        click(&mut app, 7, 20);
        assert_eq!(app.selected_health, 1);
        for row in 8..11 {
            app.selected_health = 0;
            click(&mut app, row, 20);
            assert_eq!(app.selected_health, 3, "row {row}");
            assert_eq!(selected_row(&app), HealthRow::Target(0));
        }
        // Below the last row: nothing changes.
        click(&mut app, 15, 20);
        assert_eq!(app.selected_health, 3);
    }

    #[test]
    fn moving_down_reaches_the_targets_and_brings_them_into_view() {
        let mut app = app_with_containers();
        app.focus = Pane::Health;
        for _ in 0..10 {
            update(&mut app, Msg::Key(crate::cockpit::keys::Key::Char('j')));
        }
        assert_eq!(selectable_count(&app), 4);
        assert_eq!(app.selected_health, 3);
        let rows = health_rows(&app);
        // Four rows tall: the target's heading (row 8) is the last one shown.
        assert_eq!(first_visible(&rows, selected_row(&app), 4), 5);
        // Enter shows the target's containers in full.
        update(&mut app, Msg::Key(crate::cockpit::keys::Key::Enter));
        let Some(crate::engine::state::Modal::Details { title, lines, .. }) = &app.modal else {
            panic!("no details: {:?}", app.modal);
        };
        assert_eq!(title, "container api");
        assert!(lines.iter().any(|l| l.contains("api-1")), "{lines:?}");
    }

    #[test]
    fn a_click_lands_on_what_is_drawn_when_the_pane_scrolled() {
        let mut app = app_with_containers();
        app.selected_health = 2;
        // Three rows tall: redis's heading (row 5) is the last one shown, so
        // the pane starts at row 3, health's heading.
        assert_eq!(first_visible(&health_rows(&app), selected_row(&app), 3), 3);
        click(&mut app, 0, 3);
        assert_eq!(app.selected_health, 1);
    }

    #[test]
    fn an_unanswered_target_gets_one_note_row() {
        let mut app = app_with_containers();
        update(
            &mut app,
            Msg::Containers {
                target: DockerTarget::Container("api".into()),
                state: TargetState {
                    containers: Vec::new(),
                    error: Some("refused".into()),
                },
            },
        );
        let rows = health_rows(&app);
        assert_eq!(rows[8..], [HealthRow::Target(0), HealthRow::TargetNote(0)]);
    }
}
