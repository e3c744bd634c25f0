//! The rule catalogue (`data/rules.ron`): the rule ids scenario feedback may cite.

use crate::text::Text;
use serde::Deserialize;
use std::sync::OnceLock;

/// Which part of the training material a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum RuleGroup {
    Principle,
    Language,
    Conduct,
    Process,
}

/// One citable rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub group: RuleGroup,
    pub title: Text,
    pub text: Text,
}

const RULES_RON: &str = include_str!("../../../data/rules.ron");

/// The catalogue compiled into the binary. Its parse is checked by a unit test, so a
/// broken catalogue cannot ship; should it ever fail, the catalogue is empty and every
/// citation is reported as unknown rather than crashing.
pub fn catalogue() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| ron::from_str(RULES_RON).unwrap_or_default())
}

/// The rule with `id`, if the catalogue has it.
pub fn rule(id: &str) -> Option<&'static Rule> {
    catalogue().iter().find(|r| r.id == id)
}

/// Parses the embedded catalogue, reporting the error (used by tests and `courtesy list`).
pub fn parse_catalogue() -> Result<Vec<Rule>, ron::error::SpannedError> {
    ron::from_str(RULES_RON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_and_has_every_principles_md_id() {
        let rules = parse_catalogue().expect("data/rules.ron must parse");
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        for id in ["R", "C", "M", "S"] {
            assert!(ids.contains(&id), "{id} missing");
        }
        for n in 1..=11 {
            assert!(ids.contains(&format!("L{n}").as_str()), "L{n} missing");
        }
        for n in 1..=5 {
            assert!(ids.contains(&format!("B{n}").as_str()), "B{n} missing");
        }
        for n in 1..=6 {
            assert!(ids.contains(&format!("P{n}").as_str()), "P{n} missing");
        }
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule id");
        for r in &rules {
            assert!(
                r.text.has("en") && r.text.has("zh-CN"),
                "{} untranslated",
                r.id
            );
            assert!(
                r.title.has("en") && r.title.has("zh-CN"),
                "{} untranslated",
                r.id
            );
        }
    }
}
