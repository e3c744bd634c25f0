//! The playing session: a pull API over one attempt at a scenario.
//!
//! `Session::start` → [`Session::current`] tells what to show; [`Session::choose`] (or
//! [`Session::timeout`]) returns the feedback and moves on; once an ending is reached,
//! [`Session::finish`] gives the scores and the full transcript. All randomness (which
//! line variant the customer says, the order replies are offered in) comes from one
//! `ChaCha8Rng` seeded per attempt, drawn in a fixed order, so the same seed and the
//! same choices replay exactly.

use crate::model::{Outcome, Principle, Reply, Scenario, Step};
use crate::mood;
use crate::scoring::{self, Scores, Visit};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, seq::SliceRandom};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

/// Why a session call was refused. These are caller mistakes or invalid scenarios
/// (validation rules them out for files that pass `courtesy validate`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SessionError {
    #[error(
        "scenario `{scenario}` has no `{locale}` text (it declares {declared:?}); pick one of those locales"
    )]
    UnknownLocale {
        scenario: String,
        locale: String,
        declared: Vec<String>,
    },
    #[error(
        "scenario `{scenario}` refers to `{target}`, which is neither a step nor an ending; run `courtesy validate` on it"
    )]
    DanglingTarget { scenario: String, target: String },
    #[error("step `{step}` offers no reply `{reply}`; offered: {offered:?}")]
    UnknownReply {
        step: String,
        reply: String,
        offered: Vec<String>,
    },
    #[error("step `{step}` has no time limit, so it cannot time out")]
    NoTimeout { step: String },
    #[error("the conversation has already ended")]
    AlreadyEnded,
    #[error("the conversation has not reached an ending yet (now at step `{step}`)")]
    NotEnded { step: String },
}

/// A reply as offered to the trainee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferedReply {
    pub id: String,
    pub text: String,
}

/// What to show while the trainee is at a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepView {
    pub step_id: String,
    /// 0-based number of this visit in the attempt (the transcript index it will get).
    pub index: usize,
    /// Which of the step's `says` variants was picked.
    pub variant: usize,
    /// What the customer says, in the session's locale.
    pub customer_line: String,
    /// The replies to offer, in the (shuffled) order to show them.
    pub replies: Vec<OfferedReply>,
    /// The scenario's time limit for this step (the app may scale it for accessibility).
    pub time_limit: Option<Duration>,
    pub mood: i32,
}

/// What to show once the conversation has ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndingView {
    pub ending_id: String,
    pub outcome: Outcome,
    pub text: String,
    pub mood: i32,
}

/// Where the session is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Current {
    Step(StepView),
    Ended(EndingView),
}

/// A rule cited by a reply's feedback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CitedRule {
    pub id: String,
    /// The rule's title and text in the session's locale (empty if the catalogue lacks the id).
    pub title: String,
    pub text: String,
}

/// Feedback on one reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feedback {
    pub step_id: String,
    pub reply_id: String,
    pub reply_text: String,
    pub timed_out: bool,
    /// The reply's rating on each principle the scenario scores.
    pub ratings: BTreeMap<Principle, i64>,
    pub mood_before: i32,
    pub mood_after: i32,
    pub cited: Vec<CitedRule>,
    /// Why the reply rates as it does.
    pub explanation: String,
    /// The reply is a grave error (`critical` in the scenario): the attempt will fail
    /// whatever the score, and `explanation` says why.
    pub critical: bool,
    /// What the customer says straight after the reply (session locale), if the reply
    /// has a `reaction`: shown before the next step's line.
    pub reaction: Option<String>,
    /// Where the conversation goes next (a step or ending id).
    pub next: String,
    /// Set when a mood trigger overrode the reply's own `next`.
    pub trigger: Option<String>,
}

impl Feedback {
    /// mood_after − mood_before.
    pub fn mood_change(&self) -> i32 {
        self.mood_after - self.mood_before
    }
}

/// One visited step in the transcript.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptEntry {
    pub step_id: String,
    pub variant: usize,
    /// What the customer said (session locale).
    pub customer_line: String,
    /// Reply ids in the order they were offered.
    pub offered: Vec<String>,
    pub chosen: String,
    /// What the customer said straight after the reply (session locale), when the reply
    /// has a `reaction`. (Attempts read back from the records store carry `None`: the
    /// store keeps the choices, and a replay restores the line.)
    pub reaction: Option<String>,
    pub timed_out: bool,
    /// How long the trainee took, in milliseconds.
    pub response_ms: u64,
    pub ratings: BTreeMap<Principle, i64>,
    pub mood_before: i32,
    pub mood_after: i32,
    /// The highest-rated reply the step offered (sum of ratings; ties: higher mood, then file order).
    pub best: String,
    /// The trigger target, if a mood trigger fired after this reply.
    pub trigger: Option<String>,
}

