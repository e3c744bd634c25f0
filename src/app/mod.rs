//! The training-room app: bevy + bevy_egui screens over the engine in `core`.
//!
//! `flow` is the UI-free state machine (tested headless); `screens` draw it with pure
//! egui functions; `theme`, `face`, `redraw` (the idle policy) and `screenshot` support
//! them. [`run`] is what `courtesy` / `courtesy app` call.

pub mod author;
pub mod clock;
mod compositing;
mod cpu_time;
mod egui_shader;
pub mod face;
pub mod flow;
pub mod frame_bench;
#[cfg(test)]
mod frame_tests;
pub mod hot_reload;
pub mod i18n;
pub mod learning;
pub mod loader;
pub mod manager;
pub mod map;
pub mod records;
pub mod redraw;
pub mod render_exp;
pub mod screens;
pub mod screenshot;
pub mod sets;
pub mod soft_present;
pub mod sync_status;
pub mod theme;

use crate::app::flow::{
    Attempt, Catalog, Play, Screen, Seeds, Selected, Settings, StartScreen, TextSize, TimerMode,
    Trainee,
};
use crate::app::i18n::Lang;
use crate::app::loader::{CatalogEntry, LoadError};
use crate::core::library::Source;
use crate::core::session::SessionError;
use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::window::WindowResolution;
use bevy_egui::EguiPlugin;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use thiserror::Error;

/// What the app opens with (the command line's `courtesy app` options, parsed in
/// `cli::app`). All optional: with none, the app opens on sign-in.
#[derive(Debug, Clone, Default)]
pub struct AppArgs {
    /// Open this scenario (id or file name without .ron) as a signed-in trainee.
    pub scenario: Option<String>,
    /// Seed of the first attempt; random if not given.
    pub seed: Option<u64>,
    /// UI and scenario language (default: the station's).
    pub locale: Option<Lang>,
    /// Open directly on this screen (briefing and later need `scenario`).
    pub screen: Option<Screen>,
    /// Reply ids to take first (to reach a given conversation, feedback or debrief).
    pub choose: Vec<String>,
    /// Save a PNG of the window once the screen has settled, then exit.
    pub screenshot: Option<PathBuf>,
    /// Author preview mode.
    pub author: bool,
    /// Reload scenarios when their folder changes, outside author mode too.
    pub watch: bool,
    /// With `author`: start the first preview at this step id.
    pub from_step: Option<String>,
    /// With `author`: the customer's mood (0–100) at the first preview's start.
    pub mood: Option<i32>,
    /// Trainee name when opening past the sign-in screen.
    pub name: Option<String>,
    pub text_size: Option<TextSize>,
    pub high_contrast: bool,
    /// Reply timers (default: the station's).
    pub timers: Option<TimerMode>,
    /// Window size in pixels (default 1280x800).
    pub size: Option<(u32, u32)>,
    /// Folder of the attempt records (`--data-dir`: overrides the station's, and is the
    /// only place screenshots and measurements record into).
    pub data_dir: Option<PathBuf>,
    /// Measurement: redraw N frames continuously, log the CPU per frame, then exit.
    pub measure_frames: Option<u32>,
    /// What draws the frames (default: the CPU painter where the adapter is a CPU).
    pub renderer: soft_present::RendererChoice,
}

/// What the station gives the app, resolved once by the command line (flag >
/// environment > `station.ron` > default; see `courtesy config`) and passed in: the app
/// reads no station state of its own.
#[derive(Debug, Clone)]
pub struct Station {
    /// Where scenarios are read from, in order (embedded, then folders).
    pub sources: Vec<Source>,
    /// The records store's folder, the LRS configuration and the station's name.
    pub records: crate::station::Records,
    /// The manager area locks after this long without input.
    pub manager_idle_lock: Duration,
}

/// The app's timer setting for the station's (and the command line's) `timers` value.
pub(crate) fn timer_mode(t: crate::station::Timers) -> TimerMode {
    match t {
        crate::station::Timers::Normal => TimerMode::Normal,
        crate::station::Timers::Relaxed => TimerMode::Relaxed,
        crate::station::Timers::Off => TimerMode::Off,
    }
}

