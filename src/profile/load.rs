//! Reading a profile: TOML text to raw structs to a validated [`Profile`].
//! Each section (and each element of an array section, each phase item, each
//! action) is deserialised on its own, so one broken table does not hide the
//! problems of the others; then values are interpolated, parsed (durations,
//! thresholds, conditions, regexes, URLs) and cross-checked (duplicate ids,
//! references). Every problem found is collected with its position.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::duration::{self, UNITS_HINT};
use super::error::{Issues, quoted_list, suggest};
use super::interpolate::{Interpolator, ServiceVars};
use super::raw::{self, Str};
use super::threshold::{parse_ratio, parse_threshold};
use super::{
    Action, ActionKind, BaselineConfig, BaselinePrefer, Check, CommandCheck, DockerCheck, DockerOp,
    DockerTarget, Endpoint, EndpointCheck, Gate, HealthFormat, Item, JudgeConfig, JudgeMethod,
    KpiTargets,
    LogKind, LogSource, LogsCheck, MetricCheck, MetricKind, MetricsKind, MetricsSource, OnBreach,
    Phase, Profile, ProfileError, Redactor, RequestBody, Service, Settings,
};
use crate::model::condition::Condition;

/// Header values shorter than this are masked where headers are shown, but
/// not searched for in free text: masking every `true` or `1` in the output
/// would hide evidence without protecting anything.
const MIN_REDACTED_HEADER_LEN: usize = 6;

const DEFAULT_ACTION_TIMEOUT: Duration = Duration::from_secs(600);
/// The verify items of an action have this long to pass after it ends.
const DEFAULT_VERIFY_TIMEOUT: Duration = Duration::from_secs(300);
const DEFAULT_METRICS_WINDOW: Duration = Duration::from_secs(60);
const DEFAULT_LOGS_WINDOW: Duration = Duration::from_secs(300);
/// Seed 000's `WARMUP_TIMEOUT_SEC`.
const DEFAULT_WARMUP_TIMEOUT: Duration = Duration::from_secs(120);
const MAX_REQUESTS: i64 = 10_000;
/// Chart series are kept at least one minute and at most a day.
const MIN_RETENTION: Duration = Duration::from_secs(60);
const MAX_RETENTION: Duration = Duration::from_secs(24 * 3600);

const CONDITION_HINT: &str = "conditions look like \"[STATUS] == 200\", \"[BODY].ready == true\" or \"[RESPONSE_TIME] < 500\"";
const ID_HINT: &str = "ids are letters, digits, `-`, `_` and `.`";

/// Reads and validates the profile at `path`.
pub fn load(path: &Path) -> Result<Profile, ProfileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_str(path, &text)
}

/// Validates profile text as if it had been read from `path`, taking
/// `${VAR}` from the process environment.
pub fn load_str(path: &Path, text: &str) -> Result<Profile, ProfileError> {
    load_with(path, text, &|name| std::env::var(name).ok())
}

/// Validates profile text with `lookup` standing in for the environment.
pub fn load_with(
    path: &Path,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Profile, ProfileError> {
    let mut issues = Issues::new(path, text);
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in &errors {
            issues.toml(e);
        }
        return Err(finish_issues(issues, &Redactor::default()));
    }
    let sections = split_sections(&mut issues, root);
    let mut loader = Loader {
        issues,
        text,
        interp: Interpolator::new(lookup, Vec::new()),
        header_values: Vec::new(),
        default_project: default_project(path),
    };
    let profile = loader.build(path, sections);
    let mut redactor = Redactor::new(loader.interp.secrets.drain(..));
    for value in loader.header_values.drain(..) {
        // A value still holding an unset `${NAME}` is the file's own text,
        // not a secret; masking it would hide the name `validate` warns about.
        let unresolved = loader
            .interp
            .unresolved
            .iter()
            .any(|name| value.contains(&format!("${{{name}}}")));
        if value.chars().count() >= MIN_REDACTED_HEADER_LEN && !unresolved {
            redactor.add(value);
        }
    }
    if !loader.issues.list.is_empty() {
        return Err(finish_issues(loader.issues, &redactor));
    }
    let mut profile = profile;
    profile.unresolved = std::mem::take(&mut loader.interp.unresolved);
    profile.redactor = redactor;
    Ok(profile)
}

fn finish_issues(issues: Issues<'_>, redactor: &Redactor) -> ProfileError {
    let mut list = issues.list;
    for issue in &mut list {
        issue.message = redactor.redact(&issue.message);
        issue.hint = issue.hint.as_deref().map(|h| redactor.redact(h));
        issue.snippet = issue.snippet.as_deref().map(|s| redactor.redact(s));
    }
    list.sort_by_key(|i| (i.line, i.column));
    list.dedup();
    ProfileError::Invalid { issues: list }
}

type Value<'i> = Spanned<DeValue<'i>>;

/// The top-level sections, still as TOML values.
#[derive(Default)]
struct Sections<'i> {
    service: Option<Value<'i>>,
    settings: Option<Value<'i>>,
    endpoint: Option<Value<'i>>,
    metrics: Option<Value<'i>>,
    baseline: Option<Value<'i>>,
    judge: Option<Value<'i>>,
    kpi: Option<Value<'i>>,
    logs: Option<Value<'i>>,
    phase: Option<Value<'i>>,
    gate: Option<Value<'i>>,
    actions: Option<Value<'i>>,
}

fn split_sections<'i>(issues: &mut Issues<'_>, root: Spanned<DeTable<'i>>) -> Sections<'i> {
    let mut s = Sections::default();
    for (key, value) in root.into_inner() {
        let slot = match key.get_ref().as_ref() {
            "service" => &mut s.service,
            "settings" => &mut s.settings,
            "endpoint" => &mut s.endpoint,
            "metrics" => &mut s.metrics,
            "baseline" => &mut s.baseline,
            "judge" => &mut s.judge,
            "kpi" => &mut s.kpi,
            "logs" => &mut s.logs,
            "phase" => &mut s.phase,
            "gate" => &mut s.gate,
            "actions" => &mut s.actions,
            other => {
                let hint = match suggest(other, &raw::SECTIONS) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("sections are {}", quoted_list(&raw::SECTIONS)),
                };
                issues.span(key.span(), format!("unknown section `{other}`"), Some(hint));
                continue;
            }
        };
        *slot = Some(value);
    }
    s
}

struct Loader<'a> {
    issues: Issues<'a>,
    text: &'a str,
    interp: Interpolator<'a>,
    /// Every header value after interpolation: all are secrets.
    header_values: Vec<String>,
    /// The Compose project a `compose_service` target without `project`
    /// belongs to: the one Compose would name after the profile's directory.
    default_project: String,
}

/// The keys that name a docker target, in a check, a log source or an action.
#[derive(Clone, Copy)]
struct TargetKeys<'r> {
    container: &'r Option<Str>,
    compose_service: &'r Option<Str>,
    project: &'r Option<Str>,
    label: &'r Option<Str>,
}

impl<'r> TargetKeys<'r> {
    fn of(t: &'r raw::RawDockerTarget) -> Self {
        Self {
            container: &t.container,
            compose_service: &t.compose_service,
            project: &t.project,
            label: &t.label,
        }
    }
}

