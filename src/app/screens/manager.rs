//! The manager's area: password form (set on first use, then unlock), dashboard (cohort averages, trainee table, trend chart, filters), "where learners go wrong" and the attempt drill-down.

use crate::app::flow::{Catalog, Screen, Settings};
use crate::app::i18n::{Lang, T};
use crate::app::manager::{DashFilter, Dashboard, DrillDown, Manager, ManagerAction, Notice};
use crate::app::screens::{UiSet, caption, hint};
use crate::core::model::Principle;
use crate::core::records::time::{format_date, format_utc};
use bevy::prelude::*;
use bevy_egui::egui::{self, Key, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use std::time::Instant;

/// The password form (editable, like the sign-in form).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PasswordForm {
    pub lang: Lang,
    /// No password yet: ask for a new one twice.
    pub first_use: bool,
    /// There is no records store: nothing to unlock.
    pub no_store: bool,
    pub password: String,
    pub confirm: String,
    /// A check is running (argon2 takes a moment).
    pub busy: bool,
    pub notice: Option<Notice>,
}

fn notice_text(n: &Notice, lang: Lang) -> String {
    match n {
        Notice::Mismatch => T::PasswordsDiffer.get(lang).to_string(),
        Notice::TooShort => {
            T::PasswordTooShort.fmt(lang, &[&crate::core::records::MIN_PASSWORD_CHARS])
        }
        Notice::WrongPassword => T::WrongPassword.get(lang).to_string(),
        Notice::Throttled(secs) => T::PasswordThrottled.fmt(lang, &[secs]),
        Notice::PasswordChanged => T::PasswordChanged.get(lang).to_string(),
        Notice::NoStore(e) => format!("{} {e}", T::RecordsUnavailable.get(lang)),
        Notice::BadDate(d) => T::BadDate.fmt(lang, &[d]),
        Notice::Store(e) => format!("{} {e}", T::RecordsError.get(lang)),
    }
}

fn show_notice(ui: &mut egui::Ui, n: &Option<Notice>, lang: Lang) {
    if let Some(n) = n {
        ui.colored_label(ui.visuals().error_fg_color, notice_text(n, lang));
    }
}

/// Draws the password form; returns `SetPassword`, `Unlock` or `Leave`.
pub fn password_ui(ui: &mut egui::Ui, form: &mut PasswordForm) -> Option<ManagerAction> {
    let lang = form.lang;
    let mut out = None;
    ui.horizontal(|ui| {
        ui.heading(T::ManagerTitle.get(lang));
        // First use: the password is set before anything else (no way around it).
        if !form.first_use || form.no_store {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(T::ManagerLeave.get(lang)).clicked() {
                    out = Some(ManagerAction::Leave);
                }
            });
        }
    });
    ui.separator();
    if form.no_store {
        show_notice(ui, &form.notice, lang);
        return out;
    }
    ui.label(if form.first_use {
        T::SetPasswordIntro.get(lang)
    } else {
        T::EnterPasswordIntro.get(lang)
    });
    ui.add_space(8.0);
    let mut submit = false;
    egui::Grid::new("manager-password")
        .num_columns(2)
        .spacing([24.0, 10.0])
        .show(ui, |ui| {
            caption(ui, T::Password.get(lang));
            let r = ui.add(
                egui::TextEdit::singleline(&mut form.password)
                    .password(true)
                    .desired_width(280.0),
            );
            ui.end_row();
            if form.first_use {
                caption(ui, T::PasswordAgain.get(lang));
                ui.add(
                    egui::TextEdit::singleline(&mut form.confirm)
                        .password(true)
                        .desired_width(280.0),
                );
                ui.end_row();
            } else if !r.has_focus() && form.password.is_empty() && !form.busy {
                r.request_focus();
            }
        });
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        let label = if form.first_use {
            T::SetPassword.get(lang)
        } else {
            T::Unlock.get(lang)
        };
        if ui
            .add_enabled(!form.busy, egui::Button::new(RichText::new(label).strong()))
            .clicked()
        {
            submit = true;
        }
        if form.busy {
            ui.spinner();
            ui.label(T::Checking.get(lang));
        }
    });
    if !form.busy && ui.input(|i| i.key_pressed(Key::Enter)) {
        submit = true;
    }
    show_notice(ui, &form.notice, lang);
    if submit && !form.busy {
        let password = std::mem::take(&mut form.password);
        let confirm = std::mem::take(&mut form.confirm);
        out = Some(if form.first_use {
            ManagerAction::SetPassword { password, confirm }
        } else {
            ManagerAction::Unlock(password)
        });
    }
    out
}

