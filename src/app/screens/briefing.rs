//! The briefing: the situation, the customer (with any special needs) and a good outcome.

use crate::app::flow::{Action, Catalog, Screen, Selected, Settings, TimerMode};
use crate::app::i18n::{Lang, T, colon};
use crate::app::screens::{add_screen_system, bottom_panel, caption, continue_pressed, hint, show};
use bevy::prelude::*;
use bevy_egui::EguiContexts;
use bevy_egui::egui::{self, Key, RichText};

/// What the briefing shows.
#[derive(Debug, Clone, PartialEq)]
pub struct BriefingVm {
    pub lang: Lang,
    pub title: String,
    pub subtitle: String,
    pub situation: String,
    pub customer: String,
    pub wants: String,
    pub special_needs: Option<String>,
    pub goal: String,
    /// Whether some steps are timed (and timers are on).
    pub timed: bool,
}

pub fn view_model(
    catalog: &Catalog,
    selected: &Selected,
    settings: &Settings,
) -> Option<BriefingVm> {
    let entry = selected.entry(catalog)?;
    let s = &entry.scenario;
    let loc = settings.lang.code();
    Some(BriefingVm {
        lang: settings.lang,
        title: s.title.get(loc).to_string(),
        subtitle: format!(
            "{} · {} · {}",
            s.category.get(loc),
            s.difficulty.label(loc),
            T::AboutMinutes.fmt(settings.lang, &[&s.minutes])
        ),
        situation: s.briefing.get(loc).to_string(),
        customer: s.customer.name.get(loc).to_string(),
        wants: s.customer.wants.get(loc).to_string(),
        special_needs: s
            .customer
            .special_needs
            .as_ref()
            .map(|t| t.get(loc).to_string()),
        goal: s.goal.get(loc).to_string(),
        timed: settings.timers != TimerMode::Off
            && s.steps.iter().any(|st| st.time_limit.is_some()),
    })
}

/// Draws the briefing; Enter/Space or the button start, Escape or the back button leave.
pub fn ui(ui: &mut egui::Ui, vm: &BriefingVm) -> Option<Action> {
    let lang = vm.lang;
    let mut out = None;
    // The buttons in a strip of their own at the bottom: at the largest text size a long
    // briefing scrolls above them and never pushes them out of the window.
    bottom_panel(ui, "briefing-actions", |ui| {
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            if ui
                .button(RichText::new(T::Start.get(lang)).strong())
                .clicked()
            {
                out = Some(Action::StartConversation);
            }
            if ui.button(T::BackToLibrary.get(lang)).clicked() {
                out = Some(Action::BackToLibrary);
            }
        });
        hint(ui, lang, T::HintBriefing);
    });
    egui::CentralPanel::default().show(ui, |ui| {
        ui.heading(format!("{} — {}", T::BriefingTitle.get(lang), vm.title));
        ui.label(RichText::new(&vm.subtitle).weak());
        ui.separator();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                caption(ui, T::Situation.get(lang));
                ui.label(&vm.situation);
                ui.add_space(8.0);
                caption(ui, T::TheCustomer.get(lang));
                ui.label(&vm.customer);
                ui.label(format!("{}{}{}", T::Wants.get(lang), colon(lang), vm.wants));
                if let Some(needs) = &vm.special_needs {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.label(
                            RichText::new(format!(
                                "⚠ {}{}{}",
                                T::SpecialNeeds.get(lang),
                                colon(lang),
                                needs
                            ))
                            .strong(),
                        );
                    });
                }
                ui.add_space(8.0);
                caption(ui, T::Goal.get(lang));
                ui.label(&vm.goal);
                if vm.timed {
                    ui.add_space(8.0);
                    ui.label(RichText::new(format!("⏱ {}", T::TimedNote.get(lang))).italics());
                }
            });
    });
    if continue_pressed(ui) {
        out = Some(Action::StartConversation);
    } else if ui.input(|i| i.key_pressed(Key::Escape)) {
        out = Some(Action::BackToLibrary);
    }
    out
}

pub(crate) fn plugin(app: &mut App) {
    add_screen_system(app, Screen::Briefing, draw);
}

fn draw(
    mut contexts: EguiContexts,
    catalog: Res<Catalog>,
    selected: Res<Selected>,
    settings: Res<Settings>,
    mut actions: MessageWriter<Action>,
) -> Result {
    let Some(vm) = view_model(&catalog, &selected, &settings) else {
        return Ok(());
    };
    show(&mut contexts, &mut actions, |u| ui(u, &vm))
}
