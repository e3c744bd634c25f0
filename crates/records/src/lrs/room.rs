//! Which records the manager and the trainee see: this station's store alone, or, when an LRS is configured, the whole room from the pull cache.
//!
//! Engine-free, so that the app's view models (src/app/manager.rs, src/app/records.rs)
//! and the tests share it. A station with no LRS sees exactly its own store, as before.

use crate::lrs::{Freshness, LrsCache};
use crate::records::{AttemptId, AttemptSummary, Filter, RecordsError, ScenarioBest, Store};
use std::collections::{BTreeMap, HashSet};

/// The records a dashboard reads.
#[derive(Debug)]
pub struct Room<'a> {
    /// The store to query: the cache (the whole room) once it has been pulled, else the
    /// station's own store.
    pub store: &'a Store,
    /// How fresh the cache is and who reported; `None` for a local-only station.
    pub freshness: Option<Freshness>,
    /// This station's statements not yet in the LRS (so not yet in the room's figures).
    pub pending_here: u64,
}

impl Room<'_> {
    /// The freshness line ("LRS data from 3 minutes ago; stations: A, B, C"), plus the
    /// statements still waiting here; `None` for a local-only station.
    pub fn line(&self, now_ms: i64) -> Option<String> {
        let f = self.freshness.as_ref()?;
        let mut s = f.line(now_ms);
        if self.pending_here > 0 {
            s.push_str(&format!(
                "; {} statement(s) of this station not sent yet",
                self.pending_here
            ));
        }
        Some(s)
    }
}

/// The room as this station sees it: the cache when there is one, else `local`.
pub fn room<'a>(local: &'a Store, cache: Option<&'a LrsCache>) -> Result<Room<'a>, RecordsError> {
    let pending_here = local.outbox_counts()?.pending;
    match cache {
        Some(c) => Ok(Room {
            store: c.store(),
            freshness: Some(c.freshness()?),
            pending_here,
        }),
        None => Ok(Room {
            store: local,
            freshness: None,
            pending_here,
        }),
    }
}

/// What [`room_dashboard`] gives: the attempts (with their stations) and who reported.
#[derive(Debug, Clone, Default)]
pub struct RoomAttempts {
    pub attempts: Vec<AttemptSummary>,
    /// Every station with attempts (unfiltered), for the station filter.
    pub stations: Vec<String>,
    pub freshness: Option<Freshness>,
}

/// The attempts list of the manager's dashboard (newest first, at most `limit`).
pub fn room_dashboard(
    local: &Store,
    cache: Option<&LrsCache>,
    filter: &Filter,
    limit: usize,
) -> Result<RoomAttempts, RecordsError> {
    let r = room(local, cache)?;
    Ok(RoomAttempts {
        attempts: r.store.attempts(filter, limit)?,
        stations: r.store.station_ids(&Filter::all())?,
        freshness: r.freshness,
    })
}

/// A trainee's history (newest first, at most `limit`) and best result per scenario,
/// from every station: this station's own attempts (also those not yet sent) and the
/// cache's, each attempt once. Without a cache, exactly the local store's.
pub fn trainee_records(
    local: &Store,
    cache: Option<&LrsCache>,
    trainee: &str,
    limit: usize,
) -> Result<(Vec<AttemptSummary>, Vec<ScenarioBest>), RecordsError> {
    let Some(cache) = cache else {
        return Ok((
            local.trainee_history(trainee, limit)?,
            local.trainee_bests(trainee)?,
        ));
    };
    let mut all = local.trainee_history(trainee, usize::MAX)?;
    let mut seen: HashSet<AttemptId> = all.iter().map(|a| a.id).collect();
    for a in cache.store().trainee_history(trainee, usize::MAX)? {
        if seen.insert(a.id) {
            all.push(a);
        }
    }
    all.sort_by(|a, b| b.started_ms.cmp(&a.started_ms).then(b.id.cmp(&a.id)));
    let mut bests: BTreeMap<String, ScenarioBest> = BTreeMap::new();
    // Oldest first, so that the earliest of equal best scores is kept (as the store does).
    for a in all.iter().rev() {
        let b = bests
            .entry(a.scenario.clone())
            .or_insert_with(|| ScenarioBest {
                scenario: a.scenario.clone(),
                attempts: 0,
                finished: 0,
                best_overall: None,
                best_attempt: None,
                passed: false,
                last_active_ms: a.last_ms,
            });
        b.attempts += 1;
        b.last_active_ms = b.last_active_ms.max(a.last_ms);
        if a.finished_ms.is_some() {
            b.finished += 1;
            if let Some(o) = a.overall
                && b.best_overall.is_none_or(|best| o > best)
            {
                b.best_overall = Some(o);
                b.best_attempt = Some(a.id);
            }
        }
        b.passed |= a.passed == Some(true);
    }
    all.truncate(limit);
    Ok((all, bests.into_values().collect()))
}
