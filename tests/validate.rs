//! Validation checks: one broken fixture per check (code and line:column asserted), the
//! cross-file duplicate-id check, and a no-panic sweep over mutated and truncated files.

use courtesy::core::diagnostics::ValidationReport;
use courtesy::core::diagnostics::{Code, FileReport, Severity, render_json, render_text};
use courtesy::core::library::Library;
use courtesy::core::validate::{validate_bytes, validate_source};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(rel)
}

fn check_file(rel: &str) -> FileReport {
    let path = fixture(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    validate_bytes(&path, &bytes)
}

fn listing(r: &FileReport) -> String {
    r.findings
        .iter()
        .map(|f| format!("  {} {} {}\n", f.code, f.location(), f.message))
        .collect()
}

/// A finding a fixture must produce: code, line, column.
type Expected = (&'static str, usize, usize);

/// Every fixture in tests/fixtures/invalid/, with the findings it must produce
/// (code, line, column). No other code may appear in the file.
const CASES: &[(&str, &[Expected])] = &[
    ("e001-missing-comma", &[("E001", 4, 17)]),
    ("e001-unterminated-string", &[("E001", 7, 16)]),
    ("e002-unknown-field", &[("E002", 9, 5)]),
    ("e002-unknown-variant", &[("E002", 8, 17)]),
    ("e003-missing-field", &[("E003", 88, 1)]),
    ("e004-wrong-type", &[("E004", 9, 14)]),
    ("e005-duplicate-field", &[("E005", 10, 5)]),
    ("e010-duplicate-reply-id", &[("E010", 41, 25)]),
    (
        "e010-duplicate-step-id",
        &[("E010", 62, 17), ("E011", 38, 27), ("W014", 86, 14)],
    ),
    (
        "e010-duplicate-ending-id",
        &[("E010", 87, 14), ("E011", 22, 33)],
    ),
    ("e011-dangling-next", &[("E011", 38, 27)]),
    ("e011-dangling-start", &[("E011", 20, 12)]),
    ("e011-dangling-goto", &[("E011", 22, 33)]),
    ("e011-dangling-on-timeout", &[("E011", 29, 25)]),
    ("e012-unreachable-step", &[("E012", 62, 17)]),
    ("w014-unreachable-ending", &[("W014", 87, 14)]),
    ("e013-no-way-out", &[("E013", 60, 17), ("W014", 84, 14)]),
    ("e015-no-steps", &[("E015", 24, 12), ("E011", 20, 12)]),
    ("e016-no-offered-reply", &[("E016", 30, 13)]),
    ("w017-one-reply", &[("W017", 30, 13)]),
    ("e018-no-says", &[("E018", 63, 19)]),
    ("w019-bad-id", &[("W019", 66, 25)]),
    ("e020-missing-translation", &[("E020", 6, 12)]),
    ("e020-empty-translation", &[("E020", 45, 59)]),
    (
        "e021-unsupported-locale",
        &[("E021", 5, 30), ("E020", 6, 12)],
    ),
    ("e022-no-locales", &[("E022", 5, 14)]),
    ("w023-undeclared-locale", &[("W023", 10, 69)]),
    ("w024-duplicate-locale", &[("W024", 5, 30)]),
    ("e030-rating-out-of-range", &[("E030", 34, 40)]),
    ("e031-rated-not-scored", &[("E031", 34, 78)]),
    ("e031-scored-not-rated", &[("E031", 17, 56)]),
    ("e032-pass-mark", &[("E032", 18, 20)]),
    ("e033-weight", &[("E033", 19, 28)]),
    ("e034-start-mood", &[("E034", 16, 17)]),
    ("e034-trigger-threshold", &[("E034", 22, 22)]),
    ("e035-no-principles", &[("E035", 17, 17)]),
    ("w036-floor-not-scored", &[("W036", 19, 18)]),
    ("w037-trigger-never-fires", &[("W037", 22, 16)]),
    ("e040-unknown-rule", &[("E040", 37, 28)]),
    ("e041-no-citation", &[("E041", 37, 27)]),
    ("w042-duplicate-citation", &[("W042", 79, 35)]),
    ("w050-no-better-reply", &[("W050", 62, 17)]),
    ("e060-no-on-timeout", &[("E060", 28, 25)]),
    (
        "w061-on-timeout-without-limit",
        &[("W061", 28, 25), ("W063", 56, 35)],
    ),
    ("e062-zero-time-limit", &[("E062", 28, 25)]),
    ("e020-reaction-missing-translation", &[("E020", 48, 31)]),
    (
        "e070-every-reply-critical",
        &[("E070", 64, 13), ("E071", 88, 14)],
    ),
    (
        "e071-good-ending-only-through-critical",
        &[("E071", 87, 14)],
    ),
    ("w072-best-reply-critical", &[("W072", 39, 31)]),
    ("e073-critical-timeout-only", &[("E073", 58, 31)]),
    ("w074-rule-id-in-text", &[("W074", 36, 56)]),
];

#[test]
fn minimal_fixture_is_clean() {
    let r = check_file("valid/minimal.ron");
    assert!(
        r.findings.is_empty(),
        "unexpected findings:\n{}",
        listing(&r)
    );
    assert!(r.scenario.is_some());
}

#[test]
fn every_invalid_fixture_reports_its_code_at_its_position() {
    let mut failures = String::new();
    for (name, expected) in CASES {
        let r = check_file(&format!("invalid/{name}.ron"));
        let allowed: BTreeSet<&str> = expected.iter().map(|e| e.0).collect();
        for &(code, line, col) in *expected {
            let hit = r.findings.iter().any(|f| {
                f.code.as_str() == code && (line == 0 || f.position() == Some((line, col)))
            });
            if !hit {
                failures.push_str(&format!(
                    "{name}: expected {code} at {line}:{col}, got:\n{}",
                    listing(&r)
                ));
            }
        }
        for f in &r.findings {
            if !allowed.contains(f.code.as_str()) {
                failures.push_str(&format!("{name}: unexpected {}:\n{}", f.code, listing(&r)));
                break;
            }
        }
        let errors = expected.iter().any(|e| e.0.starts_with('E'));
        if r.has_errors() != errors {
            failures.push_str(&format!("{name}: has_errors() should be {errors}\n"));
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn every_code_has_a_fixture_or_a_dedicated_test() {
    let mut covered: BTreeSet<&str> = CASES
        .iter()
        .flat_map(|(_, e)| e.iter().map(|x| x.0))
        .collect();
    covered.insert("E010"); // also across files, below
    covered.insert("E000"); // an unreadable file: the unit tests in diagnostics.rs
    // The score-check (S) and quality (Q) codes: tests/session.rs, tests/quality.rs.
    for c in Code::validator() {
        assert!(covered.contains(c.as_str()), "no fixture for {c}");
    }
    // …and every fixture file is in the table.
    let dir = fixture("invalid");
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.path();
        let stem = name.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        assert!(
            CASES.iter().any(|(n, _)| *n == stem),
            "{stem}.ron is not in CASES"
        );
    }
}

#[test]
fn findings_carry_hints_and_did_you_mean() {
    let hint = |name: &str, code: &str| -> String {
        let r = check_file(&format!("invalid/{name}.ron"));
        r.findings
            .iter()
            .find(|f| f.code.as_str() == code)
            .and_then(|f| f.hint.clone())
            .unwrap_or_default()
    };
    assert!(hint("e002-unknown-field", "E002").contains("did you mean `minutes`?"));
    assert!(hint("e002-unknown-variant", "E002").contains("did you mean `Introductory`?"));
    assert!(hint("e011-dangling-start", "E011").contains("did you mean `ask`?"));
    assert!(hint("e011-dangling-on-timeout", "E011").contains("did you mean `silent`?"));
    assert!(hint("e040-unknown-rule", "E040").contains("did you mean"));
    let r = check_file("invalid/e010-duplicate-reply-id.ron");
    let f = r.findings.iter().find(|f| f.code == Code::E010);
    let related = f.map(|f| f.related.clone()).unwrap_or_default();
    assert_eq!(related.first().map(|r| (r.line, r.column)), Some((32, 25)));
    for f in &r.findings {
        assert!(f.hint.is_some(), "{} has no hint", f.code);
    }
}

#[test]
fn columns_count_characters_in_chinese_lines() {
    // Line 45 is `feedback: {"zh-CN": "不要用手指指人。", "en": "  "}`: the blank English
    // text starts at character 59 but byte 77.
    let r = check_file("invalid/e020-empty-translation.ron");
    let f = r.findings.iter().find(|f| f.code == Code::E020);
    assert_eq!(
        f.and_then(|f| f.location)
            .map(|l| (l.line, l.column, l.end_column)),
        Some((45, 59, 63))
    );
}

#[test]
fn duplicate_scenario_id_across_files() {
    let lib = Library::load_dir(&fixture("duplicate-id")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lib.report.files.len(), 2);
    assert!(lib.report.files[0].findings.is_empty());
    let b = &lib.report.files[1];
    let f = b.findings.iter().find(|f| f.code == Code::E010);
    assert_eq!(f.and_then(|f| f.position()), Some((4, 9)), "{}", listing(b));
    assert!(f.is_some_and(|f| f.message.contains("a.ron") && f.related.len() == 1));
    // The first file keeps the id; the second is left out of the library.
    assert_eq!(lib.scenarios.len(), 1);
    assert!(lib.scenarios[0].path.ends_with("a.ron"));
    assert!(lib.get("minimal").is_some());
}

#[test]
fn library_keeps_valid_files_and_reports_the_rest() {
    let lib = Library::load_paths(&[
        fixture("valid/minimal.ron"),
        fixture("invalid/e011-dangling-next.ron"),
        fixture("invalid/w017-one-reply.ron"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    // minimal and w017 share the id `minimal`: the w017 copy is a duplicate.
    assert_eq!(lib.report.files.len(), 3);
    assert_eq!(lib.scenarios.len(), 1);
    assert_eq!(lib.scenarios[0].content_hash.len(), 64);
    assert!(lib.report.has_errors());
}

/// Deterministic pseudo-random numbers (xorshift), so the sweep needs no rand crate.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn mutations(valid: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    // Truncated at every 5th byte (often inside a multi-byte character).
    for cut in (0..valid.len()).step_by(5) {
        out.push(valid[..cut].to_vec());
    }
    // Single bytes flipped / replaced with punctuation at fixed positions.
    for (k, pos) in (0..valid.len()).step_by(11).enumerate() {
        let mut v = valid.to_vec();
        v[pos] = match k % 6 {
            0 => v[pos] ^ 0x20,
            1 => v[pos] ^ 0xff,
            2 => b'"',
            3 => b')',
            4 => b'[',
            _ => b',',
        };
        out.push(v);
    }
    // Chunks deleted and duplicated.
    for start in (0..valid.len()).step_by(97) {
        let end = (start + 40).min(valid.len());
        let mut del = valid[..start].to_vec();
        del.extend_from_slice(&valid[end..]);
        out.push(del);
        let mut dup = valid[..end].to_vec();
        dup.extend_from_slice(&valid[start..]);
        out.push(dup);
    }
    // Ids and references swapped for one another: parses, breaks the graph.
    let text = String::from_utf8_lossy(valid).into_owned();
    for (a, b) in [
        ("\"thanks\"", "\"left\""),
        ("\"done\"", "\"ask\""),
        ("\"ask\"", "\"\""),
        ("\"en\"", "\"zh-CN\""),
        ("2,", "-9,"),
        ("cite: [", "cite: [\"nope\", "),
    ] {
        out.push(text.replace(a, b).into_bytes());
    }
    // Pure noise, and noise that looks like RON.
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"()[]{},:\"'r#/*\\ \n-0123456789abcSomeNone_.";
    for len in [1usize, 2, 3, 10, 100, 1000, 5000] {
        out.push((0..len).map(|_| rng.next() as u8).collect());
        out.push(
            (0..len)
                .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
                .collect(),
        );
    }
    out.push(b"[".repeat(50_000));
    out.push(b"(a:".repeat(20_000));
    out.push(vec![0xef, 0xbb, 0xbf]);
    out.push(b"/* unterminated".to_vec());
    out.push(b"r##\"".to_vec());
    out
}

#[test]
fn never_panics_on_mutated_truncated_or_random_input() {
    let valid = std::fs::read(fixture("valid/minimal.ron")).unwrap_or_default();
    assert!(!valid.is_empty());
    let inputs = mutations(&valid);
    assert!(inputs.len() > 1000, "{}", inputs.len());
    let mut with_findings = 0;
    for (i, bytes) in inputs.iter().enumerate() {
        let path = PathBuf::from(format!("mutant-{i}.ron"));
        let report = validate_bytes(&path, bytes);
        if report.findings.is_empty() {
            // Only a harmless mutation may pass, and then it must really parse.
            assert!(
                report.scenario.is_some(),
                "mutant {i} passed without a scenario"
            );
        } else {
            with_findings += 1;
        }
        for f in &report.findings {
            let l = f
                .location
                .unwrap_or_else(|| panic!("mutant {i}: no location: {f:?}"));
            assert!(l.line >= 1 && l.column >= 1, "mutant {i}: {f:?}");
            if let Some((s, e)) = f.span() {
                assert!(s <= e && e <= report.source.len(), "mutant {i}: {f:?}");
            }
        }
        let rep = ValidationReport {
            files: vec![report],
        };
        let text = render_text(&rep, i % 2 == 0);
        assert!(!text.is_empty());
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&rep)).unwrap_or(serde_json::Value::Null);
        assert!(json.is_array(), "mutant {i}");
    }
    assert!(with_findings * 10 > inputs.len() * 9, "{with_findings}");
}

#[test]
fn validate_source_matches_validate_bytes_for_text() {
    let src =
        std::fs::read_to_string(fixture("invalid/e011-dangling-next.ron")).unwrap_or_default();
    let a = validate_source(Path::new("x.ron"), &src);
    let b = validate_bytes(Path::new("x.ron"), src.as_bytes());
    assert_eq!(a.findings, b.findings);
    assert_eq!(a.findings[0].severity, Severity::Error);
}
