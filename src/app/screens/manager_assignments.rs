//! The manager's Assignments view (make one: scenarios, trainees or everyone, due date, pass policy, floors; list and withdraw them; problems with other stations' assignments) and the assignment status words and colours of the completion grid's cells.

use crate::app::i18n::Lang;
use crate::app::manager::{CompletionGrid, GridAssigned, ManagerAction};
use crate::app::screens::caption;
use crate::app::screens::manager::DashboardVm;
use crate::core::lrs::assignments::{AssignmentProblem, ProblemKind, RoomAssignments, short};
use crate::core::model::Principle;
use crate::core::records::{AssignmentStatus, AttemptSummary, Audience, NewAssignment, Policy};
use bevy_egui::egui::{self, Color32, RichText};
use std::collections::{BTreeMap, BTreeSet};

const DAY: i64 = 86_400_000;

/// `en` or `zh` by `lang`.
fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        _ => zh,
    }
}

/// The Assignments tab's label.
pub(crate) fn tab_label(lang: Lang) -> &'static str {
    tr(lang, "Assignments", "练习任务")
}

/// The status in words.
pub(crate) fn status_words(s: AssignmentStatus, lang: Lang) -> &'static str {
    match s {
        AssignmentStatus::NotStarted => tr(lang, "Not started", "未开始"),
        AssignmentStatus::InProgress => tr(lang, "In progress", "进行中"),
        AssignmentStatus::Passed => tr(lang, "Passed", "已通过"),
        AssignmentStatus::Failed => tr(lang, "Failed", "未通过"),
        AssignmentStatus::Overdue => tr(lang, "Overdue", "已逾期"),
    }
}

/// The status's colour (always with its words: colour is never the only cue).
pub(crate) fn status_colour(s: AssignmentStatus, visuals: &egui::Visuals) -> Color32 {
    match s {
        AssignmentStatus::NotStarted => visuals.weak_text_color(),
        AssignmentStatus::InProgress => Color32::from_rgb(0x1f, 0x6f, 0xb5),
        AssignmentStatus::Passed => Color32::from_rgb(0x2c, 0x8a, 0x2c),
        AssignmentStatus::Failed => visuals.error_fg_color,
        AssignmentStatus::Overdue => Color32::from_rgb(0xc0, 0x5a, 0x00),
    }
}

fn weekday(ms: i64, lang: Lang) -> &'static str {
    // 1970-01-01 was a Thursday.
    let d = (ms.div_euclid(DAY) + 3).rem_euclid(7);
    let en = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let zh = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    match lang {
        Lang::En => en[d as usize],
        _ => zh[d as usize],
    }
}

/// The due date in words at `now` (UTC days): "due today", "due tomorrow", "due
/// Friday" (within the week), "due 2026-12-24"; once past, "overdue by 2 days".
/// `passed`: the trainee is done, so a past date is just "was due …".
pub fn due_words(due_ms: Option<i64>, now_ms: i64, passed: bool, lang: Lang) -> String {
    let Some(due) = due_ms else {
        return tr(lang, "no due date", "无截止日期").to_string();
    };
    let days = due.div_euclid(DAY) - now_ms.div_euclid(DAY);
    if now_ms > due {
        if passed {
            return match lang {
                Lang::En => format!("was due {}", crate::core::records::time::format_date(due)),
                _ => format!("截止于 {}", crate::core::records::time::format_date(due)),
            };
        }
        // Whole days late, rounded up: a few hours late is "1 day".
        let late = (now_ms - due + DAY - 1).div_euclid(DAY);
        return match (lang, late) {
            (Lang::En, 1) => "overdue by 1 day".to_string(),
            (Lang::En, n) => format!("overdue by {n} days"),
            (_, n) => format!("已逾期 {n} 天"),
        };
    }
    match (lang, days) {
        (Lang::En, 0) => "due today".into(),
        (Lang::En, 1) => "due tomorrow".into(),
        (Lang::En, 2..=6) => format!("due {}", weekday(due, lang)),
        (Lang::En, _) => format!("due {}", crate::core::records::time::format_date(due)),
        (_, 0) => "今天截止".into(),
        (_, 1) => "明天截止".into(),
        (_, 2..=6) => format!("{}截止", weekday(due, lang)),
        (_, _) => format!("{} 截止", crate::core::records::time::format_date(due)),
    }
}

