//! Delivering the outbox: one pass in batches ([`sync_pending`]), and the background [`SyncWorker`] with backoff, status and stop flag.

use crate::lrs::{LrsClient, LrsConfig, LrsError, PostOutcome};
use crate::records::time::now_ms;
use crate::records::{OutboxItem, OutboxSelect, RecordsError, Store};
use serde::Serialize;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What one pass over the pending statements did.
#[derive(Debug, Default)]
pub struct SyncPass {
    /// Statements the LRS now has (stored, or it already had them).
    pub sent: usize,
    /// Statements the LRS rejected as invalid, parked with its reason in this pass.
    pub parked: usize,
    /// HTTP requests made.
    pub requests: usize,
    /// Why the pass stopped early (network, server error, credentials …): what is left
    /// stays pending. `None` when every pending statement was dealt with.
    pub error: Option<LrsError>,
    /// Whether it stopped because `stop` was raised.
    pub stopped: bool,
    pub elapsed: Duration,
}

fn batch_body(items: &[OutboxItem]) -> String {
    let mut body =
        String::with_capacity(items.iter().map(|i| i.statement.len() + 1).sum::<usize>() + 2);
    body.push('[');
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&it.statement);
    }
    body.push(']');
    body
}

/// Sends the pending statements, oldest first, `batch_size` per POST, until none is
/// left, an error worth retrying later occurs, or `stop` is raised. A statement is
/// marked sent only when the LRS's 200 reply lists its id (or, after a 409, when the LRS
/// returns a statement with its id); anything else leaves it pending. A batch the LRS
/// rejects (400/422 …) or that conflicts (409) is sent again one statement at a time, so
/// that one bad statement is parked with its reason and does not hold back the others.
/// `on_progress(sent, parked)` is told after each request. Only a records-store failure
/// is an `Err`; LRS failures end up in [`SyncPass::error`].
pub fn sync_pending(
    store: &Store,
    client: &LrsClient,
    batch_size: usize,
    stop: &AtomicBool,
    mut on_progress: impl FnMut(usize, usize),
) -> Result<SyncPass, RecordsError> {
    let started = Instant::now();
    let mut pass = SyncPass::default();
    let batch_size = batch_size.max(1);
    // Each batch is read from after the last statement of the one before (its `seq`),
    // not from the start of the outbox: every statement read leaves `pending` (sent or
    // parked) or ends the pass, so none pending when the pass began is skipped (one put
    // back by `courtesy sync --retry-parked` meanwhile, with a lower seq, goes with the
    // next pass, which starts from 0 again). From the start, with the statistics
    // of a store ANALYZEd while most of it was pending, SQLite scans the table in seq
    // order past every statement already sent for each batch: quadratic in the backlog.
    let mut after = 0;
    loop {
        if stop.load(Ordering::Relaxed) {
            pass.stopped = true;
            break;
        }
        let batch = store.outbox_page(OutboxSelect::Pending, after, Some(batch_size))?;
        let Some(last) = batch.last() else {
            break;
        };
        after = last.seq;
        pass.requests += 1;
        let outcome = if batch.len() == 1 {
            client.post(&batch[0].statement)
        } else {
            client.post(&batch_body(&batch))
        };
        let ids: Vec<&str> = batch.iter().map(|i| i.id.as_str()).collect();
        match outcome {
            PostOutcome::Stored(listed) => {
                if let Some(e) = mark_confirmed(store, client, &ids, &listed, &mut pass)? {
                    pass.error = Some(e);
                    break;
                }
            }
            PostOutcome::NoContent => {
                if let Some(e) = mark_confirmed(store, client, &ids, &[], &mut pass)? {
                    pass.error = Some(e);
                    break;
                }
            }
            PostOutcome::Conflict(detail) if batch.len() == 1 => {
                if let Some(e) = settle_conflict(store, client, ids[0], &detail, &mut pass)? {
                    pass.error = Some(e);
                    break;
                }
            }
            PostOutcome::Invalid { reason, .. } if batch.len() == 1 => {
                store.outbox_park(ids[0], &reason)?;
                pass.parked += 1;
            }
            PostOutcome::Conflict(_) | PostOutcome::Invalid { .. } => {
                if let Some(e) = send_each(store, client, &batch, stop, &mut pass)? {
                    pass.error = Some(e);
                    break;
                }
            }
            PostOutcome::Retry(e) => {
                store.outbox_note_failure(&ids, &e.to_string())?;
                pass.error = Some(e);
                break;
            }
        }
        on_progress(pass.sent, pass.parked);
    }
    // Delivered statements give their space back (records::prune, docs/records.md).
    store.prune_sent()?;
    pass.elapsed = started.elapsed();
    Ok(pass)
}

