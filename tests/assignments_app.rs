//! The assignments in the app, both languages (egui_kittest): the completion grid's cells in words (not started / in progress / passed / failed / overdue), the manager's Assignments tab (list, withdraw, the form and its errors), "Your assignments" in the library, and the due dates in words.
#![cfg(feature = "app")]

mod support;
use support::app::{fixture, send};

use bevy_egui::egui;
use courtesy::app::i18n::Lang;
use courtesy::app::manager::{Dashboard, ManagerAction};
use courtesy::app::screens::assignments::{lines, panel};
use courtesy::app::screens::manager::{self, DashboardVm, Tab};
use courtesy::app::screens::manager_assignments::due_words;
use courtesy::core::lrs::assignments::room_assignments;
use courtesy::core::records::{
    AssignmentStatus, AttemptStart, Filter, NewAssignment, Policy, Source, Store, record_played,
};
use courtesy::core::strategy::{Strategy, play};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::collections::BTreeMap;

const DAY: i64 = 86_400_000;

fn record(store: &Store, trainee: &str, path: &[&str]) -> f64 {
    let e = fixture();
    let r = play(
        e.scenario.clone(),
        7,
        "en",
        &Strategy::Path(path.iter().map(|s| s.to_string()).collect()),
    )
    .expect("plays");
    record_played(store, trainee, Source::Cli, e.scenario.clone(), &r, |_| {}).expect("records");
    r.overall
}

const ROSTER: [&str; 5] = ["Han Meimei", "Li Lei", "Sun Li", "Zhao Yun", "王小明"];

/// 王小明 passed, Li Lei failed, Sun Li left one unfinished, Han Meimei has not
/// started (all four due in 3 days); Zhao Yun's own assignment was due 2 days ago.
struct Room {
    _dir: tempfile::TempDir,
    store: Store,
    passed: f64,
    failed: f64,
    now: i64,
    due_soon: String,
}

fn room() -> Room {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_in(dir.path()).expect("store");
    let now = courtesy::core::records::time::now_ms();
    let id = fixture().scenario.id.clone();
    let four: Vec<String> = ROSTER
        .iter()
        .filter(|t| **t != "Zhao Yun")
        .map(|s| s.to_string())
        .collect();
    store
        .assignment_create(
            &NewAssignment {
                scenarios: vec![id.clone()],
                trainees: Some(four),
                due_ms: Some(now + 3 * DAY),
                policy: Policy::Best,
                floors: BTreeMap::new(),
            },
            now - DAY,
        )
        .expect("assigned");
    store
        .assignment_create(
            &NewAssignment {
                scenarios: vec![id.clone()],
                trainees: Some(vec!["Zhao Yun".into()]),
                // A minute's margin: the screens read the clock a moment later.
                due_ms: Some(now - 2 * DAY + 60_000),
                policy: Policy::First,
                floors: BTreeMap::new(),
            },
            now - 10 * DAY,
        )
        .expect("assigned");
    let passed = record(&store, "王小明", &["a", "x"]);
    let failed = record(&store, "Li Lei", &["b", "y"]);
    let open = store
        .begin_attempt(&AttemptStart {
            trainee: "Sun Li".into(),
            scenario: id,
            content_hash: None,
            seed: 1,
            locale: "en".into(),
            source: Source::Cli,
        })
        .expect("started");
    let _ = open;
    let due_soon = due_words(Some(now + 3 * DAY), now, false, Lang::En);
    Room {
        _dir: dir,
        store,
        passed,
        failed,
        now,
        due_soon,
    }
}

fn dashboard(store: &Store) -> Dashboard {
    let f = Filter::all();
    Dashboard {
        attempts: store.attempts(&f, usize::MAX).expect("attempts"),
        roster: ROSTER.iter().map(|s| s.to_string()).collect(),
        trainee_ids: store.trainee_ids(&f).expect("ids"),
        scenario_ids: store.scenario_ids(&f).expect("ids"),
        assignments: courtesy::core::lrs::assignments::room_assignments_unchecked(store, None)
            .expect("assignments"),
        ..Default::default()
    }
}

fn vm(data: Dashboard, lang: Lang, tab: Tab) -> DashboardVm {
    support::app::dashboard_vm(fixture(), data, lang, tab)
}

fn harness(vm: DashboardVm) -> Harness<'static, (DashboardVm, Option<ManagerAction>)> {
    support::app::harness(egui::vec2(1400.0, 1400.0), vm, manager::dashboard_ui)
}

