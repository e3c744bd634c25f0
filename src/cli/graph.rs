//! `courtesy graph`: print a scenario's step graph as Graphviz dot or Mermaid.

use crate::cli::{CliError, finished, load};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    /// A scenario id (looked up in --scenarios) or a path to a .ron file.
    pub scenario: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Locale for outcome labels.
    #[arg(long, default_value = "en")]
    pub locale: String,
    /// Folder to look scenario ids up in (default: scenarios/).
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// A records folder (see `courtesy report`): weight each reply's edge by how often
    /// learners took it.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GraphFormat {
    Dot,
    Mermaid,
}

pub(crate) fn run(
    args: GraphArgs,
    station: &crate::station::StationConfig,
) -> Result<ExitCode, CliError> {
    let loaded = load::resolve(station, &args.scenario, args.scenarios.as_deref())?;
    let weights = match &args.data_dir {
        None => None,
        Some(dir) => Some(edge_weights(dir, &loaded.scenario.id)?),
    };
    let text = match args.format {
        GraphFormat::Dot => {
            crate::core::graph::to_dot_weighted(&loaded.scenario, &args.locale, weights.as_ref())
        }
        GraphFormat::Mermaid => crate::core::graph::to_mermaid_weighted(
            &loaded.scenario,
            &args.locale,
            weights.as_ref(),
        ),
    };
    print!("{text}");
    Ok(finished(false))
}

/// How often each reply of `scenario` was chosen, from the store in `dir` (never created).
fn edge_weights(
    dir: &std::path::Path,
    scenario: &str,
) -> Result<crate::core::graph::EdgeWeights, crate::core::records::RecordsError> {
    use crate::core::records::{Filter, Store, store_path};
    let store = Store::open_existing(&store_path(dir))?;
    let choices = store.reply_choices(&Filter::all().scenario(scenario))?;
    Ok(choices
        .into_iter()
        .map(|c| ((c.step_id, c.reply_id), (c.chosen, c.share)))
        .collect())
}
