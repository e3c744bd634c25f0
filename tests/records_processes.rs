//! Reliability of the records store across processes, using the `courtesy` binary itself:
//! SIGKILL at random moments loses no step reported as committed and leaves a sound file;
//! four processes recording at once lose nothing and never show "database is locked".

use courtesy::core::records::{AttemptId, AttemptStatus, Filter, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_courtesy")
}

/// A valid scenario of `n` steps in a row, three replies each (good / fair / poor), with
/// two line variants per step so the session draws from its rng at every step.
fn linear_scenario(dir: &Path, n: usize) -> PathBuf {
    let mut steps = String::new();
    for i in 0..n {
        let next = if i + 1 < n {
            format!("s{}", i + 1)
        } else {
            "done".to_string()
        };
        steps.push_str(&format!(
            r#"        (
            id: "s{i}",
            says: [{{"en": "Line {i}, one way."}}, {{"en": "Line {i}, another way."}}],
            replies: [
                (id: "good", text: {{"en": "Good reply {i}"}}, ratings: (respect: 2, moderation: 1, self_discipline: 1),
                 mood: 5, feedback: {{"en": "Good."}}, cite: ["R"], next: "{next}"),
                (id: "fair", text: {{"en": "Fair reply {i}"}}, ratings: (respect: 0, moderation: 0, self_discipline: 0),
                 mood: 0, feedback: {{"en": "Fair."}}, cite: ["M"], next: "{next}"),
                (id: "poor", text: {{"en": "Poor reply {i}"}}, ratings: (respect: -2, moderation: -1, self_discipline: -1),
                 mood: -5, feedback: {{"en": "Poor."}}, cite: ["S"], next: "{next}"),
            ],
        ),
"#
        ));
    }
    let src = format!(
        r#"Scenario(
    id: "long-line",
    locales: ["en"],
    title: {{"en": "Long line"}},
    category: {{"en": "Test"}},
    difficulty: Introductory,
    minutes: 5,
    briefing: {{"en": "A long conversation for the records tests."}},
    goal: {{"en": "Stay courteous."}},
    customer: (name: {{"en": "Ms Test"}}, wants: {{"en": "Patience"}}),
    start_mood: 50,
    scoring: (pass_mark: 60),
    start: "s0",
    steps: [
{steps}    ],
    endings: [
        (id: "done", outcome: Resolved, text: {{"en": "Done."}}),
    ],
)
"#
    );
    let path = dir.join("long-line.ron");
    std::fs::write(&path, src).expect("scenario written");
    path
}

/// xorshift64*: enough randomness for kill times, seeded from the clock (printed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn integrity_ok(path: &Path) {
    let raw = rusqlite::Connection::open(path).expect("raw open");
    let rows: Vec<String> = raw
        .prepare("PRAGMA integrity_check")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(rows, vec!["ok".to_string()]);
}

#[derive(Default, Debug)]
struct Reported {
    begun: BTreeSet<String>,
    committed: BTreeMap<String, BTreeSet<usize>>,
    finished: BTreeSet<String>,
}

impl Reported {
    fn take(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["begun", id] => {
                self.begun.insert(id.to_string());
            }
            ["committed", id, idx] => {
                let idx: usize = idx.parse().expect("step number");
                self.committed
                    .entry(id.to_string())
                    .or_default()
                    .insert(idx);
            }
            ["finished", id] => {
                self.finished.insert(id.to_string());
            }
            _ => {}
        }
    }
}

