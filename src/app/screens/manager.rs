//! The manager's area: password form (set on first use, then unlock), dashboard (cohort averages, trainee table, trend chart, filters), "where learners go wrong" and the attempt drill-down.

use crate::app::flow::{Catalog, Screen, Settings};
use crate::app::i18n::{Lang, T};
use crate::app::manager::{
    AttemptRow, ChoiceFocus, Completion, CompletionGrid, DashFilter, Dashboard, DrillDown,
    LIST_LIMIT, Manager, ManagerAction, Names, Notice, completion_grid, default_export_path,
};
use crate::app::screens::{UiSet, caption, hint};
use crate::core::model::Principle;
use crate::core::records::{AttemptSummary, TraineeRow};
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
        Notice::Exported(path, n) => T::Exported.fmt(lang, &[n, &path.display()]),
        Notice::ExportFailed(e) => T::ExportFailed.fmt(lang, &[e]),
    }
}

fn show_notice(ui: &mut egui::Ui, n: &Option<Notice>, lang: Lang) {
    match n {
        // Good news is not shown as an error.
        Some(n @ (Notice::PasswordChanged | Notice::Exported(..))) => {
            ui.label(RichText::new(notice_text(n, lang)).strong());
        }
        Some(n) => {
            ui.colored_label(ui.visuals().error_fg_color, notice_text(n, lang));
        }
        None => {}
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
    Completion,
    WrongChoices,
    Attempts,
    Assignments,
}

/// What the unlocked manager area shows (the filter and tab are editable).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DashboardVm {
    pub lang: Lang,
    pub data: Dashboard,
    /// Titles and texts for the ids in `data` (in `lang`).
    pub names: Names,
    /// The trainee × scenario grid (from `data`, see [`DashboardVm::refresh`]).
    pub grid: CompletionGrid,
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
    /// The attempts behind a "where learners go wrong" row, once found.
    pub focus: Option<ChoiceFocus>,
    /// They are being looked up.
    pub focusing: bool,
    /// Where the CSV export goes (editable).
    pub export_path: String,
    pub exporting: bool,
    /// The scenario the trend chart shows (`None`: the first with results).
    pub trend_scenario: Option<String>,
    /// The settings (author mode, password) are open.
    pub settings_open: bool,
    /// The "new assignment" form.
    pub assign: crate::app::screens::manager_assignments::AssignForm,
}

