//! The learning loop as the trainee meets it: "Practise next" in the library (kittest,
//! both languages, Normal and Extra large text, by keys), practice-the-step kept out of
//! every score and of the outbox (the flow on a real records store), and My progress in
//! words, never ids.
#![cfg(feature = "app")]

mod support;
use support::app::{flow_app, screen, send, themed};

use bevy::prelude::*;
use bevy_egui::egui::{self, Key};
use courtesy::app::flow::{Action, Catalog, Play, Screen, Settings, TextSize, Trainee};
use courtesy::app::i18n::Lang;
use courtesy::app::learning::{self, Learning, Practice};
use courtesy::app::loader::{self, CatalogEntry};
use courtesy::app::records::RecordStore;
use courtesy::app::screens::practise::PractiseScreen;
use courtesy::app::screens::progress::ProgressScreen;
use courtesy::app::screens::{library, practise, progress};
use courtesy::core::learning::{Catalogue, DAY_MS, recommend};
use courtesy::core::model::Scenario;
use courtesy::core::records::{Filter, Source, Store, room_evidence};
use courtesy::core::session::{AttemptResult, Current, Session, best_reply};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const W: f32 = 1280.0;
const H: f32 = 800.0;
const TRAINEE: &str = "li";

fn shipped() -> Vec<CatalogEntry> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    loader::load_dir(&dir)
        .expect("the shipped scenarios load")
        .0
}

/// The fixture scenario as a catalog entry, citing rules angry-customer's replies in
/// these tests never break (so its card's rules are its own).
fn fixture() -> CatalogEntry {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scoring-case.ron"),
    )
    .expect("fixture");
    for (from, to) in [
        ("R", "L1"),
        ("M", "L3"),
        ("S", "L4"),
        ("L7", "L5"),
        ("L9", "L6"),
        ("B3", "L8"),
        ("L2", "L11"),
    ] {
        text = text.replace(&format!("cite: [\"{from}\"]"), &format!("cite: [\"{to}\"]"));
    }
    std::fs::write(tmp.path().join("scoring-case.ron"), text).expect("write fixture");
    let (mut c, _) = loader::load_dir(tmp.path()).expect("fixture loads");
    c.pop().expect("one scenario")
}

/// The library of these tests, in this order: the fixture first, angry-customer second
/// (so the panel's order cannot be the library's).
fn catalog() -> Catalog {
    let angry = shipped()
        .into_iter()
        .find(|e| e.scenario.id == "angry-customer")
        .expect("angry-customer ships");
    Catalog(vec![fixture(), angry])
}

/// Plays `sc` (with `worst`, letting the first step time out): at each step a reply that breaks L10 if there is one (its feedback cites
/// L10 and it rates a principle below zero), else with `worst` the lowest rated reply,
/// else the best one.
fn play(sc: &Arc<Scenario>, seed: u64, worst: bool) -> AttemptResult {
    let mut s = Session::start(Arc::clone(sc), seed, "en").expect("starts");
    if worst {
        // Silence at the first step (the fixture's timeout reply breaks B3).
        s.timeout(Duration::from_secs(30)).expect("times out");
    }
    while let Current::Step(v) = s.current().clone() {
        let step = sc.step(&v.step_id).expect("step");
        let offered: Vec<_> = v.replies.iter().filter_map(|o| step.reply(&o.id)).collect();
        let breaks_l10 = offered.iter().find(|r| {
            r.cite.iter().any(|c| c == "L10")
                && sc.principles.iter().any(|p| r.ratings.rating(*p) < 0)
        });
        let total = |r: &&&courtesy::core::model::Reply| -> i64 {
            sc.principles.iter().map(|p| r.ratings.rating(*p)).sum()
        };
        let pick = match (breaks_l10, worst) {
            (Some(r), _) => r.id.clone(),
            (None, true) => offered
                .iter()
                .min_by_key(total)
                .expect("a reply")
                .id
                .clone(),
            (None, false) => best_reply(step, &sc.principles).expect("best").id.clone(),
        };
        s.choose(&pick, Duration::from_secs(4)).expect("chooses");
    }
    s.finish().expect("finishes")
}

