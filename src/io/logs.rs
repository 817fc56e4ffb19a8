//! Log sources other than Docker, and the fan-in of every source: a command
//! (`kubectl logs -f`, `journalctl -fu`) restarted with back-off when it
//! exits, a file followed through rotation and truncation, and Docker
//! targets through `io::docker`. Every source sends sanitised [`LogLine`]s in
//! batches into one bounded channel, so a flood slows the readers instead of
//! growing memory. Command and file lines are built from the bytes as
//! printed, so their colours survive as styles while every other escape is
//! made harmless.
//!
//! `since`: Docker filters engine-side; a file is then read from its start
//! instead of its last 64 KiB, and a file's or command's lines dated before
//! `since` are skipped until the first that is not (see [`SinceFilter`]).

use std::io::SeekFrom;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use regex::Regex;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::engine::log_order::{REORDER_WINDOW, Reorder};
use crate::engine::log_time::SinceFilter;
use crate::engine::logs::LogLine;
use crate::io::command::{self, CommandSpec, Stream};
use crate::io::docker::{self, FollowOptions};
use crate::profile::{LogKind, LogSource};

/// Lines per batch; a batch also leaves as soon as its source has nothing
/// more queued.
pub const BATCH: usize = 256;
const MAX_LINE: usize = 16 * 1024;
/// How much of an existing file is shown when following starts.
const FILE_TAIL: u64 = 64 * 1024;
const FILE_POLL: Duration = Duration::from_millis(200);
/// Lines the merge of several sources holds at most.
const MERGE_HELD_MAX: usize = crate::engine::log_order::HELD_MAX;

/// How sources are started.
#[derive(Debug, Clone, Default)]
pub struct SourceOptions {
    /// Docker host (None: `DOCKER_HOST`, else the default socket).
    pub docker_host: Option<String>,
    /// Only lines from this time on (each source kind as the module says).
    pub since: Option<DateTime<Utc>>,
    /// Keep only lines matching this, on top of each source's own `grep`.
    pub grep: Option<Regex>,
}

/// Collects lines of one source and sends them in batches, dropping those
/// its filters reject.
struct Batcher {
    tx: mpsc::Sender<Vec<LogLine>>,
    pending: Vec<LogLine>,
    filters: Vec<Regex>,
}

impl Batcher {
    fn new(tx: mpsc::Sender<Vec<LogLine>>, filters: Vec<Regex>) -> Self {
        Self {
            tx,
            pending: Vec::with_capacity(BATCH),
            filters,
        }
    }

    fn keeps(&self, line: &LogLine) -> bool {
        self.filters.iter().all(|f| f.is_match(&line.text))
    }

    /// False when the receiver is gone and the source should stop.
    async fn push(&mut self, line: LogLine) -> bool {
        if self.keeps(&line) {
            self.pending.push(line);
        }
        if self.pending.len() >= BATCH {
            return self.flush().await;
        }
        true
    }

