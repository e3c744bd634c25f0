//! Feedback after each reply: rating per principle, the mood change, the explanation and
//! the cited rules by title (hover or expand for the rule text; the id only in the tooltip).

use crate::app::flow::{Action, Catalog, Play, Screen, Settings};
use crate::app::i18n::{Lang, T};
use crate::app::screens::conversation::{CustomerVm, customer_panel};
use crate::app::screens::{add_play_screen, bottom_panel, caption, continue_pressed, hint};
use crate::app::theme::Palette;
use crate::core::mood::MoodBand;
use crate::core::session::CitedRule;
use bevy::prelude::*;
use bevy_egui::egui::{self, RichText};

/// What the feedback screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackVm {
    pub lang: Lang,
    pub high_contrast: bool,
    pub customer: CustomerVm,
    pub reply_text: String,
    pub timed_out: bool,
    /// (principle label, rating −2…+2), in the scenario's principle order.
    pub ratings: Vec<(String, i64)>,
    pub mood_before: (i32, String),
    pub mood_after: (i32, String),
    pub explanation: String,
    /// The reply is a serious mistake that fails the attempt (`critical` in the scenario).
    pub critical: bool,
    pub cited: Vec<CitedRule>,
}

pub fn view_model(play: &Play, catalog: &Catalog, settings: &Settings) -> Option<FeedbackVm> {
    let a = play.0.as_ref()?;
    let fb = a.feedback.as_ref()?;
    let entry = catalog.get(&a.scenario)?;
    let loc = a.session.locale();
    let ui_loc = settings.lang.code();
    let band = |m: i32| (m, MoodBand::of(m).label(ui_loc).to_string());
    Some(FeedbackVm {
        lang: settings.lang,
        high_contrast: settings.high_contrast,
        customer: CustomerVm {
            name: entry.scenario.customer.name.get(loc).to_string(),
            mood: fb.mood_after,
            mood_label: MoodBand::of(fb.mood_after).label(ui_loc).to_string(),
        },
        reply_text: fb.reply_text.clone(),
        timed_out: fb.timed_out,
        ratings: entry
            .scenario
            .principles
            .iter()
            .filter_map(|p| fb.ratings.get(p).map(|r| (p.label(ui_loc).to_string(), *r)))
            .collect(),
        mood_before: band(fb.mood_before),
        mood_after: band(fb.mood_after),
        explanation: fb.explanation.clone(),
        critical: fb.critical,
        cited: fb.cited.clone(),
    })
}

/// A rating as shown: `+2`, `0`, `−1`.
pub(crate) fn signed(v: i64) -> String {
    match v.signum() {
        1 => format!("+{v}"),
        -1 => format!("−{}", v.unsigned_abs()),
        _ => "0".to_string(),
    }
}

/// A cited rule as the trainee reads it: its title, in words. The id (`L9`) is for
/// trainers and shows only in the tooltip; a rule without a title falls back to it.
fn rule_heading(rule: &CitedRule) -> String {
    if rule.title.trim().is_empty() {
        rule.id.clone()
    } else {
        rule.title.clone()
    }
}

/// The hover text of a cited rule: its text, then the id trainers look it up by.
fn rule_tooltip(rule: &CitedRule) -> String {
    if rule.text.trim().is_empty() {
        format!("({})", rule.id)
    } else {
        format!("{}\n({})", rule.text, rule.id)
    }
}

/// Draws the feedback; Enter, Space or the button continue.
pub fn ui(ui: &mut egui::Ui, vm: &FeedbackVm) -> Option<Action> {
    let lang = vm.lang;
    let palette = Palette::of(vm.high_contrast);
    let mut out = None;
    egui::Panel::left("customer")
        .resizable(false)
        .exact_size(230.0)
        .show(ui, |ui| {
            customer_panel(ui, &vm.customer, lang, vm.high_contrast)
        });
    bottom_panel(ui, "continue", |ui| {
        ui.add_space(6.0);
        if ui
            .button(RichText::new(T::Continue.get(lang)).strong())
            .clicked()
        {
            out = Some(Action::Continue);
        }
        hint(ui, lang, T::HintContinue);
    });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.heading(T::FeedbackTitle.get(lang));
                if vm.timed_out {
                    ui.label(
                        RichText::new(T::TimedOut.get(lang))
                            .italics()
                            .color(palette.bad),
                    );
                }
                if vm.critical {
                    ui.label(
                        RichText::new(format!("⚠ {}", T::CriticalBadge.get(lang)))
                            .strong()
                            .color(palette.bad),
                    );
                }
                caption(ui, T::YouSaid.get(lang));
                ui.label(format!("“{}”", vm.reply_text));
                ui.add_space(6.0);
                ui.horizontal_wrapped(|ui| {
                    for (label, r) in &vm.ratings {
                        egui::Frame::group(ui.style()).show(ui, |ui| {
                            ui.label(
                                RichText::new(format!("{} {label}", signed(*r)))
                                    .strong()
                                    .color(palette.signed(*r)),
                            );
                        });
                    }
                });
                let change = i64::from(vm.mood_after.0 - vm.mood_before.0);
                ui.label(
                    RichText::new(format!(
                        "{} {}",
                        T::MoodChange.fmt(
                            lang,
                            &[
                                &vm.mood_before.0,
                                &vm.mood_before.1,
                                &vm.mood_after.0,
                                &vm.mood_after.1
                            ]
                        ),
                        signed(change)
                    ))
                    .color(palette.signed(change)),
                );
                ui.add_space(6.0);
                caption(ui, T::Why.get(lang));
                ui.label(&vm.explanation);
                if !vm.cited.is_empty() {
                    ui.add_space(6.0);
                    caption(ui, T::CitedRules.get(lang));
                    for rule in &vm.cited {
                        let header = egui::CollapsingHeader::new(rule_heading(rule))
                            .id_salt(&rule.id)
                            .show(ui, |ui| {
                                ui.label(&rule.text);
                            });
                        header.header_response.on_hover_text(rule_tooltip(rule));
                    }
                }
            });
    });
    let (leave, asking) = crate::app::screens::conversation::leave_confirm(ui, lang);
    if asking {
        return leave;
    }
    if continue_pressed(ui) {
        out = Some(Action::Continue);
    }
    out
}

pub(crate) fn plugin(app: &mut App) {
    add_play_screen(app, Screen::Feedback, view_model, ui);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_id_only_in_the_tooltip() {
        let rule = CitedRule {
            id: "L9".into(),
            title: "Apologise sincerely".into(),
            text: "Say sorry for the inconvenience, not for the rules.".into(),
        };
        assert_eq!(rule_heading(&rule), "Apologise sincerely");
        assert_eq!(
            rule_tooltip(&rule),
            "Say sorry for the inconvenience, not for the rules.\n(L9)"
        );
        let untitled = CitedRule {
            id: "L9".into(),
            title: " ".into(),
            text: String::new(),
        };
        assert_eq!(rule_heading(&untitled), "L9");
    }
}
