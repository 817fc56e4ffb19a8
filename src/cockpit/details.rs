//! What the details modal shows for the selected item, endpoint, target
//! or gate, refreshed as the state moves on.

use crate::cockpit::health_rows::HealthRow;
use crate::engine::checklist::ItemState;
use crate::engine::containers::target_label;
use crate::profile::Check;

use crate::engine::state::*;

/// An open details modal follows the state: a gate's "breaching since, 10s
/// of 30s", a replica's latest answer or a container's restarts move on
/// while the operator reads them. Scroll and title stay.
pub(crate) fn refresh_details(app: &mut App) {
    if !matches!(app.modal, Some(Modal::Details { .. })) {
        return;
    }
    let Some((_, fresh)) = details_for(app) else {
        return;
    };
    if let Some(Modal::Details { lines, .. }) = &mut app.modal {
        *lines = fresh;
    }
}

pub(crate) fn open_details(app: &mut App) {
    if let Some((title, lines)) = details_for(app) {
        app.modal = Some(Modal::Details {
            title,
            lines,
            scroll: 0,
        });
    }
}

/// The details of what the focused pane has selected: title and lines.
pub(crate) fn details_for(app: &App) -> Option<(String, Vec<String>)> {
    Some(match app.focus {
        Pane::Checklist => {
            let item = app.selected()?;
            (
                format!("{} — {}", item.id, item.title),
                item_details(app, item),
            )
        }
        Pane::Health => match crate::cockpit::health_rows::selected_row(app) {
            HealthRow::Endpoint(n) => {
                let view = app.endpoints.get(n)?;
                (format!("endpoint {}", view.id), endpoint_details(view))
            }
            HealthRow::Target(t) => {
                let view = app.containers.targets.get(t)?;
                (target_label(&view.target), view.details())
            }
            _ => return None,
        },
        Pane::Charts => crate::cockpit::chart_details::chart_details(app),
        Pane::Logs => return None,
    })
}

pub(crate) fn item_details(app: &App, item: &ItemState) -> Vec<String> {
    let r = &app.profile.redactor;
    let mut lines = vec![
        format!("status: {} {}", item.status.symbol(), item.status.as_str()),
        format!("phase: {}", item.phase),
    ];
    let spec = app.profile.item(&item.id).map(|(_, i)| i);
    if let Some(desc) = spec.and_then(|i| i.description.as_deref()) {
        lines.push(format!("about: {desc}"));
    }
    match spec.and_then(|i| i.check.as_ref()) {
        None => lines.push("check: manual sign-off".into()),
        Some(Check::Command(c)) => {
            lines.push(format!("check: run {}", r.redact(&shell_words(&c.argv))));
            for c in &c.conditions {
                lines.push(format!("  condition: {}", c.source));
            }
        }
        Some(Check::Endpoint(e)) => {
            lines.push(format!(
                "check: endpoint {}{}",
                e.endpoint,
                if e.all_replicas {
                    " (all replicas)"
                } else {
                    ""
                }
            ));
            for c in &e.conditions {
                lines.push(format!("  condition: {}", c.source));
            }
            if let Some(hold) = e.hold {
                lines.push(format!("  hold: {}s", hold.as_secs()));
            }
        }
        Some(Check::Metric(m)) => {
            let mut text = format!("check: {} of {}", m.metric.name(), m.track);
            if let Some(t) = &m.condition {
                text.push_str(&format!(" {} {}", t.cmp.symbol(), t.value));
            }
            if let Some(v) = &m.vs_baseline {
                text.push_str(&format!(" {} {}x baseline", v.cmp.symbol(), v.factor));
            }
            lines.push(text);
        }
        Some(Check::Logs(l)) => lines.push(format!(
            "check: at most {} lines matching {} in {} over {}s",
            l.max,
            l.pattern,
            l.source,
            l.window.as_secs()
        )),
        Some(Check::Docker(d)) => {
            let target = crate::engine::containers::target_label(&d.target);
            lines.push(format!("check: docker {target}"));
            for c in &d.conditions {
                lines.push(format!("  condition: {}", c.source));
            }
        }
        Some(Check::Rehearse(r)) => {
            lines.push(format!(
                "check: rehearse the {} action (a dry run)",
                r.action
            ));
        }
        Some(Check::Kubernetes(k)) => {
            lines.push(format!("check: kubernetes deployment {}", k.target.label()));
            for c in &k.conditions {
                lines.push(format!("  condition: {}", c.source));
            }
        }
        Some(Check::Swarm(s)) => {
            lines.push(format!("check: swarm service {}", s.service));
            for c in &s.conditions {
                lines.push(format!("  condition: {}", c.source));
            }
        }
    }
    if !item.detail.is_empty() {
        lines.push(format!("evidence: {}", item.detail));
    }
    if let Some(by) = &item.by {
        let at = item
            .at
            .map(|t| t.format("%H:%M:%S").to_string())
            .unwrap_or_default();
        lines.push(format!("by: {by} at {at}"));
    }
    if let Some(note) = &item.note {
        lines.push(format!("note: {note}"));
    }
    if let Some(ms) = item.duration_ms {
        lines.push(format!("took: {ms} ms"));
    }
    lines
}

pub(crate) fn endpoint_details(view: &EndpointView) -> Vec<String> {
    let mut lines = vec![format!(
        "state: {}{}",
        view.state().as_str(),
        view.track
            .as_ref()
            .map(|t| format!("  track: {t}"))
            .unwrap_or_default()
    )];
    for (n, slot) in view.replicas.iter().enumerate() {
        let Some(rep) = slot else {
            lines.push(format!("replica {n}: no report yet"));
            continue;
        };
        let o = &rep.observation;
        lines.push(format!(
            "replica {n}: {} {} in {} ms",
            rep.url,
            o.status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "—".into()),
            o.response_time.as_millis()
        ));
        if let Some(err) = &o.error {
            lines.push(format!("  error: {err}"));
        }
        if let Some(reason) = &o.health.reason {
            lines.push(format!("  reason: {reason}"));
        }
        for c in &o.health.components {
            lines.push(format!(
                "  {}: {}{}",
                c.name,
                c.state.as_str(),
                c.latency_ms
                    .map(|l| format!(" {l:.0} ms"))
                    .unwrap_or_default()
            ));
        }
        for e in &o.health.errors {
            lines.push(format!("  error: {e}"));
        }
        for w in &o.health.warnings {
            lines.push(format!("  warning: {w}"));
        }
        if !o.body_text.is_empty() {
            let body: String = o.body_text.chars().take(400).collect();
            lines.push(format!("  body: {body}"));
        }
    }
    lines
}
