//! `courtesy report`: table, JSON and RFC 4180 CSV (read back with Python's `csv` module,
//! with spreadsheet formulas neutralised), filters, the data-dir environment variable,
//! and `courtesy run --trainee` feeding it.

mod support;

use courtesy::core::load::parse_str;
use courtesy::core::records::time::{DAY_MS, parse_date};
use courtesy::core::records::{AttemptStart, ImportedAttempt, Source, Store};
use courtesy::core::session::AttemptResult;
use courtesy::core::strategy::{Strategy, play};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_courtesy")
}

fn fixture() -> String {
    support::fixture::SCORING_CASE.to_string()
}

fn played(ids: &[&str], seed: u64) -> AttemptResult {
    let src = std::fs::read_to_string(fixture()).expect("fixture readable");
    let sc = Arc::new(parse_str(&src).expect("fixture parses"));
    let path = Strategy::Path(ids.iter().map(|s| s.to_string()).collect());
    play(sc, seed, "en", &path).expect("plays")
}

/// Trainee ids a spreadsheet would mistake for formulas, or that need CSV quoting.
const AWKWARD: [&str; 7] = [
    "alice",
    "Doe, \"Jo\"",
    "=1+2",
    "+44 20 7946 0000",
    "-carol",
    "@SUM(A1:A9)",
    "王小明",
];

const MULTILINE: &str = "Hi,\r\n\"there\"\n=not a formula here";

/// Two finished attempts per awkward trainee (b,x then a,x: +25), and one unfinished
/// attempt by alice whose customer line has commas, quotes and line breaks.
fn fill(dir: &Path) -> String {
    let store = Store::open(&dir.join("records.sqlite3")).expect("store");
    store
        .set_manager_password(MANAGER_PASSWORD)
        .expect("password");
    let day = parse_date("2026-03-02").expect("date");
    let bx = played(&["b", "x"], 1);
    let ax = played(&["a", "x"], 2);
    let mut odd = played(&["b", "x"], 3).transcript;
    odd[0].customer_line = MULTILINE.to_string();
    let starts: Vec<AttemptStart> = AWKWARD
        .iter()
        .map(|t| AttemptStart {
            trainee: t.to_string(),
            scenario: "scoring-case".to_string(),
            content_hash: None,
            seed: 1,
            locale: "en".to_string(),
            source: Source::Import,
        })
        .collect();
    let mut batch = Vec::new();
    for s in &starts {
        batch.push(ImportedAttempt {
            start: s,
            started_ms: day,
            transcript: &[],
            finished: Some((day + 1000, &bx)),
        });
        batch.push(ImportedAttempt {
            start: s,
            started_ms: day + DAY_MS,
            transcript: &[],
            finished: Some((day + DAY_MS + 1000, &ax)),
        });
    }
    batch.push(ImportedAttempt {
        start: &starts[0],
        started_ms: day + 2 * DAY_MS,
        transcript: &odd[..1],
        finished: None,
    });
    let ids = store.import_attempts(&batch).expect("imports");
    ids.last().map(|id| id.to_string()).unwrap_or_default()
}

/// The manager password the reports are read with (`courtesy report` needs it).
const MANAGER_PASSWORD: &str = "manager-pass-1";

fn report(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .env("COURTESY_MANAGER_PASSWORD", MANAGER_PASSWORD)
        .arg("report")
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("report runs")
}

fn ok_stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// Python's `csv` module (strict) reads `csv_text` back; returns its rows.
fn python_reads(csv_text: &str) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("out.csv");
    std::fs::write(&path, csv_text).expect("write");
    let script = "import csv, json, sys\n\
                  with open(sys.argv[1], newline='', encoding='utf-8') as f:\n\
                  \x20   rows = list(csv.reader(f, strict=True))\n\
                  print(json.dumps(rows))\n";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .expect(
            "python3 must be installed for this test (it checks the CSV with Python's csv module)",
        );
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python printed JSON")
}

#[test]
fn csv_reads_back_in_python_with_formulas_neutralised() {
    let dir = tempfile::tempdir().expect("tempdir");
    fill(dir.path());
    let text = ok_stdout(&report(dir.path(), &["--format", "csv"]));
    assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'));
    let rows = python_reads(&text);
    assert_eq!(rows[0][0], "trainee");
    assert_eq!(rows.len(), 1 + AWKWARD.len());
    let width = rows[0].len();
    assert!(rows.iter().all(|r| r.len() == width));
    let col = |name: &str| rows[0].iter().position(|h| h == name).expect("column");
    let mut trainees: Vec<String> = rows[1..]
        .iter()
        .map(|r| r[col("trainee")].clone())
        .collect();
    trainees.sort();
    let mut expected: Vec<String> = AWKWARD
        .iter()
        .map(|t| match t.chars().next() {
            Some('=' | '+' | '-' | '@') => format!("'{t}"),
            _ => t.to_string(),
        })
        .collect();
    expected.sort();
    assert_eq!(trainees, expected);
    for r in &rows[1..] {
        assert!(
            !r.iter().any(|c| c.starts_with(['=', '+', '@', '\t', '\r'])),
            "{r:?}"
        );
        let improvement: f64 = r[col("improvement")].parse().expect("a number");
        assert!((improvement - 25.0).abs() < 0.051);
        assert_eq!(r[col("weakest")], "moderation");
    }
}

