//! Loading the scenario folder for the app, through `core::library` (validated scenarios only).

use crate::core::library::{Library, LibraryError};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// One scenario the library screen offers.
pub type CatalogEntry = crate::core::library::LoadedScenario;

/// Why the scenario folder could not be used.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("scenario folder `{0}` does not exist; pass --scenarios <DIR>")]
    MissingDir(PathBuf),
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error("no valid scenario in `{0}`; run `courtesy validate {0}` to see why")]
    Empty(PathBuf),
}

/// A file left out because it has errors (shown on stderr, not fatal).
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// Loads and validates every `*.ron` file in `dir` (sorted by file name). Files with
/// errors are left out and reported; it is an error only if nothing valid remains.
pub fn load_dir(dir: &Path) -> Result<(Vec<CatalogEntry>, Vec<Skipped>), LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::MissingDir(dir.to_path_buf()));
    }
    let library = Library::load_dir(dir)?;
    let skipped = library
        .report
        .files
        .iter()
        .filter(|f| f.has_errors())
        .map(|f| Skipped {
            path: f.path.clone(),
            reason: format!(
                "has errors; run `courtesy validate {}` to see them",
                f.path.display()
            ),
        })
        .collect();
    if library.scenarios.is_empty() {
        return Err(LoadError::Empty(dir.to_path_buf()));
    }
    Ok((library.scenarios, skipped))
}

/// Finds a scenario by id (or by file name without `.ron`).
pub fn find<'a>(entries: &'a [CatalogEntry], arg: &str) -> Option<(usize, &'a CatalogEntry)> {
    entries.iter().enumerate().find(|(_, e)| {
        e.scenario.id == arg
            || e.path
                .file_stem()
                .is_some_and(|s| s.to_string_lossy() == arg)
    })
}
