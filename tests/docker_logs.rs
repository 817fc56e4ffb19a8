//! Container logs against the real Docker engine: sanitising, resuming after
//! a restart without duplicates, merging several containers in time order,
//! picking up containers that appear later, and an unreachable engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docker_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use docker_support::{Cleanup, build_image, docker, engine_or_skip, poll, unique};
use golive::engine::logs::LogLine;
use golive::io::docker::{self, Engine, FollowOptions};
use golive::profile::DockerTarget;
use tokio::sync::{mpsc, watch};

/// Follows `target` in the background; the lines land in the returned vec.
struct Follower {
    lines: Arc<Mutex<Vec<LogLine>>>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Follower {
    fn start(host: String, target: DockerTarget) -> Self {
        let (tx, mut rx) = mpsc::channel::<Vec<LogLine>>(16);
        let (stop, stop_rx) = watch::channel(false);
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let mut opts = FollowOptions::new("app");
        // No rescan within a test: containers that come later are found
        // through the engine's events, or the test fails.
        opts.rescan = Duration::from_secs(3600);
        let task = tokio::spawn(async move {
            let follow = tokio::spawn(docker::follow(host, target, opts, tx, stop_rx));
            while let Some(batch) = rx.recv().await {
                sink.lock().unwrap().extend(batch);
            }
            let _ = follow.await;
        });
        Self { lines, stop, task }
    }

    fn texts(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .map(|l| l.text.clone())
            .collect()
    }

    async fn wait_for(&self, what: &str, timeout: Duration, f: impl Fn(&[LogLine]) -> bool) {
        let ok = poll(timeout, || f(&self.lines.lock().unwrap()).then_some(())).await;
        assert!(
            ok.is_some(),
            "timed out waiting for {what}; got {:?}",
            self.texts()
        );
    }

    async fn finish(self) -> Vec<LogLine> {
        self.stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("follower stops on request")
            .unwrap();
        Arc::try_unwrap(self.lines).unwrap().into_inner().unwrap()
    }
}

fn host(engine: &Engine) -> String {
    engine.host.clone()
}

#[tokio::test]
async fn stdout_stderr_escapes_and_invalid_utf8_are_sanitised() {
    let Some(engine) = engine_or_skip("stdout_stderr_escapes_and_invalid_utf8_are_sanitised").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let image = format!("{}:1", unique("img"));
    build_image(&mut cleanup, &image, "v1");
    let name = unique("san");
    cleanup.containers.push(name.clone());
    let script = r#"printf 'out \033[2J\033[H\033]0;pwned\007clear \033[31mred\033[0m\n';
printf 'bell\007 and bad \377\376 utf8\n';
echo 'ERROR to-stderr' >&2;
echo done-marker; sleep 300"#;
    docker(&["run", "-d", "--name", &name, &image, script]);
    let f = Follower::start(host(&engine), DockerTarget::Container(name.clone()));
    // stdout and stderr are separate streams: wait for the last line of each.
    f.wait_for(
        "done-marker and the stderr line",
        Duration::from_secs(20),
        |l| {
            l.iter().any(|x| x.text == "done-marker")
                && l.iter().any(|x| x.text == "ERROR to-stderr")
        },
    )
    .await;
    let lines = f.finish().await;
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert!(texts.contains(&"out clear red"), "{texts:?}");
    assert!(
        texts.contains(&"bell and bad \u{fffd}\u{fffd} utf8"),
        "{texts:?}"
    );
    let err = lines.iter().find(|l| l.text == "ERROR to-stderr").unwrap();
    assert_eq!(err.severity, golive::engine::logs::Severity::Error);
    for l in &lines {
        assert!(
            !l.text.chars().any(|c| c.is_control()),
            "control character got through: {:?}",
            l.text
        );
        assert_eq!(l.replica.as_deref(), Some(name.as_str()));
        assert!(l.at.is_some());
    }
}

#[tokio::test]
async fn restart_mid_stream_resumes_without_duplicates() {
    let Some(engine) = engine_or_skip("restart_mid_stream_resumes_without_duplicates").await else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let image = format!("{}:1", unique("img"));
    build_image(&mut cleanup, &image, "v1");
    let name = unique("restart");
    cleanup.containers.push(name.clone());
    // Each start gets its own run id, so every line is unique across runs.
    let script = r#"run=$(cat /proc/sys/kernel/random/uuid | cut -c1-8); i=0;
while true; do i=$((i+1)); echo "run-$run-$i"; sleep 0.05; done"#;
    docker(&["run", "-d", "--name", &name, &image, script]);
    let f = Follower::start(host(&engine), DockerTarget::Container(name.clone()));
    f.wait_for("20 lines", Duration::from_secs(20), |l| l.len() >= 20)
        .await;
    docker(&["restart", "-t", "1", &name]);
    let first_run = f.texts()[0].split('-').nth(1).unwrap().to_string();
    f.wait_for("20 lines of the second run", Duration::from_secs(30), |l| {
        l.iter()
            .filter(|x| !x.text.contains(&format!("run-{first_run}-")))
            .count()
            >= 20
    })
    .await;
    let lines = f.finish().await;
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let mut seen = std::collections::HashSet::new();
    for t in &texts {
        assert!(seen.insert(*t), "line {t:?} delivered twice");
    }
    // Nothing of the first run was lost either: its counters are contiguous.
    let mut counters: Vec<u64> = texts
        .iter()
        .filter(|t| t.starts_with(&format!("run-{first_run}-")))
        .map(|t| t.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    counters.sort();
    assert_eq!(counters.first(), Some(&1));
    assert_eq!(
        counters,
        (1..=counters.len() as u64).collect::<Vec<_>>(),
        "gap in the first run"
    );
}

#[tokio::test]
async fn exited_container_started_again_is_picked_up_once() {
    let Some(engine) = engine_or_skip("exited_container_started_again_is_picked_up_once").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let image = format!("{}:1", unique("img"));
    build_image(&mut cleanup, &image, "v1");
    let name = unique("again");
    cleanup.containers.push(name.clone());
    let script = r#"run=$(cat /proc/sys/kernel/random/uuid | cut -c1-8);
for i in 1 2 3; do echo "run-$run-$i"; done"#;
    docker(&["run", "-d", "--name", &name, &image, script]);
    let f = Follower::start(host(&engine), DockerTarget::Container(name.clone()));
    f.wait_for("the first run", Duration::from_secs(20), |l| l.len() >= 3)
        .await;
    // Exited: the follower waits (with back-off) instead of replaying. Watch
    // for a replay through a few of its rounds once the engine says exited.
    let exited = poll(Duration::from_secs(20), || {
        (docker(&["inspect", "-f", "{{.State.Status}}", &name]) == "exited").then_some(())
    });
    assert!(exited.await.is_some(), "the container never exited");
    let replayed = poll(Duration::from_secs(2), || {
        (f.texts().len() > 3).then_some(())
    });
    assert!(replayed.await.is_none(), "{:?}", f.texts());
    docker(&["start", &name]);
    f.wait_for("the second run", Duration::from_secs(20), |l| l.len() >= 6)
        .await;
    // Watch for a duplicate for a second before stopping.
    let duplicated = poll(Duration::from_secs(1), || {
        (f.texts().len() > 6).then_some(())
    });
    assert!(duplicated.await.is_none(), "{:?}", f.texts());
    let lines = f.finish().await;
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts.len(), 6, "{texts:?}");
    let runs: std::collections::BTreeSet<&str> =
        texts.iter().filter_map(|t| t.split('-').nth(1)).collect();
    assert_eq!(runs.len(), 2, "{texts:?}");
}

#[tokio::test]
async fn two_containers_merge_in_time_order_and_late_ones_join() {
    let Some(engine) =
        engine_or_skip("two_containers_merge_in_time_order_and_late_ones_join").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let image = format!("{}:1", unique("img"));
    build_image(&mut cleanup, &image, "v1");
    let label = unique("merge");
    let (a, b) = (unique("a"), unique("b"));
    cleanup.containers.extend([a.clone(), b.clone()]);
    let script = |who: &str| {
        format!("i=0; while [ $i -lt 15 ]; do i=$((i+1)); echo \"{who} $i\"; sleep 0.1; done")
    };
    let lbl = format!("golive.test={label}");
    docker(&["run", "-d", "--name", &a, "-l", &lbl, &image, &script("A")]);
    docker(&["run", "-d", "--name", &b, "-l", &lbl, &image, &script("B")]);
    // Both have finished: the whole backlog arrives at once and must still
    // come out in time order.
    let done = poll(Duration::from_secs(20), || {
        let out = docker(&["ps", "-q", "--filter", &format!("label={lbl}")]);
        out.is_empty().then_some(())
    })
    .await;
    assert!(done.is_some(), "test containers did not finish");
    let target = DockerTarget::Label {
        key: "golive.test".into(),
        value: label.clone(),
    };
    let f = Follower::start(host(&engine), target);
    f.wait_for("30 lines", Duration::from_secs(20), |l| l.len() >= 30)
        .await;
    // A container appearing later is picked up.
    let c = unique("c");
    cleanup.containers.push(c.clone());
    docker(&[
        "run",
        "-d",
        "--name",
        &c,
        "-l",
        &lbl,
        &image,
        "echo late-comer; sleep 300",
    ]);
    f.wait_for("the late container", Duration::from_secs(20), |l| {
        l.iter().any(|x| x.text == "late-comer")
    })
    .await;
    let lines = f.finish().await;
    let merged: Vec<&LogLine> = lines.iter().filter(|l| l.text != "late-comer").collect();
    assert_eq!(merged.len(), 30, "{:?}", merged);
    for pair in merged.windows(2) {
        assert!(pair[0].at <= pair[1].at, "out of order: {pair:?}");
    }
    // Interleaved, not one container after the other.
    let switches = merged
        .windows(2)
        .filter(|p| p[0].replica != p[1].replica)
        .count();
    assert!(switches >= 10, "only {switches} switches between replicas");
    for l in &merged {
        let who = if l.text.starts_with('A') { &a } else { &b };
        assert_eq!(l.replica.as_deref(), Some(who.as_str()), "{l:?}");
    }
    let late = lines.iter().find(|l| l.text == "late-comer").unwrap();
    assert_eq!(late.replica.as_deref(), Some(c.as_str()));
}

#[tokio::test]
async fn unreachable_engine_gives_a_clear_state() {
    let host = "tcp://127.0.0.1:1";
    let started = std::time::Instant::now();
    let err = Engine::connect(host, Duration::from_secs(3))
        .await
        .expect_err("nothing listens on port 1");
    assert!(started.elapsed() < Duration::from_secs(10));
    let text = err.to_string();
    assert!(text.contains("does not answer"), "{text}");
    assert!(text.contains(host), "{text}");

    let check = golive::profile::DockerCheck {
        target: DockerTarget::compose("api", "shop"),
        conditions: vec![golive::model::condition::Condition::parse("[RUNNING] >= 0").unwrap()],
    };
    let (passed, detail) = golive::engine::containers::evaluate_docker_check_once(
        &check,
        &docker::inspect_once(host, &check.target).await,
    );
    assert!(!passed, "an unreachable engine must never pass: {detail}");
    assert!(detail.contains("did not answer"), "{detail}");

    // The log follower says so in the stream instead of failing silently.
    let f = Follower::start(host.to_string(), DockerTarget::Container("x".into()));
    f.wait_for("a note about the engine", Duration::from_secs(15), |l| {
        l.iter().any(|x| x.text.contains("does not answer"))
    })
    .await;
    f.finish().await;
}

#[tokio::test]
async fn container_state_reports_exit_health_and_restarts() {
    let Some(engine) = engine_or_skip("container_state_reports_exit_health_and_restarts").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let image = format!("{}:1", unique("img"));
    build_image(&mut cleanup, &image, "v1");
    let label = unique("state");
    let lbl = format!("golive.test={label}");
    let (crashy, done) = (unique("crashy"), unique("done"));
    cleanup.containers.extend([crashy.clone(), done.clone()]);
    docker(&[
        "run",
        "-d",
        "--name",
        &crashy,
        "-l",
        &lbl,
        "--restart",
        "always",
        &image,
        "sleep 0.3; exit 3",
    ]);
    docker(&["run", "-d", "--name", &done, "-l", &lbl, &image, "exit 7"]);
    let target = DockerTarget::Label {
        key: "golive.test".into(),
        value: label,
    };
    let (tx, mut rx) = mpsc::channel(16);
    let (stop, stop_rx) = watch::channel(false);
    let watcher = tokio::spawn(docker::watch_states(
        engine.host.clone(),
        vec![target],
        Duration::from_millis(200),
        tx,
        stop_rx,
    ));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let state = loop {
        let (i, state) = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("states keep coming")
            .unwrap();
        assert_eq!(i, 0);
        let restarted = state
            .containers
            .iter()
            .any(|c| c.name == crashy && c.restart_count >= 2);
        let exited = state
            .containers
            .iter()
            .any(|c| c.name == done && c.status == "exited" && c.exit_code == Some(7));
        if restarted && exited {
            break state;
        }
    };
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), watcher)
        .await
        .unwrap()
        .unwrap();
    let check = golive::profile::DockerCheck {
        target: DockerTarget::Container(crashy.clone()),
        conditions: vec![golive::model::condition::Condition::parse("[RESTARTS] == 0").unwrap()],
    };
    let (passed, detail) = golive::engine::containers::evaluate_docker_check_once(&check, &state);
    assert!(!passed, "{detail}");
    assert!(
        detail.contains(&done) && detail.contains("exit 7"),
        "{detail}"
    );
}