    async fn flush(&mut self) -> bool {
        if self.pending.is_empty() {
            return !self.tx.is_closed();
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        self.tx.send(batch).await.is_ok()
    }
}

fn note(source: &str, text: String) -> LogLine {
    LogLine::new(source, Some(Utc::now()), format!("golive: {text}"))
}

/// Starts every source (or only `only`) and returns their tasks. They run
/// until `stop` turns true or the receiver of `tx` is dropped. Several
/// sources are merged in time order within the reorder window
/// ([`Reorder`]); one source's lines pass as they come.
pub fn spawn_sources(
    sources: &[LogSource],
    only: Option<&str>,
    opts: &SourceOptions,
    tx: mpsc::Sender<Vec<LogLine>>,
    stop: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let chosen: Vec<&LogSource> = sources
        .iter()
        .filter(|s| only.is_none_or(|o| o == s.id))
        .collect();
    let mut tasks = Vec::new();
    let merging = chosen.len() > 1;
    let tx = if merging {
        let (merge_tx, merge_rx) = mpsc::channel(64);
        tasks.push(tokio::spawn(merge(merge_rx, tx)));
        merge_tx
    } else {
        tx
    };
    for source in chosen {
        let mut filters: Vec<Regex> = opts.grep.iter().cloned().collect();
        if let Some(re) = source.grep.as_deref().and_then(|g| Regex::new(g).ok()) {
            filters.push(re);
        }
        let id = source.id.clone();
        let task = match &source.kind {
            LogKind::Command(argv) => tokio::spawn(follow_command(
                id,
                argv.clone(),
                opts.since,
                Batcher::new(tx.clone(), filters),
                stop.clone(),
            )),
            LogKind::File(path) => tokio::spawn(follow_file(
                id,
                path.clone(),
                opts.since,
                Batcher::new(tx.clone(), filters),
                stop.clone(),
            )),
            LogKind::Swarm(service) => {
                let host = docker::host_from(opts.docker_host.as_deref());
                let (dtx, drx) = mpsc::channel(16);
                let follow =
                    docker::follow_swarm(host, service.clone(), id, opts.since, dtx, stop.clone());
                let batcher = Batcher::new(tx.clone(), filters);
                tokio::spawn(async move {
                    let fwd = tokio::spawn(forward(drx, batcher));
                    follow.await;
                    let _ = fwd.await;
                })
            }
            LogKind::Kubernetes(target) => {
                let (ktx, krx) = mpsc::channel(16);
                let follow = crate::io::kubectl::follow_logs(
                    target.clone(),
                    id,
                    opts.since,
                    ktx,
                    stop.clone(),
                );
                let batcher = Batcher::new(tx.clone(), filters);
                tokio::spawn(async move {
                    let fwd = tokio::spawn(forward(krx, batcher));
                    follow.await;
                    let _ = fwd.await;
                })
            }
            LogKind::Docker(target) => {
                let mut fo = FollowOptions::new(id);
                fo.since = opts.since;
                if merging {
                    // The merge holds every source's lines for the window.
                    fo.reorder = Duration::ZERO;
                }
                let host = docker::host_from(opts.docker_host.as_deref());
                let (dtx, drx) = mpsc::channel(16);
                let target = target.clone();
                let stop2 = stop.clone();
                let batcher = Batcher::new(tx.clone(), filters);
                tokio::spawn(async move {
                    let fwd = tokio::spawn(forward(drx, batcher));
                    docker::follow(host, target, fo, dtx, stop2).await;
                    let _ = fwd.await;
                })
            }
        };
        tasks.push(task);
    }
    tasks
}

/// Holds the sources' lines for the reorder window and sends them on in
/// time order; ends when every source has (its rest sent) or `tx` closed.
async fn merge(mut rx: mpsc::Receiver<Vec<LogLine>>, tx: mpsc::Sender<Vec<LogLine>>) {
    let mut held = Reorder::new(REORDER_WINDOW);
    loop {
        let due = held.next_due().map(tokio::time::Instant::from_std);
        tokio::select! {
            batch = rx.recv() => match batch {
                Some(batch) => {
                    held.push(batch, Instant::now());
                    // A flood does not grow memory: past the bound, what is
                    // held leaves at once, still sorted.
                    if held.len() > MERGE_HELD_MAX {
                        if tx.send(held.drain()).await.is_err() {
                            return;
                        }
                        continue;
                    }
                }
                None => {
                    let rest = held.drain();
                    if !rest.is_empty() {
                        let _ = tx.send(rest).await;
                    }
                    return;
                }
            },
            _ = sleep_until(due) => {}
        }
        let out = held.release(Instant::now());
        if !out.is_empty() && tx.send(out).await.is_err() {
            return;
        }
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn forward(mut rx: mpsc::Receiver<Vec<LogLine>>, mut batcher: Batcher) {
    while let Some(batch) = rx.recv().await {
        for line in batch {
            if !batcher.push(line).await {
                return;
            }
        }
        if !batcher.flush().await {
            return;
        }
    }
}

/// Runs `argv` for as long as `stop` is false, restarting it with back-off
/// (200 ms doubling to 10 s, reset after a run of 30 s) when it exits. Each
/// run's lines dated before `since` are skipped until the first that is not.
async fn follow_command(
    id: String,
    argv: Vec<String>,
    since: Option<DateTime<Utc>>,
    mut out: Batcher,
    stop: watch::Receiver<bool>,
) {
    // One copy of the name for all the source's lines.
    let name: Arc<str> = id.as_str().into();
    let mut backoff = Duration::from_millis(200);
    loop {
        if *stop.borrow() {
            return;
        }
        let spec = CommandSpec {
            argv: argv.clone(),
            cwd: None,
            env: Vec::new(),
            timeout: Duration::from_secs(365 * 24 * 3600),
        };
        let (ltx, mut lrx) = mpsc::channel::<(Stream, Vec<u8>)>(BATCH);
        let started = Instant::now();
        let run = tokio::spawn({
            let stop = stop.clone();
            async move { command::run_raw(&spec, ltx, Some(stop)).await }
        });
        let mut since = SinceFilter::new(since);
        // A batch leaves when it is full or when the command has nothing
        // more queued: the first lines show at once, a flood goes in full
        // batches, and a quiet command wakes nobody (no flush timer).
        while let Some((_, bytes)) = lrx.recv().await {
            let bytes = bytes.strip_suffix(b"\r").unwrap_or(&bytes);
            if since.keeps(bytes) {
                let line = LogLine::from_bytes(Arc::clone(&name), Some(Utc::now()), bytes);
                if !out.push(line).await {
                    run.abort();
                    return;
                }
            }
            if lrx.is_empty() && !out.flush().await {
                run.abort();
                return;
            }
        }
        let outcome = run.await.unwrap_or_default();
        if *stop.borrow() || outcome.cancelled {
            let _ = out.flush().await;
            return;
        }
        if started.elapsed() > Duration::from_secs(30) {
            backoff = Duration::from_millis(200);
        }
        let _ = out
            .push(note(
                &id,
                format!(
                    "{} {}; restarting in {:.1}s",
                    argv.first().map(String::as_str).unwrap_or("command"),
                    outcome.summary(),
                    backoff.as_secs_f64()
                ),
            ))
            .await;
        if !out.flush().await {
            return;
        }
        let mut stop2 = stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stop2.wait_for(|s| *s) => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

/// An open file being followed and where we are in it.
struct Tail {
    file: tokio::fs::File,
    ino: u64,
    pos: u64,
    partial: Vec<u8>,
}

async fn open_tail(path: &Path, from_start: bool) -> Option<Tail> {
    let mut file = tokio::fs::File::open(path).await.ok()?;
    let meta = file.metadata().await.ok()?;
    let mut pos = if from_start {
        0
    } else {
        meta.len().saturating_sub(FILE_TAIL)
    };
    file.seek(SeekFrom::Start(pos)).await.ok()?;
    if pos > 0 {
        // Start after the cut first line: it would show half a line. The
        // rest is read (and split into lines) by the follow loop.
        let mut buf = vec![0u8; 64 * 1024];
        let n = file.read(&mut buf).await.ok()?;
        let skip = memchr::memchr(b'\n', &buf[..n]).map_or(n, |nl| nl + 1);
        pos += skip as u64;
        file.seek(SeekFrom::Start(pos)).await.ok()?;
    }
    Some(Tail {
        file,
        ino: meta.ino(),
        pos,
        partial: Vec::new(),
    })
}

/// Follows `path` like `tail -F`: new lines as they are written; after a
/// rotation (the name points at a new file) the old file's rest is read and
/// the new one followed from its start; after truncation, from the start.
/// With `since` the file is read from its start, skipping the lines dated
/// before it.
async fn follow_file(
    id: String,
    path: PathBuf,
    since: Option<DateTime<Utc>>,
    mut out: Batcher,
    stop: watch::Receiver<bool>,
) {
    // One copy of the name for all the source's lines.
    let name: Arc<str> = id.as_str().into();
    let mut tail: Option<Tail> = None;
    // The first open shows the file's last 64 KiB, unless `since` asks for more.
    let mut first = since.is_none();
    let mut since = SinceFilter::new(since);
    let mut missing_said = false;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if *stop.borrow() || out.tx.is_closed() {
            let _ = out.flush().await;
            return;
        }
        if tail.is_none() {
            tail = open_tail(&path, !first).await;
            match &tail {
                Some(_) => {
                    first = false;
                    missing_said = false;
                }
                None if !missing_said => {
                    let _ = out
                        .push(note(
                            &id,
                            format!("cannot open {}; waiting for it", path.display()),
                        ))
                        .await;
                    missing_said = true;
                    // Once missing, the file that appears is read from its start.
                    first = false;
                }
                None => {}
            }
        }
        let mut reopen = false;
        if let Some(t) = tail.as_mut() {
            // Truncated in place: start over.
            if let Ok(meta) = t.file.metadata().await
                && meta.len() < t.pos
            {
                t.pos = 0;
                t.partial.clear();
                let _ = t.file.seek(SeekFrom::Start(0)).await;
            }
            loop {
                match t.file.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        t.pos += n as u64;
                        t.partial.extend_from_slice(&buf[..n]);
                        let mut start = 0;
                        while let Some(nl) = memchr::memchr(b'\n', &t.partial[start..]) {
                            let line = &t.partial[start..start + nl];
                            start += nl + 1;
                            let line = line.strip_suffix(b"\r").unwrap_or(line);
                            let cut = &line[..line.len().min(MAX_LINE)];
                            if !since.keeps(cut) {
                                continue;
                            }
                            let line =
                                LogLine::from_bytes(Arc::clone(&name), Some(Utc::now()), cut);
                            if !out.push(line).await {
                                return;
                            }
                        }
                        t.partial.drain(..start);
                    }
                }
            }
            // Rotated: the name now points at another file (or none yet).
            match tokio::fs::metadata(&path).await {
                Ok(meta) if meta.ino() != t.ino => reopen = true,
                Err(_) => reopen = true,
                _ => {}
            }
        }
        if reopen {
            // The new file is read from its very start.
            tail = None;
            first = false;
        }
        if !out.flush().await {
            return;
        }
        let mut stop2 = stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(FILE_POLL) => {}
            _ = stop2.wait_for(|s| *s) => {}
        }
    }
}

/// Carries out the log pane's save effect: the lines, one per line, to a
/// new file (an existing file is not overwritten). Returns how many were
/// written.
pub fn save(effect: &crate::engine::logs::LogEffect) -> std::io::Result<usize> {
    use std::io::Write;
    let crate::engine::logs::LogEffect::Save { path, lines } = effect;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let mut out = std::io::BufWriter::new(file);
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(lines.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::io::Write;

    async fn collect_until(
        rx: &mut mpsc::Receiver<Vec<LogLine>>,
        got: &mut Vec<String>,
        want: &str,
    ) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !got.iter().any(|l| l == want) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, rx.recv()).await {
                Ok(Some(batch)) => got.extend(batch.into_iter().map(|l| l.text)),
                _ => panic!("never saw {want:?}; got {got:?}"),
            }
        }
    }

    #[tokio::test]
    async fn file_survives_rotation_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        std::fs::write(&path, "old 1\nold 2\n").unwrap();
        let (tx, mut rx) = mpsc::channel(16);
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(follow_file(
            "app".into(),
            path.clone(),
            None,
            Batcher::new(tx, vec![]),
            stop_rx,
        ));
        let mut got = Vec::new();
        collect_until(&mut rx, &mut got, "old 2").await;
        let append = |text: &str| {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            f.write_all(text.as_bytes()).unwrap();
        };
        append("new \u{1b}[2Jline\n");
        collect_until(&mut rx, &mut got, "new line").await;
        // Rotation: rename away, write a fresh file.
        std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
        std::fs::write(&path, "after rotation\n").unwrap();
        collect_until(&mut rx, &mut got, "after rotation").await;
        // Truncation in place, then a write shorter than what was read: the
        // file is smaller than the read offset whenever the follower looks,
        // so no wait for it to notice the truncation is needed.
        std::fs::write(&path, "").unwrap();
        append("cut\n");
        collect_until(&mut rx, &mut got, "cut").await;
        stop_tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
        let dupes = got.iter().filter(|l| *l == "old 2").count();
        assert_eq!(dupes, 1, "{got:?}");
    }

    #[tokio::test]
    async fn command_is_restarted_with_backoff() {
        let dir = tempfile::tempdir().unwrap();
        let counter = dir.path().join("runs");
        let script = format!(
            "echo run >> {0}; wc -l < {0} | tr -d ' '",
            counter.display()
        );
        let (tx, mut rx) = mpsc::channel(16);
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(follow_command(
            "cmd".into(),
            vec!["sh".into(), "-c".into(), script],
            None,
            Batcher::new(tx, vec![]),
            stop_rx,
        ));
        let mut got = Vec::new();
        collect_until(&mut rx, &mut got, "3").await;
        assert!(got.iter().any(|l| l.contains("restarting in")), "{got:?}");
        stop_tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn grep_filters_lines() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut b = Batcher::new(tx, vec![Regex::new("ERROR").unwrap()]);
        assert!(b.push(LogLine::new("s", None, "INFO ok".into())).await);
        assert!(b.push(LogLine::new("s", None, "ERROR bad".into())).await);
        assert!(b.flush().await);
        let batch = rx.recv().await.unwrap();
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].text, "ERROR bad");
    }

    #[test]
    fn save_writes_visible_lines_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("saved.log");
        let mut view = crate::engine::logs::LogView::new(10);
        view.timestamps = false;
        view.push_batch(["ERROR a", "INFO b"].map(|t| LogLine::new("api", None, t.into())));
        view.set_filter("ERROR");
        assert_eq!(save(&view.save(path.clone())).unwrap(), 1);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "api ERROR a\n");
        assert!(save(&view.save(path)).is_err());
    }
}
