//! Attempt records and the manager's area: egui_kittest tests of the manager screens and the library's best result, and flow tests (recording step by step into a temp store, the inactivity lock).
#![cfg(feature = "app")]

mod support;
use support::app::{fixture, flow_app, screen, send, wait_idle};

use bevy::prelude::*;
use bevy_egui::egui;
use courtesy::app::flow::{Action, Catalog, Screen, Settings, TimerMode};
use courtesy::app::i18n::Lang;
use courtesy::app::manager::{DashFilter, Dashboard, Manager, ManagerAction};
use courtesy::app::records::RecordStore;
use courtesy::app::screens::library::{self, Card, LibraryVm};
use courtesy::app::screens::manager::{self, DashboardVm, DrillStep, DrillVm, PasswordForm, Tab};
use courtesy::core::model::Principle;
use courtesy::core::records::{
    AttemptStatus, CohortAverages, Filter, PrincipleAverage, Store, TraineeRow,
};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

// ---- pure UI ---------------------------------------------------------------------

fn password_harness(form: PasswordForm) -> Harness<'static, (PasswordForm, Option<ManagerAction>)> {
    Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        .build_ui_state(
            |ui, state: &mut (PasswordForm, Option<ManagerAction>)| {
                if let Some(a) = manager::password_ui(ui, &mut state.0) {
                    state.1 = Some(a);
                }
            },
            (form, None),
        )
}

#[test]
fn first_use_asks_for_the_password_twice() {
    let mut h = password_harness(PasswordForm {
        lang: Lang::En,
        first_use: true,
        password: "correct horse".into(),
        confirm: "correct horse".into(),
        ..Default::default()
    });
    h.run();
    h.get_by_label("Password again");
    h.get_by_label("Set password").click();
    h.run();
    assert_eq!(
        h.state().1,
        Some(ManagerAction::SetPassword {
            password: "correct horse".into(),
            confirm: "correct horse".into()
        })
    );
}

#[test]
fn unlock_sends_the_password_and_leave_leaves() {
    let mut h = password_harness(PasswordForm {
        lang: Lang::Zh,
        password: "s3cret-pass".into(),
        ..Default::default()
    });
    h.run();
    assert!(h.query_by_label("再次输入密码").is_none());
    h.get_by_label("解锁").click();
    h.run();
    assert_eq!(
        h.state().1,
        Some(ManagerAction::Unlock("s3cret-pass".into()))
    );
    h.get_by_label("锁定并退出").click();
    h.run();
    assert_eq!(h.state().1, Some(ManagerAction::Leave));
}

fn dashboard_vm() -> DashboardVm {
    let mut principles = BTreeMap::new();
    principles.insert(
        Principle::Respect,
        PrincipleAverage {
            mean: 71.0,
            attempts: 3,
        },
    );
    principles.insert(
        Principle::Moderation,
        PrincipleAverage {
            mean: 55.0,
            attempts: 3,
        },
    );
    let row = |name: &str, weakest| TraineeRow {
        trainee: name.into(),
        attempts: 2,
        finished: 2,
        abandoned: 0,
        passed: 1,
        first_overall: Some(50.0),
        last_overall: Some(80.0),
        best_overall: Some(80.0),
        improvement: Some(30.0),
        // The weakest principle is the lower one (shown because it is below the other).
        principles: [(weakest, 40.0), (Principle::SelfDiscipline, 90.0)]
            .into_iter()
            .collect(),
        weakest: Some(weakest),
        last_active_ms: 0,
    };
    DashboardVm {
        lang: Lang::En,
        data: Dashboard {
            cohort: Some(CohortAverages {
                attempts: 4,
                finished: 4,
                abandoned: 0,
                passed: 2,
                trainees: 2,
                overall: Some(63.0),
                principles,
            }),
            trainees: vec![
                row("Li Lei", Principle::Moderation),
                row("Han Meimei", Principle::Respect),
            ],
            trend: vec![courtesy::core::records::TrendSeries {
                trainee: "Li Lei".into(),
                points: [(1_763_000_000_000, 50.0), (1_763_100_000_000, 80.0)]
                    .into_iter()
                    .map(|(ms, overall)| courtesy::core::records::TrendPoint {
                        finished_ms: ms,
                        attempt: courtesy::core::records::AttemptId::new_random(),
                        scenario: "case".into(),
                        overall,
                        passed: overall >= 60.0,
                        principles: BTreeMap::new(),
                    })
                    .collect(),
            }],
            ..Default::default()
        },
        filter: DashFilter::default(),
        tab: Tab::Overview,
        locks_in: 300,
        ..Default::default()
    }
}

