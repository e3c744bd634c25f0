//! The room through the LRS: an incremental pull of new statements into a local cache store, the attempts rebuilt from them, and how fresh the cache is.
//!
//! The cache is a records store of its own, `lrs-cache.sqlite3` beside `records.sqlite3`
//! (docs/records.md, "The LRS cache"): its `lrs_statements` table keeps every statement
//! pulled (deduplicated by id), its `attempts`/`steps` the attempts rebuilt from them
//! (with their station), so the records queries give the whole room. A pull asks only
//! for what is new: `since` the greatest `stored` time seen (less an overlap), `ascending`,
//! following `more` links on the endpoint's origin only. The cursor moves only after a
//! pull that read every page, so a pull cut short is simply asked again (duplicates are
//! counted once). When the LRS cannot be reached the cache stays as it was and says how
//! old it is.

use crate::lrs::cohort::{ImportBatch, ext, rebuild_attempts};
use crate::lrs::{LrsClient, LrsConfig, LrsError};
use crate::records::time::now_ms;
use crate::records::{
    AttemptId, CACHE_FILE_NAME, CacheCounts, CacheStatus, CachedStatement, RecordsError,
    StationSeen, Store, check_trainee,
};
use crate::xapi::{Verb, clean_station, parse_iso_duration, parse_timestamp};
use serde::Serialize;
use serde_json::Value;
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Statements asked for per page.
pub const PULL_PAGE: usize = 500;

/// How a pull asks.
#[derive(Debug, Clone, Copy)]
pub struct PullOptions {
    /// Ask again for statements stored this long before the cursor: an LRS may make a
    /// statement visible a little after the time it stamps as `stored` (a search index's
    /// refresh), and the cursor keeps only milliseconds. What comes back twice is counted
    /// as a duplicate, once.
    pub overlap: Duration,
    /// Ignore the cursor: read everything again (new statements are still added once).
    pub full: bool,
    /// Statements per page (`limit`).
    pub page: usize,
}

impl Default for PullOptions {
    fn default() -> PullOptions {
        PullOptions {
            overlap: Duration::from_secs(2),
            full: false,
            page: PULL_PAGE,
        }
    }
}

/// What one pull did.
#[derive(Debug, Default, Serialize)]
pub struct PullReport {
    /// Statements the LRS sent.
    pub fetched: usize,
    /// Of those, not in the cache before.
    pub new: usize,
    /// Already in the cache (the overlap, or an LRS repeating itself).
    pub duplicates: usize,
    /// New statements that are readable Courtesy statements.
    pub used: usize,
    /// New statements of other applications.
    pub ignored: usize,
    /// New Courtesy statements that cannot be read (counted, never turned into zeros).
    pub skipped: usize,
    /// Distinct attempts rebuilt (new, or with new statements).
    pub attempts_rebuilt: usize,
    /// Pages (GET requests).
    pub pages: usize,
    /// The `since` asked for (UTC ms), `None` for everything.
    pub since_ms: Option<i64>,
    /// The cursor after the pull.
    pub cursor_ms: Option<i64>,
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
    /// Of `elapsed`, the time spent here (reading the statements, writing the cache,
    /// rebuilding attempts); the rest is the LRS answering and the network.
    #[serde(serialize_with = "secs")]
    pub local: Duration,
    /// Why the pull stopped early (the LRS down, a foreign `more` link …): what was read
    /// before is kept, the cursor is not moved.
    #[serde(serialize_with = "error_text")]
    pub error: Option<LrsError>,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

fn error_text<S: serde::Serializer>(e: &Option<LrsError>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_some(&e.to_string()),
        None => s.serialize_none(),
    }
}

/// How fresh the cache is and who reported: what the manager area's freshness line and
/// `courtesy sync --pull` show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Freshness {
    pub endpoint: String,
    /// When a pull last read every page (UTC ms); `None`: never.
    pub last_success_ms: Option<i64>,
    /// When a pull was last tried.
    pub last_try_ms: Option<i64>,
    /// Why the last pull failed (cleaned of control characters), when it did.
    pub last_error: Option<String>,
    /// Every station that reported, by name.
    pub stations: Vec<StationSeen>,
    pub counts: CacheCounts,
}

/// "just now", "42 seconds ago", "3 minutes ago", "5 hours ago", "2 days ago".
pub fn ago(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match s {
        0..=4 => "just now".to_string(),
        5..=59 => plural(s, "second"),
        60..=3599 => plural(s / 60, "minute"),
        3600..=86_399 => plural(s / 3600, "hour"),
        _ => plural(s / 86_400, "day"),
    }
}