/// Why the app could not start.
#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("no scenario `{arg}`; known: {known}")]
    UnknownScenario { arg: String, known: String },
    #[error("--screen {0} needs --scenario <ID>")]
    NeedsScenario(String),
    #[error("--choose only applies to the conversation, feedback and debrief screens")]
    ChooseWithoutPlay,
    #[error("--choose: {0}")]
    Path(String),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(
        "no display available (DISPLAY is not set); run the app in a desktop session, or under `xvfb-run`"
    )]
    NoDisplay,
    #[error("the window could not be opened: {0}")]
    Window(String),
    #[error("cannot start the thread that loads the scenarios: {0}")]
    LoaderThread(std::io::Error),
    #[error("the app stopped unexpectedly: {0}")]
    Crashed(String),
}

impl AppError {
    /// Start-up failures are usage or environment problems (2); a crash while running is 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Crashed(_) => crate::exit::EXIT_FINDINGS,
            _ => crate::exit::EXIT_USAGE,
        }
    }
}

/// The state the app opens in, computed before any window exists (so bad arguments
/// fail fast with a clear message).
#[derive(Debug)]
pub struct Boot {
    pub screen: Screen,
    pub settings: Settings,
    pub trainee: Trainee,
    pub selected: Selected,
    pub seeds: Seeds,
    pub play: Play,
}

