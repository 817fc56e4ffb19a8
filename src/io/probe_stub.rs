//! TEMPORARY minimal prober (the health branch replaces this file).

use std::time::{Duration, Instant};

use crate::app::health::{HttpFacts, interpret};
use crate::app::probe::Observation;
use crate::profile::{Endpoint, Settings};

#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct ProbeError(String);

#[derive(Debug, Clone)]
pub struct Prober {
    client: reqwest::Client,
}

impl Prober {
    pub fn new(_settings: &Settings) -> Result<Self, ProbeError> {
        let client = reqwest::Client::builder()
            .build()
            .map_err(|e| ProbeError(e.to_string()))?;
        Ok(Self { client })
    }

    pub async fn probe(&self, endpoint: &Endpoint, url: &str, requests: u32) -> Observation {
        let mut obs = Observation {
            url: url.to_string(),
            ..Observation::default()
        };
        for _ in 0..requests.max(1) {
            let started = Instant::now();
            let sent = tokio::time::timeout(endpoint.timeout, async {
                let resp = self.client.get(url).send().await?;
                let status = resp.status().as_u16();
                let body = resp.bytes().await?;
                Ok::<_, reqwest::Error>((status, body))
            })
            .await;
            obs.response_time = started.elapsed();
            obs.response_times.push(obs.response_time);
            match sent {
                Ok(Ok((status, body))) => {
                    obs.connected = true;
                    obs.status = Some(status);
                    *obs.status_counts.entry(status).or_default() += 1;
                    obs.json = serde_json::from_slice(&body).ok();
                    obs.health = interpret(
                        endpoint.format,
                        HttpFacts {
                            status,
                            content_type: None,
                            body: &body,
                        },
                    );
                }
                Ok(Err(e)) => {
                    obs.error = Some(e.to_string());
                    obs.health = crate::app::health::Health::down(e.to_string());
                }
                Err(_) => {
                    let reason = format!("timed out after {:?}", endpoint.timeout);
                    obs.error = Some(reason.clone());
                    obs.health = crate::app::health::Health::down(reason);
                }
            }
        }
        let _ = Duration::ZERO;
        obs
    }
}
