//! The logs pane's keys and clock: how filter, search, follow, wrap,
//! timestamps, the time window, filter context and saving move the
//! [`LogView`](crate::engine::logs::LogView) the cockpit holds.
//! Pure like the rest of the cockpit's state.

use std::path::PathBuf;
use std::time::Duration;

use crate::cockpit::keys::Command;
use crate::engine::state::{App, Effect, InputPurpose, Modal};

/// The time windows `T` steps through; None shows every line held.
pub const WINDOWS: [Option<Duration>; 5] = [
    None,
    Some(Duration::from_secs(60)),
    Some(Duration::from_secs(5 * 60)),
    Some(Duration::from_secs(15 * 60)),
    Some(Duration::from_secs(60 * 60)),
];

/// The filter context sizes `c` steps through.
pub const CONTEXTS: [usize; 3] = [0, 2, 5];

/// A window as the pane's title writes it ("1m", "1h").
pub fn window_label(window: Duration) -> String {
    let secs = window.as_secs();
    if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs >= 60 && secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

pub(crate) fn command(app: &mut App, command: Command) -> Vec<Effect> {
    let rows = app.log_rows;
    match command {
        Command::FilterLogs => {
            let text = app.logs.filter_text().unwrap_or_default().to_string();
            open_input(app, InputPurpose::Filter, text);
        }
        Command::SearchLogs => {
            let text = app.logs.search_text().unwrap_or_default().to_string();
            open_input(app, InputPurpose::Search, text);
        }
        Command::SearchNext | Command::SearchPrev => {
            let Some(pattern) = app.logs.search_text().map(str::to_string) else {
                app.flash("no search yet: s starts one");
                return Vec::new();
            };
            let found = if command == Command::SearchNext {
                app.logs.search_next()
            } else {
                app.logs.search_prev()
            };
            match found {
                Some(_) => app.logs.reveal_cursor(rows),
                None => app.flash(format!("no line shown matches “{pattern}”")),
            }
        }
        Command::Follow => app.logs.toggle_follow(),
        Command::FirstError => match app.logs.jump_first_error() {
            Some(_) => app.logs.reveal_cursor(rows),
            None => app.flash("no error line among the lines shown"),
        },
        Command::WrapLogs => app.logs.toggle_wrap(),
        Command::LogTimestamps => app.logs.toggle_timestamps(),
        Command::RawLogs => app.logs.toggle_raw(),
        Command::LogContext => {
            let at = CONTEXTS.iter().position(|c| *c == app.logs.context);
            app.logs.context = CONTEXTS[at.map_or(0, |i| (i + 1) % CONTEXTS.len())];
            let context = app.logs.context;
            app.flash(format!(
                "{context} lines of context around each filter match"
            ));
        }
        Command::LogWindow => {
            let at = WINDOWS.iter().position(|w| *w == app.log_window);
            app.log_window = WINDOWS[at.map_or(0, |i| (i + 1) % WINDOWS.len())];
            tick(app);
        }
        Command::SaveLogs => return save(app),
        _ => {}
    }
    Vec::new()
}

pub(crate) fn open_input(app: &mut App, purpose: InputPurpose, text: String) {
    app.modal = Some(Modal::Input { purpose, text });
}

/// Enter in the filter or search input. A pattern that does not compile
/// keeps the old one, says why, and reopens the input to fix it.
pub(crate) fn submit(app: &mut App, purpose: InputPurpose, text: String) {
    let search = purpose == InputPurpose::Search;
    if search {
        app.logs.set_search(&text);
    } else {
        app.logs.set_filter(&text);
    }
    if let Some(error) = app.logs.error.clone() {
        app.flash(error);
        open_input(app, purpose, text);
        return;
    }
    if search && !text.is_empty() {
        match app.logs.cursor {
            Some(_) => app.logs.reveal_cursor(app.log_rows),
            None => app.flash(format!("no line shown matches “{text}”")),
        }
    }
}

/// The arrows, pages and wheel over the logs pane, in visible lines; in
/// wrap mode in screen rows, so a line taller than the pane reads to its end.
pub(crate) fn scroll(app: &mut App, command: Command) {
    let rows = app.log_rows;
    let page = rows.saturating_sub(1).max(1) as i64;
    let by = |app: &mut App, delta: i64| {
        if app.logs.wrap {
            app.logs.scroll_rows(delta, rows);
        } else {
            app.logs.scroll(delta, rows);
        }
    };
    match command {
        Command::Down => by(app, 1),
        Command::Up => by(app, -1),
        Command::PageDown => by(app, page),
        Command::PageUp => by(app, -page),
        Command::Top => app.logs.scroll_to_top(rows),
        Command::Bottom => {
            app.logs.follow = true;
            app.logs.bottom_rows = None;
        }
        _ => {}
    }
}

/// The time window moves with the clock.
pub(crate) fn tick(app: &mut App) {
    let since = app
        .log_window
        .and_then(|w| chrono::Duration::from_std(w).ok())
        .and_then(|w| app.now.checked_sub_signed(w));
    app.logs.set_since(since);
}

/// `S`: the lines shown, as text, to `golive-logs-<service>-<time>.log` in
/// the directory golive runs in (the runtime decides where that is).
pub(crate) fn save(app: &mut App) -> Vec<Effect> {
    if app.logs.visible().is_empty() {
        app.flash("no log lines shown to save");
        return Vec::new();
    }
    let service: String = app
        .profile
        .service
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = format!(
        "golive-logs-{service}-{}.log",
        app.now.format("%Y%m%d-%H%M%S")
    );
    vec![Effect::SaveLogs(app.logs.save(PathBuf::from(name)))]
}
