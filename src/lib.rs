//! Courtesy: customer-service etiquette training simulator (library behind the `courtesy` binary).
#[cfg(feature = "app")]
pub mod app;
pub mod cli;
pub mod core;
pub mod station;
