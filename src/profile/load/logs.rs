//! The `[[logs]]` section: log sources (a command, a file, a docker target,
//! a swarm service or a kubernetes deployment) that
//! log checks and the cockpit's logs pane read from, with their patterns.

use std::path::PathBuf;

use toml::Spanned;

use super::docker::TargetKeys;
use super::{Known, Loader, Value, valid_id};
use crate::profile::raw::{self, Str};
use crate::profile::{DockerTarget, LogKind, LogSource};

impl Loader<'_> {
    pub(super) fn logs(&mut self, value: Option<Value<'_>>, known: &mut Known) -> Vec<LogSource> {
        let raws: Vec<Spanned<raw::RawLogs>> = self.de_array("logs", value);
        let mut out = Vec::new();
        let mut ids: Vec<Str> = Vec::new();
        for (n, r) in raws.iter().enumerate() {
            let span = r.span();
            let r = r.get_ref();
            let given = [
                r.docker.is_some(),
                r.swarm.is_some(),
                r.kubernetes.is_some(),
                r.command.is_some(),
                r.file.is_some(),
            ];
            let kind = if given.iter().filter(|g| **g).count() != 1 {
                self.hint(
                    span.clone(),
                    "a log source needs exactly one of `docker`, `swarm`, `kubernetes`, `command` or `file`",
                    "e.g. docker = { container = \"api\" }, kubernetes = { deployment = \"api\" }, command = [\"journalctl\", \"-fu\", \"api\"] or file = \"/var/log/api.log\"",
                );
                None
            } else if let Some(d) = &r.docker {
                let t = d.get_ref();
                self.docker_target(d.span(), TargetKeys::of(t))
                    .map(LogKind::Docker)
            } else if let Some(s) = &r.swarm {
                Some(LogKind::Swarm(self.expand(&s.get_ref().service)))
            } else if let Some(k) = &r.kubernetes {
                self.kube_target_of(k).map(LogKind::Kubernetes)
            } else if let Some(c) = &r.command {
                Some(LogKind::Command(self.expand_argv(c)))
            } else {
                r.file
                    .as_ref()
                    .map(|f| LogKind::File(PathBuf::from(self.expand(f))))
            };
            let id = match &r.id {
                Some(id) => {
                    self.id(id, "logs");
                    id.clone()
                }
                None => {
                    let default = match &kind {
                        Some(LogKind::Docker(DockerTarget::Container(c)))
                        | Some(LogKind::Docker(DockerTarget::ComposeService {
                            service: c, ..
                        }))
                        | Some(LogKind::Swarm(c))
                            if valid_id(c) =>
                        {
                            c.clone()
                        }
                        Some(LogKind::Kubernetes(k)) if valid_id(&k.deployment) => {
                            k.deployment.clone()
                        }
                        _ => format!("logs-{}", n + 1),
                    };
                    Spanned::new(span.clone(), default)
                }
            };
            if let Some(g) = &r.grep {
                self.regex(g, "grep");
            }
            ids.push(id.clone());
            known.logs.push(id.get_ref().clone());
            if let Some(kind) = kind {
                out.push(LogSource {
                    id: id.into_inner(),
                    kind,
                    highlight: r.highlight.iter().map(|h| h.get_ref().clone()).collect(),
                    grep: r.grep.as_ref().map(|g| g.get_ref().clone()),
                });
            }
        }
        self.unique("logs", ids.iter());
        out
    }
}
