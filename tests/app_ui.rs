//! egui_kittest tests of each screen's pure UI function: the right action for a click or
//! a key, and the content the trainee must see.
#![cfg(feature = "app")]

mod support;
use support::app::screen_harness;

use bevy_egui::egui::{self, Key};
use courtesy::app::flow::{Action, Line, Settings, Speaker, TextSize, TimerMode};
use courtesy::app::i18n::Lang;
use courtesy::app::screens::briefing::{self, BriefingVm};
use courtesy::app::screens::conversation::{self, ConversationVm, CustomerVm, TimerVm};
use courtesy::app::screens::debrief::{self, DebriefVm, PrincipleBar, TranscriptStep};
use courtesy::app::screens::feedback::{self, FeedbackVm};
use courtesy::app::screens::library::{self, Card, LibraryVm};
use courtesy::app::screens::sign_in::{self, SignInForm};
use courtesy::core::session::CitedRule;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::time::Duration;

/// The window size the screens are drawn at.
const SIZE: egui::Vec2 = egui::vec2(1100.0, 800.0);

fn conversation_vm() -> ConversationVm {
    ConversationVm {
        lang: Lang::En,
        high_contrast: false,
        title: "Lost parcel".into(),
        customer: CustomerVm {
            name: "Ms Chen".into(),
            mood: 30,
            mood_label: "Upset".into(),
        },
        history: vec![
            Line {
                speaker: Speaker::Customer,
                text: "Where is my parcel?".into(),
                timed_out: false,
            },
            Line {
                speaker: Speaker::Trainee,
                text: "Let me check.".into(),
                timed_out: false,
            },
        ],
        customer_line: "It has been four days!".into(),
        replies: vec![
            ("apologise".into(), "I'm sorry for the wait.".into()),
            ("blame".into(), "It's the courier's fault.".into()),
            ("number".into(), "Waybill number.".into()),
        ],
        timer: None,
    }
}

#[test]
fn conversation_click_on_a_reply_chooses_it() {
    let mut h = screen_harness(SIZE, conversation_vm(), conversation::ui);
    h.run();
    h.get_by_label("2. It's the courier's fault.").click();
    h.run();
    assert_eq!(h.state().1, Some(Action::Choose("blame".into())));
}

#[test]
fn conversation_digit_keys_choose_by_position() {
    for (key, id) in [(Key::Num1, "apologise"), (Key::Num3, "number")] {
        let mut h = screen_harness(SIZE, conversation_vm(), conversation::ui);
        h.run();
        h.key_press(key);
        h.run();
        assert_eq!(h.state().1, Some(Action::Choose(id.into())), "{key:?}");
    }
    // A digit beyond the offered replies does nothing.
    let mut h = screen_harness(SIZE, conversation_vm(), conversation::ui);
    h.run();
    h.key_press(Key::Num4);
    h.run();
    assert_eq!(h.state().1, None);
}

#[test]
fn conversation_shows_history_mood_and_countdown() {
    let mut vm = conversation_vm();
    vm.timer = Some(TimerVm {
        left: Duration::from_millis(6_200),
        total: Duration::from_secs(20),
    });
    let mut h = screen_harness(SIZE, vm, conversation::ui);
    // A running countdown keeps asking for frames, so step instead of running to rest.
    h.run_steps(3);
    h.get_by_label("Where is my parcel?");
    h.get_by_label("Let me check.");
    h.get_by_label("It has been four days!");
    h.get_by_label("Upset · 30");
    h.get_by_label_contains("7 s left");
}

fn feedback_vm() -> FeedbackVm {
    FeedbackVm {
        lang: Lang::En,
        high_contrast: false,
        customer: CustomerVm {
            name: "Ms Chen".into(),
            mood: 45,
            mood_label: "Uneasy".into(),
        },
        reply_text: "I'm sorry for the wait.".into(),
        timed_out: false,
        ratings: vec![
            ("Respect".into(), 2),
            ("Moderation".into(), -1),
            ("Self-discipline".into(), 0),
        ],
        mood_before: (30, "Upset".into()),
        mood_after: (45, "Uneasy".into()),
        explanation: "An apology first calms the customer.".into(),
        critical: false,
        cited: vec![CitedRule {
            id: "L9".into(),
            title: "Apologise sincerely".into(),
            text: "Say sorry for the inconvenience, not for the rules.".into(),
        }],
    }
}

