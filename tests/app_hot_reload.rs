//! Hot reload without a window: the good → broken → fixed sequence, added and removed
//! files, both through `Reloader` directly and through the watcher thread + bevy systems.
#![cfg(feature = "app")]

mod support;
use support::app::{flow_app, send, until};

use bevy::prelude::*;
use courtesy::app::author::{AuthorAction, AuthorMode, Preview};
use courtesy::app::flow::{Action, Catalog, Play, Screen, Selected, Settings};
use courtesy::app::hot_reload::{HotReloadSources, ReloadPanel, Reloader, WatchAlways, Watcher};
use courtesy::app::i18n::Lang;
use courtesy::core::library::Source;
use courtesy::core::session::Current;
use std::path::Path;
use std::time::Duration;

const GOOD: &str = include_str!("fixtures/scoring-case.ron");

fn good() -> String {
    GOOD.to_string()
}

/// The same scenario with its `done` ending saying something else (a visible edit).
fn edited() -> String {
    GOOD.replace("\"en\": \"Solved.\"", "\"en\": \"Solved, thank you!\"")
}

/// The start step points nowhere: a validation error on a known line.
fn broken() -> String {
    GOOD.replace("start: \"s1\"", "start: \"nowhere\"")
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write scenario");
}

fn done_text(entry: &courtesy::app::loader::CatalogEntry) -> String {
    entry
        .scenario
        .ending("done")
        .map(|e| e.text.get("en").to_string())
        .unwrap_or_default()
}

#[test]
fn good_broken_fixed_keeps_the_last_good_version() {
    assert_ne!(good(), edited());
    assert_ne!(good(), broken());
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "case.ron", &good());
    let mut r = Reloader::new(dir);
    let s = r.snapshot();
    assert_eq!(s.entries.len(), 1);
    assert!(s.problems.is_empty());
    assert_eq!(done_text(&s.entries[0]), "Solved.");
    assert!(r.poll().is_none(), "nothing changed");

    write(dir, "case.ron", &broken());
    let s = r.poll().expect("the broken edit is noticed");
    assert_eq!(s.entries.len(), 1, "the last good version is still served");
    assert_eq!(done_text(&s.entries[0]), "Solved.");
    assert!(!s.problems.is_empty(), "the error is reported");
    let p = &s.problems[0];
    assert!(p.file.ends_with("case.ron"));
    assert!(
        p.location.is_some_and(|l| l.line > 0),
        "the problem has a line: {p:?}"
    );
    assert!(p.message.contains("nowhere"), "{p:?}");
    assert!(p.one_line().starts_with("case.ron:"), "{}", p.one_line());

    write(dir, "case.ron", &edited());
    let s = r.poll().expect("the fix is noticed");
    assert!(s.problems.is_empty(), "fixed: no problems left");
    assert_eq!(s.entries.len(), 1);
    assert_eq!(done_text(&s.entries[0]), "Solved, thank you!");
}

#[test]
fn files_can_be_added_and_removed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "a.ron", &good());
    let mut r = Reloader::new(dir);
    assert_eq!(r.snapshot().entries.len(), 1);

    let second = good().replace("id: \"scoring-case\"", "id: \"second-case\"");
    write(dir, "b.ron", &second);
    let s = r.poll().expect("the new file is noticed");
    let ids: Vec<&str> = s.entries.iter().map(|e| e.scenario.id.as_str()).collect();
    assert_eq!(ids, ["scoring-case", "second-case"]);

    // A second file reusing an id is reported, not offered.
    write(dir, "c.ron", &good());
    let s = r.poll().expect("noticed");
    assert_eq!(s.entries.len(), 2);
    assert!(s.problems.iter().any(|p| p.file.ends_with("c.ron")));

    std::fs::remove_file(dir.join("c.ron")).expect("remove");
    std::fs::remove_file(dir.join("a.ron")).expect("remove");
    let s = r.poll().expect("the removals are noticed");
    let ids: Vec<&str> = s.entries.iter().map(|e| e.scenario.id.as_str()).collect();
    assert_eq!(ids, ["second-case"]);
    assert!(s.problems.is_empty());
    // Other files are ignored.
    write(dir, "notes.txt", "hello");
    assert!(r.poll().is_none());
}