impl Freshness {
    /// Age of the data at `now` (ms), `None` if never pulled.
    pub fn age_ms(&self, now: i64) -> Option<i64> {
        self.last_success_ms.map(|t| now.saturating_sub(t).max(0))
    }

    /// The station names, sorted.
    pub fn station_names(&self) -> Vec<String> {
        self.stations.iter().map(|s| s.station.clone()).collect()
    }

    /// "LRS data from 3 minutes ago; stations: A, B, C", then, if the last pull failed
    /// after the last success, "— the LRS could not be reached: …".
    pub fn line(&self, now: i64) -> String {
        let mut s = match self.age_ms(now) {
            Some(age) => format!("LRS data from {}", ago(age)),
            None => "LRS data: not pulled yet".to_string(),
        };
        let names = self.station_names();
        if names.is_empty() {
            s.push_str("; no station has reported");
        } else {
            s.push_str(&format!("; stations: {}", names.join(", ")));
        }
        if self.counts.skipped > 0 {
            s.push_str(&format!(
                "; {} unreadable statement(s) skipped",
                self.counts.skipped
            ));
        }
        if let Some(e) = self.stale_error() {
            s.push_str(&format!(" — the last pull failed, showing the cache: {e}"));
        }
        s
    }

    /// The last pull's error, if it came after the last success.
    pub fn stale_error(&self) -> Option<&str> {
        let e = self.last_error.as_deref()?;
        match (self.last_try_ms, self.last_success_ms) {
            (Some(t), Some(ok)) if ok >= t => None,
            _ => Some(e),
        }
    }
}

/// The local cache of the LRS's statements (see the module documentation).
#[derive(Debug)]
pub struct LrsCache {
    store: Store,
    endpoint: String,
}

/// The cache store's path in data folder `dir`.
pub fn cache_path(dir: &Path) -> PathBuf {
    dir.join(CACHE_FILE_NAME)
}

impl LrsCache {
    /// Opens (creating if needed) the cache in data folder `dir` for the LRS `config`
    /// names. A cache filled from another endpoint is emptied first: its statements are
    /// not this LRS's.
    pub fn open(dir: &Path, config: &LrsConfig) -> Result<LrsCache, RecordsError> {
        LrsCache::open_at(&cache_path(dir), &config.endpoint_shown())
    }

    /// The same at an explicit path (tests, benchmarks).
    pub fn open_at(path: &Path, endpoint: &str) -> Result<LrsCache, RecordsError> {
        let store = Store::open(path)?;
        // Nothing is ever recorded here; attempts carry the stations the LRS names.
        store.set_station(None);
        let endpoints = store.cache_endpoints()?;
        if endpoints.iter().any(|e| e != endpoint) {
            store.cache_clear()?;
        }
        Ok(LrsCache {
            store,
            endpoint: endpoint.to_string(),
        })
    }

    /// Opens an existing cache for reading only (`courtesy sync --status`): `Err` with
    /// [`RecordsError::Missing`] when nothing was ever pulled here. Nothing is written.
    pub fn open_read_only(dir: &Path, config: &LrsConfig) -> Result<LrsCache, RecordsError> {
        Ok(LrsCache {
            store: Store::open_read_only(&cache_path(dir))?,
            endpoint: config.endpoint_shown(),
        })
    }

    /// The cache's records store: query it with the usual `Filter`s (`station` too).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The endpoint it caches.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// How fresh it is and which stations reported.
    pub fn freshness(&self) -> Result<Freshness, RecordsError> {
        let state = self
            .store
            .cache_pull_state(&self.endpoint)?
            .unwrap_or_default();
        Ok(Freshness {
            endpoint: self.endpoint.clone(),
            last_success_ms: state.last_success_ms,
            last_try_ms: state.last_try_ms,
            last_error: state.last_error,
            stations: self.store.cache_stations()?,
            counts: self.store.cache_counts()?,
        })
    }

