//! Log following: every container of a target followed at once, lines
//! split from their engine timestamps, stdout and stderr merged in time
//! order, containers that appear later picked up, and a stream that ends or
//! breaks (a container restart, an engine outage) reopened without repeating
//! or losing lines. Outages and resumes are said once, as golive's own
//! lines in the source.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::time::Duration;

use bollard::container::LogOutput;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::LogsOptionsBuilder;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::{mpsc, watch};

use super::events::Changes;
use super::operations::ContainerRef;
use super::{DockerError, Engine, api};
use crate::engine::logs::LogLine;
use crate::profile::DockerTarget;

/// Longest line kept; a longer one is cut (a 90k-character line must not
/// stall the pane).
const MAX_LINE: usize = 16 * 1024;
/// How long live lines are held to put several containers' lines in time
/// order: the engine's reorder window, the same the merge of several
/// sources uses.
const REORDER_WINDOW: Duration = crate::engine::log_order::REORDER_WINDOW;
/// How long the history (lines stamped before its stream opened) of a
/// source naming one container is held: nothing to merge it with.
const BACKLOG_WINDOW: Duration = Duration::ZERO;
/// Most lines held for ordering (the merge's bound too).
const HELD_MAX: usize = crate::engine::log_order::HELD_MAX;

/// How a Docker log source is followed.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// The profile's log source id.
    pub source: String,
    /// Only lines at or after this time (None: the whole backlog).
    pub since: Option<DateTime<Utc>>,
    /// The longest the target goes without being re-resolved; new
    /// containers are found when the engine announces them (its events),
    /// so this is a safety net, not how they are found.
    pub rescan: Duration,
    /// Longest wait between reconnection attempts.
    pub max_backoff: Duration,
    /// Lines per batch sent downstream.
    pub batch: usize,
    /// How long lines are held to merge containers in time order; zero
    /// when the lines go on to a merge of several sources that holds them
    /// already (so they are not held twice).
    pub reorder: Duration,
}

impl FollowOptions {
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            since: None,
            rescan: Duration::from_secs(30),
            max_backoff: Duration::from_secs(5),
            batch: 256,
            reorder: REORDER_WINDOW,
        }
    }
}

/// One line as read from a container, before merging.
#[derive(Debug)]
struct Raw {
    at: DateTime<Utc>,
    seq: u64,
    line: LogLine,
    /// Stamped before its stream opened: history, not live interleaving.
    backlog: bool,
}

