//! Reading the records: the aggregates behind the manager's dashboard and `courtesy
//! report` (cohort averages, trainee table, trends, reply choices), attempt drill-down,
//! and a trainee's own history for the library screen. All take a [`Filter`].

use crate::records::record::{AttemptId, Source};
use crate::records::store::STALE_AFTER_MS;
use crate::records::time::{DAY_MS, now_ms, parse_date};
use crate::records::{RecordsError, Store};
use courtesy_engine::model::{Outcome, Principle};
use courtesy_engine::session::TranscriptEntry;
use rusqlite::types::{Type, Value};
use rusqlite::{OptionalExtension, Row};
use serde::Serialize;
use std::collections::BTreeMap;

/// Which attempts a query looks at. Every field left `None` means "all". Dates filter
/// on when the attempt *started*.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Filter {
    /// Attempts started at or after this time (UTC ms).
    pub since_ms: Option<i64>,
    /// Attempts started before this time (UTC ms, exclusive).
    pub until_ms: Option<i64>,
    pub scenario: Option<String>,
    pub trainee: Option<String>,
    /// Only attempts played at this station.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
}

impl Filter {
    /// Every attempt.
    pub fn all() -> Filter {
        Filter::default()
    }

    /// Every attempt of one trainee.
    pub fn for_trainee(trainee: &str) -> Filter {
        Filter::default().trainee(trainee)
    }

    /// Only attempts started at or after `ms`.
    pub fn since(mut self, ms: i64) -> Filter {
        self.since_ms = Some(ms);
        self
    }

    /// Only attempts started before `ms`.
    pub fn until(mut self, ms: i64) -> Filter {
        self.until_ms = Some(ms);
        self
    }

    /// Only attempts started on or after the UTC day `date` (`YYYY-MM-DD`).
    pub fn since_date(self, date: &str) -> Result<Filter, RecordsError> {
        Ok(self.since(parse_date(date)?))
    }

    /// Only attempts started on or before the UTC day `date` (`YYYY-MM-DD`, inclusive).
    pub fn until_date(self, date: &str) -> Result<Filter, RecordsError> {
        Ok(self.until(parse_date(date)?.saturating_add(DAY_MS)))
    }

    /// Only attempts at scenario `id`.
    pub fn scenario(mut self, id: &str) -> Filter {
        self.scenario = Some(id.to_string());
        self
    }

    /// Only attempts by trainee `id`.
    pub fn trainee(mut self, id: &str) -> Filter {
        self.trainee = Some(crate::records::identity::normalize(id));
        self
    }

    /// Only attempts played at station `name`.
    pub fn station(mut self, name: &str) -> Filter {
        self.station = Some(name.to_string());
        self
    }

    /// The `AND …` conditions on the attempts table aliased `alias`, with named
    /// parameters (see [`Filter::params`]). Only the conditions in use are written, so
    /// SQLite can use the indexes.
    fn sql(&self, alias: &str) -> String {
        let mut s = String::new();
        if self.since_ms.is_some() {
            s.push_str(&format!(" AND {alias}.started_ms >= :since"));
        }
        if self.until_ms.is_some() {
            s.push_str(&format!(" AND {alias}.started_ms < :until"));
        }
        if self.scenario.is_some() {
            s.push_str(&format!(" AND {alias}.scenario = :scenario"));
        }
        if self.trainee.is_some() {
            s.push_str(&format!(" AND {alias}.trainee = :trainee"));
        }
        if self.station.is_some() {
            s.push_str(&format!(" AND {alias}.station = :station"));
        }
        s
    }

    /// The named parameters [`Filter::sql`] uses.
    fn params(&self) -> Vec<(&'static str, Value)> {
        let mut p = Vec::new();
        if let Some(v) = self.since_ms {
            p.push((":since", Value::Integer(v)));
        }
        if let Some(v) = self.until_ms {
            p.push((":until", Value::Integer(v)));
        }
        if let Some(v) = &self.scenario {
            p.push((":scenario", Value::Text(v.clone())));
        }
        if let Some(v) = &self.trainee {
            p.push((":trainee", Value::Text(v.clone())));
        }
        if let Some(v) = &self.station {
            p.push((":station", Value::Text(v.clone())));
        }
        p
    }

    /// Whether only the scenario (or nothing) is filtered on.
    fn scenario_only(&self) -> bool {
        self.since_ms.is_none()
            && self.until_ms.is_none()
            && self.trainee.is_none()
            && self.station.is_none()
    }
}

