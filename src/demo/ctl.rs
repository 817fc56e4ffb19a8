//! The client side of the demo: what the hidden `golive demo-ctl` subcommand
//! does, so the demo profile's actions and log source are plain argv commands
//! that need neither curl nor a shell. It talks only to the demo's own
//! loopback servers.

use std::io::Write;
use std::time::Duration;

use futures::StreamExt;

use crate::engine::sanitize;

#[derive(Debug, thiserror::Error)]
pub enum CtlError {
    #[error("cannot reach the demo at {url}: {source}")]
    Request { url: String, source: reqwest::Error },
    #[error("the demo answered {status} to {url}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
    #[error("cannot write the log lines: {0}")]
    Output(#[from] std::io::Error),
}

/// POSTs to `{control}/{verb}` (`rollback`, `promote`) or GETs `{control}/state`
/// and returns the answer's body, sanitised.
pub async fn control(control_url: &str, verb: &str) -> Result<String, CtlError> {
    let url = format!("{}/{verb}", control_url.trim_end_matches('/'));
    let client = client(Some(Duration::from_secs(10)))?;
    let request = if verb == "state" {
        client.get(&url)
    } else {
        client.post(&url)
    };
    let response = request.send().await.map_err(|source| CtlError::Request {
        url: url.clone(),
        source,
    })?;
    let status = response.status();
    let body = response.text().await.map_err(|source| CtlError::Request {
        url: url.clone(),
        source,
    })?;
    let body = sanitize::clean_text(&body);
    if status.is_success() {
        Ok(body)
    } else {
        Err(CtlError::Status {
            url,
            status: status.as_u16(),
            body,
        })
    }
}

/// Streams `{replica}/logs` to `out`, one line at a time, until the server
/// closes the stream. With `keep_colour`, SGR colour sequences pass (for a
/// reader such as the cockpit that renders them); every other escape or
/// control byte is always removed.
pub async fn stream_logs(
    replica_url: &str,
    out: &mut impl Write,
    keep_colour: bool,
) -> Result<(), CtlError> {
    let url = format!("{}/logs", replica_url.trim_end_matches('/'));
    let response = client(None)?
        .get(&url)
        .send()
        .await
        .map_err(|source| CtlError::Request {
            url: url.clone(),
            source,
        })?;
    let status = response.status();
    if !status.is_success() {
        return Err(CtlError::Status {
            url,
            status: status.as_u16(),
            body: String::new(),
        });
    }
    let mut body = response.bytes_stream();
    let mut pending: Vec<u8> = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|source| CtlError::Request {
            url: url.clone(),
            source,
        })?;
        pending.extend_from_slice(&chunk);
        let mut start = 0;
        while let Some(end) = memchr::memchr(b'\n', &pending[start..]) {
            write_line(out, &pending[start..start + end], keep_colour)?;
            start += end + 1;
        }
        pending.drain(..start);
        out.flush()?;
    }
    if !pending.is_empty() {
        write_line(out, &pending, keep_colour)?;
        out.flush()?;
    }
    Ok(())
}

fn write_line(out: &mut impl Write, raw: &[u8], keep_colour: bool) -> std::io::Result<()> {
    let text = String::from_utf8_lossy(raw);
    let clean = if keep_colour {
        keep_only_colour(&text)
    } else {
        sanitize::clean_text(&text)
    };
    writeln!(out, "{clean}")
}

fn client(timeout: Option<Duration>) -> Result<reqwest::Client, CtlError> {
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(5));
    if let Some(t) = timeout {
        builder = builder.timeout(t);
    }
    builder.build().map_err(|source| CtlError::Request {
        url: String::new(),
        source,
    })
}

/// Removes every escape sequence and control character except SGR
/// (`ESC [ digits;... m`), which only sets colours.
pub fn keep_only_colour(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(|c: char| c == '\u{1b}' || c.is_control()) {
        out.push_str(&sanitize::clean_text(&rest[..pos]));
        let tail = &rest[pos..];
        if let Some(params) = tail.strip_prefix("\u{1b}[") {
            let len = params
                .find(|c: char| !(c.is_ascii_digit() || c == ';'))
                .unwrap_or(params.len());
            if params[len..].starts_with('m') {
                out.push_str(&tail[..2 + len + 1]);
                rest = &tail[2 + len + 1..];
                continue;
            }
        }
        // Not a colour: let the sanitiser decide how much to drop by cleaning
        // from here to the next escape and keeping what survives.
        let first = tail.chars().next().map_or(1, char::len_utf8);
        let next = tail[first..]
            .find('\u{1b}')
            .map_or(tail.len(), |p| p + first);
        out.push_str(&sanitize::clean_text(&tail[..next]));
        rest = &tail[next..];
    }
    out.push_str(&sanitize::clean_text(rest));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn colour_passes_everything_else_goes() {
        let line = "\u{1b}[32mINFO \u{1b}[0m ok \u{1b}]0;title\u{7}x\u{1b}[2Jy\u{7}z\r";
        assert_eq!(keep_only_colour(line), "\u{1b}[32mINFO \u{1b}[0m ok xyz");
    }

    #[test]
    fn no_escape_survives_except_sgr() {
        let nasty = "a\u{1b}[1;31mb\u{1b}[10;10Hc\u{1b}Pdcs\u{1b}\\d\u{9b}2Je\u{1b}[";
        let kept = keep_only_colour(nasty);
        assert_eq!(kept, "a\u{1b}[1;31mbcde");
        assert!(only_sgr(&kept));
        assert!(!only_sgr(nasty) && !only_sgr("\u{1b}[2J") && !only_sgr("a\rb"));
    }

    /// True when `kept` is printable text and complete SGR sequences only.
    fn only_sgr(kept: &str) -> bool {
        let mut rest = kept;
        while let Some(pos) = rest.find('\u{1b}') {
            if rest[..pos].chars().any(char::is_control) {
                return false;
            }
            let Some(params) = rest[pos..].strip_prefix("\u{1b}[") else {
                return false;
            };
            let Some(end) = params.find('m') else {
                return false;
            };
            if !params[..end]
                .chars()
                .all(|c| c.is_ascii_digit() || c == ';')
            {
                return false;
            }
            rest = &params[end + 1..];
        }
        !rest.chars().any(char::is_control)
    }

    proptest::proptest! {
        #[test]
        fn only_sgr_survives_any_text(input in proptest::collection::vec(proptest::prelude::any::<char>(), 0..200)) {
            let text: String = input.into_iter().collect();
            let kept = keep_only_colour(&text);
            proptest::prop_assert!(only_sgr(&kept), "{:?} from {:?}", kept, text);
        }

        #[test]
        fn only_sgr_survives_escape_soup(input in "[\\x1b\\[\\]0-9;mHJPX^_\\x07\\x9b\\x9c\\x9d\\\\a-c\\r\\t]{0,120}") {
            let kept = keep_only_colour(&input);
            proptest::prop_assert!(only_sgr(&kept), "{:?} from {:?}", kept, input);
        }
    }
}
