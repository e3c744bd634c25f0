//! The manager's review as a manager reads it: tables in words (titles, the customer's line, reply texts — never ids), the completion grid's view model on a hand-made store, the CSV export read back by Python's csv module, the drill-through from "where learners go wrong", and screenshot runs that record nothing.
#![cfg(feature = "app")]

mod support;
use support::app::{entry, fixture_path, flow_app, wait_idle};

use bevy::prelude::*;
use bevy_egui::egui;
use courtesy::app::flow::{Action, Catalog, Screen, Settings};
use courtesy::app::i18n::Lang;
use courtesy::app::loader::CatalogEntry;
use courtesy::app::manager::{
    Completion, Dashboard, Manager, ManagerAction, Names, Notice, completion_grid,
    export_attempts_csv,
};
use courtesy::app::records::RecordStore;
use courtesy::app::screens::manager::{self, DashboardVm, Tab};
use courtesy::core::records::{AttemptSummary, Filter, Source, Store, TraineeRow, record_played};
use courtesy::core::strategy::{Strategy, play};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::collections::BTreeMap;
use std::path::Path;

/// The scoring fixture, retitled with a comma and quotes in both languages.
fn fixture() -> CatalogEntry {
    let path = fixture_path();
    let src = std::fs::read_to_string(&path)
        .expect("fixture readable")
        .replace(
            r#"title: {"zh-CN": "评分示例", "en": "Scoring case"}"#,
            r#"title: {"zh-CN": "退货，“加急”, \"示例\"", "en": "Refund, \"urgent\" case"}"#,
        )
        .replace(
            r#"text: {"zh-CN": "乙", "en": "B"}"#,
            r#"text: {"zh-CN": "乙，您“稍等”", "en": "Bear with me, \"please\""}"#,
        );
    entry(path, &src)
}

/// Records one attempt of the fixture along `path` (reply ids) in `locale`.
fn record(store: &Store, trainee: &str, path: &[&str], locale: &str) {
    let e = fixture();
    let r = play(
        e.scenario.clone(),
        7,
        locale,
        &Strategy::Path(path.iter().map(|s| s.to_string()).collect()),
    )
    .expect("plays");
    record_played(store, trainee, Source::Cli, e.scenario.clone(), &r, |_| {}).expect("records");
}

/// A store with: 王小明 passed (a, x), Li Lei failed twice with the poor reply b, nobody
/// else; and an unfinished attempt by Li Lei.
fn store(dir: &Path) -> Store {
    let store = Store::open_in(dir).expect("store");
    record(&store, "王小明", &["a", "x"], "zh-CN");
    record(&store, "Li Lei", &["b", "y"], "en");
    record(&store, "Li Lei", &["b", "y"], "en");
    store
}

fn dashboard(store: &Store) -> Dashboard {
    let f = Filter::all();
    Dashboard {
        cohort: Some(store.cohort_averages(&f).expect("cohort")),
        trainees: store.trainee_table(&f).expect("trainees"),
        trend: store.trend(&f).expect("trend"),
        choices: store.reply_choices(&f).expect("choices"),
        poor: store.poor_choices(&f, 50).expect("poor"),
        attempts: store.attempts(&f, usize::MAX).expect("attempts"),
        roster: Vec::new(),
        trainee_ids: store.trainee_ids(&f).expect("ids"),
        scenario_ids: store.scenario_ids(&f).expect("ids"),
        station_ids: Vec::new(),
        room: None,
        assignments: Default::default(),
    }
}

fn vm(data: Dashboard, lang: Lang, tab: Tab) -> DashboardVm {
    support::app::dashboard_vm(fixture(), data, lang, tab)
}

fn harness(vm: DashboardVm) -> Harness<'static, (DashboardVm, Option<ManagerAction>)> {
    support::app::harness(egui::vec2(1280.0, 1600.0), vm, manager::dashboard_ui)
}

