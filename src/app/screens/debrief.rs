//! The debrief: a serious (critical) mistake first, if one was made; then overall score,
//! pass or fail, outcome, a bar per principle, and the transcript (with the customer's
//! reactions) with the best reply at each step and why. Retry or back to the library.

use crate::app::flow::{Action, Catalog, Play, Screen, Settings};
use crate::app::i18n::{Lang, T, colon};
use crate::app::screens::feedback::signed;
use crate::app::screens::{add_play_screen, bottom_panel, caption, hint};
use crate::app::theme::Palette;
use bevy::prelude::*;
use bevy_egui::egui::{self, Key, RichText};

/// One principle's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipleBar {
    pub label: String,
    /// 0–100, or `None` when no step of this attempt could tell good from bad on it.
    pub score: Option<f64>,
    pub below_floor: bool,
}

/// A critical reply the trainee chose, and why it is grave.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalVm {
    pub reply_text: String,
    pub why: String,
}

/// One answered step in the transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptStep {
    pub customer_line: String,
    pub chosen: String,
    /// The chosen reply was critical (a serious mistake).
    pub critical: bool,
    /// What the customer said straight after the reply, if the scenario has a line for it.
    pub reaction: Option<String>,
    pub timed_out: bool,
    /// Sum of the chosen reply's ratings.
    pub total: i64,
    /// The best reply and why, when the trainee chose another one.
    pub best: Option<(String, String)>,
}

/// What the debrief shows.
#[derive(Debug, Clone, PartialEq)]
pub struct DebriefVm {
    pub lang: Lang,
    pub high_contrast: bool,
    pub title: String,
    pub overall: f64,
    pub pass_mark: f64,
    pub passed: bool,
    /// The critical replies chosen: the debrief leads with them (any one fails the attempt).
    pub critical: Vec<CriticalVm>,
    /// Whether the score alone would have passed (shown beside a critical mistake).
    pub score_would_pass: bool,
    pub outcome: String,
    pub outcome_good: bool,
    pub ending_text: String,
    pub principles: Vec<PrincipleBar>,
    pub transcript: Vec<TranscriptStep>,
}

pub fn view_model(play: &Play, catalog: &Catalog, settings: &Settings) -> Option<DebriefVm> {
    let a = play.0.as_ref()?;
    let r = a.result.as_ref()?;
    let sc = &catalog.get(&a.scenario)?.scenario;
    Some(vm_from_result(sc, r, a.session.locale(), settings))
}

/// The debrief of `r`, an attempt at `sc` played in `loc` (also for a past attempt
/// replayed from the records: `screens::history`).
pub(crate) fn vm_from_result(
    sc: &crate::core::model::Scenario,
    r: &crate::core::session::AttemptResult,
    loc: &str,
    settings: &Settings,
) -> DebriefVm {
    let ui_loc = settings.lang.code();
    let ending_text = sc
        .ending(&r.ending)
        .map(|e| e.text.get(loc).to_string())
        .unwrap_or_default();
    let principles = sc
        .principles
        .iter()
        .map(|p| PrincipleBar {
            label: p.label(ui_loc).to_string(),
            score: r.principles.get(p).copied(),
            below_floor: r.below_floor.contains(p),
        })
        .collect();
    let transcript = r
        .transcript
        .iter()
        .map(|t| {
            let step = sc.step(&t.step_id);
            let reply = |id: &str| step.and_then(|s| s.reply(id));
            let chosen = reply(&t.chosen)
                .map(|x| x.text.get(loc).to_string())
                .unwrap_or_else(|| t.chosen.clone());
            let best = if t.best != t.chosen && !t.best.is_empty() {
                reply(&t.best)
                    .map(|b| (b.text.get(loc).to_string(), b.feedback.get(loc).to_string()))
            } else {
                None
            };
            TranscriptStep {
                customer_line: t.customer_line.clone(),
                chosen,
                critical: reply(&t.chosen).is_some_and(|x| x.critical),
                reaction: t.reaction.clone(),
                timed_out: t.timed_out,
                total: t.ratings.values().sum(),
                best,
            }
        })
        .collect();
    DebriefVm {
        lang: settings.lang,
        high_contrast: settings.high_contrast,
        title: sc.title.get(loc).to_string(),
        overall: r.overall,
        pass_mark: sc.scoring.pass_mark,
        passed: r.passed,
        critical: r
            .critical
            .iter()
            .map(|c| CriticalVm {
                reply_text: c.reply_text.clone(),
                why: c.feedback.clone(),
            })
            .collect(),
        score_would_pass: r.scores.passed_on_score(sc),
        outcome: r.outcome.label(ui_loc).to_string(),
        outcome_good: r.outcome.is_good(),
        ending_text,
        principles,
        transcript,
    }
}

/// Draws the debrief; R or the button retry, Enter or the button go back to the library.
pub fn ui(ui: &mut egui::Ui, vm: &DebriefVm) -> Option<Action> {
    let lang = vm.lang;
    let mut out = None;
    bottom_panel(ui, "debrief-actions", |ui| {
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui
                .button(RichText::new(T::Retry.get(lang)).strong())
                .clicked()
            {
                out = Some(Action::Retry);
            }
            if ui.button(T::BackToLibrary.get(lang)).clicked() {
                out = Some(Action::BackToLibrary);
            }
            // Practice-the-step (`app::learning`): only the steps that went wrong, not scored.
            if vm
                .transcript
                .iter()
                .any(|t| t.best.is_some() || t.timed_out)
                && ui.button(practise_label(lang)).clicked()
            {
                out = Some(Action::PractiseMistakes);
            }
        });
        hint(ui, lang, T::HintDebrief);
    });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| body(ui, vm));
    });
    if ui.input(|i| i.key_pressed(Key::R)) {
        out = Some(Action::Retry);
    } else if ui.input(|i| i.key_pressed(Key::P))
        && vm
            .transcript
            .iter()
            .any(|t| t.best.is_some() || t.timed_out)
    {
        out = Some(Action::PractiseMistakes);
    } else if ui.input(|i| i.key_pressed(Key::Enter) || i.key_pressed(Key::Escape)) {
        out = Some(Action::BackToLibrary);
    }
    out
}

