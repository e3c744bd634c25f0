//! The learning loop in the app: the signed-in trainee's evidence, the "Practise next" and "My progress" view models, and practice-the-step mode.
//!
//! * On entering the library or My progress, [`refresh_learning`] reads the trainee's
//!   evidence (this station's attempts and practice, plus every station's attempts
//!   through the LRS cache when there is one) into [`Learning`].
//! * [`practise_vm`] and [`progress_vm`] turn it into the screens' view models, in the
//!   trainee's language, naming rules by their titles (`data/rules.ron`), never by id.
//! * Practice-the-step ([`Action::Practise`], [`Action::PractiseMistakes`]): each step
//!   that went wrong is replayed on its own, starting at that step with the customer's
//!   mood as it was then (`Session::start_at`, as the author preview does). The attempt
//!   is marked `preview`, so it is never recorded as an attempt nor abandoned; each
//!   answered step goes to the store's `practice` table only (no outbox statement), and
//!   after its feedback the next step to practise follows; after the last, the library.

use crate::app::flow::{Action, Attempt, Catalog, FlowSet, Play, Screen, Seeds, Settings, Trainee};
use crate::app::i18n::Lang;
use crate::app::loader::CatalogEntry;
use crate::app::records::{AttemptRecord, RecordStore};
use crate::app::screens::practise::{PractiseCard, PractiseScreen, PractiseVm};
use crate::app::screens::progress::{ProgressScreen, ProgressVm, Row, Series, Standing};
use crate::core::learning::{
    self, Catalogue, Choice, Level, MasteryParams, PracticeStep, wrong_in_transcript, wrong_steps,
};
use crate::core::model::Principle;
use crate::core::records::time::now_ms;
use crate::core::session::{Session, SessionError};
use bevy::prelude::*;
use std::time::Instant;

/// At most this many "Practise next" cards.
pub const CARDS: usize = 3;
/// Points on the progress chart.
pub const CHART_POINTS: usize = 12;

/// The signed-in trainee's learning evidence, as read on entering the library.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Learning {
    pub trainee: String,
    /// Oldest first.
    pub evidence: Vec<Choice>,
    /// "Now" for the figures (when it was read).
    pub at_ms: i64,
}

/// The practice run in progress, and the result of the last one.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Practice {
    pub run: Option<PracticeRun>,
    /// (right, of) of the run that ended last, shown on the library.
    pub last: Option<(usize, usize)>,
}

/// A run of practice steps in one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct PracticeRun {
    pub scenario: String,
    pub steps: Vec<PracticeStep>,
    /// The step being practised.
    pub at: usize,
    /// Steps answered and recorded so far.
    pub answered: usize,
    /// Of which with the best reply.
    pub right: usize,
}

/// Adds the learning loop to the flow.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Learning>()
        .init_resource::<Practice>()
        .init_resource::<ProgressScreen>()
        .init_resource::<PractiseScreen>()
        .add_systems(
            OnEnter(Screen::Library),
            (refresh_learning, end_run, build_practise).chain(),
        )
        .add_systems(
            OnEnter(Screen::Progress),
            (refresh_learning, build_progress).chain(),
        )
        .add_systems(Update, practice_actions.before(FlowSet))
        .add_systems(
            Update,
            (
                record_practice.after(FlowSet),
                build_progress
                    .run_if(in_state(Screen::Progress).and_eager(resource_changed::<Settings>)),
                // Another language, or a hot reload (titles change, scenarios come and go).
                build_practise.run_if(
                    in_state(Screen::Library).and_eager(
                        resource_changed::<Settings>.or_eager(resource_changed::<Catalog>),
                    ),
                ),
            ),
        );
}

/// The scenarios of the catalog, as `core::learning` reads them.
fn scenarios(catalog: &Catalog) -> impl Iterator<Item = &crate::core::model::Scenario> {
    catalog.0.iter().map(|e| e.scenario.as_ref())
}

