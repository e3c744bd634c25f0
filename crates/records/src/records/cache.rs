//! The LRS cache's tables (migration 6): statements pulled from the LRS, deduplicated by id, the pull's cursor and freshness per endpoint, and which stations reported.
//!
//! These tables live in the cache store (`lrs-cache.sqlite3`, a records store of its own
//! beside `records.sqlite3`) that `core::lrs::LrsCache` fills; the attempts rebuilt from
//! the statements go into the same store's `attempts`/`steps`, so every records query
//! works on the whole room. docs/records.md, "The LRS cache".

use crate::records::store::Fail;
use crate::records::{RecordsError, Store};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// The cache store's file name inside the data folder.
pub const CACHE_FILE_NAME: &str = "lrs-cache.sqlite3";

/// What the pull made of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheStatus {
    /// A readable Courtesy statement: part of an attempt.
    Used,
    /// Not a Courtesy statement (another application's): kept out of the records.
    Ignored,
    /// A Courtesy statement that cannot be read (a field missing or of the wrong kind):
    /// counted, never turned into zeros.
    Skipped,
}

impl CacheStatus {
    fn key(self) -> &'static str {
        match self {
            CacheStatus::Used => "used",
            CacheStatus::Ignored => "ignored",
            CacheStatus::Skipped => "skipped",
        }
    }
}

/// One statement to keep in the cache.
#[derive(Debug, Clone)]
pub struct CachedStatement {
    pub id: String,
    /// Its `stored` time (else `timestamp`), UTC ms: the cursor moves past the greatest.
    pub stored_ms: Option<i64>,
    /// The attempt (context.registration), for `Used` statements.
    pub registration: Option<String>,
    pub station: Option<String>,
    pub status: CacheStatus,
    /// Why it was ignored or skipped.
    pub reason: Option<String>,
    /// The statement as the LRS sent it (JSON).
    pub statement: String,
}

/// What adding one page of statements did.
#[derive(Debug, Clone, Default)]
pub struct CacheAdd {
    /// Statements not in the cache before.
    pub new: usize,
    /// Already there (same id): counted once.
    pub duplicates: usize,
    pub used: usize,
    pub ignored: usize,
    pub skipped: usize,
    /// Attempts (registrations) with new `Used` statements: to rebuild.
    pub registrations: Vec<String>,
}

/// The pull's state for one LRS endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullState {
    pub endpoint: String,
    /// The greatest `stored` time seen (UTC ms): the next pull asks for statements since.
    pub cursor_ms: Option<i64>,
    /// When a pull last read every page (UTC ms).
    pub last_success_ms: Option<i64>,
    /// When a pull was last tried.
    pub last_try_ms: Option<i64>,
    /// Why the last pull failed; cleared by a successful one.
    pub last_error: Option<String>,
    /// Successful pulls.
    pub pulls: u64,
}

/// A station seen in the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationSeen {
    pub station: String,
    /// Courtesy statements from it.
    pub statements: u64,
    /// Attempts from it.
    pub attempts: u64,
    /// Its latest statement's `stored` time (UTC ms).
    pub last_stored_ms: Option<i64>,
}

/// Statements in the cache, by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CacheCounts {
    pub used: u64,
    pub ignored: u64,
    pub skipped: u64,
}

