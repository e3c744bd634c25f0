//! The HTTP side: POST batches of statements, GET them back page by page (`more`), basic auth, xAPI 1.0.3 headers.

use crate::lrs::{LrsConfig, LrsError};
use crate::xapi::XAPI_VERSION;
use serde_json::Value;
use std::time::Duration;

/// The most of an LRS's error body kept in a reason.
const MAX_DETAIL: usize = 600;
/// The largest reply to a POST read (bytes): an id list for 500 statements is ~20 KiB.
const MAX_REPLY_BYTES: u64 = 1024 * 1024;
/// The largest GET page read (bytes).
const MAX_PAGE_BYTES: u64 = 256 * 1024 * 1024;

/// What the LRS did with a POST of one or more statements.
#[derive(Debug)]
pub enum PostOutcome {
    /// 200 with the JSON array of statement ids xAPI requires: these ids, as the LRS
    /// listed them. Only the posted statements whose id is listed are delivered.
    Stored(Vec<String>),
    /// 204 No Content to a POST: not the reply xAPI asks for, but what some LRSs (Ralph)
    /// answer when they already held every statement posted. Not proof by itself: check
    /// each statement with [`LrsClient::has_statement`].
    NoContent,
    /// 409 Conflict: a statement with one of these ids is already stored (with other
    /// content). For a single statement, check with [`LrsClient::has_statement`] that
    /// the LRS holds it; for a batch, nothing of the batch was stored, so send them one
    /// by one.
    Conflict(String),
    /// The LRS rejected the request as invalid (400, 413, 422 and other 4xx not listed
    /// under `Retry`): for a single statement, park it with this reason.
    Invalid { status: u16, reason: String },
    /// Not the statements' fault, or not proof of delivery: network failure, timeout, a
    /// reply cut short, 5xx, 408, 429, a redirect, the LRS refusing us (401, 403, 404,
    /// 405, 407: configuration), or a 2xx without the list of stored ids. Keep them
    /// pending and retry later.
    Retry(LrsError),
}

/// Scheme, host and port of an absolute http(s) URL, lower-cased, with the default port
/// filled in. `None` for anything else, and for URLs with user info (`user@host`),
/// which could make a host look like another.
fn origin_of(url: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains(['@', '\\', ' ']) {
        return None;
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        let port = match after {
            "" => default_port,
            p => p.strip_prefix(':')?.parse().ok()?,
        };
        (format!("[{h}]"), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().ok()?),
            None => (authority.to_string(), default_port),
        }
    };
    if host.is_empty() {
        return None;
    }
    Some((scheme, host.to_ascii_lowercase(), port))
}

/// A blocking client for one LRS. Cheap to clone (the connection pool is shared).
///
/// Every request goes to the endpoint's origin (scheme, host, port) and nowhere else:
/// redirects are never followed (a 3xx is an error shown to the user), and a `more`
/// link to another origin stops the download before anything is sent there.
#[derive(Clone)]
pub struct LrsClient {
    agent: ureq::Agent,
    statements_url: String,
    /// `scheme://authority` as written in the endpoint, for building URLs.
    origin: String,
    /// The same, normalised, for comparing.
    origin_key: Option<(String, String, u16)>,
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

/// What a server said, made safe to print and store: escape sequences and control
/// characters removed, whitespace trimmed, at most [`MAX_DETAIL`] characters.
fn clip(s: &str) -> String {
    let s = crate::untrusted::clean(s);
    let s = s.trim();
    if s.chars().count() <= MAX_DETAIL {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(MAX_DETAIL).collect();
        c.push('…');
        c
    }
}

/// A short description of a reply that is not the id list: its type and first bytes.
fn describe_reply(status: u16, content_type: &str, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(120)]);
    let start = clip(&text);
    let ct = clip(content_type);
    let ct = if ct.is_empty() {
        "no Content-Type".to_string()
    } else {
        format!("Content-Type {ct}")
    };
    if body.is_empty() {
        format!(
            "it answered {status} with an empty body ({ct}) instead of the list of stored statement ids"
        )
    } else {
        format!(
            "it answered {status} with something that is not the list of stored statement ids ({ct}, {} bytes, starting \"{start}\")",
            body.len()
        )
    }
}

