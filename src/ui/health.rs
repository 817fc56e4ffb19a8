//! The health pane: every endpoint and replica with its state, latency,
//! components and version; a sparkline of recent latency per endpoint; a flag
//! when replicas run different versions (a rollout half done). Below them,
//! every Docker target the profile names with its containers: running or
//! exited, the engine's health verdict, restarts since the release started,
//! image; an engine that does not answer is one red line saying why.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};

use super::theme::health_symbol;
use super::{Theme, fit, pane_block, spark};
use crate::cockpit::health_rows::{HealthRow, first_visible, health_rows, selected_row};
use crate::engine::containers::{ContainerHealth, ContainerState, TargetView, target_label};
use crate::engine::kubernetes::{KubePod, KubeState, RolloutState};
use crate::engine::state::{App, EndpointView, Pane, replica_state};
use crate::engine::swarm::{SwarmState, SwarmTask};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Pane::Health && app.modal.is_none();
    frame.render_widget(pane_block("Health", None, focused, theme), area);
    let content = area.inner(Margin::new(1, 1));
    let width = usize::from(content.width);
    let height = usize::from(content.height);
    let rows = health_rows(app);
    let selected = selected_row(app);
    let offset = first_visible(&rows, selected, height);
    let lines: Vec<Line> = rows
        .iter()
        .skip(offset)
        .take(height)
        .map(|row| draw_row(app, *row, focused && *row == selected, width, theme))
        .collect();
    super::draw_lines(frame, content, &lines);
}

/// One row; `selected` when it is the focused pane's selected heading.
fn draw_row<'a>(
    app: &'a App,
    row: HealthRow,
    selected: bool,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    match row {
        HealthRow::Endpoint(n) => match app.endpoints.get(n) {
            Some(view) => endpoint_line(view, selected, width, theme),
            None => Line::default(),
        },
        HealthRow::Replica { endpoint, replica } => app
            .endpoints
            .get(endpoint)
            .map(|view| replica_line(view, replica, width, theme))
            .unwrap_or_default(),
        HealthRow::NoEndpoints => Line::styled("no endpoints in the profile", theme.muted()),
        HealthRow::ContainersTitle => Line::styled(fit("containers", width), theme.title()),
        HealthRow::Target(t) => app
            .containers
            .targets
            .get(t)
            .map(|view| target_line(view, selected, width, theme))
            .unwrap_or_default(),
        HealthRow::TargetNote(t) => app
            .containers
            .targets
            .get(t)
            .map(|view| target_note(view, width, theme))
            .unwrap_or_default(),
        HealthRow::Swarm(n) => app
            .swarms
            .values()
            .nth(n)
            .map(|s| swarm_line(s, width, theme))
            .unwrap_or_default(),
        HealthRow::SwarmTask { service, task } => app
            .swarms
            .values()
            .nth(service)
            .and_then(|s| Some((s, s.tasks.get(task)?)))
            .map(|(s, t)| swarm_task_line(s, t, width, theme))
            .unwrap_or_default(),
        HealthRow::Kube(n) => app
            .kubes
            .values()
            .nth(n)
            .map(|s| kube_line(s, width, theme))
            .unwrap_or_default(),
        HealthRow::KubePod { deployment, pod } => app
            .kubes
            .values()
            .nth(deployment)
            .and_then(|s| s.pods.get(pod))
            .map(|p| kube_pod_line(p, width, theme))
            .unwrap_or_default(),
        HealthRow::Container { target, container } => app
            .containers
            .targets
            .get(target)
            .and_then(|view| {
                let state = view.state.as_ref()?;
                let c = state.containers.get(container)?;
                Some(container_line(view, c, width, theme))
            })
            .unwrap_or_default(),
    }
}

fn endpoint_line<'a>(view: &EndpointView, sel: bool, width: usize, theme: &Theme) -> Line<'a> {
    let state = view.state();
    let last = view.latency.back().copied();
    let head = format!(
        "{} {}{}",
        health_symbol(state),
        view.id,
        view.track
            .as_ref()
            .map(|t| format!(" [{t}]"))
            .unwrap_or_default()
    );
    let lat = last
        .map(|l| format!(" {}", millis(l)))
        .unwrap_or_else(|| " no data".into());
    let mixed = if view.mixed_versions() {
        " ⚑ mixed versions"
    } else {
        ""
    };
    let used = head.chars().count() + lat.chars().count() + mixed.chars().count() + 2;
    let spark_w = width.saturating_sub(used).min(40);
    let line_style = if sel { theme.selection() } else { theme.text() };
    Line::from(vec![
        Span::styled(head, if sel { line_style } else { theme.health(state) }),
        Span::styled(lat, line_style),
        Span::styled(mixed, if sel { line_style } else { theme.warn() }),
        Span::raw(" "),
        Span::styled(
            spark(view.latency.iter().copied(), spark_w),
            if sel { line_style } else { theme.accent() },
        ),
    ])
}