/// Borrows named parameters the way rusqlite takes them.
fn named<'a>(p: &'a [(&'static str, Value)]) -> Vec<(&'static str, &'a dyn rusqlite::ToSql)> {
    p.iter()
        .map(|(k, v)| (*k, v as &dyn rusqlite::ToSql))
        .collect()
}

fn stale_param() -> (&'static str, Value) {
    (
        ":stale",
        Value::Integer(now_ms().saturating_sub(STALE_AFTER_MS)),
    )
}

/// Where an attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    /// Not finished, with a step recorded within the last hour.
    InProgress,
    Finished,
    /// Left before the end, or not finished and idle for over an hour (e.g. a crash).
    Abandoned,
}

impl AttemptStatus {
    /// `in_progress`, `finished`, `abandoned`.
    pub fn key(self) -> &'static str {
        match self {
            AttemptStatus::InProgress => "in_progress",
            AttemptStatus::Finished => "finished",
            AttemptStatus::Abandoned => "abandoned",
        }
    }

    fn of(status: &str, last_ms: i64, now: i64) -> AttemptStatus {
        match status {
            "finished" => AttemptStatus::Finished,
            "open" if last_ms >= now.saturating_sub(STALE_AFTER_MS) => AttemptStatus::InProgress,
            _ => AttemptStatus::Abandoned,
        }
    }
}

/// One attempt, without its steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptSummary {
    pub id: AttemptId,
    pub trainee: String,
    pub scenario: String,
    pub content_hash: Option<String>,
    /// Replaying with this seed (and the recorded choices) reproduces the attempt.
    pub seed: u64,
    pub locale: String,
    pub source: Source,
    pub status: AttemptStatus,
    pub started_ms: i64,
    /// Last recorded activity.
    pub last_ms: i64,
    pub finished_ms: Option<i64>,
    /// Steps recorded.
    pub steps: usize,
    // The rest is set once finished.
    pub ending: Option<String>,
    pub outcome: Option<Outcome>,
    pub passed: Option<bool>,
    pub overall: Option<f64>,
    pub final_mood: Option<i32>,
    /// Score 0–100 per assessed principle.
    pub principles: BTreeMap<Principle, f64>,
    pub not_assessed: Vec<Principle>,
    pub below_floor: Vec<Principle>,
    /// The station it was played at (`None`: recorded before stations were named).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
}

/// One recorded step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedStep {
    /// 0-based place in the transcript.
    pub index: usize,
    /// When it was committed (UTC ms).
    pub recorded_ms: i64,
    #[serde(flatten)]
    pub entry: TranscriptEntry,
}

/// An attempt with every recorded step: the drill-down.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptDetail {
    pub summary: AttemptSummary,
    pub steps: Vec<RecordedStep>,
}

impl AttemptDetail {
    /// The transcript as the session produced it.
    pub fn transcript(&self) -> Vec<TranscriptEntry> {
        self.steps.iter().map(|s| s.entry.clone()).collect()
    }

    /// The reply chosen at each step, in order (with the seed, enough to replay).
    pub fn choices(&self) -> Vec<String> {
        self.steps.iter().map(|s| s.entry.chosen.clone()).collect()
    }
}

/// A principle's mean over finished attempts that assessed it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PrincipleAverage {
    pub mean: f64,
    /// How many finished attempts assessed the principle.
    pub attempts: u64,
}

/// The whole room's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortAverages {
    /// Attempts started (finished or not).
    pub attempts: u64,
    pub finished: u64,
    pub abandoned: u64,
    pub passed: u64,
    /// Trainees with at least one attempt.
    pub trainees: u64,
    /// Mean overall score of the finished attempts.
    pub overall: Option<f64>,
    /// Per principle, over the finished attempts that assessed it.
    pub principles: BTreeMap<Principle, PrincipleAverage>,
}

/// One row of the manager's trainee table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraineeRow {
    pub trainee: String,
    /// Attempts started.
    pub attempts: u64,
    pub finished: u64,
    pub abandoned: u64,
    pub passed: u64,
    /// Overall score of the first and the last finished attempt (by finish time).
    pub first_overall: Option<f64>,
    pub last_overall: Option<f64>,
    pub best_overall: Option<f64>,
    /// last − first (positive: improving). `None` with fewer than two finished attempts.
    pub improvement: Option<f64>,
    /// Mean score per principle over the finished attempts.
    pub principles: BTreeMap<Principle, f64>,
    /// The principle with the lowest mean (ties: display order).
    pub weakest: Option<Principle>,
    /// Last activity (UTC ms).
    pub last_active_ms: i64,
}

