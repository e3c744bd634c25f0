//! A trainee's evidence for the learning model (`core::learning`), read from the local records store.
//!
//! Each recorded step becomes a [`Choice`]: its time, ratings and "was it the step's best
//! reply" come from the store (what the trainee was scored on at the time); the rules its
//! feedback cites and whether it is critical come from the scenario file, since the store
//! does not keep them. Steps whose scenario is not given, or whose step or reply the file
//! no longer has, are skipped and counted.

use crate::records::{RecordsError, Store};
use courtesy_engine::learning::Choice;
use courtesy_engine::model::{Principle, Scenario};
use serde::Serialize;
use std::collections::BTreeMap;

/// A trainee's choices, oldest first, and what could not be used.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evidence {
    pub choices: Vec<Choice>,
    /// Recorded steps of scenarios not among those given.
    pub unknown_scenario: usize,
    /// Recorded steps whose step or reply the scenario file no longer has.
    pub unknown_reply: usize,
}

/// One recorded step as read: scenario, step, chosen, best, ratings, recorded_ms.
type Row = (
    String,
    String,
    String,
    String,
    BTreeMap<Principle, i64>,
    i64,
);

const RATING_COLUMNS: [(Principle, usize); 4] = [
    (Principle::Respect, 4),
    (Principle::Moderation, 5),
    (Principle::SelfDiscipline, 6),
    (Principle::Compliance, 7),
];

impl Store {
    /// Every recorded step of `trainee`'s attempts (finished, open or abandoned: each
    /// answered step is a choice the trainee made), oldest first, as learning evidence.
    /// `scenarios` are the scenario files to read citations from (e.g. the library's).
    pub fn trainee_evidence<'a>(
        &self,
        trainee: &str,
        scenarios: impl IntoIterator<Item = &'a Scenario>,
    ) -> Result<Evidence, RecordsError> {
        let by_id: BTreeMap<&str, &Scenario> =
            scenarios.into_iter().map(|s| (s.id.as_str(), s)).collect();
        let rows: Vec<Row> = self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT a.scenario, s.step_id, s.chosen, s.best, s.respect, s.moderation, \
                 s.self_discipline, s.compliance, s.recorded_ms \
                 FROM attempts a JOIN steps s ON s.attempt_id = a.id \
                 WHERE a.trainee = ?1 ORDER BY s.recorded_ms, a.id, s.idx",
            )?;
            let rows = st.query_map([trainee], |r| {
                let mut ratings = BTreeMap::new();
                for (p, i) in RATING_COLUMNS {
                    if let Some(v) = r.get::<_, Option<i64>>(i)? {
                        ratings.insert(p, v);
                    }
                }
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    ratings,
                    r.get(8)?,
                ))
            })?;
            rows.collect()
        })?;
        let mut ev = Evidence::default();
        for (scenario, step, chosen, best, ratings, at_ms) in rows {
            let Some(sc) = by_id.get(scenario.as_str()) else {
                ev.unknown_scenario += 1;
                continue;
            };
            let Some(mut c) = Choice::from_model(sc, &step, &chosen, at_ms) else {
                ev.unknown_reply += 1;
                continue;
            };
            // What the attempt was scored on, should the file have changed since.
            c.ratings = ratings;
            c.best = chosen == best;
            ev.choices.push(c);
        }
        Ok(ev)
    }
}
