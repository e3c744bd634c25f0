//! The engine-free core: scenario model, loading, validation, sessions and scoring.
//! Nothing under `core` may import bevy or egui.

pub mod load;
pub mod model;
pub mod rules;
pub mod text;
