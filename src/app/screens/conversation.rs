//! The conversation: the customer's face and mood meter, the conversation so far, the
//! replies as numbered buttons (keys 1–9) and a countdown bar on timed steps.

use crate::app::face::{face, mood_meter};
use crate::app::flow::{Action, Catalog, Line, Play, Screen, Settings, Speaker};
use crate::app::i18n::{Lang, T};
use crate::app::screens::{add_play_screen, bottom_panel, digit_pressed, hint, wide_button};
use crate::app::theme::Palette;
use crate::core::mood::MoodBand;
use crate::core::session::Current;
use bevy::prelude::*;
use bevy_egui::egui::{self, RichText};
use std::time::Duration;

/// Redraws are asked for this long after the instant the countdown's display changes, so
/// that the frame lands just past the boundary and shows the new value.
const PAST_BOUNDARY: Duration = Duration::from_millis(2);

/// A running reply timer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimerVm {
    pub left: Duration,
    pub total: Duration,
}

impl TimerVm {
    /// Whole seconds shown ("12 s left"): rounded up, so "0" only when time is out.
    pub(crate) fn seconds_shown(&self) -> u64 {
        let whole = self.left.as_secs();
        if self.left.subsec_nanos() > 0 {
            whole + 1
        } else {
            whole
        }
    }

    /// The bar's filled share, in whole-second steps (the same steps as the label), so
    /// the countdown's look changes once a second and not on every frame.
    pub(crate) fn bar_fraction(&self) -> f32 {
        let total = self.total.as_secs_f32().ceil();
        if total <= 0.0 {
            return 0.0;
        }
        (self.seconds_shown() as f32 / total).min(1.0)
    }

    /// How long until what the countdown shows next changes: the time to the next
    /// whole-second boundary (the end of the timer included). The screen asks for one
    /// redraw then, and none in between.
    pub(crate) fn until_next_change(&self) -> Duration {
        let frac = Duration::from_nanos(u64::from(self.left.subsec_nanos()));
        if frac.is_zero() && !self.left.is_zero() {
            Duration::from_secs(1)
        } else {
            frac
        }
    }

    /// The delay to hand to `request_repaint_after` so that the redraw lands just past the
    /// next change. egui takes its `predicted_dt` (1/60 s unless the integration sets
    /// it) off every delay "to avoid overshooting", which put the wake ~15 ms *before*
    /// the boundary: that frame still showed the old second and asked again at once, so
    /// each shown second cost two or three frames instead of one. Adding it back undoes
    /// that.
    pub(crate) fn repaint_delay(&self, predicted_dt: f32) -> Duration {
        let early = Duration::try_from_secs_f32(predicted_dt).unwrap_or_default();
        self.until_next_change() + PAST_BOUNDARY + early
    }
}

/// The countdown's label, e.g. "⏱ 12 s left".
fn countdown_label(lang: Lang, secs: u64) -> String {
    format!("⏱ {}", T::SecondsLeft.fmt(lang, &[&secs]))
}

/// Lays out every label the countdown will show, so that all their glyphs are in egui's
/// font texture from the timer's first frame. egui rasterises each glyph at up to four
/// sub-pixel offsets, and the offsets in "⏱ 43 s left" shift with the digits' widths:
/// without this, most seconds showed a glyph at an offset not seen yet, changed the font
/// texture, and each change cost two more redraws (measured: 23 frames in 8 s, 3 a second).
/// Done on every frame the countdown shows (one a second; the galleys are cached, so it
/// costs a few hash look-ups): a font atlas that egui rebuilds (new fonts, a new scale, a
/// full atlas) is warmed again at once. A once-per-timer warm-up went with the atlas egui
/// dropped on the app's first pass, where the fonts are replaced.
fn warm_countdown_glyphs(ui: &mut egui::Ui, t: &TimerVm, lang: Lang) {
    let font = egui::TextStyle::Body.resolve(ui.style());
    ui.ctx().fonts_mut(|f| {
        for s in 0..=t.total.as_secs() + 1 {
            let _ = f.layout_no_wrap(countdown_label(lang, s), font.clone(), egui::Color32::WHITE);
        }
    });
}