/// A store where `li` broke L10 in angry-customer 6, 5 and 4 days ago (due 3 days ago)
/// and played the fixture badly 25 hours ago (its rules due an hour ago).
fn seeded(dir: &Path, catalog: &Catalog, now: i64) -> Store {
    let store = Store::open_in(dir).expect("store");
    let angry = &catalog.get("angry-customer").expect("angry").scenario;
    let fix = &catalog.0[0].scenario;
    let mut played: Vec<(AttemptResult, i64)> = (0..3)
        .map(|k| (play(angry, 10 + k, false), now - (6 - k as i64) * DAY_MS))
        .collect();
    played.push((play(fix, 20, true), now - DAY_MS - 3_600_000));
    store
        .import_finished(TRAINEE, &played, 600_000, Source::Import)
        .expect("imports");
    store
}

fn learning_of(store: &Store, catalog: &Catalog, now: i64) -> Learning {
    let ev = room_evidence(
        store,
        None,
        TRAINEE,
        catalog.0.iter().map(|e| e.scenario.as_ref()),
    )
    .expect("evidence");
    Learning {
        trainee: TRAINEE.to_string(),
        evidence: ev.choices,
        at_ms: now,
    }
}

/// A rule id standing alone in trainee-facing text (L10, B3, P4, R …). A single letter
/// followed by a colon is a key in a key hint ("M: my progress"), not an id.
fn bare_id(text: &str) -> Option<String> {
    let mut words: Vec<(&str, Option<char>)> = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_ascii_alphanumeric() && i < text.len(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((&text[s..i], text[i..].chars().next()));
                start = None;
            }
            _ => {}
        }
    }
    words
        .into_iter()
        .find(|(w, after)| {
            let mut ch = w.chars();
            match ch.next() {
                Some('L' | 'B' | 'P') => {
                    let rest: String = ch.collect();
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())
                }
                Some('R' | 'M' | 'S' | 'C') => w.len() == 1 && !matches!(after, Some(':' | '：')),
                _ => false,
            }
        })
        .map(|(w, _)| w.to_string())
}

fn labels<S>(h: &Harness<'_, S>) -> Vec<(String, egui::Rect)> {
    h.root()
        .query_all_by(|_| true)
        .filter_map(|n| {
            let label = n
                .accesskit_node()
                .label()
                .or_else(|| n.accesskit_node().value())?;
            Some((label.to_string(), n.rect()))
        })
        .collect()
}

fn words(lang: Lang, w: practise::Words, n: usize) -> String {
    w.get(lang, n)
}

#[test]
fn the_id_check_finds_ids_and_not_keys() {
    assert_eq!(bare_id("broke L10 twice").as_deref(), Some("L10"));
    assert_eq!(bare_id("规范R。").as_deref(), Some("R"));
    assert_eq!(bare_id("P: practise · M：progress · Page Up"), None);
}