#[test]
fn dashboard_lists_trainees_and_principles_and_applies_filters() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1200.0, 900.0))
        .build_ui_state(
            |ui, state: &mut (DashboardVm, Option<ManagerAction>)| {
                if let Some(a) = manager::dashboard_ui(ui, &mut state.0) {
                    state.1 = Some(a);
                }
            },
            (dashboard_vm(), None),
        );
    h.run();
    // In the trainee table and the trend chart's legend.
    assert_eq!(h.query_all_by_label("Li Lei").count(), 2);
    h.get_by_label("Han Meimei");
    // In the cohort averages and as Han Meimei's weakest principle.
    assert_eq!(h.query_all_by_label("Respect").count(), 2);
    h.get_by_label("71");
    assert_eq!(h.query_all_by_label("Moderation").count(), 2);
    assert_eq!(
        h.query_all_by_label("+30").count(),
        2,
        "first-vs-last improvement"
    );
    h.get_by_label("Apply").click();
    h.run();
    assert_eq!(
        h.state().1,
        Some(ManagerAction::Filter(DashFilter::default()))
    );
}

#[test]
fn drill_down_lists_every_step() {
    let step = |id: &str, chosen: &str| DrillStep {
        step_id: id.into(),
        customer_line: format!("line of {id}"),
        chosen: chosen.into(),
        critical: false,
        reaction: None,
        timed_out: false,
        ratings: vec![("Respect".into(), 2)],
        mood: (50, 60),
        explanation: Some(format!("why {id}")),
        best: None,
    };
    let vm = DrillVm {
        lang: Lang::En,
        heading: "Li Lei · case".into(),
        summary: "Overall 80 · Passed · Resolved".into(),
        replay_error: None,
        steps: vec![step("s1", "A"), step("s2", "X"), step("s3", "Z")],
    };
    let mut h = support::app::screen_harness(egui::vec2(1000.0, 900.0), vm, manager::drill_ui);
    h.run();
    for id in ["s1", "s2", "s3"] {
        h.get_by_label(&format!("why {id}"));
        h.get_by_label(&format!("The customer: line of {id}"));
    }
    h.get_by_label("Overall 80 · Passed · Resolved");
    assert!(h.query_by_label_contains("seed").is_none());
    h.get_by_label("Back").click();
    h.run();
    assert_eq!(h.state().1, Some(ManagerAction::CloseAttempt));
}

fn library_vm(best: Option<&str>) -> LibraryVm {
    LibraryVm {
        lang: Lang::En,
        trainee: "Li Lei".into(),
        cards: vec![Card {
            id: "lost-parcel".into(),
            title: "Lost parcel".into(),
            category: "Retail".into(),
            difficulty: "Introductory".into(),
            minutes: 5,
            principles: vec!["Respect".into()],
            best: best.map(str::to_string),
        }],
    }
}

#[test]
fn library_card_shows_the_best_result_only_when_there_is_one() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        .build_ui_state(
            |ui, vm: &mut LibraryVm| {
                library::ui(ui, vm);
            },
            library_vm(Some("82 / 100 (passed)")),
        );
    h.run();
    h.get_by_label("Your best so far: 82 / 100 (passed)");

    let mut h = Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        .build_ui_state(
            |ui, vm: &mut LibraryVm| {
                library::ui(ui, vm);
            },
            library_vm(None),
        );
    h.run();
    assert!(h.query_by_label_contains("best so far").is_none());
}

// ---- flow ------------------------------------------------------------------------

fn app(records: RecordStore) -> App {
    flow_app(Catalog(vec![fixture()]), |app| {
        app.insert_resource(records);
    })
}

fn sign_in(app: &mut App) {
    support::app::sign_in_as(
        app,
        "Li Lei",
        Settings {
            timers: TimerMode::Off,
            ..support::app::english()
        },
    );
}

