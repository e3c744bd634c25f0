//! The `courtesy` binary end to end: run, graph, check, list, new (validate has its own file).

use std::path::Path;
use std::process::{Command, Output};

fn courtesy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_courtesy"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const FIXTURE: &str = "tests/fixtures/scoring-case.ron";

#[test]
fn run_json_has_the_documented_fields_and_hand_computed_scores() {
    let o = courtesy(&["run", FIXTURE, "--seed", "4", "--choose", "b,x", "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["scenario"], "scoring-case");
    assert_eq!(v["seed"], 4);
    assert_eq!(v["outcome"], "resolved");
    assert_eq!(v["passed"], true);
    let overall = v["overall"].as_f64().expect("number");
    assert!((overall - 400.0 / 6.0).abs() < 1e-9);
    assert_eq!(v["principles"]["respect"], 50.0);
    assert_eq!(v["principles"]["moderation"], 0.0);
    assert_eq!(v["principles"]["self_discipline"], 100.0);
    assert_eq!(v["transcript"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["transcript"][0]["chosen"], "b");
}

#[test]
fn run_replays_identically_for_the_same_seed() {
    let play = || {
        courtesy(&[
            "run",
            FIXTURE,
            "--seed",
            "99",
            "--strategy",
            "random",
            "--json",
        ])
    };
    let (a, b) = (play(), play());
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn run_expect_sets_the_exit_code_for_trainers_ci() {
    assert_eq!(
        courtesy(&["run", FIXTURE, "--strategy", "best", "--expect", "pass"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        courtesy(&["run", FIXTURE, "--strategy", "worst", "--expect", "pass"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        courtesy(&["run", FIXTURE, "--strategy", "worst", "--expect", "fail"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn run_reports_usage_errors_with_exit_2() {
    let o = courtesy(&["run", "no-such-scenario", "--strategy", "best"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-scenario"));
    // --choose or --strategy is required.
    assert_eq!(courtesy(&["run", FIXTURE]).status.code(), Some(2));
    // A path that runs out is a failure of the run, not a usage error.
    let o = courtesy(&["run", FIXTURE, "--choose", "a"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("add more reply ids"));
}

#[test]
fn text_transcript_shows_steps_scores_and_verdict() {
    let o = courtesy(&[
        "run", FIXTURE, "--seed", "1", "--choose", "c", "--locale", "zh-CN",
    ]);
    let s = stdout(&o);
    assert!(s.contains("[s1]"));
    assert!(s.contains("mood trigger → walks-out"), "{s}");
    assert!(s.contains("顾客离开"));
    assert!(s.contains("FAILED"));
}

#[test]
fn graph_dot_and_mermaid_label_replies_with_ratings() {
    let dot = stdout(&courtesy(&["graph", FIXTURE]));
    assert!(dot.starts_with("digraph"));
    assert!(
        dot.contains("\"s1\" -> \"s2\" [label=\"a: R+2 M+1 S0 (mood +10)\"]"),
        "{dot}"
    );
    assert!(dot.contains("doublecircle"), "resolved ending shaped");
    let mm = stdout(&courtesy(&["graph", FIXTURE, "--format", "mermaid"]));
    assert!(mm.starts_with("flowchart LR"));
    assert!(
        mm.contains("n_s2 -->|\"x: R+1 M0 S+2 (mood +20)\"| n_done"),
        "{mm}"
    );
}

#[test]
fn check_prints_ranges_and_exits_by_flags() {
    // The scoring fixture's scoring design is sound (no S flags), but its one-letter
    // replies tie on every cue and its best replies come first in the file: the naive
    // players breaking ties by file order pass it, which fails the check (Q001).
    let o = courtesy(&["check", FIXTURE]);
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    assert!(
        s.contains("walks-out") && s.contains("best path: 91.7 (passes)"),
        "{s}"
    );
    assert!(!s.contains("warning[S0"), "{s}");
    assert!(
        s.contains("error[Q001]: en: the naive `longest` player (ties: first in file order) passes with 91.7")
            && s.contains("--> tests/fixtures/scoring-case.ron:4:9"),
        "{s}"
    );
    let o = courtesy(&["check", FIXTURE, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let sc = &v["scenarios"][0];
    assert_eq!(sc["scenario"], "scoring-case");
    assert_eq!(sc["flags"].as_array().map(Vec::len), Some(0));
    let findings = sc["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "Q001" && f["severity"] == "error" && f["line"] == 4),
        "{findings:?}"
    );
    let en = sc["quality"]["locales"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["locale"] == "en"))
        .expect("en figures");
    assert_eq!(en["random"]["seeds"], 500);
    assert_eq!(en["naive"].as_array().map(Vec::len), Some(6));
    assert_eq!(v["library"]["scenarios"], 1);
    // The same figures as a library summary.
    let o = courtesy(&["list", "--quality", FIXTURE]);
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    assert!(
        s.contains("library quality: 1 scenario") && s.contains("scoring-case"),
        "{s}"
    );
    let o = courtesy(&["list", "--quality", FIXTURE, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["library"]["rows"][0]["scenario"], "scoring-case");
    assert_eq!(v["library"]["naive_passed"][0], "scoring-case");
    // `run` replays a naive player: the one-letter replies tie, so file order decides.
    let first = courtesy(&[
        "run",
        FIXTURE,
        "--strategy",
        "longest",
        "--seed",
        "1",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&first.stdout).expect("JSON");
    assert_eq!(v["passed"], true, "{v}");
    let last = courtesy(&[
        "run",
        FIXTURE,
        "--strategy",
        "polite",
        "--ties",
        "last",
        "--seed",
        "1",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&last.stdout).expect("JSON");
    assert_eq!(v["passed"], false, "{v}");
    // Too few seeds for a pass rate is a usage error.
    assert_eq!(
        courtesy(&["check", FIXTURE, "--seeds", "10"]).status.code(),
        Some(2)
    );
}

#[test]
fn new_writes_a_scenario_that_validates_checks_and_plays_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf-8 path");
    let o = courtesy(&["new", "noisy-neighbour", "--dir", d]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let file = Path::new(d).join("noisy-neighbour.ron");
    let f = file.to_str().expect("utf-8");
    let text = std::fs::read_to_string(&file).expect("written");
    assert!(text.contains("//"), "commented");
    assert_eq!(courtesy(&["validate", f]).status.code(), Some(0));
    assert_eq!(courtesy(&["check", f]).status.code(), Some(0));
    assert_eq!(
        courtesy(&["run", f, "--strategy", "best", "--expect", "pass"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        courtesy(&["run", f, "--strategy", "worst", "--expect", "fail"])
            .status
            .code(),
        Some(0)
    );
    // Never overwrites.
    assert_eq!(
        courtesy(&["new", "noisy-neighbour", "--dir", d])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(std::fs::read_to_string(&file).expect("still there"), text);
    // English only.
    assert_eq!(
        courtesy(&["new", "en-only", "--locales", "en", "--dir", d])
            .status
            .code(),
        Some(0)
    );
    let en = Path::new(d).join("en-only.ron");
    assert_eq!(
        courtesy(&["validate", en.to_str().expect("utf-8")])
            .status
            .code(),
        Some(0)
    );
    // Bad ids and locales are usage errors.
    assert_eq!(
        courtesy(&["new", "Bad Id", "--dir", d]).status.code(),
        Some(2)
    );
    assert_eq!(
        courtesy(&["new", "ok-id", "--locales", "fr", "--dir", d])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn list_shows_the_shipped_scenarios() {
    let o = courtesy(&["list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let ids: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    for id in ["angry-customer", "lost-parcel", "special-medical-needs"] {
        assert!(ids.contains(&id), "{id} not listed: {ids:?}");
    }
}

#[test]
fn validate_scores_adds_the_score_check_and_locates_flags() {
    let o = courtesy(&["validate", "--scores", FIXTURE]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("best path: 91.7 (passes)"));
    // A pass mark of 0 lets the worst path pass: flag S002 at the pass mark.
    let dir = tempfile::tempdir().expect("tempdir");
    let src = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE))
        .expect("fixture");
    let bad = dir.path().join("lenient.ron");
    std::fs::write(&bad, src.replace("pass_mark: 60", "pass_mark: 0")).expect("write");
    let o = courtesy(&[
        "validate",
        "--scores",
        "--format",
        "json",
        bad.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let f = &v[0];
    assert_eq!(f["code"], "S002");
    assert_eq!(f["severity"], "warning");
    let line = f["line"].as_u64().expect("line") as usize;
    let text = std::fs::read_to_string(&bad).expect("read");
    assert!(
        text.lines()
            .nth(line - 1)
            .is_some_and(|l| l.contains("pass_mark: 0")),
        "line {line}"
    );
    let o = courtesy(&["validate", "--scores", bad.to_str().expect("utf-8")]);
    assert!(stdout(&o).contains("warning[S002]"));
}

#[test]
fn graph_weights_edges_by_recorded_choices() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf-8");
    // Three attempts: b, b, a at s1 → b 67 %, a 33 %, c 0 %.
    for (t, path) in [("t1", "b,x"), ("t2", "b,x"), ("t3", "a,x")] {
        let o = courtesy(&[
            "run",
            FIXTURE,
            "--seed",
            "1",
            "--choose",
            path,
            "--trainee",
            t,
            "--data-dir",
            d,
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let dot = stdout(&courtesy(&["graph", FIXTURE, "--data-dir", d]));
    assert!(
        dot.contains("b: R0 M-1 S0 (mood -5) · 67% (n=2)\", penwidth=5.7"),
        "{dot}"
    );
    assert!(
        dot.contains("a: R+2 M+1 S0 (mood +10) · 33% (n=1)\", penwidth=3.3"),
        "{dot}"
    );
    assert!(
        dot.contains("c: R-2 M+1 S0 (mood -40) · 0% (n=0)\", penwidth=1.0"),
        "{dot}"
    );
    let mm = stdout(&courtesy(&[
        "graph",
        FIXTURE,
        "--data-dir",
        d,
        "--format",
        "mermaid",
    ]));
    assert!(mm.contains("linkStyle 2 stroke-width:5.7px"), "{mm}");
    // A folder with no store is a usage error, and nothing is created there.
    let empty = tempfile::tempdir().expect("tempdir");
    let e = empty.path().to_str().expect("utf-8");
    assert_eq!(
        courtesy(&["graph", FIXTURE, "--data-dir", e]).status.code(),
        Some(2)
    );
    assert!(
        std::fs::read_dir(empty.path())
            .expect("dir")
            .next()
            .is_none()
    );
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One place (`main`, from `cli::run`'s error) prints an error, once, and picks the exit
/// code: 2 for usage and for what cannot be read, 1 for findings and failures, 0 for
/// success.
#[test]
fn errors_are_printed_once_with_the_exit_code_of_their_kind() {
    let once = |o: &Output, what: &str| {
        let err = stderr(o);
        assert_eq!(err.matches("error:").count(), 1, "{what}: {err}");
    };
    // Usage, found by clap: the message and the usage, exit 2.
    let o = courtesy(&["list", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    once(&o, "clap");
    assert!(stderr(&o).contains("--no-such-flag") && stderr(&o).contains("Usage:"));
    // Usage, found by the command: one line saying what to do, nothing on stdout.
    let o = courtesy(&["check", FIXTURE, "--seeds", "10"]);
    assert_eq!(o.status.code(), Some(2));
    once(&o, "seeds");
    assert!(
        stderr(&o).starts_with("error: --seeds 10 is too few"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
    // An unreadable input (a folder that is not there): exit 2, the path named.
    let o = courtesy(&["list", "tests/fixtures/no-such-folder"]);
    assert_eq!(o.status.code(), Some(2));
    once(&o, "missing folder");
    assert!(stderr(&o).contains("no-such-folder"), "{}", stderr(&o));
    let o = courtesy(&[
        "graph",
        FIXTURE,
        "--data-dir",
        "tests/fixtures/no-such-folder",
    ]);
    assert_eq!(o.status.code(), Some(2));
    once(&o, "missing store");
    // Findings: printed on stdout by the command, exit 1, no error line.
    let o = courtesy(&["validate", "tests/fixtures/invalid/e011-dangling-next.ron"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("E011"), "{}", stdout(&o));
    assert!(!stderr(&o).contains("error:"), "{}", stderr(&o));
    // A failure the command checked for (`--expect`): exit 1 with its one message.
    let o = courtesy(&["run", FIXTURE, "--strategy", "worst", "--expect", "pass"]);
    assert_eq!(o.status.code(), Some(1));
    once(&o, "expect");
    assert!(
        stderr(&o).contains("error: expected a pass, but the attempt failed (overall"),
        "{}",
        stderr(&o)
    );
    // Success: exit 0, nothing on stderr.
    let o = courtesy(&["validate", FIXTURE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}
