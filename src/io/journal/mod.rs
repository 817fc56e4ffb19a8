//! The journal: the release record, and the only writer of it. One JSON object
//! per line, appended and never rewritten. A record counts as written
//! ("acknowledged") only once its whole line has reached the file in one
//! append and been `fsync`ed, so a crash or `kill -9` can lose at most the
//! record being written, never one already acknowledged. Several processes
//! (the cockpit and `golive sign` from another shell) append to the same file
//! under an exclusive advisory lock, so their lines never interleave. Each
//! line links to the one before it by its SHA-256 (see [`chain`]), worked
//! out under that lock from the file's actual last line, so concurrent
//! writers keep one unbroken chain. Reading is forgiving: a line that does
//! not parse (a torn tail) is a warning, and the chain is not checked;
//! [`verify`] checks it, when asked.

pub mod chain;
mod watch;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use chain::{ChainBreak, ChainReport};
pub use watch::JournalWatcher;

use crate::engine::record::Record;
use crate::engine::redaction::redact_value;
use crate::profile::{Redactor, Service};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot create the journal directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot open the journal {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot lock the journal {}: {source}", path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write to the journal {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read the journal {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot encode a journal record: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("no home directory to keep the journal in; pass --journal FILE or set GOLIVE_JOURNAL")]
    NoDataDir,
}

/// An open journal file, ready to append to.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    /// Opened with O_APPEND (every write lands at the end, whoever else
    /// appended since) and read access (to look at the last byte).
    file: File,
}

impl Journal {
    /// Opens (creating it and its parent directories if needed) the journal at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| JournalError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let existed = path.exists();
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|source| JournalError::Open {
                path: path.clone(),
                source,
            })?;
        if !existed {
            // A new file's name lives in its directory: sync that too, or a
            // crash could lose the whole journal with its first records.
            // Best effort: some file systems cannot sync a directory.
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
            if let Ok(dir) = File::open(dir.unwrap_or(Path::new("."))) {
                let _ = dir.sync_all();
            }
        }
        Ok(Self { path, file })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record with every secret masked, and returns only once the
    /// line is durable. An `Err` means the record may or may not be in the
    /// file, but it was not acknowledged.
    pub fn append(&self, record: &Record, redactor: &Redactor) -> Result<(), JournalError> {
        let body = encode(record, redactor)?;
        // The lock spans the tail read, the write and the fsync: another
        // appender cannot slip in between, so the line we chain from is
        // still the last one when we write, and lines of any length never
        // interleave.
        AdvisoryLock::lock_exclusive(&self.file).map_err(|source| JournalError::Lock {
            path: self.path.clone(),
            source,
        })?;
        let written = self.write_locked(&body);
        // Closing the descriptor would also release the lock; unlocking now
        // lets the next appender in without waiting for that.
        let unlocked = AdvisoryLock::unlock(&self.file).map_err(|source| JournalError::Lock {
            path: self.path.clone(),
            source,
        });
        written?;
        unlocked
    }

    fn write_locked(&self, body: &[u8]) -> Result<(), JournalError> {
        let write_err = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        let len = self.file.metadata().map_err(write_err)?.len();
        let (prev, torn_tail) = self.last_link(len).map_err(write_err)?;
        let mut line = Vec::with_capacity(body.len() + 80);
        if torn_tail {
            // A torn tail from a crashed writer: start our record on a line
            // of its own so it is not glued to the fragment.
            line.push(b'\n');
        }
        line.extend(chain::link(&prev, body));
        // One write of the whole line. `write_all` only loops if the kernel
        // takes less than everything (a full disk, a signal); the lock keeps
        // the rest contiguous even then.
        (&self.file).write_all(&line).map_err(write_err)?;
        self.file.sync_data().map_err(write_err)
    }

    /// What the next line chains from: the digest of the last line taking
    /// part in the chain (walking back past a torn tail and blank lines), or
    /// the genesis value for a journal with none; and whether the file ends
    /// mid-line. Reads only the last lines, however long the journal.
    fn last_link(&self, len: u64) -> io::Result<(String, bool)> {
        let mut end = len;
        let mut torn_tail = false;
        if len > 0 {
            let mut last = [0u8; 1];
            self.file.read_exact_at(&mut last, len - 1)?;
            if last[0] != b'\n' {
                torn_tail = true;
                end = line_ending_at(&self.file, len)?.0;
            }
        }
        // `end` is now 0 or just past a newline.
        while end > 0 {
            let (start, line) = line_ending_at(&self.file, end - 1)?;
            if chain::takes_part(&line) {
                return Ok((chain::digest(&line), torn_tail));
            }
            end = start;
        }
        Ok((chain::GENESIS.to_string(), torn_tail))
    }
}

