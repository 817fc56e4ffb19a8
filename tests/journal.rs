//! The journal against real processes and real files: concurrent appenders,
//! a writer killed with SIGKILL, torn tails, secrets, and a watcher seeing
//! another process's appends. Child processes are this test binary itself,
//! running the ignored `child_appender` test selected by environment.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use golive::engine::checklist::ItemStatus;
use golive::engine::record::{Event, Record};
use golive::io::journal::{self, Journal, JournalWatcher};
use golive::profile::Redactor;

const CHILD_ENV: &str = "GOLIVE_TEST_JOURNAL_CHILD";

/// Kills and reaps a child however the test ends, so none is left behind.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The note of record `index` of `writer`: its size and content are known to
/// both sides, so the parent can tell a whole record from a spliced one.
/// Every tenth record is 64 KiB, far past PIPE_BUF and a page.
fn note_for(writer: u32, index: u64, big_every: u64, big_len: usize) -> String {
    let len = if big_every > 0 && index.is_multiple_of(big_every) {
        big_len
    } else {
        40
    };
    let unit = format!("<w{writer}i{index}>");
    unit.repeat(len / unit.len() + 1)[..len].to_string()
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Not a test: the body of a child process. Appends `COUNT` records (0: until
/// killed) and prints `ACK n` once record n is acknowledged.
#[test]
#[ignore = "helper run as a child process by the other tests"]
fn child_appender() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let writer = env_u64("GOLIVE_TEST_WRITER", 0) as u32;
    let count = env_u64("GOLIVE_TEST_COUNT", 0);
    let big_every = env_u64("GOLIVE_TEST_BIG_EVERY", 10);
    let big_len = env_u64("GOLIVE_TEST_BIG_LEN", 64 * 1024) as usize;
    // Start together with the other children, once the parent says go.
    if let Ok(go) = std::env::var("GOLIVE_TEST_GO") {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !Path::new(&go).exists() {
            assert!(Instant::now() < deadline, "no go signal");
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let journal = Journal::open(&path).unwrap();
    let redactor = Redactor::default();
    let stdout = std::io::stdout();
    let mut index = 0;
    while count == 0 || index < count {
        let record = Record {
            at: Utc::now(),
            operator: format!("writer-{writer}"),
            service: "svc".into(),
            version: "v1".into(),
            event: Event::SignOff {
                item: format!("w{writer}-{index}"),
                note: Some(note_for(writer, index, big_every, big_len)),
            },
        };
        journal.append(&record, &redactor).unwrap();
        let mut out = stdout.lock();
        writeln!(out, "ACK {index}").unwrap();
        out.flush().unwrap();
        index += 1;
    }
}

fn spawn_child(journal: &Path, writer: u32, envs: &[(&str, String)]) -> ChildGuard {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "child_appender",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .env(CHILD_ENV, journal)
    .env("GOLIVE_TEST_WRITER", writer.to_string())
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    ChildGuard(cmd.spawn().unwrap())
}

/// Acknowledged indices in a child's output. libtest may put its own words
/// on the same lines, so look for the token rather than whole lines.
fn acks_in(line: &str) -> impl Iterator<Item = u64> + '_ {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let acks: Vec<u64> = tokens
        .windows(2)
        .filter(|w| w[0] == "ACK")
        .filter_map(|w| w[1].parse().ok())
        .collect();
    acks.into_iter()
}

fn record(item: &str, note: Option<&str>) -> Record {
    Record {
        at: Utc::now(),
        operator: "tester".into(),
        service: "svc".into(),
        version: "v1".into(),
        event: Event::SignOff {
            item: item.into(),
            note: note.map(str::to_string),
        },
    }
}

fn note_of(r: &Record) -> Option<&str> {
    match &r.event {
        Event::SignOff { note, .. } => note.as_deref(),
        _ => None,
    }
}

/// (writer, index) from an item id `w{writer}-{index}`.
fn writer_index(r: &Record) -> (u32, u64) {
    let item = r.event.item().unwrap();
    let (w, i) = item.trim_start_matches('w').split_once('-').unwrap();
    (w.parse().unwrap(), i.parse().unwrap())
}

#[test]
fn eight_processes_append_1600_records_without_interleaving() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("journal.jsonl");
    let go = dir.path().join("go");
    let (writers, per_writer) = (8u32, 200u64);
    let mut children: Vec<ChildGuard> = (0..writers)
        .map(|w| {
            spawn_child(
                &path,
                w,
                &[
                    ("GOLIVE_TEST_COUNT", per_writer.to_string()),
                    ("GOLIVE_TEST_GO", go.display().to_string()),
                ],
            )
        })
        .collect();
    std::fs::write(&go, b"").unwrap();
    for child in &mut children {
        let status = child.0.wait().unwrap();
        assert!(status.success(), "a child appender failed: {status}");
    }

    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.last(), Some(&b'\n'));
    let read = journal::read(&path).unwrap();
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    assert_eq!(
        read.records.len(),
        (writers as usize) * (per_writer as usize)
    );
    assert_eq!(read.offset, bytes.len() as u64);

    let mut seen: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for r in &read.records {
        let (w, i) = writer_index(r);
        assert_eq!(r.operator, format!("writer-{w}"));
        assert_eq!(note_of(r), Some(note_for(w, i, 10, 64 * 1024).as_str()));
        seen.entry(w).or_default().push(i);
    }
    for w in 0..writers {
        // Every record once, in the order its writer acknowledged them.
        let expected: Vec<u64> = (0..per_writer).collect();
        assert_eq!(seen.get(&w), Some(&expected), "writer {w}");
    }
    // The lock ordered the writers, so each linked to the line really
    // before it: one unbroken chain.
    let chain = journal::verify(&path).unwrap();
    assert!(chain.intact(), "{:?}", chain.broken);
    assert_eq!(chain.chained, read.records.len());
}

