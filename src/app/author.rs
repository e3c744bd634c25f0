//! Author preview mode: play a scenario from any step and mood, see every reply's ratings, mood effect and target before choosing, go back, restart, and the scenario map.
//!
//! A preview is an [`Attempt`] with `preview: true`, rebuilt from a [`PreviewSpec`]
//! (seed, start step, start mood, replies taken) whenever it changes: going back is
//! replaying the same spec with one reply fewer, which reproduces the earlier state
//! exactly. A preview never reaches the debrief, so it never produces an
//! `AttemptResult`; anything that records attempts must still skip `preview` attempts.

use crate::app::flow::{
    Action, Attempt, Catalog, FlowSet, Play, Screen, Seeds, Selected, Settings,
};
use crate::app::hot_reload::{Applied, ReloadPanel};
use crate::app::i18n::{Lang, T};
use crate::app::loader::CatalogEntry;
use crate::app::map::{self, MapVm};
use crate::app::screens::{add_screen_system, show};
use crate::core::session::{Current, Session, SessionError};
use bevy::prelude::*;
use bevy_egui::EguiContexts;
use bevy_egui::egui::{self, RichText};

pub use crate::app::flow::AuthorMode;

/// Everything that determines a preview; the attempt is rebuilt from it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewSpec {
    pub seed: u64,
    pub start_step: String,
    pub start_mood: i32,
    /// Reply ids taken since the start step, in order.
    pub choices: Vec<String>,
    /// The step and mood picked in the "start from" controls (not applied yet).
    pub pick_step: String,
    pub pick_mood: i32,
}

impl PreviewSpec {
    /// From the scenario's own start.
    pub fn from_start(entry: &CatalogEntry, seed: u64) -> PreviewSpec {
        let sc = &entry.scenario;
        PreviewSpec {
            seed,
            start_step: sc.start.clone(),
            start_mood: sc.start_mood,
            choices: Vec::new(),
            pick_step: sc.start.clone(),
            pick_mood: sc.start_mood,
        }
    }
}

/// Where the first preview starts (`--from-step`, `--mood`); used once.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct StartAt {
    pub step: Option<String>,
    pub mood: Option<i32>,
}

/// The preview being played, if any.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Preview(pub Option<PreviewSpec>);

/// What the author screen asks for.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum AuthorAction {
    /// Turn author mode on or off (library screen toggle).
    SetMode(bool),
    Choose(String),
    Back,
    /// Restart from the same start step and mood, with the same seed.
    Restart,
    /// Restart with the next seed.
    RestartNewSeed,
    /// The "start from" controls changed.
    Pick {
        step: String,
        mood: i32,
    },
    /// Start over from this step with this mood.
    StartFrom {
        step: String,
        mood: i32,
    },
    /// Hide the scenario-file problems until the next change.
    DismissProblems,
    Exit,
}

/// Builds the preview attempt for `spec`: starts at its step and mood, then replays its choices.
pub fn preview_attempt(
    entry: &CatalogEntry,
    lang: Lang,
    spec: &PreviewSpec,
) -> Result<Attempt, SessionError> {
    let sc = &entry.scenario;
    let locale = sc.locale_or(lang.code());
    let session = Session::start_at(
        sc.clone(),
        spec.seed,
        locale,
        &spec.start_step,
        spec.start_mood,
    )?
    .with_content_hash(entry.content_hash.clone());
    let mut a = Attempt::over(sc.id.clone(), session, true);
    for c in &spec.choices {
        a.answer(Some(c))?;
    }
    Ok(a)
}

/// Applies an author action to the spec. Returns false when it changes nothing.
pub(crate) fn update_spec(
    spec: &mut PreviewSpec,
    action: &AuthorAction,
    seeds: &mut Seeds,
) -> bool {
    match action {
        AuthorAction::Choose(id) => spec.choices.push(id.clone()),
        AuthorAction::Back => return spec.choices.pop().is_some(),
        AuthorAction::Restart => spec.choices.clear(),
        AuthorAction::RestartNewSeed => {
            spec.seed = seeds.take();
            spec.choices.clear();
        }
        AuthorAction::Pick { step, mood } => {
            spec.pick_step = step.clone();
            spec.pick_mood = *mood;
        }
        AuthorAction::StartFrom { step, mood } => {
            spec.start_step = step.clone();
            spec.start_mood = *mood;
            spec.pick_step = step.clone();
            spec.pick_mood = *mood;
            spec.choices.clear();
        }
        AuthorAction::SetMode(_) | AuthorAction::DismissProblems | AuthorAction::Exit => {
            return false;
        }
    }
    true
}

