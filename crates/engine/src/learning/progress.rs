//! The trainee's own progress: a mastery estimate in words, and mastery by principle over time.
//!
//! Words (docs/learning.md, "In words"): **not enough practice yet** below the evidence
//! threshold; **reliable** when the low end of the 90 % range is at least
//! [`RELIABLE_LOW`]; otherwise **still learning**.

use super::mastery::{Estimate, MasteryParams, estimate};
use super::{Choice, DAY_MS, principle_verdict};
use crate::model::Principle;
use serde::Serialize;
use std::collections::BTreeMap;

/// The low end of the 90 % range at or above which a rule or principle is "reliable".
pub const RELIABLE_LOW: f64 = 0.6;

/// How a new hire is told where they stand on a rule or principle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    NotEnough,
    Learning,
    Reliable,
}

impl Level {
    /// The words, in `locale` (zh-CN or en).
    pub fn words(self, locale: &str) -> &'static str {
        let zh = locale.starts_with("zh");
        match (self, zh) {
            (Level::NotEnough, false) => "not enough practice yet",
            (Level::NotEnough, true) => "练得还不够，暂无结论",
            (Level::Learning, false) => "still learning",
            (Level::Learning, true) => "还在学习中",
            (Level::Reliable, false) => "reliable",
            (Level::Reliable, true) => "已经做得稳",
        }
    }
}

/// The level of `e`.
pub fn level(e: &Estimate) -> Level {
    if !e.enough {
        Level::NotEnough
    } else if e.low >= RELIABLE_LOW {
        Level::Reliable
    } else {
        Level::Learning
    }
}

/// Mastery of every principle as it stood at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressPoint {
    pub at_ms: i64,
    pub principles: BTreeMap<Principle, Estimate>,
}

/// The moments a progress chart samples: `now_ms` and, going back from it by a whole
/// number of days (`ceil(span / (points − 1))`, at least one), every moment not before
/// the first choice; at most `points`, oldest first. Empty without evidence.
pub fn sample_times(evidence: &[Choice], now_ms: i64, points: usize) -> Vec<i64> {
    let Some(first) = evidence
        .iter()
        .map(|c| c.at_ms)
        .filter(|t| *t <= now_ms)
        .min()
    else {
        return Vec::new();
    };
    let intervals = points.max(2) as i64 - 1;
    let span_days = (now_ms - first) / DAY_MS;
    let step = ((span_days + intervals - 1) / intervals).max(1) * DAY_MS;
    let mut out: Vec<i64> = (0..=intervals)
        .map(|k| now_ms - k * step)
        .take_while(|t| *t >= first)
        .collect();
    out.reverse();
    out
}

/// Mastery by principle at each of `times` (every choice recorded after a moment is left
/// out of that moment's estimate, as if the chart had been drawn then).
pub fn principle_history(
    evidence: &[Choice],
    times: &[i64],
    params: &MasteryParams,
) -> Vec<ProgressPoint> {
    times
        .iter()
        .map(|&t| ProgressPoint {
            at_ms: t,
            principles: Principle::ALL
                .iter()
                .map(|p| {
                    let obs = evidence
                        .iter()
                        .filter(|c| c.at_ms <= t)
                        .filter_map(|c| principle_verdict(c, *p).map(|v| (c.at_ms, v)));
                    (*p, estimate(obs, t, params))
                })
                .collect(),
        })
        .collect()
}
