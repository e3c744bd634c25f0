//! The customer's mood: clamping, and the named bands the UI shows (face and meter label).

use crate::model::{MOOD_MAX, MOOD_MIN};
use serde::Serialize;

/// Applies a reply's mood change, keeping the mood within 0–100.
pub fn apply(mood: i32, delta: i32) -> i32 {
    mood.saturating_add(delta).clamp(MOOD_MIN, MOOD_MAX)
}

/// A named band of the 0–100 mood scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MoodBand {
    /// 0–19
    Furious,
    /// 20–39
    Upset,
    /// 40–59
    Uneasy,
    /// 60–79
    Calm,
    /// 80–100
    Pleased,
}

impl MoodBand {
    /// The band `mood` falls in.
    pub fn of(mood: i32) -> MoodBand {
        match mood {
            i32::MIN..=19 => MoodBand::Furious,
            20..=39 => MoodBand::Upset,
            40..=59 => MoodBand::Uneasy,
            60..=79 => MoodBand::Calm,
            _ => MoodBand::Pleased,
        }
    }

    /// A display label in `locale`.
    pub fn label(self, locale: &str) -> &'static str {
        let zh = locale.starts_with("zh");
        match (self, zh) {
            (MoodBand::Furious, false) => "Furious",
            (MoodBand::Upset, false) => "Upset",
            (MoodBand::Uneasy, false) => "Uneasy",
            (MoodBand::Calm, false) => "Calm",
            (MoodBand::Pleased, false) => "Pleased",
            (MoodBand::Furious, true) => "非常生气",
            (MoodBand::Upset, true) => "不满",
            (MoodBand::Uneasy, true) => "不安",
            (MoodBand::Calm, true) => "平静",
            (MoodBand::Pleased, true) => "满意",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_clamps_to_scale() {
        assert_eq!(apply(95, 20), 100);
        assert_eq!(apply(5, -20), 0);
        assert_eq!(apply(50, -15), 35);
        assert_eq!(apply(i32::MAX, i32::MAX), 100);
    }

    #[test]
    fn bands_cover_the_scale_at_their_edges() {
        assert_eq!(MoodBand::of(0), MoodBand::Furious);
        assert_eq!(MoodBand::of(19), MoodBand::Furious);
        assert_eq!(MoodBand::of(20), MoodBand::Upset);
        assert_eq!(MoodBand::of(59), MoodBand::Uneasy);
        assert_eq!(MoodBand::of(60), MoodBand::Calm);
        assert_eq!(MoodBand::of(100), MoodBand::Pleased);
    }
}
