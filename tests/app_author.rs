//! Author preview mode: the screen's buttons and map (egui_kittest) and the preview flow
//! (headless bevy): start from a chosen step and mood, go back, restart, never recorded.
#![cfg(feature = "app")]

mod support;
use support::app::{fixture, flow_app, screen, send, sign_in_as};

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use bevy_egui::egui;
use courtesy::app::author::{
    self, AuthorAction, AuthorMode, AuthorVm, Preview, PreviewSpec, reply_details,
};
use courtesy::app::flow::{Action, Catalog, Play, Screen, Seeds, Selected, Settings};
use courtesy::app::i18n::Lang;
use courtesy::core::session::Current;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn settings() -> Settings {
    Settings {
        lang: Lang::En,
        ..Default::default()
    }
}

/// Signs `name` in, opens the fixture and starts it from its briefing: the screen that
/// shows then.
fn start_as(app: &mut App, name: &str) -> Screen {
    sign_in_as(app, name, settings());
    send(app, Action::OpenScenario("scoring-case".into()));
    send(app, Action::StartConversation);
    screen(app)
}

/// The author view model of a preview of the fixture after `choices`.
fn vm(spec: PreviewSpec) -> AuthorVm {
    let entry = fixture();
    let a = author::preview_attempt(&entry, Lang::En, &spec).expect("preview starts");
    author::view_model(
        &Play(Some(a)),
        &Preview(Some(spec)),
        &Catalog(vec![entry]),
        &settings(),
    )
    .expect("a view model")
}

fn harness<'a>(vm: AuthorVm) -> Harness<'a, (AuthorVm, Option<AuthorAction>)> {
    support::app::screen_harness(egui::vec2(1400.0, 900.0), vm, author::ui)
}

#[test]
fn replies_show_ratings_mood_and_target_before_choosing() {
    let v = vm(PreviewSpec::from_start(&fixture(), 3));
    assert_eq!(v.at, "s1");
    assert_eq!(v.mood, 50);
    let a = v.replies.iter().find(|r| r.id == "a").expect("reply a");
    assert_eq!(a.total, 3);
    assert_eq!(a.mood, 10);
    assert!(!a.target.is_empty());
    let details = reply_details(Lang::En, a);
    assert!(details.contains("Respect +2"), "{details}");
    assert!(details.contains("total +3"), "{details}");
    assert!(details.contains("mood +10"), "{details}");
    assert!(
        details.contains(&format!("next: {}", a.target)),
        "{details}"
    );
    let zh = reply_details(Lang::Zh, a);
    assert!(zh.contains("合计 +3") && zh.contains("情绪 +10"), "{zh}");

    let mut h = harness(v.clone());
    h.run();
    for r in &v.replies {
        assert!(
            h.query_by_label(&reply_details(Lang::En, r)).is_some(),
            "details of {} shown",
            r.id
        );
    }
    assert!(h.query_by_label("At s1 · mood 50 · seed 3").is_some());
    h.get_by_label("A").click();
    h.run();
    assert_eq!(h.state().1, Some(AuthorAction::Choose("a".into())));
}

#[test]
fn back_restart_and_start_from_buttons() {
    let mut spec = PreviewSpec::from_start(&fixture(), 3);
    spec.choices.push("a".into());
    spec.pick_step = "s2".into();
    spec.pick_mood = 20;
    let v = vm(spec);
    assert!(v.can_back);
    for (label, want) in [
        ("Back a step", AuthorAction::Back),
        ("Restart (same seed)", AuthorAction::Restart),
        ("Restart (new seed)", AuthorAction::RestartNewSeed),
        (
            "Preview from here",
            AuthorAction::StartFrom {
                step: "s2".into(),
                mood: 20,
            },
        ),
        ("Back to the library", AuthorAction::Exit),
    ] {
        let mut h = harness(v.clone());
        h.run();
        h.get_by_label(label).click();
        h.run();
        assert_eq!(h.state().1, Some(want), "{label}");
    }
}

