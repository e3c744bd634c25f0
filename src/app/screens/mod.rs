//! The screens: one module per [`Screen`], each a view model, a pure `ui` function that
//! draws it and returns an [`Action`], and a plugin that runs it in the egui pass.

use crate::app::flow::{Action, Catalog, Play, Screen, Settings};
use crate::app::i18n::{Lang, T};
use crate::app::sync_status::StatusVm;
use bevy::prelude::*;
use bevy_egui::egui::{self, Key};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

pub mod assignments;
pub mod briefing;
pub mod conversation;
pub mod debrief;
pub mod feedback;
pub mod history;
pub mod library;
pub mod manager;
pub mod manager_assignments;
pub mod practise;
pub mod progress;
pub mod sign_in;

pub use crate::app::sets::UiSet;

/// Adds every screen's UI system.
pub(crate) fn plugin(app: &mut App) {
    app.configure_sets(
        EguiPrimaryContextPass,
        (UiSet::Theme, UiSet::Screens).chain(),
    );
    app.add_plugins((
        sign_in::plugin,
        library::plugin,
        briefing::plugin,
        conversation::plugin,
        feedback::plugin,
        debrief::plugin,
        manager::plugin,
        assignments::plugin,
        progress::plugin,
    ));
}

/// Adds `system` to the egui pass while `screen` is showing.
pub(crate) fn add_screen_system<M>(
    app: &mut App,
    screen: Screen,
    system: impl IntoScheduleConfigs<bevy::ecs::system::ScheduleSystem, M>,
) {
    app.add_systems(
        EguiPrimaryContextPass,
        system.run_if(in_state(screen)).in_set(UiSet::Screens),
    );
}

/// Adds the draw system of a screen of the current attempt: its view model from the play,
/// the catalogue and the settings (nothing is drawn while that is `None`), drawn by `ui`.
pub(crate) fn add_play_screen<Vm: 'static>(
    app: &mut App,
    screen: Screen,
    view_model: fn(&Play, &Catalog, &Settings) -> Option<Vm>,
    ui: fn(&mut egui::Ui, &Vm) -> Option<Action>,
) {
    add_screen_system(
        app,
        screen,
        move |mut contexts: EguiContexts,
              play: Res<Play>,
              catalog: Res<Catalog>,
              settings: Res<Settings>,
              mut actions: MessageWriter<Action>|
              -> Result {
            let Some(vm) = view_model(&play, &catalog, &settings) else {
                return Ok(());
            };
            show(&mut contexts, &mut actions, |u| ui(u, &vm))
        },
    );
}

/// Draws `f` in a central panel of the primary egui context, above the status bar, and
/// forwards its action.
pub(crate) fn show(
    contexts: &mut EguiContexts,
    actions: &mut MessageWriter<Action>,
    f: impl FnOnce(&mut egui::Ui) -> Option<Action>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "screen".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let status: Option<StatusVm> = ctx
        .data(|d| d.get_temp(crate::app::sync_status::status_id()))
        .flatten();
    if let Some(a) = frame(&mut root, status.as_ref(), f) {
        actions.write(a);
    }
    Ok(())
}

/// A screen's layout: the status bar (records and sync, when there is something to say)
/// in a strip of its own along the bottom, so it covers nothing, and the screen in the
/// rest (pure; what [`show`] draws, and what the tests draw).
pub fn frame(
    root: &mut egui::Ui,
    status: Option<&StatusVm>,
    f: impl FnOnce(&mut egui::Ui) -> Option<Action>,
) -> Option<Action> {
    if let Some(vm) = status {
        status_bar(root, vm);
    }
    let mut out = None;
    egui::CentralPanel::default().show(root, |ui| {
        out = f(ui);
    });
    out
}

/// The status bar: a bottom strip of `ui` with the records and sync status.
pub(crate) fn status_bar(ui: &mut egui::Ui, vm: &StatusVm) {
    bottom_panel(ui, "status-bar", |ui| {
        ui.add_space(2.0);
        crate::app::sync_status::ui(ui, vm);
    });
}

/// A fixed strip along the bottom of `ui` (buttons, hints, the status bar). A panel
/// takes the size its content had last frame; when that changes (a new screen, another
/// text size, a longer reply) the pass is drawn again at once, so that a grown strip
/// never overflows for a frame onto what is below it (the app draws no frame until
/// something happens, so a wrong first frame could stay on screen).
pub(crate) fn bottom_panel<R>(
    ui: &mut egui::Ui,
    id: &'static str,
    add: impl FnOnce(&mut egui::Ui) -> R,
) -> R {
    let r = egui::Panel::bottom(id).resizable(false).show(ui, add);
    let height = r.response.rect.height();
    let key = egui::Id::new(id).with("height");
    if ui.data(|d| d.get_temp::<f32>(key)) != Some(height) {
        ui.data_mut(|d| d.insert_temp(key, height));
        ui.ctx().request_discard(id);
    }
    r.inner
}

const DIGITS: [Key; 9] = [
    Key::Num1,
    Key::Num2,
    Key::Num3,
    Key::Num4,
    Key::Num5,
    Key::Num6,
    Key::Num7,
    Key::Num8,
    Key::Num9,
];

/// The 0-based index of a digit key 1–9 pressed this frame.
pub(crate) fn digit_pressed(ui: &egui::Ui) -> Option<usize> {
    ui.input(|i| DIGITS.iter().position(|k| i.key_pressed(*k)))
}

/// Whether Enter or Space was pressed this frame.
pub(crate) fn continue_pressed(ui: &egui::Ui) -> bool {
    ui.input(|i| i.key_pressed(Key::Enter) || i.key_pressed(Key::Space))
}

/// A full-width button whose text wraps.
pub(crate) fn wide_button(ui: &mut egui::Ui, text: impl Into<egui::WidgetText>) -> egui::Response {
    let w = ui.available_width();
    ui.add(egui::Button::new(text).wrap().min_size(egui::vec2(w, 0.0)))
}

/// A small grey key hint.
pub(crate) fn hint(ui: &mut egui::Ui, lang: Lang, key: T) {
    ui.label(egui::RichText::new(key.get(lang)).small().weak());
}

/// A section caption.
pub(crate) fn caption(ui: &mut egui::Ui, text: &str) {
    ui.label(egui::RichText::new(text).strong());
}