/// The state watcher looks when the engine announces a change, not on a
/// clock: nothing is sent while a container runs undisturbed, and a stop is
/// seen at once (the fallback look is half a minute away).
#[tokio::test]
async fn container_states_follow_the_engines_events_not_a_clock() {
    let Some(engine) =
        engine_or_skip("container_states_follow_the_engines_events_not_a_clock").await
    else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let name = start_counter(&mut cleanup, "evented");
    let (tx, mut rx) = mpsc::channel(16);
    let (stop, stop_rx) = watch::channel(false);
    let watcher = tokio::spawn(docker::watch_states(
        engine.host.clone(),
        vec![DockerTarget::Container(name.clone())],
        Duration::from_millis(100),
        tx,
        stop_rx,
    ));
    let running = |state: &golive::engine::containers::TargetState| {
        state.containers.iter().any(|c| c.name == name && c.running)
    };
    let (_, first) = tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("a first look")
        .unwrap();
    assert!(running(&first), "{first:?}");
    // The container's own start is replayed once; then the watcher is
    // quiet until something happens, however short its retry interval.
    while tokio::time::timeout(Duration::from_secs(1), rx.recv())
        .await
        .is_ok()
    {}
    let mut looks = 0;
    let quiet = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Ok(Some(_)) = tokio::time::timeout_at(quiet, rx.recv()).await {
        looks += 1;
    }
    assert_eq!(looks, 0, "looks while nothing changed");

    docker(&["stop", "-t", "0", &name]);
    let stopped = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let (_, state) = rx.recv().await.unwrap();
            if !running(&state) {
                return state;
            }
        }
    })
    .await
    .expect("the stop is seen long before the fallback look");
    assert!(
        stopped
            .containers
            .iter()
            .any(|c| c.name == name && !c.running),
        "{stopped:?}"
    );
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), watcher)
        .await
        .unwrap()
        .unwrap();
}

