//! The scenario library: the one loader of scenario files (embedded, folders, named paths) used by the CLI, the app and hot reload.
//!
//! A library is read from an ordered list of [`Source`]s: the scenarios embedded in the
//! binary, then the station's configured folders, or the files and folders named on the
//! command line. Within one source two files with the same scenario id are an error
//! (`E010` on the later file); across sources a valid scenario in a later source replaces
//! the one with its id from an earlier source (a trainer's copy replaces the embedded one).
//! Files with error findings are reported but kept out of [`Library::scenarios`]; a
//! missing or unreadable folder is a [`LibraryError`], returned by [`Library::load_paths`]
//! and [`Library::load_strict`] and collected in [`Library::problems`] by [`Library::load`].
//!
//! Hot reload re-reads only the files that changed ([`source_files`], [`SourceFile::report`])
//! and then puts the library together again from every file's report ([`assemble`]), so
//! the cross-file rules (duplicate ids, replacements) are always decided afresh.

use crate::diagnostics::{FileReport, ValidationReport};
use crate::load::content_hash;
use crate::model::Scenario;
use crate::validate::{check_duplicate_scenario_ids, validate_bytes};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;

/// A scenario file compiled into the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// The file name, e.g. `lost-parcel.ron`.
    pub name: &'static str,
    pub bytes: &'static [u8],
}

/// The folder-like prefix of an embedded file's path in messages: `(embedded)/lost-parcel.ron`.
pub const EMBEDDED_DIR: &str = "(embedded)";

/// Somewhere scenarios are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Files compiled into the binary.
    Embedded(&'static [EmbeddedFile]),
    /// A configured folder: every `*.ron` in it (an empty folder is fine, a missing one is not).
    Folder(PathBuf),
    /// Files and folders named on the command line, read as one source (an id twice among
    /// them is an error; a folder with no `*.ron` file is an error).
    Paths(Vec<PathBuf>),
}

impl Source {
    /// Short description for messages: `embedded`, a folder's path, or the paths named.
    pub fn describe(&self) -> String {
        match self {
            Source::Embedded(_) => "the embedded scenarios".to_string(),
            Source::Folder(p) => p.display().to_string(),
            Source::Paths(ps) => ps
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Where one scenario came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
pub enum Origin {
    /// Compiled into the binary.
    Embedded,
    /// A file in this folder.
    Folder(PathBuf),
    /// This file, named on its own.
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Embedded => f.write_str("embedded"),
            Origin::Folder(p) | Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A scenario that passed validation (it may have warnings).
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub scenario: Arc<Scenario>,
    /// The file it was read from (`(embedded)/NAME.ron` for an embedded one).
    pub path: PathBuf,
    /// Hex SHA-256 of the file's bytes (recorded with every attempt).
    pub content_hash: String,
    /// Where it came from.
    pub origin: Origin,
    /// The file's text (for locating findings; embedded files have no file to re-read).
    pub source: Arc<str>,
}

impl LoadedScenario {
    /// The scenario of a report without errors (none if it has errors or no scenario).
    pub fn from_report(report: &FileReport, origin: Origin) -> Option<LoadedScenario> {
        if report.has_errors() {
            return None;
        }
        report.scenario.as_ref().map(|s| LoadedScenario {
            scenario: Arc::clone(s),
            path: report.path.clone(),
            content_hash: content_hash(&report.source),
            origin,
            source: Arc::from(report.source.as_str()),
        })
    }
}

/// Why scenarios could not be loaded at all (as opposed to findings in a file).
#[derive(Debug, Error)]
pub enum LibraryError {
    #[error(
        "`{}` does not exist; pass a scenario file (.ron) or a folder of them (the default is scenarios/)",
        path.display()
    )]
    NotFound { path: PathBuf },
    #[error(
        "scenario folder `{}` does not exist; create it, or remove it from the station's scenario folders (`courtesy config` shows where it is set)",
        path.display()
    )]
    FolderNotFound { path: PathBuf },
    #[error(
        "scenario folder `{}` is a file, not a folder; give the folder that holds the .ron files",
        path.display()
    )]
    NotAFolder { path: PathBuf },
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
    #[error("no scenario `{arg}` in {looked_in}; known scenario ids: {}", if known.is_empty() { "(none)".to_string() } else { known.join(", ") })]
    UnknownScenario {
        arg: String,
        /// The sources searched, e.g. "the embedded scenarios, /srv/scenarios".
        looked_in: String,
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

/// A valid scenario of a later source that replaced one from an earlier source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub id: String,
    /// The file that now provides the scenario.
    pub by: PathBuf,
    /// Where the replaced scenario came from.
    pub was: Origin,
}

