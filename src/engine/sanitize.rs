//! Making remote text harmless before it can reach a terminal: bodies from
//! endpoints and lines from containers may carry escape sequences (screen
//! clears, title changes, cursor moves) or raw control bytes. [`clean_text`]
//! strips everything (probe bodies, command output); [`parse_ansi`] keeps the
//! colours of log lines as plain styled spans (SGR only, through `vte`, the
//! parser alacritty uses) and drops every other sequence, so a container can
//! colour its logs but never move the cursor, retitle the terminal or smuggle
//! a hyperlink. The styles are this module's own types, not ratatui's: `app`
//! stays UI-agnostic and the UI maps them onto its theme.

use vte::{Params, Parser, Perform};

/// The text with every escape sequence and control character removed, tabs
/// turned into spaces, and invalid UTF-8 replaced by U+FFFD.
pub fn clean_bytes(bytes: &[u8]) -> String {
    clean_text(&String::from_utf8_lossy(bytes))
}

/// See [`clean_bytes`].
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI/OSC/DCS introducers start sequences of their own.
            '\u{9b}' => skip_until_final(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\t' => out.push_str("    "),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_until_final(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Two-character sequences such as ESC c (reset) or ESC ( B.
        Some('(' | ')' | '*' | '+' | '#' | '%') => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameters and intermediates until a final byte in 0x40..=0x7e.
fn skip_until_final(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// OSC, DCS, SOS, PM, APC: until BEL or ST (ESC \ or U+009C).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// A colour as the line asked for it; the UI maps it onto its palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnsiColor {
    /// The 16 basic colours: 0–7 (SGR 30–37/40–47), 8–15 bright (SGR 90–97/100–107).
    Basic(u8),
    /// The 256-colour palette (`38;5;N`).
    Indexed(u8),
    /// True colour (`38;2;R;G;B`).
    Rgb(u8, u8, u8),
}

/// The SGR attributes golive renders; `None` colours mean the terminal default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AnsiStyle {
    pub fg: Option<AnsiColor>,
    pub bg: Option<AnsiColor>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub reverse: bool,
}

/// A run of printable text in one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub style: AnsiStyle,
}

/// One line's text as styled spans: SGR sequences become styles, every other
/// sequence and control byte is dropped, tabs become four spaces. Adjacent
/// text in the same style is one span; the style does not carry over to the
/// next call.
pub fn parse_ansi(line: &str) -> Vec<Span> {
    parse_ansi_bytes(line.as_bytes())
}

/// [`parse_ansi`] for raw bytes: invalid UTF-8 becomes U+FFFD.
pub fn parse_ansi_bytes(line: &[u8]) -> Vec<Span> {
    let (text, runs) = parse_ansi_runs(line);
    runs.into_iter()
        .map(|(range, style)| Span {
            text: text[range].to_string(),
            style,
        })
        .collect()
}

/// The line's printable text in one string and its styles as byte ranges
/// of it (default-styled runs included), adjacent runs of one style
/// joined: what a log line keeps, built without a string per run.
pub fn parse_ansi_runs(line: &[u8]) -> (String, Vec<(std::ops::Range<usize>, AnsiStyle)>) {
    let mut styler = Styler {
        text: String::with_capacity(line.len()),
        ..Styler::default()
    };
    let mut parser = Parser::new();
    parser.advance(&mut styler, line);
    // vte holds a multi-byte character cut off at the end, waiting for more
    // input. One ESC flushes it as U+FFFD and prints nothing itself, whatever
    // state the parser is in.
    parser.advance(&mut styler, b"\x1b");
    (styler.text, styler.runs)
}

#[derive(Default)]
struct Styler {
    text: String,
    runs: Vec<(std::ops::Range<usize>, AnsiStyle)>,
    style: AnsiStyle,
}

/// Most parameters one SGR sequence is read for (vte keeps 32).
const MAX_SGR_PARAMS: usize = 32;

impl Styler {
    fn push(&mut self, c: char) {
        let start = self.text.len();
        self.text.push(c);
        let end = self.text.len();
        match self.runs.last_mut() {
            Some((range, style)) if *style == self.style && range.end == start => range.end = end,
            _ => self.runs.push((start..end, self.style)),
        }
    }