impl Store {
    /// The pull state kept for `endpoint`, `None` before the first pull.
    pub fn cache_pull_state(&self, endpoint: &str) -> Result<Option<PullState>, RecordsError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT cursor_ms, last_success_ms, last_try_ms, last_error, pulls \
                 FROM lrs_pull WHERE endpoint = ?1",
            )?
            .query_row([endpoint], |r| {
                Ok(PullState {
                    endpoint: endpoint.to_string(),
                    cursor_ms: r.get(0)?,
                    last_success_ms: r.get(1)?,
                    last_try_ms: r.get(2)?,
                    last_error: r.get(3)?,
                    pulls: r.get::<_, i64>(4)?.max(0) as u64,
                })
            })
            .optional()
        })
    }

    /// The endpoints the cache was filled from.
    pub(crate) fn cache_endpoints(&self) -> Result<Vec<String>, RecordsError> {
        self.read(|c| {
            let mut st = c.prepare_cached("SELECT endpoint FROM lrs_pull ORDER BY endpoint")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect()
        })
    }

    /// Empties the cache: statements, pull states and every attempt (the cache store
    /// holds only attempts rebuilt from the LRS). For a new endpoint, or `--full`.
    pub(crate) fn cache_clear(&self) -> Result<(), RecordsError> {
        self.write(|tx| {
            tx.execute_batch(
                "DELETE FROM lrs_statements; DELETE FROM lrs_pull; DELETE FROM steps; \
                 DELETE FROM attempts; DELETE FROM trainees;",
            )?;
            Ok(())
        })
    }

    /// Adds statements (one transaction): those whose id is already there are counted as
    /// duplicates and left as they were.
    pub fn cache_add(
        &self,
        batch: &[CachedStatement],
        now_ms: i64,
    ) -> Result<CacheAdd, RecordsError> {
        self.write(|tx| {
            let mut out = CacheAdd::default();
            let mut regs = std::collections::BTreeSet::new();
            let mut st = tx.prepare_cached(
                "INSERT INTO lrs_statements (id, stored_ms, registration, station, status, \
                 reason, statement, pulled_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (id) DO NOTHING",
            )?;
            for s in batch {
                let n = st.execute(params![
                    s.id,
                    s.stored_ms,
                    s.registration,
                    s.station,
                    s.status.key(),
                    s.reason,
                    s.statement,
                    now_ms
                ])?;
                if n == 0 {
                    out.duplicates += 1;
                    continue;
                }
                out.new += 1;
                match s.status {
                    CacheStatus::Used => {
                        out.used += 1;
                        if let Some(r) = &s.registration {
                            regs.insert(r.clone());
                        }
                    }
                    CacheStatus::Ignored => out.ignored += 1,
                    CacheStatus::Skipped => out.skipped += 1,
                }
            }
            out.registrations = regs.into_iter().collect();
            Ok(out)
        })
    }

    /// The `Used` statements of these attempts (JSON), oldest stored first.
    pub(crate) fn cache_statements_of(
        &self,
        registrations: &[String],
    ) -> Result<Vec<String>, RecordsError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT statement FROM lrs_statements WHERE registration = ?1 AND status = 'used' \
                 ORDER BY stored_ms, seq",
            )?;
            let mut out = Vec::new();
            for r in registrations {
                let rows = st.query_map([r], |row| row.get::<_, String>(0))?;
                for row in rows {
                    out.push(row?);
                }
            }
            Ok(out)
        })
    }

    /// Attempts with statements not yet rebuilt into `attempts` (a pull cut short).
    pub(crate) fn cache_unrebuilt(&self) -> Result<Vec<String>, RecordsError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT DISTINCT registration FROM lrs_statements \
                 WHERE status = 'used' AND rebuilt = 0 AND registration IS NOT NULL",
            )?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect()
        })
    }

    /// Marks these attempts' statements as rebuilt.
    pub(crate) fn cache_mark_rebuilt(&self, registrations: &[String]) -> Result<(), RecordsError> {
        self.write(|tx| {
            let mut st = tx.prepare_cached(
                "UPDATE lrs_statements SET rebuilt = 1 \
                 WHERE registration = ?1 AND status = 'used' AND rebuilt = 0",
            )?;
            for r in registrations {
                st.execute([r])?;
            }
            Ok(())
        })
    }

    /// Records a pull that read every page: the new cursor (never moved back) and the time.
    pub(crate) fn cache_note_success(
        &self,
        endpoint: &str,
        cursor_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<(), RecordsError> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO lrs_pull (endpoint, cursor_ms, last_success_ms, last_try_ms, \
                 last_error, pulls) VALUES (?1, ?2, ?3, ?3, NULL, 1) \
                 ON CONFLICT (endpoint) DO UPDATE SET \
                 cursor_ms = max(coalesce(cursor_ms, excluded.cursor_ms), \
                                 coalesce(excluded.cursor_ms, cursor_ms)), \
                 last_success_ms = excluded.last_success_ms, last_try_ms = excluded.last_try_ms, \
                 last_error = NULL, pulls = pulls + 1",
            )?
            .execute(params![endpoint, cursor_ms, now_ms])?;
            Ok(())
        })
    }

    /// Records a pull that failed (the cursor stays: the next pull asks again).
    pub(crate) fn cache_note_failure(
        &self,
        endpoint: &str,
        error: &str,
        now_ms: i64,
    ) -> Result<(), RecordsError> {
        let error = crate::untrusted::clean(error);
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO lrs_pull (endpoint, last_try_ms, last_error) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (endpoint) DO UPDATE SET last_try_ms = excluded.last_try_ms, \
                 last_error = excluded.last_error",
            )?
            .execute(params![endpoint, now_ms, error])
            .map_err(Fail::from)?;
            Ok(())
        })
    }

    /// Every station that reported, by name, with its statements and attempts.
    pub fn cache_stations(&self) -> Result<Vec<StationSeen>, RecordsError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT s.station, count(*), max(s.stored_ms), \
                 (SELECT count(*) FROM attempts a WHERE a.station = s.station) \
                 FROM lrs_statements s WHERE s.status = 'used' AND s.station IS NOT NULL \
                 GROUP BY s.station ORDER BY s.station",
            )?;
            let rows = st.query_map([], |r| {
                Ok(StationSeen {
                    station: r.get(0)?,
                    statements: r.get::<_, i64>(1)?.max(0) as u64,
                    last_stored_ms: r.get(2)?,
                    attempts: r.get::<_, i64>(3)?.max(0) as u64,
                })
            })?;
            rows.collect()
        })
    }

    /// Statements in the cache by status.
    pub fn cache_counts(&self) -> Result<CacheCounts, RecordsError> {
        self.read(|c| {
            let mut out = CacheCounts::default();
            let mut st =
                c.prepare_cached("SELECT status, count(*) FROM lrs_statements GROUP BY status")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let n = r.get::<_, i64>(1)?.max(0) as u64;
                match r.get::<_, String>(0)?.as_str() {
                    "used" => out.used = n,
                    "ignored" => out.ignored = n,
                    _ => out.skipped = n,
                }
            }
            Ok(out)
        })
    }

    /// The reasons statements were skipped, most frequent first (at most `limit`).
    pub fn cache_skip_reasons(&self, limit: usize) -> Result<Vec<(String, u64)>, RecordsError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT coalesce(reason, '?'), count(*) AS n FROM lrs_statements \
                 WHERE status = 'skipped' GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?1",
            )?;
            let rows = st.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64))
            })?;
            rows.collect()
        })
    }
}

