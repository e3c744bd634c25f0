//! Finding the scenario(s) a command names: a path to a `.ron` file, or an id in a folder.
//! Scenarios must pass validation; errors say what to run to see why.

use crate::core::library::{Library, LibraryError, LoadedScenario, resolve_scenario};
use std::path::{Path, PathBuf};

/// Resolves `arg` (a path, or an id in `dir`, default `scenarios/`).
pub fn resolve(arg: &str, dir: Option<&Path>) -> Result<LoadedScenario, LibraryError> {
    let dir = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(super::default_scenarios_dir);
    resolve_scenario(arg, &dir)
}

/// Resolves each of `args` like [`resolve`]; with no args, every valid scenario in `dir`
/// (default `scenarios/`), sorted by file name. Files with errors are skipped with a
/// note on stderr.
pub fn resolve_many(
    args: &[String],
    dir: Option<&Path>,
) -> Result<Vec<LoadedScenario>, LibraryError> {
    if !args.is_empty() {
        return args.iter().map(|a| resolve(a, dir)).collect();
    }
    let dir: PathBuf = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(super::default_scenarios_dir);
    let lib = Library::load_dir(&dir)?;
    for f in lib.report.files.iter().filter(|f| f.has_errors()) {
        eprintln!(
            "note: skipping {}, which has errors (run `courtesy validate {}`)",
            f.path.display(),
            f.path.display()
        );
    }
    Ok(lib.scenarios)
}