/// Puts each assigned cell's verdict (the newest assignment covering it) on the grid.
/// `roster`: the active roster (empty: the grid's trainees stand in for it).
pub(crate) fn apply_to_grid(
    grid: &mut CompletionGrid,
    assignments: &RoomAssignments,
    attempts: &[AttemptSummary],
    roster: &[String],
    now_ms: i64,
) {
    let roster = if roster.is_empty() {
        grid.trainees.clone()
    } else {
        roster.to_vec()
    };
    let verdicts = assignments.grid(attempts, &roster, now_ms);
    for (r, t) in grid.trainees.iter().enumerate() {
        for (c, (s, _)) in grid.scenarios.iter().enumerate() {
            if let Some(v) = verdicts.get(&(t.clone(), s.clone()))
                && let Some(cell) = grid.cells.get_mut(r).and_then(|row| row.get_mut(c))
            {
                cell.assigned = Some(GridAssigned {
                    status: v.judged.status,
                    due_ms: v.due_ms,
                    late: v.judged.late,
                    overall: v.judged.overall,
                });
            }
        }
    }
}

/// The words of an assigned cell: "Passed · 82", "Overdue · overdue by 2 days" ….
pub(crate) fn cell_text(a: &GridAssigned, lang: Lang, now_ms: i64) -> String {
    let mut s = status_words(a.status, lang).to_string();
    match a.status {
        AssignmentStatus::Passed | AssignmentStatus::Failed => {
            if let Some(o) = a.overall {
                s.push_str(&format!(" · {o:.0}"));
            }
            if a.late {
                s.push_str(tr(lang, " (late)", "（逾期完成）"));
            }
        }
        AssignmentStatus::Overdue => {
            s.push_str(" · ");
            s.push_str(&due_words(a.due_ms, now_ms, false, lang));
        }
        _ => {
            if a.due_ms.is_some() {
                s.push_str(" · ");
                s.push_str(&due_words(a.due_ms, now_ms, false, lang));
            }
        }
    }
    s
}

/// Draws an assigned cell in its status's words and colour.
pub(crate) fn cell_label(ui: &mut egui::Ui, a: &GridAssigned, lang: Lang) -> egui::Response {
    let now = crate::core::records::time::now_ms();
    let colour = status_colour(a.status, ui.visuals());
    let mut text = RichText::new(cell_text(a, lang, now)).color(colour);
    if a.status == AssignmentStatus::Passed {
        text = text.strong();
    }
    ui.label(text)
}

/// The "make an assignment" form.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignForm {
    pub scenarios: BTreeSet<String>,
    /// The whole roster (also trainees added later).
    pub everyone: bool,
    pub trainees: BTreeSet<String>,
    /// `YYYY-MM-DD` (due at the end of that day, UTC), empty: no due date.
    pub due: String,
    pub policy: Policy,
    /// A floor per principle (`Principle::ALL` order), empty: none.
    pub floors: [String; 4],
    /// What is wrong with what was typed, in the manager's language.
    pub error: Option<String>,
}

impl Default for AssignForm {
    fn default() -> AssignForm {
        AssignForm {
            scenarios: BTreeSet::new(),
            everyone: true,
            trainees: BTreeSet::new(),
            due: String::new(),
            policy: Policy::Best,
            floors: Default::default(),
            error: None,
        }
    }
}

impl AssignForm {
    /// What the form asks for, or what is wrong (in `lang`).
    pub(crate) fn to_new(&self, order: &[String], lang: Lang) -> Result<NewAssignment, String> {
        let scenarios: Vec<String> = order
            .iter()
            .filter(|s| self.scenarios.contains(*s))
            .cloned()
            .collect();
        if scenarios.is_empty() {
            return Err(tr(
                lang,
                "Choose at least one scenario.",
                "请至少选择一个情景。",
            )
            .into());
        }
        let trainees = if self.everyone {
            None
        } else {
            if self.trainees.is_empty() {
                return Err(tr(
                    lang,
                    "Choose at least one trainee, or everyone.",
                    "请至少选择一位学员，或选择全体学员。",
                )
                .into());
            }
            Some(self.trainees.iter().cloned().collect())
        };
        let due = self.due.trim();
        let due_ms = if due.is_empty() {
            None
        } else {
            let day = crate::core::records::time::parse_date(due).map_err(|_| match lang {
                Lang::En => format!("“{due}” is not a date: write it as YYYY-MM-DD."),
                _ => format!("“{due}”不是日期，请按 YYYY-MM-DD 填写。"),
            })?;
            Some(day + DAY - 1)
        };
        let mut floors = BTreeMap::new();
        for (p, text) in Principle::ALL.iter().zip(&self.floors) {
            let t = text.trim();
            if t.is_empty() {
                continue;
            }
            let v: f64 = t
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && (0.0..=100.0).contains(v))
                .ok_or_else(|| match lang {
                    Lang::En => format!(
                        "The {} floor must be a number from 0 to 100.",
                        p.label("en")
                    ),
                    _ => format!("{}的最低分须为 0 到 100 之间的数。", p.label("zh-CN")),
                })?;
            floors.insert(*p, v);
        }
        Ok(NewAssignment {
            scenarios,
            trainees,
            due_ms,
            policy: self.policy,
            floors,
        })
    }
}

