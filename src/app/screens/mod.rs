//! The screens: one module per [`Screen`], each a view model, a pure `ui` function that
//! draws it and returns an [`Action`], and a plugin that runs it in the egui pass.

use crate::app::flow::{Action, Screen};
use crate::app::i18n::{Lang, T};
use bevy::prelude::*;
use bevy_egui::egui::{self, Key};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

pub mod briefing;
pub mod conversation;
pub mod debrief;
pub mod feedback;
pub mod history;
pub mod library;
pub mod manager;
pub mod sign_in;

/// Ordering inside the egui pass: the theme first, then the screen.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub enum UiSet {
    Theme,
    Screens,
}

/// Adds every screen's UI system.
pub fn plugin(app: &mut App) {
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

/// Draws `f` in a central panel of the primary egui context and forwards its action.
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
    let mut out = None;
    egui::CentralPanel::default().show(&mut root, |ui| {
        out = f(ui);
    });
    if let Some(a) = out {
        actions.write(a);
    }
    Ok(())
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
pub fn digit_pressed(ui: &egui::Ui) -> Option<usize> {
    ui.input(|i| DIGITS.iter().position(|k| i.key_pressed(*k)))
}

/// Whether Enter or Space was pressed this frame.
pub fn continue_pressed(ui: &egui::Ui) -> bool {
    ui.input(|i| i.key_pressed(Key::Enter) || i.key_pressed(Key::Space))
}

/// A full-width button whose text wraps.
pub fn wide_button(ui: &mut egui::Ui, text: impl Into<egui::WidgetText>) -> egui::Response {
    let w = ui.available_width();
    ui.add(egui::Button::new(text).wrap().min_size(egui::vec2(w, 0.0)))
}

/// A small grey key hint.
pub fn hint(ui: &mut egui::Ui, lang: Lang, key: T) {
    ui.label(egui::RichText::new(key.get(lang)).small().weak());
}

/// A section caption.
pub fn caption(ui: &mut egui::Ui, text: &str) {
    ui.label(egui::RichText::new(text).strong());
}
