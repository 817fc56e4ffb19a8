//! Evidence at sign-off: what the operator saw at the instant they signed,
//! waived or confirmed an action (each gate's value and state, the judge's
//! verdict and score, how many items pass, fail or wait, and the selected
//! item's latest evidence). The cockpit takes it from the engine's state
//! (`snapshot`); `golive sign` from the journal's latest records
//! (`from_records`). Pure; journalled as an `evidence` record right after
//! the record it backs, and shown by the report.

use serde::{Deserialize, Serialize};

use super::checklist::ItemStatus;
use super::judge::Verdict;
use super::record::{Event, Record};
use super::signoffs::Signoffs;
use super::state::App;
use crate::profile::Profile;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(default)]
    pub gates: Vec<GateSeen>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge: Option<JudgeSeen>,
    #[serde(default)]
    pub passing: usize,
    #[serde(default)]
    pub failing: usize,
    #[serde(default)]
    pub pending: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected: Option<ItemSeen>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateSeen {
    pub gate: String,
    /// "ok", "breached" or "no data".
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default)]
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeSeen {
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemSeen {
    pub item: String,
    pub status: ItemStatus,
    #[serde(default)]
    pub detail: String,
}

/// Which count an item's status falls in: passing, failing or pending.
fn tally(e: &mut Evidence, status: ItemStatus) {
    match status {
        ItemStatus::Pass | ItemStatus::Signed | ItemStatus::Waived => e.passing += 1,
        ItemStatus::Fail => e.failing += 1,
        ItemStatus::Pending | ItemStatus::Running | ItemStatus::Manual => e.pending += 1,
    }
}

/// What the cockpit shows right now, `about` being the item signed (or the
/// action confirmed: then the selected item is the one under the cursor).
pub fn snapshot(app: &App, about: &str) -> Evidence {
    let mut e = Evidence {
        gates: app
            .gates
            .iter()
            .map(|g| GateSeen {
                gate: g.id.clone(),
                state: if g.breached {
                    "breached"
                } else if g.no_data.is_some() {
                    "no data"
                } else {
                    "ok"
                }
                .to_string(),
                value: g.observed,
                detail: g.detail.clone(),
            })
            .collect(),
        judge: app.judge.as_ref().map(|j| JudgeSeen {
            verdict: j.verdict,
            score: j.score,
        }),
        ..Evidence::default()
    };
    for item in app.checklist.items() {
        tally(&mut e, item.status);
    }
    let items = app.checklist.items();
    let selected = items
        .iter()
        .find(|i| i.id == about)
        .or_else(|| app.selected());
    e.selected = selected.map(|i| ItemSeen {
        item: i.id.clone(),
        status: i.status,
        detail: i.detail.clone(),
    });
    e
}

/// The same snapshot as the journal's latest records tell it, for a face
/// that has no live engine (`golive sign`).
pub fn from_records(profile: &Profile, records: &[Record], about: &str) -> Evidence {
    let (service, version) = (&profile.service.name, &profile.service.version);
    let fold = Signoffs::from_records(service, version, records);
    let mut e = Evidence::default();
    for (_, item) in profile.items() {
        tally(&mut e, fold.status(&item.id, item.check.is_none()));
    }
    let mine = records
        .iter()
        .filter(|r| &r.service == service && &r.version == version);
    for r in mine {
        match &r.event {
            Event::GateBreach { gate, observed, .. } => {
                e.gates.retain(|g| &g.gate != gate);
                e.gates.push(GateSeen {
                    gate: gate.clone(),
                    state: "breached".into(),
                    value: None,
                    detail: observed.clone(),
                });
            }
            Event::JudgeVerdict { verdict, score, .. } => {
                e.judge = Some(JudgeSeen {
                    verdict: *verdict,
                    score: *score,
                });
            }
            _ => {}
        }
    }
    e.selected = profile
        .items()
        .find(|(_, i)| i.id == about)
        .map(|(_, i)| ItemSeen {
            item: i.id.clone(),
            status: fold.status(&i.id, i.check.is_none()),
            detail: fold
                .last_check(&i.id)
                .map(|c| c.detail.clone())
                .unwrap_or_default(),
        });
    e
}

impl Evidence {
    /// One line for a timeline row: "gates: errors breached (8.00% vs > 5.00%) ·
    /// judge fail 50/100 · 4 passing, 1 failing, 2 pending".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.gates.is_empty() {
            let gates: Vec<String> = self
                .gates
                .iter()
                .map(|g| {
                    if g.detail.is_empty() {
                        format!("{} {}", g.gate, g.state)
                    } else {
                        format!("{} {} ({})", g.gate, g.state, g.detail)
                    }
                })
                .collect();
            parts.push(format!("gates: {}", gates.join(", ")));
        }
        if let Some(j) = &self.judge {
            let (_, word) = super::judge::verdict_mark(j.verdict);
            match j.score {
                Some(s) => parts.push(format!("judge {} {s:.0}/100", word.to_lowercase())),
                None => parts.push(format!("judge {}", word.to_lowercase())),
            }
        }
        parts.push(format!(
            "{} passing, {} failing, {} pending",
            self.passing, self.failing, self.pending
        ));
        if let Some(s) = &self.selected {
            parts.push(format!("{}: {} {}", s.item, s.status.as_str(), s.detail));
        }
        parts.join(" · ")
    }
}
