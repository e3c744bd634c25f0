//! The app's own systems (flow, theme, screens, redraw policy and bevy_egui's passes,
//! `run_ui` with its multi-pass layout), headless, over a whole reply timer on a
//! simulated clock: one frame per shown second and a font texture that stays put.
use crate::app::flow::{Play, Screen, StartScreen, TimerMode};
use crate::app::i18n::Lang;
use crate::app::screens::conversation::TimerVm;
use crate::app::{AppArgs, boot, flow_plugin, ui_plugin};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use bevy_egui::egui;
use bevy_egui::{EguiContext, EguiInput, EguiPostUpdateSet, EguiRenderOutput};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Frames whose egui output changed a texture (set between egui's output and
/// bevy_egui's upload, which empties it).
#[derive(Resource, Default)]
struct TextureChanged(bool);

fn note_texture_changes(outputs: Query<&EguiRenderOutput>, mut seen: ResMut<TextureChanged>) {
    seen.0 |= outputs.iter().any(|o| !o.textures_delta.set.is_empty());
}

/// The conversation screen of `scenario`'s first (timed) step, as `courtesy app
/// --screen conversation --timers relaxed` opens it, without a window or renderer.
fn headless_app(scenario: &str, lang: Lang) -> App {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let (catalog, _) = crate::app::loader::load_dir(&dir).expect("shipped scenarios load");
    let args = AppArgs {
        scenario: Some(scenario.into()),
        seed: Some(7),
        screen: Some(Screen::Conversation),
        locale: Some(lang),
        timers: Some(TimerMode::Relaxed),
        ..Default::default()
    };
    let b = boot(&args, &catalog).expect("boots");
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        bevy::state::app::StatesPlugin,
        bevy::asset::AssetPlugin::default(),
        bevy::input::InputPlugin,
        bevy::window::WindowPlugin {
            primary_window: None,
            exit_condition: bevy::window::ExitCondition::DontExit,
            ..default()
        },
    ))
    .init_asset::<bevy::image::Image>()
    .init_asset::<bevy::shader::Shader>()
    .init_resource::<ClearColor>()
    .add_plugins(bevy_egui::EguiPlugin::default())
    .insert_resource(crate::app::flow::Catalog(catalog))
    .insert_resource(b.settings)
    .insert_resource(b.trainee)
    .insert_resource(b.selected)
    .insert_resource(b.seeds)
    .insert_resource(b.play)
    .insert_resource(StartScreen(b.screen))
    .insert_resource(crate::app::flow::AuthorMode(false))
    .insert_resource(crate::app::author::StartAt {
        step: None,
        mood: None,
    })
    .insert_resource(crate::app::hot_reload::WatchAlways(false))
    .insert_resource(crate::app::hot_reload::HotReloadSources(Vec::new()))
    .insert_resource(crate::app::manager::Manager::default())
    .init_resource::<TextureChanged>()
    .add_systems(
        PostUpdate,
        note_texture_changes
            .after(EguiPostUpdateSet::ProcessOutput)
            .before(EguiPostUpdateSet::PostProcessOutput),
    );
    app.add_plugins((flow_plugin, ui_plugin));
    app
}

/// One frame of [`run_countdown`].
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// When it was drawn, from the start of the step.
    at: Duration,
    /// The seconds the countdown showed.
    shown: u64,
    /// It changed a texture.
    texture: bool,
    /// The app asked for the next frame at once.
    immediate: bool,
}

