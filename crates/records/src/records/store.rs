//! Opening the records store: where it lives, recognising it, migrations, pragmas, and
//! the retrying transaction helpers every other records module writes through.

use crate::records::RecordsError;
use crate::records::schema::{self, APPLICATION_ID, FORMAT_KEY, FORMAT_VALUE};
use crate::records::time::now_ms;
use crate::xapi::StatementIdentity;
use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

/// The store's file name inside the data folder.
pub const STORE_FILE_NAME: &str = "records.sqlite3";
/// How long one SQLite call waits for another process's lock (SQLite's busy handler).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a transaction keeps retrying `SQLITE_BUSY` before giving up with
/// [`RecordsError::Busy`].
pub const RETRY_BUDGET: Duration = Duration::from_secs(60);
/// An unfinished attempt with no activity for this long is shown as abandoned.
pub const STALE_AFTER_MS: i64 = 3_600_000;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// How [`Store::open_with`] opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Create,
    Existing,
    ReadOnly,
}

/// `path` for an SQLite `file:` URI: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let p = path.to_string_lossy();
    let mut out = String::with_capacity(p.len());
    for c in p.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// Makes a file this process just created readable and writable by its owner only
/// (0600), and its folder 0700 when this process created that too. Best effort: on
/// platforms without Unix permissions it does nothing.
pub fn owner_only(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Creates `dir` (and missing parents) owner-only (0700 on Unix); an existing folder is
/// left as it is.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// The store file inside data folder `dir`.
pub fn store_path(dir: &Path) -> PathBuf {
    dir.join(STORE_FILE_NAME)
}

/// An error raised inside a write transaction: SQLite's (retried when busy) or ours.
#[derive(Debug)]
pub(crate) enum Fail {
    Sql(rusqlite::Error),
    Records(RecordsError),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Fail {
        Fail::Sql(e)
    }
}

impl From<RecordsError> for Fail {
    fn from(e: RecordsError) -> Fail {
        Fail::Records(e)
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// A small, growing pause between retries, with jitter so that processes that collided
/// do not collide again in step.
fn backoff(tries: u32) -> Duration {
    let base = 2u64 << tries.min(6); // 4 ms … 128 ms
    let jitter = u64::from(std::process::id() ^ (now_ms() as u32)) % base.max(1);
    Duration::from_millis(base + jitter)
}

/// The records store: one SQLite file (plus its `-wal` and `-shm` companions while
/// open). Cheap to share: every method takes `&self`, and the store is `Send + Sync`
/// (one connection behind a mutex), so the app can keep it in a resource and a
/// background thread can use it too. Open it once per process and keep it.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// Set once the file is known to be a usable Courtesy store: until then nothing,
    /// housekeeping included, may write to it.
    recognised: bool,
    /// Opened with [`Store::open_read_only`]: nothing may be written.
    read_only: bool,
    /// Fixed into every xAPI statement this store writes to its outbox (docs/xapi.md).
    identity: RwLock<StatementIdentity>,
    /// Days a delivered statement keeps its JSON before [`Store::prune_sent`] drops it.
    keep_sent_days: AtomicU32,
    /// The station new attempts are recorded at (`attempts.station`, the statements'
    /// `station` extension); none until the caller names it ([`Store::set_station`]).
    station: RwLock<Option<String>>,
}

impl Store {
    /// Opens the store at `path`, creating it (and its folder) if it does not exist.
    /// A file that is not a Courtesy store, is damaged, or comes from a newer Courtesy is
    /// refused with a typed error and left untouched.
    pub fn open(path: &Path) -> Result<Store, RecordsError> {
        Store::open_with(path, Mode::Create)
    }

    /// Opens an existing store; [`RecordsError::Missing`] if there is none at `path`
    /// (for readers such as `courtesy report`, which should not create one).
    pub fn open_existing(path: &Path) -> Result<Store, RecordsError> {
        Store::open_with(path, Mode::Existing)
    }

    /// Opens an existing store for reading only (`courtesy report`, `sync --status`,
    /// `export`): works on a store file or folder this account may not write. Nothing is
    /// written, not even housekeeping; a store that needs a migration is refused with
    /// [`RecordsError::NeedsUpgrade`]. When SQLite cannot even create its shared-memory
    /// file next to a read-only store, the file is read as immutable (a snapshot: writes
    /// other processes make while it is open may be missed).
    pub fn open_read_only(path: &Path) -> Result<Store, RecordsError> {
        Store::open_with(path, Mode::ReadOnly)
    }

    /// Whether this store was opened with [`Store::open_read_only`].
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Opens (creating if needed) `records.sqlite3` in the data folder `dir`. The caller
    /// chooses the folder (the station configuration: `--data-dir`, `COURTESY_DATA_DIR`,
    /// `station.ron` or the platform data folder); this crate reads no environment.
    pub fn open_in(dir: &Path) -> Result<Store, RecordsError> {
        Store::open(&store_path(dir))
    }

    /// The store file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets the account home page and base IRI written into the xAPI statements this
    /// store creates from now on (from the LRS configuration: `LrsConfig::identity`).
    /// Until it is called, [`StatementIdentity::default`] is used. Statements already in
    /// the outbox keep the identity they were created with.
    pub fn set_statement_identity(&self, identity: StatementIdentity) {
        *self.identity.write().unwrap_or_else(|e| e.into_inner()) = identity;
    }

    /// Sets how many days a delivered statement keeps its JSON in the store before
    /// [`Store::prune_sent`] drops it (it is rebuilt from the records when read). 0, the
    /// default, prunes right after delivery (`keep_sent_days` in `lrs.ron`).
    pub fn set_keep_sent_days(&self, days: u32) {
        self.keep_sent_days.store(days, Ordering::Relaxed);
    }

    /// See [`Store::set_keep_sent_days`].
    pub fn keep_sent_days(&self) -> u32 {
        self.keep_sent_days.load(Ordering::Relaxed)
    }

    /// Sets the station new attempts are recorded at, given by the caller (the app and
    /// the CLI: the station configuration's name). A store opens with none: `None` (or a
    /// name that is blank once cleaned) records attempts with no station and statements
    /// without the `station` extension.
    pub fn set_station(&self, station: Option<&str>) {
        *self.station.write().unwrap_or_else(|e| e.into_inner()) = station
            .map(crate::xapi::clean_station)
            .filter(|s| !s.is_empty());
    }

    /// The station new attempts are recorded at.
    pub fn station(&self) -> Option<String> {
        self.station
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The identity new statements get.
    pub fn statement_identity(&self) -> StatementIdentity {
        self.identity
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn open_with(path: &Path, mode: Mode) -> Result<Store, RecordsError> {
        let create = mode == Mode::Create;
        let io = |source| RecordsError::Io {
            path: path.to_path_buf(),
            source,
        };
        let exists = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(io(std::io::Error::other(
                    "it is a folder; give the folder with --data-dir, not the file",
                )));
            }
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(io(e)),
        };
        if exists {
            // Refuse anything that is not SQLite before SQLite touches it.
            let mut head = Vec::with_capacity(16);
            std::fs::File::open(path)
                .and_then(|f| f.take(16).read_to_end(&mut head))
                .map_err(io)?;
            if !head.is_empty() && head.as_slice() != SQLITE_MAGIC {
                return Err(RecordsError::NotSqlite {
                    path: path.to_path_buf(),
                });
            }
        } else if !create {
            return Err(RecordsError::Missing {
                path: path.to_path_buf(),
            });
        } else if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            create_private_dir(parent).map_err(|e| RecordsError::Io {
                path: parent.to_path_buf(),
                source: e,
            })?;
        }
        if mode == Mode::ReadOnly {
            return Store::open_read_only_at(path);
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| RecordsError::Sqlite {
            path: path.to_path_buf(),
            source: e,
        })?;
        if !exists {
            owner_only(path);
        }
        let mut store = Store {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            recognised: false,
            read_only: false,
            identity: RwLock::new(StatementIdentity::default()),
            keep_sent_days: AtomicU32::new(0),
            station: RwLock::new(None),
        };
        store.read(|c| c.busy_timeout(BUSY_TIMEOUT))?;
        store.prepare()?;
        store.recognised = true;
        // Planner statistics for the dashboard queries, as SQLite advises for long-lived
        // connections: cheap, bounded, and skipped when the statistics are fresh.
        store.best_effort("PRAGMA analysis_limit = 400; PRAGMA optimize = 0x10002;");
        Ok(store)
    }

    fn open_read_only_at(path: &Path) -> Result<Store, RecordsError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let open = |target: &str| -> Result<Store, RecordsError> {
            let conn =
                Connection::open_with_flags(target, flags).map_err(|e| RecordsError::Sqlite {
                    path: path.to_path_buf(),
                    source: e,
                })?;
            let store = Store {
                conn: Mutex::new(conn),
                path: path.to_path_buf(),
                recognised: false,
                read_only: true,
                identity: RwLock::new(StatementIdentity::default()),
                keep_sent_days: AtomicU32::new(0),
                station: RwLock::new(None),
            };
            store.read(|c| c.busy_timeout(BUSY_TIMEOUT))?;
            // Touch the file: a WAL store whose -shm cannot be created fails here.
            store.read(|c| {
                c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                    r.get::<_, i64>(0)
                })
            })?;
            Ok(store)
        };
        let mut store = match open(&path.to_string_lossy()) {
            Ok(s) => s,
            // Damaged or busy: say so. Anything else (SQLite cannot create its
            // shared-memory file beside a store in a folder we may not write): read it
            // as an immutable snapshot.
            Err(e @ RecordsError::Sqlite { .. }) => {
                open(&format!("file:{}?immutable=1", uri_path(path))).map_err(|_| e)?
            }
            Err(e) => return Err(e),
        };
        let current = schema::current_version();
        let (app_id, version, tables) = store.read(identify)?;
        store.refuse_unless_ours(app_id, version, tables, current)?;
        if version < current {
            return Err(RecordsError::NeedsUpgrade {
                path: path.to_path_buf(),
                found: version,
                supported: current,
            });
        }
        store.recognised = true;
        Ok(store)
    }

    /// Recognises the file, sets the connection's pragmas and brings the schema up to date.
    fn prepare(&self) -> Result<(), RecordsError> {
        let current = schema::current_version();
        let (app_id, version, tables) = self.read(identify)?;
        let fresh = app_id == 0 && version == 0 && tables == 0;
        self.refuse_unless_ours(app_id, version, tables, current)?;
        // Only now, with the file known to be ours (or empty), may anything be written.
        if fresh {
            // Before the first table: freed pages can then go back to the file system
            // (`Store::prune_sent`). Older stores are switched by their first prune.
            self.read(|c| c.execute_batch("PRAGMA auto_vacuum = INCREMENTAL;"))?;
        }
        self.read(|c| {
            let _mode: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            c.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        })?;
        if fresh || version < current {
            self.write(|tx| {
                let (app_id, version, tables) = identify(tx)?;
                self.refuse_unless_ours(app_id, version, tables, current)?;
                let start = usize::try_from(version).unwrap_or(0);
                for m in schema::MIGRATIONS.iter().skip(start) {
                    tx.execute_batch(m)?;
                }
                if version == 0 {
                    tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))?;
                    let mut put =
                        tx.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
                    put.execute([FORMAT_KEY, FORMAT_VALUE])?;
                    put.execute(["created_ms", &now_ms().to_string()])?;
                    put.execute([
                        "created_by",
                        concat!("courtesy ", env!("CARGO_PKG_VERSION")),
                    ])?;
                }
                tx.execute_batch(&format!("PRAGMA user_version = {current}"))?;
                Ok(())
            })?;
        }
        let format: Option<String> = self.read(|c| {
            c.query_row("SELECT value FROM meta WHERE key = ?1", [FORMAT_KEY], |r| {
                r.get(0)
            })
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
        })?;
        if format.as_deref() != Some(FORMAT_VALUE) {
            return Err(RecordsError::ForeignDatabase {
                path: self.path.clone(),
                application_id: app_id,
                tables,
            });
        }
        Ok(())
    }

    /// Runs housekeeping SQL once, waiting at most briefly for a lock and ignoring failure.
    pub(crate) fn best_effort(&self, sql: &str) {
        let conn = self.lock();
        let _ = conn.busy_timeout(Duration::from_millis(50));
        let _ = conn.execute_batch(sql);
        let _ = conn.busy_timeout(BUSY_TIMEOUT);
    }

    fn refuse_unless_ours(
        &self,
        app_id: i64,
        version: i64,
        tables: i64,
        current: i64,
    ) -> Result<(), RecordsError> {
        let fresh = app_id == 0 && version == 0 && tables == 0;
        if !fresh && app_id != APPLICATION_ID {
            return Err(RecordsError::ForeignDatabase {
                path: self.path.clone(),
                application_id: app_id,
                tables,
            });
        }
        if version > current {
            return Err(RecordsError::NewerSchema {
                path: self.path.clone(),
                found: version,
                supported: current,
            });
        }
        Ok(())
    }

    /// The schema version of the open store (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, RecordsError> {
        self.read(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
    }

    /// Runs `PRAGMA integrity_check`; an empty list means the file is sound, otherwise
    /// the problems SQLite found.
    pub fn integrity_check(&self) -> Result<Vec<String>, RecordsError> {
        let rows: Vec<String> = self.read(|c| {
            let mut st = c.prepare("PRAGMA integrity_check")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect()
        })?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection usable (SQLite rolls back
        // an open transaction when the `Transaction` guard is dropped during unwinding).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Maps a SQLite error to a [`RecordsError`] for this store.
    pub(crate) fn classify(&self, e: rusqlite::Error, waited: Duration) -> RecordsError {
        if matches!(
            e,
            rusqlite::Error::FromSqlConversionFailure(..) | rusqlite::Error::InvalidColumnType(..)
        ) {
            return self.bad_value(e.to_string());
        }
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => RecordsError::Corrupt {
                path: self.path.clone(),
                detail: e.to_string(),
            },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => RecordsError::Busy {
                path: self.path.clone(),
                waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
            },
            _ => RecordsError::Sqlite {
                path: self.path.clone(),
                source: e,
            },
        }
    }

    /// A value read from the store that this build cannot interpret.
    pub(crate) fn bad_value(&self, detail: impl Into<String>) -> RecordsError {
        RecordsError::BadValue {
            path: self.path.clone(),
            detail: detail.into(),
        }
    }

    /// Runs `f` on the connection (reads, pragmas), retrying while another process holds
    /// a lock SQLite's busy handler did not wait out.
    pub(crate) fn read<T>(
        &self,
        mut f: impl FnMut(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, RecordsError> {
        let started = Instant::now();
        let mut tries = 0u32;
        let conn = self.lock();
        loop {
            match f(&conn) {
                Ok(v) => return Ok(v),
                Err(e) if is_busy(&e) && started.elapsed() < RETRY_BUDGET => {
                    tries += 1;
                    std::thread::sleep(backoff(tries));
                }
                Err(e) => return Err(self.classify(e, started.elapsed())),
            }
        }
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction and commits it (durably: WAL with
    /// `synchronous = FULL`) before returning. If SQLite reports the store busy at any
    /// point, the transaction is rolled back and run again, for up to [`RETRY_BUDGET`];
    /// so `f` must do nothing outside the transaction that cannot be repeated.
    pub(crate) fn write<T>(
        &self,
        mut f: impl FnMut(&Transaction<'_>) -> Result<T, Fail>,
    ) -> Result<T, RecordsError> {
        let started = Instant::now();
        let mut tries = 0u32;
        let mut conn = self.lock();
        loop {
            let outcome = (|| -> Result<T, Fail> {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let v = f(&tx)?;
                tx.commit()?;
                Ok(v)
            })();
            match outcome {
                Ok(v) => return Ok(v),
                Err(Fail::Sql(e)) if is_busy(&e) && started.elapsed() < RETRY_BUDGET => {
                    tries += 1;
                    std::thread::sleep(backoff(tries));
                }
                Err(Fail::Sql(e)) => return Err(self.classify(e, started.elapsed())),
                Err(Fail::Records(e)) => return Err(e),
            }
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // SQLite's advice for closing connections: refresh planner statistics if needed.
        if self.recognised && !self.read_only {
            self.best_effort("PRAGMA optimize;");
        }
    }
}

/// `(application_id, user_version, number of schema objects)` of the open file.
fn identify(c: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    let app_id: i64 = c.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables: i64 = c.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    Ok((app_id, version, tables))
}
