//! Against a real LRS (Ralph, file-system backend, 127.0.0.1): delivery and read-back, the LRS stopped and restarted mid-run, a rejected statement parked.
//!
//! Ignored by default (they need Ralph and take ~30 s). Run them with
//! `eval "$(scripts/ralph-lrs.sh env)"; cargo test --no-default-features --test lrs_ralph -- --ignored`;
//! without COURTESY_RALPH they fail with a message saying so.
#![cfg(unix)]

mod support;
use support::cli::{MANAGER_PASSWORD, courtesy_as_manager as courtesy};

use courtesy::core::load::parse_str;
use courtesy::core::lrs::{
    LrsClient, LrsConfig, SyncPass, SyncState, SyncWorker, WorkerOptions, sync_pending,
};
use courtesy::core::model::Scenario;
use courtesy::core::records::{OutboxItem, OutboxSelect, Source, Store, record_played};
use courtesy::core::strategy::{Strategy, play};
use serde_json::Value;
use std::collections::HashSet;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/angry-customer.ron");
const SECRET: &str = "ralph-test-secret-5417";

/// One Ralph server with its own credentials and file-system store, on a fixed loopback
/// port (so it can be stopped and started again at the same address).
struct Ralph {
    ralph: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

impl Ralph {
    fn new() -> Ralph {
        let ralph = match std::env::var_os("COURTESY_RALPH") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => panic!(
                "COURTESY_RALPH is not set: these tests need the Ralph LRS. Run \
                 `eval \"$(scripts/ralph-lrs.sh env)\"` (creates the venv if missing) and try again."
            ),
        };
        assert!(
            ralph.exists(),
            "COURTESY_RALPH={} does not exist; run scripts/ralph-lrs.sh setup",
            ralph.display()
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let out = Command::new(&ralph)
            .args([
                "auth",
                "-u",
                "courtesy",
                "-p",
                SECRET,
                "-s",
                "all",
                "-M",
                "mailto:lrs@example.com",
                "-w",
            ])
            .env("RALPH_APP_DIR", dir.path().join("app"))
            .env("RALPH_RUNSERVER_BACKEND", "fs")
            .output()
            .expect("ralph auth runs");
        assert!(
            out.status.success(),
            "ralph auth failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut r = Ralph {
            ralph,
            dir,
            port,
            child: None,
        };
        r.start();
        r
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/xAPI/", self.port)
    }

    fn config_text(&self, batch_size: usize) -> String {
        format!(
            "(endpoint: \"{}\", key: \"courtesy\", secret: \"{SECRET}\", home_page: \"https://sso.example.com\", batch_size: {batch_size}, timeout_secs: 10)",
            self.endpoint()
        )
    }

    fn config(&self, batch_size: usize) -> LrsConfig {
        LrsConfig::parse(&self.config_text(batch_size), Path::new("lrs.ron")).expect("config")
    }

    /// One sync pass of everything `store` holds to this Ralph, 50 statements a batch.
    fn sync(&self, store: &Store) -> SyncPass {
        sync_pending(
            store,
            &LrsClient::new(&self.config(50)),
            50,
            &AtomicBool::new(false),
            |_, _| {},
        )
        .expect("syncs")
    }

