//! The `[[gate]]` section: metric thresholds that, when breached, stop the
//! release and point at an action. Read last, as gates refer to metrics and
//! actions declared before them.

use std::time::Duration;

use toml::Spanned;

use super::{Known, Loader, Value};
use crate::profile::error::{quoted_list, suggest};
use crate::profile::raw;
use crate::profile::{Gate, OnBreach};

impl Loader<'_> {
    pub(super) fn gates(&mut self, value: Option<Value<'_>>, known: &Known) -> Vec<Gate> {
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
