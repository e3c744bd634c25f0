//! Pass: ids — the one id rule (W019) and duplicate step, ending and reply ids (E010).

use super::context::{Ctx, ending_path, reply_path, root, step_path};
use crate::diagnostics::Code;
use crate::graph::Node;
use crate::locate::Path as SPath;
use std::collections::HashMap;

/// The id rule, for scenario, step, reply and ending ids alike (W019, `courtesy new`):
/// lower-case ASCII words (`a`–`z`, `0`–`9`) joined by single `-`, starting with a
/// letter, e.g. `ask-for-receipt`, `s2`. Ids end up in attempt records, xAPI statements
/// and on the command line (`courtesy run <id>`), so no capitals, `_`, spaces or
/// punctuation.
pub fn valid_id(id: &str) -> bool {
    id.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    if !valid_id(&sc.id) {
        c.push(
            Code::W019,
            root().field("id"),
            format!(
                "scenario id `{}` is not lower-case words joined by `-`",
                sc.id
            ),
            Some("write it like `lost-parcel`: records and `courtesy run <id>` use it".to_string()),
        )
        .label("unusual id");
    }
    for (i, s) in sc.steps.iter().enumerate() {
        if let Some(first) = c.dup_step[i] {
            c.push(
                Code::E010,
                step_path(i).field("id"),
                format!("step id `{}` is used twice", s.id),
                Some("give every step its own id".to_string()),
            )
            .label("duplicate step id")
            .related(step_path(first).field("id"), "first used here");
        }
    }
    for (k, e) in sc.endings.iter().enumerate() {
        match c.dup_end[k] {
            Some(Node::Step(first)) => {
                c.push(
                    Code::E010,
                    ending_path(k).field("id"),
                    format!("ending id `{}` is also a step id", e.id),
                    Some(
                        "a `next` naming it would be ambiguous: rename the ending or the step"
                            .to_string(),
                    ),
                )
                .label("same id as a step")
                .related(step_path(first).field("id"), "the step");
            }
            Some(Node::Ending(first)) => {
                c.push(
                    Code::E010,
                    ending_path(k).field("id"),
                    format!("ending id `{}` is used twice", e.id),
                    Some("give every ending its own id".to_string()),
                )
                .label("duplicate ending id")
                .related(ending_path(first).field("id"), "first used here");
            }
            _ => {}
        }
        id_rule(c, &e.id, ending_path(k).field("id"), "ending");
    }
    let mut reply_ids: HashMap<&str, usize> = HashMap::new();
    for (i, step) in sc.steps.iter().enumerate() {
        id_rule(c, &step.id, step_path(i).field("id"), "step");
        reply_ids.clear();
        for (j, r) in step.replies.iter().enumerate() {
            if let Some(&first) = reply_ids.get(r.id.as_str()) {
                c.push(
                    Code::E010,
                    reply_path(i, j).field("id"),
                    format!("reply id `{}` is used twice in step `{}`", r.id, step.id),
                    Some("give every reply in a step its own id".to_string()),
                )
                .label("duplicate reply id")
                .related(reply_path(i, first).field("id"), "first used here");
            } else {
                reply_ids.insert(r.id.as_str(), j);
            }
        }
        for (j, r) in step.replies.iter().enumerate() {
            id_rule(c, &r.id, reply_path(i, j).field("id"), "reply");
        }
    }
}

/// W019 for a step, reply or ending id that breaks [`valid_id`].
fn id_rule(c: &mut Ctx<'_>, id: &str, at: SPath, what: &str) {
    if valid_id(id) {
        return;
    }
    let msg = if id.is_empty() {
        format!("{what} id is empty")
    } else {
        format!("{what} id `{id}` is not lower-case words joined by `-`")
    };
    c.push(
        Code::W019,
        at,
        msg,
        Some(
            "ids end up in attempt records and on the command line: use lower-case \
             ASCII words joined by `-`, e.g. `ask-for-receipt`"
                .to_string(),
        ),
    )
    .label("unusual id");
}

#[cfg(test)]
mod tests {
    use super::valid_id;

    #[test]
    fn one_rule_for_every_id() {
        for ok in ["lost-parcel", "s2", "ask-for-receipt", "a", "step-10b"] {
            assert!(valid_id(ok), "{ok}");
        }
        for bad in [
            "", "-a", "a-", "a--b", "2fa", "Lost", "a_b", "a b", "a.b", "é", "ask-", "a-B",
        ] {
            assert!(!valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn w019_applies_the_rule_to_every_kind_of_id() {
        let src = include_str!("../../../../tests/fixtures/valid/minimal.ron");
        let w019 = |text: &str| -> Vec<String> {
            crate::validate::validate_source(std::path::Path::new("m.ron"), text)
                .findings
                .into_iter()
                .filter(|f| f.code == crate::diagnostics::Code::W019)
                .map(|f| f.message)
                .collect()
        };
        assert!(w019(src).is_empty());
        // `_` (the old step/reply rule allowed it) and a leading digit (the old scenario
        // rule allowed it) both break the one rule.
        let renamed = src
            .replace("id: \"minimal\"", "id: \"2-minimal\"")
            .replace("id: \"guide\"", "id: \"guide_me\"");
        assert_eq!(
            w019(&renamed),
            [
                "scenario id `2-minimal` is not lower-case words joined by `-`",
                "reply id `guide_me` is not lower-case words joined by `-`",
            ]
        );
    }
}