#[test]
fn practise_next_leads_the_library_in_order_of_overdueness_with_reasons_in_words_by_keys() {
    let now = courtesy::core::records::time::now_ms();
    let tmp = tempfile::tempdir().expect("tempdir");
    let catalog = catalog();
    let store = seeded(tmp.path(), &catalog, now);
    let learning = learning_of(&store, &catalog, now);
    // What the model says, independently of the panel.
    let cat = Catalogue::from_scenarios(catalog.0.iter().map(|e| e.scenario.as_ref()));
    let recs = recommend(&cat, &learning.evidence, now, 10);
    let order: Vec<&str> = recs.iter().map(|r| r.scenario.as_str()).collect();
    assert_eq!(
        order,
        ["angry-customer", "scoring-case"],
        "the L10 scenario (3 days overdue) before the fixture (due an hour ago)"
    );
    let rules = |i: usize| -> Vec<(&str, i64)> {
        recs[i]
            .rules
            .iter()
            .map(|r| (r.rule.as_str(), r.overdue_days()))
            .collect()
    };
    // Broken 4 days ago (seconds after the attempt began): 2 whole days overdue, and
    // L10, broken at every chance, leads its card.
    assert_eq!(rules(0)[0], ("L10", 2), "{:?}", rules(0));
    assert!(rules(1).iter().all(|(_, d)| *d == 0), "{:?}", rules(1));
    for lang in Lang::ALL {
        for size in [TextSize::Normal, TextSize::ExtraLarge] {
            let settings = Settings {
                lang,
                text_size: size,
                ..Default::default()
            };
            let what = format!("{lang:?} at {size:?}");
            let pvm = learning::practise_vm(&learning, &Practice::default(), &catalog, &settings);
            assert_eq!(pvm.cards.len(), 2, "{what}");
            let trainee = Trainee {
                name: TRAINEE.into(),
            };
            let lvm = library::view_model(&catalog, &trainee, &settings);
            let mut h = Harness::builder()
                .with_size(egui::vec2(W, H))
                .with_max_steps(60)
                .build_ui_state(
                    |ui, s: &mut (library::LibraryVm, practise::PractiseVm, Option<Action>)| {
                        let (l, p) = (s.0.clone(), s.1.clone());
                        courtesy::app::screens::frame(ui, None, |ui| {
                            if let Some(a) = library::ui_with(ui, &l, Some(&p)) {
                                s.2 = Some(a);
                            }
                            None
                        });
                    },
                    (lvm, pvm.clone(), None),
                );
            themed(&h.ctx, &settings);
            h.run();
            let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(W, H));
            let loc = lang.code();
            let heading = words(lang, practise::Words::Heading, 0);
            let heading = h.get_by_label(&heading).rect();
            assert!(window.contains_rect(heading), "{what}: heading");
            // The cards in order of overdueness, each titled and with its reason.
            let mut tops = Vec::new();
            for (i, r) in recs.iter().enumerate() {
                let title = catalog
                    .get(&r.scenario)
                    .expect("entry")
                    .scenario
                    .title
                    .get(loc);
                let label = format!("{}. {title}", i + 1);
                tops.push(h.get_by_label(&label).rect().top());
                let reason = r.reason.get(loc);
                assert_eq!(pvm.cards[i].reason, reason, "{what}");
                assert!(bare_id(reason).is_none(), "{what}: an id in `{reason}`");
                let _ = h.get_by_label(reason);
            }
            assert!(tops[0] < tops[1], "{what}: most overdue first");
            let l10 = courtesy::core::rules::rule("L10")
                .expect("L10")
                .title
                .get(loc);
            let first = &pvm.cards[0].reason;
            assert!(
                first.contains(l10),
                "{what}: `{first}` names L10 by its title"
            );
            match lang {
                Lang::En => assert!(first.contains("You have broken ‘"), "{what}: {first}"),
                Lang::Zh => assert!(first.contains("这周您有"), "{what}: {first}"),
            }
            // Nothing of the panel (or the library's visible text) off the window's sides,
            // no id anywhere.
            for (label, rect) in labels(&h) {
                assert!(bare_id(&label).is_none(), "{what}: an id in `{label}`");
                if window.intersects(rect) {
                    assert!(
                        rect.left() >= -0.5 && rect.right() <= W + 0.5,
                        "{what}: `{label}` is cut off at the side: {rect:?}"
                    );
                }
            }
            // Every button of the panel is reached by Tab, in view when reached.
            let mut want = vec![words(lang, practise::Words::MyProgress, 0)];
            for (i, c) in pvm.cards.iter().enumerate() {
                if let Some((n, _)) = &c.practise {
                    want.push(words(lang, practise::Words::PractiseSteps, *n));
                }
                want.push(format!(
                    "{} · {}",
                    words(lang, practise::Words::Play, 0),
                    c.title
                ));
                assert!(
                    i > 0 || c.practise.is_some(),
                    "{what}: the L10 card offers its wrong steps"
                );
            }
            let mut reached: Vec<String> = Vec::new();
            for _ in 0..40 {
                h.key_press(Key::Tab);
                h.run();
                let focused: Vec<(String, egui::Rect)> = h
                    .root()
                    .query_all_by(|n| n.is_focused())
                    .filter_map(|n| Some((n.accesskit_node().label()?.to_string(), n.rect())))
                    .collect();
                for (label, rect) in focused {
                    if want.contains(&label) {
                        assert!(
                            window.contains_rect(rect),
                            "{what}: `{label}` focused off the window: {rect:?}"
                        );
                        if !reached.contains(&label) {
                            reached.push(label);
                        }
                    }
                }
            }
            for w in &want {
                assert!(reached.contains(w), "{what}: Tab never reached `{w}`");
            }
            // Enter on the first card's practise button practises the L10 scenario.
            h.state_mut().2 = None;
            let practise_label = want[1].clone();
            for _ in 0..40 {
                if h.get_all_by_label(&practise_label)
                    .next()
                    .is_some_and(|n| n.is_focused())
                {
                    break;
                }
                h.key_press(Key::Tab);
                h.run();
            }
            h.key_press(Key::Enter);
            h.run();
            match h.state_mut().2.take() {
                Some(Action::Practise { scenario, steps }) => {
                    assert_eq!(scenario, "angry-customer", "{what}");
                    assert!(!steps.is_empty(), "{what}");
                }
                other => panic!("{what}: Enter on the practise button gave {other:?}"),
            }
            // The keys: P practises the first card, M opens My progress.
            h.ctx
                .memory_mut(|m| m.surrender_focus(m.focused().unwrap_or(egui::Id::NULL)));
            h.key_press(Key::P);
            h.run();
            assert!(
                matches!(h.state_mut().2.take(), Some(Action::Practise { scenario, .. }) if scenario == "angry-customer"),
                "{what}: P"
            );
            h.key_press(Key::M);
            h.run();
            assert_eq!(
                h.state_mut().2.take(),
                Some(Action::OpenProgress),
                "{what}: M"
            );
        }
    }
}