/// A TCP front for the engine's unix socket: every connection is pumped byte
/// for byte to the real engine. Dropping it closes the listener and every
/// live connection at once, which is what golive sees when the engine
/// restarts.
struct Forwarder {
    tasks: tokio::task::JoinSet<()>,
}

impl Forwarder {
    /// Listens on `port` (0: any) and returns the forwarder and its port.
    async fn start(socket: std::path::PathBuf, port: u16) -> (Forwarder, u16) {
        // The old listener's port can take a moment to be free again.
        let mut listener = None;
        for _ in 0..100 {
            match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let listener = listener.expect("the forwarder's port is free again");
        let port = listener.local_addr().unwrap().port();
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(async move {
            // The connections live in this task: aborting it drops them all.
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut tcp, _)) = listener.accept().await else {
                    return;
                };
                let socket = socket.clone();
                conns.spawn(async move {
                    if let Ok(mut unix) = tokio::net::UnixStream::connect(&socket).await {
                        let _ = tokio::io::copy_bidirectional(&mut tcp, &mut unix).await;
                    }
                });
                // Reap the finished ones so the set does not grow.
                while conns.try_join_next().is_some() {}
            }
        });
        (Forwarder { tasks }, port)
    }

    /// Closes the listener and every connection.
    async fn kill(mut self) {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
    }
}

