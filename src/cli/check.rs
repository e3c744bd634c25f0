//! `courtesy check`: the score check (score ranges per ending, scoring-design flags).

use crate::cli::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Format, load};
use crate::core::check::{CheckOptions, check, render_text};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario ids or .ron paths (default: every scenario in --scenarios).
    pub scenarios_or_paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Folder to look scenario ids up in (default: scenarios/).
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// How many times one path may visit the same step (loops).
    #[arg(long, default_value_t = 2)]
    pub max_visits: u32,
}

pub fn run(args: CheckArgs) -> u8 {
    let loaded = match load::resolve_many(&args.scenarios_or_paths, args.scenarios.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let opts = CheckOptions {
        max_visits_per_step: args.max_visits.max(1),
        ..CheckOptions::default()
    };
    let mut flagged = false;
    let mut reports = Vec::new();
    for l in &loaded {
        let c = check(&l.scenario, opts);
        flagged |= !c.flags.is_empty();
        match args.format {
            Format::Text => println!("{}", render_text(&c, &l.scenario)),
            Format::Json => reports.push(c),
        }
    }
    if args.format == Format::Json {
        match serde_json::to_string_pretty(&reports) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: could not write JSON: {e}");
                return EXIT_USAGE;
            }
        }
    }
    if flagged { EXIT_FINDINGS } else { EXIT_OK }
}
