//! How the metrics state answers a metric item and a gate: the value
//! against its threshold or the baseline, held for how long, in words the
//! operator reads.

use crate::profile::{Gate, MetricCheck, MetricKind, OnBreach, Ratio, Threshold};
use chrono::{DateTime, Utc};

use super::*;

impl MetricsState {
    /// Walks the newest run of points for which `pred` holds. Returns the
    /// current value, whether the newest point satisfies `pred`, and the
    /// start of the run; or the no-data reason.
    pub(super) fn run(
        &self,
        track: &str,
        kind: MetricKind,
        now: DateTime<Utc>,
        pred: impl Fn(DateTime<Utc>, f64) -> Option<bool>,
    ) -> Result<(f64, bool, Option<DateTime<Utc>>), String> {
        let current = match self.value(track, kind, now) {
            MetricValue::Ok(v) => v,
            MetricValue::NoData(reason) => return Err(reason),
        };
        let Some(t) = self.tracks.get(track) else {
            return Err(format!("no [[metrics]] source for track {track}"));
        };
        let gap = t.last_gap[idx(kind)];
        let points = t.series[idx(kind)].points();
        let mut since = None;
        let mut newest_holds = None;
        for &(at, v) in points.iter().rev() {
            if gap.is_some_and(|g| at <= g) {
                break;
            }
            match pred(at, v) {
                Some(true) => {
                    since = Some(at);
                    newest_holds.get_or_insert(true);
                }
                Some(false) => {
                    newest_holds.get_or_insert(false);
                    break;
                }
                None => {
                    if newest_holds.is_none() {
                        return Err("no baseline value to compare with".to_string());
                    }
                    break;
                }
            }
        }
        Ok((current, newest_holds.unwrap_or(false), since))
    }

    /// Whether `v` of `kind` at `at` meets `condition` and `vs_baseline`
    /// (both, when both are given); None without a baseline to compare with.
    pub(super) fn meets(
        &self,
        kind: MetricKind,
        condition: Option<&Threshold>,
        ratio: Option<&Ratio>,
        at: DateTime<Utc>,
        v: f64,
    ) -> Option<bool> {
        let mut ok = condition.is_none_or(|c| c.cmp.holds(v, c.value));
        if let Some(r) = ratio {
            let base = self.baseline_at(kind, at)?;
            ok &= r.cmp.holds(v, r.factor * base);
        }
        Some(ok)
    }

    pub(super) fn describe(
        &self,
        kind: MetricKind,
        condition: Option<&Threshold>,
        ratio: Option<&Ratio>,
        now: DateTime<Utc>,
    ) -> String {
        let mut parts = Vec::new();
        if let Some(c) = condition {
            parts.push(format!("{} {}", c.cmp.symbol(), fmt_value(kind, c.value)));
        }
        if let Some(r) = ratio {
            let base = match self.baseline(kind, now).value {
                MetricValue::Ok(b) => format!(
                    "{} = {}",
                    fmt_ratio(r.factor),
                    fmt_value(kind, r.factor * b)
                ),
                MetricValue::NoData(_) => "no baseline".to_string(),
            };
            parts.push(format!(
                "{} {} baseline ({base})",
                r.cmp.symbol(),
                fmt_ratio(r.factor)
            ));
        }
        parts.join(" and ")
    }

    /// The absolute line a condition draws on a chart: the fixed threshold,
    /// else the ratio times the current baseline.
    pub fn threshold_value(
        &self,
        kind: MetricKind,
        condition: Option<&Threshold>,
        ratio: Option<&Ratio>,
        now: DateTime<Utc>,
    ) -> Option<f64> {
        if let Some(c) = condition {
            return Some(c.value);
        }
        let r = ratio?;
        self.baseline(kind, now).value.ok().map(|b| b * r.factor)
    }

    pub(super) fn observed_text(
        &self,
        track: &str,
        kind: MetricKind,
        v: f64,
        ratio: Option<&Ratio>,
        now: DateTime<Utc>,
    ) -> String {
        let mut s = fmt_value(kind, v);
        if ratio.is_some()
            && let MetricValue::Ok(b) = self.baseline(kind, now).value
            && b > 0.0
        {
            s.push_str(&format!(" ({:.2}x baseline {})", v / b, fmt_value(kind, b)));
        }
        if let Some(note) = self
            .tracks
            .get(track)
            .and_then(|t| t.notes[idx(kind)].as_deref())
        {
            s.push_str(&format!(" [{note}]"));
        }
        s
    }