#[test]
fn each_step_is_recorded_as_it_happens_and_the_result_at_the_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_in(dir.path()).expect("store");
    let reader = Store::open_in(dir.path()).expect("second handle");
    let mut app = app(RecordStore::with_store(store));
    sign_in(&mut app);
    send(&mut app, Action::OpenScenario("scoring-case".into()));
    send(&mut app, Action::StartConversation);
    assert_eq!(screen(&app), Screen::Conversation);
    let list = reader.attempts(&Filter::all(), 10).expect("attempts");
    assert_eq!(list.len(), 1, "the attempt is recorded when it starts");
    assert_eq!(list[0].trainee, "Li Lei");
    assert_eq!(list[0].steps, 0);
    let id = list[0].id;

    send(&mut app, Action::Choose("a".into()));
    assert_eq!(screen(&app), Screen::Feedback);
    let d = reader.attempt(&id).expect("query").expect("attempt");
    assert_eq!(
        d.choices(),
        ["a"],
        "step 1 is durable before the trainee continues"
    );

    send(&mut app, Action::Continue);
    send(&mut app, Action::Choose("x".into()));
    let d = reader.attempt(&id).expect("query").expect("attempt");
    assert_eq!(d.choices(), ["a", "x"]);
    assert_ne!(d.summary.status, AttemptStatus::Finished);

    send(&mut app, Action::Continue);
    assert_eq!(screen(&app), Screen::Debrief);
    let d = reader.attempt(&id).expect("query").expect("attempt");
    assert_eq!(d.summary.status, AttemptStatus::Finished);
    assert!(d.summary.overall.is_some());
    assert!(!d.summary.principles.is_empty());
    assert_eq!(d.summary.seed, 7);

    // Back in the library, the trainee's own best is known.
    send(&mut app, Action::BackToLibrary);
    let mine = app
        .world()
        .resource::<courtesy::app::records::TraineeRecords>();
    assert_eq!(mine.history.len(), 1);
    let scenario = fixture().scenario.id.clone();
    assert_eq!(
        mine.best(&scenario).and_then(|b| b.best_overall),
        d.summary.overall
    );

    // The manager sees the attempt on the dashboard and drills down into it.
    send(&mut app, Action::SignOut);
    send(&mut app, Action::OpenManager);
    app.world_mut().write_message(ManagerAction::SetPassword {
        password: "manager-pass".into(),
        confirm: "manager-pass".into(),
    });
    wait_idle(&mut app);
    let m = app.world().resource::<Manager>();
    let dash = m.dashboard.as_ref().expect("the dashboard loads on unlock");
    assert_eq!(dash.trainees.len(), 1);
    assert_eq!(dash.trainees[0].trainee, "Li Lei");
    assert_eq!(dash.attempts.len(), 1);
    assert_eq!(dash.cohort.as_ref().map(|c| c.finished), Some(1));
    app.world_mut()
        .write_message(ManagerAction::OpenAttempt(id.to_string()));
    app.update();
    let m = app.world().resource::<Manager>();
    let drill = m.drill.as_ref().expect("drill-down");
    let replay = drill.replay.as_ref().expect("replays with the same seed");
    assert_eq!(replay.feedback.len(), 2);
    let names = courtesy::app::manager::Names::from_catalog(&[fixture()], Lang::En);
    let vm = manager::drill_vm(drill, &names);
    assert_eq!(vm.steps.len(), 2);
    assert!(vm.heading.contains("Scoring case"), "{}", vm.heading);
    assert!(vm.summary.contains("Training-room app"), "{}", vm.summary);
    assert_eq!(vm.steps[0].chosen, "A", "the reply's text, not its id");
    assert!(vm.steps.iter().all(|s| s.explanation.is_some()));
}

#[test]
fn a_store_that_cannot_open_leaves_the_attempt_playable_and_labelled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").expect("write");
    let records = RecordStore::open(&courtesy::station::Records::at(&file, "test-station"));
    assert!(records.error.is_some());
    let mut app = app(records);
    sign_in(&mut app);
    send(&mut app, Action::OpenScenario("scoring-case".into()));
    send(&mut app, Action::StartConversation);
    send(&mut app, Action::Choose("a".into()));
    assert_eq!(screen(&app), Screen::Feedback);
    let play = app.world().resource::<courtesy::app::flow::Play>();
    assert!(play.0.as_ref().expect("attempt").record.is_unrecorded());
}

