//! `golive logs`' stream on real sources: a file and a command, merged,
//! sanitised, prefixed with their source, filtered by `--grep`, and every
//! source stopped when the stream ends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use golive::cli::LogsArgs;
use golive::commands::logs::{options, stream};
use golive::profile::{LogKind, LogSource, Profile, Redactor, Service, Settings};

const SECRET: &str = "pw-5150-secret";

fn profile(logs: Vec<LogSource>) -> Profile {
    Profile {
        path: PathBuf::from("test.toml"),
        service: Service {
            name: "svc".into(),
            version: "v2".into(),
            previous: None,
        },
        settings: Settings::default(),
        endpoints: vec![],
        metrics: vec![],
        baseline: None,
        logs,
        phases: vec![],
        gates: vec![],
        actions: BTreeMap::new(),
        redactor: Redactor::new([SECRET.to_string()]),
        unresolved: vec![],
        warnings: vec![],
    }
}

/// A writer the test can read while the stream runs.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn args(grep: Option<&str>) -> LogsArgs {
    LogsArgs {
        profile: PathBuf::from("test.toml"),
        source: None,
        since: None,
        grep: grep.map(str::to_string),
    }
}

#[tokio::test]
async fn file_and_command_sources_merge_sanitised_and_masked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.log");
    std::fs::write(&file, "").unwrap();
    let p = profile(vec![
        LogSource {
            id: "file".into(),
            kind: LogKind::File(file.clone()),
            highlight: vec![],
            grep: None,
        },
        LogSource {
            id: "cmd".into(),
            kind: LogKind::Command(vec![
                "sh".into(),
                "-c".into(),
                format!("printf 'ERROR from command \\033]0;title\\007pw={SECRET}\\n'; sleep 30"),
            ]),
            highlight: vec![],
            grep: None,
        },
    ]);
    let opts = options(&p, &args(Some("ERROR"))).unwrap();
    let out = Shared::default();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut writer = out.clone();
    let run = stream(&p, None, &opts, &mut writer, async {
        let _ = stop_rx.await;
    });
    let drive = async {
        // Appended after following started.
        tokio::time::sleep(Duration::from_millis(300)).await;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap()
            .write_all(b"INFO dropped by grep\nERROR from file \x1b[2J\x1b[31mred\x1b[0m\n")
            .unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while !(out.text().contains("ERROR from file") && out.text().contains("ERROR from command"))
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "lines never arrived: {:?}",
                out.text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stop_tx.send(()).unwrap();
    };
    let (result, ()) =
        tokio::time::timeout(Duration::from_secs(30), async { tokio::join!(run, drive) })
            .await
            .expect("the stream ends when asked");
    result.unwrap();
    let text = out.text();
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(!text.contains("dropped by grep"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    assert!(text.contains("pw=••••"), "{text}");
    let file_line = text
        .lines()
        .find(|l| l.contains("ERROR from file"))
        .unwrap();
    assert!(
        file_line.contains(" file ERROR from file red"),
        "{file_line}"
    );
    let cmd_line = text
        .lines()
        .find(|l| l.contains("ERROR from command"))
        .unwrap();
    assert!(cmd_line.contains(" cmd ERROR from command "), "{cmd_line}");
}

#[test]
fn bad_flags_are_refused_before_anything_starts() {
    let p = profile(vec![LogSource {
        id: "file".into(),
        kind: LogKind::File("/nonexistent".into()),
        highlight: vec![],
        grep: None,
    }]);
    assert!(
        options(&p, &args(Some("(")))
            .unwrap_err()
            .contains("--grep")
    );
    let mut a = args(None);
    a.since = Some("yesterday-ish".into());
    assert!(options(&p, &a).unwrap_err().contains("--since"));
    let mut a = args(None);
    a.source = Some("nope".into());
    assert!(options(&p, &a).unwrap_err().contains("sources: file"));
    assert!(options(&profile(vec![]), &args(None)).is_err());
}
