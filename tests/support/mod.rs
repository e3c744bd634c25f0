//! Helpers shared by integration tests (`mod support;`).
#[cfg(feature = "app")]
pub mod app;
pub mod cli;
pub mod fixture;
pub mod http;
pub mod outbox;
pub mod ralph;
pub mod source;