/// A cached assignment statement: `(statement id, status, reason, statement JSON)`.
pub type CachedAssignmentStatement = (String, CacheStatus, Option<String>, String);

impl Store {
    /// The cached assignment statements (`assigned`, `withdrew`, `satisfied`), used or
    /// skipped, in the order the LRS stored them: `(statement id, status, reason,
    /// statement JSON)`. Read by `lrs::assignments`.
    pub fn cache_assignment_statements(
        &self,
    ) -> Result<Vec<CachedAssignmentStatement>, RecordsError> {
        use crate::assignment_xapi::{ASSIGNED, SATISFIED, WITHDREW};
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, status, reason, statement FROM lrs_statements \
                 WHERE status IN ('used', 'skipped') \
                 AND json_valid(statement) AND json_extract(statement, '$.verb.id') IN (?1, ?2, ?3) \
                 ORDER BY stored_ms, seq",
            )?;
            let rows = st.query_map(params![ASSIGNED, WITHDREW, SATISFIED], |r| {
                let status: String = r.get(1)?;
                Ok((
                    r.get(0)?,
                    if status == "used" {
                        CacheStatus::Used
                    } else {
                        CacheStatus::Skipped
                    },
                    r.get(2)?,
                    r.get(3)?,
                ))
            })?;
            rows.collect()
        })
    }
}