#[test]
fn where_learners_go_wrong_shows_titles_lines_and_replies_not_ids() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = store(dir.path());
    let data = dashboard(&store);
    assert!(
        data.poor.iter().any(|c| c.reply_id == "b"),
        "the poor reply b is among the common poor choices: {:?}",
        data.poor
    );
    let mut h = harness(vm(data, Lang::En, Tab::WrongChoices));
    h.run();
    // Words: the scenario's title, the customer's line, the reply's text.
    assert!(h.query_all_by_label("Refund, \"urgent\" case").count() >= 1);
    assert!(h.query_all_by_label("What have you done?").count() >= 1);
    assert!(
        h.query_all_by_label("Bear with me, \"please\"").count() >= 1,
        "the reply's text is shown"
    );
    // Not ids.
    for id in ["scoring-case", "s1", "b"] {
        assert!(
            h.query_by_label(id).is_none(),
            "the id `{id}` is shown on its own"
        );
    }
    assert!(h.query_by_label_contains("[b]").is_none());
    // The row opens the attempts behind it (a button: Enter works on it too).
    // Li Lei chose both b (at s1) and y (at s2) twice: two such rows.
    let buttons: Vec<_> = h.query_all_by_label("Show the 2 attempts").collect();
    assert_eq!(buttons.len(), 2);
    buttons[0].click();
    h.run();
    match h.state().1.clone() {
        Some(ManagerAction::ShowChoice {
            scenario,
            step,
            reply,
        }) => {
            assert_eq!(scenario, "scoring-case");
            assert!(
                (step.as_str(), reply.as_str()) == ("s1", "b")
                    || (step.as_str(), reply.as_str()) == ("s2", "y"),
                "{step} {reply}"
            );
        }
        other => panic!("expected ShowChoice, got {other:?}"),
    }
    assert_eq!(h.state().0.tab, Tab::Attempts, "switches to the attempts");
}

#[test]
fn a_choice_made_once_opens_this_attempt_not_the_1_attempts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = store(dir.path());
    let mut data = dashboard(&store);
    let first = data.poor.first_mut().expect("a common poor choice");
    first.chosen = 1;
    let mut h = harness(vm(data, Lang::En, Tab::WrongChoices));
    h.run();
    assert!(h.query_by_label("Show this attempt").is_some());
    assert!(h.query_by_label_contains("the 1 attempts").is_none());
}

#[test]
fn the_attempts_list_says_result_outcome_and_source_in_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = store(dir.path());
    let mut h = harness(vm(dashboard(&store), Lang::Zh, Tab::Attempts));
    h.run();
    assert_eq!(h.query_all_by_label("退货，“加急”, \"示例\"").count(), 3);
    assert_eq!(h.query_all_by_label("通过").count(), 1, "王小明 passed");
    assert_eq!(h.query_all_by_label("未通过").count(), 2, "Li Lei did not");
    assert_eq!(h.query_all_by_label("问题解决").count(), 3, "outcome");
    assert_eq!(
        h.query_all_by_label("命令行").count(),
        3,
        "recorded by the CLI"
    );
    assert!(h.query_by_label("scoring-case").is_none());
    assert!(h.query_by_label("resolved").is_none());
    // Times in the station's local time, in words: the three attempts were played just
    // now, so "今天 HH:MM" in this computer's zone; no UTC stamp, no "UTC" caption.
    let now = courtesy::core::records::time::now_ms();
    let today = courtesy::app::clock::readable_local(now, now, Lang::Zh);
    assert!(today.starts_with("今天 "), "{today}");
    assert_eq!(
        h.query_all_by_label_contains("今天 ").count(),
        3,
        "each attempt started today, local time"
    );
    assert!(h.query_by_label_contains("UTC").is_none());
    assert!(h.query_by_label_contains("Z").is_none());
}

