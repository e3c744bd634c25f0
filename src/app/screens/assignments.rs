//! "Your assignments" at the top of the trainee's library: what the manager asked this trainee to pass, with its status and due date in words; and, on entering the library, the `satisfied` statements for assignments the trainee has met.

use crate::app::flow::{Catalog, Screen, Trainee};
use crate::app::i18n::Lang;
use crate::app::records::RecordStore;
use crate::app::screens::manager_assignments::{due_words, status_colour, status_words};
use crate::core::lrs::assignments::{TraineeAssignment, room_assignments};
use crate::core::records::AssignmentStatus;
use bevy::prelude::*;
use bevy_egui::egui::{self, RichText};

/// The signed-in trainee's assignments, as last computed (on entering the library).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct YourAssignments {
    pub trainee: String,
    pub items: Vec<TraineeAssignment>,
}

/// One line of the panel, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct YourLine {
    /// The scenarios' titles.
    pub title: String,
    pub status: AssignmentStatus,
    /// "Passed", "Overdue" … and the due date in words.
    pub words: String,
}

fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        _ => zh,
    }
}

/// The panel's lines: the assignments not yet passed first (soonest due first), then
/// the passed ones.
pub fn lines(
    items: &[TraineeAssignment],
    lang: Lang,
    now_ms: i64,
    title: impl Fn(&str) -> String,
) -> Vec<YourLine> {
    let mut out: Vec<YourLine> = items
        .iter()
        .map(|t| {
            let titles: Vec<String> = t.scenarios.iter().map(|(s, _)| title(s)).collect();
            let passed = t.status == AssignmentStatus::Passed;
            let mut words = format!(
                "{} · {}",
                status_words(t.status, lang),
                due_words(t.assignment.due_ms, now_ms, passed, lang)
            );
            if t.scenarios.len() > 1 {
                let done = t
                    .scenarios
                    .iter()
                    .filter(|(_, j)| j.status == AssignmentStatus::Passed)
                    .count();
                words.push_str(&match lang {
                    Lang::En => format!(" · {done} of {} passed", t.scenarios.len()),
                    _ => format!(" · 已通过 {done}/{}", t.scenarios.len()),
                });
            }
            if t.missing > 0 {
                words.push_str(&match lang {
                    Lang::En => format!(" · {} not on this computer", t.missing),
                    _ => format!(" · {} 个情景本机没有", t.missing),
                });
            }
            YourLine {
                title: titles.join(tr(lang, ", ", "、")),
                status: t.status,
                words,
            }
        })
        .collect();
    out.sort_by_key(|l| l.status == AssignmentStatus::Passed);
    out
}

/// Draws "Your assignments" (nothing when there are none).
pub fn panel(ui: &mut egui::Ui, lang: Lang, lines: &[YourLine]) {
    if lines.is_empty() {
        return;
    }
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new(tr(lang, "Your assignments", "你的练习任务")).strong());
        let row = ui.text_style_height(&egui::TextStyle::Body) * 1.6;
        egui::ScrollArea::vertical()
            .id_salt("your-assignments")
            .max_height(row * 4.0)
            .show(ui, |ui| {
                for l in lines {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(RichText::new(&l.title).strong());
                        ui.label(
                            RichText::new(&l.words).color(status_colour(l.status, ui.visuals())),
                        );
                    });
                }
            });
    });
    ui.add_space(4.0);
}

/// Recomputes the trainee's assignments on entering the library (this station's and,
/// with an LRS, the room's as last pulled) and queues `satisfied` for those now met.
pub(crate) fn refresh_your_assignments(
    records: Option<Res<RecordStore>>,
    trainee: Res<Trainee>,
    catalog: Res<Catalog>,
    mut yours: ResMut<YourAssignments>,
) {
    *yours = YourAssignments::default();
    let Some(r) = records.as_deref() else {
        return;
    };
    let Some(store) = r.store.as_deref() else {
        return;
    };
    let name = trainee.name.trim();
    if name.is_empty() {
        return;
    }
    let cache = r.cache.as_deref();
    let here: Vec<String> = catalog.0.iter().map(|e| e.scenario.id.clone()).collect();
    let computed = (|| -> Result<Vec<TraineeAssignment>, crate::core::records::RecordsError> {
        let room = room_assignments(store, cache, &here)?;
        let (history, _) = crate::core::lrs::trainee_records(store, cache, name, usize::MAX)?;
        let mut roster: Vec<String> = store
            .roster()?
            .into_iter()
            .filter(|e| e.retired_ms.is_none())
            .map(|e| e.id)
            .collect();
        if roster.is_empty() {
            // No roster on this station: "everyone" is whoever signs in.
            roster.push(name.to_string());
        }
        let now = crate::core::records::time::now_ms();
        let me = [name.to_string()];
        let queued = room.report_satisfied(store, &me, &history, &roster, &here, now)?;
        if queued > 0 {
            info!("{queued} assignment(s) met by {name}: `satisfied` queued");
        }
        Ok(room.for_trainee(name, &history, &roster, now))
    })();
    match computed {
        Ok(items) => {
            *yours = YourAssignments {
                trainee: name.to_string(),
                items,
            }
        }
        Err(e) => warn!("cannot read the trainee's assignments: {e}"),
    }
}

/// The library's hook: the panel's lines for the signed-in trainee (empty if none).
pub(crate) fn library_lines(
    yours: Option<&YourAssignments>,
    trainee: &Trainee,
    catalog: &Catalog,
    lang: Lang,
) -> Vec<YourLine> {
    let Some(y) = yours.filter(|y| y.trainee == trainee.name.trim()) else {
        return Vec::new();
    };
    lines(&y.items, lang, crate::core::records::time::now_ms(), |id| {
        catalog
            .get(id)
            .map(|e| e.scenario.title.get(lang.code()).to_string())
            .unwrap_or_else(|| id.to_string())
    })
}

pub fn plugin(app: &mut App) {
    app.init_resource::<YourAssignments>()
        .add_systems(OnEnter(Screen::Library), refresh_your_assignments);
}
