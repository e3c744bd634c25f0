//! The library as the scenario folder changes under a running app: an attempt whose file
//! is removed is recorded abandoned, not dropped; card numbers and the selection follow
//! scenario ids, not positions in the folder.
#![cfg(feature = "app")]

mod support;
use support::app::{flow_app, screen, send, until};

use bevy::prelude::*;
use courtesy::app::flow::{Action, Catalog, Play, Screen, Settings};
use courtesy::app::hot_reload::{HotReloadSources, WatchAlways};
use courtesy::app::i18n::Lang;
use courtesy::app::records::RecordStore;
use courtesy::core::library::Source;
use courtesy::core::records::{AttemptStatus, Filter, Store};
use std::path::Path;
use std::time::Duration;

const GOOD: &str = include_str!("fixtures/scoring-case.ron");

/// The fixture scenario under another id (and title), as its own file.
fn scenario(id: &str) -> String {
    GOOD.replace("id: \"scoring-case\"", &format!("id: \"{id}\""))
        .replace("\"Scoring case\"", &format!("\"Scoring case {id}\""))
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write scenario");
}

fn app(dir: &Path, data: &Path) -> App {
    let (catalog, _) = courtesy::app::loader::load_dir(dir).expect("loads");
    let store = Store::open_in(data).expect("store");
    flow_app(Catalog(catalog), |app| {
        app.insert_resource(Settings {
            lang: Lang::En,
            ..Default::default()
        })
        .insert_resource(HotReloadSources(vec![Source::Folder(dir.to_path_buf())]))
        .insert_resource(WatchAlways(true))
        .insert_resource(RecordStore::with_store(store));
    })
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
    let reader = Store::open_in(data).expect("reader");
    reader
        .attempts(&Filter::all(), 10)
        .expect("attempts")
        .into_iter()
        .map(|a| (a.scenario, a.status))
        .collect()
}

fn open(app: &mut App, id: &str) {
    assert!(ids(app).iter().any(|x| x == id), "no {id}");
    send(app, Action::OpenScenario(id.into()));
}

/// A scenario folder with `files` (file name, scenario id), a data folder, and the app
/// watching the folder with Li Lei signed in.
struct Room {
    _tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    data: std::path::PathBuf,
    app: App,
}

fn watched_room(files: &[(&str, &str)]) -> Room {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (dir, data) = (tmp.path().join("scenarios"), tmp.path().join("data"));
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, id) in files {
        write(&dir, name, &scenario(id));
    }
    let mut app = app(&dir, &data);
    until(&mut app, Duration::from_secs(2), "the watcher", |a| {
        a.world()
            .get_resource::<courtesy::app::hot_reload::Watcher>()
            .is_some()
    });
    support::app::sign_in_as(&mut app, "Li Lei", support::app::english());
    Room {
        _tmp: tmp,
        dir,
        data,
        app,
    }
}

