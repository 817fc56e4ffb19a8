//! Modals over the cockpit: the action confirmation (exactly what will run,
//! secrets masked, runs only on `y`), the quit confirmation while an action
//! runs, text input (note, waiver reason, log filter) and item details.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use unicode_width::UnicodeWidthStr;

use super::{Theme, centered};
use crate::engine::state::{App, InputPurpose, Modal};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(modal) = &app.modal else { return };
    let (title, lines, border) = match modal {
        Modal::ConfirmAction { name, lines } => {
            let mut out = vec![
                Line::styled(format!("{name} will run now:"), theme.title()),
                Line::raw(""),
            ];
            out.extend(
                lines
                    .iter()
                    .map(|l| Line::styled(format!("  {l}"), theme.text())),
            );
            out.push(Line::raw(""));
            out.push(Line::from(vec![
                Span::styled(" y ", theme.selection()),
                Span::styled(format!(" runs {name}   "), theme.text()),
                Span::styled("any other key cancels", theme.muted()),
            ]));
            (format!(" {}? ", name.to_uppercase()), out, theme.bad())
        }
        Modal::ConfirmQuit => {
            let running = running_name(app, "an action");
            (
                " Quit? ".to_string(),
                while_running(
                    format!("{running} is still running."),
                    "Quitting cancels it (its process group is killed).",
                    " quit   ".to_string(),
                    "any other key stays",
                    theme,
                ),
                theme.warn(),
            )
        }
        Modal::ConfirmCancel => {
            let running = running_name(app, "the action");
            (
                " Cancel? ".to_string(),
                while_running(
                    format!("Cancel {running}?"),
                    "Its process group is killed; the journal records it as cancelled.",
                    format!(" cancel {running}   "),
                    "any other key lets it run",
                    theme,
                ),
                theme.warn(),
            )
        }
        Modal::Input { purpose, text } => {
            let prompt = match purpose {
                InputPurpose::Note { item } => format!("Note for signing {item} (optional):"),
                InputPurpose::Waive { item } => format!("Why is {item} waived? (required)"),
                InputPurpose::Filter => "Filter logs, regex (empty clears):".to_string(),
                InputPurpose::Search => "Search logs, regex (empty clears):".to_string(),
            };
            (
                " Input ".to_string(),
                vec![
                    Line::styled(prompt, theme.title()),
                    Line::from(vec![
                        Span::styled("> ", theme.accent()),
                        Span::styled(text.clone(), theme.text()),
                        Span::styled("▏", theme.accent()),
                    ]),
                    Line::raw(""),
                    Line::styled("enter accepts · esc cancels", theme.muted()),
                ],
                theme.accent(),
            )
        }
        Modal::Details {
            title,
            lines,
            scroll,
        } => {
            let out = lines
                .iter()
                .skip(*scroll)
                .map(|l| Line::styled(l.clone(), theme.text()))
                .chain([
                    Line::raw(""),
                    Line::styled("esc closes · j/k scroll", theme.muted()),
                ])
                .collect();
            (format!(" {title} "), out, theme.accent())
        }
    };
    // Details carry long evidence lines (the judge's report): wider, and as
    // tall as the lines once wrapped, so the last ones are not cut off.
    let width = match modal {
        Modal::Details { .. } => DETAILS_WIDTH.min(area.width.saturating_sub(2)),
        _ => 72,
    };
    let inner = usize::from(width.min(area.width).saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| wrapped_rows(l, inner)).sum();
    let height = (rows.min(usize::from(u16::MAX)) as u16)
        .saturating_add(2)
        .min(area.height.saturating_sub(2));
    let rect = centered(area, width, height.max(5));
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(border)
        .style(theme.text())
        .title(Span::styled(title, theme.title()));
    frame.render_widget(block, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        rect.inner(Margin::new(1, 1)),
    );
}

/// The widest the details modal grows, screen permitting.
const DETAILS_WIDTH: u16 = 96;

/// Rows a line takes when word-wrapped at `width` columns (greedy, as the
/// paragraph wraps: a word that does not fit starts a new row, a word wider
/// than a row is broken).
fn wrapped_rows(line: &Line, width: usize) -> usize {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let mut rows = 1;
    // A leading indent is kept on the first row (the paragraph does not trim).
    let body = text.trim_start_matches(' ');
    let mut used = (text.len() - body.len()).min(width);
    for (i, word) in body.split(' ').enumerate() {
        let w = word.width();
        let need = if i == 0 || used == 0 {
            used + w
        } else {
            used + 1 + w
        };
        if need <= width {
            used = need;
        } else if w <= width {
            rows += 1;
            used = w;
        } else {
            // Wider than a row: it starts a row of its own and is broken.
            if used > 0 {
                rows += 1;
            }
            rows += w.div_ceil(width) - 1;
            used = match w % width {
                0 => width,
                r => r,
            };
        }
    }
    rows
}

fn running_name<'a>(app: &'a App, otherwise: &'a str) -> &'a str {
    app.action.as_ref().map_or(otherwise, |a| a.name.as_str())
}

/// A question about the running action: what is asked, what `y` does and
/// what any other key does.
fn while_running(
    question: String,
    consequence: &'static str,
    yes: String,
    other: &'static str,
    theme: &Theme,
) -> Vec<Line<'static>> {
    vec![
        Line::styled(question, theme.warn()),
        Line::raw(consequence),
        Line::raw(""),
        Line::from(vec![
            Span::styled(" y ", theme.selection()),
            Span::styled(yes, theme.text()),
            Span::styled(other, theme.muted()),
        ]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_rows_follow_word_wrapping() {
        let rows = |s: &str, w: usize| wrapped_rows(&Line::raw(s.to_string()), w);
        assert_eq!(rows("", 10), 1);
        assert_eq!(rows("short", 10), 1);
        assert_eq!(rows("aaaa bbbb", 9), 1);
        assert_eq!(rows("aaaa bbbbb", 9), 2);
        assert_eq!(rows("aaaa bbbb cccc dddd", 9), 2);
        assert_eq!(rows("aaaaaaaaaaaaaaaaaaaaa", 10), 3);
        assert_eq!(rows("    indented words here", 12), 2);
    }
}
