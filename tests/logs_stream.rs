//! `golive logs`' stream on real sources: a file and a command, merged,
//! sanitised, prefixed with their source, filtered by `--grep` and
//! `--since`, command colours kept as styles, and every source stopped when
//! the stream ends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use golive::cli::LogsArgs;
use golive::commands::logs::{options, stream};
use golive::commands::output::Quiet;
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
        notify: Default::default(),
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

/// Runs `golive logs`' stream until `done` holds for what it printed, then
/// stops it and returns the output.
async fn stream_until(p: &Profile, a: &LogsArgs, done: impl Fn(&str) -> bool) -> String {
    let opts = options(p, a).unwrap();
    let out = Shared::default();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut writer = Quiet::new(out.clone());
    let run = stream(p, a.source.as_deref(), &opts, &mut writer, async {
        let _ = stop_rx.await;
    });
    let watch = async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while !done(&out.text()) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the expected lines never arrived: {:?}",
                out.text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stop_tx.send(()).unwrap();
    };
    let (result, ()) =
        tokio::time::timeout(Duration::from_secs(30), async { tokio::join!(run, watch) })
            .await
            .expect("the stream ends when asked");
    result.unwrap();
    out.text()
}

/// Waits until this process holds `path` open, which is when the file
/// source follows it: a line appended after that is a live line.
async fn until_open(path: &std::path::Path) {
    let open = || {
        std::fs::read_dir("/proc/self/fd")
            .into_iter()
            .flatten()
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p == path))
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !open() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} never opened",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// RFC 3339 for `minutes` ago.
fn ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
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
    let mut writer = Quiet::new(out.clone());
    let run = stream(&p, None, &opts, &mut writer, async {
        let _ = stop_rx.await;
    });
    let drive = async {
        // Appended after following started.
        until_open(&file).await;
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

#[tokio::test]
async fn since_reads_a_file_from_its_start_and_skips_older_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.log");
    let mut text = String::new();
    text.push_str("undated preamble\n");
    text.push_str(&format!("{} ERROR old-1\n", ago(120)));
    text.push_str("    at old_frame() continuation\n");
    text.push_str(&format!(
        "{{\"time\":\"{}\",\"msg\":\"old-json\"}}\n",
        ago(30)
    ));
    text.push_str(&format!("{} INFO start-of-window\n", ago(5)));
    // Well over the 64 KiB shown without --since, so the start of the
    // window is only seen when the file is read from its start.
    for i in 0..2000 {
        text.push_str(&format!(
            "{} INFO filler {i:04} {}\n",
            ago(4),
            "x".repeat(40)
        ));
    }
    text.push_str(&format!("{} INFO end-of-backlog\n", ago(1)));
    std::fs::write(&file, &text).unwrap();
    assert!(text.len() > 100 * 1024);
    let p = profile(vec![LogSource {
        id: "file".into(),
        kind: LogKind::File(file.clone()),
        highlight: vec![],
        grep: None,
    }]);

    // Without --since: the file's last 64 KiB, shown at once (nothing is
    // appended), starting with a whole line.
    let plain = stream_until(&p, &args(None), |t| t.contains("end-of-backlog")).await;
    assert!(
        !plain.contains("start-of-window"),
        "read more than the tail"
    );
    // The line's own stamp is printed once, in front, not again in its text.
    let first = plain.lines().next().unwrap();
    assert!(
        first.starts_with("20")
            && first.contains(" file INFO filler ")
            && !first.contains(" file 20"),
        "{first}"
    );

    let mut a = args(None);
    a.since = Some("10m".into());
    let appender = {
        let file = file.clone();
        async move {
            until_open(&file).await;
            std::fs::OpenOptions::new()
                .append(true)
                .open(&file)
                .unwrap()
                .write_all(format!("{} INFO appended-live\n", ago(0)).as_bytes())
                .unwrap();
        }
    };
    let (out, ()) = tokio::join!(
        stream_until(&p, &a, |t| t.contains("appended-live")),
        appender
    );
    for gone in ["old-1", "old_frame", "old-json"] {
        assert!(!out.contains(gone), "{gone} is older than --since: {out}");
    }
    assert!(out.contains("undated preamble"), "{out}");
    let window: Vec<&str> = out
        .lines()
        .filter(|l| !l.contains("undated preamble"))
        .collect();
    assert!(window[0].contains("start-of-window"), "{:?}", &window[..3]);
    let fillers = window.iter().filter(|l| l.contains(" filler ")).count();
    assert_eq!(fillers, 2000, "every line of the window, once");
    assert!(window[2001].contains("end-of-backlog"), "{}", window[2001]);
    assert!(window[2002].contains("appended-live"), "{}", window[2002]);
}