/// Reads the signed-in trainee's evidence (this station's store, its practice, and the
/// LRS cache when there is one).
pub(crate) fn refresh_learning(
    records: Option<Res<RecordStore>>,
    trainee: Res<Trainee>,
    catalog: Res<Catalog>,
    mut learning: ResMut<Learning>,
) {
    let name = trainee.name.trim().to_string();
    let Some(store) = records.as_ref().and_then(|r| r.store.as_deref()) else {
        *learning = Learning {
            trainee: name,
            at_ms: now_ms(),
            ..Default::default()
        };
        return;
    };
    if name.is_empty() {
        *learning = Learning::default();
        return;
    }
    let cache = records
        .as_ref()
        .and_then(|r| r.cache.as_deref())
        .map(|c| c.store());
    let evidence =
        match crate::core::records::room_evidence(store, cache, &name, scenarios(&catalog)) {
            Ok(ev) => ev.choices,
            Err(e) => {
                warn!("cannot read the trainee's learning evidence: {e}");
                Vec::new()
            }
        };
    *learning = Learning {
        trainee: name,
        evidence,
        at_ms: now_ms(),
    };
}

/// The "Practise next" panel for `learning` (the trainee's evidence) over `catalog`.
pub fn practise_vm(
    learning: &Learning,
    practice: &Practice,
    catalog: &Catalog,
    settings: &Settings,
) -> PractiseVm {
    let loc = settings.lang.code();
    let cat = Catalogue::from_scenarios(scenarios(catalog));
    let recs = learning::recommend(&cat, &learning.evidence, learning.at_ms, CARDS);
    let cards = recs
        .iter()
        .filter_map(|r| {
            let entry = catalog.get(&r.scenario)?;
            let wrong = wrong_steps(&learning.evidence, &entry.scenario);
            Some(PractiseCard {
                title: r.title.get(loc).to_string(),
                reason: r.reason.get(loc).to_string(),
                open: Action::OpenScenario(r.scenario.clone()),
                practise: (!wrong.is_empty()).then(|| {
                    (
                        wrong.len(),
                        Action::Practise {
                            scenario: r.scenario.clone(),
                            steps: wrong,
                        },
                    )
                }),
            })
        })
        .collect();
    PractiseVm {
        lang: settings.lang,
        high_contrast: settings.high_contrast,
        cards,
        has_evidence: !learning.evidence.is_empty(),
        last_practice: practice
            .last
            .map(|(right, of)| last_text(settings.lang, right, of)),
    }
}

/// "2 of 3 steps right" / "3步里答好了2步".
pub(crate) fn last_text(lang: Lang, right: usize, of: usize) -> String {
    match lang {
        Lang::Zh => format!("{of}步里答好了{right}步"),
        Lang::En if of == 1 => format!("{right} of 1 step right"),
        Lang::En => format!("{right} of {of} steps right"),
    }
}

fn standing(level: Level) -> Standing {
    match level {
        Level::NotEnough => Standing::NotEnough,
        Level::Learning => Standing::Learning,
        Level::Reliable => Standing::Reliable,
    }
}

fn counts(lang: Lang, upheld: u32, broken: u32) -> String {
    if upheld + broken == 0 {
        return String::new();
    }
    match lang {
        Lang::Zh => format!("做到{upheld}次，没做到{broken}次"),
        Lang::En => format!("{upheld} right, {broken} wrong"),
    }
}

fn row(label: String, e: &learning::Estimate, lang: Lang) -> Row {
    let level = learning::level(e);
    Row {
        label,
        standing: standing(level),
        percent: (level != Level::NotEnough).then_some((
            e.mean * 100.0,
            e.low * 100.0,
            e.high * 100.0,
        )),
        counts: counts(lang, e.upheld, e.broken),
    }
}