#[test]
fn the_overview_says_one_trainee_and_no_weakest_principle_at_100() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_in(dir.path()).expect("store");
    record(&store, "王小明", &["a", "x"], "en");
    let mut data = dashboard(&store);
    let mut h = harness(vm(data.clone(), Lang::En, Tab::Overview));
    h.run();
    h.get_by_label("1 trainee · 1 attempt · 1 finished · 1 passed");
    // Everything at 100: no weakest principle.
    let row = TraineeRow {
        principles: [
            (courtesy::core::model::Principle::Respect, 100.0),
            (courtesy::core::model::Principle::Moderation, 100.0),
        ]
        .into_iter()
        .collect(),
        weakest: Some(courtesy::core::model::Principle::Respect),
        ..data.trainees[0].clone()
    };
    assert_eq!(manager::weakest(&row), None);
    let low = TraineeRow {
        principles: [
            (courtesy::core::model::Principle::Respect, 100.0),
            (courtesy::core::model::Principle::Moderation, 40.0),
        ]
        .into_iter()
        .collect(),
        ..row.clone()
    };
    assert_eq!(
        manager::weakest(&low),
        Some(courtesy::core::model::Principle::Moderation)
    );
    data.trainees = vec![row];
    let mut h = harness(vm(data, Lang::En, Tab::Overview));
    h.run();
    assert!(h.query_by_label("Respect").is_none() || h.query_all_by_label("Respect").count() == 1);
    // The trainee table and the chart's legend name the trainee.
    assert_eq!(h.query_all_by_label("王小明").count(), 2);
    assert!(h.query_by_label("scoring-case").is_none());
}

#[test]
fn the_completion_grid_on_a_hand_made_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = store(dir.path());
    let attempts: Vec<AttemptSummary> = store.attempts(&Filter::all(), 100).expect("attempts");
    let names = Names::from_catalog(&[fixture()], Lang::En);
    let grid = completion_grid(
        &attempts,
        &["Han Meimei".to_string()],
        &["scoring-case".to_string(), "lost-parcel".to_string()],
        &names,
    );
    assert_eq!(grid.trainees, ["Han Meimei", "Li Lei", "王小明"]);
    assert_eq!(grid.scenarios[0].1, "Refund, \"urgent\" case");
    let wang = grid.cell("王小明", "scoring-case").expect("cell");
    assert_eq!(wang.state, Completion::Passed);
    assert_eq!(wang.attempts, 1);
    let li = grid.cell("Li Lei", "scoring-case").expect("cell");
    assert_eq!(li.state, Completion::Failed);
    assert_eq!(li.attempts, 2);
    let li_best = attempts
        .iter()
        .filter(|a| a.trainee == "Li Lei")
        .filter_map(|a| a.overall)
        .fold(f64::MIN, f64::max);
    assert_eq!(li.best, Some(li_best));
    assert!(wang.best > li.best, "passing scored higher");
    assert_eq!(
        grid.cell("Han Meimei", "scoring-case").map(|c| c.state),
        Some(Completion::NotStarted)
    );
    assert_eq!(
        grid.cell("王小明", "lost-parcel").map(|c| c.state),
        Some(Completion::NotStarted)
    );
    // An attempt that never finished: "not finished", not "not started".
    let mut open = attempts[0].clone();
    open.status = courtesy::core::records::AttemptStatus::Abandoned;
    open.trainee = "Han Meimei".into();
    open.passed = None;
    let grid = completion_grid(&[open], &[], &["scoring-case".to_string()], &names);
    assert_eq!(
        grid.cell("Han Meimei", "scoring-case").map(|c| c.state),
        Some(Completion::Unfinished)
    );

    // The UI shows the grid in words.
    let mut h = harness(vm(dashboard(&store), Lang::En, Tab::Completion));
    h.run();
    h.get_by_label(&format!("Passed · best {:.0}", wang.best.unwrap_or(0.0)));
    assert_eq!(
        h.query_all_by_label(&format!("Not passed · best {li_best:.0}"))
            .count(),
        1
    );
}

