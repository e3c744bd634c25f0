//! Pass: reachability — every step reachable from `start` and able to reach an ending, every ending reachable (E012, E013, W014), walked on the engine's [`crate::graph::StepGraph`].

use super::context::{Ctx, ending_path, step_path};
use crate::diagnostics::Code;
use crate::graph::Node;

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    // A broken `start` is E011; walking from nowhere would call everything unreachable.
    let Node::Step(_) = c.graph.start() else {
        return;
    };
    let seen = c.graph.forward(|_| false);
    let ok = c.graph.can_finish();
    for (i, step) in sc.steps.iter().enumerate() {
        if c.is_dup_step(i) {
            continue;
        }
        if !seen.steps[i] {
            c.push(
                Code::E012,
                step_path(i).field("id"),
                format!(
                    "step `{}` can never be reached from `start` (`{}`)",
                    step.id, sc.start
                ),
                Some(
                    "point a reply's `next` (or a trigger's `goto`) at it, or remove the step"
                        .to_string(),
                ),
            )
            .label("unreachable");
        } else if !ok[i] && !c.graph.out(i).is_empty() {
            c.push(
                Code::E013,
                step_path(i).field("id"),
                format!(
                    "from step `{}` no path leads to an ending: the conversation can never finish",
                    step.id
                ),
                Some(
                    "give at least one reply on the way a `next` that leads to an ending"
                        .to_string(),
                ),
            )
            .label("no way out");
        }
    }
    for (k, e) in sc.endings.iter().enumerate() {
        if !seen.endings[k] && !c.is_dup_end(k) {
            c.push(
                Code::W014,
                ending_path(k).field("id"),
                format!("ending `{}` can never be reached", e.id),
                Some(
                    "point a reply's `next` (or a trigger's `goto`) at it, or remove it"
                        .to_string(),
                ),
            )
            .label("unreachable");
        }
    }
}
