//! Delivered xAPI statements pruned to what rebuilds them, rebuilt byte for byte when read back, and the file's freed space returned.
//!
//! A sent statement's JSON is dropped only after this build has rebuilt it from the records
//! rows (`attempts`, `steps`, `outbox`) plus its [`StatementParts`] and found it equal, byte
//! for byte, to the JSON as sent; its SHA-256 is kept and checked on every rebuild
//! (docs/records.md, "Delivered statements"; docs/design.md).

use crate::records::store::Fail;
use crate::records::time::{DAY_MS, now_ms};
use crate::records::{RecordsError, Store};
use crate::xapi::{self, AttemptContext, ResultFacts, StatementParts, Verb};
use courtesy_engine::model::Principle;
use courtesy_engine::session::TranscriptEntry;
use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The version of the rebuild inputs kept in `statement_parts` (its `format` field). A
/// change to what the xAPI builders write for the same inputs needs a new version, with
/// the old builders kept for the statements pruned before (`tests/xapi_prune.rs` pins
/// the bytes).
pub const STATEMENT_FORMAT: i64 = 1;

/// Statements examined per write transaction, so that recording never waits long.
const BATCH: usize = 500;

/// Pages given back per incremental-vacuum transaction (16 MiB of 4 KiB pages).
const VACUUM_SLICE: i64 = 4096;

/// The pause after each batch (and each vacuum slice at the end) before the next one
/// takes the write lock: SQLite's busy handler, which a step being recorded meanwhile waits
/// in, tries again at most every 100 ms, so a waiting step then gets the lock in the
/// pause. Back to back, the lock was free only for microseconds between two batches and
/// a step recorded during a full-size prune waited up to 7.1 s (p99 2.0 s, median 57 ms),
/// not one batch (median 132 ms, max 0.8 s).
const PAUSE: Duration = Duration::from_millis(100);

/// The longest freelist given back between two batches (a few trunk pages). SQLite's
/// `PRAGMA incremental_vacuum` searches the freelist for every page it gives back, so a
/// page costs time in proportion to the freelist's length: after each batch (~400 freed
/// pages) that is little; a freelist already longer than this (e.g. a prune stopped
/// before its reclaim) is left for the end, as before.
const SHORT_FREELIST: i64 = 2 * VACUUM_SLICE;

/// One `statement_parts` row: what rebuilds a statement besides the records rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredParts {
    format: i64,
    home_page: String,
    /// Without a trailing '/': the builders trim it.
    base_iri: String,
    parts: StatementParts,
}

/// How the freed space went back to the file system.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reclaim {
    /// Nothing was freed (or nothing to free).
    #[default]
    None,
    /// `PRAGMA incremental_vacuum` (stores with `auto_vacuum = INCREMENTAL`).
    Incremental,
    /// A one-time `VACUUM` that also switched the store to `auto_vacuum = INCREMENTAL`
    /// (stores created before schema version 3).
    Vacuum,
}

/// What [`Store::prune_sent`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Sent statements examined (delivered, past the retention, not examined before).
    pub examined: usize,
    /// Whose JSON was dropped: rebuilt exactly from the records.
    pub pruned: usize,
    /// Kept whole: the rebuild differed (e.g. written by an older Courtesy).
    pub kept_whole: usize,
    pub reclaim: Reclaim,
    /// Size of the store file before and after (bytes; the `-wal` file not counted).
    pub file_bytes_before: u64,
    pub file_bytes_after: u64,
    /// Free pages given back to the file system (after each batch and at the end).
    pub pages_reclaimed: u64,
    /// Of `elapsed_ms`, the time spent giving them back.
    pub reclaim_ms: u64,
    pub elapsed_ms: u64,
}

/// The columns a statement is rebuilt from, after `o.seq, o.id, a.uuid`; with
/// [`SOURCE_JOIN`].
pub(crate) const SOURCE_COLUMNS: &str = "o.verb, o.created_ms, o.step_idx, a.trainee, a.scenario, \
     a.content_hash, a.seed, a.locale, a.started_ms, a.ending, a.outcome, a.passed, a.overall, \
     a.final_mood, a.respect, a.moderation, a.self_discipline, a.compliance, a.not_assessed, \
     a.below_floor, a.steps, s.step_id, s.variant, s.customer_line, s.offered, s.chosen, s.best, \
     s.timed_out, s.response_ms, s.respect, s.moderation, s.self_discipline, s.compliance, \
     s.mood_before, s.mood_after, s.trigger_goto, a.station";
