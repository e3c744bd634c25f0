//! Pass: references — `start`, every `next`, trigger `goto` and `on_timeout` names something that exists (E011).

use super::context::{Ctx, reply_path, root, step_path};
use super::suggest;
use crate::diagnostics::Code;
use crate::graph::Node;

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    match c.graph.start() {
        Node::Step(_) => {}
        Node::Ending(_) => {
            c.push(
                Code::E011,
                root().field("start"),
                format!("`start` names ending `{}`, not a step", sc.start),
                Some("`start` is the id of the first step".to_string()),
            )
            .label("an ending");
        }
        Node::Missing => {
            let hint = c.dangling_hint(&sc.start, "steps");
            c.push(
                Code::E011,
                root().field("start"),
                format!("`start` names `{}`, which is not a step", sc.start),
                Some(hint),
            )
            .label("no such step");
        }
    }
    for (t, trig) in sc.triggers.iter().enumerate() {
        if c.graph.triggers().get(t) == Some(&Node::Missing) {
            let hint = c.dangling_hint(&trig.goto, "steps or endings");
            c.push(
                Code::E011,
                root().field("triggers").index(t).field("goto"),
                format!(
                    "trigger `goto` names `{}`, which is neither a step nor an ending",
                    trig.goto
                ),
                Some(hint),
            )
            .label("no such step or ending");
        }
    }
    for (i, step) in sc.steps.iter().enumerate() {
        if let Some(t) = &step.on_timeout
            && !step.replies.iter().any(|r| &r.id == t)
        {
            let hint = match suggest(t, step.replies.iter().map(|r| r.id.as_str())) {
                Some(m) => format!("did you mean `{m}`?"),
                None => "name one of this step's replies (a `timeout_only` reply such as \"(says nothing)\" is typical)".to_string(),
            };
            c.push(
                Code::E011,
                step_path(i).field("on_timeout"),
                format!(
                    "`on_timeout` names `{t}`, which is not a reply of step `{}`",
                    step.id
                ),
                Some(hint),
            )
            .label("no such reply");
        }
        let dangling: Vec<usize> = (c.graph.out(i).iter().enumerate())
            .filter(|(_, t)| **t == Node::Missing)
            .map(|(j, _)| j)
            .collect();
        for j in dangling {
            let r = &step.replies[j];
            let hint = c.dangling_hint(&r.next, "steps or endings");
            c.push(
                Code::E011,
                reply_path(i, j).field("next"),
                format!(
                    "step `{}`, reply `{}`: `next` names `{}`, which is neither a step nor an ending",
                    step.id, r.id, r.next
                ),
                Some(hint),
            )
            .label("no such step or ending");
        }
    }
}
