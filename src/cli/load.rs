//! Finding the scenario a command names: a path to a `.ron` file, or an id in a folder.

use crate::core::load::{content_hash, parse_str};
use crate::core::model::Scenario;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A scenario read for a command.
pub struct Loaded {
    pub scenario: Arc<Scenario>,
    pub path: PathBuf,
    pub content_hash: String,
}

/// Resolves `arg` (a path, or an id in `dir`, default `scenarios/`).
pub fn resolve(arg: &str, dir: Option<&Path>) -> Result<Loaded, String> {
    let p = Path::new(arg);
    let path = if p.is_file() {
        p.to_path_buf()
    } else {
        let dir = dir
            .map(Path::to_path_buf)
            .unwrap_or_else(super::default_scenarios_dir);
        dir.join(format!("{arg}.ron"))
    };
    let src = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let scenario = parse_str(&src).map_err(|e| format!("{}:{e}", path.display()))?;
    Ok(Loaded {
        scenario: Arc::new(scenario),
        path,
        content_hash: content_hash(&src),
    })
}

/// Resolves each of `args` like [`resolve`]; with no args, every `*.ron` in `dir`
/// (default `scenarios/`), sorted by file name.
pub fn resolve_many(args: &[String], dir: Option<&Path>) -> Result<Vec<Loaded>, String> {
    if !args.is_empty() {
        return args.iter().map(|a| resolve(a, dir)).collect();
    }
    let dir = dir.map(Path::to_path_buf).unwrap_or_else(super::default_scenarios_dir);
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        format!(
            "cannot read the scenario folder {}: {e}; pass --scenarios DIR or scenario files",
            dir.display()
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| resolve(&p.to_string_lossy(), None))
        .collect()
}
