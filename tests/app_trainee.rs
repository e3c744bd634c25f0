//! The trainee's loop as egui_kittest sees it, with the app's own fonts and text sizes at
//! 1280×800: the newest customer line stays in view after every step and feedback, the
//! transcript scrolls with keys, the status bar covers nothing, Esc leaves with a confirm.
#![cfg(feature = "app")]

mod support;
use support::app::themed;

use bevy_egui::egui::{self, Key, accesskit::Role};
use courtesy::app::flow::{
    Action, Attempt, Catalog, Play, Screen, Selected, Settings, TextSize, Trainee,
};
use courtesy::app::i18n::{Lang, T};
use courtesy::app::loader::{self, CatalogEntry};
use courtesy::app::screens::{self, briefing, conversation, debrief, feedback, library, sign_in};
use courtesy::app::sync_status::StatusVm;
use courtesy::core::lrs::{SyncState, SyncStatus};
use courtesy::core::session::Current;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

const W: f32 = 1280.0;
const H: f32 = 800.0;

fn shipped() -> Vec<CatalogEntry> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let (catalog, skipped) = loader::load_dir(&dir).expect("the shipped scenarios load");
    assert!(skipped.is_empty(), "skipped: {skipped:?}");
    catalog
}

/// What the harness plays: the attempt and which screen of the loop shows.
struct Loop {
    play: Play,
    catalog: Catalog,
    settings: Settings,
    screen: Screen,
    action: Option<Action>,
}

fn loop_harness<'a>(state: Loop) -> Harness<'a, Loop> {
    let settings = state.settings;
    let h = Harness::builder()
        .with_size(egui::vec2(W, H))
        .with_max_steps(60)
        .build_ui_state(
            |ui, s: &mut Loop| {
                let out = match s.screen {
                    Screen::Conversation => {
                        conversation::view_model(&s.play, &s.catalog, &s.settings)
                            .and_then(|vm| conversation::ui(ui, &vm))
                    }
                    Screen::Feedback => feedback::view_model(&s.play, &s.catalog, &s.settings)
                        .and_then(|vm| feedback::ui(ui, &vm)),
                    _ => None,
                };
                if out.is_some() {
                    s.action = out;
                }
            },
            state,
        );
    themed(&h.ctx, &settings);
    h
}

/// The loop harness showing the conversation of attempt `a` at `entry`, run once.
fn at_conversation(a: Attempt, entry: &CatalogEntry, settings: Settings) -> Harness<'static, Loop> {
    let mut h = loop_harness(Loop {
        play: Play(Some(a)),
        catalog: Catalog(vec![entry.clone()]),
        settings,
        screen: Screen::Conversation,
        action: None,
    });
    h.run();
    h
}

/// Presses `key` and runs the harness until it settles.
fn press<S>(h: &mut Harness<'_, S>, key: Key) {
    h.key_press(key);
    h.run();
}

/// Checks that the loop harness has no action to do (`what` went wrong when it has).
fn assert_no_action(h: &Harness<'_, Loop>, what: &str) {
    assert_eq!(h.state().action, None, "{what}");
}

/// Settings in every language at every text size.
fn every_setting() -> impl Iterator<Item = Settings> {
    Lang::ALL.into_iter().flat_map(|lang| {
        TextSize::ALL.into_iter().map(move |text_size| Settings {
            lang,
            text_size,
            ..Default::default()
        })
    })
}

/// The shipped scenario `id` in `catalog`.
fn find<'c>(catalog: &'c [CatalogEntry], id: &str) -> &'c CatalogEntry {
    catalog
        .iter()
        .find(|e| e.scenario.id == id)
        .unwrap_or_else(|| panic!("no scenario {id}"))
}

/// The visible part of the transcript, as the conversation screen left it.
fn view(h: &Harness<'_, Loop>) -> egui::Rect {
    h.ctx
        .data(|d| d.get_temp::<egui::Rect>(conversation::transcript_view_id()))
        .expect("the conversation stored its transcript view")
}

