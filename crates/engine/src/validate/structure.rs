//! Pass: structure — the scenario has steps and endings, and every step something to say and replies to choose from (E015, E016, W017, E018).

use super::context::{Ctx, root, step_path};
use crate::diagnostics::Code;

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    if sc.steps.is_empty() {
        c.push(
            Code::E015,
            root().field("steps"),
            "the scenario has no steps".to_string(),
            Some(
                "add at least one step: what the customer says and the replies offered".to_string(),
            ),
        )
        .label("empty");
    }
    if sc.endings.is_empty() {
        c.push(
            Code::E015,
            root().field("endings"),
            "the scenario has no endings".to_string(),
            Some("add at least one ending for replies to lead to".to_string()),
        )
        .label("empty");
    }
    for (i, step) in sc.steps.iter().enumerate() {
        if step.says.is_empty() {
            c.push(
                Code::E018,
                step_path(i).field("says"),
                format!("step `{}` has no `says` variant", step.id),
                Some("add at least one thing the customer says: says: [{\"zh-CN\": \"…\", \"en\": \"…\"}]".to_string()),
            )
            .label("empty");
        }
        let offered = step.offered().count();
        if offered == 0 {
            c.push(
                Code::E016,
                step_path(i).field("replies"),
                format!("step `{}` offers the trainee no reply", step.id),
                Some("add at least two replies that are not `timeout_only`".to_string()),
            )
            .label("nothing to choose");
        } else if offered == 1 {
            c.push(
                Code::W017,
                step_path(i).field("replies"),
                format!(
                    "step `{}` offers only one reply, so there is no choice to make",
                    step.id
                ),
                Some("add an alternative reply (a weaker one teaches by contrast)".to_string()),
            )
            .key()
            .label("one reply");
        }
    }
}