/// One finished attempt on the trend chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    pub finished_ms: i64,
    pub attempt: AttemptId,
    pub scenario: String,
    pub overall: f64,
    pub passed: bool,
    pub principles: BTreeMap<Principle, f64>,
}

/// One trainee's finished attempts over time, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendSeries {
    pub trainee: String,
    pub points: Vec<TrendPoint>,
}

/// How often one reply was chosen at one step of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplyChoice {
    pub scenario: String,
    pub step_id: String,
    pub reply_id: String,
    /// Times this reply was chosen (including taken on timeout).
    pub chosen: u64,
    /// Times the step was answered, whatever the reply.
    pub visits: u64,
    /// chosen / visits.
    pub share: f64,
    /// The reply's total rating (sum over the scored principles; the mean, should the
    /// scenario file have changed between attempts).
    pub rating_total: f64,
    /// Whether it is the step's best reply (the one the debrief recommends).
    pub is_best: bool,
    /// Of `chosen`, how many were taken because the time ran out.
    pub timed_out: u64,
    pub mean_response_ms: f64,
}

impl ReplyChoice {
    /// A choice other than the step's best reply.
    pub(crate) fn is_poor(&self) -> bool {
        !self.is_best
    }
}

/// A trainee's record at one scenario, for the library card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioBest {
    pub scenario: String,
    /// Attempts started.
    pub attempts: u64,
    pub finished: u64,
    pub best_overall: Option<f64>,
    pub best_attempt: Option<AttemptId>,
    /// Whether any attempt passed.
    pub passed: bool,
    pub last_active_ms: i64,
}

const SUMMARY_COLUMNS: &str = "a.uuid, a.trainee, a.scenario, a.content_hash, a.seed, a.locale, \
     a.source, a.status, a.started_ms, a.last_ms, a.steps, a.finished_ms, a.ending, a.outcome, \
     a.passed, a.overall, a.final_mood, a.respect, a.moderation, a.self_discipline, a.compliance, \
     a.not_assessed, a.below_floor, a.station";

/// The principle columns of `attempts` and `steps`, in [`Principle::ALL`] order.
const PRINCIPLE_COLUMNS: [(Principle, &str); 4] = [
    (Principle::Respect, "respect"),
    (Principle::Moderation, "moderation"),
    (Principle::SelfDiscipline, "self_discipline"),
    (Principle::Compliance, "compliance"),
];

fn bad(col: usize, msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, Type::Text, msg.into())
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn principles_from_list(col: usize, list: Option<String>) -> rusqlite::Result<Vec<Principle>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    list.split(',')
        .filter(|k| !k.is_empty())
        .map(|k| Principle::from_key(k).ok_or_else(|| bad(col, format!("unknown principle `{k}`"))))
        .collect()
}

fn attempt_id(col: usize, text: &str) -> rusqlite::Result<AttemptId> {
    AttemptId::parse(text).map_err(|_| bad(col, format!("`{text}` is not an attempt id")))
}

/// Reads [`SUMMARY_COLUMNS`] starting at column 0.
fn summary(r: &Row<'_>, now: i64) -> rusqlite::Result<AttemptSummary> {
    let uuid: String = r.get(0)?;
    let seed: String = r.get(4)?;
    let source: String = r.get(6)?;
    let status: String = r.get(7)?;
    let last_ms: i64 = r.get(9)?;
    let outcome: Option<String> = r.get(13)?;
    let mut principles = BTreeMap::new();
    for (i, (p, _)) in PRINCIPLE_COLUMNS.iter().enumerate() {
        if let Some(v) = r.get::<_, Option<f64>>(17 + i)? {
            principles.insert(*p, v);
        }
    }
    Ok(AttemptSummary {
        id: attempt_id(0, &uuid)?,
        trainee: r.get(1)?,
        scenario: r.get(2)?,
        content_hash: r.get(3)?,
        seed: seed
            .parse()
            .map_err(|_| bad(4, format!("seed `{seed}` is not a number")))?,
        locale: r.get(5)?,
        source: Source::from_key(&source)
            .ok_or_else(|| bad(6, format!("unknown source `{source}`")))?,
        status: AttemptStatus::of(&status, last_ms, now),
        started_ms: r.get(8)?,
        last_ms,
        steps: usize::try_from(r.get::<_, i64>(10)?).unwrap_or(0),
        finished_ms: r.get(11)?,
        ending: r.get(12)?,
        outcome: match outcome {
            Some(o) => Some(
                Outcome::from_key(&o).ok_or_else(|| bad(13, format!("unknown outcome `{o}`")))?,
            ),
            None => None,
        },
        passed: r.get(14)?,
        overall: r.get(15)?,
        final_mood: r.get(16)?,
        principles,
        not_assessed: principles_from_list(21, r.get(21)?)?,
        below_floor: principles_from_list(22, r.get(22)?)?,
        station: r.get(23)?,
    })
}

