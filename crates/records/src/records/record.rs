//! Recording attempts as they are played: `begin_attempt`, then one durably committed
//! transaction per answered step (`record_step`), then `finish_attempt` with the scores.
//! [`Recorder`] keeps the bookkeeping for a [`Session`]; [`record_played`] records a
//! headless run (`courtesy run --trainee`).

use crate::records::store::Fail;
use crate::records::time::now_ms;
use crate::records::{RecordsError, Store, identity};
use crate::xapi::{self, AttemptContext, StatementIdentity, Verb};
use courtesy_engine::model::{Principle, Scenario};
use courtesy_engine::session::{AttemptResult, Session, SessionError, TranscriptEntry};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use uuid::Uuid;

/// The longest trainee id accepted, in characters.
pub const MAX_TRAINEE_CHARS: usize = 100;

/// An attempt's id: a random (v4) UUID, written `1b4e28ba-2fa1-41d2-883f-0016d3cca427`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttemptId(Uuid);

impl AttemptId {
    /// A new random id.
    pub fn new_random() -> AttemptId {
        AttemptId(Uuid::new_v4())
    }

    /// Parses the hyphenated form.
    pub fn parse(text: &str) -> Result<AttemptId, RecordsError> {
        Uuid::parse_str(text.trim())
            .map(AttemptId)
            .map_err(|_| RecordsError::BadAttemptId {
                text: text.to_string(),
            })
    }
}

impl fmt::Display for AttemptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0.as_hyphenated(), f)
    }
}

impl FromStr for AttemptId {
    type Err = RecordsError;
    fn from_str(s: &str) -> Result<AttemptId, RecordsError> {
        AttemptId::parse(s)
    }
}

impl Serialize for AttemptId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What recorded an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The training-room app.
    App,
    /// `courtesy run --trainee`.
    Cli,
    /// [`Store::import_attempts`].
    Import,
}

impl Source {
    /// The value in the `attempts.source` column.
    pub fn key(self) -> &'static str {
        match self {
            Source::App => "app",
            Source::Cli => "cli",
            Source::Import => "import",
        }
    }

    /// Parses [`Source::key`].
    pub fn from_key(key: &str) -> Option<Source> {
        [Source::App, Source::Cli, Source::Import]
            .into_iter()
            .find(|s| s.key() == key)
    }
}

/// Who starts which attempt: everything recorded before the first reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptStart {
    /// The trainee's id (name or staff id as typed at sign-in; trimmed).
    pub trainee: String,
    pub scenario: String,
    /// Hex SHA-256 of the scenario file (`LoadedScenario::content_hash`).
    pub content_hash: Option<String>,
    pub seed: u64,
    pub locale: String,
    pub source: Source,
}

impl AttemptStart {
    /// The start of `session`, played by `trainee`. (`Session` does not expose its
    /// content hash, so pass the one it was started with.)
    pub fn for_session(
        trainee: &str,
        session: &Session,
        content_hash: Option<&str>,
        source: Source,
    ) -> AttemptStart {
        AttemptStart {
            trainee: trainee.to_string(),
            scenario: session.scenario().id.clone(),
            content_hash: content_hash.map(str::to_string),
            seed: session.seed(),
            locale: session.locale().to_string(),
            source,
        }
    }

    /// The start of the attempt that played out as `result` (its scenario, seed and
    /// locale), by `trainee`, with this content hash: for records made after the fact.
    pub fn for_result(
        trainee: &str,
        result: &AttemptResult,
        content_hash: Option<&str>,
        source: Source,
    ) -> AttemptStart {
        AttemptStart {
            trainee: trainee.to_string(),
            scenario: result.scenario.clone(),
            content_hash: content_hash.map(str::to_string),
            seed: result.seed,
            locale: result.locale.clone(),
            source,
        }
    }
}