#[test]
fn clicking_a_step_on_the_map_previews_from_there() {
    let mut spec = PreviewSpec::from_start(&fixture(), 3);
    spec.pick_mood = 35;
    let v = vm(spec);
    assert!(
        v.map
            .nodes
            .iter()
            .any(|n| n.id == "done" && n.ending == Some(true))
    );
    assert_eq!(v.map.current.as_deref(), Some("s1"));
    let mut h = harness(v);
    h.run();
    let n = h.get_by_label("Preview from step s2");
    n.click();
    h.run();
    assert_eq!(
        h.state().1,
        Some(AuthorAction::StartFrom {
            step: "s2".into(),
            mood: 35
        })
    );
}

#[test]
fn the_library_toggle_turns_author_mode_on() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(400.0, 100.0))
        .build_ui_state(
            |ui, state: &mut (bool, Option<AuthorAction>)| {
                if let Some(a) = author::toggle_ui(ui, Lang::Zh, state.0) {
                    state.1 = Some(a);
                }
            },
            (false, None),
        );
    h.run();
    h.get_by_label("作者模式（培训师）").click();
    h.run();
    assert_eq!(h.state().1, Some(AuthorAction::SetMode(true)));
}

// ---- the flow, headless ----

fn app() -> App {
    flow_app(Catalog(vec![fixture()]), |app| {
        app.insert_resource(AuthorMode(true));
    })
}

fn author(app: &mut App, action: AuthorAction) {
    app.world_mut().write_message(action);
    app.update();
    app.update();
}

fn current(app: &App) -> Current {
    app.world()
        .resource::<Play>()
        .0
        .as_ref()
        .expect("a preview")
        .session
        .current()
        .clone()
}

#[test]
fn preview_from_a_chosen_step_and_mood_and_back_reproduces_it() {
    let mut app = app();
    assert_eq!(start_as(&mut app, "Trainer"), Screen::Author);
    let a = app.world().resource::<Play>().0.as_ref().expect("preview");
    assert!(a.preview, "an author's attempt is a preview");
    assert!(a.result.is_none());

    author(
        &mut app,
        AuthorAction::StartFrom {
            step: "s2".into(),
            mood: 20,
        },
    );
    let Current::Step(at_s2) = current(&app) else {
        panic!("at a step")
    };
    assert_eq!(at_s2.step_id, "s2");
    assert_eq!(at_s2.mood, 20);

    let reply = at_s2.replies[0].id.clone();
    author(&mut app, AuthorAction::Choose(reply));
    assert_ne!(current(&app), Current::Step(at_s2.clone()));
    author(&mut app, AuthorAction::Back);
    assert_eq!(
        current(&app),
        Current::Step(at_s2.clone()),
        "back reproduces the step exactly, same offered order"
    );
    assert!(
        app.world()
            .resource::<Play>()
            .0
            .as_ref()
            .expect("preview")
            .session
            .transcript()
            .is_empty()
    );

    // Restart with the same seed: the same state again; a new seed changes the seed.
    author(&mut app, AuthorAction::Restart);
    assert_eq!(current(&app), Current::Step(at_s2));
    let seed = app.world().resource::<Preview>().0.as_ref().map(|s| s.seed);
    author(&mut app, AuthorAction::RestartNewSeed);
    let spec = app.world().resource::<Preview>().0.clone().expect("spec");
    assert_ne!(Some(spec.seed), seed);
    assert_eq!((spec.start_step.as_str(), spec.start_mood), ("s2", 20));

    // An unknown step is refused and the preview stays as it was.
    author(
        &mut app,
        AuthorAction::StartFrom {
            step: "nope".into(),
            mood: 50,
        },
    );
    assert_eq!(
        app.world()
            .resource::<Preview>()
            .0
            .as_ref()
            .map(|s| s.start_step.clone()),
        Some("s2".into())
    );

    author(&mut app, AuthorAction::Exit);
    assert_eq!(screen(&app), Screen::Library);
    assert!(app.world().resource::<Play>().0.is_none());
    assert_eq!(
        *app.world().resource::<Selected>(),
        Selected(Some("scoring-case".into()))
    );
}

