//! The `[[endpoint]]` section: URLs to probe, their method, headers and body.
//! Header values are kept as secrets for redaction, and URLs and JSON bodies
//! are interpolated and checked here so probe checks can trust them.

use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::{Known, Loader, Value};
use crate::profile::error::{quoted_list, suggest};
use crate::profile::raw::{self, Str};
use crate::profile::{Endpoint, HealthFormat, RequestBody, Settings};

/// Seed 000's `WARMUP_TIMEOUT_SEC`.
const DEFAULT_WARMUP_TIMEOUT: Duration = Duration::from_secs(120);

impl Loader<'_> {
    pub(super) fn endpoints(
        &mut self,
        value: Option<Value<'_>>,
        settings: &Settings,
        known: &mut Known,
    ) -> Vec<Endpoint> {
        let raws: Vec<Spanned<raw::RawEndpoint>> = self.de_array("endpoint", value);
        self.unique("endpoint", raws.iter().map(|r| &r.get_ref().id));
        let mut out = Vec::new();
        for r in &raws {
            let span = r.span();
            let r = r.get_ref();
            let id = self.id(&r.id, "endpoint");
            known.endpoints.push(id.clone());
            let urls = match (&r.url, &r.urls) {
                (Some(_), Some(urls)) => {
                    self.hint(
                        urls.span(),
                        format!("endpoint `{id}` has both `url` and `urls`"),
                        "use `url` for one replica or `urls = [...]` for several, not both",
                    );
                    Vec::new()
                }
                (None, None) => {
                    self.hint(
                        span.clone(),
                        format!("endpoint `{id}` has neither `url` nor `urls`"),
                        "add url = \"http://host:port/health\" (or urls = [...] for every replica)",
                    );
                    Vec::new()
                }
                (Some(url), None) => vec![self.url(url)],
                (None, Some(urls)) => {
                    if urls.get_ref().is_empty() {
                        self.hint(urls.span(), "`urls` is empty", "list one URL per replica");
                    }
                    urls.get_ref().iter().map(|u| self.url(u)).collect()
                }
            };
            let format = match &r.format {
                None => HealthFormat::Auto,
                Some(f) => HealthFormat::from_name(f.get_ref()).unwrap_or_else(|| {
                    let names: Vec<&str> = HealthFormat::ALL.iter().map(|(n, _)| *n).collect();
                    let hint = match suggest(f.get_ref(), &names) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => format!("formats are {}", quoted_list(&names)),
                    };
                    self.err(
                        f.span(),
                        format!("unknown format `{}`", f.get_ref()),
                        Some(hint),
                    );
                    HealthFormat::Auto
                }),
            };
            let method = match &r.method {
                None => "GET".to_string(),
                Some(m) => {
                    let upper = m.get_ref().trim().to_ascii_uppercase();
                    if reqwest::Method::from_bytes(upper.as_bytes()).is_err() || upper.is_empty() {
                        self.hint(
                            m.span(),
                            format!("bad HTTP method `{}`", m.get_ref()),
                            "e.g. GET, POST, PUT, HEAD",
                        );
                    }
                    upper
                }
            };
            let headers = self.headers(&r.headers);
            let body = r.body.as_ref().map(|b| match b.get_ref() {
                serde_json::Value::String(s) => {
                    RequestBody::Text(self.expand(&Spanned::new(b.span(), s.clone())))
                }
                other => {
                    let mut json = other.clone();
                    self.expand_json(&mut json, b.span());
                    RequestBody::Json(json)
                }
            });
            out.push(Endpoint {
                id,
                urls,
                format,
                track: r.track.as_ref().map(|t| t.get_ref().clone()),
                method,
                headers,
                body,
                timeout: self.duration_or(&r.timeout, settings.timeout),
                warmup_timeout: self.duration_or(&r.warmup_timeout, DEFAULT_WARMUP_TIMEOUT),
            });
        }
        out
    }

    pub(super) fn expand_json(&mut self, value: &mut serde_json::Value, span: Range<usize>) {
        match value {
            serde_json::Value::String(s) => {
                *s = self.expand(&Spanned::new(span, s.clone()));
            }
            serde_json::Value::Array(items) => {
                for v in items {
                    self.expand_json(v, span.clone());
                }
            }
            serde_json::Value::Object(map) => {
                for v in map.values_mut() {
                    self.expand_json(v, span.clone());
                }
            }
            _ => {}
        }
    }

    /// Request headers, interpolated and checked; every value is kept as a
    /// secret for redaction (endpoints and webhooks alike).
    pub(super) fn headers(
        &mut self,
        raw: &std::collections::BTreeMap<String, Str>,
    ) -> Vec<(String, String)> {
        let mut headers = Vec::new();
        for (name, value) in raw {
            let v = self.expand(value);
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                self.err(value.span(), format!("bad header name `{name}`"), None);
            }
            if !v.contains("${") && reqwest::header::HeaderValue::from_str(&v).is_err() {
                self.err(
                    value.span(),
                    format!("header `{name}` has characters a header value cannot carry"),
                    None,
                );
            }
            self.header_values.push(v.clone());
            headers.push((name.clone(), v));
        }
        headers
    }

    pub(super) fn url(&mut self, s: &Str) -> String {
        let url = self.expand(s);
        if url.contains("${") {
            return url; // unresolved: reported as a warning, checked once set
        }
        match reqwest::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            Ok(u) => self.hint(
                s.span(),
                format!(
                    "URL `{url}` is not http(s) with a host (scheme `{}`)",
                    u.scheme()
                ),
                "e.g. \"http://127.0.0.1:8002/health\"",
            ),
            Err(e) => self.hint(
                s.span(),
                format!("bad URL `{url}`: {e}"),
                "e.g. \"http://127.0.0.1:8002/health\"",
            ),
        }
        url
    }
}