#[test]
fn every_view_is_valid_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let odd = fill(dir.path());
    for view in ["principles", "trainees", "trend", "choices", "attempts"] {
        let text = ok_stdout(&report(dir.path(), &["--format", "csv", "--view", view]));
        let rows = python_reads(&text);
        assert!(rows.len() > 1, "{view}: {rows:?}");
        assert!(rows.iter().all(|r| r.len() == rows[0].len()), "{view}");
    }
    // One attempt's steps: the customer's line keeps its commas, quotes and line breaks.
    let text = ok_stdout(&report(dir.path(), &["--format", "csv", "--attempt", &odd]));
    let rows = python_reads(&text);
    let line = rows[0]
        .iter()
        .position(|h| h == "customer_line")
        .expect("column");
    assert_eq!(rows[1][line], MULTILINE);
}

#[test]
fn json_and_table_carry_the_same_aggregates() {
    let dir = tempfile::tempdir().expect("tempdir");
    fill(dir.path());
    let json: serde_json::Value =
        serde_json::from_str(&ok_stdout(&report(dir.path(), &["--format", "json"]))).expect("JSON");
    assert_eq!(json["cohort"]["finished"], 14);
    assert_eq!(json["cohort"]["attempts"], 15);
    assert_eq!(
        json["trainees"].as_array().map(Vec::len),
        Some(AWKWARD.len())
    );
    assert_eq!(json["trend"].as_array().map(Vec::len), Some(AWKWARD.len()));
    assert!(json["choices"].as_array().is_some_and(|c| !c.is_empty()));
    let respect = json["cohort"]["principles"]["respect"]["mean"]
        .as_f64()
        .expect("mean");
    assert!((respect - 75.0).abs() < 1e-9); // b,x 50 and a,x 100 for everyone
    let table = ok_stdout(&report(dir.path(), &[]));
    for needle in [
        "Cohort averages",
        "Trainees",
        "Where learners go wrong",
        "王小明",
        "moderation",
    ] {
        assert!(table.contains(needle), "{needle}:\n{table}");
    }
    let filtered: serde_json::Value = serde_json::from_str(&ok_stdout(&report(
        dir.path(),
        &[
            "--format",
            "json",
            "--view",
            "trainees",
            "--trainee",
            "alice",
            "--since",
            "2026-03-03",
        ],
    )))
    .expect("JSON");
    let rows = filtered.as_array().expect("array");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["attempts"], 2); // a,x and the unfinished one
    assert_eq!(rows[0]["finished"], 1);
    let none = ok_stdout(&report(dir.path(), &["--scenario", "nothing-here"]));
    assert!(none.contains("No attempts recorded match"), "{none}");
}

#[test]
fn usage_errors_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    fill(dir.path());
    let bad_date = report(dir.path(), &["--since", "2026-02-30"]);
    assert_eq!(bad_date.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_date.stderr).contains("YYYY-MM-DD"));
    let bad_id = report(dir.path(), &["--attempt", "not-an-id"]);
    assert_eq!(bad_id.status.code(), Some(2));
    let unknown = report(
        dir.path(),
        &["--attempt", "1b4e28ba-2fa1-41d2-883f-0016d3cca427"],
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no attempt"));
    let bad_format = report(dir.path(), &["--format", "xml"]);
    assert_eq!(bad_format.status.code(), Some(2));
}

#[test]
fn run_with_a_trainee_records_into_the_data_dir_from_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("from-env");
    for (ids, trainee) in [("b,x", "dana"), ("a,x", "dana"), ("c", "eli")] {
        let out = Command::new(bin())
            .args([
                "run",
                &fixture(),
                "--seed",
                "5",
                "--json",
                "--choose",
                ids,
                "--trainee",
                trainee,
            ])
            .env("COURTESY_DATA_DIR", &data)
            .output()
            .expect("run runs");
        let stdout = ok_stdout(&out);
        serde_json::from_str::<serde_json::Value>(&stdout).expect("--json output stays clean JSON");
        assert!(String::from_utf8_lossy(&out.stderr).contains("recorded attempt"));
    }
    Store::open_existing(&data.join("records.sqlite3"))
        .and_then(|s| s.set_manager_password(MANAGER_PASSWORD))
        .expect("password");
    let out = Command::new(bin())
        .env("COURTESY_MANAGER_PASSWORD", MANAGER_PASSWORD)
        .args([
            "report",
            "--format",
            "json",
            "--view",
            "attempts",
            "--trainee",
            "dana",
        ])
        .env("COURTESY_DATA_DIR", &data)
        .output()
        .expect("report runs");
    let attempts: serde_json::Value = serde_json::from_str(&ok_stdout(&out)).expect("JSON");
    let attempts = attempts.as_array().expect("array");
    assert_eq!(attempts.len(), 2);
    assert!(
        attempts
            .iter()
            .all(|a| a["source"] == "cli" && a["status"] == "finished")
    );
    let newest = attempts[0]["id"].as_str().expect("id");
    let shown = ok_stdout(&report(&data, &["--attempt", newest]));
    assert!(shown.contains("--seed 5"), "{shown}");
    assert!(shown.contains("--choose a,x"), "{shown}");
    assert!(shown.contains("PASSED"), "{shown}");
    // A trainee id the store refuses stops the run with exit 2.
    let out = Command::new(bin())
        .args(["run", &fixture(), "--choose", "b,x", "--trainee", "  "])
        .env("COURTESY_DATA_DIR", &data)
        .output()
        .expect("run runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("trainee id"));
}