/// Marks sent the posted statements (`ids`) whose id the LRS `listed` in its 200 reply.
/// Those it left out (all of them after a 204) are looked up one by one
/// ([`LrsClient::has_statement`]): an LRS may list only the statements it did not
/// already hold. The lookups stop at the first statement the LRS does not return (or
/// the first failure); that one and the rest stay pending with the reason, and the pass
/// stops with an error (they would otherwise be posted again at once).
fn mark_confirmed(
    store: &Store,
    client: &LrsClient,
    ids: &[&str],
    listed: &[String],
    pass: &mut SyncPass,
) -> Result<Option<LrsError>, RecordsError> {
    let listed_set: HashSet<&str> = listed.iter().map(String::as_str).collect();
    let (mut confirmed, missing): (Vec<&str>, Vec<&str>) =
        ids.iter().partition(|id| listed_set.contains(*id));
    let mut failure = None;
    for (n, id) in missing.iter().enumerate() {
        pass.requests += 1;
        match client.has_statement(id) {
            Ok(true) => confirmed.push(id),
            Ok(false) => {
                let how = if listed.is_empty() && !ids.is_empty() {
                    "it answered 204 No Content".to_string()
                } else {
                    format!(
                        "it answered 200, but its list of stored ids left out {} of the {} statement(s) posted",
                        missing.len(),
                        ids.len()
                    )
                };
                failure = Some((
                    n,
                    LrsError::Unconfirmed {
                        endpoint: client.endpoint().to_string(),
                        detail: format!("{how}, and it does not return statement {id} when asked"),
                    },
                ));
                break;
            }
            Err(e) => {
                failure = Some((n, e));
                break;
            }
        }
    }
    pass.sent += store.outbox_mark_sent(&confirmed)?;
    let Some((n, e)) = failure else {
        return Ok(None);
    };
    store.outbox_note_failure(&missing[n..], &e.to_string())?;
    Ok(Some(e))
}

/// A 409 for one statement: delivered if the LRS does hold a statement with its id
/// (asked with a GET); otherwise it stays pending.
fn settle_conflict(
    store: &Store,
    client: &LrsClient,
    id: &str,
    detail: &str,
    pass: &mut SyncPass,
) -> Result<Option<LrsError>, RecordsError> {
    pass.requests += 1;
    match client.has_statement(id) {
        Ok(true) => {
            pass.sent += store.outbox_mark_sent(&[id])?;
            Ok(None)
        }
        Ok(false) => {
            let e = LrsError::Unconfirmed {
                endpoint: client.endpoint().to_string(),
                detail: format!(
                    "it answered 409 Conflict ({detail}) but does not return a statement with that id"
                ),
            };
            store.outbox_note_failure(&[id], &e.to_string())?;
            Ok(Some(e))
        }
        Err(e) => {
            store.outbox_note_failure(&[id], &e.to_string())?;
            Ok(Some(e))
        }
    }
}

