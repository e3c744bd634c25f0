//! The scenario engine: model, loading, validation, sessions and scoring.
//! No bevy, egui, SQLite or HTTP: its Cargo.toml does not list them and `tests/layers.rs`
//! fails if they ever reach its dependency graph.

pub mod check;
pub mod coverage;
pub mod diagnostics;
pub mod graph;
pub mod learning;
pub mod library;
pub mod load;
pub mod locate;
pub mod markers;
pub mod model;
pub mod mood;
pub mod quality;
pub mod rules;
pub mod scoring;
pub mod session;
pub mod strategy;
pub mod template;
pub mod text;
pub mod validate;