/// A fixed script: prints its arguments one per line, then stays up like a
/// `kubectl logs -f` would. The lines are data passed as argv, never shell.
fn print_args_script(dir: &std::path::Path) -> String {
    let path = dir.join("print-args.sh");
    std::fs::write(&path, "printf '%s\\n' \"$@\"\nexec sleep 30\n").unwrap();
    path.to_string_lossy().into_owned()
}

#[tokio::test]
async fn since_skips_a_commands_older_lines() {
    let dir = tempfile::tempdir().unwrap();
    let script = print_args_script(dir.path());
    let argv: Vec<String> = vec![
        "sh".into(),
        script,
        format!("{} ERROR cmd-old", ago(60)),
        "  continuation of cmd-old".into(),
        format!(
            "{{\"ts\":{},\"msg\":\"cmd-json-old\"}}",
            chrono::Utc::now().timestamp() - 3600
        ),
        format!("{} INFO cmd-new", ago(2)),
        "  continuation of cmd-new".into(),
        format!("{} INFO cmd-last", ago(1)),
    ];
    let p = profile(vec![LogSource {
        id: "cmd".into(),
        kind: LogKind::Command(argv),
        highlight: vec![],
        grep: None,
    }]);
    let mut a = args(None);
    a.since = Some("10m".into());
    let out = stream_until(&p, &a, |t| t.contains("cmd-last")).await;
    assert!(!out.contains("cmd-old"), "{out}");
    assert!(!out.contains("cmd-json-old"), "{out}");
    let kept: Vec<&str> = out.lines().collect();
    assert_eq!(kept.len(), 3, "{out}");
    assert!(kept[0].contains("INFO cmd-new"), "{out}");
    assert!(kept[1].contains("continuation of cmd-new"), "{out}");
    assert!(kept[2].contains("INFO cmd-last"), "{out}");
    // Without --since the same command shows everything.
    let all = stream_until(&p, &args(None), |t| t.contains("cmd-last")).await;
    assert!(
        all.contains("cmd-old") && all.contains("cmd-json-old"),
        "{all}"
    );
}

#[tokio::test]
async fn command_colours_survive_as_styles_and_escapes_are_harmless() {
    use golive::engine::sanitize::AnsiColor;
    use golive::io::logs::{SourceOptions, spawn_sources};

    let dir = tempfile::tempdir().unwrap();
    let script = print_args_script(dir.path());
    // SGR red and bold, an OSC title change, a screen clear and a cursor home.
    let raw = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[Hplain \u{1b}[1;31mred bold\u{1b}[0m tail";
    let sources = vec![LogSource {
        id: "cmd".into(),
        kind: LogKind::Command(vec!["sh".into(), script, raw.into()]),
        highlight: vec![],
        grep: None,
    }];
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let tasks = spawn_sources(&sources, None, &SourceOptions::default(), tx, stop_rx);
    let line = tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("the command's line arrives")
        .unwrap()
        .remove(0);
    stop_tx.send(true).unwrap();
    drop(rx);
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
    }
    assert_eq!(line.text, "plain red bold tail");
    assert!(!line.text.chars().any(char::is_control), "{:?}", line.text);
    assert_eq!(line.styles.len(), 1, "{:?}", line.styles);
    let run = &line.styles[0];
    assert_eq!(&line.text[run.range.clone()], "red bold");
    assert_eq!(run.style.fg, Some(AnsiColor::Basic(1)));
    assert!(run.style.bold);
}

/// Two sources whose lines arrive in the opposite order of their own
/// timestamps (the second prints 50 ms later, its line dated earlier) come
/// out of `golive logs` in time order, each stamped once with its own time.
#[tokio::test]
async fn sources_are_merged_by_the_lines_own_time() {
    let dir = tempfile::tempdir().unwrap();
    let now = chrono::Utc::now();
    let stamp = |ms: i64| {
        (now + chrono::Duration::milliseconds(ms))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let later = dir.path().join("print-later.sh");
    std::fs::write(&later, "sleep 0.05\nprintf '%s\\n' \"$@\"\nexec sleep 30\n").unwrap();
    let command = |id: &str, script: String, line: String| LogSource {
        id: id.into(),
        kind: LogKind::Command(vec!["sh".into(), script, line]),
        highlight: vec![],
        grep: None,
    };
    let p = profile(vec![
        command(
            "late",
            print_args_script(dir.path()),
            format!("{} INFO second", stamp(349)),
        ),
        command(
            "early",
            later.to_string_lossy().into_owned(),
            format!("{} INFO first", stamp(303)),
        ),
    ]);
    let out = stream_until(&p, &args(None), |t| t.lines().count() >= 2).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{} early INFO first", stamp(303)),
            format!("{} late INFO second", stamp(349)),
        ],
        "{out}"
    );
}