#[test]
fn the_completion_grid_scrolls_sideways_with_the_keyboard() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = store(dir.path());
    let mut vm = vm(dashboard(&store), Lang::En, Tab::Completion);
    // Six columns of scenarios: far wider than the narrow window below.
    for id in ["b-case", "c-case", "d-case", "e-case", "last-case"] {
        vm.names.order.push(id.to_string());
    }
    vm.refresh(None);
    let last = vm.names.scenario("last-case");
    let mut h = Harness::builder()
        .with_size(egui::vec2(480.0, 1600.0))
        .build_ui_state(
            |ui, state: &mut (DashboardVm, Option<ManagerAction>)| {
                if let Some(a) = manager::dashboard_ui(ui, &mut state.0) {
                    state.1 = Some(a);
                }
            },
            (vm, None),
        );
    h.run();
    let x =
        |h: &Harness<'_, (DashboardVm, Option<ManagerAction>)>| h.get_by_label(&last).rect().left();
    let start = x(&h);
    assert!(
        start > 480.0,
        "the last column starts off screen: x={start}"
    );
    // End alone scrolls down, not sideways.
    h.key_press(egui::Key::End);
    h.run();
    assert_eq!(x(&h), start, "End moved the grid sideways");
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::End);
    h.run();
    let end = x(&h);
    assert!(
        end < 480.0 && end > 0.0,
        "Shift+End brings the last column in: x={end}"
    );
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::PageUp);
    h.run();
    assert!(x(&h) > end, "Shift+PageUp scrolls back left");
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Home);
    h.run();
    assert_eq!(x(&h), start, "Shift+Home goes back to the left edge");
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowRight);
    h.run();
    assert!(x(&h) < start, "Shift+→ scrolls right a step");
    h.key_press(egui::Key::ArrowLeft);
    h.run();
    assert_eq!(x(&h), start, "← with nothing focused scrolls left");
}

#[test]
fn the_csv_export_reads_back_in_python() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = store(dir.path());
    let attempts = store.attempts(&Filter::all(), 100).expect("attempts");
    let out = dir.path().join("exports").join("attempts.csv");
    let names = Names::from_catalog(&[fixture()], Lang::Zh);
    let n = export_attempts_csv(&out, &attempts, &names).expect("exported");
    assert_eq!(n, 3);
    let py = r#"
import csv, json, sys
with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:
    rows = list(csv.reader(f))
