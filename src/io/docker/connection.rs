//! The engine connection: where the engine is (an explicit option, then
//! `DOCKER_HOST`, then the default socket) and reaching it with its API
//! version negotiated, so that an engine that does not answer is one clear
//! error at connect time rather than a hang in the middle of an action.
//! Everything else in the adapter works through the [`Engine`] made here.

use std::time::Duration;

use bollard::Docker;

use super::DockerError;

/// The engine's socket when neither an option nor `DOCKER_HOST` names one.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// Request timeout for engine calls other than log streams (seconds).
const API_TIMEOUT: u64 = 30;

/// Where to connect: the explicit option wins, then `DOCKER_HOST`, then the
/// default socket. Taken as a value so tests need not mutate their env.
pub fn host_from(explicit: Option<&str>) -> String {
    explicit
        .map(str::to_string)
        .or_else(|| std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| DEFAULT_HOST.to_string())
}

/// A connection to one engine, its API version negotiated.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(super) docker: Docker,
    pub host: String,
}

impl Engine {
    /// Connects and asks the engine's version within `timeout`, so "engine
    /// unreachable" is a clear error now rather than a hang later.
    pub async fn connect(host: &str, timeout: Duration) -> Result<Engine, DockerError> {
        let version = bollard::API_DEFAULT_VERSION;
        let docker = if let Some(path) = host.strip_prefix("unix://") {
            Docker::connect_with_unix(path, API_TIMEOUT, version)
        } else if host.starts_with("tcp://") || host.starts_with("http://") {
            Docker::connect_with_http(host, API_TIMEOUT, version)
        } else if host.starts_with('/') {
            Docker::connect_with_unix(host, API_TIMEOUT, version)
        } else {
            return Err(DockerError::Connect {
                host: host.to_string(),
                message: "only unix:// and tcp:// hosts are supported".into(),
            });
        }
        .map_err(|e| DockerError::Connect {
            host: host.to_string(),
            message: e.to_string(),
        })?;
        let unreachable = |message: String| DockerError::Unreachable {
            host: host.to_string(),
            message,
        };
        // Older engines (and podman) refuse a client newer than they are.
        // The engine's answer to /version is the proof it answers: no ping
        // after it, a round trip less for every connect (a Swarm look
        // connects each poll).
        let docker = tokio::time::timeout(timeout, docker.negotiate_version())
            .await
            .map_err(|_| unreachable(format!("no answer within {timeout:?}")))?
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(Engine {
            docker,
            host: host.to_string(),
        })
    }

    pub fn client(&self) -> &Docker {
        &self.docker
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn host_option_wins() {
        assert_eq!(host_from(Some("tcp://127.0.0.1:1")), "tcp://127.0.0.1:1");
    }
}