fn recorded_step(r: &Row<'_>) -> rusqlite::Result<RecordedStep> {
    let offered: String = r.get(4)?;
    let offered: Vec<String> = serde_json::from_str(&offered)
        .map_err(|e| bad(4, format!("offered replies `{offered}`: {e}")))?;
    let mut ratings = BTreeMap::new();
    for (i, (p, _)) in PRINCIPLE_COLUMNS.iter().enumerate() {
        if let Some(v) = r.get::<_, Option<i64>>(9 + i)? {
            ratings.insert(*p, v);
        }
    }
    Ok(RecordedStep {
        index: usize::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
        recorded_ms: r.get(16)?,
        entry: TranscriptEntry {
            step_id: r.get(1)?,
            variant: usize::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
            customer_line: r.get(3)?,
            offered,
            chosen: r.get(5)?,
            reaction: None,
            best: r.get(6)?,
            timed_out: r.get(7)?,
            response_ms: to_u64(r.get(8)?),
            ratings,
            mood_before: r.get(13)?,
            mood_after: r.get(14)?,
            trigger: r.get(15)?,
        },
    })
}

/// The principle with the lowest mean (first in display order on ties).
fn weakest(means: &BTreeMap<Principle, f64>) -> Option<Principle> {
    let mut best: Option<(Principle, f64)> = None;
    for p in Principle::ALL {
        if let Some(v) = means.get(&p) {
            match best {
                Some((_, b)) if *v >= b => {}
                _ => best = Some((p, *v)),
            }
        }
    }
    best.map(|(p, _)| p)
}

impl Store {
    /// The cohort's figures: attempt counts, mean overall score, and each principle's
    /// mean over the finished attempts that assessed it.
    pub fn cohort_averages(&self, filter: &Filter) -> Result<CohortAverages, RecordsError> {
        let mut params = filter.params();
        params.push(stale_param());
        let sql = format!(
            "SELECT count(*), count(a.finished_ms), \
             coalesce(sum(a.status = 'abandoned' OR (a.status = 'open' AND a.last_ms < :stale)), 0), \
             coalesce(sum(a.passed), 0), count(DISTINCT a.trainee), avg(a.overall), \
             avg(a.respect), count(a.respect), avg(a.moderation), count(a.moderation), \
             avg(a.self_discipline), count(a.self_discipline), avg(a.compliance), count(a.compliance) \
             FROM attempts a WHERE 1 = 1{}",
            filter.sql("a")
        );
        self.read(|c| {
            c.prepare_cached(&sql)?
                .query_row(named(&params).as_slice(), |r| {
                    let mut principles = BTreeMap::new();
                    for (i, (p, _)) in PRINCIPLE_COLUMNS.iter().enumerate() {
                        let mean: Option<f64> = r.get(6 + 2 * i)?;
                        let n: i64 = r.get(7 + 2 * i)?;
                        if let Some(mean) = mean {
                            principles.insert(
                                *p,
                                PrincipleAverage {
                                    mean,
                                    attempts: to_u64(n),
                                },
                            );
                        }
                    }
                    Ok(CohortAverages {
                        attempts: to_u64(r.get(0)?),
                        finished: to_u64(r.get(1)?),
                        abandoned: to_u64(r.get(2)?),
                        passed: to_u64(r.get(3)?),
                        trainees: to_u64(r.get(4)?),
                        overall: r.get(5)?,
                        principles,
                    })
                })
        })
    }

