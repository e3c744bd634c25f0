//! "Practise next": the scenarios that exercise a trainee's most overdue rules, with the reason in words.
//!
//! A scenario exercises a rule when the feedback of at least one of its replies cites the
//! rule (the trainee meets a choice that upholds or breaks it). Order: the most overdue
//! due rule the scenario exercises (most overdue first, in whole days), then how many of the due rules it
//! exercises, then how many of its steps cite the most overdue one, then scenario id.
//! Reasons name rules by their titles (`data/rules.ron`), never by id.

use super::spacing::{DueRule, due_rules};
use super::{Choice, DAY_MS};
use crate::model::Scenario;
use crate::rules;
use crate::text::Text;
use serde::Serialize;
use std::collections::BTreeMap;

/// At most this many due rules are named in one reason.
pub const RULES_PER_REASON: usize = 2;

/// One scenario as the recommender sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogueEntry {
    pub scenario: String,
    pub title: Text,
    /// Rule id → how many steps have a reply whose feedback cites it.
    pub rules: BTreeMap<String, usize>,
}

/// The scenarios that can be recommended, with the rules each exercises.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Catalogue {
    pub entries: Vec<CatalogueEntry>,
}

impl Catalogue {
    /// The catalogue of `scenarios` (e.g. a loaded library's valid scenarios), in order.
    pub fn from_scenarios<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> Catalogue {
        let entries = scenarios
            .into_iter()
            .map(|s| {
                let mut rules: BTreeMap<String, usize> = BTreeMap::new();
                for step in &s.steps {
                    let mut at_step: Vec<&str> = step
                        .replies
                        .iter()
                        .flat_map(|r| r.cite.iter().map(String::as_str))
                        .collect();
                    at_step.sort_unstable();
                    at_step.dedup();
                    for id in at_step {
                        *rules.entry(id.to_string()).or_default() += 1;
                    }
                }
                CatalogueEntry {
                    scenario: s.id.clone(),
                    title: s.title.clone(),
                    rules,
                }
            })
            .collect();
        Catalogue { entries }
    }

    /// The entry for scenario `id`.
    pub fn get(&self, id: &str) -> Option<&CatalogueEntry> {
        self.entries.iter().find(|e| e.scenario == id)
    }
}

/// One "Practise next" card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub scenario: String,
    pub title: Text,
    /// The due rules this scenario exercises, most overdue first.
    pub rules: Vec<DueRule>,
    /// Why, in zh-CN and en, naming up to [`RULES_PER_REASON`] rules by title.
    pub reason: Text,
}

impl Recommendation {
    /// How overdue the most overdue rule it exercises is.
    pub fn overdue_ms(&self) -> i64 {
        self.rules.first().map_or(0, |r| r.overdue_ms)
    }
}

/// "Practise next" at `now_ms`: up to `limit` scenarios of `catalogue` that exercise the
/// rules `evidence` shows due, in the order of the module documentation. Empty when no
/// rule is due.
pub fn recommend(
    catalogue: &Catalogue,
    evidence: &[Choice],
    now_ms: i64,
    limit: usize,
) -> Vec<Recommendation> {
    let due = due_rules(evidence, now_ms);
    recommend_for(catalogue, &due, now_ms, limit)
}

/// [`recommend`] from rules already known to be due (sorted as [`due_rules`] sorts them).
pub fn recommend_for(
    catalogue: &Catalogue,
    due: &[DueRule],
    now_ms: i64,
    limit: usize,
) -> Vec<Recommendation> {
    if due.is_empty() {
        return Vec::new();
    }
    // (entry, its due rules in due order, steps citing the first of them, its overdue)
    let mut cands: Vec<(&CatalogueEntry, Vec<&DueRule>, usize, i64)> = catalogue
        .entries
        .iter()
        .filter_map(|e| {
            let rules: Vec<&DueRule> = due
                .iter()
                .filter(|d| e.rules.contains_key(&d.rule))
                .collect();
            let first = rules.first()?;
            let steps = e.rules.get(&first.rule).copied().unwrap_or(0);
            let overdue = first.overdue_days();
            Some((e, rules, steps, overdue))
        })
        .collect();
    cands.sort_by(|a, b| {
        b.3.cmp(&a.3)
            .then(b.1.len().cmp(&a.1.len()))
            .then(b.2.cmp(&a.2))
            .then(a.0.scenario.cmp(&b.0.scenario))
    });
    cands
        .into_iter()
        .take(limit)
        .map(|(e, rules, _, _)| Recommendation {
            scenario: e.scenario.clone(),
            title: e.title.clone(),
            reason: reason(&rules, now_ms),
            rules: rules.into_iter().cloned().collect(),
        })
        .collect()
}

/// The rule's title in `locale`; a rule the catalogue lacks is "a service rule".
fn title(id: &str, locale: &str) -> String {
    match rules::rule(id) {
        Some(r) => r.title.get(locale).to_string(),
        None if locale.starts_with("zh") => "一条服务规范".to_string(),
        None => "a service rule".to_string(),
    }
}

fn times_en(n: usize) -> String {
    match n {
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{n} times"),
    }
}

fn times_zh(n: usize) -> String {
    match n {
        1 => "一次".to_string(),
        2 => "两次".to_string(),
        n => format!("{n}次"),
    }
}

fn days_en(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// One sentence per rule (at most [`RULES_PER_REASON`]), in zh-CN and en, e.g.
/// "You have broken ‘Calm in a conflict’ twice this week; it is 2 days overdue for practice."
pub fn reason(rules: &[&DueRule], now_ms: i64) -> Text {
    let mut en: Vec<String> = Vec::new();
    let mut zh = String::new();
    for d in rules.iter().take(RULES_PER_REASON) {
        let t_en = title(&d.rule, "en");
        let t_zh = title(&d.rule, "zh-CN");
        let ago = (now_ms - d.last_broken_ms).max(0) / DAY_MS;
        let overdue = d.overdue_days();
        let (what_en, what_zh) = if d.breaks_this_week > 0 {
            (
                format!(
                    "You have broken ‘{t_en}’ {} this week",
                    times_en(d.breaks_this_week)
                ),
                format!(
                    "这周您有{}没做到这一条：{t_zh}。",
                    times_zh(d.breaks_this_week)
                ),
            )
        } else {
            (
                format!("You last broke ‘{t_en}’ {} ago", days_en(ago)),
                format!("您{ago}天前没做到这一条：{t_zh}。"),
            )
        };
        let (when_en, when_zh) = if overdue >= 1 {
            (
                format!("it is {} overdue for practice", days_en(overdue)),
                format!("该复习了，已经过了{overdue}天。"),
            )
        } else {
            (
                "it is due for practice today".to_string(),
                "今天该复习了。".to_string(),
            )
        };
        en.push(format!("{what_en}; {when_en}."));
        zh.push_str(&format!("{what_zh}{when_zh}"));
    }
    Text::from_pairs([("zh-CN", zh.as_str()), ("en", en.join(" ").as_str())])
}