print(json.dumps(rows, ensure_ascii=False))
"#;
    let got = std::process::Command::new("python3")
        .arg("-c")
        .arg(py)
        .arg(&out)
        .output()
        .expect("python3 runs");
    assert!(
        got.status.success(),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    let rows: Vec<Vec<String>> = serde_json::from_slice(&got.stdout).expect("json rows");
    assert_eq!(rows.len(), 4, "a header and three attempts: {rows:?}");
    let header = &rows[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let (trainee, scenario, result, id) = (col("学员"), col("情景"), col("结果"), col("练习编号"));
    for r in &rows[1..] {
        assert_eq!(
            r[scenario], "退货，“加急”, \"示例\"",
            "commas and quotes survive"
        );
    }
    let mut by_trainee: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in &rows[1..] {
        by_trainee
            .entry(r[trainee].as_str())
            .or_default()
            .push(r[result].as_str());
    }
    assert_eq!(by_trainee["王小明"], ["通过"]);
    assert_eq!(by_trainee["Li Lei"], ["未通过", "未通过"]);
    let ids: Vec<String> = attempts.iter().map(|a| a.id.to_string()).collect();
    let got_ids: Vec<&str> = rows[1..].iter().map(|r| r[id].as_str()).collect();
    assert_eq!(got_ids, ids, "newest first, every attempt once");
}

// ---- flow: drill-through, export and screenshots ---------------------------------------

fn app(records: RecordStore) -> App {
    flow_app(Catalog(vec![fixture()]), |app| {
        app.insert_resource(records);
    })
}

#[test]
fn a_poor_choice_opens_its_attempts_and_the_export_writes_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    record(&s, "Han Meimei", &["a", "y"], "en");
    let mut app = app(RecordStore::with_store(s));
    app.world_mut().write_message(Action::OpenManager);
    app.update();
    app.update();
    assert_eq!(
        *app.world().resource::<State<Screen>>().get(),
        Screen::Manager
    );
    app.world_mut().write_message(ManagerAction::SetPassword {
        password: "manager-pass".into(),
        confirm: "manager-pass".into(),
    });
    wait_idle(&mut app);
    app.world_mut().write_message(ManagerAction::ShowChoice {
        scenario: "scoring-case".into(),
        step: "s1".into(),
        reply: "b".into(),
    });
    app.update();
    wait_idle(&mut app);
    let m = app.world().resource::<Manager>();
    let focus = m.focus.as_ref().expect("the attempts behind the row");
    let dash = m.dashboard.as_ref().expect("dashboard");
    let li: Vec<_> = dash
        .attempts
        .iter()
        .filter(|a| a.trainee == "Li Lei")
        .map(|a| a.id)
        .collect();
    assert_eq!(focus.attempts.len(), 2);
    assert!(focus.attempts.iter().all(|id| li.contains(id)));

    let out = dir.path().join("exports").join("all.csv");
    app.world_mut()
        .write_message(ManagerAction::Export(out.clone()));
    app.update();
    wait_idle(&mut app);
    assert_eq!(
        app.world().resource::<Manager>().notice,
        Some(Notice::Exported(out.clone(), 4))
    );
    let text = std::fs::read_to_string(&out).expect("written");
    assert_eq!(text.lines().count(), 5);
    // The app's language (Chinese until someone signs in), quoted for the comma.
    assert!(text.contains("\"退货，“加急”, \"\"示例\"\"\""), "{text}");
}

#[test]
fn a_screenshot_run_records_no_attempt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let s = Store::open_in(dir.path()).expect("store");
    let reader = Store::open_in(dir.path()).expect("second handle");
    let mut app = app(RecordStore::with_store(s));
    app.insert_resource(courtesy::app::screenshot::ScreenshotTo(
        dir.path().join("shot.png"),
    ))
    .add_plugins(courtesy::app::screenshot::plugin);
    app.world_mut().write_message(Action::SignIn {
        name: "Li Lei".into(),
        settings: Settings {
            lang: Lang::En,
            timers: courtesy::app::flow::TimerMode::Off,
            ..Default::default()
        },
    });
    app.update();
    app.update();
    app.world_mut()
        .write_message(Action::OpenScenario("scoring-case".into()));
    app.update();
    app.update();
    app.world_mut().write_message(Action::StartConversation);
    app.update();
    app.update();
    assert_eq!(
        *app.world().resource::<State<Screen>>().get(),
        Screen::Conversation
    );
    app.world_mut().write_message(Action::Choose("a".into()));
    app.update();
    app.update();
    assert!(
        reader
            .attempts(&Filter::all(), 10)
            .expect("read")
            .is_empty(),
        "a screenshot is not training: nothing is recorded"
    );
}

