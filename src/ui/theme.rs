//! Colour themes: the built-in `themes/*.toml` (dark, light, high-contrast)
//! and user files that override only the keys they set. Panes ask the theme
//! for meaning-named styles (ok, bad, selection, ...) rather than colours, so
//! NO_COLOR is one switch: every style drops its colours and keeps its
//! modifiers, and the symbols beside each state carry the meaning.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::app::checklist::ItemStatus;
use crate::app::health::HealthState;
use crate::app::logs::Severity;

const DARK: &str = include_str!("../../themes/dark.toml");
const LIGHT: &str = include_str!("../../themes/light.toml");
const HIGH_CONTRAST: &str = include_str!("../../themes/high-contrast.toml");

/// The names `--theme` accepts besides a path.
pub const BUILTIN: [&str; 3] = ["dark", "light", "high-contrast"];

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme {name}: {message}")]
    Invalid { name: String, message: String },
}

/// A theme file: every key optional, so a user file overrides only what it sets.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    foreground: Option<String>,
    background: Option<String>,
    muted: Option<String>,
    accent: Option<String>,
    title: Option<String>,
    border: Option<String>,
    border_focus: Option<String>,
    selection_fg: Option<String>,
    selection_bg: Option<String>,
    ok: Option<String>,
    warn: Option<String>,
    bad: Option<String>,
    info: Option<String>,
    canary: Option<String>,
    baseline: Option<String>,
    threshold: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub foreground: Color,
    pub background: Color,
    pub muted: Color,
    pub accent: Color,
    pub title: Color,
    pub border: Color,
    pub border_focus: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub ok: Color,
    pub warn: Color,
    pub bad: Color,
    pub info: Color,
    pub canary: Color,
    pub baseline: Color,
    pub threshold: Color,
    /// NO_COLOR: styles keep their modifiers and drop every colour.
    pub no_color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        // The built-in dark file is checked by a test; this fallback only
        // exists so no code path needs to unwrap.
        Self::builtin("dark").unwrap_or(Self {
            foreground: Color::Reset,
            background: Color::Reset,
            muted: Color::DarkGray,
            accent: Color::Cyan,
            title: Color::White,
            border: Color::DarkGray,
            border_focus: Color::Cyan,
            selection_fg: Color::Black,
            selection_bg: Color::Cyan,
            ok: Color::Green,
            warn: Color::Yellow,
            bad: Color::Red,
            info: Color::Cyan,
            canary: Color::Yellow,
            baseline: Color::Cyan,
            threshold: Color::Red,
            no_color: false,
        })
    }
}

impl Theme {
    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Option<Theme> {
        let text = match name {
            "dark" => DARK,
            "light" => LIGHT,
            "high-contrast" => HIGH_CONTRAST,
            _ => return None,
        };
        let raw: RawTheme = toml::from_str(text).ok()?;
        let mut theme = Theme {
            foreground: Color::Reset,
            background: Color::Reset,
            muted: Color::Reset,
            accent: Color::Reset,
            title: Color::Reset,
            border: Color::Reset,
            border_focus: Color::Reset,
            selection_fg: Color::Reset,
            selection_bg: Color::Reset,
            ok: Color::Reset,
            warn: Color::Reset,
            bad: Color::Reset,
            info: Color::Reset,
            canary: Color::Reset,
            baseline: Color::Reset,
            threshold: Color::Reset,
            no_color: false,
        };
        theme.overlay(name, raw).ok()?;
        Some(theme)
    }

    /// A user theme file laid over `base`: keys it does not set keep `base`'s colours.
    pub fn with_overrides(base: Theme, name: &str, text: &str) -> Result<Theme, ThemeError> {
        let raw: RawTheme = toml::from_str(text).map_err(|e| ThemeError::Invalid {
            name: name.to_string(),
            message: e.to_string(),
        })?;
        let mut theme = base;
        theme.overlay(name, raw)?;
        Ok(theme)
    }

    /// The same theme with colours off (NO_COLOR).
    pub fn without_color(mut self) -> Theme {
        self.no_color = true;
        self
    }

    fn overlay(&mut self, name: &str, raw: RawTheme) -> Result<(), ThemeError> {
        let slots: [(&str, Option<String>, &mut Color); 16] = [
            ("foreground", raw.foreground, &mut self.foreground),
            ("background", raw.background, &mut self.background),
            ("muted", raw.muted, &mut self.muted),
            ("accent", raw.accent, &mut self.accent),
            ("title", raw.title, &mut self.title),
            ("border", raw.border, &mut self.border),
            ("border_focus", raw.border_focus, &mut self.border_focus),
            ("selection_fg", raw.selection_fg, &mut self.selection_fg),
            ("selection_bg", raw.selection_bg, &mut self.selection_bg),
            ("ok", raw.ok, &mut self.ok),
            ("warn", raw.warn, &mut self.warn),
            ("bad", raw.bad, &mut self.bad),
            ("info", raw.info, &mut self.info),
            ("canary", raw.canary, &mut self.canary),
            ("baseline", raw.baseline, &mut self.baseline),
            ("threshold", raw.threshold, &mut self.threshold),
        ];
        for (key, value, slot) in slots {
            if let Some(value) = value {
                *slot = parse_color(&value).ok_or_else(|| ThemeError::Invalid {
                    name: name.to_string(),
                    message: format!(
                        "{key} = {value:?} is not a colour (use \"#rrggbb\", a colour name or \"reset\")"
                    ),
                })?;
            }
        }
        Ok(())
    }