/// Sends `batch` one statement at a time; returns the error that stopped it, if any.
fn send_each(
    store: &Store,
    client: &LrsClient,
    batch: &[OutboxItem],
    stop: &AtomicBool,
    pass: &mut SyncPass,
) -> Result<Option<LrsError>, RecordsError> {
    for (n, it) in batch.iter().enumerate() {
        if stop.load(Ordering::Relaxed) {
            pass.stopped = true;
            return Ok(None);
        }
        pass.requests += 1;
        // `Some((e, first))`: stop with `e`; statements from `first` on still need the
        // failure noted (the ones before were noted already).
        let failed = match client.post(&it.statement) {
            PostOutcome::Stored(listed) => {
                mark_confirmed(store, client, &[&it.id], &listed, pass)?.map(|e| (e, n + 1))
            }
            PostOutcome::NoContent => {
                mark_confirmed(store, client, &[&it.id], &[], pass)?.map(|e| (e, n + 1))
            }
            PostOutcome::Conflict(detail) => {
                settle_conflict(store, client, &it.id, &detail, pass)?.map(|e| (e, n + 1))
            }
            PostOutcome::Invalid { reason, .. } => {
                store.outbox_park(&it.id, &reason)?;
                pass.parked += 1;
                None
            }
            PostOutcome::Retry(e) => Some((e, n)),
        };
        if let Some((e, first)) = failed {
            let rest: Vec<&str> = batch[first..].iter().map(|i| i.id.as_str()).collect();
            store.outbox_note_failure(&rest, &e.to_string())?;
            return Ok(Some(e));
        }
    }
    Ok(None)
}

/// Capped exponential backoff with "equal jitter": the n-th wait is between half and
/// all of `min · 2ⁿ`, capped at `max`, so stations that failed together do not retry
/// together.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    failures: u32,
    rng: u64,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Backoff {
        let seed =
            (now_ms() as u64) ^ (u64::from(std::process::id()) << 32) ^ 0x9E37_79B9_7F4A_7C15;
        Backoff {
            min,
            max: max.max(min),
            failures: 0,
            rng: seed | 1,
        }
    }

    /// The wait after one more failure.
    pub fn next_delay(&mut self) -> Duration {
        let exp = self.failures.min(20);
        self.failures = self.failures.saturating_add(1);
        let base = self.min.saturating_mul(1u32 << exp).min(self.max);
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let r = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let half = base / 2;
        let span = u64::try_from(half.as_millis()).unwrap_or(u64::MAX).max(1);
        half + Duration::from_millis(r % span)
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// After a success.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// What the worker is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    #[default]
    Starting,
    /// No LRS configuration: statements queue in the outbox.
    NotConfigured,
    /// Nothing pending.
    Idle,
    Sending,
    /// The last pass failed; waiting before the next try (see `next_try_ms`).
    Retrying,
    Stopped,
}

/// The small sync status the app shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub state: SyncState,
    /// The LRS endpoint (no credentials), when configured.
    pub endpoint: Option<String>,
    /// Statements waiting to be sent.
    pub pending: u64,
    /// Statements the LRS rejected (see `courtesy sync --status`).
    pub parked: u64,
    /// Statements delivered, ever.
    pub sent: u64,
    /// Why the last pass failed; cleared by a successful one.
    pub last_error: Option<String>,
    /// When a pass last ended with nothing left to send (UTC ms).
    pub last_success_ms: Option<i64>,
    /// When the next try is due, while retrying (UTC ms).
    pub next_try_ms: Option<i64>,
    /// Failed passes in a row.
    pub failures: u32,
}

impl SyncStatus {
    /// One short line for a status bar, e.g. "LRS: 12 waiting — could not reach the LRS …".
    pub fn summary(&self) -> String {
        let mut s = match self.state {
            SyncState::NotConfigured => format!("LRS not configured: {} waiting", self.pending),
            SyncState::Idle if self.pending == 0 => "LRS: all sent".to_string(),
            _ => format!("LRS: {} waiting", self.pending),
        };
        if self.parked > 0 {
            s.push_str(&format!(", {} rejected", self.parked));
        }
        if let Some(e) = &self.last_error {
            s.push_str(" — ");
            s.push_str(e);
        }
        s
    }
}