/// Which part of the dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Overview,
    WrongChoices,
    Attempts,
}

/// What the unlocked manager area shows (the filter and tab are editable).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DashboardVm {
    pub lang: Lang,
    pub data: Dashboard,
    pub filter: DashFilter,
    pub tab: Tab,
    pub loading: bool,
    pub notice: Option<Notice>,
    /// Seconds until the area locks.
    pub locks_in: u64,
    /// Whether author mode (the trainers' preview) is on.
    pub author_mode: bool,
    /// The change-password fields: current, new, new again.
    pub change: [String; 3],
    /// A password change is running.
    pub changing: bool,
}

fn principle(p: Principle, lang: Lang) -> &'static str {
    p.label(lang.code())
}

fn score(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "—".into())
}

fn signed(v: Option<f64>) -> String {
    v.map(|v| format!("{v:+.0}")).unwrap_or_else(|| "—".into())
}

/// Draws the dashboard; returns filter, drill-down and leave actions.
pub fn dashboard_ui(ui: &mut egui::Ui, vm: &mut DashboardVm) -> Option<ManagerAction> {
    let lang = vm.lang;
    let mut out = None;
    ui.horizontal(|ui| {
        ui.heading(T::ManagerTitle.get(lang));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button(T::ManagerLeave.get(lang)).clicked() {
                out = Some(ManagerAction::Leave);
            }
            ui.label(
                RichText::new(T::LocksIn.fmt(lang, &[&(vm.locks_in / 60), &(vm.locks_in % 60)]))
                    .small()
                    .weak(),
            );
            if vm.loading {
                ui.spinner();
            }
        });
    });
    // Filters.
    ui.horizontal_wrapped(|ui| {
        ui.label(T::FilterFrom.get(lang));
        ui.add(
            egui::TextEdit::singleline(&mut vm.filter.since)
                .hint_text("YYYY-MM-DD")
                .desired_width(100.0),
        );
        ui.label(T::FilterTo.get(lang));
        ui.add(
            egui::TextEdit::singleline(&mut vm.filter.until)
                .hint_text("YYYY-MM-DD")
                .desired_width(100.0),
        );
        let any = T::FilterAny.get(lang);
        ui.label(T::FilterScenario.get(lang));
        egui::ComboBox::from_id_salt("filter-scenario")
            .selected_text(vm.filter.scenario.clone().unwrap_or_else(|| any.into()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut vm.filter.scenario, None, any);
                for id in &vm.data.scenario_ids {
                    ui.selectable_value(&mut vm.filter.scenario, Some(id.clone()), id);
                }
            });
        ui.label(T::FilterTrainee.get(lang));
        egui::ComboBox::from_id_salt("filter-trainee")
            .selected_text(vm.filter.trainee.clone().unwrap_or_else(|| any.into()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut vm.filter.trainee, None, any);
                for id in &vm.data.trainee_ids {
                    ui.selectable_value(&mut vm.filter.trainee, Some(id.clone()), id);
                }
            });
        if !vm.data.station_ids.is_empty() {
            ui.label(crate::app::manager::station_caption(lang));
            egui::ComboBox::from_id_salt("filter-station")
                .selected_text(vm.filter.station.clone().unwrap_or_else(|| any.into()))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut vm.filter.station, None, any);
                    for id in &vm.data.station_ids {
                        ui.selectable_value(&mut vm.filter.station, Some(id.clone()), id);
                    }
                });
        }
        if ui.button(T::ApplyFilter.get(lang)).clicked() {
            out = Some(ManagerAction::Filter(vm.filter.clone()));
        }
    });
    if let Some(room) = &vm.data.room {
        let now = crate::core::records::time::now_ms();
        ui.label(RichText::new(room.line(lang, now)).small());
    }
    show_notice(ui, &vm.notice, lang);
    if let Some(a) = settings_ui(ui, vm) {
        out = Some(a);
    }
    ui.horizontal(|ui| {
        ui.selectable_value(&mut vm.tab, Tab::Overview, T::TabOverview.get(lang));
        ui.selectable_value(&mut vm.tab, Tab::WrongChoices, T::TabWrongChoices.get(lang));
        ui.selectable_value(&mut vm.tab, Tab::Attempts, T::TabAttempts.get(lang));
    });
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| match vm.tab {
            Tab::Overview => overview(ui, vm),
            Tab::WrongChoices => wrong_choices(ui, vm),
            Tab::Attempts => {
                if let Some(a) = attempt_list(ui, vm) {
                    out = Some(a);
                }
            }
        });
    out
}

