//! `courtesy new`: write a small, valid, commented scenario file to start from.

use crate::cli::{CliError, finished};
use crate::core::template::{new_scenario, valid_id};
use crate::core::text::SUPPORTED_LOCALES;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The new scenario's id (lower-case words joined by dashes, e.g. `noisy-neighbour`).
    pub id: String,
    /// Locales to write every text in.
    #[arg(long, value_delimiter = ',', default_value = "zh-CN,en")]
    pub locales: Vec<String>,
    /// Folder to write `ID.ron` into (default: ./scenarios, created if needed). Never the
    /// scenarios embedded in the binary.
    #[arg(long, conflicts_with = "path")]
    pub dir: Option<PathBuf>,
    /// The file to write instead (e.g. `/mnt/training/scenarios/noisy-neighbour.ron`).
    #[arg(long, value_name = "FILE")]
    pub path: Option<PathBuf>,
}

/// Why `courtesy new` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error(
        "`{0}` is not a usable id: use lower-case letters, digits and single dashes, starting with a letter (e.g. `noisy-neighbour`)"
    )]
    BadId(String),
    #[error("give at least one locale, e.g. --locales zh-CN,en")]
    NoLocale,
    #[error("locale `{0}` is not supported; supported: {supported}", supported = SUPPORTED_LOCALES.join(", "))]
    Locale(String),
    #[error("cannot create the folder {}: {source}", dir.display())]
    Folder {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} already exists; pick another id or remove the file first", .0.display())]
    Exists(PathBuf),
    #[error("cannot create {}: {source}", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub(crate) fn run(args: NewArgs) -> Result<ExitCode, CliError> {
    let path = write(&args)?;
    let shown = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
    println!("wrote {}", shown.display());
    println!(
        "next: edit it, then `courtesy validate {}` and `courtesy check {}`",
        path.display(),
        path.display()
    );
    Ok(finished(false))
}

/// Writes the new scenario file; returns its path.
fn write(args: &NewArgs) -> Result<PathBuf, NewError> {
    if !valid_id(&args.id) {
        return Err(NewError::BadId(args.id.clone()));
    }
    let locales: Vec<String> = args
        .locales
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if locales.is_empty() {
        return Err(NewError::NoLocale);
    }
    if let Some(bad) = locales
        .iter()
        .find(|l| !SUPPORTED_LOCALES.contains(&l.as_str()))
    {
        return Err(NewError::Locale(bad.clone()));
    }
    let path = match (&args.path, &args.dir) {
        (Some(p), _) => p.clone(),
        (None, Some(d)) => d.join(format!("{}.ron", args.id)),
        (None, None) => {
            PathBuf::from(crate::station::DEFAULT_SCENARIO_FOLDER).join(format!("{}.ron", args.id))
        }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| NewError::Folder {
            dir: dir.to_path_buf(),
            source,
        })?;
    }
    // create_new: never overwrite a trainer's work.
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(NewError::Exists(path));
        }
        Err(source) => return Err(NewError::Create { path, source }),
    };
    if let Err(source) = file.write_all(new_scenario(&args.id, &locales).as_bytes()) {
        return Err(NewError::Write { path, source });
    }
    Ok(path)
}
