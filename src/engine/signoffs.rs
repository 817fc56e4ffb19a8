//! What the journal says about each checklist item: who signed or waived it,
//! when and why, and the last recorded check result. The journal is the
//! source of truth for sign-offs (they may come from another shell), so the
//! checklist engine, `golive status` and the cockpit all fold the same
//! records through here. Records apply in journal order and a later one
//! wins: a waiver after a sign-off replaces it, a check result after a
//! waiver supersedes it. Pure: records in, state out.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::checklist::ItemStatus;
use super::record::{Event, Record};
use crate::profile::Item;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignoffKind {
    Signed,
    Waived,
}

impl SignoffKind {
    pub fn status(self) -> ItemStatus {
        match self {
            SignoffKind::Signed => ItemStatus::Signed,
            SignoffKind::Waived => ItemStatus::Waived,
        }
    }
}

/// A sign-off or a waiver, as last recorded for an item.
#[derive(Debug, Clone, PartialEq)]
pub struct Signoff {
    pub kind: SignoffKind,
    pub by: String,
    pub at: DateTime<Utc>,
    /// The sign-off's note, or the waiver's reason.
    pub note: Option<String>,
    /// Position in the journal, to tell which of two facts came last.
    seq: u64,
}

impl Signoff {
    /// The evidence sentence every face shows for a settled manual item.
    pub fn describe(&self) -> String {
        match (self.kind, &self.note) {
            (SignoffKind::Signed, _) => format!("signed off by {}", self.by),
            (SignoffKind::Waived, Some(reason)) => format!("waived by {}: {reason}", self.by),
            (SignoffKind::Waived, None) => format!("waived by {}", self.by),
        }
    }
}

/// A check result, as last recorded for an item.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub status: ItemStatus,
    pub by: String,
    pub at: DateTime<Utc>,
    pub detail: String,
    pub duration_ms: u64,
    seq: u64,
}

/// Whichever of an item's sign-off and check result was recorded last.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Latest<'a> {
    Signoff(&'a Signoff),
    Check(&'a CheckOutcome),
}

impl Latest<'_> {
    pub fn status(&self) -> ItemStatus {
        match self {
            Latest::Signoff(s) => s.kind.status(),
            Latest::Check(c) => c.status,
        }
    }
}

/// The journal folded per item, for one release.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signoffs {
    /// Only records of this service and version count (a `--journal` file
    /// may be shared by several releases); None accepts all.
    release: Option<(String, String)>,
    signoffs: BTreeMap<String, Signoff>,
    checks: BTreeMap<String, CheckOutcome>,
    seq: u64,
}