/// The manager's settings: author mode, and changing the password.
fn settings_ui(ui: &mut egui::Ui, vm: &mut DashboardVm) -> Option<ManagerAction> {
    let lang = vm.lang;
    let mut out = None;
    egui::CollapsingHeader::new(T::ManagerSettings.get(lang))
        .id_salt("manager-settings")
        .show(ui, |ui| {
            let mut on = vm.author_mode;
            if ui
                .checkbox(&mut on, T::AuthorMode.get(lang))
                .on_hover_text(T::AuthorModeHint.get(lang))
                .changed()
            {
                out = Some(ManagerAction::SetAuthorMode(on));
            }
            ui.add_space(6.0);
            ui.label(RichText::new(T::ChangePassword.get(lang)).strong());
            egui::Grid::new("change-password")
                .num_columns(2)
                .show(ui, |ui| {
                    for (i, label) in [T::CurrentPassword, T::NewPassword, T::PasswordAgain]
                        .into_iter()
                        .enumerate()
                    {
                        caption(ui, label.get(lang));
                        ui.add(
                            egui::TextEdit::singleline(&mut vm.change[i])
                                .password(true)
                                .desired_width(220.0),
                        );
                        ui.end_row();
                    }
                });
            if ui
                .add_enabled(
                    !vm.changing && vm.change.iter().all(|f| !f.is_empty()),
                    egui::Button::new(T::ChangePassword.get(lang)),
                )
                .clicked()
            {
                let [current, password, confirm] = std::mem::take(&mut vm.change);
                out = Some(ManagerAction::ChangePassword {
                    current,
                    password,
                    confirm,
                });
            }
        });
    out
}

