//! Localised text: one string per locale, as trainers write it in scenario files.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The locales the product ships UI strings for. A scenario may declare a subset.
pub const SUPPORTED_LOCALES: &[&str] = &["zh-CN", "en"];

/// A displayed text in every locale the scenario declares, written in RON as
/// `{"zh-CN": "您好", "en": "Hello"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(pub BTreeMap<String, String>);

/// `chars` without white space at either end, and every run of white space inside (a
/// full-width space, a no-break space, a line break …) made one ordinary space.
pub fn fold_spaces(chars: impl IntoIterator<Item = char>) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in chars {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

impl Text {
    /// The text in `locale`, falling back to English, then to any translation present.
    /// Validation guarantees every declared locale is present, so the fallback only
    /// matters for files that failed validation.
    pub fn get(&self, locale: &str) -> &str {
        self.0
            .get(locale)
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Whether a non-empty translation for `locale` exists.
    pub fn has(&self, locale: &str) -> bool {
        self.0.get(locale).is_some_and(|s| !s.trim().is_empty())
    }

    /// Builds a text from `(locale, string)` pairs (tests, generators).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Text(
            pairs
                .into_iter()
                .map(|(l, s)| (l.to_string(), s.to_string()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fold_spaces_trims_and_makes_each_run_one_space() {
        assert_eq!(
            super::fold_spaces("\u{3000} a \u{a0}\n\tb  c ".chars()),
            "a b c"
        );
        assert_eq!(super::fold_spaces("   ".chars()), "");
    }
}
