//! `courtesy graph`: print a scenario's step graph as Graphviz dot or Mermaid.

use crate::cli::{EXIT_OK, EXIT_USAGE, load};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct GraphArgs {
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

pub fn run(args: GraphArgs) -> u8 {
    let loaded = match load::resolve(&args.scenario, args.scenarios.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let text = match args.format {
        GraphFormat::Dot => crate::core::graph::to_dot(&loaded.scenario, &args.locale),
        GraphFormat::Mermaid => crate::core::graph::to_mermaid(&loaded.scenario, &args.locale),
    };
    print!("{text}");
    EXIT_OK
}
