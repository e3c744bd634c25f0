//! egui_kittest tests of critical replies and reactions in the app, played through the
//! real flow on a shipped scenario: the debrief leads with the critical mistake (above
//! the score) in both languages, and the conversation shows the customer's reaction as a
//! customer line right after the trainee's reply.
#![cfg(feature = "app")]

mod support;
use support::app::screen_harness;

use bevy_egui::egui;
use courtesy::app::flow::{Attempt, Catalog, Play, Settings, Speaker};
use courtesy::app::i18n::{Lang, T};
use courtesy::app::screens::{conversation, debrief};
use courtesy::core::library::Library;
use courtesy::core::session::{Current, best_reply};
use egui_kittest::kittest::Queryable;
use std::path::PathBuf;

/// The window size the screens are drawn at.
const SIZE: egui::Vec2 = egui::vec2(1100.0, 1400.0);

fn catalog() -> Catalog {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
    let lib = Library::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    Catalog(lib.scenarios)
}

fn settings(lang: Lang) -> Settings {
    Settings {
        lang,
        ..Default::default()
    }
}

/// Plays `scenario` choosing the best reply everywhere except `swap` (step → reply).
fn play(catalog: &Catalog, scenario: &str, lang: Lang, swap: (&str, &str)) -> Attempt {
    let index = catalog
        .0
        .iter()
        .position(|e| e.scenario.id == scenario)
        .expect("shipped scenario");
    let entry = &catalog.0[index];
    let mut a = Attempt::start(entry, 11, lang).expect("starts");
    for _ in 0..40 {
        let step_id = match a.session.current() {
            Current::Step(v) => v.step_id.clone(),
            Current::Ended(_) => break,
        };
        let step = entry.scenario.step(&step_id).expect("step");
        let id = if step_id == swap.0 {
            swap.1.to_string()
        } else {
            best_reply(step, &entry.scenario.principles)
                .expect("a reply")
                .id
                .clone()
        };
        a.answer(Some(&id)).expect("answers");
        a.proceed().expect("proceeds");
    }
    assert!(a.result.is_some(), "the attempt reached the debrief");
    a
}

#[test]
fn debrief_leads_with_the_critical_mistake_in_both_languages() {
    let catalog = catalog();
    for lang in [Lang::En, Lang::Zh] {
        let a = play(
            &catalog,
            "special-medical-needs",
            lang,
            ("insulin-flight", "play-doctor"),
        );
        let play = Play(Some(a));
        let vm = debrief::view_model(&play, &catalog, &settings(lang)).expect("debrief");
        assert!(!vm.passed);
        assert_eq!(vm.critical.len(), 1);
        assert!(
            vm.score_would_pass,
            "the score alone ({:.1}) passes",
            vm.overall
        );
        let why = vm.critical[0].why.clone();
        let said = vm.critical[0].reply_text.clone();
        let overall = format!("{} {:.0}", T::Overall.get(lang), vm.overall);
        let would_pass = T::CriticalWouldPass.fmt(lang, &[&format!("{:.0}", vm.overall)]);
        let mut h = screen_harness(SIZE, vm, debrief::ui);
        h.run();
        let heading_label = format!("⚠ {}", T::CriticalHeading.get(lang));
        let heading = h.get_by_label(&heading_label);
        let score = h.get_by_label(&overall);
        assert!(
            heading.rect().max.y <= score.rect().min.y,
            "{lang:?}: the critical mistake comes before the score ({:?} vs {:?})",
            heading.rect(),
            score.rect()
        );
        h.get_by_label(T::CriticalIntro.get(lang));
        h.get_by_label(&format!(
            "{}{}“{said}”",
            T::YouSaid.get(lang),
            courtesy::app::i18n::colon(lang)
        ));
        h.get_by_label(&format!(
            "{}{}{why}",
            T::CriticalWhy.get(lang),
            courtesy::app::i18n::colon(lang)
        ));
        h.get_by_label(&would_pass);
        // The transcript marks the step too.
        h.get_by_label(&format!("⚠ {}", T::CriticalBadge.get(lang)));
    }
}

