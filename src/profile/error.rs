//! Profile errors: every problem names the file, line and column, shows the
//! offending line with a caret, and says how to fix it. The loader collects
//! as many problems as it can in one pass, so a user fixes a file in one go
//! instead of one error per run.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem found in a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileIssue {
    pub file: PathBuf,
    /// 1-based; 0 when the problem has no place in the file.
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// How to fix it ("did you mean `title`?").
    pub hint: Option<String>,
    /// The source line the problem is on, shown with a caret under `column`.
    pub snippet: Option<String>,
}

impl fmt::Display for ProfileIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)?;
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )?;
        }
        if let Some(snippet) = &self.snippet {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            let caret = " ".repeat(self.column.saturating_sub(1));
            write!(f, "\n {pad} |\n {gutter} | {snippet}\n {pad} | {caret}^")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read profile {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", issues.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid { issues: Vec<ProfileIssue> },
    #[error("{}: unset variable{} with no default: {} (set {} or give a default with ${{VAR:-default}})", path.display(), if vars.len() == 1 { "" } else { "s" }, vars.join(", "), if vars.len() == 1 { "it" } else { "them" })]
    Unresolved { path: PathBuf, vars: Vec<String> },
}

impl ProfileError {
    /// The individual problems (one for an I/O or unresolved error).
    pub fn issues(&self) -> Vec<ProfileIssue> {
        match self {
            ProfileError::Invalid { issues } => issues.clone(),
            ProfileError::Io { path, source } => vec![ProfileIssue {
                file: path.clone(),
                line: 0,
                column: 0,
                message: format!("cannot read profile: {source}"),
                hint: None,
                snippet: None,
            }],
            ProfileError::Unresolved { path, .. } => {
                vec![ProfileIssue {
                    file: path.clone(),
                    line: 0,
                    column: 0,
                    message: self.to_string(),
                    hint: None,
                    snippet: None,
                }]
            }
        }
    }
}

/// The text being loaded and the problems found in it so far; turns byte
/// spans into 1-based lines and columns.
pub(crate) struct Issues<'a> {
    pub file: &'a Path,
    pub text: &'a str,
    pub list: Vec<ProfileIssue>,
}

impl<'a> Issues<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Self {
            file,
            text,
            list: Vec::new(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    fn snippet(&self, line: usize) -> Option<String> {
        self.text.lines().nth(line.checked_sub(1)?).map(|l| {
            l.trim_end()
                .chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .filter(|c| !c.is_control())
                .collect()
        })
    }

    pub fn at(&mut self, offset: usize, message: impl Into<String>, hint: Option<String>) {
        let (line, column) = self.position(offset);
        let snippet = self.snippet(line);
        self.list.push(ProfileIssue {
            file: self.file.to_path_buf(),
            line,
            column,
            message: message.into(),
            hint,
            snippet,
        });
    }

    pub fn span(&mut self, span: Range<usize>, message: impl Into<String>, hint: Option<String>) {
        self.at(span.start, message, hint);
    }

    /// A problem that belongs to the file as a whole (line and column 0).
    pub fn whole(&mut self, message: impl Into<String>, hint: Option<String>) {
        self.list.push(ProfileIssue {
            file: self.file.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
            hint,
            snippet: None,
        });
    }

    /// A `toml` parse or deserialisation error, with its message made
    /// friendlier and a hint where one can be guessed.
    pub fn toml(&mut self, err: &toml::de::Error) {
        let start = err.span().map(|s| s.start).unwrap_or(0);
        let (message, hint) = explain_toml(err.message(), self.key_before(start));
        if err.span().is_some() {
            self.at(start, message, hint);
        } else {
            self.whole(message, hint);
        }
    }

    /// The key on the left of `key = value` when `offset` is the value's
    /// start, so type errors can say which key they are about.
    fn key_before(&self, offset: usize) -> Option<&'a str> {
        let text: &'a str = self.text;
        let head = text.get(..offset)?;
        let line = head.rsplit('\n').next()?;
        let line = line.trim_end().strip_suffix('=')?.trim_end();
        let key = line
            .rsplit(|c: char| c == '{' || c == ',' || c.is_whitespace())
            .next()?;
        (!key.is_empty()).then_some(key)
    }
}