/// Timing of the [`SyncWorker`].
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
    /// How often to look for new statements when nothing wakes it (other processes may
    /// record into the same store).
    pub poll: Duration,
    /// First wait after a failure.
    pub backoff_min: Duration,
    /// Longest wait after failures.
    pub backoff_max: Duration,
}

impl Default for WorkerOptions {
    fn default() -> WorkerOptions {
        WorkerOptions {
            poll: Duration::from_secs(5),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Default)]
struct Signal {
    wake: bool,
    retry_now: bool,
}

#[derive(Debug)]
struct Shared {
    stop: AtomicBool,
    signal: Mutex<Signal>,
    cond: Condvar,
    status: Mutex<SyncStatus>,
}

impl Shared {
    fn status(&self) -> MutexGuard<'_, SyncStatus> {
        self.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits up to `d`, or until woken (`wake` ends an idle wait; only `retry_now` or
    /// `stop` end a backoff wait).
    fn wait(&self, d: Duration, backoff: bool) {
        let deadline = Instant::now() + d;
        let mut sig = self.signal.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if self.stop.load(Ordering::Relaxed) || sig.retry_now || (!backoff && sig.wake) {
                sig.wake = false;
                sig.retry_now = false;
                return;
            }
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            sig = match self.cond.wait_timeout(sig, deadline - now) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

/// A background thread that delivers the outbox to the LRS: never on the frame loop.
/// It opens its own connection to the store, so recording never waits for it.
///
/// ```no_run
/// # use courtesy_records::lrs::{LrsConfig, SyncWorker, WorkerOptions};
/// # use std::path::Path;
/// let dir = Path::new("/var/lib/courtesy");
/// let config = LrsConfig::discover(dir, None).ok().flatten();
/// let worker = SyncWorker::spawn(dir.join("records.sqlite3"), config, WorkerOptions::default());
/// // after recording a step or a result:
/// worker.wake();
/// // every frame (cheap):
/// let line = worker.status().summary();
/// // on exit (waits at most one request's timeout):
/// worker.stop();
/// ```
#[derive(Debug)]
pub struct SyncWorker {
    shared: Arc<Shared>,
    handle: Option<JoinHandle<()>>,
}

impl SyncWorker {
    /// Starts the worker for the store at `store_path`. With `config` `None` it only
    /// keeps the pending count up to date (state `NotConfigured`).
    pub fn spawn(
        store_path: PathBuf,
        config: Option<LrsConfig>,
        options: WorkerOptions,
    ) -> SyncWorker {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            signal: Mutex::new(Signal::default()),
            cond: Condvar::new(),
            status: Mutex::new(SyncStatus {
                endpoint: config.as_ref().map(LrsConfig::endpoint_shown),
                ..SyncStatus::default()
            }),
        });
        let s = shared.clone();
        let handle = std::thread::Builder::new()
            .name("courtesy-lrs-sync".into())
            .spawn(move || run(&s, &store_path, config, options));
        match handle {
            Ok(h) => SyncWorker {
                shared,
                handle: Some(h),
            },
            Err(e) => {
                {
                    let mut st = shared.status();
                    st.state = SyncState::Stopped;
                    st.last_error = Some(format!("could not start the sync thread: {e}"));
                }
                SyncWorker {
                    shared,
                    handle: None,
                }
            }
        }
    }

    /// The current status (a copy; cheap enough for every frame).
    pub fn status(&self) -> SyncStatus {
        self.shared.status().clone()
    }

    /// New statements were recorded: send them soon (ends an idle wait, not a backoff).
    pub fn wake(&self) {
        let mut sig = self.shared.signal.lock().unwrap_or_else(|e| e.into_inner());
        sig.wake = true;
        self.shared.cond.notify_all();
    }

    /// Try again now, even while backing off (a "retry" button).
    pub fn retry_now(&self) {
        let mut sig = self.shared.signal.lock().unwrap_or_else(|e| e.into_inner());
        sig.retry_now = true;
        self.shared.cond.notify_all();
    }

    /// Asks the worker to stop without waiting for it (it stops after the request in
    /// flight, if any). Nothing is lost: undelivered statements stay in the outbox.
    pub fn request_stop(&self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        let _sig = self.shared.signal.lock().unwrap_or_else(|e| e.into_inner());
        self.shared.cond.notify_all();
    }

    /// Stops the worker and waits for its thread (at most one request's timeout).
    pub fn stop(mut self) {
        self.request_stop();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for SyncWorker {
    fn drop(&mut self) {
        // Dropping without `stop` does not block (e.g. the app closing): the thread ends
        // after its current request.
        self.request_stop();
    }
}

fn run(
    shared: &Shared,
    store_path: &std::path::Path,
    config: Option<LrsConfig>,
    options: WorkerOptions,
) {
    let mut backoff = Backoff::new(options.backoff_min, options.backoff_max);
    let client = config.as_ref().map(LrsClient::new);
    let batch_size = config.as_ref().map_or(1, |c| c.batch_size);
    let mut store: Option<Store> = None;
    while !shared.stop.load(Ordering::Relaxed) {
        if store.is_none() {
            match Store::open(store_path) {
                Ok(s) => {
                    s.set_keep_sent_days(config.as_ref().map_or(0, |c| c.keep_sent_days));
                    store = Some(s)
                }
                Err(e) => {
                    let delay = backoff.next_delay();
                    {
                        let mut st = shared.status();
                        st.state = SyncState::Retrying;
                        st.last_error = Some(e.to_string());
                        st.failures = backoff.failures();
                        st.next_try_ms = Some(now_ms().saturating_add(delay.as_millis() as i64));
                    }
                    shared.wait(delay, true);
                    continue;
                }
            }
        }
        let Some(s) = store.as_ref() else { continue };
        let counts = s.outbox_counts();
        {
            let mut st = shared.status();
            if let Ok(c) = &counts {
                st.pending = c.pending;
                st.parked = c.parked;
                st.sent = c.sent;
            }
        }
        let Some(client) = client.as_ref() else {
            shared.status().state = SyncState::NotConfigured;
            shared.wait(options.poll, false);
            continue;
        };
        let pending = counts.as_ref().map_or(1, |c| c.pending);
        if pending == 0 {
            shared.status().state = SyncState::Idle;
            shared.wait(options.poll, false);
            continue;
        }
        {
            let mut st = shared.status();
            st.state = SyncState::Sending;
            st.next_try_ms = None;
        }
        let result = sync_pending(s, client, batch_size, &shared.stop, |_, _| {
            if let Ok(c) = s.outbox_counts() {
                let mut st = shared.status();
                st.pending = c.pending;
                st.parked = c.parked;
                st.sent = c.sent;
            }
        });
        let error = match result {
            Ok(pass) => pass.error.map(|e| e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        match error {
            None => {
                backoff.reset();
                let mut st = shared.status();
                st.last_error = None;
                st.failures = 0;
                st.last_success_ms = Some(now_ms());
                st.state = SyncState::Idle;
            }
            Some(e) => {
                let delay = backoff.next_delay();
                {
                    let mut st = shared.status();
                    st.state = SyncState::Retrying;
                    st.last_error = Some(e);
                    st.failures = backoff.failures();
                    st.next_try_ms = Some(now_ms().saturating_add(delay.as_millis() as i64));
                }
                shared.wait(delay, true);
            }
        }
    }
    shared.status().state = SyncState::Stopped;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let mut last_cap = Duration::ZERO;
        for n in 0..10u32 {
            let d = b.next_delay();
            let cap = Duration::from_millis(100)
                .saturating_mul(1 << n)
                .min(Duration::from_secs(2));
            assert!(
                d >= cap / 2 && d <= cap,
                "try {n}: {d:?} not in [{:?}, {cap:?}]",
                cap / 2
            );
            assert!(cap >= last_cap);
            last_cap = cap;
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }
}
