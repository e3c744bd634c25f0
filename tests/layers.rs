//! The dependency rule, checked on Cargo's resolved graph: the scenario engine
//! (`courtesy-engine`) never reaches bevy, egui, SQLite, HTTP or argon2, and records + LRS
//! (`courtesy-records`) never reach bevy or egui, not even through another crate.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::process::Command;

/// What the engine must never depend on (directly or transitively).
const NOT_IN_ENGINE: &[&str] = &["bevy", "bevy_egui", "egui", "rusqlite", "ureq", "argon2"];
/// What records + xAPI + LRS must never depend on.
const NOT_IN_RECORDS: &[&str] = &["bevy", "bevy_egui", "egui"];

/// `cargo metadata` for this workspace (default features, as `cargo build` resolves them).
fn metadata() -> Value {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--manifest-path",
            manifest,
        ])
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

/// The package graph: package id → (name, ids of its normal and build dependencies).
/// Dev-dependencies are left out: they are not part of what a crate links.
fn graph(meta: &Value) -> BTreeMap<String, (String, Vec<String>)> {
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut out = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().expect("resolve.nodes") {
        let id = node["id"].as_str().unwrap();
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].as_str() != Some("dev"))
            })
            .map(|d| d["pkg"].as_str().unwrap().to_string())
            .collect();
        out.insert(id.to_string(), (names[id].to_string(), deps));
    }
    out
}

/// Every forbidden package `root` reaches, each with the dependency chain that reaches it
/// (`courtesy-engine -> foo -> bevy`).
fn forbidden_reached(meta: &Value, root: &str, forbidden: &[&str]) -> Vec<String> {
    let g = graph(meta);
    let start = g
        .iter()
        .find(|(_, (name, _))| name == root)
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("package {root} is not in the workspace graph"));
    let mut parent: BTreeMap<String, String> = BTreeMap::new();
    let mut seen = BTreeSet::from([start.clone()]);
    let mut queue = VecDeque::from([start]);
    let mut found = Vec::new();
    while let Some(id) = queue.pop_front() {
        let (name, deps) = &g[&id];
        if forbidden.contains(&name.as_str()) {
            let mut chain = vec![name.clone()];
            let mut at = &id;
            while let Some(p) = parent.get(at) {
                chain.push(g[p].0.clone());
                at = p;
            }
            chain.reverse();
            found.push(chain.join(" -> "));
        }
        for d in deps {
            if seen.insert(d.clone()) {
                parent.insert(d.clone(), id.clone());
                queue.push_back(d.clone());
            }
        }
    }
    found
}

/// Dependencies a package's manifest declares, optional ones included (an optional
/// `bevy` behind a feature is a breach even while no build turns the feature on).
fn declared(meta: &Value, package: &str) -> Vec<String> {
    let p = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == package)
        .unwrap_or_else(|| panic!("package {package} is not in the workspace"));
    p["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"].as_str() != Some("dev"))
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn engine_reaches_no_ui_sqlite_http_or_argon2() {
    let meta = metadata();
    let reached = forbidden_reached(&meta, "courtesy-engine", NOT_IN_ENGINE);
    assert!(
        reached.is_empty(),
        "the scenario engine must not depend on {NOT_IN_ENGINE:?}; it reaches:\n{}",
        reached.join("\n")
    );
    let declared: Vec<_> = declared(&meta, "courtesy-engine")
        .into_iter()
        .filter(|d| NOT_IN_ENGINE.contains(&d.as_str()))
        .collect();
    assert!(
        declared.is_empty(),
        "crates/engine/Cargo.toml declares {declared:?}"
    );
}

#[test]
fn records_reach_no_ui() {
    let meta = metadata();
    let reached = forbidden_reached(&meta, "courtesy-records", NOT_IN_RECORDS);
    assert!(
        reached.is_empty(),
        "records + LRS must not depend on {NOT_IN_RECORDS:?}; they reach:\n{}",
        reached.join("\n")
    );
    let declared: Vec<_> = declared(&meta, "courtesy-records")
        .into_iter()
        .filter(|d| NOT_IN_RECORDS.contains(&d.as_str()))
        .collect();
    assert!(
        declared.is_empty(),
        "crates/records/Cargo.toml declares {declared:?}"
    );
}

/// The check sees what is really there: records do reach SQLite and HTTP, the engine does
/// not, and the app package (default features) reaches egui through bevy_egui.
#[test]
fn the_walk_finds_dependencies_that_are_there() {
    let meta = metadata();
    let records = forbidden_reached(&meta, "courtesy-records", &["rusqlite", "ureq", "argon2"]);
    assert_eq!(records.len(), 3, "{records:?}");
    assert!(records.contains(&"courtesy-records -> rusqlite".to_string()));
    assert!(forbidden_reached(&meta, "courtesy-records", &["courtesy-engine"]).len() == 1);
    let engine = forbidden_reached(&meta, "courtesy-engine", &["courtesy-records", "clap"]);
    assert!(engine.is_empty(), "{engine:?}");
    let app = forbidden_reached(&meta, "courtesy", &["egui"]);
    assert!(
        app.iter().any(|c| c.contains("bevy_egui -> egui")),
        "a transitive dependency is found with its chain: {app:?}"
    );
}
