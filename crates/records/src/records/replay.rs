//! Replaying a recorded attempt through a fresh session (same seed, same choices) to get
//! back everything the trainee saw, feedback included, for the drill-down.

use crate::records::AttemptDetail;
use courtesy_engine::model::Scenario;
use courtesy_engine::session::{AttemptResult, Current, Feedback, Session, SessionError};
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

/// Why a recorded attempt could not be replayed.
#[derive(Debug, Error)]
pub enum ReplayError {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(
        "the recorded attempt went to step `{recorded}` at step {index}, but the scenario now goes to \
         `{now}`; the scenario file has changed since (recorded content hash {hash})"
    )]
    Diverged {
        index: usize,
        recorded: String,
        now: String,
        hash: String,
    },
    #[error("the attempt is at scenario `{recorded}`, not `{given}`")]
    WrongScenario { recorded: String, given: String },
}

/// A recorded attempt played again.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The feedback on each recorded step, in order.
    pub feedback: Vec<Feedback>,
    /// The result, if the recorded steps reach an ending (they do for finished attempts).
    pub result: Option<AttemptResult>,
    /// Whether the scenario given is byte-for-byte the one recorded (same content hash);
    /// `None` when either hash is unknown.
    pub same_content: Option<bool>,
}

/// Replays `detail` on `scenario` (with `content_hash`, the current file's hash, if known).
/// The replay checks each step and reply order against the record and stops with
/// [`ReplayError::Diverged`] if the scenario has changed so that the record no longer fits.
pub fn replay(
    detail: &AttemptDetail,
    scenario: Arc<Scenario>,
    content_hash: Option<&str>,
) -> Result<Replay, ReplayError> {
    let s = &detail.summary;
    if scenario.id != s.scenario {
        return Err(ReplayError::WrongScenario {
            recorded: s.scenario.clone(),
            given: scenario.id.clone(),
        });
    }
    let mut session = Session::start(scenario, s.seed, &s.locale)?;
    if let Some(h) = &s.content_hash {
        session = session.with_content_hash(h.clone());
    }
    let diverged = |index: usize, recorded: String, now: String| ReplayError::Diverged {
        index,
        recorded,
        now,
        hash: s
            .content_hash
            .clone()
            .unwrap_or_else(|| "unknown".to_string()),
    };
    let mut feedback = Vec::with_capacity(detail.steps.len());
    for step in &detail.steps {
        let e = &step.entry;
        match session.current() {
            Current::Step(v) => {
                let offered: Vec<&str> = v.replies.iter().map(|r| r.id.as_str()).collect();
                if v.step_id != e.step_id || offered != e.offered {
                    return Err(diverged(step.index, e.step_id.clone(), v.step_id.clone()));
                }
            }
            Current::Ended(end) => {
                return Err(diverged(
                    step.index,
                    e.step_id.clone(),
                    end.ending_id.clone(),
                ));
            }
        }
        let took = Duration::from_millis(e.response_ms);
        let fb = if e.timed_out {
            session.timeout(took)?
        } else {
            session.choose(&e.chosen, took)?
        };
        feedback.push(fb);
    }
    let result = if session.is_ended() {
        Some(session.finish()?)
    } else {
        None
    };
    let same_content = match (&s.content_hash, content_hash) {
        (Some(a), Some(b)) => Some(a == b),
        _ => None,
    };
    Ok(Replay {
        feedback,
        result,
        same_content,
    })
}