/// The My progress view model for `learning`.
pub fn progress_vm(learning: &Learning, settings: &Settings) -> ProgressVm {
    let lang = settings.lang;
    let loc = lang.code();
    let params = MasteryParams::default();
    let now = learning.at_ms;
    let ev = &learning.evidence;
    let m = learning::mastery(ev, now, &params);
    let times = learning::progress::sample_times(ev, now, CHART_POINTS);
    let history = learning::principle_history(ev, &times, &params);
    // Principles the trainee's scenarios score (any rated choice), in their usual order.
    let shown: Vec<Principle> = Principle::ALL
        .iter()
        .copied()
        .filter(|p| m.principle(*p).is_some_and(|e| e.upheld + e.broken > 0))
        .collect();
    let day = learning::DAY_MS as f64;
    let series = shown
        .iter()
        .map(|p| {
            let pts: Vec<(f64, &learning::Estimate)> = history
                .iter()
                .filter_map(|h| Some(((h.at_ms - now) as f64 / day, h.principles.get(p)?)))
                .collect();
            Series {
                label: p.label(loc).to_string(),
                points: pts.iter().map(|(x, e)| [*x, e.mean * 100.0]).collect(),
                band: pts
                    .iter()
                    .map(|(x, e)| (*x, e.low * 100.0, e.high * 100.0))
                    .collect(),
            }
        })
        .collect();
    let principles = shown
        .iter()
        .filter_map(|p| Some(row(p.label(loc).to_string(), m.principle(*p)?, lang)))
        .collect();
    // Rules met at least once (upheld or broken), weakest first; too little practice last.
    let mut met: Vec<(&String, &learning::Estimate)> = m
        .rules
        .iter()
        .filter(|(_, e)| e.upheld + e.broken > 0)
        .collect();
    met.sort_by(|a, b| {
        b.1.enough
            .cmp(&a.1.enough)
            .then(a.1.mean.total_cmp(&b.1.mean))
            .then(a.0.cmp(b.0))
    });
    let rules = met
        .into_iter()
        .map(|(id, e)| {
            let title = match crate::core::rules::rule(id) {
                Some(r) => r.title.get(loc).to_string(),
                None if lang == Lang::Zh => "一条服务规范".to_string(),
                None => "a service rule".to_string(),
            };
            row(title, e, lang)
        })
        .collect();
    ProgressVm {
        lang,
        high_contrast: settings.high_contrast,
        trainee: learning.trainee.clone(),
        series,
        principles,
        rules,
    }
}

fn build_practise(
    learning: Res<Learning>,
    practice: Res<Practice>,
    catalog: Res<Catalog>,
    settings: Res<Settings>,
    trainee: Res<Trainee>,
    mut screen: ResMut<PractiseScreen>,
) {
    let name = trainee.name.trim();
    screen.0 = (!name.is_empty() && learning.trainee == name)
        .then(|| practise_vm(&learning, &practice, &catalog, &settings));
}

fn build_progress(
    learning: Res<Learning>,
    settings: Res<Settings>,
    mut screen: ResMut<ProgressScreen>,
) {
    screen.0 = Some(progress_vm(&learning, &settings));
}

/// Leaving a practice run for the library (finished, or left with Esc) ends it.
/// Its result is shown on the library once, straight after.
fn end_run(mut practice: ResMut<Practice>) {
    let last = practice.run.take().map(|run| (run.right, run.answered));
    practice.last = last;
}

/// The attempt that practises `step` of `entry`: starts there with its mood; marked
/// `preview` (never an attempt) and recording off.
pub(crate) fn practice_attempt(
    entry: &CatalogEntry,
    step: &PracticeStep,
    seed: u64,
    lang: Lang,
) -> Result<Attempt, SessionError> {
    let sc = &entry.scenario;
    let locale = if sc.locales.iter().any(|l| l == lang.code()) {
        lang.code().to_string()
    } else {
        sc.locales
            .first()
            .cloned()
            .unwrap_or_else(|| lang.code().to_string())
    };
    let session = Session::start_at(sc.clone(), seed, &locale, &step.step, step.mood)?
        .with_content_hash(entry.content_hash.clone());
    Ok(Attempt {
        scenario: sc.id.clone(),
        session,
        history: Vec::new(),
        feedback: None,
        result: None,
        step_started: Instant::now(),
        record: AttemptRecord::Off,
        preview: true,
    })
}

