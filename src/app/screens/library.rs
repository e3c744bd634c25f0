//! The scenario library: one card per scenario, opened by click, by the keys 1–9, or by
//! moving between the cards with the arrow keys (or Tab) and pressing Enter.

use crate::app::flow::{Action, Catalog, Screen, Settings, Trainee};
use crate::app::i18n::{Lang, T, colon};
use crate::app::screens::{add_screen_system, digit_pressed, hint, show};
use bevy::prelude::*;
use bevy_egui::EguiContexts;
use bevy_egui::egui::{self, RichText};

mod bests;

/// One scenario card.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// The scenario's id: what the card opens, and what keeps it focused across a reload.
    pub id: String,
    pub title: String,
    pub category: String,
    pub difficulty: String,
    pub minutes: u32,
    pub principles: Vec<String>,
    /// The trainee's best result so far, once attempt records exist (hidden while `None`).
    pub best: Option<String>,
}

/// What the library screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryVm {
    pub lang: Lang,
    pub trainee: String,
    pub cards: Vec<Card>,
}

/// Builds the cards from the catalog, in the trainee's language.
pub fn view_model(catalog: &Catalog, trainee: &Trainee, settings: &Settings) -> LibraryVm {
    let loc = settings.lang.code();
    LibraryVm {
        lang: settings.lang,
        trainee: trainee.name.clone(),
        cards: catalog
            .0
            .iter()
            .map(|e| {
                let s = &e.scenario;
                Card {
                    id: s.id.clone(),
                    title: s.title.get(loc).to_string(),
                    category: s.category.get(loc).to_string(),
                    difficulty: s.difficulty.label(loc).to_string(),
                    minutes: s.minutes,
                    principles: s
                        .principles
                        .iter()
                        .map(|p| p.label(loc).to_string())
                        .collect(),
                    best: None,
                }
            })
            .collect(),
    }
}

/// Draws the cards; returns [`Action::OpenScenario`] or [`Action::SignOut`].
pub fn ui(ui: &mut egui::Ui, vm: &LibraryVm) -> Option<Action> {
    ui_with(ui, vm, None)
}

/// [`ui`], led by the "Practise next" panel (`screens::practise`) when there is one.
pub fn ui_with(
    ui: &mut egui::Ui,
    vm: &LibraryVm,
    practise: Option<&crate::app::screens::practise::PractiseVm>,
) -> Option<Action> {
    let lang = vm.lang;
    let mut out = None;
    ui.horizontal(|ui| {
        ui.heading(T::LibraryTitle.get(lang));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button(T::SignOut.get(lang)).clicked() {
                out = Some(Action::SignOut);
            }
            ui.label(T::SignedInAs.fmt(lang, &[&vm.trainee]));
        });
    });
    hint(ui, lang, T::HintLibrary);
    ui.separator();
    if let Some(p) = practise {
        out = crate::app::screens::practise::panel(ui, p).or(out);
    }
    if vm.cards.is_empty() {
        ui.label(T::NoScenarios.get(lang));
    }
    // Up/Down (or Tab) move between the cards' Open buttons, Enter opens the focused
    // one: the way to cards beyond 9. The list scrolls to the card reached.
    let focus_id = egui::Id::new("library-focused-card");
    // The card focused last frame, or last reached: its scenario id, its place then and
    // its Open button. Kept by id, so a reload that moves the card keeps it; if its
    // scenario is gone, the card now in its place stands for it.
    let last: Option<(String, usize, egui::Id)> = ui.data(|d| d.get_temp(focus_id)).flatten();
    let place = |id: &str| vm.cards.iter().position(|c| c.id == id);
    let last_at = last.as_ref().map(|(id, at, _)| place(id).unwrap_or(*at));
    let focus = ui.memory(|m| m.focused());
    let on_card = last
        .as_ref()
        .filter(|(_, _, b)| focus == Some(*b))
        .and_then(|(id, _, _)| place(id));
    let (down, up) = ui.input(|i| {
        let plain = i.modifiers.is_none();
        (
            plain && i.key_pressed(egui::Key::ArrowDown),
            plain && i.key_pressed(egui::Key::ArrowUp),
        )
    });
    let n = vm.cards.len();
    // From a card: the next or previous one. From nothing focused: the card last
    // reached (back from its briefing), else the first (Down) or the last (Up).
    let move_to = match (on_card, focus.is_none(), down, up) {
        _ if n == 0 => None,
        (Some(i), _, true, _) => Some((i + 1).min(n - 1)),
        (Some(i), _, _, true) => Some(i.saturating_sub(1)),
        (None, true, true, _) => Some(last_at.map_or(0, |i| i.min(n - 1))),
        (None, true, _, true) => Some(last_at.map_or(n - 1, |i| i.min(n - 1))),
        _ => None,
    };
    if move_to.is_some() {
        // The list moves the focus itself (egui's own arrow navigation would pick the
        // nearest widget in any direction, e.g. the Sign out button).
        ui.memory_mut(|m| m.move_focus(egui::FocusDirection::None));
    }
    let mut focused = None;
    let mut reached = None;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (i, card) in vm.cards.iter().enumerate() {
                // The card's widgets take their ids from its scenario, not its place: a
                // reload that moves the card leaves the focus on its Open button.
                let scope = egui::UiBuilder::new().id(egui::Id::new(("library-card", &card.id)));
                let frame = ui
                    .scope_builder(scope, |ui| {
                        egui::Frame::group(ui.style())
                            .inner_margin(12.0)
                            .show(ui, |ui| {
                                ui.set_width(ui.available_width());
                                ui.horizontal(|ui| {
                                    ui.label(RichText::new(format!("{}", i + 1)).heading().weak());
                                    ui.vertical(|ui| {
                                        ui.label(RichText::new(&card.title).heading());
                                        ui.label(format!(
                                            "{} · {} {} · {}",
                                            card.category,
                                            T::Difficulty.get(lang),
                                            card.difficulty,
                                            T::AboutMinutes.fmt(lang, &[&card.minutes])
                                        ));
                                        ui.label(format!(
                                            "{}{}{}",
                                            T::Principles.get(lang),
                                            colon(lang),
                                            card.principles.join(" · ")
                                        ));
                                        if let Some(best) = &card.best {
                                            ui.label(
                                                RichText::new(T::BestSoFar.fmt(lang, &[best]))
                                                    .strong(),
                                            );
                                        }
                                        let open = ui.button(format!(
                                            "{} {}",
                                            T::Open.get(lang),
                                            card.title
                                        ));
                                        if open.gained_focus() {
                                            // Tab or an arrow key reached this card: show it all.
                                            reached = Some(i);
                                        }
                                        if move_to == Some(i) {
                                            open.request_focus();
                                        }
                                        if open.has_focus() || move_to == Some(i) {
                                            focused = Some((card.id.clone(), i, open.id));
                                        }
                                        if open.clicked() {
                                            out = Some(Action::OpenScenario(card.id.clone()));
                                        }
                                    });
                                });
                            })
                    })
                    .inner;
                if reached == Some(i) || move_to == Some(i) {
                    // The whole card in view, not only its button.
                    ui.scroll_to_rect(frame.response.rect, None);
                }
                ui.add_space(6.0);
            }
        });
    ui.data_mut(|d| d.insert_temp(focus_id, focused.or(last)));
    if let Some(card) = digit_pressed(ui).and_then(|i| vm.cards.get(i)) {
        out = Some(Action::OpenScenario(card.id.clone()));
    }
    out
}

