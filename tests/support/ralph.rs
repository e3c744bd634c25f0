//! Shared by the tests that need a real Ralph LRS (tests/lrs_stations.rs,
//! tests/assignments_ralph.rs): starting and stopping Ralph (scripts/ralph-lrs.sh) and a
//! station with its own store that plays, records and syncs.
#![allow(dead_code)]

use courtesy::core::load::parse_str;
use courtesy::core::lrs::{LrsClient, LrsConfig, configure_store, sync_pending};
use courtesy::core::model::Scenario;
use courtesy::core::records::{Source, Store, record_played};
use courtesy::core::strategy::{Strategy, play};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/angry-customer.ron");

/// The scenario every station plays.
pub fn scenario() -> Arc<Scenario> {
    let src = std::fs::read_to_string(SCENARIO).expect("scenario readable");
    Arc::new(parse_str(&src).expect("scenario parses"))
}

pub fn ralph() -> Option<String> {
    std::env::var("COURTESY_RALPH")
        .ok()
        .filter(|p| !p.is_empty())
}

pub struct Ralph {
    pub dir: tempfile::TempDir,
    script: std::path::PathBuf,
}

impl Ralph {
    pub fn start() -> Ralph {
        let dir = tempfile::tempdir().expect("tempdir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/ralph-lrs.sh");
        let venv = Path::new(&ralph().expect("COURTESY_RALPH"))
            .parent()
            .and_then(Path::parent)
            .expect("venv")
            .to_path_buf();
        let out = std::process::Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(dir.path())
            .env("COURTESY_RALPH_VENV", &venv)
            .output()
            .expect("runs ralph-lrs.sh");
        assert!(
            out.status.success(),
            "ralph-lrs.sh start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ralph { dir, script }
    }

    pub fn config_path(&self) -> std::path::PathBuf {
        self.dir.path().join("lrs.ron")
    }

    pub fn stop(&self) {
        let _ = std::process::Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}

impl Drop for Ralph {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One station: a data folder with its own store and name, sending to the LRS.
pub struct Station {
    pub name: String,
    pub dir: std::path::PathBuf,
    pub store: Store,
}

impl Station {
    pub fn new(root: &Path, name: &str, lrs: &Path) -> Station {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::copy(lrs, dir.join("lrs.ron")).expect("copies lrs.ron");
        let store = Store::open(&dir.join("records.sqlite3")).expect("store");
        store.set_station(Some(name));
        configure_store(&store, &dir, None).expect("configures");
        Station {
            name: name.to_string(),
            dir,
            store,
        }
    }

    pub fn config(&self) -> LrsConfig {
        LrsConfig::discover(&self.dir, None)
            .expect("config")
            .expect("configured")
    }

    pub fn play(&self, trainee: &str, seed: u64, strategy: Strategy) -> bool {
        let r = play(scenario(), seed, "en", &strategy).expect("plays");
        record_played(&self.store, trainee, Source::Cli, scenario(), &r, |_| {}).expect("records");
        r.passed
    }

    pub fn sync(&self) -> usize {
        let cfg = self.config();
        let pass = sync_pending(
            &self.store,
            &LrsClient::new(&cfg),
            cfg.batch_size,
            &AtomicBool::new(false),
            |_, _| {},
        )
        .expect("store works");
        assert!(pass.error.is_none(), "{}: {:?}", self.name, pass.error);
        pass.sent
    }
}
