//! Courtesy: customer-service etiquette training simulator.
pub mod core;