/// The practice button's label, with its key.
fn practise_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "只练没答好的几步（P，不计分）",
        Lang::En => "Practise the steps I got wrong (P, not scored)",
    }
}

/// The debrief's content (score, verdict, principles, transcript), without its buttons.
pub(crate) fn body(ui: &mut egui::Ui, vm: &DebriefVm) {
    let lang = vm.lang;
    let palette = Palette::of(vm.high_contrast);
    ui.heading(format!("{} — {}", T::DebriefTitle.get(lang), vm.title));
    if !vm.critical.is_empty() {
        critical_panel(ui, vm, &palette);
    }
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("{} {:.0}", T::Overall.get(lang), vm.overall)).heading());
        let (verdict, colour) = if vm.passed {
            (T::Passed, palette.good)
        } else {
            (T::Failed, palette.bad)
        };
        ui.label(RichText::new(verdict.get(lang)).heading().color(colour));
        ui.label(RichText::new(format!("({})", T::PassMark.fmt(lang, &[&vm.pass_mark]))).weak());
    });
    ui.label(
        RichText::new(keyed(lang, T::Outcome, &vm.outcome))
            .strong()
            .color(if vm.outcome_good {
                palette.good
            } else {
                palette.bad
            }),
    );
    ui.label(&vm.ending_text);
    ui.add_space(8.0);
    egui::Grid::new("principle-bars")
        .num_columns(2)
        .spacing([16.0, 8.0])
        .show(ui, |ui| {
            for p in &vm.principles {
                ui.label(&p.label);
                match p.score {
                    Some(s) => {
                        let colour = if p.below_floor {
                            palette.bad
                        } else {
                            palette.accent
                        };
                        let mut text = format!("{s:.0}");
                        if p.below_floor {
                            text = format!("{text} · {}", T::BelowFloor.get(lang));
                        }
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::ProgressBar::new((s / 100.0) as f32)
                                    .desired_width(320.0)
                                    .fill(colour),
                            );
                            ui.label(RichText::new(text).strong());
                        });
                    }
                    None => {
                        ui.label(RichText::new(T::NotAssessed.get(lang)).weak());
                    }
                }
                ui.end_row();
            }
        });
    ui.add_space(8.0);
    ui.separator();
    caption(ui, T::Transcript.get(lang));
    for (i, t) in vm.transcript.iter().enumerate() {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new(T::StepN.fmt(lang, &[&(i + 1)]))
                    .small()
                    .weak(),
            );
            ui.label(format!("“{}”", t.customer_line));
            let chosen = if t.timed_out {
                format!("{} — {}", t.chosen, T::TimedOut.get(lang))
            } else {
                t.chosen.clone()
            };
            ui.label(
                RichText::new(keyed(
                    lang,
                    T::YouChose,
                    format!("{chosen} ({})", signed(t.total)),
                ))
                .color(palette.signed(t.total)),
            );
            if t.critical {
                ui.label(
                    RichText::new(format!("⚠ {}", T::CriticalBadge.get(lang)))
                        .strong()
                        .color(palette.bad),
                );
            }
            if let Some(reaction) = &t.reaction {
                ui.label(format!("“{reaction}”"));
            }
            match &t.best {
                Some((best, why)) => {
                    ui.label(RichText::new(keyed(lang, T::BestReply, best)).strong());
                    ui.label(RichText::new(why).italics());
                }
                None => {
                    ui.label(RichText::new(T::WasBest.get(lang)).color(palette.good));
                }
            }
        });
    }
}

/// `key`'s text, the language's colon, then `value` ("Outcome: Resolved", "结果：…").
fn keyed(lang: Lang, key: T, value: impl std::fmt::Display) -> String {
    format!("{}{}{value}", key.get(lang), colon(lang))
}

/// The serious mistakes, first thing on the debrief: what was said and why it fails.
fn critical_panel(ui: &mut egui::Ui, vm: &DebriefVm, palette: &Palette) {
    let lang = vm.lang;
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(2.0, palette.bad))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new(format!("⚠ {}", T::CriticalHeading.get(lang)))
                    .heading()
                    .color(palette.bad),
            );
            ui.label(T::CriticalIntro.get(lang));
            for c in &vm.critical {
                ui.add_space(4.0);
                ui.label(
                    RichText::new(keyed(lang, T::YouSaid, format!("“{}”", c.reply_text))).strong(),
                );
                ui.label(RichText::new(keyed(lang, T::CriticalWhy, &c.why)));
            }
            if vm.score_would_pass {
                let score = format!("{:.0}", vm.overall);
                ui.label(RichText::new(T::CriticalWouldPass.fmt(lang, &[&score])).italics());
            }
        });
    ui.add_space(8.0);
}

pub(crate) fn plugin(app: &mut App) {
    add_play_screen(app, Screen::Debrief, view_model, ui);
}