/// `FROM` clause for [`SOURCE_COLUMNS`].
pub(crate) const SOURCE_JOIN: &str = "FROM outbox o JOIN attempts a ON a.id = o.attempt_id \
     LEFT JOIN steps s ON s.attempt_id = o.attempt_id AND s.idx = o.step_idx";

/// A statement's row and the records it is built from.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    id: String,
    uuid: String,
    verb: String,
    created_ms: i64,
    step_idx: Option<i64>,
    trainee: String,
    scenario: String,
    content_hash: Option<String>,
    seed: String,
    locale: String,
    started_ms: i64,
    ending: Option<String>,
    outcome: Option<String>,
    passed: Option<bool>,
    overall: Option<f64>,
    final_mood: Option<i32>,
    scores: [Option<f64>; 4],
    not_assessed: Option<String>,
    below_floor: Option<String>,
    steps: i64,
    step_id: Option<String>,
    variant: Option<i64>,
    customer_line: Option<String>,
    offered: Option<String>,
    chosen: Option<String>,
    best: Option<String>,
    timed_out: Option<bool>,
    response_ms: Option<i64>,
    ratings: [Option<i64>; 4],
    mood_before: Option<i32>,
    mood_after: Option<i32>,
    trigger: Option<String>,
    station: Option<String>,
}

impl Source {
    /// Reads `id` and `uuid` at those columns and [`SOURCE_COLUMNS`] from column `at`.
    pub(crate) fn read(r: &Row<'_>, id: usize, uuid: usize, at: usize) -> rusqlite::Result<Source> {
        let c = |n: usize| at + n;
        Ok(Source {
            id: r.get(id)?,
            uuid: r.get(uuid)?,
            verb: r.get(c(0))?,
            created_ms: r.get(c(1))?,
            step_idx: r.get(c(2))?,
            trainee: r.get(c(3))?,
            scenario: r.get(c(4))?,
            content_hash: r.get(c(5))?,
            seed: r.get(c(6))?,
            locale: r.get(c(7))?,
            started_ms: r.get(c(8))?,
            ending: r.get(c(9))?,
            outcome: r.get(c(10))?,
            passed: r.get(c(11))?,
            overall: r.get(c(12))?,
            final_mood: r.get(c(13))?,
            scores: [r.get(c(14))?, r.get(c(15))?, r.get(c(16))?, r.get(c(17))?],
            not_assessed: r.get(c(18))?,
            below_floor: r.get(c(19))?,
            steps: r.get(c(20))?,
            step_id: r.get(c(21))?,
            variant: r.get(c(22))?,
            customer_line: r.get(c(23))?,
            offered: r.get(c(24))?,
            chosen: r.get(c(25))?,
            best: r.get(c(26))?,
            timed_out: r.get(c(27))?,
            response_ms: r.get(c(28))?,
            ratings: [r.get(c(29))?, r.get(c(30))?, r.get(c(31))?, r.get(c(32))?],
            mood_before: r.get(c(33))?,
            mood_after: r.get(c(34))?,
            trigger: r.get(c(35))?,
            station: r.get(c(36))?,
        })
    }

    fn verb(&self) -> Result<Verb, String> {
        Verb::from_key(&self.verb).ok_or_else(|| format!("unknown verb `{}`", self.verb))
    }

    fn principles(list: Option<&str>) -> Result<Vec<Principle>, String> {
        list.unwrap_or("")
            .split(',')
            .filter(|k| !k.is_empty())
            .map(|k| Principle::from_key(k).ok_or_else(|| format!("unknown principle `{k}`")))
            .collect()
    }

