//! Courtesy: customer-service etiquette training simulator (library behind the `courtesy` binary).
pub mod cli;
pub mod core;
