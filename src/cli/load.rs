//! Finding the scenario(s) a command names: a path to a `.ron` file, or an id among the station's scenarios.
//! Scenarios must pass validation; errors say what to run to see why.

use crate::core::library::{
    Library, LibraryError, LoadedScenario, Source, find_id, looks_like_path,
};
use crate::station::StationConfig;
use std::path::Path;

/// The scenario sources of a command: the embedded scenarios (unless the station turns
/// them off), then `folder` if the command was given `--scenarios DIR`, else the
/// station's configured folders.
pub(crate) fn sources(station: &StationConfig, folder: Option<&Path>) -> Vec<Source> {
    station.sources_with(folder)
}

/// Resolves `arg` (a path, or an id among [`sources`]`(station, dir)`).
pub(crate) fn resolve(
    station: &StationConfig,
    arg: &str,
    dir: Option<&Path>,
) -> Result<LoadedScenario, LibraryError> {
    crate::core::library::resolve_in(arg, &sources(station, dir))
}

/// Resolves each of `args` like [`resolve`] (the library is read once); with no args,
/// every valid scenario of [`sources`]`(station, dir)`. Files with errors are skipped with a note
/// on stderr.
pub(crate) fn resolve_many(
    station: &StationConfig,
    args: &[String],
    dir: Option<&Path>,
) -> Result<Vec<LoadedScenario>, LibraryError> {
    let sources = sources(station, dir);
    if !args.is_empty() {
        let mut lib: Option<Library> = None;
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            if looks_like_path(a) {
                out.push(crate::core::library::resolve_in(a, &sources)?);
                continue;
            }
            if lib.is_none() {
                lib = Some(Library::load_strict(&sources)?);
            }
            if let Some(lib) = &lib {
                out.push(find_id(lib, a, &sources)?);
            }
        }
        return Ok(out);
    }
    let lib = Library::load_strict(&sources)?;
    for f in lib.report.files.iter().filter(|f| f.has_errors()) {
        eprintln!(
            "note: skipping {}, which has errors (run `courtesy validate {}`)",
            f.path.display(),
            f.path.display()
        );
    }
    Ok(lib.scenarios)
}
