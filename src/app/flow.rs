//! The app's state machine without any UI: the [`Screen`] state, the [`Action`] messages
//! the screens send, and the systems that apply them to the session.
//!
//! Nothing here touches egui or the window, so the whole flow runs under
//! `MinimalPlugins + StatesPlugin` in tests (see `tests/app_flow.rs`).

use crate::app::i18n::Lang;
use crate::app::loader::CatalogEntry;
use crate::core::records::Recorder;
use crate::core::session::{AttemptResult, Current, Feedback, Session, SessionError};
use bevy::prelude::*;
use std::time::{Duration, Instant};

/// Which screen is showing.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    SignIn,
    Library,
    Briefing,
    Conversation,
    Feedback,
    Debrief,
    /// The manager's review, behind the manager password (`app::manager`).
    Manager,
    /// Author preview (`--author`): any step, any mood, ratings shown (`app::author`).
    Author,
    /// The trainee's own mastery, "My progress" (`app::learning`, `screens::progress`).
    Progress,
}

impl Screen {
    pub const ALL: [Screen; 9] = [
        Screen::SignIn,
        Screen::Library,
        Screen::Briefing,
        Screen::Conversation,
        Screen::Feedback,
        Screen::Debrief,
        Screen::Manager,
        Screen::Author,
        Screen::Progress,
    ];

    /// The screen's name on the command line (`--screen sign-in`) and in messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Screen::SignIn => "sign-in",
            Screen::Library => "library",
            Screen::Briefing => "briefing",
            Screen::Conversation => "conversation",
            Screen::Feedback => "feedback",
            Screen::Debrief => "debrief",
            Screen::Manager => "manager",
            Screen::Author => "author",
            Screen::Progress => "progress",
        }
    }
}

/// What the trainee asked for; sent by the screens, applied by [`apply_actions`].
#[derive(Message, Debug, Clone, PartialEq)]
pub enum Action {
    /// Sign in with a name or staff ID and the chosen settings.
    SignIn {
        name: String,
        settings: Settings,
    },
    SignOut,
    /// Open the briefing of the scenario with this id (the card's, or a "Practise next"
    /// card's). An id, not a position: the catalog may have been reloaded, reordered or
    /// shortened since the card was drawn; an id no longer offered opens nothing.
    OpenScenario(String),
    StartConversation,
    /// Reply with the reply of this id.
    Choose(String),
    /// The step's (scaled) time limit ran out.
    TimeUp,
    /// Leave the feedback: on to the next step or the debrief.
    Continue,
    /// Play the same scenario again with a new seed.
    Retry,
    BackToLibrary,
    /// Leave the conversation before its end (Esc, then confirm): back to the library,
    /// the attempt recorded as abandoned.
    LeaveConversation,
    /// Open the manager's area (password first); from the sign-in screen.
    OpenManager,
    /// Practice-the-step (`app::learning`): replay these steps of this scenario, each on
    /// its own from its mood; recorded as practice, never as an attempt.
    Practise {
        scenario: String,
        steps: Vec<crate::core::learning::PracticeStep>,
    },
    /// From the debrief: practise the steps of this attempt that went wrong.
    PractiseMistakes,
    /// Open "My progress" (from the library).
    OpenProgress,
}

/// Whether author mode is on (`--author`, or the manager's settings); `app::author`
/// runs the previews, the hot reload watches in it.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct AuthorMode(pub bool);

/// Text size setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TextSize {
    #[default]
    Normal,
    Large,
    ExtraLarge,
}

impl TextSize {
    pub const ALL: [TextSize; 3] = [TextSize::Normal, TextSize::Large, TextSize::ExtraLarge];

    /// The setting's name on the command line (`--text-size extra-large`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            TextSize::Normal => "normal",
            TextSize::Large => "large",
            TextSize::ExtraLarge => "extra-large",
        }
    }

    /// Body text size in points.
    pub(crate) fn body_points(self) -> f32 {
        match self {
            TextSize::Normal => 17.0,
            TextSize::Large => 21.0,
            TextSize::ExtraLarge => 26.0,
        }
    }
}

/// Reply timer setting: the scenario's limits as written, doubled, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimerMode {
    #[default]
    Normal,
    Relaxed,
    Off,
}