fn current_line(a: &Attempt) -> String {
    match a.session.current() {
        Current::Step(v) => v.customer_line.clone(),
        Current::Ended(_) => panic!("the conversation has ended"),
    }
}

/// Asserts that the customer's newest line is drawn inside the visible transcript.
fn assert_newest_in_view(h: &Harness<'_, Loop>, what: &str) {
    let a = h.state().play.0.as_ref().expect("attempt");
    let line = current_line(a);
    let view = view(h);
    let rect = h
        .get_all_by_label(&line)
        .last()
        .unwrap_or_else(|| panic!("{what}: the newest line `{line}` is not drawn"))
        .rect();
    assert!(
        rect.top() >= view.top() - 1.0 && rect.bottom() <= view.bottom() + 1.0,
        "{what}: the newest customer line {rect:?} is outside the visible transcript {view:?}"
    );
}

/// The longest path through `entry` with the first offered reply at each step, played
/// as the app plays it (conversation, feedback, conversation …), checking the newest
/// line after each step.
fn play_checking(entry: &CatalogEntry, settings: Settings) -> usize {
    let a = Attempt::start(entry, 11, settings.lang).expect("start");
    let mut h = at_conversation(a, entry, settings);
    let mut steps = 0;
    loop {
        let what = format!(
            "{} at {:?}/{:?}, step {}",
            entry.scenario.id,
            settings.text_size,
            settings.lang,
            steps + 1
        );
        assert_newest_in_view(&h, &what);
        // Pick the first reply with its key, as a keyboard user does.
        press(&mut h, Key::Num1);
        let chosen = h.state_mut().action.take();
        let Some(Action::Choose(id)) = chosen else {
            panic!("{what}: key 1 did not choose a reply: {chosen:?}");
        };
        let s = h.state_mut();
        let a = s.play.0.as_mut().expect("attempt");
        a.answer(Some(&id)).expect("answer");
        s.screen = Screen::Feedback;
        h.run();
        press(&mut h, Key::Enter);
        assert_eq!(
            h.state_mut().action.take(),
            Some(Action::Continue),
            "{what}"
        );
        steps += 1;
        let s = h.state_mut();
        let a = s.play.0.as_mut().expect("attempt");
        if a.proceed().expect("proceed") == Screen::Debrief {
            return steps;
        }
        s.screen = Screen::Conversation;
        h.run();
    }
}

#[test]
fn the_newest_customer_line_stays_in_view_at_every_step_and_text_size() {
    let catalog = shipped();
    // The scenarios with the most text per step fill the transcript fastest.
    let mut longest = 0;
    for id in ["public-complaint", "provocative-chat", "home-visit"] {
        let entry = find(&catalog, id);
        for settings in every_setting() {
            longest = longest.max(play_checking(entry, settings));
        }
    }
    assert!(longest >= 5, "only {longest} steps: not a long enough test");
}