/// The customer side of the screen (shared with the feedback screen).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerVm {
    pub name: String,
    pub mood: i32,
    pub mood_label: String,
}

/// What the conversation screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationVm {
    pub lang: Lang,
    pub high_contrast: bool,
    pub title: String,
    pub customer: CustomerVm,
    pub history: Vec<Line>,
    pub customer_line: String,
    /// (reply id, text), in the order to number them.
    pub replies: Vec<(String, String)>,
    pub timer: Option<TimerVm>,
}

pub fn view_model(play: &Play, catalog: &Catalog, settings: &Settings) -> Option<ConversationVm> {
    let a = play.0.as_ref()?;
    let entry = catalog.get(&a.scenario)?;
    let Current::Step(step) = a.session.current() else {
        return None;
    };
    let loc = a.session.locale();
    let timer = a.time_limit(settings.timers).map(|total| TimerVm {
        left: total.saturating_sub(a.elapsed()),
        total,
    });
    Some(ConversationVm {
        lang: settings.lang,
        high_contrast: settings.high_contrast,
        title: entry.scenario.title.get(loc).to_string(),
        customer: CustomerVm {
            name: entry.scenario.customer.name.get(loc).to_string(),
            mood: step.mood,
            mood_label: MoodBand::of(step.mood)
                .label(settings.lang.code())
                .to_string(),
        },
        history: a.history.clone(),
        customer_line: step.customer_line.clone(),
        replies: step
            .replies
            .iter()
            .map(|r| (r.id.clone(), r.text.clone()))
            .collect(),
        timer,
    })
}

/// The left panel: face, name and mood meter. The mood eases to its new value.
pub(crate) fn customer_panel(ui: &mut egui::Ui, vm: &CustomerVm, lang: Lang, high_contrast: bool) {
    let palette = Palette::of(high_contrast);
    let mood =
        ui.ctx()
            .animate_value_with_time(egui::Id::new("customer-mood"), vm.mood as f32, 0.6);
    ui.vertical_centered(|ui| {
        ui.add_space(12.0);
        face(ui, mood, 150.0, high_contrast);
        ui.label(RichText::new(&vm.name).heading());
        ui.label(T::Mood.get(lang));
        mood_meter(ui, mood, &vm.mood_label, &palette);
    });
}

/// One line of the conversation as a bubble.
pub(crate) fn bubble(
    ui: &mut egui::Ui,
    line: &Line,
    lang: Lang,
    palette: &Palette,
    customer: &str,
) -> egui::Response {
    let (who, fill, align) = match line.speaker {
        Speaker::Customer => (customer, palette.customer_bubble, egui::Align::Min),
        Speaker::Trainee => (T::You.get(lang), palette.trainee_bubble, egui::Align::Max),
    };
    ui.with_layout(egui::Layout::top_down(align), |ui| {
        egui::Frame::new()
            .fill(fill)
            .corner_radius(8.0)
            .inner_margin(egui::Margin::symmetric(10, 6))
            .show(ui, |ui| {
                ui.set_max_width(ui.available_width() * 0.8);
                ui.label(RichText::new(who).small().strong());
                if line.timed_out {
                    ui.label(RichText::new(T::TimedOut.get(lang)).italics());
                }
                ui.label(&line.text);
            })
            .response
    })
    .inner
}

/// The id under which [`transcript`] keeps the visible part of the conversation (the
/// scroll area's inner rect on screen) in egui's temporary memory, for tests.
pub fn transcript_view_id() -> egui::Id {
    egui::Id::new("conversation-transcript-view")
}

/// What the transcript remembers between frames (egui temporary memory).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct TranscriptMemo {
    /// Lines shown last frame: when it changes, the newest line is scrolled into view.
    lines: usize,
    /// The view follows the newest line (set when a line is added, cleared when the
    /// trainee scrolls): the panels around the transcript take their sizes over the
    /// first frames of a step, so one scroll when the line appears is not enough.
    pinned: bool,
    /// The scroll offset, the largest offset and the view's height, last frame.
    offset: f32,
    max_offset: f32,
    page: f32,
}

