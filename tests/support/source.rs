//! The project's own Rust sources, read as text, for tests that check what the code says
//! (import graphs, environment reads).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir` (recursively), with its path relative to `dir` and its
/// text, sorted by path. A folder that cannot be listed is skipped; a file that cannot be
/// read fails the test.
pub fn rust_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text =
                    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                let rel = p.strip_prefix(dir).unwrap_or(&p).to_path_buf();
                out.push((rel, text));
            }
        }
    }
    out.sort();
    out
}
