//! The library as the scenario folder changes under a running app: an attempt whose file
//! is removed is recorded abandoned, not dropped; card numbers and the selection follow
//! scenario ids, not positions in the folder.
#![cfg(feature = "app")]

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use courtesy::app::flow::{Action, Catalog, Play, Screen, Seeds, Settings};
use courtesy::app::hot_reload::{HotReloadDir, WatchAlways};
use courtesy::app::i18n::Lang;
use courtesy::app::records::RecordStore;
use courtesy::core::records::{AttemptStatus, Filter, Store};
use std::path::Path;
use std::time::{Duration, Instant};

const GOOD: &str = include_str!("fixtures/scoring-case.ron");

/// The fixture scenario under another id (and title), as its own file.
fn scenario(id: &str) -> String {
    GOOD.replace("id: \"scoring-case\"", &format!("id: \"{id}\""))
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write scenario");
}

fn app(dir: &Path, data: &Path) -> App {
    let (catalog, _) = courtesy::app::loader::load_dir(dir).expect("loads");
    let store = Store::open_in(Some(data)).expect("store");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin))
        .insert_resource(Catalog(catalog))
        .insert_resource(Seeds::starting_at(7))
        .insert_resource(Settings {
            lang: Lang::En,
            ..Default::default()
        })
        .insert_resource(HotReloadDir(dir.to_path_buf()))
        .insert_resource(WatchAlways(true))
        .insert_resource(RecordStore::with_store(store))
        .add_plugins(courtesy::app::flow_plugin);
    app.update();
    app
}

fn until(app: &mut App, limit: Duration, what: &str, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    loop {
        app.update();
        if done(app) {
            return;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn send(app: &mut App, action: Action) {
    app.world_mut().write_message(action);
    app.update();
    app.update();
}

fn screen(app: &App) -> Screen {
    *app.world().resource::<State<Screen>>().get()
}

fn ids(app: &App) -> Vec<String> {
    app.world()
        .resource::<Catalog>()
        .0
        .iter()
        .map(|e| e.scenario.id.clone())
        .collect()
}

fn statuses(data: &Path) -> Vec<(String, AttemptStatus)> {
    let reader = Store::open_in(Some(data)).expect("reader");
    reader
        .attempts(&Filter::all(), 10)
        .expect("attempts")
        .into_iter()
        .map(|a| (a.scenario, a.status))
        .collect()
}

fn open(app: &mut App, id: &str) {
    let i = ids(app)
        .iter()
        .position(|x| x == id)
        .unwrap_or_else(|| panic!("no {id}"));
    send(app, Action::OpenScenario(i));
}

#[test]
fn removing_the_file_of_the_attempt_in_progress_records_it_abandoned() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (dir, data) = (tmp.path().join("scenarios"), tmp.path().join("data"));
    std::fs::create_dir_all(&dir).expect("dir");
    write(&dir, "a.ron", &scenario("alpha"));
    write(&dir, "b.ron", &scenario("bravo"));
    let mut app = app(&dir, &data);
    until(&mut app, Duration::from_secs(2), "the watcher", |a| {
        a.world()
            .get_resource::<courtesy::app::hot_reload::Watcher>()
            .is_some()
    });
    send(
        &mut app,
        Action::SignIn {
            name: "Li Lei".into(),
            settings: Settings {
                lang: Lang::En,
                ..Default::default()
            },
        },
    );
    open(&mut app, "bravo");
    send(&mut app, Action::StartConversation);
    send(&mut app, Action::Choose("a".into()));
    send(&mut app, Action::Continue);
    assert_eq!(screen(&app), Screen::Conversation);
    assert_eq!(
        statuses(&data),
        [("bravo".to_string(), AttemptStatus::InProgress)]
    );

    std::fs::remove_file(dir.join("b.ron")).expect("remove");
    until(&mut app, Duration::from_secs(2), "the removal", |a| {
        screen(a) == Screen::Library
    });
    assert!(app.world().resource::<Play>().0.is_none());
    app.update();
    assert_eq!(
        statuses(&data),
        [("bravo".to_string(), AttemptStatus::Abandoned)],
        "the attempt at the removed scenario is recorded abandoned"
    );
}

mod keys {
    use bevy_egui::egui::{self, Key};
    use courtesy::app::flow::Action;
    use courtesy::app::i18n::Lang;
    use courtesy::app::screens::library::{self, Card, LibraryVm};
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    fn vm(n: usize) -> LibraryVm {
        LibraryVm {
            lang: Lang::En,
            trainee: "Li Lei".into(),
            cards: (1..=n)
                .map(|i| Card {
                    title: format!("Scenario {i}"),
                    category: "Complaints".into(),
                    difficulty: "Intermediate".into(),
                    minutes: 8,
                    principles: vec!["Respect".into()],
                    best: None,
                })
                .collect(),
        }
    }

    #[test]
    fn cards_beyond_nine_are_reached_with_the_arrow_keys_and_scrolled_into_view() {
        let mut h = Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .with_max_steps(60)
            .build_ui_state(
                |ui, s: &mut (LibraryVm, Option<Action>)| {
                    if let Some(a) = library::ui(ui, &s.0) {
                        s.1 = Some(a);
                    }
                },
                (vm(14), None),
            );
        h.run();
        let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 800.0));
        let last = "Open Scenario 14";
        assert!(
            !window.contains_rect(h.get_by_label(last).rect()),
            "the 14th card starts out of view (else this test shows nothing)"
        );
        h.key_press(Key::ArrowDown);
        h.run();
        assert!(h.get_by_label("Open Scenario 1").is_focused());
        for _ in 0..13 {
            h.key_press(Key::ArrowDown);
            h.run();
        }
        let node = h.get_by_label(last);
        assert!(node.is_focused(), "Down reached the 14th card");
        assert!(
            window.contains_rect(node.rect()),
            "the list scrolled to the focused card: {:?}",
            node.rect()
        );
        h.key_press(Key::Enter);
        h.run();
        assert_eq!(h.state().1, Some(Action::OpenScenario(13)));
        // Up goes back; Tab also moves on, and the list follows it.
        h.state_mut().1 = None;
        h.key_press(Key::ArrowUp);
        h.run();
        assert!(h.get_by_label("Open Scenario 13").is_focused());
        h.key_press(Key::Tab);
        h.run();
        let node = h.get_by_label(last);
        assert!(node.is_focused(), "Tab moved on to the next card");
        assert!(window.contains_rect(node.rect()));
        assert_eq!(h.state().1, None);
    }
}

