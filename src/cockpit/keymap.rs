//! The cockpit's key map: what each key, click and wheel turn does to the
//! state. Every decision it needs (who may sign, what an action runs) is the
//! engine's; this only maps input to it.

use crate::cockpit::keys::{self, Command, Context, Key};
use crate::engine::action_reason;
use crate::engine::record::Event;
use crate::engine::signoffs::{SignRefusal, sign_refusal};

use crate::cockpit::details::*;
use crate::cockpit::log_pane;
use crate::engine::state::*;

pub(crate) fn on_key(app: &mut App, key: Key) -> Vec<Effect> {
    // A modal's text input takes printable keys before any binding.
    if let Some(Modal::Input { text, .. }) = &mut app.modal {
        match key {
            Key::Char(c) => {
                text.push(c);
                return Vec::new();
            }
            Key::Backspace => {
                text.pop();
                return Vec::new();
            }
            _ => {}
        }
    }
    let context = app.context();
    let command = keys::lookup(context, key);
    if context == Context::Confirm {
        // Anything but `y` cancels: a stray key never runs an action.
        return match command {
            Some(Command::Confirm) => confirm(app),
            _ => {
                app.modal = None;
                app.flash("cancelled");
                Vec::new()
            }
        };
    }
    let Some(command) = command else {
        return Vec::new();
    };
    match command {
        Command::Help => {
            app.help = if app.help.is_some() { None } else { Some(0) };
            Vec::new()
        }
        Command::Quit => {
            if app.action.is_some() {
                app.help = None;
                app.modal = Some(Modal::ConfirmQuit);
                Vec::new()
            } else {
                app.quit = true;
                vec![Effect::Quit]
            }
        }
        Command::Cancel => {
            if app.modal.is_some() {
                app.modal = None;
            } else {
                app.help = None;
            }
            Vec::new()
        }
        Command::NextPane | Command::PrevPane => {
            app.focus = app.focus.step(command == Command::NextPane);
            Vec::new()
        }
        Command::Down
        | Command::Up
        | Command::PageDown
        | Command::PageUp
        | Command::Top
        | Command::Bottom => {
            move_selection(app, command);
            Vec::new()
        }
        Command::Details => {
            open_details(app);
            Vec::new()
        }
        Command::Sign => sign(app, None),
        Command::SignWithNote => {
            if let Some(item) = signable(app) {
                app.modal = Some(Modal::Input {
                    purpose: InputPurpose::Note { item },
                    text: String::new(),
                });
            }
            Vec::new()
        }
        Command::Waive => {
            match app.selected() {
                Some(item) if item.status.is_done() => {
                    let msg = format!("{} is already {}", item.id, item.status.as_str());
                    app.flash(msg);
                }
                Some(item) => {
                    app.modal = Some(Modal::Input {
                        purpose: InputPurpose::Waive {
                            item: item.id.clone(),
                        },
                        text: String::new(),
                    });
                }
                None => {}
            }
            Vec::new()
        }
        Command::Rerun => {
            if app.focus == Pane::Health {
                app.flash("polling every endpoint now");
                return vec![Effect::PollNow];
            }
            let Some(item) = app.selected().map(|i| i.id.clone()) else {
                return Vec::new();
            };
            let effects = recheck(app, std::slice::from_ref(&item));
            if effects.is_empty() {
                app.flash(format!("{item} is a manual item: space signs it"));
            }
            effects
        }
        Command::ChartWindow(window) => {
            app.chart_window = window;
            Vec::new()
        }
        Command::CycleChartWindow => {
            app.chart_window = app.chart_window.next();
            Vec::new()
        }
        Command::FilterLogs
        | Command::SearchLogs
        | Command::SearchNext
        | Command::SearchPrev
        | Command::Follow
        | Command::FirstError
        | Command::WrapLogs
        | Command::LogTimestamps
        | Command::RawLogs
        | Command::LogWindow
        | Command::LogContext
        | Command::SaveLogs => log_pane::command(app, command),
        Command::ToggleMouse => {
            app.mouse = !app.mouse;
            app.flash(if app.mouse {
                "mouse captured: wheel scrolls, click selects"
            } else {
                "mouse released: select text with the terminal; m takes it back"
            });
            vec![Effect::Mouse(app.mouse)]
        }
        Command::CancelAction => {
            if app.action.is_some() {
                app.help = None;
                app.modal = Some(Modal::ConfirmCancel);
            } else {
                app.flash("no action is running");
            }
            Vec::new()
        }
        Command::Promote => open_action(app, "promote"),
        Command::Rollback => open_action(app, "rollback"),
        Command::Submit => submit(app),
        Command::Confirm => Vec::new(),
    }
}

