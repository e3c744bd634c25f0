//! `courtesy validate`: check scenario files and report every finding with its location.

use super::CliError;
use crate::core::check::{
    CheckOptions, LocatedFlag, check, locate_flags, render_text as check_text,
};
use crate::core::diagnostics::{Finding, render_text};
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
pub(crate) fn run(args: ValidateArgs) -> Result<ExitCode, CliError> {
    let library = if args.paths.is_empty() {
        Library::load_strict(&super::load::sources(None))?
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

/// One entry of the JSON array: a validator finding or a located score-check flag (the
/// same fields, see docs/validation.md), serialised in their fields' order.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum JsonItem<'a> {
    Finding(&'a Finding),
    Flag(LocatedFlag),
}

/// The command's output and whether the score check flagged any scenario. Text: the
/// diagnostics, then (with `scores`) the score tables and the flags with their locations.
/// JSON: one array built once from the validator's findings and (with `scores`) the
/// score-check flags (codes S001–S004), never re-read from text.
fn render(
    library: &Library,
    format: super::Format,
    scores: bool,
) -> Result<(String, bool), serde_json::Error> {
    let report = &library.report;
    let mut flagged = false;
    let mut text = String::new();
    let mut json: Vec<JsonItem<'_>> = match format {
        super::Format::Json => report.findings().map(JsonItem::Finding).collect(),
        super::Format::Text => Vec::new(),
    };
    for l in library.scenarios.iter().filter(|_| scores) {
        let c = check(&l.scenario, CheckOptions::default());
        flagged |= !c.flags.is_empty();
        let src = report
            .files
            .iter()
            .find(|f| f.path == l.path)
            .map(|f| f.source.as_str())
            .unwrap_or("");
        let located = locate_flags(&c, &l.scenario, &l.path, src);
        match format {
            super::Format::Text => {
                text.push_str(&check_text(&c, &l.scenario));
                for f in &located {
                    text.push_str(&format!(
                        "  --> {}:{}:{}\n",
                        f.file.display(),
                        f.line,
                        f.column
                    ));
                }
                text.push('\n');
            }
            super::Format::Json => json.extend(located.into_iter().map(JsonItem::Flag)),
        }
    }
    let out = match format {
        super::Format::Text => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let mut out = render_text(report, color);
            if scores {
                out = format!("{out}\nscore check:\n{text}");
            }
            out
        }
        super::Format::Json => format!("{}\n", serde_json::to_string_pretty(&json)?),
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
}