#[test]
fn the_transcript_scrolls_with_home_end_and_page_keys() {
    let catalog = shipped();
    let entry = find(&catalog, "public-complaint");
    let settings = Settings {
        lang: Lang::En,
        text_size: TextSize::ExtraLarge,
        ..Default::default()
    };
    let mut a = Attempt::start(entry, 11, settings.lang).expect("start");
    for _ in 0..3 {
        let id = match a.session.current() {
            Current::Step(v) => v.replies[0].id.clone(),
            Current::Ended(_) => panic!("ended early"),
        };
        a.answer(Some(&id)).expect("answer");
        assert_eq!(a.proceed().expect("proceed"), Screen::Conversation);
    }
    let first = a.history[0].text.clone();
    let newest = current_line(&a);
    let mut h = at_conversation(a, entry, settings);
    let inside = |h: &Harness<'_, Loop>, text: &str| {
        let r = h.get_all_by_label(text).next().expect("drawn").rect();
        let v = view(h);
        r.bottom() > v.top() && r.top() < v.bottom()
    };
    assert!(inside(&h, &newest), "opens on the newest line");
    assert!(
        !inside(&h, &first),
        "the first line is scrolled away at this size"
    );
    press(&mut h, Key::Home);
    assert!(inside(&h, &first), "Home shows the first line");
    assert!(!inside(&h, &newest), "… and not the newest");
    let top = |h: &Harness<'_, Loop>| {
        h.get_all_by_label(&first)
            .next()
            .expect("drawn")
            .rect()
            .top()
    };
    let before = top(&h);
    press(&mut h, Key::PageDown);
    let moved = before - top(&h);
    assert!(
        moved >= view(&h).height() * 0.5,
        "PageDown scrolls most of a page: moved {moved} of {}",
        view(&h).height()
    );
    press(&mut h, Key::End);
    assert!(inside(&h, &newest), "End shows the newest line again");
    press(&mut h, Key::PageUp);
    assert!(!inside(&h, &newest), "PageUp moves back");
    assert_eq!(h.state().action, None, "scrolling chose nothing");
}

/// A status that has something to say (the longest line the bar shows).
fn busy_status(lang: Lang) -> StatusVm {
    StatusVm {
        lang,
        sync: Some(SyncStatus {
            state: SyncState::Retrying,
            endpoint: None,
            pending: 37,
            parked: 0,
            sent: 0,
            last_error: Some("could not reach the LRS".into()),
            last_success_ms: None,
            next_try_ms: None,
            failures: 2,
        }),
        ..Default::default()
    }
}

/// Draws `screen` (named `name`) under the app's status bar at 1280×800 and checks that
/// the status is in the window and that the screen's fixed buttons and key hint
/// (`must_see`) are in view above it, none covered.
fn assert_status_covers_nothing(
    name: &str,
    settings: Settings,
    must_see: &[T],
    mut screen: impl FnMut(&mut egui::Ui) -> Option<Action>,
) {
    let what = format!("{name} at {:?}/{:?}", settings.text_size, settings.lang);
    let status = busy_status(settings.lang);
    let line = T::StatusRetrying.get(settings.lang);
    let mut h = Harness::builder()
        .with_size(egui::vec2(W, H))
        .with_max_steps(60)
        .build_ui(move |ui| {
            screens::frame(ui, Some(&status), &mut screen);
        });
    themed(&h.ctx, &settings);
    h.run();
    let badge = h.get_by_label(line).rect();
    // (kittest draws inside its own panel margin: allow a pixel or two.)
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(W, H)).expand(2.0);
    assert!(
        window.contains_rect(badge),
        "{what}: the status {badge:?} is off the window"
    );
    // Buttons in scroll areas may lie below the bar, scrolled out of view (and clipped);
    // the ones a screen keeps in place, and its key hint, must be in view above it.
    for label in must_see.iter().map(|t| t.get(settings.lang)) {
        let nodes: Vec<_> = h
            .get_all_by_label(label)
            .map(|n| (n.rect(), n.accesskit_node().role()))
            .collect();
        for (r, role) in nodes {
            assert!(
                !r.intersects(badge) && r.bottom() <= badge.top() + 0.5,
                "{what}: the {role:?} `{label}` {r:?} is covered by or below the status {badge:?}"
            );
        }
    }
    let buttons = h.get_all_by_role(Role::Button).count();
    assert!(buttons > 0, "{what}: no buttons found");
}

