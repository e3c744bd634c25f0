//! The records store's errors: each says what went wrong, where, and what to do about it.

use crate::records::AttemptId;
use std::path::PathBuf;
use thiserror::Error;

/// Why the records store could not do what was asked.
#[derive(Debug, Error)]
pub enum RecordsError {
    #[error(
        "`{}` is not a Courtesy records store: it is not an SQLite database. Courtesy has left it \
         untouched. Move it away, or point --data-dir / COURTESY_DATA_DIR at another folder.",
        path.display()
    )]
    NotSqlite { path: PathBuf },

    #[error(
        "`{}` is an SQLite database, but not a Courtesy records store (application_id {application_id:#010x}, \
         {tables} table(s) Courtesy did not create). Courtesy has left it untouched. Move it away, or point \
         --data-dir / COURTESY_DATA_DIR at another folder.",
        path.display()
    )]
    ForeignDatabase {
        path: PathBuf,
        application_id: i64,
        tables: i64,
    },

    #[error(
        "`{}` was written by a newer Courtesy (records schema version {found}; this build reads up to \
         version {supported}). Courtesy has left it untouched. Update Courtesy to open it.",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error(
        "the records store `{}` is damaged ({detail}). Courtesy has left it untouched. Restore it from a \
         backup, or salvage what is readable with `sqlite3 '{}' .recover | sqlite3 recovered.sqlite3`, \
         then move the damaged file away.",
        path.display(),
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },

    #[error(
        "no records store at `{}`: nothing has been recorded there yet. Record an attempt first \
         (`courtesy run SCENARIO --trainee ID …`, or play one in the app), or point --data-dir / \
         COURTESY_DATA_DIR at the folder that holds records.sqlite3.",
        path.display()
    )]
    Missing { path: PathBuf },

    #[error(
        "cannot find this platform's data directory for the records store; set --data-dir DIR, \
         the COURTESY_DATA_DIR environment variable or `data_dir` in station.ron"
    )]
    NoDataDir,

    #[error("cannot use `{}`: {source}; check that the folder exists and that you may write to it", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the records store `{}` stayed locked by another program for {waited_ms} ms; close any other \
         program that has it open in a transaction (a `sqlite3` shell?) and try again",
        path.display()
    )]
    Busy { path: PathBuf, waited_ms: u64 },

    #[error(
        "the records store `{}` has schema version {found}; this Courtesy reads version \
         {supported} and cannot upgrade it while opening it read-only. Open it once with an \
         account that may write to it (e.g. `courtesy sync --status` as its owner)",
        path.display()
    )]
    NeedsUpgrade {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("the records store `{}` failed: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "the records store `{}` holds a value this build cannot read ({detail}); it may have been \
         edited by hand",
        path.display()
    )]
    BadValue { path: PathBuf, detail: String },

    /// An assignment the manager filled in cannot be made as it is (what is wrong).
    #[error("the assignment cannot be saved: {0}")]
    Assignment(String),

    #[error(
        "the records store `{}` cannot give back delivered statement {id} as it was sent \
         ({detail}): its JSON was pruned after delivery and the records it is rebuilt from no \
         longer match it; restore the store from a backup, or read the statement from the LRS",
        path.display()
    )]
    Unrebuildable {
        path: PathBuf,
        id: String,
        detail: String,
    },

    #[error("no attempt {0} in the records store")]
    UnknownAttempt(AttemptId),

    #[error("attempt {attempt} is already {status}; it takes no more steps")]
    AttemptClosed { attempt: AttemptId, status: String },

    #[error(
        "attempt {attempt} has {recorded} step(s) recorded, so the next one is step {recorded}, not \
         step {got}; record steps in order"
    )]
    StepGap {
        attempt: AttemptId,
        recorded: usize,
        got: usize,
    },

    #[error("attempt {attempt} is at scenario `{recorded}`, but the result is for `{got}`")]
    ScenarioMismatch {
        attempt: AttemptId,
        recorded: String,
        got: String,
    },

    #[error("`{id}` is not a usable trainee id: {why}")]
    InvalidTrainee { id: String, why: &'static str },

    #[error(
        "`{id}` is not a usable trainee id: it contains an invisible or direction-changing \
         character ({code}), so it would look like another id. Type the id again without it"
    )]
    HiddenCharacter { id: String, code: String },

    #[error(
        "`{id}` looks like the trainee `{existing}` already in the records, so nobody could \
         tell them apart. Sign in as `{existing}` if that is you; otherwise choose a clearly \
         different id (e.g. add a staff number)"
    )]
    LookAlike { id: String, existing: String },

    #[error("`{id}` is already on the roster")]
    AlreadyOnRoster { id: String },

    #[error("`{id}` is not on the roster; `courtesy manager roster list` shows who is")]
    NotOnRoster { id: String },

    #[error("a PIN must have at least {min} characters")]
    PinTooShort { min: usize },

    #[error("`{text}` is not a date; write it as YYYY-MM-DD (e.g. 2026-03-01)")]
    BadDate { text: String },

    #[error(
        "`{text}` is not an attempt id; attempt ids look like 1b4e28ba-2fa1-41d2-883f-0016d3cca427"
    )]
    BadAttemptId { text: String },

    #[error("a manager password is already set; change it with the current password instead")]
    PasswordAlreadySet,

    #[error("no manager password is set yet; set one first")]
    NoManagerPassword,

    #[error("the manager password must have at least {min} characters")]
    PasswordTooShort { min: usize },

    #[error("the current manager password is wrong")]
    WrongPassword,

    #[error("could not hash the manager password: {0}")]
    PasswordHash(String),
}

impl RecordsError {
    /// Whether the error is about the store's file itself (foreign, corrupt, newer,
    /// missing): the file was left untouched and another location is needed.
    pub fn is_unusable_file(&self) -> bool {
        matches!(
            self,
            RecordsError::NotSqlite { .. }
                | RecordsError::ForeignDatabase { .. }
                | RecordsError::NewerSchema { .. }
                | RecordsError::Corrupt { .. }
                | RecordsError::Missing { .. }
        )
    }
}