    /// Pulls what is new from the LRS (see the module documentation). `on_page(fetched)`
    /// is told after each page. Only a cache-store failure is an `Err`; an LRS failure
    /// ends up in [`PullReport::error`] (and in the freshness), the cache keeping what
    /// it had and what was read before the failure.
    pub fn pull(
        &self,
        client: &LrsClient,
        options: &PullOptions,
        mut on_page: impl FnMut(usize),
    ) -> Result<PullReport, RecordsError> {
        let started = Instant::now();
        let mut report = PullReport::default();
        let mut rebuilt = std::collections::HashSet::new();
        // Attempts a pull cut short (or a crash) left half rebuilt.
        let left = self.store.cache_unrebuilt()?;
        rebuilt.extend(self.rebuild(&left)?);
        let state = self.store.cache_pull_state(&self.endpoint)?;
        let cursor = if options.full {
            None
        } else {
            state.as_ref().and_then(|s| s.cursor_ms)
        };
        let overlap = i64::try_from(options.overlap.as_millis()).unwrap_or(i64::MAX);
        report.since_ms = cursor.map(|c| c.saturating_sub(overlap));
        let since = report.since_ms.map(crate::xapi::timestamp);
        let limit = options.page.clamp(1, 10_000).to_string();
        let mut query: Vec<(&str, &str)> = vec![("limit", &limit), ("ascending", "true")];
        if let Some(s) = &since {
            query.push(("since", s));
        }
        let mut max_stored = cursor;
        let mut local = Duration::ZERO;
        let outcome = client.statement_pages(&query, |page| {
            let page_started = Instant::now();
            report.fetched += page.len();
            let batch: Vec<CachedStatement> = page.iter().map(classify).collect();
            for s in &batch {
                if let Some(t) = s.stored_ms {
                    max_stored = Some(max_stored.map_or(t, |m| m.max(t)));
                }
            }
            let step = self
                .store
                .cache_add(&batch, now_ms())
                .and_then(|added| {
                    report.new += added.new;
                    report.duplicates += added.duplicates;
                    report.used += added.used;
                    report.ignored += added.ignored;
                    report.skipped += added.skipped;
                    self.rebuild(&added.registrations)
                })
                .map(|ids| rebuilt.extend(ids));
            on_page(report.fetched);
            local += page_started.elapsed();
            step.map_err(LrsError::Records)
        });
        match outcome {
            // The cache store failed, not the LRS.
            Err(LrsError::Records(e)) => return Err(e),
            Ok(pages) => {
                report.pages = pages;
                self.store
                    .cache_note_success(&self.endpoint, max_stored, now_ms())?;
            }
            Err(e) => {
                self.store
                    .cache_note_failure(&self.endpoint, &e.to_string(), now_ms())?;
                report.error = Some(e);
            }
        }
        report.cursor_ms = self
            .store
            .cache_pull_state(&self.endpoint)?
            .and_then(|s| s.cursor_ms);
        report.attempts_rebuilt = rebuilt.len();
        report.local = local;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Rebuilds these attempts from all their cached statements, replacing the earlier
    /// rebuilds. Returns the attempts written.
    fn rebuild(&self, registrations: &[String]) -> Result<Vec<AttemptId>, RecordsError> {
        let mut written = Vec::new();
        for chunk in registrations.chunks(500) {
            let texts = self.store.cache_statements_of(chunk)?;
            let values: Vec<Value> = texts
                .iter()
                .filter_map(|t| serde_json::from_str(t).ok())
                .collect();
            let rebuilt = rebuild_attempts(&values);
            let batch = ImportBatch::of(&rebuilt);
            self.store.import_attempts_as(
                &batch.attempts,
                &batch.ids,
                false,
                Some(&batch.stations),
            )?;
            self.store.cache_mark_rebuilt(chunk)?;
            written.extend(batch.ids);
        }
        Ok(written)
    }
}

/// What the cache keeps of one statement: its id, times, attempt and station, and
/// whether it is a readable Courtesy statement. Courtesy's statements (a Courtesy verb
/// and a `scenario-id` context extension) are read strictly: a field the records need
/// that is missing or of the wrong kind makes the statement `Skipped` with the reason,
/// rather than a zero in someone's scores.
pub fn classify(st: &Value) -> CachedStatement {
    let text = st.to_string();
    let stored_ms = st
        .get("stored")
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
        .or_else(|| {
            st.get("timestamp")
                .and_then(Value::as_str)
                .and_then(parse_timestamp)
        });
    let id = st
        .get("id")
        .and_then(Value::as_str)
        .map(|s| crate::untrusted::clean(s).trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty() && s.len() <= 64);
    let mut out = CachedStatement {
        id: id.clone().unwrap_or_else(|| {
            // No usable id: keyed by its content, so that the same one counts once.
            let digest = sha2::Sha256::digest(text.as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            format!("no-id:{hex}")
        }),
        stored_ms,
        registration: None,
        station: None,
        status: CacheStatus::Skipped,
        reason: None,
        statement: text,
    };
    let ctx = st.get("context");
    let cext = ctx
        .and_then(|c| c.get("extensions"))
        .and_then(Value::as_object);
    // Assignment statements (`assigned`, `withdrew`, `satisfied`): kept as used, with no
    // attempt, when readable; skipped with the reason when not (lrs::assignments reads
    // them, and shows the skipped ones as problems).
    if let Some(v) = st.pointer("/verb/id").and_then(Value::as_str)
        && crate::assignment_xapi::is_assignment_verb(v)
    {
        match crate::assignment_xapi::parse(st) {
            Ok(e) if id.is_some() => {
                out.station = e.station().map(str::to_string);
                out.status = CacheStatus::Used;
            }
            Ok(_) => out.reason = Some("no statement id".into()),
            Err(why) => out.reason = Some(format!("assignment: {why}")),
        }
        return out;
    }
    let verb = st
        .pointer("/verb/id")
        .and_then(Value::as_str)
        .and_then(Verb::from_iri);
    let scenario = ext(cext, "scenario-id").and_then(Value::as_str);
    let (Some(verb), Some(_)) = (verb, scenario) else {
        out.status = CacheStatus::Ignored;
        out.reason = Some("not a Courtesy statement".into());
        return out;
    };
    out.station = ext(cext, "station")
        .and_then(Value::as_str)
        .map(clean_station)
        .filter(|s| !s.is_empty());
    match check_courtesy(st, verb, id.is_some()) {
        Ok(registration) => {
            out.registration = Some(registration);
            out.status = CacheStatus::Used;
        }
        Err(why) => out.reason = Some(why.to_string()),
    }
    out
}

fn is_int(v: Option<&Value>) -> bool {
    v.is_some_and(|v| v.as_i64().is_some() || v.as_str().is_some_and(|s| s.parse::<i64>().is_ok()))
}

/// The strict reading of a Courtesy statement: its attempt id, or what is wrong.
fn check_courtesy(st: &Value, verb: Verb, has_id: bool) -> Result<String, &'static str> {
    if !has_id {
        return Err("no statement id");
    }
    let registration = st
        .pointer("/context/registration")
        .and_then(Value::as_str)
        .and_then(|r| AttemptId::parse(r).ok())
        .ok_or("no attempt id (context.registration is missing or not a UUID)")?;
    st.get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
        .ok_or("no readable timestamp")?;
    let trainee = st
        .pointer("/actor/account/name")
        .and_then(Value::as_str)
        .ok_or("no trainee (actor.account.name)")?;
    check_trainee(trainee).map_err(|_| "the trainee id is not usable")?;
    let result = st.get("result").ok_or("no result")?;
    let rext = result.get("extensions").and_then(Value::as_object);
    match verb {
        Verb::Answered => {
            st.pointer("/object/id")
                .and_then(Value::as_str)
                .filter(|s| s.contains("/steps/"))
                .ok_or("the object is not a step")?;
            result
                .get("response")
                .and_then(Value::as_str)
                .ok_or("no reply (result.response)")?;
            if !is_int(ext(rext, "step-index")) {
                return Err("no step index");
            }
            if !is_int(ext(rext, "mood-before")) || !is_int(ext(rext, "mood-after")) {
                return Err("no mood before/after");
            }
            ext(rext, "ratings")
                .and_then(Value::as_object)
                .ok_or("no ratings")?;
            result
                .get("duration")
                .and_then(Value::as_str)
                .and_then(parse_iso_duration)
                .ok_or("no readable response time (result.duration)")?;
        }
        Verb::Completed | Verb::Passed | Verb::Failed => {
            let score = result
                .pointer("/score/raw")
                .and_then(Value::as_f64)
                .or_else(|| Some(result.pointer("/score/scaled")?.as_f64()? * 100.0))
                .ok_or("no score")?;
            if !(score.is_finite() && (0.0..=100.0).contains(&score)) {
                return Err("the score is not between 0 and 100");
            }
            ext(rext, "outcome")
                .and_then(Value::as_str)
                .and_then(courtesy_engine::model::Outcome::from_key)
                .ok_or("no readable outcome")?;
            ext(rext, "principle-scores")
                .and_then(Value::as_object)
                .ok_or("no principle scores")?;
            if !is_int(ext(rext, "final-mood")) {
                return Err("no final mood");
            }
            result
                .get("duration")
                .and_then(Value::as_str)
                .and_then(parse_iso_duration)
                .ok_or("no readable duration (result.duration)")?;
        }
    }
    Ok(registration.to_string())
}
