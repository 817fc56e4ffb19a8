//! Stand-in journal adapter until `io::journal::{Journal, JournalWatcher}`
//! lands: appends records as JSON lines (fsync per record, one writer task so
//! writes keep their order) and watches the file for records appended by any
//! process (ours included), sending each back as `Msg::Record`.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::record::Record;
use crate::app::state::Msg;

/// How often the watcher looks at the file's length (a stat; cheap).
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// Every record already in the journal, and the byte offset after the last
/// complete line (where watching starts).
pub fn replay(path: &Path) -> std::io::Result<(Vec<Record>, u64)> {
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(e),
    };
    let end = text.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
    let records = text[..end]
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect();
    Ok((records, end as u64))
}

/// Appends one record durably.
pub fn append(path: &Path, record: &Record) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(&line)?;
    file.sync_data()
}

/// The one writer: records are appended in the order they were asked for.
pub async fn writer(path: PathBuf, mut records: mpsc::Receiver<Record>, msgs: mpsc::Sender<Msg>) {
    while let Some(record) = records.recv().await {
        let path = path.clone();
        let result = tokio::task::spawn_blocking(move || append(&path, &record)).await;
        let problem = match result {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("journal append failed: {e}")),
            Err(e) => Some(format!("journal writer stopped: {e}")),
        };
        if let Some(p) = problem
            && msgs.send(Msg::Problem(p)).await.is_err()
        {
            return;
        }
    }
}

/// Sends every complete record appended after `offset`.
pub async fn watch(path: PathBuf, mut offset: u64, msgs: mpsc::Sender<Msg>) {
    let mut ticker = tokio::time::interval(WATCH_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticker.tick().await;
        let len = match tokio::fs::metadata(&path).await {
            Ok(m) => m.len(),
            Err(_) => continue,
        };
        if len < offset {
            // Truncated or replaced: start over from the top.
            offset = 0;
        }
        if len == offset {
            continue;
        }
        let p = path.clone();
        let from = offset;
        let read = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
            let mut file = std::fs::File::open(&p)?;
            file.seek(SeekFrom::Start(from))?;
            let mut buf = Vec::new();
            file.read_to_end(&mut buf)?;
            Ok(buf)
        })
        .await;
        let Ok(Ok(buf)) = read else { continue };
        let Some(end) = buf.iter().rposition(|b| *b == b'\n') else {
            continue;
        };
        offset += end as u64 + 1;
        for line in buf[..end].split(|b| *b == b'\n') {
            if let Ok(record) = serde_json::from_slice::<Record>(line)
                && msgs.send(Msg::Record(Box::new(record))).await.is_err()
            {
                return;
            }
        }
    }
}
