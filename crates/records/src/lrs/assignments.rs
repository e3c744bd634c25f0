//! The room's assignments: this station's own, plus (with an LRS) every station's read from the pull cache, checked before they apply; the status grid and a trainee's list computed from them; `satisfied` reported back.
//!
//! A cached assignment statement applies only when it is readable and comes from a
//! station this station knows: itself, a station with attempts in the room, or one the
//! manager accepted here ([`accept_station`]). Anything else is an
//! [`AssignmentProblem`], shown in the manager's Assignments view, never applied. An
//! assignment naming a scenario this station does not have applies to the scenarios it
//! has, and the missing one is a problem too. Rules: docs/learning.md, "Assignments".

use crate::assignment_xapi::{self, AssignmentEvent};
use crate::lrs::LrsCache;
use crate::records::assignments::{Assignment, AssignmentStatus, Judged, judge};
use crate::records::{AttemptSummary, CacheStatus, RecordsError, Store};
use rusqlite::params;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The `meta` key listing the stations whose assignments the manager accepted here.
pub const ACCEPTED_STATIONS_KEY: &str = "assignment_stations";

/// One assignment as this station applies it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoomAssignment {
    pub assignment: Assignment,
    /// Made at this station (it may be withdrawn or replaced here).
    pub ours: bool,
    /// Scenarios it names that this station does not have.
    pub missing_scenarios: Vec<String>,
    /// Trainees some station reported `satisfied` (this revision).
    pub satisfied: BTreeSet<String>,
}

/// What is wrong with an assignment statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ProblemKind {
    /// From a station this station does not know (or naming none): not applied.
    UnknownStation { station: Option<String> },
    /// Not readable (the reason): not applied.
    Malformed { reason: String },
    /// Names a scenario this station does not have: applied to the others.
    MissingScenario { scenario: String },
    /// A replacement or withdrawal from another station than the one that made the
    /// assignment: not applied (only the station that made it may change it).
    NotTheOwner { station: Option<String> },
}

/// An assignment statement that is not (wholly) applied, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignmentProblem {
    /// The statement's id (in `lrs_statements`).
    pub statement: String,
    pub assignment: Option<String>,
    pub kind: ProblemKind,
}

impl AssignmentProblem {
    /// The problem in English, for the CLI and logs (the app words it in both languages).
    pub fn line(&self) -> String {
        let which = self
            .assignment
            .as_deref()
            .map(|a| format!("assignment {}", short(a)))
            .unwrap_or_else(|| "an assignment statement".into());
        match &self.kind {
            ProblemKind::UnknownStation { station: Some(s) } => format!(
                "{which} comes from station \u{201c}{s}\u{201d}, which this station does not know: not applied"
            ),
            ProblemKind::UnknownStation { station: None } => {
                format!("{which} names no station: not applied")
            }
            ProblemKind::Malformed { reason } => {
                format!("{which} cannot be read ({reason}): not applied")
            }
            ProblemKind::MissingScenario { scenario } => format!(
                "{which} names scenario \u{201c}{scenario}\u{201d}, which this station does not have"
            ),
            ProblemKind::NotTheOwner { station } => format!(
                "{which} was changed by station \u{201c}{}\u{201d}, not by the station that made it: not applied",
                station.as_deref().unwrap_or("?")
            ),
        }
    }
}

/// The first 8 characters of an assignment id, as shown.
pub fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// The assignments in force here and the problems.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RoomAssignments {
    /// Newest first; withdrawn ones included (with `withdrawn_ms`).
    pub assignments: Vec<RoomAssignment>,
    pub problems: Vec<AssignmentProblem>,
}

/// The stations the manager accepted assignments from at this station.
pub fn accepted_stations(local: &Store) -> Result<Vec<String>, RecordsError> {
    let text: Option<String> = local.read(|c| {
        use rusqlite::OptionalExtension;
        c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([ACCEPTED_STATIONS_KEY], |r| r.get(0))
            .optional()
    })?;
    Ok(text
        .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
        .unwrap_or_default())
}

