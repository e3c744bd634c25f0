//! The signed-in trainee's own attempts, listed beside the library cards (never anyone else's).

use crate::app::i18n::{Lang, T};
use crate::core::records::AttemptSummary;
use crate::core::records::time::format_utc;
use bevy_egui::egui::{self, RichText};

/// One line of the trainee's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryLine {
    pub when: String,
    pub scenario: String,
    /// "82" or "—" for an attempt without a result.
    pub overall: String,
    pub passed: Option<bool>,
}

/// Builds the lines from the trainee's attempts (newest first), titles from `title`.
pub fn lines(history: &[AttemptSummary], title: impl Fn(&str) -> String) -> Vec<HistoryLine> {
    history
        .iter()
        .map(|a| HistoryLine {
            when: format_utc(a.started_ms),
            scenario: title(&a.scenario),
            overall: a
                .overall
                .map(|v| format!("{v:.0}"))
                .unwrap_or_else(|| "—".into()),
            passed: a.passed,
        })
        .collect()
}

/// Draws the history in a right-hand panel of `ui` (nothing when there is none).
pub fn side_panel(ui: &mut egui::Ui, lang: Lang, lines: &[HistoryLine]) {
    if lines.is_empty() {
        return;
    }
    egui::Panel::right("my-history")
        .resizable(false)
        .default_size(260.0)
        .show(ui, |ui| {
            ui.label(RichText::new(T::MyHistory.get(lang)).strong());
            egui::ScrollArea::vertical().show(ui, |ui| {
                for l in lines {
                    let verdict = match l.passed {
                        Some(true) => T::Passed.get(lang),
                        Some(false) => T::Failed.get(lang),
                        None => T::Unfinished.get(lang),
                    };
                    ui.label(RichText::new(&l.scenario).strong());
                    ui.label(
                        RichText::new(format!("{} · {} · {verdict}", l.when, l.overall)).small(),
                    );
                    ui.add_space(4.0);
                }
            });
        });
}
