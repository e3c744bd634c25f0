//! `courtesy list`: the scenarios found.
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Files or folders to list (default: scenarios/).
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: ListArgs) -> u8 {
    super::EXIT_USAGE
}
