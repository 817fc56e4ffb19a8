//! The journal's hash chain, and the one place that judges it. Every record
//! line opens with `"prev"`, the SHA-256 (hex) of the line before it, so a
//! line edited, removed, moved or slipped in after the fact breaks a link
//! that the next line vouches for. Pure: bytes in, verdict out. The appender
//! links each new line to the file's last one with it; `golive journal
//! verify`, `status` and `report` walk a whole file with it.
//!
//! What takes part in the chain is decided here once, for the writer and the
//! checker alike: every complete, non-blank line except a torn one (a write
//! cut short by a crash never became a record, so the next writer chains
//! past it). Lines written before the chain existed carry no `prev`; they
//! count as unchained, and the first chained line after them links to the
//! last of them. Anyone who can write the file can still rewrite the whole
//! chain from a change on: the chain makes an edit evident, not impossible.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// What the first line of a journal chains from: there is no line before it.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The SHA-256 of one line (its newline excluded), in lower-case hex.
pub fn digest(line: &[u8]) -> String {
    format!("{:x}", Sha256::digest(line))
}

/// `body` (one JSON object, newline included) with `"prev":"<prev>"` as its
/// first member. First, so that the link survives in a torn copy and stays
/// at the same place on every line, whatever fields a record kind has.
pub fn link(prev: &str, body: &[u8]) -> Vec<u8> {
    let rest = body.strip_prefix(b"{").unwrap_or(body);
    let mut line = Vec::with_capacity(body.len() + prev.len() + 12);
    line.extend_from_slice(b"{\"prev\":\"");
    line.extend_from_slice(prev.as_bytes());
    line.push(b'"');
    if !rest.starts_with(b"}") {
        line.push(b',');
    }
    line.extend_from_slice(rest);
    line
}

/// Whether a complete line (newline excluded) is a link of the chain: not
/// blank, and not a torn write. The appender asks this of the file's last
/// lines to find what to chain from, so it agrees with [`verify`].
pub fn takes_part(line: &[u8]) -> bool {
    !matches!(classify(line), Kind::Blank | Kind::Torn)
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Blank,
    /// Cut short: JSON that ends too early, or the zeros a file system
    /// leaves where a write never landed.
    Torn,
    /// Not JSON at all, or not an object: the reason in words.
    Garbage(String),
    /// A record without a `prev`: written before the chain.
    Unchained,
    Chained(String),
}

/// Only the link is looked at; the record's own fields are the reader's.
#[derive(Deserialize)]
struct Link {
    prev: Option<String>,
}

fn classify(line: &[u8]) -> Kind {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Kind::Blank;
    }
    if line.contains(&0) {
        return Kind::Torn;
    }
    match serde_json::from_slice::<Link>(line) {
        Ok(Link { prev: Some(prev) }) => Kind::Chained(prev),
        Ok(Link { prev: None }) => match super::parse_line(line) {
            Ok(_) => Kind::Unchained,
            Err(reason) => Kind::Garbage(reason),
        },
        Err(e) if e.is_eof() => Kind::Torn,
        Err(e) => Kind::Garbage(format!("it is not a journal record ({e})")),
    }
}

/// The verdict on one journal file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChainReport {
    /// Records linked into the chain.
    pub chained: usize,
    /// Records written before the chain, at the head of the file.
    pub unchained: usize,
    /// Line numbers (1-based) of torn writes, the chain running past them.
    pub torn: Vec<usize>,
    /// Lines before the chain that are not records (the reader skips them
    /// too); they cannot be vouched for, but nothing depends on them.
    pub skipped: Vec<usize>,
    /// The first place the chain does not hold, if any.
    pub broken: Option<ChainBreak>,
}

/// Where the chain breaks and what most likely happened, in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainBreak {
    /// The first line (1-based) the chain can no longer vouch for.
    pub line: usize,
    pub problem: String,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.broken.is_none()
    }

    /// `12 records chained (3 unchained before the chain)`, and the torn lines.
    pub fn summary(&self) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut out = format!("{} record{} chained", self.chained, plural(self.chained));
        if self.unchained > 0 {
            out.push_str(&format!(
                ", {} unchained record{} written before the chain",
                self.unchained,
                plural(self.unchained)
            ));
        }
        out
    }

    /// One warning per torn or skipped line: worth saying, not tampering.
    pub fn warnings(&self) -> Vec<String> {
        let torn = self.torn.iter().map(|line| {
            format!(
                "line {line} is torn (a write cut short, as by a crash or power cut); \
                 it is not a record and the chain runs past it"
            )
        });
        let skipped = self.skipped.iter().map(|line| {
            format!("line {line}, before the chain, is not a journal record and is skipped")
        });
        torn.chain(skipped).collect()
    }
}

