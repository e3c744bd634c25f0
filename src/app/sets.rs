//! The system sets that order the egui pass: the theme first, then the screens (shared by theme, screens and the panels drawn over them).

use bevy::prelude::*;

/// Ordering inside the egui pass: the theme first, then the screen.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub enum UiSet {
    Theme,
    Screens,
}
