//! What one probe of one replica observed: pure data, produced by the HTTP
//! adapter (`io::probe`) and read by conditions, the checklist and the cockpit.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::health::{self, Health, HttpFacts};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Observation {
    pub url: String,
    /// A TCP connection (and TLS, if any) was established.
    pub connected: bool,
    /// HTTP status of the last request; None when no response arrived.
    pub status: Option<u16>,
    /// Time of the last request (the only one unless `requests > 1`).
    pub response_time: Duration,
    /// One entry per request sent in a row, in order.
    pub response_times: Vec<Duration>,
    /// How many responses had each status, over all requests in a row.
    pub status_counts: BTreeMap<u16, u32>,
    /// Header names lowercased; values sanitised.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON when it is JSON.
    pub json: Option<serde_json::Value>,
    /// The body as text, sanitised (no control or escape bytes) and capped.
    pub body_text: String,
    /// The body was cut off at the size limit.
    pub truncated: bool,
    /// The one-line reason the request failed, when it did.
    pub error: Option<String>,
    pub health: Health,
}

impl Observation {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The HTTP facts of an answer that is not 2xx ("HTTP 502 (text/html,
    /// proxy error page)"), worded as the health model words them; None for
    /// a 2xx answer or no answer at all.
    pub fn http_trouble(&self) -> Option<String> {
        let status = self.status.filter(|s| !(200..300).contains(s))?;
        Some(health::http_reason(HttpFacts {
            status,
            content_type: self.header("content-type"),
            body: self.body_text.as_bytes(),
        }))
    }

    /// Why an HTTP check failed on this observation: the HTTP facts first
    /// when the answer was not 2xx, because behind a proxy the status is the
    /// news and a body condition's complaint about an error page is not.
    /// The one place that wording is built, for the cockpit and `check` alike.
    pub fn failure_reason(&self, why: &str) -> String {
        match self.http_trouble() {
            Some(http) => format!("{http}: {why}"),
            None => why.to_string(),
        }
    }
}

/// One probe of one replica, as the poller hands it to the state: which
/// endpoint, which replica (index into the endpoint's `urls`), when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub endpoint: String,
    pub replica: usize,
    pub url: String,
    pub at: DateTime<Utc>,
    pub observation: Observation,
}
