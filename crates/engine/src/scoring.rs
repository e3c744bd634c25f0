//! Scoring: turns the ratings of the replies a trainee chose into 0–100 scores per
//! principle, an overall score and pass/fail (a critical reply fails whatever the score).
//! The formula is in `docs/scoring.md`.

use crate::model::{Principle, Scenario, Step};
use serde::Serialize;
use std::collections::BTreeMap;

/// The best and worst rating available on one principle at one step (every reply the
/// step defines, `timeout_only` ones included: letting the time run out is a choice
/// the scenario offers, and the scale must not depend on the trainee's timer setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub worst: i64,
    pub best: i64,
}

/// The rating range of `p` at `step`, or `None` if the step has no replies.
pub fn range(step: &Step, p: Principle) -> Option<Range> {
    let mut it = step.replies.iter().map(|r| r.ratings.rating(p));
    let first = it.next()?;
    let (worst, best) = it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v)));
    Some(Range { worst, best })
}

/// One visited step as scoring sees it: which step, and the rating the chosen reply had.
#[derive(Debug, Clone, Copy)]
pub struct Visit<'a> {
    pub step: &'a Step,
    pub chosen: &'a crate::model::Reply,
}

/// A principle's tally over a path: the sums in the formula, kept so that a trainer (or
/// the debrief) can show the working.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tally {
    /// Σ (chosen − worst) over the counted steps.
    pub earned: i64,
    /// Σ (best − worst) over the counted steps.
    pub possible: i64,
    /// How many visited steps counted for this principle.
    pub counted_steps: usize,
}

impl Tally {
    /// 100 × earned / possible, or `None` when no visited step varied on the principle.
    pub fn score(&self) -> Option<f64> {
        (self.possible > 0).then(|| 100.0 * self.earned as f64 / self.possible as f64)
    }
}

/// A reply marked `critical` that the path chose: it fails the attempt whatever the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriticalChoice {
    pub step: String,
    pub reply: String,
}

/// The scores of one play-through.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    /// Score 0–100 for each principle the scenario scores and the path assessed.
    pub principles: BTreeMap<Principle, f64>,
    /// Principles the scenario scores but no visited step varied on: they take no part in
    /// the overall score or the floors.
    pub not_assessed: Vec<Principle>,
    /// The working behind each score.
    pub tallies: BTreeMap<Principle, Tally>,
    /// Weighted mean of the assessed principles (0 when none was assessed).
    pub overall: f64,
    /// overall ≥ pass mark, every assessed principle ≥ its floor, and no critical reply chosen.
    pub passed: bool,
    /// Principles below their floor.
    pub below_floor: Vec<Principle>,
    /// The critical replies chosen, in path order (any one fails the attempt).
    pub critical: Vec<CriticalChoice>,
}

impl Scores {
    /// Whether the scores alone would pass (overall ≥ pass mark, no floor broken),
    /// leaving critical replies aside: the debrief says "your score would have passed, but …".
    pub fn passed_on_score(&self, scenario: &Scenario) -> bool {
        !self.principles.is_empty()
            && self.overall >= scenario.scoring.pass_mark
            && self.below_floor.is_empty()
    }
}

/// Scores a path through `scenario`. Deterministic: the same visits give the same scores.
pub fn score<'a>(scenario: &Scenario, visits: impl IntoIterator<Item = Visit<'a>>) -> Scores {
    let mut tallies: BTreeMap<Principle, Tally> = scenario
        .principles
        .iter()
        .map(|p| {
            (
                *p,
                Tally {
                    earned: 0,
                    possible: 0,
                    counted_steps: 0,
                },
            )
        })
        .collect();
    let mut critical = Vec::new();
    for v in visits {
        if v.chosen.critical {
            critical.push(CriticalChoice {
                step: v.step.id.clone(),
                reply: v.chosen.id.clone(),
            });
        }
        for (p, t) in tallies.iter_mut() {
            let Some(r) = range(v.step, *p) else { continue };
            if r.best == r.worst {
                continue;
            }
            t.earned += v.chosen.ratings.rating(*p) - r.worst;
            t.possible += r.best - r.worst;
            t.counted_steps += 1;
        }
    }
    let mut principles = BTreeMap::new();
    let mut not_assessed = Vec::new();
    for (p, t) in &tallies {
        match t.score() {
            Some(s) => {
                principles.insert(*p, s);
            }
            None => not_assessed.push(*p),
        }
    }
    let weight_sum: f64 = principles.keys().map(|p| scenario.weight(*p)).sum();
    let overall = if weight_sum > 0.0 {
        principles
            .iter()
            .map(|(p, s)| scenario.weight(*p) * s)
            .sum::<f64>()
            / weight_sum
    } else {
        0.0
    };
    let below_floor: Vec<Principle> = principles
        .iter()
        .filter(|(p, s)| scenario.scoring.floors.get(**p).is_some_and(|f| **s < f))
        .map(|(p, _)| *p)
        .collect();
    let passed = !principles.is_empty()
        && overall >= scenario.scoring.pass_mark
        && below_floor.is_empty()
        && critical.is_empty();
    Scores {
        principles,
        not_assessed,
        tallies,
        overall,
        passed,
        below_floor,
        critical,
    }
}
