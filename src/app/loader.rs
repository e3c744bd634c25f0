//! The app's scenario catalogue, read through the one loader in `core::library` (validated scenarios only).

use crate::core::library::{Library, LibraryError, Source};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// One scenario the library screen offers.
pub type CatalogEntry = crate::core::library::LoadedScenario;

/// Why the scenarios could not be used.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error("no valid scenario in {0}; run `courtesy validate` to see why")]
    Empty(String),
}

/// A file left out because it has errors (shown on stderr, not fatal).
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// Loads and validates the scenarios of `sources` (in order; see `core::library`).
/// Files with errors are left out and reported; a missing or unreadable folder is an
/// error, and so is having nothing valid.
pub(crate) fn load_sources(
    sources: &[Source],
) -> Result<(Vec<CatalogEntry>, Vec<Skipped>), LoadError> {
    let library = Library::load_strict(sources)?;
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
        let described: Vec<String> = sources.iter().map(Source::describe).collect();
        return Err(LoadError::Empty(described.join(", ")));
    }
    Ok((library.scenarios, skipped))
}

/// Loads the one folder `dir` (no embedded scenarios), like [`load_sources`].
pub fn load_dir(dir: &Path) -> Result<(Vec<CatalogEntry>, Vec<Skipped>), LoadError> {
    load_sources(&[Source::Folder(dir.to_path_buf())])
}

/// Finds a scenario by id (or by file name without `.ron`).
pub(crate) fn find<'a>(entries: &'a [CatalogEntry], arg: &str) -> Option<&'a CatalogEntry> {
    entries.iter().find(|e| {
        e.scenario.id == arg
            || e.path
                .file_stem()
                .is_some_and(|s| s.to_string_lossy() == arg)
    })
}