#[test]
fn a_new_file_gets_the_next_card_number_and_the_selection_follows_its_id() {
    use courtesy::app::flow::Selected;
    let tmp = tempfile::tempdir().expect("tempdir");
    let (dir, data) = (tmp.path().join("scenarios"), tmp.path().join("data"));
    std::fs::create_dir_all(&dir).expect("dir");
    write(&dir, "b.ron", &scenario("bravo"));
    write(&dir, "c.ron", &scenario("charlie"));
    let mut app = app(&dir, &data);
    until(&mut app, Duration::from_secs(2), "the watcher", |a| {
        a.world()
            .get_resource::<courtesy::app::hot_reload::Watcher>()
            .is_some()
    });
    send(
        &mut app,
        Action::SignIn {
            name: "Li Lei".into(),
            settings: Settings::default(),
        },
    );
    open(&mut app, "charlie");
    send(&mut app, Action::StartConversation);
    assert_eq!(ids(&app), ["bravo", "charlie"]);
    // a.ron sorts first in the folder, but the cards already shown keep their numbers.
    write(&dir, "a.ron", &scenario("alpha"));
    until(&mut app, Duration::from_secs(2), "the added file", |a| {
        ids(a).len() == 3
    });
    assert_eq!(ids(&app), ["bravo", "charlie", "alpha"]);
    assert_eq!(
        *app.world().resource::<Selected>(),
        Selected(Some("charlie".into()))
    );
    let a = app.world().resource::<Play>();
    assert_eq!(a.0.as_ref().map(|a| a.scenario.as_str()), Some("charlie"));
    assert_eq!(screen(&app), Screen::Conversation, "the attempt goes on");
}