impl DashboardVm {
    /// Recomputes what is derived from `data` and `names` (the completion grid).
    /// `applied_scenario` is the scenario filter the data was loaded with.
    pub fn refresh(&mut self, applied_scenario: Option<&str>) {
        let scenarios: Vec<String> = match applied_scenario {
            Some(s) => vec![s.to_string()],
            None => self.names.order.clone(),
        };
        let trainees: Vec<String> = self
            .data
            .trainees
            .iter()
            .map(|r| r.trainee.clone())
            .chain(self.data.roster.iter().cloned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        self.grid = completion_grid(&self.data.attempts, &trainees, &scenarios, &self.names);
        self.data.assignments.mark_missing(&self.names.order);
        crate::app::screens::manager_assignments::apply_to_grid(
            &mut self.grid,
            &self.data.assignments,
            &self.data.attempts,
            &self.data.roster,
            crate::core::records::time::now_ms(),
        );
    }
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

/// `n` with the singular or plural wording (Chinese has one form).
fn count(lang: Lang, n: u64, one: T, many: T) -> String {
    if n == 1 { one } else { many }.fmt(lang, &[&n])
}

/// The principle a trainee should work on: their lowest, shown only when it is below
/// their best principle (nobody has a weakest principle with 100 everywhere).
pub fn weakest(row: &TraineeRow) -> Option<Principle> {
    let (p, low) = row
        .principles
        .iter()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(p, v)| (*p, *v))?;
    let high = row.principles.values().copied().fold(f64::MIN, f64::max);
    (low < high && low < 100.0).then_some(p)
}

/// A cell of text that wraps at `ems` times the body text height.
fn wrapped(ui: &mut egui::Ui, text: impl Into<egui::WidgetText>, ems: f32) -> egui::Response {
    let w = ems * ui.text_style_height(&egui::TextStyle::Body);
    ui.vertical(|ui| {
        ui.set_max_width(w);
        ui.add(egui::Label::new(text).wrap())
    })
    .inner
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
                .desired_width(7.0 * ui.text_style_height(&egui::TextStyle::Body)),
        );
        ui.label(T::FilterTo.get(lang));
        ui.add(
            egui::TextEdit::singleline(&mut vm.filter.until)
                .hint_text("YYYY-MM-DD")
                .desired_width(7.0 * ui.text_style_height(&egui::TextStyle::Body)),
        );
        let any = T::FilterAny.get(lang);
        ui.label(T::FilterScenario.get(lang));
        let names = &vm.names;
        egui::ComboBox::from_id_salt("filter-scenario")
            .selected_text(
                vm.filter
                    .scenario
                    .as_deref()
                    .map_or_else(|| any.to_string(), |s| names.scenario(s)),
            )
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut vm.filter.scenario, None, any);
                for id in &vm.data.scenario_ids {
                    ui.selectable_value(
                        &mut vm.filter.scenario,
                        Some(id.clone()),
                        names.scenario(id),
                    );
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
    if let Some(a) = export_ui(ui, vm) {
        out = Some(a);
    }
    ui.horizontal_wrapped(|ui| {
        ui.selectable_value(&mut vm.tab, Tab::Overview, T::TabOverview.get(lang));
        ui.selectable_value(&mut vm.tab, Tab::Completion, T::TabCompletion.get(lang));
        ui.selectable_value(&mut vm.tab, Tab::WrongChoices, T::TabWrongChoices.get(lang));
        ui.selectable_value(&mut vm.tab, Tab::Attempts, T::TabAttempts.get(lang));
        ui.selectable_value(
            &mut vm.tab,
            Tab::Assignments,
            crate::app::screens::manager_assignments::tab_label(lang),
        );
    });
    ui.separator();
    let page = ui.available_height() * 0.8;
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            key_scroll(ui, page);
            let a = match vm.tab {
                Tab::Overview => {
                    overview(ui, vm);
                    None
                }
                Tab::Completion => {
                    completion_ui(ui, &vm.grid, lang);
                    None
                }
                Tab::WrongChoices => wrong_choices(ui, vm),
                Tab::Attempts => attempt_list(ui, vm),
                Tab::Assignments => {
                    crate::app::screens::manager_assignments::assignments_ui(ui, vm)
                }
            };
            if let Some(a) = a {
                if matches!(a, ManagerAction::ShowChoice { .. }) {
                    vm.tab = Tab::Attempts;
                }
                out = Some(a);
            }
        });
    out
}

/// PageUp/PageDown/Home/End scroll the dashboard up and down; with Shift they scroll it
/// sideways (a wide completion grid), as do Shift+←/→ (and ←/→ when no widget has the
/// focus: with a focused widget egui moves the focus with them). Nothing while a text
/// field has the keys.
fn key_scroll(ui: &mut egui::Ui, page: f32) {
    if ui.ctx().text_edit_focused() {
        return;
    }
    let page_x = ui.clip_rect().width() * 0.8;
    let nothing_focused = ui.memory(|m| m.focused().is_none());
    let delta = ui.input(|i| {
        let sideways = i.modifiers.shift;
        let big = |d: f32| {
            if sideways {
                egui::vec2(d, 0.0)
            } else {
                egui::vec2(0.0, d)
            }
        };
        let arrows = sideways || nothing_focused;
        if i.key_pressed(Key::PageDown) {
            big(if sideways { -page_x } else { -page })
        } else if i.key_pressed(Key::PageUp) {
            big(if sideways { page_x } else { page })
        } else if i.key_pressed(Key::End) {
            big(-1.0e6)
        } else if i.key_pressed(Key::Home) {
            big(1.0e6)
        } else if arrows && i.key_pressed(Key::ArrowRight) {
            egui::vec2(-page_x / 4.0, 0.0)
        } else if arrows && i.key_pressed(Key::ArrowLeft) {
            egui::vec2(page_x / 4.0, 0.0)
        } else {
            egui::Vec2::ZERO
        }
    });
    if delta != egui::Vec2::ZERO {
        ui.scroll_with_delta(delta);
    }
}

