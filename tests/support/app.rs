//! Shared by the app tests: the scoring-case fixture as a catalogue entry, a headless flow
//! `App` (MinimalPlugins + StatesPlugin + the flow plugin), driving it with `Action`s, and a
//! kittest harness around one screen's `ui` function.
#![allow(dead_code)]

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use bevy_egui::egui;
use courtesy::app::flow::{Action, Catalog, Screen, Seeds, Settings};
use courtesy::app::loader::CatalogEntry;
use courtesy::app::manager::Manager;
use courtesy::app::theme;
use courtesy::core::load::{content_hash, parse_str};
use egui_kittest::Harness;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// tests/fixtures/scoring-case.ron.
pub fn fixture_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/scoring-case.ron"
    ))
}

/// A catalogue entry for the scenario text `src`, as if read from `path`.
pub fn entry(path: PathBuf, src: &str) -> CatalogEntry {
    CatalogEntry {
        scenario: Arc::new(parse_str(src).expect("fixture parses")),
        content_hash: content_hash(src),
        origin: courtesy::core::library::Origin::File(path.clone()),
        source: src.into(),
        path,
    }
}

/// The scoring-case fixture, unchanged, as a catalogue entry.
pub fn fixture() -> CatalogEntry {
    let path = fixture_path();
    let src = std::fs::read_to_string(&path).expect("fixture readable");
    entry(path, &src)
}

/// A headless flow app over `catalog` with seeds from 7; `setup` inserts any further
/// resources before the flow plugin is added. Runs one frame.
pub fn flow_app(catalog: Catalog, setup: impl FnOnce(&mut App)) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin))
        .insert_resource(catalog)
        .insert_resource(Seeds::starting_at(7));
    setup(&mut app);
    app.add_plugins(courtesy::app::flow_plugin);
    app.update();
    app
}

/// Sends `action`, then runs two frames: one applies it, the next makes the state transition.
pub fn send(app: &mut App, action: Action) {
    app.world_mut().write_message(action);
    app.update();
    app.update();
}

/// The screen the app shows now.
pub fn screen(app: &App) -> Screen {
    *app.world().resource::<State<Screen>>().get()
}

/// Runs frames until `done` holds; fails after `limit`, naming `what` it waited for.
pub fn until(app: &mut App, limit: Duration, what: &str, done: impl Fn(&App) -> bool) {
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

/// Runs frames until the manager's background work is done (at most about 12 s).
pub fn wait_idle(app: &mut App) {
    for _ in 0..600 {
        app.update();
        if !app.world().resource::<Manager>().busy() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the manager's background work did not finish");
}

/// A kittest harness of `size` that draws `ui_fn` over the view model and keeps the last
/// action it returned.
pub fn harness<'a, Vm: 'a, A: 'a>(
    size: egui::Vec2,
    vm: Vm,
    mut ui_fn: impl FnMut(&mut egui::Ui, &mut Vm) -> Option<A> + 'a,
) -> Harness<'a, (Vm, Option<A>)> {
    Harness::builder().with_size(size).build_ui_state(
        move |ui, state: &mut (Vm, Option<A>)| {
            if let Some(a) = ui_fn(ui, &mut state.0) {
                state.1 = Some(a);
            }
        },
        (vm, None),
    )
}

/// Sets the app's fonts and its light and dark styles for `settings` on `ctx`.
pub fn themed(ctx: &egui::Context, settings: &Settings) {
    ctx.set_fonts(theme::fonts_for(settings.lang));
    let s = theme::style(settings);
    ctx.set_style_of(egui::Theme::Light, s.clone());
    ctx.set_style_of(egui::Theme::Dark, s);
}

/// [`harness`] for a screen whose `ui` only reads its view model.
pub fn screen_harness<'a, Vm: 'a, A: 'a>(
    size: egui::Vec2,
    vm: Vm,
    ui_fn: impl Fn(&mut egui::Ui, &Vm) -> Option<A> + 'a,
) -> Harness<'a, (Vm, Option<A>)> {
    harness(size, vm, move |ui, vm| ui_fn(ui, vm))
}

/// English settings, everything else default.
pub fn english() -> Settings {
    Settings {
        lang: courtesy::app::i18n::Lang::En,
        ..Default::default()
    }
}

/// Signs `name` in with `settings` (two frames, as [`send`]).
pub fn sign_in_as(app: &mut App, name: &str, settings: Settings) {
    send(
        app,
        Action::SignIn {
            name: name.into(),
            settings,
        },
    );
}

/// The manager's dashboard over `data` on `tab`, with the scenario names of `entry`,
/// refreshed as the app refreshes it.
pub fn dashboard_vm(
    entry: CatalogEntry,
    data: courtesy::app::manager::Dashboard,
    lang: courtesy::app::i18n::Lang,
    tab: courtesy::app::screens::manager::Tab,
) -> courtesy::app::screens::manager::DashboardVm {
    let mut vm = courtesy::app::screens::manager::DashboardVm {
        lang,
        names: courtesy::app::manager::Names::from_catalog(&[entry], lang),
        data,
        tab,
        locks_in: 300,
        ..Default::default()
    };
    vm.refresh(None);
    vm
}
