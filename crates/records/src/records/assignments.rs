//! Assignments: the manager asks trainees (or the whole roster) to pass scenarios by a due date under a pass policy; their status per trainee × scenario, computed from the attempts.
//!
//! The model and the policy are pure ([`judge`], [`Assignment::covers`]); the store keeps
//! the assignments made at this station (schema migration 7, table `assignments`) and
//! queues their xAPI statements (`assigned`, `withdrew`, `satisfied`:
//! [`crate::assignment_xapi`]) in the same outbox as the attempts', in the same
//! transaction. docs/learning.md ("Assignments") documents the rules.

use crate::assignment_xapi;
use crate::records::store::Fail;
use crate::records::{AttemptStatus, AttemptSummary, RecordsError, Store, check_trainee};
use courtesy_engine::model::Principle;
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Which finished attempt decides whether a trainee passed an assigned scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// The best one: passed if any finished attempt passes (and meets the floors).
    #[default]
    Best,
    /// The first finished attempt, once and for all.
    First,
    /// The latest finished attempt: a later failure undoes a pass.
    Last,
}

impl Policy {
    pub const ALL: [Policy; 3] = [Policy::Best, Policy::First, Policy::Last];

    /// `best`, `first`, `last` (the store's and the statements' value).
    pub fn key(self) -> &'static str {
        match self {
            Policy::Best => "best",
            Policy::First => "first",
            Policy::Last => "last",
        }
    }

    pub fn from_key(key: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// Who an assignment is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Everyone on the roster when the status is computed: a trainee added after the
    /// assignment is covered too; a retired one no longer is.
    Roster,
    /// These trainees (ids, as `check_trainee` gives them).
    Trainees(Vec<String>),
}

/// One assignment (its latest revision).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    /// Its UUID (the same in every revision).
    pub id: String,
    /// 1 when made; each replacement adds one. The highest revision seen wins.
    pub revision: u32,
    /// The scenario ids, in the order the manager chose them.
    pub scenarios: Vec<String>,
    pub audience: Audience,
    /// When it is due (UTC ms); `None`: no due date.
    pub due_ms: Option<i64>,
    pub policy: Policy,
    /// Principle floors (0–100): a deciding attempt must score at least this on each.
    pub floors: BTreeMap<Principle, f64>,
    /// When it was first made (UTC ms): attempts started before it do not count.
    pub assigned_ms: i64,
    /// When this revision was made.
    pub updated_ms: i64,
    /// The station it was made at.
    pub station: Option<String>,
    /// When it was withdrawn (it then counts for nothing).
    pub withdrawn_ms: Option<i64>,
}

/// What the manager fills in to make (or replace) an assignment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewAssignment {
    pub scenarios: Vec<String>,
    /// `None`: the whole roster.
    pub trainees: Option<Vec<String>>,
    pub due_ms: Option<i64>,
    pub policy: Policy,
    pub floors: BTreeMap<Principle, f64>,
}

/// Where a trainee stands on one assigned scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// No attempt since it was assigned.
    #[default]
    NotStarted,
    /// Started, nothing finished yet.
    InProgress,
    /// The deciding attempt passed and met every floor.
    Passed,
    /// The deciding attempt did not pass (or missed a floor); under `best`/`last` the
    /// trainee may try again until the due date.
    Failed,
    /// Past the due date without a pass (not started, in progress, or failed and still
    /// open to retry; a `first` failure stays `Failed`).
    Overdue,
}

impl AssignmentStatus {
    pub fn key(self) -> &'static str {
        match self {
            AssignmentStatus::NotStarted => "not_started",
            AssignmentStatus::InProgress => "in_progress",
            AssignmentStatus::Passed => "passed",
            AssignmentStatus::Failed => "failed",
            AssignmentStatus::Overdue => "overdue",
        }
    }
}

/// The verdict on one trainee × scenario of an assignment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judged {
    pub status: AssignmentStatus,
    /// The attempt the policy took (for `best`, the best passing one, else the best).
    pub deciding: Option<crate::records::AttemptId>,
    /// Its overall score.
    pub overall: Option<f64>,
    /// The floors it missed (principle, score or `None` if not assessed).
    pub missed_floors: Vec<(Principle, Option<f64>)>,
    /// Passed, but the deciding attempt finished after the due date.
    pub late: bool,
    /// Attempts counted (started since it was assigned).
    pub attempts: usize,
}