/// The keys that scroll the transcript (keyboard-only users read it with these).
fn scroll_key_offset(ui: &egui::Ui, memo: &TranscriptMemo) -> Option<f32> {
    let line = ui.text_style_height(&egui::TextStyle::Body) * 1.5;
    let page = (memo.page - line).max(line);
    // Arrow keys move the focus between buttons when one has it (egui's own keyboard
    // navigation); with nothing focused they scroll.
    let nothing_focused = ui.memory(|m| m.focused().is_none());
    ui.input(|i| {
        let pressed = |k: egui::Key| i.key_pressed(k);
        let delta = if pressed(egui::Key::End) {
            f32::INFINITY
        } else if pressed(egui::Key::Home) {
            f32::NEG_INFINITY
        } else if pressed(egui::Key::PageDown) {
            page
        } else if pressed(egui::Key::PageUp) {
            -page
        } else if nothing_focused && pressed(egui::Key::ArrowDown) {
            line
        } else if nothing_focused && pressed(egui::Key::ArrowUp) {
            -line
        } else {
            return None;
        };
        Some((memo.offset + delta).clamp(0.0, memo.max_offset.max(0.0)))
    })
}

/// The conversation so far, in a scroll area that keeps the newest line in view: each
/// time a line is added (a new step, back from the feedback) it scrolls to the bottom,
/// and End/PageDown/PageUp/Home (and the arrow keys) scroll it from the keyboard.
pub(crate) fn transcript(
    ui: &mut egui::Ui,
    history: &[Line],
    current: &Line,
    lang: Lang,
    palette: &Palette,
    customer: &str,
) {
    let memo_id = egui::Id::new("conversation-transcript-memo");
    let memo: TranscriptMemo = ui.data(|d| d.get_temp(memo_id)).unwrap_or_default();
    let lines = history.len() + 1;
    let mut area = egui::ScrollArea::vertical()
        .id_salt("conversation-transcript")
        .auto_shrink([false, false]);
    let key_offset = scroll_key_offset(ui, &memo);
    if let Some(offset) = key_offset {
        area = area.vertical_scroll_offset(offset);
    }
    // A new line (a new step, or back from the feedback) is followed until it is in
    // view; a scroll key from the trainee takes over.
    // The trainee scrolling by hand (wheel, drag, scroll bar) also unpins the view.
    let by_hand = ui.input(|i| i.smooth_scroll_delta.y != 0.0 || i.pointer.any_down());
    let pinned = memo.lines != lines || (memo.pinned && key_offset.is_none() && !by_hand);
    let mut scrolled = false;
    let out = area.show(ui, |ui| {
        for line in history {
            bubble(ui, line, lang, palette, customer);
        }
        let newest = bubble(ui, current, lang, palette, customer);
        let view = ui.clip_rect();
        let in_view = newest.rect.bottom() <= view.bottom() + 0.5
            && (newest.rect.top() >= view.top() - 0.5 || newest.rect.height() > view.height());
        if pinned && !in_view {
            // The newest line's bottom at the bottom of the view: the start of a long
            // line may scroll out of view above, never the question below the fold.
            newest.scroll_to_me_animation(
                Some(egui::Align::Max),
                egui::style::ScrollAnimation::none(),
            );
            scrolled = true;
        }
    });
    let memo = TranscriptMemo {
        lines,
        pinned,
        offset: out.state.offset.y,
        max_offset: out.content_size.y - out.inner_rect.height(),
        page: out.inner_rect.height(),
    };
    if scrolled || key_offset.is_some() {
        // Another frame, drawn at the new offset, even when nothing else moves.
        ui.ctx().request_repaint();
    }
    ui.data_mut(|d| {
        d.insert_temp(memo_id, memo);
        d.insert_temp(transcript_view_id(), out.inner_rect);
    });
}