/// The engine's unix socket, which the outage tests put a TCP front on;
/// None, with the reason printed, when the engine is reached another way.
fn unix_socket(engine: &Engine) -> Option<std::path::PathBuf> {
    let socket = engine
        .host
        .strip_prefix("unix://")
        .map(std::path::PathBuf::from);
    if socket.is_none() {
        let why = format!("the engine is not on a unix socket ({})", engine.host);
        docker_support::tools::missing("the outage test", docker_support::Tool::Docker, &why);
    }
    socket
}

/// The highest `n <i>` the engine holds for the counter container `name`.
fn printed_by(name: &str) -> Option<u64> {
    docker(&["logs", name])
        .lines()
        .filter_map(|l| l.strip_prefix("n ")?.parse().ok())
        .max()
}

/// Starts a container printing `n 1`, `n 2`, ... every 100 ms, so a gap or
/// a duplicate in what golive delivers shows in the numbers.
fn start_counter(cleanup: &mut Cleanup, prefix: &str) -> String {
    let image = format!("{}:1", unique("img"));
    build_image(cleanup, &image, "v1");
    let name = unique(prefix);
    cleanup.containers.push(name.clone());
    let script = r#"i=0; while true; do i=$((i+1)); echo "n $i"; sleep 0.1; done"#;
    docker(&["run", "-d", "--name", &name, &image, script]);
    name
}

