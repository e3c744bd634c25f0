//! Sending the outbox's xAPI statements to the organisation's Learning Record Store, and reading them back.
//!
//! Engine-free (no bevy/egui); blocking HTTP (ureq), meant for a background thread
//! ([`SyncWorker`]) or a terminal (`courtesy sync`, `courtesy export`, `courtesy report
//! --lrs`). docs/xapi.md documents the configuration, the statements and the rules:
//!
//! * [`LrsConfig`]: `lrs.ron` (endpoint, key, secret, home_page, base_iri, batch_size),
//!   found with [`LrsConfig::discover`]; its `Debug` never shows the secret.
//! * [`sync_pending`]: one pass over the pending statements, in batches: delivered ones
//!   marked sent, invalid ones parked with the LRS's reason, the rest left pending.
//! * [`SyncWorker`]: a thread that runs passes with capped, jittered backoff and a stop
//!   flag; [`SyncWorker::status`] gives the app its small sync status.
//! * [`fetch_attempts`] / [`cohort_store`]: statements read back from the LRS, rebuilt
//!   into attempts so that `courtesy report --lrs` shows the same aggregates.
//! * [`LrsCache`]: the whole room, pulled incrementally (`since` the cursor, `more`
//!   links on the endpoint's origin only) into `lrs-cache.sqlite3`, with its
//!   [`Freshness`] (when, which stations) — what `courtesy sync --pull`, `report --lrs`
//!   and the manager area read.

pub mod assignments;
mod cache;
mod client;
mod cohort;
mod config;
mod error;
mod room;
mod sync;

pub use cache::{
    Freshness, LrsCache, PULL_PAGE, PullOptions, PullReport, ago, cache_path, classify,
};
pub use client::{LrsClient, PostOutcome};
pub use cohort::{CohortStore, RebuiltAttempts, cohort_store, fetch_attempts, rebuild_attempts};
pub use config::{
    CONFIG_FILE_NAME, DEFAULT_BATCH_SIZE, LrsConfig, config_exposure, config_path, configure_store,
    file_exposure,
};
pub use error::LrsError;
pub use room::{Room, RoomAttempts, room, room_dashboard, trainee_records};
pub use sync::{Backoff, SyncPass, SyncState, SyncStatus, SyncWorker, WorkerOptions, sync_pending};