/// The CSV export: where to write it, and the button.
fn export_ui(ui: &mut egui::Ui, vm: &mut DashboardVm) -> Option<ManagerAction> {
    let lang = vm.lang;
    let mut out = None;
    ui.horizontal_wrapped(|ui| {
        ui.label(T::ExportTo.get(lang));
        let field = ui.add(
            egui::TextEdit::singleline(&mut vm.export_path)
                .desired_width(ui.available_width().clamp(200.0, 640.0) - 120.0)
                .hint_text(T::ExportPathHint.get(lang)),
        );
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        let ready = !vm.exporting && !vm.export_path.trim().is_empty();
        let clicked = ui
            .add_enabled(ready, egui::Button::new(T::ExportCsv.get(lang)))
            .clicked();
        if ready && (clicked || enter) {
            out = Some(ManagerAction::Export(vm.export_path.trim().into()));
        }
        if vm.exporting {
            ui.spinner();
        }
    });
    out
}

/// The manager's settings: author mode, and changing the password.
fn settings_ui(ui: &mut egui::Ui, vm: &mut DashboardVm) -> Option<ManagerAction> {
    let lang = vm.lang;
    let mut out = None;
    // A toggle button rather than a collapsing header: Tab reaches it, Enter opens it.
    if ui
        .add(egui::Button::new(T::ManagerSettings.get(lang)).selected(vm.settings_open))
        .clicked()
    {
        vm.settings_open = !vm.settings_open;
    }
    if !vm.settings_open {
        return None;
    }
    egui::Frame::group(ui.style()).show(ui, |ui| {
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
        let mut enter = false;
        egui::Grid::new("change-password")
            .num_columns(2)
            .show(ui, |ui| {
                for (i, label) in [T::CurrentPassword, T::NewPassword, T::PasswordAgain]
                    .into_iter()
                    .enumerate()
                {
                    caption(ui, label.get(lang));
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut vm.change[i])
                            .password(true)
                            .desired_width(220.0),
                    );
                    enter |= r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                    ui.end_row();
                }
            });
        let ready = !vm.changing && vm.change.iter().all(|f| !f.is_empty());
        let clicked = ui
            .add_enabled(ready, egui::Button::new(T::ChangePassword.get(lang)))
            .clicked();
        if ready && (clicked || enter) {
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

fn overview(ui: &mut egui::Ui, vm: &mut DashboardVm) {
    let lang = vm.lang;
    ui.label(RichText::new(T::CohortAverages.get(lang)).heading());
    let Some(c) = &vm.data.cohort else {
        return;
    };
    ui.label(
        [
            count(lang, c.trainees, T::NTrainee, T::NTrainees),
            count(lang, c.attempts, T::NAttempt, T::NAttempts),
            T::NFinished.fmt(lang, &[&c.finished]),
            T::NPassed.fmt(lang, &[&c.passed]),
        ]
        .join(" · "),
    );
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
                ui.label(weakest(r).map(|p| principle(p, lang)).unwrap_or("—"));
                ui.label(signed(r.improvement));
                ui.end_row();
            }
        });
    ui.add_space(10.0);
    trend_ui(ui, vm);
}

/// Distinct line colours for the trend chart (trainee `i` keeps colour `i` everywhere).
const PALETTE: [egui::Color32; 10] = [
    egui::Color32::from_rgb(0x1f, 0x77, 0xb4),
    egui::Color32::from_rgb(0xff, 0x7f, 0x0e),
    egui::Color32::from_rgb(0x2c, 0xa0, 0x2c),
    egui::Color32::from_rgb(0xd6, 0x27, 0x28),
    egui::Color32::from_rgb(0x94, 0x67, 0xbd),
    egui::Color32::from_rgb(0x8c, 0x56, 0x4b),
    egui::Color32::from_rgb(0xe3, 0x77, 0xc2),
    egui::Color32::from_rgb(0x17, 0xbe, 0xcf),
    egui::Color32::from_rgb(0xbc, 0xbd, 0x22),
    egui::Color32::from_rgb(0x7f, 0x7f, 0x7f),
];

const MS_PER_HOUR: f64 = 3_600_000.0;

/// Time-axis marks (x in hours since 1970): a round step giving at most about 6 labels.
fn time_marks(input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    let (lo, hi) = input.bounds;
    let span = (hi - lo).max(1e-6);
    let step = [
        1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0, 168.0, 336.0, 720.0, 2160.0, 8760.0,
    ]
    .into_iter()
    .find(|s| span / s <= 6.0)
    .unwrap_or(8760.0);
    // Round in local time (a day's mark at local midnight, not at UTC midnight).
    let off = local_offset_hours(lo);
    let mut marks = Vec::new();
    let mut v = ((lo + off) / step).ceil() * step - off;
    while v <= hi && marks.len() < 20 {
        marks.push(egui_plot::GridMark {
            value: v,
            step_size: step,
        });
        v += step;
    }
    marks
}

