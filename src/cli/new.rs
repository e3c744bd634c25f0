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
    /// Folder to write `ID.ron` into (default: scenarios/).
    #[arg(long)]
    pub dir: Option<PathBuf>,
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
    let dir = args.dir.unwrap_or_else(super::default_scenarios_dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return EXIT_USAGE;
    }
    let path = dir.join(format!("{}.ron", args.id));
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
    println!("wrote {}", path.display());
    println!(
        "next: edit it, then `courtesy validate {}` and `courtesy check {}`",
        path.display(),
        path.display()
    );
    EXIT_OK
}
