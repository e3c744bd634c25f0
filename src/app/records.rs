//! Attempt records in the app: opens the store, records every step as it is answered, and keeps the signed-in trainee's own bests and history for the library.
//!
//! UI-free (runs under `MinimalPlugins` in tests). The store is opened once before the
//! app runs ([`RecordStore::open`]); if it cannot be opened the app keeps playing,
//! unrecorded, and the screens say so. Recording happens in [`record_attempt`], which
//! runs right after `flow::apply_actions` in the frame that applied a choice, a timeout
//! or the end of the conversation, so each step is committed as it happens.

pub use crate::app::flow::AttemptRecord;
use crate::app::flow::{Catalog, FlowSet, Play, Screen, Trainee};
use crate::core::lrs::{self, LrsCache, LrsConfig};
use crate::core::records::{AttemptSummary, Recorder, ScenarioBest, Source, Store};
use crate::station::Records;
use bevy::prelude::*;
use std::sync::Arc;

/// How many of the trainee's own attempts the library lists.
pub const HISTORY_LIMIT: usize = 20;

/// The records store the app writes to, or why there is none.
#[derive(Resource, Clone, Default)]
pub struct RecordStore {
    /// `None`: recording is off (not configured, as in tests and screenshots) or the
    /// store could not be opened (`error` says why).
    pub store: Option<Arc<Store>>,
    /// Why the store could not be opened.
    pub error: Option<String>,
    /// The LRS configuration found beside the store, for the sync worker.
    pub lrs: Option<LrsConfig>,
    /// Why the LRS configuration could not be read (the store still records).
    pub lrs_error: Option<String>,
    /// The LRS configuration file can be read by other accounts (it holds the secret).
    pub lrs_warning: Option<String>,
    /// With an LRS: the local cache of every station's statements (`lrs-cache.sqlite3`),
    /// which the manager area and the trainee's history read.
    pub cache: Option<Arc<LrsCache>>,
}

impl std::fmt::Debug for RecordStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordStore")
            .field(
                "store",
                &self.store.as_ref().map(|s| s.path().to_path_buf()),
            )
            .field("error", &self.error)
            .field("lrs", &self.lrs.as_ref().map(LrsConfig::endpoint_shown))
            .finish()
    }
}

impl RecordStore {
    /// Opens (creating if needed) the store where `at` says (the station's data folder,
    /// or `--data-dir`), named after its station, and reads its LRS configuration. Never
    /// fails: an error is kept for the screens to show.
    pub fn open(at: &Records) -> RecordStore {
        match at.open_store() {
            Ok(store) => {
                let (lrs, lrs_error) = match at.configure_store(&store) {
                    Ok(cfg) => (cfg, None),
                    Err(e) => (None, Some(e.to_string())),
                };
                let lrs_warning = at.lrs_exposure();
                if let Some(w) = &lrs_warning {
                    warn!("{w}");
                }
                let cache = match (&lrs, at.data_dir()) {
                    (Some(cfg), Ok(dir)) => match LrsCache::open(&dir, cfg) {
                        Ok(c) => Some(Arc::new(c)),
                        Err(e) => {
                            warn!("no LRS cache, the room is not shown: {e}");
                            None
                        }
                    },
                    _ => None,
                };
                RecordStore {
                    store: Some(Arc::new(store)),
                    error: None,
                    lrs,
                    lrs_error,
                    lrs_warning,
                    cache,
                }
            }
            Err(e) => RecordStore {
                store: None,
                error: Some(e.to_string()),
                lrs: None,
                lrs_error: None,
                lrs_warning: None,
                cache: None,
            },
        }
    }

    /// A store opened by the caller (tests).
    pub fn with_store(store: Store) -> RecordStore {
        RecordStore {
            store: Some(Arc::new(store)),
            ..Default::default()
        }
    }
}

/// The last recording error (a write that failed; the recorder retries on the next step).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct RecordIssue(pub Option<String>);

/// Something was recorded this frame (the sync worker listens for it).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded;

/// The signed-in trainee's own records: best result per scenario and latest attempts.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct TraineeRecords {
    pub trainee: String,
    pub bests: Vec<ScenarioBest>,
    pub history: Vec<AttemptSummary>,
}

impl TraineeRecords {
    /// The best overall score at `scenario`, if a finished attempt exists.
    pub fn best(&self, scenario: &str) -> Option<&ScenarioBest> {
        self.bests
            .iter()
            .find(|b| b.scenario == scenario && b.best_overall.is_some())
    }
}

/// Adds recording to the flow. Without a [`RecordStore`] resource, recording is off.
pub(crate) fn plugin(app: &mut App) {
    app.add_message::<Recorded>()
        .init_resource::<RecordIssue>()
        .init_resource::<TraineeRecords>()
        .add_systems(Update, (record_attempt, record_abandoned).after(FlowSet))
        .add_systems(Last, abandon_on_exit)
        .add_systems(OnEnter(Screen::Library), refresh_trainee_records);
}