    fn start(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("ralph.log")).expect("log");
        let child = Command::new(&self.ralph)
            .args([
                "runserver",
                "-b",
                "fs",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
            ])
            .arg("--fs-default-directory-path")
            .arg(self.dir.path().join("data"))
            .env("RALPH_APP_DIR", self.dir.path().join("app"))
            .env("RALPH_RUNSERVER_BACKEND", "fs")
            .env(
                "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH",
                self.dir.path().join("data"),
            )
            // Ralph 5.1's fs backend stores only the first POST without this shim
            // (scripts/ralph/sitecustomize.py says why).
            .env(
                "PYTHONPATH",
                concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/ralph"),
            )
            // runserver always reloads on *.py changes under its working folder: keep it
            // away from the checkout.
            .current_dir(self.dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("ralph runserver starts");
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "Ralph did not listen on 127.0.0.1:{} within 60 s",
            self.port
        );
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pgid = child.id() as i32;
            // SAFETY: signalling the process group we created for this child.
            unsafe {
                libc::kill(-pgid, libc::SIGTERM);
            }
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
            let _ = child.wait();
            // Wait until the port is free again.
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(10)
                && std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// Every statement the LRS holds.
    fn statements(&self) -> Vec<Value> {
        LrsClient::new(&self.config(50))
            .get_statements(&[("limit", "100")], |_| {})
            .expect("reads back")
    }
}

impl Drop for Ralph {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            let log =
                std::fs::read_to_string(self.dir.path().join("ralph.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("--- Ralph's log (last lines) ---");
            for l in tail.iter().rev() {
                eprintln!("{l}");
            }
        }
    }
}

fn scenario() -> Arc<Scenario> {
    let src = std::fs::read_to_string(SCENARIO).expect("scenario readable");
    Arc::new(parse_str(&src).expect("scenario parses"))
}

/// Everything in the outbox of `store`, each item checked to be sent.
fn all_sent(store: &Store) -> Vec<OutboxItem> {
    let local = store.outbox_items(OutboxSelect::All, None).expect("outbox");
    assert!(
        local
            .iter()
            .all(|o| o.status == courtesy::core::records::OutboxStatus::Sent),
        "{local:?}"
    );
    local
}

fn record(store: &Store, trainee: &str, strategy: Strategy, seed: u64) -> String {
    let r = play(scenario(), seed, "en", &strategy).expect("plays");
    let (id, _) =
        record_played(store, trainee, Source::App, scenario(), &r, |_| {}).expect("records");
    id.to_string()
}

#[test]
#[ignore = "needs the Ralph LRS (COURTESY_RALPH); .ci/run runs it with --ignored"]
fn statements_from_a_scripted_attempt_arrive_and_read_back_with_shape_and_scores() {
    let ralph = Ralph::new();
    let data = tempfile::tempdir().expect("tempdir");
    std::fs::write(data.path().join("lrs.ron"), ralph.config_text(50)).expect("config");
    for (trainee, strategy) in [("alice", "best"), ("bob", "worst"), ("alice", "random")] {
        let (code, _, err) = courtesy(
            &[
                "run",
                SCENARIO,
                "--strategy",
                strategy,
                "--seed",
                "11",
                "--trainee",
                trainee,
            ],
            data.path(),
        );
        assert!(code == 0 || code == 1, "{err}");
    }
    let (code, out, err) = courtesy(&["sync"], data.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains(SECRET) && !err.contains(SECRET));

    let store = Store::open_existing(&data.path().join("records.sqlite3")).expect("store");
    let local = all_sent(&store);
    let remote = ralph.statements();
    assert_eq!(remote.len(), local.len(), "every statement arrived once");
    let by_id: std::collections::HashMap<&str, &Value> = remote
        .iter()
        .filter_map(|s| Some((s["id"].as_str()?, s)))
        .collect();
    for o in &local {
        let sent: Value = serde_json::from_str(&o.statement).expect("json");
        let got = by_id
            .get(o.id.as_str())
            .unwrap_or_else(|| panic!("{} missing from the LRS", o.id));
        for key in ["actor", "verb", "object", "result", "context"] {
            assert_eq!(
                got[key], sent[key],
                "{key} of {} as stored by the LRS",
                o.id
            );
        }
        assert_eq!(
            got["actor"]["account"]["homePage"],
            "https://sso.example.com"
        );
        if o.verb == "answered" {
            assert_eq!(got["object"]["definition"]["interactionType"], "choice");
        } else {
            let scaled = got["result"]["score"]["scaled"].as_f64().expect("scaled");
            let raw = got["result"]["score"]["raw"].as_f64().expect("raw");
            assert!((scaled * 100.0 - raw).abs() < 1e-6);
        }
    }
    // The same cohort aggregates, read back from the LRS (with the manager password).
    store
        .set_manager_password(MANAGER_PASSWORD)
        .expect("password");
    let (_, mine, _) = courtesy(&["report", "--format", "json"], data.path());
    let (code, theirs, err) = courtesy(&["report", "--lrs", "--format", "json"], data.path());
    assert_eq!(code, 0, "{err}");
    let (mine, theirs): (Value, Value) = (
        serde_json::from_str(&mine).expect("json"),
        serde_json::from_str(&theirs).expect("json"),
    );
    for key in ["cohort", "trainees", "trend", "choices"] {
        assert_eq!(
            rounded(&mine[key]),
            rounded(&theirs[key]),
            "report {key}: local vs LRS"
        );
    }
    // Sending everything again is harmless: the LRS keeps one copy of each.
    store.outbox_items(OutboxSelect::All, None).expect("outbox");
    rusqlite::Connection::open(data.path().join("records.sqlite3"))
        .and_then(|c| c.execute("UPDATE outbox SET status = 'pending'", []))
        .expect("requeue all");
    let (code, out, err) = courtesy(&["sync"], data.path());
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        ralph.statements().len(),
        local.len(),
        "no duplicates after sending twice"
    );
}

