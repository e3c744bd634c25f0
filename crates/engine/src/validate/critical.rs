//! Pass: critical replies — a critical reply is always avoidable, never the best or a timeout, and never the only way to a good ending (E070, E071, W072, E073).

use super::context::{Ctx, ending_path, reply_path, step_path};
use crate::diagnostics::Code;
use crate::graph::Node;

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    for (i, step) in sc.steps.iter().enumerate() {
        for (j, r) in step.replies.iter().enumerate() {
            if r.critical && r.timeout_only {
                c.push(
                    Code::E073,
                    reply_path(i, j).field("critical"),
                    format!(
                        "step `{}`, reply `{}` is both `critical` and `timeout_only`: running out of time would fail the attempt for a grave error the trainee never chose",
                        step.id, r.id
                    ),
                    Some(
                        "make the timeout reply an ordinary (poorly rated) one, or offer the critical reply as a button"
                            .to_string(),
                    ),
                )
                .label("critical timeout");
            }
        }
        let offered = step.offered().count();
        let critical_offered = step.offered().filter(|r| r.critical).count();
        if offered > 0 && critical_offered == offered {
            c.push(
                Code::E070,
                step_path(i).field("replies"),
                format!(
                    "every reply step `{}` offers is critical: whatever the trainee says, the attempt fails",
                    step.id
                ),
                Some(
                    "a critical reply must be avoidable: add a sound reply, or un-mark one that is merely weak"
                        .to_string(),
                ),
            )
            .key()
            .label("no way to avoid a critical reply");
        } else if let Some(best) = crate::session::best_reply(step, &sc.principles)
            && best.critical
        {
            let j = step
                .replies
                .iter()
                .position(|r| std::ptr::eq(r, best))
                .unwrap_or(0);
            c.push(
                Code::W072,
                reply_path(i, j).field("critical"),
                format!(
                    "reply `{}` is the best-rated reply of step `{}` and also critical: the best path would fail",
                    best.id, step.id
                ),
                Some(
                    "rate a grave error low (−2 where it violates a principle), or un-mark it"
                        .to_string(),
                ),
            )
            .label("best reply is critical");
        }
    }
    if matches!(c.graph.start(), Node::Step(_))
        && sc
            .steps
            .iter()
            .any(|s| s.replies.iter().any(|r| r.critical))
    {
        good_ending_without_critical(c);
    }
}

/// E071: some good (`Resolved`) ending must be reachable from `start` without choosing a
/// critical reply. Silent when no good ending is reachable at all (W014 and
/// `courtesy check` say so) or the scenario has no good ending.
fn good_ending_without_critical(c: &mut Ctx<'_>) {
    let sc = c.sc;
    let all = c.graph.forward(|_| false);
    let clean = c.graph.forward(|r| r.critical);
    let reachable_good: Vec<usize> = (0..sc.endings.len())
        .filter(|&k| sc.endings[k].outcome.is_good() && !c.is_dup_end(k) && all.endings[k])
        .collect();
    if reachable_good.is_empty() || reachable_good.iter().any(|&k| clean.endings[k]) {
        return;
    }
    let k = reachable_good[0];
    let names = reachable_good
        .iter()
        .map(|&k| format!("`{}`", sc.endings[k].id))
        .collect::<Vec<_>>()
        .join(", ");
    c.push(
        Code::E071,
        ending_path(k).field("id"),
        format!(
            "every way to a good ending ({names}) goes through a critical reply: no trainee can resolve the case and pass"
        ),
        Some(
            "a critical reply must never be the only way forward: give the step before it a sound reply that leads on, or un-mark the reply"
                .to_string(),
        ),
    )
    .label("only reachable through a critical reply");
}
