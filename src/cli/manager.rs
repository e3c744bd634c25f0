//! `courtesy manager set-password`, and the manager password check that `report` and `export` make before they read the whole room.

use crate::cli::{CliError, finished};
use crate::core::records::time::now_ms;
use crate::core::records::{MIN_PASSWORD_CHARS, PasswordCheck, RecordsError, Store};
use clap::{Args, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Environment variable holding the manager password for scripts.
pub(crate) const PASSWORD_ENV: &str = "COURTESY_MANAGER_PASSWORD";

#[derive(Debug, Args)]
pub(crate) struct ManagerArgs {
    #[command(subcommand)]
    pub command: ManagerCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ManagerCommand {
    /// Set the manager password, or change it (then the current one is asked first).
    /// Reads from the terminal without echo (the new one twice), or, when standard input
    /// is not a terminal, one line per password: the current one first if one is set
    /// (unless COURTESY_MANAGER_PASSWORD holds it), then the new one.
    SetPassword {
        /// Folder holding records.sqlite3 (default: the station's data folder; see `courtesy config`).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Keep the room's roster (needs the manager password). Once anyone is on it, only
    /// rostered trainees sign in to the app.
    Roster {
        #[command(subcommand)]
        action: RosterAction,
        /// Folder holding records.sqlite3.
        #[arg(long, value_name = "DIR", global = true)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum RosterAction {
    /// Everyone on the roster.
    List,
    /// Add a trainee (with --pin, the PIN is read like a password).
    Add {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        pin: bool,
    },
    /// Change the name shown (the id their records are under stays).
    Rename { id: String, name: String },
    /// Stop a trainee signing in (their records stay).
    Retire { id: String },
    /// Set a trainee's PIN (read like a password), or remove it with --clear.
    Pin {
        id: String,
        #[arg(long)]
        clear: bool,
    },
    /// Require a PIN from every trainee (`on`) or only from those who have one (`off`).
    RequirePin {
        #[arg(value_parser = ["on", "off"])]
        value: String,
    },
}

/// Why the manager password was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error(
        "no manager password is set for `{}`, so the room's records cannot be read from the \
         command line. Set one with `courtesy manager set-password` (or on the app's first run)",
        path.display()
    )]
    NoPassword { path: PathBuf },
    #[error(
        "{what} needs the manager password: run it from a terminal to be asked, or set \
         {PASSWORD_ENV} for scripts"
    )]
    PasswordNeeded { what: &'static str },
    #[error("wrong manager password; the next try is accepted in {} s (the attempt is logged)", secs(*wait))]
    Wrong { wait: Duration },
    #[error(
        "too many wrong manager passwords: wait {} s before trying again (nothing was checked; \
         the attempt is logged)",
        secs(*wait)
    )]
    Throttled { wait: Duration },
    #[error("could not read the password: {0}")]
    Read(std::io::Error),
    #[error("the two passwords differ; nothing was changed")]
    Mismatch,
    #[error(transparent)]
    Records(#[from] RecordsError),
}

fn secs(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000) as u64
}

/// Reads one line from the terminal with echo off (Unix), after `prompt` on stderr.
#[cfg(unix)]
fn read_hidden(prompt: &str) -> std::io::Result<String> {
    use std::os::fd::AsRawFd;
    let stdin = std::io::stdin();
    let fd = stdin.as_raw_fd();
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    // SAFETY: tcgetattr/tcsetattr on our own stdin with a zeroed, then filled, termios.
    let mut term: libc::termios = unsafe { std::mem::zeroed() };
    let have = unsafe { libc::tcgetattr(fd, &mut term) } == 0;
    let saved = term;
    if have {
        term.c_lflag &= !libc::ECHO;
        term.c_lflag |= libc::ECHONL;
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &term) };
    }
    let mut line = String::new();
    let got = stdin.lock().read_line(&mut line);
    if have {
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
    }
    got?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

#[cfg(not(unix))]
fn read_hidden(prompt: &str) -> std::io::Result<String> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// One line of standard input (not a terminal).
fn read_line() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn env_password() -> Option<String> {
    std::env::var(PASSWORD_ENV).ok().filter(|v| !v.is_empty())
}