    /// The statement, built again by the xAPI builders from these records and `stored`.
    fn rebuild(&self, stored: &StoredParts) -> Result<String, String> {
        if stored.format != STATEMENT_FORMAT {
            return Err(format!(
                "its parts are in format {}, this build rebuilds format {STATEMENT_FORMAT}",
                stored.format
            ));
        }
        let id = Uuid::parse_str(&self.id).map_err(|_| "its id is not a UUID".to_string())?;
        let registration = Uuid::parse_str(&self.uuid)
            .map_err(|_| "its attempt's uuid is not a UUID".to_string())?;
        let seed: u64 = self
            .seed
            .parse()
            .map_err(|_| "its attempt's seed is not a whole number".to_string())?;
        let c = AttemptContext {
            home_page: &stored.home_page,
            base_iri: &stored.base_iri,
            trainee: &self.trainee,
            registration,
            scenario_id: &self.scenario,
            scenario: None,
            content_hash: self.content_hash.as_deref(),
            seed,
            locale: &self.locale,
            station: self.station.as_deref(),
        };
        let missing = |what: &str| format!("its {what} is missing from the records");
        let value = match self.verb()? {
            Verb::Answered => {
                let index = self
                    .step_idx
                    .and_then(|i| usize::try_from(i).ok())
                    .ok_or_else(|| missing("step index"))?;
                let offered: Vec<String> =
                    serde_json::from_str(self.offered.as_deref().ok_or_else(|| missing("step"))?)
                        .map_err(|_| "its step's offered replies are not a JSON list".to_string())?;
                let mut ratings = BTreeMap::new();
                for (p, v) in Principle::ALL.into_iter().zip(self.ratings) {
                    if let Some(v) = v {
                        ratings.insert(p, v);
                    }
                }
                let entry = TranscriptEntry {
                    step_id: self.step_id.clone().ok_or_else(|| missing("step"))?,
                    variant: self
                        .variant
                        .and_then(|v| usize::try_from(v).ok())
                        .ok_or_else(|| missing("step variant"))?,
                    customer_line: self.customer_line.clone().unwrap_or_default(),
                    offered,
                    chosen: self.chosen.clone().ok_or_else(|| missing("reply"))?,
                    reaction: None,
                    timed_out: self.timed_out.ok_or_else(|| missing("step"))?,
                    response_ms: self
                        .response_ms
                        .and_then(|v| u64::try_from(v).ok())
                        .ok_or_else(|| missing("response time"))?,
                    ratings,
                    mood_before: self.mood_before.ok_or_else(|| missing("mood"))?,
                    mood_after: self.mood_after.ok_or_else(|| missing("mood"))?,
                    best: self.best.clone().ok_or_else(|| missing("best reply"))?,
                    trigger: self.trigger.clone(),
                };
                xapi::answered_from(&c, &stored.parts, id, index, &entry, self.created_ms)
            }
            v => {
                let mut principles = BTreeMap::new();
                for (p, s) in Principle::ALL.into_iter().zip(self.scores) {
                    if let Some(s) = s {
                        principles.insert(p, s);
                    }
                }
                let facts = ResultFacts {
                    passed: self.passed.ok_or_else(|| missing("result"))?,
                    // NULL is how SQLite keeps a NaN score; the builder writes 0 for it.
                    overall: self.overall.unwrap_or(f64::NAN),
                    principles,
                    outcome: self.outcome.clone().ok_or_else(|| missing("outcome"))?,
                    ending: self.ending.clone().ok_or_else(|| missing("ending"))?,
                    final_mood: self.final_mood.ok_or_else(|| missing("final mood"))?,
                    steps: usize::try_from(self.steps).unwrap_or(0),
                    not_assessed: Source::principles(self.not_assessed.as_deref())?,
                    below_floor: Source::principles(self.below_floor.as_deref())?,
                };
                let took = Duration::from_millis(
                    u64::try_from(self.created_ms.saturating_sub(self.started_ms)).unwrap_or(0),
                );
                xapi::result_from(&c, &stored.parts, id, v, &facts, self.created_ms, took)
            }
        };
        Ok(value.to_string())
    }

    /// What statements sharing this one's parts have in common: the same step shown the
    /// same way (variant, reply order), or a result of the same scenario file.
    fn guess_key(&self) -> GuessKey {
        let answered = self.verb == Verb::Answered.key();
        GuessKey {
            answered,
            scenario: self.scenario.clone(),
            content_hash: self.content_hash.clone(),
            step: answered.then(|| (self.step_id.clone(), self.variant, self.offered.clone())),
        }
    }

    /// The parts that rebuild `statement` exactly, or why not.
    fn parts_for(&self, statement: &str) -> Result<StoredParts, String> {
        let value: serde_json::Value =
            serde_json::from_str(statement).map_err(|_| "it is not JSON".to_string())?;
        let (home_page, base_iri, parts) = xapi::parts_of(&value, self.verb()?, &self.scenario)
            .ok_or_else(|| "it does not have the shape this build writes".to_string())?;
        let stored = StoredParts {
            format: STATEMENT_FORMAT,
            home_page,
            base_iri,
            parts,
        };
        if self.rebuild(&stored)? == statement {
            Ok(stored)
        } else {
            Err("its rebuild differs".to_string())
        }
    }
}

/// A guess at a statement's parts ([`Source::guess_key`]): the parts that rebuilt the last
/// statement with this key are tried first, and kept only if they rebuild this one byte
/// for byte too; otherwise the statement's own JSON is read apart as before.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GuessKey {
    answered: bool,
    scenario: String,
    content_hash: Option<String>,
    /// Answered statements: step id, variant and the offered order as recorded.
    step: Option<(Option<String>, Option<i64>, Option<String>)>,
}

