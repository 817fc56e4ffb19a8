//! Docker targets, the one shape shared by a docker check, a docker log
//! source and a docker action: exactly one of `container`, `compose_service`
//! (optionally scoped by `project`) or `label`. It is read in one place so the
//! three sections accept and reject the same keys with the same messages.

use std::ops::Range;

use super::Loader;
use crate::profile::DockerTarget;
use crate::profile::raw::{self, Str};

/// The keys that name a docker target, in a check, a log source or an action.
#[derive(Clone, Copy)]
pub(super) struct TargetKeys<'r> {
    pub(super) container: &'r Option<Str>,
    pub(super) compose_service: &'r Option<Str>,
    pub(super) project: &'r Option<Str>,
    pub(super) label: &'r Option<Str>,
}

impl<'r> TargetKeys<'r> {
    pub(super) fn of(t: &'r raw::RawDockerTarget) -> Self {
        Self {
            container: &t.container,
            compose_service: &t.compose_service,
            project: &t.project,
            label: &t.label,
        }
    }
}

impl Loader<'_> {
    pub(super) fn docker_target(
        &mut self,
        span: Range<usize>,
        keys: TargetKeys<'_>,
    ) -> Option<DockerTarget> {
        let TargetKeys {
            container,
            compose_service,
            project,
            label,
        } = keys;
        let given = [
            container.is_some(),
            compose_service.is_some(),
            label.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            self.hint(
                span,
                "a docker target needs exactly one of `container`, `compose_service` or `label`",
                "e.g. docker = { container = \"api\" } or docker = { label = \"app=api\" }",
            );
            return None;
        }
        if let Some(p) = project
            && compose_service.is_none()
        {
            self.hint(
                p.span(),
                "`project` scopes a `compose_service` target; this target has none",
                "remove `project`, or name the service: docker = { compose_service = \"api\", project = \"shop\" }",
            );
            return None;
        }
        if let Some(c) = container {
            return Some(DockerTarget::Container(self.expand(c)));
        }
        if let Some(c) = compose_service {
            let project = match project {
                Some(p) => {
                    let name = self.expand(p);
                    if name.trim().is_empty() {
                        self.hint(
                            p.span(),
                            "`project` is empty",
                            "name the Compose project, e.g. project = \"shop\" (see `docker-compose ls` or the com.docker.compose.project label)",
                        );
                        return None;
                    }
                    name
                }
                None => self.default_project.clone(),
            };
            return Some(DockerTarget::compose(self.expand(c), project));
        }
        let l = label.as_ref()?;
        let text = self.expand(l);
        match text.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Some(DockerTarget::Label {
                key: k.trim().to_string(),
                value: v.trim().to_string(),
            }),
            _ => {
                self.hint(
                    l.span(),
                    format!("label `{text}` is not `key=value`"),
                    "e.g. label = \"com.docker.compose.service=api\"",
                );
                None
            }
        }
    }
}
