//! The cockpit's side of `check = { docker = ... }` and `check = { logs =
//! ... }` items: docker items settle from each state the watcher reports;
//! logs items count matching lines as they arrive and settle as lines come
//! and the clock moves. The verdicts and their wording are the headless
//! check's (`engine::containers::evaluate_docker_check`, the sentence of
//! `engine::logs::evaluate_logs_check`), so an item reads the same in `golive
//! check` and in the cockpit.
//!
//! Match times are kept here, per check, not read back from the log pane's
//! ring buffer: a chatty source evicts lines from the buffer long before
//! they leave a five-minute window.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};
use regex::Regex;

use super::checklist::{Evaluation, ItemChange};
use super::containers::{Containers, TargetState, evaluate_docker_check, target_label};
use super::logs::{LogLine, is_service_line, logs_verdict_sentence, missing_source};
use super::state::App;
use crate::profile::{Check, DockerTarget, LogKind, LogsCheck, Profile};

/// Match times kept per check at most (or `max + 1`, when larger): enough
/// to know "more than max" exactly, while a flood cannot grow memory.
pub const MATCH_CAP: usize = 10_000;
/// How long after the engine first answers a Docker source's backlog is
/// taken to have arrived (the headless check settles as long).
pub const BACKLOG_SETTLE: Duration = Duration::from_secs(2);

/// The least of a container's past the cockpit reads when it opens.
pub const DOCKER_BACKLOG: Duration = Duration::from_secs(15 * 60);

/// How far back the cockpit asks the engine for a container's log: the
/// recent past, and at least every logs check's window, since a check on a
/// Docker source trusts that backlog to cover its window. Never the whole
/// history: a container up for weeks would take minutes to read through
/// before the operator saw a current line.
pub fn docker_backlog(profile: &Profile) -> Duration {
    profile
        .items()
        .filter_map(|(_, item)| match &item.check {
            Some(Check::Logs(l)) => Some(l.window),
            _ => None,
        })
        .fold(DOCKER_BACKLOG, Duration::max)
}

/// One logs check item and the times of its matching lines in the window.
#[derive(Debug, Clone)]
struct LogWindow {
    item: String,
    check: LogsCheck,
    /// The compiled pattern, or the headless check's sentence for a bad one.
    pattern: Result<Regex, String>,
    /// The source's Docker target, when it follows one: its backlog covers
    /// the window, so the item need not watch a whole window first.
    docker: Option<DockerTarget>,
    /// False when the profile has no such source.
    known_source: bool,
    /// Match times, oldest first, none older than the window.
    matches: VecDeque<DateTime<Utc>>,
    /// The newest match time dropped to respect the cap; while it is in the
    /// window the count is a lower bound.
    dropped_until: Option<DateTime<Utc>>,
}

impl LogWindow {
    fn cap(&self) -> usize {
        usize::try_from(self.check.max.saturating_add(1))
            .unwrap_or(usize::MAX)
            .max(MATCH_CAP)
    }

    fn window(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.check.window).unwrap_or(chrono::Duration::MAX)
    }

    fn record(&mut self, at: DateTime<Utc>) {
        // Sources arrive mostly in order; a Docker backlog may come late.
        if self.matches.back().is_none_or(|last| *last <= at) {
            self.matches.push_back(at);
        } else {
            let pos = self.matches.partition_point(|t| *t <= at);
            self.matches.insert(pos, at);
        }
        while self.matches.len() > self.cap() {
            if let Some(oldest) = self.matches.pop_front() {
                self.dropped_until = Some(self.dropped_until.map_or(oldest, |d| d.max(oldest)));
            }
        }
    }

    fn prune(&mut self, now: DateTime<Utc>) {
        let Some(from) = now.checked_sub_signed(self.window()) else {
            return;
        };
        while self.matches.front().is_some_and(|t| *t < from) {
            self.matches.pop_front();
        }
        if self.dropped_until.is_some_and(|d| d < from) {
            self.dropped_until = None;
        }
    }

    /// "3", or "at least 10000" while dropped matches are still in the window.
    fn count_text(&self) -> String {
        let n = self.matches.len();
        if self.dropped_until.is_some() {
            format!("at least {n}")
        } else {
            n.to_string()
        }
    }
}