/// After a hot reload: if the previewed scenario changed, restart the preview on the new
/// version at the step it was at (or at the start if that step is gone). Returns the
/// notice to show.
pub(crate) fn after_reload(
    applied: &Applied,
    catalog: &Catalog,
    play: &mut Play,
    preview: &mut Preview,
    lang: Lang,
) -> Option<String> {
    let a = play.0.as_ref().filter(|a| a.preview)?;
    let spec = preview.0.as_mut()?;
    let entry = catalog.get(&a.scenario)?;
    let id = entry.scenario.id.clone();
    if !applied.changed.contains(&id) {
        return None;
    }
    let (at, mood) = match a.session.current() {
        Current::Step(v) => (v.step_id.clone(), v.mood),
        Current::Ended(e) => (e.ending_id.clone(), e.mood),
    };
    let (step, notice) = if entry.scenario.step(&at).is_some() {
        (at.clone(), T::ReloadRestartedAt.fmt(lang, &[&id, &at]))
    } else {
        (
            entry.scenario.start.clone(),
            T::ReloadRestartedStart.fmt(lang, &[&id, &at]),
        )
    };
    let keep_mood = if step == at {
        mood
    } else {
        entry.scenario.start_mood
    };
    update_spec(
        spec,
        &AuthorAction::StartFrom {
            step,
            mood: keep_mood,
        },
        &mut Seeds::starting_at(spec.seed),
    );
    match preview_attempt(entry, lang, spec) {
        Ok(a) => play.0 = Some(a),
        Err(e) => {
            *spec = PreviewSpec::from_start(entry, spec.seed);
            play.0 = preview_attempt(entry, lang, spec).ok();
            return Some(format!("{notice} ({e})"));
        }
    }
    Some(notice)
}

/// After a hot reload ([`crate::app::hot_reload::drain`] sends what it did): restarts
/// the preview on the new version of its scenario ([`after_reload`]) and says so in the
/// reload panel.
pub(crate) fn restart_after_reload(
    mut reloads: MessageReader<Applied>,
    catalog: Res<Catalog>,
    settings: Res<Settings>,
    mut play: ResMut<Play>,
    mut preview: ResMut<Preview>,
    mut panel: Option<ResMut<ReloadPanel>>,
) {
    for applied in reloads.read() {
        let notice = after_reload(applied, &catalog, &mut play, &mut preview, settings.lang);
        if let (Some(n), Some(p)) = (notice, panel.as_deref_mut()) {
            p.notice = Some(n);
            p.dismissed = false;
        }
    }
}

/// Adds author mode: its screen and its actions.
pub(crate) fn plugin(app: &mut App) {
    app.add_message::<AuthorAction>()
        .init_resource::<AuthorMode>()
        .init_resource::<Preview>()
        .add_message::<Applied>()
        .add_systems(
            Update,
            (
                apply_author
                    .after(FlowSet)
                    .before(crate::app::records::record_attempt),
                restart_after_reload
                    .after(crate::app::hot_reload::drain)
                    .before(FlowSet),
            ),
        );
}

/// The drawing half of the plugin (needs egui). Author mode is turned on with
/// `--author` or in the manager's settings (behind the manager password), never from a
/// trainee's screen.
pub(crate) fn ui_plugin(app: &mut App) {
    add_screen_system(app, Screen::Author, draw);
}

