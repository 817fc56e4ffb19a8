//! Log lines as the cockpit holds them: sanitised text, a severity, the source
//! it came from, kept in a bounded ring buffer so a chatty container cannot
//! grow memory. The log pane's view state (filter, search, follow, wrap,
//! timestamps) lives here too, pure, so every key is testable without a
//! terminal; saving lines is an effect an adapter carries out.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use regex::Regex;

use crate::engine::log_parse::{self, Structured};
use crate::engine::sanitize::{AnsiStyle, parse_ansi_runs};
use crate::profile::LogSource;

pub use super::logs_check::{
    LogsVerdict, evaluate_logs_check, evaluate_logs_check_in, is_service_line,
    logs_verdict_sentence, missing_source,
};

/// Default ring-buffer size when the profile does not set one.
pub const DEFAULT_CAPACITY: usize = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Severity {
    Trace,
    Debug,
    #[default]
    Info,
    Warn,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Trace => "trace",
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
        }
    }

    /// Called on up to a dozen words of every line: compares without
    /// lowering a copy.
    pub(crate) fn from_word(word: &str) -> Option<Severity> {
        const WORDS: [(&str, Severity); 14] = [
            ("error", Severity::Error),
            ("err", Severity::Error),
            ("fatal", Severity::Error),
            ("critical", Severity::Error),
            ("crit", Severity::Error),
            ("panic", Severity::Error),
            ("emerg", Severity::Error),
            ("alert", Severity::Error),
            ("warn", Severity::Warn),
            ("warning", Severity::Warn),
            ("info", Severity::Info),
            ("notice", Severity::Info),
            ("debug", Severity::Debug),
            ("trace", Severity::Trace),
        ];
        if word.len() > "critical".len() {
            return None;
        }
        WORDS
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|(_, s)| *s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// The log source id (or container/replica name) it came from, shared
    /// by every line of the source: a full pane holds tens of thousands
    /// of lines and one copy of each name.
    pub source: Arc<str>,
    /// The container (replica) within a Docker source, shown as the prefix;
    /// shared by the replica's lines like `source`.
    pub replica: Option<Arc<str>>,
    /// When golive (or the engine) received it: what time windows and
    /// logs checks count by, whatever the line's own clock says.
    pub at: Option<DateTime<Utc>>,
    /// When the line says it was written (its leading timestamp or JSON
    /// time field), shown in the time column instead of `at`.
    pub written: Option<DateTime<Utc>>,
    /// Sanitised text: no control or escape bytes. A leading timestamp is
    /// taken off (it is `written`); a JSON line stays whole.
    pub text: String,
    pub severity: Severity,
    /// Colours the line asked for (SGR only), as byte ranges of `text`;
    /// empty for plain lines, so they cost nothing.
    pub styles: Vec<StyleRun>,
    /// A JSON line read as a record (level, message, fields), drawn as
    /// `LEVEL message key=value …` unless the pane shows raw lines.
    pub structured: Option<Box<Structured>>,
}

/// A byte range of a line's text in one ANSI style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleRun {
    pub range: Range<usize>,
    pub style: AnsiStyle,
}

impl LogLine {
    /// The name shown before the text: the replica, else the source id.
    pub fn prefix(&self) -> &str {
        self.replica.as_deref().unwrap_or(&self.source)
    }