/// The local time zone's offset from UTC in hours at `hours` (hours since 1970, UTC).
fn local_offset_hours(hours: f64) -> f64 {
    let ms = (hours * MS_PER_HOUR) as i64;
    let t = crate::app::clock::local_time(ms);
    let local_ms = (t.day * 24 + i64::from(t.hour)) * 3_600_000 + i64::from(t.minute) * 60_000;
    let utc_ms = ms - ms.rem_euclid(60_000);
    (local_ms - utc_ms) as f64 / MS_PER_HOUR
}

/// A time-axis label (local time): date and time for steps under a day, else the date.
fn time_label(mark: egui_plot::GridMark) -> String {
    let ms = (mark.value * MS_PER_HOUR).round() as i64;
    let w = crate::app::manager::when(ms);
    if mark.step_size < 24.0 {
        // `2026-12-01 08:00` → `12-01 08:00`
        w.get(5..).unwrap_or(&w).to_string()
    } else {
        w.get(..10).unwrap_or(&w).to_string()
    }
}

/// The trend: one chart per scenario (picked), one coloured line per trainee, a real
/// time axis, the legend above the chart (never over the data).
fn trend_ui(ui: &mut egui::Ui, vm: &mut DashboardVm) {
    let lang = vm.lang;
    ui.label(RichText::new(T::TrendChart.get(lang)).heading());
    hint(ui, lang, T::TrendHintPerScenario);
    // Scenarios with results, in catalog order, then any others.
    let mut with_points: Vec<String> = Vec::new();
    for s in &vm.data.trend {
        for p in &s.points {
            if !with_points.contains(&p.scenario) {
                with_points.push(p.scenario.clone());
            }
        }
    }
    let order = |id: &String| {
        vm.names
            .order
            .iter()
            .position(|o| o == id)
            .unwrap_or(usize::MAX)
    };
    with_points.sort_by_key(order);
    if with_points.is_empty() {
        ui.label(RichText::new(T::NoFinishedAttempts.get(lang)).weak());
        return;
    }
    let chosen = vm
        .trend_scenario
        .clone()
        .filter(|s| with_points.contains(s))
        .unwrap_or_else(|| with_points[0].clone());
    let mut pick = chosen.clone();
    ui.horizontal(|ui| {
        ui.label(T::FilterScenario.get(lang));
        egui::ComboBox::from_id_salt("trend-scenario")
            .selected_text(vm.names.scenario(&chosen))
            .show_ui(ui, |ui| {
                for id in &with_points {
                    ui.selectable_value(&mut pick, id.clone(), vm.names.scenario(id));
                }
            });
    });
    vm.trend_scenario = Some(pick.clone());
    // One series per trainee with points in this scenario; colours by trainee order.
    let series: Vec<(egui::Color32, &str, Vec<[f64; 2]>)> = vm
        .data
        .trend
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let pts: Vec<[f64; 2]> = s
                .points
                .iter()
                .filter(|p| p.scenario == pick)
                .map(|p| [p.finished_ms as f64 / MS_PER_HOUR, p.overall])
                .collect();
            (!pts.is_empty()).then(|| (PALETTE[i % PALETTE.len()], s.trainee.as_str(), pts))
        })
        .collect();
    // The legend, above the chart.
    ui.horizontal_wrapped(|ui| {
        for (colour, name, _) in &series {
            let h = ui.text_style_height(&egui::TextStyle::Body);
            let (rect, _) = ui.allocate_exact_size(egui::vec2(h * 1.4, h), egui::Sense::hover());
            ui.painter().line_segment(
                [rect.left_center(), rect.right_center()],
                egui::Stroke::new(3.0, *colour),
            );
            ui.painter().circle_filled(rect.center(), h * 0.22, *colour);
            ui.label(RichText::new(*name).color(*colour).strong());
            ui.add_space(12.0);
        }
    });
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for (_, _, pts) in &series {
        for p in pts {
            lo = lo.min(p[0]);
            hi = hi.max(p[0]);
        }
    }
    // At least a few hours wide, with a margin either side.
    let pad = ((hi - lo) * 0.05).max(1.0);
    let pass_mark = vm.names.pass_mark(&pick);
    egui_plot::Plot::new(("trend", pick.as_str()))
        .height(260.0)
        .include_y(0.0)
        .include_y(100.0)
        .include_x(lo - pad)
        .include_x(hi + pad)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_x(false)
        .y_axis_min_width(3.0 * ui.text_style_height(&egui::TextStyle::Body))
        .x_grid_spacer(time_marks)
        .x_axis_formatter(|mark, _| time_label(mark))
        .show(ui, |p| {
            if let Some(m) = pass_mark {
                p.hline(
                    egui_plot::HLine::new(T::PassMark.fmt(lang, &[&m]), m)
                        .color(egui::Color32::from_gray(150))
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
            }
            for (colour, name, pts) in &series {
                p.line(
                    egui_plot::Line::new(name.to_string(), pts.clone())
                        .color(*colour)
                        .width(2.0),
                );
                p.points(
                    egui_plot::Points::new(name.to_string(), pts.clone())
                        .color(*colour)
                        .radius(4.0),
                );
            }
        });
    // Room under the axis labels when scrolled to the end.
    ui.add_space(ui.text_style_height(&egui::TextStyle::Body) * 2.0);
}