impl PartialEq for Raw {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Raw {}
impl PartialOrd for Raw {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Raw {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// Follows every container of `target` until `stop` turns true (or the
/// receiver goes away), sending batches of merged, sanitised lines. Engine
/// trouble is retried with back-off, never fatal: a note line says so.
pub async fn follow(
    host: String,
    target: DockerTarget,
    opts: FollowOptions,
    tx: mpsc::Sender<Vec<LogLine>>,
    mut stop: watch::Receiver<bool>,
) {
    // One named container's history has nothing to merge with: it shows at
    // once. Several containers' histories arrive apart (seconds apart on a
    // loaded machine), so they wait out the reorder window like live lines.
    let history_window = match target {
        DockerTarget::Container(_) => BACKLOG_WINDOW,
        _ => opts.reorder,
    };
    let (raw_tx, mut raw_rx) = mpsc::channel::<Vec<Raw>>(64);
    let discover = tokio::spawn(discover(host, target, opts.clone(), raw_tx, stop.clone()));
    let mut held: BinaryHeap<Reverse<Raw>> = BinaryHeap::new();
    // When each batch held may leave, and how many lines it brought.
    let mut arrivals: std::collections::VecDeque<(tokio::time::Instant, usize)> =
        std::collections::VecDeque::new();
    let mut open = true;
    loop {
        // Nothing held, nothing to wake for: an idle source costs no timer.
        let next = match arrivals.front() {
            Some((due, _)) => Some(*due),
            None if !open => Some(tokio::time::Instant::now()),
            None => None,
        };
        tokio::select! {
            batch = raw_rx.recv(), if open => match batch {
                Some(batch) => {
                    // History (stamped before its stream opened) of a single
                    // container leaves at once; live lines wait out the
                    // reorder window.
                    let window = if batch.iter().all(|r| r.backlog) {
                        history_window
                    } else {
                        opts.reorder
                    };
                    let due = tokio::time::Instant::now() + window;
                    // Due times stay in order, so a batch never leaves
                    // before one that came earlier.
                    let due = arrivals.back().map_or(due, |(last, _)| due.max(*last));
                    arrivals.push_back((due, batch.len()));
                    held.extend(batch.into_iter().map(Reverse));
                    if held.len() > HELD_MAX {
                        // Everything held is due now: the next wake sends it.
                        let now = tokio::time::Instant::now();
                        let total = arrivals.iter().map(|(_, n)| n).sum();
                        arrivals.clear();
                        arrivals.push_back((now, total));
                    }
                }
                None => open = false,
            },
            _ = sleep_until_some(next) => {
                // Due lines leave in timestamp order.
                let now = tokio::time::Instant::now();
                let mut due = 0;
                while let Some((at, n)) = arrivals.front() {
                    if *at <= now || !open {
                        due += n;
                        arrivals.pop_front();
                    } else {
                        break;
                    }
                }
                if due > 0 {
                    let mut out = Vec::with_capacity(due.min(opts.batch));
                    for _ in 0..due {
                        let Some(Reverse(raw)) = held.pop() else { break };
                        out.push(raw.line);
                        if out.len() >= opts.batch
                            && tx.send(std::mem::take(&mut out)).await.is_err()
                        {
                            discover.abort();
                            return;
                        }
                    }
                    if !out.is_empty() && tx.send(out).await.is_err() {
                        discover.abort();
                        return;
                    }
                }
                if !open && held.is_empty() {
                    break;
                }
            }
            _ = stop.changed() => {
                if *stop.borrow() { break; }
            }
        }
    }
    discover.abort();
}

async fn discover(
    host: String,
    target: DockerTarget,
    opts: FollowOptions,
    raw_tx: mpsc::Sender<Vec<Raw>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut followers: BTreeMap<String, tokio::task::JoinHandle<()>> = BTreeMap::new();
    let mut engine: Option<Engine> = None;
    let mut changes: Option<Changes> = None;
    let mut backoff = Duration::from_millis(200);
    // Said once per outage, so a long one is one line, not one per retry.
    let mut outage = false;
    // Said once too: the service runs only in other compose projects.
    let mut misplaced = false;
    loop {
        if engine.is_none() {
            match Engine::connect(&host, Duration::from_secs(5)).await {
                Ok(e) => {
                    changes = Some(Changes::open(&e));
                    engine = Some(e);
                    backoff = Duration::from_millis(200);
                    if outage {
                        let text = format!("engine at {host} reachable again");
                        let _ = raw_tx.send(vec![note(&opts.source, &text)]).await;
                        outage = false;
                    }
                }
                Err(e) => {
                    if !outage {
                        let text = format!(
                            "engine unreachable: {e}; retrying in {:.1}s, then every {}s at most",
                            backoff.as_secs_f64(),
                            opts.max_backoff.as_secs()
                        );
                        let _ = raw_tx.send(vec![note(&opts.source, &text)]).await;
                        outage = true;
                    }
                }
            }
        }
        if let Some(e) = &engine {
            match e.resolve(&target).await {
                Ok(refs) => {
                    for r in refs {
                        let alive = followers.get(&r.id).is_some_and(|h| !h.is_finished());
                        if !alive {
                            let task = follow_container(
                                e.clone(),
                                r.clone(),
                                opts.clone(),
                                raw_tx.clone(),
                            );
                            followers.insert(r.id.clone(), tokio::spawn(task));
                        }
                    }
                    backoff = Duration::from_millis(200);
                    misplaced = false;
                }
                // Not an outage: the engine answered, the target is wrong.
                Err(err @ DockerError::OtherProjects { .. }) => {
                    if !misplaced {
                        let _ = raw_tx
                            .send(vec![note(&opts.source, &err.to_string())])
                            .await;
                        misplaced = true;
                    }
                }
                Err(_) => {
                    engine = None;
                    changes = None;
                }
            }
        }
        let wait = if engine.is_some() {
            opts.rescan
        } else {
            backoff
        };
        backoff = (backoff * 2).min(opts.max_backoff);
        tokio::select! {
            alive = changed(&mut changes, &target) => if !alive {
                engine = None;
                changes = None;
            },
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => if *stop.borrow() { break },
        }
        if raw_tx.is_closed() {
            break;
        }
    }
    for (_, h) in followers {
        h.abort();
    }
}

/// The next container change the engine announces, or forever while the
/// engine is not connected. False: the events stream broke.
async fn changed(changes: &mut Option<Changes>, target: &DockerTarget) -> bool {
    match changes {
        Some(changes) => changes.next(std::slice::from_ref(target)).await,
        None => std::future::pending().await,
    }
}

/// Waits until `at`, or forever when there is nothing to wait for.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// golive's own line in a source's stream (an outage, a resume). Error texts
/// can quote what the engine or the network said, so they are cleaned too.
fn note(source: &str, text: &str) -> Raw {
    let at = Utc::now();
    let text = crate::engine::sanitize::clean_text(text);
    Raw {
        at,
        seq: 0,
        line: LogLine::new(source, Some(at), format!("golive: {text}")),
        backlog: false,
    }
}

/// Splits a `timestamps=true` log line into its time and text.
pub(super) fn split_timestamp(line: &[u8]) -> (Option<DateTime<Utc>>, &[u8]) {
    if let Some(pos) = memchr::memchr(b' ', line)
        && pos >= 20
        && let Ok(ts) = std::str::from_utf8(&line[..pos])
        && let Ok(at) = DateTime::parse_from_rfc3339(ts)
    {
        return (Some(at.with_timezone(&Utc)), &line[pos + 1..]);
    }
    (None, line)
}

/// What a follower has already passed on, so a reconnect skips it. The
/// engine resumes from a whole second (its `since` keeps lines stamped at or
/// after it), so a reopened stream replays the lines of `last`'s second:
/// each line of that second passed on is remembered (by a hash of its time
/// and text, with how many) and matched off once in the replay. Nothing is
/// dropped by its time alone: the engine stamps stdout and stderr apart, so
/// a stderr line can follow a newer stdout line in the stream, and it is
/// still new. Identical lines at one instant (a burst of the same message)
/// are all new within one stream. Only one second is held, at 16 bytes a
/// line: a flood can put 100,000 lines in a second.
#[derive(Debug, Default)]
struct Seen {
    /// The newest time passed on: where a reopened stream resumes.
    last: Option<DateTime<Utc>>,
    /// The lines of `last`'s second, by hash.
    recent: HashMap<u64, u32>,
    /// Of `recent`, what the current stream has not replayed yet.
    replay: HashMap<u64, u32>,
}

impl Seen {
    /// A new stream starts: it will replay the lines held since `last`'s second.
    fn reconnecting(&mut self) {
        self.replay = self.recent.clone();
    }

