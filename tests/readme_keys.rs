//! The README's cockpit key table lists every key the cockpit binds
//! (`app::keys`), so the page an on-call engineer reads cannot drift from
//! what the keys do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use golive::cockpit::keys::{Context, Key, bindings_for};

const CONTEXTS: [Context; 8] = [
    Context::Checklist,
    Context::Health,
    Context::Charts,
    Context::Logs,
    Context::Help,
    Context::Details,
    Context::Confirm,
    Context::TextInput,
];

/// How the README writes a key, in backticks.
fn written(key: Key) -> String {
    let name = match key {
        Key::Char(' ') => "space".to_string(),
        Key::Char(c) => c.to_string(),
        Key::Ctrl(c) => format!("ctrl-{c}"),
        Key::Enter => "enter".into(),
        Key::Esc => "esc".into(),
        Key::Tab => "tab".into(),
        Key::BackTab => "shift-tab".into(),
        Key::Up | Key::Down | Key::Left | Key::Right => return "arrows".into(),
        Key::PageUp => "pgup".into(),
        Key::PageDown => "pgdn".into(),
        Key::Home => "home".into(),
        Key::End => "end".into(),
        Key::Backspace => "backspace".into(),
    };
    format!("`{name}`")
}

#[test]
fn the_readme_key_table_lists_every_bound_key() {
    let readme = include_str!("../README.md");
    let start = readme.find("| key | does |").expect("the key table");
    let table: String = readme[start..]
        .lines()
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('|').nth(1).unwrap_or_default().to_string() + "\n")
        .collect();
    let mut missing: Vec<String> = CONTEXTS
        .iter()
        .flat_map(|c| bindings_for(*c))
        .flat_map(|b| b.keys.iter().map(|k| written(*k)))
        .filter(|k| !table.contains(k.as_str()))
        .collect();
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "not in the README's key table: {missing:?}"
    );
}