fn policy_words(p: Policy, lang: Lang) -> &'static str {
    match p {
        Policy::Best => tr(lang, "best attempt", "最好的一次"),
        Policy::First => tr(lang, "first attempt", "第一次"),
        Policy::Last => tr(lang, "latest attempt", "最近一次"),
    }
}

fn problem_words(p: &AssignmentProblem, lang: Lang, names: &crate::app::manager::Names) -> String {
    let which = p
        .assignment
        .as_deref()
        .map(short)
        .unwrap_or(tr(lang, "(unknown)", "（不明）"));
    match (&p.kind, lang) {
        (ProblemKind::UnknownStation { station: Some(s) }, Lang::En) => format!(
            "Assignment {which} comes from station “{s}”, which this station does not know: not applied."
        ),
        (ProblemKind::UnknownStation { station: Some(s) }, _) => {
            format!("任务 {which} 来自本工位不认识的工位“{s}”：未采用。")
        }
        (ProblemKind::UnknownStation { station: None }, Lang::En) => {
            format!("Assignment {which} names no station: not applied.")
        }
        (ProblemKind::UnknownStation { station: None }, _) => {
            format!("任务 {which} 没有写明来自哪个工位：未采用。")
        }
        (ProblemKind::Malformed { reason }, Lang::En) => {
            format!("An assignment statement ({which}) cannot be read ({reason}): not applied.")
        }
        (ProblemKind::Malformed { reason }, _) => {
            format!("一条任务记录（{which}）无法读取（{reason}）：未采用。")
        }
        (ProblemKind::MissingScenario { scenario }, Lang::En) => format!(
            "Assignment {which} names scenario “{}”, which this station does not have: the rest of it applies.",
            names.scenario(scenario)
        ),
        (ProblemKind::NotTheOwner { station }, Lang::En) => format!(
            "Assignment {which} was changed by station “{}”, not by the station that made it: not applied.",
            station.as_deref().unwrap_or("?")
        ),
        (ProblemKind::NotTheOwner { station }, _) => format!(
            "任务 {which} 被另一个工位“{}”修改，而不是布置它的工位：未采用。",
            station.as_deref().unwrap_or("?")
        ),
        (ProblemKind::MissingScenario { scenario }, _) => format!(
            "任务 {which} 包含本工位没有的情景“{}”：其余部分照常生效。",
            names.scenario(scenario)
        ),
    }
}

