//! Courtesy: customer-service etiquette training simulator (library behind the `courtesy` binary).
#[cfg(feature = "app")]
pub mod app;
pub mod cli;

/// The process exit codes, shared by the command line and the app (which does not
/// import `cli`: the command line calls the app, never the reverse).
pub mod exit {
    /// Success, nothing to report.
    pub const EXIT_OK: u8 = 0;
    /// The command ran and found problems (validation findings, a failed attempt …).
    pub const EXIT_FINDINGS: u8 = 1;
    /// Bad usage or an I/O error (unreadable file, unknown scenario …).
    pub const EXIT_USAGE: u8 = 2;
}

/// The engine-free layers under their old paths: the scenario engine (`courtesy_engine`,
/// crates/engine) and records + xAPI + LRS (`courtesy_records`, crates/records), so that
/// `crate::core::model`, `courtesy::core::records`, … keep naming the same items.
pub mod core {
    pub use courtesy_engine::*;
    pub use courtesy_records::{assignment_xapi, lrs, records, untrusted, xapi};
}
pub mod station;
