//! The idle policy: redraw only when something changes.
//!
//! Why a bare bevy_egui app never idles, even with `WinitSettings::desktop_app()`:
//! * bevy_egui 0.42 pushes an `egui::Event::ModifiersChanged` into egui's input on every
//!   frame, changed or not; egui asks for an immediate repaint whenever a pass has input
//!   events, and bevy_egui turns that into `RequestRedraw` — so each frame orders the
//!   next one, forever;
//! * bevy_egui also sends `RequestRedraw` when egui wants a *delayed* repaint (a tooltip,
//!   a blinking cursor, `request_repaint_after`), i.e. at once instead of later; its own
//!   repaint callback only handles zero delays (it has no timer).
//!
//! Here instead:
//! * unchanged `ModifiersChanged` events are dropped before the pass begins;
//! * winit runs reactively (`reactive_low_power`, a minute's wait): input and window
//!   events wake it, nothing else does;
//! * our own egui repaint callback records the earliest time egui wants a repaint;
//! * after egui's output is processed, the blanket `RequestRedraw`s are dropped and we
//!   redraw now only if egui wants a repaint now (input just handled, an animation in
//!   progress); a later wish (the countdown bar asks for one every 100 ms while a timer
//!   runs) goes to a small waker thread that wakes the event loop at that instant.

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use bevy::winit::{EventLoopProxyWrapper, UpdateMode, WinitSettings, WinitUserEvent};
use bevy_egui::egui;
use bevy_egui::{
    EguiContext, EguiInput, EguiPostUpdateSet, EguiPreUpdateSet, EguiRenderOutput,
    PrimaryEguiContext,
};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long winit waits with no event at all before running an update anyway.
pub const IDLE_WAIT: Duration = Duration::from_secs(60);

/// A repaint wish closer than this is served immediately.
const NOW_SLACK: Duration = Duration::from_millis(2);

/// The reactive update mode used while idle-friendly redrawing is on.
pub(crate) fn winit_settings() -> WinitSettings {
    WinitSettings {
        focused_mode: UpdateMode::reactive_low_power(IDLE_WAIT),
        unfocused_mode: UpdateMode::reactive_low_power(IDLE_WAIT),
    }
}

/// The earliest instant egui asked to be repainted at, written by the repaint callback.
#[derive(Resource, Default, Clone)]
pub struct RepaintWish(Arc<Mutex<Option<Instant>>>);

impl RepaintWish {
    fn note(&self, at: Instant) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(g.map_or(at, |t| t.min(at)));
        }
    }

    fn peek(&self) -> Option<Instant> {
        self.0.lock().ok().and_then(|g| *g)
    }

    fn take(&self) -> Option<Instant> {
        self.0.lock().ok().and_then(|mut g| g.take())
    }
}

/// Sends wake-up instants to the waker thread.
#[derive(Resource)]
struct Waker(Mutex<Sender<Instant>>);

