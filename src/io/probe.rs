//! The HTTP prober: one reqwest client for the whole process (rustls, the
//! system roots plus a CA from `SSL_CERT_FILE`, `HTTP_PROXY`/`HTTPS_PROXY`/
//! `NO_PROXY` as reqwest reads them when the client is built), and the one
//! place a request to an endpoint is made. Whatever the endpoint does —
//! refuse, stall, drip, flood, send binary — the probe ends by its deadline
//! with an [`Observation`] whose health says what happened in one line; a
//! failed probe is data, never an error.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use reqwest::{Client, Method, Url};
use tokio::time::timeout_at;

use crate::engine::health::{Health, HealthState, HttpFacts, interpret};
use crate::engine::probe::Observation;
use crate::engine::sanitize::{clean_bytes, clean_text};
use crate::profile::{Endpoint, RequestBody, Settings};

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot read the CA file {path}: {source}")]
    CaFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no usable certificate in the CA file {path}: {detail}")]
    CaParse { path: PathBuf, detail: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(reqwest::Error),
}

/// What the prober takes from its environment, made explicit so tests (and
/// a future `--ca-file` flag) can set it without touching the process env.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProberOptions {
    /// Extra trusted roots (PEM, one or more certificates), added to the
    /// system's: a private CA works without losing the public ones.
    pub ca_file: Option<PathBuf>,
}