    /// The trainee table: per trainee, attempt counts, first / last / best overall score,
    /// improvement (last − first), per-principle means and the weakest principle.
    /// Sorted by trainee id.
    pub fn trainee_table(&self, filter: &Filter) -> Result<Vec<TraineeRow>, RecordsError> {
        let mut params = filter.params();
        params.push(stale_param());
        let (ca, cf) = (filter.sql("a"), filter.sql("f"));
        // One pass over the covering index `attempts_by_trainee` for the counts and means,
        // and two index seeks per trainee for the first and the last finished attempt.
        let sql = format!(
            "SELECT g.trainee, g.attempts, g.finished, g.abandoned, g.passed, \
               (SELECT f.overall FROM attempts f WHERE f.trainee = g.trainee \
                  AND f.finished_ms IS NOT NULL{cf} ORDER BY f.finished_ms, f.id LIMIT 1), \
               (SELECT f.overall FROM attempts f WHERE f.trainee = g.trainee \
                  AND f.finished_ms IS NOT NULL{cf} ORDER BY f.finished_ms DESC, f.id DESC LIMIT 1), \
               g.best, g.respect, g.moderation, g.self_discipline, g.compliance, g.last_ms \
             FROM (SELECT a.trainee, count(*) AS attempts, count(a.finished_ms) AS finished, \
                     coalesce(sum(a.status = 'abandoned' OR (a.status = 'open' AND a.last_ms < :stale)), 0) AS abandoned, \
                     coalesce(sum(a.passed), 0) AS passed, max(a.overall) AS best, \
                     avg(a.respect) AS respect, avg(a.moderation) AS moderation, \
                     avg(a.self_discipline) AS self_discipline, avg(a.compliance) AS compliance, \
                     max(a.last_ms) AS last_ms \
                   FROM attempts a WHERE 1 = 1{ca} GROUP BY a.trainee) g \
             ORDER BY g.trainee"
        );
        self.read(|c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(named(&params).as_slice(), |r| {
                let mut principles = BTreeMap::new();
                for (i, (p, _)) in PRINCIPLE_COLUMNS.iter().enumerate() {
                    if let Some(v) = r.get::<_, Option<f64>>(8 + i)? {
                        principles.insert(*p, v);
                    }
                }
                let finished = to_u64(r.get(2)?);
                let first: Option<f64> = r.get(5)?;
                let last: Option<f64> = r.get(6)?;
                Ok(TraineeRow {
                    trainee: r.get(0)?,
                    attempts: to_u64(r.get(1)?),
                    finished,
                    abandoned: to_u64(r.get(3)?),
                    passed: to_u64(r.get(4)?),
                    first_overall: first,
                    last_overall: last,
                    best_overall: r.get(7)?,
                    improvement: match (first, last) {
                        (Some(f), Some(l)) if finished >= 2 => Some(l - f),
                        _ => None,
                    },
                    weakest: weakest(&principles),
                    principles,
                    last_active_ms: r.get(12)?,
                })
            })?;
            rows.collect()
        })
    }

    /// The trend chart: per trainee, each finished attempt's scores in finishing order.
    pub fn trend(&self, filter: &Filter) -> Result<Vec<TrendSeries>, RecordsError> {
        let params = filter.params();
        let sql = format!(
            "SELECT a.trainee, a.finished_ms, a.uuid, a.scenario, a.overall, a.passed, \
             a.respect, a.moderation, a.self_discipline, a.compliance \
             FROM attempts a WHERE a.finished_ms IS NOT NULL{} \
             ORDER BY a.trainee, a.finished_ms, a.id",
            filter.sql("a")
        );
        let rows: Vec<(String, TrendPoint)> = self.read(|c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(named(&params).as_slice(), |r| {
                let uuid: String = r.get(2)?;
                let mut principles = BTreeMap::new();
                for (i, (p, _)) in PRINCIPLE_COLUMNS.iter().enumerate() {
                    if let Some(v) = r.get::<_, Option<f64>>(6 + i)? {
                        principles.insert(*p, v);
                    }
                }
                Ok((
                    r.get(0)?,
                    TrendPoint {
                        finished_ms: r.get(1)?,
                        attempt: attempt_id(2, &uuid)?,
                        scenario: r.get(3)?,
                        overall: r.get(4)?,
                        passed: r.get(5)?,
                        principles,
                    },
                ))
            })?;
            rows.collect()
        })?;
        let mut out: Vec<TrendSeries> = Vec::new();
        for (trainee, point) in rows {
            match out.last_mut() {
                Some(s) if s.trainee == trainee => s.points.push(point),
                _ => out.push(TrendSeries {
                    trainee,
                    points: vec![point],
                }),
            }
        }
        Ok(out)
    }

    /// "Where learners go wrong": for each scenario, step and reply, how often it was
    /// chosen (steps of unfinished attempts count too). Sorted by scenario, step, then
    /// most chosen first.
    pub fn reply_choices(&self, filter: &Filter) -> Result<Vec<ReplyChoice>, RecordsError> {
        let params = filter.params();
        // Steps carry their scenario, so with no other filter the counts come from the
        // `steps_by_choice` index alone; trainee and date filters need the attempts.
        let from = if filter.scenario_only() {
            format!("steps s WHERE 1 = 1{}", filter.sql("s"))
        } else {
            format!(
                "steps s JOIN attempts a ON a.id = s.attempt_id WHERE 1 = 1{}",
                filter.sql("a")
            )
        };
        let sql = format!(
            "SELECT s.scenario, s.step_id, s.chosen, count(*), sum(s.chosen = s.best), \
             avg(s.rating_total), sum(s.timed_out), avg(s.response_ms) \
             FROM {from} GROUP BY s.scenario, s.step_id, s.chosen"
        );
        let mut rows: Vec<ReplyChoice> = self.read(|c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(named(&params).as_slice(), |r| {
                let chosen = to_u64(r.get(3)?);
                let as_best = to_u64(r.get(4)?);
                Ok(ReplyChoice {
                    scenario: r.get(0)?,
                    step_id: r.get(1)?,
                    reply_id: r.get(2)?,
                    chosen,
                    visits: 0,
                    share: 0.0,
                    rating_total: r.get(5)?,
                    is_best: as_best * 2 > chosen,
                    timed_out: to_u64(r.get(6)?),
                    mean_response_ms: r.get(7)?,
                })
            })?;
            rows.collect()
        })?;
        let mut visits: BTreeMap<(String, String), u64> = BTreeMap::new();
        for r in &rows {
            *visits
                .entry((r.scenario.clone(), r.step_id.clone()))
                .or_default() += r.chosen;
        }
        for r in &mut rows {
            r.visits = visits
                .get(&(r.scenario.clone(), r.step_id.clone()))
                .copied()
                .unwrap_or(0);
            r.share = if r.visits > 0 {
                r.chosen as f64 / r.visits as f64
            } else {
                0.0
            };
        }
        rows.sort_by(|a, b| {
            (&a.scenario, &a.step_id)
                .cmp(&(&b.scenario, &b.step_id))
                .then(b.chosen.cmp(&a.chosen))
                .then(a.reply_id.cmp(&b.reply_id))
        });
        Ok(rows)
    }

    /// The most common poor choices (replies other than the step's best), most chosen
    /// first; ties: lower rating first. At most `limit` rows.
    pub fn poor_choices(
        &self,
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<ReplyChoice>, RecordsError> {
        let mut rows: Vec<ReplyChoice> = self
            .reply_choices(filter)?
            .into_iter()
            .filter(ReplyChoice::is_poor)
            .collect();
        rows.sort_by(|a, b| {
            b.chosen
                .cmp(&a.chosen)
                .then(a.rating_total.total_cmp(&b.rating_total))
                .then((&a.scenario, &a.step_id, &a.reply_id).cmp(&(
                    &b.scenario,
                    &b.step_id,
                    &b.reply_id,
                )))
        });
        rows.truncate(limit);
        Ok(rows)
    }

    /// Attempts matching `filter`, newest first, at most `limit`: the drill-down list,
    /// and (with [`Filter::for_trainee`]) a trainee's own history.
    pub fn attempts(
        &self,
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<AttemptSummary>, RecordsError> {
        let now = now_ms();
        let mut params = filter.params();
        params.push((
            ":limit",
            Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)),
        ));
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM attempts a WHERE 1 = 1{} \
             ORDER BY a.started_ms DESC, a.id DESC LIMIT :limit",
            filter.sql("a")
        );
        self.read(|c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(named(&params).as_slice(), |r| summary(r, now))?;
            rows.collect()
        })
    }

    /// One attempt with every recorded step, or `None` if there is no such attempt.
    pub fn attempt(&self, id: &AttemptId) -> Result<Option<AttemptDetail>, RecordsError> {
        let now = now_ms();
        let key = id.to_string();
        self.read(|c| {
            let head = c
                .prepare_cached(&format!(
                    "SELECT {SUMMARY_COLUMNS}, a.id FROM attempts a WHERE a.uuid = ?1"
                ))?
                .query_row([&key], |r| Ok((summary(r, now)?, r.get::<_, i64>(24)?)))
                .optional()?;
            let Some((summary, row)) = head else {
                return Ok(None);
            };
            let mut st = c.prepare_cached(
                "SELECT idx, step_id, variant, customer_line, offered, chosen, best, timed_out, \
                 response_ms, respect, moderation, self_discipline, compliance, mood_before, \
                 mood_after, trigger_goto, recorded_ms \
                 FROM steps WHERE attempt_id = ?1 ORDER BY idx",
            )?;
            let steps = st
                .query_map([row], recorded_step)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Some(AttemptDetail { summary, steps }))
        })
    }

    /// A trainee's own attempts, newest first (the library screen's history).
    pub fn trainee_history(
        &self,
        trainee: &str,
        limit: usize,
    ) -> Result<Vec<AttemptSummary>, RecordsError> {
        self.attempts(&Filter::for_trainee(trainee), limit)
    }

    /// A trainee's best result at each scenario they tried (the library cards), sorted
    /// by scenario id.
    pub fn trainee_bests(&self, trainee: &str) -> Result<Vec<ScenarioBest>, RecordsError> {
        /// scenario, attempts, finished, best overall, passed, last activity, best attempt
        type Row = (String, i64, i64, Option<f64>, bool, i64, Option<String>);
        let rows: Vec<Row> = self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT a.scenario, count(*), count(a.finished_ms), max(a.overall), \
                       coalesce(max(a.passed), 0), max(a.last_ms), \
                       (SELECT b.uuid FROM attempts b WHERE b.trainee = a.trainee \
                          AND b.scenario = a.scenario AND b.finished_ms IS NOT NULL \
                          ORDER BY b.overall DESC, b.finished_ms, b.id LIMIT 1) \
                     FROM attempts a WHERE a.trainee = ?1 GROUP BY a.scenario ORDER BY a.scenario",
            )?;
            let rows = st.query_map([trainee.trim()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?;
            rows.collect()
        })?;
        rows.into_iter()
            .map(|(scenario, attempts, finished, best, passed, last, uuid)| {
                let best_attempt = match uuid {
                    Some(u) => Some(AttemptId::parse(&u).map_err(|_| {
                        self.bad_value(format!("attempts.uuid `{u}` is not a UUID"))
                    })?),
                    None => None,
                };
                Ok(ScenarioBest {
                    scenario,
                    attempts: to_u64(attempts),
                    finished: to_u64(finished),
                    best_overall: best,
                    best_attempt,
                    passed,
                    last_active_ms: last,
                })
            })
            .collect()
    }

    /// Trainee ids with attempts matching `filter`, sorted (for the filter list).
    pub fn trainee_ids(&self, filter: &Filter) -> Result<Vec<String>, RecordsError> {
        self.distinct("trainee", filter)
    }

    /// Scenario ids with attempts matching `filter`, sorted (for the filter list).
    pub fn scenario_ids(&self, filter: &Filter) -> Result<Vec<String>, RecordsError> {
        self.distinct("scenario", filter)
    }

    /// Station names with attempts matching `filter`, sorted (for the station filter).
    pub fn station_ids(&self, filter: &Filter) -> Result<Vec<String>, RecordsError> {
        let params = filter.params();
        let sql = format!(
            "SELECT DISTINCT a.station FROM attempts a WHERE a.station IS NOT NULL{} ORDER BY 1",
            filter.sql("a")
        );
        self.read(|c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(named(&params).as_slice(), |r| r.get(0))?;
            rows.collect()
        })
    }

    fn distinct(&self, column: &str, filter: &Filter) -> Result<Vec<String>, RecordsError> {
        let params = filter.params();
        let sql = format!(
            "SELECT DISTINCT a.{column} FROM attempts a WHERE 1 = 1{} ORDER BY 1",
            filter.sql("a")
        );
        self.read(|c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(named(&params).as_slice(), |r| r.get(0))?;
            rows.collect()
        })
    }
}