/// Reads `ACK n` lines until `want` acks were seen or the deadline passed.
fn read_acks(reader: &mut BufReader<ChildStdout>, acked: &mut BTreeSet<u64>, want: usize) {
    let mut line = String::new();
    while acked.len() < want {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        acked.extend(acks_in(&line));
    }
}

/// False while a write is under way (or torn): the file ends mid-line.
fn ends_with_newline(file: &std::fs::File) -> bool {
    use std::os::unix::fs::FileExt as _;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut last = [0u8; 1];
    len == 0 || file.read_exact_at(&mut last, len - 1).is_err() || last[0] == b'\n'
}

#[test]
fn every_acknowledged_record_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    // Large records keep the writer inside write(2) for milliseconds, long
    // enough to see the file end mid-line and send SIGKILL right then: the
    // kernel stops a write between pages for a fatal signal, which leaves
    // the torn tail a crash would.
    const BIG: usize = 4 * 1024 * 1024;
    let mut child = spawn_child(
        &path,
        7,
        &[
            ("GOLIVE_TEST_BIG_EVERY", "2".into()),
            ("GOLIVE_TEST_BIG_LEN", BIG.to_string()),
        ],
    );
    // A reader thread passes the acknowledgements on, so the wait for them
    // has a deadline even if the child wedges.
    let stdout = child.0.stdout.take().unwrap();
    let (ack_tx, ack_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            for ack in acks_in(&line) {
                let _ = ack_tx.send(ack);
            }
        }
    });
    let mut acked = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.len() < 4 {
        let left = deadline.saturating_duration_since(Instant::now());
        match ack_rx.recv_timeout(left) {
            Ok(ack) => {
                acked.insert(ack);
            }
            Err(_) => break,
        }
    }
    assert!(acked.len() >= 4, "the child acknowledged only {acked:?}");
    let file = std::fs::File::open(&path).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && ends_with_newline(&file) {
        std::thread::yield_now();
    }
    child.0.kill().unwrap(); // SIGKILL on Unix
    let status = child.0.wait().unwrap();
    assert!(!status.success());
    // Whatever it acknowledged before dying is still in the pipe; the reader
    // ends at end of file now that the writer is gone.
    reader.join().unwrap();
    acked.extend(ack_rx.try_iter());

    let read = journal::read(&path).unwrap();
    let in_file: BTreeSet<u64> = read.records.iter().map(|r| writer_index(r).1).collect();
    let missing: Vec<_> = acked.difference(&in_file).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    for r in &read.records {
        let (w, i) = writer_index(r);
        assert_eq!(note_of(r), Some(note_for(w, i, 2, BIG).as_str()));
    }
    // At most the record being written when the kill landed is damaged, and
    // only ever as the last line.
    let lines = std::fs::read(&path)
        .unwrap()
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert!(read.warnings.len() <= 1, "{:?}", read.warnings);
    if let Some(w) = read.warnings.first() {
        assert!(w.contains(&format!("line {lines}")), "{w}");
        eprintln!("SIGKILL left a torn tail: {w}");
    } else {
        eprintln!("SIGKILL landed between records: no torn tail this time");
    }

    // Later appends still work and start on a line of their own.
    Journal::open(&path)
        .unwrap()
        .append(&record("after-crash", None), &Redactor::default())
        .unwrap();
    let again = journal::read(&path).unwrap();
    assert_eq!(again.records.len(), read.records.len() + 1);
    assert_eq!(
        again.records.last().unwrap().event.item(),
        Some("after-crash")
    );
    assert_eq!(again.warnings, read.warnings);
    // A crash is not tampering: the new record chains past the torn tail.
    let chain = journal::verify(&path).unwrap();
    assert!(chain.intact(), "{:?}", chain.broken);
    assert_eq!(chain.chained, again.records.len());
    assert_eq!(chain.torn.len(), read.warnings.len());
}

