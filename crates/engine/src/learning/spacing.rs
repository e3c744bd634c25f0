//! Spaced re-practice: a rule the trainee broke comes back due at 1, 3, 7, 14 and 30 days.
//!
//! Per rule, the verdicts are replayed oldest first:
//! * broken → stage 0, due one day after the mistake (a new mistake always resets);
//! * upheld at or after the due time → the next stage, due that stage's interval after
//!   the success; upheld at the 30-day stage → the rule leaves the schedule ("graduated")
//!   until it is broken again;
//! * upheld before the due time, or unclear → no change (practising early, or within the
//!   same attempt, does not move the date).
//!
//! Everything is a pure function of the evidence and "now": evidence after "now" is ignored.

use super::{Choice, DAY_MS, Verdict, verdict};
use serde::Serialize;
use std::collections::BTreeMap;

/// The re-practice intervals, in days: stage *k* is due `INTERVALS_DAYS[k]` days after
/// the mistake (stage 0) or after the on-time success that reached it.
pub const INTERVALS_DAYS: [i64; 5] = [1, 3, 7, 14, 30];

/// The window "this week" covers in the reasons: the 7 days before now.
pub const WEEK_MS: i64 = 7 * DAY_MS;

/// Where one broken rule stands in the re-practice schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSchedule {
    pub rule: String,
    /// Index into [`INTERVALS_DAYS`] of the interval now running; `INTERVALS_DAYS.len()`
    /// once graduated.
    pub stage: usize,
    /// When the rule is due for practice; `None` once graduated.
    pub due_ms: Option<i64>,
    /// When it was last broken.
    pub last_broken_ms: i64,
    /// Every time it was broken, oldest first.
    pub breaks: Vec<i64>,
}

impl RuleSchedule {
    /// Whether the rule is due at `now_ms`.
    pub fn is_due(&self, now_ms: i64) -> bool {
        self.due_ms.is_some_and(|d| now_ms >= d)
    }

    /// The interval now running, in days (`None` once graduated).
    pub fn interval_days(&self) -> Option<i64> {
        INTERVALS_DAYS.get(self.stage).copied()
    }

    /// Breaks in the 7 days up to and including `now_ms`.
    pub fn breaks_this_week(&self, now_ms: i64) -> usize {
        self.breaks
            .iter()
            .filter(|t| **t <= now_ms && now_ms - **t < WEEK_MS)
            .count()
    }
}

/// The schedule of one rule from its `(at_ms, verdict)` observations (sorted oldest
/// first by this function; observations after `now_ms` are ignored). `None` if the rule
/// was never broken.
pub fn schedule_of(
    rule: &str,
    observations: &[(i64, Verdict)],
    now_ms: i64,
) -> Option<RuleSchedule> {
    let mut obs: Vec<(i64, Verdict)> = observations
        .iter()
        .copied()
        .filter(|(t, _)| *t <= now_ms)
        .collect();
    // Stable: two verdicts at the same millisecond keep their evidence order.
    obs.sort_by_key(|(t, _)| *t);
    let mut s: Option<RuleSchedule> = None;
    for (t, v) in obs {
        match v {
            Verdict::Broken => {
                let mut breaks = s.take().map(|s| s.breaks).unwrap_or_default();
                breaks.push(t);
                s = Some(RuleSchedule {
                    rule: rule.to_string(),
                    stage: 0,
                    due_ms: Some(t.saturating_add(INTERVALS_DAYS[0] * DAY_MS)),
                    last_broken_ms: t,
                    breaks,
                });
            }
            Verdict::Upheld => {
                let Some(cur) = s.as_mut() else { continue };
                let Some(due) = cur.due_ms else { continue };
                if t < due {
                    continue;
                }
                cur.stage += 1;
                cur.due_ms = INTERVALS_DAYS
                    .get(cur.stage)
                    .map(|d| t.saturating_add(d * DAY_MS));
            }
            Verdict::Unclear => {}
        }
    }
    s
}

/// The schedule of every rule `evidence` shows broken by `now_ms`, by rule id.
pub fn schedules(evidence: &[Choice], now_ms: i64) -> BTreeMap<String, RuleSchedule> {
    // One pass: each rule's verdicts in evidence order (a reply citing a rule twice counts
    // once); `schedule_of` sorts them by time, stably.
    let mut per_rule: BTreeMap<&str, Vec<(i64, Verdict)>> = BTreeMap::new();
    for c in evidence {
        let v = verdict(c);
        for (i, id) in c.cites.iter().enumerate() {
            if c.cites[..i].contains(id) {
                continue;
            }
            per_rule.entry(id.as_str()).or_default().push((c.at_ms, v));
        }
    }
    per_rule
        .into_iter()
        .filter_map(|(id, obs)| schedule_of(id, &obs, now_ms).map(|s| (id.to_string(), s)))
        .collect()
}

/// A rule due for practice at "now".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueRule {
    pub rule: String,
    pub due_ms: i64,
    /// now − due (0 when due exactly now).
    pub overdue_ms: i64,
    /// The stage whose interval has run out (index into [`INTERVALS_DAYS`]).
    pub stage: usize,
    pub breaks_total: usize,
    /// Breaks in the 7 days up to now.
    pub breaks_this_week: usize,
    pub last_broken_ms: i64,
}

impl DueRule {
    /// Whole days overdue (rounded down).
    pub fn overdue_days(&self) -> i64 {
        self.overdue_ms / DAY_MS
    }
}

/// The rules due at `now_ms`, most overdue first in whole days (ties: more breaks this
/// week, more breaks in all, then more overdue to the millisecond, then rule id).
pub fn due_rules(evidence: &[Choice], now_ms: i64) -> Vec<DueRule> {
    let mut due: Vec<DueRule> = schedules(evidence, now_ms)
        .into_values()
        .filter(|s| s.is_due(now_ms))
        .filter_map(|s| {
            let due_ms = s.due_ms?;
            Some(DueRule {
                overdue_ms: now_ms - due_ms,
                due_ms,
                stage: s.stage,
                breaks_total: s.breaks.len(),
                breaks_this_week: s.breaks_this_week(now_ms),
                last_broken_ms: s.last_broken_ms,
                rule: s.rule,
            })
        })
        .collect();
    // Whole days first: rules broken a few seconds apart in one attempt are equally
    // overdue, and the one broken more often comes first.
    due.sort_by(|a, b| {
        b.overdue_days()
            .cmp(&a.overdue_days())
            .then(b.breaks_this_week.cmp(&a.breaks_this_week))
            .then(b.breaks_total.cmp(&a.breaks_total))
            .then(b.overdue_ms.cmp(&a.overdue_ms))
            .then(a.rule.cmp(&b.rule))
    });
    due
}
