//! `courtesy validate`: check scenario files and report every finding with its location.

use crate::core::diagnostics::{render_json, render_text};
use crate::core::library::Library;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ValidateArgs {
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
pub fn run(args: ValidateArgs) -> u8 {
    let loaded = if args.paths.is_empty() {
        Library::load_strict(&super::load::sources(None))
    } else {
        Library::load_paths(&args.paths)
    };
    let library = match loaded {
        Ok(lib) => lib,
        Err(e) => {
            eprintln!("error: {e}");
            return super::EXIT_USAGE;
        }
    };
    let report = &library.report;
    let out = match args.format {
        super::Format::Text => {
            let stdout = std::io::stdout();
            let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
            render_text(report, color)
        }
        super::Format::Json => {
            let mut s = render_json(report);
            s.push('\n');
            eprintln!("{}", report.summary());
            s
        }
    };
    let (out, flagged) = if args.scores {
        with_score_check(&library, args.format, out)
    } else {
        (out, false)
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not worth a panic or an error message.
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    if report.has_errors() || flagged {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}

/// Appends the score check of every valid scenario to `out` (text: the tables and the
/// flags with their locations; JSON: the flags merged into the findings array, with
/// codes S001–S004). Returns the new output and whether any scenario was flagged.
fn with_score_check(library: &Library, format: super::Format, out: String) -> (String, bool) {
    use crate::core::check::{CheckOptions, check, locate_flags, render_text as check_text};
    let mut flagged = false;
    let mut text = String::new();
    let mut json_flags = Vec::new();
    for l in &library.scenarios {
        let c = check(&l.scenario, CheckOptions::default());
        flagged |= !c.flags.is_empty();
        let src = library
            .report
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
            super::Format::Json => json_flags.extend(located),
        }
    }
    match format {
        super::Format::Text => (format!("{out}\nscore check:\n{text}"), flagged),
        super::Format::Json => {
            let mut all: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap_or_default();
            all.extend(
                json_flags
                    .iter()
                    .filter_map(|f| serde_json::to_value(f).ok()),
            );
            let s = serde_json::to_string_pretty(&all).unwrap_or_else(|_| "[]".to_string());
            (format!("{s}\n"), flagged)
        }
    }
}
