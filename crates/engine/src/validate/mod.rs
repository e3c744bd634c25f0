//! Scenario validation: every problem in a file, each with a stable code, a location and a hint.
//!
//! [`validate_source`] parses one file (shape errors come from ron, with its spans:
//! [`parse`]) and then runs the whole-file checks on the model as small passes over one
//! shared [`context::Ctx`] (the scenario, its declared locales and scored principles, its
//! step graph and the findings so far), one pass per file, in this order: [`ids`],
//! [`locales`], [`text`], [`mood`], [`scoring`], [`structure`], [`timers`],
//! [`references`], [`citations`], [`ratings`], [`reachability`], [`critical`]. Passes
//! only read the context and add findings; none depends on another's findings. Checks are
//! linear in the size of the scenario (hash maps and sets, no nested scans) and work on
//! the model only; when, and only when, something was found, [`crate::locate`] scans the
//! text once to turn each finding's semantic path into a line and column, and the
//! findings are put in source order (findings at one place keep the pass order). Nothing
//! here may panic, whatever the input.

mod citations;
mod context;
mod critical;
mod ids;
mod locales;
mod mood;
mod parse;
mod ratings;
mod reachability;
mod references;
mod scoring;
mod structure;
mod text;
mod timers;

pub use ids::valid_id;

use crate::diagnostics::{Code, FileReport, Finding, LineIndex};
use crate::load;
use crate::locate::{Path as SPath, SourceMap};
use crate::model::Scenario;
use context::{Ctx, Part, Pending, span_for};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The whole-file passes, in the order they run.
const PASSES: &[fn(&mut Ctx<'_>)] = &[
    ids::run,
    locales::run,
    text::run,
    mood::run,
    scoring::run,
    structure::run,
    timers::run,
    references::run,
    citations::run,
    ratings::run,
    reachability::run,
    critical::run,
];

/// Validates one scenario file's text. `path` is only used to label findings.
pub fn validate_source(path: &Path, src: &str) -> FileReport {
    let (scenario, findings) = match load::parse_str(src) {
        Err(e) => (None, vec![parse::parse_error_finding(path, src, &e)]),
        Ok(sc) => {
            let pending = check_scenario(&sc);
            let findings = if pending.is_empty() {
                Vec::new()
            } else {
                context::resolve(path, src, pending)
            };
            (Some(Arc::new(sc)), findings)
        }
    };
    FileReport {
        path: path.to_path_buf(),
        source: src.to_string(),
        scenario,
        findings,
    }
}

/// Runs every whole-file pass on a parsed scenario.
fn check_scenario(sc: &Scenario) -> Vec<Pending> {
    let mut c = Ctx::new(sc);
    for pass in PASSES {
        pass(&mut c);
    }
    c.into_pending()
}

/// Validates a file's raw bytes: text that is not UTF-8 is an `E001` finding pointing at
/// the first bad byte.
pub fn validate_bytes(path: &Path, bytes: &[u8]) -> FileReport {
    match std::str::from_utf8(bytes) {
        Ok(src) => validate_source(path, src),
        Err(e) => {
            let good = e.valid_up_to();
            let source = String::from_utf8_lossy(bytes).into_owned();
            // The lossy text agrees with the bytes up to the first bad byte.
            let finding = Finding::at(
                Code::E001,
                path,
                &source,
                (good, good),
                "the file is not UTF-8 text".to_string(),
                Some(
                    "save the file as UTF-8 (scenario files are plain UTF-8 text; \
                     Chinese text must not be saved as GBK or UTF-16)"
                        .to_string(),
                ),
            );
            FileReport {
                path: path.to_path_buf(),
                source,
                scenario: None,
                findings: vec![finding],
            }
        }
    }
}

/// Cross-file check: two files declaring the same scenario `id` (`E010`, reported on
/// every file after the first one, in the given order).
pub fn check_duplicate_scenario_ids(files: &mut [FileReport]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for i in 0..files.len() {
        let Some(id) = files[i].scenario.as_ref().map(|s| s.id.clone()) else {
            continue;
        };
        let Some(&first) = seen.get(&id) else {
            seen.insert(id, i);
            continue;
        };
        let id_path = SPath::root().field("id");
        let (first_related, first_display) = {
            let f = &files[first];
            let span = span_for(&SourceMap::new(&f.source), &id_path, Part::Value);
            let idx = LineIndex::new(&f.source);
            (
                idx.related(&f.path, span, "first declared here".to_string()),
                f.path.display().to_string(),
            )
        };
        let f = &mut files[i];
        let map = SourceMap::new(&f.source);
        let idx = LineIndex::new(&f.source);
        let span = span_for(&map, &id_path, Part::Value);
        let mut finding = idx.finding(
            Code::E010,
            &f.path,
            span,
            format!("scenario id `{id}` is already used by {first_display}"),
            Some(
                "scenario ids must be unique across the library (attempt records refer to \
                 them): rename one of the two"
                    .to_string(),
            ),
        );
        finding.label = Some("duplicate scenario id".to_string());
        finding.related.push(first_related);
        f.findings.push(finding);
        f.findings.sort_by_key(|f| f.span().map_or(0, |s| s.0));
    }
}

// ---------------------------------------------------------------------------------------
// "Did you mean"
// ---------------------------------------------------------------------------------------

/// The candidate closest to `found` (case-insensitive match, or a small edit distance).
pub fn suggest<'c>(found: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = found.to_lowercase();
    let limit = (found.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == found {
            continue;
        }
        let d = if c.to_lowercase() == lower {
            0
        } else {
            strsim::levenshtein(&lower, &c.to_lowercase())
        };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("nxt", ["next", "says", "id"]), Some("next"));
        assert_eq!(suggest("zh-cn", ["zh-CN", "en"]), Some("zh-CN"));
        assert_eq!(suggest("l6", ["L6", "L7"]), Some("L6"));
        assert_eq!(suggest("completely-else", ["greet", "apology"]), None);
        // The distance counts characters, not bytes (one CJK character is one edit).
        assert_eq!(strsim::levenshtein("kitten", "sitting"), 3);
        assert_eq!(strsim::levenshtein("您好", "你好"), 1);
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "",
            "(",
            "\u{feff}(",
            "(id: \"x\"",
            "[[[[",
            "\"",
            "r#\"",
            "(steps: [(replies: [(next: 5)])])",
        ] {
            let r = validate_source(Path::new("x.ron"), s);
            assert!(!r.findings.is_empty(), "{s:?}");
            assert!(r.has_errors());
        }
        let r = validate_bytes(Path::new("x.ron"), b"(id: \"\xff\xfe\")");
        assert_eq!(r.findings[0].code, Code::E001);
        assert_eq!(r.findings[0].position(), Some((1, 7)));
    }
}