fn app(data: &Path, catalog: Catalog) -> App {
    let store = Store::open_in(data).expect("store");
    flow_app(catalog, |app| {
        app.insert_resource(RecordStore::with_store(store));
    })
}

fn sign_in(app: &mut App) {
    send(
        app,
        Action::SignIn {
            name: TRAINEE.into(),
            settings: Settings {
                lang: Lang::En,
                ..Default::default()
            },
        },
    );
    assert_eq!(screen(app), Screen::Library);
}

/// Everything a score, dashboard, report or the LRS could read, as text.
fn scores(store: &Store) -> String {
    let f = Filter::all();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        store.attempts(&f, 1000).expect("attempts"),
        store.cohort_averages(&f).expect("cohort"),
        store.trainee_table(&f).expect("table"),
        store.trend(&f).expect("trend"),
        store.reply_choices(&f).expect("choices"),
        store.trainee_history(TRAINEE, 1000).expect("history"),
        store.trainee_bests(TRAINEE).expect("bests"),
        store.outbox_counts().expect("outbox"),
        store.outbox_pending(10_000).expect("pending").len(),
    )
}

/// Answers the step on show with its best reply and continues.
fn answer_best(app: &mut App) -> (String, i32) {
    let (step, mood, best) = {
        let play = app.world().resource::<Play>();
        let a = play.0.as_ref().expect("an attempt");
        assert!(a.preview, "a practice step is never an attempt");
        let Current::Step(v) = a.session.current() else {
            panic!("no step");
        };
        let sc = a.session.scenario();
        let step = sc.step(&v.step_id).expect("step");
        let best = best_reply(step, &sc.principles).expect("best").id.clone();
        (v.step_id.clone(), v.mood, best)
    };
    send(app, Action::Choose(best));
    assert_eq!(screen(app), Screen::Feedback);
    send(app, Action::Continue);
    (step, mood)
}

