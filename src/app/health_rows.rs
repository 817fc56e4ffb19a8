//! The health pane's rows in display order: each endpoint with its
//! replicas, then each Docker target with its containers. The pane draws
//! these rows and a click maps back through them, so a click lands on the
//! endpoint drawn under the mouse whatever the scroll and however many
//! container rows follow.

use super::state::{App, list_offset};

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
}

impl HealthRow {
    /// The endpoint a click on this row selects.
    pub fn endpoint(self) -> Option<usize> {
        match self {
            HealthRow::Endpoint(n) | HealthRow::Replica { endpoint: n, .. } => Some(n),
            _ => None,
        }
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
    if rows.is_empty() && targets.is_empty() {
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
    rows
}

/// The first row shown in a pane `height` rows tall: the selected
/// endpoint's heading stays in view.
pub fn first_visible(rows: &[HealthRow], selected_endpoint: usize, height: usize) -> usize {
    let selected = rows
        .iter()
        .position(|r| *r == HealthRow::Endpoint(selected_endpoint))
        .unwrap_or(0);
    list_offset(selected, height)
}

/// The endpoint drawn on visible `row` of a pane `height` rows tall.
pub fn endpoint_at(app: &App, row: usize, height: usize) -> Option<usize> {
    let rows = health_rows(app);
    let offset = first_visible(&rows, app.selected_endpoint, height);
    rows.get(offset + row).and_then(|r| r.endpoint())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::app::containers::{ContainerHealth, ContainerState, TargetState};
    use crate::app::fixture::{sample_profile, t0};
    use crate::app::state::{Msg, Pane, update};
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
    fn a_click_on_a_container_row_keeps_the_endpoint_selection() {
        let mut app = app_with_containers();
        click(&mut app, 3, 20);
        assert_eq!(app.selected_endpoint, 1);
        for row in 7..12 {
            click(&mut app, row, 20);
            assert_eq!(app.selected_endpoint, 1, "row {row}");
        }
    }

    #[test]
    fn a_click_lands_on_what_is_drawn_when_the_pane_scrolled() {
        let mut app = app_with_containers();
        app.selected_endpoint = 2;
        // Three rows tall: redis's heading (row 5) is the last one shown, so
        // the pane starts at row 3, health's heading.
        assert_eq!(first_visible(&health_rows(&app), 2, 3), 3);
        click(&mut app, 0, 3);
        assert_eq!(app.selected_endpoint, 1);
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
