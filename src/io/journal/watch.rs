//! Following a journal that other processes append to, so a sign-off typed
//! in another shell shows up in the open cockpit within a second. File-system
//! notifications wake the reader at once; a poll of the file length every
//! 500 ms covers what notifications miss (network file systems, inotify
//! limits, a directory created later). Only complete lines past the last
//! offset are read, so nothing is delivered twice and a line still being
//! written waits for its newline.

use std::io::{self, SeekFrom};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher as _};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
use tokio::sync::mpsc;

use super::parse_line;
use crate::engine::record::Record;

/// The poll's period while file notifications work: they bring each
/// append at once, and the poll only catches one they missed.
const NOTIFIED_POLL: Duration = Duration::from_secs(5);

/// Follows one journal file and sends each record appended to it.
#[derive(Debug, Clone)]
pub struct JournalWatcher {
    path: PathBuf,
    offset: u64,
    /// The file being followed; a different inode at the same path means
    /// the journal was replaced (moved aside, restored from a copy).
    inode: Option<u64>,
    poll: Duration,
}

impl JournalWatcher {
    /// Delivers every record of the file, from its first line on.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            offset: 0,
            inode: None,
            poll: Duration::from_millis(500),
        }
    }

    /// Starts after the first `offset` bytes, typically
    /// [`JournalRead::offset`](super::JournalRead::offset) of a read done at
    /// start-up, so no record is missed or delivered twice.
    pub fn from_offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// How often the file length is polled when notifications are
    /// unavailable (with them, every [`NOTIFIED_POLL`] at the most often).
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.poll = every.max(Duration::from_millis(10));
        self
    }

    /// Sends records as they are appended until `tx` is closed (every
    /// receiver dropped). A bounded `tx` slows the watcher, never memory.
    /// Read errors are logged and retried at the next poll: a journal briefly
    /// unreadable must not end the cockpit's view of it.
    pub async fn run(mut self, tx: mpsc::Sender<Record>) {
        let (nudge_tx, mut nudge_rx) = mpsc::channel::<()>(1);
        // Kept alive for as long as we follow the file; dropping it stops
        // the notifications.
        let notifications = notifier(&self.path, nudge_tx);
        // With notifications the poll is only a net for a missed event: an
        // idle cockpit then wakes for the journal every few seconds, not
        // several times a second.
        let every = match &notifications {
            Some(_) => self.poll.max(NOTIFIED_POLL),
            None => self.poll,
        };
        let mut poll = tokio::time::interval(every);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_warning = String::new();
        loop {
            if !self.deliver_new(&tx, &mut last_warning).await {
                return;
            }
            tokio::select! {
                _ = tx.closed() => return,
                _ = nudge_rx.recv() => {}
                _ = poll.tick() => {}
            }
        }
    }

    /// Runs [`run`](Self::run) as a task of its own.
    pub fn spawn(self, tx: mpsc::Sender<Record>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run(tx))
    }

    /// Reads and sends what was appended since the last call. False when
    /// the receiver is gone. `last_warning` is the last warning given, so a bad
    /// state is logged once rather than at every poll.
    async fn deliver_new(&mut self, tx: &mpsc::Sender<Record>, last_warning: &mut String) -> bool {
        let bytes = match read_from(&self.path, &mut self.offset, &mut self.inode).await {
            Ok(bytes) => bytes,
            Err(e) => {
                let message = format!("cannot follow {}: {e}", self.path.display());
                if *last_warning != message {
                    tracing::warn!("{message}");
                    *last_warning = message;
                }
                return true;
            }
        };
        last_warning.clear();
        // Only complete lines: a line without its newline is still being
        // written (or torn), and is read again once it is finished.
        let Some(end) = bytes.iter().rposition(|&b| b == b'\n') else {
            return true;
        };
        self.offset += end as u64 + 1;
        for line in bytes[..end].split(|&b| b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match parse_line(line) {
                Ok(record) => {
                    if tx.send(record).await.is_err() {
                        return false;
                    }
                }
                Err(reason) => {
                    tracing::warn!("{}: skipped a line, {reason}", self.path.display());
                }
            }
        }
        true
    }
}