#[test]
fn sigkill_at_random_moments_loses_no_committed_step() {
    const RUNS: u64 = 40;
    const STEPS: usize = 25;
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = linear_scenario(dir.path(), STEPS);
    let data = dir.path().join("data");
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    eprintln!("kill-test rng seed {seed}");
    let mut rng = Rng(seed);
    let mut reported = Reported::default();
    let mut killed_mid_attempt = 0;
    for run in 0..RUNS {
        let mut child = Command::new(bin())
            .args(["run"])
            .arg(&scenario)
            .args(["--strategy", "random", "--trainee", "kill-test", "--seed"])
            .arg(run.to_string())
            .arg("--data-dir")
            .arg(&data)
            .env("COURTESY_TEST_COMMIT_TRACE", "2")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("courtesy starts");
        let stderr = child.stderr.take().expect("stderr piped");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut lines = Vec::new();
        if run % 8 == 0 {
            // Now and then, at any moment from process start (store creation included).
            std::thread::sleep(Duration::from_millis(rng.below(60)));
        } else {
            // Mostly while recording: a random time after the attempt is begun, so that
            // a slow, loaded machine still kills mid-attempt.
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                match rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(l) => {
                        let begun = l.starts_with("begun ");
                        lines.push(l);
                        if begun {
                            break;
                        }
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            std::thread::sleep(Duration::from_micros(rng.below(STEPS as u64 * 4_000)));
        }
        let _ = child.kill(); // SIGKILL on Unix; an error means it had already exited
        let status = child.wait().expect("waits");
        reader.join().expect("reader thread");
        lines.extend(rx.try_iter());
        let before = reported
            .committed
            .values()
            .map(BTreeSet::len)
            .sum::<usize>();
        for l in &lines {
            reported.take(l);
        }
        let now = reported
            .committed
            .values()
            .map(BTreeSet::len)
            .sum::<usize>();
        let finished_here = lines.iter().any(|l| l.starts_with("finished "));
        if !status.success() && !finished_here && now > before {
            killed_mid_attempt += 1;
        }
    }
    eprintln!(
        "{RUNS} runs: {killed_mid_attempt} killed mid-attempt, {} finished, {} steps reported committed",
        reported.finished.len(),
        reported
            .committed
            .values()
            .map(BTreeSet::len)
            .sum::<usize>()
    );
    assert!(
        killed_mid_attempt >= 5,
        "only {killed_mid_attempt} of {RUNS} runs were killed mid-attempt; the test is not testing"
    );
    let path = data.join("records.sqlite3");
    integrity_ok(&path);
    let store = Store::open_existing(&path).expect("the store opens after the kills");
    assert!(store.integrity_check().expect("checks").is_empty());
    for id in &reported.begun {
        let attempt = AttemptId::parse(id).expect("uuid");
        let d = store
            .attempt(&attempt)
            .expect("reads")
            .unwrap_or_else(|| panic!("attempt {id} was reported begun but is missing"));
        let steps: BTreeSet<usize> = d.steps.iter().map(|s| s.index).collect();
        let expected = (0..d.steps.len()).collect::<BTreeSet<_>>();
        assert_eq!(
            steps, expected,
            "attempt {id}: steps recorded in order, no holes"
        );
        assert_eq!(
            d.summary.steps,
            d.steps.len(),
            "attempt {id}: step count matches"
        );
        if let Some(committed) = reported.committed.get(id) {
            for idx in committed {
                assert!(
                    steps.contains(idx),
                    "attempt {id}: step {idx} was reported committed but is missing"
                );
            }
        }
        if reported.finished.contains(id) {
            assert_eq!(d.summary.status, AttemptStatus::Finished);
            assert_eq!(d.steps.len(), STEPS);
        }
        if d.summary.status != AttemptStatus::Finished {
            assert!(d.summary.finished_ms.is_none() && d.summary.overall.is_none());
        }
        // The xAPI outbox is written in the same transactions: one `answered` per
        // committed step, `completed` + verdict exactly when finished (docs/xapi.md).
        let outbox = store.outbox_for_attempt(id).expect("reads the outbox");
        let answered = outbox.iter().filter(|o| o.verb == "answered").count();
        assert_eq!(
            answered,
            d.steps.len(),
            "attempt {id}: one statement per step"
        );
        let closing = outbox.len() - answered;
        let finished = d.summary.status == AttemptStatus::Finished;
        assert_eq!(
            closing,
            if finished { 2 } else { 0 },
            "attempt {id}: result statements"
        );
    }
    for id in reported.committed.keys() {
        assert!(
            reported.begun.contains(id),
            "{id} committed steps without being begun"
        );
    }
    let all = store.attempts(&Filter::all(), 1000).expect("lists");
    assert!(all.len() >= reported.begun.len());
    assert!(all.len() as u64 <= RUNS);
}

#[test]
fn four_processes_recording_at_once_lose_nothing() {
    const STEPS: usize = 120;
    const ROUNDS: usize = 3;
    const PROCS: usize = 4;
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = linear_scenario(dir.path(), STEPS);
    let data = dir.path().join("data"); // does not exist yet: round 1 races to create it
    let started = Instant::now();
    for round in 0..ROUNDS {
        let children: Vec<_> = (0..PROCS)
            .map(|p| {
                Command::new(bin())
                    .args(["run"])
                    .arg(&scenario)
                    .args(["--strategy", "random", "--trainee"])
                    .arg(format!("proc-{p}"))
                    .arg("--seed")
                    .arg((round * PROCS + p).to_string())
                    .arg("--data-dir")
                    .arg(&data)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("courtesy starts")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("waits");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "round {round}: {stderr}");
            let lower = stderr.to_lowercase();
            assert!(
                !lower.contains("locked") && !lower.contains("busy") && !lower.contains("error"),
                "round {round}: {stderr}"
            );
            assert!(stderr.contains("recorded attempt"), "{stderr}");
        }
    }
    eprintln!(
        "{} attempts of {STEPS} steps by {PROCS} processes at once: {:?}",
        ROUNDS * PROCS,
        started.elapsed()
    );
    let path = data.join("records.sqlite3");
    integrity_ok(&path);
    let store = Store::open_existing(&path).expect("opens");
    let all = store.attempts(&Filter::all(), 100).expect("lists");
    assert_eq!(all.len(), ROUNDS * PROCS);
    for a in &all {
        assert_eq!(a.status, AttemptStatus::Finished, "{}", a.id);
        assert_eq!(a.steps, STEPS);
        let d = store.attempt(&a.id).expect("reads").expect("exists");
        assert_eq!(d.steps.len(), STEPS);
        assert!(d.steps.iter().enumerate().all(|(i, s)| s.index == i));
    }
    let table = store.trainee_table(&Filter::all()).expect("table");
    assert_eq!(table.len(), PROCS);
    assert!(table.iter().all(|t| t.finished == ROUNDS as u64));
    let visits: u64 = store
        .reply_choices(&Filter::all())
        .expect("choices")
        .iter()
        .map(|c| c.chosen)
        .sum();
    assert_eq!(visits, (ROUNDS * PROCS * STEPS) as u64);
}