#[test]
fn feedback_shows_ratings_mood_change_explanation_and_rules() {
    let mut h = screen_harness(SIZE, feedback_vm(), feedback::ui);
    h.run();
    h.get_by_label("+2 Respect");
    h.get_by_label("−1 Moderation");
    h.get_by_label("0 Self-discipline");
    h.get_by_label("Mood 30 (Upset) to 45 (Uneasy) +15");
    h.get_by_label("An apology first calms the customer.");
    // The rule text appears once its header is expanded.
    assert!(
        h.query_by_label("Say sorry for the inconvenience, not for the rules.")
            .is_none()
    );
    // Trainees read the rule's title, never its id (`L9` is for trainers, in the tooltip).
    assert!(h.query_by_label_contains("L9").is_none());
    h.get_by_label("Apologise sincerely").click();
    h.run();
    h.get_by_label("Say sorry for the inconvenience, not for the rules.");
    assert!(h.query_by_label_contains("L9").is_none());
    assert_eq!(h.state().1, None);
}

#[test]
fn feedback_continues_on_enter_space_or_click() {
    for key in [Key::Enter, Key::Space] {
        let mut h = screen_harness(SIZE, feedback_vm(), feedback::ui);
        h.run();
        h.key_press(key);
        h.run();
        assert_eq!(h.state().1, Some(Action::Continue), "{key:?}");
    }
    let mut h = screen_harness(SIZE, feedback_vm(), feedback::ui);
    h.run();
    h.get_by_label("Continue").click();
    h.run();
    assert_eq!(h.state().1, Some(Action::Continue));
}

fn debrief_vm() -> DebriefVm {
    DebriefVm {
        lang: Lang::En,
        high_contrast: false,
        title: "Lost parcel".into(),
        overall: 72.0,
        pass_mark: 60.0,
        passed: true,
        critical: Vec::new(),
        score_would_pass: true,
        outcome: "Resolved".into(),
        outcome_good: true,
        ending_text: "Ms Chen thanks you.".into(),
        principles: vec![
            PrincipleBar {
                label: "Respect".into(),
                score: Some(80.0),
                below_floor: false,
            },
            PrincipleBar {
                label: "Moderation".into(),
                score: Some(55.0),
                below_floor: true,
            },
            PrincipleBar {
                label: "Self-discipline".into(),
                score: Some(100.0),
                below_floor: false,
            },
            PrincipleBar {
                label: "Compliance".into(),
                score: None,
                below_floor: false,
            },
        ],
        transcript: vec![
            TranscriptStep {
                customer_line: "Where is my parcel?".into(),
                chosen: "Waybill number.".into(),
                critical: false,
                reaction: None,
                timed_out: false,
                total: -1,
                best: Some((
                    "I'm sorry for the wait.".into(),
                    "Apologise before asking.".into(),
                )),
            },
            TranscriptStep {
                customer_line: "Fine.".into(),
                chosen: "Thank you.".into(),
                critical: false,
                reaction: None,
                timed_out: false,
                total: 3,
                best: None,
            },
        ],
    }
}

#[test]
fn debrief_lists_every_principle_and_the_transcript() {
    let mut h = screen_harness(SIZE, debrief_vm(), debrief::ui);
    h.run();
    for p in ["Respect", "Moderation", "Self-discipline", "Compliance"] {
        h.get_by_label(p);
    }
    h.get_by_label("80");
    h.get_by_label("55 · below the minimum");
    h.get_by_label("not assessed");
    h.get_by_label("Passed");
    h.get_by_label("Outcome: Resolved");
    h.get_by_label("“Where is my parcel?”");
    h.get_by_label("You chose: Waybill number. (−1)");
    h.get_by_label("Best reply: I'm sorry for the wait.");
    h.get_by_label("Apologise before asking.");
    h.get_by_label("That was the best reply.");
}

#[test]
fn debrief_retry_and_back() {
    let mut h = screen_harness(SIZE, debrief_vm(), debrief::ui);
    h.run();
    h.get_by_label("Retry").click();
    h.run();
    assert_eq!(h.state().1, Some(Action::Retry));

    let mut h = screen_harness(SIZE, debrief_vm(), debrief::ui);
    h.run();
    h.key_press(Key::R);
    h.run();
    assert_eq!(h.state().1, Some(Action::Retry));

    let mut h = screen_harness(SIZE, debrief_vm(), debrief::ui);
    h.run();
    h.key_press(Key::Enter);
    h.run();
    assert_eq!(h.state().1, Some(Action::BackToLibrary));
}