/// Whether a finished attempt meets the assignment: it passed (the scenario's own
/// rules) and scores at least each floor; a principle the attempt did not assess
/// misses its floor. Returns the floors missed.
pub fn missed_floors(
    a: &AttemptSummary,
    floors: &BTreeMap<Principle, f64>,
) -> Vec<(Principle, Option<f64>)> {
    floors
        .iter()
        .filter_map(|(p, floor)| {
            let got = a.principles.get(p).copied();
            match got {
                Some(v) if v >= *floor => None,
                _ => Some((*p, got)),
            }
        })
        .collect()
}

fn meets(a: &AttemptSummary, floors: &BTreeMap<Principle, f64>) -> bool {
    a.passed == Some(true) && missed_floors(a, floors).is_empty()
}

/// The highest overall score in `pool` (the earliest of equal ones).
fn best_of<'a>(pool: &[&'a AttemptSummary]) -> Option<&'a AttemptSummary> {
    let score = |a: &AttemptSummary| a.overall.unwrap_or(f64::NEG_INFINITY);
    pool.iter().copied().fold(None, |best, a| match best {
        Some(b) if score(b) >= score(a) => Some(b),
        _ => Some(a),
    })
}

/// Judges one trainee × scenario of `assignment` from the trainee's attempts at that
/// scenario (any order; other trainees' and scenarios' are ignored; attempts started
/// before the assignment was made do not count) at time `now_ms`.
pub fn judge(
    assignment: &Assignment,
    trainee: &str,
    scenario: &str,
    attempts: &[AttemptSummary],
    now_ms: i64,
) -> Judged {
    let mut mine: Vec<&AttemptSummary> = attempts
        .iter()
        .filter(|a| {
            a.trainee == trainee && a.scenario == scenario && a.started_ms >= assignment.assigned_ms
        })
        .collect();
    mine.sort_by_key(|a| (a.finished_ms.unwrap_or(a.last_ms), a.started_ms, a.id));
    let finished: Vec<&AttemptSummary> = mine
        .iter()
        .copied()
        .filter(|a| a.status == AttemptStatus::Finished && a.finished_ms.is_some())
        .collect();
    let floors = &assignment.floors;
    let deciding: Option<&AttemptSummary> = match assignment.policy {
        Policy::First => finished.first().copied(),
        Policy::Last => finished.last().copied(),
        Policy::Best => {
            let passing: Vec<&AttemptSummary> = finished
                .iter()
                .copied()
                .filter(|a| meets(a, floors))
                .collect();
            let pool = if passing.is_empty() {
                &finished
            } else {
                &passing
            };
            best_of(pool)
        }
    };
    let overdue = assignment.due_ms.is_some_and(|due| now_ms > due);
    let (status, missed, late) = match deciding {
        Some(d) if meets(d, floors) => (
            AssignmentStatus::Passed,
            Vec::new(),
            assignment
                .due_ms
                .is_some_and(|due| d.finished_ms.is_some_and(|f| f > due)),
        ),
        Some(d) => {
            let status = if overdue && assignment.policy != Policy::First {
                AssignmentStatus::Overdue
            } else {
                AssignmentStatus::Failed
            };
            (status, missed_floors(d, floors), false)
        }
        None if overdue => (AssignmentStatus::Overdue, Vec::new(), false),
        None if mine.is_empty() => (AssignmentStatus::NotStarted, Vec::new(), false),
        None => (AssignmentStatus::InProgress, Vec::new(), false),
    };
    Judged {
        status,
        deciding: deciding.map(|d| d.id),
        overall: deciding.and_then(|d| d.overall),
        missed_floors: missed,
        late,
        attempts: mine.len(),
    }
}

impl Assignment {
    /// Whether it covers `trainee`, given the roster's active trainee ids (for
    /// [`Audience::Roster`]). A withdrawn assignment covers no one.
    pub fn covers(&self, trainee: &str, roster: &[String]) -> bool {
        if self.withdrawn_ms.is_some() {
            return false;
        }
        match &self.audience {
            Audience::Roster => roster.iter().any(|r| r == trainee),
            Audience::Trainees(ts) => ts.iter().any(|t| t == trainee),
        }
    }