/// A critical reply the trainee chose, as the debrief and `courtesy run` report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriticalError {
    pub step: String,
    pub reply: String,
    /// The reply's text (session locale; empty when the scenario is not at hand).
    pub reply_text: String,
    /// Why it is a grave error: the reply's feedback (session locale).
    pub feedback: String,
}

/// The result of a finished attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptResult {
    pub scenario: String,
    pub content_hash: Option<String>,
    pub seed: u64,
    pub locale: String,
    pub ending: String,
    pub outcome: Outcome,
    /// overall ≥ pass mark, no floor broken, and no critical reply chosen.
    pub passed: bool,
    pub overall: f64,
    /// The critical replies chosen, in order: any one fails the attempt whatever the score.
    pub critical: Vec<CriticalError>,
    /// Score 0–100 for each assessed principle.
    pub principles: BTreeMap<Principle, f64>,
    pub not_assessed: Vec<Principle>,
    pub below_floor: Vec<Principle>,
    pub final_mood: i32,
    pub transcript: Vec<TranscriptEntry>,
    #[serde(skip)]
    pub scores: Scores,
}

/// One attempt at a scenario. (Not `Clone`: the rng deliberately is not. To go back,
/// replay the same seed and choices, which reproduces the attempt exactly.)
#[derive(Debug)]
pub struct Session {
    scenario: Arc<Scenario>,
    content_hash: Option<String>,
    seed: u64,
    locale: String,
    rng: ChaCha8Rng,
    mood: i32,
    fired: Vec<bool>,
    current: Current,
    transcript: Vec<TranscriptEntry>,
}

/// The reply a strategy of "best" would pick at `step`: highest total rating over
/// `principles`, ties broken by the larger mood change, then file order. Only offered
/// replies (not `timeout_only`) count.
pub fn best_reply<'a>(step: &'a Step, principles: &[Principle]) -> Option<&'a Reply> {
    let mut best: Option<&Reply> = None;
    for r in step.offered() {
        let better = match best {
            None => true,
            Some(b) => (r.total(principles), r.mood) > (b.total(principles), b.mood),
        };
        if better {
            best = Some(r);
        }
    }
    best
}

/// The opposite of [`best_reply`]: lowest total, ties broken by the smaller mood change,
/// then file order.
pub fn worst_reply<'a>(step: &'a Step, principles: &[Principle]) -> Option<&'a Reply> {
    let mut worst: Option<&Reply> = None;
    for r in step.offered() {
        let lower = match worst {
            None => true,
            Some(w) => (r.total(principles), r.mood) < (w.total(principles), w.mood),
        };
        if lower {
            worst = Some(r);
        }
    }
    worst
}

/// Where the conversation goes after `reply` left the mood at `mood_after`: the first
/// mood trigger (in file order) that holds and has not fired yet, else the reply's
/// `next`. Marks the trigger as fired. Returns the target and, if a trigger fired, its
/// target again. The session and the score checker (`core::check`) both route with this.
pub fn route<'a>(
    scenario: &'a Scenario,
    reply: &'a Reply,
    mood_after: i32,
    fired: &mut [bool],
) -> (&'a str, Option<&'a str>) {
    for (i, t) in scenario.triggers.iter().enumerate() {
        if fired.get(i).is_some_and(|f| !f) && t.when.holds(mood_after) {
            fired[i] = true;
            return (&t.goto, Some(&t.goto));
        }
    }
    (&reply.next, None)
}

impl Session {
    /// Starts an attempt: seeds the random stream and enters the start step.
    pub fn start(
        scenario: Arc<Scenario>,
        seed: u64,
        locale: &str,
    ) -> Result<Session, SessionError> {
        let (start, mood) = (scenario.start.clone(), scenario.start_mood);
        Session::begin(scenario, seed, locale, &start, mood)
    }