    fn sgr(&mut self, params: &Params) {
        let mut held: [&[u16]; MAX_SGR_PARAMS] = [&[]; MAX_SGR_PARAMS];
        let mut n = 0;
        for group in params.iter().take(MAX_SGR_PARAMS) {
            held[n] = group;
            n += 1;
        }
        let groups = &held[..n];
        if groups.is_empty() {
            self.style = AnsiStyle::default();
            return;
        }
        let mut i = 0;
        while let Some(group) = groups.get(i) {
            i += 1;
            let code = group.first().copied().unwrap_or(0);
            let s = &mut self.style;
            match code {
                0 => *s = AnsiStyle::default(),
                1 => s.bold = true,
                2 => s.dim = true,
                3 => s.italic = true,
                // `4:0` turns underline off; `4:3` (curly) and friends keep it on.
                4 => s.underline = group.get(1) != Some(&0),
                7 => s.reverse = true,
                21 => s.underline = true,
                22 => {
                    s.bold = false;
                    s.dim = false;
                }
                23 => s.italic = false,
                24 => s.underline = false,
                27 => s.reverse = false,
                30..=37 => s.fg = Some(AnsiColor::Basic((code - 30) as u8)),
                39 => s.fg = None,
                40..=47 => s.bg = Some(AnsiColor::Basic((code - 40) as u8)),
                49 => s.bg = None,
                90..=97 => s.fg = Some(AnsiColor::Basic((code - 90 + 8) as u8)),
                100..=107 => s.bg = Some(AnsiColor::Basic((code - 100 + 8) as u8)),
                38 | 48 => {
                    let color = if group.len() > 1 {
                        extended_color(&group[1..], true)
                    } else {
                        // `38;5;N` / `38;2;R;G;B`: the colour spans the next parameters.
                        let mut rest = [0u16; 4];
                        let taken = groups[i..].len().min(4);
                        for (slot, g) in rest.iter_mut().zip(&groups[i..i + taken]) {
                            *slot = g.first().copied().unwrap_or(0);
                        }
                        let rest = &rest[..taken];
                        let color = extended_color(rest, false);
                        i += match rest.first() {
                            Some(5) => 2,
                            Some(2) => 4,
                            _ => 0,
                        }
                        .min(groups.len() - i);
                        color
                    };
                    if let Some(color) = color {
                        if code == 38 {
                            s.fg = Some(color);
                        } else {
                            s.bg = Some(color);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// `5;N` or `2;R;G;B`; in the colon form `2` may be followed by a colour-space
/// id before R, G and B (`38:2::R:G:B` arrives as `2, 0, R, G, B`).
fn extended_color(p: &[u16], colon_form: bool) -> Option<AnsiColor> {
    let byte = |v: &u16| u8::try_from(*v).ok();
    match p {
        [5, n, ..] => byte(n).map(AnsiColor::Indexed),
        [2, _, r, g, b, ..] if colon_form => Some(AnsiColor::Rgb(byte(r)?, byte(g)?, byte(b)?)),
        [2, r, g, b, ..] => Some(AnsiColor::Rgb(byte(r)?, byte(g)?, byte(b)?)),
        _ => None,
    }
}

impl Perform for Styler {
    fn print(&mut self, c: char) {
        // vte prints DEL and C1 characters that arrive UTF-8 encoded.
        if !c.is_control() {
            self.push(c);
        }
    }

    fn execute(&mut self, byte: u8) {
        if byte == b'\t' {
            for _ in 0..4 {
                self.push(' ');
            }
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: char) {
        // Private-marker variants (`CSI ? ... m`, `CSI > ... m`) are not SGR.
        if action == 'm' && intermediates.is_empty() && !ignore {
            self.sgr(params);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn strips_sequences_and_controls() {
        assert_eq!(clean_text("a\u{1b}[2Jb\u{1b}]0;title\u{7}c\u{8}d"), "abcd");
        assert_eq!(clean_text("x\ty"), "x    y");
        assert_eq!(clean_bytes(b"ok\xff"), "ok\u{fffd}");
        assert_eq!(clean_text("\u{9b}31mred"), "red");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod ansi_tests {
    use proptest::prelude::*;

    use super::*;

    fn joined(spans: &[Span]) -> String {
        spans.iter().map(|s| s.text.as_str()).collect()
    }

    fn span(text: &str, style: AnsiStyle) -> Span {
        Span {
            text: text.to_string(),
            style,
        }
    }

    fn fg(color: AnsiColor) -> AnsiStyle {
        AnsiStyle {
            fg: Some(color),
            ..AnsiStyle::default()
        }
    }

    #[test]
    fn plain_text_is_one_default_span() {
        assert_eq!(
            parse_ansi("GET /health 200 — ok ✔"),
            vec![span("GET /health 200 — ok ✔", AnsiStyle::default())]
        );
        assert!(parse_ansi("").is_empty());
        assert!(parse_ansi("\u{1b}[31m").is_empty());
    }

    #[test]
    fn basic_colours_and_resets() {
        assert_eq!(
            parse_ansi("\u{1b}[31mERROR\u{1b}[0m done \u{1b}[92mok\u{1b}[39m!"),
            vec![
                span("ERROR", fg(AnsiColor::Basic(1))),
                span(" done ", AnsiStyle::default()),
                span("ok", fg(AnsiColor::Basic(10))),
                span("!", AnsiStyle::default()),
            ]
        );
        let bg = parse_ansi("\u{1b}[44;1mA\u{1b}[103mB\u{1b}[49;22mC\u{1b}[mD");
        let blue_bold = AnsiStyle {
            bg: Some(AnsiColor::Basic(4)),
            bold: true,
            ..AnsiStyle::default()
        };
        assert_eq!(
            bg,
            vec![
                span("A", blue_bold),
                span(
                    "B",
                    AnsiStyle {
                        bg: Some(AnsiColor::Basic(11)),
                        ..blue_bold
                    }
                ),
                span("CD", AnsiStyle::default()),
            ]
        );
        // Adjacent text in the same style merges across no-op sequences.
        assert_eq!(
            parse_ansi("a\u{1b}[2Jb\u{1b}[0mc"),
            vec![span("abc", AnsiStyle::default())]
        );
    }

    #[test]
    fn attributes_on_and_off() {
        let spans = parse_ansi("\u{1b}[1;2;3;4;7mX\u{1b}[22;23mY\u{1b}[24;27mZ");
        let all = AnsiStyle {
            bold: true,
            dim: true,
            italic: true,
            underline: true,
            reverse: true,
            ..AnsiStyle::default()
        };
        assert_eq!(
            spans,
            vec![
                span("X", all),
                span(
                    "Y",
                    AnsiStyle {
                        underline: true,
                        reverse: true,
                        ..AnsiStyle::default()
                    }
                ),
                span("Z", AnsiStyle::default()),
            ]
        );
        let curly = parse_ansi("\u{1b}[4:3mU\u{1b}[4:0mV");
        assert!(curly[0].style.underline);
        assert!(!curly[1].style.underline);
    }

    #[test]
    fn extended_colours_in_both_notations() {
        let spans = parse_ansi(
            "\u{1b}[38;5;208mA\u{1b}[48;2;10;20;30mB\u{1b}[0;38:2::1:2:3mC\u{1b}[38:5:9;1mD\u{1b}[38:2:4:5:6mE",
        );
        let orange = fg(AnsiColor::Indexed(208));
        assert_eq!(
            spans,
            vec![
                span("A", orange),
                span(
                    "B",
                    AnsiStyle {
                        bg: Some(AnsiColor::Rgb(10, 20, 30)),
                        ..orange
                    }
                ),
                span("C", fg(AnsiColor::Rgb(1, 2, 3))),
                span(
                    "D",
                    AnsiStyle {
                        bold: true,
                        ..fg(AnsiColor::Indexed(9))
                    }
                ),
                span(
                    "E",
                    AnsiStyle {
                        bold: true,
                        ..fg(AnsiColor::Rgb(4, 5, 6))
                    }
                ),
            ]
        );
        // Parameters after an extended colour still apply; bad values are ignored.
        assert_eq!(
            parse_ansi("\u{1b}[38;5;300;4mX")[0].style,
            AnsiStyle {
                underline: true,
                ..AnsiStyle::default()
            }
        );
        assert_eq!(parse_ansi("\u{1b}[38;5mX")[0].style, AnsiStyle::default());
    }

    #[test]
    fn every_other_sequence_is_dropped() {
        let hostile = concat!(
            "\u{1b}]0;pwned title\u{7}",              // OSC title, BEL-terminated
            "\u{1b}]8;;https://evil.example\u{1b}\\", // OSC 8 hyperlink, ST-terminated
            "link",
            "\u{1b}]8;;\u{1b}\\",
            "\u{1b}[2J\u{1b}[H\u{1b}[5A\u{1b}[?25l\u{1b}[?1049h", // clears, moves, modes
            "\u{1b}P1$r0m\u{1b}\\",                               // DCS
            "\u{1b}_apc\u{1b}\\\u{1b}^pm\u{1b}\\",                // APC, PM
            "\u{1b}7\u{1b}8\u{1b}c\u{1b}(B",                      // ESC sequences
            " a\u{7}b\u{8}c\rd\u{7f}e\u{9b}f\u{85}g\u{0}h\tend"
        );
        let spans = parse_ansi(hostile);
        assert_eq!(joined(&spans), "link abcdefgh    end");
        assert!(spans.iter().all(|s| s.style == AnsiStyle::default()));
        // `CSI > 4 ; 2 m` (xterm modifyOtherKeys) is not SGR.
        assert_eq!(parse_ansi("\u{1b}[>4;2mX")[0].style, AnsiStyle::default());
    }

    #[test]
    fn bytes_invalid_utf8_and_raw_c1() {
        assert_eq!(
            joined(&parse_ansi_bytes(b"ok\xff\xfe \x9b31m red")),
            "ok\u{fffd}\u{fffd} 31m red"
        );
        assert_eq!(joined(&parse_ansi_bytes(b"cut \xe2\x82")), "cut \u{fffd}");
        assert_eq!(joined(&parse_ansi_bytes(b"cut \xf0")), "cut \u{fffd}");
        assert_eq!(joined(&parse_ansi_bytes("é€😀".as_bytes())), "é€😀");
        let red = parse_ansi_bytes(b"\x1b[31m\xc3\xa9\xff");
        assert_eq!(red, vec![span("é\u{fffd}", fg(AnsiColor::Basic(1)))]);
    }

    #[test]
    fn style_does_not_leak_between_lines() {
        let first = parse_ansi("\u{1b}[1;31mstart");
        assert!(first[0].style.bold);
        assert_eq!(parse_ansi("next")[0].style, AnsiStyle::default());
    }

    fn harmless(c: char) -> bool {
        !(c < ' ' || c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c))
    }

    proptest! {
        #[test]
        fn ansi_output_has_no_control_characters(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let spans = parse_ansi_bytes(&bytes);
            for s in &spans {
                prop_assert!(!s.text.is_empty());
                prop_assert!(s.text.chars().all(harmless), "{:?}", s.text);
            }
            for pair in spans.windows(2) {
                prop_assert_ne!(pair[0].style, pair[1].style);
            }
        }

        #[test]
        fn ansi_output_is_clean_for_escape_heavy_text(
            text in "(\u{1b}|\\[|\\]|;|[0-9]|m|\u{7}|\u{9b}|\u{9c}|\\\\|P|a|é|\t|\r|\n){0,80}"
        ) {
            for s in parse_ansi(&text) {
                prop_assert!(s.text.chars().all(harmless), "{:?}", s.text);
            }
        }

        #[test]
        fn plain_text_passes_through(text in "[^\u{0}-\u{1f}\u{7f}-\u{9f}]{0,100}") {
            prop_assert_eq!(joined(&parse_ansi(&text)), text.clone());
            prop_assert_eq!(clean_text(&text), text);
        }

        #[test]
        fn clean_bytes_has_no_control_characters(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let out = clean_bytes(&bytes);
            prop_assert!(out.chars().all(harmless), "{:?}", out);
        }
    }
}