#[test]
fn the_password_is_changed_with_the_keyboard_alone() {
    let mut h = harness(vm(Dashboard::default(), Lang::En, Tab::Overview));
    h.run();
    // Tab until the settings toggle has the focus, then Enter opens it.
    let mut reached = false;
    for _ in 0..30 {
        h.key_press(egui::Key::Tab);
        h.run();
        if h.get_by_label("Settings: author mode, password")
            .is_focused()
        {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab reaches the settings");
    h.key_press(egui::Key::Enter);
    h.run();
    assert!(h.state().0.settings_open);
    // Tab past the author-mode checkbox into the three fields; Enter in the last sends.
    let focused = |h: &Harness<'static, (DashboardVm, Option<ManagerAction>)>| {
        h.root()
            .query_all_by(|_| true)
            .filter(|n| n.is_focused())
            .count()
    };
    h.key_press(egui::Key::Tab);
    h.run();
    assert!(h.get_by_label("Author mode (trainers)").is_focused());
    for text in ["old-password", "new-password", "new-password"] {
        h.key_press(egui::Key::Tab);
        h.run();
        assert_eq!(focused(&h), 1);
        h.root()
            .query_all_by(|_| true)
            .find(|n| n.is_focused())
            .expect("a focused field")
            .type_text(text);
        h.run();
    }
    h.key_press(egui::Key::Enter);
    h.run();
    h.run();
    assert_eq!(
        h.state().1,
        Some(ManagerAction::ChangePassword {
            current: "old-password".into(),
            password: "new-password".into(),
            confirm: "new-password".into(),
        })
    );
}

/// With the software presenter the capture is the next frame the painter paints, however
/// many frames go by unpainted (a minimised window, no paint jobs yet): the request waits
/// for it instead of being dropped (it was, and the run hung until it gave up). If the
/// presenter hands over to the GPU path before painting it, bevy's screenshot is asked for.
#[test]
fn a_software_screenshot_waits_for_the_painted_frame() {
    use courtesy::app::soft_present::{Presenter, SoftCapture};
    let dir = tempfile::tempdir().expect("temp dir");
    let shot = dir.path().join("shot.png");
    let mut app = app(RecordStore::with_store(store(dir.path())));
    app.insert_resource(Presenter::Software)
        .insert_resource(courtesy::app::screenshot::ScreenshotTo(shot.clone()))
        .add_plugins(courtesy::app::screenshot::plugin);
    for _ in 0..courtesy::app::screenshot::SETTLE_FRAMES + 5 {
        app.update();
    }
    assert!(
        matches!(*app.world().resource::<SoftCapture>(), SoftCapture::Wanted),
        "frames the painter did not paint leave the request standing"
    );
    let image = Image::new_fill(
        bevy::render::render_resource::Extent3d {
            width: 4,
            height: 3,
            depth_or_array_layers: 1,
        },
        bevy::render::render_resource::TextureDimension::D2,
        &[10, 20, 30, 255],
        bevy::render::render_resource::TextureFormat::Rgba8UnormSrgb,
        bevy::asset::RenderAssetUsages::MAIN_WORLD,
    );
    *app.world_mut().resource_mut::<SoftCapture>() = SoftCapture::Taken(image);
    app.update();
    let saved = image::open(&shot)
        .expect("the painted frame is saved")
        .to_rgb8();
    assert_eq!(saved.dimensions(), (4, 3));
    assert_eq!(saved.get_pixel(0, 0).0, [10, 20, 30]);

    // Handed over to the GPU path while waiting: the software request is withdrawn.
    let mut app = app_with_capture(dir.path());
    app.insert_resource(Presenter::Gpu);
    app.update();
    assert!(matches!(
        *app.world().resource::<SoftCapture>(),
        SoftCapture::None
    ));
}

fn app_with_capture(dir: &Path) -> App {
    use courtesy::app::soft_present::{Presenter, SoftCapture};
    let mut app = app(RecordStore::with_store(store(dir)));
    app.insert_resource(Presenter::Software)
        .insert_resource(courtesy::app::screenshot::ScreenshotTo(
            dir.join("other.png"),
        ))
        .add_plugins(courtesy::app::screenshot::plugin);
    for _ in 0..courtesy::app::screenshot::SETTLE_FRAMES + 1 {
        app.update();
    }
    assert!(matches!(
        *app.world().resource::<SoftCapture>(),
        SoftCapture::Wanted
    ));
    app
}