/// Accepts assignments from `station` at this station from now on.
pub fn accept_station(local: &Store, station: &str) -> Result<(), RecordsError> {
    let station = crate::xapi::clean_station(station);
    if station.is_empty() {
        return Err(RecordsError::Assignment("the station has no name".into()));
    }
    let mut list = accepted_stations(local)?;
    if !list.contains(&station) {
        list.push(station);
        list.sort();
    }
    let text = serde_json::to_string(&list).unwrap_or_else(|_| "[]".into());
    local.write(|tx| {
        tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
            .execute(params![ACCEPTED_STATIONS_KEY, text])?;
        Ok(())
    })
}

/// The room's assignments as this station applies them: `local`'s own, and with a
/// `cache` every station's; `scenarios_here` are the scenario ids this station has.
pub fn room_assignments(
    local: &Store,
    cache: Option<&LrsCache>,
    scenarios_here: &[String],
) -> Result<RoomAssignments, RecordsError> {
    let mut r = room_assignments_unchecked(local, cache)?;
    r.mark_missing(scenarios_here);
    Ok(r)
}

/// [`room_assignments`] without the check against this station's scenarios (call
/// [`RoomAssignments::mark_missing`] once they are known).
pub fn room_assignments_unchecked(
    local: &Store,
    cache: Option<&LrsCache>,
) -> Result<RoomAssignments, RecordsError> {
    let mut by_id: BTreeMap<String, RoomAssignment> = BTreeMap::new();
    for a in local.assignments()? {
        by_id.insert(
            a.id.clone(),
            RoomAssignment {
                assignment: a,
                ours: true,
                missing_scenarios: Vec::new(),
                satisfied: BTreeSet::new(),
            },
        );
    }
    let mut problems = Vec::new();
    // assignment → (withdrawal statement, its station, when)
    let mut withdrawn: Vec<(String, String, Option<String>, i64)> = Vec::new();
    let mut satisfied: Vec<(String, u32, String)> = local.assignment_satisfied()?;
    if let Some(cache) = cache {
        let mut known: BTreeSet<String> = accepted_stations(local)?.into_iter().collect();
        known.extend(local.station());
        // Stations whose attempt statements are in the room.
        let with_attempts: Vec<String> = cache.store().read(|c| {
            let mut st = c.prepare_cached(
                "SELECT DISTINCT station FROM lrs_statements \
                 WHERE status = 'used' AND registration IS NOT NULL AND station IS NOT NULL",
            )?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect()
        })?;
        known.extend(with_attempts);
        for (sid, status, reason, text) in cache.store().cache_assignment_statements()? {
            let value: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(AssignmentProblem {
                        statement: sid,
                        assignment: None,
                        kind: ProblemKind::Malformed {
                            reason: e.to_string(),
                        },
                    });
                    continue;
                }
            };
            let event = match (status, assignment_xapi::parse(&value)) {
                (CacheStatus::Used, Ok(e)) => e,
                (_, Err(why)) => {
                    let assignment = value
                        .pointer("/object/id")
                        .and_then(serde_json::Value::as_str)
                        .and_then(|o| o.rsplit('/').next())
                        .filter(|a| uuid::Uuid::parse_str(a).is_ok())
                        .map(str::to_string);
                    problems.push(AssignmentProblem {
                        statement: sid,
                        assignment,
                        kind: ProblemKind::Malformed { reason: why },
                    });
                    continue;
                }
                (_, Ok(_)) => {
                    problems.push(AssignmentProblem {
                        statement: sid,
                        assignment: None,
                        kind: ProblemKind::Malformed {
                            reason: reason.unwrap_or_else(|| "skipped by the cache".into()),
                        },
                    });
                    continue;
                }
            };
            let station = event.station().map(str::to_string);
            if let AssignmentEvent::Satisfied {
                assignment,
                revision,
                trainee,
                ..
            } = &event
            {
                // A report, not an instruction: taken from any station.
                satisfied.push((assignment.clone(), *revision, trainee.clone()));
                continue;
            }
            if !station.as_ref().is_some_and(|s| known.contains(s)) {
                problems.push(AssignmentProblem {
                    statement: sid,
                    assignment: Some(event.assignment().to_string()),
                    kind: ProblemKind::UnknownStation { station },
                });
                continue;
            }
            match event {
                AssignmentEvent::Assigned(a) => {
                    if let Some(r) = by_id.get(&a.id)
                        && r.assignment.station != a.station
                    {
                        problems.push(AssignmentProblem {
                            statement: sid,
                            assignment: Some(a.id.clone()),
                            kind: ProblemKind::NotTheOwner { station },
                        });
                        continue;
                    }
                    let newer = by_id
                        .get(&a.id)
                        .is_none_or(|r| !r.ours && a.revision > r.assignment.revision);
                    if newer {
                        by_id.insert(
                            a.id.clone(),
                            RoomAssignment {
                                assignment: a,
                                ours: false,
                                missing_scenarios: Vec::new(),
                                satisfied: BTreeSet::new(),
                            },
                        );
                    }
                }
                AssignmentEvent::Withdrew {
                    assignment, at_ms, ..
                } => withdrawn.push((assignment, sid, station, at_ms)),
                AssignmentEvent::Satisfied { .. } => {}
            }
        }
    }
    for (id, sid, station, at) in withdrawn {
        // A withdrawal is final (a replacement is a new assignment), and only the
        // station that made the assignment may withdraw it.
        let Some(r) = by_id.get_mut(&id) else {
            continue;
        };
        if r.assignment.station != station {
            problems.push(AssignmentProblem {
                statement: sid,
                assignment: Some(id),
                kind: ProblemKind::NotTheOwner { station },
            });
        } else if !r.ours {
            let w = r.assignment.withdrawn_ms.get_or_insert(at);
            *w = (*w).min(at);
        }
    }
    for (id, rev, trainee) in satisfied {
        if let Some(r) = by_id.get_mut(&id)
            && r.assignment.revision == rev
        {
            r.satisfied.insert(trainee);
        }
    }
    let mut assignments: Vec<RoomAssignment> = by_id.into_values().collect();
    assignments.sort_by(|a, b| {
        b.assignment
            .assigned_ms
            .cmp(&a.assignment.assigned_ms)
            .then(a.assignment.id.cmp(&b.assignment.id))
    });
    Ok(RoomAssignments {
        assignments,
        problems,
    })
}