#[test]
fn a_passed_debrief_has_no_critical_panel() {
    let catalog = catalog();
    let a = play(&catalog, "special-medical-needs", Lang::En, ("", ""));
    let play = Play(Some(a));
    let vm = debrief::view_model(&play, &catalog, &settings(Lang::En)).expect("debrief");
    assert!(vm.passed && vm.critical.is_empty());
    let mut h = screen_harness(SIZE, vm, debrief::ui);
    h.run();
    assert!(
        h.query_by_label(&format!("⚠ {}", T::CriticalHeading.get(Lang::En)))
            .is_none()
    );
}

#[test]
fn conversation_shows_the_reaction_as_a_customer_line_after_the_reply() {
    let catalog = catalog();
    let index = catalog
        .0
        .iter()
        .position(|e| e.scenario.id == "angry-customer")
        .expect("shipped");
    let entry = &catalog.0[index];
    for lang in [Lang::En, Lang::Zh] {
        let mut a = Attempt::start(entry, 5, lang).expect("starts");
        let fb = a.answer(Some("policy-first")).expect("answers").clone();
        a.proceed().expect("proceeds");
        let reaction = fb.reaction.clone().expect("policy-first has a reaction");
        let play = Play(Some(a));
        let vm = conversation::view_model(&play, &catalog, &settings(lang)).expect("conversation");
        // History: customer line, trainee reply, customer reaction; then the next step's line.
        let speakers: Vec<Speaker> = vm.history.iter().map(|l| l.speaker).collect();
        assert_eq!(
            speakers,
            [Speaker::Customer, Speaker::Trainee, Speaker::Customer]
        );
        assert_eq!(vm.history[2].text, reaction);
        let reply_text = fb.reply_text.clone();
        let next_line = vm.customer_line.clone();
        let customer = vm.customer.name.clone();
        let mut h = screen_harness(SIZE, vm, conversation::ui);
        // The `insult` step is timed: a running countdown keeps asking for frames.
        h.run_steps(3);
        let reply = h.get_by_label(&reply_text);
        let shown = h.get_by_label(&reaction);
        let next = h.get_by_label(&next_line);
        assert!(
            reply.rect().max.y <= shown.rect().min.y,
            "{lang:?}: reaction after the reply"
        );
        assert!(
            shown.rect().max.y <= next.rect().min.y,
            "{lang:?}: before the next line"
        );
        // Styled as the customer's: left-aligned like the customer's other lines and
        // labelled with the customer's name.
        assert!(
            (shown.rect().min.x - next.rect().min.x).abs() < 1.0,
            "{lang:?}: aligned with the customer's lines"
        );
        assert!(
            shown.rect().min.x < reply.rect().min.x,
            "{lang:?}: not on the trainee's side"
        );
        // Each customer bubble carries the customer's name, the reaction's too.
        assert!(h.get_all_by_label(&customer).count() >= 3, "{lang:?}");
    }
}

#[test]
fn manager_drill_down_shows_the_critical_flag_and_the_reaction() {
    use courtesy::app::screens::manager::{self, DrillStep, DrillVm};
    let vm = DrillVm {
        lang: Lang::En,
        heading: "Li Lei · special-medical-needs".into(),
        summary: "Overall score 86 · Not passed".into(),
        replay_error: None,
        steps: vec![DrillStep {
            step_id: "insulin-flight".into(),
            customer_line: "Can I take my insulin pens on the plane?".into(),
            chosen: "You could inject a bit less.".into(),
            critical: true,
            reaction: Some("Inject less? Well, you'd know.".into()),
            timed_out: false,
            ratings: vec![("Respect".into(), 0)],
            mood: (60, 62),
            explanation: Some("Unsafe medical advice.".into()),
            best: Some("Yes, in your hand luggage.".into()),
        }],
    };
    let mut h = screen_harness(egui::vec2(1000.0, 900.0), vm, manager::drill_ui);
    h.run();
    h.get_by_label(&format!("⚠ {}", T::CriticalBadge.get(Lang::En)));
    h.get_by_label("The customer: Inject less? Well, you'd know.");
}
