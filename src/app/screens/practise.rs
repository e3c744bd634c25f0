//! "Practise next", the panel the library leads with: the scenarios that exercise the signed-in trainee's most overdue rules, the reason in words, and the ways in (play it, practise the steps it went wrong at, My progress).
//!
//! Pure: [`panel`] draws a [`PractiseVm`] (built by `app::learning`) and returns an
//! [`Action`]. Keys: Tab / Shift+Tab reach every button (the panel scrolls to the one
//! reached) and Enter or Space presses it; **P** practises the first card (or opens it
//! when there is no step to practise); **M** opens My progress.

use crate::app::flow::Action;
use crate::app::i18n::Lang;
use crate::app::theme::Palette;
use bevy::prelude::Resource;
use bevy_egui::egui::{self, Key, RichText};

/// One recommended scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct PractiseCard {
    pub title: String,
    /// Why, in the trainee's language, naming rules by their titles.
    pub reason: String,
    /// Play the whole scenario (opens its briefing; an attempt like any other).
    pub open: Action,
    /// Replay only the steps last got wrong, with how many there are.
    pub practise: Option<(usize, Action)>,
}

/// What the panel shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PractiseVm {
    pub lang: Lang,
    pub high_contrast: bool,
    /// Most overdue first.
    pub cards: Vec<PractiseCard>,
    /// Whether the trainee has any recorded choice (else the panel explains itself).
    pub has_evidence: bool,
    /// The last practice run's result, e.g. "2 of 3 steps right", if one just ended.
    pub last_practice: Option<String>,
}

/// The panel's fixed words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    Heading,
    Intro,
    NothingDue,
    NoEvidence,
    Play,
    PractiseSteps,
    MyProgress,
    Keys,
    LastPractice,
}

impl Words {
    /// The text in `lang`; `PractiseSteps` takes the number of steps.
    pub fn get(self, lang: Lang, n: usize) -> String {
        let zh = lang == Lang::Zh;
        match (self, zh) {
            (Words::Heading, false) => "Practise next".into(),
            (Words::Heading, true) => "接下来练这些".into(),
            (Words::Intro, false) => {
                "Picked for you from the service rules you have slipped on lately.".into()
            }
            (Words::Intro, true) => "根据您最近没做到的服务规范，为您挑了这些练习。".into(),
            (Words::NothingDue, false) => {
                "Nothing is due for practice right now. A rule you slip on comes back here a day later, then at longer and longer intervals.".into()
            }
            (Words::NothingDue, true) => {
                "目前没有到期要复习的内容。哪条服务规范没做到，一天后会出现在这里，之后间隔越来越长。".into()
            }
            (Words::NoEvidence, false) => {
                "Play a scenario first: this panel then suggests what to practise.".into()
            }
            (Words::NoEvidence, true) => "先练一个情景，这里会告诉您接下来该练什么。".into(),
            (Words::Play, false) => "Play it".into(),
            (Words::Play, true) => "完整练一遍".into(),
            (Words::PractiseSteps, false) if n == 1 => {
                "Practise the step I got wrong (not scored)".into()
            }
            (Words::PractiseSteps, false) => {
                format!("Practise the {n} steps I got wrong (not scored)")
            }
            (Words::PractiseSteps, true) => format!("只练我没答好的{n}步（不计分）"),
            (Words::MyProgress, false) => "My progress".into(),
            (Words::MyProgress, true) => "我的进步".into(),
            (Words::Keys, false) => {
                "P: practise the first · M: my progress · Tab: move · Enter: press".into()
            }
            (Words::Keys, true) => "P：练第一项 · M：我的进步 · Tab：切换 · 回车：确定".into(),
            (Words::LastPractice, false) => "Last practice".into(),
            (Words::LastPractice, true) => "刚才的练习".into(),
        }
    }
}

/// The id of the panel's scroll area (tests read its visible rect from egui memory).
pub(crate) fn scroll_id() -> egui::Id {
    egui::Id::new("practise-next-scroll")
}

/// Draws the panel; the action of the button pressed or key used.
pub(crate) fn panel(ui: &mut egui::Ui, vm: &PractiseVm) -> Option<Action> {
    let lang = vm.lang;
    let palette = Palette::of(vm.high_contrast);
    let mut out = None;
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(2.0, palette.accent))
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(Words::Heading.get(lang, 0))
                        .heading()
                        .color(palette.accent),
                );
                let b = ui.button(Words::MyProgress.get(lang, 0));
                if b.clicked() {
                    out = Some(Action::OpenProgress);
                }
            });
            if let Some(last) = &vm.last_practice {
                ui.label(
                    RichText::new(format!(
                        "{}{}{last}",
                        Words::LastPractice.get(lang, 0),
                        crate::app::i18n::colon(lang)
                    ))
                    .strong(),
                );
            }
            if vm.cards.is_empty() {
                let w = if vm.has_evidence {
                    Words::NothingDue
                } else {
                    Words::NoEvidence
                };
                ui.label(w.get(lang, 0));
                return;
            }
            ui.label(RichText::new(Words::Intro.get(lang, 0)).weak());
            // Never more than about half the screen: the library's cards stay in view.
            let max = (ui.ctx().content_rect().height() * 0.5).max(120.0);
            egui::ScrollArea::vertical()
                .id_salt(scroll_id())
                .max_height(max)
                .auto_shrink([false, true])
                .show(ui, |ui| {
                    for (i, c) in vm.cards.iter().enumerate() {
                        card(ui, lang, i, c, &mut out);
                    }
                });
            ui.label(RichText::new(Words::Keys.get(lang, 0)).small().weak());
        });
    let (p, m) = ui.input(|i| {
        let plain = i.modifiers.is_none();
        (
            plain && i.key_pressed(Key::P),
            plain && i.key_pressed(Key::M),
        )
    });
    if m {
        out = Some(Action::OpenProgress);
    } else if p && let Some(c) = vm.cards.first() {
        out = Some(
            c.practise
                .as_ref()
                .map(|(_, a)| a.clone())
                .unwrap_or_else(|| c.open.clone()),
        );
    }
    out
}

fn card(ui: &mut egui::Ui, lang: Lang, i: usize, c: &PractiseCard, out: &mut Option<Action>) {
    egui::Frame::NONE.inner_margin(4.0).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new(format!("{}. {}", i + 1, c.title)).strong());
        ui.add(egui::Label::new(&c.reason).wrap());
        ui.horizontal_wrapped(|ui| {
            if let Some((n, a)) = &c.practise {
                let b = ui.button(RichText::new(Words::PractiseSteps.get(lang, *n)).strong());
                if b.gained_focus() {
                    b.scroll_to_me(None);
                }
                if b.clicked() {
                    *out = Some(a.clone());
                }
            }
            let b = ui.button(format!("{} · {}", Words::Play.get(lang, 0), c.title));
            if b.gained_focus() {
                b.scroll_to_me(None);
            }
            if b.clicked() {
                *out = Some(c.open.clone());
            }
        });
    });
    ui.separator();
}

/// The "Practise next" view model (filled by `app::learning`), built on entering the library and when the settings
/// change (`None` until the signed-in trainee's evidence is read).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct PractiseScreen(pub Option<PractiseVm>);