#[test]
fn the_completion_grid_says_each_assigned_cells_status_in_both_languages() {
    let r = room();
    let id = fixture().scenario.id.clone();
    let v = vm(dashboard(&r.store), Lang::En, Tab::Completion);
    let status = |t: &str| {
        v.grid
            .cell(t, &id)
            .and_then(|c| c.assigned)
            .map(|a| a.status)
    };
    assert_eq!(status("王小明"), Some(AssignmentStatus::Passed));
    assert_eq!(status("Li Lei"), Some(AssignmentStatus::Failed));
    assert_eq!(status("Sun Li"), Some(AssignmentStatus::InProgress));
    assert_eq!(status("Han Meimei"), Some(AssignmentStatus::NotStarted));
    assert_eq!(status("Zhao Yun"), Some(AssignmentStatus::Overdue));

    let mut h = harness(v);
    h.run();
    h.get_by_label(&format!("Passed · {:.0}", r.passed));
    h.get_by_label(&format!("Failed · {:.0}", r.failed));
    h.get_by_label(&format!("In progress · {}", r.due_soon));
    h.get_by_label(&format!("Not started · {}", r.due_soon));
    h.get_by_label("Overdue · overdue by 2 days");

    let mut h = harness(vm(dashboard(&r.store), Lang::Zh, Tab::Completion));
    h.run();
    let soon = due_words(Some(r.now + 3 * DAY), r.now, false, Lang::Zh);
    h.get_by_label(&format!("已通过 · {:.0}", r.passed));
    h.get_by_label(&format!("未通过 · {:.0}", r.failed));
    h.get_by_label(&format!("进行中 · {soon}"));
    h.get_by_label(&format!("未开始 · {soon}"));
    h.get_by_label("已逾期 · 已逾期 2 天");
}

#[test]
fn the_assignments_tab_lists_withdraws_and_makes_assignments_in_both_languages() {
    let r = room();
    let mine = r.store.assignments().expect("list");
    let newest = &mine[0];
    let short = &newest.id[..8];

    let mut h = harness(vm(dashboard(&r.store), Lang::En, Tab::Assignments));
    h.run();
    h.get_by_label("Han Meimei, Li Lei, Sun Li, 王小明");
    h.get_by_label("Zhao Yun");
    // The form's choice and the list's entry.
    assert_eq!(h.query_all_by_label("best attempt").count(), 2);
    assert_eq!(h.query_all_by_label("first attempt").count(), 2);
    h.get_by_label(&r.due_soon);
    h.get_by_label("overdue by 2 days");
    h.get_by_label("1 / 4");
    h.get_by_label("0 / 1");
    h.get_by_label(&format!("Withdraw {short}")).click();
    h.run();
    assert_eq!(
        h.state().1,
        Some(ManagerAction::WithdrawAssignment(newest.id.clone()))
    );
    // The form: nothing chosen is refused with the reason; then a scenario, a floor.
    h.state_mut().1 = None;
    h.get_by_label("Assign").click();
    h.run();
    h.get_by_label("Choose at least one scenario.");
    assert_eq!(h.state().1, None);
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "Scoring case")
        .click();
    h.run();
    h.get_by_label("Assign").click();
    h.run();
    match &h.state().1 {
        Some(ManagerAction::CreateAssignment(n)) => {
            assert_eq!(n.scenarios, [fixture().scenario.id.clone()]);
            assert_eq!(n.trainees, None, "everyone by default");
            assert_eq!(n.policy, Policy::Best);
        }
        other => panic!("expected an assignment, got {other:?}"),
    }

    let mut h = harness(vm(dashboard(&r.store), Lang::Zh, Tab::Assignments));
    h.run();
    h.get_by_label("新建任务");
    assert_eq!(h.query_all_by_label("最好的一次").count(), 2);
    assert_eq!(h.query_all_by_label("第一次").count(), 2);
    h.get_by_label("已逾期 2 天");
    h.get_by_label(&format!("撤回 {short}"));
    h.get_by_label("布置任务").click();
    h.run();
    h.get_by_label("请至少选择一个情景。");
}

