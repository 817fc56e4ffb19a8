//! The one key registry of the cockpit. Every binding is listed once, here,
//! with the contexts it works in; key handling (`state::update`), the key bar
//! and the help overlay all read this table, so what the bar shows is exactly
//! what the keys do.

use crate::engine::metrics::ChartWindow;

/// A key as the cockpit sees it, independent of the terminal library (the
/// runtime translates crossterm events into these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Backspace,
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Help,
    Quit,
    NextPane,
    PrevPane,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    Details,
    Sign,
    SignWithNote,
    Waive,
    Rerun,
    FilterLogs,
    Follow,
    SearchLogs,
    SearchNext,
    SearchPrev,
    FirstError,
    WrapLogs,
    LogTimestamps,
    /// JSON records as written, or as `LEVEL message key=value`.
    RawLogs,
    LogWindow,
    LogContext,
    SaveLogs,
    /// Give the mouse back to the terminal (to select text), or take it.
    ToggleMouse,
    /// Cancel the running action (asks first).
    CancelAction,
    Promote,
    Rollback,
    /// Show this window in the charts.
    ChartWindow(ChartWindow),
    /// The next chart window (5m → 15m → 1h → 5m).
    CycleChartWindow,
    /// `y` in a confirmation.
    Confirm,
    /// Esc (and, in confirmations, any other key).
    Cancel,
    /// Enter in a text input.
    Submit,
}

/// Where the keyboard focus is; decides which bindings apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Checklist,
    Health,
    Charts,
    Logs,
    Help,
    Details,
    Confirm,
    TextInput,
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    /// How the key is written in the bar and the help ("space/s").
    pub label: &'static str,
    pub command: Command,
    /// Short word for the key bar.
    pub short: &'static str,
    /// Sentence for the help overlay.
    pub help: &'static str,
    pub contexts: &'static [Context],
}

use Context as C;

const PANES: &[Context] = &[C::Checklist, C::Health, C::Charts, C::Logs];
const MOVING: &[Context] = &[C::Checklist, C::Health, C::Logs, C::Help, C::Details];

