//! Pass: texts — every text in every declared locale (E020, W023), and no rule id in what trainees read (W074).

use super::context::{Ctx, ending_path, reply_path, root, rule_ids, step_path};
use super::suggest;
use crate::diagnostics::Code;
use crate::locate::Path as SPath;
use crate::text::{SUPPORTED_LOCALES, Text};

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    let field = |f: &'static str| move || root().field(f);
    let customer = |f: &'static str| move || root().field("customer").field(f);
    let named = |s: &'static str| move || s.to_string();
    text(c, &sc.title, field("title"), named("`title`"));
    text(c, &sc.category, field("category"), named("`category`"));
    trainee_text(c, &sc.briefing, field("briefing"), named("`briefing`"));
    trainee_text(c, &sc.goal, field("goal"), named("`goal`"));
    text(
        c,
        &sc.customer.name,
        customer("name"),
        named("the customer's `name`"),
    );
    trainee_text(
        c,
        &sc.customer.wants,
        customer("wants"),
        named("the customer's `wants`"),
    );
    if let Some(t) = &sc.customer.special_needs {
        trainee_text(
            c,
            t,
            customer("special_needs"),
            named("the customer's `special_needs`"),
        );
    }
    for (k, e) in sc.endings.iter().enumerate() {
        trainee_text(
            c,
            &e.text,
            || ending_path(k).field("text"),
            || format!("ending `{}`: `text`", e.id),
        );
    }
    for (i, step) in sc.steps.iter().enumerate() {
        for (k, t) in step.says.iter().enumerate() {
            trainee_text(
                c,
                t,
                || step_path(i).field("says").index(k),
                || format!("step `{}`: says variant {}", step.id, k + 1),
            );
        }
        for (j, r) in step.replies.iter().enumerate() {
            let rp = || reply_path(i, j);
            let who = || format!("step `{}`, reply `{}`", step.id, r.id);
            trainee_text(
                c,
                &r.text,
                || rp().field("text"),
                || format!("{}: `text`", who()),
            );
            trainee_text(
                c,
                &r.feedback,
                || rp().field("feedback"),
                || format!("{}: `feedback`", who()),
            );
            if let Some(t) = &r.reaction {
                trainee_text(
                    c,
                    t,
                    || rp().field("reaction"),
                    || format!("{}: `reaction`", who()),
                );
            }
        }
    }
}

/// Missing / empty translations (E020) and translations in undeclared locales (W023).
fn text(c: &mut Ctx<'_>, t: &Text, at: impl Fn() -> SPath, what: impl Fn() -> String) {
    if c.declared.is_empty() {
        // E022 already says so; every text would repeat it.
        return;
    }
    for i in 0..c.declared.len() {
        let loc = c.declared[i];
        match t.0.get(loc) {
            None => {
                let locales = c.declared.join(", ");
                c.push(
                    Code::E020,
                    at(),
                    format!("{} has no `{loc}` translation", what()),
                    Some(format!(
                        "add \"{loc}\": \"…\" to this text (the scenario declares: {locales})"
                    )),
                )
                .label(format!("no `{loc}` here"));
            }
            Some(s) if s.trim().is_empty() => {
                c.push(
                    Code::E020,
                    at().key(loc),
                    format!("the `{loc}` translation of {} is empty", what()),
                    Some(format!("write the {loc} text")),
                )
                .label("empty");
            }
            Some(_) => {}
        }
    }
    for k in t.0.keys() {
        if c.declared.contains(&k.as_str()) {
            continue;
        }
        let hint = match suggest(k, c.declared.iter().copied()) {
            Some(m) => format!("did you mean `{m}`? Locale names are case-sensitive"),
            None => format!(
                "add `{k}` to `locales` (supported: {}), or remove this translation",
                SUPPORTED_LOCALES.join(", ")
            ),
        };
        c.push(
            Code::W023,
            at().key(k),
            format!(
                "{} has a `{k}` translation, but the scenario does not declare `{k}`",
                what()
            ),
            Some(hint),
        )
        .key()
        .label("undeclared locale");
    }
}

/// A text the trainee reads (briefing, goal, what the customer says, replies,
/// feedback, reactions, endings): checked like every text, and for rule ids (W074).
fn trainee_text(c: &mut Ctx<'_>, t: &Text, at: impl Fn() -> SPath, what: impl Fn() -> String) {
    text(c, t, &at, &what);
    for i in 0..c.declared.len() {
        let loc = c.declared[i];
        let Some(s) = t.0.get(loc) else { continue };
        let Some(id) = rule_id_in(s) else { continue };
        c.push(
            Code::W074,
            at().key(loc),
            format!(
                "{} (`{loc}`) names the rule id `{id}`: trainees do not know the catalogue's ids",
                what()
            ),
            Some(
                "say what the rule asks in plain words; put the id in the reply's `cite` \
                 (the feedback screen shows each cited rule's title and text)"
                    .to_string(),
            ),
        )
        .label("rule id");
    }
}

/// The first rule id with a number (`L6`, `B1`, `P3` …) standing as a word of its own in
/// `s` (not part of a longer run of ASCII letters and digits), if any. The one-letter
/// principle ids (R, M, S, C) are left alone: in English they are ordinary letters.
fn rule_id_in(s: &str) -> Option<&str> {
    let ids = rule_ids();
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| w.len() >= 2 && w.bytes().any(|b| b.is_ascii_digit()) && ids.contains(w))
}

#[cfg(test)]
mod tests {
    use super::rule_id_in;

    #[test]
    fn rule_ids_are_found_as_words_only() {
        assert_eq!(rule_id_in("as L6 asks"), Some("L6"));
        assert_eq!(rule_id_in("（见L6）"), Some("L6"));
        assert_eq!(rule_id_in("rules B1-B5"), Some("B1"));
        assert_eq!(rule_id_in("P3."), Some("P3"));
        // Not ids: longer words, ids not in the catalogue, one-letter principle ids.
        assert_eq!(rule_id_in("the L60 bus, an MP3 player, AP3"), None);
        assert_eq!(rule_id_in("L12 and B9 are not rules"), None);
        assert_eq!(rule_id_in("Plan C, vitamin B, size M, R&D"), None);
    }
}