    /// Evaluates a metric check as of `now`. `hold` means continuously true
    /// for that long: the newest run of passing values must span it, and a
    /// failing value or a gap in the data restarts it.
    pub fn evaluate_check(&self, check: &MetricCheck, now: DateTime<Utc>) -> CheckEval {
        let kind = check.metric;
        let what = format!("{} of {}", kind.name(), check.track);
        let want = self.describe(
            kind,
            check.condition.as_ref(),
            check.vs_baseline.as_ref(),
            now,
        );
        if check.condition.is_none() && check.vs_baseline.is_none() {
            return CheckEval {
                status: CheckStatus::NoData,
                detail: format!("{what}: the check has neither a condition nor vs_baseline"),
                observed: None,
                holding_since: None,
                threshold_value: None,
            };
        }
        let line = self.threshold_value(
            kind,
            check.condition.as_ref(),
            check.vs_baseline.as_ref(),
            now,
        );
        let run = self.run(&check.track, kind, now, |at, v| {
            self.meets(
                kind,
                check.condition.as_ref(),
                check.vs_baseline.as_ref(),
                at,
                v,
            )
        });
        match run {
            Err(reason) => CheckEval {
                status: CheckStatus::NoData,
                detail: format!("no data for {what}: {reason}"),
                observed: None,
                holding_since: None,
                threshold_value: line,
            },
            Ok((v, false, _)) => CheckEval {
                status: CheckStatus::Fail,
                detail: format!(
                    "{what} is {}, not {want}",
                    self.observed_text(&check.track, kind, v, check.vs_baseline.as_ref(), now)
                ),
                observed: Some(v),
                holding_since: None,
                threshold_value: line,
            },
            Ok((v, true, since)) => {
                let observed =
                    self.observed_text(&check.track, kind, v, check.vs_baseline.as_ref(), now);
                let held = since
                    .map(|s| (now - s).to_std().unwrap_or_default())
                    .unwrap_or_default();
                match check.hold {
                    Some(hold) if held < hold => CheckEval {
                        status: CheckStatus::Holding,
                        detail: format!(
                            "{what} is {observed} ({want}) for {} of the {} hold",
                            short(held),
                            short(hold)
                        ),
                        observed: Some(v),
                        holding_since: since,
                        threshold_value: line,
                    },
                    Some(_) => CheckEval {
                        status: CheckStatus::Pass,
                        detail: format!("{what} is {observed} ({want}), held for {}", short(held)),
                        observed: Some(v),
                        holding_since: since,
                        threshold_value: line,
                    },
                    None => CheckEval {
                        status: CheckStatus::Pass,
                        detail: format!("{what} is {observed} ({want})"),
                        observed: Some(v),
                        holding_since: since,
                        threshold_value: line,
                    },
                }
            }
        }
    }

    /// Evaluates every gate as of `now`. A gate breaches when its breach
    /// condition has held continuously for `for`; a flicker shorter than that
    /// never does. `newly_breached` is true once per breach episode and an
    /// auto-rollback gate's `fired` exactly once per state.
    pub fn evaluate_gates(&mut self, gates: &[Gate], now: DateTime<Utc>) -> Vec<GateState> {
        let mut out = Vec::with_capacity(gates.len());
        for gate in gates {
            let kind = gate.metric;
            let what = format!("{} of {}", kind.name(), gate.track);
            let threshold = self.describe(
                kind,
                gate.condition.as_ref(),
                gate.vs_baseline.as_ref(),
                now,
            );
            let run = if gate.condition.is_none() && gate.vs_baseline.is_none() {
                Err("the gate has neither a condition nor vs_baseline".to_string())
            } else {
                self.run(&gate.track, kind, now, |at, v| {
                    self.meets(
                        kind,
                        gate.condition.as_ref(),
                        gate.vs_baseline.as_ref(),
                        at,
                        v,
                    )
                })
            };
            let mut state = GateState {
                id: gate.id.clone(),
                breached: false,
                since: None,
                observed: None,
                threshold: threshold.clone(),
                threshold_value: self.threshold_value(
                    kind,
                    gate.condition.as_ref(),
                    gate.vs_baseline.as_ref(),
                    now,
                ),
                no_data: None,
                newly_breached: false,
                fired: false,
                detail: String::new(),
            };
            match run {
                Err(reason) => {
                    state.detail = format!("gate {}: no data for {what}: {reason}", gate.id);
                    state.no_data = Some(reason);
                }
                Ok((v, breaching, since)) => {
                    state.observed = Some(v);
                    let observed =
                        self.observed_text(&gate.track, kind, v, gate.vs_baseline.as_ref(), now);
                    if breaching {
                        state.since = since;
                        let lasted = since
                            .map(|s| (now - s).to_std().unwrap_or_default())
                            .unwrap_or_default();
                        state.breached = lasted >= gate.for_;
                        state.detail = if state.breached {
                            format!(
                                "gate {} breached: {what} is {observed} ({threshold}) for {}",
                                gate.id,
                                short(lasted)
                            )
                        } else {
                            format!(
                                "gate {}: {what} is {observed} ({threshold}) for {} of {}",
                                gate.id,
                                short(lasted),
                                short(gate.for_)
                            )
                        };
                    } else {
                        state.detail =
                            format!("gate {}: {what} is {observed}, not {threshold}", gate.id);
                    }
                }
            }
            if state.breached {
                state.newly_breached = self.open_breaches.insert(gate.id.clone());
                if gate.on_breach == OnBreach::AutoRollback {
                    state.fired = self.fired.insert(gate.id.clone());
                }
            } else if state.no_data.is_none() {
                // A gate without data keeps its episode open: a scrape
                // failure mid-breach must not re-journal the same breach.
                self.open_breaches.remove(&gate.id);
            }
            out.push(state);
        }
        out
    }
}
