//! Practice-the-step records: the steps a trainee replayed in practice, kept apart from attempts.
//!
//! A practice step is written to the `practice` table only: no attempt row, no `steps`
//! row, no outbox statement. So no score, dashboard, report or xAPI `completed`/`passed`
//! can count it; `tests/app_learning.rs` checks each of them. It is learning evidence
//! ([`Store::trainee_evidence`]), as docs/learning.md says.

use crate::records::record::check_trainee;
use crate::records::time::now_ms;
use crate::records::{RecordsError, Store};
use courtesy_engine::model::Principle;
use courtesy_engine::session::TranscriptEntry;
use rusqlite::params;
use serde::Serialize;
use std::collections::BTreeMap;

/// One recorded practice step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PracticeRow {
    pub trainee: String,
    pub scenario: String,
    pub step: String,
    pub mood_before: i32,
    pub chosen: String,
    pub best: String,
    pub timed_out: bool,
    pub response_ms: u64,
    pub ratings: BTreeMap<Principle, i64>,
    pub recorded_ms: i64,
}

impl Store {
    /// Records `entry`, a step `trainee` replayed in practice at `scenario`, durably,
    /// now. Writes nothing else (no attempt, no statement).
    pub fn record_practice(
        &self,
        trainee: &str,
        scenario: &str,
        entry: &TranscriptEntry,
    ) -> Result<(), RecordsError> {
        self.record_practice_at(trainee, scenario, entry, now_ms())
    }

    /// [`Store::record_practice`] at `recorded_ms` (tests, imports).
    pub fn record_practice_at(
        &self,
        trainee: &str,
        scenario: &str,
        entry: &TranscriptEntry,
        recorded_ms: i64,
    ) -> Result<(), RecordsError> {
        let trainee = check_trainee(trainee)?;
        let r = |p: Principle| entry.ratings.get(&p).copied();
        let response_ms = i64::try_from(entry.response_ms).unwrap_or(i64::MAX);
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO practice (trainee, scenario, step_id, mood_before, chosen, best, \
                 timed_out, response_ms, respect, moderation, self_discipline, compliance, \
                 recorded_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                trainee,
                scenario,
                entry.step_id,
                entry.mood_before,
                entry.chosen,
                entry.best,
                entry.timed_out,
                response_ms,
                r(Principle::Respect),
                r(Principle::Moderation),
                r(Principle::SelfDiscipline),
                r(Principle::Compliance),
                recorded_ms,
            ])?;
            Ok(())
        })
    }

    /// `trainee`'s practice steps, oldest first.
    pub fn practice_rows(&self, trainee: &str) -> Result<Vec<PracticeRow>, RecordsError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT trainee, scenario, step_id, mood_before, chosen, best, timed_out, \
                 response_ms, respect, moderation, self_discipline, compliance, recorded_ms \
                 FROM practice WHERE trainee = ?1 ORDER BY recorded_ms, id",
            )?;
            let rows = st.query_map([trainee], |r| {
                let mut ratings = BTreeMap::new();
                for (p, i) in [
                    (Principle::Respect, 8),
                    (Principle::Moderation, 9),
                    (Principle::SelfDiscipline, 10),
                    (Principle::Compliance, 11),
                ] {
                    if let Some(v) = r.get::<_, Option<i64>>(i)? {
                        ratings.insert(p, v);
                    }
                }
                Ok(PracticeRow {
                    trainee: r.get(0)?,
                    scenario: r.get(1)?,
                    step: r.get(2)?,
                    mood_before: r.get(3)?,
                    chosen: r.get(4)?,
                    best: r.get(5)?,
                    timed_out: r.get(6)?,
                    response_ms: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
                    ratings,
                    recorded_ms: r.get(12)?,
                })
            })?;
            rows.collect()
        })
    }
}
