//! Surface cues in reply texts (`data/markers.ron`): politeness words and consultative
//! phrasing per locale, counted the way a naive trainee would spot them.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Which marker list to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarkerKind {
    /// Politeness words: en sorry/please/thank…, zh 您/请/抱歉…
    Politeness,
    /// Consultative phrasing: en "how about", "would you like"…, zh 您看/好吗/可以吗…
    Consultative,
}

/// The marker lists, per locale.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Markers {
    pub politeness: BTreeMap<String, Vec<String>>,
    pub consultative: BTreeMap<String, Vec<String>>,
}

const MARKERS_RON: &str = include_str!("../../../data/markers.ron");

/// Parses the embedded lists, reporting the error (used by tests).
pub fn parse_markers() -> Result<Markers, ron::error::SpannedError> {
    ron::from_str(MARKERS_RON)
}

/// The lists compiled into the binary. Their parse is checked by a unit test, so broken
/// lists cannot ship; should they ever fail, the lists are empty and every count is 0.
pub fn markers() -> &'static Markers {
    static MARKERS: OnceLock<Markers> = OnceLock::new();
    MARKERS.get_or_init(|| parse_markers().unwrap_or_default())
}

impl Markers {
    /// The list of `kind` for `locale`: the exact locale, else the first list whose
    /// language (the part before `-`) matches, else none.
    pub fn list(&self, kind: MarkerKind, locale: &str) -> &[String] {
        let lists = match kind {
            MarkerKind::Politeness => &self.politeness,
            MarkerKind::Consultative => &self.consultative,
        };
        if let Some(l) = lists.get(locale) {
            return l;
        }
        let lang = locale.split('-').next().unwrap_or(locale);
        lists
            .iter()
            .find(|(k, _)| k.split('-').next() == Some(lang))
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    /// How many markers of `kind` `text` carries in `locale` (see [`count_in`]).
    pub fn count(&self, kind: MarkerKind, locale: &str, text: &str) -> usize {
        count_in(text, self.list(kind, locale))
    }
}

/// How many markers of `kind` `text` carries in `locale`, with the embedded lists.
pub fn count(kind: MarkerKind, locale: &str, text: &str) -> usize {
    markers().count(kind, locale, text)
}

/// A letter or digit of an alphabetic script (CJK ideographs and kana are not: Chinese
/// has no spaces, so word boundaries do not apply to it).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && (c as u32) < 0x2E80
}

/// Lower-cases `s`, turns every run of whitespace into one space and typographic
/// apostrophes into `'` ("let’s" is "let's").
fn normalise(s: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len());
    for c in crate::text::fold_spaces(s.chars()).chars() {
        if c == '\u{2019}' || c == '\u{2018}' {
            out.push('\'');
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Counts the occurrences of the markers of `list` in `text`, case-insensitively. Each
/// piece of text counts once: longer markers are matched first, and a later match may not
/// overlap an earlier one ("要不要" is one consultative phrase, not also "要不"). A marker
/// that starts (ends) with a letter of an alphabetic script only counts where the text
/// does not continue the word before (after) it: "could" is not found in "couldn't",
/// "may i" not in "may it".
pub fn count_in(text: &str, list: &[String]) -> usize {
    let hay = normalise(text);
    let mut needles: Vec<Vec<char>> = list
        .iter()
        .map(|m| normalise(m))
        .filter(|n| !n.is_empty())
        .collect();
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut taken = vec![false; hay.len()];
    let mut n = 0;
    for needle in &needles {
        let (first, last) = (needle[0], needle[needle.len() - 1]);
        let (check_start, check_end) = (is_word_char(first), is_word_char(last));
        let mut i = 0;
        while i + needle.len() <= hay.len() {
            let end = i + needle.len();
            let hit = hay[i..end] == needle[..]
                && !taken[i..end].iter().any(|t| *t)
                && !(check_start && i > 0 && is_word_char(hay[i - 1]))
                && !(check_end && end < hay.len() && is_word_char(hay[end]));
            if hit {
                n += 1;
                taken[i..end].iter_mut().for_each(|t| *t = true);
                i = end;
            } else {
                i += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_embedded_lists_parse_and_cover_both_locales() {
        let m = parse_markers().expect("data/markers.ron must parse");
        for kind in [MarkerKind::Politeness, MarkerKind::Consultative] {
            for loc in ["en", "zh-CN"] {
                assert!(!m.list(kind, loc).is_empty(), "{kind:?} {loc} empty");
            }
        }
        assert!(
            m.list(MarkerKind::Politeness, "en")
                .iter()
                .any(|s| s == "may i")
        );
        assert!(
            m.list(MarkerKind::Politeness, "zh-CN")
                .iter()
                .any(|s| s == "您")
        );
        // "zh" falls back to the zh-CN list; an unknown language has none.
        assert_eq!(m.count(MarkerKind::Politeness, "zh", "请您稍等"), 2);
        assert_eq!(m.count(MarkerKind::Politeness, "fr", "sorry"), 0);
    }

    #[test]
    fn english_counts_whole_words_case_insensitively() {
        let l = list(&["sorry", "could", "may i", "thank"]);
        assert_eq!(count_in("Sorry, SORRY — so sorry!", &l), 3);
        assert_eq!(count_in("I couldn't say; could you?", &l), 1);
        assert_eq!(count_in("Thanks. Thank you.", &l), 1);
        assert_eq!(count_in("May I ask? May it rain? may\n  I", &l), 2);
        assert_eq!(count_in("unsorry sorrys", &l), 0);
        assert_eq!(count_in("(sorry)", &l), 1);
        assert_eq!(count_in("", &l), 0);
    }

    #[test]
    fn chinese_counts_every_occurrence_without_word_boundaries() {
        let l = list(&["您", "请", "对不起", "谢谢"]);
        assert_eq!(count_in("请您稍等，谢谢您。", &l), 4);
        assert_eq!(count_in("对不起对不起", &l), 2);
        assert_eq!(count_in("申请", &l), 1, "a naive reader sees 请 anywhere");
        assert_eq!(count_in("你好", &l), 0);
        // Chinese next to Latin letters: no boundary rule for Chinese markers, and the
        // Latin marker still matches next to Chinese characters.
        assert_eq!(count_in("您OK吗", &l), 1);
        assert_eq!(count_in("好的sorry好的", &list(&["sorry"])), 1);
    }

    #[test]
    fn overlapping_markers_count_once_longest_first() {
        let l = list(&["要不", "要不要", "would", "would you like"]);
        assert_eq!(count_in("要不要我帮您？", &l), 1);
        assert_eq!(count_in("要不我帮您？要不要？", &l), 2);
        assert_eq!(count_in("Would you like tea? Would it help?", &l), 2);
    }

    #[test]
    fn consultative_phrases_match_across_spacing() {
        let l = list(&["how about", "您看", "好吗"]);
        assert_eq!(count_in("How  about Tuesday? how about-ish", &l), 2);
        assert_eq!(count_in("您看这样好吗？", &l), 2);
        assert_eq!(count_in("showhow about", &l), 0);
        let l = list(&["let's", "if you'd like"]);
        assert_eq!(count_in("Let’s see — if you’d like, LET'S go.", &l), 3);
    }
}