#[tokio::test]
async fn engine_outage_over_tcp_resumes_without_gap_or_duplicate() {
    let Some(engine) =
        engine_or_skip("engine_outage_over_tcp_resumes_without_gap_or_duplicate").await
    else {
        return;
    };
    let Some(socket) = unix_socket(&engine) else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let name = start_counter(&mut cleanup, "outage");

    let (forwarder, port) = Forwarder::start(socket.clone(), 0).await;
    let host = format!("tcp://127.0.0.1:{port}");
    let f = Follower::start(host.clone(), DockerTarget::Container(name.clone()));
    let numbered = |lines: &[LogLine]| -> Vec<u64> {
        lines
            .iter()
            .filter_map(|l| l.text.strip_prefix("n ")?.parse().ok())
            .collect()
    };
    f.wait_for("15 lines over tcp", Duration::from_secs(30), |l| {
        numbered(l).len() >= 15
    })
    .await;

    // The engine goes away: no listener, every live connection dropped.
    forwarder.kill().await;
    f.wait_for(
        "a note that the engine is unreachable",
        Duration::from_secs(30),
        |l| {
            l.iter()
                .any(|x| x.text.starts_with("golive: ") && x.text.contains("unreachable"))
        },
    )
    .await;
    let before_outage = numbered(&f.lines.lock().unwrap()).len();
    // Until the container has printed lines golive has not seen.
    let printed_meanwhile = poll(Duration::from_secs(30), || {
        printed_by(&name).filter(|n| *n as usize > before_outage + 5)
    })
    .await
    .expect("the container printed nothing during the outage");
    let (forwarder, _) = Forwarder::start(socket, port).await;
    f.wait_for(
        "lines printed during and after the outage",
        Duration::from_secs(30),
        |l| {
            numbered(l)
                .last()
                .is_some_and(|n| *n > printed_meanwhile + 5)
        },
    )
    .await;
    f.wait_for(
        "a note that the stream resumed",
        Duration::from_secs(10),
        |l| {
            l.iter()
                .any(|x| x.text.starts_with("golive: ") && x.text.contains("resumed"))
        },
    )
    .await;
    let lines = f.finish().await;
    forwarder.kill().await;

    let numbers = numbered(&lines);
    assert_eq!(numbers.first(), Some(&1), "the backlog starts at line 1");
    for pair in numbers.windows(2) {
        assert!(
            pair[1] == pair[0] + 1,
            "after line {} came line {}: a duplicate or a gap",
            pair[0],
            pair[1]
        );
    }
    for l in lines.iter().filter(|l| l.text.starts_with("golive: ")) {
        assert!(!l.text.chars().any(char::is_control), "{:?}", l.text);
    }
}

