//! Making remote text harmless before it can reach a terminal: bodies from
//! endpoints and lines from containers may carry escape sequences (screen
//! clears, title changes, cursor moves) or raw control bytes.

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

#[cfg(test)]
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