fn overview(ui: &mut egui::Ui, vm: &DashboardVm) {
    let lang = vm.lang;
    ui.label(RichText::new(T::CohortAverages.get(lang)).heading());
    let Some(c) = &vm.data.cohort else {
        return;
    };
    ui.label(T::CohortCounts.fmt(lang, &[&c.trainees, &c.attempts, &c.finished, &c.passed]));
    egui::Grid::new("cohort")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            caption(ui, T::Overall.get(lang));
            ui.label(score(c.overall));
            ui.end_row();
            for p in Principle::ALL {
                if let Some(avg) = c.principles.get(&p) {
                    caption(ui, principle(p, lang));
                    ui.label(format!("{:.0}", avg.mean));
                    ui.end_row();
                }
            }
        });
    ui.add_space(10.0);
    ui.label(RichText::new(T::TraineeTable.get(lang)).heading());
    egui::Grid::new("trainees")
        .num_columns(6)
        .striped(true)
        .spacing([18.0, 6.0])
        .show(ui, |ui| {
            for h in [
                T::ColTrainee,
                T::ColAttempts,
                T::ColLast,
                T::ColBest,
                T::ColWeakest,
                T::ColImprovement,
            ] {
                caption(ui, h.get(lang));
            }
            ui.end_row();
            for r in &vm.data.trainees {
                ui.label(&r.trainee);
                ui.label(r.attempts.to_string());
                ui.label(score(r.last_overall));
                ui.label(score(r.best_overall));
                ui.label(r.weakest.map(|p| principle(p, lang)).unwrap_or("—"));
                ui.label(signed(r.improvement));
                ui.end_row();
            }
        });
    ui.add_space(10.0);
    ui.label(RichText::new(T::TrendChart.get(lang)).heading());
    hint(ui, lang, T::TrendHint);
    egui_plot::Plot::new("trend")
        .height(240.0)
        .include_y(0.0)
        .include_y(100.0)
        .legend(egui_plot::Legend::default())
        .x_axis_formatter(|mark, _| format_date(mark.value as i64))
        .show(ui, |p| {
            for s in &vm.data.trend {
                let pts: Vec<[f64; 2]> = s
                    .points
                    .iter()
                    .map(|pt| [pt.finished_ms as f64, pt.overall])
                    .collect();
                p.line(egui_plot::Line::new(s.trainee.clone(), pts.clone()));
                p.points(egui_plot::Points::new(s.trainee.clone(), pts).radius(3.0));
            }
        });
}

fn wrong_choices(ui: &mut egui::Ui, vm: &DashboardVm) {
    let lang = vm.lang;
    ui.label(RichText::new(T::WrongChoicesTitle.get(lang)).heading());
    hint(ui, lang, T::WrongChoicesHint);
    egui::Grid::new("poor")
        .num_columns(6)
        .striped(true)
        .spacing([18.0, 6.0])
        .show(ui, |ui| {
            for h in [
                T::ColScenario,
                T::ColStep,
                T::ColReply,
                T::ColChosen,
                T::ColShare,
                T::ColRating,
            ] {
                caption(ui, h.get(lang));
            }
            ui.end_row();
            for c in &vm.data.poor {
                ui.label(&c.scenario);
                ui.label(&c.step_id);
                ui.label(&c.reply_id);
                ui.label(format!("{} / {}", c.chosen, c.visits));
                ui.label(format!("{:.0}%", c.share * 100.0));
                ui.label(format!("{:+.1}", c.rating_total));
                ui.end_row();
            }
        });
    ui.add_space(10.0);
    ui.label(RichText::new(T::PerStepTitle.get(lang)).heading());
    let mut last: Option<(&str, &str)> = None;
    for c in &vm.data.choices {
        let key = (c.scenario.as_str(), c.step_id.as_str());
        if last != Some(key) {
            ui.label(RichText::new(format!("{} · {}", c.scenario, c.step_id)).strong());
            last = Some(key);
        }
        let best = if c.is_best { " ✓" } else { "" };
        ui.horizontal(|ui| {
            ui.add(
                egui::ProgressBar::new(c.share as f32)
                    .desired_width(180.0)
                    .text(format!("{:.0}%", c.share * 100.0)),
            );
            ui.label(format!("{}{best} ({}/{})", c.reply_id, c.chosen, c.visits));
        });
    }
}