/// Starts practice runs, opens and closes My progress, and moves a run on after each
/// step's feedback. Runs before the flow: on Continue it swaps in the next step's attempt
/// (the flow then restarts its clock and shows the conversation), or ends the run.
#[allow(clippy::too_many_arguments)]
pub(crate) fn practice_actions(
    mut actions: MessageReader<Action>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    catalog: Res<Catalog>,
    settings: Res<Settings>,
    mut seeds: ResMut<Seeds>,
    mut play: ResMut<Play>,
    mut practice: ResMut<Practice>,
) {
    let current = *screen.get();
    for action in actions.read() {
        let start = match (current, action) {
            (Screen::Library, Action::Practise { scenario, steps }) => {
                Some((scenario.clone(), steps.clone()))
            }
            (Screen::Debrief, Action::PractiseMistakes) => play
                .0
                .as_ref()
                .filter(|a| !a.preview)
                .and_then(|a| Some((a.scenario.clone(), a.result.as_ref()?)))
                .map(|(id, r)| (id, wrong_in_transcript(&r.transcript))),
            (Screen::Library, Action::OpenProgress) => {
                next.set(Screen::Progress);
                return;
            }
            (Screen::Progress, Action::BackToLibrary) => {
                next.set(Screen::Library);
                return;
            }
            (Screen::Feedback, Action::Continue) if practice.run.is_some() => {
                advance(
                    &catalog,
                    &settings,
                    &mut seeds,
                    &mut play,
                    &mut practice,
                    &mut next,
                );
                return;
            }
            _ => None,
        };
        let Some((scenario, steps)) = start.filter(|(_, s)| !s.is_empty()) else {
            continue;
        };
        let Some(entry) = catalog.get(&scenario) else {
            continue;
        };
        match practice_attempt(entry, &steps[0], seeds.take(), settings.lang) {
            Ok(a) => {
                play.0 = Some(a);
                practice.run = Some(PracticeRun {
                    scenario,
                    steps,
                    at: 0,
                    answered: 0,
                    right: 0,
                });
                next.set(Screen::Conversation);
                return;
            }
            Err(e) => warn!("cannot practise `{scenario}`: {e}"),
        }
    }
}

/// After a practice step's feedback: the next step, or the end of the run.
fn advance(
    catalog: &Catalog,
    settings: &Settings,
    seeds: &mut Seeds,
    play: &mut Play,
    practice: &mut Practice,
    next: &mut NextState<Screen>,
) {
    let Some(run) = practice.run.as_mut() else {
        return;
    };
    run.at += 1;
    let entry = catalog.get(&run.scenario);
    while run.at < run.steps.len() {
        let step = &run.steps[run.at];
        match entry.map(|e| practice_attempt(e, step, seeds.take(), settings.lang)) {
            Some(Ok(a)) => {
                // The flow's Continue then restarts this attempt's clock and shows it.
                play.0 = Some(a);
                return;
            }
            Some(Err(e)) => {
                warn!("cannot practise step `{}`: {e}", step.step);
                run.at += 1;
            }
            None => break,
        }
    }
    play.0 = None;
    next.set(Screen::Library);
}

/// Records each answered practice step in the store's `practice` table (never during a
/// `--screenshot` capture).
pub(crate) fn record_practice(
    records: Option<Res<RecordStore>>,
    capture: Option<Res<crate::app::screenshot::ScreenshotTo>>,
    trainee: Res<Trainee>,
    play: Res<Play>,
    mut practice: ResMut<Practice>,
) {
    if !play.is_changed() {
        return;
    }
    let Some(run) = practice.run.as_mut() else {
        return;
    };
    let Some(a) = play
        .0
        .as_ref()
        .filter(|a| a.preview && a.scenario == run.scenario)
    else {
        return;
    };
    let Some(entry) = a.session.transcript().first() else {
        return;
    };
    if run.answered > run.at {
        return;
    }
    run.answered = run.at + 1;
    if entry.chosen == entry.best && !entry.timed_out {
        run.right += 1;
    }
    if capture.is_some() {
        return;
    }
    if let Some(store) = records.as_ref().and_then(|r| r.store.as_deref())
        && let Err(e) = store.record_practice(&trainee.name, &run.scenario, entry)
    {
        warn!("this practice step is not recorded: {e}");
    }
}