impl LrsClient {
    /// A client for the LRS `config` names.
    pub fn new(config: &LrsConfig) -> LrsClient {
        let timeout = config.timeout();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Never follow a redirect: a 3xx comes back as it is and is reported.
            .max_redirects(0)
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
            // One budget for the whole exchange, body included: a server that hangs or
            // trickles a byte at a time is given up on after `timeout_secs`.
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout.min(Duration::from_secs(10))))
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
            origin_key: origin_of(&endpoint),
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
            detail: clip(&e.to_string()),
        }
    }

    /// Refuses any URL outside the endpoint's origin, before anything is sent.
    fn same_origin(&self, url: &str) -> Result<(), LrsError> {
        match (&self.origin_key, origin_of(url)) {
            (Some(ours), Some(theirs)) if *ours == theirs => Ok(()),
            _ => Err(LrsError::ForeignOrigin {
                endpoint: self.endpoint.clone(),
                url: clip(url),
            }),
        }
    }

    fn redirect(&self, status: u16, resp: &ureq::http::Response<ureq::Body>) -> LrsError {
        LrsError::Redirect {
            endpoint: self.endpoint.clone(),
            status,
            location: resp
                .headers()
                .get("location")
                .map(|v| clip(&String::from_utf8_lossy(v.as_bytes())))
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| "(no Location)".into()),
        }
    }

    /// POSTs `body` (one statement or a JSON array of them) to the statements resource.
    /// Only a 200 whose body is a JSON array of strings is [`PostOutcome::Stored`].
    pub fn post(&self, body: &str) -> PostOutcome {
        if let Err(e) = self.same_origin(&self.statements_url) {
            return PostOutcome::Retry(e);
        }
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
        if (300..=399).contains(&status) {
            return PostOutcome::Retry(self.redirect(status, &resp));
        }
        let content_type = resp
            .headers()
            .get("content-type")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        let bytes = match resp
            .body_mut()
            .with_config()
            .limit(MAX_REPLY_BYTES)
            .read_to_vec()
        {
            Ok(b) => b,
            // A reply cut short (connection closed, timeout, too long) proves nothing,
            // whatever its status.
            Err(e) => return PostOutcome::Retry(self.network(e)),
        };
        match status {
            200 => match serde_json::from_slice::<Vec<String>>(&bytes) {
                Ok(ids) => PostOutcome::Stored(ids),
                Err(_) => PostOutcome::Retry(LrsError::Unconfirmed {
                    endpoint: self.endpoint.clone(),
                    detail: describe_reply(status, &content_type, &bytes),
                }),
            },
            204 => PostOutcome::NoContent,
            201..=299 => PostOutcome::Retry(LrsError::Unconfirmed {
                endpoint: self.endpoint.clone(),
                detail: describe_reply(status, &content_type, &bytes),
            }),
            409 => PostOutcome::Conflict(clip(&String::from_utf8_lossy(&bytes))),
            401 | 403 | 404 | 405 | 407 | 408 | 429 | 500..=599 => {
                PostOutcome::Retry(LrsError::Http {
                    endpoint: self.endpoint.clone(),
                    status,
                    detail: clip(&String::from_utf8_lossy(&bytes)),
                })
            }
            400..=499 => PostOutcome::Invalid {
                status,
                reason: format!(
                    "the LRS answered {status}: {}",
                    clip(&String::from_utf8_lossy(&bytes))
                ),
            },
            _ => PostOutcome::Retry(LrsError::Unconfirmed {
                endpoint: self.endpoint.clone(),
                detail: describe_reply(status, &content_type, &bytes),
            }),
        }
    }

    /// Whether the LRS holds a statement with this id (`GET statements?statementId=…`
    /// answering that very statement, bare as xAPI says or inside a StatementResult as
    /// Ralph does): the proof asked for after a 409, a 204, or an id list that leaves
    /// some out.
    pub(crate) fn has_statement(&self, id: &str) -> Result<bool, LrsError> {
        let url = format!("{}?statementId={}", self.statements_url, encode(id));
        let is_it = |v: &Value| v.get("id").and_then(Value::as_str) == Some(id);
        match self.get_json(&url) {
            Ok(v) => Ok(is_it(&v)
                || v.get("statements")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(is_it))),
            Err(LrsError::Http { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// GETs one page at `url` (absolute, on the endpoint's origin) and returns its JSON.
    fn get_json(&self, url: &str) -> Result<Value, LrsError> {
        self.same_origin(url)?;
        let mut resp = self
            .agent
            .get(url)
            .header("Authorization", &self.authorization)
            .header("X-Experience-API-Version", XAPI_VERSION)
            .call()
            .map_err(|e| self.network(e))?;
        let status = resp.status().as_u16();
        if (300..=399).contains(&status) {
            return Err(self.redirect(status, &resp));
        }
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(MAX_PAGE_BYTES)
            .read_to_vec()
            .map_err(|e| self.network(e))?;
        if status != 200 {
            return Err(LrsError::Http {
                endpoint: self.endpoint.clone(),
                status,
                detail: clip(&String::from_utf8_lossy(&bytes)),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| LrsError::BadReply {
            endpoint: self.endpoint.clone(),
            detail: format!("not JSON: {}", clip(&e.to_string())),
        })
    }

    /// Every statement matching `query` (xAPI GET parameters, e.g. `("since", "…")`),
    /// following `more` links until the last page. `on_page` is told the running count.
    /// A `more` link to another origin is an error: nothing is requested from it.
    pub fn get_statements(
        &self,
        query: &[(&str, &str)],
        mut on_page: impl FnMut(usize),
    ) -> Result<Vec<Value>, LrsError> {
        let mut all = Vec::new();
        self.statement_pages(query, |page| {
            all.extend(page);
            on_page(all.len());
            Ok(())
        })?;
        Ok(all)
    }

    /// The same, page by page: `on_page` gets each page's statements as it arrives (and
    /// may stop the download with an error). Returns the number of pages read.
    pub(crate) fn statement_pages(
        &self,
        query: &[(&str, &str)],
        mut on_page: impl FnMut(Vec<Value>) -> Result<(), LrsError>,
    ) -> Result<usize, LrsError> {
        let mut url = self.statements_url.clone();
        let mut sep = '?';
        for (k, v) in query {
            url.push(sep);
            url.push_str(&encode(k));
            url.push('=');
            url.push_str(&encode(v));
            sep = '&';
        }
        let mut pages = 0;
        let mut seen_urls = std::collections::HashSet::new();
        loop {
            if !seen_urls.insert(url.clone()) {
                return Err(LrsError::BadReply {
                    endpoint: self.endpoint.clone(),
                    detail: "its `more` link points back to a page already read".into(),
                });
            }
            let mut page = self.get_json(&url)?;
            let more = page.get("more").and_then(Value::as_str).map(str::to_string);
            let statements = match page.get_mut("statements").map(Value::take) {
                Some(Value::Array(a)) => a,
                _ => {
                    return Err(LrsError::BadReply {
                        endpoint: self.endpoint.clone(),
                        detail: "no `statements` list in the StatementResult".into(),
                    });
                }
            };
            pages += 1;
            let empty = statements.is_empty();
            on_page(statements)?;
            match more {
                Some(more) if !more.is_empty() && !empty => {
                    // xAPI: `more` is a relative IRL (path and query, no scheme, host or
                    // port). An absolute one is accepted only on our own origin.
                    url = if more.contains("://") {
                        more.to_string()
                    } else if more.starts_with("//") {
                        format!(
                            "{}:{more}",
                            self.origin.split("://").next().unwrap_or("http")
                        )
                    } else if more.starts_with('/') {
                        format!("{}{more}", self.origin)
                    } else {
                        format!("{}/{more}", self.origin)
                    };
                    self.same_origin(&url)?;
                }
                _ => return Ok(pages),
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
    fn origins_compare_scheme_host_and_port() {
        let o = |u| origin_of(u);
        assert_eq!(
            o("http://127.0.0.1:8100/xAPI/"),
            o("HTTP://127.0.0.1:8100/other?x")
        );
        assert_eq!(
            o("https://LRS.example.com/x"),
            o("https://lrs.example.com:443/y")
        );
        assert_ne!(o("http://127.0.0.1:8100/"), o("http://127.0.0.1:8101/"));
        assert_ne!(o("http://lrs.example.com/"), o("https://lrs.example.com/"));
        assert_eq!(o("http://lrs.example.com@evil.example/"), None);
        assert_eq!(o("ftp://lrs.example.com/"), None);
        assert_eq!(o("http://[::1]:81/x").map(|t| t.2), Some(81));
    }

    #[test]
    fn query_components_are_encoded() {
        assert_eq!(encode("2026-03-01T00:00:00Z"), "2026-03-01T00%3A00%3A00Z");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
