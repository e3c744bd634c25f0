//! Build script: embeds the shipped scenarios (scenarios/*.ron) in the binary.
//!
//! It writes `$OUT_DIR/embedded_scenarios.rs`, a list of `include_bytes!` of every
//! `scenarios/*.ron` sorted by name, included by `src/station/embedded.rs`. Cargo reruns
//! it when anything in `scenarios/` changes, including a file added or removed (a proc
//! macro such as `include_dir!` does not see added files on stable Rust).

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=scenarios");
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let dir = manifest.join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron") && p.is_file())
        .collect();
    files.sort();
    let mut out = String::from("&[\n");
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_else(|| panic!("scenario file name is not UTF-8: {}", path.display()));
        // The path is spelled from `CARGO_MANIFEST_DIR` when the crate compiles, not
        // written out here: rustc tracks that variable, so a build tree reused by another
        // checkout (a worktree, a moved clone) reads that checkout's files instead of
        // naming the first one's (which cargo does not rerun this script for).
        let _ = writeln!(
            out,
            "    crate::core::library::EmbeddedFile {{ name: {name:?}, bytes: include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/scenarios/\", {name:?})) }},"
        );
    }
    out.push(']');
    let target = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("embedded_scenarios.rs");
    // Write a new file and rename it over the old one: a target directory copied with
    // hard links (`cp -al`) shares the old file's inode with the copy, and writing in
    // place would change the other tree's build too.
    let fresh = target.with_extension("rs.new");
    std::fs::write(&fresh, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", fresh.display()));
    std::fs::rename(&fresh, &target).unwrap_or_else(|e| {
        panic!(
            "cannot rename {} to {}: {e}",
            fresh.display(),
            target.display()
        )
    });
}
