//! The signed-in trainee's own attempts, listed beside the library cards (never anyone else's), in local time; each opens a read-only debrief.

use crate::app::clock::{local_time, readable};
use crate::app::flow::{Catalog, Settings};
use crate::app::i18n::{Lang, T};
use crate::app::screens::debrief::{self, DebriefVm};
use crate::app::screens::hint;
use crate::core::records::{AttemptId, AttemptSummary, Store, replay};
use bevy_egui::egui::{self, RichText};

/// One line of the trainee's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryLine {
    pub id: AttemptId,
    pub when: String,
    pub scenario: String,
    /// "82" or "—" for an attempt without a result.
    pub overall: String,
    pub passed: Option<bool>,
}

/// Builds the lines from the trainee's attempts (newest first), titles from `title`,
/// times as seen at `now_ms`.
pub fn lines(
    history: &[AttemptSummary],
    lang: Lang,
    now_ms: i64,
    title: impl Fn(&str) -> String,
) -> Vec<HistoryLine> {
    let now = local_time(now_ms);
    history
        .iter()
        .map(|a| HistoryLine {
            id: a.id.clone(),
            when: readable(local_time(a.started_ms), now, lang),
            scenario: title(&a.scenario),
            overall: a
                .overall
                .map(|v| format!("{v:.0}"))
                .unwrap_or_else(|| "—".into()),
            passed: a.passed,
        })
        .collect()
}

/// Text that wraps anywhere (Chinese titles have no spaces to wrap at).
fn wrapping(text: RichText, ui: &egui::Ui) -> egui::WidgetText {
    let mut job = egui::WidgetText::from(text).into_layout_job(
        ui.style(),
        egui::FontSelection::Default,
        egui::Align::Min,
    );
    let job = std::sync::Arc::make_mut(&mut job);
    job.wrap.break_anywhere = true;
    egui::WidgetText::from(job.clone())
}

/// Draws the history in a right-hand panel of `ui` (nothing when there is none);
/// returns the attempt clicked (or chosen with Tab and Enter).
pub fn side_panel(ui: &mut egui::Ui, lang: Lang, lines: &[HistoryLine]) -> Option<AttemptId> {
    if lines.is_empty() {
        return None;
    }
    let mut open = None;
    egui::Panel::right("my-history")
        .resizable(false)
        .exact_size(300.0)
        .show(ui, |ui| {
            ui.label(RichText::new(T::MyHistory.get(lang)).strong());
            hint(ui, lang, T::HintHistory);
            egui::ScrollArea::vertical().show(ui, |ui| {
                for l in lines {
                    let verdict = match l.passed {
                        Some(true) => T::Passed.get(lang),
                        Some(false) => T::Failed.get(lang),
                        None => T::Unfinished.get(lang),
                    };
                    let text = RichText::new(format!(
                        "{}\n{} · {} · {verdict}",
                        l.scenario, l.when, l.overall
                    ));
                    let w = ui.available_width();
                    let b = ui.add(
                        egui::Button::new(wrapping(text, ui))
                            .wrap()
                            .min_size(egui::vec2(w, 0.0)),
                    );
                    if b.gained_focus() {
                        b.scroll_to_me(None);
                    }
                    if b.clicked() {
                        open = Some(l.id.clone());
                    }
                }
            });
        });
    open
}

/// A past attempt, opened from the history: its debrief, read-only.
#[derive(Debug, Clone, PartialEq)]
pub enum PastAttempt {
    Debrief(Box<DebriefVm>),
    /// Left before the end: the replies given, no score.
    Unfinished {
        title: String,
        when: String,
        replies: Vec<String>,
    },
    /// The record or its scenario cannot be read (the reason).
    Unavailable(String),
}

/// Reads attempt `id` from `store` and replays it on the catalog's scenario into what
/// [`past_attempt_ui`] shows.
pub fn load_past(
    store: &Store,
    id: &AttemptId,
    catalog: &Catalog,
    settings: &Settings,
) -> PastAttempt {
    let detail = match store.attempt(id) {
        Ok(Some(d)) => d,
        Ok(None) => return PastAttempt::Unavailable(format!("no attempt {id}")),
        Err(e) => return PastAttempt::Unavailable(e.to_string()),
    };
    let Some(entry) = catalog.get(&detail.summary.scenario) else {
        return PastAttempt::Unavailable(format!(
            "the scenario `{}` is no longer in the library",
            detail.summary.scenario
        ));
    };
    let sc = &entry.scenario;
    match replay(&detail, sc.clone(), Some(&entry.content_hash)) {
        Ok(r) => match r.result {
            Some(result) => PastAttempt::Debrief(Box::new(debrief::vm_from_result(
                sc,
                &result,
                &detail.summary.locale,
                settings,
            ))),
            None => PastAttempt::Unfinished {
                title: sc.title.get(&detail.summary.locale).to_string(),
                when: readable(
                    local_time(detail.summary.started_ms),
                    local_time(crate::core::records::time::now_ms()),
                    settings.lang,
                ),
                replies: r.feedback.iter().map(|f| f.reply_text.clone()).collect(),
            },
        },
        Err(e) => PastAttempt::Unavailable(e.to_string()),
    }
}

/// The past attempt in a window over the library; returns true when it is closed
/// (the Close button, Enter or Esc).
pub(crate) fn past_attempt_ui(ctx: &egui::Context, past: &PastAttempt, lang: Lang) -> bool {
    let mut close = false;
    let size = ctx.content_rect().size();
    let modal = egui::Modal::new(egui::Id::new("past-attempt")).show(ctx, |ui| {
        ui.set_width((size.x - 120.0).max(300.0));
        let height = (size.y - 220.0).max(200.0);
        egui::ScrollArea::vertical()
            .max_height(height)
            .auto_shrink([false, true])
            .show(ui, |ui| match past {
                PastAttempt::Debrief(vm) => debrief::body(ui, vm),
                PastAttempt::Unfinished {
                    title,
                    when,
                    replies,
                } => {
                    ui.heading(format!("{title} — {when}"));
                    ui.label(T::PastNotFinished.get(lang));
                    for (i, r) in replies.iter().enumerate() {
                        ui.label(format!("{}. {r}", i + 1));
                    }
                }
                PastAttempt::Unavailable(why) => {
                    ui.label(T::PastCannotShow.fmt(lang, &[why]));
                }
            });
        ui.separator();
        let b = ui.button(RichText::new(T::Close.get(lang)).strong());
        if !ui.memory(|m| m.focused().is_some()) {
            b.request_focus();
        }
        if b.clicked() {
            close = true;
        }
        hint(ui, lang, T::HintPastAttempt);
    });
    close || modal.should_close() || ctx.input(|i| i.key_pressed(egui::Key::Enter))
}