/// Runs `app` frame by frame, each frame when the app's earliest repaint wish says
/// (an immediate one: a frame's cost later), with the attempt's clock and bevy's
/// real-time clock (egui's input time) on the simulated time. The attempt's clock is
/// real time from the instant it is set, so each frame also moves the simulated
/// clock on by the real time it took (a frame is never drawn before the instant it
/// was asked for). Returns the timer's length and the frames up to the deadline.
fn run_countdown(app: &mut App) -> (Duration, Vec<Frame>) {
    // What a frame costs under lavapipe at 1280×800; immediate wishes wait for it.
    const FRAME: Duration = Duration::from_millis(50);
    let wishes: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let start = Instant::now();
    let mut now = Duration::ZERO;
    let mut frames = Vec::new();
    let mut total = None;
    for i in 0..400 {
        app.insert_resource(TimeUpdateStrategy::ManualInstant(start + now));
        let set_at = Instant::now();
        let timer = {
            let mut play = app.world_mut().resource_mut::<Play>();
            let Some(a) = play.0.as_mut() else { break };
            // The step was shown `now` ago.
            a.step_started = set_at.checked_sub(now).expect("clock");
            a.time_limit(TimerMode::Relaxed).map(|total| TimerVm {
                left: total.saturating_sub(now),
                total,
            })
        };
        let Some(timer) = timer else {
            panic!("the first step of the scenario is not timed")
        };
        total = total.or(Some(timer.total));
        let mut q = app
            .world_mut()
            .query_filtered::<&mut EguiInput, With<EguiContext>>();
        for mut input in q.iter_mut(app.world_mut()) {
            input.0.screen_rect = Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1280.0, 800.0),
            ));
        }
        if let Ok(mut w) = wishes.lock() {
            w.clear();
        }
        app.world_mut().resource_mut::<TextureChanged>().0 = false;
        app.update();
        let took = set_at.elapsed();
        if i == 0 {
            // After the app's first frame, which installed its own callback: the
            // same wishes, seen by the test.
            let mut q = app.world_mut().query::<&mut EguiContext>();
            for mut ctx in q.iter_mut(app.world_mut()) {
                let sink = Arc::clone(&wishes);
                ctx.get_mut().set_request_repaint_callback(move |info| {
                    if let Ok(mut w) = sink.lock() {
                        w.push(info.delay);
                    }
                });
            }
        }
        let next = wishes.lock().ok().and_then(|w| w.iter().min().copied());
        let delay = match next {
            Some(d) => d,
            // The first frame's wishes went to the app's callback, not the test's.
            None if i == 0 => Duration::ZERO,
            None => panic!("no redraw asked for at {now:?} with {timer:?} running"),
        };
        if now >= timer.total {
            break; // time is up: the flow takes the timeout reply
        }
        frames.push(Frame {
            at: now,
            shown: timer.seconds_shown(),
            texture: app.world().resource::<TextureChanged>().0,
            immediate: delay.is_zero(),
        });
        // (The first frame's real time is the app's start-up: fonts parsed, not drawn.)
        now += if i == 0 { Duration::ZERO } else { took } + delay.max(FRAME);
    }
    (total.expect("a timed step was shown"), frames)
}

#[test]
fn the_app_draws_one_frame_per_shown_second_and_keeps_its_font_texture() {
    for lang in [Lang::En, Lang::Zh] {
        let mut app = headless_app("angry-customer", lang);
        let (total, frames) = run_countdown(&mut app);
        // The app's first frames follow each other at once while egui settles its
        // layout (panels take their sizes over a few passes, the transcript scrolls
        // to its newest line); from the first frame that asks for a later one, only
        // the countdown should draw.
        let settled = frames
            .iter()
            .position(|f| !f.immediate)
            .unwrap_or(frames.len());
        assert!(settled <= 8, "{lang:?}: no settled frame: {frames:?}");
        let frames = &frames[settled..];
        let late_textures: Vec<_> = frames.iter().filter(|f| f.texture).map(|f| f.at).collect();
        assert!(
            late_textures.is_empty(),
            "{lang:?}: the font texture changed while the countdown ran, at \
             {late_textures:?}; frames {frames:?}"
        );
        let repeats: Vec<_> = frames
            .windows(2)
            .filter(|w| w[0].shown == w[1].shown)
            .map(|w| w[1].at)
            .collect();
        assert!(
            repeats.is_empty(),
            "{lang:?}: frames that showed nothing new at {repeats:?}; frames {frames:?}"
        );
        // Each frame shows a new second, down to the last one; a frame that takes
        // longer here than the app's (a debug build on a busy machine) may make the
        // next one land a second late, so a second may be skipped, never repeated.
        let secs = total.as_secs();
        assert!(
            frames.windows(2).all(|w| w[1].shown < w[0].shown)
                && frames.last().is_some_and(|f| f.shown <= 2)
                && frames.len() as u64 <= secs,
            "{lang:?}: a {secs} s countdown: {frames:?}"
        );
    }
}