fn replica_line<'a>(view: &EndpointView, r: usize, width: usize, theme: &Theme) -> Line<'a> {
    let Some(Some(rep)) = view.replicas.get(r) else {
        return Line::styled(
            fit(
                &format!("   ? replica {r}: waiting for the first probe"),
                width,
            ),
            theme.muted(),
        );
    };
    let o = &rep.observation;
    let st = replica_state(o);
    let host = rep
        .url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(&rep.url);
    let mut spans = vec![
        Span::styled(format!("   {} ", health_symbol(st)), theme.health(st)),
        Span::styled(format!("{:<8}", st.as_str()), theme.health(st)),
        Span::styled(
            format!("{:>8} ", millis(o.response_time.as_millis() as u64)),
            theme.text(),
        ),
        Span::styled(host.to_string(), theme.muted()),
    ];
    if let Some(v) = &o.health.version {
        spans.push(Span::styled(format!(" {v}"), theme.accent()));
    }
    if let Some(err) = &o.error {
        spans.push(Span::styled(format!(" {}", fit(err, 30)), theme.bad()));
    }
    for c in &o.health.components {
        spans.push(Span::styled(
            format!(" {}{}", c.name, health_symbol(c.state)),
            theme.health(c.state),
        ));
    }
    Line::from(spans)
}

fn restarts_text(n: u64) -> String {
    if n == 1 {
        "1 restart".into()
    } else {
        format!("{n} restarts")
    }
}

fn target_line<'a>(view: &TargetView, selected: bool, width: usize, theme: &Theme) -> Line<'a> {
    let state = view.health_state();
    let head = fit(
        &format!("{} {}", health_symbol(state), target_label(&view.target)),
        width,
    );
    let restarts = view.restarts.total();
    let style = if selected {
        theme.selection()
    } else {
        theme.health(state)
    };
    let mut spans = vec![Span::styled(head, style)];
    if restarts > 0 {
        spans.push(Span::styled(
            format!("  ↻ {} since start", restarts_text(restarts)),
            theme.warn(),
        ));
    }
    Line::from(spans)
}

/// `● swarm api 2/3 running  update updating  ⚑ mixed versions`.
fn swarm_line<'a>(s: &SwarmState, width: usize, theme: &Theme) -> Line<'a> {
    let state = s.health();
    let mut text = format!("{} swarm {}", health_symbol(state), s.service);
    if let Some(err) = &s.error {
        return Line::styled(fit(&format!("{text}: {err}"), width), theme.bad());
    }
    text.push_str(&format!(
        " {}/{} running  update {}",
        s.running(),
        s.wanted(),
        s.update_state()
    ));
    if let Some(m) = s.update_message.as_deref().filter(|m| !m.is_empty()) {
        text.push_str(&format!(": {m}"));
    }
    let mut spans = vec![Span::styled(fit(&text, width), theme.health(state))];
    if s.mixed() {
        spans.push(Span::styled("  ⚑ mixed versions", theme.warn()));
    }
    Line::from(spans)
}

/// `   api.2 running v2 node 3f2a…: error`.
fn swarm_task_line<'a>(s: &SwarmState, t: &SwarmTask, width: usize, theme: &Theme) -> Line<'a> {
    let slot = t.slot.map_or_else(|| "-".to_string(), |n| n.to_string());
    let style = if t.is_running() {
        theme.text()
    } else if t.error.is_some() {
        theme.bad()
    } else {
        theme.muted()
    };
    let mut text = format!(
        "   {}.{slot} {:<9} {} node {}",
        s.service, t.state, t.image, t.node
    );
    if let Some(err) = &t.error {
        text.push_str(&format!(": {err}"));
    }
    Line::styled(fit(&text, width), style)
}

/// `● k8s prod/api 2/3 ready 1 updated  rollout progressing  rev 5  ⚑ mixed versions`.
fn kube_line<'a>(s: &KubeState, width: usize, theme: &Theme) -> Line<'a> {
    let state = s.health();
    let text = format!("{} k8s {}", health_symbol(state), s.target.label());
    if let Some(err) = &s.error {
        return Line::styled(fit(&format!("{text}: {err}"), width), theme.bad());
    }
    let mut spans = vec![Span::styled(
        fit(
            &format!(
                "{text} {}/{} ready {} updated",
                s.ready, s.desired, s.updated
            ),
            width,
        ),
        theme.health(state),
    )];
    let rollout = s.rollout();
    let style = match rollout {
        RolloutState::Stuck => theme.bad(),
        RolloutState::Progressing => theme.warn(),
        RolloutState::Complete => theme.text(),
    };
    let mut words = format!("  rollout {}", rollout.name());
    if rollout == RolloutState::Stuck {
        words.push_str(" (ProgressDeadlineExceeded)");
    }
    spans.push(Span::styled(words, style));
    if let Some(r) = s.revision {
        spans.push(Span::styled(format!("  rev {r}"), theme.muted()));
    }
    if s.mixed() {
        spans.push(Span::styled("  ⚑ mixed versions", theme.warn()));
    }
    Line::from(spans)
}

