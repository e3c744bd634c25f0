//! The relocatable binary: copied away from the checkout and run in an empty folder, it
//! lists and plays the shipped (embedded) scenarios, and `courtesy new` writes into the
//! current folder, never into the checkout it was built from.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A binary copied to a temporary folder, with its own home, config and data folders.
struct Station {
    _tmp: tempfile::TempDir,
    bin: PathBuf,
    work: PathBuf,
    home: PathBuf,
}

impl Station {
    fn new() -> Station {
        let tmp = tempfile::tempdir().expect("tempdir");
        let bin_dir = tmp.path().join("bin");
        let work = tmp.path().join("work");
        let home = tmp.path().join("home");
        for d in [&bin_dir, &work, &home] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        let bin = bin_dir.join(
            Path::new(env!("CARGO_BIN_EXE_courtesy"))
                .file_name()
                .expect("binary name"),
        );
        {
            let _one_at_a_time = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
            std::fs::copy(env!("CARGO_BIN_EXE_courtesy"), &bin).expect("copy the binary");
        }
        Station {
            _tmp: tmp,
            bin,
            work,
            home,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .current_dir(&self.work)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_DATA_HOME", self.home.join(".local/share"))
            .env("APPDATA", self.home.join("AppData"))
            .env("COURTESY_DATA_DIR", self.home.join("data"));
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("COURTESY_") && k != "COURTESY_DATA_DIR" {
                cmd.env_remove(k);
            }
        }
        let child = {
            // No fork while another test's copy still has the binary open for writing
            // (the child would inherit that descriptor: "Text file busy" on exec).
            let _one_at_a_time = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
            cmd.stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the copied binary runs")
        };
        child.wait_with_output().expect("the copied binary ends")
    }
}

/// Copying a binary and starting a process take turns across the tests of this file.
static SPAWN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The ids of the scenarios in the checkout (what the binary must carry).
fn shipped_ids() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut ids: Vec<String> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    ids.sort();
    ids
}

#[test]
fn the_copied_binary_lists_plays_and_writes_where_it_runs() {
    let st = Station::new();
    assert!(!st.work.join("scenarios").exists());

    // Lists every shipped scenario, from the binary itself.
    let o = st.run(&["list", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let rows = rows.as_array().expect("array");
    let mut ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect();
    ids.sort();
    assert_eq!(ids.len(), 18, "{ids:?}");
    assert_eq!(ids, shipped_ids());
    let manifest = env!("CARGO_MANIFEST_DIR");
    for r in rows {
        assert_eq!(r["origin"], "embedded", "{r}");
        let path = r["path"].as_str().unwrap_or_default();
        assert!(
            !path.starts_with(manifest),
            "read from the checkout: {path}"
        );
    }

    // Plays one along a path of replies, recorded in the temporary data folder.
    let o = st.run(&[
        "run",
        "lost-parcel",
        "--seed",
        "3",
        "--choose",
        "greet-and-ask,record-details,honest-plain,honest-timeline,consult-plan,recap-and-number,report-clearly,warm-close",
        "--json",
        "--trainee",
        "relocated",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["scenario"], "lost-parcel");
    assert_eq!(v["ending"], "delivered-on-time");
    assert_eq!(v["passed"], true);
    assert!(st.home.join("data").join("records.sqlite3").is_file());

    // `new` writes ./scenarios/x.ron in the current folder and says so.
    let o = st.run(&["new", "x"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let written = st.work.join("scenarios").join("x.ron");
    assert!(written.is_file(), "{}", text(&o.stdout));
    let out = text(&o.stdout);
    assert!(out.contains(&written.display().to_string()), "{out}");
    assert!(!Path::new(manifest).join("scenarios/x.ron").exists());

    // And the new file is offered next to the embedded ones, from its folder.
    let o = st.run(&["list", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let x = rows
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["id"] == "x")
        .cloned()
        .expect("x is listed");
    assert_eq!(x["origin"], "scenarios", "{x}");
    assert_eq!(rows.as_array().map(Vec::len), Some(19));
}

#[test]
fn a_configured_folder_replaces_an_embedded_scenario_and_a_missing_one_is_an_error() {
    let st = Station::new();
    let shared = st.home.join("shared");
    std::fs::create_dir_all(&shared).expect("mkdir");
    let original = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lost-parcel.ron"),
    )
    .expect("shipped file");
    std::fs::write(shared.join("lost-parcel.ron"), original).expect("write");
    let config = st.home.join("station.ron");
    std::fs::write(
        &config,
        format!(
            "(\n    scenario_folders: [{:?}],\n)\n",
            shared.display().to_string()
        ),
    )
    .expect("write config");
    let cfg = config.display().to_string();
    let o = st.run(&["--config", &cfg, "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.starts_with("lost-parcel "))
        .expect("listed");
    assert!(
        line.contains(&shared.display().to_string()) && line.contains("replaces embedded"),
        "{line}"
    );
    assert_eq!(
        out.lines().count(),
        19,
        "18 scenarios and the heading:\n{out}"
    );

    std::fs::write(&config, "(scenario_folders: [\"/no/such/share\"])\n").expect("write");
    let o = st.run(&["--config", &cfg, "list"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("/no/such/share") && err.contains("does not exist"),
        "{err}"
    );
}
