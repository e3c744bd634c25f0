//! Pass: scoring — the principle list, pass mark, floors and weights (E032, E033, E035, W036).

use super::context::{Ctx, pidx, root};
use crate::diagnostics::Code;
use crate::model::Principle;

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    if sc.principles.is_empty() {
        c.push(
            Code::E035,
            root().field("principles"),
            "the scenario scores no principle".to_string(),
            Some(
                "list the principles replies are rated on, or leave `principles` out for the \
                 default [respect, moderation, self_discipline]"
                    .to_string(),
            ),
        )
        .label("empty");
    }
    let mut listed = [false; 4];
    for (i, p) in sc.principles.iter().enumerate() {
        if std::mem::replace(&mut listed[pidx(*p)], true) {
            c.push(
                Code::E035,
                root().field("principles").index(i),
                format!("principle `{p}` is listed twice"),
                Some("remove the second one".to_string()),
            )
            .label("again");
        }
    }
    let pm = sc.scoring.pass_mark;
    if !(0.0..=100.0).contains(&pm) {
        c.push(
            Code::E032,
            root().field("scoring").field("pass_mark"),
            format!("`pass_mark` is {pm}, outside 0..100"),
            Some("scores run from 0 to 100; a typical pass mark is 60–80".to_string()),
        )
        .label("out of range");
    }
    for p in Principle::ALL {
        let scored = c.scored[pidx(p)];
        if let Some(f) = sc.scoring.floors.get(p) {
            let at = || root().field("scoring").field("floors").field(p.key());
            if !(0.0..=100.0).contains(&f) {
                c.push(
                    Code::E032,
                    at(),
                    format!("the `{p}` floor is {f}, outside 0..100"),
                    Some("a floor is the minimum score (0–100) on a principle".to_string()),
                )
                .label("out of range");
            }
            if !scored {
                c.push(
                    Code::W036,
                    at(),
                    format!("floor for `{p}`, which the scenario does not score"),
                    Some(format!("add `{p}` to `principles`, or remove this floor")),
                )
                .key()
                .label("not scored");
            }
        }
        if let Some(w) = sc.scoring.weights.get(p) {
            let at = || root().field("scoring").field("weights").field(p.key());
            if !(w.is_finite() && w > 0.0) {
                c.push(
                    Code::E033,
                    at(),
                    format!("the `{p}` weight is {w}; weights must be positive"),
                    Some(
                        "use a positive number (1 is the default); to stop scoring a principle, \
                         remove it from `principles`"
                            .to_string(),
                    ),
                )
                .label("not positive");
            }
            if !scored {
                c.push(
                    Code::W036,
                    at(),
                    format!("weight for `{p}`, which the scenario does not score"),
                    Some(format!("add `{p}` to `principles`, or remove this weight")),
                )
                .key()
                .label("not scored");
            }
        }
    }
}