/// One attempt given whole to [`Store::import_attempts`], with its own timestamps.
#[derive(Debug, Clone, Copy)]
pub struct ImportedAttempt<'a> {
    pub start: &'a AttemptStart,
    /// When it started (UTC ms).
    pub started_ms: i64,
    /// The steps answered, for an attempt that was not finished. Ignored when `finished`
    /// is given: the result's transcript is recorded then.
    pub transcript: &'a [TranscriptEntry],
    /// When it finished (UTC ms) and its result.
    pub finished: Option<(i64, &'a AttemptResult)>,
}

/// Checks a trainee id and returns it normalised ([`identity::normalize`]: trimmed,
/// NFC, one space between words). Refused: empty, too long, control characters, and
/// invisible or bidi-control characters (two ids that look the same must be the same).
pub fn check_trainee(id: &str) -> Result<String, RecordsError> {
    if let Some(code) = identity::hidden_char(id) {
        return Err(RecordsError::HiddenCharacter {
            id: id.escape_debug().to_string(),
            code,
        });
    }
    let normal = identity::normalize(id);
    let t = normal.as_str();
    let bad = |why| RecordsError::InvalidTrainee {
        id: id.escape_debug().to_string(),
        why,
    };
    // Before normalising, which makes white space single spaces.
    if id.trim().chars().any(char::is_control) {
        return Err(bad("it contains control characters (tabs, line breaks …)"));
    }
    if t.is_empty() {
        return Err(bad("it is empty"));
    }
    if t.chars().count() > MAX_TRAINEE_CHARS {
        return Err(bad("it is longer than 100 characters"));
    }
    if t.chars().any(char::is_control) {
        return Err(bad("it contains control characters (tabs, line breaks …)"));
    }
    Ok(normal)
}

/// A new trainee id that looks like one the store already has (`alice` / Cyrillic
/// `аlice`, `Li Lei` / `li.lei`) is refused: it would be a second trainee nobody can
/// tell apart from the first. An id already in the store passes.
fn refuse_look_alike(tx: &Transaction<'_>, trainee: &str) -> Result<(), Fail> {
    let known: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM trainees WHERE id = ?1")?
        .query_row([trainee], |r| r.get(0))
        .optional()?;
    if known.is_some() {
        return Ok(());
    }
    let mine = identity::skeleton(trainee);
    let mut st = tx.prepare_cached("SELECT id FROM trainees")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let other: String = r.get(0)?;
        if identity::skeleton(&other) == mine {
            return Err(Fail::Records(RecordsError::LookAlike {
                id: trainee.escape_debug().to_string(),
                existing: other.escape_debug().to_string(),
            }));
        }
    }
    Ok(())
}

