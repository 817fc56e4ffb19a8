//! Kubernetes targets, the one shape shared by a kubernetes check, a
//! kubernetes log source and a kubernetes action: `deployment`, with an
//! optional `namespace` and `context` (kubectl's current ones when absent).
//! An action adds what it does: `image` (and optionally the one
//! `container`), `rollback = true` or `restart = true`.

use std::ops::Range;

use toml::Spanned;

use super::Loader;
use crate::profile::raw::{self, Str};
use crate::profile::{ActionKind, KubeOp, KubeTarget};

impl Loader<'_> {
    /// A target from its three keys; `span` is the whole table's.
    pub(super) fn kube_target(
        &mut self,
        span: Range<usize>,
        deployment: &Str,
        namespace: &Option<Str>,
        context: &Option<Str>,
    ) -> Option<KubeTarget> {
        let name = self.expand(deployment);
        if name.trim().is_empty() {
            self.hint(
                span,
                "`kubernetes.deployment` cannot be empty",
                "name the deployment, e.g. kubernetes = { deployment = \"api\", namespace = \"prod\" }",
            );
            return None;
        }
        let mut optional = |key: &str, value: &Option<Str>| -> Result<Option<String>, ()> {
            let Some(v) = value else { return Ok(None) };
            let text = self.expand(v);
            if text.trim().is_empty() {
                self.hint(
                    v.span(),
                    format!("`kubernetes.{key}` is empty"),
                    format!("remove `{key}` to use kubectl's current one, or name it"),
                );
                return Err(());
            }
            Ok(Some(text))
        };
        let namespace = optional("namespace", namespace).ok()?;
        let context = optional("context", context).ok()?;
        Some(KubeTarget {
            deployment: name,
            namespace,
            context,
        })
    }

    pub(super) fn kube_target_of(&mut self, t: &Spanned<raw::RawKubeTarget>) -> Option<KubeTarget> {
        let r = t.get_ref();
        self.kube_target(t.span(), &r.deployment, &r.namespace, &r.context)
    }

    /// An action whose kind is `kubernetes`: refused beside another kind,
    /// and with the keys only command actions take.
    pub(super) fn kube_action_of(
        &mut self,
        name: &str,
        span: Range<usize>,
        r: &raw::RawAction,
    ) -> Option<ActionKind> {
        let k = r.kubernetes.as_ref()?;
        if r.command.is_some() || r.docker.is_some() || r.swarm.is_some() {
            self.hint(
                span,
                format!("action `{name}` has `kubernetes` and another kind"),
                "one action does one thing: split it into two actions",
            );
            return None;
        }
        for (key, s) in [
            ("cwd", r.cwd.as_ref().map(|c| c.span())),
            ("env", r.env.as_ref().map(|e| e.span())),
        ] {
            if let Some(s) = s {
                self.err(
                    s,
                    format!("`{key}` applies to command actions, not kubernetes ones"),
                    None,
                );
            }
        }
        self.kube_action(name, k)
    }

    /// `kubernetes = { deployment, image [, container] | rollback = true | restart = true }`.
    fn kube_action(&mut self, name: &str, k: &Spanned<raw::RawActionKube>) -> Option<ActionKind> {
        let t = k.get_ref();
        let target = self.kube_target(k.span(), &t.deployment, &t.namespace, &t.context);
        let op = match (&t.image, &t.rollback, &t.restart) {
            (Some(image), None, None) => KubeOp::Image {
                image: self.expand(image),
                container: self.expand_opt(&t.container),
            },
            (None, Some(b), None) if *b.get_ref() => KubeOp::Rollback,
            (None, None, Some(b)) if *b.get_ref() => KubeOp::Restart,
            _ => {
                self.hint(
                    k.span(),
                    format!("kubernetes action `{name}` needs exactly one of `image = \"...\"`, `rollback = true` or `restart = true`"),
                    "e.g. kubernetes = { deployment = \"api\", image = \"api:${service.version}\" }",
                );
                return None;
            }
        };
        if let (Some(c), false) = (&t.container, matches!(op, KubeOp::Image { .. })) {
            self.hint(
                c.span(),
                "`container` picks the container an `image` is set on; this action sets none",
                "remove `container`, or give `image = \"...\"` instead",
            );
            return None;
        }
        if let KubeOp::Image {
            container: Some(c), ..
        } = &op
            && c.trim().is_empty()
        {
            self.hint(
                k.span(),
                "`kubernetes.container` is empty",
                "remove `container` to set the image of every container",
            );
            return None;
        }
        target.map(|target| ActionKind::Kubernetes { target, op })
    }
}