impl TimerMode {
    pub const ALL: [TimerMode; 3] = [TimerMode::Normal, TimerMode::Relaxed, TimerMode::Off];

    /// The time limit the trainee actually gets for a step limited to `limit`.
    pub(crate) fn scale(self, limit: Option<Duration>) -> Option<Duration> {
        match self {
            TimerMode::Normal => limit,
            TimerMode::Relaxed => limit.map(|l| l * 2),
            TimerMode::Off => None,
        }
    }
}

/// The trainee's language and accessibility settings.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Default)]
pub struct Settings {
    pub lang: Lang,
    pub text_size: TextSize,
    pub high_contrast: bool,
    pub timers: TimerMode,
}

/// Who is signed in (empty before sign-in).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Trainee {
    pub name: String,
}

/// The scenarios on offer, in the order of the library's cards.
#[derive(Resource, Debug, Clone, Default)]
pub struct Catalog(pub Vec<CatalogEntry>);

impl Catalog {
    /// The scenario with this id.
    pub fn get(&self, id: &str) -> Option<&CatalogEntry> {
        self.0.iter().find(|e| e.scenario.id == id)
    }
}

/// The id of the scenario the briefing, conversation and debrief are about (an id, not
/// a position: a hot reload can add and remove files under a running app).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Selected(pub Option<String>);

impl Selected {
    /// The selected scenario, if it is still in `catalog`.
    pub(crate) fn entry<'c>(&self, catalog: &'c Catalog) -> Option<&'c CatalogEntry> {
        catalog.get(self.0.as_deref()?)
    }
}

/// Where seeds for new attempts come from: `--seed` for the first one, then a fixed
/// sequence from it, so that runs are reproducible but every retry differs.
#[derive(Resource, Debug, Clone)]
pub struct Seeds {
    next: u64,
}

impl Seeds {
    pub fn starting_at(seed: u64) -> Seeds {
        Seeds { next: seed }
    }

    /// Seeds from the clock (the app without `--seed`).
    pub(crate) fn from_clock() -> Seeds {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x5EED);
        Seeds {
            next: nanos % 1_000_000,
        }
    }

    /// The next seed.
    pub(crate) fn take(&mut self) -> u64 {
        let s = self.next;
        // splitmix-style step, kept small enough to read and retype.
        self.next = (s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407)
            >> 33)
            % 1_000_000;
        s
    }
}

impl Default for Seeds {
    fn default() -> Self {
        Seeds::from_clock()
    }
}

/// Who said a line of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Customer,
    Trainee,
}

/// One line of the conversation so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub speaker: Speaker,
    pub text: String,
    pub timed_out: bool,
}

/// The attempt being played.
#[derive(Debug)]
pub struct Attempt {
    /// The id of the scenario played (see [`Catalog::get`]).
    pub scenario: String,
    pub session: Session,
    /// Lines already answered (the current customer line is in `session.current()`).
    pub history: Vec<Line>,
    /// Feedback on the last reply (shown on the feedback screen).
    pub feedback: Option<Feedback>,
    /// Set once the conversation has ended and the trainee continued to the debrief.
    pub result: Option<AttemptResult>,
    /// When the current step was shown (for response times and the countdown).
    pub step_started: Instant,
    /// How the attempt is being recorded (kept up to date by `app::records`).
    pub record: AttemptRecord,
    /// Not a trainee's attempt: an author's preview (`app::author`) or a practice step
    /// (`app::learning`). Never recorded as an attempt, never abandoned.
    pub preview: bool,
}

impl Attempt {
    /// Starts an attempt at `entry` in the trainee's language (or the scenario's first
    /// language if it lacks that one).
    pub fn start(entry: &CatalogEntry, seed: u64, lang: Lang) -> Result<Attempt, SessionError> {
        let sc = &entry.scenario;
        let locale = sc.locale_or(lang.code());
        let session =
            Session::start(sc.clone(), seed, locale)?.with_content_hash(entry.content_hash.clone());
        Ok(Attempt::over(sc.id.clone(), session, false))
    }

