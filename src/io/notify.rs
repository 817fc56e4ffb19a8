//! Delivers notifications the engine decided on, and nothing else: a
//! bounded queue, a locked claim beside the journal so two processes never
//! both send one key, then per attempt a timeout, with retries and exponential
//! back-off. Webhooks go through reqwest, commands run as argv with the
//! payload on stdin. Each receiver has its own task and queue, so a
//! hanging receiver costs its own timeouts and never holds the cockpit or
//! another receiver up. The outcome goes back to the engine, which journals it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::engine::notify::{Delivered, Delivery, Notification};
use crate::profile::{Notifier, NotifyTarget};

/// Notifications waiting per receiver; a full queue is `Busy`.
pub const QUEUE: usize = 64;
/// The first back-off; each retry doubles it, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// How much of a receiver's answer is kept as the reason it refused.
const REASON_CHARS: usize = 200;

/// Where claims live: a directory beside the journal, one file per key and
/// receiver, locked while its delivery runs and then holding its outcome.
pub fn claims_dir(journal: &Path) -> PathBuf {
    let mut name = journal.file_name().unwrap_or_default().to_os_string();
    name.push(".notify");
    journal.with_file_name(name)
}

/// The queues' sending halves, one per receiver, held by the driver.
#[derive(Clone, Default)]
pub struct Outbox {
    queues: BTreeMap<String, mpsc::Sender<Notification>>,
}

impl Outbox {
    /// Queues a notification without waiting; false when its receiver's
    /// queue is full (or the profile has no such receiver).
    pub fn offer(&self, notification: Notification) -> bool {
        match self.queues.get(&notification.receiver) {
            Some(queue) => queue.try_send(notification).is_ok(),
            None => false,
        }
    }
}

/// Starts one sender task per receiver: each delivers its notifications in
/// the order asked, so a receiver hears a breach before its resolution, and
/// a hanging receiver holds up only itself. `claims` is None for `golive
/// notify test`, which claims nothing. Outcomes go to `done`.
pub fn spawn(
    receivers: Vec<Notifier>,
    claims: Option<PathBuf>,
    done: mpsc::Sender<Delivered>,
    tasks: &mut tokio::task::JoinSet<()>,
) -> Outbox {
    let client = reqwest::Client::new();
    let mut outbox = Outbox::default();
    for receiver in receivers {
        let (tx, mut rx) = mpsc::channel::<Notification>(QUEUE);
        outbox.queues.insert(receiver.id.clone(), tx);
        let (client, claims, done) = (client.clone(), claims.clone(), done.clone());
        tasks.spawn(async move {
            while let Some(n) = rx.recv().await {
                let delivery = deliver(&client, &receiver, claims.as_deref(), &n).await;
                let delivered = Delivered {
                    key: n.key,
                    receiver: n.receiver,
                    delivery,
                };
                if done.send(delivered).await.is_err() {
                    return;
                }
            }
        });
    }
    outbox
}

/// Claims the key, then tries until the receiver accepts or the retries
/// run out; the claim then records the outcome.
pub async fn deliver(
    client: &reqwest::Client,
    receiver: &Notifier,
    claims: Option<&Path>,
    n: &Notification,
) -> Delivery {
    let claim = match claims.map(|dir| claim(dir, &n.key, &n.receiver)) {
        None => None,
        Some(Ok(Claim::Ours(file))) => Some(file),
        Some(Ok(Claim::Taken)) => return Delivery::ClaimedElsewhere,
        Some(Err(err)) => {
            return Delivery::Failed {
                attempts: 0,
                status: None,
                reason: format!("cannot claim the notification: {err}"),
            };
        }
    };
    let delivery = attempts(client, receiver, n).await;
    if let Some(file) = claim {
        settle(file, n, &delivery);
    }
    delivery
}

async fn attempts(client: &reqwest::Client, receiver: &Notifier, n: &Notification) -> Delivery {
    let body = serde_json::to_vec(&n.body).unwrap_or_default();
    let mut backoff = FIRST_BACKOFF;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let answer = tokio::time::timeout(receiver.timeout, attempt(client, receiver, &body)).await;
        let (status, reason) = match answer {
            Ok(Ok(status)) => return Delivery::Sent { attempts, status },
            Ok(Err((status, reason))) => (status, reason),
            Err(_) => (None, format!("no answer within {:?}", receiver.timeout)),
        };
        if attempts > receiver.retries {
            return Delivery::Failed {
                attempts,
                status,
                reason,
            };
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

enum Claim {
    /// Locked by us and not delivered yet: ours to send.
    Ours(std::fs::File),
    /// Another process is sending it, or it was delivered (or failed).
    Taken,
}

/// The claim file of a key and receiver, locked for as long as its delivery
/// runs. The lock goes with the process, so a claim whose sender died
/// mid-delivery is taken over; one that records an outcome is never sent
/// again.
fn claim(dir: &Path, key: &str, receiver: &str) -> std::io::Result<Claim> {
    use std::io::Read;
    std::fs::create_dir_all(dir)?;
    let digest = Sha256::digest(format!("{key}\n{receiver}").as_bytes());
    let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(name))?;
    if !fs4::fs_std::FileExt::try_lock_exclusive(&file)? {
        return Ok(Claim::Taken);
    }
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    if text.lines().any(|l| l.starts_with("outcome ")) {
        return Ok(Claim::Taken);
    }
    Ok(Claim::Ours(file))
}

/// Writes the outcome into the claim; closing the file releases the lock.
fn settle(mut file: std::fs::File, n: &Notification, delivery: &Delivery) {
    use std::io::{Seek, Write};
    let outcome = match delivery {
        Delivery::Sent { .. } => "sent",
        _ => "failed",
    };
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = writeln!(file, "{}\n{}\noutcome {outcome}", n.key, n.receiver);
    let _ = file.sync_all();
}

/// One attempt: the receiver's status when it accepted, else its status (if
/// it answered) and why not.
async fn attempt(
    client: &reqwest::Client,
    receiver: &Notifier,
    body: &[u8],
) -> Result<Option<i32>, (Option<i32>, String)> {
    match &receiver.target {
        NotifyTarget::Webhook { url, headers, .. } => {
            let mut request = client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let response = request
                .send()
                .await
                .map_err(|e| (None, e.without_url().to_string()))?;
            let status = response.status();
            let code = Some(i32::from(status.as_u16()));
            if status.is_success() {
                Ok(code)
            } else {
                let text = response.text().await.unwrap_or_default();
                let text: String = text.chars().take(REASON_CHARS).collect();
                let text = crate::engine::sanitize::clean_text(&text);
                Err((code, format!("HTTP {status} {}", text.trim())))
            }
        }
        NotifyTarget::Command { argv } => run_command(argv, body).await,
    }
}

/// Runs the command with the payload on stdin; killed if the attempt's
/// timeout drops it.
async fn run_command(argv: &[String], body: &[u8]) -> Result<Option<i32>, (Option<i32>, String)> {
    let Some((program, args)) = argv.split_first() else {
        return Err((None, "empty command".into()));
    };
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| (None, format!("cannot run {program}: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its stdin still gets to answer.
        let _ = stdin.write_all(body).await;
        drop(stdin);
    }
    let status = child
        .wait()
        .await
        .map_err(|e| (None, format!("{program}: {e}")))?;
    match status.code() {
        Some(0) => Ok(Some(0)),
        Some(code) => Err((Some(code), format!("{program} exited {code}"))),
        None => Err((None, format!("{program} was killed"))),
    }
}