/// A file that lost a duplicate-id clash comes back as soon as the clash is gone, without
/// being edited itself (it used to stay out until it changed).
#[test]
fn the_loser_of_an_id_clash_returns_when_the_clash_is_gone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "a.ron", &good());
    write(dir, "b.ron", &edited());
    let mut r = Reloader::new(dir);
    let s = r.snapshot();
    assert_eq!(s.entries.len(), 1, "one of the two is offered");
    assert!(s.entries[0].path.ends_with("a.ron"));
    assert_eq!(s.problems.len(), 1, "{:?}", s.problems);
    assert!(s.problems[0].file.ends_with("b.ron"));

    // Something else changes: the clash is reported once, not once more per poll.
    write(dir, "notes.ron", "(id: ");
    let s = r.poll().expect("noticed");
    let clashes = s
        .problems
        .iter()
        .filter(|p| p.file.ends_with("b.ron"))
        .count();
    assert_eq!(clashes, 1, "{:?}", s.problems);

    // The winner goes away: b.ron, unchanged, is offered now.
    std::fs::remove_file(dir.join("a.ron")).expect("remove");
    std::fs::remove_file(dir.join("notes.ron")).expect("remove");
    let s = r.poll().expect("the removal is noticed");
    assert_eq!(s.entries.len(), 1, "{:?}", s.problems);
    assert!(s.entries[0].path.ends_with("b.ron"));
    assert_eq!(done_text(&s.entries[0]), "Solved, thank you!");
    assert!(s.problems.is_empty(), "{:?}", s.problems);
}

static EMBEDDED: &[courtesy::core::library::EmbeddedFile] =
    &[courtesy::core::library::EmbeddedFile {
        name: "case.ron",
        bytes: GOOD.as_bytes(),
    }];

/// A folder's copy replaces the embedded scenario while it is there; removing it brings
/// the embedded one back.
#[test]
fn a_folder_copy_replaces_the_embedded_scenario_while_it_exists() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let mut r = Reloader::with_sources(vec![
        Source::Embedded(EMBEDDED),
        Source::Folder(dir.to_path_buf()),
    ]);
    let s = r.snapshot();
    assert_eq!(s.entries.len(), 1);
    assert_eq!(done_text(&s.entries[0]), "Solved.");

    write(dir, "mine.ron", &edited());
    let s = r.poll().expect("the copy is noticed");
    assert_eq!(s.entries.len(), 1, "replaced, not added");
    assert_eq!(done_text(&s.entries[0]), "Solved, thank you!");
    assert!(s.problems.is_empty(), "{:?}", s.problems);

    std::fs::remove_file(dir.join("mine.ron")).expect("remove");
    let s = r.poll().expect("the removal is noticed");
    assert_eq!(s.entries.len(), 1);
    assert_eq!(done_text(&s.entries[0]), "Solved.");
}

fn app(dir: &Path) -> App {
    app_with(dir, true, false)
}

fn app_with(dir: &Path, author: bool, watch: bool) -> App {
    let (catalog, _) = courtesy::app::loader::load_dir(dir).expect("loads");
    flow_app(Catalog(catalog), |app| {
        app.insert_resource(Settings {
            lang: Lang::En,
            ..Default::default()
        })
        .insert_resource(HotReloadSources(vec![Source::Folder(dir.to_path_buf())]))
        .insert_resource(AuthorMode(author))
        .insert_resource(WatchAlways(watch));
    })
}

fn done_in_catalog(app: &App) -> String {
    app.world()
        .resource::<Catalog>()
        .0
        .first()
        .map(done_text)
        .unwrap_or_default()
}

