//! The `[service]` and `[settings]` sections: what is being released (name,
//! version, previous version, which feed `${service.*}` interpolation) and
//! the knobs every later section reads, such as timeouts, intervals and chart
//! retention. They are read first because the rest depends on them.

use std::time::Duration;

use toml::Spanned;

use super::{Loader, Value};
use crate::profile::duration::UNITS_HINT;
use crate::profile::raw::{self, Str};
use crate::profile::{KpiTarget, KpiTargets, Service, Settings};

/// Chart series are kept at least one minute and at most a day.
const MIN_RETENTION: Duration = Duration::from_secs(60);
const MAX_RETENTION: Duration = Duration::from_secs(24 * 3600);

impl Loader<'_> {
    pub(super) fn service(&mut self, value: Option<Value<'_>>) -> Service {
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

    pub(super) fn settings(&mut self, raw: &raw::RawSettings, secrets: Vec<String>) -> Settings {
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
    pub(super) fn retention(&mut self, raw: &Option<Str>, default: Duration) -> Duration {
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
    pub(super) fn kpi(&mut self, value: Option<Value<'_>>) -> KpiTargets {
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
            match KpiTarget::parse(text.get_ref()) {
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
}