/// `golive logs` itself, the engine named only by `DOCKER_HOST=tcp://...`:
/// the lines, the outage note and the resume reach its output, and SIGTERM
/// ends it cleanly.
#[tokio::test]
async fn golive_logs_follows_docker_host_tcp_through_an_outage() {
    use tokio::io::AsyncBufReadExt;

    let Some(engine) =
        engine_or_skip("golive_logs_follows_docker_host_tcp_through_an_outage").await
    else {
        return;
    };
    let Some(socket) = unix_socket(&engine) else {
        return;
    };
    let mut cleanup = Cleanup::default();
    let name = start_counter(&mut cleanup, "cli");
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.toml");
    std::fs::write(
        &profile,
        format!(
            "[service]\nname = \"shop\"\nversion = \"v2\"\n\n[[logs]]\nid = \"app\"\ndocker = {{ container = \"{name}\" }}\n"
        ),
    )
    .unwrap();

    let (forwarder, port) = Forwarder::start(socket.clone(), 0).await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_golive"))
        .args(["logs", profile.to_str().unwrap()])
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
        .env("GOLIVE_LOG_FILE", dir.path().join("golive.log"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut lines: Vec<String> = Vec::new();
    let number = |l: &str| -> Option<u64> {
        l.split_once(&format!(" {name} n "))
            .and_then(|(_, n)| n.parse().ok())
    };
    let mut read_until = async |what: &str, done: &dyn Fn(&[String]) -> bool| {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !done(&lines) {
            match tokio::time::timeout_at(deadline, out.next_line()).await {
                Ok(Ok(Some(line))) => lines.push(line),
                other => panic!("waiting for {what}: {other:?}; got {lines:?}"),
            }
        }
    };
    read_until("line 5", &|l| l.iter().any(|x| number(x) == Some(5))).await;
    forwarder.kill().await;
    let at_outage = printed_by(&name).unwrap_or(0);
    read_until("the outage note", &|l| {
        l.iter()
            .any(|x| x.contains(" app golive: engine unreachable"))
    })
    .await;
    let printed = poll(Duration::from_secs(30), || {
        printed_by(&name).filter(|n| *n > at_outage + 5)
    })
    .await
    .expect("the container printed nothing during the outage");
    let (forwarder, _) = Forwarder::start(socket, port).await;
    read_until("lines after the outage and the resume note", &|l| {
        l.iter().filter_map(|x| number(x)).any(|n| n > printed + 5)
            && l.iter()
                .any(|x| x.contains(" app golive: ") && x.contains("resumed"))
    })
    .await;
    // SAFETY: signals the child we spawned; no memory is touched.
    unsafe {
        libc::kill(child.id().unwrap() as i32, libc::SIGTERM);
    }
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("golive logs ends on SIGTERM")
        .unwrap();
    forwarder.kill().await;
    assert!(status.success(), "{status:?}");
    let numbers: Vec<u64> = lines.iter().filter_map(|l| number(l)).collect();
    assert_eq!(numbers.first(), Some(&1), "{lines:?}");
    for pair in numbers.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "a duplicate or a gap: {lines:?}");
    }
}
