//! `courtesy validate`: check scenario files and report every finding with its location.

use super::CliError;
use crate::core::check::{CheckOptions, check, locate_flags, render_text as check_text};
use crate::core::diagnostics::{
    FileReport, Finding, ValidationReport, render_findings, render_text,
};
use crate::core::library::Library;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Files or folders to check; a folder means every `*.ron` in it (default: the
    /// station's scenarios, embedded and configured folders).
    pub paths: Vec<PathBuf>,
    /// Output format: `text` (diagnostics with source lines) or `json` (one array of
    /// findings, see docs/validation.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: super::Format,
    /// Also check the scoring design of every valid scenario: per ending, the lowest and
    /// highest score per principle and overall, and flags S001–S004 (no path passes, the
    /// worst path passes, a good ending only reachable with a failing score, a principle
    /// that never varies). Flags make the exit code 1.
    #[arg(long)]
    pub scores: bool,
}

/// Runs the command. Exit code 0 when no file has an error (warnings allowed), 1 when
/// some file has one, 2 when a path is missing or unreadable.
pub(crate) fn run(
    args: ValidateArgs,
    station: &crate::station::StationConfig,
) -> Result<ExitCode, CliError> {
    let library = if args.paths.is_empty() {
        Library::load_strict(&super::load::sources(station, None))?
    } else {
        Library::load_paths(&args.paths)?
    };
    let report = &library.report;
    let (out, flagged) = render(&library, args.format, args.scores)?;
    if matches!(args.format, super::Format::Json) {
        eprintln!("{}", report.summary());
    }
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not worth a panic or an error message.
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    Ok(super::finished(report.has_errors() || flagged))
}

/// The command's output and whether the score check flagged any scenario. Text: the
/// diagnostics, then (with `scores`) each scenario's score table and its flags, rendered
/// like the diagnostics. JSON: one array of findings, the validator's and (with `scores`)
/// the score check's (codes S001–S004), the same type and shape, never re-read from text.
fn render(
    library: &Library,
    format: super::Format,
    scores: bool,
) -> Result<(String, bool), serde_json::Error> {
    let report = &library.report;
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut flagged = false;
    let mut tables = String::new();
    // The score-check flags, per file (the file's text, to show the source lines).
    let mut flags = ValidationReport::default();
    for l in library.scenarios.iter().filter(|_| scores) {
        let c = check(&l.scenario, CheckOptions::default());
        flagged |= !c.flags.is_empty();
        let source = report
            .files
            .iter()
            .find(|f| f.path == l.path)
            .map(|f| f.source.clone())
            .unwrap_or_default();
        let one = ValidationReport {
            files: vec![FileReport {
                findings: locate_flags(&c, &l.scenario, &l.path, &source),
                path: l.path.clone(),
                source,
                scenario: None,
            }],
        };
        tables.push_str(&check_text(&c, &l.scenario));
        tables.push_str(&render_findings(&one, color));
        tables.push('\n');
        flags.files.extend(one.files);
    }
    let out = match format {
        super::Format::Text => {
            let mut out = render_text(report, color);
            if scores {
                out = format!("{out}\nscore check:\n{tables}");
            }
            out
        }
        super::Format::Json => {
            let all: Vec<&Finding> = report.findings().chain(flags.findings()).collect();
            format!("{}\n", serde_json::to_string_pretty(&all)?)
        }
    };
    Ok((out, flagged))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with both a validator warning (W072) and score-check flags (S001, S003).
    fn library() -> Library {
        let path = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/invalid/w072-best-reply-critical.ron"
        ));
        Library::load_paths(&[path]).expect("fixture loads")
    }

    #[test]
    fn json_with_scores_never_loses_the_validator_findings() {
        let lib = library();
        // The merge used to re-read the findings from their JSON text and turn a failure
        // into "no findings"; now both come from typed values in one array.
        let (out, flagged) = render(&lib, super::super::Format::Json, true).expect("renders");
        assert!(flagged);
        let all: Vec<serde_json::Value> = serde_json::from_str(&out).expect("one JSON array");
        let codes: Vec<&str> = all.iter().filter_map(|f| f["code"].as_str()).collect();
        for c in ["W072", "S001", "S003"] {
            assert!(codes.contains(&c), "{c} missing from {codes:?}");
        }
        // Without --scores: the validator's findings alone.
        let (out, flagged) = render(&lib, super::super::Format::Json, false).expect("renders");
        assert!(
            !flagged && out.contains("W072") && !out.contains("S001"),
            "{out}"
        );
    }

    #[test]
    fn text_with_scores_renders_the_flags_like_the_findings() {
        let lib = library();
        let (out, flagged) = render(&lib, super::super::Format::Text, true).expect("renders");
        assert!(flagged);
        assert!(out.contains("warning[W072]"), "{out}");
        let (_, scores) = out.split_once("score check:").expect("a score section");
        // The flag, where it points (the pass mark, line 18) with the source line, and its hint.
        assert!(scores.contains("warning[S001]: no path passes"), "{scores}");
        assert!(
            scores.contains("w072-best-reply-critical.ron:18:20"),
            "{scores}"
        );
        assert!(scores.contains("pass_mark: 60"), "{scores}");
        assert!(scores.contains("help: run `courtesy check`"), "{scores}");
        // Each flag once: the table no longer prints its own copy.
        assert_eq!(scores.matches("[S001]").count(), 1, "{scores}");
    }
}