#[test]
fn removing_the_file_of_the_attempt_in_progress_records_it_abandoned() {
    let Room {
        _tmp,
        dir,
        data,
        mut app,
    } = watched_room(&[("a.ron", "alpha"), ("b.ron", "bravo")]);
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

#[test]
fn removing_the_scenario_last_opened_says_so_on_the_library() {
    use courtesy::app::hot_reload::ReloadPanel;
    let Room {
        _tmp, dir, mut app, ..
    } = watched_room(&[("a.ron", "alpha"), ("b.ron", "bravo"), ("c.ron", "charlie")]);
    open(&mut app, "bravo");
    send(&mut app, Action::BackToLibrary);
    // Another scenario goes: nothing to say.
    std::fs::remove_file(dir.join("c.ron")).expect("remove");
    until(&mut app, Duration::from_secs(2), "the first removal", |a| {
        ids(a).len() == 2
    });
    assert_eq!(app.world().resource::<ReloadPanel>().notice, None);
    std::fs::remove_file(dir.join("b.ron")).expect("remove");
    until(
        &mut app,
        Duration::from_secs(2),
        "the second removal",
        |a| ids(a) == ["alpha"],
    );
    assert_eq!(screen(&app), Screen::Library);
    let panel = app.world().resource::<ReloadPanel>();
    // By the title the trainee saw on its card, not the file's id.
    assert_eq!(
        panel.notice.as_deref(),
        Some("“Scoring case bravo” was removed.")
    );
    assert!(panel.visible());
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
                    id: format!("s{i}"),
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

    /// The library of `n` cards at 1280×800; the state keeps the last action.
    fn harness(n: usize) -> Harness<'static, (LibraryVm, Option<Action>)> {
        Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .with_max_steps(60)
            .build_ui_state(
                |ui, s: &mut (LibraryVm, Option<Action>)| {
                    if let Some(a) = library::ui(ui, &s.0) {
                        s.1 = Some(a);
                    }
                },
                (vm(n), None),
            )
    }

    #[test]
    fn cards_beyond_nine_are_reached_with_the_arrow_keys_and_scrolled_into_view() {
        let mut h = harness(14);
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
        assert_eq!(h.state().1, Some(Action::OpenScenario("s14".into())));
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

    #[test]
    fn the_focused_card_keeps_the_focus_when_a_reload_moves_it_and_its_place_when_it_goes() {
        let mut h = harness(5);
        h.run();
        for _ in 0..2 {
            h.key_press(Key::ArrowDown);
            h.run();
        }
        assert!(h.get_by_label("Open Scenario 2").is_focused());
        // A reload adds a card before it and moves it to the end.
        let mut cards = vm(5).cards;
        let two = cards.remove(1);
        cards.push(two);
        let mut new = cards[0].clone();
        (new.id, new.title) = ("s0".into(), "Scenario 0".into());
        cards.insert(0, new);
        h.state_mut().0.cards = cards;
        h.run();
        assert!(
            h.get_by_label("Open Scenario 2").is_focused(),
            "the focus follows the scenario, not its place"
        );
        h.key_press(Key::Enter);
        h.run();
        assert_eq!(h.state().1, Some(Action::OpenScenario("s2".into())));
        h.key_press(Key::ArrowDown);
        h.run();
        assert!(
            h.get_by_label("Open Scenario 2").is_focused(),
            "still the last card"
        );
        // Its scenario goes: Down then reaches the card now at its place (the last).
        h.state_mut().1 = None;
        h.state_mut().0.cards.retain(|c| c.id != "s2");
        h.run();
        assert!(h.query_by_label("Open Scenario 2").is_none());
        h.key_press(Key::ArrowDown);
        h.run();
        assert!(h.get_by_label("Open Scenario 5").is_focused());
        h.key_press(Key::ArrowUp);
        h.run();
        assert!(h.get_by_label("Open Scenario 4").is_focused());
        assert_eq!(h.state().1, None);
    }
}

#[test]
fn a_new_file_gets_the_next_card_number_and_the_selection_follows_its_id() {
    use courtesy::app::flow::Selected;
    let Room {
        _tmp, dir, mut app, ..
    } = watched_room(&[("b.ron", "bravo"), ("c.ron", "charlie")]);
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

#[test]
fn my_attempts_open_read_only_in_local_time_and_chinese_titles_wrap() {
    use bevy_egui::egui;
    use courtesy::app::records::TraineeRecords;
    use courtesy::app::screens::history::{self, PastAttempt};
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    let tmp = tempfile::tempdir().expect("tempdir");
    let (dir, data) = (tmp.path().join("scenarios"), tmp.path().join("data"));
    std::fs::create_dir_all(&dir).expect("dir");
    write(&dir, "a.ron", &scenario("alpha"));
    let mut app = app(&dir, &data);
    let settings = Settings {
        lang: Lang::Zh,
        ..Default::default()
    };
    send(
        &mut app,
        Action::SignIn {
            name: "Li Lei".into(),
            settings,
        },
    );
    // One finished attempt, one left half-way.
    open(&mut app, "alpha");
    send(&mut app, Action::StartConversation);
    send(&mut app, Action::Choose("a".into()));
    send(&mut app, Action::Continue);
    send(&mut app, Action::Choose("x".into()));
    send(&mut app, Action::Continue);
    assert_eq!(screen(&app), Screen::Debrief);
    send(&mut app, Action::BackToLibrary);
    open(&mut app, "alpha");
    send(&mut app, Action::StartConversation);
    send(&mut app, Action::Choose("b".into()));
    send(&mut app, Action::LeaveConversation);
    assert_eq!(screen(&app), Screen::Library);
    app.update();
    // The library reloads the trainee's records on entering it.
    send(&mut app, Action::OpenScenario("alpha".into()));
    app.world_mut().write_message(Action::BackToLibrary);
    app.update();
    app.update();
    let mine = app.world().resource::<TraineeRecords>().clone();
    assert_eq!(mine.history.len(), 2, "{mine:?}");
    let catalog = app.world().resource::<Catalog>().clone();
    let store = Store::open_in(&data).expect("reader");
    let finished = mine
        .history
        .iter()
        .find(|a| a.overall.is_some())
        .expect("finished");
    let left = mine
        .history
        .iter()
        .find(|a| a.overall.is_none())
        .expect("left");
    match history::load_past(&store, &finished.id, &catalog, &settings) {
        PastAttempt::Debrief(vm) => {
            assert_eq!(vm.transcript.len(), 2);
            assert_eq!(Some(vm.overall), finished.overall);
        }
        other => panic!("not a debrief: {other:?}"),
    }
    match history::load_past(&store, &left.id, &catalog, &settings) {
        PastAttempt::Unfinished { replies, .. } => assert_eq!(replies.len(), 1),
        other => panic!("not an unfinished attempt: {other:?}"),
    }

    // The list: local "today" times, a long Chinese title wrapped inside the panel, and
    // a click (or Enter) opens the attempt.
    let long = "回访电话：“已解决”的单子，没解决的问题，顾客第三次打来";
    let lines = history::lines(
        &mine.history,
        Lang::Zh,
        courtesy::core::records::time::now_ms(),
        |_| long.to_string(),
    );
    assert!(lines[0].when.starts_with("今天 "), "{}", lines[0].when);
    assert!(!lines[0].when.contains('T') && !lines[0].when.contains('Z'));
    let want = lines[1].id.clone();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(
            move |ui, opened: &mut Option<courtesy::core::records::AttemptId>| {
                if let Some(id) = history::side_panel(ui, Lang::Zh, &lines) {
                    *opened = Some(id);
                }
            },
            None,
        );
    let s = Settings {
        lang: Lang::Zh,
        ..Default::default()
    };
    h.ctx.set_fonts(courtesy::app::theme::fonts_for(Lang::Zh));
    h.ctx
        .set_style_of(egui::Theme::Light, courtesy::app::theme::style(&s));
    h.ctx
        .set_style_of(egui::Theme::Dark, courtesy::app::theme::style(&s));
    h.run();
    let buttons: Vec<_> = h
        .get_all_by_label_contains(long)
        .map(|n| n.rect())
        .collect();
    assert_eq!(buttons.len(), 2);
    for r in &buttons {
        assert!(r.right() <= 1280.0, "the title runs off the window: {r:?}");
        assert!(
            r.width() <= 300.0,
            "the title is wider than the panel: {r:?}"
        );
        assert!(
            r.height() > 60.0,
            "a long title wraps onto more lines: {r:?}"
        );
    }
    h.get_all_by_label_contains(long)
        .nth(1)
        .expect("second")
        .click();
    h.run();
    assert_eq!(h.state().as_ref(), Some(&want));
}