/// `   api-7d9f-abc Running  ✔ ready api:v2 rev 5 ↻1: CrashLoopBackOff`.
fn kube_pod_line<'a>(p: &KubePod, width: usize, theme: &Theme) -> Line<'a> {
    let style = if !p.is_live() {
        theme.muted()
    } else if p.ready {
        theme.text()
    } else if p.reason.is_some() || p.restarts > 0 {
        theme.bad()
    } else {
        theme.warn()
    };
    let mut text = format!(
        "   {} {:<9} {} {}",
        p.name,
        p.phase,
        if p.ready {
            "✔ ready"
        } else {
            "✘ not ready"
        },
        p.image
    );
    if let Some(r) = p.revision {
        text.push_str(&format!(" rev {r}"));
    }
    if p.restarts > 0 {
        text.push_str(&format!(" ↻{}", p.restarts));
    }
    if let Some(reason) = &p.reason {
        text.push_str(&format!(": {reason}"));
    }
    Line::styled(fit(&text, width), style)
}

fn target_note<'a>(view: &TargetView, width: usize, theme: &Theme) -> Line<'a> {
    let (text, style) = match &view.state {
        None => (
            "   waiting for the Docker engine".to_string(),
            theme.muted(),
        ),
        Some(state) => match &state.error {
            Some(err) => (format!("   ✘ engine unreachable: {err}"), theme.bad()),
            None => ("   ✘ no container matches".to_string(), theme.warn()),
        },
    };
    Line::styled(fit(&text, width), style)
}

fn container_line<'a>(
    view: &TargetView,
    c: &ContainerState,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    let st = c.health_state();
    let health_style = match c.health {
        ContainerHealth::Healthy => theme.ok(),
        ContainerHealth::Unhealthy => theme.bad(),
        ContainerHealth::Starting => theme.warn(),
        ContainerHealth::None => theme.muted(),
    };
    let restarts = view.restarts.for_name(&c.name);
    let restarts_style = if restarts > 0 {
        theme.warn()
    } else {
        theme.muted()
    };
    let parts: Vec<(String, ratatui::style::Style)> = vec![
        (format!("   {} ", health_symbol(st)), theme.health(st)),
        // A long name leaves room for the state that follows it.
        (fit(&c.name, width.saturating_sub(48).max(16)), theme.text()),
        (format!("  {}", c.run_state()), theme.health(st)),
        (format!("  health {}", c.health.as_str()), health_style),
        (format!("  {}", restarts_text(restarts)), restarts_style),
        (format!("  {}", c.image), theme.muted()),
    ];
    // Cut at the pane's edge: the image goes first, the state last.
    let mut left = width;
    let mut spans = Vec::with_capacity(parts.len());
    for (text, style) in parts {
        if left == 0 {
            break;
        }
        let shown = fit(&text, left);
        left = left.saturating_sub(unicode_width::UnicodeWidthStr::width(shown.as_str()));
        spans.push(Span::styled(shown, style));
    }
    Line::from(spans)
}

/// Whole milliseconds as the pane shows them; a loopback answer under a
/// millisecond reads "<1 ms" rather than a "0 ms" that looks like no answer.
fn millis(ms: u64) -> String {
    if ms == 0 {
        "<1 ms".to_string()
    } else {
        format!("{ms} ms")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_stuck_mixed_rollout_says_so_in_words_and_colour() {
        let theme = Theme::builtin("dark").unwrap();
        let pod = |name: &str, image: &str, ready: bool| KubePod {
            name: name.into(),
            phase: "Running".into(),
            ready,
            restarts: u64::from(!ready),
            image: image.into(),
            revision: Some(if ready { 4 } else { 5 }),
            node: "n1".into(),
            reason: (!ready).then(|| "CrashLoopBackOff".to_string()),
        };
        let state = KubeState {
            target: crate::profile::KubeTarget {
                deployment: "api".into(),
                namespace: Some("prod".into()),
                context: None,
            },
            desired: 2,
            ready: 1,
            updated: 1,
            available: 1,
            revision: Some(5),
            progress_reason: Some("ProgressDeadlineExceeded".into()),
            pods: vec![
                pod("api-new", "api:v2", false),
                pod("api-old", "api:v1", true),
            ],
            ..KubeState::default()
        };
        let line = kube_line(&state, 200, &theme);
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(
            text.contains("k8s prod/api 1/2 ready 1 updated")
                && text.contains("rollout stuck (ProgressDeadlineExceeded)")
                && text.contains("rev 5")
                && text.contains("⚑ mixed versions"),
            "{text}"
        );
        let stuck = line
            .spans
            .iter()
            .find(|s| s.content.contains("stuck"))
            .unwrap();
        assert_eq!(stuck.style, theme.bad());
        let row = kube_pod_line(&state.pods[0], 200, &theme);
        let text: String = row.spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(
            text.contains("api-new Running   ✘ not ready api:v2 rev 5 ↻1: CrashLoopBackOff"),
            "{text}"
        );
        assert_eq!(row.style, theme.bad());
    }

    #[test]
    fn a_sub_millisecond_answer_is_not_shown_as_zero() {
        assert_eq!(millis(0), "<1 ms");
        assert_eq!(millis(612), "612 ms");
        assert_eq!(format!("{:>8}", millis(0)), "   <1 ms");
    }
}