#[test]
fn a_withdrawn_assignment_leaves_the_grid_and_the_list_says_so() {
    let r = room();
    let mine = r.store.assignments().expect("list");
    let zhao = mine
        .iter()
        .find(|a| a.policy == Policy::First)
        .expect("Zhao's");
    r.store
        .assignment_withdraw(&zhao.id, r.now)
        .expect("withdrawn");
    let v = vm(dashboard(&r.store), Lang::En, Tab::Assignments);
    let id = fixture().scenario.id.clone();
    assert_eq!(v.grid.cell("Zhao Yun", &id).and_then(|c| c.assigned), None);
    let mut h = harness(v);
    h.run();
    h.get_by_label("withdrawn");
}

#[test]
fn your_assignments_in_the_library_in_both_languages() {
    let r = room();
    let here = vec![fixture().scenario.id.clone()];
    let room = room_assignments(&r.store, None, &here).expect("room");
    let roster: Vec<String> = ROSTER.iter().map(|s| s.to_string()).collect();
    for (who, en, zh) in [
        ("王小明", "Passed · ".to_string(), "已通过 · ".to_string()),
        (
            "Zhao Yun",
            "Overdue · overdue by 2 days".into(),
            "已逾期 · 已逾期 2 天".into(),
        ),
        (
            "Han Meimei",
            format!("Not started · {}", r.due_soon),
            format!(
                "未开始 · {}",
                due_words(Some(r.now + 3 * DAY), r.now, false, Lang::Zh)
            ),
        ),
    ] {
        let history = r.store.trainee_history(who, 100).expect("history");
        let items = room.for_trainee(who, &history, &roster, r.now);
        assert_eq!(items.len(), 1, "{who}");
        for (lang, want, heading) in [
            (Lang::En, &en, "Your assignments"),
            (Lang::Zh, &zh, "你的练习任务"),
        ] {
            let shown = lines(&items, lang, r.now, |_| "Scoring case".into());
            let mut h = Harness::builder()
                .with_size(egui::vec2(900.0, 400.0))
                .build_ui(move |ui| panel(ui, lang, &shown));
            h.run();
            h.get_by_label(heading);
            h.get_by_label("Scoring case");
            assert!(
                h.query_by_label_contains(want).is_some(),
                "{who} {lang:?}: {want}"
            );
        }
    }
}

#[test]
fn due_dates_in_words() {
    // 2026-12-01 is a Tuesday.
    let tue =
        courtesy::core::records::time::parse_date("2026-12-01").expect("date") + 9 * 3_600_000;
    let end = |d: i64| tue - 9 * 3_600_000 + d * DAY + DAY - 1;
    assert_eq!(due_words(Some(end(0)), tue, false, Lang::En), "due today");
    assert_eq!(
        due_words(Some(end(1)), tue, false, Lang::En),
        "due tomorrow"
    );
    assert_eq!(due_words(Some(end(3)), tue, false, Lang::En), "due Friday");
    assert_eq!(due_words(Some(end(3)), tue, false, Lang::Zh), "周五截止");
    assert_eq!(
        due_words(Some(end(10)), tue, false, Lang::En),
        "due 2026-12-11"
    );
    assert_eq!(
        due_words(Some(tue - 2 * DAY), tue, false, Lang::En),
        "overdue by 2 days"
    );
    assert_eq!(
        due_words(Some(tue - 3_600_000), tue, false, Lang::En),
        "overdue by 1 day"
    );
    assert_eq!(
        due_words(Some(tue - 2 * DAY), tue, false, Lang::Zh),
        "已逾期 2 天"
    );
    assert_eq!(
        due_words(Some(tue - 2 * DAY), tue, true, Lang::En),
        "was due 2026-11-29"
    );
    assert_eq!(due_words(None, tue, false, Lang::En), "no due date");
}

#[test]
fn an_assignment_can_be_made_with_the_keyboard_alone() {
    let r = room();
    let mut h = harness(vm(dashboard(&r.store), Lang::En, Tab::Assignments));
    h.run();
    let focused = |h: &Harness<'static, (DashboardVm, Option<ManagerAction>)>,
                   role: egui::accesskit::Role,
                   label: &str| h.get_by_role_and_label(role, label).is_focused();
    // Tab to the scenario's box, Space ticks it.
    let mut tabs = 0;
    while !focused(&h, egui::accesskit::Role::CheckBox, "Scoring case") {
        h.key_press(egui::Key::Tab);
        h.run();
        tabs += 1;
        assert!(tabs < 80, "Tab never reached the scenario's box");
    }
    h.key_press(egui::Key::Space);
    h.run();
    assert!(
        h.state()
            .0
            .assign
            .scenarios
            .contains(&fixture().scenario.id)
    );
    // On to "Assign", Enter makes it.
    while !focused(&h, egui::accesskit::Role::Button, "Assign") {
        h.key_press(egui::Key::Tab);
        h.run();
        tabs += 1;
        assert!(tabs < 160, "Tab never reached Assign");
    }
    h.key_press(egui::Key::Enter);
    h.run();
    assert!(
        matches!(&h.state().1, Some(ManagerAction::CreateAssignment(n)) if n.scenarios == [fixture().scenario.id.clone()]),
        "{:?}",
        h.state().1
    );
}

