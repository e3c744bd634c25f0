//! Pass: mood — the start mood and every trigger's threshold lie in the mood range, and every trigger can fire (E034, W037).

use super::context::{Ctx, root};
use crate::diagnostics::Code;
use crate::model::{MOOD_MAX, MOOD_MIN, MoodCondition};

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    if !(MOOD_MIN..=MOOD_MAX).contains(&sc.start_mood) {
        c.push(
            Code::E034,
            root().field("start_mood"),
            format!(
                "`start_mood` is {}, outside {MOOD_MIN}..{MOOD_MAX}",
                sc.start_mood
            ),
            Some(format!(
                "mood runs from {MOOD_MIN} (furious) to {MOOD_MAX} (delighted)"
            )),
        )
        .label("out of range");
    }
    for (t, trig) in sc.triggers.iter().enumerate() {
        let tp = || root().field("triggers").index(t);
        let (v, never) = match trig.when {
            MoodCondition::Below(v) => (v, v <= MOOD_MIN),
            MoodCondition::Above(v) => (v, v >= MOOD_MAX),
        };
        if !(MOOD_MIN..=MOOD_MAX).contains(&v) {
            c.push(
                Code::E034,
                tp().field("when").index(0),
                format!("trigger threshold {v} is outside {MOOD_MIN}..{MOOD_MAX}"),
                Some(format!("mood runs from {MOOD_MIN} to {MOOD_MAX}")),
            )
            .label("out of range");
        } else if never {
            c.push(
                Code::W037,
                tp().field("when"),
                format!(
                    "this trigger can never fire: mood is never {}",
                    match trig.when {
                        MoodCondition::Below(_) => format!("below {v}"),
                        MoodCondition::Above(_) => format!("above {v}"),
                    }
                ),
                Some(format!(
                    "mood stays within {MOOD_MIN}..{MOOD_MAX}; pick a threshold inside it"
                )),
            )
            .label("never holds");
        }
    }
}
