//! The LRS configuration file (`lrs.ron`): where to send statements, with which key and secret, and for which identity.

use crate::lrs::LrsError;
use crate::xapi::{DEFAULT_BASE_IRI, DEFAULT_HOME_PAGE, StatementIdentity};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The configuration's file name inside the data folder.
pub const CONFIG_FILE_NAME: &str = "lrs.ron";
/// Statements per POST unless the configuration says otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 50;
/// The most statements per POST the configuration may ask for.
pub(crate) const MAX_BATCH_SIZE: usize = 500;

/// Where the LRS is and how to sign in to it. Written in RON:
///
/// ```ron
/// (
///     endpoint: "https://lrs.example.com/xAPI/",
///     key: "courtesy-room-3",
///     secret: "…",
///     home_page: "https://sso.example.com",
/// )
/// ```
///
/// `Debug` shows `secret: "<redacted>"`; no error message ever contains it.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LrsConfig {
    /// The LRS's xAPI base URL; statements go to `<endpoint>/statements`.
    pub endpoint: String,
    /// The HTTP basic-auth user (the LRS's "key").
    pub key: String,
    /// The HTTP basic-auth password (the LRS's "secret").
    pub secret: String,
    /// `actor.account.homePage` of every statement (default [`DEFAULT_HOME_PAGE`]).
    #[serde(default = "default_home_page")]
    pub home_page: String,
    /// Base IRI of activity ids and extension keys (default [`DEFAULT_BASE_IRI`]).
    #[serde(default = "default_base_iri")]
    pub base_iri: String,
    /// Statements per POST (default [`DEFAULT_BATCH_SIZE`], at most [`MAX_BATCH_SIZE`]).
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// How long one HTTP request may take, in seconds (default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Days a delivered statement keeps its JSON in the records store before it is pruned
    /// (rebuilt from the records when exported; docs/records.md). Default 0: right after
    /// delivery.
    #[serde(default)]
    pub keep_sent_days: u32,
}

fn default_home_page() -> String {
    DEFAULT_HOME_PAGE.to_string()
}
fn default_base_iri() -> String {
    DEFAULT_BASE_IRI.to_string()
}
fn default_batch_size() -> usize {
    DEFAULT_BATCH_SIZE
}
fn default_timeout_secs() -> u64 {
    30
}

impl fmt::Debug for LrsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LrsConfig")
            .field("endpoint", &self.endpoint_shown())
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .field("home_page", &self.home_page)
            .field("base_iri", &self.base_iri)
            .field("batch_size", &self.batch_size)
            .field("timeout_secs", &self.timeout_secs)
            .field("keep_sent_days", &self.keep_sent_days)
            .finish()
    }
}

/// The configuration file to use: `named` if the caller named one (the station
/// configuration: `--lrs-config`, `COURTESY_LRS_CONFIG` or `station.ron`), else `lrs.ron`
/// in `data_dir`. The flag says whether it was named explicitly (then a missing file is
/// an error, not "not configured"). Reads no environment variable.
pub fn config_path(data_dir: &Path, named: Option<&Path>) -> (PathBuf, bool) {
    match named {
        Some(p) => (p.to_path_buf(), true),
        None => (data_dir.join(CONFIG_FILE_NAME), false),
    }
}

