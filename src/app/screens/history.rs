//! The signed-in trainee's own attempts, listed beside the library cards (never anyone else's), in local time; each opens a read-only debrief.

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

/// A moment in local time: the calendar day (days since 1970-01-01) and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub day: i64,
    pub year: i64,
    pub month: u32,
    pub mday: u32,
    pub hour: u32,
    pub minute: u32,
}

/// `ms` (UTC milliseconds) in the computer's time zone (the C library's rules, so `TZ`
/// and /etc/localtime apply); UTC where that is not available.
pub fn local_time(ms: i64) -> LocalTime {
    let secs = ms.div_euclid(1000);
    let offset = local_offset_secs(secs).unwrap_or(0);
    let local = secs + offset;
    let day = local.div_euclid(86_400);
    let in_day = local.rem_euclid(86_400);
    let (year, month, mday) = civil_from_days(day);
    LocalTime {
        day,
        year,
        month,
        mday,
        hour: (in_day / 3600) as u32,
        minute: (in_day % 3600 / 60) as u32,
    }
}

#[cfg(unix)]
fn local_offset_secs(secs: i64) -> Option<i64> {
    let t: libc::time_t = secs.try_into().ok()?;
    // SAFETY: `tm` is plain data that localtime_r fills in; both pointers are valid for
    // the call and localtime_r (unlike localtime) keeps no pointer to them.
    #[allow(unsafe_code)]
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return None;
        }
        tm
    };
    Some(tm.tm_gmtoff)
}

#[cfg(not(unix))]
fn local_offset_secs(_secs: i64) -> Option<i64> {
    None
}

/// (year, month, day) of a day number (days since 1970-01-01), proleptic Gregorian:
/// the records' calendar (`records::time`), with month and day as the screen keeps them.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let (y, m, d) = crate::core::records::time::civil_from_days(z);
    (y, m as u32, d as u32)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Today 14:05", "Yesterday 09:12", "1 Dec 2026 08:27" (今天 14:05, 昨天 09:12,
/// 2026年12月1日 08:27): `when` as seen from `now`, both local.
pub fn readable(when: LocalTime, now: LocalTime, lang: Lang) -> String {
    let clock = format!("{:02}:{:02}", when.hour, when.minute);
    match now.day - when.day {
        0 => T::Today.fmt(lang, &[&clock]),
        1 => T::Yesterday.fmt(lang, &[&clock]),
        _ => match lang {
            Lang::En => {
                let month = MONTHS[(when.month.clamp(1, 12) - 1) as usize];
                format!("{} {month} {} {clock}", when.mday, when.year)
            }
            Lang::Zh => format!("{}年{}月{}日 {clock}", when.year, when.month, when.mday),
        },
    }
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
pub fn past_attempt_ui(ctx: &egui::Context, past: &PastAttempt, lang: Lang) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: i64, hour: u32, minute: u32) -> LocalTime {
        let (year, month, mday) = civil_from_days(day);
        LocalTime {
            day,
            year,
            month,
            mday,
            hour,
            minute,
        }
    }

    #[test]
    fn times_read_as_today_yesterday_or_a_date() {
        // 2026-12-01 is day 20_788.
        assert_eq!(civil_from_days(20_788), (2026, 12, 1));
        let now = at(20_788, 16, 0);
        assert_eq!(readable(at(20_788, 14, 5), now, Lang::En), "Today 14:05");
        assert_eq!(readable(at(20_788, 14, 5), now, Lang::Zh), "今天 14:05");
        assert_eq!(readable(at(20_787, 9, 2), now, Lang::En), "Yesterday 09:02");
        assert_eq!(readable(at(20_787, 9, 2), now, Lang::Zh), "昨天 09:02");
        let old = at(20_788 - 30, 8, 27);
        assert_eq!(readable(old, now, Lang::En), "1 Nov 2026 08:27");
        assert_eq!(readable(old, now, Lang::Zh), "2026年11月1日 08:27");
    }

    #[test]
    fn local_time_follows_the_time_zone_offset() {
        let ms = 1_764_577_624_000; // 2025-12-01T08:27:04Z
        let t = local_time(ms);
        let utc_minutes = 8 * 60 + 27;
        let local_minutes = (t.hour * 60 + t.minute) as i64 + (t.day - 20_423) * 1440;
        let offset = local_offset_secs(ms / 1000).unwrap_or(0) / 60;
        assert_eq!(local_minutes - utc_minutes, offset);
    }
}
