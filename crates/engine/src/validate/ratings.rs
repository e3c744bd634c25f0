//! Pass: ratings — ratings in range, on scored principles only, every scored principle rated, and a better reply at every step (E030, E031, W050).

use super::context::{Ctx, pidx, reply_path, root, step_path};
use crate::diagnostics::Code;
use crate::model::{Principle, RATING_MAX, RATING_MIN};

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    let mut rated = [false; 4];
    for (i, step) in sc.steps.iter().enumerate() {
        let mut first_ratings: Option<[i64; 4]> = None;
        let mut all_same = true;
        for (j, r) in step.replies.iter().enumerate() {
            let who = || format!("step `{}`, reply `{}`", step.id, r.id);
            let mut vals = [0i64; 4];
            for p in Principle::ALL {
                let Some(v) = r.ratings.get(p) else { continue };
                vals[pidx(p)] = v;
                rated[pidx(p)] = true;
                let at = || reply_path(i, j).field("ratings").field(p.key());
                if !(RATING_MIN..=RATING_MAX).contains(&v) {
                    c.push(
                        Code::E030,
                        at(),
                        format!(
                            "{}: `{p}` rating {v} is outside {RATING_MIN}..{RATING_MAX}",
                            who()
                        ),
                        Some("rate from -2 (violates the principle) to 2 (exemplary)".to_string()),
                    )
                    .label("out of range");
                }
                if !c.scored[pidx(p)] && !sc.principles.is_empty() {
                    c.push(
                        Code::E031,
                        at(),
                        format!("{} rates `{p}`, which the scenario does not score", who()),
                        Some(format!(
                            "add `{p}` to the scenario's `principles`, or remove this rating"
                        )),
                    )
                    .key()
                    .label("not scored");
                }
            }
            if !r.timeout_only {
                match first_ratings {
                    None => first_ratings = Some(vals),
                    Some(f) => {
                        if Principle::ALL
                            .iter()
                            .any(|p| c.scored[pidx(*p)] && f[pidx(*p)] != vals[pidx(*p)])
                        {
                            all_same = false;
                        }
                    }
                }
            }
        }
        if step.offered().count() >= 2 && all_same && c.scored.iter().any(|s| *s) {
            c.push(
                Code::W050,
                step_path(i).field("id"),
                format!(
                    "every reply at step `{}` rates the same on every scored principle, so the choice does not matter",
                    step.id
                ),
                Some("make the better reply rate higher (ratings run -2..2)".to_string()),
            )
            .label("no better reply");
        }
    }
    let scored_list = sc
        .principles
        .iter()
        .map(|p| p.key())
        .collect::<Vec<_>>()
        .join(", ");
    for p in Principle::ALL {
        if c.scored[pidx(p)] && !rated[pidx(p)] && !sc.steps.is_empty() {
            let at = sc.principles.iter().position(|q| *q == p).map_or_else(
                || root().field("principles"),
                |k| root().field("principles").index(k),
            );
            c.push(
                Code::E031,
                at,
                format!("the scenario scores `{p}`, but no reply rates it"),
                Some(format!(
                    "rate `{p}` on the replies where it matters, or set `principles` to what this scenario scores (now: {scored_list})"
                )),
            )
            .alt(root().field("scoring"))
            .label("never rated");
        }
    }
}
