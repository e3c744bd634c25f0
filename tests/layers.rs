//! The dependency rule, checked on Cargo's resolved graph: the scenario engine
//! (`courtesy-engine`) never reaches bevy, egui, SQLite, HTTP or argon2, and records + LRS
//! (`courtesy-records`) never reach bevy or egui, not even through another crate; the CPU
//! painter (`courtesy-softpaint`) declares egui (and thiserror) only and reaches no bevy,
//! GPU or window crate.

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::process::Command;

/// What the engine must never depend on (directly or transitively).
const NOT_IN_ENGINE: &[&str] = &["bevy", "bevy_egui", "egui", "rusqlite", "ureq", "argon2"];
/// What records + xAPI + LRS must never depend on.
const NOT_IN_RECORDS: &[&str] = &["bevy", "bevy_egui", "egui"];
/// What the CPU painter may declare, and what it must never reach.
const SOFTPAINT_DECLARES: &[&str] = &["egui", "thiserror"];
const NOT_IN_SOFTPAINT: &[&str] = &[
    "bevy",
    "bevy_egui",
    "wgpu",
    "winit",
    "softbuffer",
    "courtesy-engine",
    "courtesy-records",
    "rusqlite",
    "ureq",
];

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

#[test]
fn softpaint_depends_on_egui_only() {
    let meta = metadata();
    let extra: Vec<_> = declared(&meta, "courtesy-softpaint")
        .into_iter()
        .filter(|d| !SOFTPAINT_DECLARES.contains(&d.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "crates/softpaint/Cargo.toml may declare only {SOFTPAINT_DECLARES:?}; it also declares {extra:?}"
    );
    let reached = forbidden_reached(&meta, "courtesy-softpaint", NOT_IN_SOFTPAINT);
    assert!(
        reached.is_empty(),
        "the CPU painter must not depend on {NOT_IN_SOFTPAINT:?}; it reaches:\n{}",
        reached.join("\n")
    );
    // The walk sees its one real dependency.
    let egui = forbidden_reached(&meta, "courtesy-softpaint", &["egui"]);
    assert_eq!(egui, ["courtesy-softpaint -> egui"]);
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

// ---------------------------------------------------------------------------------------
// Inside the app (src/app): the modules' import graph, read from the source text.
// Screens depend on flow, widgets and theme, never the reverse; flow knows no screen and
// no recording; the records side builds no screen's view model; no two modules import
// each other, directly or round a longer circle. And the app does not know clap: the
// command line parses its options (src/cli/app.rs) and passes plain values in.

use std::path::Path;
use support::source::rust_files;

/// The source with `//` comments (doc comments too) removed: a link in a doc comment
/// is not an import.
fn code_only(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            // Not inside a string literal on that line (a rough but sufficient test here).
            Some(i) if l[..i].matches('"').count() % 2 == 0 => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The app's top-level module a file belongs to: `screens/library.rs` → `screens`,
/// `flow.rs` → `flow`, `mod.rs` → `mod`.
fn top_module(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// The names an import of `crate::app::…` brings in at the top level: the `x` in
/// `crate::app::x::…` and every `x` in `crate::app::{x, y::z, …}`.
fn app_imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices("crate::app::") {
        let rest = &code[at + "crate::app::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of the group: split at commas outside nested braces.
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.insert(ident(group[start..i].trim()));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(ident(group[start..i].trim()));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|n| !n.is_empty());
    out
}

/// The app's module graph: top-level module → the top-level modules it imports.
/// A submodule's imports count for its top-level module (`screens/library.rs` for
/// `screens`); `mod.rs`, which declares and wires the modules, is left out.
fn app_graph(app_dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files = rust_files(app_dir);
    let modules: BTreeSet<String> = files.iter().map(|(p, _)| top_module(p)).collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in &files {
        let m = top_module(rel);
        if m == "mod" {
            continue;
        }
        let deps = g.entry(m.clone()).or_default();
        for d in app_imports(&code_only(text)) {
            if d != m && modules.contains(&d) && d != "mod" {
                deps.insert(d);
            }
        }
    }
    g
}

/// Every import circle of `g` (its strongly connected components of two or more).
fn circles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Two modules are in one circle when each reaches the other.
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(m) = todo.pop() {
            for d in g.get(&m).into_iter().flatten() {
                if seen.insert(d.clone()) {
                    todo.push(d.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> = g.keys().map(|m| (m, reach(m))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut placed = BTreeSet::new();
    for m in g.keys() {
        if placed.contains(m) {
            continue;
        }
        let circle: Vec<String> = g
            .keys()
            .filter(|o| *o == m || (reached[m].contains(*o) && reached[*o].contains(m)))
            .cloned()
            .collect();
        if circle.len() > 1 {
            placed.extend(circle.iter().cloned());
            out.push(circle);
        }
    }
    out
}

/// What the rule forbids: (module, modules it must not import).
const APP_RULES: &[(&str, &[&str])] = &[
    // Screens depend on flow, widgets and theme, never the reverse.
    ("theme", &["screens"]),
    ("widgets", &["screens"]),
    ("sets", &["screens"]),
    // The state machine knows no screen, no recording, no author or reload machinery.
    (
        "flow",
        &[
            "screens",
            "records",
            "author",
            "hot_reload",
            "manager",
            "theme",
        ],
    ),
    // The records side builds no screen's view model.
    ("records", &["screens"]),
    ("sync_status", &["screens"]),
    // Reload is below author mode: author reacts to what a reload did.
    ("hot_reload", &["author", "screens"]),
];

/// Every breach of the app's layering in the tree at `app_dir`, one line each.
fn app_breaches(app_dir: &Path) -> Vec<String> {
    let g = app_graph(app_dir);
    let mut out = Vec::new();
    for (module, banned) in APP_RULES {
        for b in *banned {
            if g.get(*module).is_some_and(|d| d.contains(*b)) {
                out.push(format!("app::{module} imports app::{b}"));
            }
        }
    }
    for c in circles(&g) {
        out.push(format!("import circle: {}", c.join(" <-> ")));
    }
    for (rel, text) in rust_files(app_dir) {
        if code_only(&text).contains("clap") {
            out.push(format!(
                "src/app/{} uses clap (argument parsing belongs in src/cli)",
                rel.display()
            ));
        }
    }
    out
}

#[test]
fn app_modules_follow_the_layers_and_import_in_no_circle() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
    let breaches = app_breaches(&app);
    assert!(
        breaches.is_empty(),
        "the app's layering is broken (screens depend on flow, widgets and theme, never \
         the reverse; see docs/design.md):\n{}",
        breaches.join("\n")
    );
    // The check reads a real graph: screens do import flow and theme.
    let g = app_graph(&app);
    assert!(
        g["screens"].contains("flow") && g["screens"].contains("theme"),
        "{g:?}"
    );
}

/// The check finds what it is there to find, on a small tree written for it: a theme
/// that joins a screens set, flow holding a records type, a doc-comment mention (not an
/// import), a grouped import, a circle of three and clap in the app.
#[test]
fn the_app_check_finds_breaches_and_circles() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let write = |rel: &str, text: &str| {
        let p = tmp.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dir");
        std::fs::write(p, text).expect("write");
    };
    write("mod.rs", "pub mod flow;\n");
    write("theme.rs", "use crate::app::screens::UiSet;\n");
    write(
        "flow.rs",
        "/// See [`crate::app::screens::library`].\npub struct A(pub crate::app::records::Rec);\n",
    );
    write(
        "records.rs",
        "use crate::app::{flow::Play, i18n::{Lang, T}};\n",
    );
    write("screens/mod.rs", "use crate::app::{theme, flow};\n");
    write(
        "screens/library.rs",
        "#[derive(clap::ValueEnum)] enum S { A } // clap\n",
    );
    write("i18n.rs", "");
    let found = app_breaches(tmp.path());
    let want = [
        "app::theme imports app::screens",
        "app::flow imports app::records",
        "import circle: flow <-> records",
        "src/app/screens/library.rs uses clap (argument parsing belongs in src/cli)",
    ];
    for w in want {
        assert!(found.iter().any(|f| f == w), "{w} not found in {found:?}");
    }
    assert!(
        !found
            .iter()
            .any(|f| f.contains("flow imports app::screens")),
        "a doc comment is not an import: {found:?}"
    );
    let g = app_graph(tmp.path());
    assert_eq!(
        g["records"],
        BTreeSet::from(["flow".to_string(), "i18n".to_string()])
    );
    // theme -> screens -> theme is a circle too.
    assert!(
        found
            .iter()
            .any(|f| f == "import circle: screens <-> theme"),
        "{found:?}"
    );
}
