//! Headless play: drives a [`Session`] to an ending along a given path or strategy
//! (`courtesy run`, tests, and trainers' CI).

use crate::core::model::Scenario;
use crate::core::session::{
    AttemptResult, Current, Session, SessionError, best_reply, worst_reply,
};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::seq::IndexedRandom;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

/// The most steps a headless run takes before giving up (a scenario may loop).
pub const MAX_STEPS: usize = 1_000;

/// How to pick a reply at each step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// The highest total-rated reply (ties: larger mood change, then file order).
    Best,
    /// The lowest total-rated reply (ties: smaller mood change, then file order).
    Worst,
    /// A uniformly random offered reply, from a stream derived from the seed.
    Random,
    /// These reply ids, in order, one per step.
    Path(Vec<String>),
}

/// Why a headless run did not reach an ending.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlayError {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(
        "the path ran out after {given} choices, at step `{step}` (offered: {offered}); add more reply ids to --choose"
    )]
    PathTooShort {
        given: usize,
        step: String,
        offered: String,
    },
    #[error(
        "the conversation ended after {used} choices but --choose gave {given}; remove the extra ids"
    )]
    PathTooLong { used: usize, given: usize },
    #[error("no ending reached after {0} steps; the scenario probably loops")]
    TooLong(usize),
    #[error("step `{0}` offers no replies")]
    NoReplies(String),
}

/// Plays `scenario` from the start to an ending. Response times are recorded as zero.
pub fn play(
    scenario: Arc<Scenario>,
    seed: u64,
    locale: &str,
    strategy: &Strategy,
) -> Result<AttemptResult, PlayError> {
    let mut session = Session::start(scenario, seed, locale)?;
    play_session(&mut session, strategy)?;
    Ok(session.finish()?)
}

/// Continues `session` to an ending with `strategy`.
pub fn play_session(session: &mut Session, strategy: &Strategy) -> Result<(), PlayError> {
    // A separate stream for random choices, so that `Random` does not disturb the
    // session's own draws (variants, reply order).
    let mut picker = ChaCha8Rng::seed_from_u64(session.seed() ^ 0x5EED_C0DE_u64);
    let mut taken = 0usize;
    loop {
        let view = match session.current() {
            Current::Ended(_) => break,
            Current::Step(v) => v.clone(),
        };
        if taken >= MAX_STEPS {
            return Err(PlayError::TooLong(MAX_STEPS));
        }
        let scenario = Arc::clone(session.scenario());
        let step = scenario
            .step(&view.step_id)
            .ok_or_else(|| PlayError::NoReplies(view.step_id.clone()))?;
        let id = match strategy {
            Strategy::Best => best_reply(step, &scenario.principles).map(|r| r.id.clone()),
            Strategy::Worst => worst_reply(step, &scenario.principles).map(|r| r.id.clone()),
            Strategy::Random => view.replies.choose(&mut picker).map(|r| r.id.clone()),
            Strategy::Path(ids) => match ids.get(taken) {
                Some(id) => Some(id.clone()),
                None => {
                    return Err(PlayError::PathTooShort {
                        given: ids.len(),
                        step: view.step_id.clone(),
                        offered: view
                            .replies
                            .iter()
                            .map(|r| r.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            },
        };
        let id = id.ok_or_else(|| PlayError::NoReplies(view.step_id.clone()))?;
        session.choose(&id, Duration::ZERO)?;
        taken += 1;
    }
    if let Strategy::Path(ids) = strategy
        && ids.len() > taken
    {
        return Err(PlayError::PathTooLong {
            used: taken,
            given: ids.len(),
        });
    }
    Ok(())
}
