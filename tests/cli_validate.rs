//! `courtesy validate` end to end: the built binary on the shipped scenarios, a broken
//! fixture, a missing path, and JSON output.

use std::path::PathBuf;
use std::process::{Command, Output};

fn courtesy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_courtesy"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run courtesy: {e}"))
}

fn root(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn shipped_scenarios_are_clean() {
    let o = courtesy(&["validate", &root("scenarios")]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    // The summary line: "checked N files: …".
    let n: usize = out
        .lines()
        .find_map(|l| l.strip_prefix("checked "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(n >= 3, "expected at least 3 scenarios checked:\n{out}");
    assert!(!out.contains("error["), "{out}");
}

#[test]
fn default_path_is_the_scenarios_folder() {
    let o = Command::new(env!("CARGO_BIN_EXE_courtesy"))
        .arg("validate")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run courtesy: {e}"));
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("checked "));
}

#[test]
fn invalid_fixture_exits_1_with_location_code_and_caret() {
    let file = root("tests/fixtures/invalid/e011-dangling-next.ron");
    let o = courtesy(&["validate", &file]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains(&format!("{file}:38:27")), "{out}");
    assert!(out.contains("error[E011]"), "{out}");
    assert!(
        out.contains("next: \"nowhere\""),
        "source line missing:\n{out}"
    );
    assert!(
        out.lines().any(|l| l.contains("^^^^^^^^^")),
        "caret line missing:\n{out}"
    );
    assert!(out.contains("help:"), "{out}");
    assert!(out.contains("1 error"), "{out}");
    assert!(
        !out.contains("\u{1b}["),
        "colour codes in piped output:\n{out}"
    );
}

#[test]
fn warnings_alone_exit_0() {
    let o = courtesy(&[
        "validate",
        &root("tests/fixtures/invalid/w017-one-reply.ron"),
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("warning[W017]"), "{out}");
    assert!(out.contains("0 errors, 1 warning"), "{out}");
}

#[test]
fn missing_path_exits_2_with_advice() {
    let o = courtesy(&["validate", "/no/such/scenarios"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("/no/such/scenarios") && err.contains("does not exist"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn json_output_is_an_array_of_documented_findings() {
    let o = courtesy(&[
        "validate",
        "--format",
        "json",
        &root("tests/fixtures/invalid"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(&o)));
    let arr = v.as_array().cloned().unwrap_or_default();
    assert!(arr.len() >= 45, "{} findings", arr.len());
    for f in &arr {
        for key in [
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "severity",
            "code",
            "message",
            "hint",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
        assert!(matches!(f["severity"].as_str(), Some("error" | "warning")));
        assert!(f["line"].as_u64().is_some_and(|l| l >= 1));
    }
    let dangling = arr.iter().find(|f| {
        f["code"] == "E011"
            && f["file"]
                .as_str()
                .is_some_and(|p| p.ends_with("e011-dangling-next.ron"))
    });
    let d = dangling.cloned().unwrap_or_default();
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(38), Some(27))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(38), Some(36))
    );
    // The summary goes to stderr so stdout stays pure JSON.
    assert!(stderr(&o).contains("checked "));
}

#[test]
fn json_for_a_clean_file_is_an_empty_array() {
    let o = courtesy(&[
        "validate",
        "--format",
        "json",
        &root("tests/fixtures/valid/minimal.ron"),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    assert_eq!(v, serde_json::json!([]));
}