pub(crate) fn principle_list(ps: &[Principle]) -> String {
    ps.iter().map(|p| p.key()).collect::<Vec<_>>().join(",")
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_i64_usize(v: usize) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// `(row id, status, steps recorded, scenario)` of an attempt.
fn lookup(tx: &Transaction<'_>, attempt: &AttemptId) -> Result<(i64, String, usize, String), Fail> {
    let row = tx
        .prepare_cached("SELECT id, status, steps, scenario FROM attempts WHERE uuid = ?1")?
        .query_row([attempt.to_string()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .optional()?;
    let (id, status, steps, scenario) = row.ok_or(RecordsError::UnknownAttempt(*attempt))?;
    Ok((id, status, usize::try_from(steps).unwrap_or(0), scenario))
}

/// [`lookup`] for an attempt that must still be open: its row, steps so far and scenario.
fn lookup_open(tx: &Transaction<'_>, attempt: &AttemptId) -> Result<(i64, usize, String), Fail> {
    let (row, status, steps, scenario) = lookup(tx, attempt)?;
    if status != "open" {
        return Err(RecordsError::AttemptClosed {
            attempt: *attempt,
            status,
        }
        .into());
    }
    Ok((row, steps, scenario))
}

fn insert_attempt(
    tx: &Transaction<'_>,
    id: &AttemptId,
    trainee: &str,
    start: &AttemptStart,
    started_ms: i64,
    station: Option<&str>,
    from_lrs: bool,
) -> Result<i64, Fail> {
    // Attempts rebuilt from the LRS were accepted at their own station already; the
    // cache keeps them as they are.
    if !from_lrs {
        refuse_look_alike(tx, trainee)?;
    }
    tx.prepare_cached(
        "INSERT INTO trainees (id, first_seen_ms) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![trainee, started_ms])?;
    tx.prepare_cached(
        "INSERT INTO attempts (uuid, trainee, scenario, content_hash, seed, locale, source, \
         app_version, status, started_ms, last_ms, steps, station) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'open', ?9, ?9, 0, ?10)",
    )?
    .execute(params![
        id.to_string(),
        trainee,
        start.scenario,
        start.content_hash,
        start.seed.to_string(),
        start.locale,
        start.source.key(),
        env!("CARGO_PKG_VERSION"),
        started_ms,
        station,
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Removes an attempt and its steps (the LRS cache, before importing its new rebuild).
fn delete_attempt(tx: &Transaction<'_>, id: &AttemptId) -> Result<(), Fail> {
    let key = id.to_string();
    tx.prepare_cached(
        "DELETE FROM steps WHERE attempt_id IN (SELECT id FROM attempts WHERE uuid = ?1)",
    )?
    .execute([&key])?;
    tx.prepare_cached("DELETE FROM attempts WHERE uuid = ?1")?
        .execute([&key])?;
    Ok(())
}

fn insert_step(
    tx: &Transaction<'_>,
    attempt_row: i64,
    scenario: &str,
    index: usize,
    e: &TranscriptEntry,
    recorded_ms: i64,
) -> Result<(), Fail> {
    // Serialising a list of strings cannot fail.
    let offered = serde_json::to_string(&e.offered).unwrap_or_else(|_| "[]".to_string());
    let r = |p: Principle| e.ratings.get(&p).copied();
    let total: i64 = e.ratings.values().sum();
    tx.prepare_cached(
        "INSERT INTO steps (attempt_id, idx, scenario, step_id, variant, customer_line, offered, chosen, \
         best, timed_out, response_ms, respect, moderation, self_discipline, compliance, rating_total, \
         mood_before, mood_after, trigger_goto, recorded_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    )?
    .execute(params![
        attempt_row,
        to_i64_usize(index),
        scenario,
        e.step_id,
        to_i64_usize(e.variant),
        e.customer_line,
        offered,
        e.chosen,
        e.best,
        e.timed_out,
        to_i64(e.response_ms),
        r(Principle::Respect),
        r(Principle::Moderation),
        r(Principle::SelfDiscipline),
        r(Principle::Compliance),
        total,
        e.mood_before,
        e.mood_after,
        e.trigger,
        recorded_ms,
    ])?;
    Ok(())
}

fn write_result(
    tx: &Transaction<'_>,
    attempt_row: i64,
    result: &AttemptResult,
    finished_ms: i64,
) -> Result<(), Fail> {
    let s = |p: Principle| result.principles.get(&p).copied();
    tx.prepare_cached(
        "UPDATE attempts SET status = 'finished', finished_ms = ?2, last_ms = ?2, steps = ?3, \
         ending = ?4, outcome = ?5, passed = ?6, overall = ?7, final_mood = ?8, respect = ?9, \
         moderation = ?10, self_discipline = ?11, compliance = ?12, not_assessed = ?13, \
         below_floor = ?14 WHERE id = ?1",
    )?
    .execute(params![
        attempt_row,
        finished_ms,
        to_i64_usize(result.transcript.len()),
        result.ending,
        result.outcome.key(),
        result.passed,
        result.overall,
        result.final_mood,
        s(Principle::Respect),
        s(Principle::Moderation),
        s(Principle::SelfDiscipline),
        s(Principle::Compliance),
        principle_list(&result.not_assessed),
        principle_list(&result.below_floor),
    ])?;
    Ok(())
}

/// The attempt's columns every statement about it needs.
struct AttemptMeta {
    uuid: Uuid,
    trainee: String,
    scenario: String,
    content_hash: Option<String>,
    seed: u64,
    locale: String,
    started_ms: i64,
    station: Option<String>,
}

fn attempt_meta(tx: &Transaction<'_>, attempt_row: i64) -> Result<AttemptMeta, Fail> {
    let bad = |col: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            format!("attempt row {attempt_row}: {what}").into(),
        )
    };
    let m = tx
        .prepare_cached(
            "SELECT uuid, trainee, scenario, content_hash, seed, locale, started_ms, station \
             FROM attempts WHERE id = ?1",
        )?
        .query_row([attempt_row], |r| {
            let uuid: String = r.get(0)?;
            let seed: String = r.get(4)?;
            Ok(AttemptMeta {
                uuid: Uuid::parse_str(&uuid).map_err(|_| bad(0, "uuid is not a UUID"))?,
                trainee: r.get(1)?,
                scenario: r.get(2)?,
                content_hash: r.get(3)?,
                seed: seed
                    .parse()
                    .map_err(|_| bad(4, "seed is not a whole number"))?,
                locale: r.get(5)?,
                started_ms: r.get(6)?,
                station: r.get(7)?,
            })
        })?;
    Ok(m)
}

/// Writes the statements about one attempt into the outbox, inside the caller's
/// transaction: nothing is recorded without its statements, nor the reverse.
struct Statements<'a> {
    meta: AttemptMeta,
    attempt_row: i64,
    identity: &'a StatementIdentity,
    /// Used only if it is the attempt's scenario.
    scenario: Option<&'a Scenario>,
}

impl<'a> Statements<'a> {
    fn new(
        tx: &Transaction<'_>,
        attempt_row: i64,
        identity: &'a StatementIdentity,
        scenario: Option<&'a Scenario>,
    ) -> Result<Statements<'a>, Fail> {
        let meta = attempt_meta(tx, attempt_row)?;
        let scenario = scenario.filter(|s| s.id == meta.scenario);
        Ok(Statements {
            meta,
            attempt_row,
            identity,
            scenario,
        })
    }

    fn context(&self) -> AttemptContext<'_> {
        AttemptContext {
            home_page: &self.identity.home_page,
            base_iri: &self.identity.base_iri,
            trainee: &self.meta.trainee,
            registration: self.meta.uuid,
            scenario_id: &self.meta.scenario,
            scenario: self.scenario,
            content_hash: self.meta.content_hash.as_deref(),
            seed: self.meta.seed,
            locale: &self.meta.locale,
            station: self.meta.station.as_deref(),
        }
    }

    fn insert(
        &self,
        tx: &Transaction<'_>,
        step_idx: Option<usize>,
        verb: Verb,
        id: Uuid,
        statement: &serde_json::Value,
        created_ms: i64,
    ) -> Result<(), Fail> {
        tx.prepare_cached(
            "INSERT INTO outbox (id, attempt_id, step_idx, verb, statement, status, created_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
        )?
        .execute(params![
            id.to_string(),
            self.attempt_row,
            step_idx.map(to_i64_usize),
            verb.key(),
            statement.to_string(),
            created_ms,
        ])?;
        Ok(())
    }

    fn answered(
        &self,
        tx: &Transaction<'_>,
        index: usize,
        e: &TranscriptEntry,
        at_ms: i64,
    ) -> Result<(), Fail> {
        let id = Uuid::new_v4();
        let st = xapi::answered(&self.context(), id, index, e, at_ms);
        self.insert(tx, Some(index), Verb::Answered, id, &st, at_ms)
    }

    fn finished(
        &self,
        tx: &Transaction<'_>,
        result: &AttemptResult,
        at_ms: i64,
    ) -> Result<(), Fail> {
        let (completed, verdict) = (Uuid::new_v4(), Uuid::new_v4());
        let took = Duration::from_millis(
            u64::try_from(at_ms.saturating_sub(self.meta.started_ms)).unwrap_or(0),
        );
        let [c, v] = xapi::finished(&self.context(), completed, verdict, result, at_ms, took);
        self.insert(tx, None, Verb::Completed, completed, &c, at_ms)?;
        let vv = if result.passed {
            Verb::Passed
        } else {
            Verb::Failed
        };
        self.insert(tx, None, vv, verdict, &v, at_ms)
    }
}

impl Store {
    /// Records the start of an attempt and returns its new id. Committed before it returns.
    pub fn begin_attempt(&self, start: &AttemptStart) -> Result<AttemptId, RecordsError> {
        let trainee = check_trainee(&start.trainee)?;
        let id = AttemptId::new_random();
        let now = now_ms();
        let station = self.station();
        self.write(|tx| {
            insert_attempt(tx, &id, &trainee, start, now, station.as_deref(), false).map(|_| ())
        })?;
        Ok(id)
    }

    /// Records answered step number `index` (0-based, its place in the transcript) of
    /// `attempt`, in its own transaction, durably committed before it returns: a crash
    /// or power cut afterwards loses nothing. Recording a step that is already recorded
    /// is a no-op (so a caller may retry); skipping one is an error.
    ///
    /// Its xAPI `answered` statement goes into the outbox in the same transaction
    /// (without the scenario's texts: see [`Store::record_step_for`]).
    pub fn record_step(
        &self,
        attempt: &AttemptId,
        index: usize,
        entry: &TranscriptEntry,
    ) -> Result<(), RecordsError> {
        self.record_step_for(attempt, index, entry, None)
    }

    /// [`Store::record_step`], with the attempt's scenario so that the `answered`
    /// statement carries the step's texts and all its choices (docs/xapi.md).
    pub(crate) fn record_step_for(
        &self,
        attempt: &AttemptId,
        index: usize,
        entry: &TranscriptEntry,
        scenario: Option<&Scenario>,
    ) -> Result<(), RecordsError> {
        self.write_open(attempt, |tx, (row, steps, scenario_id), now, identity| {
            if index < steps {
                return Ok(());
            }
            if index > steps {
                return Err(RecordsError::StepGap {
                    attempt: *attempt,
                    recorded: steps,
                    got: index,
                }
                .into());
            }
            insert_step(tx, row, &scenario_id, index, entry, now)?;
            tx.prepare_cached("UPDATE attempts SET steps = steps + 1, last_ms = ?2 WHERE id = ?1")?
                .execute(params![row, now])?;
            Statements::new(tx, row, identity, scenario)?.answered(tx, index, entry, now)
        })
    }

    /// Runs `f` in one write transaction on the open attempt `attempt` (an error if it is
    /// not open), with its row, the steps recorded and its scenario id, the time now and
    /// the statement identity.
    fn write_open<T>(
        &self,
        attempt: &AttemptId,
        mut f: impl FnMut(
            &Transaction<'_>,
            (i64, usize, String),
            i64,
            &StatementIdentity,
        ) -> Result<T, Fail>,
    ) -> Result<T, RecordsError> {
        let now = now_ms();
        let identity = self.statement_identity();
        self.write(|tx| {
            let open = lookup_open(tx, attempt)?;
            f(tx, open, now, &identity)
        })
    }

    /// Records the result of a finished attempt (scores, outcome, pass/fail), plus any
    /// transcript steps not recorded yet, in one transaction.
    ///
    /// Its xAPI statements (`answered` for those steps, `completed`, `passed`/`failed`)
    /// go into the outbox in the same transaction.
    pub fn finish_attempt(
        &self,
        attempt: &AttemptId,
        result: &AttemptResult,
    ) -> Result<(), RecordsError> {
        self.finish_attempt_for(attempt, result, None)
    }

    /// [`Store::finish_attempt`], with the attempt's scenario so that the statements carry
    /// its texts (docs/xapi.md).
    pub(crate) fn finish_attempt_for(
        &self,
        attempt: &AttemptId,
        result: &AttemptResult,
        scenario: Option<&Scenario>,
    ) -> Result<(), RecordsError> {
        self.write_open(attempt, |tx, (row, steps, scenario_id), now, identity| {
            if scenario_id != result.scenario {
                return Err(RecordsError::ScenarioMismatch {
                    attempt: *attempt,
                    recorded: scenario_id,
                    got: result.scenario.clone(),
                }
                .into());
            }
            let statements = Statements::new(tx, row, identity, scenario)?;
            for (i, e) in result.transcript.iter().enumerate().skip(steps) {
                insert_step(tx, row, &scenario_id, i, e, now)?;
                statements.answered(tx, i, e, now)?;
            }
            write_result(tx, row, result, now)?;
            statements.finished(tx, result, now)
        })
    }

    /// Marks an unfinished attempt abandoned (the trainee left it). A finished or already
    /// abandoned attempt is left as it is. (An attempt cut short by a crash needs no
    /// call: unfinished attempts idle for an hour show as abandoned anyway.)
    pub fn abandon_attempt(&self, attempt: &AttemptId) -> Result<(), RecordsError> {
        let now = now_ms();
        self.write(|tx| {
            let (row, status, _, _) = lookup(tx, attempt)?;
            if status == "open" {
                tx.prepare_cached(
                    "UPDATE attempts SET status = 'abandoned', last_ms = ?2 WHERE id = ?1",
                )?
                .execute(params![row, now])?;
            }
            Ok(())
        })
    }

    /// Adds whole attempts with their own timestamps in one transaction (merging records
    /// from another machine, test data, the benchmark). Returns their new ids. Their xAPI
    /// statements go into the outbox in the same transaction, with the attempts' own times.
    pub fn import_attempts(
        &self,
        batch: &[ImportedAttempt<'_>],
    ) -> Result<Vec<AttemptId>, RecordsError> {
        self.import_attempts_as(batch, &[], true, None)
    }

    /// Imports finished attempts by `trainee` (test data, demos): each `(result, started)`
    /// played as `result` from `started` (UTC ms) to `duration_ms` later, with the
    /// result's transcript and no content hash. Returns their new ids.
    pub fn import_finished(
        &self,
        trainee: &str,
        played: &[(AttemptResult, i64)],
        duration_ms: i64,
        source: Source,
    ) -> Result<Vec<AttemptId>, RecordsError> {
        let starts: Vec<AttemptStart> = played
            .iter()
            .map(|(r, _)| AttemptStart::for_result(trainee, r, None, source))
            .collect();
        let batch: Vec<ImportedAttempt> = played
            .iter()
            .zip(&starts)
            .map(|((r, at), start)| ImportedAttempt {
                start,
                started_ms: *at,
                transcript: &[],
                finished: Some((*at + duration_ms, r)),
            })
            .collect();
        self.import_attempts(&batch)
    }

    /// [`Store::import_attempts`] keeping the given ids (`ids[i]` for `batch[i]`; a new
    /// random id past the end of `ids`), and writing statements only if `statements`
    /// (`courtesy report --lrs` rebuilds attempts from statements into a scratch store).
    /// `stations` given: attempts rebuilt from the LRS (`stations[i]` for `batch[i]`),
    /// replacing any attempt with the same id, with no look-alike check (their stations
    /// accepted the trainee ids); otherwise this store's own station is recorded.
    pub(crate) fn import_attempts_as(
        &self,
        batch: &[ImportedAttempt<'_>],
        ids: &[AttemptId],
        statements: bool,
        stations: Option<&[Option<String>]>,
    ) -> Result<Vec<AttemptId>, RecordsError> {
        let mut checked = Vec::with_capacity(batch.len());
        for a in batch {
            checked.push(check_trainee(&a.start.trainee)?);
        }
        let identity = self.statement_identity();
        let ours = self.station();
        self.write(|tx| {
            let mut out = Vec::with_capacity(batch.len());
            for (n, (a, trainee)) in batch.iter().zip(&checked).enumerate() {
                let id = ids.get(n).copied().unwrap_or_else(AttemptId::new_random);
                // Given stations (attempts rebuilt from the LRS) or this store's own.
                let station = match stations {
                    Some(s) => {
                        // Rebuilt from the LRS: replaces the cache's earlier rebuild.
                        delete_attempt(tx, &id)?;
                        s.get(n).and_then(Option::as_deref)
                    }
                    None => ours.as_deref(),
                };
                let row = insert_attempt(
                    tx,
                    &id,
                    trainee,
                    a.start,
                    a.started_ms,
                    station,
                    stations.is_some(),
                )?;
                let st = if statements {
                    Some(Statements::new(tx, row, &identity, None)?)
                } else {
                    None
                };
                let transcript = match a.finished {
                    Some((_, r)) => r.transcript.as_slice(),
                    None => a.transcript,
                };
                let mut at = a.started_ms;
                for (i, e) in transcript.iter().enumerate() {
                    at = at.saturating_add(to_i64(e.response_ms).max(1));
                    insert_step(tx, row, &a.start.scenario, i, e, at)?;
                    if let Some(st) = &st {
                        st.answered(tx, i, e, at)?;
                    }
                }
                match a.finished {
                    Some((finished_ms, r)) => {
                        write_result(tx, row, r, finished_ms)?;
                        if let Some(st) = &st {
                            st.finished(tx, r, finished_ms)?;
                        }
                    }
                    None => {
                        tx.prepare_cached(
                            "UPDATE attempts SET steps = ?2, last_ms = ?3 WHERE id = ?1",
                        )?
                        .execute(params![
                            row,
                            to_i64_usize(transcript.len()),
                            at
                        ])?;
                    }
                }
                out.push(id);
            }
            Ok(out)
        })
    }
}

/// Keeps an attempt's records in step with a [`Session`]: call [`Recorder::sync`] after
/// every `choose`/`timeout`, [`Recorder::finish`] with `session.finish()`'s result.
/// If a write fails, nothing is lost in memory: the next `sync` writes what is pending.
/// It holds no borrow of the store or the session, so it can sit beside them (e.g. in
/// the app's `Attempt`). It keeps the session's scenario so that the xAPI statements
/// carry its texts.
#[derive(Clone)]
pub struct Recorder {
    attempt: AttemptId,
    recorded: usize,
    finished: bool,
    scenario: Arc<Scenario>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("attempt", &self.attempt)
            .field("recorded", &self.recorded)
            .field("finished", &self.finished)
            .field("scenario", &self.scenario.id)
            .finish()
    }
}

impl PartialEq for Recorder {
    fn eq(&self, other: &Recorder) -> bool {
        self.attempt == other.attempt
            && self.recorded == other.recorded
            && self.finished == other.finished
            && (Arc::ptr_eq(&self.scenario, &other.scenario) || self.scenario == other.scenario)
    }
}

impl Eq for Recorder {}

impl Recorder {
    /// Records the start of `session` for `trainee` (call it right after `Session::start`).
    pub fn begin(
        store: &Store,
        trainee: &str,
        session: &Session,
        content_hash: Option<&str>,
        source: Source,
    ) -> Result<Recorder, RecordsError> {
        let start = AttemptStart::for_session(trainee, session, content_hash, source);
        Ok(Recorder {
            attempt: store.begin_attempt(&start)?,
            recorded: 0,
            finished: false,
            scenario: session.scenario().clone(),
        })
    }

    /// The attempt's id.
    pub fn attempt(&self) -> &AttemptId {
        &self.attempt
    }

    /// How many steps are durably recorded.
    pub fn recorded(&self) -> usize {
        self.recorded
    }

    /// Whether the result has been recorded.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Steps answered in `session` but not recorded yet.
    pub fn pending(&self, session: &Session) -> usize {
        session.transcript().len().saturating_sub(self.recorded)
    }

    /// Records every answered step of `session` not recorded yet, each in its own
    /// committed transaction; returns how many it wrote.
    pub fn sync(&mut self, store: &Store, session: &Session) -> Result<usize, RecordsError> {
        let mut wrote = 0;
        while let Some(e) = session.transcript().get(self.recorded) {
            store.record_step_for(&self.attempt, self.recorded, e, Some(&self.scenario))?;
            self.recorded += 1;
            wrote += 1;
        }
        Ok(wrote)
    }

    /// Records the attempt's result (and any steps still pending).
    pub fn finish(&mut self, store: &Store, result: &AttemptResult) -> Result<(), RecordsError> {
        if self.finished {
            return Ok(());
        }
        store.finish_attempt_for(&self.attempt, result, Some(&self.scenario))?;
        self.recorded = result.transcript.len();
        self.finished = true;
        Ok(())
    }

    /// Marks the attempt abandoned (the trainee left it before the end).
    pub fn abandon(&self, store: &Store) -> Result<(), RecordsError> {
        if self.finished {
            return Ok(());
        }
        store.abandon_attempt(&self.attempt)
    }
}

/// What [`record_played`] has just made durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordEvent<'a> {
    /// The attempt row is committed.
    Begun(&'a AttemptId),
    /// Step `index` is committed.
    Committed {
        attempt: &'a AttemptId,
        index: usize,
    },
    /// The result is committed.
    Finished(&'a AttemptId),
}

/// Why [`record_played`] stopped.
#[derive(Debug, Error)]
pub enum RecordRunError {
    #[error(transparent)]
    Records(#[from] RecordsError),
    #[error(transparent)]
    Session(#[from] SessionError),
}

/// Records a headless attempt for `trainee`: plays `planned`'s choices again through a
/// fresh session with the same seed and locale (which reproduces it exactly), committing
/// each step as it is answered, then the result. `on_event` is told after each commit.
pub fn record_played(
    store: &Store,
    trainee: &str,
    source: Source,
    scenario: Arc<Scenario>,
    planned: &AttemptResult,
    mut on_event: impl FnMut(RecordEvent<'_>),
) -> Result<(AttemptId, AttemptResult), RecordRunError> {
    let mut session = Session::start(scenario, planned.seed, &planned.locale)?;
    if let Some(h) = &planned.content_hash {
        session = session.with_content_hash(h.clone());
    }
    let mut rec = Recorder::begin(
        store,
        trainee,
        &session,
        planned.content_hash.as_deref(),
        source,
    )?;
    on_event(RecordEvent::Begun(rec.attempt()));
    for e in &planned.transcript {
        let took = Duration::from_millis(e.response_ms);
        if e.timed_out {
            session.timeout(took)?;
        } else {
            session.choose(&e.chosen, took)?;
        }
        while rec.pending(&session) > 0 {
            let index = rec.recorded();
            let Some(entry) = session.transcript().get(index) else {
                break;
            };
            store.record_step_for(rec.attempt(), index, entry, Some(&rec.scenario))?;
            rec.recorded += 1;
            on_event(RecordEvent::Committed {
                attempt: rec.attempt(),
                index,
            });
        }
    }
    let mut result = session.finish()?;
    result.content_hash = planned.content_hash.clone();
    rec.finish(store, &result)?;
    on_event(RecordEvent::Finished(rec.attempt()));
    Ok((rec.attempt, result))
}