// ---- the app's wiring: the library's refresh and the manager's actions ----------------

fn headless(records: courtesy::app::records::RecordStore) -> bevy::prelude::App {
    use bevy::prelude::*;
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, bevy::state::app::StatesPlugin))
        .insert_resource(courtesy::app::flow::Catalog(vec![fixture()]))
        .insert_resource(courtesy::app::flow::Seeds::starting_at(7))
        .insert_resource(records)
        .add_plugins(courtesy::app::flow_plugin)
        .add_plugins(courtesy::app::screens::assignments::plugin);
    app.update();
    app
}

#[test]
fn the_library_lists_the_trainees_assignments_and_reports_satisfied_after_a_pass() {
    use courtesy::app::flow::{Action, Settings, TimerMode};
    use courtesy::app::manager::Manager;
    use courtesy::app::screens::assignments::YourAssignments;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_in(dir.path()).expect("store");
    let reader = Store::open_in(dir.path()).expect("second handle");
    let now = courtesy::core::records::time::now_ms();
    store
        .assignment_create(
            &NewAssignment {
                scenarios: vec![fixture().scenario.id.clone()],
                trainees: None,
                due_ms: Some(now + 3 * DAY),
                policy: Policy::Last,
                floors: BTreeMap::new(),
            },
            now - 1000,
        )
        .expect("assigned");
    let mut app = headless(courtesy::app::records::RecordStore::with_store(store));
    support::app::sign_in_as(
        &mut app,
        "Li Lei",
        Settings {
            timers: TimerMode::Off,
            ..support::app::english()
        },
    );
    let yours = app.world().resource::<YourAssignments>().clone();
    assert_eq!(yours.trainee, "Li Lei");
    assert_eq!(
        yours.items.len(),
        1,
        "everyone: no roster here, so whoever signs in"
    );
    assert_eq!(yours.items[0].status, AssignmentStatus::NotStarted);
    // A pass (a, x), back to the library: passed, and `satisfied` queued once.
    send(&mut app, Action::OpenScenario("scoring-case".into()));
    send(&mut app, Action::StartConversation);
    send(&mut app, Action::Choose("a".into()));
    send(&mut app, Action::Continue);
    send(&mut app, Action::Choose("x".into()));
    send(&mut app, Action::Continue);
    send(&mut app, Action::BackToLibrary);
    let yours = app.world().resource::<YourAssignments>().clone();
    assert_eq!(yours.items[0].status, AssignmentStatus::Passed);
    let satisfied = |r: &Store| {
        r.outbox_items(courtesy::core::records::OutboxSelect::All, None)
            .expect("outbox")
            .into_iter()
            .filter(|i| i.verb == "satisfied")
            .count()
    };
    assert_eq!(satisfied(&reader), 1);

    // The manager makes a second one from the Assignments tab's action.
    send(&mut app, Action::SignOut);
    send(&mut app, Action::OpenManager);
    app.world_mut().write_message(ManagerAction::SetPassword {
        password: "manager-pass".into(),
        confirm: "manager-pass".into(),
    });
    let wait = |app: &mut bevy::prelude::App| {
        for _ in 0..600 {
            app.update();
            if !app.world().resource::<Manager>().busy() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("the manager's background work did not finish");
    };
    wait(&mut app);
    app.world_mut()
        .write_message(ManagerAction::CreateAssignment(NewAssignment {
            scenarios: vec![fixture().scenario.id.clone()],
            trainees: Some(vec!["Li Lei".into()]),
            due_ms: None,
            policy: Policy::First,
            floors: BTreeMap::new(),
        }));
    app.update();
    wait(&mut app);
    assert_eq!(reader.assignments().expect("list").len(), 2);
    let m = app.world().resource::<Manager>();
    let dash = m.dashboard.as_ref().expect("reloaded");
    assert_eq!(dash.assignments.assignments.len(), 2);
    assert!(m.notice.is_none(), "{:?}", m.notice);
}
