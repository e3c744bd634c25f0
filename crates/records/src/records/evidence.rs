//! A trainee's evidence for the learning model (`core::learning`), read from the local records store, the LRS cache and practice.
//!
//! Each recorded step becomes a [`Choice`]: its time, ratings, mood and "was it the
//! step's best reply" come from the store (what the trainee was scored on at the time);
//! the rules its feedback cites and whether it is critical come from the scenario file,
//! since the store does not keep them. Steps whose scenario is not given, or whose step
//! or reply the file no longer has, are skipped and counted. Practice steps (the
//! `practice` table) are evidence too, marked [`Choice::practice`].

use crate::records::{RecordsError, Store};
use courtesy_engine::learning::Choice;
use courtesy_engine::model::{Principle, Scenario};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// A trainee's choices, oldest first, and what could not be used.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evidence {
    pub choices: Vec<Choice>,
    /// Recorded steps of scenarios not among those given.
    pub unknown_scenario: usize,
    /// Recorded steps whose step or reply the scenario file no longer has.
    pub unknown_reply: usize,
}

/// One recorded step as read.
struct Row {
    attempt: String,
    scenario: String,
    step: String,
    chosen: String,
    best: String,
    ratings: BTreeMap<Principle, i64>,
    at_ms: i64,
    mood_before: i32,
    practice: bool,
}

const RATING_COLUMNS: [(Principle, usize); 4] = [
    (Principle::Respect, 4),
    (Principle::Moderation, 5),
    (Principle::SelfDiscipline, 6),
    (Principle::Compliance, 7),
];

impl Store {
    /// Every recorded step of `trainee`'s attempts (finished, open or abandoned: each
    /// answered step is a choice the trainee made) and every practice step, oldest first,
    /// as learning evidence. `scenarios` are the scenario files to read citations from
    /// (e.g. the library's).
    pub fn trainee_evidence<'a>(
        &self,
        trainee: &str,
        scenarios: impl IntoIterator<Item = &'a Scenario>,
    ) -> Result<Evidence, RecordsError> {
        room_evidence(self, None, trainee, scenarios)
    }

    fn evidence_rows(&self, trainee: &str, practice: bool) -> Result<Vec<Row>, RecordsError> {
        let mut rows = self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT a.scenario, s.step_id, s.chosen, s.best, s.respect, s.moderation, \
                 s.self_discipline, s.compliance, s.recorded_ms, s.mood_before, a.uuid \
                 FROM attempts a JOIN steps s ON s.attempt_id = a.id \
                 WHERE a.trainee = ?1 ORDER BY s.recorded_ms, a.id, s.idx",
            )?;
            let rows = st.query_map([trainee], |r| {
                Ok(Row {
                    scenario: r.get(0)?,
                    step: r.get(1)?,
                    chosen: r.get(2)?,
                    best: r.get(3)?,
                    ratings: ratings(r)?,
                    at_ms: r.get(8)?,
                    mood_before: r.get(9)?,
                    attempt: r.get(10)?,
                    practice: false,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<Row>>>()
        })?;
        if practice {
            for p in self.practice_rows(trainee)? {
                rows.push(Row {
                    attempt: String::new(),
                    scenario: p.scenario,
                    step: p.step,
                    chosen: p.chosen,
                    best: p.best,
                    ratings: p.ratings,
                    at_ms: p.recorded_ms,
                    mood_before: p.mood_before,
                    practice: true,
                });
            }
        }
        Ok(rows)
    }
}

fn ratings(r: &rusqlite::Row<'_>) -> rusqlite::Result<BTreeMap<Principle, i64>> {
    let mut ratings = BTreeMap::new();
    for (p, i) in RATING_COLUMNS {
        if let Some(v) = r.get::<_, Option<i64>>(i)? {
            ratings.insert(p, v);
        }
    }
    Ok(ratings)
}

/// `trainee`'s evidence from every station: this station's attempts and practice, and,
/// with an LRS, the cache store's attempts (`LrsCache::store`) that this station does not
/// hold itself (each attempt once, by its id). Oldest first; choices at the same moment
/// keep the order read (this station's first). Practice stays on the station it was
/// done at: it is never sent, so the cache has none.
pub fn room_evidence<'a>(
    local: &Store,
    cache: Option<&Store>,
    trainee: &str,
    scenarios: impl IntoIterator<Item = &'a Scenario>,
) -> Result<Evidence, RecordsError> {
    let by_id: BTreeMap<&str, &Scenario> =
        scenarios.into_iter().map(|s| (s.id.as_str(), s)).collect();
    let mut rows = local.evidence_rows(trainee, true)?;
    if let Some(cache) = cache {
        let mine: HashSet<String> = rows
            .iter()
            .filter(|r| !r.practice)
            .map(|r| r.attempt.clone())
            .collect();
        rows.extend(
            cache
                .evidence_rows(trainee, false)?
                .into_iter()
                .filter(|r| !mine.contains(&r.attempt)),
        );
    }
    // Stable: equal times keep the order read.
    rows.sort_by_key(|r| r.at_ms);
    let mut ev = Evidence::default();
    for row in rows {
        let Some(sc) = by_id.get(row.scenario.as_str()) else {
            ev.unknown_scenario += 1;
            continue;
        };
        let Some(mut c) = Choice::from_model(sc, &row.step, &row.chosen, row.at_ms) else {
            ev.unknown_reply += 1;
            continue;
        };
        // What the attempt was scored on, should the file have changed since.
        c.ratings = row.ratings;
        c.best = row.chosen == row.best;
        c.mood_before = Some(row.mood_before);
        c.practice = row.practice;
        ev.choices.push(c);
    }
    Ok(ev)
}