/// The project Compose would give a compose file in the profile's directory
/// (`docker-compose` run there, without `-p` or `COMPOSE_PROJECT_NAME`).
fn default_project(path: &Path) -> String {
    let dir = std::path::absolute(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    super::compose_project_name(&base)
}

/// What later sections may refer to.
#[derive(Default)]
struct Known {
    endpoints: Vec<String>,
    /// Metrics track to the PromQL metric kinds it has a query for (None:
    /// a scrape source, which yields every kind).
    tracks: BTreeMap<String, Option<Vec<MetricKind>>>,
    has_baseline_file: bool,
    logs: Vec<String>,
    items: Vec<String>,
    actions: Vec<String>,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn did_you_mean(word: &str, known: &[String], what: &str) -> String {
    let refs: Vec<&str> = known.iter().map(String::as_str).collect();
    match suggest(word, &refs) {
        Some(best) => format!("did you mean `{best}`?"),
        None if refs.is_empty() => format!("the profile defines no {what}"),
        None => format!("defined {what}: {}", quoted_list(&refs)),
    }
}

impl<'a> Loader<'a> {
    // ----- small helpers -------------------------------------------------

    /// Deserialises one table. When a key is unknown or has the wrong type,
    /// the problem is recorded, that key is dropped and the table is tried
    /// again, so every bad key of a table is reported in one run and the
    /// rest of the table is still checked.
    fn de<T: DeserializeOwned>(&mut self, value: Value<'_>) -> Option<T> {
        let mut value = value;
        for attempt in 0..32 {
            let err = match T::deserialize(ValueDeserializer::from(value.clone())) {
                Ok(v) => return Some(v),
                Err(e) => e,
            };
            let Some(at) = err.span().map(|s| s.start) else {
                if attempt == 0 {
                    self.issues.toml(&err);
                }
                return None;
            };
            let span = value.span();
            let removed = match value.get_mut() {
                DeValue::Table(t) => remove_at(t, at),
                _ => false,
            };
            if !removed && attempt > 0 {
                // A consequence of an earlier removal (a required key with
                // a bad value is now missing): already reported.
                return None;
            }
            self.issues.toml(&err);
            if !removed {
                return None;
            }
            value = Spanned::new(span, value.into_inner());
        }
        None
    }

    /// The elements of an array-of-tables section (`[[endpoint]]`).
    fn de_array<T: DeserializeOwned>(&mut self, name: &str, value: Option<Value<'_>>) -> Vec<T> {
        let Some(value) = value else {
            return Vec::new();
        };
        let span = value.span();
        match value.into_inner() {
            DeValue::Array(items) => items.iter().filter_map(|v| self.de(v.clone())).collect(),
            DeValue::Table(t) => {
                self.issues.span(
                    span.clone(),
                    format!("`{name}` is a list of tables"),
                    Some(format!(
                        "write [[{name}]] (double brackets), once per entry"
                    )),
                );
                self.de(Spanned::new(span, DeValue::Table(t)))
                    .into_iter()
                    .collect()
            }
            other => {
                self.issues.span(
                    span,
                    format!(
                        "`{name}` must be a list of tables, not a {}",
                        other.type_str()
                    ),
                    Some(format!(
                        "write [[{name}]] (double brackets), once per entry"
                    )),
                );
                Vec::new()
            }
        }
    }

    /// Byte offset in the file of byte `offset` inside string value `s`,
    /// when the string is written without escapes; else the value's start.
    fn pos_in(&self, s: &Str, offset: usize) -> usize {
        let span = s.span();
        let raw = self.text.get(span.clone()).unwrap_or("");
        for quote in ["\"\"\"", "'''", "\"", "'"] {
            if let Some(inner) = raw.strip_prefix(quote).and_then(|r| r.strip_suffix(quote))
                && inner == s.get_ref()
            {
                return span.start + quote.len() + offset.min(inner.len());
            }
        }
        span.start
    }

    fn err(&mut self, span: Range<usize>, message: impl Into<String>, hint: Option<String>) {
        self.issues.span(span, message, hint);
    }

    fn hint(&mut self, span: Range<usize>, message: impl Into<String>, hint: impl Into<String>) {
        self.issues.span(span, message, Some(hint.into()));
    }

    /// Interpolates a string value, reporting syntax problems at their place.
    fn expand(&mut self, s: &Str) -> String {
        match self.interp.expand(s.get_ref()) {
            Ok(v) => v,
            Err(e) => {
                let at = self.pos_in(s, e.offset);
                self.issues.at(at, e.message, Some(e.hint));
                s.get_ref().clone()
            }
        }
    }

    fn expand_opt(&mut self, s: &Option<Str>) -> Option<String> {
        s.as_ref().map(|s| self.expand(s))
    }

    fn expand_argv(&mut self, argv: &Spanned<Vec<Str>>) -> Vec<String> {
        if argv.get_ref().is_empty() || argv.get_ref()[0].get_ref().trim().is_empty() {
            self.hint(
                argv.span(),
                "empty command",
                "give the program and its arguments, e.g. [\"kubectl\", \"rollout\", \"status\", \"deploy/api\"]",
            );
        }
        argv.get_ref().iter().map(|a| self.expand(a)).collect()
    }

    fn expand_env(
        &mut self,
        env: &Option<Spanned<BTreeMap<String, Str>>>,
    ) -> Vec<(String, String)> {
        let Some(env) = env else {
            return Vec::new();
        };
        env.get_ref()
            .iter()
            .map(|(k, v)| (k.clone(), self.expand(v)))
            .collect()
    }

    fn duration(&mut self, s: &Str) -> Option<Duration> {
        match duration::parse(s.get_ref()) {
            Ok(d) => Some(d),
            Err(message) => {
                self.hint(s.span(), message, UNITS_HINT);
                None
            }
        }
    }

    fn duration_or(&mut self, s: &Option<Str>, default: Duration) -> Duration {
        s.as_ref().and_then(|s| self.duration(s)).unwrap_or(default)
    }

    fn id(&mut self, s: &Str, what: &str) -> String {
        if !valid_id(s.get_ref()) {
            self.hint(
                s.span(),
                format!("{what} id `{}` is not a valid id", s.get_ref()),
                ID_HINT,
            );
        }
        s.get_ref().clone()
    }

    /// Reports every id seen before, pointing back at the first one.
    fn unique<'s>(&mut self, what: &str, ids: impl IntoIterator<Item = &'s Str>) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for id in ids {
            if let Some(first) = seen.get(id.get_ref().as_str()) {
                let (line, _) = self.issues.position(*first);
                self.hint(
                    id.span(),
                    format!("duplicate {what} id `{}`", id.get_ref()),
                    format!(
                        "`{}` is already defined on line {line}; ids must be unique",
                        id.get_ref()
                    ),
                );
            } else {
                seen.insert(id.get_ref(), id.span().start);
            }
        }
    }

    fn regex(&mut self, s: &Str, what: &str) {
        if let Err(e) = regex::Regex::new(s.get_ref()) {
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or("").trim().to_string();
            self.hint(
                s.span(),
                format!("bad regular expression in {what}: {last}"),
                "escape special characters with \\\\ (in TOML, a 'single-quoted' string keeps backslashes as written)",
            );
        }
    }

    fn conditions(&mut self, list: &Option<Spanned<Vec<Str>>>) -> Vec<Condition> {
        let Some(list) = list else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for s in list.get_ref() {
            let text = self.expand(s);
            match Condition::parse(&text) {
                Ok(c) => out.push(c),
                Err(e) => {
                    let at = if text == *s.get_ref() {
                        self.pos_in(s, e.offset)
                    } else {
                        s.span().start
                    };
                    self.issues.at(
                        at,
                        format!("bad condition `{text}`: {}", e.message),
                        Some(CONDITION_HINT.to_string()),
                    );
                }
            }
        }
        out
    }

    fn docker_target(&mut self, span: Range<usize>, keys: TargetKeys<'_>) -> Option<DockerTarget> {
        let TargetKeys {
            container,
            compose_service,
            project,
            label,
        } = keys;
        let given = [
            container.is_some(),
            compose_service.is_some(),
            label.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            self.hint(
                span,
                "a docker target needs exactly one of `container`, `compose_service` or `label`",
                "e.g. docker = { container = \"api\" } or docker = { label = \"app=api\" }",
            );
            return None;
        }
        if let Some(p) = project
            && compose_service.is_none()
        {
            self.hint(
                p.span(),
                "`project` scopes a `compose_service` target; this target has none",
                "remove `project`, or name the service: docker = { compose_service = \"api\", project = \"shop\" }",
            );
            return None;
        }
        if let Some(c) = container {
            return Some(DockerTarget::Container(self.expand(c)));
        }
        if let Some(c) = compose_service {
            let project = match project {
                Some(p) => {
                    let name = self.expand(p);
                    if name.trim().is_empty() {
                        self.hint(
                            p.span(),
                            "`project` is empty",
                            "name the Compose project, e.g. project = \"shop\" (see `docker-compose ls` or the com.docker.compose.project label)",
                        );
                        return None;
                    }
                    name
                }
                None => self.default_project.clone(),
            };
            return Some(DockerTarget::compose(self.expand(c), project));
        }
        let l = label.as_ref()?;
        let text = self.expand(l);
        match text.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Some(DockerTarget::Label {
                key: k.trim().to_string(),
                value: v.trim().to_string(),
            }),
            _ => {
                self.hint(
                    l.span(),
                    format!("label `{text}` is not `key=value`"),
                    "e.g. label = \"com.docker.compose.service=api\"",
                );
                None
            }
        }
    }

    // ----- sections ------------------------------------------------------

    fn build(&mut self, path: &Path, s: Sections<'_>) -> Profile {
        let settings_raw: raw::RawSettings = match s.settings {
            Some(v) => self.de(v).unwrap_or_default(),
            None => raw::RawSettings::default(),
        };
        let secret_names: Vec<String> = settings_raw
            .secrets
            .iter()
            .map(|s| s.get_ref().clone())
            .collect();
        self.interp.set_secret_names(secret_names.clone());

        let service = self.service(s.service);
        self.interp.set_service(ServiceVars {
            name: service.name.clone(),
            version: service.version.clone(),
            previous: service.previous.clone(),
        });
        let mut settings = self.settings(&settings_raw, secret_names);
        settings.judge = self.judge(s.judge);
        settings.kpi = self.kpi(s.kpi);

        let mut known = Known::default();
        let endpoints = self.endpoints(s.endpoint, &settings, &mut known);
        let metrics = self.metrics(s.metrics, &mut known);
        let baseline = self.baseline(s.baseline, &mut known);
        let logs = self.logs(s.logs, &mut known);
        let phases = self.phases(s.phase, &settings, &mut known);
        let actions = self.actions(s.actions, &mut known);
        let gates = self.gates(s.gate, &known);

        let mut warnings = Vec::new();
        if phases.is_empty() {
            warnings.push("no [[phase]]: the checklist is empty".to_string());
        }
        for p in phases.iter().filter(|p| p.items.is_empty()) {
            warnings.push(format!("phase `{}` has no items", p.id));
        }

        Profile {
            path: path.to_path_buf(),
            service,
            settings,
            endpoints,
            metrics,
            baseline,
            logs,
            phases,
            gates,
            actions,
            redactor: Redactor::default(),
            unresolved: Vec::new(),
            warnings,
        }
    }

    fn service(&mut self, value: Option<Value<'_>>) -> Service {
        let placeholder = Service {
            name: String::new(),
            version: String::new(),
            previous: None,
        };
        let Some(value) = value else {
            self.issues.whole(
                "missing [service] section",
                Some("add [service] with `name` and `version`".to_string()),
            );
            return placeholder;
        };
        let Some(raw) = self.de::<raw::RawService>(value) else {
            return placeholder;
        };
        let name = self.expand(&raw.name);
        if name.trim().is_empty() {
            self.err(raw.name.span(), "service name is empty", None);
        }
        let version = self.expand(&raw.version);
        if version.trim().is_empty() {
            self.err(raw.version.span(), "service version is empty", None);
        }
        Service {
            name,
            version,
            previous: self.expand_opt(&raw.previous),
        }
    }

    fn settings(&mut self, raw: &raw::RawSettings, secrets: Vec<String>) -> Settings {
        let d = Settings::default();
        let positive =
            |loader: &mut Self, v: &Option<Spanned<i64>>, what: &str, default: usize| match v {
                Some(n) if *n.get_ref() > 0 => usize::try_from(*n.get_ref()).unwrap_or(default),
                Some(n) => {
                    loader.err(n.span(), format!("`{what}` must be above 0"), None);
                    default
                }
                None => default,
            };
        Settings {
            poll_interval: self.duration_or(&raw.poll_interval, d.poll_interval),
            timeout: self.duration_or(&raw.timeout, d.timeout),
            body_limit: positive(self, &raw.body_limit, "body_limit", d.body_limit),
            log_buffer: positive(self, &raw.log_buffer, "log_buffer", d.log_buffer),
            secrets,
            metrics_retention: self.retention(&raw.metrics_retention, d.metrics_retention),
            judge: d.judge,
            kpi: d.kpi,
        }
    }

    /// `metrics_retention`: long enough for the longest chart window's
    /// worth of context, short enough that the series stay small.
    fn retention(&mut self, raw: &Option<Str>, default: Duration) -> Duration {
        let Some(s) = raw else { return default };
        let Some(d) = self.duration(s) else {
            return default;
        };
        if !(MIN_RETENTION..=MAX_RETENTION).contains(&d) {
            self.hint(
                s.span(),
                format!(
                    "`metrics_retention` must be between 1m and 24h, not {}",
                    s.get_ref()
                ),
                "e.g. metrics_retention = \"1h\" (the default; the longest chart window is 1h)",
            );
            return default;
        }
        d
    }

    /// The `[kpi]` section: each target a bound on a duration ("< 30s").
    fn kpi(&mut self, value: Option<Value<'_>>) -> KpiTargets {
        let mut targets = KpiTargets::default();
        let Some(raw) = value.and_then(|v| self.de::<raw::RawKpi>(v)) else {
            return targets;
        };
        let keys = [
            ("canary", &raw.canary),
            ("decision", &raw.decision),
            ("rollback", &raw.rollback),
            ("recovery", &raw.recovery),
            ("downtime", &raw.downtime),
        ];
        for (key, text) in keys {
            let Some(text) = text else { continue };
            match crate::profile::KpiTarget::parse(text.get_ref()) {
                Ok(t) => {
                    targets.0.insert(key.to_string(), t);
                }
                Err(e) => self.hint(
                    text.span(),
                    format!("`{key}`: {e}"),
                    format!("write a bound on a duration, e.g. {key} = \"< 5m\"; {UNITS_HINT}"),
                ),
            }
        }
        targets
    }

    /// The `[judge]` section; a value out of range is reported where it is
    /// written and replaced by its default so the rest is still checked.
    fn judge(&mut self, value: Option<Value<'_>>) -> JudgeConfig {
        let d = JudgeConfig::default();
        let Some(value) = value else { return d };
        let Some(raw) = self.de::<raw::RawJudge>(value) else {
            return d;
        };
        let method = match &raw.method {
            None => JudgeMethod::default(),
            Some(m) => match m.get_ref().as_str() {
                "sequential" => JudgeMethod::Sequential,
                "mann-whitney" => JudgeMethod::MannWhitney,
                other => {
                    self.hint(
                        m.span(),
                        format!("`method` must be \"sequential\" or \"mann-whitney\", not {other:?}"),
                        "method = \"sequential\" (the default: stays valid however often it is judged) or \"mann-whitney\" (the fixed-sample test, for comparison)",
                    );
                    JudgeMethod::default()
                }
            },
        };
        let mut number = |v: &Option<Spanned<f64>>,
                          ok: &dyn Fn(f64) -> bool,
                          message: &str,
                          hint: &str,
                          default: f64| match v {
            Some(n) if ok(*n.get_ref()) => *n.get_ref(),
            Some(n) => {
                self.hint(
                    n.span(),
                    format!("{message}, not {}", n.get_ref()),
                    hint.to_string(),
                );
                default
            }
            None => default,
        };
        let confidence = number(
            &raw.confidence,
            &|c| (0.5..1.0).contains(&c),
            "`confidence` must be at least 0.5 and below 1",
            "e.g. confidence = 0.98 (the default: a 2% chance of calling noise a difference)",
            d.confidence,
        );
        let score_hint = "scores run from 0 to 100: the share of judged metrics that passed";
        let pass_score = number(
            &raw.pass_score,
            &|v| (0.0..=100.0).contains(&v),
            "`pass_score` must be between 0 and 100",
            score_hint,
            d.pass_score,
        );
        let marginal_score = number(
            &raw.marginal_score,
            &|v| (0.0..=100.0).contains(&v),
            "`marginal_score` must be between 0 and 100",
            score_hint,
            d.marginal_score.min(pass_score),
        );
        let allowed_increase = number(
            &raw.allowed_increase,
            &|v| v.is_finite() && v >= 1.0,
            "`allowed_increase` must be a ratio of 1.0 or more",
            "e.g. allowed_increase = 1.2: the canary may be up to 1.2x the baseline (it passes once shown under that, fails once shown over it)",
            method.default_allowed_increase(),
        );
        if let Some(m) = &raw.marginal_score
            && *m.get_ref() > pass_score
            && (0.0..=100.0).contains(m.get_ref())
        {
            self.hint(
                m.span(),
                format!(
                    "`marginal_score` ({}) is above `pass_score` ({pass_score})",
                    m.get_ref()
                ),
                "the marginal band lies under the pass score, e.g. pass_score = 95, marginal_score = 75",
            );
        }
        let min_samples = match &raw.min_samples {
            Some(n) if *n.get_ref() >= 1 => usize::try_from(*n.get_ref()).unwrap_or(d.min_samples),
            Some(n) => {
                self.hint(
                    n.span(),
                    format!("`min_samples` must be at least 1, not {}", n.get_ref()),
                    "e.g. min_samples = 5 (fewer samples on either side is reported as no data)",
                );
                d.min_samples
            }
            None => d.min_samples,
        };
        JudgeConfig {
            method,
            confidence,
            min_samples,
            allowed_increase,
            pass_score,
            marginal_score: marginal_score.min(pass_score),
        }
    }

    fn endpoints(
        &mut self,
        value: Option<Value<'_>>,
        settings: &Settings,
        known: &mut Known,
    ) -> Vec<Endpoint> {
        let raws: Vec<Spanned<raw::RawEndpoint>> = self.de_array("endpoint", value);
        self.unique("endpoint", raws.iter().map(|r| &r.get_ref().id));
        let mut out = Vec::new();
        for r in &raws {
            let span = r.span();
            let r = r.get_ref();
            let id = self.id(&r.id, "endpoint");
            known.endpoints.push(id.clone());
            let urls = match (&r.url, &r.urls) {
                (Some(_), Some(urls)) => {
                    self.hint(
                        urls.span(),
                        format!("endpoint `{id}` has both `url` and `urls`"),
                        "use `url` for one replica or `urls = [...]` for several, not both",
                    );
                    Vec::new()
                }
                (None, None) => {
                    self.hint(
                        span.clone(),
                        format!("endpoint `{id}` has neither `url` nor `urls`"),
                        "add url = \"http://host:port/health\" (or urls = [...] for every replica)",
                    );
                    Vec::new()
                }
                (Some(url), None) => vec![self.url(url)],
                (None, Some(urls)) => {
                    if urls.get_ref().is_empty() {
                        self.hint(urls.span(), "`urls` is empty", "list one URL per replica");
                    }
                    urls.get_ref().iter().map(|u| self.url(u)).collect()
                }
            };
            let format = match &r.format {
                None => HealthFormat::Auto,
                Some(f) => HealthFormat::from_name(f.get_ref()).unwrap_or_else(|| {
                    let names: Vec<&str> = HealthFormat::ALL.iter().map(|(n, _)| *n).collect();
                    let hint = match suggest(f.get_ref(), &names) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => format!("formats are {}", quoted_list(&names)),
                    };
                    self.err(
                        f.span(),
                        format!("unknown format `{}`", f.get_ref()),
                        Some(hint),
                    );
                    HealthFormat::Auto
                }),
            };
            let method = match &r.method {
                None => "GET".to_string(),
                Some(m) => {
                    let upper = m.get_ref().trim().to_ascii_uppercase();
                    if reqwest::Method::from_bytes(upper.as_bytes()).is_err() || upper.is_empty() {
                        self.hint(
                            m.span(),
                            format!("bad HTTP method `{}`", m.get_ref()),
                            "e.g. GET, POST, PUT, HEAD",
                        );
                    }
                    upper
                }
            };
            let mut headers = Vec::new();
            for (name, value) in &r.headers {
                let v = self.expand(value);
                if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                    self.err(value.span(), format!("bad header name `{name}`"), None);
                }
                if !v.contains("${") && reqwest::header::HeaderValue::from_str(&v).is_err() {
                    self.err(
                        value.span(),
                        format!("header `{name}` has characters a header value cannot carry"),
                        None,
                    );
                }
                self.header_values.push(v.clone());
                headers.push((name.clone(), v));
            }
            let body = r.body.as_ref().map(|b| match b.get_ref() {
                serde_json::Value::String(s) => {
                    RequestBody::Text(self.expand(&Spanned::new(b.span(), s.clone())))
                }
                other => {
                    let mut json = other.clone();
                    self.expand_json(&mut json, b.span());
                    RequestBody::Json(json)
                }
            });
            out.push(Endpoint {
                id,
                urls,
                format,
                track: r.track.as_ref().map(|t| t.get_ref().clone()),
                method,
                headers,
                body,
                timeout: self.duration_or(&r.timeout, settings.timeout),
                warmup_timeout: self.duration_or(&r.warmup_timeout, DEFAULT_WARMUP_TIMEOUT),
            });
        }
        out
    }

    fn expand_json(&mut self, value: &mut serde_json::Value, span: Range<usize>) {
        match value {
            serde_json::Value::String(s) => {
                *s = self.expand(&Spanned::new(span, s.clone()));
            }
            serde_json::Value::Array(items) => {
                for v in items {
                    self.expand_json(v, span.clone());
                }
            }
            serde_json::Value::Object(map) => {
                for v in map.values_mut() {
                    self.expand_json(v, span.clone());
                }
            }
            _ => {}
        }
    }

    fn url(&mut self, s: &Str) -> String {
        let url = self.expand(s);
        if url.contains("${") {
            return url; // unresolved: reported as a warning, checked once set
        }
        match reqwest::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            Ok(u) => self.hint(
                s.span(),
                format!(
                    "URL `{url}` is not http(s) with a host (scheme `{}`)",
                    u.scheme()
                ),
                "e.g. \"http://127.0.0.1:8002/health\"",
            ),
            Err(e) => self.hint(
                s.span(),
                format!("bad URL `{url}`: {e}"),
                "e.g. \"http://127.0.0.1:8002/health\"",
            ),
        }
        url
    }

    fn metrics(&mut self, value: Option<Value<'_>>, known: &mut Known) -> Vec<MetricsSource> {
        let raws: Vec<Spanned<raw::RawMetrics>> = self.de_array("metrics", value);
        self.unique("metrics track", raws.iter().map(|r| &r.get_ref().track));
        let mut out = Vec::new();
        for r in &raws {
            let span = r.span();
            let r = r.get_ref();
            let track = r.track.get_ref().clone();
            let promql_keys = [
                ("latency_p50", &r.latency_p50),
                ("latency_p95", &r.latency_p95),
                ("latency_p99", &r.latency_p99),
                ("error_rate", &r.error_rate),
                ("request_rate", &r.request_rate),
            ];
            let scrape_keys = [
                ("latency_histogram", &r.latency_histogram),
                ("requests_counter", &r.requests_counter),
                ("status_label", &r.status_label),
            ];
            let kind = match (&r.scrape, &r.prometheus) {
                (Some(_), Some(p)) => {
                    self.hint(
                        p.span(),
                        format!("metrics `{track}` has both `scrape` and `prometheus`"),
                        "scrape reads a /metrics page, prometheus queries a server: pick one per track",
                    );
                    None
                }
                (None, None) => {
                    self.hint(
                        span.clone(),
                        format!("metrics `{track}` has neither `scrape` nor `prometheus`"),
                        "add scrape = \"http://host:port/metrics\" or prometheus = \"http://host:9090\"",
                    );
                    None
                }
                (Some(url), None) => {
                    for (key, v) in promql_keys {
                        if let Some(v) = v {
                            self.hint(
                                v.span(),
                                format!("`{key}` is a PromQL query and needs `prometheus`, not `scrape`"),
                                "remove it, or query a Prometheus server with prometheus = \"http://host:9090\"",
                            );
                        }
                    }
                    let mut selector = BTreeMap::new();
                    if let Some(sel) = &r.selector {
                        for (label, re) in sel.get_ref() {
                            self.regex(re, &format!("selector `{label}`"));
                            selector.insert(label.clone(), re.get_ref().clone());
                        }
                    }
                    known.tracks.insert(track.clone(), None);
                    Some(MetricsKind::Scrape {
                        url: self.url(url),
                        latency_histogram: self.expand_opt(&r.latency_histogram),
                        requests_counter: self.expand_opt(&r.requests_counter),
                        status_label: self.expand_opt(&r.status_label),
                        selector,
                    })
                }
                (None, Some(url)) => {
                    for (key, v) in scrape_keys {
                        if let Some(v) = v {
                            self.hint(
                                v.span(),
                                format!("`{key}` applies to `scrape`, not `prometheus`"),
                                "with prometheus, give PromQL queries: latency_p95, error_rate, ...",
                            );
                        }
                    }
                    if let Some(sel) = &r.selector {
                        self.hint(
                            sel.span(),
                            "`selector` applies to `scrape`, not `prometheus`",
                            "put label matchers in the PromQL queries instead",
                        );
                    }
                    let kinds: Vec<MetricKind> = promql_keys
                        .iter()
                        .filter(|(_, v)| v.is_some())
                        .filter_map(|(k, _)| MetricKind::from_name(k))
                        .collect();
                    if kinds.is_empty() {
                        self.hint(
                            url.span(),
                            format!("metrics `{track}` queries Prometheus but gives no query"),
                            "add latency_p95 = '...', error_rate = '...' (PromQL)",
                        );
                    }
                    known.tracks.insert(track.clone(), Some(kinds));
                    Some(MetricsKind::PromQl {
                        url: self.url(url),
                        latency_p50: self.expand_opt(&r.latency_p50),
                        latency_p95: self.expand_opt(&r.latency_p95),
                        latency_p99: self.expand_opt(&r.latency_p99),
                        error_rate: self.expand_opt(&r.error_rate),
                        request_rate: self.expand_opt(&r.request_rate),
                    })
                }
            };
            let window = self.duration_or(&r.window, DEFAULT_METRICS_WINDOW);
            if let Some(kind) = kind {
                out.push(MetricsSource {
                    track,
                    kind,
                    window,
                });
            }
        }
        out
    }

    fn baseline(&mut self, value: Option<Value<'_>>, known: &mut Known) -> Option<BaselineConfig> {
        let raw: raw::RawBaseline = self.de(value?)?;
        let prefer = match &raw.prefer {
            None => BaselinePrefer::File,
            Some(p) => match p.get_ref().as_str() {
                "file" => BaselinePrefer::File,
                "live" => BaselinePrefer::Live,
                other => {
                    self.hint(
                        p.span(),
                        format!("unknown baseline preference `{other}`"),
                        "prefer = \"file\" or \"live\"",
                    );
                    BaselinePrefer::File
                }
            },
        };
        known.has_baseline_file = raw.file.is_some();
        Some(BaselineConfig {
            file: self.expand_opt(&raw.file).map(PathBuf::from),
            prefer,
        })
    }

    fn logs(&mut self, value: Option<Value<'_>>, known: &mut Known) -> Vec<LogSource> {
        let raws: Vec<Spanned<raw::RawLogs>> = self.de_array("logs", value);
        let mut out = Vec::new();
        let mut ids: Vec<Str> = Vec::new();
        for (n, r) in raws.iter().enumerate() {
            let span = r.span();
            let r = r.get_ref();
            let given = [r.docker.is_some(), r.command.is_some(), r.file.is_some()];
            let kind = if given.iter().filter(|g| **g).count() != 1 {
                self.hint(
                    span.clone(),
                    "a log source needs exactly one of `docker`, `command` or `file`",
                    "e.g. docker = { container = \"api\" }, command = [\"kubectl\", \"logs\", \"-f\", \"deploy/api\"] or file = \"/var/log/api.log\"",
                );
                None
            } else if let Some(d) = &r.docker {
                let t = d.get_ref();
                self.docker_target(d.span(), TargetKeys::of(t))
                    .map(LogKind::Docker)
            } else if let Some(c) = &r.command {
                Some(LogKind::Command(self.expand_argv(c)))
            } else {
                r.file
                    .as_ref()
                    .map(|f| LogKind::File(PathBuf::from(self.expand(f))))
            };
            let id = match &r.id {
                Some(id) => {
                    self.id(id, "logs");
                    id.clone()
                }
                None => {
                    let default = match &kind {
                        Some(LogKind::Docker(DockerTarget::Container(c)))
                        | Some(LogKind::Docker(DockerTarget::ComposeService {
                            service: c, ..
                        })) if valid_id(c) => c.clone(),
                        _ => format!("logs-{}", n + 1),
                    };
                    Spanned::new(span.clone(), default)
                }
            };
            if let Some(g) = &r.grep {
                self.regex(g, "grep");
            }
            ids.push(id.clone());
            known.logs.push(id.get_ref().clone());
            if let Some(kind) = kind {
                out.push(LogSource {
                    id: id.into_inner(),
                    kind,
                    highlight: r.highlight.iter().map(|h| h.get_ref().clone()).collect(),
                    grep: r.grep.as_ref().map(|g| g.get_ref().clone()),
                });
            }
        }
        self.unique("logs", ids.iter());
        out
    }

    fn phases(
        &mut self,
        value: Option<Value<'_>>,
        settings: &Settings,
        known: &mut Known,
    ) -> Vec<Phase> {
        let Some(value) = value else {
            return Vec::new();
        };
        let span = value.span();
        let elements: Vec<Value<'_>> = match value.into_inner() {
            DeValue::Array(a) => a.iter().cloned().collect(),
            DeValue::Table(t) => {
                self.hint(
                    span.clone(),
                    "`phase` is a list of tables",
                    "write [[phase]] (double brackets), once per phase",
                );
                vec![Spanned::new(span, DeValue::Table(t))]
            }
            other => {
                self.hint(
                    span,
                    format!(
                        "`phase` must be a list of tables, not a {}",
                        other.type_str()
                    ),
                    "write [[phase]] (double brackets), once per phase",
                );
                Vec::new()
            }
        };
        let mut raws = Vec::new();
        for element in elements {
            let span = element.span();
            let DeValue::Table(mut table) = element.into_inner() else {
                self.err(span, "each [[phase]] must be a table", None);
                continue;
            };
            let items = table.remove("item");
            let Some(header) =
                self.de::<Spanned<raw::RawPhase>>(Spanned::new(span, DeValue::Table(table)))
            else {
                continue;
            };
            let items: Vec<Spanned<raw::RawItem>> = self.de_array("phase.item", items);
            raws.push((header, items));
        }
        self.unique("phase", raws.iter().map(|(h, _)| &h.get_ref().id));
        self.unique(
            "item",
            raws.iter()
                .flat_map(|(_, items)| items.iter().map(|i| &i.get_ref().id)),
        );
        for (_, items) in &raws {
            known
                .items
                .extend(items.iter().map(|i| i.get_ref().id.get_ref().clone()));
        }
        let mut out = Vec::new();
        for (header, items) in raws {
            let h = header.get_ref();
            let id = self.id(&h.id, "phase");
            let title = match &h.title {
                Some(t) => self.expand(t),
                None => id.clone(),
            };
            let duration = h.duration.as_ref().and_then(|d| self.duration(d));
            let mut phase_items = Vec::new();
            for item in items {
                let i = item.get_ref();
                let item_id = self.id(&i.id, "item");
                let title = match &i.title {
                    Some(t) => self.expand(t),
                    None => item_id.clone(),
                };
                let description = self.expand_opt(&i.description);
                let check = i
                    .check
                    .as_ref()
                    .and_then(|c| self.check(c, settings, known));
                phase_items.push(Item {
                    id: item_id,
                    title,
                    description,
                    check,
                });
            }
            out.push(Phase {
                id,
                title,
                duration,
                items: phase_items,
            });
        }
        out
    }

    // ----- checks --------------------------------------------------------

    fn check(
        &mut self,
        c: &Spanned<raw::RawCheck>,
        settings: &Settings,
        known: &Known,
    ) -> Option<Check> {
        let span = c.span();
        let r = c.get_ref();
        let present = present_check_keys(r);
        let kinds: Vec<&str> = CHECK_KINDS
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| present.iter().any(|(p, _)| p == k))
            .collect();
        let kind = match kinds.as_slice() {
            [one] => *one,
            [] if present.is_empty()
                && self.text.get(span.clone()).is_some_and(|t| t.contains('=')) =>
            {
                // Its keys were all dropped as unknown or mistyped: already said.
                return None;
            }
            [] => {
                let hint = if present.is_empty() {
                    "remove `check` to make this a manual item, or give one of `command`, `endpoint`, `metric`, `logs`, `docker`".to_string()
                } else {
                    "a check is one of: command = [...], endpoint = \"id\", metric = \"...\", logs = \"source\", docker = {...}".to_string()
                };
                self.hint(span, "check does not say what to check", hint);
                return None;
            }
            many => {
                self.hint(
                    span,
                    format!("check mixes kinds: {}", quoted_list(many)),
                    "one check per item: split it into separate items",
                );
                return None;
            }
        };
        let allowed = CHECK_KINDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, keys)| *keys)
            .unwrap_or(&[]);
        let mut foreign = false;
        for (key, key_span) in &present {
            if !allowed.contains(key) {
                foreign = true;
                let a = if kind == "endpoint" { "an" } else { "a" };
                self.hint(
                    key_span.clone(),
                    format!("`{key}` does not apply to {a} {kind} check"),
                    format!("{a} {kind} check takes {}", quoted_list(allowed)),
                );
            }
        }
        if foreign {
            return None;
        }
        match kind {
            "command" => {
                let argv = r.command.as_ref()?;
                Some(Check::Command(CommandCheck {
                    argv: self.expand_argv(argv),
                    timeout: self.duration_or(&r.timeout, settings.timeout),
                    cwd: self.expand_opt(&r.cwd).map(PathBuf::from),
                    env: self.expand_env(&r.env),
                }))
            }
            "endpoint" => {
                let endpoint = r.endpoint.as_ref()?;
                if !known.endpoints.contains(endpoint.get_ref()) {
                    let hint = did_you_mean(endpoint.get_ref(), &known.endpoints, "endpoints");
                    self.err(
                        endpoint.span(),
                        format!(
                            "check refers to endpoint `{}`, which is not defined",
                            endpoint.get_ref()
                        ),
                        Some(hint),
                    );
                }
                let requests = match &r.requests {
                    None => 1,
                    Some(n) if (1..=MAX_REQUESTS).contains(n.get_ref()) => {
                        u32::try_from(*n.get_ref()).unwrap_or(1)
                    }
                    Some(n) => {
                        self.err(
                            n.span(),
                            format!("`requests` must be between 1 and {MAX_REQUESTS}"),
                            None,
                        );
                        1
                    }
                };
                Some(Check::Endpoint(EndpointCheck {
                    endpoint: endpoint.get_ref().clone(),
                    conditions: self.conditions(&r.conditions),
                    all_replicas: r.all_replicas.as_ref().is_some_and(|b| *b.get_ref()),
                    hold: r.hold.as_ref().and_then(|h| self.duration(h)),
                    requests,
                }))
            }
            "metric" => {
                let metric = r.metric.as_ref()?;
                let kind = self.metric_ref(
                    span,
                    metric,
                    r.track.as_ref(),
                    &r.condition,
                    &r.vs_baseline,
                    known,
                )?;
                Some(Check::Metric(MetricCheck {
                    metric: kind.0,
                    track: kind.1,
                    condition: kind.2,
                    vs_baseline: kind.3,
                    hold: r.hold.as_ref().and_then(|h| self.duration(h)),
                }))
            }
            "logs" => {
                let source = r.logs.as_ref()?;
                if !known.logs.contains(source.get_ref()) {
                    let hint = did_you_mean(source.get_ref(), &known.logs, "log sources");
                    self.err(
                        source.span(),
                        format!(
                            "check refers to log source `{}`, which is not defined",
                            source.get_ref()
                        ),
                        Some(hint),
                    );
                }
                let Some(pattern) = &r.pattern else {
                    self.hint(
                        span,
                        "a logs check needs a `pattern`",
                        "e.g. pattern = \"(?i)error|panic\" (a regular expression)",
                    );
                    return None;
                };
                self.regex(pattern, "pattern");
                let max = match &r.max {
                    None => 0,
                    Some(n) if *n.get_ref() >= 0 => n.get_ref().unsigned_abs(),
                    Some(n) => {
                        self.err(n.span(), "`max` cannot be negative", None);
                        0
                    }
                };
                Some(Check::Logs(LogsCheck {
                    source: source.get_ref().clone(),
                    pattern: pattern.get_ref().clone(),
                    max,
                    window: self.duration_or(&r.window, DEFAULT_LOGS_WINDOW),
                }))
            }
            "docker" => {
                let d = r.docker.as_ref()?;
                let t = d.get_ref();
                let target = self.docker_target(d.span(), TargetKeys::of(t))?;
                Some(Check::Docker(DockerCheck {
                    target,
                    conditions: self.conditions(&r.conditions),
                }))
            }
            _ => None,
        }
    }

    /// The metric, track, threshold and ratio of a metric check or a gate,
    /// checked against the `[[metrics]]` sources and the baseline.
    #[allow(clippy::type_complexity)]
    fn metric_ref(
        &mut self,
        span: Range<usize>,
        metric: &Str,
        track: Option<&Str>,
        condition: &Option<Str>,
        vs_baseline: &Option<Str>,
        known: &Known,
    ) -> Option<(
        MetricKind,
        String,
        Option<super::Threshold>,
        Option<super::Ratio>,
    )> {
        let Some(kind) = MetricKind::from_name(metric.get_ref()) else {
            let names: Vec<&str> = MetricKind::ALL.iter().map(|(n, _)| *n).collect();
            let hint = match suggest(metric.get_ref(), &names) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("metrics are {}", quoted_list(&names)),
            };
            self.err(
                metric.span(),
                format!("unknown metric `{}`", metric.get_ref()),
                Some(hint),
            );
            return None;
        };
        let track_name = track
            .map(|t| t.get_ref().clone())
            .unwrap_or_else(|| "canary".to_string());
        let track_span = track.map(|t| t.span()).unwrap_or_else(|| span.clone());
        match known.tracks.get(&track_name) {
            None => {
                let tracks: Vec<String> = known.tracks.keys().cloned().collect();
                let hint = if tracks.is_empty() {
                    "add a [[metrics]] section for this track (scrape or prometheus)".to_string()
                } else {
                    did_you_mean(&track_name, &tracks, "metrics tracks")
                };
                self.err(
                    track_span,
                    format!("no [[metrics]] for track `{track_name}`"),
                    Some(hint),
                );
            }
            Some(Some(kinds)) if !kinds.contains(&kind) => {
                self.hint(
                    metric.span(),
                    format!(
                        "metrics track `{track_name}` queries Prometheus but has no `{}` query",
                        kind.name()
                    ),
                    format!("add {} = '...' (PromQL) to that [[metrics]]", kind.name()),
                );
            }
            Some(_) => {}
        }
        let threshold = condition.as_ref().and_then(|c| {
            parse_threshold(c.get_ref(), kind)
                .map_err(|e| self.err(c.span(), format!("bad threshold: {e}"), None))
                .ok()
        });
        let ratio = vs_baseline.as_ref().and_then(|c| {
            parse_ratio(c.get_ref())
                .map_err(|e| self.err(c.span(), format!("bad baseline ratio: {e}"), None))
                .ok()
        });
        if condition.is_none() && vs_baseline.is_none() {
            self.hint(
                span,
                format!(
                    "`{}` has neither `condition` nor `vs_baseline`",
                    kind.name()
                ),
                "e.g. condition = \"< 300ms\" or vs_baseline = \"< 1.2x\"",
            );
        }
        if let Some(v) = vs_baseline
            && !known.has_baseline_file
            && !known.tracks.contains_key("baseline")
        {
            self.hint(
                v.span(),
                "`vs_baseline` needs a baseline, and there is none",
                "add [baseline] file = \"baseline.json\" or a [[metrics]] with track = \"baseline\"",
            );
        }
        Some((kind, track_name, threshold, ratio))
    }

    // ----- actions and gates ---------------------------------------------

    fn actions(&mut self, value: Option<Value<'_>>, known: &mut Known) -> BTreeMap<String, Action> {
        let mut out = BTreeMap::new();
        let Some(value) = value else {
            return out;
        };
        let span = value.span();
        let DeValue::Table(table) = value.into_inner() else {
            self.hint(
                span,
                "`actions` must be a table of named actions",
                "write [actions.promote] and [actions.rollback]",
            );
            return out;
        };
        for (name, value) in table {
            let name_text = name.get_ref().to_string();
            if !valid_id(&name_text) {
                self.hint(
                    name.span(),
                    format!("action name `{name_text}` is not valid"),
                    ID_HINT,
                );
            }
            known.actions.push(name_text.clone());
            let span = value.span();
            let Some(r) = self.de::<raw::RawAction>(value) else {
                continue;
            };
            for v in &r.verify {
                if !known.items.contains(v.get_ref()) {
                    let hint = did_you_mean(v.get_ref(), &known.items, "items");
                    self.err(
                        v.span(),
                        format!(
                            "action `{name_text}` verifies item `{}`, which is not defined",
                            v.get_ref()
                        ),
                        Some(hint),
                    );
                }
            }
            let kind = match (&r.command, &r.docker) {
                (Some(argv), None) => Some(ActionKind::Command {
                    argv: self.expand_argv(argv),
                    cwd: self.expand_opt(&r.cwd).map(PathBuf::from),
                    env: self.expand_env(&r.env),
                }),
                (None, Some(d)) => {
                    for (key, s) in [
                        ("cwd", r.cwd.as_ref().map(|c| c.span())),
                        ("env", r.env.as_ref().map(|e| e.span())),
                    ] {
                        if let Some(s) = s {
                            self.err(
                                s,
                                format!("`{key}` applies to command actions, not docker ones"),
                                None,
                            );
                        }
                    }
                    let t = d.get_ref();
                    let target = self.docker_target(
                        d.span(),
                        TargetKeys {
                            container: &t.container,
                            compose_service: &t.compose_service,
                            project: &t.project,
                            label: &t.label,
                        },
                    );
                    let op = match (&t.image, &t.restart) {
                        (Some(image), None) => Some(DockerOp::Image(self.expand(image))),
                        (None, Some(b)) if *b.get_ref() => Some(DockerOp::Restart),
                        _ => {
                            self.hint(
                                d.span(),
                                format!("docker action `{name_text}` needs exactly one of `image = \"...\"` or `restart = true`"),
                                "e.g. docker = { container = \"api\", image = \"api:${service.previous}\" }",
                            );
                            None
                        }
                    };
                    target
                        .zip(op)
                        .map(|(target, op)| ActionKind::Docker { target, op })
                }
                (Some(_), Some(d)) => {
                    self.hint(
                        d.span(),
                        format!("action `{name_text}` has both `command` and `docker`"),
                        "one action does one thing: split it into two actions",
                    );
                    None
                }
                (None, None) => {
                    self.hint(
                        span,
                        format!("action `{name_text}` has neither `command` nor `docker`"),
                        "e.g. command = [\"kubectl\", \"rollout\", \"undo\", \"deployment/api\"]",
                    );
                    None
                }
            };
            let timeout = self.duration_or(&r.timeout, DEFAULT_ACTION_TIMEOUT);
            let verify_timeout = self.duration_or(&r.verify_timeout, DEFAULT_VERIFY_TIMEOUT);
            if let Some(kind) = kind {
                out.insert(
                    name_text.clone(),
                    Action {
                        name: name_text,
                        description: self.expand_opt(&r.description),
                        kind,
                        timeout,
                        verify: r.verify.iter().map(|v| v.get_ref().clone()).collect(),
                        verify_timeout,
                    },
                );
            }
        }
        out
    }

    fn gates(&mut self, value: Option<Value<'_>>, known: &Known) -> Vec<Gate> {
        let raws: Vec<Spanned<raw::RawGate>> = self.de_array("gate", value);
        self.unique("gate", raws.iter().map(|r| &r.get_ref().id));
        let mut out = Vec::new();
        for r in &raws {
            let span = r.span();
            let r = r.get_ref();
            let id = self.id(&r.id, "gate");
            let on_breach = match &r.on_breach {
                None => OnBreach::Alert,
                Some(o) => match o.get_ref().as_str() {
                    "alert" => OnBreach::Alert,
                    "rollback" => OnBreach::Rollback,
                    "auto-rollback" => OnBreach::AutoRollback,
                    other => {
                        let names = ["alert", "rollback", "auto-rollback"];
                        let hint = match suggest(other, &names) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => format!("on_breach is one of {}", quoted_list(&names)),
                        };
                        self.err(o.span(), format!("unknown on_breach `{other}`"), Some(hint));
                        OnBreach::Alert
                    }
                },
            };
            if matches!(on_breach, OnBreach::Rollback | OnBreach::AutoRollback)
                && !known.actions.iter().any(|a| a == "rollback")
                && let Some(o) = &r.on_breach
            {
                self.hint(
                    o.span(),
                    format!("gate `{id}` rolls back, but there is no [actions.rollback]"),
                    "add [actions.rollback] with the command that rolls back, or use on_breach = \"alert\"",
                );
            }
            let Some((metric, track, condition, vs_baseline)) = self.metric_ref(
                span,
                &r.metric,
                Some(&r.track),
                &r.condition,
                &r.vs_baseline,
                known,
            ) else {
                continue;
            };
            out.push(Gate {
                id,
                metric,
                track,
                condition,
                vs_baseline,
                for_: self.duration_or(&r.for_, Duration::ZERO),
                on_breach,
            });
        }
        out
    }
}

