//! The station configuration reaches the commands as a value, not as process state: two
//! station files in one process give two results, no `COURTESY_*` variable is set, and
//! below the station layer (the engine and records crates) nothing reads the environment.

mod support;

use courtesy::core::records::{Filter, Store, store_path};
use std::path::Path;
use std::process::ExitCode;
use support::source::rust_files;

fn courtesy_vars() -> Vec<String> {
    std::env::vars_os()
        .map(|(k, _)| k.to_string_lossy().into_owned())
        .filter(|k| k.starts_with("COURTESY_"))
        .collect()
}

#[test]
fn two_station_files_in_one_process_record_into_their_own_folders() {
    // The variables the station configuration reads would override the files below
    // (environment > file); others (CI's COURTESY_RALPH_VENV, say) do not matter.
    let before = courtesy_vars();
    let config_vars = [
        "COURTESY_CONFIG",
        "COURTESY_DATA_DIR",
        "COURTESY_LRS_CONFIG",
        "COURTESY_SCENARIOS",
        "COURTESY_STATION",
    ];
    let set: Vec<&String> = before
        .iter()
        .filter(|k| config_vars.contains(&k.as_str()))
        .collect();
    assert!(
        set.is_empty(),
        "run this test with none of {config_vars:?} set (found {set:?})"
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scoring-case.ron");
    let fixture = fixture.display().to_string();
    for name in ["seat-a", "seat-b"] {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let file = dir.join("station.ron");
        // A relative data folder: relative to the file's folder.
        std::fs::write(
            &file,
            format!("(station: {name:?}, data_dir: \"data\", embedded_scenarios: false)\n"),
        )
        .expect("write station.ron");
        let file = file.display().to_string();
        let code = courtesy::cli::run_from([
            "courtesy",
            "--config",
            &file,
            "run",
            &fixture,
            "--choose",
            "b,x",
            "--trainee",
            "t1",
        ])
        .expect("courtesy run --trainee");
        assert_eq!(code, ExitCode::SUCCESS);
        let store = Store::open_existing(&store_path(&dir.join("data")))
            .unwrap_or_else(|e| panic!("{name}: the file's data_dir holds the store: {e}"));
        let attempts = store.attempts(&Filter::all(), 10).expect("attempts");
        assert_eq!(attempts.len(), 1, "{name}: one attempt in its own store");
        assert_eq!(
            attempts[0].station.as_deref(),
            Some(name),
            "{name}: recorded at the file's station"
        );
        assert_eq!(
            courtesy_vars(),
            before,
            "{name}: the command set no COURTESY_* variable"
        );
    }
}

/// The app's records store opens where each station file says, named after its station,
/// with no environment read or written (the app is given `station::Records`).
#[cfg(feature = "app")]
#[test]
fn the_app_opens_the_store_each_station_file_names() {
    use courtesy::app::records::RecordStore;
    use courtesy::station::{Env, Flags, StationConfig};
    let before = courtesy_vars();
    let tmp = tempfile::tempdir().expect("temp dir");
    for (name, minutes) in [("seat-a", 7u64), ("seat-b", 11)] {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let file = dir.join("station.ron");
        std::fs::write(
            &file,
            format!(
                "(station: {name:?}, data_dir: \"data\", manager_idle_lock_minutes: {minutes})\n"
            ),
        )
        .expect("write station.ron");
        // An environment with no variables at all: only the file speaks.
        let env = Env {
            var: Box::new(|_| None),
            config_dir: None,
            data_dir: None,
            host_name: "host".into(),
        };
        let flags = Flags {
            config: Some(file),
            ..Default::default()
        };
        let cfg = StationConfig::load_with(&flags, &env).expect("the file loads");
        assert_eq!(cfg.manager_idle_lock().as_secs(), minutes * 60);
        let records = RecordStore::open(&cfg.records());
        assert_eq!(records.error, None, "{name}");
        let store = records.store.expect("opened");
        assert_eq!(store.path(), store_path(&dir.join("data")));
        assert_eq!(store.station().as_deref(), Some(name));
    }
    assert_eq!(courtesy_vars(), before, "nothing set a COURTESY_* variable");
}

/// What reads (or writes) process environment variables at run time or build time.
const ENV_READS: &[&str] = &[
    "env::var",
    "env::{",
    "env::set_var",
    "env::remove_var",
    "option_env!",
    "getenv",
];

/// Every `path:line: text` of `files` (path, source) whose code (not a `//` comment)
/// reads an environment variable.
fn env_reads(files: &[(std::path::PathBuf, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if ENV_READS.iter().any(|p| code.contains(p)) {
                out.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    out
}

/// Configuration is passed in: the records crate (store, xAPI, LRS) and the engine take
/// the data folder, the LRS file and the station name as arguments, and only the
/// station layer (`src/station`) reads `COURTESY_*`.
#[test]
fn the_records_and_engine_crates_read_no_environment_variable() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for krate in ["crates/records/src", "crates/engine/src"] {
        let files = rust_files(&root.join(krate));
        assert!(files.len() > 5, "{krate}: found only {} files", files.len());
        let found = env_reads(&files);
        assert!(
            found.is_empty(),
            "{krate} reads the environment; take the value as an argument and resolve it \
             in src/station instead:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn the_env_read_check_finds_reads_and_skips_comments() {
    let file = |text: &str| vec![(std::path::PathBuf::from("x.rs"), text.to_string())];
    for read in [
        "let v = std::env::var(\"COURTESY_STATION\");",
        "match std::env::var_os(DATA_DIR_ENV) {",
        "use std::env::{var, var_os};",
        "let v = option_env!(\"X\");",
        "unsafe { std::env::set_var(\"X\", \"1\") };",
    ] {
        assert_eq!(env_reads(&file(read)).len(), 1, "{read}");
    }
    assert!(env_reads(&file("/// reads `std::env::var` nowhere\n// env::var_os")).is_empty());
    // The station layer is where the reads are: the check sees them there.
    let station = rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/station"));
    assert!(
        !env_reads(&station).is_empty(),
        "src/station reads COURTESY_*"
    );
}
