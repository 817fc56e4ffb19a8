//! The `[actions]` section: the commands, docker, swarm and kubernetes
//! operations an operator may run (rollback, promote, ...), their timeouts and the items that
//! verify them afterwards, cross-checked against the phases' item ids.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;
use toml::de::DeValue;

use super::docker::TargetKeys;
use super::{ID_HINT, Known, Loader, Value, did_you_mean, valid_id};
use crate::profile::raw;
use crate::profile::{Action, ActionKind, DockerOp, SwarmOp};

const DEFAULT_ACTION_TIMEOUT: Duration = Duration::from_secs(600);
/// The verify items of an action have this long to pass after it ends.
const DEFAULT_VERIFY_TIMEOUT: Duration = Duration::from_secs(300);

impl Loader<'_> {
    pub(super) fn actions(
        &mut self,
        value: Option<Value<'_>>,
        known: &mut Known,
    ) -> BTreeMap<String, Action> {
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
                _ if r.kubernetes.is_some() => self.kube_action_of(&name_text, span.clone(), &r),
                (None, None) if r.swarm.is_some() => r
                    .swarm
                    .as_ref()
                    .and_then(|s| self.swarm_action(&name_text, s)),
                (Some(_), _) | (_, Some(_)) if r.swarm.is_some() => {
                    self.hint(
                        span.clone(),
                        format!("action `{name_text}` has `swarm` and another kind"),
                        "one action does one thing: split it into two actions",
                    );
                    None
                }
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

    /// `swarm = { service, image | rollback = true | scale = N }`.
    fn swarm_action(&mut self, name: &str, s: &Spanned<raw::RawActionSwarm>) -> Option<ActionKind> {
        let t = s.get_ref();
        let service = self.expand(&t.service);
        let op = match (&t.image, &t.rollback, &t.scale) {
            (Some(image), None, None) => SwarmOp::Image(self.expand(image)),
            (None, Some(b), None) if *b.get_ref() => SwarmOp::Rollback,
            (None, None, Some(n)) if *n.get_ref() >= 0 => {
                SwarmOp::Scale(n.get_ref().unsigned_abs())
            }
            (None, None, Some(n)) => {
                self.err(n.span(), "`scale` cannot be negative", None);
                return None;
            }
            _ => {
                self.hint(
                    s.span(),
                    format!("swarm action `{name}` needs exactly one of `image = \"...\"`, `rollback = true` or `scale = N`"),
                    "e.g. swarm = { service = \"shop_api\", image = \"api:${service.version}\" }",
                );
                return None;
            }
        };
        if service.trim().is_empty() {
            self.err(s.span(), "`swarm.service` cannot be empty", None);
            return None;
        }
        Some(ActionKind::Swarm { service, op })
    }
}
