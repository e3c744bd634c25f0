//! The HTTP side: POST batches of statements, GET them back page by page (`more`), basic auth, xAPI 1.0.3 headers.

use crate::core::lrs::{LrsConfig, LrsError};
use crate::core::xapi::XAPI_VERSION;
use serde_json::Value;
use std::time::Duration;

/// The most of an LRS's error body kept in a reason.
const MAX_DETAIL: usize = 600;
/// The largest GET page read (bytes).
const MAX_PAGE_BYTES: u64 = 256 * 1024 * 1024;

/// What the LRS did with a POST of one or more statements.
#[derive(Debug)]
pub enum PostOutcome {
    /// Stored (2xx), including statements it already had and therefore ignored.
    Stored,
    /// 409 Conflict: a statement with one of these ids is already stored (with other
    /// content). For a single statement, it is delivered; for a batch, nothing of the
    /// batch was stored, so send them one by one.
    Conflict(String),
    /// The LRS rejected the request as invalid (400, 413, 422 and other 4xx not listed
    /// under `Retry`): for a single statement, park it with this reason.
    Invalid { status: u16, reason: String },
    /// Not the statements' fault: network failure, 5xx, 408, 429, or the LRS refusing us
    /// (401, 403, 404, 405, 407: configuration). Keep them pending and retry later.
    Retry(LrsError),
}

/// A blocking client for one LRS. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct LrsClient {
    agent: ureq::Agent,
    statements_url: String,
    origin: String,
    endpoint: String,
    authorization: String,
}

impl std::fmt::Debug for LrsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LrsClient")
            .field("statements_url", &self.statements_url)
            .field("authorization", &"<redacted>")
            .finish()
    }
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn clip(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= MAX_DETAIL {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(MAX_DETAIL).collect();
        c.push('…');
        c
    }
}

impl LrsClient {
    /// A client for the LRS `config` names.
    pub fn new(config: &LrsConfig) -> LrsClient {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(config.timeout()))
            .timeout_connect(Some(config.timeout().min(Duration::from_secs(10))))
            .user_agent(concat!("courtesy/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let endpoint = config.endpoint_shown();
        let origin = match endpoint.split_once("://") {
            Some((scheme, rest)) => {
                format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest))
            }
            None => endpoint.clone(),
        };
        LrsClient {
            agent,
            statements_url: config.statements_url(),
            origin,
            endpoint,
            authorization: format!(
                "Basic {}",
                base64(format!("{}:{}", config.key, config.secret).as_bytes())
            ),
        }
    }

    /// The endpoint, for messages.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn network(&self, e: ureq::Error) -> LrsError {
        LrsError::Network {
            endpoint: self.endpoint.clone(),
            detail: e.to_string(),
        }
    }

    /// POSTs `body` (one statement or a JSON array of them) to the statements resource.
    pub fn post(&self, body: &str) -> PostOutcome {
        let sent = self
            .agent
            .post(&self.statements_url)
            .header("Authorization", &self.authorization)
            .header("X-Experience-API-Version", XAPI_VERSION)
            .content_type("application/json")
            .send(body);
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) => return PostOutcome::Retry(self.network(e)),
        };
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(1024 * 1024)
            .read_to_string()
            .unwrap_or_default();
        let detail = clip(&text);
        match status {
            200..=299 => PostOutcome::Stored,
            409 => PostOutcome::Conflict(detail),
            401 | 403 | 404 | 405 | 407 | 408 | 429 | 300..=399 | 500..=599 => {
                PostOutcome::Retry(LrsError::Http {
                    endpoint: self.endpoint.clone(),
                    status,
                    detail,
                })
            }
            _ => PostOutcome::Invalid {
                status,
                reason: format!("the LRS answered {status}: {detail}"),
            },
        }
    }

    /// GETs one page at `url` (absolute) and returns its JSON.
    fn get_json(&self, url: &str) -> Result<Value, LrsError> {
        let mut resp = self
            .agent
            .get(url)
            .header("Authorization", &self.authorization)
            .header("X-Experience-API-Version", XAPI_VERSION)
            .call()
            .map_err(|e| self.network(e))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(MAX_PAGE_BYTES)
            .read_to_string()
            .map_err(|e| self.network(e))?;
        if !(200..=299).contains(&status) {
            return Err(LrsError::Http {
                endpoint: self.endpoint.clone(),
                status,
                detail: clip(&text),
            });
        }
        serde_json::from_str(&text).map_err(|e| LrsError::BadReply {
            endpoint: self.endpoint.clone(),
            detail: format!("not JSON: {e}"),
        })
    }

    /// Every statement matching `query` (xAPI GET parameters, e.g. `("since", "…")`),
    /// following `more` links until the last page. `on_page` is told the running count.
    pub fn get_statements(
        &self,
        query: &[(&str, &str)],
        mut on_page: impl FnMut(usize),
    ) -> Result<Vec<Value>, LrsError> {
        let mut url = self.statements_url.clone();
        let mut sep = '?';
        for (k, v) in query {
            url.push(sep);
            url.push_str(&encode(k));
            url.push('=');
            url.push_str(&encode(v));
            sep = '&';
        }
        let mut all = Vec::new();
        let mut seen_urls = std::collections::HashSet::new();
        loop {
            if !seen_urls.insert(url.clone()) {
                return Err(LrsError::BadReply {
                    endpoint: self.endpoint.clone(),
                    detail: "its `more` link points back to a page already read".into(),
                });
            }
            let page = self.get_json(&url)?;
            let statements = page
                .get("statements")
                .and_then(Value::as_array)
                .ok_or_else(|| LrsError::BadReply {
                    endpoint: self.endpoint.clone(),
                    detail: "no `statements` list in the StatementResult".into(),
                })?;
            let empty = statements.is_empty();
            all.extend(statements.iter().cloned());
            on_page(all.len());
            match page.get("more").and_then(Value::as_str) {
                Some(more) if !more.is_empty() && !empty => {
                    url = if more.starts_with("http://") || more.starts_with("https://") {
                        more.to_string()
                    } else if more.starts_with('/') {
                        format!("{}{more}", self.origin)
                    } else {
                        format!("{}/{more}", self.origin)
                    };
                }
                _ => return Ok(all),
            }
        }
    }
}

/// Percent-encodes a query component.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"courtesy:s3cret"), "Y291cnRlc3k6czNjcmV0");
    }

    #[test]
    fn query_components_are_encoded() {
        assert_eq!(encode("2026-03-01T00:00:00Z"), "2026-03-01T00%3A00%3A00Z");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
