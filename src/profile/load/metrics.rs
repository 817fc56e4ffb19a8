//! The `[[metrics]]`, `[baseline]` and `[judge]` sections, and the metric
//! references that checks and gates make into them. They share one home
//! because a reference is only valid against the tracks, kinds and baseline
//! these sections declare, and the judge is configured from the same numbers.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use super::{Known, Loader, Value, did_you_mean};
use crate::profile::error::{quoted_list, suggest};
use crate::profile::raw::{self, Str};
use crate::profile::threshold::{parse_ratio, parse_threshold};
use crate::profile::{
    BaselineConfig, BaselinePrefer, JudgeConfig, JudgeMethod, MetricKind, MetricsKind,
    MetricsSource, Ratio, Threshold,
};

const DEFAULT_METRICS_WINDOW: Duration = Duration::from_secs(60);

impl Loader<'_> {
    /// The `[judge]` section; a value out of range is reported where it is
    /// written and replaced by its default so the rest is still checked.
    pub(super) fn judge(&mut self, value: Option<Value<'_>>) -> JudgeConfig {
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

    pub(super) fn metrics(
        &mut self,
        value: Option<Value<'_>>,
        known: &mut Known,
    ) -> Vec<MetricsSource> {
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

    pub(super) fn baseline(
        &mut self,
        value: Option<Value<'_>>,
        known: &mut Known,
    ) -> Option<BaselineConfig> {
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

    /// The metric, track, threshold and ratio of a metric check or a gate,
    /// checked against the `[[metrics]]` sources and the baseline.
    #[allow(clippy::type_complexity)]
    pub(super) fn metric_ref(
        &mut self,
        span: Range<usize>,
        metric: &Str,
        track: Option<&Str>,
        condition: &Option<Str>,
        vs_baseline: &Option<Str>,
        known: &Known,
    ) -> Option<(MetricKind, String, Option<Threshold>, Option<Ratio>)> {
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
}
