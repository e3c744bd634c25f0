//! Rule coverage of a scenario library: which scenarios teach each rule, by a reply that
//! upholds it and one that breaks it (`courtesy list --coverage`).

use crate::model::{Principle, Scenario};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The rules the training programme must cover, each upheld and broken at least once.
pub const REQUIRED_RULES: &[&str] = &[
    "L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9", "L10", "L11", "B3", "B4", "P1", "P2",
    "P3", "P4", "P5", "P6",
];

/// Where one rule is taught.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleCoverage {
    /// Scenarios with a reply citing the rule whose ratings sum above 0.
    pub upheld_in: BTreeSet<String>,
    /// Scenarios with a reply citing the rule whose ratings sum below 0.
    pub broken_in: BTreeSet<String>,
}

impl RuleCoverage {
    /// Both an upholding and a breaking reply exist somewhere in the library.
    pub fn covered(&self) -> bool {
        !self.upheld_in.is_empty() && !self.broken_in.is_empty()
    }
}

/// The coverage of a library.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Every cited rule (and every required one), by id.
    pub rules: BTreeMap<String, RuleCoverage>,
    /// For each principle, the scenarios that score it and have a step whose replies differ on it.
    pub principles: BTreeMap<Principle, BTreeSet<String>>,
}

impl Coverage {
    /// Required rules lacking an upholding or a breaking reply.
    pub fn missing_rules(&self) -> Vec<&'static str> {
        REQUIRED_RULES
            .iter()
            .copied()
            .filter(|id| !self.rules.get(*id).is_some_and(RuleCoverage::covered))
            .collect()
    }

    /// Principles no scenario exercises.
    pub fn missing_principles(&self) -> Vec<Principle> {
        Principle::ALL
            .into_iter()
            .filter(|p| self.principles.get(p).is_none_or(BTreeSet::is_empty))
            .collect()
    }
}

/// Computes the coverage of `scenarios` from their replies' citations.
pub fn compute<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> Coverage {
    let mut cov = Coverage::default();
    for id in REQUIRED_RULES {
        cov.rules.entry((*id).to_string()).or_default();
    }
    for p in Principle::ALL {
        cov.principles.entry(p).or_default();
    }
    for sc in scenarios {
        for step in &sc.steps {
            for r in &step.replies {
                let total = r.total(&sc.principles);
                for c in &r.cite {
                    let e = cov.rules.entry(c.clone()).or_default();
                    if total > 0 {
                        e.upheld_in.insert(sc.id.clone());
                    } else if total < 0 {
                        e.broken_in.insert(sc.id.clone());
                    }
                }
            }
        }
        for p in &sc.principles {
            let varies = sc
                .steps
                .iter()
                .any(|s| crate::scoring::range(s, *p).is_some_and(|r| r.best != r.worst));
            if varies {
                cov.principles.entry(*p).or_default().insert(sc.id.clone());
            }
        }
    }
    cov
}

/// The coverage table as `courtesy list --coverage` prints it.
pub fn render_text(cov: &Coverage) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<5} {:<9} {:<40} broken in",
        "rule", "covered", "upheld in"
    );
    let join = |s: &BTreeSet<String>| {
        if s.is_empty() {
            "—".to_string()
        } else {
            s.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    for (id, c) in &cov.rules {
        let required = REQUIRED_RULES.contains(&id.as_str());
        let status = match (c.covered(), required) {
            (true, _) => "yes",
            (false, true) => "MISSING",
            (false, false) => "partly",
        };
        let _ = writeln!(
            out,
            "{id:<5} {status:<9} {:<40} {}",
            join(&c.upheld_in),
            join(&c.broken_in)
        );
    }
    let _ = writeln!(out);
    for (p, s) in &cov.principles {
        let _ = writeln!(out, "{:<16} {}", p.key(), join(s));
    }
    let missing = cov.missing_rules();
    let missing_p = cov.missing_principles();
    if missing.is_empty() && missing_p.is_empty() {
        let _ = writeln!(out, "\nevery required rule and every principle is covered");
    } else {
        if !missing.is_empty() {
            let _ = writeln!(
                out,
                "\nnot covered (need a reply that upholds and one that breaks each): {}",
                missing.join(", ")
            );
        }
        if !missing_p.is_empty() {
            let names: Vec<&str> = missing_p.iter().map(|p| p.key()).collect();
            let _ = writeln!(
                out,
                "principles no scenario exercises: {}",
                names.join(", ")
            );
        }
    }
    out
}