#[test]
fn without_author_mode_the_briefing_starts_a_normal_attempt() {
    let mut app = app();
    app.insert_resource(AuthorMode(false));
    assert_eq!(start_as(&mut app, "Li Lei"), Screen::Conversation);
    let a = app.world().resource::<Play>().0.as_ref().expect("attempt");
    assert!(!a.preview);
}

#[test]
fn the_map_alone_returns_the_clicked_step() {
    let v = vm(PreviewSpec::from_start(&fixture(), 3));
    let mut h = Harness::builder()
        .with_size(egui::vec2(900.0, 400.0))
        .build_ui_state(
            |ui, state: &mut (courtesy::app::map::MapVm, Option<String>)| {
                if let Some(a) = courtesy::app::map::ui(ui, &state.0) {
                    state.1 = Some(a);
                }
            },
            (v.map.clone(), None),
        );
    h.run();
    let n = h.get_by_label("Preview from step s2");
    n.click();
    h.run();
    assert_eq!(h.state().1.as_deref(), Some("s2"));
}

#[test]
fn previews_are_never_recorded() {
    use courtesy::app::records::RecordStore;
    use courtesy::core::records::{Filter, Store};
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_in(dir.path()).expect("store");
    let reader = Store::open_in(dir.path()).expect("second handle");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin))
        .insert_resource(Catalog(vec![fixture()]))
        .insert_resource(Seeds::starting_at(7))
        .insert_resource(AuthorMode(true))
        .insert_resource(RecordStore::with_store(store))
        .add_plugins(courtesy::app::flow_plugin);
    app.update();
    assert_eq!(start_as(&mut app, "Trainer"), Screen::Author);
    author(&mut app, AuthorAction::Choose("a".into()));
    let Current::Step(v) = current(&app) else {
        panic!("at a step")
    };
    author(&mut app, AuthorAction::Choose(v.replies[0].id.clone()));
    assert!(matches!(current(&app), Current::Ended(_)));
    author(&mut app, AuthorAction::Back);
    author(&mut app, AuthorAction::Exit);
    let list = reader.attempts(&Filter::all(), 10).expect("attempts");
    assert!(list.is_empty(), "a preview left records: {list:?}");
}

#[test]
fn a_reload_problem_carries_the_validators_hint() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/scoring-case.ron"
    ))
    .expect("fixture")
    .replacen("next: \"s2\"", "nxt: \"s2\"", 1);
    std::fs::write(tmp.path().join("case.ron"), src).expect("write");
    let r = courtesy::app::hot_reload::Reloader::new(tmp.path());
    let s = r.snapshot();
    let p = s.problems.first().expect("a problem");
    assert!(
        p.one_line().contains("did you mean `next`"),
        "the CLI's hint is shown: {}",
        p.one_line()
    );
}

#[test]
fn the_problems_show_inside_the_author_screen_and_can_be_dismissed() {
    let mut v = vm(PreviewSpec::from_start(&fixture(), 3));
    v.problems = Some(courtesy::app::hot_reload::ReloadPanel {
        problems: vec![courtesy::core::diagnostics::Finding::at(
            courtesy::core::diagnostics::Code::E002,
            std::path::Path::new("case.ron"),
            "(\n  a: 1,\n    nxt: \"s2\",\n)",
            (16, 19),
            "unknown field `nxt`".into(),
            Some("did you mean `next`?".into()),
        )],
        notice: None,
        dismissed: false,
    });
    let mut h = harness(v);
    h.run();
    let problem = h.get_by_label_contains("did you mean `next`?");
    let problem_bottom = problem.rect().max.y;
    // Above the replies, not over them.
    let reply = h.get_by_label_contains("[a]");
    assert!(
        reply.rect().min.y > problem_bottom,
        "the replies start below the problems"
    );
    h.get_by_label("Dismiss").click();
    h.run();
    assert_eq!(h.state().1, Some(AuthorAction::DismissProblems));
}