/// The line that ends at byte `end` (exclusive): where it starts (just past
/// the newline before it, or 0) and its bytes. Reads backwards in growing
/// chunks, so a 4 MiB line costs a few reads, not thousands.
fn line_ending_at(file: &File, end: u64) -> io::Result<(u64, Vec<u8>)> {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut start = end;
    let mut size = 4096u64;
    while start > 0 {
        let from = start.saturating_sub(size);
        let mut chunk = vec![0u8; (start - from) as usize];
        file.read_exact_at(&mut chunk, from)?;
        if let Some(i) = memchr::memrchr(b'\n', &chunk) {
            chunks.push(chunk.split_off(i + 1));
            start = from + i as u64 + 1;
            break;
        }
        chunks.push(chunk);
        start = from;
        size = size.saturating_mul(2);
    }
    let line = chunks.into_iter().rev().flatten().collect();
    Ok((start, line))
}

/// Calls fs4's locking explicitly: std's `File` has inherent lock methods of
/// the same names on recent toolchains.
struct AdvisoryLock;

impl AdvisoryLock {
    fn lock_exclusive(file: &File) -> io::Result<()> {
        fs4::fs_std::FileExt::lock_exclusive(file)
    }

    fn lock_shared(file: &File) -> io::Result<()> {
        fs4::fs_std::FileExt::lock_shared(file)
    }

    fn unlock(file: &File) -> io::Result<()> {
        fs4::fs_std::FileExt::unlock(file)
    }
}

/// The record as one JSON line (newline included), every secret masked
/// (again: the engine masked its text as it arrived; this is the last defence).
/// The record goes through a JSON value so no string field can be missed,
/// whatever fields a future event variant adds.
fn encode(record: &Record, redactor: &Redactor) -> Result<Vec<u8>, JournalError> {
    let mut value = serde_json::to_value(record)?;
    if let Value::Object(map) = &mut value {
        for (key, field) in map.iter_mut() {
            // The timestamp and the event tag are written by golive itself
            // and must stay parseable whatever a secret happens to look like.
            if key != "at" && key != "kind" {
                redact_value(field, redactor);
            }
        }
    } else {
        redact_value(&mut value, redactor);
    }
    let mut line = serde_json::to_vec(&value)?;
    line.push(b'\n');
    Ok(line)
}

/// What a journal file holds, as far as it could be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalRead {
    pub records: Vec<Record>,
    /// One per line that did not parse, naming its line number.
    pub warnings: Vec<String>,
    /// Bytes up to the end of the last complete line: a [`JournalWatcher`]
    /// started here delivers exactly the records appended after this read.
    pub offset: u64,
}