/// The Assignments tab: the form, the list, the problems.
pub(crate) fn assignments_ui(ui: &mut egui::Ui, vm: &mut DashboardVm) -> Option<ManagerAction> {
    let lang = vm.lang;
    let mut out = None;
    let now = crate::core::records::time::now_ms();
    ui.label(RichText::new(tr(lang, "Assignments", "练习任务")).heading());
    ui.label(
        RichText::new(tr(
            lang,
            "Ask trainees to pass scenarios by a date. Tab moves between the fields, Space ticks a box.",
            "要求学员在截止日期前通过指定情景。Tab 键在各项之间移动，空格键勾选。",
        ))
        .small()
        .weak(),
    );
    // ---- the form
    egui::Frame::group(ui.style()).show(ui, |ui| {
        caption(ui, tr(lang, "New assignment", "新建任务"));
        ui.label(tr(lang, "Scenarios:", "情景："));
        ui.horizontal_wrapped(|ui| {
            for id in &vm.names.order {
                let mut on = vm.assign.scenarios.contains(id);
                if ui.checkbox(&mut on, vm.names.scenario(id)).changed() {
                    if on {
                        vm.assign.scenarios.insert(id.clone());
                    } else {
                        vm.assign.scenarios.remove(id);
                    }
                }
            }
        });
        ui.label(tr(lang, "For:", "对象："));
        ui.horizontal_wrapped(|ui| {
            ui.checkbox(
                &mut vm.assign.everyone,
                tr(
                    lang,
                    "Everyone on the roster (also trainees added later)",
                    "花名册上的全体学员（含以后加入的）",
                ),
            );
            if !vm.assign.everyone {
                let people: BTreeSet<String> = vm
                    .data
                    .roster
                    .iter()
                    .chain(vm.data.trainee_ids.iter())
                    .cloned()
                    .collect();
                for t in people {
                    let mut on = vm.assign.trainees.contains(&t);
                    if ui.checkbox(&mut on, &t).changed() {
                        if on {
                            vm.assign.trainees.insert(t.clone());
                        } else {
                            vm.assign.trainees.remove(&t);
                        }
                    }
                }
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(
                lang,
                "Due (YYYY-MM-DD, empty: none):",
                "截止日期（YYYY-MM-DD，留空则不限）：",
            ));
            ui.add(
                egui::TextEdit::singleline(&mut vm.assign.due)
                    .hint_text("YYYY-MM-DD")
                    .desired_width(7.0 * ui.text_style_height(&egui::TextStyle::Body)),
            );
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(lang, "Counts:", "以哪一次为准："));
            for p in Policy::ALL {
                ui.radio_value(&mut vm.assign.policy, p, policy_words(p, lang));
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(
                lang,
                "Floors (0–100, empty: none):",
                "各原则最低分（0–100，留空则不限）：",
            ));
            for (p, text) in Principle::ALL.iter().zip(vm.assign.floors.iter_mut()) {
                ui.label(p.label(lang.code()));
                ui.add(
                    egui::TextEdit::singleline(text)
                        .desired_width(3.0 * ui.text_style_height(&egui::TextStyle::Body)),
                );
            }
        });
        if ui.button(tr(lang, "Assign", "布置任务")).clicked() {
            match vm.assign.to_new(&vm.names.order, lang) {
                Ok(n) => {
                    vm.assign = AssignForm::default();
                    out = Some(ManagerAction::CreateAssignment(n));
                }
                Err(e) => vm.assign.error = Some(e),
            }
        }
        if let Some(e) = &vm.assign.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    });
    ui.add_space(8.0);
    // ---- the list
    let list = &vm.data.assignments;
    if list.assignments.is_empty() {
        ui.label(RichText::new(tr(lang, "No assignments yet.", "还没有任务。")).weak());
    }
    let roster: Vec<String> = if vm.data.roster.is_empty() {
        vm.grid.trainees.clone()
    } else {
        vm.data.roster.clone()
    };
    let verdicts = list.grid(&vm.data.attempts, &roster, now);
    egui::Grid::new("assignments")
        .striped(true)
        .spacing([14.0, 6.0])
        .show(ui, |ui| {
            for h in [
                tr(lang, "Scenarios", "情景"),
                tr(lang, "For", "对象"),
                tr(lang, "Due", "截止"),
                tr(lang, "Counts", "以哪次为准"),
                tr(lang, "Passed", "已通过"),
                tr(lang, "From", "来自"),
                "",
            ] {
                caption(ui, h);
            }
            ui.end_row();
            for r in &list.assignments {
                let a = &r.assignment;
                let titles: Vec<String> =
                    a.scenarios.iter().map(|s| vm.names.scenario(s)).collect();
                ui.label(titles.join(tr(lang, ", ", "、")));
                ui.label(match &a.audience {
                    Audience::Roster => tr(lang, "everyone", "全体学员").to_string(),
                    Audience::Trainees(t) => t.join(tr(lang, ", ", "、")),
                });
                ui.label(due_words(a.due_ms, now, false, lang));
                let mut how = policy_words(a.policy, lang).to_string();
                for (p, v) in &a.floors {
                    how.push_str(&format!(" · {} ≥ {v:.0}", p.label(lang.code())));
                }
                ui.label(how);
                if a.withdrawn_ms.is_some() {
                    ui.label(RichText::new(tr(lang, "withdrawn", "已撤回")).weak());
                } else {
                    let people = a.trainees(&roster);
                    let passed = people
                        .iter()
                        .filter(|t| {
                            a.scenarios
                                .iter()
                                .filter(|s| !r.missing_scenarios.contains(s))
                                .all(|s| {
                                    verdicts.get(&((*t).clone(), s.clone())).is_some_and(|v| {
                                        v.assignment == a.id
                                            && v.judged.status == AssignmentStatus::Passed
                                    })
                                })
                        })
                        .count();
                    ui.label(format!("{passed} / {}", people.len()));
                }
                ui.label(
                    a.station
                        .clone()
                        .unwrap_or_else(|| tr(lang, "this station", "本工位").into()),
                );
                if r.ours && a.withdrawn_ms.is_none() {
                    if ui
                        .button(match lang {
                            Lang::En => format!("Withdraw {}", short(&a.id)),
                            _ => format!("撤回 {}", short(&a.id)),
                        })
                        .clicked()
                    {
                        out = Some(ManagerAction::WithdrawAssignment(a.id.clone()));
                    }
                } else {
                    ui.label("");
                }
                ui.end_row();
            }
        });
    // ---- problems
    if !list.problems.is_empty() {
        ui.add_space(8.0);
        caption(ui, tr(lang, "Problems", "问题"));
        let mut offered = BTreeSet::new();
        for p in &list.problems {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    problem_words(p, lang, &vm.names),
                );
                if let ProblemKind::UnknownStation { station: Some(s) } = &p.kind
                    && offered.insert(s.clone())
                    && ui
                        .button(match lang {
                            Lang::En => format!("Accept assignments from “{s}”"),
                            _ => format!("接受来自“{s}”的任务"),
                        })
                        .clicked()
                {
                    out = Some(ManagerAction::AcceptStation(s.clone()));
                }
            });
        }
    }
    out
}