    fn fg(&self, color: Color) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(color)
        }
    }

    /// Plain text.
    pub fn text(&self) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(self.foreground).bg(self.background)
        }
    }

    pub fn muted(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            self.fg(self.muted)
        }
    }

    pub fn accent(&self) -> Style {
        self.fg(self.accent)
    }

    pub fn title(&self) -> Style {
        self.fg(self.title).add_modifier(Modifier::BOLD)
    }

    pub fn ok(&self) -> Style {
        self.fg(self.ok)
    }

    pub fn warn(&self) -> Style {
        self.fg(self.warn)
    }

    pub fn bad(&self) -> Style {
        self.fg(self.bad).add_modifier(Modifier::BOLD)
    }

    pub fn info(&self) -> Style {
        self.fg(self.info)
    }

    pub fn canary(&self) -> Style {
        self.fg(self.canary)
    }

    pub fn baseline(&self) -> Style {
        self.fg(self.baseline)
    }

    pub fn threshold(&self) -> Style {
        self.fg(self.threshold)
    }

    pub fn border(&self, focused: bool) -> Style {
        match (self.no_color, focused) {
            (true, true) => Style::default().add_modifier(Modifier::BOLD),
            (true, false) => Style::default(),
            (false, true) => self.fg(self.border_focus),
            (false, false) => self.fg(self.border),
        }
    }

    /// The selected row: reversed when there is no colour, so it still shows.
    pub fn selection(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(self.selection_fg).bg(self.selection_bg)
        }
    }

    pub fn status(&self, status: ItemStatus) -> Style {
        match status {
            ItemStatus::Pass | ItemStatus::Signed => self.ok(),
            ItemStatus::Fail => self.bad(),
            ItemStatus::Waived => self.warn(),
            ItemStatus::Running => self.info(),
            ItemStatus::Pending | ItemStatus::Manual => self.text(),
        }
    }

    pub fn health(&self, state: HealthState) -> Style {
        match state {
            HealthState::Up => self.ok(),
            HealthState::Degraded => self.warn(),
            HealthState::Down => self.bad(),
            HealthState::Unknown => self.muted(),
        }
    }

    pub fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Error => self.bad(),
            Severity::Warn => self.warn(),
            Severity::Info => self.text(),
            Severity::Debug | Severity::Trace => self.muted(),
        }
    }
}

/// The symbol that carries a health state without colour.
pub fn health_symbol(state: HealthState) -> &'static str {
    match state {
        HealthState::Up => "✔",
        HealthState::Degraded => "▲",
        HealthState::Down => "✘",
        HealthState::Unknown => "?",
    }
}

fn parse_color(text: &str) -> Option<Color> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix('#') {
        if hex.len() != 6 {
            return None;
        }
        let v = u32::from_str_radix(hex, 16).ok()?;
        return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    let color = match text.to_ascii_lowercase().replace('_', "-").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark-gray" | "dark-grey" => Color::DarkGray,
        "light-red" => Color::LightRed,
        "light-green" => Color::LightGreen,
        "light-yellow" => Color::LightYellow,
        "light-blue" => Color::LightBlue,
        "light-magenta" => Color::LightMagenta,
        "light-cyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    };
    Some(color)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses_whole() {
        for name in BUILTIN {
            let theme = Theme::builtin(name).expect(name);
            assert_ne!(theme.ok, Color::Reset, "{name} sets ok");
            assert_ne!(theme.bad, theme.ok, "{name}: ok and bad differ");
        }
    }

    #[test]
    fn a_user_theme_overrides_only_what_it_sets() {
        let dark = Theme::builtin("dark").unwrap();
        let mine = Theme::with_overrides(dark.clone(), "mine", "bad = \"#ff00ff\"\n").unwrap();
        assert_eq!(mine.bad, Color::Rgb(255, 0, 255));
        assert_eq!(mine.ok, dark.ok);
        assert_eq!(mine.selection_bg, dark.selection_bg);
    }

    #[test]
    fn bad_theme_files_say_what_is_wrong() {
        let err = Theme::with_overrides(Theme::default(), "t", "ok = \"#12\"").unwrap_err();
        assert!(err.to_string().contains("ok = \"#12\""), "{err}");
        let err = Theme::with_overrides(Theme::default(), "t", "okk = \"red\"").unwrap_err();
        assert!(err.to_string().contains("okk"), "{err}");
    }

    #[test]
    fn no_color_drops_colours_but_keeps_selection_visible() {
        let theme = Theme::default().without_color();
        assert_eq!(theme.ok().fg, None);
        assert!(theme.selection().add_modifier.contains(Modifier::REVERSED));
    }
}
