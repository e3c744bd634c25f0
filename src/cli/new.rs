//! `courtesy new`: write a small, valid, commented scenario file to start from.

use crate::cli::{EXIT_OK, EXIT_USAGE};
use crate::core::template::{new_scenario, valid_id};
use crate::core::text::SUPPORTED_LOCALES;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct NewArgs {
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

pub fn run(args: NewArgs) -> u8 {
    if !valid_id(&args.id) {
        eprintln!(
            "error: `{}` is not a usable id: use lower-case letters, digits and single dashes, starting with a letter (e.g. `noisy-neighbour`)",
            args.id
        );
        return EXIT_USAGE;
    }
    let locales: Vec<String> = args
        .locales
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if locales.is_empty() {
        eprintln!("error: give at least one locale, e.g. --locales zh-CN,en");
        return EXIT_USAGE;
    }
    if let Some(bad) = locales
        .iter()
        .find(|l| !SUPPORTED_LOCALES.contains(&l.as_str()))
    {
        eprintln!(
            "error: locale `{bad}` is not supported; supported: {}",
            SUPPORTED_LOCALES.join(", ")
        );
        return EXIT_USAGE;
    }
    let path = match (&args.path, &args.dir) {
        (Some(p), _) => p.clone(),
        (None, Some(d)) => d.join(format!("{}.ron", args.id)),
        (None, None) => {
            PathBuf::from(crate::station::DEFAULT_SCENARIO_FOLDER).join(format!("{}.ron", args.id))
        }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("error: cannot create the folder {}: {e}", dir.display());
        return EXIT_USAGE;
    }
    // create_new: never overwrite a trainer's work.
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "error: {} already exists; pick another id or remove the file first",
                path.display()
            );
            return EXIT_USAGE;
        }
        Err(e) => {
            eprintln!("error: cannot create {}: {e}", path.display());
            return EXIT_USAGE;
        }
    };
    if let Err(e) = file.write_all(new_scenario(&args.id, &locales).as_bytes()) {
        eprintln!("error: cannot write {}: {e}", path.display());
        return EXIT_USAGE;
    }
    let shown = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
    println!("wrote {}", shown.display());
    println!(
        "next: edit it, then `courtesy validate {}` and `courtesy check {}`",
        path.display(),
        path.display()
    );
    EXIT_OK
}
