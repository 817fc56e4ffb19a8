//! Reading a profile: TOML text to raw structs to a validated [`Profile`].
//! Each section (and each element of an array section, each phase item, each
//! action) is deserialised on its own, so one broken table does not hide the
//! problems of the others; then values are interpolated, parsed (durations,
//! thresholds, conditions, regexes, URLs) and cross-checked (duplicate ids,
//! references). Every problem found is collected with its position.
//!
//! This module holds the entry points, the `Loader` that reads the sections
//! in the order they depend on each other, and the helpers every section
//! shares (deserialising with positions, interpolation, durations, ids,
//! conditions). Each section is read in a child module named after it
//! (`service`, `endpoints`, `metrics`, `logs`, `checks`, `actions`, `gates`,
//! `docker` and `kubernetes` for the target shapes three of them share), so the rules for
//! one table can be read without the others.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::duration::{self, UNITS_HINT};
use super::error::{Issues, quoted_list, suggest};
use super::interpolate::{Interpolator, ServiceVars};
use super::raw::{self, Str};
use super::{MetricKind, Profile, ProfileError, Redactor};
use crate::model::condition::Condition;

mod actions;
mod checks;
mod docker;
mod endpoints;
mod gates;
mod kubernetes;
mod logs;
mod metrics;
mod notify;
mod service;

/// Header values shorter than this are masked where headers are shown, but
/// not searched for in free text: masking every `true` or `1` in the output
/// would hide evidence without protecting anything.
const MIN_REDACTED_HEADER_LEN: usize = 6;

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
        rehearsals: Vec::new(),
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
    notify: Option<Value<'i>>,
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
            "notify" => &mut s.notify,
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
    /// The actions `rehearse` checks name, checked once `[actions]` is read.
    rehearsals: Vec<(String, std::ops::Range<usize>)>,
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
    /// Items marked `notify = true`.
    notify_items: Vec<String>,
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
        for (action, span) in std::mem::take(&mut self.rehearsals) {
            if !known.actions.contains(&action) {
                let hint = if known.actions.is_empty() {
                    "add it under [actions], or remove the check".to_string()
                } else {
                    let names: Vec<&str> = known.actions.iter().map(String::as_str).collect();
                    format!("actions are {}", quoted_list(&names))
                };
                self.err(
                    span,
                    format!("no action `{action}` to rehearse"),
                    Some(hint),
                );
            }
        }
        let gates = self.gates(s.gate, &known);
        let notify = self.notify(s.notify, &known);

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
            notify,
            redactor: Redactor::default(),
            unresolved: Vec::new(),
            warnings,
        }
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
