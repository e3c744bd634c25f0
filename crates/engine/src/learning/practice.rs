//! Practice-the-step: which steps a trainee last got wrong, and the mood to replay each one at.
//!
//! A step "went wrong" when the reply chosen there was not the step's best reply (the one
//! the debrief recommends). From the records, the latest choice at each step counts (a
//! step put right since, in an attempt or in practice, is no longer wrong); from a
//! finished attempt, its own transcript. Each step is replayed on its own, starting at
//! that step with the customer's mood as it was when the trainee met it.

use super::Choice;
use crate::model::Scenario;
use crate::session::TranscriptEntry;
use serde::Serialize;

/// One step to practise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PracticeStep {
    pub step: String,
    /// The customer's mood to start the step at (clamped by the session).
    pub mood: i32,
}

/// The steps of `scenario` whose latest recorded choice in `evidence` was not the best
/// reply, in the scenario file's step order. A choice without a recorded mood starts at
/// the scenario's start mood.
pub fn wrong_steps(evidence: &[Choice], scenario: &Scenario) -> Vec<PracticeStep> {
    scenario
        .steps
        .iter()
        .filter_map(|step| {
            // The latest choice at this step (the evidence is oldest first; `max_by_key`
            // keeps the last of equal times).
            let last = evidence
                .iter()
                .filter(|c| c.scenario == scenario.id && c.step == step.id)
                .max_by_key(|c| c.at_ms)?;
            (!last.best).then(|| PracticeStep {
                step: step.id.clone(),
                mood: last.mood_before.unwrap_or(scenario.start_mood),
            })
        })
        .collect()
}

/// The steps of a played transcript where the chosen reply was not the best one (a timed
/// out step included), in the order they were played, each step once (its first visit).
pub fn wrong_in_transcript(transcript: &[TranscriptEntry]) -> Vec<PracticeStep> {
    let mut out: Vec<PracticeStep> = Vec::new();
    for t in transcript {
        if (t.chosen != t.best || t.timed_out) && !out.iter().any(|p| p.step == t.step_id) {
            out.push(PracticeStep {
                step: t.step_id.clone(),
                mood: t.mood_before,
            });
        }
    }
    out
}
