//! The room's roster: the trainees the manager added (display name, optional PIN, retired or not), and signing in against it.
//!
//! With an empty roster the station is open: anyone signs in with any (valid) id. Once
//! the manager adds a trainee, only rostered, active trainees sign in, with their PIN
//! when they have one or when the room requires PINs. PINs are argon2id hashes; wrong
//! PINs are throttled per trainee like the manager password (doubling delay, logged).

use crate::records::store::Fail;
use crate::records::{RecordsError, Store, check_trainee, identity, throttle_delay};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rusqlite::{OptionalExtension, params};
use std::time::Duration;

/// The fewest characters a PIN may have.
pub const MIN_PIN_CHARS: usize = 4;
/// The `meta` key of the room-wide "PIN required" setting.
const PIN_REQUIRED_KEY: &str = "pin_required";

/// One trainee on the roster.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RosterEntry {
    /// The id attempts are recorded under (normalised, see `check_trainee`).
    pub id: String,
    /// The name shown (can be changed: "rename").
    pub name: String,
    pub has_pin: bool,
    pub added_ms: i64,
    /// When the manager retired them (they can no longer sign in; their records stay).
    pub retired_ms: Option<i64>,
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInRefused {
    #[error("`{0}` is not on this room's roster; ask the manager to add you")]
    NotOnRoster(String),
    #[error("`{0}` has been retired from this room's roster; ask the manager")]
    Retired(String),
    #[error("this room requires a PIN and `{0}` has none yet; ask the manager to set one")]
    NoPinSet(String),
    #[error("enter your PIN")]
    PinNeeded,
    #[error("wrong PIN; try again in {} s", .0.as_secs().max(1))]
    WrongPin(Duration),
    #[error("too many wrong PINs; wait {} s", .0.as_millis().div_ceil(1000))]
    Throttled(Duration),
    #[error("{0}")]
    BadId(String),
}

fn hash_pin(pin: &str) -> Result<String, RecordsError> {
    if pin.chars().count() < MIN_PIN_CHARS {
        return Err(RecordsError::PinTooShort { min: MIN_PIN_CHARS });
    }
    Argon2::default()
        .hash_password(pin.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| RecordsError::PasswordHash(e.to_string()))
}

