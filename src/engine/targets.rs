//! What every engine golive follows (Docker, Swarm, Kubernetes) shares: the
//! targets a profile names, gathered from its checks, log sources and
//! actions, and the one way a fresh look at a target settles the items that
//! check it.

use chrono::{DateTime, Utc};

use super::checklist::{Checklist, Evaluation, ItemChange};
use crate::profile::{ActionKind, Check, LogKind, Profile};

/// Where one kind of target appears in a profile.
pub struct Named<'a, T> {
    pub check: fn(&'a Check) -> Option<&'a T>,
    pub log: fn(&'a LogKind) -> Option<&'a T>,
    pub action: fn(&'a ActionKind) -> Option<&'a T>,
}

/// Every target of one kind the profile names, each once, in the order
/// first named (checks, then log sources, then actions): what the health
/// pane watches.
pub fn named<'a, T: PartialEq + Clone>(profile: &'a Profile, named: Named<'a, T>) -> Vec<T> {
    let checks = profile
        .items()
        .filter_map(|(_, i)| i.check.as_ref())
        .filter_map(named.check);
    let logs = profile.logs.iter().filter_map(|s| (named.log)(&s.kind));
    let actions = profile
        .actions
        .values()
        .filter_map(|a| (named.action)(&a.kind));
    let mut out: Vec<T> = Vec::new();
    for t in checks.chain(logs).chain(actions) {
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    out
}

/// Settles every item whose check `judge` decides from the look just
/// taken (None: not an item on this target), as pass or fail with why.
pub fn settle(
    profile: &Profile,
    checklist: &mut Checklist,
    now: DateTime<Utc>,
    judge: impl Fn(&Check) -> Option<(bool, String)>,
) -> Vec<ItemChange> {
    let mut changes = Vec::new();
    for (_, item) in profile.items() {
        let Some((passed, detail)) = item.check.as_ref().and_then(&judge) else {
            continue;
        };
        let evaluation = if passed {
            Evaluation::Pass(detail)
        } else {
            Evaluation::Fail(detail)
        };
        changes.extend(checklist.apply_evaluation(&item.id, None, evaluation, now));
    }
    changes
}