/// Reads every record of the journal at `path`. A missing file is an empty
/// journal; a line that does not parse is a warning, never an error.
pub fn read(path: impl AsRef<Path>) -> Result<JournalRead, JournalError> {
    let path = path.as_ref();
    let bytes = match read_settled(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(JournalRead::default()),
        Err(source) => {
            return Err(JournalError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut out = JournalRead::default();
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line(line) {
            Ok(record) => out.records.push(record),
            Err(reason) => out.warnings.push(format!(
                "{}: line {}: skipped, {reason}",
                path.display(),
                index + 1
            )),
        }
    }
    out.offset = complete as u64;
    Ok(out)
}

/// Walks the chain of the journal at `path` (see [`chain::verify`]). Unlike
/// [`read`], a missing file is an error: there is nothing to vouch for.
pub fn verify(path: impl AsRef<Path>) -> Result<ChainReport, JournalError> {
    let path = path.as_ref();
    let bytes = read_settled(path).map_err(|source| JournalError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(chain::verify(&bytes))
}

/// The file's bytes, read under a shared lock: an append in flight finishes
/// first, so a line being written is not mistaken for a torn one.
fn read_settled(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    AdvisoryLock::lock_shared(&file)?;
    let mut bytes = Vec::new();
    let read = io::Read::read_to_end(&mut file, &mut bytes);
    let _ = AdvisoryLock::unlock(&file);
    read.map(|_| bytes)
}

/// One journal line to a record, or why not, in words.
pub(crate) fn parse_line(line: &[u8]) -> Result<Record, String> {
    serde_json::from_slice(line).map_err(|e| {
        if e.is_eof() {
            "it is cut short (a write interrupted by a crash?)".to_string()
        } else {
            format!("it is not a journal record ({e})")
        }
    })
}

/// Where the journal of a release lives unless `--journal`/`GOLIVE_JOURNAL`
/// says otherwise: the user data dir, one file per service and version, so
/// every shell signing the same release finds the same file.
pub fn default_path(service: &str, version: &str) -> Result<PathBuf, JournalError> {
    let dirs = directories::ProjectDirs::from("", "", "golive").ok_or(JournalError::NoDataDir)?;
    Ok(dirs.data_dir().join("journals").join(format!(
        "{}-{}.jsonl",
        file_name_safe(service),
        file_name_safe(version)
    )))
}

/// The release's journal: the explicit path (`--journal`) if one was given,
/// else [`default_path`]. Every face resolves it here, so they all meet in
/// the same file.
pub fn resolve_path(explicit: Option<&Path>, service: &Service) -> Result<PathBuf, JournalError> {
    match explicit {
        Some(path) => Ok(path.to_path_buf()),
        None => default_path(&service.name, &service.version),
    }
}

/// Keeps letters, digits, `.`, `_` and `-`; anything else (separators,
/// spaces, control bytes) becomes `_`, and a leading dot too, so a name can
/// neither leave the journals directory nor hide in it.
fn file_name_safe(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::engine::record::Event;

    fn record(item: &str, note: Option<&str>) -> Record {
        Record {
            at: Utc.with_ymd_and_hms(2026, 11, 22, 19, 0, 0).unwrap(),
            operator: "alice".into(),
            service: "ai-service".into(),
            version: "v1.2.0".into(),
            event: Event::SignOff {
                item: item.into(),
                note: note.map(str::to_string),
            },
        }
    }

    #[test]
    fn file_names_stay_in_their_directory() {
        assert_eq!(file_name_safe("ai-service"), "ai-service");
        assert_eq!(file_name_safe("v1.2.0"), "v1.2.0");
        assert_eq!(file_name_safe("../etc/passwd"), "_._etc_passwd");
        assert_eq!(file_name_safe("a b/c\u{1b}"), "a_b_c_");
        assert_eq!(file_name_safe(""), "_");
    }

    #[test]
    fn default_path_is_keyed_by_service_and_version() {
        let path = default_path("ai service", "v1/2").unwrap();
        assert!(path.ends_with("journals/ai_service-v1_2.jsonl"), "{path:?}");
    }

    #[test]
    fn explicit_path_wins() {
        let service = Service {
            name: "s".into(),
            version: "v".into(),
            previous: None,
        };
        let p = resolve_path(Some(Path::new("/tmp/x.jsonl")), &service).unwrap();
        assert_eq!(p, Path::new("/tmp/x.jsonl"));
    }

    #[test]
    fn encode_masks_nested_strings_but_keeps_the_record_readable() {
        let redactor = Redactor::new(["s3cr3t".to_string()]);
        let mut rec = record("ci", Some("token s3cr3t used"));
        rec.operator = "s3cr3t-bot".into();
        let line = encode(&rec, &redactor).unwrap();
        let text = String::from_utf8(line.clone()).unwrap();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.ends_with('\n'));
        assert_eq!(text.matches('\n').count(), 1);
        let back = parse_line(line.trim_ascii_end()).unwrap();
        assert_eq!(back.operator, "••••-bot");
        assert_eq!(
            back.event,
            Event::SignOff {
                item: "ci".into(),
                note: Some("token •••• used".into())
            }
        );
    }

    #[test]
    fn newlines_in_fields_do_not_split_the_line() {
        let line = encode(&record("ci", Some("a\nb\r\nc")), &Redactor::default()).unwrap();
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
    }
}