/// Drops the entry of `table` (or of a table nested in it) whose key or
/// value starts the problem at byte `at`.
fn remove_at(table: &mut DeTable<'_>, at: usize) -> bool {
    let mut target = None;
    for (key, value) in table.iter_mut() {
        if key.span().contains(&at) {
            target = Some(key.get_ref().to_string());
            break;
        }
        if value.span().contains(&at) {
            if let DeValue::Table(inner) = value.get_mut()
                && remove_at(inner, at)
            {
                return true;
            }
            target = Some(key.get_ref().to_string());
            break;
        }
    }
    match target {
        Some(key) => table.remove(key.as_str()).is_some(),
        None => false,
    }
}

/// The kinds of check and the keys each one takes.
const CHECK_KINDS: [(&str, &[&str]); 5] = [
    ("command", &["command", "timeout", "cwd", "env"]),
    (
        "endpoint",
        &["endpoint", "conditions", "all_replicas", "hold", "requests"],
    ),
    (
        "metric",
        &["metric", "track", "condition", "vs_baseline", "hold"],
    ),
    ("logs", &["logs", "pattern", "max", "window"]),
    ("docker", &["docker", "conditions"]),
];

fn present_check_keys(r: &raw::RawCheck) -> Vec<(&'static str, Range<usize>)> {
    fn s<T>(v: &Option<Spanned<T>>) -> Option<Range<usize>> {
        v.as_ref().map(|v| v.span())
    }
    let all = [
        ("command", s(&r.command)),
        ("timeout", s(&r.timeout)),
        ("cwd", s(&r.cwd)),
        ("env", s(&r.env)),
        ("endpoint", s(&r.endpoint)),
        ("conditions", s(&r.conditions)),
        ("all_replicas", s(&r.all_replicas)),
        ("hold", s(&r.hold)),
        ("requests", s(&r.requests)),
        ("metric", s(&r.metric)),
        ("track", s(&r.track)),
        ("condition", s(&r.condition)),
        ("vs_baseline", s(&r.vs_baseline)),
        ("logs", s(&r.logs)),
        ("pattern", s(&r.pattern)),
        ("max", s(&r.max)),
        ("window", s(&r.window)),
        ("docker", s(&r.docker)),
    ];
    all.into_iter()
        .filter_map(|(k, span)| span.map(|s| (k, s)))
        .collect()
}

impl Profile {
    /// Check, run and act refuse a profile with unset variables; validate only warns.
    pub fn ensure_resolved(&self) -> Result<(), ProfileError> {
        if self.unresolved.is_empty() {
            Ok(())
        } else {
            Err(ProfileError::Unresolved {
                path: self.path.clone(),
                vars: self.unresolved.clone(),
            })
        }
    }
}