    /// A fresh attempt entering `target` with `mood` (clamped): the one constructor
    /// behind [`Session::start`] and [`Session::start_at`].
    fn begin(
        scenario: Arc<Scenario>,
        seed: u64,
        locale: &str,
        target: &str,
        mood: i32,
    ) -> Result<Session, SessionError> {
        if !scenario.locales.iter().any(|l| l == locale) {
            return Err(SessionError::UnknownLocale {
                scenario: scenario.id.clone(),
                locale: locale.to_string(),
                declared: scenario.locales.clone(),
            });
        }
        let mood = mood.clamp(crate::model::MOOD_MIN, crate::model::MOOD_MAX);
        let fired = vec![false; scenario.triggers.len()];
        let mut s = Session {
            scenario,
            content_hash: None,
            seed,
            locale: locale.to_string(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            mood,
            fired,
            current: Current::Ended(EndingView {
                ending_id: String::new(),
                outcome: Outcome::Unresolved,
                text: String::new(),
                mood,
            }),
            transcript: Vec::new(),
        };
        s.current = s.enter(target, 0, mood)?;
        Ok(s)
    }

    /// Starts an attempt at `step_id` with the customer's mood at `mood` (clamped), for
    /// authors previewing a scenario from the middle. Same seed, step and mood replay
    /// exactly, like [`Session::start`]. Triggers start unfired.
    pub fn start_at(
        scenario: Arc<Scenario>,
        seed: u64,
        locale: &str,
        step_id: &str,
        mood: i32,
    ) -> Result<Session, SessionError> {
        if scenario.step(step_id).is_none() {
            return Err(SessionError::DanglingTarget {
                scenario: scenario.id.clone(),
                target: step_id.to_string(),
            });
        }
        Session::begin(scenario, seed, locale, step_id, mood)
    }

    /// Records the scenario file's content hash in the result (see `core::load::content_hash`).
    pub fn with_content_hash(mut self, hash: impl Into<String>) -> Session {
        self.content_hash = Some(hash.into());
        self
    }

    /// What to show now.
    pub fn current(&self) -> &Current {
        &self.current
    }

    /// The scenario being played.
    pub fn scenario(&self) -> &Arc<Scenario> {
        &self.scenario
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn locale(&self) -> &str {
        &self.locale
    }

    pub fn mood(&self) -> i32 {
        self.mood
    }

    /// The steps answered so far.
    pub fn transcript(&self) -> &[TranscriptEntry] {
        &self.transcript
    }

    /// Whether an ending has been reached.
    pub fn is_ended(&self) -> bool {
        matches!(self.current, Current::Ended(_))
    }

    /// The trainee chose `reply_id` after `response_time`.
    pub fn choose(
        &mut self,
        reply_id: &str,
        response_time: Duration,
    ) -> Result<Feedback, SessionError> {
        let view = match &self.current {
            Current::Step(v) => v,
            Current::Ended(_) => return Err(SessionError::AlreadyEnded),
        };
        if !view.replies.iter().any(|r| r.id == reply_id) {
            return Err(SessionError::UnknownReply {
                step: view.step_id.clone(),
                reply: reply_id.to_string(),
                offered: view.replies.iter().map(|r| r.id.clone()).collect(),
            });
        }
        self.answer(reply_id.to_string(), false, response_time)
    }

    /// The step's time ran out after `elapsed`: the step's `on_timeout` reply is taken.
    pub fn timeout(&mut self, elapsed: Duration) -> Result<Feedback, SessionError> {
        let view = match &self.current {
            Current::Step(v) => v,
            Current::Ended(_) => return Err(SessionError::AlreadyEnded),
        };
        let step = self.step_def(&view.step_id)?;
        let reply = match (&step.time_limit, &step.on_timeout) {
            (Some(_), Some(r)) if step.reply(r).is_some() => r.clone(),
            _ => {
                return Err(SessionError::NoTimeout {
                    step: view.step_id.clone(),
                });
            }
        };
        self.answer(reply, true, elapsed)
    }

    /// The result, once an ending has been reached.
    pub fn finish(&self) -> Result<AttemptResult, SessionError> {
        let end = match &self.current {
            Current::Ended(e) => e,
            Current::Step(v) => {
                return Err(SessionError::NotEnded {
                    step: v.step_id.clone(),
                });
            }
        };
        let sc = &self.scenario;
        let visits = self.transcript.iter().filter_map(|t| {
            let step = sc.step(&t.step_id)?;
            let chosen = step.reply(&t.chosen)?;
            Some(Visit { step, chosen })
        });
        let scores = scoring::score(sc, visits);
        let loc = self.locale.as_str();
        let critical = scores
            .critical
            .iter()
            .map(|c| {
                let reply = sc.step(&c.step).and_then(|s| s.reply(&c.reply));
                CriticalError {
                    step: c.step.clone(),
                    reply: c.reply.clone(),
                    reply_text: reply
                        .map(|r| r.text.get(loc).to_string())
                        .unwrap_or_default(),
                    feedback: reply
                        .map(|r| r.feedback.get(loc).to_string())
                        .unwrap_or_default(),
                }
            })
            .collect();
        Ok(AttemptResult {
            scenario: sc.id.clone(),
            content_hash: self.content_hash.clone(),
            seed: self.seed,
            locale: self.locale.clone(),
            ending: end.ending_id.clone(),
            outcome: end.outcome,
            passed: scores.passed,
            overall: scores.overall,
            critical,
            principles: scores.principles.clone(),
            not_assessed: scores.not_assessed.clone(),
            below_floor: scores.below_floor.clone(),
            final_mood: self.mood,
            transcript: self.transcript.clone(),
            scores,
        })
    }

    fn step_def(&self, id: &str) -> Result<&Step, SessionError> {
        self.scenario
            .step(id)
            .ok_or_else(|| SessionError::DanglingTarget {
                scenario: self.scenario.id.clone(),
                target: id.to_string(),
            })
    }

    fn answer(
        &mut self,
        reply_id: String,
        timed_out: bool,
        took: Duration,
    ) -> Result<Feedback, SessionError> {
        let Current::Step(view) = &self.current else {
            return Err(SessionError::AlreadyEnded);
        };
        let view = view.clone();
        let scenario = Arc::clone(&self.scenario);
        let step = scenario
            .step(&view.step_id)
            .ok_or_else(|| SessionError::DanglingTarget {
                scenario: scenario.id.clone(),
                target: view.step_id.clone(),
            })?;
        let reply = step
            .reply(&reply_id)
            .ok_or_else(|| SessionError::UnknownReply {
                step: view.step_id.clone(),
                reply: reply_id.clone(),
                offered: view.replies.iter().map(|r| r.id.clone()).collect(),
            })?;
        let loc = self.locale.as_str();
        let ratings: BTreeMap<Principle, i64> = scenario
            .principles
            .iter()
            .map(|p| (*p, reply.ratings.rating(*p)))
            .collect();
        // Nothing of the session changes until the next step has been entered: a target
        // that cannot be entered leaves mood, triggers and transcript as they were.
        let mood_before = self.mood;
        let mood_after = mood::apply(mood_before, reply.mood);
        let mut fired = self.fired.clone();
        let (next, trigger) = route(&scenario, reply, mood_after, &mut fired);
        let (next, trigger) = (next.to_string(), trigger.map(str::to_string));
        let cited = reply
            .cite
            .iter()
            .map(|id| {
                let rule = crate::rules::rule(id);
                CitedRule {
                    id: id.clone(),
                    title: rule
                        .map(|r| r.title.get(loc).to_string())
                        .unwrap_or_default(),
                    text: rule
                        .map(|r| r.text.get(loc).to_string())
                        .unwrap_or_default(),
                }
            })
            .collect();
        let reaction = reply.reaction.as_ref().map(|t| t.get(loc).to_string());
        let best = best_reply(step, &scenario.principles)
            .map(|r| r.id.clone())
            .unwrap_or_default();
        let entry = TranscriptEntry {
            step_id: view.step_id.clone(),
            variant: view.variant,
            customer_line: view.customer_line.clone(),
            offered: view.replies.iter().map(|r| r.id.clone()).collect(),
            chosen: reply.id.clone(),
            reaction: reaction.clone(),
            timed_out,
            response_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            ratings: ratings.clone(),
            mood_before,
            mood_after,
            best,
            trigger: trigger.clone(),
        };
        let feedback = Feedback {
            step_id: view.step_id.clone(),
            reply_id: reply.id.clone(),
            reply_text: reply.text.get(loc).to_string(),
            timed_out,
            ratings,
            mood_before,
            mood_after,
            cited,
            explanation: reply.feedback.get(loc).to_string(),
            critical: reply.critical,
            reaction,
            next: next.clone(),
            trigger,
        };
        let current = self.enter(&next, self.transcript.len() + 1, mood_after)?;
        self.mood = mood_after;
        self.fired = fired;
        self.transcript.push(entry);
        self.current = current;
        Ok(feedback)
    }

    /// Enters a step or an ending as the `index`-th step seen with the customer at `mood`,
    /// drawing the variant and the reply order from the rng (only when it succeeds).
    fn enter(&mut self, target: &str, index: usize, mood: i32) -> Result<Current, SessionError> {
        let scenario = Arc::clone(&self.scenario);
        let loc = self.locale.clone();
        if let Some(step) = scenario.step(target) {
            // Fixed draw order per visit: variant first, then the shuffle.
            let variant = if step.says.len() > 1 {
                self.rng.random_range(0..step.says.len())
            } else {
                0
            };
            let mut replies: Vec<OfferedReply> = step
                .offered()
                .map(|r| OfferedReply {
                    id: r.id.clone(),
                    text: r.text.get(&loc).to_string(),
                })
                .collect();
            replies.shuffle(&mut self.rng);
            Ok(Current::Step(StepView {
                step_id: step.id.clone(),
                index,
                variant,
                customer_line: step
                    .says
                    .get(variant)
                    .map(|t| t.get(&loc).to_string())
                    .unwrap_or_default(),
                replies,
                time_limit: step.time_limit.map(|s| Duration::from_secs(u64::from(s))),
                mood,
            }))
        } else if let Some(end) = scenario.ending(target) {
            Ok(Current::Ended(EndingView {
                ending_id: end.id.clone(),
                outcome: end.outcome,
                text: end.text.get(&loc).to_string(),
                mood,
            }))
        } else {
            Err(SessionError::DanglingTarget {
                scenario: scenario.id.clone(),
                target: target.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod start_at_tests {
    use super::*;

    fn scenario() -> Arc<Scenario> {
        let src = include_str!("../../../tests/fixtures/scoring-case.ron");
        Arc::new(crate::load::parse_str(src).expect("fixture parses"))
    }

    #[test]
    fn start_at_enters_the_step_with_the_mood_and_replays_exactly() {
        let sc = scenario();
        let loc = sc.locales[0].clone();
        let step = sc.steps.last().map(|s| s.id.clone()).expect("a step");
        let a = Session::start_at(Arc::clone(&sc), 9, &loc, &step, 12).expect("starts");
        let b = Session::start_at(Arc::clone(&sc), 9, &loc, &step, 12).expect("starts");
        assert_eq!(a.current(), b.current());
        assert_eq!(a.mood(), 12);
        match a.current() {
            Current::Step(v) => {
                assert_eq!(v.step_id, step);
                assert_eq!(v.mood, 12);
                assert_eq!(v.index, 0);
            }
            Current::Ended(_) => panic!("should be at a step"),
        }
        assert!(matches!(
            Session::start_at(Arc::clone(&sc), 9, &loc, "no-such-step", 50),
            Err(SessionError::DanglingTarget { .. })
        ));
        let clamped = Session::start_at(sc, 9, &loc, &step, 1000).expect("starts");
        assert_eq!(clamped.mood(), crate::model::MOOD_MAX);
    }
}

#[cfg(test)]
mod answer_tests {
    use super::*;

    /// The fixture with its mood trigger pointing at a step that does not exist
    /// (what an unvalidated or half-edited file can hold).
    fn broken_trigger() -> Arc<Scenario> {
        let src = include_str!("../../../tests/fixtures/scoring-case.ron");
        let mut sc = crate::load::parse_str(src).expect("fixture parses");
        sc.triggers[0].goto = "nowhere".to_string();
        Arc::new(sc)
    }

    #[test]
    fn a_failed_answer_leaves_the_session_where_it_was() {
        let mut s = Session::start(broken_trigger(), 3, "en").expect("starts");
        let (mood, current) = (s.mood(), s.current().clone());
        // "c" drops the mood below the trigger's threshold: the trigger's target is missing.
        let err = s.choose("c", Duration::from_secs(1));
        assert!(
            matches!(err, Err(SessionError::DanglingTarget { .. })),
            "{err:?}"
        );
        assert_eq!(s.mood(), mood, "mood not moved by a failed answer");
        assert!(
            s.transcript().is_empty(),
            "nothing recorded for a failed answer"
        );
        assert_eq!(s.current(), &current, "still at the same step");
        // The trigger did not fire either: the same answer fails the same way again.
        let again = s.choose("c", Duration::from_secs(1));
        assert!(
            matches!(again, Err(SessionError::DanglingTarget { .. })),
            "{again:?}"
        );
        // A good answer still goes on as the first one.
        let ok = s.choose("a", Duration::from_secs(1)).expect("a is fine");
        assert_eq!(ok.mood_before, mood);
        assert_eq!(s.transcript().len(), 1);
    }
}