impl Waker {
    fn spawn(proxy: &EventLoopProxyWrapper) -> Option<Waker> {
        let proxy = (**proxy).clone();
        let (tx, rx) = mpsc::channel::<Instant>();
        let spawned = std::thread::Builder::new()
            .name("courtesy-waker".into())
            .spawn(move || {
                let mut next: Option<Instant> = None;
                loop {
                    let got = match next {
                        None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                        Some(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())),
                    };
                    match got {
                        Ok(t) => next = Some(next.map_or(t, |n| n.min(t))),
                        Err(RecvTimeoutError::Timeout) => {
                            next = None;
                            if proxy.send_event(WinitUserEvent::WakeUp).is_err() {
                                break;
                            }
                        }
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            });
        match spawned {
            Ok(_) => Some(Waker(Mutex::new(tx))),
            Err(e) => {
                warn!("cannot start the redraw timer thread ({e}); timers will only tick on input");
                None
            }
        }
    }

    fn at(&self, t: Instant) {
        if let Ok(tx) = self.0.lock() {
            let _ = tx.send(t);
        }
    }
}

/// When the app started (for the start-to-first-frame report).
#[derive(Resource, Debug, Clone, Copy)]
pub struct StartedAt(pub Instant);

/// Counts app updates (frames); handy when checking that idle means idle.
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct FrameCounter(pub u64);

/// Where the redraw policy decides on the next frame (`PostUpdate`): systems that wish
/// for a repaint in this frame run before it.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedrawPolicy;

/// Installs the reactive policy.
pub(crate) fn plugin(app: &mut App) {
    app.insert_resource(winit_settings())
        .init_resource::<RepaintWish>()
        .init_resource::<FrameCounter>()
        .add_systems(
            PreUpdate,
            drop_unchanged_modifiers
                .after(EguiPreUpdateSet::ProcessInput)
                .before(EguiPreUpdateSet::BeginPass),
        )
        .add_systems(
            PostUpdate,
            (install_callback, redraw_after_resize, redraw_policy)
                .chain()
                .in_set(RedrawPolicy)
                .after(EguiPostUpdateSet::ProcessOutput),
        );
}

/// A resized window (or one moved to a screen of another scale) is laid out again at once.
/// The frame that sees the resize runs egui's pass with the old size (the camera learns the
/// new one later in the same frame), and egui asks for nothing more: without this the
/// layout stayed at the old size, drawn into the corner of the new window, until the next
/// input (both presenters; seen in a real window, 1000×700 resized to 1400×900).
fn redraw_after_resize(
    mut resized: MessageReader<bevy::window::WindowResized>,
    mut rescaled: MessageReader<bevy::window::WindowScaleFactorChanged>,
    wish: Res<RepaintWish>,
) {
    let changed = resized.read().count() + rescaled.read().count() > 0;
    if changed {
        wish.note(Instant::now());
    }
}

/// bevy_egui 0.42 pushes `ModifiersChanged` into egui's input on every frame, even when
/// no modifier key changed; egui treats any input event as a reason to repaint at once,
/// so every frame asked for the next one. Pass the event on only when it changes
/// something (egui keeps the previous modifiers otherwise).
fn drop_unchanged_modifiers(
    mut inputs: Query<&mut EguiInput>,
    mut last: Local<Option<egui::Modifiers>>,
) {
    for mut input in &mut inputs {
        let mut seen = *last;
        input.0.events.retain(|e| match e {
            egui::Event::ModifiersChanged(m) => {
                let changed = seen != Some(*m);
                seen = Some(*m);
                changed
            }
            _ => true,
        });
        *last = seen;
    }
}

/// Replaces bevy_egui's repaint callback (which only wakes for zero delays) with ours.
fn install_callback(
    mut contexts: Query<(Entity, &mut EguiContext), With<PrimaryEguiContext>>,
    wish: Res<RepaintWish>,
    mut installed: Local<Option<Entity>>,
    proxy: Option<Res<EventLoopProxyWrapper>>,
    waker: Option<Res<Waker>>,
    mut commands: Commands,
) {
    if waker.is_none()
        && let Some(proxy) = proxy
        && let Some(w) = Waker::spawn(&proxy)
    {
        commands.insert_resource(w);
    }
    for (entity, mut ctx) in &mut contexts {
        if *installed == Some(entity) {
            continue;
        }
        let wish = wish.clone();
        ctx.get_mut().set_request_repaint_callback(move |info| {
            if let Some(at) = Instant::now().checked_add(info.delay) {
                wish.note(at);
            }
        });
        *installed = Some(entity);
    }
}

/// Decides whether the next frame is needed now, later, or not at all.
#[allow(clippy::too_many_arguments)]
fn redraw_policy(
    wish: Res<RepaintWish>,
    waker: Option<Res<Waker>>,
    mut redraws: ResMut<Messages<RequestRedraw>>,
    mut frames: ResMut<FrameCounter>,
    outputs: Query<&EguiRenderOutput, With<PrimaryEguiContext>>,
    started: Option<Res<StartedAt>>,
    mut first_frame: Local<bool>,
    mut contexts: Query<&mut EguiContext, With<PrimaryEguiContext>>,
    mut debug: Local<Option<bool>>,
) {
    frames.0 += 1;
    if *debug.get_or_insert_with(|| std::env::var_os("COURTESY_DEBUG_REDRAW").is_some()) {
        for mut c in &mut contexts {
            let causes = c.get_mut().repaint_causes();
            info!(
                "frame {}: repaint wish {:?}, causes {causes:?}",
                frames.0,
                wish.peek()
            );
        }
    }
    if !*first_frame && outputs.iter().any(|o| !o.paint_jobs.is_empty()) {
        *first_frame = true;
        if let Some(s) = started {
            info!(
                "first frame drawn {} ms after start",
                s.0.elapsed().as_millis()
            );
        }
    }
    // Drop bevy_egui's blanket requests (see the module docs); ours follow.
    redraws.clear();
    let Some(at) = wish.take() else { return };
    let now = Instant::now();
    if at <= now + NOW_SLACK {
        redraws.write(RequestRedraw);
    } else if let Some(w) = waker {
        w.at(at);
    } else {
        redraws.write(RequestRedraw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events_after_update(app: &mut App, e: Entity, events: Vec<egui::Event>) -> Vec<egui::Event> {
        app.world_mut()
            .entity_mut(e)
            .insert(EguiInput(egui::RawInput {
                events,
                ..Default::default()
            }));
        app.update();
        app.world()
            .get::<EguiInput>(e)
            .map(|i| i.0.events.clone())
            .unwrap_or_default()
    }

    #[test]
    fn a_resized_window_is_drawn_again_at_once() {
        let mut app = App::new();
        app.add_message::<bevy::window::WindowResized>()
            .add_message::<bevy::window::WindowScaleFactorChanged>()
            .add_message::<RequestRedraw>()
            .add_plugins(plugin);
        let redraws = |app: &App| {
            app.world()
                .resource::<Messages<RequestRedraw>>()
                .iter_current_update_messages()
                .count()
        };
        app.update();
        app.update();
        assert_eq!(redraws(&app), 0, "an idle frame asks for no other");
        let window = app.world_mut().spawn_empty().id();
        app.world_mut().write_message(bevy::window::WindowResized {
            window,
            width: 1400.0,
            height: 900.0,
        });
        app.update();
        assert_eq!(
            redraws(&app),
            1,
            "the frame that saw the resize asks for the next"
        );
        app.update();
        assert_eq!(redraws(&app), 0);
    }

    #[test]
    fn only_changed_modifiers_reach_egui() {
        let mut app = App::new();
        app.add_systems(Update, drop_unchanged_modifiers);
        let e = app.world_mut().spawn(EguiInput::default()).id();
        let none = egui::Event::ModifiersChanged(egui::Modifiers::NONE);
        let shift = egui::Event::ModifiersChanged(egui::Modifiers::SHIFT);
        assert_eq!(
            events_after_update(&mut app, e, vec![none.clone()]),
            vec![none.clone()]
        );
        // The per-frame repeat is dropped: an idle frame has no input events at all.
        assert!(events_after_update(&mut app, e, vec![none.clone()]).is_empty());
        let key = egui::Event::Text("1".into());
        assert_eq!(
            events_after_update(&mut app, e, vec![none.clone(), key.clone()]),
            vec![key]
        );
        assert_eq!(
            events_after_update(&mut app, e, vec![shift.clone()]),
            vec![shift]
        );
        assert_eq!(
            events_after_update(&mut app, e, vec![none.clone()]),
            vec![none]
        );
    }

    #[test]
    fn repaint_wish_keeps_the_earliest() {
        let wish = RepaintWish::default();
        let now = Instant::now();
        wish.note(now + Duration::from_millis(500));
        wish.note(now + Duration::from_millis(66));
        wish.note(now + Duration::from_secs(3));
        assert_eq!(wish.take(), Some(now + Duration::from_millis(66)));
        assert_eq!(wish.take(), None);
    }
}