    /// The time the pane shows: the line's own, else when it came.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        self.written.or(self.at)
    }

    /// The text drawn: a record's `LEVEL message key=value …`, or with
    /// `raw` (and for every other line) the text itself.
    pub fn shown(&self, raw: bool) -> &str {
        match &self.structured {
            Some(record) if !raw => &record.shown,
            _ => &self.text,
        }
    }

    /// Whether a filter or search pattern finds this line: in its text or
    /// in the form a record is drawn in (`status=503`).
    pub fn matches(&self, re: &Regex) -> bool {
        re.is_match(&self.text)
            || self
                .structured
                .as_ref()
                .is_some_and(|r| re.is_match(&r.shown))
    }

    /// The line as plain text, as `golive logs` prints it and saving writes
    /// it: the time once, the prefix, the text (a JSON line as written, so
    /// tools that read JSON still can).
    pub fn render(&self, timestamps: bool) -> String {
        match (timestamps, self.time()) {
            (true, Some(at)) => format!(
                "{} {} {}",
                at.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                self.prefix(),
                self.text
            ),
            _ => format!("{} {}", self.prefix(), self.text),
        }
    }

    /// Builds a line from already sanitised text, deriving its severity,
    /// its own time and, for a JSON record, its fields.
    pub fn new(source: impl Into<Arc<str>>, at: Option<DateTime<Utc>>, text: String) -> Self {
        Self::parsed(source.into(), at, Cow::Owned(text), Vec::new())
    }

    /// Reads what the line says about itself, once, as it enters: a JSON
    /// record's time, level and fields, else a leading timestamp, which
    /// is taken off the text (and the colour runs moved with it).
    fn parsed(
        source: Arc<str>,
        at: Option<DateTime<Utc>>,
        mut text: Cow<'_, str>,
        mut styles: Vec<StyleRun>,
    ) -> Self {
        let mut written = None;
        let mut structured = None;
        let severity;
        if let Some(parsed) = log_parse::structured(&text) {
            written = parsed.written;
            severity = parsed.severity;
            structured = Some(Box::new(parsed.record));
        } else {
            if let Some((time, rest)) = log_parse::leading_time(&text) {
                written = Some(time);
                text = match text {
                    // Copied once, without the stamp.
                    Cow::Borrowed(all) => Cow::Owned(all[rest..].to_owned()),
                    Cow::Owned(mut all) => {
                        all.drain(..rest);
                        Cow::Owned(all)
                    }
                };
                styles = styles
                    .into_iter()
                    .filter(|r| r.range.end > rest)
                    .map(|r| StyleRun {
                        range: r.range.start.saturating_sub(rest)..r.range.end - rest,
                        style: r.style,
                    })
                    .collect();
            }
            severity = severity_of(&text);
        }
        // Held for as long as the pane keeps it: no spare capacity.
        let mut text = text.into_owned();
        text.shrink_to_fit();
        styles.shrink_to_fit();
        Self {
            source,
            replica: None,
            at,
            written,
            text,
            severity,
            styles,
            structured,
        }
    }

    /// Builds a line from raw bytes as a container or file wrote them: SGR
    /// colours kept as styles, every other escape sequence, control byte and
    /// invalid UTF-8 made harmless.
    pub fn from_bytes(
        source: impl Into<Arc<str>>,
        at: Option<DateTime<Utc>>,
        bytes: &[u8],
    ) -> Self {
        if !bytes.iter().any(|b| *b == 0x1b || *b >= 0x80 || *b < 0x20) {
            // Plain printable ASCII: nothing to parse (the common case).
            return Self::parsed(
                source.into(),
                at,
                String::from_utf8_lossy(bytes),
                Vec::new(),
            );
        }
        let (text, runs) = parse_ansi_runs(bytes);
        let styles = runs
            .into_iter()
            .filter(|(_, style)| *style != AnsiStyle::default())
            .map(|(range, style)| StyleRun { range, style })
            .collect();
        Self::parsed(source.into(), at, Cow::Owned(text), styles)
    }
}

/// Severity as a reader would judge it: a JSON line's `level` field (seed
/// 003's structured logs), then ❌/⚠️ markers (seed 000's monitor output),
/// then the first level word near the start of the line.
pub fn severity_of(text: &str) -> Severity {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{')
        && let Ok(serde_json::Value::Object(map)) = serde_json::from_str(trimmed)
    {
        for key in ["level", "severity", "levelname", "lvl"] {
            if let Some(sev) = map
                .get(key)
                .and_then(|v| v.as_str())
                .and_then(Severity::from_word)
            {
                return sev;
            }
        }
    }
    if text.contains('❌') {
        return Severity::Error;
    }
    if text.contains('⚠') {
        return Severity::Warn;
    }
    // Level words sit near the start ("2024-.. ERROR", "[warn]", "level=error");
    // a later "error" is usually message text ("0 errors", "no error").
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(12)
        .find_map(Severity::from_word)
        .unwrap_or_default()
}

#[derive(Debug, Clone)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    capacity: usize,
    /// Lines pushed out of the front since the start.
    pub evicted: u64,
}

impl LogBuffer {
    pub fn new(capacity: usize) -> Self {
        Self {
            lines: VecDeque::with_capacity(capacity.min(4096)),
            capacity: capacity.max(1),
            evicted: 0,
        }
    }

    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            self.evicted += 1;
        }
        self.lines.push_back(line);
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn get(&self, index: usize) -> Option<&LogLine> {
        self.lines.get(index)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }
}