#[test]
fn a_torn_tail_is_a_warning_and_later_appends_start_a_new_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let journal = Journal::open(&path).unwrap();
    journal
        .append(&record("first", None), &Redactor::default())
        .unwrap();
    // What a power cut mid-write leaves: half a record, no newline.
    let whole = serde_json::to_string(&record("torn", Some("never finished"))).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(&whole.as_bytes()[..whole.len() / 2])
        .unwrap();

    let read = journal::read(&path).unwrap();
    assert_eq!(read.records.len(), 1);
    assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
    assert!(read.warnings[0].contains("line 2"), "{}", read.warnings[0]);
    assert!(
        read.warnings[0].contains("cut short"),
        "{}",
        read.warnings[0]
    );

    journal
        .append(
            &record("second", Some("after the tear")),
            &Redactor::default(),
        )
        .unwrap();
    let read = journal::read(&path).unwrap();
    let items: Vec<_> = read.records.iter().filter_map(|r| r.event.item()).collect();
    assert_eq!(items, ["first", "second"]);
    assert_eq!(read.warnings.len(), 1);
    assert!(read.warnings[0].contains("line 2"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.ends_with('\n'));
}

#[test]
fn garbage_lines_are_warnings_and_a_missing_journal_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let missing = journal::read(dir.path().join("none.jsonl")).unwrap();
    assert!(missing.records.is_empty() && missing.warnings.is_empty());

    let path = dir.path().join("j.jsonl");
    let good = serde_json::to_string(&record("ok", None)).unwrap();
    std::fs::write(
        &path,
        format!("{good}\nnot json at all\n\n{{\"kind\":\"sign_off\"}}\n{good}\n"),
    )
    .unwrap();
    let read = journal::read(&path).unwrap();
    assert_eq!(read.records.len(), 2);
    assert_eq!(read.warnings.len(), 2, "{:?}", read.warnings);
    assert!(read.warnings[0].contains("line 2"));
    assert!(read.warnings[1].contains("line 4"));
}