/// Starts previews (from the briefing in author mode, or on the author screen with no
/// preview yet) and applies [`AuthorAction`]s.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_author(
    mut flow_actions: MessageReader<Action>,
    mut actions: MessageReader<AuthorAction>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    mut mode: ResMut<AuthorMode>,
    catalog: Res<Catalog>,
    selected: Res<Selected>,
    settings: Res<Settings>,
    mut seeds: ResMut<Seeds>,
    mut play: ResMut<Play>,
    mut preview: ResMut<Preview>,
    mut start_at: Option<ResMut<StartAt>>,
    mut panel: Option<ResMut<ReloadPanel>>,
) {
    let here = *screen.get();
    let lang = settings.lang;
    let entry = selected.entry(&catalog);
    let start_wanted = mode.0
        && here == Screen::Briefing
        && flow_actions
            .read()
            .any(|a| matches!(a, Action::StartConversation));
    flow_actions.clear();
    let missing = here == Screen::Author && !play.0.as_ref().is_some_and(|a| a.preview);
    if (start_wanted || missing)
        && let Some(e) = entry
    {
        let mut spec = PreviewSpec::from_start(e, seeds.take());
        if let Some(at) = start_at.as_mut().map(|s| std::mem::take(&mut **s)) {
            match at.step {
                Some(step) if e.scenario.step(&step).is_some() => spec.start_step = step,
                Some(step) => warn!(
                    "--from-step: `{}` has no step `{step}`; starting at `{}`",
                    e.scenario.id, spec.start_step
                ),
                None => {}
            }
            if let Some(m) = at.mood {
                spec.start_mood = m;
            }
            spec.pick_step = spec.start_step.clone();
            spec.pick_mood = spec.start_mood;
        }
        match preview_attempt(e, lang, &spec) {
            Ok(a) => {
                play.0 = Some(a);
                preview.0 = Some(spec);
                next.set(Screen::Author);
            }
            Err(err) => error!("cannot preview `{}`: {err}", e.scenario.id),
        }
    }
    for action in actions.read() {
        match action {
            AuthorAction::SetMode(on) => mode.0 = *on,
            AuthorAction::DismissProblems => {
                if let Some(p) = panel.as_deref_mut() {
                    p.dismissed = true;
                }
            }
            AuthorAction::Exit if here == Screen::Author => {
                play.0 = None;
                preview.0 = None;
                next.set(Screen::Library);
            }
            _ if here == Screen::Author => {
                let (Some(e), Some(spec)) = (entry, preview.0.as_mut()) else {
                    continue;
                };
                let before = spec.clone();
                if !update_spec(spec, action, &mut seeds) {
                    continue;
                }
                if matches!(action, AuthorAction::Pick { .. }) {
                    continue;
                }
                match preview_attempt(e, lang, spec) {
                    Ok(a) => play.0 = Some(a),
                    Err(err) => {
                        warn!("preview refused: {err}");
                        *spec = before;
                    }
                }
            }
            _ => {}
        }
    }
}

/// One reply as the author sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyInfo {
    pub id: String,
    pub text: String,
    /// (principle label, rating) for each scored principle.
    pub ratings: Vec<(String, i64)>,
    pub total: i64,
    /// The reply's mood change.
    pub mood: i32,
    /// The step or ending it leads to (a mood trigger may still divert it).
    pub target: String,
}

/// What the author screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorVm {
    pub lang: Lang,
    pub title: String,
    pub step_ids: Vec<String>,
    pub pick_step: String,
    pub pick_mood: i32,
    pub seed: u64,
    /// The step or ending id the preview is at.
    pub at: String,
    pub mood: i32,
    /// `Some((outcome label, text))` once an ending is reached.
    pub ending: Option<(String, String)>,
    pub customer_line: String,
    pub replies: Vec<ReplyInfo>,
    /// (step id, reply id) taken so far.
    pub path: Vec<(String, String)>,
    pub can_back: bool,
    pub map: MapVm,
    /// Problems in the scenario files (hot reload), shown above the replies.
    pub problems: Option<ReloadPanel>,
}