/// The registry. What an incident needs comes first ([`URGENT`]), so the key
/// bar never cuts it off; the help overlay lists those, then each pane's keys.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[Key::Char('R')],
        label: "R",
        command: Command::Rollback,
        short: "rollback",
        help: "Roll back: shows what will run, runs only on y",
        contexts: PANES,
    },
    Binding {
        keys: &[Key::Char('P')],
        label: "P",
        command: Command::Promote,
        short: "promote",
        help: "Promote: shows what will run, runs only on y",
        contexts: PANES,
    },
    Binding {
        keys: &[Key::Char('X')],
        label: "X",
        command: Command::CancelAction,
        short: "cancel action",
        help: "Cancel the running action (asks first)",
        contexts: PANES,
    },
    Binding {
        keys: &[Key::Char('q'), Key::Ctrl('c')],
        label: "q",
        command: Command::Quit,
        short: "quit",
        help: "Quit (asks first while an action runs)",
        contexts: &[
            C::Checklist,
            C::Health,
            C::Charts,
            C::Logs,
            C::Help,
            C::Details,
        ],
    },
    Binding {
        keys: &[Key::Char('?')],
        label: "?",
        command: Command::Help,
        short: "help",
        help: "Open or close this help",
        contexts: &[C::Checklist, C::Health, C::Charts, C::Logs, C::Help],
    },
    Binding {
        keys: &[Key::Char('y')],
        label: "y",
        command: Command::Confirm,
        short: "confirm",
        help: "Run the action shown (any other key cancels)",
        contexts: &[C::Confirm],
    },
    Binding {
        keys: &[Key::Enter],
        label: "enter",
        command: Command::Submit,
        short: "submit",
        help: "Accept the text typed",
        contexts: &[C::TextInput],
    },
    Binding {
        keys: &[Key::Esc],
        label: "esc",
        command: Command::Cancel,
        short: "cancel",
        help: "Close the overlay or cancel the input",
        contexts: &[C::TextInput, C::Confirm, C::Help, C::Details],
    },
    Binding {
        keys: &[Key::Char('s'), Key::Char(' ')],
        label: "space/s",
        command: Command::Sign,
        short: "sign",
        help: "Sign off the selected manual item",
        contexts: &[C::Checklist],
    },
    Binding {
        keys: &[Key::Char('n')],
        label: "n",
        command: Command::SignWithNote,
        short: "sign+note",
        help: "Sign off the selected item with a note",
        contexts: &[C::Checklist],
    },
    Binding {
        keys: &[Key::Char('w')],
        label: "w",
        command: Command::Waive,
        short: "waive",
        help: "Waive the selected item, with a reason",
        contexts: &[C::Checklist],
    },
    Binding {
        keys: &[Key::Char('r')],
        label: "r",
        command: Command::Rerun,
        short: "re-run",
        help: "Re-run the selected item's check (health: poll now)",
        contexts: &[C::Checklist, C::Health],
    },
    Binding {
        keys: &[Key::Enter],
        label: "enter",
        command: Command::Details,
        short: "details",
        help: "Details: item, endpoint, containers, judge",
        contexts: &[C::Checklist, C::Health, C::Charts],
    },
    Binding {
        keys: &[Key::Char('/')],
        label: "/",
        command: Command::FilterLogs,
        short: "filter",
        help: "Filter by regex; lower case ignores case",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('s')],
        label: "s",
        command: Command::SearchLogs,
        short: "search",
        help: "Search by regex and mark the match",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('n')],
        label: "n",
        command: Command::SearchNext,
        short: "next",
        help: "Next search match",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('N')],
        label: "N",
        command: Command::SearchPrev,
        short: "prev",
        help: "Previous search match",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('f')],
        label: "f",
        command: Command::Follow,
        short: "follow",
        help: "Follow new lines, or pause the view",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('e')],
        label: "e",
        command: Command::FirstError,
        short: "1st error",
        help: "Jump to the first error line held",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('c')],
        label: "c",
        command: Command::LogContext,
        short: "context",
        help: "Lines around filter matches: 0, 2, 5",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('T')],
        label: "T",
        command: Command::LogWindow,
        short: "window",
        help: "Time window: all, last 1m, 5m, 15m, 1h",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('w')],
        label: "w",
        command: Command::WrapLogs,
        short: "wrap",
        help: "Wrap long log lines on or off",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('t')],
        label: "t",
        command: Command::LogTimestamps,
        short: "time",
        help: "Show log timestamps on or off",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('J')],
        label: "J",
        command: Command::RawLogs,
        short: "raw",
        help: "JSON log lines raw, or as level, message, key=value",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('S')],
        label: "S",
        command: Command::SaveLogs,
        short: "save",
        help: "Save the lines shown to a file here",
        contexts: &[C::Logs],
    },
    Binding {
        keys: &[Key::Char('1')],
        label: "1",
        command: Command::ChartWindow(ChartWindow::FiveMinutes),
        short: "5m",
        help: "Charts: show the last 5 minutes",
        contexts: &[C::Charts],
    },
    Binding {
        keys: &[Key::Char('2')],
        label: "2",
        command: Command::ChartWindow(ChartWindow::FifteenMinutes),
        short: "15m",
        help: "Charts: show the last 15 minutes",
        contexts: &[C::Charts],
    },
    Binding {
        keys: &[Key::Char('3')],
        label: "3",
        command: Command::ChartWindow(ChartWindow::OneHour),
        short: "1h",
        help: "Charts: show the last hour",
        contexts: &[C::Charts],
    },
    Binding {
        keys: &[Key::Char('z')],
        label: "z",
        command: Command::CycleChartWindow,
        short: "window",
        help: "Charts: next time window (5m, 15m, 1h)",
        contexts: &[C::Charts],
    },
    Binding {
        keys: &[Key::Char('j'), Key::Down],
        label: "j/↓",
        command: Command::Down,
        short: "down",
        help: "Move down",
        contexts: MOVING,
    },
    Binding {
        keys: &[Key::Char('k'), Key::Up],
        label: "k/↑",
        command: Command::Up,
        short: "up",
        help: "Move up",
        contexts: MOVING,
    },
    Binding {
        keys: &[Key::PageDown],
        label: "pgdn",
        command: Command::PageDown,
        short: "page",
        help: "Move down a page",
        contexts: &[C::Logs, C::Help],
    },
    Binding {
        keys: &[Key::PageUp],
        label: "pgup",
        command: Command::PageUp,
        short: "page",
        help: "Move up a page",
        contexts: &[C::Logs, C::Help],
    },
    Binding {
        keys: &[Key::Char('g'), Key::Home],
        label: "g/home",
        command: Command::Top,
        short: "top",
        help: "Go to the first line",
        contexts: &[C::Checklist, C::Health, C::Logs],
    },
    Binding {
        keys: &[Key::Char('G'), Key::End],
        label: "G/end",
        command: Command::Bottom,
        short: "bottom",
        help: "Go to the last line",
        contexts: &[C::Checklist, C::Health, C::Logs],
    },
    Binding {
        keys: &[Key::Tab],
        label: "tab",
        command: Command::NextPane,
        short: "pane",
        help: "Next pane",
        contexts: PANES,
    },
    Binding {
        keys: &[Key::BackTab],
        label: "S-tab",
        command: Command::PrevPane,
        short: "pane",
        help: "Previous pane",
        contexts: PANES,
    },
    Binding {
        keys: &[Key::Char('m')],
        label: "m",
        command: Command::ToggleMouse,
        short: "mouse",
        help: "Release/take back the mouse, to copy text",
        contexts: PANES,
    },
];

