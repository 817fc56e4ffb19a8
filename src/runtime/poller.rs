//! Stand-in poller until `io::poller` lands: one task per endpoint replica
//! probes at the profile's poll interval (or at once on a poll-now trigger)
//! and sends a `ProbeReport`. A failed request is data (an observation with
//! an error), never an error that stops anything.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{Notify, mpsc};

use crate::app::health::{HttpFacts, interpret};
use crate::app::probe::{Observation, ProbeReport};
use crate::app::sanitize::clean_bytes;
use crate::app::state::Msg;
use crate::profile::{Endpoint, RequestBody};

/// Body text kept on an observation (the parsed JSON keeps the rest).
const TEXT_CAP: usize = 4096;

pub async fn poll_replica(
    client: reqwest::Client,
    endpoint: Endpoint,
    replica: usize,
    every: Duration,
    body_limit: usize,
    now: Arc<Notify>,
    msgs: mpsc::Sender<Msg>,
) {
    let Some(url) = endpoint.urls.get(replica).cloned() else {
        return;
    };
    loop {
        let observation = probe(&client, &endpoint, &url, body_limit).await;
        let report = ProbeReport {
            endpoint: endpoint.id.clone(),
            replica,
            url: url.clone(),
            at: Utc::now(),
            observation,
        };
        if msgs.send(Msg::Probe(Box::new(report))).await.is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = now.notified() => {}
        }
    }
}

async fn probe(client: &reqwest::Client, e: &Endpoint, url: &str, limit: usize) -> Observation {
    let method = reqwest::Method::from_bytes(e.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut request = client.request(method, url).timeout(e.timeout);
    for (k, v) in &e.headers {
        request = request.header(k, v);
    }
    match &e.body {
        Some(RequestBody::Json(v)) => request = request.json(v),
        Some(RequestBody::Text(t)) => request = request.body(t.clone()),
        None => {}
    }
    let started = Instant::now();
    let mut response = match request.send().await {
        Ok(r) => r,
        Err(err) => {
            let why = if err.is_timeout() {
                format!("timed out after {} ms", e.timeout.as_millis())
            } else if err.is_connect() {
                "connection refused or unreachable".to_string()
            } else {
                "request failed".to_string()
            };
            return Observation {
                url: url.to_string(),
                connected: !err.is_connect(),
                response_time: started.elapsed(),
                error: Some(why.clone()),
                health: crate::app::health::Health::down(why),
                ..Observation::default()
            };
        }
    };
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut body = Vec::new();
    let mut truncated = false;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit.saturating_sub(body.len());
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(_) => {
                truncated = true;
                break;
            }
        }
    }
    let elapsed = started.elapsed();
    let health = interpret(
        e.format,
        HttpFacts {
            status,
            content_type: content_type.as_deref(),
            body: &body,
        },
    );
    let text = clean_bytes(&body[..body.len().min(TEXT_CAP)]);
    Observation {
        url: url.to_string(),
        connected: true,
        status: Some(status),
        response_time: elapsed,
        response_times: vec![elapsed],
        status_counts: [(status, 1)].into_iter().collect(),
        json: serde_json::from_slice(&body).ok(),
        body_text: text,
        truncated,
        health,
        ..Observation::default()
    }
}
