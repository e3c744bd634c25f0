//! The app's flow without a window: `App` + `MinimalPlugins` + `StatesPlugin` + the flow
//! plugin, driven by `Action` messages, from sign-in to the debrief and back.
#![cfg(feature = "app")]

mod support;
use support::app::{fixture, flow_app, screen, send};

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use courtesy::app::flow::{
    Action, Catalog, Play, Screen, Seeds, Selected, Settings, TimerMode, Trainee,
};
use courtesy::app::i18n::Lang;
use courtesy::core::model::Outcome;
use courtesy::core::session::Current;
use std::time::{Duration, Instant};

fn app() -> App {
    flow_app(Catalog(vec![fixture()]), |_| {})
}

fn play(app: &App) -> &courtesy::app::flow::Attempt {
    app.world()
        .resource::<Play>()
        .0
        .as_ref()
        .expect("an attempt is running")
}

fn step_id(app: &App) -> String {
    match play(app).session.current() {
        Current::Step(v) => v.step_id.clone(),
        Current::Ended(e) => format!("ended:{}", e.ending_id),
    }
}

fn sign_in(app: &mut App, timers: TimerMode) {
    let settings = Settings {
        lang: Lang::En,
        timers,
        ..Default::default()
    };
    send(
        app,
        Action::SignIn {
            name: "Li Lei".into(),
            settings,
        },
    );
}

#[test]
fn sign_in_to_debrief_and_back() {
    let mut app = app();
    assert_eq!(screen(&app), Screen::SignIn);

    // An empty name is refused.
    send(
        &mut app,
        Action::SignIn {
            name: "   ".into(),
            settings: Settings::default(),
        },
    );
    assert_eq!(screen(&app), Screen::SignIn);

    sign_in(&mut app, TimerMode::Off);
    assert_eq!(screen(&app), Screen::Library);
    assert_eq!(app.world().resource::<Trainee>().name, "Li Lei");
    assert_eq!(app.world().resource::<Settings>().lang, Lang::En);

    // Actions for other screens are ignored.
    send(&mut app, Action::Choose("a".into()));
    send(&mut app, Action::OpenScenario("no-such-scenario".into()));
    assert_eq!(screen(&app), Screen::Library);

    send(&mut app, Action::OpenScenario("scoring-case".into()));
    assert_eq!(screen(&app), Screen::Briefing);
    assert_eq!(
        *app.world().resource::<Selected>(),
        Selected(Some("scoring-case".into()))
    );

    send(&mut app, Action::StartConversation);
    assert_eq!(screen(&app), Screen::Conversation);
    assert_eq!(play(&app).session.seed(), 7);
    assert_eq!(play(&app).session.locale(), "en");
    assert_eq!(step_id(&app), "s1");

    send(&mut app, Action::Choose("a".into()));
    assert_eq!(screen(&app), Screen::Feedback);
    let fb = play(&app).feedback.clone().expect("feedback");
    assert_eq!(fb.reply_id, "a");
    assert_eq!((fb.mood_before, fb.mood_after), (50, 60));
    assert_eq!(fb.explanation, "Good.");
    assert_eq!(play(&app).history.len(), 2);
    assert_eq!(play(&app).history[1].text, "A");

    // Another reply while the feedback shows is ignored.
    send(&mut app, Action::Choose("b".into()));
    assert_eq!(play(&app).session.transcript().len(), 1);

    send(&mut app, Action::Continue);
    assert_eq!(screen(&app), Screen::Conversation);
    assert_eq!(step_id(&app), "s2");

    send(&mut app, Action::Choose("nonsense".into()));
    assert_eq!(
        screen(&app),
        Screen::Conversation,
        "an unknown reply is refused"
    );

    send(&mut app, Action::Choose("x".into()));
    assert_eq!(screen(&app), Screen::Feedback);
    send(&mut app, Action::Continue);
    assert_eq!(screen(&app), Screen::Debrief);
    let result = play(&app).result.clone().expect("a result");
    assert_eq!(result.outcome, Outcome::Resolved);
    let chosen: Vec<_> = result
        .transcript
        .iter()
        .map(|t| t.chosen.as_str())
        .collect();
    assert_eq!(chosen, ["a", "x"]);
    assert_eq!(result.seed, 7);

    // Retry: same scenario, a new seed, a fresh transcript.
    send(&mut app, Action::Retry);
    assert_eq!(screen(&app), Screen::Conversation);
    assert_ne!(play(&app).session.seed(), 7);
    assert!(play(&app).session.transcript().is_empty());
    assert!(play(&app).result.is_none());

    // Play to the end again and go back to the library.
    send(&mut app, Action::Choose("b".into()));
    send(&mut app, Action::Continue);
    send(&mut app, Action::Choose("y".into()));
    send(&mut app, Action::Continue);
    assert_eq!(screen(&app), Screen::Debrief);
    send(&mut app, Action::BackToLibrary);
    assert_eq!(screen(&app), Screen::Library);
    assert!(app.world().resource::<Play>().0.is_none());

    send(&mut app, Action::SignOut);
    assert_eq!(screen(&app), Screen::SignIn);
    assert!(app.world().resource::<Trainee>().name.is_empty());
}

