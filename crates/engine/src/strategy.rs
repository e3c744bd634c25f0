//! Headless play: drives a [`Session`] to an ending along a given path or strategy
//! (`courtesy run`, tests, and trainers' CI).

use crate::model::Scenario;
use crate::session::{AttemptResult, Current, Session, SessionError, best_reply, worst_reply};
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
    /// A naive trainee who picks by a surface cue of the reply text in the session's
    /// locale (see [`Cue`]), ties broken by file order ([`Tie`]). Offered replies only;
    /// never lets time run out.
    Naive(Cue, Tie),
}

/// The surface cue a naive player picks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cue {
    /// The longest reply text (in characters).
    Longest,
    /// The most politeness markers (`data/markers.ron`).
    Polite,
    /// The most consultative phrases (`data/markers.ron`).
    Consultative,
}

impl Cue {
    pub const ALL: [Cue; 3] = [Cue::Longest, Cue::Polite, Cue::Consultative];

    /// The name used in the CLI and JSON (`longest`, `polite`, `consultative`).
    pub fn key(self) -> &'static str {
        match self {
            Cue::Longest => "longest",
            Cue::Polite => "polite",
            Cue::Consultative => "consultative",
        }
    }

    /// How much of the cue `text` (in `locale`) carries.
    pub fn measure(self, locale: &str, text: &str) -> usize {
        use crate::markers::{MarkerKind, count};
        match self {
            Cue::Longest => text.chars().count(),
            Cue::Polite => count(MarkerKind::Politeness, locale, text),
            Cue::Consultative => count(MarkerKind::Consultative, locale, text),
        }
    }
}

/// Which of several equally cued replies a naive player takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tie {
    /// The first in file order.
    First,
    /// The last in file order.
    Last,
}

impl Tie {
    pub const BOTH: [Tie; 2] = [Tie::First, Tie::Last];

    pub fn key(self) -> &'static str {
        match self {
            Tie::First => "first",
            Tie::Last => "last",
        }
    }
}

/// The reply a naive player with `cue` and `tie` takes at `step` in `locale`, among the
/// step's offered replies (file order).
pub fn naive_reply<'a>(
    step: &'a crate::model::Step,
    locale: &str,
    cue: Cue,
    tie: Tie,
) -> Option<&'a crate::model::Reply> {
    let mut pick: Option<(&crate::model::Reply, usize)> = None;
    for r in step.offered() {
        let v = cue.measure(locale, r.text.get(locale));
        let take = match pick {
            None => true,
            Some((_, best)) => v > best || (v == best && tie == Tie::Last),
        };
        if take {
            pick = Some((r, v));
        }
    }
    pick.map(|(r, _)| r)
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
            Strategy::Naive(cue, tie) => {
                naive_reply(step, session.locale(), *cue, *tie).map(|r| r.id.clone())
            }
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