fn is_absolute_iri(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, rest)) => {
            !rest.is_empty()
                && scheme
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

impl LrsConfig {
    /// Reads and checks the configuration at `path`.
    pub fn load(path: &Path) -> Result<LrsConfig, LrsError> {
        let text = std::fs::read_to_string(path).map_err(|source| LrsError::ConfigRead {
            path: path.to_path_buf(),
            source,
        })?;
        LrsConfig::parse(&text, path)
    }

    /// Parses and checks configuration text (`path` is for messages).
    pub fn parse(text: &str, path: &Path) -> Result<LrsConfig, LrsError> {
        let cfg: LrsConfig = ron::from_str(text).map_err(|e| LrsError::ConfigParse {
            path: path.to_path_buf(),
            // RON's message quotes at most a token; the secret's value is never echoed
            // whole, but drop any position detail past the message to be sure.
            detail: redact(&e.to_string(), text),
        })?;
        cfg.check(path)?;
        Ok(cfg)
    }

    fn check(&self, path: &Path) -> Result<(), LrsError> {
        let bad = |field, why: &str| LrsError::ConfigInvalid {
            path: path.to_path_buf(),
            field,
            why: why.to_string(),
        };
        let ep = self.endpoint.trim();
        if !(ep.starts_with("https://") || ep.starts_with("http://")) {
            return Err(bad(
                "endpoint",
                "must be an http:// or https:// URL, e.g. \"https://lrs.example.com/xAPI/\"",
            ));
        }
        if ep.contains('?') || ep.contains('#') {
            return Err(bad(
                "endpoint",
                "must not have a query (?…) or fragment (#…)",
            ));
        }
        if ep.split("://").nth(1).is_some_and(|rest| {
            rest.split('/')
                .next()
                .is_some_and(|host| host.contains('@'))
        }) {
            return Err(bad(
                "endpoint",
                "must not contain credentials; put them in `key` and `secret`",
            ));
        }
        if self.key.is_empty() || self.key.contains(':') {
            return Err(bad("key", "must be set and must not contain `:`"));
        }
        if self.secret.is_empty() {
            return Err(bad("secret", "must be set"));
        }
        if !is_absolute_iri(&self.home_page) {
            return Err(bad(
                "home_page",
                "must be an absolute IRI, e.g. \"https://sso.example.com\"",
            ));
        }
        if !is_absolute_iri(&self.base_iri) {
            return Err(bad(
                "base_iri",
                "must be an absolute IRI, e.g. \"https://w3id.org/courtesy/xapi\"",
            ));
        }
        if !(1..=MAX_BATCH_SIZE).contains(&self.batch_size) {
            return Err(bad("batch_size", "must be between 1 and 500"));
        }
        if !(1..=600).contains(&self.timeout_secs) {
            return Err(bad("timeout_secs", "must be between 1 and 600"));
        }
        if self.keep_sent_days > 36_500 {
            return Err(bad("keep_sent_days", "must be between 0 and 36500"));
        }
        Ok(())
    }

    /// Finds and reads the configuration (see [`config_path`]): `Ok(None)` when none is
    /// named and `<data_dir>/lrs.ron` does not exist; an error for a file named
    /// explicitly that is missing, or any file that cannot be read or is not valid.
    pub fn discover(data_dir: &Path, named: Option<&Path>) -> Result<Option<LrsConfig>, LrsError> {
        let (path, explicit) = config_path(data_dir, named);
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(None),
            Err(source) => Err(LrsError::ConfigRead { path, source }),
            Ok(_) => LrsConfig::load(&path).map(Some),
        }
    }

    /// The identity the store should write into new statements.
    pub fn identity(&self) -> StatementIdentity {
        StatementIdentity {
            home_page: self.home_page.clone(),
            base_iri: self.base_iri.clone(),
        }
    }

    /// The statements resource: `<endpoint>/statements`.
    pub(crate) fn statements_url(&self) -> String {
        format!("{}/statements", self.endpoint.trim().trim_end_matches('/'))
    }

    /// The endpoint as shown in messages and the status (it holds no secret: credentials
    /// in the URL are refused).
    pub fn endpoint_shown(&self) -> String {
        self.endpoint.trim().to_string()
    }

    /// One request's time limit.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

/// Finds the LRS configuration for the data folder `data_dir` (the file `named`, else its
/// `lrs.ron`: see [`config_path`]) and gives `store` its statement identity and
/// `keep_sent_days` (the defaults when there is no configuration). Call it right after
/// opening the store, before recording. Returns the configuration, to start a
/// [`SyncWorker`](crate::lrs::SyncWorker) with. On error the store keeps the default identity.
pub fn configure_store(
    store: &crate::records::Store,
    data_dir: &Path,
    named: Option<&Path>,
) -> Result<Option<LrsConfig>, LrsError> {
    let cfg = LrsConfig::discover(data_dir, named)?;
    store.set_statement_identity(cfg.as_ref().map(LrsConfig::identity).unwrap_or_default());
    store.set_keep_sent_days(cfg.as_ref().map_or(0, |c| c.keep_sent_days));
    Ok(cfg)
}

/// A warning when the LRS configuration that would be used (see [`config_path`]) can be
/// read or written by accounts other than its owner (Unix permissions with any group or
/// other bit set): it holds the LRS secret. `None` when the file is owner-only, absent,
/// or the platform has no such permissions.
pub fn config_exposure(data_dir: &Path, named: Option<&Path>) -> Option<String> {
    let (path, _) = config_path(data_dir, named);
    file_exposure(&path)
}

/// The same check for any file holding a secret.
pub fn file_exposure(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Some(format!(
                "`{}` holds the LRS secret but other accounts on this computer may read it \
                 (permissions {mode:03o}); make it readable by its owner only: chmod 600 {}",
                path.display(),
                path.display()
            ));
        }
        None
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Removes the secret's value from a parse message wherever it appears: every
/// `secret: "…"` in the text counts (the word may also appear in a comment first).
fn redact(message: &str, text: &str) -> String {
    let mut out = message.to_string();
    for (i, _) in text.match_indices("secret") {
        let rest = text[i + "secret".len()..].trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('"') else {
            continue;
        };
        if let Some(end) = value.find('"') {
            let value = &value[..end];
            if value.len() >= 3 {
                out = out.replace(value, "<redacted>");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"(endpoint: "http://127.0.0.1:8100/xAPI/", key: "room", secret: "hunter22", home_page: "https://sso.example.com")"#;

    #[test]
    fn parses_with_defaults_and_never_shows_the_secret() {
        let c = LrsConfig::parse(GOOD, Path::new("lrs.ron")).expect("parses");
        assert_eq!(c.batch_size, DEFAULT_BATCH_SIZE);
        assert_eq!(c.base_iri, DEFAULT_BASE_IRI);
        assert_eq!(c.statements_url(), "http://127.0.0.1:8100/xAPI/statements");
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn redacts_the_secret_even_after_the_word_appears_in_a_comment() {
        let text = format!("// the secret is kept in the vault\n{GOOD}");
        let msg = redact("1:80: unexpected string \"hunter22\"", &text);
        assert!(!msg.contains("hunter22"), "{msg}");
        assert!(msg.contains("<redacted>"), "{msg}");
        // Each field named secret is blanked, not just the first.
        let two = r#"(secret: "first-one", secret: "second-one")"#;
        let msg = redact("duplicate field: \"first-one\" then \"second-one\"", two);
        assert!(
            !msg.contains("first-one") && !msg.contains("second-one"),
            "{msg}"
        );
    }

    #[test]
    fn refuses_bad_fields_without_echoing_the_secret() {
        for (text, field) in [
            (GOOD.replace("http://127", "ftp://127"), "endpoint"),
            (
                GOOD.replace("http://127", "http://u:hunter22@127"),
                "endpoint",
            ),
            (GOOD.replace("https://sso", "sso"), "home_page"),
            (GOOD.replace(')', ", batch_size: 0)"), "batch_size"),
        ] {
            let e = LrsConfig::parse(&text, Path::new("lrs.ron")).expect_err("refused");
            let msg = e.to_string();
            assert!(msg.contains(field), "{msg}");
            assert!(!msg.contains("hunter22"), "{msg}");
        }
        let e = LrsConfig::parse(&GOOD.replace("key:", "kee:"), Path::new("lrs.ron"))
            .expect_err("unknown field");
        assert!(!e.to_string().contains("hunter22"), "{e}");
    }
}
