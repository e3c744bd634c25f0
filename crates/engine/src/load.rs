//! Reading scenario files: RON options, parsing one file, content hashes.

use crate::model::Scenario;
use ron::extensions::Extensions;
use sha2::{Digest, Sha256};

/// The RON dialect scenario files are read with. `implicit_some` lets trainers write
/// `time_limit: 20` instead of `time_limit: Some(20)`.
pub fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME)
}

/// Parses one scenario file's text (shape only: see `core::validate` for the rest).
pub fn parse_str(src: &str) -> Result<Scenario, ron::error::SpannedError> {
    ron_options().from_str(src)
}

/// The content hash recorded with every attempt: hex SHA-256 of the file's bytes.
pub fn content_hash(src: &str) -> String {
    let digest = Sha256::digest(src.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