    /// A new attempt at scenario `id` over `session`, nothing answered yet. An author's
    /// `preview` is never recorded.
    pub(crate) fn over(id: String, session: Session, preview: bool) -> Attempt {
        Attempt {
            scenario: id,
            session,
            history: Vec::new(),
            feedback: None,
            result: None,
            step_started: Instant::now(),
            // Belt and braces for previews: the recorder begins only `NotStarted` records.
            record: if preview {
                AttemptRecord::Off
            } else {
                AttemptRecord::NotStarted
            },
            preview,
        }
    }

    /// The scaled time limit of the current step, if it is timed.
    pub(crate) fn time_limit(&self, timers: TimerMode) -> Option<Duration> {
        match self.session.current() {
            Current::Step(v) => timers.scale(v.time_limit),
            Current::Ended(_) => None,
        }
    }

    /// Time spent at the current step.
    pub(crate) fn elapsed(&self) -> Duration {
        self.step_started.elapsed()
    }

    /// Answers the current step (a reply id, or `None` for a timeout) and records the lines.
    pub fn answer(&mut self, reply: Option<&str>) -> Result<&Feedback, SessionError> {
        let line = match self.session.current() {
            Current::Step(v) => v.customer_line.clone(),
            Current::Ended(_) => return Err(SessionError::AlreadyEnded),
        };
        let took = self.elapsed();
        let fb = match reply {
            Some(id) => self.session.choose(id, took)?,
            None => self.session.timeout(took)?,
        };
        self.history.push(Line {
            speaker: Speaker::Customer,
            text: line,
            timed_out: false,
        });
        self.history.push(Line {
            speaker: Speaker::Trainee,
            text: fb.reply_text.clone(),
            timed_out: fb.timed_out,
        });
        if let Some(reaction) = &fb.reaction {
            // The customer answers the reply before the next step's line.
            self.history.push(Line {
                speaker: Speaker::Customer,
                text: reaction.clone(),
                timed_out: false,
            });
        }
        Ok(self.feedback.insert(fb))
    }

    /// Leaves the feedback: finishes the attempt if the conversation ended, else restarts
    /// the step clock. Returns the screen to show next.
    pub fn proceed(&mut self) -> Result<Screen, SessionError> {
        if self.session.is_ended() {
            self.result = Some(self.session.finish()?);
            Ok(Screen::Debrief)
        } else {
            self.step_started = Instant::now();
            Ok(Screen::Conversation)
        }
    }
}

/// How the attempt in progress is being recorded (kept up to date by `app::records`,
/// which re-exports it).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum AttemptRecord {
    /// Not looked at yet (the attempt has just started).
    #[default]
    NotStarted,
    /// Recording: the recorder knows how many steps are durable.
    Recording(Recorder),
    /// Recording is off in this app (no store configured).
    Off,
    /// Not recorded: the store is unavailable or refused the attempt (the reason).
    Failed(String),
}

impl AttemptRecord {
    /// Whether this attempt is being played unrecorded because something went wrong.
    pub fn is_unrecorded(&self) -> bool {
        matches!(self, AttemptRecord::Failed(_))
    }
}

/// The attempt in progress, if any.
#[derive(Resource, Debug, Default)]
pub struct Play(pub Option<Attempt>);

/// An attempt was dropped before its end (the trainee left it, or its scenario file was
/// removed): `app::records` marks it abandoned (its answered steps stay recorded).
#[derive(Message, Debug, Clone, PartialEq)]
pub struct Abandoned(pub AttemptRecord);

impl Abandoned {
    /// The message for dropping `a`, unless it had ended (a finished attempt is not
    /// abandoned) or is an author's preview.
    pub(crate) fn of(a: &Attempt) -> Option<Abandoned> {
        (a.result.is_none() && !a.preview).then(|| Abandoned(a.record.clone()))
    }
}

/// The screen the app opens on (set by `--screen`; sign-in otherwise).
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct StartScreen(pub Screen);

/// Systems of the flow, for ordering UI and redraw systems around them.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlowSet;

