//! `courtesy validate`: check scenario files and report every finding with its location.

use crate::core::diagnostics::{render_json, render_text};
use crate::core::library::Library;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or folders to check; a folder means every `*.ron` in it (default: scenarios/).
    pub paths: Vec<PathBuf>,
    /// Output format: `text` (diagnostics with source lines) or `json` (one array of
    /// findings, see docs/validation.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: super::Format,
}

/// Runs the command. Exit code 0 when no file has an error (warnings allowed), 1 when
/// some file has one, 2 when a path is missing or unreadable.
pub fn run(args: ValidateArgs) -> u8 {
    let paths = if args.paths.is_empty() {
        vec![super::default_scenarios_dir()]
    } else {
        args.paths
    };
    let library = match Library::load_paths(&paths) {
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
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not worth a panic or an error message.
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    if report.has_errors() {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}