/// Esc in a conversation (or its feedback) asks "Leave this conversation?": Leave gives
/// [`Action::LeaveConversation`]; Keep going, Enter or Esc again close the question.
/// Returns the action and whether the question is open (the screen's own keys are off
/// then). The reply timer is not paused while it is open (see docs/design.md).
pub(crate) fn leave_confirm(ui: &mut egui::Ui, lang: Lang) -> (Option<Action>, bool) {
    let id = egui::Id::new("leave-conversation");
    let open: bool = ui.data(|d| d.get_temp(id)).unwrap_or(false);
    if !open {
        if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            ui.data_mut(|d| d.insert_temp(id, true));
            ui.ctx().request_repaint();
            // The question shows from the next frame; nothing else takes this Esc.
            return (None, true);
        }
        return (None, false);
    }
    let mut out = None;
    let mut close = false;
    let modal = egui::Modal::new(id.with("modal")).show(ui.ctx(), |ui| {
        ui.set_max_width(520.0);
        ui.heading(T::LeaveTitle.get(lang));
        ui.label(T::LeaveBody.get(lang));
        ui.label(RichText::new(T::LeaveTimerNote.get(lang)).italics());
        ui.add_space(8.0);
        ui.horizontal_wrapped(|ui| {
            let stay = ui.button(RichText::new(T::LeaveNo.get(lang)).strong());
            // Keep going has the focus: Enter stays, a deliberate Tab + Enter leaves.
            if !ui.memory(|m| m.focused().is_some()) {
                stay.request_focus();
            }
            if stay.clicked() {
                close = true;
            }
            if ui.button(T::LeaveYes.get(lang)).clicked() {
                out = Some(Action::LeaveConversation);
            }
        });
        hint(ui, lang, T::HintLeaveDialog);
    });
    if modal.should_close() || out.is_some() {
        close = true;
    }
    if close {
        ui.data_mut(|d| d.insert_temp(id, false));
        ui.ctx().request_repaint();
    }
    (out, true)
}

/// Draws the screen; returns [`Action::Choose`] for a clicked reply or a pressed digit.
pub fn ui(ui: &mut egui::Ui, vm: &ConversationVm) -> Option<Action> {
    let lang = vm.lang;
    let palette = Palette::of(vm.high_contrast);
    let mut out = None;
    egui::Panel::left("customer")
        .resizable(false)
        .exact_size(230.0)
        .show(ui, |ui| {
            customer_panel(ui, &vm.customer, lang, vm.high_contrast)
        });
    bottom_panel(ui, "replies", |ui| {
        ui.add_space(6.0);
        if let Some(t) = vm.timer {
            let frac = t.bar_fraction();
            let secs = t.seconds_shown();
            let colour = if frac < 0.25 {
                palette.bad
            } else {
                palette.accent
            };
            warm_countdown_glyphs(ui, &t, lang);
            ui.label(RichText::new(countdown_label(lang, secs)).color(colour));
            ui.add(
                egui::ProgressBar::new(frac)
                    .fill(colour)
                    .desired_height(10.0),
            );
            // One redraw when the shown second changes, none in between (see
            // `app::redraw`); the last one lands on the deadline, where the flow
            // takes the timeout reply.
            let dt = ui.input(|i| i.predicted_dt);
            ui.ctx().request_repaint_after(t.repaint_delay(dt));
        }
        ui.label(RichText::new(T::YourReply.get(lang)).strong());
        // At the largest text sizes the replies could fill the window: they scroll
        // in at most half of it, so that the conversation keeps the rest.
        let most = ui.ctx().content_rect().height() * 0.5;
        egui::ScrollArea::vertical()
            .id_salt("replies")
            .max_height(most)
            .show(ui, |ui| {
                for (i, (id, text)) in vm.replies.iter().enumerate() {
                    let b = wide_button(ui, format!("{}. {}", i + 1, text));
                    if b.gained_focus() {
                        b.scroll_to_me(None);
                    }
                    if b.clicked() {
                        out = Some(Action::Choose(id.clone()));
                    }
                }
            });
        hint(ui, lang, T::HintConversation);
    });
    egui::CentralPanel::default().show(ui, |ui| {
        ui.heading(&vm.title);
        let current = Line {
            speaker: Speaker::Customer,
            text: vm.customer_line.clone(),
            timed_out: false,
        };
        transcript(ui, &vm.history, &current, lang, &palette, &vm.customer.name);
    });
    let (leave, asking) = leave_confirm(ui, lang);
    if asking {
        // The question is open: its buttons only (a click on a reply cannot get here,
        // the question's backdrop takes it).
        return leave;
    }
    if let Some(i) = digit_pressed(ui)
        && let Some((id, _)) = vm.replies.get(i)
    {
        out = Some(Action::Choose(id.clone()));
    }
    out
}