    /// True when the line is new; records it.
    fn admit(&mut self, at: DateTime<Utc>, text: &[u8]) -> bool {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        at.timestamp().hash(&mut hasher);
        at.timestamp_subsec_nanos().hash(&mut hasher);
        text.hash(&mut hasher);
        let key = hasher.finish();
        if let Some(n) = self.replay.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                self.replay.remove(&key);
            }
            return false;
        }
        if self.last.is_none_or(|last| at > last) {
            if self
                .last
                .is_some_and(|last| last.timestamp() != at.timestamp())
            {
                // Every line held is of an older second, which no replay
                // reaches now; the table is sized for the second just gone,
                // so a flood's table goes with it.
                self.recent = HashMap::with_capacity(self.recent.len());
            }
            self.last = Some(at);
        }
        if self
            .last
            .is_some_and(|last| at.timestamp() >= last.timestamp())
        {
            *self.recent.entry(key).or_default() += 1;
        }
        true
    }
}

/// Follows one container until it is removed (or the receiver goes away).
/// A stream that ends (the container stopped or restarted) or breaks (the
/// engine went away) is reopened with back-off from the last line held; a
/// break and the resume are said once each, not once per retry.
async fn follow_container(
    engine: Engine,
    container: ContainerRef,
    opts: FollowOptions,
    raw_tx: mpsc::Sender<Vec<Raw>>,
) {
    let mut seen = Seen::default();
    // One copy of each name for all the container's lines.
    let names = Names {
        source: opts.source.as_str().into(),
        replica: container.name.as_str().into(),
    };
    let mut backoff = Duration::from_millis(100);
    let mut seq: u64 = 1;
    let mut engine = engine;
    let mut broken = false;
    // The run the open stream belongs to, to tell a restart from a stop.
    let mut run_started = match engine.docker.inspect_container(&container.id, None).await {
        Ok(c) => run_of(&c).1,
        Err(_) => None,
    };
    loop {
        // Resume from the last line held (to the second: the API's
        // granularity); `Seen` drops the overlap.
        let since = seen
            .last
            .or(opts.since)
            .map(|t| i32::try_from(t.timestamp()).unwrap_or(0))
            .unwrap_or(0);
        seen.reconnecting();
        let opened = Utc::now();
        let logs_opts = LogsOptionsBuilder::default()
            .follow(true)
            .stdout(true)
            .stderr(true)
            .timestamps(true)
            .since(since)
            .build();
        let mut stream = engine.docker.logs(&container.id, Some(logs_opts));
        let mut partial: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
        let mut got_any = false;
        while let Some(item) = stream.next().await {
            let (slot, bytes) = match item {
                Ok(LogOutput::StdErr { message }) => (1, message),
                Ok(LogOutput::StdOut { message } | LogOutput::Console { message }) => (0, message),
                Ok(LogOutput::StdIn { .. }) => continue,
                Err(e) => {
                    if !broken {
                        let text =
                            format!("log stream of {} broke ({e}); resuming", container.name);
                        let _ = raw_tx.send(vec![note(&opts.source, &text)]).await;
                        broken = true;
                    }
                    break;
                }
            };
            got_any = true;
            let buf = &mut partial[slot];
            buf.extend_from_slice(&bytes);
            let mut batch = Vec::new();
            let mut start = 0;
            while let Some(nl) = memchr::memchr(b'\n', &buf[start..]) {
                let line = &buf[start..start + nl];
                start += nl + 1;
                if let Some(mut raw) = make_line(line, &names, &opts, &mut seen, &mut seq) {
                    raw.backlog = raw.at < opened;
                    batch.push(raw);
                }
            }
            buf.drain(..start);
            if buf.len() > MAX_LINE * 4 {
                let line = std::mem::take(buf);
                if let Some(raw) = make_line(&line, &names, &opts, &mut seen, &mut seq) {
                    batch.push(raw);
                }
            }
            if !batch.is_empty() && raw_tx.send(batch).await.is_err() {
                return;
            }
        }
        if got_any {
            backoff = Duration::from_millis(100);
        }
        // The stream ended: the container stopped or restarted, or the engine
        // went away. Look again with back-off. A stream that ended cleanly
        // on a stopped container had everything, so the log is reopened
        // only once it runs again (or ran in between): an exited container
        // costs an inspect per back-off, not a replay of its last second.
        loop {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(opts.max_backoff);
            if raw_tx.is_closed() {
                return;
            }
            let inspected = match engine.docker.inspect_container(&container.id, None).await {
                Ok(c) => Some(c),
                Err(e) => match api(e) {
                    DockerError::NotFound(_) => return,
                    _ => match Engine::connect(&engine.host, Duration::from_secs(5)).await {
                        Ok(fresh) => {
                            engine = fresh;
                            engine
                                .docker
                                .inspect_container(&container.id, None)
                                .await
                                .ok()
                        }
                        Err(_) => None,
                    },
                },
            };
            let Some(c) = inspected else { continue };
            let (running, started) = run_of(&c);
            if broken {
                let from = seen
                    .last
                    .map(|t| format!(" from {} UTC", t.format("%H:%M:%S")))
                    .unwrap_or_default();
                let text = format!("log stream of {} resumed{from}", container.name);
                let _ = raw_tx.send(vec![note(&opts.source, &text)]).await;
                broken = false;
                run_started = started;
                break;
            }
            if running || started != run_started {
                run_started = started;
                break;
            }
        }
    }
}

/// Whether a container runs, and when its current (or last) run started.
fn run_of(c: &ContainerInspectResponse) -> (bool, Option<String>) {
    let state = c.state.as_ref();
    (
        state.and_then(|s| s.running).unwrap_or(false),
        state.and_then(|s| s.started_at.clone()),
    )
}

/// The names every line of one container carries.
struct Names {
    source: std::sync::Arc<str>,
    replica: std::sync::Arc<str>,
}

fn make_line(
    line: &[u8],
    names: &Names,
    opts: &FollowOptions,
    seen: &mut Seen,
    seq: &mut u64,
) -> Option<Raw> {
    let (at, text) = split_timestamp(line);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    let at = at.unwrap_or_else(Utc::now);
    if let Some(since) = opts.since
        && at < since
    {
        return None;
    }
    if !seen.admit(at, text) {
        return None;
    }
    let cut = &text[..text.len().min(MAX_LINE)];
    *seq += 1;
    let mut line = LogLine::from_bytes(std::sync::Arc::clone(&names.source), Some(at), cut);
    line.replica = Some(std::sync::Arc::clone(&names.replica));
    Some(Raw {
        at,
        seq: *seq,
        line,
        backlog: false,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_split_off() {
        let (at, text) = split_timestamp(b"2026-01-02T03:04:05.123456789Z hello world");
        assert_eq!(
            at.unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            "2026-01-02T03:04:05.123456789Z"
        );
        assert_eq!(text, b"hello world");
        let (at, text) = split_timestamp(b"no timestamp here at all");
        assert!(at.is_none());
        assert_eq!(text, b"no timestamp here at all");
    }

    #[test]
    fn seen_keeps_a_stderr_line_stamped_before_the_stdout_line_ahead_of_it() {
        let ms = |n: i64| DateTime::<Utc>::from_timestamp_millis(n).unwrap();
        let mut seen = Seen::default();
        assert!(seen.admit(ms(10_500), b"done-marker"));
        assert!(seen.admit(ms(10_490), b"ERROR to-stderr"));
        // Both come again after a reconnect, and both are dropped once.
        seen.reconnecting();
        assert!(!seen.admit(ms(10_490), b"ERROR to-stderr"));
        assert!(!seen.admit(ms(10_500), b"done-marker"));
        assert!(seen.admit(ms(10_600), b"next"));
        // Lines of a second before the newest's are forgotten: a replay
        // starts at the newest's second.
        assert!(seen.admit(ms(12_100), b"later"));
        assert!(seen.admit(ms(11_900), b"late stderr"));
        seen.reconnecting();
        assert_eq!(seen.replay.values().sum::<u32>(), 1);
        assert!(!seen.admit(ms(12_100), b"later"));
    }

    #[test]
    fn seen_drops_the_overlap_only() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let mut seen = Seen::default();
        assert!(seen.admit(t(10), b"a"));
        assert!(seen.admit(t(10), b"b"));
        assert!(seen.admit(t(11), b"c"));
        assert!(seen.admit(t(11), b"d"));
        // A reconnect from second 11 replays c and d; then e is new.
        seen.reconnecting();
        assert!(!seen.admit(t(11), b"c"));
        assert!(!seen.admit(t(11), b"d"));
        assert!(seen.admit(t(11), b"e"));
        assert!(seen.admit(t(12), b"c"));
    }

    #[test]
    fn seen_keeps_identical_lines_of_one_instant() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let mut seen = Seen::default();
        // A burst of the same message within one stream: all of them.
        assert!(seen.admit(t(5), b"same"));
        assert!(seen.admit(t(5), b"same"));
        assert!(seen.admit(t(5), b"same"));
        // The replay matches off exactly the three held, then a fourth is new.
        seen.reconnecting();
        for _ in 0..3 {
            assert!(!seen.admit(t(5), b"same"));
        }
        assert!(seen.admit(t(5), b"same"));
    }
}