fn attempt_list(ui: &mut egui::Ui, vm: &DashboardVm) -> Option<ManagerAction> {
    let lang = vm.lang;
    let mut out = None;
    let stations = vm.data.room.is_some();
    egui::Grid::new("attempts")
        .num_columns(if stations { 7 } else { 6 })
        .striped(true)
        .spacing([18.0, 6.0])
        .show(ui, |ui| {
            for h in [
                T::ColStarted,
                T::ColTrainee,
                T::ColScenario,
                T::ColSteps,
                T::Overall,
                T::ColOpen,
            ] {
                caption(ui, h.get(lang));
            }
            if stations {
                caption(ui, crate::app::manager::station_caption(lang));
            }
            ui.end_row();
            for a in &vm.data.attempts {
                ui.label(format_utc(a.started_ms));
                ui.label(&a.trainee);
                ui.label(&a.scenario);
                ui.label(a.steps.to_string());
                ui.label(score(a.overall));
                if ui.button(T::ViewAttempt.get(lang)).clicked() {
                    out = Some(ManagerAction::OpenAttempt(a.id.to_string()));
                }
                if stations {
                    ui.label(a.station.as_deref().unwrap_or("–"));
                }
                ui.end_row();
            }
        });
    out
}

/// One step of a drill-down.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillStep {
    pub step_id: String,
    pub customer_line: String,
    pub chosen: String,
    /// The chosen reply was critical (known from the replay).
    pub critical: bool,
    /// What the customer said straight after the reply (from the replay), if anything.
    pub reaction: Option<String>,
    pub timed_out: bool,
    pub ratings: Vec<(String, i64)>,
    pub mood: (i32, i32),
    pub explanation: Option<String>,
    pub best: Option<String>,
}

/// What the drill-down shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DrillVm {
    pub lang: Lang,
    pub heading: String,
    pub seed: u64,
    pub overall: Option<f64>,
    /// Why the attempt could not be replayed (feedback texts then missing).
    pub replay_error: Option<String>,
    pub steps: Vec<DrillStep>,
}

/// Builds the drill-down view from a replayed attempt.
pub fn drill_vm(d: &DrillDown, lang: Lang) -> DrillVm {
    let s = &d.detail.summary;
    let fb = d.replay.as_ref().ok().map(|r| &r.feedback);
    DrillVm {
        lang,
        heading: format!(
            "{} · {} · {}",
            s.trainee,
            s.scenario,
            format_utc(s.started_ms)
        ),
        seed: s.seed,
        overall: s.overall,
        replay_error: d.replay.as_ref().err().cloned(),
        steps: d
            .detail
            .steps
            .iter()
            .enumerate()
            .map(|(i, st)| {
                let e = &st.entry;
                let f = fb.and_then(|f| f.get(i));
                DrillStep {
                    step_id: e.step_id.clone(),
                    customer_line: e.customer_line.clone(),
                    chosen: f
                        .map(|f| f.reply_text.clone())
                        .unwrap_or_else(|| e.chosen.clone()),
                    critical: f.is_some_and(|f| f.critical),
                    reaction: f.and_then(|f| f.reaction.clone()),
                    timed_out: e.timed_out,
                    ratings: e
                        .ratings
                        .iter()
                        .map(|(p, v)| (principle(*p, lang).to_string(), *v))
                        .collect(),
                    mood: (e.mood_before, e.mood_after),
                    explanation: f.map(|f| f.explanation.clone()),
                    best: (e.best != e.chosen).then(|| e.best.clone()),
                }
            })
            .collect(),
    }
}