/// The completion grid: a row per trainee, a column per scenario.
pub(crate) fn completion_ui(ui: &mut egui::Ui, grid: &CompletionGrid, lang: Lang) {
    ui.label(RichText::new(T::CompletionTitle.get(lang)).heading());
    hint(ui, lang, T::CompletionHint);
    if grid.trainees.is_empty() {
        ui.label(RichText::new(T::NoTraineesYet.get(lang)).weak());
        return;
    }
    let ok = egui::Color32::from_rgb(0x2c, 0x8a, 0x2c);
    let bad = ui.visuals().error_fg_color;
    egui::Grid::new("completion")
        .num_columns(grid.scenarios.len() + 1)
        .striped(true)
        .spacing([14.0, 6.0])
        .show(ui, |ui| {
            caption(ui, T::ColTrainee.get(lang));
            for (_, title) in &grid.scenarios {
                wrapped(ui, RichText::new(title).strong(), 8.0);
            }
            ui.end_row();
            for (r, trainee) in grid.trainees.iter().enumerate() {
                ui.label(trainee);
                for cell in grid.cells.get(r).into_iter().flatten() {
                    let best = score(cell.best);
                    let shown = if let Some(a) = &cell.assigned {
                        crate::app::screens::manager_assignments::cell_label(ui, a, lang)
                    } else {
                        match cell.state {
                            Completion::NotStarted => {
                                ui.label(RichText::new(T::GridNotStarted.get(lang)).weak())
                            }
                            Completion::Unfinished => ui.label(T::GridUnfinished.get(lang)),
                            Completion::Failed => ui
                                .label(RichText::new(T::GridFailed.fmt(lang, &[&best])).color(bad)),
                            Completion::Passed => ui.label(
                                RichText::new(T::GridPassed.fmt(lang, &[&best]))
                                    .color(ok)
                                    .strong(),
                            ),
                        }
                    };
                    shown.on_hover_text(count(lang, cell.attempts, T::NAttempt, T::NAttempts));
                }
                ui.end_row();
            }
        });
}