/// Checks the manager password before `what` reads the whole room from `store`: from
/// [`PASSWORD_ENV`], else asked on the terminal; refused without one. Wrong attempts are
/// throttled and logged like the app's (they share the store's count).
pub(crate) fn require_manager(store: &Store, what: &'static str) -> Result<(), AccessError> {
    if !store.has_manager_password()? {
        return Err(AccessError::NoPassword {
            path: store.path().to_path_buf(),
        });
    }
    let candidate = match env_password() {
        Some(p) => p,
        None if std::io::stdin().is_terminal() => {
            read_hidden("Manager password: ").map_err(AccessError::Read)?
        }
        None => return Err(AccessError::PasswordNeeded { what }),
    };
    // The check counts and logs attempts, so it needs to write: through a read-write
    // connection when this account may write the store. (One that may only read it
    // can read the password hash too, and gains nothing from being throttled.)
    let writable;
    let checker = if store.is_read_only() {
        match Store::open_existing(store.path()) {
            Ok(s) => {
                writable = s;
                &writable
            }
            Err(_) => store,
        }
    } else {
        store
    };
    match checker.check_manager_password(&candidate, now_ms(), "cli")? {
        PasswordCheck::Correct => Ok(()),
        PasswordCheck::Wrong { wait } => Err(AccessError::Wrong { wait }),
        PasswordCheck::Throttled { wait } => Err(AccessError::Throttled { wait }),
    }
}

pub(crate) fn run(
    args: ManagerArgs,
    station: &crate::station::StationConfig,
) -> Result<ExitCode, CliError> {
    let records = |data_dir: Option<PathBuf>| station.records().with_data_dir(data_dir.as_deref());
    match args.command {
        ManagerCommand::Roster { action, data_dir } => roster(action, &records(data_dir))?,
        ManagerCommand::SetPassword { data_dir } => {
            let changed = set_password(&records(data_dir))?;
            eprintln!(
                "{}",
                if changed {
                    "manager password changed"
                } else {
                    "manager password set"
                }
            );
        }
    }
    Ok(finished(false))
}

/// Sets (first time) or changes the password; `Ok(true)` when it was a change.
fn set_password(records: &crate::station::Records) -> Result<bool, AccessError> {
    let store = records.open_store()?;
    let tty = std::io::stdin().is_terminal();
    let current = if store.has_manager_password()? {
        let current = match env_password() {
            Some(p) => p,
            None if tty => read_hidden("Current manager password: ").map_err(AccessError::Read)?,
            None => read_line().map_err(AccessError::Read)?,
        };
        match store.check_manager_password(&current, now_ms(), "cli")? {
            PasswordCheck::Correct => {}
            PasswordCheck::Wrong { wait } => return Err(AccessError::Wrong { wait }),
            PasswordCheck::Throttled { wait } => return Err(AccessError::Throttled { wait }),
        }
        Some(current)
    } else {
        None
    };
    let new = if tty {
        eprintln!(
            "The manager password guards the room's records (at least {MIN_PASSWORD_CHARS} characters)."
        );
        let a = read_hidden("New manager password: ").map_err(AccessError::Read)?;
        let b = read_hidden("New manager password again: ").map_err(AccessError::Read)?;
        if a != b {
            return Err(AccessError::Mismatch);
        }
        a
    } else {
        read_line().map_err(AccessError::Read)?
    };
    match &current {
        Some(c) => store.change_manager_password(c, &new)?,
        None => store.set_manager_password(&new)?,
    }
    Ok(current.is_some())
}

fn read_pin() -> Result<String, AccessError> {
    if std::io::stdin().is_terminal() {
        let a = read_hidden("PIN: ").map_err(AccessError::Read)?;
        let b = read_hidden("PIN again: ").map_err(AccessError::Read)?;
        if a != b {
            return Err(AccessError::Mismatch);
        }
        Ok(a)
    } else {
        read_line().map_err(AccessError::Read)
    }
}

fn roster(action: RosterAction, records: &crate::station::Records) -> Result<(), AccessError> {
    let store = Store::open_existing(&records.store_path()?)?;
    records.name_store(&store);
    require_manager(&store, "`courtesy manager roster`")?;
    let now = now_ms();
    match action {
        RosterAction::List => {
            let required = store.pin_required()?;
            println!(
                "PIN required for everyone: {}",
                if required { "yes" } else { "no" }
            );
            for e in store.roster()? {
                println!(
                    "{}\t{}\t{}\t{}",
                    e.id,
                    e.name,
                    if e.has_pin { "PIN" } else { "no PIN" },
                    if e.retired_ms.is_some() {
                        "retired"
                    } else {
                        "active"
                    }
                );
            }
        }
        RosterAction::Add { id, name, pin } => {
            let pin = if pin { Some(read_pin()?) } else { None };
            let e = store.roster_add(&id, name.as_deref(), pin.as_deref(), now)?;
            eprintln!("added `{}` ({})", e.id, e.name);
        }
        RosterAction::Rename { id, name } => store.roster_rename(&id, &name)?,
        RosterAction::Retire { id } => store.roster_retire(&id, now)?,
        RosterAction::Pin { id, clear } => {
            let pin = if clear { None } else { Some(read_pin()?) };
            store.roster_set_pin(&id, pin.as_deref())?;
        }
        RosterAction::RequirePin { value } => store.set_pin_required(value == "on")?,
    }
    Ok(())
}
