//! Pass: timers — time limits, `on_timeout` and `timeout_only` replies fit together (E060, W061, E062, W063).

use super::context::{Ctx, reply_path, step_path};
use crate::diagnostics::Code;

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    for (i, step) in sc.steps.iter().enumerate() {
        match (step.time_limit, &step.on_timeout) {
            (Some(0), _) => {
                c.push(
                    Code::E062,
                    step_path(i).field("time_limit"),
                    format!("step `{}` has a time limit of 0 seconds", step.id),
                    Some("give the trainee time to read and choose (e.g. 20), or remove `time_limit`".to_string()),
                )
                .label("zero");
            }
            (Some(_), None) => {
                c.push(
                    Code::E060,
                    step_path(i).field("time_limit"),
                    format!("step `{}` has a time limit but no `on_timeout`", step.id),
                    Some("add `on_timeout: \"<reply id>\"` naming the reply taken when time runs out".to_string()),
                )
                .label("no on_timeout");
            }
            (None, Some(_)) => {
                c.push(
                    Code::W061,
                    step_path(i).field("on_timeout"),
                    format!(
                        "step `{}` has `on_timeout` but no time limit, so it is never used",
                        step.id
                    ),
                    Some("add `time_limit: <seconds>`, or remove `on_timeout`".to_string()),
                )
                .label("never used");
            }
            _ => {}
        }
        if step.time_limit.is_some() {
            continue;
        }
        for (j, r) in step.replies.iter().enumerate() {
            if r.timeout_only {
                c.push(
                    Code::W063,
                    reply_path(i, j).field("timeout_only"),
                    format!(
                        "step `{}`, reply `{}` is `timeout_only`, but the step has no time limit, so it is never taken",
                        step.id, r.id
                    ),
                    Some("add a `time_limit` and `on_timeout` to the step, or remove the reply".to_string()),
                )
                .label("never taken");
            }
        }
    }
}