impl ProberOptions {
    /// `SSL_CERT_FILE`, the variable OpenSSL, curl and Python honour.
    pub fn from_env() -> Self {
        Self {
            ca_file: std::env::var_os("SSL_CERT_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

/// A replica's URL as the profile spells it (what observations and the
/// journal name), and what parsing it gave, or why it failed.
#[derive(Debug, Clone)]
pub struct ReplicaUrl {
    text: String,
    parsed: Result<Url, String>,
}

impl ReplicaUrl {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
            parsed: Url::parse(text).map_err(|e| format!("invalid URL: {e}")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Probes endpoints. Cheap to share: the client inside is reference-counted
/// and pools connections, so keep one per process.
#[derive(Debug, Clone)]
pub struct Prober {
    client: Client,
    body_limit: usize,
}

impl Prober {
    /// A prober configured from the settings and the environment.
    pub fn new(settings: &Settings) -> Result<Prober, ProbeError> {
        Self::with_options(settings, &ProberOptions::from_env())
    }

    pub fn with_options(
        settings: &Settings,
        options: &ProberOptions,
    ) -> Result<Prober, ProbeError> {
        let mut builder = Client::builder()
            .user_agent(concat!("golive/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5))
            .pool_idle_timeout(Duration::from_secs(30));
        if let Some(path) = &options.ca_file {
            let pem = std::fs::read(path).map_err(|source| ProbeError::CaFile {
                path: path.clone(),
                source,
            })?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ProbeError::CaParse {
                    path: path.clone(),
                    detail: e.to_string(),
                })?;
            if certs.is_empty() {
                return Err(ProbeError::CaParse {
                    path: path.clone(),
                    detail: "no PEM certificate found".into(),
                });
            }
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder.build().map_err(ProbeError::Client)?;
        Ok(Prober {
            client,
            body_limit: settings.body_limit.max(1),
        })
    }

    /// Sends `requests` requests in a row (at least one) to one replica of
    /// the endpoint. The last response decides the health and the body;
    /// every response counts in `response_times` and `status_counts`, so a
    /// rate-limit check (`[STATUS_COUNT].429`) and a cache check
    /// (`[RESPONSE_TIME].first` against `.last`) need no shell loop.
    pub async fn probe(
        &self,
        endpoint: &Endpoint,
        replica_url: &str,
        requests: u32,
    ) -> Observation {
        self.probe_url(endpoint, &ReplicaUrl::new(replica_url), requests)
            .await
    }

    /// [`Prober::probe`] with the URL parsed already: the poller parses
    /// each replica's URL once, not once a second.
    pub async fn probe_url(
        &self,
        endpoint: &Endpoint,
        url: &ReplicaUrl,
        requests: u32,
    ) -> Observation {
        let mut observation = Observation {
            url: url.text.clone(),
            ..Observation::default()
        };
        for _ in 0..requests.max(1) {
            let one = self.once(endpoint, url).await;
            observation.response_times.push(one.response_time);
            if let Some(status) = one.status {
                *observation.status_counts.entry(status).or_default() += 1;
            }
            let Observation {
                connected,
                status,
                response_time,
                headers,
                json,
                body_text,
                truncated,
                error,
                health,
                ..
            } = one;
            observation.connected = connected;
            observation.status = status;
            observation.response_time = response_time;
            observation.headers = headers;
            observation.json = json;
            observation.body_text = body_text;
            observation.truncated = truncated;
            observation.error = error;
            observation.health = health;
        }
        observation
    }

    /// One request under one total deadline (connect, headers and body).
    /// The observation's `url` is left empty: [`Prober::probe_url`] has it.
    async fn once(&self, endpoint: &Endpoint, url: &ReplicaUrl) -> Observation {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + endpoint.timeout;
        let failed = |reason: String, connected: bool, status: Option<u16>| Observation {
            connected,
            status,
            response_time: started.elapsed(),
            error: Some(reason.clone()),
            health: Health::down(reason),
            ..Observation::default()
        };

        let parsed = match &url.parsed {
            Ok(u) => u.clone(),
            Err(reason) => return failed(reason.clone(), false, None),
        };
        let host = parsed.host_str().map(clean_text).unwrap_or_default();
        let method = match Method::from_bytes(endpoint.method.to_ascii_uppercase().as_bytes()) {
            Ok(m) => m,
            Err(_) => {
                return failed(
                    format!("invalid HTTP method {:?}", clean_text(&endpoint.method)),
                    false,
                    None,
                );
            }
        };
        let mut request = self.client.request(method, parsed);
        for (name, value) in &endpoint.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        request = match &endpoint.body {
            Some(RequestBody::Json(v)) => request.json(v),
            Some(RequestBody::Text(t)) => request.body(t.clone()),
            None => request,
        };

        let timeout = humantime::format_duration(endpoint.timeout);
        let mut response = match timeout_at(deadline, request.send()).await {
            Err(_) => {
                return failed(
                    format!("timed out after {timeout} (no response headers)"),
                    false,
                    None,
                );
            }
            Ok(Err(e)) => return failed(describe(&e, &host), false, None),
            Ok(Ok(r)) => r,
        };

        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_ascii_lowercase(), clean_bytes(v.as_bytes())))
            .collect();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| clean_bytes(v.as_bytes()));

        let initial = response
            .content_length()
            .map_or(8 * 1024, |n| n.min(self.body_limit as u64) as usize);
        let mut body: Vec<u8> = Vec::with_capacity(initial.min(self.body_limit));
        let mut truncated = false;
        loop {
            match timeout_at(deadline, response.chunk()).await {
                Err(_) => {
                    let reason = format!(
                        "timed out after {timeout} (HTTP {status}, body incomplete after {} bytes)",
                        body.len()
                    );
                    let mut obs = failed(reason, true, Some(status));
                    obs.headers = headers;
                    obs.body_text = clean_bytes(&body);
                    return obs;
                }
                Ok(Err(e)) => {
                    let reason = format!(
                        "HTTP {status}, body cut off after {} bytes: {}",
                        body.len(),
                        innermost(&e)
                    );
                    let mut obs = failed(reason, true, Some(status));
                    obs.headers = headers;
                    obs.body_text = clean_bytes(&body);
                    return obs;
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    let room = self.body_limit - body.len();
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
            }
        }
        // Dropping the response closes a connection with unread body, so a
        // flood stops at the limit instead of draining through the pool.
        drop(response);

        let mut health = interpret(
            endpoint.format,
            HttpFacts {
                status,
                content_type: content_type.as_deref(),
                body: &body,
            },
        );
        health.apply_warmup_timeout(endpoint.warmup_timeout);
        if truncated {
            note_truncation(&mut health, self.body_limit);
        }
        Observation {
            url: String::new(),
            connected: true,
            status: Some(status),
            response_time: started.elapsed(),
            response_times: Vec::new(),
            status_counts: Default::default(),
            headers,
            json: serde_json::from_slice(&body).ok(),
            body_text: clean_bytes(&body),
            truncated,
            error: None,
            health,
        }
    }
}

/// A cut-off body is said in the health: an `up` verdict on part of a body
/// cannot be vouched for, so it becomes `degraded`; a failed parse names
/// the cut as its cause.
fn note_truncation(health: &mut Health, limit: usize) {
    let size = human_size(limit);
    let note = format!("body larger than {size}, read the first {size}");
    health.warnings.push(note.clone());
    match health.state {
        HealthState::Up => {
            health.state = HealthState::Degraded;
            health.reason = Some(note);
        }
        _ => {
            health.reason = Some(match health.reason.take() {
                Some(r) => format!("{note} ({r})"),
                None => note,
            });
        }
    }
}

fn human_size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The sentence for a request that got no response: the cause by name
/// (refused, DNS, TLS, reset) from the error's source chain. Only inner
/// causes are quoted, never the top-level message, which carries the URL
/// (and whatever credentials a user put in it).
fn describe(err: &reqwest::Error, host: &str) -> String {
    let chain = chain_text(err).to_ascii_lowercase();
    if chain.contains("dns error")
        || chain.contains("failed to lookup address")
        || chain.contains("name or service not known")
        || chain.contains("no address associated")
    {
        return format!("DNS lookup failed for host {host}");
    }
    if chain.contains("connection refused") {
        return "connection refused".into();
    }
    if chain.contains("unknownissuer") || chain.contains("unknown issuer") {
        return "TLS: certificate not trusted".into();
    }
    if chain.contains("expired") && chain.contains("certificate") {
        return "TLS: certificate expired".into();
    }
    if chain.contains("notvalidforname") || chain.contains("not valid for name") {
        return format!("TLS: certificate is not valid for host {host}");
    }
    if chain.contains("invalid peer certificate")
        || chain.contains("tls")
        || chain.contains("handshake")
        || chain.contains("received corrupt message")
    {
        return format!("TLS: {}", innermost(err));
    }
    if chain.contains("connection reset") {
        return "connection reset by peer".into();
    }
    if chain.contains("connection closed before message completed")
        || chain.contains("incompletemessage")
    {
        return "connection closed before a response".into();
    }
    if err.is_redirect() {
        return "too many redirects".into();
    }
    if err.is_connect() {
        return format!("cannot connect: {}", innermost(err));
    }
    format!("request failed: {}", innermost(err))
}

fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = String::new();
    let mut at: Option<&(dyn std::error::Error + 'static)> = err.source();
    while let Some(e) = at {
        text.push_str(&format!("{e} | {e:?} | "));
        at = e.source();
    }
    text
}

/// The deepest cause's message, sanitised and on one line.
fn innermost(err: &reqwest::Error) -> String {
    let mut deepest: Option<&(dyn std::error::Error + 'static)> = None;
    let mut at = std::error::Error::source(err);
    while let Some(e) = at {
        deepest = Some(e);
        at = e.source();
    }
    let text = match deepest {
        Some(e) => e.to_string(),
        // No inner cause: name the kind, not reqwest's message (it has the URL).
        None if err.is_body() => "body error".to_string(),
        None if err.is_decode() => "decode error".to_string(),
        None if err.is_timeout() => "timed out".to_string(),
        None => "request error".to_string(),
    };
    clean_text(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(1024 * 1024), "1 MiB");
        assert_eq!(human_size(64 * 1024), "64 KiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }

    #[test]
    fn truncation_turns_up_into_degraded_and_prefixes_failures() {
        let mut up = Health {
            state: HealthState::Up,
            ..Health::default()
        };
        note_truncation(&mut up, 1024 * 1024);
        assert_eq!(up.state, HealthState::Degraded);
        assert_eq!(
            up.reason.as_deref(),
            Some("body larger than 1 MiB, read the first 1 MiB")
        );
        let mut down = Health::down("body is not valid JSON: EOF at line 1 column 9");
        note_truncation(&mut down, 2048);
        assert_eq!(
            down.reason.as_deref(),
            Some(
                "body larger than 2 KiB, read the first 2 KiB (body is not valid JSON: EOF at line 1 column 9)"
            )
        );
    }
}