    /// The trainees it covers among the roster's active ids (plus, for a list, those
    /// named who are not on this station's roster).
    pub fn trainees(&self, roster: &[String]) -> Vec<String> {
        if self.withdrawn_ms.is_some() {
            return Vec::new();
        }
        match &self.audience {
            Audience::Roster => roster.to_vec(),
            Audience::Trainees(ts) => ts.clone(),
        }
    }

    /// Whether every scenario of it is passed by `trainee` (the cmi5 sense of
    /// `satisfied`): `scenarios_here` are the scenarios this station has; one it lacks
    /// cannot be judged here, so the assignment is not satisfied here.
    pub fn satisfied_by(
        &self,
        trainee: &str,
        attempts: &[AttemptSummary],
        scenarios_here: &[String],
        now_ms: i64,
    ) -> bool {
        !self.scenarios.is_empty()
            && self.scenarios.iter().all(|s| {
                scenarios_here.contains(s)
                    && judge(self, trainee, s, attempts, now_ms).status == AssignmentStatus::Passed
            })
    }
}

/// The longest list of scenarios or trainees one assignment may name.
pub const MAX_ASSIGNED: usize = 500;

/// Checks what the manager filled in: at least one scenario, ids usable, floors 0–100.
pub fn check_new(n: &NewAssignment) -> Result<NewAssignment, String> {
    let mut out = n.clone();
    out.scenarios.retain(|s| !s.trim().is_empty());
    out.scenarios.dedup();
    if out.scenarios.is_empty() {
        return Err("an assignment needs at least one scenario".into());
    }
    if out.scenarios.len() > MAX_ASSIGNED {
        return Err(format!("at most {MAX_ASSIGNED} scenarios per assignment"));
    }
    if let Some(ts) = &mut out.trainees {
        let mut checked = Vec::with_capacity(ts.len());
        for t in ts.iter() {
            let c = check_trainee(t).map_err(|e| e.to_string())?;
            if !checked.contains(&c) {
                checked.push(c);
            }
        }
        if checked.is_empty() {
            return Err(
                "choose at least one trainee, or assign it to everyone on the roster".into(),
            );
        }
        if checked.len() > MAX_ASSIGNED {
            return Err(format!("at most {MAX_ASSIGNED} trainees per assignment"));
        }
        *ts = checked;
    }
    for (p, v) in &out.floors {
        if !(v.is_finite() && (0.0..=100.0).contains(v)) {
            return Err(format!(
                "the {} floor must be between 0 and 100 (it is {v})",
                p.key()
            ));
        }
    }
    Ok(out)
}

const COLUMNS: &str = "id, revision, scenarios, trainees, due_ms, policy, floors, assigned_ms, \
     updated_ms, station, withdrawn_ms";

fn row(r: &Row<'_>) -> rusqlite::Result<Assignment> {
    let bad = |i: usize, what: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, what.into())
    };
    let scenarios: String = r.get(2)?;
    let scenarios: Vec<String> = serde_json::from_str(&scenarios)
        .map_err(|e| bad(2, format!("assignment scenarios: {e}")))?;
    let trainees: Option<String> = r.get(3)?;
    let audience = match trainees {
        None => Audience::Roster,
        Some(t) => Audience::Trainees(
            serde_json::from_str(&t).map_err(|e| bad(3, format!("assignment trainees: {e}")))?,
        ),
    };
    let policy: String = r.get(5)?;
    let policy =
        Policy::from_key(&policy).ok_or_else(|| bad(5, format!("assignment policy `{policy}`")))?;
    let floors: String = r.get(6)?;
    let floors: BTreeMap<String, f64> =
        serde_json::from_str(&floors).map_err(|e| bad(6, format!("assignment floors: {e}")))?;
    let floors = floors
        .into_iter()
        .map(|(k, v)| {
            Principle::from_key(&k)
                .map(|p| (p, v))
                .ok_or_else(|| bad(6, format!("assignment floor `{k}`")))
        })
        .collect::<rusqlite::Result<_>>()?;
    Ok(Assignment {
        id: r.get(0)?,
        revision: u32::try_from(r.get::<_, i64>(1)?).unwrap_or(1),
        scenarios,
        audience,
        due_ms: r.get(4)?,
        policy,
        floors,
        assigned_ms: r.get(7)?,
        updated_ms: r.get(8)?,
        station: r.get(9)?,
        withdrawn_ms: r.get(10)?,
    })
}