fn wrong_choices(ui: &mut egui::Ui, vm: &DashboardVm) -> Option<ManagerAction> {
    let lang = vm.lang;
    let names = &vm.names;
    let mut out = None;
    ui.label(RichText::new(T::WrongChoicesTitle.get(lang)).heading());
    hint(ui, lang, T::WrongChoicesHintOpen);
    egui::Grid::new("poor")
        .num_columns(7)
        .striped(true)
        .spacing([14.0, 8.0])
        .show(ui, |ui| {
            for h in [
                T::ColScenario,
                T::ColCustomerSays,
                T::ColReplyChosen,
                T::ColChosen,
                T::ColShare,
                T::ColRating,
                T::ColOpen,
            ] {
                caption(ui, h.get(lang));
            }
            ui.end_row();
            for c in &vm.data.poor {
                wrapped(ui, names.scenario(&c.scenario), 9.0);
                wrapped(
                    ui,
                    names
                        .line(&c.scenario, &c.step_id)
                        .map_or_else(|| format!("[{}]", c.step_id), str::to_string),
                    16.0,
                );
                wrapped(
                    ui,
                    names.reply_or_id(&c.scenario, &c.step_id, &c.reply_id),
                    16.0,
                );
                ui.label(format!("{} / {}", c.chosen, c.visits));
                ui.label(format!("{:.0}%", c.share * 100.0));
                ui.label(format!("{:+.1}", c.rating_total));
                if ui
                    .button(if c.chosen == 1 {
                        T::ShowThisAttempt.get(lang).to_string()
                    } else {
                        T::ShowTheseAttempts.fmt(lang, &[&c.chosen])
                    })
                    .clicked()
                {
                    out = Some(ManagerAction::ShowChoice {
                        scenario: c.scenario.clone(),
                        step: c.step_id.clone(),
                        reply: c.reply_id.clone(),
                    });
                }
                ui.end_row();
            }
        });
    ui.add_space(10.0);
    ui.label(RichText::new(T::PerStepTitle.get(lang)).heading());
    let mut last: Option<(&str, &str)> = None;
    let w = 40.0 * ui.text_style_height(&egui::TextStyle::Body);
    for c in &vm.data.choices {
        let key = (c.scenario.as_str(), c.step_id.as_str());
        if last != Some(key) {
            ui.add_space(6.0);
            ui.label(RichText::new(names.scenario(&c.scenario)).strong());
            if let Some(line) = names.line(&c.scenario, &c.step_id) {
                wrapped(ui, format!("{}: {line}", T::TheCustomer.get(lang)), 40.0);
            }
            last = Some(key);
        }
        let best = if c.is_best {
            format!(" ({})", T::BestReply.get(lang))
        } else {
            String::new()
        };
        ui.horizontal(|ui| {
            ui.add(
                egui::ProgressBar::new(c.share as f32)
                    .desired_width(140.0)
                    .text(format!("{:.0}%", c.share * 100.0)),
            );
            ui.vertical(|ui| {
                ui.set_max_width(w);
                ui.add(
                    egui::Label::new(format!(
                        "{}{best} ({}/{})",
                        names.reply_or_id(&c.scenario, &c.step_id, &c.reply_id),
                        c.chosen,
                        c.visits
                    ))
                    .wrap(),
                );
            });
        });
    }
    out
}

/// The columns of the attempts list, in order (add one here, in [`attempt_header`] and
/// [`attempt_cell`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptCol {
    Started,
    Trainee,
    Scenario,
    Source,
    Result,
    Outcome,
    Score,
    Steps,
    Open,
}

/// The attempts list's columns.
pub const ATTEMPT_COLUMNS: &[AttemptCol] = &[
    AttemptCol::Started,
    AttemptCol::Trainee,
    AttemptCol::Scenario,
    AttemptCol::Result,
    AttemptCol::Outcome,
    AttemptCol::Score,
    AttemptCol::Steps,
    AttemptCol::Source,
    AttemptCol::Open,
];

fn attempt_header(col: AttemptCol) -> T {
    match col {
        AttemptCol::Started => T::ColStartedUtc,
        AttemptCol::Trainee => T::ColTrainee,
        AttemptCol::Scenario => T::ColScenario,
        AttemptCol::Source => T::ColSource,
        AttemptCol::Result => T::ColResult,
        AttemptCol::Outcome => T::ColOutcome,
        AttemptCol::Score => T::Overall,
        AttemptCol::Steps => T::ColSteps,
        AttemptCol::Open => T::ColOpen,
    }
}

/// Draws one cell; `true` when the row's "View" button was pressed.
fn attempt_cell(ui: &mut egui::Ui, col: AttemptCol, row: &AttemptRow, lang: Lang) -> bool {
    match col {
        AttemptCol::Started => {
            ui.label(&row.started);
        }
        AttemptCol::Trainee => {
            ui.label(&row.trainee);
        }
        AttemptCol::Scenario => {
            wrapped(ui, &row.scenario, 10.0);
        }
        AttemptCol::Source => {
            ui.label(&row.source);
        }
        AttemptCol::Result => {
            let text = RichText::new(&row.result);
            ui.label(match row.passed {
                Some(true) => text
                    .color(egui::Color32::from_rgb(0x2c, 0x8a, 0x2c))
                    .strong(),
                Some(false) => text.color(ui.visuals().error_fg_color),
                None => text.weak(),
            });
        }
        AttemptCol::Outcome => {
            let r = ui.label(&row.outcome);
            if let Some(t) = &row.ending_text {
                r.on_hover_text(t);
            }
        }
        AttemptCol::Score => {
            ui.label(&row.overall);
        }
        AttemptCol::Steps => {
            ui.label(row.steps.to_string());
        }
        AttemptCol::Open => return ui.button(T::ViewAttempt.get(lang)).clicked(),
    }
    false
}