/// What an operator reaches for during an incident, in the order the help
/// and the key bar show them.
pub const URGENT: &[Command] = &[
    Command::Rollback,
    Command::Promote,
    Command::CancelAction,
    Command::Quit,
    Command::Help,
];

/// A group of keys in the help overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// [`URGENT`], first.
    Incident,
    /// Keys of one pane (not those that work in every pane).
    Pane(Context),
    /// Moving around, and what works in every pane.
    EveryPane,
    /// Confirmations, inputs, overlays.
    Dialogs,
}

/// The help's sections in order, none empty: the incident keys first, then
/// each pane's own keys under its name, then what works in every pane, then
/// the dialogs' keys.
pub fn help_sections() -> Vec<(Section, Vec<&'static Binding>)> {
    let urgent: Vec<&Binding> = URGENT
        .iter()
        .filter_map(|c| BINDINGS.iter().find(|b| b.command == *c))
        .collect();
    let rest = || BINDINGS.iter().filter(|b| !URGENT.contains(&b.command));
    // Moving keys work in most panes; listed once, not under each.
    let everywhere = |b: &Binding| {
        PANES.iter().all(|p| b.contexts.contains(p))
            || matches!(
                b.command,
                Command::Down
                    | Command::Up
                    | Command::PageDown
                    | Command::PageUp
                    | Command::Top
                    | Command::Bottom
            )
    };
    let mut out = vec![(Section::Incident, urgent)];
    for pane in PANES {
        let keys = rest()
            .filter(|b| b.contexts.contains(pane) && !everywhere(b))
            .collect();
        out.push((Section::Pane(*pane), keys));
    }
    out.push((
        Section::EveryPane,
        rest().filter(|b| everywhere(b)).collect(),
    ));
    let dialogs = rest()
        .filter(|b| !PANES.iter().any(|p| b.contexts.contains(p)))
        .collect();
    out.push((Section::Dialogs, dialogs));
    out.retain(|(_, keys)| !keys.is_empty());
    out
}

/// Lines the help overlay holds (headings, keys, blank lines between
/// sections), so scrolling it stops at its end.
pub fn help_line_count() -> usize {
    let sections = help_sections();
    sections
        .iter()
        .map(|(_, keys)| keys.len() + 2)
        .sum::<usize>()
        + 2
}

/// The command `key` means in `context`, if any.
pub fn lookup(context: Context, key: Key) -> Option<Command> {
    BINDINGS
        .iter()
        .find(|b| b.contexts.contains(&context) && b.keys.contains(&key))
        .map(|b| b.command)
}

/// The bindings that work in `context`, in registry order (for the key bar).
pub fn bindings_for(context: Context) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| b.contexts.contains(&context))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_means_two_things_in_one_context() {
        let contexts = [
            C::Checklist,
            C::Health,
            C::Charts,
            C::Logs,
            C::Help,
            C::Details,
            C::Confirm,
            C::TextInput,
        ];
        for ctx in contexts {
            let mut seen = std::collections::HashSet::new();
            for b in bindings_for(ctx) {
                for key in b.keys {
                    assert!(seen.insert(*key), "{key:?} bound twice in {ctx:?}");
                }
            }
        }
    }

    #[test]
    fn lookup_follows_the_context() {
        assert_eq!(lookup(C::Checklist, Key::Char(' ')), Some(Command::Sign));
        assert_eq!(lookup(C::Logs, Key::Char(' ')), None);
        assert_eq!(lookup(C::Checklist, Key::Enter), Some(Command::Details));
        assert_eq!(lookup(C::Charts, Key::Enter), Some(Command::Details));
        assert_eq!(lookup(C::TextInput, Key::Enter), Some(Command::Submit));
        assert_eq!(lookup(C::Logs, Key::Char('f')), Some(Command::Follow));
        assert_eq!(
            lookup(C::Charts, Key::Char('3')),
            Some(Command::ChartWindow(ChartWindow::OneHour))
        );
        assert_eq!(lookup(C::Checklist, Key::Char('3')), None);
        assert_eq!(
            lookup(C::Charts, Key::Char('z')),
            Some(Command::CycleChartWindow)
        );
        // The same letters sign and waive in the checklist, search and wrap in the logs.
        assert_eq!(lookup(C::Logs, Key::Char('s')), Some(Command::SearchLogs));
        assert_eq!(lookup(C::Checklist, Key::Char('w')), Some(Command::Waive));
        assert_eq!(lookup(C::Logs, Key::Char('w')), Some(Command::WrapLogs));
        assert_eq!(lookup(C::Logs, Key::Char('J')), Some(Command::RawLogs));
        assert_eq!(lookup(C::Health, Key::Char('S')), None);
    }
}
