//! Courtesy: customer-service etiquette training simulator (library behind the `courtesy` binary).
#[cfg(feature = "app")]
pub mod app;
pub mod cli;

/// The engine-free layers under their old paths: the scenario engine (`courtesy_engine`,
/// crates/engine) and records + xAPI + LRS (`courtesy_records`, crates/records), so that
/// `crate::core::model`, `courtesy::core::records`, … keep naming the same items.
pub mod core {
    pub use courtesy_engine::*;
    pub use courtesy_records::{lrs, records, untrusted, xapi};
}