/// Parts found by this prune, by the JSON of their `statement_parts` row and by
/// [`GuessKey`]; only rows of committed batches (a batch retried after a busy error must
/// not see the ids its rolled-back try inserted).
#[derive(Debug, Default)]
struct PartsCache {
    by_text: HashMap<String, i64>,
    by_guess: HashMap<GuessKey, (i64, StoredParts)>,
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// Rebuilds pruned statements as they are read, loading `statement_parts` rows once each.
#[derive(Debug, Default)]
pub(crate) struct Rebuilder {
    parts: HashMap<i64, StoredParts>,
}

impl Rebuilder {
    /// The statement of `src` (pruned, with `parts_id` and `digest`) as it was sent.
    pub(crate) fn statement(
        &mut self,
        store: &Store,
        src: &Source,
        parts_id: i64,
        digest: &[u8],
    ) -> Result<String, RecordsError> {
        let fail = |detail: String| RecordsError::Unrebuildable {
            path: store.path().to_path_buf(),
            id: src.id.clone(),
            detail,
        };
        if !self.parts.contains_key(&parts_id) {
            let text: Option<String> = store.read(|c| {
                c.prepare_cached("SELECT parts FROM statement_parts WHERE id = ?1")?
                    .query_row([parts_id], |r| r.get(0))
                    .or_else(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => Ok(None),
                        e => Err(e),
                    })
            })?;
            let text =
                text.ok_or_else(|| fail(format!("statement_parts row {parts_id} is gone")))?;
            let stored: StoredParts = serde_json::from_str(&text)
                .map_err(|e| fail(format!("statement_parts row {parts_id} is unreadable: {e}")))?;
            self.parts.insert(parts_id, stored);
        }
        let stored = &self.parts[&parts_id];
        let text = src.rebuild(stored).map_err(fail)?;
        if sha256(text.as_bytes()) != digest {
            return Err(fail(
                "the rebuilt JSON's SHA-256 differs from the one recorded when it was pruned"
                    .to_string(),
            ));
        }
        Ok(text)
    }
}

