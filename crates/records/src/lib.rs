//! Attempt records (SQLite), xAPI statements and the Learning Record Store client, over the
//! scenario engine (`courtesy_engine`). No bevy or egui: `tests/layers.rs` fails if they
//! ever reach this crate's dependency graph.

pub mod assignment_xapi;
pub mod lrs;
pub mod records;
pub mod untrusted;
pub mod xapi;
