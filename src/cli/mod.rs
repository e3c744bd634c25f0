//! The `courtesy` command line: argument definitions and dispatch to one module per command.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

pub mod check;
pub mod config;
pub mod export;
pub mod graph;
pub mod list;
pub mod load;
pub mod manager;
pub mod new;
pub mod report;
pub mod run;
pub mod sync;
pub mod validate;

pub use crate::exit::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

/// Courtesy: customer-service etiquette training. With no subcommand, opens the training-room app.
#[derive(Debug, Parser)]
#[command(name = "courtesy", version, about, long_about = None)]
pub struct Cli {
    /// The station configuration file (default: $COURTESY_CONFIG, else station.ron in the
    /// platform config directory; see `courtesy config`).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario files and report every problem with its location.
    Validate(validate::ValidateArgs),
    /// Play a scenario headless along a given path or strategy and print the result.
    Run(run::RunArgs),
    /// Check scoring design: score ranges per ending, and flags (nothing passes, worst passes …).
    Check(check::CheckArgs),
    /// Print a scenario's step graph (Graphviz dot or Mermaid).
    Graph(graph::GraphArgs),
    /// Write a new, valid, commented scenario file to start from.
    New(new::NewArgs),
    /// List the scenarios found.
    List(list::ListArgs),
    /// Summarise the recorded attempts: cohort averages, trainees, trends, where learners go wrong.
    Report(report::ReportArgs),
    /// Send the queued xAPI statements to the organisation's LRS (or show the queue: --status).
    Sync(sync::SyncArgs),
    /// Write the xAPI statements to a JSON file, for rooms with no network.
    Export(export::ExportArgs),
    /// Print the station's effective configuration and where each value came from.
    Config(config::ConfigArgs),
    /// The manager password: `courtesy manager set-password`.
    Manager(manager::ManagerArgs),
    /// Open the training-room app (the default when no subcommand is given).
    #[cfg(feature = "app")]
    App(crate::app::AppArgs),
}

/// Output format shared by commands that can print JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// Parses the command line and runs the command; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::from(EXIT_OK)
                }
                _ => ExitCode::from(EXIT_USAGE),
            };
        }
    };
    if let Some(Command::Config(a)) = &cli.command {
        return ExitCode::from(config::run(a, cli.config.clone()));
    }
    match crate::station::StationConfig::load(&crate::station::Flags {
        config: cli.config.clone(),
        ..Default::default()
    }) {
        Ok(station) => {
            // SAFETY: nothing has started a thread yet (this runs first thing in `main`).
            unsafe { station.export_file_values() };
            crate::station::set_current(station);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    }
    let code = match cli.command {
        Some(Command::Validate(a)) => validate::run(a),
        Some(Command::Run(a)) => run::run(a),
        Some(Command::Graph(a)) => graph::run(a),
        Some(Command::Check(a)) => check::run(a),
        Some(Command::List(a)) => list::run(a),
        Some(Command::Report(a)) => report::run(a),
        Some(Command::Sync(a)) => sync::run(a),
        Some(Command::Export(a)) => export::run(a),
        Some(Command::Manager(a)) => manager::run(a),
        Some(Command::New(a)) => new::run(a),
        Some(Command::Config(_)) => EXIT_OK,
        #[cfg(feature = "app")]
        Some(Command::App(a)) => crate::app::run(a),
        #[cfg(feature = "app")]
        None => crate::app::run(crate::app::AppArgs::default()),
        #[cfg(not(feature = "app"))]
        None => {
            eprintln!(
                "courtesy was built without the `app` feature, so it cannot open the app.\n\
                 Use a subcommand (see `courtesy --help`), or rebuild with default features."
            );
            EXIT_USAGE
        }
    };
    ExitCode::from(code)
}
