//! The LRS sync's errors: what went wrong, where, and what to do. None ever contains the secret.

use crate::records::RecordsError;
use std::path::PathBuf;
use thiserror::Error;

/// Why talking to the LRS (or reading its configuration) failed.
#[derive(Debug, Error)]
pub enum LrsError {
    #[error(
        "no LRS is configured: there is no `{}`. Statements stay queued in the records store. \
         Write that file (see docs/xapi.md: endpoint, key, secret, home_page), or name one with \
         --lrs-config FILE or the COURTESY_LRS_CONFIG environment variable.",
        looked_at.display()
    )]
    NotConfigured { looked_at: PathBuf },

    #[error("cannot read the LRS configuration `{}`: {source}; check the path and its permissions", path.display())]
    ConfigRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the LRS configuration `{}` is not valid RON: {detail}. It should look like \
         (endpoint: \"https://lrs.example.com/xAPI/\", key: \"…\", secret: \"…\", home_page: \"https://sso.example.com\")",
        path.display()
    )]
    ConfigParse { path: PathBuf, detail: String },

    #[error("the LRS configuration `{}`: `{field}` {why}", path.display())]
    ConfigInvalid {
        path: PathBuf,
        field: &'static str,
        why: String,
    },

    #[error(
        "could not reach the LRS at {endpoint}: {detail}; check the network and the endpoint; queued statements are kept and retried"
    )]
    Network { endpoint: String, detail: String },

    #[error("the LRS at {endpoint} answered {status}{}: {detail}", hint(*status))]
    Http {
        endpoint: String,
        status: u16,
        detail: String,
    },

    #[error("the LRS at {endpoint} sent a reply Courtesy cannot read ({detail})")]
    BadReply { endpoint: String, detail: String },

    #[error(
        "the LRS at {endpoint} answered {status}, redirecting to {location}: Courtesy does not \
         follow redirects (the statements and the credentials would go to another address). \
         If that address really is the LRS, put it in `endpoint` in the LRS configuration; \
         until then statements stay queued"
    )]
    Redirect {
        endpoint: String,
        status: u16,
        location: String,
    },

    #[error(
        "the LRS at {endpoint} did not confirm the statements: {detail}. They stay queued and \
         are sent again later (an LRS keeps one statement per id). If this repeats, check that \
         `endpoint` is the LRS's xAPI base and that no proxy or login page answers in its place"
    )]
    Unconfirmed { endpoint: String, detail: String },

    #[error(
        "the LRS at {endpoint} pointed Courtesy to {url}, which is not the same server (scheme, \
         host and port); Courtesy sends nothing there. Check `endpoint` in the LRS configuration"
    )]
    ForeignOrigin { endpoint: String, url: String },

    #[error(transparent)]
    Records(#[from] RecordsError),
}

fn hint(status: u16) -> &'static str {
    match status {
        401 | 403 => {
            " (check `key` and `secret` in the LRS configuration, and the key's permissions)"
        }
        404 | 405 => {
            " (check `endpoint`: it should be the LRS's xAPI base, the URL before `statements`)"
        }
        429 => " (the LRS asks us to slow down; Courtesy retries later)",
        500..=599 => " (a server error; Courtesy retries later)",
        _ => "",
    }
}