/// A stable palette slot (0..6) for a replica's prefix, so each container
/// keeps its colour across restarts and runs (FNV-1a of the name).
pub fn prefix_colour(name: &str) -> u8 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    (hash % 6) as u8
}

/// What the log pane asks an adapter to do.
#[derive(Debug, Clone, PartialEq)]
pub enum LogEffect {
    /// Write these lines (already rendered as text) to `path`.
    Save { path: PathBuf, lines: Vec<String> },
}

/// The log pane: the buffer plus how it is being looked at. Indices are
/// absolute (counted since the start, evictions included), so a position
/// survives lines falling off the front.
#[derive(Debug, Clone)]
pub struct LogView {
    pub buffer: LogBuffer,
    pub(crate) filter: Option<Regex>,
    /// Lines of context kept around each filter match.
    pub context: usize,
    pub(crate) search: Option<Regex>,
    /// Absolute index of the current search match.
    pub cursor: Option<u64>,
    /// Follow the tail; false when the operator paused or scrolled.
    pub follow: bool,
    pub wrap: bool,
    pub timestamps: bool,
    /// Draw JSON records as written instead of `LEVEL message key=value`.
    pub raw: bool,
    /// Columns inside the pane (the runtime says), for counting the rows a
    /// wrapped line takes.
    pub cols: usize,
    /// In wrap mode while paused: how many rows of the bottom line are shown
    /// (its last shown row on the pane's last row); None shows it whole, or
    /// its start when it is taller than the pane.
    pub bottom_rows: Option<usize>,
    /// Why the last filter or search text was refused, for the status line.
    pub error: Option<String>,
    /// Each source's own `highlight = [...]` patterns.
    pub(crate) source_highlights: Vec<(String, Regex)>,
    /// The time window's start: older lines are hidden; a line without a
    /// time stays, since hiding it would hide lines whose age is unknown.
    pub(crate) since: Option<DateTime<Utc>>,
    /// Absolute index of the bottom line shown while paused, so the view
    /// stays put as new lines arrive below it.
    pub bottom: u64,
    /// Whether each held line matches the filter, decided once as it
    /// arrives, so a frame never runs the filter over the whole buffer.
    pub(crate) hits: VecDeque<bool>,
    /// Absolute index one past the last line `hits` describes: lines
    /// pushed into `buffer` directly make it stale, and then it is not used.
    pub(crate) hits_end: u64,
}

impl LogView {
    pub fn new(capacity: usize) -> Self {
        Self {
            buffer: LogBuffer::new(capacity),
            filter: None,
            context: 0,
            search: None,
            cursor: None,
            follow: true,
            wrap: false,
            timestamps: true,
            raw: false,
            cols: 80,
            bottom_rows: None,
            error: None,
            source_highlights: Vec::new(),
            since: None,
            bottom: 0,
            hits: VecDeque::new(),
            hits_end: 0,
        }
    }

    /// Takes each source's `highlight` patterns; an invalid one is skipped
    /// and named in the returned list (the profile loader should have
    /// refused it already).
    pub fn set_source_highlights(&mut self, sources: &[LogSource]) -> Vec<String> {
        let mut invalid = Vec::new();
        self.source_highlights.clear();
        for source in sources {
            for pattern in &source.highlight {
                match Regex::new(pattern) {
                    Ok(re) => self.source_highlights.push((source.id.clone(), re)),
                    Err(_) => invalid.push(format!("{}: {pattern}", source.id)),
                }
            }
        }
        invalid
    }

    /// Ranges of `line` to highlight: the search (else the filter), plus the
    /// line's source's own patterns; sorted, possibly overlapping.
    /// The ranges are of the text drawn ([`LogLine::shown`]).
    pub fn line_highlights(&self, line: &LogLine) -> Vec<Range<usize>> {
        let text = line.shown(self.raw);
        let mut ranges = self.highlights(text);
        for (source, re) in &self.source_highlights {
            if **source == *line.source {
                ranges.extend(
                    re.find_iter(text)
                        .filter(|m| !m.range().is_empty())
                        .map(|m| m.range()),
                );
            }
        }
        ranges.sort_by_key(|r| (r.start, r.end));
        ranges
    }