/// One cell's assignment verdict: which assignment decides it and how it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssignedCell {
    pub assignment: String,
    pub due_ms: Option<i64>,
    pub judged: Judged,
}

impl RoomAssignments {
    /// Notes, for each assignment, the scenarios it names that this station does not
    /// have (`scenarios_here`), each one a [`ProblemKind::MissingScenario`] (replacing
    /// those of an earlier call).
    pub fn mark_missing(&mut self, scenarios_here: &[String]) {
        self.problems
            .retain(|p| !matches!(p.kind, ProblemKind::MissingScenario { .. }));
        for r in &mut self.assignments {
            r.missing_scenarios = r
                .assignment
                .scenarios
                .iter()
                .filter(|s| !scenarios_here.contains(s))
                .cloned()
                .collect();
            if r.assignment.withdrawn_ms.is_none() {
                for s in &r.missing_scenarios {
                    self.problems.push(AssignmentProblem {
                        statement: String::new(),
                        assignment: Some(r.assignment.id.clone()),
                        kind: ProblemKind::MissingScenario {
                            scenario: s.clone(),
                        },
                    });
                }
            }
        }
    }

    /// The assignments in force (not withdrawn).
    pub fn active(&self) -> impl Iterator<Item = &RoomAssignment> {
        self.assignments
            .iter()
            .filter(|r| r.assignment.withdrawn_ms.is_none())
    }

