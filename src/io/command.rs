//! Running an argv: command checks, command actions and command log sources
//! all come through here. Never a shell; a timeout kills the whole process
//! group, so a `kubectl` that forked helpers leaves nothing behind.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::{mpsc, watch};

use crate::engine::command::{CommandOutcome, MAX_STDOUT};
use crate::engine::sanitize::clean_bytes;
use crate::profile::CommandCheck;

/// Lines of output kept for evidence and the journal.
pub const TAIL_LINES: usize = 200;
/// Longest line kept; the rest of a longer line is dropped.
const MAX_LINE: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct CommandSpec {
    pub argv: Vec<String>,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
}

impl From<&CommandCheck> for CommandSpec {
    /// A command check item, run as its profile entry says.
    fn from(check: &CommandCheck) -> Self {
        Self {
            argv: check.argv.clone(),
            cwd: check.cwd.clone(),
            env: check.env.clone(),
            timeout: check.timeout,
        }
    }
}

/// Which stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Where output lines go besides the outcome's tail.
enum Sink {
    None,
    /// Sanitised text: checks and actions show it as is.
    Clean(mpsc::Sender<(Stream, String)>),
    /// The bytes as printed: log sources keep their colours and sanitise
    /// them as log lines.
    Raw(mpsc::Sender<(Stream, Vec<u8>)>),
}

/// Runs `spec` to completion, its timeout, or cancellation (`cancel` turning
/// true). Each sanitised output line is also sent to `lines` when given; a
/// full channel slows the reader rather than dropping lines.
pub async fn run(
    spec: &CommandSpec,
    lines: Option<mpsc::Sender<(Stream, String)>>,
    cancel: Option<watch::Receiver<bool>>,
) -> CommandOutcome {
    run_with(spec, lines.map_or(Sink::None, Sink::Clean), cancel).await
}

/// [`run`], sending each output line as the raw bytes printed (without its
/// newline, cut at the longest line kept); the outcome's tail is sanitised.
pub async fn run_raw(
    spec: &CommandSpec,
    lines: mpsc::Sender<(Stream, Vec<u8>)>,
    cancel: Option<watch::Receiver<bool>>,
) -> CommandOutcome {
    run_with(spec, Sink::Raw(lines), cancel).await
}

async fn run_with(
    spec: &CommandSpec,
    sink: Sink,
    mut cancel: Option<watch::Receiver<bool>>,
) -> CommandOutcome {
    let started = Instant::now();
    let Some((program, args)) = spec.argv.split_first() else {
        return CommandOutcome {
            spawn_error: Some("empty command".into()),
            ..CommandOutcome::default()
        };
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(cwd) = &spec.cwd {
        command.current_dir(cwd);
    }
    for (k, v) in &spec.env {
        command.env(k, v);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            return CommandOutcome {
                spawn_error: Some(format!("{program}: {err}")),
                duration: started.elapsed(),
                ..CommandOutcome::default()
            };
        }
    };
    let pid = child.id();
    let (tx, mut rx) = mpsc::channel::<(Stream, Vec<u8>)>(256);
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(tokio::spawn(pump(out, Stream::Stdout, tx.clone())));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(tokio::spawn(pump(err, Stream::Stderr, tx.clone())));
    }
    drop(tx);

    let mut tail: VecDeque<String> = VecDeque::new();
    let mut stdout = String::new();
    let mut keep = async |stream: Stream, raw: Vec<u8>, tail: &mut VecDeque<String>| {
        let line = clean_bytes(&raw);
        if stream == Stream::Stdout && stdout.len() + line.len() < MAX_STDOUT {
            stdout.push_str(&line);
            stdout.push('\n');
        }
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line.clone());
        match &sink {
            Sink::None => {}
            Sink::Clean(tx) => {
                let _ = tx.send((stream, line)).await;
            }
            Sink::Raw(tx) => {
                let _ = tx.send((stream, raw)).await;
            }
        }
    };
    let deadline = tokio::time::sleep(spec.timeout);
    tokio::pin!(deadline);
    let mut timed_out = false;
    let mut cancelled = false;
    let mut output_open = true;
    let status = loop {
        tokio::select! {
            line = rx.recv(), if output_open => match line {
                Some((stream, raw)) => keep(stream, raw, &mut tail).await,
                None => output_open = false,
            },
            status = child.wait() => break status.ok(),
            _ = &mut deadline => {
                timed_out = true;
                kill_group(pid);
                break child.wait().await.ok();
            }
            changed = wait_cancel(&mut cancel) => {
                if changed {
                    cancelled = true;
                    kill_group(pid);
                    break child.wait().await.ok();
                }
                cancel = None;
            }
        }
    };
    // The leader is gone; whatever it left in the group goes with it.
    kill_group(pid);
    for reader in readers {
        let _ = tokio::time::timeout(Duration::from_millis(500), reader).await;
    }
    while let Ok((stream, raw)) = rx.try_recv() {
        keep(stream, raw, &mut tail).await;
    }
    CommandOutcome {
        exit_code: if timed_out || cancelled {
            None
        } else {
            status.and_then(|s| s.code())
        },
        timed_out,
        cancelled,
        spawn_error: None,
        tail: tail.into_iter().collect(),
        stdout,
        duration: started.elapsed(),
    }
}