/// Draws one attempt's transcript with ratings and feedback; returns `CloseAttempt`.
pub fn drill_ui(ui: &mut egui::Ui, vm: &DrillVm) -> Option<ManagerAction> {
    let lang = vm.lang;
    let mut out = None;
    ui.horizontal(|ui| {
        if ui.button(T::BackToDashboard.get(lang)).clicked() {
            out = Some(ManagerAction::CloseAttempt);
        }
        ui.heading(&vm.heading);
    });
    ui.label(T::ReplayedWithSeed.fmt(lang, &[&vm.seed, &score(vm.overall)]));
    if let Some(e) = &vm.replay_error {
        ui.colored_label(ui.visuals().error_fg_color, T::ReplayFailed.fmt(lang, &[e]));
    }
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (i, s) in vm.steps.iter().enumerate() {
                egui::Frame::group(ui.style())
                    .inner_margin(8.0)
                    .show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.label(
                            RichText::new(format!(
                                "{} ({})",
                                T::StepN.fmt(lang, &[&(i + 1)]),
                                s.step_id
                            ))
                            .strong(),
                        );
                        ui.label(format!("{}: {}", T::TheCustomer.get(lang), s.customer_line));
                        let chosen = if s.timed_out {
                            format!("{} {}", s.chosen, T::TimedOutShort.get(lang))
                        } else {
                            s.chosen.clone()
                        };
                        ui.label(format!("{}: {chosen}", T::YouChose.get(lang)));
                        if s.critical {
                            ui.colored_label(
                                ui.visuals().error_fg_color,
                                format!("⚠ {}", T::CriticalBadge.get(lang)),
                            );
                        }
                        if let Some(r) = &s.reaction {
                            ui.label(format!("{}: {r}", T::TheCustomer.get(lang)));
                        }
                        let ratings: Vec<String> = s
                            .ratings
                            .iter()
                            .map(|(p, v)| format!("{p} {v:+}"))
                            .collect();
                        ui.label(format!(
                            "{} · {}",
                            ratings.join(" · "),
                            T::MoodFromTo.fmt(lang, &[&s.mood.0, &s.mood.1])
                        ));
                        if let Some(x) = &s.explanation {
                            ui.label(RichText::new(x).italics());
                        }
                        if let Some(b) = &s.best {
                            ui.label(format!("{}: {b}", T::BestReply.get(lang)));
                        }
                    });
            }
        });
    out
}

/// Adds the manager screen's UI system.
pub fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        draw.run_if(in_state(Screen::Manager))
            .in_set(UiSet::Screens),
    );
}

#[allow(clippy::too_many_arguments)]
fn draw(
    mut contexts: EguiContexts,
    settings: Res<Settings>,
    manager: Res<Manager>,
    _catalog: Res<Catalog>,
    author: Option<Res<crate::app::author::AuthorMode>>,
    mut form: Local<PasswordForm>,
    mut dash: Local<DashboardVm>,
    mut actions: MessageWriter<ManagerAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let lang = settings.lang;
    let now = Instant::now();
    let open = manager.gate.remaining(now).is_some() && manager.was_open;
    // Any input keeps the area open.
    if open && ctx.input(|i| !i.events.is_empty() || i.pointer.is_moving()) {
        actions.write(ManagerAction::Activity);
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "manager".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let mut out = None;
    egui::CentralPanel::default().show(&mut root, |ui| {
        if !open {
            if *dash != DashboardVm::default() {
                // Locked: forget the filters typed before.
                *dash = DashboardVm::default();
            }
            form.lang = lang;
            form.first_use = manager.has_password == Some(false);
            form.no_store = manager.has_password.is_none();
            form.busy = manager.check.is_some();
            form.notice = manager.notice.clone();
            out = password_ui(ui, &mut form);
        } else if let Some(d) = &manager.drill {
            out = drill_ui(ui, &drill_vm(d, lang));
        } else {
            dash.lang = lang;
            dash.data = manager.dashboard.clone().unwrap_or_default();
            dash.loading = manager.loading.is_some();
            dash.notice = manager.notice.clone();
            dash.locks_in = manager.gate.remaining(now).map_or(0, |d| d.as_secs());
            dash.author_mode = author.as_deref().is_some_and(|a| a.0);
            dash.changing = manager.change.is_some();
            out = dashboard_ui(ui, &mut dash);
        }
    });
    if manager.busy() {
        // Poll the worker thread until it is done.
        ctx.request_repaint_after(std::time::Duration::from_millis(50));
    }
    if let Some(rem) = manager.gate.remaining(now).filter(|_| open) {
        // Wake up when the area is due to lock (the idle policy sleeps otherwise).
        ctx.request_repaint_after(rem + std::time::Duration::from_millis(20));
    }
    if let Some(a) = out {
        if a == ManagerAction::Leave {
            *form = PasswordForm::default();
            *dash = DashboardVm::default();
        }
        actions.write(a);
    }
    Ok(())
}