fn file_bytes(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// What one batch did: (examined, pruned, kept whole, and what it adds to the cache).
type BatchOutcome = (usize, usize, usize, PartsCache);

/// The bookkeeping columns of a pruned row, read with the batch and written back.
const KEPT_COLUMNS: &str =
    "o.status, o.created_ms, o.tries, o.last_try_ms, o.sent_ms, o.reason, o.attempt_id";

/// A row's bookkeeping columns ([`KEPT_COLUMNS`]) as read.
type Kept = (
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
);

/// The query of one batch: the oldest unexamined sent statements with their records,
/// read through `outbox_unpruned` whatever the statistics say. Without `INDEXED BY`,
/// statistics sampled by `PRAGMA optimize` (e.g. `outbox_by_status` estimated at 401 rows
/// per status) led SQLite to read every sent row through `outbox_by_status` and sort them
/// by `sent_ms` for each batch of 500 — at 1.2M statements, 12 statements/s.
fn batch_sql() -> String {
    let join = SOURCE_JOIN.replacen(
        "FROM outbox o ",
        "FROM outbox o INDEXED BY outbox_unpruned ",
        1,
    );
    format!(
        "SELECT o.seq, o.id, a.uuid, o.statement, {KEPT_COLUMNS}, {SOURCE_COLUMNS} {join} \
         WHERE o.status = 'sent' AND o.digest IS NULL AND o.sent_ms <= ?1 \
         ORDER BY o.sent_ms LIMIT ?2"
    )
}

/// One batch, in one write transaction: the oldest [`BATCH`] unexamined sent statements
/// read with their records in one query; each rebuilt and compared in Rust; then the
/// proven ones deleted with one statement and inserted again, smaller, in seq order (a
/// run of neighbouring rows, so whole pages empty and the new rows fill few pages). Each
/// statement is first rebuilt with the parts of the last one with its [`GuessKey`]; if
/// that is not byte for byte the JSON as sent, its parts are read from its JSON and looked
/// up by their JSON in `known` (the ones this prune has already seen), so a statement
/// costs no parts hash; a new one is hashed once and inserted.
fn prune_batch(tx: &Connection, cutoff: i64, known: &PartsCache) -> Result<BatchOutcome, Fail> {
    let sql = batch_sql();
    type Read = (i64, String, Kept, Source);
    let rows: Vec<Read> = {
        let mut st = tx.prepare_cached(&sql)?;
        let rows = st.query_map(params![cutoff, BATCH as i64], |r| {
            Ok((
                r.get(0)?,
                r.get(3)?,
                (
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ),
                Source::read(r, 1, 2, 11)?,
            ))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut added = PartsCache::default();
    // (row, parts id, digest) of the proven rows; (seq, digest) of the others.
    let mut proven: Vec<(&Read, i64, Vec<u8>)> = Vec::with_capacity(rows.len());
    let mut kept_whole: Vec<(i64, Vec<u8>)> = Vec::new();
    for row in &rows {
        let (seq, statement, _, src) = row;
        let digest = sha256(statement.as_bytes());
        let key = src.guess_key();
        let guess = added
            .by_guess
            .get(&key)
            .or_else(|| known.by_guess.get(&key));
        if let Some((id, stored)) = guess
            && src.rebuild(stored).is_ok_and(|t| t == *statement)
        {
            proven.push((row, *id, digest));
            continue;
        }
        let Ok(stored) = src.parts_for(statement) else {
            kept_whole.push((*seq, digest));
            continue;
        };
        // Serialising plain strings and lists cannot fail.
        let text = serde_json::to_string(&stored).unwrap_or_default();
        let found = known
            .by_text
            .get(&text)
            .or_else(|| added.by_text.get(&text))
            .copied();
        let id = match found {
            Some(id) => id,
            None => {
                let hash = sha256(text.as_bytes());
                tx.prepare_cached(
                    "INSERT INTO statement_parts (hash, parts) VALUES (?1, ?2) \
                     ON CONFLICT (hash) DO NOTHING",
                )?
                .execute(params![hash, text])?;
                let id: i64 = tx
                    .prepare_cached("SELECT id FROM statement_parts WHERE hash = ?1")?
                    .query_row([&hash], |r| r.get(0))?;
                added.by_text.insert(text, id);
                id
            }
        };
        added.by_guess.insert(key, (id, stored));
        proven.push((row, id, digest));
    }
    for (seq, digest) in &kept_whole {
        tx.prepare_cached("UPDATE outbox SET digest = ?2 WHERE seq = ?1")?
            .execute(params![seq, digest])?;
    }
    if !proven.is_empty() {
        // Deleted and inserted again, smaller, rather than updated: SQLite merges
        // under-full pages on a delete only, so an update in place would leave the pages
        // mostly empty and nothing for the vacuum to give back.
        let seqs: Vec<i64> = proven.iter().map(|(r, _, _)| r.0).collect();
        let list = serde_json::to_string(&seqs).unwrap_or_default();
        let deleted = tx
            .prepare_cached("DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?1))")?
            .execute([&list])?;
        if deleted != proven.len() {
            // Cannot happen inside one transaction; refuse rather than lose rows.
            return Err(Fail::Sql(rusqlite::Error::StatementChangedRows(deleted)));
        }
        let mut insert = tx.prepare_cached(
            "INSERT INTO outbox (seq, id, attempt_id, step_idx, verb, statement, status, \
             created_ms, tries, last_try_ms, sent_ms, reason, parts_id, digest) \
             VALUES (?1, ?2, ?3, ?4, ?5, '', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        for ((seq, _, k, src), parts_id, digest) in &proven {
            insert.execute(params![
                seq,
                src.id,
                k.6,
                src.step_idx,
                src.verb,
                k.0,
                k.1,
                k.2,
                k.3,
                k.4,
                k.5,
                parts_id,
                digest
            ])?;
        }
    }
    Ok((rows.len(), proven.len(), kept_whole.len(), added))
}

impl Store {
    /// Prunes the delivered statements whose retention has passed
    /// ([`Store::set_keep_sent_days`], default 0: at once): each one this build rebuilds
    /// exactly from the records has its JSON dropped (kept: its id, its bookkeeping, its
    /// SHA-256, and a deduplicated `statement_parts` row); the others are kept whole. The
    /// freed pages go back to the file system as the prune goes ([`Reclaim`]). The LRS
    /// sync calls it after every pass; reading them ([`Store::outbox_items`], `courtesy
    /// export --xapi --all`) rebuilds pruned statements byte for byte.
    pub fn prune_sent(&self) -> Result<PruneReport, RecordsError> {
        self.prune_sent_with(|_| {})
    }

    /// [`Store::prune_sent`], telling `on_batch` the report so far after each batch (and
    /// the space it gave back): `file_bytes_after` is then the file's size at that point.
    pub fn prune_sent_with(
        &self,
        on_batch: impl FnMut(&PruneReport),
    ) -> Result<PruneReport, RecordsError> {
        self.prune_sent_paced(on_batch, || std::thread::sleep(PAUSE))
    }

    /// The prune, with `pause` run between two batches, when this store holds no lock and
    /// no transaction (the tests check a writer gets in there).
    fn prune_sent_paced(
        &self,
        mut on_batch: impl FnMut(&PruneReport),
        mut pause: impl FnMut(),
    ) -> Result<PruneReport, RecordsError> {
        let started = Instant::now();
        let days = i64::from(self.keep_sent_days());
        let cutoff = if days == 0 {
            i64::MAX
        } else {
            now_ms().saturating_sub(days.saturating_mul(DAY_MS))
        };
        let mut report = PruneReport {
            file_bytes_before: file_bytes(self.path()),
            ..PruneReport::default()
        };
        let mode: i64 = self.read(|c| c.query_row("PRAGMA auto_vacuum", [], |r| r.get(0)))?;
        let incremental = mode == AUTO_VACUUM_INCREMENTAL;
        let mut known = PartsCache::default();
        loop {
            let (examined, pruned, kept, added) =
                self.write(|tx| prune_batch(tx, cutoff, &known))?;
            known.by_text.extend(added.by_text);
            known.by_guess.extend(added.by_guess);
            report.examined += examined;
            report.pruned += pruned;
            report.kept_whole += kept;
            if incremental && pruned > 0 {
                // What this batch freed, given back while the freelist is short: a
                // freelist of a whole prune (957,000 pages at full size) is given back
                // at ~400 pages/s, one of a batch at the speed of moving pages.
                let t = Instant::now();
                let (given, _) = self.vacuum_slice(SHORT_FREELIST)?;
                report.pages_reclaimed += given;
                report.reclaim_ms += ms_since(t);
                if given > 0 {
                    report.reclaim = Reclaim::Incremental;
                }
            }
            report.file_bytes_after = file_bytes(self.path());
            on_batch(&report);
            if examined < BATCH {
                break;
            }
            pause();
        }
        if report.pruned > 0 {
            let t = Instant::now();
            let (done, given) = self.reclaim()?;
            report.pages_reclaimed += given;
            report.reclaim_ms += ms_since(t);
            if done != Reclaim::None {
                report.reclaim = done;
            }
        }
        if report.reclaim != Reclaim::None {
            // The moved pages went through the WAL: give its space back too (best effort:
            // a reader in another process may hold it; the next checkpoint then does it).
            self.best_effort("PRAGMA wal_checkpoint(TRUNCATE);");
        }
        report.file_bytes_after = file_bytes(self.path());
        report.elapsed_ms = ms_since(started);
        Ok(report)
    }

    /// One `PRAGMA incremental_vacuum` of up to [`VACUUM_SLICE`] pages, in its own
    /// transaction, if the freelist holds at most `at_most` pages (any: `i64::MAX`).
    /// Returns (pages given back, free pages left).
    fn vacuum_slice(&self, at_most: i64) -> Result<(u64, i64), RecordsError> {
        self.read(|c| {
            let free =
                |c: &Connection| c.query_row("PRAGMA freelist_count", [], |r| r.get::<_, i64>(0));
            let before = free(c)?;
            if before == 0 || before > at_most {
                return Ok((0, before));
            }
            // Stepped to the end: each step gives back one page.
            let mut st = c.prepare_cached(&format!("PRAGMA incremental_vacuum({VACUUM_SLICE})"))?;
            let mut rows = st.query([])?;
            while rows.next()?.is_some() {}
            drop(rows);
            let after = free(c)?;
            Ok((u64::try_from(before - after).unwrap_or(0), after))
        })
    }

    /// Gives the free pages left back to the file system: an incremental vacuum in
    /// slices, or, once for a store created before schema version 3 (`auto_vacuum =
    /// NONE`), a `VACUUM` that switches it to `auto_vacuum = INCREMENTAL`. Returns what it
    /// did and the pages it gave back.
    fn reclaim(&self) -> Result<(Reclaim, u64), RecordsError> {
        let (mode, free): (i64, i64) = self.read(|c| {
            Ok((
                c.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?,
                c.query_row("PRAGMA freelist_count", [], |r| r.get(0))?,
            ))
        })?;
        if free == 0 {
            return Ok((Reclaim::None, 0));
        }
        let done = match mode {
            AUTO_VACUUM_INCREMENTAL => {
                // In slices, each its own transaction, so that recording waits at most one.
                let mut left = free;
                while left > 0 {
                    let (_, now) = self.vacuum_slice(i64::MAX)?;
                    if now >= left {
                        break; // nothing more could be given back
                    }
                    left = now;
                    if left > 0 {
                        std::thread::sleep(PAUSE);
                    }
                }
                Reclaim::Incremental
            }
            0 => {
                self.read(|c| c.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;"))?;
                Reclaim::Vacuum
            }
            // FULL: SQLite already shrinks the file at each commit.
            _ => Reclaim::None,
        };
        let left: i64 = self.read(|c| c.query_row("PRAGMA freelist_count", [], |r| r.get(0)))?;
        Ok((done, u64::try_from(free - left).unwrap_or(0)))
    }
}

/// `PRAGMA auto_vacuum`'s value for INCREMENTAL.
const AUTO_VACUUM_INCREMENTAL: i64 = 2;

fn ms_since(t: Instant) -> u64 {
    u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{
        AttemptStart, ImportedAttempt, MIGRATIONS, OutboxSelect, Source as RecordSource,
    };
    use courtesy_engine::load::parse_str;
    use courtesy_engine::session::AttemptResult;
    use courtesy_engine::strategy::{Strategy, play};
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    /// A fresh folder under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let d = std::env::temp_dir().join(format!(
                "courtesy-prune-{name}-{}-{}",
                std::process::id(),
                now_ms()
            ));
            std::fs::create_dir_all(&d).expect("temp dir");
            TempDir(d)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn raw_count(path: &Path, sql: &str) -> i64 {
        Connection::open(path)
            .and_then(|c| c.query_row(sql, [], |r| r.get(0)))
            .expect("counts")
    }

    /// A store at `path` holding `attempts` imported attempts of a shipped scenario, every
    /// statement marked sent: (the store, how many statements).
    fn delivered_store(path: &Path, attempts: u64) -> (Store, usize) {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scenarios/angry-customer.ron"
        );
        let src = std::fs::read_to_string(file).expect("scenario readable");
        let sc = Arc::new(parse_str(&src).expect("scenario parses"));
        let results: Vec<AttemptResult> = (0..attempts)
            .map(|s| play(sc.clone(), s, "en", &Strategy::Random).expect("plays"))
            .collect();
        let starts: Vec<AttemptStart> = results
            .iter()
            .map(|r| AttemptStart::for_result("bulk", r, None, RecordSource::Import))
            .collect();
        let batch: Vec<ImportedAttempt<'_>> = results
            .iter()
            .zip(&starts)
            .map(|(r, s)| ImportedAttempt {
                start: s,
                started_ms: 1_700_000_000_000,
                transcript: &r.transcript,
                finished: Some((1_700_000_100_000, r)),
            })
            .collect();
        let store = Store::open(path).expect("opens");
        store.import_attempts(&batch).expect("imports");
        let items = store.outbox_items(OutboxSelect::All, None).expect("reads");
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        store.outbox_mark_sent(&ids).expect("marks");
        (store, items.len())
    }

    #[test]
    fn each_batch_gives_its_pages_back_before_the_next_one() {
        let dir = TempDir::new("batches");
        let path = dir.0.join("records.sqlite3");
        let (store, statements) = delivered_store(&path, 300);
        assert!(statements > 3 * BATCH, "several batches: {statements}");
        let pages = || raw_count(&path, "PRAGMA page_count");
        let before = pages();
        // After each batch: the free pages left, and the database's size in pages (the
        // file itself shrinks when the WAL is next checkpointed).
        let mut seen: Vec<(i64, i64)> = Vec::new();
        let report = store
            .prune_sent_with(|_| seen.push((raw_count(&path, "PRAGMA freelist_count"), pages())))
            .expect("prunes");
        assert_eq!(report.pruned, statements);
        assert_eq!(report.reclaim, Reclaim::Incremental);
        assert!(seen.len() > 3, "{seen:?}");
        // Before this change every freed page waited for the end of the prune: the
        // freelist grew batch after batch (to 957,000 pages at full size) and was then
        // given back at ~400 pages/s.
        assert!(
            seen.iter().all(|(free, _)| *free == 0),
            "no free page left between batches: {seen:?}"
        );
        assert!(
            seen.windows(2).all(|w| w[1].1 < w[0].1) && seen[0].1 < before,
            "the store shrinks batch after batch: {before} pages → {seen:?}"
        );
        assert!(report.pages_reclaimed > 0);
        // What was pruned still reads back.
        assert_eq!(
            store
                .outbox_items(OutboxSelect::All, None)
                .expect("rebuilds")
                .len(),
            statements
        );
        assert!(store.integrity_check().expect("checks").is_empty());
    }

    /// Between two batches the prune holds nothing, so a step being recorded meanwhile
    /// (another connection, as the app's recorder is) gets the write lock in the pause at
    /// once. Deterministic: the pause hook itself tries the lock with no busy wait. How
    /// long a recorder really waits during a full-size prune is measured by
    /// `benches/records.rs` (median 14 ms, p99 193 ms with the 100 ms pause).
    #[test]
    fn between_two_batches_another_connection_gets_the_write_lock_at_once() {
        let dir = TempDir::new("pause");
        let path = dir.0.join("records.sqlite3");
        let (store, statements) = delivered_store(&path, 1000);
        assert!(statements > 10 * BATCH, "many batches: {statements}");
        let other = Connection::open(&path).expect("opens");
        other.busy_timeout(Duration::ZERO).expect("no busy wait");
        let mut batches = 0;
        let mut pauses = Vec::new();
        let report = store
            .prune_sent_paced(
                |_| batches += 1,
                || {
                    let wrote = other.execute_batch(
                        "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS waited (x);
                         INSERT INTO waited VALUES (1); COMMIT;",
                    );
                    pauses.push(wrote.map_err(|e| e.to_string()));
                },
            )
            .expect("prunes");
        assert_eq!(report.pruned, statements);
        assert_eq!(
            pauses.len(),
            batches - 1,
            "a pause between each two batches"
        );
        assert!(pauses.iter().all(Result::is_ok), "{pauses:?}");
        let written: i64 = other
            .query_row("SELECT count(*) FROM waited", [], |r| r.get(0))
            .expect("counts");
        assert_eq!(written, i64::try_from(batches - 1).unwrap_or(-1));
    }

    #[test]
    fn a_long_freelist_found_at_the_start_is_given_back_at_the_end() {
        let dir = TempDir::new("long");
        let path = dir.0.join("records.sqlite3");
        let (store, statements) = delivered_store(&path, 60);
        // A freelist longer than one given back between batches (as a prune stopped
        // before its reclaim leaves).
        Connection::open(&path)
            .and_then(|c| {
                c.execute_batch(&format!(
                    "CREATE TABLE junk (b BLOB); INSERT INTO junk VALUES (zeroblob({}));
                     DROP TABLE junk;",
                    (SHORT_FREELIST + 100) * 4096
                ))
            })
            .expect("frees pages");
        let free = raw_count(&path, "PRAGMA freelist_count");
        assert!(free > SHORT_FREELIST, "{free}");
        let mut between = Vec::new();
        let report = store
            .prune_sent_with(|_| between.push(raw_count(&path, "PRAGMA freelist_count")))
            .expect("prunes");
        assert_eq!(report.pruned, statements);
        assert!(
            between.iter().all(|f| *f >= free),
            "left alone between batches: {between:?}"
        );
        assert_eq!(report.reclaim, Reclaim::Incremental);
        assert_eq!(raw_count(&path, "PRAGMA freelist_count"), 0);
        assert!(report.pages_reclaimed >= u64::try_from(free).unwrap_or(0));
        assert!(report.file_bytes_after + 4096 * free as u64 <= report.file_bytes_before);
    }

    /// The plan of `sql` on a store whose statistics are those a full-size store had after
    /// `PRAGMA optimize` (rows per status under-estimated): one detail line per step.
    fn plan_with_misleading_statistics(sql: &str) -> Vec<String> {
        let c = Connection::open_in_memory().expect("opens");
        for m in MIGRATIONS {
            c.execute_batch(m).expect("migrates");
        }
        c.execute_batch(
            "ANALYZE; DELETE FROM sqlite_stat1;
             INSERT INTO sqlite_stat1 VALUES
               ('outbox', 'outbox_unpruned', '1120500 401'),
               ('outbox', 'outbox_by_attempt', '1198000 12 1'),
               ('outbox', 'outbox_by_status', '1198000 401 1'),
               ('outbox', 'sqlite_autoindex_outbox_1', '1198000 1'),
               ('attempts', 'sqlite_autoindex_attempts_1', '100000 1'),
               ('steps', 'steps', '1000000 10 1');
             ANALYZE sqlite_schema;",
        )
        .expect("statistics");
        let mut st = c
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("plans");
        st.query_map(params![i64::MAX, BATCH as i64], |r| r.get::<_, String>(3))
            .expect("plan rows")
            .collect::<rusqlite::Result<_>>()
            .expect("plan")
    }

    #[test]
    fn a_batch_is_read_through_the_unpruned_index_whatever_the_statistics() {
        let plan = plan_with_misleading_statistics(&batch_sql());
        assert!(
            plan.iter().any(|d| d.contains("outbox_unpruned")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|d| d.contains("TEMP B-TREE")),
            "no sort of every sent row: {plan:?}"
        );
        // Without `INDEXED BY` the bundled SQLite plans, with these statistics: SEARCH o
        // USING INDEX outbox_by_status (status=?) … USE TEMP B-TREE FOR ORDER BY.
    }
}