/// Every logs check item of the profile, counting as lines arrive.
#[derive(Debug, Clone, Default)]
pub struct LogChecks {
    windows: Vec<LogWindow>,
    /// When counting began: a source that has no backlog has been watched
    /// since then.
    since: Option<DateTime<Utc>>,
}

impl LogChecks {
    pub fn new(profile: &Profile) -> Self {
        let windows = profile
            .items()
            .filter_map(|(_, item)| match &item.check {
                Some(Check::Logs(check)) => {
                    let source = profile.logs.iter().find(|s| s.id == check.source);
                    Some(LogWindow {
                        item: item.id.clone(),
                        pattern: Regex::new(&check.pattern).map_err(|e| {
                            format!("pattern {:?} is not a valid regex: {e}", check.pattern)
                        }),
                        docker: source.and_then(|s| match &s.kind {
                            LogKind::Docker(target) => Some(target.clone()),
                            _ => None,
                        }),
                        known_source: source.is_some(),
                        check: check.clone(),
                        matches: VecDeque::new(),
                        dropped_until: None,
                    })
                }
                _ => None,
            })
            .collect();
        Self {
            windows,
            since: None,
        }
    }

    /// Records the matching lines of each check's source. A line without a
    /// time counts as arriving `now`; golive's own notes are not the
    /// service's lines.
    pub fn count(&mut self, lines: &[LogLine], now: DateTime<Utc>) {
        self.since.get_or_insert(now);
        for window in &mut self.windows {
            let Ok(re) = window.pattern.clone() else {
                continue;
            };
            for line in lines {
                if *line.source == *window.check.source
                    && is_service_line(line)
                    && re.is_match(&line.text)
                {
                    window.record(line.at.unwrap_or(now));
                }
            }
        }
    }

    /// Matches in `item`'s window as last pruned (for tests and details).
    pub fn matches(&self, item: &str) -> Option<usize> {
        self.windows
            .iter()
            .find(|w| w.item == item)
            .map(|w| w.matches.len())
    }

    /// Each item's evaluation at `now`: a fail as soon as there are too
    /// many; a pass once the whole window has been seen (a Docker source's
    /// backlog shows it once the engine answered; other sources must be
    /// watched for a window); until then a waiting state with the count so
    /// far, never a silent pass.
    pub fn evaluate(
        &mut self,
        containers: &Containers,
        now: DateTime<Utc>,
    ) -> Vec<(String, Evaluation)> {
        let since = *self.since.get_or_insert(now);
        self.windows
            .iter_mut()
            .map(|w| {
                w.prune(now);
                (w.item.clone(), judge(w, containers, since, now))
            })
            .collect()
    }
}