/// The bytes from `offset` to the end of the file. A missing file has none
/// yet; a file shorter than `offset`, or another file at the same path, was
/// replaced, and is read from the start.
async fn read_from(path: &Path, offset: &mut u64, inode: &mut Option<u64>) -> io::Result<Vec<u8>> {
    // A poll that finds the same file at the same length stops at a stat:
    // opening it would cost more, and raise notifications of its own.
    // A stat of a local file takes microseconds: done here, not handed to
    // the blocking pool, whose thread hand-off costs more than the stat.
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() == *offset && *inode == Some(meta.ino()) => return Ok(Vec::new()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        _ => {}
    }
    let mut file = match tokio::fs::File::open(path).await {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let meta = file.metadata().await?;
    let len = meta.len();
    let replaced = inode.is_some_and(|known| known != meta.ino());
    *inode = Some(meta.ino());
    if replaced || len < *offset {
        tracing::warn!(
            "{} was replaced or truncated; reading it again from the start",
            path.display()
        );
        *offset = 0;
    }
    if len == *offset {
        return Ok(Vec::new());
    }
    file.seek(SeekFrom::Start(*offset)).await?;
    let mut bytes = Vec::with_capacity(usize::try_from(len - *offset).unwrap_or(0));
    file.read_to_end(&mut bytes).await?;
    Ok(bytes)
}

/// Watches the journal's directory (the file itself may not exist yet, and
/// watching a directory survives the file being replaced) and nudges the
/// reader on any event about the file. None when notifications are
/// unavailable: the poll alone then keeps the promise of a second.
fn notifier(path: &Path, nudge: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    let name = path.file_name()?.to_os_string();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let handler = move |event: notify::Result<notify::Event>| {
        let about_us = match &event {
            // Our own reads raise open/close (access) events: reacting to
            // them would read again, raising more, a loop that burns a core.
            Ok(event) => {
                !matches!(event.kind, notify::EventKind::Access(_))
                    && event.paths.iter().any(|p| p.file_name() == Some(&name))
            }
            // An error may mean missed events: look anyway.
            Err(_) => true,
        };
        if about_us {
            // Full means a nudge is already pending; one is enough.
            let _ = nudge.try_send(());
        }
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!("file notifications unavailable ({e}); polling the journal");
            return None;
        }
    };
    match watcher.watch(&dir, RecursiveMode::NonRecursive) {
        Ok(()) => Some(watcher),
        Err(e) => {
            tracing::warn!("cannot watch {} ({e}); polling the journal", dir.display());
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::engine::record::Event;
    use crate::io::journal::Journal;
    use crate::profile::Redactor;

    fn record(item: &str) -> Record {
        Record {
            at: Utc::now(),
            operator: "bob".into(),
            service: "svc".into(),
            version: "v1".into(),
            event: Event::SignOff {
                item: item.into(),
                note: None,
            },
        }
    }

    #[tokio::test]
    async fn delivers_existing_then_new_records_and_waits_for_complete_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let journal = Journal::open(&path).unwrap();
        journal.append(&record("a"), &Redactor::default()).unwrap();

        let (tx, mut rx) = mpsc::channel(4);
        let task = JournalWatcher::new(&path).spawn(tx);
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap();
        assert_eq!(got.unwrap().event.item(), Some("a"));

        // Half a line: nothing yet. The rest of it: delivered.
        let line = serde_json::to_string(&record("b")).unwrap();
        let (head, tail) = line.split_at(10);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, head.as_bytes()))
            .unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(1200), rx.recv())
                .await
                .is_err(),
            "a partial line must not be delivered"
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{tail}\n").as_bytes()))
            .unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap();
        assert_eq!(got.unwrap().event.item(), Some("b"));

        drop(rx);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the watcher ends once the receiver is gone")
            .unwrap();
    }

    #[tokio::test]
    async fn from_offset_skips_what_was_already_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("j.jsonl");
        let journal = Journal::open(&path).unwrap();
        journal
            .append(&record("old"), &Redactor::default())
            .unwrap();
        let read = crate::io::journal::read(&path).unwrap();

        let (tx, mut rx) = mpsc::channel(4);
        let _task = JournalWatcher::new(&path)
            .from_offset(read.offset)
            .spawn(tx);
        journal
            .append(&record("new"), &Redactor::default())
            .unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap();
        assert_eq!(got.unwrap().event.item(), Some("new"));
    }

    #[tokio::test]
    async fn a_replaced_journal_is_read_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let journal = Journal::open(&path).unwrap();
        for item in ["a", "b", "c"] {
            journal.append(&record(item), &Redactor::default()).unwrap();
        }
        let (tx, mut rx) = mpsc::channel(8);
        let _task = JournalWatcher::new(&path).spawn(tx);
        for _ in 0..3 {
            tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await
                .unwrap();
        }
        // A longer file moved over the old one: its records from the first.
        let other = dir.path().join("restored.jsonl");
        let restored = Journal::open(&other).unwrap();
        for item in ["x", "y", "z", "w"] {
            restored
                .append(&record(item), &Redactor::default())
                .unwrap();
        }
        std::fs::rename(&other, &path).unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap();
        assert_eq!(got.unwrap().event.item(), Some("x"));
    }

    #[tokio::test]
    async fn a_file_created_later_is_picked_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("later.jsonl");
        let (tx, mut rx) = mpsc::channel(4);
        let _task = JournalWatcher::new(&path).spawn(tx);
        Journal::open(&path)
            .unwrap()
            .append(&record("first"), &Redactor::default())
            .unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap();
        assert_eq!(got.unwrap().event.item(), Some("first"));
    }
}
