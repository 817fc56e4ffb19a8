//! Colour themes: the built-in `themes/*.toml` (dark, light, high-contrast)
//! and user files that override only the keys they set. Panes ask the theme
//! for meaning-named styles (ok, bad, selection, ...) rather than colours, so
//! NO_COLOR is one switch: every style drops its colours and keeps its
//! modifiers, and the symbols beside each state carry the meaning.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::engine::checklist::ItemStatus;
use crate::engine::health::HealthState;
use crate::engine::logs::Severity;
use crate::engine::sanitize::{AnsiColor, AnsiStyle};

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
    highlight_fg: Option<String>,
    highlight_bg: Option<String>,
    /// The colours log prefixes (replicas, sources) are told apart by.
    prefixes: Option<Vec<String>>,
}

/// How many colours a theme gives log prefixes (`prefix_colour`'s slots).
pub const PREFIX_SLOTS: usize = 6;

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
    /// Filter, search and source highlight matches in log lines.
    pub highlight_fg: Color,
    pub highlight_bg: Color,
    /// Log prefix colours, indexed by `engine::logs::prefix_colour`.
    pub prefixes: [Color; PREFIX_SLOTS],
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
            highlight_fg: Color::Black,
            highlight_bg: Color::Yellow,
            prefixes: [
                Color::Cyan,
                Color::Magenta,
                Color::Green,
                Color::Yellow,
                Color::Blue,
                Color::LightRed,
            ],
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
            highlight_fg: Color::Reset,
            highlight_bg: Color::Reset,
            prefixes: [Color::Reset; PREFIX_SLOTS],
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
        let invalid = |message: String| ThemeError::Invalid {
            name: name.to_string(),
            message,
        };
        if let Some(prefixes) = raw.prefixes {
            if prefixes.len() != PREFIX_SLOTS {
                return Err(invalid(format!(
                    "prefixes has {} colours; it needs {PREFIX_SLOTS}",
                    prefixes.len()
                )));
            }
            for (slot, value) in self.prefixes.iter_mut().zip(&prefixes) {
                *slot = parse_color(value)
                    .ok_or_else(|| invalid(format!("prefixes: {value:?} is not a colour")))?;
            }
        }
        let slots: [(&str, Option<String>, &mut Color); 18] = [
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
            ("highlight_fg", raw.highlight_fg, &mut self.highlight_fg),
            ("highlight_bg", raw.highlight_bg, &mut self.highlight_bg),
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
            HealthState::Warming => self.info(),
            HealthState::Degraded => self.warn(),
            HealthState::Down => self.bad(),
            HealthState::Unknown => self.muted(),
        }
    }

    /// A filter, search or source match inside a log line: reversed when
    /// there is no colour, so it still shows.
    pub fn highlight(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
                .fg(self.highlight_fg)
                .bg(self.highlight_bg)
                .add_modifier(Modifier::BOLD)
        }
    }

    /// A log prefix in its palette slot (from `prefix_colour`).
    pub fn prefix(&self, slot: u8) -> Style {
        self.fg(self.prefixes[usize::from(slot) % PREFIX_SLOTS])
    }

    /// The style a log line asked for with SGR codes. Without colour only
    /// bold and underline stay: they carry emphasis, not hue.
    pub fn ansi(&self, style: &AnsiStyle) -> Style {
        let mut out = Style::default();
        if style.bold {
            out = out.add_modifier(Modifier::BOLD);
        }
        if style.underline {
            out = out.add_modifier(Modifier::UNDERLINED);
        }
        if self.no_color {
            return out;
        }
        if let Some(fg) = style.fg {
            out = out.fg(ansi_color(fg));
        }
        if let Some(bg) = style.bg {
            out = out.bg(ansi_color(bg));
        }
        for (on, modifier) in [
            (style.dim, Modifier::DIM),
            (style.italic, Modifier::ITALIC),
            (style.reverse, Modifier::REVERSED),
        ] {
            if on {
                out = out.add_modifier(modifier);
            }
        }
        out
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
        HealthState::Warming => "◌",
        HealthState::Degraded => "▲",
        HealthState::Down => "✘",
        HealthState::Unknown => "?",
    }
}

/// An SGR colour as the terminal's own: the 16 basic ones by name, so the
/// user's terminal palette decides their exact shade, as it would outside golive.
fn ansi_color(color: AnsiColor) -> Color {
    const BASIC: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match color {
        AnsiColor::Basic(n) => BASIC[usize::from(n) % BASIC.len()],
        AnsiColor::Indexed(n) => Color::Indexed(n),
        AnsiColor::Rgb(r, g, b) => Color::Rgb(r, g, b),
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
            assert_ne!(theme.highlight_bg, Color::Reset, "{name} sets highlights");
            assert!(
                theme.prefixes.iter().all(|c| *c != Color::Reset),
                "{name} sets every prefix colour"
            );
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
    fn prefixes_need_every_slot_and_real_colours() {
        let mine = Theme::with_overrides(
            Theme::default(),
            "t",
            "prefixes = [\"red\", \"green\", \"blue\", \"cyan\", \"white\", \"#010203\"]\n",
        )
        .unwrap();
        assert_eq!(mine.prefixes[5], Color::Rgb(1, 2, 3));
        assert_eq!(mine.prefix(6).fg, Some(Color::Red), "slots wrap");
        let err = Theme::with_overrides(Theme::default(), "t", "prefixes = [\"red\"]").unwrap_err();
        assert!(err.to_string().contains("needs 6"), "{err}");
        let err = Theme::with_overrides(
            Theme::default(),
            "t",
            "prefixes = [\"red\", \"red\", \"red\", \"red\", \"red\", \"rouge\"]",
        )
        .unwrap_err();
        assert!(err.to_string().contains("rouge"), "{err}");
    }

    #[test]
    fn ansi_styles_map_and_no_color_keeps_only_emphasis() {
        let style = AnsiStyle {
            fg: Some(AnsiColor::Basic(1)),
            bg: Some(AnsiColor::Rgb(1, 2, 3)),
            bold: true,
            underline: true,
            italic: true,
            ..AnsiStyle::default()
        };
        let theme = Theme::default();
        let s = theme.ansi(&style);
        assert_eq!(s.fg, Some(Color::Red));
        assert_eq!(s.bg, Some(Color::Rgb(1, 2, 3)));
        assert!(s.add_modifier.contains(Modifier::ITALIC | Modifier::BOLD));
        let plain = theme.without_color().ansi(&style);
        assert_eq!((plain.fg, plain.bg), (None, None));
        assert_eq!(plain.add_modifier, Modifier::BOLD | Modifier::UNDERLINED);
        let indexed = Theme::default().ansi(&AnsiStyle {
            fg: Some(AnsiColor::Indexed(200)),
            ..AnsiStyle::default()
        });
        assert_eq!(indexed.fg, Some(Color::Indexed(200)));
    }

    #[test]
    fn no_color_drops_colours_but_keeps_selection_visible() {
        let theme = Theme::default().without_color();
        assert_eq!(theme.ok().fg, None);
        assert!(theme.selection().add_modifier.contains(Modifier::REVERSED));
    }
}
