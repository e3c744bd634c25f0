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