fn attempt_list(ui: &mut egui::Ui, vm: &DashboardVm) -> Option<ManagerAction> {
    let lang = vm.lang;
    let names = &vm.names;
    let mut out = None;
    let shown: Vec<&AttemptSummary> = match &vm.focus {
        Some(f) => {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(T::FocusAttempts.fmt(
                        lang,
                        &[
                            &f.attempts.len(),
                            &names.reply_or_id(&f.scenario, &f.step, &f.reply),
                            &names.scenario(&f.scenario),
                        ],
                    ))
                    .strong(),
                );
                if ui.button(T::ShowAllAttempts.get(lang)).clicked() {
                    out = Some(ManagerAction::ClearChoice);
                }
            });
            vm.data
                .attempts
                .iter()
                .filter(|a| f.attempts.contains(&a.id))
                .collect()
        }
        None if vm.focusing => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(T::FindingAttempts.get(lang));
            });
            return out;
        }
        None => vm.data.attempts.iter().collect(),
    };
    if shown.len() > LIST_LIMIT {
        ui.label(RichText::new(T::ListTruncated.fmt(lang, &[&LIST_LIMIT, &shown.len()])).weak());
    }
    let stations = vm.data.room.is_some();
    egui::Grid::new("attempts")
        .num_columns(ATTEMPT_COLUMNS.len() + usize::from(stations))
        .striped(true)
        .spacing([14.0, 6.0])
        .show(ui, |ui| {
            for c in ATTEMPT_COLUMNS {
                caption(ui, attempt_header(*c).get(lang));
            }
            if stations {
                caption(ui, crate::app::manager::station_caption(lang));
            }
            ui.end_row();
            for a in shown.iter().take(LIST_LIMIT) {
                let row = AttemptRow::new(a, names);
                for c in ATTEMPT_COLUMNS {
                    if attempt_cell(ui, *c, &row, lang) {
                        out = Some(ManagerAction::OpenAttempt(row.id.clone()));
                    }
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
    /// Score, result, outcome and where it was recorded, in one line.
    pub summary: String,
    /// Why the attempt could not be replayed (feedback texts then missing).
    pub replay_error: Option<String>,
    pub steps: Vec<DrillStep>,
}

/// Builds the drill-down view from a replayed attempt.
pub fn drill_vm(d: &DrillDown, names: &Names) -> DrillVm {
    let lang = names.lang;
    let s = &d.detail.summary;
    let row = AttemptRow::new(s, names);
    let fb = d.replay.as_ref().ok().map(|r| &r.feedback);
    let mut summary = vec![
        format!("{} {}", T::Overall.get(lang), score(s.overall)),
        row.result.clone(),
    ];
    if !row.outcome.is_empty() {
        summary.push(row.outcome.clone());
    }
    summary.push(T::RecordedBy.fmt(lang, &[&row.source]));
    DrillVm {
        lang,
        heading: format!("{} · {} · {}", s.trainee, row.scenario, row.started),
        summary: summary.join(" · "),
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
                        .unwrap_or_else(|| names.reply_or_id(&s.scenario, &e.step_id, &e.chosen)),
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
                    best: (e.best != e.chosen)
                        .then(|| names.reply_or_id(&s.scenario, &e.step_id, &e.best)),
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
    ui.label(&vm.summary);
    if ui.input(|i| i.key_pressed(Key::Escape) || i.key_pressed(Key::Backspace))
        && !ui.ctx().text_edit_focused()
    {
        out = Some(ManagerAction::CloseAttempt);
    }
    hint(ui, lang, T::DrillKeys);
    if let Some(e) = &vm.replay_error {
        ui.colored_label(ui.visuals().error_fg_color, T::ReplayFailed.fmt(lang, &[e]));
    }
    ui.separator();
    let page = ui.available_height() * 0.8;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            key_scroll(ui, page);
            for (i, s) in vm.steps.iter().enumerate() {
                egui::Frame::group(ui.style())
                    .inner_margin(8.0)
                    .show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.label(RichText::new(T::StepN.fmt(lang, &[&(i + 1)])).strong());
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
pub(crate) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        draw.run_if(in_state(Screen::Manager))
            .in_set(UiSet::Screens),
    );
}

/// What the screen keeps between frames: the view rebuilt only when its inputs change.
#[derive(Default)]
struct ViewCache {
    /// (dashboard generation, language, catalog entries) the view was built for.
    built_for: Option<(u64, Lang, usize)>,
    names: Names,
}

#[allow(clippy::too_many_arguments)]
fn draw(
    mut contexts: EguiContexts,
    settings: Res<Settings>,
    manager: Res<Manager>,
    catalog: Res<Catalog>,
    author: Option<Res<crate::app::flow::AuthorMode>>,
    mut form: Local<PasswordForm>,
    mut dash: Local<DashboardVm>,
    mut cache: Local<ViewCache>,
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
    let key = (manager.generation, lang, catalog.0.len());
    if catalog.is_changed() || cache.built_for != Some(key) {
        cache.names = Names::from_catalog(&catalog.0, lang);
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "manager".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    // The records and sync status in its own strip, as on every other screen.
    let status: Option<crate::app::sync_status::StatusVm> = ctx
        .data(|d| d.get_temp(crate::app::sync_status::status_id()))
        .flatten();
    if let Some(vm) = &status {
        crate::app::screens::status_bar(&mut root, vm);
    }
    let mut out = None;
    egui::CentralPanel::default().show(&mut root, |ui| {
        if !open {
            if *dash != DashboardVm::default() {
                // Locked: forget the filters typed before.
                *dash = DashboardVm::default();
                cache.built_for = None;
            }
            form.lang = lang;
            form.first_use = manager.has_password == Some(false);
            form.no_store = manager.has_password.is_none();
            form.busy = manager.check.is_some();
            form.notice = manager.notice.clone();
            out = password_ui(ui, &mut form);
        } else if let Some(d) = &manager.drill {
            out = drill_ui(ui, &drill_vm(d, &cache.names));
        } else {
            dash.lang = lang;
            if cache.built_for != Some(key) || catalog.is_changed() {
                dash.data = manager.dashboard.clone().unwrap_or_default();
                dash.names = cache.names.clone();
                dash.refresh(manager.filter.scenario.as_deref());
                cache.built_for = Some(key);
            }
            if dash.export_path.is_empty()
                && let Some(f) = &manager.store_file
            {
                dash.export_path = default_export_path(f, crate::core::records::time::now_ms())
                    .display()
                    .to_string();
            }
            dash.loading = manager.loading.is_some();
            dash.notice = manager.notice.clone();
            dash.locks_in = manager.gate.remaining(now).map_or(0, |d| d.as_secs());
            dash.author_mode = author.as_deref().is_some_and(|a| a.0);
            dash.changing = manager.change.is_some();
            dash.focus = manager.focus.clone();
            dash.focusing = manager.focusing.is_some();
            dash.exporting = manager.exporting.is_some();
            out = dashboard_ui(ui, &mut dash);
        }
    });
    if manager.busy() {
        // Poll the worker thread until it is done.
        ctx.request_repaint_after(std::time::Duration::from_millis(50));
    }
    if let Some(rem) = manager.gate.remaining(now).filter(|_| open) {
        // The "Locks in" countdown ticks once a second: wake when its seconds change
        // (the idle policy sleeps otherwise), which is also when the area is due to lock.
        ctx.request_repaint_after(next_tick(rem));
    }
    if let Some(a) = out {
        if a == ManagerAction::Leave {
            *form = PasswordForm::default();
            *dash = DashboardVm::default();
            cache.built_for = None;
        }
        actions.write(a);
    }
    Ok(())
}

/// How long until a countdown showing `rem` in whole seconds (rounded down) changes.
fn next_tick(rem: std::time::Duration) -> std::time::Duration {
    let frac = std::time::Duration::from_nanos(u64::from(rem.subsec_nanos()));
    let frac = if frac.is_zero() {
        std::time::Duration::from_secs(1)
    } else {
        frac
    };
    frac + std::time::Duration::from_millis(5)
}

#[cfg(test)]
mod tests {
    use super::next_tick;
    use std::time::Duration;

    #[test]
    fn the_lock_countdown_wakes_when_its_seconds_change() {
        // 4.3 s left shows "4 s" until 4.0 s: wake in 0.3 s (plus a few ms), not continuously.
        let t = next_tick(Duration::from_millis(4_300));
        assert!(
            t >= Duration::from_millis(300) && t < Duration::from_millis(320),
            "{t:?}"
        );
        // On a whole second the next change is a second away.
        let t = next_tick(Duration::from_secs(5));
        assert!(
            t >= Duration::from_secs(1) && t < Duration::from_millis(1_020),
            "{t:?}"
        );
    }
}
