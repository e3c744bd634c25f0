//! The scenario library: finding, reading and validating scenario files, and looking scenarios up.
//!
//! Used by every CLI command and by the app. Files with error findings are reported but
//! kept out of [`Library::scenarios`]; a missing or unreadable path is a [`LibraryError`].

use crate::diagnostics::ValidationReport;
use crate::load::content_hash;
use crate::model::Scenario;
use crate::validate::{check_duplicate_scenario_ids, validate_bytes};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;

/// A scenario that passed validation (it may have warnings).
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub scenario: Arc<Scenario>,
    /// The file it was read from.
    pub path: PathBuf,
    /// Hex SHA-256 of the file's bytes (recorded with every attempt).
    pub content_hash: String,
}

/// Why scenarios could not be loaded at all (as opposed to findings in a file).
#[derive(Debug, Error)]
pub enum LibraryError {
    #[error(
        "`{}` does not exist; pass a scenario file (.ron) or a folder of them (the default is scenarios/)",
        path.display()
    )]
    NotFound { path: PathBuf },
    #[error("cannot read `{}`: {source}; check that it exists and that you may read it", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "no scenario files (*.ron) in `{}`; add one (see docs/scenario-format.md) or pass the folder that has them",
        dir.display()
    )]
    NoScenarioFiles { dir: PathBuf },
    #[error("no scenario `{arg}` in `{}`; known scenario ids: {}", dir.display(), if known.is_empty() { "(none)".to_string() } else { known.join(", ") })]
    UnknownScenario {
        arg: String,
        dir: PathBuf,
        known: Vec<String>,
    },
    #[error(
        "`{}` has {errors} error(s); run `courtesy validate {}` to see them",
        path.display(),
        path.display()
    )]
    Invalid {
        path: PathBuf,
        errors: usize,
        report: Box<ValidationReport>,
    },
}

/// The scenarios found in some files or folders, and the validation report on all of them.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// The valid scenarios, in file order (folders sorted by file name).
    pub scenarios: Vec<LoadedScenario>,
    /// Findings on every file read, including those left out of `scenarios`.
    pub report: ValidationReport,
}

impl Library {
    /// Loads every `*.ron` file in `dir` (sorted by name).
    pub fn load_dir(dir: &Path) -> Result<Library, LibraryError> {
        Library::load_paths(&[dir.to_path_buf()])
    }

    /// Loads the given files and folders (a folder means every `*.ron` in it, sorted).
    /// A file named twice is read once.
    pub fn load_paths(paths: &[PathBuf]) -> Result<Library, LibraryError> {
        let files = scenario_files(paths)?;
        let mut reports = Vec::with_capacity(files.len());
        for path in files {
            let bytes = std::fs::read(&path).map_err(|source| LibraryError::Unreadable {
                path: path.clone(),
                source,
            })?;
            reports.push(validate_bytes(&path, &bytes));
        }
        check_duplicate_scenario_ids(&mut reports);
        let scenarios = reports
            .iter()
            .filter(|r| !r.has_errors())
            .filter_map(|r| {
                r.scenario.as_ref().map(|s| LoadedScenario {
                    scenario: Arc::clone(s),
                    path: r.path.clone(),
                    content_hash: content_hash(&r.source),
                })
            })
            .collect();
        Ok(Library {
            scenarios,
            report: ValidationReport { files: reports },
        })
    }

    /// The valid scenario with `id`.
    pub fn get(&self, id: &str) -> Option<&LoadedScenario> {
        self.scenarios.iter().find(|s| s.scenario.id == id)
    }

    /// The ids of the valid scenarios, in library order.
    pub fn ids(&self) -> Vec<&str> {
        self.scenarios
            .iter()
            .map(|s| s.scenario.id.as_str())
            .collect()
    }
}

/// Expands `paths` into the scenario files to read: files as given, folders into their
/// `*.ron` files sorted by name; duplicates dropped.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LibraryError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                LibraryError::NotFound { path: path.clone() }
            } else {
                LibraryError::Unreadable {
                    path: path.clone(),
                    source,
                }
            }
        })?;
        let mut add = |p: PathBuf| {
            let key = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
            if seen.insert(key) {
                out.push(p);
            }
        };
        if meta.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| LibraryError::Unreadable {
                path: path.clone(),
                source,
            })?;
            let mut files = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|source| LibraryError::Unreadable {
                    path: path.clone(),
                    source,
                })?;
                let p = entry.path();
                if p.extension().is_some_and(|e| e == "ron") && p.is_file() {
                    files.push(p);
                }
            }
            if files.is_empty() {
                return Err(LibraryError::NoScenarioFiles { dir: path.clone() });
            }
            files.sort();
            files.into_iter().for_each(&mut add);
        } else {
            add(path.clone());
        }
    }
    Ok(out)
}

/// Resolves a command-line scenario argument: a path to a `.ron` file, or the id of a
/// scenario in `dir`. The scenario must pass validation.
pub fn resolve_scenario(arg: &str, dir: &Path) -> Result<LoadedScenario, LibraryError> {
    let as_path = Path::new(arg);
    let looks_like_path = arg.ends_with(".ron") || arg.contains('/') || arg.contains('\\');
    if looks_like_path || as_path.is_file() {
        let lib = Library::load_paths(&[as_path.to_path_buf()])?;
        return single(lib, as_path);
    }
    let lib = Library::load_dir(dir)?;
    if let Some(found) = lib.get(arg) {
        return Ok(found.clone());
    }
    // The id may belong to a file that failed validation: say so rather than "unknown".
    let invalid = lib.report.files.iter().find(|f| {
        f.has_errors()
            && (f.scenario.as_ref().is_some_and(|s| s.id == arg)
                || f.path.file_stem().is_some_and(|s| s == arg))
    });
    if let Some(f) = invalid {
        return Err(LibraryError::Invalid {
            path: f.path.clone(),
            errors: f.count(crate::diagnostics::Severity::Error),
            report: Box::new(ValidationReport {
                files: vec![f.clone()],
            }),
        });
    }
    Err(LibraryError::UnknownScenario {
        arg: arg.to_string(),
        dir: dir.to_path_buf(),
        known: lib.ids().into_iter().map(str::to_string).collect(),
    })
}

fn single(lib: Library, path: &Path) -> Result<LoadedScenario, LibraryError> {
    if let Some(s) = lib.scenarios.into_iter().next() {
        return Ok(s);
    }
    let errors = lib.report.errors();
    Err(LibraryError::Invalid {
        path: path.to_path_buf(),
        errors,
        report: Box::new(lib.report),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_paths_are_errors_with_advice() {
        let e = Library::load_dir(Path::new("/definitely/not/here")).err();
        let msg = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("/definitely/not/here") && msg.contains("does not exist"),
            "{msg}"
        );
    }

    #[test]
    fn empty_folder_is_an_error() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let e = Library::load_dir(dir.path()).err();
        assert!(matches!(e, Some(LibraryError::NoScenarioFiles { .. })));
        Ok(())
    }

    #[test]
    fn unknown_id_lists_known_ids() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("broken.ron"), "(id: ")?;
        let e = resolve_scenario("nope", dir.path()).err();
        let msg = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("no scenario `nope`") && msg.contains("(none)"),
            "{msg}"
        );
        let e = resolve_scenario("broken", dir.path()).err();
        assert!(
            matches!(e, Some(LibraryError::Invalid { errors: 1, .. })),
            "{e:?}"
        );
        Ok(())
    }
}