fn judge(
    w: &LogWindow,
    containers: &Containers,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Evaluation {
    let check = &w.check;
    if !w.known_source {
        return Evaluation::Fail(missing_source(check));
    }
    if let Err(why) = &w.pattern {
        return Evaluation::Fail(why.clone());
    }
    let too_many = u64::try_from(w.matches.len()).unwrap_or(u64::MAX) > check.max;
    if too_many {
        return Evaluation::Fail(logs_verdict_sentence(check, &w.count_text(), false));
    }
    let so_far = format!(
        "{} line(s) of {} matched {:?} so far (max {})",
        w.count_text(),
        check.source,
        check.pattern,
        check.max
    );
    let settle = chrono::Duration::from_std(BACKLOG_SETTLE).unwrap_or_default();
    match &w.docker {
        Some(target) => {
            let view = containers.get(target);
            let state = view.and_then(|v| v.state.as_ref());
            if let Some(TargetState {
                error: Some(err), ..
            }) = state
            {
                return Evaluation::Waiting(format!(
                    "waiting: the Docker engine did not answer for {} ({err}); {so_far}",
                    target_label(target)
                ));
            }
            match view.and_then(|v| v.answered_at) {
                Some(at) if now >= at + settle => {
                    Evaluation::Pass(logs_verdict_sentence(check, &w.count_text(), true))
                }
                Some(_) => Evaluation::Waiting(format!("waiting for the backlog: {so_far}")),
                None => Evaluation::Waiting(format!(
                    "waiting for the Docker engine to answer for {}: {so_far}",
                    target_label(target)
                )),
            }
        }
        None => {
            let watched = (now - since).to_std().unwrap_or_default();
            if watched >= check.window {
                Evaluation::Pass(logs_verdict_sentence(check, &w.count_text(), true))
            } else {
                Evaluation::Waiting(format!(
                    "waiting: {so_far}, {} of the {} window watched",
                    humantime::format_duration(Duration::from_secs(watched.as_secs())),
                    humantime::format_duration(Duration::from_secs(check.window.as_secs()))
                ))
            }
        }
    }
}

/// A state from the Docker watcher: the board takes it in, the docker items
/// on that target settle, and logs items on it may now trust its backlog.
pub fn on_containers(app: &mut App, target: DockerTarget, state: TargetState) -> Vec<ItemChange> {
    app.containers.apply(&target, state, app.now);
    let mut changes = docker_items(app, &target);
    changes.extend(logs_items(app));
    changes
}

/// Log lines arrived: count the matches, then settle the logs items.
pub fn on_log_lines(app: &mut App, lines: &[LogLine]) -> Vec<ItemChange> {
    if app.log_checks.windows.is_empty() {
        return Vec::new();
    }
    app.log_checks.count(lines, app.now);
    logs_items(app)
}

/// The clock moved: old matches leave the window, waits run out.
pub fn on_clock(app: &mut App) -> Vec<ItemChange> {
    logs_items(app)
}

fn docker_items(app: &mut App, target: &DockerTarget) -> Vec<ItemChange> {
    let Some(view) = app.containers.get(target) else {
        return Vec::new();
    };
    let Some(state) = view.counted_state() else {
        return Vec::new();
    };
    let restarts = view.restarts.total();
    let mut changes = Vec::new();
    for (_, item) in app.profile.items() {
        let Some(Check::Docker(check)) = &item.check else {
            continue;
        };
        if check.target != *target {
            continue;
        }
        let (passed, detail) = evaluate_docker_check(check, &state, restarts);
        let evaluation = if passed {
            Evaluation::Pass(detail)
        } else {
            Evaluation::Fail(detail)
        };
        changes.extend(
            app.checklist
                .apply_evaluation(&item.id, None, evaluation, app.now),
        );
    }
    changes
}

fn logs_items(app: &mut App) -> Vec<ItemChange> {
    let now = app.now;
    app.log_checks
        .evaluate(&app.containers, now)
        .into_iter()
        .filter_map(|(id, evaluation)| app.checklist.apply_evaluation(&id, None, evaluation, now))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    #[test]
    fn the_docker_backlog_covers_every_logs_window_and_the_recent_past() {
        let mut profile = crate::cockpit::fixture::sample_profile();
        assert_eq!(docker_backlog(&profile), DOCKER_BACKLOG);
        let long = Duration::from_secs(3600);
        profile.phases[0].items[0].check = Some(Check::Logs(LogsCheck {
            source: "api".into(),
            pattern: "ERROR".into(),
            max: 0,
            window: long,
        }));
        assert_eq!(docker_backlog(&profile), long);
    }

    use super::*;
    use crate::cockpit::fixture::{sample_profile, t0};
    use crate::engine::checklist::ItemStatus;
    use crate::engine::containers::{ContainerHealth, ContainerState};
    use crate::engine::record::Event;
    use crate::engine::state::{Effect, Msg, update};
    use crate::model::condition::Condition;
    use crate::profile::{DockerCheck, Item, LogSource};

    fn secs(s: i64) -> DateTime<Utc> {
        t0() + chrono::Duration::seconds(s)
    }

    fn with_item(profile: &mut Profile, id: &str, check: Check) {
        profile.phases[2].items.push(Item {
            id: id.into(),
            title: id.into(),
            description: None,
            check: Some(check),
        });
    }

    fn api() -> DockerTarget {
        DockerTarget::Container("api".into())
    }

    fn docker_app(conditions: &[&str]) -> App {
        let mut profile = sample_profile();
        with_item(
            &mut profile,
            "containers",
            Check::Docker(DockerCheck {
                target: api(),
                conditions: conditions
                    .iter()
                    .map(|c| Condition::parse(c).unwrap())
                    .collect(),
            }),
        );
        App::new(profile, "alice", t0())
    }

    fn container(started: i64, restart_count: u64) -> ContainerState {
        ContainerState {
            id: "abc123".into(),
            name: "api".into(),
            image: "api:v1.2.0".into(),
            status: "running".into(),
            running: true,
            exit_code: Some(0),
            health: ContainerHealth::Healthy,
            restart_count,
            started_at: Some(secs(started)),
        }
    }

    fn look(app: &mut App, at: i64, containers: Vec<ContainerState>) -> Vec<Effect> {
        app.now = secs(at);
        update(
            app,
            Msg::Containers {
                target: api(),
                state: TargetState {
                    containers,
                    error: None,
                },
            },
        )
    }

    /// The check results the effects append, as (item, status, detail).
    fn results(effects: &[Effect]) -> Vec<(String, ItemStatus, String)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Append(r) => match &r.event {
                    Event::CheckResult {
                        item,
                        status,
                        detail,
                        ..
                    } => Some((item.clone(), *status, detail.clone())),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    fn status(app: &App, id: &str) -> (ItemStatus, String) {
        let item = app.checklist.get(id).unwrap();
        (item.status, item.detail.clone())
    }

    #[test]
    fn docker_item_passes_then_fails_on_a_restart_journalled_once_each() {
        let mut app = docker_app(&["[RUNNING] == 1", "[RESTARTS] == 0"]);
        assert_eq!(status(&app, "containers").0, ItemStatus::Pending);
        // The engine had restarted it 4 times before the release: not counted.
        let effects = look(&mut app, 0, vec![container(-100, 4)]);
        let journalled = results(&effects);
        assert_eq!(journalled.len(), 1, "{journalled:?}");
        assert_eq!(journalled[0].1, ItemStatus::Pass);
        assert!(journalled[0].2.contains("0 restart(s)"), "{journalled:?}");
        assert!(results(&look(&mut app, 2, vec![container(-100, 4)])).is_empty());
        // `docker restart`: a new start time, the engine's count unchanged.
        let effects = look(&mut app, 4, vec![container(3, 4)]);
        let journalled = results(&effects);
        assert_eq!(journalled.len(), 1, "{journalled:?}");
        assert_eq!(journalled[0].1, ItemStatus::Fail);
        assert!(journalled[0].2.contains("1 restart(s)"), "{journalled:?}");
        assert!(results(&look(&mut app, 6, vec![container(3, 4)])).is_empty());
        assert_eq!(status(&app, "containers").0, ItemStatus::Fail);
        assert_eq!(app.containers.get(&api()).unwrap().restarts.total(), 1);
    }

    #[test]
    fn docker_item_fails_loudly_when_the_engine_does_not_answer() {
        let mut app = docker_app(&[]);
        let effects = update(
            &mut app,
            Msg::Containers {
                target: api(),
                state: TargetState {
                    containers: Vec::new(),
                    error: Some("the Docker engine at unix:///nope does not answer".into()),
                },
            },
        );
        let journalled = results(&effects);
        assert_eq!(journalled.len(), 1);
        assert_eq!(journalled[0].1, ItemStatus::Fail);
        assert!(journalled[0].2.contains("did not answer"), "{journalled:?}");
        // A target the profile does not name moves nothing.
        let other = update(
            &mut app,
            Msg::Containers {
                target: DockerTarget::Container("other".into()),
                state: TargetState::default(),
            },
        );
        assert!(other.is_empty());
    }

    fn logs_app(source: LogKind, max: u64, window_secs: u64) -> App {
        let mut profile = sample_profile();
        profile.settings.log_buffer = 10;
        profile.logs.push(LogSource {
            id: "app".into(),
            kind: source,
            highlight: Vec::new(),
            grep: None,
        });
        with_item(
            &mut profile,
            "errors",
            Check::Logs(LogsCheck {
                source: "app".into(),
                pattern: "ERROR".into(),
                max,
                window: Duration::from_secs(window_secs),
            }),
        );
        App::new(profile, "alice", t0())
    }

    fn command_source() -> LogKind {
        LogKind::Command(vec!["tail".into(), "-f".into(), "app.log".into()])
    }

    fn lines(app: &mut App, at: i64, texts: &[&str]) -> Vec<Effect> {
        app.now = secs(at);
        let batch = texts
            .iter()
            .map(|t| LogLine::new("app", Some(secs(at)), (*t).to_string()))
            .collect();
        update(app, Msg::Logs(batch))
    }

    fn tick(app: &mut App, at: i64) -> Vec<Effect> {
        update(app, Msg::Tick(secs(at)))
    }

    #[test]
    fn logs_item_waits_for_its_window_with_the_count_so_far_then_passes() {
        let mut app = logs_app(command_source(), 2, 60);
        assert!(results(&tick(&mut app, 0)).is_empty());
        let effects = lines(&mut app, 5, &["INFO up", "ERROR once", "INFO still"]);
        assert!(results(&effects).is_empty(), "no verdict yet");
        let (st, detail) = status(&app, "errors");
        assert_eq!(st, ItemStatus::Running);
        assert!(
            detail.starts_with("waiting: 1 line(s) of app matched \"ERROR\" so far (max 2)"),
            "{detail}"
        );
        assert!(detail.contains("5s of the 1m window watched"), "{detail}");
        let effects = tick(&mut app, 60);
        let journalled = results(&effects);
        assert_eq!(journalled.len(), 1, "{journalled:?}");
        assert_eq!(journalled[0].1, ItemStatus::Pass);
        assert_eq!(
            journalled[0].2,
            "1 line(s) of app matched \"ERROR\" in the last 1m (max 2)"
        );
        assert!(results(&tick(&mut app, 61)).is_empty(), "journalled once");
    }

    #[test]
    fn logs_item_fails_at_once_and_the_count_survives_the_ring_buffer() {
        let mut app = logs_app(command_source(), 2, 60);
        tick(&mut app, 0);
        let effects = lines(&mut app, 1, &["ERROR a", "ERROR b", "ERROR c"]);
        let journalled = results(&effects);
        assert_eq!(journalled.len(), 1);
        assert_eq!(
            journalled[0].2,
            "3 line(s) of app matched \"ERROR\" in the last 1m (max 2): too many"
        );
        // A chatty source pushes far more than the 10 lines the log pane
        // keeps; the matches still count, and nothing is journalled again.
        for n in 0..30 {
            let effects = lines(&mut app, 2 + n / 10, &["INFO chatter"; 7]);
            assert!(results(&effects).is_empty());
        }
        assert_eq!(app.log_checks.matches("errors"), Some(3));
        lines(&mut app, 10, &["ERROR d"]);
        assert_eq!(app.log_checks.matches("errors"), Some(4));
        // Other sources and golive's own notes are not the service's lines.
        app.now = secs(11);
        update(
            &mut app,
            Msg::Logs(vec![
                LogLine::new("other", Some(secs(11)), "ERROR elsewhere".into()),
                LogLine::new("app", Some(secs(11)), "golive: ERROR reading".into()),
            ]),
        );
        assert_eq!(app.log_checks.matches("errors"), Some(4));
        // The first three leave the window at 61 s, the fourth at 70 s:
        // back under the limit, which is journalled once.
        let journalled = results(&tick(&mut app, 62));
        assert_eq!(app.log_checks.matches("errors"), Some(1));
        assert_eq!(journalled.len(), 1, "{journalled:?}");
        assert_eq!(journalled[0].1, ItemStatus::Pass);
        assert!(results(&tick(&mut app, 63)).is_empty());
    }

    #[test]
    fn a_flood_of_matches_keeps_a_bounded_lower_bound() {
        let mut app = logs_app(command_source(), 0, 60);
        tick(&mut app, 0);
        let flood = vec!["ERROR boom"; 1000];
        for n in 0..11 {
            lines(&mut app, n, &flood);
        }
        assert_eq!(app.log_checks.matches("errors"), Some(MATCH_CAP));
        let (st, detail) = status(&app, "errors");
        assert_eq!(st, ItemStatus::Fail);
        assert!(detail.starts_with("at least 10000 line(s)"), "{detail}");
        // Once the dropped ones (from second 0) are out of the window the
        // count is exact again.
        tick(&mut app, 61);
        let (_, detail) = status(&app, "errors");
        assert!(detail.starts_with("10000 line(s)"), "{detail}");
        tick(&mut app, 62);
        let (_, detail) = status(&app, "errors");
        assert!(detail.starts_with("9000 line(s)"), "{detail}");
    }

    #[test]
    fn the_wording_is_the_headless_checks() {
        let check = LogsCheck {
            source: "app".into(),
            pattern: "ERROR|FATAL".into(),
            max: 1,
            window: Duration::from_secs(330),
        };
        for n in [0, 1, 2, 5] {
            let held: Vec<LogLine> = (0..n)
                .map(|_| LogLine::new("app", Some(t0()), "FATAL x".into()))
                .collect();
            let headless = crate::engine::logs::evaluate_logs_check(&check, &held, t0());
            assert_eq!(
                logs_verdict_sentence(&check, &n.to_string(), headless.passed),
                headless.explanation
            );
        }
    }

    #[test]
    fn a_docker_sources_backlog_counts_once_the_engine_answered() {
        let mut app = logs_app(LogKind::Docker(api()), 0, 300);
        tick(&mut app, 0);
        let (st, detail) = status(&app, "errors");
        assert_eq!(st, ItemStatus::Running);
        assert!(detail.contains("waiting for the Docker engine"), "{detail}");
        app.now = secs(1);
        update(
            &mut app,
            Msg::Containers {
                target: api(),
                state: TargetState {
                    containers: Vec::new(),
                    error: Some("connection refused".into()),
                },
            },
        );
        let (st, detail) = status(&app, "errors");
        assert_eq!(st, ItemStatus::Running, "unknown is not a pass");
        assert!(detail.contains("connection refused"), "{detail}");
        look(&mut app, 2, vec![container(-500, 0)]);
        assert_eq!(status(&app, "errors").0, ItemStatus::Running);
        let effects = tick(&mut app, 4);
        let journalled = results(&effects);
        assert_eq!(journalled.len(), 1, "{journalled:?}");
        assert_eq!(journalled[0].1, ItemStatus::Pass);
        // A backlog line from two minutes ago is in the window: a fail.
        app.now = secs(5);
        let old = LogLine::new("app", Some(secs(-120)), "ERROR earlier".into());
        let journalled = results(&update(&mut app, Msg::Logs(vec![old])));
        assert_eq!(journalled.len(), 1);
        assert_eq!(journalled[0].1, ItemStatus::Fail);
    }

    #[test]
    fn a_bad_pattern_or_a_missing_source_fails_with_the_reason() {
        let mut app = logs_app(command_source(), 0, 60);
        if let Some(Check::Logs(l)) = app
            .profile
            .phases
            .iter_mut()
            .flat_map(|p| p.items.iter_mut())
            .find(|i| i.id == "errors")
            .and_then(|i| i.check.as_mut())
        {
            l.pattern = "(".into();
        }
        app.log_checks = LogChecks::new(&app.profile);
        tick(&mut app, 0);
        let (st, detail) = status(&app, "errors");
        assert_eq!(st, ItemStatus::Fail);
        assert!(detail.contains("not a valid regex"), "{detail}");
        app.profile.logs.clear();
        app.log_checks = LogChecks::new(&app.profile);
        tick(&mut app, 1);
        assert!(status(&app, "errors").1.contains("no log source"));
    }
}
