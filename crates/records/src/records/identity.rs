//! Trainee ids: normalised to NFC, refused when they hide characters (invisible, bidi controls), and refused at creation when they look like an id the store already has.

use unicode_normalization::UnicodeNormalization;

/// A character that shows nothing, or reorders what is shown, so that two ids that
/// look the same would be different rows: zero-width spaces and joiners, the
/// bidirectional controls, soft hyphen, word joiners and invisible operators, variation
/// selectors, fillers, the byte-order mark, tag characters.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// `id` trimmed, in NFC, with every run of white space (a full-width space, a
/// no-break space …) made one ordinary space. Lookups (filters, a trainee's history)
/// use the same form, so `josé` typed either way is one trainee.
pub(crate) fn normalize(id: &str) -> String {
    courtesy_engine::text::fold_spaces(id.trim().nfc())
}

/// The first hidden character in `id`, with its code point, for the message.
pub(crate) fn hidden_char(id: &str) -> Option<String> {
    id.chars()
        .find(|&c| is_invisible(c))
        .map(|c| format!("U+{:04X}", u32::from(c)))
}

/// What an id looks like, for spotting look-alikes: compatibility-folded (NFKC: full-
/// width letters, ligatures), lower-cased, without spaces, dots, hyphens and
/// underscores, with the Cyrillic and Greek letters that look Latin made Latin and
/// `0`/`1`/`|` made `o`/`l`/`l`. Two different ids with the same skeleton look alike.
pub(crate) fn skeleton(id: &str) -> String {
    id.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '_' | '·'))
        .map(|c| match c {
            'а' => 'a',
            'в' | 'β' => 'b',
            'с' | 'ϲ' => 'c',
            'ԁ' => 'd',
            'е' | 'ё' | 'ε' => 'e',
            'һ' => 'h',
            'і' | 'ї' | 'ι' | 'ı' | '1' | '|' | 'ӏ' => 'l',
            'ј' => 'j',
            'к' | 'κ' => 'k',
            'м' => 'm',
            'п' | 'η' => 'n',
            'о' | 'ο' | '0' | 'σ' => 'o',
            'р' | 'ρ' => 'p',
            'ԛ' => 'q',
            'ѕ' => 's',
            'т' | 'τ' => 't',
            'υ' | 'ս' => 'u',
            'ν' | 'ѵ' => 'v',
            'ԝ' | 'ω' => 'w',
            'х' | 'χ' => 'x',
            'у' | 'γ' => 'y',
            c => c,
        })
        .map(|c| if c == 'i' { 'l' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_and_spaces_are_normalised() {
        assert_eq!(normalize(" jose\u{301} "), "jos\u{e9}");
        assert_eq!(normalize("张\u{3000}三"), "张 三");
        assert_eq!(normalize("Li  \u{a0}Lei"), "Li Lei");
    }

    #[test]
    fn invisible_and_bidi_characters_are_found() {
        assert_eq!(hidden_char("alice\u{200b}").as_deref(), Some("U+200B"));
        assert_eq!(hidden_char("\u{202e}ecila").as_deref(), Some("U+202E"));
        assert_eq!(hidden_char("王小明"), None);
    }

    #[test]
    fn look_alikes_share_a_skeleton() {
        assert_eq!(skeleton("alice"), skeleton("аlice")); // Cyrillic а
        assert_eq!(skeleton("Alice"), skeleton("alice"));
        assert_eq!(skeleton("ｊｏｓé"), skeleton("josé"));
        assert_eq!(skeleton("li.lei"), skeleton("Li Lei"));
        assert_eq!(skeleton("bob01"), skeleton("boboi"));
        assert_ne!(skeleton("alice"), skeleton("alicia"));
        assert_ne!(skeleton("王小明"), skeleton("王小名"));
    }
}