impl Signoffs {
    /// An empty fold that accepts only records of this release.
    pub fn for_release(service: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            release: Some((service.into(), version.into())),
            ..Self::default()
        }
    }

    /// Folds `records`, in order, into a fold for this release.
    pub fn from_records<'a>(
        service: &str,
        version: &str,
        records: impl IntoIterator<Item = &'a Record>,
    ) -> Self {
        let mut out = Self::for_release(service, version);
        for record in records {
            out.apply(record);
        }
        out
    }

    /// Applies one record (the next in journal order); true when it changed
    /// an item, so a caller knows whether to redraw.
    pub fn apply(&mut self, record: &Record) -> bool {
        if let Some((service, version)) = &self.release
            && (record.service != *service || record.version != *version)
        {
            return false;
        }
        self.seq += 1;
        let seq = self.seq;
        let by = record.operator.clone();
        let at = record.at;
        match &record.event {
            Event::SignOff { item, note } => {
                let signoff = Signoff {
                    kind: SignoffKind::Signed,
                    by,
                    at,
                    note: note.clone(),
                    seq,
                };
                self.signoffs.insert(item.clone(), signoff);
                true
            }
            Event::Waiver { item, reason } => {
                let signoff = Signoff {
                    kind: SignoffKind::Waived,
                    by,
                    at,
                    note: Some(reason.clone()),
                    seq,
                };
                self.signoffs.insert(item.clone(), signoff);
                true
            }
            Event::CheckResult {
                item,
                status,
                detail,
                duration_ms,
            } => {
                let outcome = CheckOutcome {
                    status: *status,
                    by,
                    at,
                    detail: detail.clone(),
                    duration_ms: *duration_ms,
                    seq,
                };
                self.checks.insert(item.clone(), outcome);
                true
            }
            Event::ActionStarted { .. }
            | Event::ActionFinished { .. }
            | Event::Verified { .. }
            | Event::Lifecycle { .. }
            | Event::GateBreach { .. }
            | Event::GateResolved { .. }
            | Event::NotifyDelivery { .. }
            | Event::JudgeVerdict { .. }
            | Event::Health { .. }
            | Event::Sample { .. }
            | Event::Evidence { .. } => false,
        }
    }

    /// The last sign-off or waiver of `item`.
    pub fn signoff(&self, item: &str) -> Option<&Signoff> {
        self.signoffs.get(item)
    }

    /// The last recorded check result of `item`.
    pub fn last_check(&self, item: &str) -> Option<&CheckOutcome> {
        self.checks.get(item)
    }

    /// The later of the item's sign-off and check result.
    pub fn latest(&self, item: &str) -> Option<Latest<'_>> {
        match (self.signoffs.get(item), self.checks.get(item)) {
            (Some(s), Some(c)) if c.seq > s.seq => Some(Latest::Check(c)),
            (Some(s), _) => Some(Latest::Signoff(s)),
            (None, Some(c)) => Some(Latest::Check(c)),
            (None, None) => None,
        }
    }

    /// The item's status as far as the journal knows: a manual item is
    /// signed, waived, or still awaiting sign-off; an automated item takes
    /// its latest record, and is pending when it has none.
    pub fn status(&self, item: &str, manual: bool) -> ItemStatus {
        if manual {
            self.signoff(item)
                .map_or(ItemStatus::Manual, |s| s.kind.status())
        } else {
            self.latest(item)
                .map_or(ItemStatus::Pending, |l| l.status())
        }
    }

    /// Items with a sign-off or waiver, by id.
    pub fn signed(&self) -> impl Iterator<Item = (&str, &Signoff)> {
        self.signoffs.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Why a sign-off would not be recorded: the one answer to "who may sign"
/// that the cockpit's `s` and `golive sign` both ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignRefusal {
    /// The item has a check: its check decides (waiving it is the way out).
    Automated,
    /// This operator's sign-off is already the item's latest word.
    AlreadySigned { by: String },
}

