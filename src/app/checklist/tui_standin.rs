//! A minimal stand-in for the checklist engine's transitions (observe, start,
//! command_finished, apply_record, progress), so the cockpit can be built and
//! tested before the real engine lands. Conditions are not evaluated here: an
//! endpoint item passes when every replica answered and reads `up`.

use chrono::{DateTime, Utc};

use super::{Checklist, ItemStatus};
use crate::app::command::CommandOutcome;
use crate::app::health::HealthState;
use crate::app::probe::Observation;
use crate::app::record::{Event, Record};
use crate::profile::{Check, Profile};

impl Checklist {
    pub fn observe(
        &mut self,
        profile: &Profile,
        endpoint_id: &str,
        observations: &[Observation],
        now: DateTime<Utc>,
    ) {
        for (_, item) in profile.items() {
            let Some(Check::Endpoint(check)) = &item.check else {
                continue;
            };
            if check.endpoint != endpoint_id || observations.is_empty() {
                continue;
            }
            let Some(state) = self.items.iter_mut().find(|s| s.id == item.id) else {
                continue;
            };
            if matches!(state.status, ItemStatus::Signed | ItemStatus::Waived) {
                continue;
            }
            let up = observations
                .iter()
                .all(|o| o.error.is_none() && o.health.state == HealthState::Up);
            let first = &observations[0];
            state.status = if up {
                ItemStatus::Pass
            } else {
                ItemStatus::Fail
            };
            state.detail = match (&first.error, first.status) {
                (Some(err), _) => err.clone(),
                (None, Some(code)) => format!(
                    "HTTP {code} in {} ms, health {}",
                    first.response_time.as_millis(),
                    first.health.state.as_str()
                ),
                (None, None) => "no response".into(),
            };
            state.at = Some(now);
        }
    }

    pub fn start(&mut self, item_id: &str, now: DateTime<Utc>) {
        if let Some(state) = self.items.iter_mut().find(|s| s.id == item_id) {
            state.status = ItemStatus::Running;
            state.at = Some(now);
        }
    }

    pub fn command_finished(
        &mut self,
        item_id: &str,
        outcome: &CommandOutcome,
        now: DateTime<Utc>,
    ) {
        if let Some(state) = self.items.iter_mut().find(|s| s.id == item_id) {
            state.status = if outcome.succeeded() {
                ItemStatus::Pass
            } else {
                ItemStatus::Fail
            };
            state.detail = outcome.summary();
            state.duration_ms = Some(outcome.duration.as_millis() as u64);
            state.at = Some(now);
        }
    }

    pub fn apply_record(&mut self, record: &Record) {
        let Some(item) = record.event.item() else {
            return;
        };
        let Some(state) = self.items.iter_mut().find(|s| s.id == item) else {
            return;
        };
        match &record.event {
            Event::SignOff { note, .. } => {
                state.status = ItemStatus::Signed;
                state.note = note.clone();
            }
            Event::Waiver { reason, .. } => {
                state.status = ItemStatus::Waived;
                state.note = Some(reason.clone());
            }
            Event::CheckResult {
                status,
                detail,
                duration_ms,
                ..
            } => {
                state.status = *status;
                state.detail = detail.clone();
                state.duration_ms = Some(*duration_ms);
                state.at = Some(record.at);
                return;
            }
            _ => return,
        }
        state.by = Some(record.operator.clone());
        state.at = Some(record.at);
    }

    pub fn phase_progress(&self, phase_id: &str) -> (usize, usize) {
        let items = self.items.iter().filter(|i| i.phase == phase_id);
        let (mut done, mut total) = (0, 0);
        for item in items {
            total += 1;
            if item.status.is_done() {
                done += 1;
            }
        }
        (done, total)
    }

    pub fn current_phase(&self, profile: &Profile) -> Option<String> {
        profile
            .phases
            .iter()
            .find(|p| {
                let (done, total) = self.phase_progress(&p.id);
                done < total
            })
            .map(|p| p.id.clone())
    }
}
