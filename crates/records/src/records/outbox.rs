//! The xAPI outbox: statements written beside the steps they describe, read and marked by the LRS sync.
//!
//! Each statement is a row of `outbox` (schema migration 2, docs/xapi.md) created in the
//! same transaction as its step or result; the sync moves it from `pending` to `sent`,
//! or to `parked` with the LRS's reason when the LRS rejects it as invalid. Once sent, its
//! JSON may be pruned (`prune.rs`): reading it rebuilds it.

use crate::records::prune::{Rebuilder, SOURCE_COLUMNS, SOURCE_JOIN, Source};
use crate::records::time::now_ms;
use crate::records::{RecordsError, Store};
use rusqlite::{Row, params};
use serde::Serialize;

/// Where a statement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Not delivered yet (never tried, or every try failed for a reason worth retrying).
    Pending,
    /// The LRS stored it (or already had it).
    Sent,
    /// The LRS rejected it as invalid; kept with the reason, not retried until requeued.
    Parked,
}

impl OutboxStatus {
    /// The `outbox.status` value.
    pub fn key(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Parked => "parked",
        }
    }

    fn from_key(key: &str) -> Option<OutboxStatus> {
        [
            OutboxStatus::Pending,
            OutboxStatus::Sent,
            OutboxStatus::Parked,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

/// How many statements are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub pending: u64,
    pub sent: u64,
    pub parked: u64,
    /// When the oldest pending statement was created (UTC ms).
    pub oldest_pending_ms: Option<i64>,
}

/// One statement of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxItem {
    /// Creation order.
    pub seq: i64,
    /// The statement's UUID (also its `id` inside `statement`).
    pub id: String,
    /// `answered`, `completed`, `passed` or `failed`.
    pub verb: String,
    /// The attempt it is about (empty for an assignment statement: `assigned`,
    /// `withdrew`, `satisfied`).
    pub attempt: String,
    /// The statement, as JSON text (as it was sent, rebuilt if it was pruned).
    pub statement: String,
    pub status: OutboxStatus,
    pub created_ms: i64,
    /// Delivery tries so far.
    pub tries: u64,
    pub last_try_ms: Option<i64>,
    pub sent_ms: Option<i64>,
    /// Why the last try failed, or why the LRS rejected it (parked).
    pub reason: Option<String>,
}

/// Which statements [`Store::outbox_items`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxSelect {
    Pending,
    Parked,
    /// Pending and parked: everything not delivered.
    Undelivered,
    All,
}

const ITEM_COLUMNS: &str = "o.seq, o.id, o.verb, coalesce(a.uuid, ''), o.statement, o.status, o.created_ms, \
     o.tries, o.last_try_ms, o.sent_ms, o.reason, o.parts_id, o.digest";
/// [`SOURCE_JOIN`] that keeps the statements of no attempt (the assignment statements,
/// `attempt_id` NULL: their `attempt` is empty; they are never pruned).
const ITEM_JOIN: &str = "FROM outbox o LEFT JOIN attempts a ON a.id = o.attempt_id \
     LEFT JOIN steps s ON s.attempt_id = o.attempt_id AND s.idx = o.step_idx";
/// Where [`SOURCE_COLUMNS`] start after [`ITEM_COLUMNS`].
const SOURCE_AT: usize = 13;

/// A pruned statement's `(parts_id, digest, records)`, to rebuild it from.
type Pruned = Option<(i64, Vec<u8>, Source)>;

fn item(r: &Row<'_>) -> rusqlite::Result<(OutboxItem, Pruned)> {
    let status: String = r.get(5)?;
    let status = OutboxStatus::from_key(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            5,
            rusqlite::types::Type::Text,
            format!("outbox status `{status}`").into(),
        )
    })?;
    let parts_id: Option<i64> = r.get(11)?;
    let pruned = match parts_id {
        Some(p) => Some((p, r.get(12)?, Source::read(r, 1, 3, SOURCE_AT)?)),
        None => None,
    };
    Ok((
        OutboxItem {
            seq: r.get(0)?,
            id: r.get(1)?,
            verb: r.get(2)?,
            attempt: r.get(3)?,
            statement: r.get(4)?,
            status,
            created_ms: r.get(6)?,
            tries: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
            last_try_ms: r.get(8)?,
            sent_ms: r.get(9)?,
            reason: r.get(10)?,
        },
        pruned,
    ))
}