/// Adds the state machine. Needs `StatesPlugin` (part of `DefaultPlugins`).
pub(crate) fn plugin(app: &mut App) {
    let start = app
        .world()
        .get_resource::<StartScreen>()
        .copied()
        .unwrap_or_default();
    app.add_message::<Action>()
        .add_message::<Abandoned>()
        .init_resource::<Settings>()
        .init_resource::<Trainee>()
        .init_resource::<Catalog>()
        .init_resource::<Selected>()
        .init_resource::<Seeds>()
        .init_resource::<Play>()
        .insert_state(start.0)
        .add_systems(
            Update,
            (
                check_timer.run_if(in_state(Screen::Conversation)),
                apply_actions,
            )
                .chain()
                .in_set(FlowSet),
        );
}

/// Sends [`Action::TimeUp`] when the current step's scaled limit has passed.
pub(crate) fn check_timer(
    play: Res<Play>,
    settings: Res<Settings>,
    mut actions: MessageWriter<Action>,
) {
    if let Some(a) = &play.0
        && let Some(limit) = a.time_limit(settings.timers)
        && a.elapsed() >= limit
    {
        actions.write(Action::TimeUp);
    }
}

/// Applies the first action that makes sense on the current screen; the rest of the
/// frame's actions are dropped (the screen changes at the next state transition).
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_actions(
    mut actions: MessageReader<Action>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    catalog: Res<Catalog>,
    mut settings: ResMut<Settings>,
    mut trainee: ResMut<Trainee>,
    mut selected: ResMut<Selected>,
    mut seeds: ResMut<Seeds>,
    mut play: ResMut<Play>,
    mut abandoned: MessageWriter<Abandoned>,
) {
    let current = *screen.get();
    for action in actions.read() {
        let to = match (current, action) {
            (Screen::SignIn, Action::SignIn { name, settings: s }) => {
                let name = name.trim();
                if name.is_empty() {
                    None
                } else {
                    trainee.name = name.to_string();
                    if *settings != *s {
                        *settings = *s;
                    }
                    Some(Screen::Library)
                }
            }
            (Screen::SignIn, Action::OpenManager) => Some(Screen::Manager),
            (Screen::Library, Action::SignOut) => {
                trainee.name.clear();
                Some(Screen::SignIn)
            }
            (Screen::Library, Action::OpenScenario(id)) => match catalog.get(id) {
                Some(e) => {
                    selected.0 = Some(e.scenario.id.clone());
                    Some(Screen::Briefing)
                }
                None => {
                    warn!("scenario `{id}` is no longer offered; nothing opened");
                    None
                }
            },
            (Screen::Briefing | Screen::Debrief, Action::BackToLibrary) => {
                play.0 = None;
                Some(Screen::Library)
            }
            (Screen::Conversation | Screen::Feedback, Action::LeaveConversation) => {
                if let Some(gone) = play.0.take().as_ref().and_then(Abandoned::of) {
                    abandoned.write(gone);
                }
                Some(Screen::Library)
            }
            (Screen::Briefing, Action::StartConversation) | (Screen::Debrief, Action::Retry) => {
                let Some(entry) = selected.entry(&catalog) else {
                    continue;
                };
                match Attempt::start(entry, seeds.take(), settings.lang) {
                    Ok(a) => {
                        play.0 = Some(a);
                        Some(Screen::Conversation)
                    }
                    Err(e) => {
                        error!("cannot start `{}`: {e}", entry.scenario.id);
                        None
                    }
                }
            }
            (Screen::Conversation, Action::Choose(_) | Action::TimeUp) => {
                let Some(a) = play.0.as_mut() else { continue };
                let reply = match action {
                    Action::Choose(id) => Some(id.as_str()),
                    _ => None,
                };
                match a.answer(reply) {
                    Ok(_) => Some(Screen::Feedback),
                    Err(e) => {
                        warn!("reply refused: {e}");
                        None
                    }
                }
            }
            (Screen::Feedback, Action::Continue) => {
                let Some(a) = play.0.as_mut() else { continue };
                match a.proceed() {
                    Ok(s) => Some(s),
                    Err(e) => {
                        error!("cannot continue: {e}");
                        None
                    }
                }
            }
            _ => None,
        };
        if let Some(to) = to {
            next.set(to);
            // Later actions in this frame were meant for the screen we are leaving.
            break;
        }
    }
    actions.clear();
}