#[test]
fn secrets_never_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let redactor = Redactor::new(["s3cr3t".to_string()]);
    let journal = Journal::open(&path).unwrap();
    let now = Utc::now();
    let events = [
        Event::SignOff {
            item: "ci".into(),
            note: Some("used token s3cr3t to check".into()),
        },
        Event::Waiver {
            item: "s3cr3t-item".into(),
            reason: "Bearer s3cr3t".into(),
        },
        Event::CheckResult {
            item: "health".into(),
            status: ItemStatus::Fail,
            detail: "header Authorization: Bearer s3cr3t".into(),
            duration_ms: 3,
        },
        Event::ActionStarted {
            action: "rollback".into(),
            what: "curl -H 'X-Key: s3cr3t' http://x".into(),
            dry_run: false,
            trigger: Some("s3cr3t".into()),
            reason: None,
        },
        Event::Verified {
            action: "rollback".into(),
            items: vec!["a".into(), "xs3cr3tx".into()],
            recovered: true,
            time_to_recovery_ms: Some(5),
        },
    ];
    for event in events {
        let rec = Record {
            at: now,
            operator: "op-s3cr3t".into(),
            service: "svc".into(),
            version: "v1".into(),
            event,
        };
        journal.append(&rec, &redactor).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(!text.contains("s3cr3t"), "{text}");
    let read = journal::read(&path).unwrap();
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    assert_eq!(read.records.len(), 5);
    assert!(read.records.iter().all(|r| r.operator == "op-••••"));
    assert_eq!(read.records[1].event.item(), Some("••••-item"));
}

#[test]
fn the_watcher_sees_another_process_append() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("watched.jsonl");
    Journal::open(&path)
        .unwrap()
        .append(&record("before", None), &Redactor::default())
        .unwrap();
    let start = journal::read(&path).unwrap();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let task = JournalWatcher::new(&path)
            .from_offset(start.offset)
            .spawn(tx);

        let mut child = spawn_child(&path, 3, &[("GOLIVE_TEST_COUNT", "1".into())]);
        let stdout = child.0.stdout.take().unwrap();
        let acked = tokio::task::spawn_blocking(move || {
            let mut acked = BTreeSet::new();
            // To the end: the child exits after its one record, and a closed
            // pipe would fail its own test harness's last words.
            read_acks(&mut BufReader::new(stdout), &mut acked, usize::MAX);
            acked
        })
        .await
        .unwrap();
        assert_eq!(acked, BTreeSet::from([0]));

        // The watcher promises a second; allow a margin for a loaded machine.
        let got = tokio::time::timeout(Duration::from_secs(3), rx.recv())
            .await
            .expect("the watcher did not deliver the record in time")
            .unwrap();
        assert_eq!(got.event.item(), Some("w3-0"));
        assert_eq!(got.operator, "writer-3");
        assert!(child.0.wait().unwrap().success());

        drop(rx);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the watcher ends when its receiver is dropped")
            .unwrap();
    });
}

#[test]
fn a_read_waits_for_an_append_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    Journal::open(&path)
        .unwrap()
        .append(&record("first", None), &Redactor::default())
        .unwrap();
    // Play an appender caught between the two halves of its line, holding
    // the lock as `Journal::append` does.
    let mut writer = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    fs4::fs_std::FileExt::lock_exclusive(&writer).unwrap();
    let line = serde_json::to_string(&record("second", None)).unwrap() + "\n";
    let (head, tail) = line.split_at(line.len() / 2);
    writer.write_all(head.as_bytes()).unwrap();

    let reader_path = path.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let _ = tx.send(journal::read(&reader_path).unwrap());
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "the read must wait for the lock"
    );
    writer.write_all(tail.as_bytes()).unwrap();
    fs4::fs_std::FileExt::unlock(&writer).unwrap();

    let read = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    reader.join().unwrap();
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    let items: Vec<_> = read.records.iter().filter_map(|r| r.event.item()).collect();
    assert_eq!(items, ["first", "second"]);
}