/// The query of [`Store::outbox_page`] (`?1` the limit, `?2` `after_seq`). After a start,
/// it reads only the rows after it whatever the statistics say (the sync reads its
/// batches so, `lrs::sync`); without one, there is no `seq` term, and with the statistics
/// of a store ANALYZEd while (nearly) everything was pending, SQLite scans the table from
/// the first row in seq order.
fn page_sql(select: OutboxSelect, after_seq: i64) -> String {
    let cond = match select {
        OutboxSelect::Pending => "AND o.status = 'pending'",
        OutboxSelect::Parked => "AND o.status = 'parked'",
        OutboxSelect::Undelivered => "AND o.status IN ('pending', 'parked')",
        OutboxSelect::All => "",
    };
    let from = if after_seq > 0 {
        "o.seq > ?2"
    } else {
        "?2 = 0"
    };
    format!(
        "SELECT {ITEM_COLUMNS}, {SOURCE_COLUMNS} {ITEM_JOIN} WHERE {from} {cond} \
         ORDER BY o.seq LIMIT ?1"
    )
}

/// The longest failure reason kept (the rest of an LRS's error body is cut).
pub const MAX_REASON_CHARS: usize = 2000;

fn clip(reason: &str) -> String {
    if reason.chars().count() <= MAX_REASON_CHARS {
        reason.to_string()
    } else {
        let mut s: String = reason.chars().take(MAX_REASON_CHARS).collect();
        s.push('…');
        s
    }
}

