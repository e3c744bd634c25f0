//! Text that came from outside (an LRS's reply, a redirect's `Location`): control characters and terminal escape sequences removed before it is printed or stored.

/// `s` without terminal escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL/ST`,
/// two-character `ESC x`), C0/C1 control characters (newlines and tabs become spaces),
/// and the bidirectional-override characters that reorder what a terminal shows
/// (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C).
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates, then one final byte @ … ~.
                Some('[') => {
                    for d in chars.by_ref() {
                        if ('@'..='~').contains(&d) {
                            break;
                        }
                    }
                }
                // OSC, DCS, SOS, PM, APC: up to BEL or ST (ESC \).
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    while let Some(d) = chars.next() {
                        if d == '\u{7}' || d == '\u{9c}' {
                            break;
                        }
                        if d == '\u{1b}' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                _ => {}
            },
            // C1 CSI / OSC introducers: drop the sequence like their ESC forms.
            '\u{9b}' => {
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            '\n' | '\r' | '\t' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// The bidirectional formatting characters (embeddings, overrides, isolates, marks).
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_are_removed() {
        assert_eq!(clean("\u{1b}[31mred\u{1b}[0m ok"), "red ok");
        assert_eq!(clean("a\u{1b}]0;pwned\u{7}b"), "ab");
        assert_eq!(clean("a\u{1b}]8;;http://x\u{1b}\\link"), "alink");
        assert_eq!(clean("x\u{9b}2Jy\u{0}\u{8}z"), "xyz");
        assert_eq!(clean("line\r\nnext\tcol"), "line next col");
        assert_eq!(clean("abc\u{202E}fed"), "abcfed");
        assert_eq!(clean("您好，josé"), "您好，josé");
    }
}