fn at(app: &App) -> String {
    match app
        .world()
        .resource::<Play>()
        .0
        .as_ref()
        .map(|a| a.session.current())
    {
        Some(Current::Step(v)) => v.step_id.clone(),
        Some(Current::Ended(e)) => format!("ended:{}", e.ending_id),
        None => "none".into(),
    }
}

#[test]
fn the_running_app_picks_up_edits_and_restarts_the_preview() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "case.ron", &good());
    let mut app = app(dir);
    send(
        &mut app,
        Action::SignIn {
            name: "Trainer".into(),
            settings: Settings {
                lang: Lang::En,
                ..Default::default()
            },
        },
    );
    send(&mut app, Action::OpenScenario("scoring-case".into()));
    send(&mut app, Action::StartConversation);
    assert_eq!(
        *app.world().resource::<State<Screen>>().get(),
        Screen::Author
    );
    app.world_mut()
        .write_message(AuthorAction::Choose("a".into()));
    app.update();
    assert_eq!(at(&app), "s2");
    // Give the watcher thread time to take its first look before editing.
    std::thread::sleep(Duration::from_millis(300));

    write(dir, "case.ron", &broken());
    let limit = Duration::from_millis(900);
    until(&mut app, limit, "the error panel", |a| {
        !a.world().resource::<ReloadPanel>().problems.is_empty()
    });
    assert_eq!(
        done_in_catalog(&app),
        "Solved.",
        "the last good version stays"
    );
    assert!(app.world().resource::<ReloadPanel>().visible());
    assert_eq!(at(&app), "s2", "the preview is untouched by a broken edit");

    write(dir, "case.ron", &edited());
    until(&mut app, limit, "the fixed version", |a| {
        done_in_catalog(a) == "Solved, thank you!"
    });
    let panel = app.world().resource::<ReloadPanel>().clone();
    assert!(panel.problems.is_empty());
    let notice = panel.notice.expect("the restart is announced");
    assert!(notice.contains("s2"), "{notice}");
    assert_eq!(at(&app), "s2", "the preview restarted at the same step");
    let a = app.world().resource::<Play>().0.as_ref().expect("preview");
    assert!(a.preview);
    assert!(a.session.transcript().is_empty());
    assert!(app.world().resource::<Preview>().0.is_some());

    // Removing the previewed scenario goes back to the library.
    std::fs::remove_file(dir.join("case.ron")).expect("remove");
    until(&mut app, limit, "the removal", |a| {
        a.world().resource::<Catalog>().0.is_empty()
    });
    app.update();
    assert_eq!(
        *app.world().resource::<State<Screen>>().get(),
        Screen::Library
    );
    assert!(app.world().resource::<Play>().0.is_none());
    assert_eq!(*app.world().resource::<Selected>(), Selected(None));

    // Adding a file offers it.
    write(dir, "new.ron", &edited());
    until(&mut app, limit, "the added file", |a| {
        a.world().resource::<Catalog>().0.len() == 1
    });
}

#[test]
fn a_trainee_station_does_not_watch_unless_told_to() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    write(dir, "case.ron", &good());
    // Neither author mode nor --watch: no watcher, so an edit is not picked up.
    let mut quiet = app_with(dir, false, false);
    for _ in 0..5 {
        quiet.update();
    }
    assert!(quiet.world().get_resource::<Watcher>().is_none());
    write(dir, "case.ron", &edited());
    std::thread::sleep(Duration::from_millis(400));
    quiet.update();
    assert_eq!(done_in_catalog(&quiet), "Solved.");

    // With --watch the same edit arrives through the OS notification, promptly.
    write(dir, "case.ron", &good());
    let mut watching = app_with(dir, false, true);
    until(&mut watching, Duration::from_secs(2), "the watcher", |a| {
        a.world().get_resource::<Watcher>().is_some()
    });
    write(dir, "case.ron", &edited());
    until(&mut watching, Duration::from_millis(900), "the edit", |a| {
        done_in_catalog(a) == "Solved, thank you!"
    });
}