fn library_vm() -> LibraryVm {
    let card = |t: &str| Card {
        id: t.to_lowercase().replace(' ', "-"),
        title: t.into(),
        category: "Complaints".into(),
        difficulty: "Intermediate".into(),
        minutes: 8,
        principles: vec!["Respect".into(), "Moderation".into()],
        best: None,
    };
    LibraryVm {
        lang: Lang::En,
        trainee: "Li Lei".into(),
        cards: vec![card("Angry customer"), card("Lost parcel")],
    }
}

#[test]
fn library_opens_a_card_by_click_or_digit() {
    let mut h = screen_harness(SIZE, library_vm(), library::ui);
    h.run();
    h.get_by_label("Open Lost parcel").click();
    h.run();
    assert_eq!(
        h.state().1,
        Some(Action::OpenScenario("lost-parcel".into()))
    );

    let mut h = screen_harness(SIZE, library_vm(), library::ui);
    h.run();
    h.key_press(Key::Num1);
    h.run();
    assert_eq!(
        h.state().1,
        Some(Action::OpenScenario("angry-customer".into()))
    );
}

#[test]
fn library_hides_the_best_result_until_records_exist() {
    let mut h = screen_harness(SIZE, library_vm(), library::ui);
    h.run();
    assert!(h.query_by_label_contains("Your best so far").is_none());
    h.get_by_label("Signed in as Li Lei");
    assert_eq!(h.get_all_by_label_contains("about 8 min").count(), 2);

    let mut vm = library_vm();
    vm.cards[0].best = Some("86 · Passed".into());
    let mut h = screen_harness(SIZE, vm, library::ui);
    h.run();
    h.get_by_label("Your best so far: 86 · Passed");
}

fn briefing_vm() -> BriefingVm {
    BriefingVm {
        lang: Lang::En,
        title: "Special medical needs".into(),
        subtitle: "Care · Advanced · about 10 min".into(),
        situation: "A diabetic customer's order is late.".into(),
        customer: "Mr Zhao".into(),
        wants: "His insulin today".into(),
        special_needs: Some("Diabetic; needs insulin cold-chained".into()),
        goal: "Arrange a same-day delivery.".into(),
        timed: true,
    }
}

#[test]
fn briefing_shows_special_needs_and_starts_on_enter() {
    let mut h = screen_harness(SIZE, briefing_vm(), briefing::ui);
    h.run();
    h.get_by_label_contains("Diabetic; needs insulin cold-chained");
    h.get_by_label("Arrange a same-day delivery.");
    h.key_press(Key::Enter);
    h.run();
    assert_eq!(h.state().1, Some(Action::StartConversation));

    let mut h = screen_harness(SIZE, briefing_vm(), briefing::ui);
    h.run();
    h.key_press(Key::Escape);
    h.run();
    assert_eq!(h.state().1, Some(Action::BackToLibrary));
}

#[test]
fn sign_in_needs_a_name_and_carries_the_settings() {
    let form = SignInForm::new(Settings::default());
    let mut h = Harness::builder()
        .with_size(egui::vec2(1000.0, 800.0))
        .build_ui_state(
            |ui, state: &mut (SignInForm, Option<Action>)| {
                if let Some(a) = sign_in::ui(ui, &mut state.0) {
                    state.1 = Some(a);
                }
            },
            (form, None),
        );
    h.run();
    // The form starts in Chinese; switch to English, large text, relaxed timers.
    h.get_by_label("English").click();
    h.run();
    h.get_by_label("Large").click();
    h.get_by_label("Relaxed (×2)").click();
    h.run();
    h.get_by_label("Sign in").click();
    h.run();
    assert_eq!(h.state().1, None, "no name, no sign-in");
    assert!(h.state().0.missing_name);
    h.get_by_label("Enter your name or staff ID to continue.");

    h.state_mut().0.name = "  A1027 ".into();
    h.run();
    h.key_press(Key::Enter);
    h.run();
    assert_eq!(
        h.state().1,
        Some(Action::SignIn {
            name: "A1027".into(),
            settings: Settings {
                lang: Lang::En,
                text_size: TextSize::Large,
                high_contrast: false,
                timers: TimerMode::Relaxed,
            },
        })
    );
}
