//! The scoring-case fixture (tests/fixtures/scoring-case.ron) that many tests play.
#![allow(dead_code)]

use courtesy::core::load::parse_str;
use courtesy::core::model::Scenario;
use std::sync::Arc;

/// The path of tests/fixtures/scoring-case.ron.
pub const SCORING_CASE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/scoring-case.ron"
);

/// The scoring-case fixture, parsed.
pub fn scoring_case() -> Arc<Scenario> {
    let src = std::fs::read_to_string(SCORING_CASE).expect("fixture readable");
    Arc::new(parse_str(&src).expect("fixture parses"))
}