async fn wait_cancel(cancel: &mut Option<watch::Receiver<bool>>) -> bool {
    match cancel {
        Some(rx) => {
            if *rx.borrow() {
                return true;
            }
            match rx.changed().await {
                Ok(()) => *rx.borrow(),
                Err(_) => false,
            }
        }
        None => std::future::pending().await,
    }
}

async fn pump<R: AsyncRead + Unpin>(
    reader: R,
    stream: Stream,
    tx: mpsc::Sender<(Stream, Vec<u8>)>,
) {
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                }
                buf.truncate(MAX_LINE);
                if tx.send((stream, std::mem::take(&mut buf))).await.is_err() {
                    break;
                }
            }
        }
    }
}

fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) with a negative pid signals the process group we
        // created with process_group(0); it touches no memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn spec(argv: &[&str], timeout_ms: u64) -> CommandSpec {
        CommandSpec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            cwd: None,
            env: vec![],
            timeout: Duration::from_millis(timeout_ms),
        }
    }

    #[tokio::test]
    async fn captures_exit_code_and_output() {
        let out = run(
            &spec(&["sh", "-c", "echo one; echo two >&2; exit 3"], 5000),
            None,
            None,
        )
        .await;
        assert_eq!(out.exit_code, Some(3));
        assert!(out.tail.contains(&"one".to_string()));
        assert!(out.tail.contains(&"two".to_string()));
        assert_eq!(out.stdout, "one\n", "stderr is not part of stdout");
        assert!(!out.succeeded());
    }

    #[tokio::test]
    async fn arguments_are_not_shell_expanded() {
        let out = run(&spec(&["echo", "$(id)", ";", "*"], 5000), None, None).await;
        assert_eq!(out.tail, vec!["$(id) ; *".to_string()]);
    }

    #[tokio::test]
    async fn timeout_kills_the_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let script = format!("(sleep 1; touch {}) & sleep 30", marker.display());
        let out = run(&spec(&["sh", "-c", &script], 200), None, None).await;
        assert!(out.timed_out);
        assert_eq!(out.exit_code, None);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(
            !marker.exists(),
            "a child of the timed-out command survived"
        );
    }

    #[tokio::test]
    async fn missing_program_is_a_spawn_error() {
        let out = run(
            &spec(&["definitely-not-a-program-golive"], 1000),
            None,
            None,
        )
        .await;
        assert!(out.spawn_error.is_some());
        assert!(out.summary().contains("could not start"));
    }

    #[tokio::test]
    async fn cancel_kills_and_is_recorded() {
        let (tx, rx) = watch::channel(false);
        let handle =
            tokio::spawn(async move { run(&spec(&["sleep", "30"], 60_000), None, Some(rx)).await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        tx.send(true).unwrap();
        let out = handle.await.unwrap();
        assert!(out.cancelled);
    }

    #[tokio::test]
    async fn output_is_sanitised_and_streamed() {
        let (tx, mut rx) = mpsc::channel(16);
        let out = run(
            &spec(&["printf", "a\\033]0;pwned\\007b\\n"], 5000),
            Some(tx),
            None,
        )
        .await;
        assert_eq!(out.tail, vec!["ab".to_string()]);
        assert_eq!(out.stdout, "ab\n");
        assert_eq!(rx.recv().await, Some((Stream::Stdout, "ab".to_string())));
    }

    #[tokio::test]
    async fn raw_output_keeps_the_bytes_and_cleans_the_tail() {
        let (tx, mut rx) = mpsc::channel(16);
        let out = run_raw(
            &spec(&["printf", "\\033[31mred\\033[0m \\377\\n"], 5000),
            tx,
            None,
        )
        .await;
        assert_eq!(out.tail, vec!["red \u{fffd}".to_string()]);
        assert_eq!(
            rx.recv().await,
            Some((Stream::Stdout, b"\x1b[31mred\x1b[0m \xff".to_vec()))
        );
    }
}