fn floors_json(floors: &BTreeMap<Principle, f64>) -> String {
    let m: BTreeMap<&str, f64> = floors.iter().map(|(p, v)| (p.key(), *v)).collect();
    serde_json::to_string(&m).unwrap_or_else(|_| "{}".into())
}

/// Queues an assignment statement (no attempt) in the outbox.
fn queue(
    tx: &Transaction<'_>,
    id: Uuid,
    verb: &str,
    statement: &serde_json::Value,
    now: i64,
) -> Result<(), Fail> {
    tx.prepare_cached(
        "INSERT INTO outbox (id, attempt_id, step_idx, verb, statement, status, created_ms) \
         VALUES (?1, NULL, NULL, ?2, ?3, 'pending', ?4)",
    )?
    .execute(params![id.to_string(), verb, statement.to_string(), now])?;
    Ok(())
}

impl Store {
    /// Makes an assignment at this station and queues its `assigned` statement, in one
    /// transaction. `now_ms` is its time (the assigned time of revision 1).
    pub fn assignment_create(
        &self,
        new: &NewAssignment,
        now_ms: i64,
    ) -> Result<Assignment, RecordsError> {
        let n = check_new(new).map_err(RecordsError::Assignment)?;
        let a = Assignment {
            id: Uuid::new_v4().to_string(),
            revision: 1,
            scenarios: n.scenarios,
            audience: n.trainees.map_or(Audience::Roster, Audience::Trainees),
            due_ms: n.due_ms,
            policy: n.policy,
            floors: n.floors,
            assigned_ms: now_ms,
            updated_ms: now_ms,
            station: self.station(),
            withdrawn_ms: None,
        };
        self.assignment_put(&a, now_ms)?;
        Ok(a)
    }

    /// Replaces assignment `id` (made at this station) with `new`: a new revision, the
    /// same id and assigned time; queues the new `assigned` statement.
    pub fn assignment_replace(
        &self,
        id: &str,
        new: &NewAssignment,
        now_ms: i64,
    ) -> Result<Assignment, RecordsError> {
        let n = check_new(new).map_err(RecordsError::Assignment)?;
        let Some(old) = self.assignment(id)? else {
            return Err(RecordsError::Assignment(format!(
                "no assignment `{id}` was made at this station"
            )));
        };
        if old.withdrawn_ms.is_some() {
            return Err(RecordsError::Assignment(
                "this assignment was withdrawn; make a new one".into(),
            ));
        }
        let a = Assignment {
            revision: old.revision.saturating_add(1),
            scenarios: n.scenarios,
            audience: n.trainees.map_or(Audience::Roster, Audience::Trainees),
            due_ms: n.due_ms,
            policy: n.policy,
            floors: n.floors,
            updated_ms: now_ms,
            station: self.station(),
            ..old
        };
        self.assignment_put(&a, now_ms)?;
        Ok(a)
    }