/// Puts the current step's start `secs` seconds in the past.
fn age_step(app: &mut App, secs: u64) {
    let mut play = app.world_mut().resource_mut::<Play>();
    let a = play.0.as_mut().expect("attempt");
    a.step_started = Instant::now()
        .checked_sub(Duration::from_secs(secs))
        .expect("the clock is far enough from its origin");
}

fn start_timed(timers: TimerMode) -> App {
    let mut app = app();
    sign_in(&mut app, timers);
    send(&mut app, Action::OpenScenario("scoring-case".into()));
    send(&mut app, Action::StartConversation);
    assert_eq!(screen(&app), Screen::Conversation);
    app
}

#[test]
fn a_timed_step_times_out_after_its_limit() {
    // s1 has a 20 s limit and `silent` as its timeout reply.
    let mut app = start_timed(TimerMode::Normal);
    age_step(&mut app, 5);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::Conversation);
    age_step(&mut app, 21);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::Feedback);
    let fb = play(&app).feedback.clone().expect("feedback");
    assert!(fb.timed_out);
    assert_eq!(fb.reply_id, "silent");
    assert!(play(&app).history[1].timed_out);
}

#[test]
fn relaxed_timers_double_the_limit_and_off_never_times_out() {
    let mut app = start_timed(TimerMode::Relaxed);
    age_step(&mut app, 30);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::Conversation, "30 s < 2 × 20 s");
    age_step(&mut app, 41);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::Feedback);

    let mut app = start_timed(TimerMode::Off);
    age_step(&mut app, 3_600);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::Conversation);
}

/// The flow app with a records store in `dir` (recording on, as in the training room).
fn recorded_app(dir: &std::path::Path) -> App {
    use courtesy::app::records::RecordStore;
    let store = courtesy::core::records::Store::open_in(dir).expect("store");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin))
        .insert_resource(Catalog(vec![fixture()]))
        .insert_resource(Seeds::starting_at(7))
        .insert_resource(RecordStore::with_store(store))
        .add_plugins(courtesy::app::flow_plugin);
    app.update();
    app
}

fn statuses(dir: &std::path::Path) -> Vec<courtesy::core::records::AttemptStatus> {
    let reader = courtesy::core::records::Store::open_in(dir).expect("reader");
    reader
        .attempts(&courtesy::core::records::Filter::all(), 10)
        .expect("attempts")
        .into_iter()
        .map(|a| a.status)
        .collect()
}

#[test]
fn leaving_a_conversation_records_it_abandoned() {
    use courtesy::core::records::AttemptStatus;
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut app = recorded_app(tmp.path());
    sign_in(&mut app, TimerMode::Off);
    send(&mut app, Action::OpenScenario("scoring-case".into()));
    send(&mut app, Action::StartConversation);
    send(&mut app, Action::Choose("a".into()));
    assert_eq!(screen(&app), Screen::Feedback);
    send(&mut app, Action::Continue);
    assert_eq!(statuses(tmp.path()), [AttemptStatus::InProgress]);

    // Leaving is only for a conversation under way.
    send(&mut app, Action::LeaveConversation);
    assert_eq!(screen(&app), Screen::Library);
    assert!(app.world().resource::<Play>().0.is_none());
    app.update();
    assert_eq!(statuses(tmp.path()), [AttemptStatus::Abandoned]);

    // From the feedback screen too; and a finished attempt is never marked abandoned.
    send(&mut app, Action::OpenScenario("scoring-case".into()));
    send(&mut app, Action::StartConversation);
    send(&mut app, Action::Choose("a".into()));
    send(&mut app, Action::LeaveConversation);
    assert_eq!(screen(&app), Screen::Library);
    app.update();
    assert_eq!(
        statuses(tmp.path()),
        [AttemptStatus::Abandoned, AttemptStatus::Abandoned]
    );
    send(&mut app, Action::LeaveConversation);
    assert_eq!(
        screen(&app),
        Screen::Library,
        "nothing to leave in the library"
    );
}

#[test]
fn signing_out_clears_the_sign_in_form() {
    use courtesy::app::screens::sign_in::{SignInForm, reset_on_arrival};
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin))
        .insert_resource(Catalog(vec![fixture()]))
        .init_resource::<SignInForm>()
        .add_plugins(courtesy::app::flow_plugin)
        .add_systems(OnEnter(Screen::SignIn), reset_on_arrival);
    app.update();
    {
        let mut form = app.world_mut().resource_mut::<SignInForm>();
        form.name = "Li Lei".into();
        form.pin = "4821".into();
        form.focused = true;
    }
    sign_in(&mut app, TimerMode::Off);
    assert_eq!(screen(&app), Screen::Library);
    send(&mut app, Action::SignOut);
    assert_eq!(screen(&app), Screen::SignIn);
    let form = app.world().resource::<SignInForm>();
    assert!(
        form.name.is_empty(),
        "the last name is still there: {:?}",
        form.name
    );
    assert!(form.pin.is_empty());
    assert!(!form.focused, "the name field is focused again on arrival");
    assert_eq!(form.settings.lang, Lang::En, "the settings stay");
}