/// Works out the opening state from the arguments: `--screen`, `--scenario`, `--choose`.
pub fn boot(args: &AppArgs, catalog: &[CatalogEntry]) -> Result<Boot, AppError> {
    let settings = Settings {
        lang: args.locale.unwrap_or_default(),
        text_size: args.text_size.unwrap_or_default(),
        high_contrast: args.high_contrast,
        timers: args.timers.unwrap_or_default(),
    };
    let mut seeds = args
        .seed
        .map(Seeds::starting_at)
        .unwrap_or_else(Seeds::from_clock);
    let screen = match (args.screen, &args.scenario) {
        (Some(s), _) => s,
        (None, Some(_)) => Screen::Briefing,
        (None, None) => Screen::SignIn,
    };
    let name = args.name.clone().unwrap_or_else(|| match settings.lang {
        Lang::Zh => "学员".to_string(),
        Lang::En => "Trainee".to_string(),
    });
    let trainee = if screen == Screen::SignIn {
        Trainee::default()
    } else {
        Trainee { name }
    };
    let plays = matches!(
        screen,
        Screen::Conversation | Screen::Feedback | Screen::Debrief
    );
    if !args.choose.is_empty() && !plays {
        return Err(AppError::ChooseWithoutPlay);
    }
    let needs_scenario = matches!(screen, Screen::Briefing | Screen::Author) || plays;
    let found = match &args.scenario {
        Some(arg) => Some(loader::find(catalog, arg).ok_or_else(|| {
            AppError::UnknownScenario {
                arg: arg.clone(),
                known: catalog
                    .iter()
                    .map(|e| e.scenario.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })?),
        None if needs_scenario => {
            return Err(AppError::NeedsScenario(screen.name().to_string()));
        }
        None => None,
    };
    let selected = Selected(found.map(|e| e.scenario.id.clone()));
    let mut play = Play::default();
    if plays && let Some(entry) = found {
        let mut a = Attempt::start(entry, seeds.take(), settings.lang)?;
        replay(&mut a, &args.choose, screen)?;
        play.0 = Some(a);
    }
    Ok(Boot {
        screen,
        settings,
        trainee,
        selected,
        seeds,
        play,
    })
}

/// Plays `ids` and checks the attempt ends up where `screen` needs it.
fn replay(a: &mut Attempt, ids: &[String], screen: Screen) -> Result<(), AppError> {
    for (n, id) in ids.iter().enumerate() {
        if n > 0 && a.proceed()? == Screen::Debrief {
            return Err(AppError::Path(format!(
                "the conversation ended after {n} replies; `{id}` and later ids are too many"
            )));
        }
        a.answer(Some(id))
            .map_err(|e| AppError::Path(e.to_string()))?;
    }
    let err = |m: &str| Err(AppError::Path(m.to_string()));
    match screen {
        Screen::Feedback if ids.is_empty() => {
            err("the feedback screen needs at least one reply id")
        }
        Screen::Feedback => Ok(()),
        Screen::Conversation if ids.is_empty() => Ok(()),
        Screen::Conversation => match a.proceed()? {
            Screen::Conversation => Ok(()),
            _ => err("these replies end the conversation; use --screen debrief to see the result"),
        },
        Screen::Debrief => {
            if ids.is_empty() {
                return err(
                    "the debrief needs reply ids that reach an ending (see `courtesy run`)",
                );
            }
            match a.proceed()? {
                Screen::Debrief => Ok(()),
                _ => err("these replies do not reach an ending; add more ids"),
            }
        }
        _ => Ok(()),
    }
}

/// The UI-free part: state machine, resources and messages (what the flow tests use).
pub fn flow_plugin(app: &mut App) {
    app.add_plugins((
        flow::plugin,
        records::plugin,
        manager::plugin,
        learning::plugin,
    ))
    .add_plugins((author::plugin, hot_reload::plugin));
}

/// Everything drawn: theme, screens and the idle policy. Needs the window, render and
/// egui plugins.
pub(crate) fn ui_plugin(app: &mut App) {
    app.add_plugins((
        theme::plugin,
        screens::plugin,
        redraw::plugin,
        sync_status::plugin,
    ))
    .add_plugins((author::ui_plugin, hot_reload::ui_plugin))
    .add_systems(Startup, spawn_camera);
}

/// The camera egui draws through. No multisampling: egui antialiases its own shapes,
/// and with a software renderer 4× MSAA multiplies the cost of every frame.
/// With the software presenter the camera is inactive: bevy renders nothing and
/// `soft_present` paints egui's output (bevy_egui still runs its passes on the camera).
fn spawn_camera(
    mut commands: Commands,
    choice: Option<Res<soft_present::RendererChoice>>,
    adapter: Option<Res<bevy::render::renderer::RenderAdapterInfo>>,
) {
    let presenter = soft_present::decide(
        choice.map(|c| *c).unwrap_or_default(),
        adapter.map(|a| a.device_type),
    );
    info!("presenter: {presenter:?}");
    commands.insert_resource(presenter);
    let mut camera = Camera {
        is_active: presenter == soft_present::Presenter::Gpu,
        ..default()
    };
    render_exp::camera(&mut camera);
    let mut entity = commands.spawn((Camera2d, camera, bevy::render::view::Msaa::Off));
    if let Some(space) = compositing::camera_space(compositing::settings()) {
        entity.insert(space);
    }
}

/// The app's engine: window, renderer (bevy initialises it here, blocking: ~150 ms under
/// lavapipe), egui and the presenters. Needs nothing from the scenarios, so `run` loads
/// those meanwhile.
fn build_base(args: &AppArgs) -> App {
    let (w, h) = args.size.unwrap_or((1280, 800));
    let mut app = App::new();
    let mut plugins = DefaultPlugins.build();
    if render_exp::no_pipelined() {
        plugins = plugins.disable::<bevy::render::pipelined_rendering::PipelinedRenderingPlugin>();
    }
    app.add_plugins(
        plugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: i18n::T::AppTitle
                        .get(args.locale.unwrap_or_default())
                        .to_string(),
                    resolution: WindowResolution::new(w, h),
                    present_mode: render_exp::present_mode().unwrap_or_default(),
                    ..default()
                }),
                ..default()
            })
            .set(LogPlugin {
                filter:
                    "wgpu=error,naga=warn,bevy_render=warn,bevy_winit=warn,offset_allocator=warn"
                        .into(),
                ..default()
            }),
    )
    .add_plugins(EguiPlugin::default())
    .add_plugins((
        egui_shader::plugin,
        compositing::plugin,
        render_exp::plugin,
        soft_present::plugin,
    ))
    .insert_resource(args.renderer)
    .insert_resource(redraw::StartedAt(Instant::now()));
    app
}