/// Keeps the attempt's records in step with its session: begins the record when the
/// attempt starts, commits each answered step, and the result when it is finished.
pub(crate) fn record_attempt(
    records: Option<Res<RecordStore>>,
    trainee: Res<Trainee>,
    catalog: Res<Catalog>,
    mut play: ResMut<Play>,
    mut issue: ResMut<RecordIssue>,
    mut recorded: MessageWriter<Recorded>,
) {
    if !play.is_changed() {
        return;
    }
    // Only the record changes below: not a change of the play for other systems.
    let Some(a) = play.bypass_change_detection().0.as_mut() else {
        return;
    };
    // Author previews are never a trainee's result.
    if a.preview {
        return;
    }
    let store = match records.as_deref() {
        Some(RecordStore {
            store: Some(store), ..
        }) => store,
        Some(RecordStore { error: Some(e), .. }) => {
            if !matches!(a.record, AttemptRecord::Failed(_)) {
                a.record = AttemptRecord::Failed(e.clone());
            }
            return;
        }
        _ => {
            a.record = AttemptRecord::Off;
            return;
        }
    };
    if a.record == AttemptRecord::NotStarted {
        let hash = catalog.get(&a.scenario).map(|e| e.content_hash.as_str());
        a.record = match Recorder::begin(store, &trainee.name, &a.session, hash, Source::App) {
            Ok(rec) => {
                recorded.write(Recorded);
                AttemptRecord::Recording(rec)
            }
            Err(e) => {
                warn!("this attempt is not recorded: {e}");
                AttemptRecord::Failed(e.to_string())
            }
        };
    }
    let AttemptRecord::Recording(rec) = &mut a.record else {
        return;
    };
    let outcome = match &a.result {
        Some(result) if !rec.is_finished() => rec.finish(store, result).map(|_| true),
        Some(_) => Ok(false),
        None => rec.sync(store, &a.session).map(|n| n > 0),
    };
    match outcome {
        Ok(wrote) => {
            if issue.0.is_some() {
                issue.0 = None;
            }
            if wrote {
                recorded.write(Recorded);
            }
        }
        Err(e) => {
            warn!("recording failed (will retry at the next step): {e}");
            issue.0 = Some(e.to_string());
        }
    }
}

/// Reloads the signed-in trainee's bests and history (on entering the library).
pub(crate) fn refresh_trainee_records(
    records: Option<Res<RecordStore>>,
    trainee: Res<Trainee>,
    mut mine: ResMut<TraineeRecords>,
) {
    let Some(store) = records.as_ref().and_then(|r| r.store.as_ref()) else {
        return;
    };
    let name = trainee.name.trim();
    if name.is_empty() {
        *mine = TraineeRecords::default();
        return;
    }
    // With an LRS, every station's attempts (the cache, as last pulled) with this
    // station's own; without one, this station's alone, as before.
    let cache = records.as_ref().and_then(|r| r.cache.as_deref());
    if let Some(r) = records.as_deref() {
        pull_in_background(r);
    }
    let (history, bests) =
        lrs::trainee_records(store, cache, name, HISTORY_LIMIT).unwrap_or_else(|e| {
            warn!("cannot read the trainee's records: {e}");
            (Vec::new(), Vec::new())
        });
    *mine = TraineeRecords {
        trainee: name.to_string(),
        bests,
        history,
    };
}

/// Marks the attempts the flow dropped before their end abandoned (left with Esc, or
/// their scenario file removed).
pub(crate) fn record_abandoned(
    mut gone: MessageReader<crate::app::flow::Abandoned>,
    records: Option<Res<RecordStore>>,
    mut recorded: MessageWriter<Recorded>,
) {
    for crate::app::flow::Abandoned(record) in gone.read() {
        if let Some(store) = records.as_ref().and_then(|r| r.store.as_ref())
            && let AttemptRecord::Recording(rec) = record
        {
            match rec.abandon(store) {
                Ok(()) => {
                    recorded.write(Recorded);
                }
                Err(e) => warn!("cannot mark the attempt abandoned: {e}"),
            }
        }
    }
}

/// Starts a pull of the room's new statements into the LRS cache on a thread of its own
/// (never on the frame loop), unless one is running: what it brings is shown the next
/// time the library is entered. Nothing to do without an LRS.
fn pull_in_background(records: &RecordStore) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static PULLING: AtomicBool = AtomicBool::new(false);
    let (Some(cache), Some(cfg)) = (records.cache.clone(), records.lrs.clone()) else {
        return;
    };
    if PULLING.swap(true, Ordering::AcqRel) {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("courtesy-lrs-pull".into())
        .spawn(move || {
            let client = lrs::LrsClient::new(&cfg);
            match cache.pull(&client, &lrs::PullOptions::default(), |_| {}) {
                Ok(r) => {
                    if let Some(e) = r.error {
                        warn!("LRS pull failed (the cache is kept): {e}");
                    }
                }
                Err(e) => warn!("LRS cache: {e}"),
            }
            PULLING.store(false, Ordering::Release);
        });
    if spawned.is_err() {
        PULLING.store(false, Ordering::Release);
    }
}

/// Marks an unfinished attempt abandoned when the app closes (its steps stay recorded).
pub(crate) fn abandon_on_exit(
    mut exit: MessageReader<AppExit>,
    records: Option<Res<RecordStore>>,
    play: Res<Play>,
) {
    if exit.read().count() == 0 {
        return;
    }
    if let Some(store) = records.as_ref().and_then(|r| r.store.as_ref())
        && let Some(a) = &play.0
        && let AttemptRecord::Recording(rec) = &a.record
        && let Err(e) = rec.abandon(store)
    {
        warn!("cannot mark the attempt abandoned: {e}");
    }
}
