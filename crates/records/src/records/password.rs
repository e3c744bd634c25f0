//! The manager password (an argon2id hash in the store's `meta` table) and
//! [`ManagerGate`], which locks the manager area again after a spell of inactivity.
//!
//! The password guards the in-app manager area. It does not encrypt the store: anyone
//! who can read the file can read the records (see `docs/records.md`).

use crate::records::store::Fail;
use crate::records::time::now_ms;
use crate::records::{RecordsError, Store};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rusqlite::{OptionalExtension, params};
use std::time::{Duration, Instant};

/// The fewest characters a manager password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The `meta` key holding the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub(crate) const PASSWORD_KEY: &str = "manager_password";
/// How long the manager area stays open without activity, by default.
pub const DEFAULT_IDLE_LOCK: Duration = Duration::from_secs(5 * 60);
/// The longest wait after wrong manager passwords.
pub const MAX_THROTTLE: Duration = Duration::from_secs(15 * 60);
/// `meta` keys of the throttle: wrong passwords in a row, and when the last one was.
const FAILURES_KEY: &str = "manager_failures";
const LAST_FAILURE_KEY: &str = "manager_last_failure_ms";

/// How long to wait after `failures` wrong manager passwords in a row before the next
/// one is even checked: none before the first, then 1 s, 2 s, 4 s … doubling, at most
/// [`MAX_THROTTLE`].
pub fn throttle_delay(failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    Duration::from_secs(1u64 << (failures - 1).min(20)).min(MAX_THROTTLE)
}

/// The answer to a manager password attempt ([`Store::check_manager_password`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    Correct,
    /// Wrong; the next attempt is accepted only after `wait`.
    Wrong {
        wait: Duration,
    },
    /// Too soon after a wrong one: not checked at all. Try again after `wait`.
    Throttled {
        wait: Duration,
    },
}

/// One row of the access log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccessEvent {
    pub at_ms: i64,
    /// `unlocked`, `wrong-password`, `throttled`, `password-set`, `password-changed`.
    pub event: String,
    /// `app`, `cli`, …
    pub via: String,
    pub detail: Option<String>,
}

fn hash(password: &str) -> Result<String, RecordsError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(RecordsError::PasswordTooShort {
            min: MIN_PASSWORD_CHARS,
        });
    }
    // Argon2id, version 19, OWASP's default cost (19 MiB, 2 passes), random salt.
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| RecordsError::PasswordHash(e.to_string()))
}

impl Store {
    /// Whether a manager password has been set.
    pub fn has_manager_password(&self) -> Result<bool, RecordsError> {
        Ok(self.stored_password()?.is_some())
    }

    fn stored_password(&self) -> Result<Option<String>, RecordsError> {
        self.read(|c| {
            c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                .query_row([PASSWORD_KEY], |r| r.get(0))
                .optional()
        })
    }

