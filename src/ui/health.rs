//! The health pane: every endpoint and replica with its state, latency,
//! components and version; a sparkline of recent latency per endpoint; a flag
//! when replicas run different versions (a rollout half done).

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::health_symbol;
use super::{Theme, fit, pane_block, spark};
use crate::app::state::{App, Pane, list_offset, replica_state};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Pane::Health && app.modal.is_none();
    frame.render_widget(pane_block("Health", None, focused, theme), area);
    let content = area.inner(Margin::new(1, 1));
    let width = usize::from(content.width);
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    for (n, view) in app.endpoints.iter().enumerate() {
        let sel = n == app.selected_endpoint && focused;
        if n == app.selected_endpoint {
            selected_line = lines.len();
        }
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
            .map(|l| format!(" {l} ms"))
            .unwrap_or_else(|| " no data".into());
        let mixed = if view.mixed_versions() {
            " ⚑ mixed versions"
        } else {
            ""
        };
        let used = head.chars().count() + lat.chars().count() + mixed.chars().count() + 2;
        let spark_w = width.saturating_sub(used).min(40);
        let line_style = if sel { theme.selection() } else { theme.text() };
        lines.push(Line::from(vec![
            Span::styled(head, if sel { line_style } else { theme.health(state) }),
            Span::styled(lat, line_style),
            Span::styled(mixed, if sel { line_style } else { theme.warn() }),
            Span::raw(" "),
            Span::styled(
                spark(view.latency.iter().copied(), spark_w),
                if sel { line_style } else { theme.accent() },
            ),
        ]));
        for (r, slot) in view.replicas.iter().enumerate() {
            let Some(rep) = slot else {
                lines.push(Line::styled(
                    fit(
                        &format!("   ? replica {r}: waiting for the first probe"),
                        width,
                    ),
                    theme.muted(),
                ));
                continue;
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
                    format!("{:>5} ms ", o.response_time.as_millis()),
                    theme.text(),
                ),
                Span::styled(app.profile.redactor.redact(host), theme.muted()),
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
            lines.push(Line::from(spans));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("no endpoints in the profile", theme.muted()));
    }
    let offset = list_offset(selected_line, usize::from(content.height));
    let lines: Vec<Line> = lines
        .into_iter()
        .skip(offset)
        .take(usize::from(content.height))
        .collect();
    frame.render_widget(Paragraph::new(lines), content);
}