pub(crate) fn plugin(app: &mut App) {
    add_play_screen(app, Screen::Conversation, view_model, ui);
}

#[cfg(test)]
mod tests {
    use super::TimerVm;
    use std::time::Duration;

    fn vm(left_ms: u64, total_s: u64) -> TimerVm {
        TimerVm {
            left: Duration::from_millis(left_ms),
            total: Duration::from_secs(total_s),
        }
    }

    #[test]
    fn shows_whole_seconds_rounded_up() {
        assert_eq!(vm(20_000, 20).seconds_shown(), 20);
        assert_eq!(vm(19_999, 20).seconds_shown(), 20);
        assert_eq!(vm(19_000, 20).seconds_shown(), 19);
        assert_eq!(vm(1, 20).seconds_shown(), 1);
        assert_eq!(vm(0, 20).seconds_shown(), 0);
    }

    #[test]
    fn bar_moves_in_the_label_steps() {
        assert_eq!(vm(20_000, 20).bar_fraction(), 1.0);
        assert_eq!(vm(10_400, 20).bar_fraction(), 11.0 / 20.0);
        assert_eq!(vm(10_000, 20).bar_fraction(), 10.0 / 20.0);
        assert_eq!(vm(0, 20).bar_fraction(), 0.0);
        assert_eq!(vm(0, 0).bar_fraction(), 0.0);
    }

    #[test]
    fn next_redraw_is_the_next_second_boundary() {
        assert_eq!(
            vm(12_300, 20).until_next_change(),
            Duration::from_millis(300)
        );
        assert_eq!(vm(12_000, 20).until_next_change(), Duration::from_secs(1));
        assert_eq!(vm(999, 20).until_next_change(), Duration::from_millis(999));
        // Out of time: nothing more to count down.
        assert_eq!(vm(0, 20).until_next_change(), Duration::ZERO);
    }

    #[test]
    fn one_redraw_per_second_over_a_whole_timer() {
        // Follow the screen's own wishes from the start of a 20 s timer to its end.
        let total = Duration::from_secs(20);
        let mut elapsed = Duration::from_millis(16); // the first frame
        let mut frames = 1;
        while elapsed < total {
            let t = TimerVm {
                left: total - elapsed,
                total,
            };
            elapsed += t.until_next_change() + super::PAST_BOUNDARY;
            frames += 1;
        }
        assert_eq!(frames, 21, "one frame per shown second plus the first");
        // The last wake lands just past the deadline, where the timeout is taken.
        assert!(elapsed - total <= Duration::from_millis(100));
    }

