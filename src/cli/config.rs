//! `courtesy config`: the station's effective configuration, every value with where it came from.

use crate::cli::{CliError, finished};
use crate::station::{Flags, StationConfig, Timers};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    /// Print JSON: every setting as `{ "value": …, "from": { "kind": "flag" | "env" | "file" | "default", … } }`.
    #[arg(long)]
    pub json: bool,
    /// The station name (default: $COURTESY_STATION, else the file's `station`, else the host name).
    #[arg(long, value_name = "NAME")]
    pub station: Option<String>,
    /// A scenario folder (repeat for several; default: $COURTESY_SCENARIOS, else the
    /// file's `scenario_folders`, else ./scenarios if it exists).
    #[arg(long, value_name = "DIR")]
    pub scenarios: Vec<PathBuf>,
    /// Folder of the attempt records (default: $COURTESY_DATA_DIR, else the file's
    /// `data_dir`, else the platform data directory).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The LRS configuration file (default: $COURTESY_LRS_CONFIG, else the file's
    /// `lrs_config`, else lrs.ron in the data folder).
    #[arg(long, value_name = "FILE")]
    pub lrs_config: Option<PathBuf>,
    /// The app's default language.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::core::text::SUPPORTED_LOCALES))]
    pub locale: Option<String>,
    /// The app's default reply timers.
    #[arg(long, value_enum)]
    pub timers: Option<Timers>,
}

/// Prints the configuration; exit 2 (with the located error) when the file is broken.
pub(crate) fn run(args: &ConfigArgs, config: Option<PathBuf>) -> Result<ExitCode, CliError> {
    let flags = Flags {
        config,
        station: args.station.clone(),
        scenarios: args.scenarios.clone(),
        data_dir: args.data_dir.clone(),
        lrs_config: args.lrs_config.clone(),
        locale: args.locale.clone(),
        timers: args.timers,
    };
    let cfg = StationConfig::load(&flags)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&cfg)?);
        return Ok(finished(false));
    }
    let rows = cfg.rows();
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    for (name, value, from) in rows {
        println!("{name:<width$} = {value}  [{from}]");
    }
    Ok(finished(false))
}