impl ChainBreak {
    /// The loud line `status` and `report` put at the top of their output.
    pub fn warning(&self) -> String {
        format!(
            "JOURNAL CHAIN BROKEN at line {}: {} (details: golive journal verify)",
            self.line, self.problem
        )
    }
}

/// One line that takes part in the chain.
struct Part {
    line: usize,
    kind: Kind,
    digest: String,
}

impl Part {
    fn prev(&self) -> Option<&str> {
        match &self.kind {
            Kind::Chained(prev) => Some(prev),
            _ => None,
        }
    }
}

/// Walks a whole journal file's bytes and says whether the chain holds.
/// A last line without its newline is a torn write, whatever it holds: the
/// appender acknowledges a record only once its newline is down.
pub fn verify(bytes: &[u8]) -> ChainReport {
    let mut report = ChainReport::default();
    let mut parts = Vec::new();
    let complete = bytes.ends_with(b"\n");
    let mut lines = bytes.split(|&b| b == b'\n').enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let last = lines.peek().is_none();
        let kind = if last && !complete && !line.is_empty() {
            Kind::Torn
        } else {
            classify(line)
        };
        match kind {
            Kind::Blank => {}
            Kind::Torn => report.torn.push(index + 1),
            kind => parts.push(Part {
                line: index + 1,
                kind,
                digest: digest(line),
            }),
        }
    }
    let mut expected = GENESIS;
    let mut started = false;
    for (i, part) in parts.iter().enumerate() {
        let problem = match &part.kind {
            Kind::Unchained if started => Some(format!(
                "line {} has no chain hash after chained records: it was inserted, \
                 or written by a golive older than the chain",
                part.line
            )),
            Kind::Unchained => {
                report.unchained += 1;
                None
            }
            Kind::Garbage(why) if started => Some(format!("line {} was changed: {why}", part.line)),
            Kind::Garbage(_) => {
                report.skipped.push(part.line);
                None
            }
            Kind::Chained(prev) if prev != expected => {
                report.broken = Some(diagnose(&parts, i, &report.torn));
                return report;
            }
            Kind::Chained(_) => {
                started = true;
                report.chained += 1;
                None
            }
            Kind::Blank | Kind::Torn => None,
        };
        if let Some(problem) = problem {
            report.broken = Some(ChainBreak {
                line: part.line,
                problem,
            });
            return report;
        }
        expected = &part.digest;
    }
    report
}