/// Builds the author screen's view model from the preview attempt.
pub fn view_model(
    play: &Play,
    preview: &Preview,
    catalog: &Catalog,
    settings: &Settings,
) -> Option<AuthorVm> {
    let a = play.0.as_ref().filter(|a| a.preview)?;
    let spec = preview.0.as_ref()?;
    let entry = catalog.get(&a.scenario)?;
    let sc = a.session.scenario();
    let loc = a.session.locale();
    let lang = settings.lang;
    let (at, mood, ending, line, replies) = match a.session.current() {
        Current::Step(v) => {
            let step = sc.step(&v.step_id);
            let replies = v
                .replies
                .iter()
                .filter_map(|o| {
                    let r = step?.reply(&o.id)?;
                    Some(ReplyInfo {
                        id: r.id.clone(),
                        text: o.text.clone(),
                        ratings: sc
                            .principles
                            .iter()
                            .map(|p| (p.label(lang.code()).to_string(), r.ratings.rating(*p)))
                            .collect(),
                        total: r.total(&sc.principles),
                        mood: r.mood,
                        target: r.next.clone(),
                    })
                })
                .collect();
            (
                v.step_id.clone(),
                v.mood,
                None,
                v.customer_line.clone(),
                replies,
            )
        }
        Current::Ended(e) => (
            e.ending_id.clone(),
            e.mood,
            Some((e.outcome.label(lang.code()).to_string(), e.text.clone())),
            String::new(),
            Vec::new(),
        ),
    };
    Some(AuthorVm {
        lang,
        title: entry.scenario.title.get(loc).to_string(),
        step_ids: sc.steps.iter().map(|s| s.id.clone()).collect(),
        pick_step: spec.pick_step.clone(),
        pick_mood: spec.pick_mood,
        seed: spec.seed,
        map: MapVm::build(sc, lang, Some(&at)),
        at,
        mood,
        ending,
        customer_line: line,
        replies,
        path: a
            .session
            .transcript()
            .iter()
            .map(|t| (t.step_id.clone(), t.chosen.clone()))
            .collect(),
        can_back: !spec.choices.is_empty(),
        problems: None,
    })
}