    /// Runs the real screen in an egui context over a whole 20 s countdown, as bevy_egui
    /// does (one pass per frame, repaint wishes through the context's callback, which is
    /// where `app::redraw` takes them), on a simulated clock: each frame happens when the
    /// screen's earliest wish says, or one frame time later for an immediate wish.
    #[test]
    fn the_real_screen_redraws_only_when_the_shown_second_changes() {
        use super::{ConversationVm, CustomerVm, ui};
        use crate::app::flow::{Line, Speaker};
        use crate::app::i18n::Lang;
        use bevy_egui::egui;
        use std::sync::{Arc, Mutex};

        // What a frame costs under lavapipe at 1280×800; immediate wishes wait for it.
        const FRAME: Duration = Duration::from_millis(50);
        let ctx = egui::Context::default();
        let wishes: Arc<Mutex<Vec<Duration>>> = Arc::default();
        let sink = Arc::clone(&wishes);
        ctx.set_request_repaint_callback(move |info| {
            if let Ok(mut w) = sink.lock() {
                w.push(info.delay);
            }
        });
        let total = Duration::from_secs(20);
        let mut now = Duration::ZERO;
        let mut shown = Vec::new();
        let mut texture_changes = Vec::new();
        while shown.len() < 200 {
            if let Ok(mut w) = wishes.lock() {
                w.clear();
            }
            let timer = TimerVm {
                left: total.saturating_sub(now),
                total,
            };
            let vm = ConversationVm {
                lang: Lang::En,
                high_contrast: false,
                title: "Angry customer".into(),
                customer: CustomerVm {
                    name: "Mrs Li".into(),
                    mood: -2,
                    mood_label: "upset".into(),
                },
                history: vec![Line {
                    speaker: Speaker::Trainee,
                    text: "I am sorry to hear that.".into(),
                    timed_out: false,
                }],
                customer_line: "Where is my parcel?".into(),
                replies: vec![("a".into(), "Let me check.".into())],
                timer: Some(timer),
            };
            ctx.begin_pass(egui::RawInput {
                time: Some(now.as_secs_f64()),
                screen_rect: Some(egui::Rect::from_min_size(
                    egui::Pos2::ZERO,
                    egui::vec2(1280.0, 800.0),
                )),
                ..Default::default()
            });
            let mut root = egui::Ui::new(
                ctx.clone(),
                "screen".into(),
                egui::UiBuilder::new()
                    .layer_id(egui::LayerId::background())
                    .max_rect(ctx.viewport_rect()),
            );
            egui::CentralPanel::default().show(&mut root, |u| {
                let _ = ui(u, &vm);
            });
            // A frame that changes the font texture costs the app more redraws
            // (`theme::redraw_after_new_glyphs`): note which frames did.
            let mut out = ctx.end_pass();
            if !out.textures_delta.set.is_empty() {
                texture_changes.push(now);
            }
            // Nothing uploads the textures here; epaint insists they are dealt with.
            out.textures_delta.clear();
            shown.push((now, timer.seconds_shown()));
            if now >= total {
                break;
            }
            let next = wishes.lock().ok().and_then(|w| w.iter().min().copied());
            let Some(delay) = next else {
                panic!("no redraw asked for at {now:?} with {timer:?} running");
            };
            now += delay.max(FRAME);
        }
        // Frames that showed the same second as the frame before: only the first few,
        // while egui settles its layout (its first passes always ask for another).
        let repeats: Vec<_> = shown
            .windows(2)
            .skip(3)
            .filter(|w| w[0].1 == w[1].1)
            .map(|w| w[1].0)
            .collect();
        assert!(
            repeats.is_empty(),
            "redraws that changed nothing at {repeats:?}"
        );
        // Every glyph the countdown shows is in the font texture from its first frame on:
        // a later second never changes the texture (which would cost extra redraws).
        let late: Vec<_> = texture_changes.iter().filter(|t| !t.is_zero()).collect();
        assert!(
            late.is_empty(),
            "the font texture changed while the countdown ran, at {late:?}"
        );
        assert!(
            shown.len() <= 24,
            "{} frames for 20 s: {shown:?}",
            shown.len()
        );
        // Every shown second was drawn, within 100 ms of the time it stands for.
        for s in 1..=20u64 {
            let at = total - Duration::from_secs(s);
            let drawn = shown.iter().find(|(_, v)| *v == s).map(|(t, _)| *t);
            assert!(
                drawn.is_some_and(|t| t <= at + Duration::from_millis(100) || s == 20),
                "{s} s left drawn at {drawn:?}, expected by {at:?} + 100 ms"
            );
        }
        // The last frame, where the flow takes the timeout, is within 100 ms of the limit.
        let (last, left) = shown[shown.len() - 1];
        assert_eq!(left, 0);
        assert!(last >= total && last - total <= Duration::from_millis(100));
    }
}