#[test]
fn manager_sets_a_password_unlocks_and_locks_after_inactivity() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_in(dir.path()).expect("store");
    let mut app = app(RecordStore::with_store(store));
    send(&mut app, Action::OpenManager);
    assert_eq!(screen(&app), Screen::Manager);
    assert_eq!(app.world().resource::<Manager>().has_password, Some(false));

    let wait = wait_idle;
    app.world_mut().write_message(ManagerAction::SetPassword {
        password: "one password".into(),
        confirm: "another one".into(),
    });
    app.update();
    assert_eq!(
        app.world().resource::<Manager>().notice,
        Some(courtesy::app::manager::Notice::Mismatch)
    );
    app.world_mut().write_message(ManagerAction::SetPassword {
        password: "manager-pass".into(),
        confirm: "manager-pass".into(),
    });
    wait(&mut app);
    let m = app.world().resource::<Manager>();
    assert!(m.was_open, "setting the password opens the area");
    assert_eq!(m.has_password, Some(true));

    // Leave, come back: locked; a wrong password is refused, the right one opens.
    app.world_mut().write_message(ManagerAction::Leave);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::SignIn);
    send(&mut app, Action::OpenManager);
    assert!(!app.world().resource::<Manager>().was_open);
    app.world_mut()
        .write_message(ManagerAction::Unlock("wrong-pass".into()));
    wait(&mut app);
    assert_eq!(
        app.world().resource::<Manager>().notice,
        Some(courtesy::app::manager::Notice::WrongPassword)
    );
    // Right away, even the right one is not checked: wrong attempts are throttled.
    app.world_mut()
        .write_message(ManagerAction::Unlock("manager-pass".into()));
    wait(&mut app);
    assert!(matches!(
        app.world().resource::<Manager>().notice,
        Some(courtesy::app::manager::Notice::Throttled(1))
    ));
    assert!(!app.world().resource::<Manager>().was_open);
    std::thread::sleep(Duration::from_millis(1100));
    app.world_mut()
        .write_message(ManagerAction::Unlock("manager-pass".into()));
    wait(&mut app);
    assert!(app.world().resource::<Manager>().was_open);
    app.update();
    assert_eq!(screen(&app), Screen::Manager);

    // Author mode is switched here, behind the password.
    assert!(
        !app.world()
            .resource::<courtesy::app::author::AuthorMode>()
            .0
    );
    app.world_mut()
        .write_message(ManagerAction::SetAuthorMode(true));
    app.update();
    assert!(
        app.world()
            .resource::<courtesy::app::author::AuthorMode>()
            .0
    );

    // The password can be changed here (the current one is checked).
    app.world_mut()
        .write_message(ManagerAction::ChangePassword {
            current: "manager-pass".into(),
            password: "second-pass".into(),
            confirm: "second-pass".into(),
        });
    wait(&mut app);
    assert_eq!(
        app.world().resource::<Manager>().notice,
        Some(courtesy::app::manager::Notice::PasswordChanged)
    );
    let store = app
        .world()
        .resource::<RecordStore>()
        .store
        .clone()
        .expect("store");
    assert!(
        store
            .verify_manager_password("second-pass")
            .expect("verify")
    );

    // Five minutes and a bit without activity: the gate's clock says locked.
    let past = Instant::now()
        .checked_sub(courtesy::app::manager::IDLE_LOCK + Duration::from_secs(1))
        .expect("clock far enough from its origin");
    app.world_mut().resource_mut::<Manager>().gate.open(past);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::SignIn);
    let m = app.world().resource::<Manager>();
    assert!(!m.was_open);
    assert!(m.dashboard.is_none(), "nothing stays loaded once locked");
}

#[test]
fn the_first_run_asks_for_the_manager_password_before_anything_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_in(dir.path()).expect("store");
    let records = RecordStore::with_store(store);
    assert_eq!(
        courtesy::app::first_screen(Screen::SignIn, &records),
        Screen::Manager
    );
    // An explicit screen (screenshots, tests) is kept; no store, nothing to guard.
    assert_eq!(
        courtesy::app::first_screen(Screen::Library, &records),
        Screen::Library
    );
    assert_eq!(
        courtesy::app::first_screen(Screen::SignIn, &RecordStore::default()),
        Screen::SignIn
    );
    records
        .store
        .as_ref()
        .expect("store")
        .set_manager_password("manager-pass")
        .expect("set");
    assert_eq!(
        courtesy::app::first_screen(Screen::SignIn, &records),
        Screen::SignIn
    );
    // The first-use form offers no way out before the password is set.
    let mut h = password_harness(PasswordForm {
        lang: Lang::En,
        first_use: true,
        ..Default::default()
    });
    h.run();
    assert!(h.query_by_label("Lock and leave").is_none());
    assert!(h.query_by_label("Set password").is_some());
    let mut h = password_harness(PasswordForm {
        lang: Lang::En,
        ..Default::default()
    });
    h.run();
    assert!(h.query_by_label("Lock and leave").is_some());
}