pub(crate) fn confirm(app: &mut App) -> Vec<Effect> {
    match app.modal.take() {
        Some(Modal::ConfirmAction { name, lines }) => {
            let reason = action_reason::reason_text(&lines);
            start_confirmed(app, name, Vec::new(), Some(reason))
        }
        Some(Modal::ConfirmQuit) => {
            app.quit = true;
            vec![Effect::CancelAction, Effect::Quit]
        }
        Some(Modal::ConfirmCancel) => match &app.action {
            // Recorded when the killed action reports back as cancelled.
            Some(running) => {
                let text = format!("cancelling {}", running.name);
                app.flash(text);
                vec![Effect::CancelAction]
            }
            None => Vec::new(),
        },
        other => {
            app.modal = other;
            Vec::new()
        }
    }
}

pub(crate) fn submit(app: &mut App) -> Vec<Effect> {
    let Some(Modal::Input { purpose, text }) = app.modal.take() else {
        return Vec::new();
    };
    let text = text.trim().to_string();
    match purpose {
        purpose @ (InputPurpose::Filter | InputPurpose::Search) => {
            log_pane::submit(app, purpose, text);
            Vec::new()
        }
        InputPurpose::Note { item } => {
            let note = (!text.is_empty()).then_some(text);
            app.attested(
                Event::SignOff {
                    item: item.clone(),
                    note,
                },
                &item,
            )
        }
        InputPurpose::Waive { item } => {
            if text.is_empty() {
                app.flash("a waiver needs a reason");
                app.modal = Some(Modal::Input {
                    purpose: InputPurpose::Waive { item },
                    text,
                });
                Vec::new()
            } else {
                app.attested(
                    Event::Waiver {
                        item: item.clone(),
                        reason: text,
                    },
                    &item,
                )
            }
        }
    }
}

/// The selected item's id when it can be signed; otherwise flashes why not
/// (the rule is [`sign_refusal`], shared with `golive sign`).
pub(crate) fn signable(app: &mut App) -> Option<String> {
    let id = app.selected()?.id.clone();
    let (_, item) = app.profile.item(&id)?;
    let refusal = sign_refusal(item, app.checklist.journal().signoff(&id), &app.operator);
    let why_not = match refusal {
        None => return Some(id),
        Some(SignRefusal::Automated) => {
            format!("{id} is checked automatically: r re-runs it, w waives it")
        }
        Some(SignRefusal::AlreadySigned { by }) => format!("{id} is already signed by {by}"),
    };
    app.flash(why_not);
    None
}

pub(crate) fn sign(app: &mut App, note: Option<String>) -> Vec<Effect> {
    match signable(app) {
        Some(item) => app.attested(
            Event::SignOff {
                item: item.clone(),
                note,
            },
            &item,
        ),
        None => Vec::new(),
    }
}

pub(crate) fn open_action(app: &mut App, name: &str) -> Vec<Effect> {
    if let Some(running) = &app.action {
        let text = format!("{} is still running", running.name);
        app.flash(text);
        return Vec::new();
    }
    match app.profile.actions.get(name) {
        Some(action) => {
            let containers = known_containers(app, action);
            let lines = reason_lines_now(app, action, &containers);
            app.help = None;
            app.modal = Some(Modal::ConfirmAction {
                name: name.to_string(),
                lines,
            });
        }
        None => app.flash(format!("the profile has no [actions.{name}]")),
    }
    Vec::new()
}

pub(crate) fn move_selection(app: &mut App, command: Command) {
    if let Some(Modal::Details { scroll, .. }) = &mut app.modal {
        *scroll = step(*scroll, command, usize::MAX);
        return;
    }
    if let Some(scroll) = &mut app.help {
        *scroll = step(*scroll, command, keys::help_line_count());
        return;
    }
    match app.focus {
        Pane::Checklist => {
            let n = app.checklist.items().len();
            app.selected_item = step(app.selected_item, command, n);
        }
        Pane::Health => {
            let n = crate::cockpit::health_rows::selectable_count(app);
            app.selected_health = step(app.selected_health, command, n);
        }
        Pane::Logs => log_pane::scroll(app, command),
        Pane::Charts => {}
    }
}

/// One step of a selection in `0..len`, clamped.
pub(crate) fn step(current: usize, command: Command, len: usize) -> usize {
    let last = len.saturating_sub(1);
    let next = match command {
        Command::Down => current.saturating_add(1),
        Command::Up => current.saturating_sub(1),
        Command::PageDown => current.saturating_add(10),
        Command::PageUp => current.saturating_sub(10),
        Command::Top => 0,
        Command::Bottom => last,
        _ => current,
    };
    next.min(last)
}

pub(crate) fn on_click(app: &mut App, pane: Pane, row: usize, height: usize) {
    match pane {
        Pane::Checklist => {
            let rows = app.checklist_rows();
            let selected_row = rows
                .iter()
                .position(|r| *r == ChecklistRow::Item(app.selected_item))
                .unwrap_or(0);
            let offset = list_offset(selected_row, height);
            if let Some(ChecklistRow::Item(n)) = rows.get(offset + row) {
                app.selected_item = *n;
            }
        }
        Pane::Health => {
            if let Some(n) = crate::cockpit::health_rows::selection_at(app, row, height) {
                app.selected_health = n;
            }
        }
        Pane::Charts | Pane::Logs => {}
    }
}