/// The scenarios found in some sources, and the validation report on all of them.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// The valid scenarios, in source order (folders sorted by file name); a replacing
    /// scenario takes the place of the one it replaces.
    pub scenarios: Vec<LoadedScenario>,
    /// Findings on every file read, including those left out of `scenarios`.
    pub report: ValidationReport,
    /// Scenarios that replaced one of the same id from an earlier source.
    pub replaced: Vec<Replaced>,
    /// Sources (or files) that could not be read at all ([`Library::load`] only).
    pub problems: Vec<Arc<LibraryError>>,
}

impl Library {
    /// Loads every `*.ron` file in `dir` (sorted by name).
    pub fn load_dir(dir: &Path) -> Result<Library, LibraryError> {
        Library::load_paths(&[dir.to_path_buf()])
    }

    /// Loads the given files and folders as one source (a folder means every `*.ron` in
    /// it, sorted). A file named twice is read once. Any unreadable path is an error.
    pub fn load_paths(paths: &[PathBuf]) -> Result<Library, LibraryError> {
        Library::load_strict(&[Source::Paths(paths.to_vec())])
    }

    /// Loads `sources` in order; the first source or file that cannot be read is an error.
    pub fn load_strict(sources: &[Source]) -> Result<Library, LibraryError> {
        let mut groups = Vec::with_capacity(sources.len());
        for source in sources {
            let mut group = Vec::new();
            for file in source_files(source)? {
                let report = file.report().map_err(|source| LibraryError::Unreadable {
                    path: file.path.clone(),
                    source,
                })?;
                group.push((file.origin, report));
            }
            groups.push(group);
        }
        Ok(assemble(groups))
    }