#[test]
#[ignore = "needs the Ralph LRS (COURTESY_RALPH); .ci/run runs it with --ignored"]
fn lrs_stopped_mid_run_statements_queue_then_all_arrive_once() {
    let mut ralph = Ralph::new();
    let data = tempfile::tempdir().expect("tempdir");
    let path = data.path().join("records.sqlite3");
    let store = Store::open(&path).expect("store");
    let config = ralph.config(20);
    store.set_statement_identity(config.identity());
    let worker = SyncWorker::spawn(
        path.clone(),
        Some(config),
        WorkerOptions {
            poll: Duration::from_millis(100),
            backoff_min: Duration::from_millis(200),
            backoff_max: Duration::from_secs(2),
        },
    );
    let wait_for = |what: &str, limit: Duration, ok: &dyn Fn() -> bool| {
        let t = Instant::now();
        while !ok() {
            assert!(
                t.elapsed() < limit,
                "timed out waiting for {what}: {:?}",
                worker.status()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        t.elapsed()
    };
    for n in 0..5 {
        record(&store, &format!("t{n}"), Strategy::Random, n);
        worker.wake();
    }
    wait_for(
        "the first attempts to be delivered",
        Duration::from_secs(30),
        &|| {
            let s = worker.status();
            s.pending == 0 && s.sent > 0
        },
    );

    ralph.stop();
    let recording = Instant::now();
    for n in 5..25 {
        record(&store, &format!("t{}", n % 7), Strategy::Random, n);
        worker.wake();
    }
    eprintln!(
        "recorded 20 attempts with the LRS down in {:?}",
        recording.elapsed()
    );
    wait_for(
        "the worker to notice the LRS is down",
        Duration::from_secs(30),
        &|| {
            let s = worker.status();
            s.state == SyncState::Retrying && s.last_error.is_some() && s.pending > 0
        },
    );
    let queued = worker.status().pending;
    eprintln!(
        "queued while down: {queued} statements; status: {}",
        worker.status().summary()
    );
    assert!(!worker.status().summary().contains(SECRET));

    ralph.start();
    let restarted = Instant::now();
    worker.retry_now();
    let drained = wait_for("the queue to drain", Duration::from_secs(60), &|| {
        let s = worker.status();
        s.pending == 0 && s.last_error.is_none()
    });
    eprintln!(
        "drained {queued} statements {:?} after the restart ({:.0} statements/s)",
        restarted.elapsed(),
        queued as f64 / drained.as_secs_f64().max(0.001)
    );
    worker.stop();

    let local = all_sent(&store);
    let remote = ralph.statements();
    let ids: HashSet<&str> = remote.iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids.len(), remote.len(), "no statement is stored twice");
    let want: HashSet<&str> = local.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, want, "every recorded statement arrived");
}

#[test]
#[ignore = "needs the Ralph LRS (COURTESY_RALPH); .ci/run runs it with --ignored"]
fn a_rejected_statement_is_parked_with_its_reason_and_the_others_go_through() {
    let ralph = Ralph::new();
    let data = tempfile::tempdir().expect("tempdir");
    let path = data.path().join("records.sqlite3");
    std::fs::write(data.path().join("lrs.ron"), ralph.config_text(50)).expect("config");
    let bad_id;
    {
        let store = Store::open(&path).expect("store");
        record(&store, "ivy", Strategy::Best, 1);
        record(&store, "jon", Strategy::Worst, 2);
        let items = store.outbox_items(OutboxSelect::All, None).expect("outbox");
        // Break one statement in the middle: an actor with no identifier is invalid xAPI.
        let victim = &items[items.len() / 2];
        bad_id = victim.id.clone();
        let mut st: Value = serde_json::from_str(&victim.statement).expect("json");
        st["actor"] = serde_json::json!({"objectType": "Agent", "name": "nobody"});
        rusqlite::Connection::open(&path)
            .and_then(|c| {
                c.execute(
                    "UPDATE outbox SET statement = ?1 WHERE id = ?2",
                    [st.to_string(), bad_id.clone()],
                )
            })
            .expect("break one");
        // A 409: a statement the LRS already holds under the same id, with other content,
        // counts as delivered.
        let dup = &items[0];
        LrsClient::new(&ralph.config(50)).post(&{
            let mut d: Value = serde_json::from_str(&dup.statement).expect("json");
            d["result"]["response"] = Value::from("changed");
            d.to_string()
        });
        let total = items.len();
        let pass = ralph.sync(&store);
        assert!(pass.error.is_none(), "{:?}", pass.error);
        assert_eq!(pass.parked, 1);
        assert_eq!(pass.sent, total - 1);
        let counts = store.outbox_counts().expect("counts");
        assert_eq!(
            (counts.pending, counts.parked, counts.sent as usize),
            (0, 1, total - 1)
        );
        let parked = store
            .outbox_items(OutboxSelect::Parked, None)
            .expect("parked");
        assert_eq!(parked[0].id, bad_id);
        let reason = parked[0].reason.as_deref().unwrap_or_default();
        assert!(reason.contains("422") || reason.contains("400"), "{reason}");
        assert!(
            reason.contains("actor"),
            "the LRS's reason is kept: {reason}"
        );
        // Not retried forever: another pass leaves it parked and sends nothing.
        let again = ralph.sync(&store);
        assert_eq!((again.sent, again.parked, again.requests), (0, 0, 0));
    }
    let (code, out, _) = courtesy(&["sync", "--status"], data.path());
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!("parked {bad_id}")) && out.contains("actor"),
        "{out}"
    );
    let (code, out, _) = courtesy(&["sync"], data.path());
    assert_eq!(
        code, 1,
        "a parked statement means not everything was sent: {out}"
    );
    let remote = ralph.statements();
    assert!(remote.iter().all(|s| s["id"] != bad_id.as_str()));
}

/// Numbers rounded to 9 significant digits: the local store and the store rebuilt from
/// the LRS's statements sum the same scores in another order, which may change the last bit.
fn rounded(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) => Value::String(format!("{f:.9e}")),
            None => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(rounded).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), rounded(x))).collect()),
        _ => v.clone(),
    }
}