    pub fn push_batch(&mut self, lines: impl IntoIterator<Item = LogLine>) {
        if !self.hits_fresh() {
            self.refresh_hits();
        }
        for line in lines {
            let hit = self.filter.as_ref().is_some_and(|f| line.matches(f));
            self.buffer.push(line);
            if self.hits.len() == self.buffer.len() {
                self.hits.pop_front();
            }
            self.hits.push_back(hit);
        }
        self.hits_end = self.end();
        if let Some(cursor) = self.cursor
            && cursor < self.buffer.evicted
        {
            self.cursor = None;
        }
    }

    /// `/`: an empty text clears the filter; an invalid regex keeps the old
    /// filter and says why.
    pub fn set_filter(&mut self, text: &str) {
        match compile(text) {
            Ok(re) => {
                self.filter = re;
                self.error = None;
                self.refresh_hits();
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Absolute index one past the newest line held.
    pub(crate) fn end(&self) -> u64 {
        self.buffer.evicted + self.buffer.len() as u64
    }

    pub(crate) fn hits_fresh(&self) -> bool {
        self.hits.len() == self.buffer.len() && self.hits_end == self.end()
    }

    pub(crate) fn refresh_hits(&mut self) {
        self.hits = match &self.filter {
            Some(f) => self.buffer.iter().map(|l| l.matches(f)).collect(),
            None => self.buffer.iter().map(|_| false).collect(),
        };
        self.hits_end = self.end();
    }

    pub fn set_search(&mut self, text: &str) {
        match compile(text) {
            Ok(re) => {
                self.search = re;
                self.error = None;
                self.cursor = None;
                self.search_next();
            }
            Err(e) => self.error = Some(e),
        }
    }

    pub fn filter_text(&self) -> Option<&str> {
        self.filter.as_ref().map(|r| r.as_str())
    }

    pub fn search_text(&self) -> Option<&str> {
        self.search.as_ref().map(|r| r.as_str())
    }

    /// Sets the start of the time window (None: all lines).
    pub fn set_since(&mut self, since: Option<DateTime<Utc>>) {
        self.since = since;
    }

    pub fn toggle_follow(&mut self) {
        if self.follow {
            self.pause();
        } else {
            self.follow = true;
        }
    }

    /// Puts the view's bottom line at `bottom` (whole, in wrap mode).
    pub(crate) fn anchor(&mut self, bottom: u64) {
        self.bottom = bottom;
        self.bottom_rows = None;
    }

    /// Stops following with the view where it is: at the newest line.
    pub fn pause(&mut self) {
        if self.follow {
            self.follow = false;
            self.anchor((self.buffer.evicted + self.buffer.len() as u64).saturating_sub(1));
        }
    }

    pub fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
        self.bottom_rows = None;
    }

    pub fn toggle_timestamps(&mut self) {
        self.timestamps = !self.timestamps;
        self.bottom_rows = None;
    }

    /// `J`: JSON records as written, or drawn as `LEVEL message key=value`.
    pub fn toggle_raw(&mut self) {
        self.raw = !self.raw;
        self.bottom_rows = None;
    }

    /// Absolute indices of the lines the filter keeps (all when no filter),
    /// with `context` lines either side of each match, within the time window.
    pub fn visible(&self) -> Vec<u64> {
        self.visible_and_matches().0
    }

    /// [`visible`](Self::visible), and how many of those lines match the
    /// filter themselves (the rest are context).
    pub fn visible_and_matches(&self) -> (Vec<u64>, usize) {
        let base = self.buffer.evicted;
        let in_window: Vec<(usize, &LogLine)> = self
            .buffer
            .iter()
            .enumerate()
            .filter(|(_, l)| self.in_window(l))
            .collect();
        let Some(filter) = &self.filter else {
            let n = in_window.len();
            return (
                in_window
                    .into_iter()
                    .map(|(i, _)| base + i as u64)
                    .collect(),
                n,
            );
        };
        let fresh = self.hits_fresh();
        let hit = |i: usize, line: &LogLine| {
            if fresh {
                self.hits.get(i).copied().unwrap_or(false)
            } else {
                line.matches(filter)
            }
        };
        let n = in_window.len();
        let mut keep = vec![false; n];
        let mut matches = 0;
        for (k, (i, line)) in in_window.iter().enumerate() {
            if hit(*i, line) {
                matches += 1;
                let lo = k.saturating_sub(self.context);
                let hi = (k + self.context).min(n.saturating_sub(1));
                keep[lo..=hi].fill(true);
            }
        }
        let visible = in_window
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|((i, _), _)| base + *i as u64)
            .collect();
        (visible, matches)
    }

    pub(crate) fn in_window(&self, line: &LogLine) -> bool {
        match (self.since, line.at) {
            (Some(since), Some(at)) => at >= since,
            _ => true,
        }
    }

    pub fn line(&self, absolute: u64) -> Option<&LogLine> {
        let rel = absolute.checked_sub(self.buffer.evicted)?;
        self.buffer.get(usize::try_from(rel).ok()?)
    }

    /// Byte ranges of `text` to highlight: search matches, else filter matches.
    pub fn highlights(&self, text: &str) -> Vec<Range<usize>> {
        let Some(re) = self.search.as_ref().or(self.filter.as_ref()) else {
            return Vec::new();
        };
        re.find_iter(text)
            .filter(|m| !m.range().is_empty())
            .map(|m| m.range())
            .collect()
    }

    /// The visible lines as text (as they would be saved or copied).
    pub fn render(&self, line: &LogLine) -> String {
        line.render(self.timestamps)
    }

    pub fn save(&self, path: PathBuf) -> LogEffect {
        let lines = self
            .visible()
            .into_iter()
            .filter_map(|i| self.line(i))
            .map(|l| self.render(l))
            .collect();
        LogEffect::Save { path, lines }
    }
}

/// Smart case, as ripgrep's `-S`: a pattern in lower case ignores case.
fn compile(text: &str) -> Result<Option<Regex>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    regex::RegexBuilder::new(text)
        .case_insensitive(!text.chars().any(char::is_uppercase))
        .size_limit(1 << 20)
        .build()
        .map(Some)
        .map_err(|e| {
            // The regex crate's message spans lines (pattern, caret, error);
            // its last line says what is wrong, which fits a status line.
            let message = e.to_string();
            let why = message
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("invalid")
                .trim_start_matches("error: ")
                .to_string();
            format!("invalid pattern {text:?}: {why}")
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::profile::LogsCheck;
    use std::time::Duration;

    fn line(text: &str) -> LogLine {
        LogLine::new("api", None, text.to_string())
    }

    #[test]
    fn severity_from_words_json_and_markers() {
        assert_eq!(
            severity_of("2024-01-01T10:00:00Z ERROR boom"),
            Severity::Error
        );
        assert_eq!(severity_of("[warn] slow"), Severity::Warn);
        assert_eq!(severity_of("level=debug msg=x"), Severity::Debug);
        assert_eq!(
            severity_of(r#"{"level":"WARNING","message":"x"}"#),
            Severity::Warn
        );
        assert_eq!(
            severity_of(r#"{"levelname":"error","msg":"x"}"#),
            Severity::Error
        );
        assert_eq!(severity_of("❌ warm-up failed"), Severity::Error);
        assert_eq!(severity_of("⚠️ cache cold"), Severity::Warn);
        assert_eq!(severity_of("served 200 in 3ms"), Severity::Info);
        // A level word deep in the message is text, not a level.
        assert_eq!(
            severity_of("a b c d e f g h i j k l m n o p had no error"),
            Severity::Info
        );
    }

    #[test]
    fn colours_become_styles_and_other_escapes_vanish() {
        let l = LogLine::from_bytes("s", None, b"\x1b[31mERROR\x1b[0m x \x1b]0;t\x07\x1b[2J\xff");
        assert_eq!(l.text, "ERROR x \u{fffd}");
        assert_eq!(l.severity, Severity::Error);
        assert_eq!(l.styles.len(), 1);
        assert_eq!(l.styles[0].range, 0..5);
        assert!(l.styles[0].style.fg.is_some());
        let plain = LogLine::from_bytes("s", None, b"plain text");
        assert_eq!(plain.text, "plain text");
        assert!(plain.styles.is_empty());
    }

    #[test]
    fn prefix_colours_are_stable_and_spread() {
        assert_eq!(prefix_colour("api-1"), prefix_colour("api-1"));
        let slots: std::collections::BTreeSet<u8> = (0..20)
            .map(|i| prefix_colour(&format!("api-{i}")))
            .collect();
        assert!(slots.len() >= 4, "{slots:?}");
        assert!(slots.iter().all(|s| *s < 6));
    }

    #[test]
    fn ring_buffer_is_bounded() {
        let mut view = LogView::new(3);
        view.push_batch((0..10).map(|i| line(&format!("l{i}"))));
        assert_eq!(view.buffer.len(), 3);
        assert_eq!(view.buffer.evicted, 7);
        assert_eq!(view.visible(), vec![7, 8, 9]);
        assert_eq!(view.line(7).unwrap().text, "l7");
        assert!(view.line(6).is_none());
    }

    #[test]
    fn filter_keeps_context_and_highlights() {
        let mut view = LogView::new(100);
        view.push_batch(["a", "b", "ERROR x", "c", "d", "e"].map(line));
        view.context = 1;
        view.set_filter("ERR(OR)?");
        assert_eq!(view.visible(), vec![1, 2, 3]);
        assert_eq!(view.highlights("ERROR x ERR"), vec![0..5, 8..11]);
        view.set_filter("(");
        assert!(view.error.is_some());
        assert_eq!(view.filter_text(), Some("ERR(OR)?"));
        view.set_filter("");
        assert_eq!(view.visible().len(), 6);
    }

    #[test]
    fn filter_decisions_follow_pushes_evictions_and_direct_writes() {
        let mut view = LogView::new(4);
        view.set_filter("x");
        view.push_batch(["x0", "a1", "x2"].map(line));
        assert_eq!(view.visible_and_matches(), (vec![0, 2], 2));
        view.push_batch(["a3", "x4", "a5"].map(line));
        // 0 and 1 fell off the ring; their decisions went with them.
        assert_eq!(view.visible_and_matches(), (vec![2, 4], 2));
        // A line pushed past the view still counts, decided on the spot.
        view.buffer.push(line("x6"));
        assert_eq!(view.visible(), vec![4, 6]);
        view.push_batch([line("x7")]);
        assert_eq!(view.visible(), vec![4, 6, 7]);
        view.set_filter("a");
        assert_eq!(view.visible(), vec![5]);
    }

    #[test]
    fn source_highlights_apply_to_their_source_only() {
        let mut view = LogView::new(10);
        let sources = vec![LogSource {
            id: "api".into(),
            kind: crate::profile::LogKind::Command(vec!["x".into()]),
            highlight: vec!["slow".into(), "(".into()],
            grep: None,
        }];
        assert_eq!(view.set_source_highlights(&sources), vec!["api: ("]);
        view.set_search("req");
        let l = line("req slow");
        assert_eq!(view.line_highlights(&l), vec![0..3, 4..8]);
        let other = LogLine::new("db", None, "req slow".into());
        assert_eq!(view.line_highlights(&other), vec![0..3]);
    }

    #[test]
    fn search_steps_and_wraps() {
        let mut view = LogView::new(100);
        view.push_batch(["x1", "y", "x2", "y", "x3"].map(line));
        view.set_search("x");
        assert_eq!(view.cursor, Some(0));
        assert!(!view.follow);
        assert_eq!(view.search_next(), Some(2));
        assert_eq!(view.search_next(), Some(4));
        assert_eq!(view.search_next(), Some(0));
        assert_eq!(view.search_prev(), Some(4));
        view.set_search("nothing");
        assert_eq!(view.cursor, None);
    }

    #[test]
    fn jump_to_first_error_and_save() {
        let mut view = LogView::new(100);
        view.push_batch(["ok", "WARN a", "ERROR b", "ERROR c"].map(line));
        assert_eq!(view.jump_first_error(), Some(2));
        view.set_filter("ERROR");
        view.timestamps = false;
        let LogEffect::Save { lines, .. } = view.save(PathBuf::from("/tmp/x"));
        assert_eq!(lines, vec!["api ERROR b", "api ERROR c"]);
    }

    #[test]
    fn logs_check_counts_in_window() {
        let now = Utc::now();
        let check = LogsCheck {
            source: "api".into(),
            pattern: "ERROR|❌".into(),
            max: 1,
            window: Duration::from_secs(60),
        };
        let mut lines = vec![
            LogLine::new("api", Some(now), "ERROR new".into()),
            LogLine::new(
                "api",
                Some(now - chrono::Duration::seconds(120)),
                "ERROR old".into(),
            ),
            LogLine::new("other", Some(now), "ERROR elsewhere".into()),
        ];
        let v = evaluate_logs_check(&check, &lines, now);
        assert!(v.passed, "{}", v.explanation);
        assert_eq!(v.count, 1);
        lines.push(LogLine::new("api", Some(now), "❌ again".into()));
        let v = evaluate_logs_check(&check, &lines, now);
        assert!(!v.passed);
        assert_eq!(v.count, 2);
        assert!(v.explanation.contains("too many"));
    }
}