    /// Loads `sources` in order, reading what can be read: a missing folder or an
    /// unreadable file goes into [`Library::problems`] and the rest is still loaded.
    pub fn load(sources: &[Source]) -> Library {
        let mut groups = Vec::with_capacity(sources.len());
        let mut problems = Vec::new();
        for source in sources {
            let mut group = Vec::new();
            match source_files(source) {
                Ok(files) => {
                    for file in files {
                        match file.report() {
                            Ok(report) => group.push((file.origin, report)),
                            Err(source) => problems.push(Arc::new(LibraryError::Unreadable {
                                path: file.path.clone(),
                                source,
                            })),
                        }
                    }
                }
                Err(e) => problems.push(Arc::new(e)),
            }
            groups.push(group);
        }
        let mut lib = assemble(groups);
        lib.problems = problems;
        lib
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

/// Puts a library together from every file's report, grouped by source in source
/// order: duplicate ids within a group become `E010` errors (on a fresh copy of each
/// report: the cross-file rules are decided anew on every call), and a valid scenario of
/// a later group replaces the one with its id from an earlier group.
pub fn assemble(groups: Vec<Vec<(Origin, FileReport)>>) -> Library {
    let mut scenarios: Vec<LoadedScenario> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut replaced = Vec::new();
    let mut files = Vec::new();
    for group in groups {
        let (origins, mut reports): (Vec<Origin>, Vec<FileReport>) = group.into_iter().unzip();
        check_duplicate_scenario_ids(&mut reports);
        for (origin, report) in origins.into_iter().zip(&reports) {
            let Some(loaded) = LoadedScenario::from_report(report, origin) else {
                continue;
            };
            let id = loaded.scenario.id.clone();
            match index.get(&id) {
                Some(&i) => {
                    replaced.push(Replaced {
                        id,
                        by: loaded.path.clone(),
                        was: scenarios[i].origin.clone(),
                    });
                    scenarios[i] = loaded;
                }
                None => {
                    index.insert(id, scenarios.len());
                    scenarios.push(loaded);
                }
            }
        }
        files.extend(reports);
    }
    Library {
        scenarios,
        report: ValidationReport { files },
        replaced,
        problems: Vec::new(),
    }
}

/// One scenario file of a source, not yet read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub origin: Origin,
    embedded: Option<&'static [u8]>,
}

impl SourceFile {
    /// Whether the file is compiled into the binary (it never changes).
    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    /// Reads and validates the file (on its own: see [`assemble`] for the cross-file rules).
    pub fn report(&self) -> Result<FileReport, std::io::Error> {
        match self.embedded {
            Some(bytes) => Ok(validate_bytes(&self.path, bytes)),
            None => std::fs::read(&self.path).map(|bytes| validate_bytes(&self.path, &bytes)),
        }
    }
}

/// The scenario files of `source`, in the order they are read (sorted by file name
/// within a folder).
pub fn source_files(source: &Source) -> Result<Vec<SourceFile>, LibraryError> {
    match source {
        Source::Embedded(files) => Ok(files
            .iter()
            .map(|f| SourceFile {
                path: Path::new(EMBEDDED_DIR).join(f.name),
                origin: Origin::Embedded,
                embedded: Some(f.bytes),
            })
            .collect()),
        Source::Folder(dir) => {
            let meta = std::fs::metadata(dir).map_err(|source| {
                if source.kind() == std::io::ErrorKind::NotFound {
                    LibraryError::FolderNotFound { path: dir.clone() }
                } else {
                    LibraryError::Unreadable {
                        path: dir.clone(),
                        source,
                    }
                }
            })?;
            if !meta.is_dir() {
                return Err(LibraryError::NotAFolder { path: dir.clone() });
            }
            Ok(ron_files(dir)?
                .into_iter()
                .map(|path| SourceFile {
                    path,
                    origin: Origin::Folder(dir.clone()),
                    embedded: None,
                })
                .collect())
        }
        Source::Paths(paths) => named_files(paths),
    }
}

/// The `*.ron` files directly in `dir`, sorted by name.
fn ron_files(dir: &Path) -> Result<Vec<PathBuf>, LibraryError> {
    let unreadable = |source| LibraryError::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let p = entry.map_err(unreadable)?.path();
        if p.extension().is_some_and(|e| e == "ron") && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Expands `paths` into the scenario files to read: files as given, folders into their
/// `*.ron` files sorted by name; duplicates dropped.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LibraryError> {
    Ok(named_files(paths)?.into_iter().map(|f| f.path).collect())
}

fn named_files(paths: &[PathBuf]) -> Result<Vec<SourceFile>, LibraryError> {
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
        let mut add = |p: PathBuf, origin: Origin| {
            let key = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
            if seen.insert(key) {
                out.push(SourceFile {
                    path: p,
                    origin,
                    embedded: None,
                });
            }
        };
        if meta.is_dir() {
            let files = ron_files(path)?;
            if files.is_empty() {
                return Err(LibraryError::NoScenarioFiles { dir: path.clone() });
            }
            for f in files {
                add(f, Origin::Folder(path.clone()));
            }
        } else {
            add(path.clone(), Origin::File(path.clone()));
        }
    }
    Ok(out)
}

/// What a command-line scenario argument means: a path to a `.ron` file?
pub fn looks_like_path(arg: &str) -> bool {
    arg.ends_with(".ron") || arg.contains('/') || arg.contains('\\') || Path::new(arg).is_file()
}

/// Resolves a command-line scenario argument: a path to a `.ron` file, or the id of a
/// scenario in `sources` (any source that cannot be read is an error). The scenario
/// must pass validation.
pub fn resolve_in(arg: &str, sources: &[Source]) -> Result<LoadedScenario, LibraryError> {
    if looks_like_path(arg) {
        let as_path = Path::new(arg);
        let lib = Library::load_paths(&[as_path.to_path_buf()])?;
        return single(lib, as_path);
    }
    let lib = Library::load_strict(sources)?;
    find_id(&lib, arg, sources)
}

/// The valid scenario `arg` (id, or file name without `.ron`) in `lib`, or why not.
pub fn find_id(
    lib: &Library,
    arg: &str,
    sources: &[Source],
) -> Result<LoadedScenario, LibraryError> {
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
        looked_in: sources
            .iter()
            .map(Source::describe)
            .collect::<Vec<_>>()
            .join(", "),
        known: lib.ids().into_iter().map(str::to_string).collect(),
    })
}