fn signed(n: impl Into<i64>) -> String {
    let n = n.into();
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

/// The detail line under a reply: ratings, total, mood effect and target.
pub fn reply_details(lang: Lang, r: &ReplyInfo) -> String {
    let mut parts: Vec<String> = r
        .ratings
        .iter()
        .map(|(p, v)| format!("{p} {}", signed(*v)))
        .collect();
    parts.push(T::RatingTotal.fmt(lang, &[&signed(r.total)]));
    parts.push(T::MoodEffect.fmt(lang, &[&signed(r.mood)]));
    parts.push(T::GoesTo.fmt(lang, &[&r.target]));
    format!("[{}] {}", r.id, parts.join(" · "))
}

/// Draws the author screen; returns the action asked for.
pub fn ui(ui: &mut egui::Ui, vm: &AuthorVm) -> Option<AuthorAction> {
    let lang = vm.lang;
    let mut out = None;
    let max_abs = vm
        .map
        .edges
        .iter()
        .map(|e| e.total.abs())
        .max()
        .unwrap_or(0);
    ui.horizontal(|ui| {
        ui.heading(format!("{} · {}", T::AuthorTitle.get(lang), vm.title));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button(T::BackToLibrary.get(lang)).clicked() {
                out = Some(AuthorAction::Exit);
            }
            ui.label(RichText::new(T::PreviewNotRecorded.get(lang)).italics());
        });
    });
    ui.separator();
    ui.horizontal_wrapped(|ui| {
        ui.label(T::StartFromStep.get(lang));
        let mut step = vm.pick_step.clone();
        egui::ComboBox::from_id_salt("author-start-step")
            .selected_text(&step)
            .show_ui(ui, |ui| {
                for id in &vm.step_ids {
                    ui.selectable_value(&mut step, id.clone(), id);
                }
            });
        ui.label(T::StartMood.get(lang));
        let mut mood = vm.pick_mood;
        ui.add(egui::Slider::new(&mut mood, 0..=100));
        if step != vm.pick_step || mood != vm.pick_mood {
            out = Some(AuthorAction::Pick {
                step: step.clone(),
                mood,
            });
        }
        if ui.button(T::StartHere.get(lang)).clicked() {
            out = Some(AuthorAction::StartFrom { step, mood });
        }
    });
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(vm.can_back, egui::Button::new(T::BackStep.get(lang)))
            .clicked()
        {
            out = Some(AuthorAction::Back);
        }
        if ui.button(T::RestartSameSeed.get(lang)).clicked() {
            out = Some(AuthorAction::Restart);
        }
        if ui.button(T::RestartNewSeed.get(lang)).clicked() {
            out = Some(AuthorAction::RestartNewSeed);
        }
        ui.label(RichText::new(T::AuthorStatus.fmt(lang, &[&vm.at, &vm.mood, &vm.seed])).strong());
    });
    if let Some(p) = vm.problems.as_ref().filter(|p| p.visible()) {
        // In the layout (not floating over the replies), with the validator's hints.
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            egui::ScrollArea::vertical()
                .id_salt("author-problems")
                .max_height(ui.text_style_height(&egui::TextStyle::Body) * 8.0)
                .show(ui, |ui| {
                    if crate::app::hot_reload::panel_ui(ui, p, lang) {
                        out = Some(AuthorAction::DismissProblems);
                    }
                });
        });
    }
    ui.separator();
    ui.columns(2, |cols| {
        let [left, right] = cols else { return };
        {
            let ui = left;
            // The column's width less the scroll bar: nothing in it may run under the
            // bar or into the map's column.
            let width = (ui.available_width() - 2.0 * ui.spacing().scroll.bar_width).max(120.0);
            egui::ScrollArea::vertical()
                .id_salt("author-play")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    ui.set_max_width(width);
                    if !vm.path.is_empty() {
                        let path: Vec<String> =
                            vm.path.iter().map(|(s, r)| format!("{s} > {r}")).collect();
                        ui.label(
                            RichText::new(format!(
                                "{}：{}",
                                T::AuthorPath.get(lang),
                                path.join(" · ")
                            ))
                            .weak(),
                        );
                    }
                    if let Some((outcome, text)) = &vm.ending {
                        ui.label(
                            RichText::new(T::AuthorEnding.fmt(lang, &[&vm.at, outcome])).heading(),
                        );
                        ui.label(text);
                    } else {
                        // egui breaks Chinese lines between characters by itself.
                        ui.add(
                            egui::Label::new(
                                RichText::new(&vm.customer_line)
                                    .size(ui.text_style_height(&egui::TextStyle::Body) * 1.3),
                            )
                            .wrap(),
                        );
                        ui.add_space(6.0);
                        for r in &vm.replies {
                            egui::Frame::group(ui.style()).show(ui, |ui| {
                                ui.set_width(ui.available_width());
                                if ui.add(egui::Button::new(&r.text).wrap()).clicked() {
                                    out = Some(AuthorAction::Choose(r.id.clone()));
                                }
                                ui.label(
                                    RichText::new(reply_details(lang, r))
                                        .small()
                                        .color(map::rating_colour(r.total, max_abs)),
                                );
                            });
                        }
                    }
                });
        }
        {
            let ui = right;
            ui.label(RichText::new(T::ScenarioMap.get(lang)).strong());
            egui::ScrollArea::both()
                .id_salt("author-map")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    if let Some(step) = map::ui(ui, &vm.map) {
                        out = Some(AuthorAction::StartFrom {
                            step,
                            mood: vm.pick_mood,
                        });
                    }
                });
        }
    });
    out
}

fn draw(
    mut contexts: EguiContexts,
    play: Res<Play>,
    preview: Res<Preview>,
    catalog: Res<Catalog>,
    settings: Res<Settings>,
    mut actions: MessageWriter<AuthorAction>,
    mut unused: MessageWriter<Action>,
    panel: Option<Res<ReloadPanel>>,
) -> Result {
    let Some(mut vm) = view_model(&play, &preview, &catalog, &settings) else {
        return Ok(());
    };
    vm.problems = panel.as_deref().filter(|p| p.visible()).cloned();
    let mut got = None;
    show(&mut contexts, &mut unused, |u| {
        got = ui(u, &vm);
        None
    })?;
    if let Some(a) = got {
        actions.write(a);
    }
    Ok(())
}

/// The trainer's toggle (the manager's settings draw the same checkbox).
pub fn toggle_ui(ui: &mut egui::Ui, lang: Lang, on: bool) -> Option<AuthorAction> {
    let mut v = on;
    ui.checkbox(&mut v, T::AuthorMode.get(lang))
        .on_hover_text(T::AuthorModeHint.get(lang));
    (v != on).then_some(AuthorAction::SetMode(v))
}