#[test]
fn the_status_bar_covers_no_button_on_any_screen() {
    let catalog = Catalog(shipped());
    let entry = find(&catalog.0, "special-medical-needs").clone();
    for settings in every_setting() {
        let lang = settings.lang;
        let mut form = sign_in::SignInForm::new(settings);
        assert_status_covers_nothing("sign-in", settings, &[T::SignIn], move |ui| {
            sign_in::ui(ui, &mut form)
        });
        let trainee = Trainee {
            name: "Li Lei".into(),
        };
        let vm = library::view_model(&catalog, &trainee, &settings);
        assert_status_covers_nothing(
            "library",
            settings,
            &[T::HintLibrary, T::SignOut],
            move |ui| library::ui(ui, &vm),
        );
        let vm = briefing::view_model(
            &catalog,
            &Selected(Some(entry.scenario.id.clone())),
            &settings,
        )
        .expect("briefing");
        assert_status_covers_nothing(
            "briefing",
            settings,
            &[T::HintBriefing, T::Start, T::BackToLibrary],
            move |ui| briefing::ui(ui, &vm),
        );
        // A conversation two steps in, a feedback, and the debrief at the end.
        let first_reply = |a: &Attempt| match a.session.current() {
            Current::Step(v) => v.replies[0].id.clone(),
            Current::Ended(_) => panic!("ended early"),
        };
        let mut a = Attempt::start(&entry, 5, lang).expect("start");
        for _ in 0..2 {
            a.answer(Some(&first_reply(&a))).expect("answer");
            assert_eq!(a.proceed().expect("proceed"), Screen::Conversation);
        }
        let vm =
            conversation::view_model(&Play(Some(a)), &catalog, &settings).expect("conversation");
        assert_status_covers_nothing(
            "conversation",
            settings,
            &[T::HintConversation],
            move |ui| conversation::ui(ui, &vm),
        );
        let mut a = Attempt::start(&entry, 5, lang).expect("start");
        a.answer(Some(&first_reply(&a))).expect("answer");
        let mut play = Play(Some(a));
        let vm = feedback::view_model(&play, &catalog, &settings).expect("feedback");
        assert_status_covers_nothing(
            "feedback",
            settings,
            &[T::HintContinue, T::Continue],
            move |ui| feedback::ui(ui, &vm),
        );
        let mut a = play.0.take().expect("attempt");
        while a.proceed().expect("proceed") != Screen::Debrief {
            a.answer(Some(&first_reply(&a))).expect("answer");
        }
        play.0 = Some(a);
        let vm = debrief::view_model(&play, &catalog, &settings).expect("debrief");
        assert_status_covers_nothing(
            "debrief",
            settings,
            &[T::HintDebrief, T::Retry, T::BackToLibrary],
            move |ui| debrief::ui(ui, &vm),
        );
    }
}

/// A conversation two steps into lost-parcel, as the loop harness plays it.
fn loop_at_conversation(lang: Lang) -> Harness<'static, Loop> {
    let catalog = shipped();
    let entry = find(&catalog, "lost-parcel");
    let settings = Settings {
        lang,
        ..Default::default()
    };
    let a = Attempt::start(entry, 3, lang).expect("start");
    at_conversation(a, entry, settings)
}

