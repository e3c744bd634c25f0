//! Attempt records: every attempt a trainee makes, committed step by step into an
//! embedded SQLite store, and the queries behind the manager's review and `courtesy report`.
//!
//! Engine-free (no bevy/egui). The schema, file location and durability guarantees are
//! in `docs/records.md`.
//!
//! * Open: [`Store::open`] / [`Store::open_existing`] / [`Store::open_in`], at the path or
//!   folder the caller gives, then [`Store::set_station`] with the caller's station name.
//!   This crate reads no environment variable: the station configuration (`src/station`
//!   in the `courtesy` crate) resolves `--data-dir` / `COURTESY_DATA_DIR` / `station.ron`
//!   and the station name, and passes the values in.
//! * Record: [`Store::begin_attempt`] → [`Store::record_step`] per answered step →
//!   [`Store::finish_attempt`]; or keep a [`Recorder`] beside the [`Session`](courtesy_engine::session::Session).
//! * Review: [`Store::cohort_averages`], [`Store::trainee_table`], [`Store::trend`],
//!   [`Store::reply_choices`] / [`Store::poor_choices`], [`Store::attempts`],
//!   [`Store::attempt`] (+ [`replay`]); for a trainee's own screens
//!   [`Store::trainee_history`] and [`Store::trainee_bests`].
//! * xAPI outbox (docs/xapi.md): every step and result writes its statements in the same
//!   transaction; [`Store::outbox_counts`], [`Store::outbox_pending`],
//!   [`Store::outbox_mark_sent`], [`Store::outbox_park`] serve the LRS sync (`core::lrs`);
//!   after each pass [`Store::prune_sent`] drops delivered statements' JSON, which
//!   [`Store::outbox_items`] rebuilds byte for byte.
//! * LRS cache (docs/records.md, "The LRS cache"): [`Store::cache_add`],
//!   [`Store::cache_pull_state`], [`Store::cache_stations`] … serve `core::lrs::LrsCache`.
//! * Practice-the-step (docs/learning.md): [`Store::record_practice`],
//!   [`Store::practice_rows`]; never an attempt, never in the outbox.
//! * Manager password: [`Store::set_manager_password`], [`Store::verify_manager_password`],
//!   [`Store::has_manager_password`], [`ManagerGate`].

pub mod assignments;
mod cache;
mod error;
mod evidence;
pub mod identity;
mod outbox;
mod password;
mod practice;
mod prune;
mod query;
mod record;
mod replay;
mod roster;
mod schema;
mod store;
pub mod time;

pub use assignments::{
    Assignment, AssignmentStatus, Audience, Judged, NewAssignment, Policy, judge,
};
pub use cache::{
    CACHE_FILE_NAME, CacheAdd, CacheCounts, CacheStatus, CachedStatement, PullState, StationSeen,
};
pub use error::RecordsError;
pub use evidence::{Evidence, room_evidence};
pub use outbox::{MAX_REASON_CHARS, OutboxCounts, OutboxItem, OutboxSelect, OutboxStatus};
pub use password::{
    AccessEvent, DEFAULT_IDLE_LOCK, MAX_THROTTLE, MIN_PASSWORD_CHARS, ManagerGate, PasswordCheck,
    throttle_delay,
};
pub use practice::PracticeRow;
pub use prune::{PruneReport, Reclaim, STATEMENT_FORMAT};
pub use query::{
    AttemptDetail, AttemptStatus, AttemptSummary, CohortAverages, Filter, PrincipleAverage,
    RecordedStep, ReplyChoice, ScenarioBest, TraineeRow, TrendPoint, TrendSeries,
};
pub use record::{
    AttemptId, AttemptStart, ImportedAttempt, MAX_TRAINEE_CHARS, RecordEvent, RecordRunError,
    Recorder, Source, check_trainee, record_played,
};
pub use replay::{Replay, ReplayError, replay};
pub use roster::{MIN_PIN_CHARS, RosterEntry, SignInRefused};
pub use schema::{APPLICATION_ID, MIGRATIONS, current_version as schema_version};
pub use store::{BUSY_TIMEOUT, RETRY_BUDGET, STALE_AFTER_MS, STORE_FILE_NAME, Store, store_path};
