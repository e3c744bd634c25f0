//! `courtesy validate`: check scenario files and report findings.
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or folders to check (default: scenarios/).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: super::Format,
}

pub fn run(_args: ValidateArgs) -> u8 {
    eprintln!("validate: not implemented yet");
    super::EXIT_USAGE
}
