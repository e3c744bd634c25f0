//! The `courtesy` command line: argument definitions, dispatch to one module per command, and [`CliError`], the one place errors become messages and exit codes.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[cfg(feature = "app")]
pub(crate) mod app;
pub(crate) mod check;
pub(crate) mod config;
pub(crate) mod export;
pub(crate) mod graph;
pub(crate) mod list;
pub(crate) mod load;
pub(crate) mod manager;
pub(crate) mod new;
pub(crate) mod report;
pub mod run;
pub(crate) mod sync;
pub(crate) mod validate;

use crate::exit::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
// The commands' own errors, part of [`CliError`].
pub use export::ExportError;
pub use manager::AccessError;
pub use new::NewError;
pub use report::ReportError;
pub use run::RunError;
pub use sync::SyncError;

/// Courtesy: customer-service etiquette training. With no subcommand, opens the training-room app.
#[derive(Debug, Parser)]
#[command(name = "courtesy", version, about, long_about = None)]
pub(crate) struct Cli {
    /// The station configuration file (default: $COURTESY_CONFIG, else station.ron in the
    /// platform config directory; see `courtesy config`).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
    App(app::AppFlags),
}

/// Output format shared by commands that can print JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum Format {
    #[default]
    Text,
    Json,
}

/// Why a command could not do its work. Each command's typed error, wrapped; `main`
/// prints it once (`error: …`) and exits with [`CliError::exit_code`].
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The arguments do not parse (clap prints these itself, with the usage).
    #[error("{0}")]
    Args(#[from] clap::Error),
    /// The arguments parse but do not make sense together.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Station(#[from] crate::station::ConfigError),
    #[error(transparent)]
    Library(#[from] crate::core::library::LibraryError),
    #[error(transparent)]
    Records(#[from] crate::core::records::RecordsError),
    #[error(transparent)]
    Lrs(#[from] crate::core::lrs::LrsError),
    #[error(transparent)]
    Access(#[from] manager::AccessError),
    #[error(transparent)]
    Report(#[from] report::ReportError),
    #[error(transparent)]
    Export(#[from] export::ExportError),
    #[error(transparent)]
    New(#[from] new::NewError),
    #[error(transparent)]
    Sync(#[from] sync::SyncError),
    #[error(transparent)]
    Run(#[from] run::RunError),
    #[error("could not write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[cfg(feature = "app")]
    #[error(transparent)]
    App(#[from] crate::app::AppError),
}

impl CliError {
    /// 1 when the command ran and the thing it checked failed (an attempt that cannot be
    /// played through, `--expect` not met, the app crashing); 2 for bad usage and for
    /// anything that could not be read or written.
    pub fn exit_code(&self) -> ExitCode {
        let code = match self {
            CliError::Run(e) => e.exit_code(),
            #[cfg(feature = "app")]
            CliError::App(e) => e.exit_code(),
            _ => EXIT_USAGE,
        };
        ExitCode::from(code)
    }

    /// Prints the error on stderr, once: clap's own rendering for argument errors,
    /// `error: …` for the rest.
    pub fn print(&self) {
        match self {
            CliError::Args(e) => {
                let _ = e.print();
            }
            e => eprintln!("error: {e}"),
        }
    }
}

/// The exit code of a command that ran to its end: 0, or 1 when it found problems (which
/// it has printed).
pub(crate) fn finished(findings: bool) -> ExitCode {
    ExitCode::from(if findings { EXIT_FINDINGS } else { EXIT_OK })
}

/// Parses the process's command line and runs the command: 0 clean, 1 findings
/// (printed by the command); errors are returned for `main` to print and map.
pub fn run() -> Result<ExitCode, CliError> {
    run_from(std::env::args_os())
}

/// Like [`run`], with the command line given (`args` starts with the program name).
pub fn run_from<I, T>(args: I) -> Result<ExitCode, CliError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            let _ = e.print();
            return Ok(ExitCode::from(EXIT_OK));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(Command::Config(a)) = &cli.command {
        return config::run(a, cli.config.clone());
    }
    // The station's configuration, resolved once (flag > environment > file > default)
    // and handed to the command: nothing below reads it from the process.
    let station = crate::station::StationConfig::load(&crate::station::Flags {
        config: cli.config.clone(),
        ..Default::default()
    })?;
    let station = &station;
    match cli.command {
        Some(Command::Validate(a)) => validate::run(a, station),
        Some(Command::Run(a)) => run::run(a, station),
        Some(Command::Graph(a)) => graph::run(a, station),
        Some(Command::Check(a)) => check::run(a, station),
        Some(Command::List(a)) => list::run(a, station),
        Some(Command::Report(a)) => report::run(a, station),
        Some(Command::Sync(a)) => sync::run(a, station),
        Some(Command::Export(a)) => export::run(a, station),
        Some(Command::Manager(a)) => manager::run(a, station),
        Some(Command::New(a)) => new::run(a),
        Some(Command::Config(_)) => Ok(finished(false)),
        #[cfg(feature = "app")]
        Some(Command::App(a)) => app::run(a, station),
        #[cfg(feature = "app")]
        None => app::run(app::AppFlags::default(), station),
        #[cfg(not(feature = "app"))]
        None => Err(CliError::Usage(
            "courtesy was built without the `app` feature, so it cannot open the app.\n\
             Use a subcommand (see `courtesy --help`), or rebuild with default features."
                .into(),
        )),
    }
}