const DURATION_KEYS: [&str; 7] = [
    "poll_interval",
    "timeout",
    "hold",
    "window",
    "duration",
    "for",
    "time",
];

fn explain_toml(message: &str, key: Option<&str>) -> (String, Option<String>) {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let words = backticked(rest);
        if let Some((unknown, expected)) = words.split_first() {
            let expected: Vec<&str> = expected.to_vec();
            let hint = match suggest(unknown, &expected) {
                Some(best) => format!("did you mean `{best}`?"),
                None if expected.is_empty() => "remove it".to_string(),
                None => format!("expected one of {}", quoted_list(&expected)),
            };
            return (format!("unknown key `{unknown}`"), Some(hint));
        }
    }
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        let message = plain_type_names(message)
            .replace("expected i64", "expected an integer")
            .replace("expected u64", "expected a positive integer")
            .replace("expected f64", "expected a number");
        let hint = match key {
            Some(k) if DURATION_KEYS.contains(&k) => Some(format!(
                "`{k}` is a duration: a quoted number with a unit, e.g. \"30s\" or \"5m\""
            )),
            Some(k) => Some(format!("check the type of `{k}`")),
            None => None,
        };
        return (message, hint);
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let name = backticked(rest)
            .first()
            .copied()
            .unwrap_or(rest)
            .to_string();
        return (
            format!("missing key `{name}`"),
            Some(format!("add `{name} = ...` to this table")),
        );
    }
    (message.to_string(), None)
}

/// serde's names for what it wanted ("struct RawAction", "a map") in the
/// words of TOML.
fn plain_type_names(message: &str) -> String {
    let mut out = message
        .replace("a map", "a table")
        .replace("a sequence", "an array");
    while let Some(at) = out.find("struct Raw") {
        let end = out[at + "struct ".len()..]
            .find(|c: char| !c.is_alphanumeric())
            .map_or(out.len(), |i| at + "struct ".len() + i);
        out.replace_range(at..end, "a table");
    }
    out
}

fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

pub(crate) fn quoted_list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The candidate closest to `word` when it is close enough to be a typo.
pub(crate) fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let word_lower = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&word_lower, &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.chars().count().max(word.chars().count()) / 3).clamp(1, 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance over characters where swapping two neighbours counts as one
/// edit (optimal string alignment), since `titel` for `title` is one typo.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("titel", "title"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("tile", "title"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn suggests_only_close_words() {
        let keys = ["id", "title", "description", "check"];
        assert_eq!(suggest("titel", &keys), Some("title"));
        assert_eq!(suggest("descripton", &keys), Some("description"));
        assert_eq!(suggest("zzzzzz", &keys), None);
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nñb = 2\n";
        let issues = Issues::new(Path::new("x.toml"), text);
        assert_eq!(issues.position(0), (1, 1));
        assert_eq!(issues.position(6), (2, 1));
        // 'b' sits after the two-byte 'ñ'.
        assert_eq!(issues.position(8), (2, 2));
        assert_eq!(issues.position(7), (2, 1), "inside a character rounds down");
        assert_eq!(issues.position(999), (3, 1));
    }

    #[test]
    fn serde_type_names_become_toml_words() {
        assert_eq!(
            plain_type_names("invalid type: integer `5`, expected struct RawAction"),
            "invalid type: integer `5`, expected a table"
        );
        assert_eq!(
            plain_type_names("invalid type: string \"x\", expected a sequence"),
            "invalid type: string \"x\", expected an array"
        );
    }

    #[test]
    fn key_before_finds_inline_and_plain_keys() {
        let text = "timeout = 5\ncheck = { hold = 3 }";
        let issues = Issues::new(Path::new("x.toml"), text);
        assert_eq!(issues.key_before(10), Some("timeout"));
        let hold_value = text.find("3 }").unwrap();
        assert_eq!(issues.key_before(hold_value), Some("hold"));
    }
}