/// Why `parts[i]` does not chain from the part before it. Its `prev` names
/// the line it was written after; where that line is now (or that it is
/// nowhere) tells a move from an insertion, an edit or a removal.
fn diagnose(parts: &[Part], i: usize, torn: &[usize]) -> ChainBreak {
    let here = &parts[i];
    let prev = here.prev().unwrap_or_default();
    let before = i.checked_sub(1).map(|j| &parts[j]);
    let after = parts.get(i + 1);
    let by_digest: HashMap<&str, usize> = parts
        .iter()
        .enumerate()
        .map(|(j, p)| (p.digest.as_str(), j))
        .collect();
    let at = |line: usize, problem: String| ChainBreak { line, problem };
    let found = by_digest.get(prev).copied();
    if let Some(j) = found.filter(|&j| j > i) {
        return at(
            here.line,
            format!(
                "line {} is out of order: it was written right after line {}",
                here.line, parts[j].line
            ),
        );
    }
    // The line after this one chains from the one before it: this one was
    // slipped in between.
    if let (Some(b), Some(a)) = (before, after)
        && a.prev() == Some(b.digest.as_str())
    {
        return at(
            here.line,
            format!(
                "line {} was inserted: line {} was written right after line {}",
                here.line, a.line, b.line
            ),
        );
    }
    match found {
        Some(j) => {
            let first = &parts[j + 1];
            at(
                first.line,
                format!(
                    "line {} was inserted: line {} was written right after line {}",
                    first.line, here.line, parts[j].line
                ),
            )
        }
        None => {
            let from = before.map_or(0, |b| b.line);
            if let Some(&t) = torn.iter().find(|&&t| t > from && t < here.line) {
                return at(
                    t,
                    format!(
                        "line {t} was cut short after line {} had chained from it",
                        here.line
                    ),
                );
            }
            if let Some(a) = after.filter(|a| a.prev() != Some(here.digest.as_str())) {
                let behind = before.map_or("the start of the journal".to_string(), |b| {
                    format!("line {}", b.line)
                });
                return at(
                    here.line,
                    format!(
                        "line {} was changed after it was written: it chains neither \
                         from {behind} nor into line {}",
                        here.line, a.line
                    ),
                );
            }
            match before {
                Some(b) => at(
                    b.line,
                    format!(
                        "line {} was changed after it was written, or records after it \
                         were removed: line {} does not chain from it",
                        b.line, here.line
                    ),
                ),
                None => at(
                    here.line,
                    format!(
                        "records before line {} were removed: it does not chain from \
                         the start of the journal",
                        here.line
                    ),
                ),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// A record line as the old journal wrote it, without a link.
    fn body(item: &str) -> Vec<u8> {
        format!(
            "{{\"at\":\"2026-11-22T19:00:00Z\",\"operator\":\"alice\",\"service\":\"svc\",\
             \"version\":\"v1\",\"kind\":\"sign_off\",\"item\":\"{item}\"}}\n"
        )
        .into_bytes()
    }

    /// Lines as the appender links them, each chained to the one before.
    fn chain(items: &[&str], after: &[u8]) -> Vec<Vec<u8>> {
        let mut prev = match after.trim_ascii_end().rsplit(|&b| b == b'\n').next() {
            Some(last) if !last.is_empty() => digest(last),
            _ => GENESIS.to_string(),
        };
        items
            .iter()
            .map(|item| {
                let line = link(&prev, &body(item));
                prev = digest(line.trim_ascii_end());
                line
            })
            .collect()
    }

    fn file(lines: &[Vec<u8>]) -> Vec<u8> {
        lines.concat()
    }

    fn broken_at(bytes: &[u8]) -> (usize, String) {
        let report = verify(bytes);
        let b = report.broken.expect("the chain should be broken");
        (b.line, b.problem)
    }

    #[test]
    fn the_link_is_the_first_member_and_the_record_still_reads() {
        let line = link(GENESIS, &body("ci"));
        let text = String::from_utf8(line.clone()).unwrap();
        assert!(text.starts_with(&format!("{{\"prev\":\"{GENESIS}\",\"at\":")));
        assert_eq!(line.len(), body("ci").len() + 9 + 64 + 1);
        assert!(super::super::parse_line(line.trim_ascii_end()).is_ok());
        assert_eq!(link("ab", b"{}\n"), b"{\"prev\":\"ab\"}\n");
    }

    #[test]
    fn an_intact_chain_holds_and_an_empty_file_is_intact() {
        let bytes = file(&chain(&["a", "b", "c"], b""));
        let report = verify(&bytes);
        assert!(report.intact(), "{report:?}");
        assert_eq!((report.chained, report.unchained), (3, 0));
        assert_eq!(verify(b""), ChainReport::default());
    }

    #[test]
    fn unchained_records_before_the_chain_count_and_link_in() {
        let old = file(&[body("old-1"), body("old-2")]);
        let mut bytes = old.clone();
        bytes.extend(file(&chain(&["new-1", "new-2"], &old)));
        let report = verify(&bytes);
        assert!(report.intact(), "{report:?}");
        assert_eq!((report.chained, report.unchained), (2, 2));
        assert!(
            report.summary().contains("2 unchained"),
            "{}",
            report.summary()
        );
        // A journal entirely from before the chain is intact too.
        assert!(verify(&old).intact());
    }

    #[test]
    fn an_edited_middle_line_is_named() {
        let mut lines = chain(&["a", "b", "c", "d"], b"");
        lines[1] = String::from_utf8(lines[1].clone())
            .unwrap()
            .replace("\"b\"", "\"x\"")
            .into_bytes();
        let (line, problem) = broken_at(&file(&lines));
        assert_eq!(line, 2, "{problem}");
        assert!(problem.contains("changed"), "{problem}");
    }

    #[test]
    fn an_edited_link_names_its_own_line() {
        let mut lines = chain(&["a", "b", "c", "d"], b"");
        let pos = 9 + 10; // inside line 3's prev
        lines[2][pos] = if lines[2][pos] == b'0' { b'1' } else { b'0' };
        let (line, problem) = broken_at(&file(&lines));
        assert_eq!(line, 3, "{problem}");
        assert!(problem.contains("changed"), "{problem}");
    }

    #[test]
    fn a_removed_record_is_found_at_the_gap() {
        let mut lines = chain(&["a", "b", "c", "d"], b"");
        lines.remove(2);
        let (line, problem) = broken_at(&file(&lines));
        assert_eq!(line, 2, "{problem}");
        assert!(
            problem.contains("removed") && problem.contains("line 3"),
            "{problem}"
        );
        // The first record gone: the new first line does not start the chain.
        let mut lines = chain(&["a", "b", "c"], b"");
        lines.remove(0);
        let (line, problem) = broken_at(&file(&lines));
        assert_eq!(line, 1, "{problem}");
        assert!(problem.contains("removed"), "{problem}");
    }

    #[test]
    fn swapped_records_are_out_of_order() {
        let mut lines = chain(&["a", "b", "c", "d"], b"");
        lines.swap(1, 2);
        let (line, problem) = broken_at(&file(&lines));
        assert_eq!(line, 2, "{problem}");
        assert!(problem.contains("out of order"), "{problem}");
    }

    #[test]
    fn inserted_records_are_named_however_they_are_forged() {
        let lines = chain(&["a", "b", "c"], b"");
        // Without a link, after chained records.
        let mut forged = lines.clone();
        forged.insert(2, body("forged"));
        let (line, problem) = broken_at(&file(&forged));
        assert_eq!(line, 3, "{problem}");
        assert!(problem.contains("inserted"), "{problem}");
        // With a made-up link.
        let mut forged = lines.clone();
        forged.insert(2, link(&"f".repeat(64), &body("forged")));
        let (line, problem) = broken_at(&file(&forged));
        assert_eq!(line, 3, "{problem}");
        assert!(problem.contains("inserted"), "{problem}");
        // With a correct link to the line before it: the next line gives it away.
        let mut forged = lines.clone();
        forged.insert(2, link(&digest(lines[1].trim_ascii_end()), &body("forged")));
        let (line, problem) = broken_at(&file(&forged));
        assert_eq!(line, 3, "{problem}");
        assert!(problem.contains("inserted"), "{problem}");
    }

    #[test]
    fn torn_lines_are_not_tampering() {
        let lines = chain(&["a", "b"], b"");
        let mut bytes = file(&lines);
        let whole = link(&digest(lines[1].trim_ascii_end()), &body("c"));
        bytes.extend_from_slice(&whole[..whole.len() / 2]);
        let report = verify(&bytes);
        assert!(report.intact(), "{report:?}");
        assert_eq!((report.chained, report.torn.clone()), (2, vec![3]));
        assert!(report.warnings()[0].contains("line 3 is torn"));
        // Even a whole record is torn while its newline is missing.
        let mut bytes = file(&lines);
        bytes.extend_from_slice(whole.trim_ascii_end());
        assert_eq!(verify(&bytes).torn, vec![3]);
        // Zeros where a write never landed.
        let mut bytes = file(&lines);
        bytes.extend_from_slice(&[0; 40]);
        assert_eq!(verify(&bytes).torn, vec![3]);
    }

    #[test]
    fn a_later_record_chains_past_a_torn_one() {
        let lines = chain(&["a", "b"], b"");
        let mut bytes = file(&lines);
        let whole = link(&digest(lines[1].trim_ascii_end()), &body("c"));
        bytes.extend_from_slice(&whole[..whole.len() / 2]);
        bytes.push(b'\n');
        // The next writer chains from line 2, the last line taking part.
        bytes.extend(link(&digest(lines[1].trim_ascii_end()), &body("d")));
        let report = verify(&bytes);
        assert!(report.intact(), "{report:?}");
        assert_eq!((report.chained, report.torn), (3, vec![3]));
    }

    #[test]
    fn a_record_cut_short_in_place_is_named() {
        let mut lines = chain(&["a", "b", "c"], b"");
        let half = lines[1].len() / 2;
        lines[1].truncate(half);
        lines[1].push(b'\n');
        let (line, problem) = broken_at(&file(&lines));
        assert_eq!(line, 2, "{problem}");
        assert!(problem.contains("cut short"), "{problem}");
    }

    #[test]
    fn garbage_after_the_chain_started_is_a_change() {
        let mut lines = chain(&["a", "b", "c"], b"");
        lines[1] = b"{\"prev\": 12, oops}\n".to_vec();
        let (line, problem) = broken_at(&file(&lines));
        assert_eq!(line, 2, "{problem}");
        // Before the chain, the reader's leniency holds.
        let mut bytes = b"not json at all\n".to_vec();
        bytes.extend(file(&chain(&["a"], b"not json at all\n")));
        let report = verify(&bytes);
        assert!(report.intact(), "{report:?}");
        assert_eq!(report.skipped, vec![1]);
    }

    #[test]
    fn takes_part_agrees_with_verify() {
        assert!(takes_part(&body("a")));
        assert!(takes_part(b"garbage"));
        assert!(!takes_part(b"   "));
        assert!(!takes_part(b"{\"prev\":\"00"));
        assert!(!takes_part(&[0, 0, 0]));
    }
}