pub(crate) fn plugin(app: &mut App) {
    add_screen_system(app, Screen::Library, draw);
}

#[allow(clippy::too_many_arguments)]
fn draw(
    mut contexts: EguiContexts,
    catalog: Res<Catalog>,
    trainee: Res<Trainee>,
    settings: Res<Settings>,
    mut actions: MessageWriter<Action>,
    mine: Option<Res<crate::app::records::TraineeRecords>>,
    records: Option<Res<crate::app::records::RecordStore>>,
    mut past: Local<Option<crate::app::screens::history::PastAttempt>>,
    yours: Option<Res<crate::app::screens::assignments::YourAssignments>>,
    practise: Option<Res<crate::app::screens::practise::PractiseScreen>>,
) -> Result {
    use crate::app::screens::history;
    let mut vm = view_model(&catalog, &trainee, &settings);
    let practise = practise.and_then(|p| p.0.clone());
    // "Your assignments" first (screens::assignments).
    let assigned = crate::app::screens::assignments::library_lines(
        yours.as_deref(),
        &trainee,
        &catalog,
        settings.lang,
    );
    // The trainee's own records (app::records): best per card, history beside the cards.
    let mut lines = Vec::new();
    if let Some(mine) = mine.as_deref().filter(|m| m.trainee == trainee.name.trim()) {
        bests::fill(&mut vm, mine);
        lines = history::lines(
            &mine.history,
            settings.lang,
            crate::core::records::time::now_ms(),
            |id| {
                catalog
                    .get(id)
                    .map(|e| e.scenario.title.get(settings.lang.code()).to_string())
                    .unwrap_or_else(|| id.to_string())
            },
        );
    }
    if let Some(p) = past.as_ref() {
        // A past attempt is open over the library: its window has the keys.
        let ctx = contexts.ctx_mut()?.clone();
        show(&mut contexts, &mut actions, |u| {
            history::side_panel(u, vm.lang, &lines);
            u.disable();
            crate::app::screens::assignments::panel(u, vm.lang, &assigned);
            ui_with(u, &vm, practise.as_ref());
            None
        })?;
        if history::past_attempt_ui(&ctx, p, settings.lang) {
            *past = None;
            ctx.request_repaint();
        }
        return Ok(());
    }
    let mut opened = None;
    show(&mut contexts, &mut actions, |u| {
        opened = history::side_panel(u, vm.lang, &lines);
        crate::app::screens::assignments::panel(u, vm.lang, &assigned);
        ui_with(u, &vm, practise.as_ref())
    })?;
    if let Some(id) = opened
        && let Some(store) = records.as_deref().and_then(|r| r.store.as_deref())
    {
        *past = Some(history::load_past(store, &id, &catalog, &settings));
        contexts.ctx_mut()?.request_repaint();
    }
    Ok(())
}
