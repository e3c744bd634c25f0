//! The learning loop's model: what a trainee's recorded choices say about each rule and principle.
//!
//! Pure and engine-free (no SQLite, no bevy): every function here takes the trainee's
//! evidence (a list of [`Choice`]s) and "now" as arguments, so a test can run it on a
//! simulated clock. `docs/learning.md` writes the model down so that a trainer can follow
//! one trainee's figures by hand.
//!
//! * [`verdict`]: whether one choice upholds or breaks the rules its feedback cites.
//! * [`mastery`]: per rule and per principle, a recency-weighted Beta-Bernoulli estimate
//!   of how reliably the trainee upholds it.
//! * [`spacing`]: a broken rule comes back due at 1, 3, 7, 14 and 30 days.
//! * [`recommend`]: "Practise next", the scenarios that exercise the most overdue rules,
//!   each with its reason in words (zh-CN and en).
//! * [`practice`]: the steps a trainee last got wrong, with the mood to replay them at.
//! * [`progress`]: mastery in words ("still learning", "reliable") and over time.

pub mod mastery;
pub mod practice;
pub mod progress;
pub mod recommend;
pub mod spacing;

pub use mastery::{Estimate, Mastery, MasteryParams, mastery};
pub use practice::{PracticeStep, wrong_in_transcript, wrong_steps};
pub use progress::{Level, ProgressPoint, level, principle_history, sample_times};
pub use recommend::{Catalogue, Recommendation, recommend};
pub use spacing::{DueRule, INTERVALS_DAYS, RuleSchedule, due_rules, schedules};

use crate::model::{Principle, Scenario};
use crate::session::best_reply;
use serde::Serialize;
use std::collections::BTreeMap;

/// Milliseconds in a day (the unit of half-lives and intervals).
pub const DAY_MS: i64 = 86_400_000;

/// One recorded choice: the evidence the learning model reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    /// When the choice was recorded (UTC ms since the Unix epoch).
    pub at_ms: i64,
    pub scenario: String,
    pub step: String,
    pub reply: String,
    /// The chosen reply's rating on each principle the scenario scores (−2 … +2).
    pub ratings: BTreeMap<Principle, i64>,
    /// The rule ids the reply's feedback cites.
    pub cites: Vec<String>,
    /// Whether the chosen reply is the step's best reply (the one the debrief recommends:
    /// highest sum of ratings, ties by mood change, then file order).
    pub best: bool,
    /// Whether the reply is marked `critical` (a grave error).
    pub critical: bool,
    /// The customer's mood when the step was shown, where the record keeps it (what
    /// practice-the-step starts the step with); `None` from [`Choice::from_model`].
    pub mood_before: Option<i32>,
    /// A practice step (`practice` table), not part of a scored attempt. It is evidence
    /// like any other choice (docs/learning.md, "Practice").
    pub practice: bool,
}

impl Choice {
    /// The choice of `reply_id` at `step_id` of `scenario`, recorded at `at_ms`, with its
    /// ratings, citations and verdict inputs read from the scenario model. `None` when the
    /// scenario has no such step or reply (e.g. the file changed since the attempt).
    pub fn from_model(
        scenario: &Scenario,
        step_id: &str,
        reply_id: &str,
        at_ms: i64,
    ) -> Option<Choice> {
        let step = scenario.step(step_id)?;
        let reply = step.reply(reply_id)?;
        let best = best_reply(step, &scenario.principles).is_some_and(|b| b.id == reply.id);
        Some(Choice {
            at_ms,
            scenario: scenario.id.clone(),
            step: step.id.clone(),
            reply: reply.id.clone(),
            ratings: scenario
                .principles
                .iter()
                .map(|p| (*p, reply.ratings.rating(*p)))
                .collect(),
            cites: reply.cite.clone(),
            best,
            critical: reply.critical,
            mood_before: None,
            practice: false,
        })
    }
}

/// What one choice says about the rules its feedback cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The trainee chose the step's best reply: it upholds every rule it cites.
    Upheld,
    /// A critical reply, or a reply rated below zero on a scored principle: it breaks
    /// every rule it cites.
    Broken,
    /// A reply that is not the best but rates no principle below zero: its feedback mixes
    /// what was done well with what was missing, so it counts neither way.
    Unclear,
}

/// The verdict on `choice`, applied to every rule it cites (docs/learning.md, "Upheld or
/// broken"). In this order: critical → broken; the step's best reply → upheld; any scored
/// principle rated below zero → broken; otherwise unclear.
pub fn verdict(choice: &Choice) -> Verdict {
    if choice.critical {
        Verdict::Broken
    } else if choice.best {
        Verdict::Upheld
    } else if choice.ratings.values().any(|r| *r < 0) {
        Verdict::Broken
    } else {
        Verdict::Unclear
    }
}

/// What one choice says about one principle: a rating of +1 or +2 upholds it, −1 or −2
/// breaks it, 0 says nothing. `None` also when the scenario does not score `p`.
pub fn principle_verdict(choice: &Choice, p: Principle) -> Option<Verdict> {
    match choice.ratings.get(&p).copied()? {
        r if r > 0 => Some(Verdict::Upheld),
        r if r < 0 => Some(Verdict::Broken),
        _ => None,
    }
}

/// The verdicts `evidence` gives on rule `id`, oldest first: `(at_ms, verdict)` for every
/// choice that cites it (a reply citing a rule twice counts once).
pub fn rule_verdicts(evidence: &[Choice], id: &str) -> Vec<(i64, Verdict)> {
    let mut out: Vec<(i64, Verdict)> = evidence
        .iter()
        .filter(|c| c.cites.iter().any(|r| r == id))
        .map(|c| (c.at_ms, verdict(c)))
        .collect();
    out.sort_by_key(|(t, _)| *t);
    out
}

/// The rule ids of the rule catalogue (`data/rules.ron`), in catalogue order.
pub fn rule_ids() -> Vec<&'static str> {
    crate::rules::catalogue()
        .iter()
        .map(|r| r.id.as_str())
        .collect()
}