impl Store {
    /// Everyone on the roster (retired too), by id.
    pub fn roster(&self) -> Result<Vec<RosterEntry>, RecordsError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, name, pin IS NOT NULL, added_ms, retired_ms FROM roster ORDER BY id",
            )?;
            let rows = st.query_map([], |r| {
                Ok(RosterEntry {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    has_pin: r.get(2)?,
                    added_ms: r.get(3)?,
                    retired_ms: r.get(4)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Adds a trainee. Refused: an invalid id, one already on the roster, or one that
    /// looks like a rostered or recorded id it is not (`alice` / `аlice`). An id that
    /// already has records may be added (its history stays theirs).
    pub fn roster_add(
        &self,
        id: &str,
        name: Option<&str>,
        pin: Option<&str>,
        now_ms: i64,
    ) -> Result<RosterEntry, RecordsError> {
        let id = check_trainee(id)?;
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => check_trainee(n)?,
            None => id.clone(),
        };
        let pin = pin.map(hash_pin).transpose()?;
        let mine = identity::skeleton(&id);
        self.write(|tx| {
            let mut st = tx.prepare_cached("SELECT id FROM roster UNION SELECT id FROM trainees")?;
            let others: Vec<String> = st
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let on_roster: Option<i64> = tx
                .prepare_cached("SELECT 1 FROM roster WHERE id = ?1")?
                .query_row([&id], |r| r.get(0))
                .optional()?;
            if on_roster.is_some() {
                return Err(Fail::Records(RecordsError::AlreadyOnRoster { id: id.clone() }));
            }
            if let Some(other) = others
                .iter()
                .find(|o| **o != id && identity::skeleton(o) == mine)
            {
                return Err(Fail::Records(RecordsError::LookAlike {
                    id: id.escape_debug().to_string(),
                    existing: other.escape_debug().to_string(),
                }));
            }
            tx.prepare_cached(
                "INSERT INTO roster (id, name, pin, added_ms, retired_ms) VALUES (?1, ?2, ?3, ?4, NULL)",
            )?
            .execute(params![id, name, pin, now_ms])?;
            Ok(())
        })?;
        Ok(RosterEntry {
            has_pin: pin.is_some(),
            id,
            name,
            added_ms: now_ms,
            retired_ms: None,
        })
    }

    fn roster_update(
        &self,
        id: &str,
        sql: &str,
        value: Option<String>,
    ) -> Result<(), RecordsError> {
        let id = identity::normalize(id);
        let n = self.write(|tx| Ok(tx.prepare_cached(sql)?.execute(params![id, value])?))?;
        if n == 0 {
            return Err(RecordsError::NotOnRoster { id });
        }
        Ok(())
    }

    /// Changes the name shown for a trainee (the id their records are under stays).
    pub fn roster_rename(&self, id: &str, name: &str) -> Result<(), RecordsError> {
        let name = check_trainee(name)?;
        self.roster_update(id, "UPDATE roster SET name = ?2 WHERE id = ?1", Some(name))
    }

    /// Retires a trainee: they can no longer sign in; their records stay.
    pub fn roster_retire(&self, id: &str, now_ms: i64) -> Result<(), RecordsError> {
        self.roster_update(
            id,
            "UPDATE roster SET retired_ms = ?2 WHERE id = ?1",
            Some(now_ms.to_string()),
        )
    }

    /// Sets (or with `None` removes) a trainee's PIN.
    pub fn roster_set_pin(&self, id: &str, pin: Option<&str>) -> Result<(), RecordsError> {
        let pin = pin.map(hash_pin).transpose()?;
        self.roster_update(id, "UPDATE roster SET pin = ?2 WHERE id = ?1", pin)
    }

    /// Whether every trainee must give a PIN to sign in.
    pub fn pin_required(&self) -> Result<bool, RecordsError> {
        self.read(|c| {
            c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                .query_row([PIN_REQUIRED_KEY], |r| r.get::<_, String>(0))
                .optional()
        })
        .map(|v| v.as_deref() == Some("1"))
    }

    /// Sets the room-wide "PIN required" setting.
    pub fn set_pin_required(&self, on: bool) -> Result<(), RecordsError> {
        self.write(|tx| {
            tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params![PIN_REQUIRED_KEY, if on { "1" } else { "0" }])?;
            Ok(())
        })
    }

    /// Signs a trainee in at `now_ms`: the id to record under, or why not. `typed` is
    /// the id or the roster name. With an empty roster, any valid id is accepted.
    pub fn sign_in_trainee(
        &self,
        typed: &str,
        pin: Option<&str>,
        now_ms: i64,
    ) -> Result<String, SignInRefused> {
        let store_err = |e: RecordsError| SignInRefused::BadId(e.to_string());
        let id = check_trainee(typed).map_err(store_err)?;
        let roster = self.roster().map_err(store_err)?;
        if roster.is_empty() {
            return Ok(id);
        }
        let Some(entry) = roster
            .iter()
            .find(|e| e.id == id)
            .or_else(|| roster.iter().find(|e| e.name == id))
        else {
            return Err(SignInRefused::NotOnRoster(id));
        };
        if entry.retired_ms.is_some() {
            return Err(SignInRefused::Retired(entry.id.clone()));
        }
        let required = self.pin_required().map_err(store_err)?;
        if !entry.has_pin {
            return if required {
                Err(SignInRefused::NoPinSet(entry.id.clone()))
            } else {
                Ok(entry.id.clone())
            };
        }
        let Some(pin) = pin.filter(|p| !p.is_empty()) else {
            return Err(SignInRefused::PinNeeded);
        };
        let key = format!("pin_failures:{}", entry.id);
        let (failures, last) = self.counter(&key).map_err(store_err)?;
        let due = last.saturating_add(throttle_delay(failures).as_millis() as i64);
        if failures > 0 && now_ms < due {
            let _ = self.log_access(now_ms, "pin-throttled", "app", Some(&entry.id));
            return Err(SignInRefused::Throttled(Duration::from_millis(
                (due - now_ms) as u64,
            )));
        }
        let phc: Option<String> = self
            .read(|c| {
                c.prepare_cached("SELECT pin FROM roster WHERE id = ?1")?
                    .query_row([&entry.id], |r| r.get(0))
            })
            .map_err(store_err)?;
        let ok = phc.is_some_and(|phc| {
            Argon2::default()
                .verify_password(pin.as_bytes(), phc.as_str())
                .is_ok()
        });
        let failures = if ok { 0 } else { failures + 1 };
        self.set_counter(&key, failures, now_ms)
            .map_err(store_err)?;
        let _ = self.log_access(
            now_ms,
            if ok { "signed-in" } else { "wrong-pin" },
            "app",
            Some(&entry.id),
        );
        if ok {
            Ok(entry.id.clone())
        } else {
            Err(SignInRefused::WrongPin(throttle_delay(failures)))
        }
    }

    fn counter(&self, key: &str) -> Result<(u32, i64), RecordsError> {
        let v: Option<String> = self.read(|c| {
            c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()
        })?;
        let mut parts = v.as_deref().unwrap_or("0 0").split(' ');
        let n = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let t = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        Ok((n, t))
    }

    fn set_counter(&self, key: &str, n: u32, at_ms: i64) -> Result<(), RecordsError> {
        if self.is_read_only() {
            return Ok(());
        }
        self.write(|tx| {
            tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params![key, format!("{n} {at_ms}")])?;
            Ok(())
        })
    }
}
