//! The shipped scenarios: every one loads, its best path passes and its worst path fails,
//! and it meets the quality bar the product promises (bilingual, enough decision points,
//! real choices, cited feedback).

use courtesy::core::load::parse_str;
use courtesy::core::model::{Principle, Scenario};
use courtesy::core::strategy::{Strategy, play};
use std::path::PathBuf;
use std::sync::Arc;

fn shipped() -> Vec<(PathBuf, Arc<Scenario>)> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let src = std::fs::read_to_string(&p).expect("readable");
            let sc = parse_str(&src).unwrap_or_else(|e| panic!("{}:{e}", p.display()));
            (p, Arc::new(sc))
        })
        .collect()
}

#[test]
fn the_three_core_scenarios_are_shipped() {
    let ids: Vec<String> = shipped().iter().map(|(_, s)| s.id.clone()).collect();
    for id in ["angry-customer", "lost-parcel", "special-medical-needs"] {
        assert!(
            ids.iter().any(|i| i == id),
            "{id} missing from scenarios/: {ids:?}"
        );
    }
}

#[test]
fn best_path_passes_and_worst_path_fails_in_every_locale_and_seed() {
    for (path, sc) in shipped() {
        for locale in &sc.locales {
            for seed in [0u64, 1, 7, 12345] {
                let best = play(sc.clone(), seed, locale, &Strategy::Best)
                    .unwrap_or_else(|e| panic!("{}: best path: {e}", path.display()));
                assert!(
                    best.passed,
                    "{}: best path fails (overall {:.1}, {:?})",
                    path.display(),
                    best.overall,
                    best.principles
                );
                assert!(
                    best.outcome.is_good(),
                    "{}: best path ends {:?}",
                    path.display(),
                    best.outcome
                );
                let worst = play(sc.clone(), seed, locale, &Strategy::Worst)
                    .unwrap_or_else(|e| panic!("{}: worst path: {e}", path.display()));
                assert!(
                    !worst.passed,
                    "{}: worst path passes (overall {:.1})",
                    path.display(),
                    worst.overall
                );
            }
        }
    }
}

#[test]
fn random_play_always_reaches_an_ending() {
    for (path, sc) in shipped() {
        for seed in 0..200u64 {
            play(sc.clone(), seed, "en", &Strategy::Random)
                .unwrap_or_else(|e| panic!("{} seed {seed}: {e}", path.display()));
        }
    }
}

#[test]
fn every_scenario_meets_the_quality_bar() {
    for (path, sc) in shipped() {
        let p = path.display();
        assert!(
            sc.locales.iter().any(|l| l == "zh-CN") && sc.locales.iter().any(|l| l == "en"),
            "{p}: must be zh-CN + en"
        );
        let best = play(sc.clone(), 0, "en", &Strategy::Best).expect("best plays");
        assert!(
            best.transcript.len() >= 6,
            "{p}: main path has {} decision points, need ≥ 6",
            best.transcript.len()
        );
        let outcomes: std::collections::BTreeSet<_> =
            sc.endings.iter().map(|e| e.outcome).collect();
        assert!(
            outcomes.len() >= 2,
            "{p}: needs ≥ 2 endings with different outcomes"
        );
        assert!(
            !sc.triggers.is_empty(),
            "{p}: mood should matter (no mood triggers)"
        );
        for step in &sc.steps {
            assert!(
                step.offered().count() >= 3,
                "{p}: step {} offers < 3 replies",
                step.id
            );
            for r in &step.replies {
                assert!(
                    !r.cite.is_empty(),
                    "{p}: {}/{} cites no rule",
                    step.id,
                    r.id
                );
                for c in &r.cite {
                    assert!(
                        courtesy::core::rules::rule(c).is_some(),
                        "{p}: {}/{} cites unknown {c}",
                        step.id,
                        r.id
                    );
                }
                for l in &sc.locales {
                    assert!(
                        r.text.has(l) && r.feedback.has(l),
                        "{p}: {}/{} lacks {l}",
                        step.id,
                        r.id
                    );
                }
            }
        }
        // Every core principle is taught somewhere in the scenario.
        for pr in Principle::core_set() {
            assert!(
                sc.steps.iter().any(|s| {
                    let v: Vec<i64> = s.replies.iter().map(|r| r.ratings.rating(pr)).collect();
                    v.iter().min() != v.iter().max()
                }),
                "{p}: no step varies on {pr}"
            );
        }
    }
}

/// The teaching-quality figures of every shipped scenario (`courtesy check`), computed
/// once for the three tests below.
fn shipped_quality() -> &'static [(PathBuf, courtesy::core::quality::ScenarioQuality)] {
    use courtesy::core::quality::{QualityOptions, ScenarioQuality, assess};
    static Q: std::sync::OnceLock<Vec<(PathBuf, ScenarioQuality)>> = std::sync::OnceLock::new();
    Q.get_or_init(|| {
        shipped()
            .into_iter()
            .map(|(p, sc)| {
                let q = assess(&sc, QualityOptions::default());
                (p, q)
            })
            .collect()
    })
}

fn flagged(codes: &[&str]) -> Vec<String> {
    shipped_quality()
        .iter()
        .flat_map(|(p, q)| {
            q.flags
                .iter()
                .filter(|f| codes.contains(&f.code()))
                .map(move |f| {
                    format!(
                        "{}: {}[{}]: {}",
                        p.display(),
                        f.severity(),
                        f.code(),
                        f.message()
                    )
                })
        })
        .collect()
}

#[test]
fn no_naive_player_passes_any_scenario_in_any_locale() {
    let found = flagged(&["Q001"]);
    assert!(
        found.is_empty(),
        "{} naive passes:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn cue_shares_and_random_play_stay_within_their_thresholds() {
    // Q002/Q003: best reply longest / most polite at > 40 % of steps; Q004: random
    // play passes > 5 % of 500 seeds. Per scenario and locale.
    let found = flagged(&["Q002", "Q003", "Q004"]);
    assert!(
        found.is_empty(),
        "{} misses:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_library_offers_real_trade_offs_between_principles() {
    use courtesy::core::quality::library;
    let all: Vec<_> = shipped_quality().iter().map(|(_, q)| q.clone()).collect();
    let lib = library(&all);
    let t = &lib.trade_offs;
    let found: Vec<&str> = lib.flags.iter().map(|f| f.message()).collect();
    assert!(
        found.is_empty(),
        "library trade-offs (second strong reply {:.1} %, best not top {:.1} %, first component {:?}):\n{}",
        t.trade_off_share.share * 100.0,
        t.best_not_top_share.share * 100.0,
        t.first_component.map(|v| (v * 1000.0).round() / 10.0),
        found.join("\n")
    );
}