    /// Sets the manager password on first use. Refused with
    /// [`RecordsError::PasswordAlreadySet`] once one exists (use
    /// [`Store::change_manager_password`]), or [`RecordsError::PasswordTooShort`].
    pub fn set_manager_password(&self, password: &str) -> Result<(), RecordsError> {
        let phc = hash(password)?;
        self.write(|tx| {
            let exists: Option<String> = tx
                .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                .query_row([PASSWORD_KEY], |r| r.get(0))
                .optional()?;
            if exists.is_some() {
                return Err(Fail::Records(RecordsError::PasswordAlreadySet));
            }
            tx.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params![PASSWORD_KEY, phc])?;
            tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params!["manager_password_set_ms", now_ms().to_string()])?;
            tx.prepare_cached(
                "INSERT INTO access_log (at_ms, event, via, detail) VALUES (?1, 'password-set', '', NULL)",
            )?
            .execute(params![now_ms()])?;
            Ok(())
        })
    }

    /// Checks `candidate` against the manager password: `Ok(true)` if it matches.
    /// [`RecordsError::NoManagerPassword`] if none is set yet (offer to set one).
    pub fn verify_manager_password(&self, candidate: &str) -> Result<bool, RecordsError> {
        let phc = self
            .stored_password()?
            .ok_or(RecordsError::NoManagerPassword)?;
        match Argon2::default().verify_password(candidate.as_bytes(), phc.as_str()) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
            Err(e) => Err(self.bad_value(format!("the manager password hash is unreadable: {e}"))),
        }
    }

    /// Checks a manager password attempt made at `now_ms` (the caller's clock, so tests
    /// can simulate time) through `via` (`app`, `cli`). After wrong attempts, the next
    /// is refused unchecked until [`throttle_delay`] has passed since the last wrong one;
    /// the count survives restarts and is shared by the app and the command line (it is
    /// in the store). Every attempt is written to the access log. A store opened
    /// read-only is checked without throttling or logging (whoever can read the file can
    /// read the hash anyway, see docs/records.md).
    pub fn check_manager_password(
        &self,
        candidate: &str,
        now_ms: i64,
        via: &str,
    ) -> Result<PasswordCheck, RecordsError> {
        let (failures, last) = self.throttle_state()?;
        let due = last.saturating_add(
            i64::try_from(throttle_delay(failures).as_millis()).unwrap_or(i64::MAX),
        );
        if failures > 0 && now_ms < due {
            let wait = Duration::from_millis(u64::try_from(due - now_ms).unwrap_or(0));
            self.log_access(
                now_ms,
                "throttled",
                via,
                Some(&format!("{failures} wrong in a row")),
            )?;
            return Ok(PasswordCheck::Throttled { wait });
        }
        let ok = self.verify_manager_password(candidate)?;
        if self.is_read_only() {
            return Ok(if ok {
                PasswordCheck::Correct
            } else {
                PasswordCheck::Wrong {
                    wait: Duration::ZERO,
                }
            });
        }
        let failures = if ok { 0 } else { failures.saturating_add(1) };
        let event = if ok { "unlocked" } else { "wrong-password" };
        let detail = (!ok).then(|| format!("{failures} wrong in a row"));
        self.write(|tx| {
            let mut put =
                tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
            put.execute(params![FAILURES_KEY, failures.to_string()])?;
            if !ok {
                put.execute(params![LAST_FAILURE_KEY, now_ms.to_string()])?;
            }
            tx.prepare_cached(
                "INSERT INTO access_log (at_ms, event, via, detail) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![now_ms, event, via, detail])?;
            Ok(())
        })?;
        Ok(if ok {
            PasswordCheck::Correct
        } else {
            PasswordCheck::Wrong {
                wait: throttle_delay(failures),
            }
        })
    }

    /// Wrong manager passwords in a row, and when the last one was (UTC ms).
    fn throttle_state(&self) -> Result<(u32, i64), RecordsError> {
        let get = |key: &'static str| {
            self.read(move |c| {
                c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                    .query_row([key], |r| r.get::<_, String>(0))
                    .optional()
            })
        };
        let failures = get(FAILURES_KEY)?.and_then(|v| v.parse().ok()).unwrap_or(0);
        let last = get(LAST_FAILURE_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok((failures, last))
    }

    /// Appends to the access log (nothing on a read-only store).
    pub(crate) fn log_access(
        &self,
        at_ms: i64,
        event: &str,
        via: &str,
        detail: Option<&str>,
    ) -> Result<(), RecordsError> {
        if self.is_read_only() {
            return Ok(());
        }
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO access_log (at_ms, event, via, detail) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![at_ms, event, via, detail])?;
            Ok(())
        })
    }

    /// The latest `limit` access-log rows, newest first.
    pub fn access_log(&self, limit: usize) -> Result<Vec<AccessEvent>, RecordsError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT at_ms, event, via, detail FROM access_log ORDER BY seq DESC LIMIT ?1",
            )?;
            let rows = st.query_map([limit], |r| {
                Ok(AccessEvent {
                    at_ms: r.get(0)?,
                    event: r.get(1)?,
                    via: r.get(2)?,
                    detail: r.get(3)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Replaces the manager password, given the current one.
    pub fn change_manager_password(&self, current: &str, new: &str) -> Result<(), RecordsError> {
        if !self.verify_manager_password(current)? {
            return Err(RecordsError::WrongPassword);
        }
        let phc = hash(new)?;
        self.write(|tx| {
            tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params![PASSWORD_KEY, phc])?;
            tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params!["manager_password_set_ms", now_ms().to_string()])?;
            tx.prepare_cached(
                "INSERT INTO access_log (at_ms, event, via, detail) VALUES (?1, 'password-changed', '', NULL)",
            )?
            .execute(params![now_ms()])?;
            Ok(())
        })
    }
}

/// Whether the manager area is open, and when it locks again. The caller owns time
/// (pass `Instant::now()` from the frame), like the playing session.
///
/// ```
/// # use courtesy_records::records::ManagerGate;
/// # use std::time::{Duration, Instant};
/// let mut gate = ManagerGate::new(Duration::from_secs(300));
/// let t0 = Instant::now();
/// assert!(!gate.is_unlocked(t0));
/// gate.open(t0); // after `store.verify_manager_password(..)?` returned true
/// assert!(gate.is_unlocked(t0 + Duration::from_secs(299)));
/// assert!(!gate.is_unlocked(t0 + Duration::from_secs(301)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagerGate {
    idle_lock: Duration,
    last_activity: Option<Instant>,
}

impl Default for ManagerGate {
    fn default() -> ManagerGate {
        ManagerGate::new(DEFAULT_IDLE_LOCK)
    }
}

impl ManagerGate {
    /// A locked gate that, once opened, locks after `idle_lock` without activity.
    pub fn new(idle_lock: Duration) -> ManagerGate {
        ManagerGate {
            idle_lock,
            last_activity: None,
        }
    }

    /// Checks `password` against the store and opens the gate if it matches.
    pub fn unlock(
        &mut self,
        store: &Store,
        password: &str,
        now: Instant,
    ) -> Result<bool, RecordsError> {
        let ok = store.verify_manager_password(password)?;
        if ok {
            self.open(now);
        }
        Ok(ok)
    }

    /// Opens the gate (the password has been checked).
    pub fn open(&mut self, now: Instant) {
        self.last_activity = Some(now);
    }

    /// Whether the area is open at `now`; locks the gate if it has been idle too long.
    pub fn is_unlocked(&mut self, now: Instant) -> bool {
        match self.last_activity {
            Some(t) if now.saturating_duration_since(t) <= self.idle_lock => true,
            Some(_) => {
                self.last_activity = None;
                false
            }
            None => false,
        }
    }

    /// Records activity (a click, a key) in the manager area; returns whether it is
    /// still open (activity after the gate locked does not reopen it).
    pub fn touch(&mut self, now: Instant) -> bool {
        let open = self.is_unlocked(now);
        if open {
            self.last_activity = Some(now);
        }
        open
    }

    /// Locks the gate now (the manager left the area).
    pub fn lock(&mut self) {
        self.last_activity = None;
    }

    /// How long until it locks, if open.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        self.last_activity.map(|t| {
            self.idle_lock
                .saturating_sub(now.saturating_duration_since(t))
        })
    }
}
