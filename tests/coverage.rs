//! The shipped library covers the training material: every required rule (L1–L11, B3,
//! B4, P1–P6) has a reply that upholds it and one that breaks it, and every principle is
//! exercised. Computed from the scenarios' citations, so adding a scenario can only help.

use courtesy::core::coverage::{REQUIRED_RULES, compute};
use courtesy::core::library::Library;
use courtesy::core::model::Scenario;
use std::path::Path;

fn library() -> Library {
    Library::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
        .expect("scenarios/ loads")
}

#[test]
fn every_required_rule_and_principle_is_covered() {
    let lib = library();
    let cov = compute(lib.scenarios.iter().map(|l| &*l.scenario));
    assert!(
        cov.missing_rules().is_empty(),
        "rules not both upheld and broken anywhere: {:?}\n{}",
        cov.missing_rules(),
        courtesy::core::coverage::render_text(&cov)
    );
    assert!(
        cov.missing_principles().is_empty(),
        "principles never exercised: {:?}",
        cov.missing_principles()
    );
}

#[test]
fn the_library_has_at_least_twelve_valid_bilingual_scenarios() {
    let lib = library();
    let broken: Vec<_> = lib
        .report
        .files
        .iter()
        .filter(|f| f.has_errors())
        .map(|f| f.path.display().to_string())
        .collect();
    assert!(broken.is_empty(), "scenario files with errors: {broken:?}");
    assert!(
        lib.scenarios.len() >= 12,
        "only {} scenarios",
        lib.scenarios.len()
    );
    for l in &lib.scenarios {
        assert!(
            l.scenario.locales.iter().any(|x| x == "zh-CN")
                && l.scenario.locales.iter().any(|x| x == "en")
        );
    }
}

#[test]
fn coverage_detects_a_rule_that_is_only_upheld() {
    // A synthetic check that the computation can fail: drop every breaking citation of
    // L6 and the rule must be reported missing.
    let lib = library();
    let mut scenarios: Vec<Scenario> = lib
        .scenarios
        .iter()
        .map(|l| (*l.scenario).clone())
        .collect();
    for sc in &mut scenarios {
        let principles = sc.principles.clone();
        for step in &mut sc.steps {
            for r in &mut step.replies {
                if r.total(&principles) < 0 {
                    r.cite.retain(|c| c != "L6");
                }
            }
        }
    }
    let cov = compute(scenarios.iter());
    assert!(cov.missing_rules().contains(&"L6"));
    assert!(REQUIRED_RULES.contains(&"L6"));
}