#[test]
fn practice_the_step_is_recorded_as_practice_and_never_counted_as_an_attempt() {
    let now = courtesy::core::records::time::now_ms();
    let tmp = tempfile::tempdir().expect("tempdir");
    let catalog = catalog();
    let before = {
        let store = seeded(tmp.path(), &catalog, now);
        scores(&store)
    };
    let mut app = app(tmp.path(), catalog.clone());
    sign_in(&mut app);
    let pvm = app
        .world()
        .resource::<PractiseScreen>()
        .0
        .clone()
        .expect("the library built Practise next for li");
    assert_eq!(
        pvm.cards[0].title,
        "The Angry Customer: a 680-Yuan Repair Bill"
    );
    let Some((n, Action::Practise { scenario, steps })) = pvm.cards[0].practise.clone() else {
        panic!("the L10 card offers practice: {:?}", pvm.cards[0]);
    };
    assert_eq!(n, steps.len());
    send(
        &mut app,
        Action::Practise {
            scenario: scenario.clone(),
            steps: steps.clone(),
        },
    );
    // Each step on its own, from its step and mood, then back to the library.
    for (i, want) in steps.iter().enumerate() {
        assert_eq!(screen(&app), Screen::Conversation, "step {i}");
        let (step, mood) = answer_best(&mut app);
        assert_eq!(
            (step.as_str(), mood),
            (want.step.as_str(), want.mood),
            "step {i}"
        );
    }
    assert_eq!(screen(&app), Screen::Library);
    assert_eq!(
        app.world().resource::<Practice>().last,
        Some((steps.len(), steps.len()))
    );
    let reader = Store::open_in(tmp.path()).expect("reader");
    // Not in any score, dashboard, report or the outbox …
    assert_eq!(
        scores(&reader),
        before,
        "practice changed a score or the outbox"
    );
    // … but recorded, as practice, and it is evidence.
    let rows = reader.practice_rows(TRAINEE).expect("practice rows");
    assert_eq!(rows.len(), steps.len());
    assert!(
        rows.iter()
            .all(|r| r.scenario == scenario && r.chosen == r.best)
    );
    let ev = room_evidence(
        &reader,
        None,
        TRAINEE,
        catalog.0.iter().map(|e| e.scenario.as_ref()),
    )
    .expect("evidence");
    assert_eq!(
        ev.choices.iter().filter(|c| c.practice).count(),
        steps.len()
    );
    // The steps put right are no longer offered for practice.
    let pvm = app
        .world()
        .resource::<PractiseScreen>()
        .0
        .clone()
        .expect("rebuilt");
    if let Some(card) = pvm
        .cards
        .iter()
        .find(|c| c.open == Action::OpenScenario("angry-customer".into()))
    {
        assert!(card.practise.is_none(), "{card:?}");
    }
}

#[test]
fn the_debrief_practises_the_steps_that_went_wrong_without_a_new_attempt() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let catalog = catalog();
    let mut app = app(tmp.path(), catalog);
    sign_in(&mut app);
    // Play the fixture worst, through the flow: a real, recorded attempt.
    send(&mut app, Action::OpenScenario("scoring-case".into()));
    send(&mut app, Action::StartConversation);
    while screen(&app) == Screen::Conversation {
        let worst = {
            let a = app.world().resource::<Play>().0.as_ref().expect("attempt");
            let Current::Step(v) = a.session.current() else {
                panic!("no step")
            };
            let sc = a.session.scenario();
            let step = sc.step(&v.step_id).expect("step");
            step.replies
                .iter()
                .min_by_key(|r| {
                    sc.principles
                        .iter()
                        .map(|p| r.ratings.rating(*p))
                        .sum::<i64>()
                })
                .expect("reply")
                .id
                .clone()
        };
        send(&mut app, Action::Choose(worst));
        send(&mut app, Action::Continue);
    }
    assert_eq!(screen(&app), Screen::Debrief);
    let wrong = {
        let a = app.world().resource::<Play>().0.as_ref().expect("attempt");
        let r = a.result.as_ref().expect("result");
        courtesy::core::learning::practice::wrong_in_transcript(&r.transcript)
    };
    assert!(!wrong.is_empty());
    let reader = Store::open_in(tmp.path()).expect("reader");
    let before = scores(&reader);
    send(&mut app, Action::PractiseMistakes);
    assert_eq!(screen(&app), Screen::Conversation);
    {
        let a = app.world().resource::<Play>().0.as_ref().expect("practice");
        assert!(a.preview);
        let Current::Step(v) = a.session.current() else {
            panic!("no step")
        };
        assert_eq!((&v.step_id, v.mood), (&wrong[0].step, wrong[0].mood));
    }
    answer_best(&mut app);
    // Leave the rest with Esc: nothing abandoned, no attempt.
    if screen(&app) == Screen::Conversation {
        send(&mut app, Action::LeaveConversation);
    }
    assert_eq!(screen(&app), Screen::Library);
    assert_eq!(scores(&reader), before, "practice from the debrief counted");
    assert_eq!(reader.practice_rows(TRAINEE).expect("rows").len(), 1);
}