/// Resolves a command-line scenario argument: a path to a `.ron` file, or the id of a
/// scenario in the folder `dir`. The scenario must pass validation.
pub fn resolve_scenario(arg: &str, dir: &Path) -> Result<LoadedScenario, LibraryError> {
    resolve_in(arg, &[Source::Paths(vec![dir.to_path_buf()])])
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

    const CASE: &str = include_str!("../../../tests/fixtures/scoring-case.ron");
    static EMBEDDED: &[EmbeddedFile] = &[EmbeddedFile {
        name: "case.ron",
        bytes: CASE.as_bytes(),
    }];

    #[test]
    fn a_folder_replaces_an_embedded_scenario_with_the_same_id()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let edited = CASE.replace("\"en\": \"Solved.\"", "\"en\": \"Solved, thanks!\"");
        assert_ne!(edited, CASE);
        std::fs::write(dir.path().join("mine.ron"), &edited)?;
        let other = CASE.replace("id: \"scoring-case\"", "id: \"other-case\"");
        std::fs::write(dir.path().join("other.ron"), other)?;
        let sources = [
            Source::Embedded(EMBEDDED),
            Source::Folder(dir.path().into()),
        ];
        let lib = Library::load_strict(&sources)?;
        assert_eq!(lib.ids(), ["scoring-case", "other-case"]);
        let case = lib.get("scoring-case").ok_or("missing")?;
        assert_eq!(case.origin, Origin::Folder(dir.path().into()));
        assert!(case.path.ends_with("mine.ron"));
        assert_eq!(lib.replaced.len(), 1);
        assert_eq!(lib.replaced[0].was, Origin::Embedded);
        assert!(!lib.report.has_errors(), "a replacement is no error");
        // Without the folder the embedded one is served, from memory.
        let lib = Library::load_strict(&sources[..1])?;
        let case = lib.get("scoring-case").ok_or("missing")?;
        assert_eq!(case.origin, Origin::Embedded);
        assert_eq!(&*case.source, CASE);
        assert!(case.path.starts_with(EMBEDDED_DIR));
        Ok(())
    }

    #[test]
    fn an_id_twice_in_one_folder_is_an_error_and_a_broken_copy_replaces_nothing()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("a.ron"), CASE)?;
        std::fs::write(dir.path().join("b.ron"), CASE)?;
        let lib = Library::load_strict(&[Source::Folder(dir.path().into())])?;
        assert_eq!(lib.scenarios.len(), 1);
        assert_eq!(lib.report.errors(), 1, "E010 on b.ron");
        let dir2 = tempfile::tempdir()?;
        std::fs::write(
            dir2.path().join("case.ron"),
            CASE.replace("start: \"s1\"", "start: \"x\""),
        )?;
        let lib = Library::load_strict(&[
            Source::Embedded(EMBEDDED),
            Source::Folder(dir2.path().into()),
        ])?;
        assert_eq!(
            lib.get("scoring-case").map(|s| &s.origin),
            Some(&Origin::Embedded)
        );
        assert!(lib.report.has_errors());
        Ok(())
    }

    #[test]
    fn a_missing_or_wrong_folder_is_a_clear_error() -> Result<(), Box<dyn std::error::Error>> {
        let sources = [
            Source::Embedded(EMBEDDED),
            Source::Folder("/no/such/share".into()),
        ];
        let msg = Library::load_strict(&sources)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            msg.contains("/no/such/share") && msg.contains("does not exist"),
            "{msg}"
        );
        // The lenient load keeps what it can read and lists the problem.
        let lib = Library::load(&sources);
        assert_eq!(lib.ids(), ["scoring-case"]);
        assert_eq!(lib.problems.len(), 1);
        let file = tempfile::NamedTempFile::new()?;
        let e = Library::load_strict(&[Source::Folder(file.path().into())]).err();
        assert!(matches!(e, Some(LibraryError::NotAFolder { .. })), "{e:?}");
        // An empty configured folder is fine (a trainer's new folder).
        let empty = tempfile::tempdir()?;
        assert!(
            Library::load_strict(&[Source::Folder(empty.path().into())])?
                .scenarios
                .is_empty()
        );
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