#[test]
fn esc_asks_before_leaving_a_conversation() {
    let mut h = loop_at_conversation(Lang::En);
    press(&mut h, Key::Escape);
    h.get_by_label("Leave this conversation?");
    h.get_by_label_contains("The reply timer keeps running");
    // The replies' keys are off while it asks.
    press(&mut h, Key::Num1);
    assert_no_action(&h, "a digit chose a reply behind the question");
    // Enter keeps going (the safe button has the focus).
    press(&mut h, Key::Enter);
    assert!(h.query_by_label("Leave this conversation?").is_none());
    assert_no_action(&h, "the question closed, still playing");
    // Esc again, then Esc once more: closed, still playing.
    press(&mut h, Key::Escape);
    h.get_by_label("Leave this conversation?");
    press(&mut h, Key::Escape);
    assert!(h.query_by_label("Leave this conversation?").is_none());
    assert_no_action(&h, "the question closed, still playing");
    // Tab to Leave and press Enter: the action to leave.
    press(&mut h, Key::Escape);
    press(&mut h, Key::Tab);
    press(&mut h, Key::Enter);
    assert_eq!(h.state().action, Some(Action::LeaveConversation));

    // The same question on the feedback screen, in Chinese; a click on 离开 leaves.
    let mut h = loop_at_conversation(Lang::Zh);
    press(&mut h, Key::Num1);
    let Some(Action::Choose(id)) = h.state_mut().action.take() else {
        panic!("no reply chosen")
    };
    let s = h.state_mut();
    s.play
        .0
        .as_mut()
        .expect("attempt")
        .answer(Some(&id))
        .expect("answer");
    s.screen = Screen::Feedback;
    h.run();
    press(&mut h, Key::Escape);
    h.get_by_label("要离开这次对话吗？");
    // Space presses the focused 继续对话 (keep going), not the screen's Continue.
    press(&mut h, Key::Space);
    assert_no_action(&h, "Space continued behind the question");
    assert!(h.query_by_label("要离开这次对话吗？").is_none());
    press(&mut h, Key::Escape);
    h.get_by_label("离开").click();
    h.run();
    assert_eq!(h.state().action, Some(Action::LeaveConversation));
}

#[test]
fn esc_on_the_debrief_goes_back_to_the_library() {
    let catalog = Catalog(shipped());
    let settings = Settings {
        lang: Lang::En,
        ..Default::default()
    };
    let i = catalog
        .0
        .iter()
        .position(|e| e.scenario.id == "lost-parcel")
        .expect("lost-parcel");
    let mut a = Attempt::start(&catalog.0[i], 3, Lang::En).expect("start");
    loop {
        let id = match a.session.current() {
            Current::Step(v) => v.replies[0].id.clone(),
            Current::Ended(_) => unreachable!(),
        };
        a.answer(Some(&id)).expect("answer");
        if a.proceed().expect("proceed") == Screen::Debrief {
            break;
        }
    }
    let vm = debrief::view_model(&Play(Some(a)), &catalog, &settings).expect("debrief");
    let mut h = Harness::builder()
        .with_size(egui::vec2(W, H))
        .build_ui_state(
            |ui, s: &mut (debrief::DebriefVm, Option<Action>)| {
                if let Some(a) = debrief::ui(ui, &s.0) {
                    s.1 = Some(a);
                }
            },
            (vm, None),
        );
    h.run();
    press(&mut h, Key::Escape);
    assert_eq!(h.state().1, Some(Action::BackToLibrary));
}

#[test]
fn the_sign_in_form_is_empty_and_focused_for_the_next_person() {
    let settings = Settings {
        lang: Lang::En,
        text_size: TextSize::Large,
        ..Default::default()
    };
    let mut form = sign_in::SignInForm::new(settings);
    form.name = "Li Lei".into();
    form.pin = "4821".into();
    form.bad_name = Some("wrong PIN".into());
    form.focused = true;
    form.arrive(settings);
    assert!(form.name.is_empty() && form.pin.is_empty() && form.bad_name.is_none());
    assert_eq!(form.settings, settings, "the settings stay");
    let mut h = Harness::builder()
        .with_size(egui::vec2(W, H))
        .build_ui_state(
            |ui, s: &mut (sign_in::SignInForm, Option<Action>)| {
                if let Some(a) = sign_in::ui(ui, &mut s.0) {
                    s.1 = Some(a);
                }
            },
            (form, None),
        );
    themed(&h.ctx, &settings);
    h.run();
    let name_field = h
        .get_all_by_role(Role::TextInput)
        .next()
        .expect("the name field");
    assert!(
        name_field.is_focused(),
        "the name field has the keyboard focus"
    );
    // Typing goes straight into it, Enter signs in.
    h.event(egui::Event::Text("A1027".into()));
    h.run();
    press(&mut h, Key::Enter);
    assert!(
        matches!(&h.state().1, Some(Action::SignIn { name, .. }) if name == "A1027"),
        "{:?}",
        h.state().1
    );
}