/// May `operator` sign off `item` now? A manual item may be signed unless
/// the same operator's sign-off is already its latest record; a sign-off
/// after a waiver, or after another operator's, is a new fact and wins.
pub fn sign_refusal(item: &Item, latest: Option<&Signoff>, operator: &str) -> Option<SignRefusal> {
    if item.check.is_some() {
        return Some(SignRefusal::Automated);
    }
    match latest {
        Some(s) if s.kind == SignoffKind::Signed && s.by == operator => {
            Some(SignRefusal::AlreadySigned { by: s.by.clone() })
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn rec(minute: u32, who: &str, event: Event) -> Record {
        Record {
            at: Utc.with_ymd_and_hms(2026, 11, 22, 19, minute, 0).unwrap(),
            operator: who.into(),
            service: "svc".into(),
            version: "v2".into(),
            event,
        }
    }

    fn sign(item: &str, note: Option<&str>) -> Event {
        Event::SignOff {
            item: item.into(),
            note: note.map(str::to_string),
        }
    }

    fn waive(item: &str, reason: &str) -> Event {
        Event::Waiver {
            item: item.into(),
            reason: reason.into(),
        }
    }

    fn check(item: &str, status: ItemStatus) -> Event {
        Event::CheckResult {
            item: item.into(),
            status,
            detail: format!("{item} {}", status.as_str()),
            duration_ms: 12,
        }
    }

    #[test]
    fn a_sign_off_records_who_when_and_the_note() {
        let records = [rec(1, "alice", sign("ci", Some("green on main")))];
        let fold = Signoffs::from_records("svc", "v2", &records);
        let s = fold.signoff("ci").unwrap();
        assert_eq!(s.kind, SignoffKind::Signed);
        assert_eq!(s.by, "alice");
        assert_eq!(s.at, records[0].at);
        assert_eq!(s.note.as_deref(), Some("green on main"));
        assert_eq!(fold.status("ci", true), ItemStatus::Signed);
        assert_eq!(fold.status("other", true), ItemStatus::Manual);
    }

    #[test]
    fn a_later_record_wins() {
        let records = [
            rec(1, "alice", sign("ci", None)),
            rec(2, "bob", waive("ci", "flaky runner")),
        ];
        let fold = Signoffs::from_records("svc", "v2", &records);
        let s = fold.signoff("ci").unwrap();
        assert_eq!((s.kind, s.by.as_str()), (SignoffKind::Waived, "bob"));
        assert_eq!(s.note.as_deref(), Some("flaky runner"));

        let records = [
            rec(1, "bob", waive("ci", "flaky runner")),
            rec(2, "alice", sign("ci", Some("rerun green"))),
        ];
        let fold = Signoffs::from_records("svc", "v2", &records);
        assert_eq!(fold.status("ci", true), ItemStatus::Signed);
        assert_eq!(fold.signoff("ci").unwrap().by, "alice");
    }

    #[test]
    fn automated_items_take_their_latest_record() {
        let mut fold = Signoffs::for_release("svc", "v2");
        assert_eq!(fold.status("health", false), ItemStatus::Pending);
        fold.apply(&rec(1, "ci", check("health", ItemStatus::Fail)));
        assert_eq!(fold.status("health", false), ItemStatus::Fail);
        fold.apply(&rec(2, "alice", waive("health", "known blip")));
        assert_eq!(fold.status("health", false), ItemStatus::Waived);
        fold.apply(&rec(3, "ci", check("health", ItemStatus::Pass)));
        assert_eq!(fold.status("health", false), ItemStatus::Pass);
        assert_eq!(fold.last_check("health").unwrap().detail, "health pass");
        // The waiver is still on record, just no longer the latest fact.
        assert_eq!(fold.signoff("health").unwrap().kind, SignoffKind::Waived);
    }

    #[test]
    fn other_releases_and_non_item_records_are_ignored() {
        let mut other = rec(1, "eve", sign("ci", None));
        other.version = "v1".into();
        let mut fold = Signoffs::for_release("svc", "v2");
        assert!(!fold.apply(&other));
        assert!(!fold.apply(&rec(
            2,
            "alice",
            Event::GateBreach {
                gate: "errors".into(),
                observed: "0.2".into(),
                on_breach: "alert".into(),
            }
        )));
        assert_eq!(fold.signed().count(), 0);
        assert_eq!(fold.status("ci", true), ItemStatus::Manual);
    }

    #[test]
    fn one_rule_says_who_may_sign() {
        let manual = Item {
            id: "ci".into(),
            title: "CI".into(),
            description: None,
            check: None,
        };
        let mut fold = Signoffs::for_release("svc", "v2");
        assert_eq!(sign_refusal(&manual, fold.signoff("ci"), "alice"), None);
        fold.apply(&rec(1, "alice", sign("ci", None)));
        assert_eq!(
            sign_refusal(&manual, fold.signoff("ci"), "alice"),
            Some(SignRefusal::AlreadySigned { by: "alice".into() })
        );
        // Another operator's sign-off is a new fact; so is one after a waiver.
        assert_eq!(sign_refusal(&manual, fold.signoff("ci"), "bob"), None);
        fold.apply(&rec(2, "alice", waive("ci", "later")));
        assert_eq!(sign_refusal(&manual, fold.signoff("ci"), "alice"), None);
        let automated = Item {
            check: Some(crate::profile::Check::Command(
                crate::profile::CommandCheck {
                    argv: vec!["true".into()],
                    cwd: None,
                    env: Vec::new(),
                    conditions: Vec::new(),
                    timeout: std::time::Duration::from_secs(1),
                },
            )),
            ..manual
        };
        assert_eq!(
            sign_refusal(&automated, None, "alice"),
            Some(SignRefusal::Automated)
        );
    }
}