/// The training room on top of [`build_base`]: scenarios, the trainee's state, records,
/// flow and screens.
fn add_training(
    app: &mut App,
    args: &AppArgs,
    station: &Station,
    catalog: Vec<CatalogEntry>,
    boot: Boot,
) {
    app.insert_resource(Catalog(catalog))
        .insert_resource(boot.settings)
        .insert_resource(boot.trainee)
        .insert_resource(boot.selected)
        .insert_resource(boot.seeds)
        .insert_resource(boot.play)
        .insert_resource(StartScreen(boot.screen));
    // Screenshots and measurements are not training: they record only into an explicit
    // --data-dir.
    let capture = args.screenshot.is_some() || args.measure_frames.is_some();
    if !capture || args.data_dir.is_some() {
        let records = records::RecordStore::open(
            &station
                .records
                .clone()
                .with_data_dir(args.data_dir.as_deref()),
        );
        if let Some(e) = &records.error {
            eprintln!("courtesy: attempts will not be recorded: {e}");
        }
        app.insert_resource(StartScreen(first_screen(boot.screen, &records)));
        app.insert_resource(records);
    }
    app.insert_resource(author::AuthorMode(args.author))
        .insert_resource(author::StartAt {
            step: args.from_step.clone(),
            mood: args.mood,
        })
        .insert_resource(hot_reload::WatchAlways(args.watch))
        .insert_resource(hot_reload::HotReloadSources(station.sources.clone()))
        .insert_resource(manager::Manager {
            gate: crate::core::records::ManagerGate::new(station.manager_idle_lock),
            ..Default::default()
        });
    app.add_plugins((flow_plugin, ui_plugin));
    if let Some(path) = &args.screenshot {
        app.insert_resource(screenshot::ScreenshotTo(path.clone()))
            .add_plugins(screenshot::plugin);
    }
    if let Some(n) = args.measure_frames {
        app.insert_resource(frame_bench::MeasureFrames(n))
            .add_plugins(frame_bench::plugin);
    }
}

/// The screen the app opens on: `wanted`, except on a first run (a records store with
/// no manager password yet) where the manager password is set before anything else.
pub fn first_screen(wanted: Screen, records: &records::RecordStore) -> Screen {
    match &records.store {
        Some(store)
            if wanted == Screen::SignIn && matches!(store.has_manager_password(), Ok(false)) =>
        {
            Screen::Manager
        }
        _ => wanted,
    }
}

/// Opens the app at `station`. Returns the exit code: 0 when closed normally, or the
/// code the app exited with; start-up failures and crashes are errors
/// ([`AppError::exit_code`]).
pub(crate) fn run(args: AppArgs, station: Station) -> Result<u8, AppError> {
    let started = Instant::now();
    // The scenarios load on their own thread while bevy initialises the renderer (it
    // blocks for that while the app is built): start-up takes the longer of the two, not
    // both. Errors keep their order: the scenarios', the command line's, the display's.
    let sources = station.sources.clone();
    let loading = std::thread::Builder::new()
        .name("courtesy-load".into())
        .spawn(move || loader::load_sources(&sources))
        .map_err(AppError::LoaderThread)?;
    let loaded = || -> Result<(Vec<CatalogEntry>, Boot), AppError> {
        let (catalog, skipped) = loading
            .join()
            .map_err(|p| AppError::Crashed(panic_message(p.as_ref())))??;
        for s in &skipped {
            eprintln!("courtesy: skipped {}: {}", s.path.display(), s.reason);
        }
        let boot = boot(&args, &catalog)?;
        Ok((catalog, boot))
    };
    if cfg!(unix) && std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        loaded()?;
        return Err(AppError::NoDisplay);
    }
    // winit panics when it cannot open the display (e.g. a stale DISPLAY): report that
    // as a start-up failure, without the panic's own message and backtrace.
    let built = quietly(|| build_base(&args));
    let (catalog, boot) = loaded()?;
    let mut app = built.map_err(AppError::Window)?;
    quietly(|| add_training(&mut app, &args, &station, catalog, boot)).map_err(AppError::Window)?;
    app.insert_resource(redraw::StartedAt(started));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || app.run()));
    match outcome {
        Ok(AppExit::Success) => Ok(crate::exit::EXIT_OK),
        Ok(AppExit::Error(code)) => Ok(code.get()),
        Err(p) => Err(AppError::Crashed(panic_message(p.as_ref()))),
    }
}

/// Runs a start-up step; a panic in it comes back as its message, not printed with a
/// backtrace (the caller reports it as a start-up failure).
fn quietly<T>(step: impl FnOnce() -> T) -> Result<T, String> {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(step));
    std::panic::set_hook(default_hook);
    outcome.map_err(|p| panic_message(p.as_ref()))
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown error".into())
}