#[test]
fn my_progress_shows_mastery_in_words_never_ids_in_both_languages() {
    let now = courtesy::core::records::time::now_ms();
    let tmp = tempfile::tempdir().expect("tempdir");
    let catalog = catalog();
    let store = seeded(tmp.path(), &catalog, now);
    let learning = learning_of(&store, &catalog, now);
    for lang in Lang::ALL {
        for size in [TextSize::Normal, TextSize::ExtraLarge] {
            let what = format!("{lang:?} at {size:?}");
            let settings = Settings {
                lang,
                text_size: size,
                ..Default::default()
            };
            let vm = learning::progress_vm(&learning, &settings);
            assert!(!vm.series.is_empty(), "{what}: a line per principle");
            assert!(vm.series.iter().all(|s| s.points.len() >= 2), "{what}");
            assert!(
                vm.series
                    .iter()
                    .flat_map(|s| &s.band)
                    .any(|(_, lo, hi)| hi - lo > 10.0),
                "{what}: the uncertainty band is drawn"
            );
            let loc = lang.code();
            let l10 = courtesy::core::rules::rule("L10")
                .expect("L10")
                .title
                .get(loc);
            let row = vm
                .rules
                .iter()
                .find(|r| r.label == l10)
                .unwrap_or_else(|| panic!("{what}: no L10 row in {:?}", vm.rules));
            // Broken at every chance, never upheld: still learning, and a low figure.
            assert_eq!(
                row.standing,
                progress::Standing::Learning,
                "{what}: {row:?}"
            );
            assert!(
                row.percent.is_some_and(|(m, _, _)| m < 50.0),
                "{what}: {row:?}"
            );
            let mut h = Harness::builder()
                .with_size(egui::vec2(W, H))
                .with_max_steps(60)
                .build_ui_state(
                    |ui, s: &mut (progress::ProgressVm, Option<Action>)| {
                        let vm = s.0.clone();
                        courtesy::app::screens::frame(ui, None, |ui| {
                            if let Some(a) = progress::ui(ui, &vm) {
                                s.1 = Some(a);
                            }
                            None
                        });
                    },
                    (vm.clone(), None),
                );
            themed(&h.ctx, &settings);
            h.run();
            let all = labels(&h);
            let text: String = all
                .iter()
                .map(|(l, _)| l.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            for (label, _) in &all {
                assert!(bare_id(label).is_none(), "{what}: an id in `{label}`");
            }
            let title = progress::Words::Title.get(lang);
            assert!(text.contains(&format!("{title} — {TRAINEE}")), "{what}");
            assert!(text.contains(l10), "{what}: the L10 row by its title");
            assert!(
                text.contains(progress::Standing::Learning.words(lang)),
                "{what}: the words"
            );
            // Scrolls with the keys, back with Esc.
            h.key_press(Key::PageDown);
            h.run();
            assert!(h.state().1.is_none(), "{what}");
            h.key_press(Key::Escape);
            h.run();
            assert_eq!(h.state().1, Some(Action::BackToLibrary), "{what}");
        }
    }
}

#[test]
fn my_progress_opens_from_the_library_and_goes_back() {
    let now = courtesy::core::records::time::now_ms();
    let tmp = tempfile::tempdir().expect("tempdir");
    let catalog = catalog();
    drop(seeded(tmp.path(), &catalog, now));
    let mut app = app(tmp.path(), catalog);
    sign_in(&mut app);
    send(&mut app, Action::OpenProgress);
    assert_eq!(screen(&app), Screen::Progress);
    let vm = app
        .world()
        .resource::<ProgressScreen>()
        .0
        .clone()
        .expect("built");
    assert_eq!(vm.trainee, TRAINEE);
    assert!(!vm.rules.is_empty());
    send(&mut app, Action::BackToLibrary);
    assert_eq!(screen(&app), Screen::Library);
}

/// Draws the library led by the "Practise next" panel from `lvm` and `pvm`, clicks the
/// button labelled `label` and returns what the click asked for.
fn click(lvm: &library::LibraryVm, pvm: &practise::PractiseVm, label: &str) -> Action {
    let mut h = Harness::builder()
        .with_size(egui::vec2(W, 2.0 * H))
        .with_max_steps(60)
        .build_ui_state(
            |ui, s: &mut (library::LibraryVm, practise::PractiseVm, Option<Action>)| {
                let (l, p) = (s.0.clone(), s.1.clone());
                if let Some(a) = library::ui_with(ui, &l, Some(&p)) {
                    s.2 = Some(a);
                }
            },
            (lvm.clone(), pvm.clone(), None),
        );
    h.run();
    h.get_by_label(label).click();
    h.run();
    h.state_mut()
        .2
        .take()
        .unwrap_or_else(|| panic!("a click on `{label}` asked for nothing"))
}

#[test]
fn the_scenario_clicked_opens_even_if_the_catalogue_was_reordered_since_it_was_drawn() {
    use courtesy::app::flow::Selected;
    let now = courtesy::core::records::time::now_ms();
    let tmp = tempfile::tempdir().expect("tempdir");
    let catalog = catalog();
    drop(seeded(tmp.path(), &catalog, now));
    let mut app = app(tmp.path(), catalog.clone());
    sign_in(&mut app);
    let settings = *app.world().resource::<Settings>();
    let trainee = app.world().resource::<Trainee>().clone();
    let lvm = library::view_model(&catalog, &trainee, &settings);
    let pvm = app
        .world()
        .resource::<PractiseScreen>()
        .0
        .clone()
        .expect("the panel is built on entering the library");
    let title = |id: &str| {
        catalog
            .get(id)
            .expect("in the catalogue")
            .scenario
            .title
            .get("en")
            .to_string()
    };
    let play = words(Lang::En, practise::Words::Play, 0);
    // The trainee's clicks, on the screen as drawn from the catalogue as it was …
    let mut clicks = Vec::new();
    for id in ["angry-customer", "scoring-case"] {
        let open = format!("Open {}", title(id));
        clicks.push((id, "its library card", click(&lvm, &pvm, &open)));
        let next = format!("{play} · {}", title(id));
        clicks.push((id, "its Practise next card", click(&lvm, &pvm, &next)));
    }
    // … acted on after a reload moved angry-customer first and put a new scenario before
    // the fixture: no scenario is where it was.
    let third = shipped()
        .into_iter()
        .find(|e| !["angry-customer", "scoring-case"].contains(&e.scenario.id.as_str()))
        .expect("a third shipped scenario");
    let [fix, angry] = [0, 1].map(|i| catalog.0[i].clone());
    assert_eq!(
        (fix.scenario.id.as_str(), angry.scenario.id.as_str()),
        ("scoring-case", "angry-customer")
    );
    app.insert_resource(Catalog(vec![angry, third, fix]));
    app.update();
    for (id, from, action) in clicks {
        send(&mut app, action.clone());
        assert_eq!(screen(&app), Screen::Briefing, "{from} ({action:?})");
        assert_eq!(
            app.world().resource::<Selected>().0.as_deref(),
            Some(id),
            "{from} ({action:?}) opened another scenario"
        );
        send(&mut app, Action::BackToLibrary);
        assert_eq!(screen(&app), Screen::Library);
    }
}