    /// For each (trainee, scenario) some active assignment covers, the verdict of the
    /// newest such assignment. `roster`: the active roster ids; `attempts`: the room's.
    pub fn grid(
        &self,
        attempts: &[AttemptSummary],
        roster: &[String],
        now_ms: i64,
    ) -> BTreeMap<(String, String), AssignedCell> {
        let mut by_pair: BTreeMap<(&str, &str), Vec<AttemptSummary>> = BTreeMap::new();
        for a in attempts {
            by_pair
                .entry((a.trainee.as_str(), a.scenario.as_str()))
                .or_default()
                .push(a.clone());
        }
        let mut out = BTreeMap::new();
        // Newest first: the first assignment to claim a cell decides it.
        for r in self.active() {
            let a = &r.assignment;
            for t in a.trainees(roster) {
                for s in &a.scenarios {
                    if r.missing_scenarios.contains(s) {
                        continue;
                    }
                    let key = (t.clone(), s.clone());
                    if out.contains_key(&key) {
                        continue;
                    }
                    let mine = by_pair
                        .get(&(t.as_str(), s.as_str()))
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    out.insert(
                        key,
                        AssignedCell {
                            assignment: a.id.clone(),
                            due_ms: a.due_ms,
                            judged: judge(a, &t, s, mine, now_ms),
                        },
                    );
                }
            }
        }
        out
    }

    /// `trainee`'s active assignments, soonest due first (no due date last), each with
    /// its verdict per scenario (the scenarios this station has) and overall.
    pub fn for_trainee(
        &self,
        trainee: &str,
        attempts: &[AttemptSummary],
        roster: &[String],
        now_ms: i64,
    ) -> Vec<TraineeAssignment> {
        let mut out: Vec<TraineeAssignment> = self
            .active()
            .filter(|r| r.assignment.covers(trainee, roster))
            .map(|r| {
                let a = &r.assignment;
                let scenarios: Vec<(String, Judged)> = a
                    .scenarios
                    .iter()
                    .filter(|s| !r.missing_scenarios.contains(s))
                    .map(|s| (s.clone(), judge(a, trainee, s, attempts, now_ms)))
                    .collect();
                let status = overall(scenarios.iter().map(|(_, j)| j.status));
                TraineeAssignment {
                    assignment: a.clone(),
                    scenarios,
                    status,
                    missing: r.missing_scenarios.len(),
                }
            })
            .collect();
        out.sort_by_key(|t| {
            (
                t.assignment.due_ms.unwrap_or(i64::MAX),
                t.assignment.assigned_ms,
            )
        });
        out
    }

    /// Queues a `satisfied` statement at `local` for every (assignment, trainee) that is
    /// met and was not reported yet: every scenario passed under the policy, all of
    /// them present here. `trainees`: whom to look at (e.g. the one signed in).
    /// Returns how many were queued.
    pub fn report_satisfied(
        &self,
        local: &Store,
        trainees: &[String],
        attempts: &[AttemptSummary],
        roster: &[String],
        scenarios_here: &[String],
        now_ms: i64,
    ) -> Result<usize, RecordsError> {
        let mut n = 0;
        for r in self.active() {
            for t in trainees {
                if r.satisfied.contains(t) || !r.assignment.covers(t, roster) {
                    continue;
                }
                if r.assignment
                    .satisfied_by(t, attempts, scenarios_here, now_ms)
                    && local.assignment_note_satisfied(&r.assignment, t, now_ms)?
                {
                    n += 1;
                }
            }
        }
        Ok(n)
    }
}

/// One of a trainee's assignments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraineeAssignment {
    pub assignment: Assignment,
    /// The verdict per scenario this station has.
    pub scenarios: Vec<(String, Judged)>,
    /// Overall: passed when every scenario is; overdue or failed if any is; in progress
    /// if any is started; else not started.
    pub status: AssignmentStatus,
    /// How many of its scenarios this station does not have.
    pub missing: usize,
}

/// The overall status of several scenarios' verdicts.
pub fn overall(statuses: impl Iterator<Item = AssignmentStatus>) -> AssignmentStatus {
    let all: Vec<AssignmentStatus> = statuses.collect();
    if all.is_empty() {
        return AssignmentStatus::NotStarted;
    }
    for s in [AssignmentStatus::Overdue, AssignmentStatus::Failed] {
        if all.contains(&s) {
            return s;
        }
    }
    if all.iter().all(|s| *s == AssignmentStatus::Passed) {
        AssignmentStatus::Passed
    } else if all.iter().all(|s| *s == AssignmentStatus::NotStarted) {
        AssignmentStatus::NotStarted
    } else {
        AssignmentStatus::InProgress
    }
}
