//! Pass: citations — every reply's feedback cites rules, from the catalogue, each once (E040, E041, W042).

use super::context::{Ctx, reply_path, rule_ids};
use super::suggest;
use crate::diagnostics::Code;

pub(super) fn run(c: &mut Ctx<'_>) {
    let sc = c.sc;
    let rules = rule_ids();
    for (i, step) in sc.steps.iter().enumerate() {
        for (j, r) in step.replies.iter().enumerate() {
            let rp = || reply_path(i, j);
            let who = || format!("step `{}`, reply `{}`", step.id, r.id);
            if r.cite.is_empty() {
                c.push(
                    Code::E041,
                    rp().field("cite"),
                    format!("{} cites no rule", who()),
                    Some("cite the rules its feedback applies, e.g. cite: [\"L6\", \"P1\"] (ids from data/rules.ron)".to_string()),
                )
                .label("no citation");
            }
            for (k, id) in r.cite.iter().enumerate() {
                if !rules.contains(id.as_str()) {
                    let hint = match suggest(id, rules.iter().copied()) {
                        Some(m) => {
                            format!("did you mean `{m}`? Rule ids are listed in data/rules.ron")
                        }
                        None => {
                            "use a rule id from data/rules.ron (e.g. R, L6, B3, P1)".to_string()
                        }
                    };
                    c.push(
                        Code::E040,
                        rp().field("cite").index(k),
                        format!("{} cites `{id}`, which is not in the rule catalogue", who()),
                        Some(hint),
                    )
                    .label("unknown rule");
                } else if r.cite[..k].contains(id) {
                    c.push(
                        Code::W042,
                        rp().field("cite").index(k),
                        format!("{} cites `{id}` twice", who()),
                        Some("remove the second citation".to_string()),
                    )
                    .label("again");
                }
            }
        }
    }
}
