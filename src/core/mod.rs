//! The engine-free core: scenario model, loading, validation, sessions and scoring.
//! Nothing under `core` may import bevy or egui.

pub mod check;
pub mod coverage;
pub mod diagnostics;
pub mod graph;
pub mod learning;
pub mod library;
pub mod load;
pub mod locate;
pub mod lrs;
pub mod markers;
pub mod model;
pub mod mood;
pub mod quality;
pub mod records;
pub mod rules;
pub mod scoring;
pub mod session;
pub mod strategy;
pub mod template;
pub mod text;
pub mod untrusted;
pub mod validate;
pub mod xapi;