impl Store {
    /// How many statements are pending, sent and parked.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, RecordsError> {
        self.read(|c| {
            let mut counts = OutboxCounts::default();
            let mut st = c.prepare_cached(
                "SELECT status, count(*), min(created_ms) FROM outbox GROUP BY status",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let status: String = r.get(0)?;
                let n = u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0);
                match OutboxStatus::from_key(&status) {
                    Some(OutboxStatus::Pending) => {
                        counts.pending = n;
                        counts.oldest_pending_ms = r.get(2)?;
                    }
                    Some(OutboxStatus::Sent) => counts.sent = n,
                    Some(OutboxStatus::Parked) => counts.parked = n,
                    None => {}
                }
            }
            Ok(counts)
        })
    }

    /// Up to `limit` statements (all if `None`) in creation order, of the kind `select` names.
    /// Pruned delivered statements come back rebuilt, byte for byte as they were sent
    /// ([`Store::prune_sent`]); [`RecordsError::Unrebuildable`] if one cannot be.
    pub fn outbox_items(
        &self,
        select: OutboxSelect,
        limit: Option<usize>,
    ) -> Result<Vec<OutboxItem>, RecordsError> {
        self.outbox_page(select, 0, limit)
    }

    /// [`Store::outbox_items`] from the statement after `after_seq` (its `seq`) on: read a
    /// large outbox a page at a time.
    pub fn outbox_page(
        &self,
        select: OutboxSelect,
        after_seq: i64,
        limit: Option<usize>,
    ) -> Result<Vec<OutboxItem>, RecordsError> {
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let sql = page_sql(select, after_seq);
        let raw = self.read(|c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params![limit, after_seq.max(0)], item)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        self.rebuilt(raw)
    }

    /// The oldest `limit` pending statements: the next batch to send.
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxItem>, RecordsError> {
        self.outbox_items(OutboxSelect::Pending, Some(limit))
    }

    /// The statements of one attempt, in creation order (pruned ones rebuilt).
    pub fn outbox_for_attempt(&self, attempt: &str) -> Result<Vec<OutboxItem>, RecordsError> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS}, {SOURCE_COLUMNS} {SOURCE_JOIN} WHERE a.uuid = ?1 ORDER BY o.seq"
        );
        let raw = self.read(|c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map([attempt], item)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        self.rebuilt(raw)
    }

    /// The items with every pruned statement rebuilt.
    fn rebuilt(&self, raw: Vec<(OutboxItem, Pruned)>) -> Result<Vec<OutboxItem>, RecordsError> {
        let mut rebuilder = Rebuilder::default();
        raw.into_iter()
            .map(|(mut it, pruned)| {
                if let Some((parts_id, digest, src)) = pruned {
                    it.statement = rebuilder.statement(self, &src, parts_id, &digest)?;
                }
                Ok(it)
            })
            .collect()
    }

    /// Marks the statements with these ids delivered (one transaction). Returns how many
    /// changed (already-sent ones are left as they are).
    pub fn outbox_mark_sent(&self, ids: &[&str]) -> Result<usize, RecordsError> {
        let now = now_ms();
        self.write(|tx| {
            let mut st = tx.prepare_cached(
                "UPDATE outbox SET status = 'sent', sent_ms = ?2, last_try_ms = ?2, \
                 tries = tries + 1, reason = NULL WHERE id = ?1 AND status <> 'sent'",
            )?;
            let mut n = 0;
            for id in ids {
                n += st.execute(params![id, now])?;
            }
            Ok(n)
        })
    }

    /// Parks a statement the LRS rejected as invalid, with the LRS's reason: it is not
    /// sent again until [`Store::outbox_requeue_parked`].
    pub fn outbox_park(&self, id: &str, reason: &str) -> Result<(), RecordsError> {
        let now = now_ms();
        let reason = clip(reason);
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE outbox SET status = 'parked', last_try_ms = ?2, tries = tries + 1, \
                 reason = ?3 WHERE id = ?1 AND status = 'pending'",
            )?
            .execute(params![id, now, reason])?;
            Ok(())
        })
    }

    /// Notes a failed try (network, server error …) for these pending statements: they
    /// stay pending, with the reason.
    pub(crate) fn outbox_note_failure(
        &self,
        ids: &[&str],
        reason: &str,
    ) -> Result<(), RecordsError> {
        let now = now_ms();
        let reason = clip(reason);
        self.write(|tx| {
            let mut st = tx.prepare_cached(
                "UPDATE outbox SET last_try_ms = ?2, tries = tries + 1, reason = ?3 \
                 WHERE id = ?1 AND status = 'pending'",
            )?;
            for id in ids {
                st.execute(params![id, now, reason])?;
            }
            Ok(())
        })
    }

    /// Puts every parked statement back in the queue (after the LRS or Courtesy was
    /// fixed). Returns how many.
    pub fn outbox_requeue_parked(&self) -> Result<usize, RecordsError> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE outbox SET status = 'pending', tries = 0 WHERE status = 'parked'",
                [],
            )?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::MIGRATIONS;
    use rusqlite::Connection;

    /// The plan of [`page_sql`] on a store ANALYZEd while every statement was pending
    /// (as `PRAGMA optimize` does for a station whose LRS was away): one line per step.
    fn plan_with_backlog_statistics(select: OutboxSelect, after_seq: i64) -> Vec<String> {
        let c = Connection::open_in_memory().expect("opens");
        for m in MIGRATIONS {
            c.execute_batch(m).expect("migrates");
        }
        c.execute_batch(
            "PRAGMA foreign_keys = OFF;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
             INSERT INTO outbox (seq, id, attempt_id, step_idx, verb, statement, created_ms)
             SELECT i, 'id-' || i, 1 + i / 7, i % 7, 'answered', '{}', i FROM n;
             ANALYZE;",
        )
        .expect("a backlog, analyzed");
        let mut st = c
            .prepare(&format!(
                "EXPLAIN QUERY PLAN {}",
                page_sql(select, after_seq)
            ))
            .expect("plans");
        st.query_map(params![500i64, after_seq], |r| r.get::<_, String>(3))
            .expect("plan rows")
            .collect::<rusqlite::Result<_>>()
            .expect("plan")
    }

    #[test]
    fn a_page_after_a_seq_reads_only_the_rows_after_it() {
        let step = |plan: &[String]| {
            plan.iter()
                .find(|d| d.split(' ').nth(1) == Some("o"))
                .cloned()
                .unwrap_or_default()
        };
        // From the start, the statistics of a backlog give `SCAN o`: each batch a sync read
        // so went past every statement sent before it (measured on a store of 102,415
        // pending statements, debug build: the 199th batch of 500 took 666 ms to read,
        // the first 25 ms; 69 s of reads in all, 4.5 s read after the last seq).
        let from_start = plan_with_backlog_statistics(OutboxSelect::Pending, 0);
        assert_eq!(step(&from_start), "SCAN o", "{from_start:?}");
        // After a seq: a range that starts there (rowid > ?), or the pending part of the
        // status index, which holds no sent row.
        let plan = plan_with_backlog_statistics(OutboxSelect::Pending, 1);
        let o = step(&plan);
        assert!(
            o.starts_with("SEARCH o USING INTEGER PRIMARY KEY (rowid>?)")
                || o.starts_with("SEARCH o USING INDEX outbox_by_status (status=?"),
            "{plan:?}"
        );
    }
}