    fn assignment_put(&self, a: &Assignment, now_ms: i64) -> Result<(), RecordsError> {
        let identity = self.statement_identity();
        let statement_id = Uuid::new_v4();
        let statement = assignment_xapi::assigned(&identity, a, statement_id, now_ms);
        let scenarios = serde_json::to_string(&a.scenarios).unwrap_or_else(|_| "[]".into());
        let trainees = match &a.audience {
            Audience::Roster => None,
            Audience::Trainees(t) => Some(serde_json::to_string(t).unwrap_or_else(|_| "[]".into())),
        };
        let floors = floors_json(&a.floors);
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO assignments (id, revision, scenarios, trainees, due_ms, \
                 policy, floors, assigned_ms, updated_ms, station, withdrawn_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL)",
            )?
            .execute(params![
                a.id,
                a.revision,
                scenarios,
                trainees,
                a.due_ms,
                a.policy.key(),
                floors,
                a.assigned_ms,
                a.updated_ms,
                a.station
            ])?;
            queue(
                tx,
                statement_id,
                assignment_xapi::ASSIGNED_KEY,
                &statement,
                now_ms,
            )
        })
    }

    /// Withdraws assignment `id` (made at this station) and queues its `withdrew`
    /// statement. Withdrawing twice is harmless (nothing more is queued).
    pub fn assignment_withdraw(&self, id: &str, now_ms: i64) -> Result<(), RecordsError> {
        let Some(a) = self.assignment(id)? else {
            return Err(RecordsError::Assignment(format!(
                "no assignment `{id}` was made at this station"
            )));
        };
        if a.withdrawn_ms.is_some() {
            return Ok(());
        }
        let identity = self.statement_identity();
        let statement_id = Uuid::new_v4();
        let station = self.station();
        let statement = assignment_xapi::withdrew(
            &identity,
            &a.id,
            a.revision,
            station.as_deref(),
            statement_id,
            now_ms,
        );
        self.write(|tx| {
            tx.prepare_cached("UPDATE assignments SET withdrawn_ms = ?2 WHERE id = ?1")?
                .execute(params![a.id, now_ms])?;
            queue(
                tx,
                statement_id,
                assignment_xapi::WITHDREW_KEY,
                &statement,
                now_ms,
            )
        })
    }

    /// One assignment made at this station.
    pub fn assignment(&self, id: &str) -> Result<Option<Assignment>, RecordsError> {
        self.read(|c| {
            c.prepare_cached(&format!("SELECT {COLUMNS} FROM assignments WHERE id = ?1"))?
                .query_row([id], row)
                .optional()
        })
    }

    /// The assignments made at this station (withdrawn ones too), newest first.
    pub fn assignments(&self) -> Result<Vec<Assignment>, RecordsError> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM assignments ORDER BY assigned_ms DESC, id"
            ))?;
            let rows = st.query_map([], row)?;
            rows.collect()
        })
    }

    /// Queues the `satisfied` statement for `trainee` on assignment `a` unless this
    /// station queued it already (for this revision). Its id is derived from the
    /// assignment, revision and trainee, so two stations that both notice send the same
    /// statement id (the LRS keeps one). Returns whether it was queued now.
    pub fn assignment_note_satisfied(
        &self,
        a: &Assignment,
        trainee: &str,
        now_ms: i64,
    ) -> Result<bool, RecordsError> {
        let identity = self.statement_identity();
        let station = self.station();
        let id = assignment_xapi::satisfied_id(&a.id, a.revision, trainee);
        let statement =
            assignment_xapi::satisfied(&identity, a, trainee, station.as_deref(), id, now_ms);
        self.write(|tx| {
            let n = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO assignment_satisfied (assignment, revision, trainee, \
                     at_ms) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![a.id, a.revision, trainee, now_ms])?;
            if n == 0 {
                return Ok(false);
            }
            let exists: bool = tx
                .prepare_cached("SELECT count(*) FROM outbox WHERE id = ?1")?
                .query_row([id.to_string()], |r| r.get::<_, i64>(0))?
                > 0;
            if !exists {
                queue(tx, id, assignment_xapi::SATISFIED_KEY, &statement, now_ms)?;
            }
            Ok(true)
        })
    }

    /// The (assignment, revision, trainee) pairs whose `satisfied` this station queued.
    pub fn assignment_satisfied(&self) -> Result<Vec<(String, u32, String)>, RecordsError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT assignment, revision, trainee FROM assignment_satisfied ORDER BY 1, 2, 3",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    u32::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    r.get(2)?,
                ))
            })?;
            rows.collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{AttemptId, Source};

    const DAY: i64 = 86_400_000;

    fn attempt(
        trainee: &str,
        scenario: &str,
        started: i64,
        finished: Option<i64>,
        passed: bool,
        overall: f64,
        respect: f64,
    ) -> AttemptSummary {
        AttemptSummary {
            id: AttemptId::new_random(),
            trainee: trainee.into(),
            scenario: scenario.into(),
            content_hash: None,
            seed: 1,
            locale: "en".into(),
            source: Source::App,
            status: if finished.is_some() {
                AttemptStatus::Finished
            } else {
                AttemptStatus::InProgress
            },
            started_ms: started,
            last_ms: finished.unwrap_or(started),
            finished_ms: finished,
            steps: 3,
            ending: None,
            outcome: None,
            passed: finished.map(|_| passed),
            overall: finished.map(|_| overall),
            final_mood: None,
            principles: finished
                .map(|_| BTreeMap::from([(Principle::Respect, respect)]))
                .unwrap_or_default(),
            not_assessed: Vec::new(),
            below_floor: Vec::new(),
            station: None,
        }
    }

    fn assignment(policy: Policy, due: Option<i64>) -> Assignment {
        Assignment {
            id: "a1".into(),
            revision: 1,
            scenarios: vec!["s".into()],
            audience: Audience::Roster,
            due_ms: due,
            policy,
            floors: BTreeMap::new(),
            assigned_ms: 1000,
            updated_ms: 1000,
            station: None,
            withdrawn_ms: None,
        }
    }

    /// fail (40), pass (80), fail (50), in that order.
    fn fail_pass_fail() -> Vec<AttemptSummary> {
        vec![
            attempt("t", "s", 2000, Some(3000), false, 40.0, 40.0),
            attempt("t", "s", 4000, Some(5000), true, 80.0, 80.0),
            attempt("t", "s", 6000, Some(7000), false, 50.0, 50.0),
        ]
    }

    #[test]
    fn best_first_and_last_differ_on_the_same_attempts() {
        let at = fail_pass_fail();
        let now = 10_000;
        let best = judge(&assignment(Policy::Best, None), "t", "s", &at, now);
        let first = judge(&assignment(Policy::First, None), "t", "s", &at, now);
        let last = judge(&assignment(Policy::Last, None), "t", "s", &at, now);
        assert_eq!(best.status, AssignmentStatus::Passed);
        assert_eq!(best.deciding, Some(at[1].id));
        assert_eq!(first.status, AssignmentStatus::Failed);
        assert_eq!(first.deciding, Some(at[0].id));
        assert_eq!(last.status, AssignmentStatus::Failed);
        assert_eq!(last.deciding, Some(at[2].id));
        assert_eq!(last.overall, Some(50.0));
        // One more pass: last passes, first stays failed.
        let mut more = at.clone();
        more.push(attempt("t", "s", 8000, Some(9000), true, 75.0, 75.0));
        let last = judge(&assignment(Policy::Last, None), "t", "s", &more, now);
        assert_eq!(last.status, AssignmentStatus::Passed);
        assert_eq!(last.deciding, Some(more[3].id));
        let first = judge(&assignment(Policy::First, None), "t", "s", &more, now);
        assert_eq!(first.status, AssignmentStatus::Failed);
    }

    #[test]
    fn floors_turn_a_pass_into_a_failure_and_best_picks_the_passing_attempt() {
        let mut a = assignment(Policy::Best, None);
        a.floors.insert(Principle::Respect, 70.0);
        // A passing attempt with respect 65 (overall 90) and one with respect 72 (overall 75).
        let at = vec![
            attempt("t", "s", 2000, Some(3000), true, 90.0, 65.0),
            attempt("t", "s", 4000, Some(5000), true, 75.0, 72.0),
        ];
        let j = judge(&a, "t", "s", &at, 10_000);
        assert_eq!(j.status, AssignmentStatus::Passed);
        assert_eq!(
            j.deciding,
            Some(at[1].id),
            "the best attempt that meets the floor"
        );
        let j = judge(&a, "t", "s", &at[..1], 10_000);
        assert_eq!(j.status, AssignmentStatus::Failed);
        assert_eq!(j.missed_floors, vec![(Principle::Respect, Some(65.0))]);
        // A floor on a principle the attempt did not assess is missed.
        a.floors.insert(Principle::Compliance, 50.0);
        let j = judge(&a, "t", "s", &at[1..], 10_000);
        assert_eq!(j.status, AssignmentStatus::Failed);
        assert_eq!(j.missed_floors, vec![(Principle::Compliance, None)]);
    }

    #[test]
    fn statuses_before_and_after_the_due_date() {
        let due = 3 * DAY;
        let a = assignment(Policy::Best, Some(due));
        let before = 2 * DAY;
        let after = 4 * DAY;
        let open = vec![attempt("t", "s", DAY, None, false, 0.0, 0.0)];
        let failed = vec![attempt("t", "s", DAY, Some(DAY + 5), false, 30.0, 30.0)];
        // (attempts, status before the due date); after it, each is overdue.
        let cases: [(&[AttemptSummary], AssignmentStatus); 3] = [
            (&[], AssignmentStatus::NotStarted),
            (&open, AssignmentStatus::InProgress),
            (&failed, AssignmentStatus::Failed),
        ];
        for (attempts, want) in cases {
            assert_eq!(judge(&a, "t", "s", attempts, before).status, want);
            assert_eq!(
                judge(&a, "t", "s", attempts, after).status,
                AssignmentStatus::Overdue,
                "{want:?} before the due date"
            );
        }
        // `first`: a failed first attempt is final, not overdue.
        let f = assignment(Policy::First, Some(due));
        assert_eq!(
            judge(&f, "t", "s", &failed, after).status,
            AssignmentStatus::Failed
        );
        // A pass after the due date still passes, marked late.
        let late = vec![attempt("t", "s", due + 1, Some(due + 10), true, 90.0, 90.0)];
        let j = judge(&a, "t", "s", &late, after);
        assert_eq!(j.status, AssignmentStatus::Passed);
        assert!(j.late);
        let on_time = vec![attempt("t", "s", DAY, Some(DAY + 10), true, 90.0, 90.0)];
        let j = judge(&a, "t", "s", &on_time, after);
        assert_eq!(j.status, AssignmentStatus::Passed);
        assert!(!j.late);
    }

    #[test]
    fn attempts_before_the_assignment_and_of_others_do_not_count() {
        let a = assignment(Policy::Best, None);
        let at = vec![
            attempt("t", "s", 500, Some(900), true, 90.0, 90.0), // before it was assigned
            attempt("u", "s", 2000, Some(3000), true, 90.0, 90.0), // someone else
            attempt("t", "other", 2000, Some(3000), true, 90.0, 90.0), // another scenario
        ];
        let j = judge(&a, "t", "s", &at, 10_000);
        assert_eq!(j.status, AssignmentStatus::NotStarted);
        assert_eq!(j.attempts, 0);
    }

    #[test]
    fn the_whole_roster_covers_a_trainee_added_later_and_a_list_only_its_names() {
        let mut a = assignment(Policy::Best, None);
        let roster = vec!["ann".to_string()];
        assert!(a.covers("ann", &roster));
        assert!(!a.covers("bob", &roster));
        let later = vec!["ann".to_string(), "bob".to_string()];
        assert!(a.covers("bob", &later), "bob joined after it was assigned");
        a.audience = Audience::Trainees(vec!["ann".into()]);
        assert!(!a.covers("bob", &later));
        a.withdrawn_ms = Some(5);
        assert!(!a.covers("ann", &later));
    }

    #[test]
    fn satisfied_needs_every_scenario_passed_and_present_here() {
        let mut a = assignment(Policy::Best, None);
        a.scenarios = vec!["s".into(), "s2".into()];
        let mut at = vec![attempt("t", "s", 2000, Some(3000), true, 90.0, 90.0)];
        let here = vec!["s".to_string(), "s2".to_string()];
        assert!(!a.satisfied_by("t", &at, &here, 10_000));
        at.push(attempt("t", "s2", 2000, Some(3000), true, 90.0, 90.0));
        assert!(a.satisfied_by("t", &at, &here, 10_000));
        assert!(!a.satisfied_by("t", &at, &here[..1], 10_000));
    }

    #[test]
    fn what_the_manager_fills_in_is_checked() {
        let mut n = NewAssignment {
            scenarios: vec![],
            ..NewAssignment::default()
        };
        assert!(check_new(&n).is_err());
        n.scenarios = vec!["s".into()];
        assert!(check_new(&n).is_ok());
        n.trainees = Some(vec![]);
        assert!(check_new(&n).is_err());
        n.trainees = Some(vec!["ann".into(), "ann".into()]);
        assert_eq!(
            check_new(&n).ok().and_then(|c| c.trainees),
            Some(vec!["ann".into()])
        );
        n.floors.insert(Principle::Respect, 120.0);
        assert!(check_new(&n).is_err());
    }
}
