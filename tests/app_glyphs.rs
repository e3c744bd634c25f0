//! Every character the app can show has a glyph: each UI string (both languages), every
//! string in the app's and engine's source, and every text of the shipped scenarios is
//! looked up in the character maps of the fonts the app installs, in their fallback
//! order, as egui does. A character no font has would be drawn as a box (tofu); one
//! mapped to an empty outline would be drawn blank. In Chinese, full-width punctuation
//! must come from the CJK font, not a Latin one.
#![cfg(feature = "app")]

use bevy_egui::egui::{FontDefinitions, FontFamily};
use courtesy::app::i18n::{Lang, T};
use courtesy::app::theme;
use skrifa::prelude::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where each character was found (the first place, for the message).
type Chars = BTreeMap<char, String>;

/// Characters egui never draws as a glyph: zero-width format characters (epaint's
/// `invisible_char`) and combining marks such as U+0301 or the emoji variation selector
/// U+FE0F (drawn with the character before them, or not at all).
fn never_drawn(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}'
        | '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{20D0}'..='\u{20FF}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FE20}'..='\u{FE2F}' | '\u{E0100}'..='\u{E01EF}')
}

fn add(chars: &mut Chars, text: &str, from: &str) {
    for c in text.chars() {
        if !c.is_control() && !never_drawn(c) {
            chars
                .entry(c)
                .or_insert_with(|| format!("{from}: {text:?}"));
        }
    }
}

/// The string literals of a Rust or RON source (plain and raw strings, escapes resolved
/// well enough for glyphs: `\n`, `\"`, `\\`, `\u{..}`).
fn literals(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = src.char_indices().peekable();
    let b = src.as_bytes();
    while let Some((i, c)) = it.next() {
        match c {
            // Line comments: skip to the end of the line (docs and notes are not shown).
            '/' if b.get(i + 1) == Some(&b'/') => {
                for (_, c) in it.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            // Char literals like '"' would open a false string.
            '\'' => {
                let rest = &src[i + 1..];
                if let Some(end) = rest.char_indices().take(12).find(|(_, c)| *c == '\'') {
                    let inner = &rest[..end.0];
                    if inner.chars().count() == 1 || inner.starts_with('\\') {
                        for _ in 0..inner.chars().count() + 1 {
                            it.next();
                        }
                    }
                }
            }
            '"' => {
                let mut s = String::new();
                while let Some((_, c)) = it.next() {
                    match c {
                        '"' => break,
                        '\\' => match it.next().map(|(_, c)| c) {
                            Some('u') => {
                                let mut hex = String::new();
                                for (_, c) in it.by_ref() {
                                    if c == '}' {
                                        break;
                                    }
                                    if c != '{' {
                                        hex.push(c);
                                    }
                                }
                                if let Some(ch) =
                                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                                {
                                    s.push(ch);
                                }
                            }
                            Some('n') | Some('t') | Some('r') => s.push(' '),
                            Some(other) => s.push(other),
                            None => break,
                        },
                        c => s.push(c),
                    }
                }
                out.push(s);
            }
            _ => {}
        }
    }
    out
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

/// Every character the app may draw, and where it comes from.
fn shown_chars() -> Chars {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut chars = Chars::new();
    for key in T::ALL {
        add(&mut chars, key.en(), &format!("T::{key:?} (en)"));
        add(&mut chars, key.zh(), &format!("T::{key:?} (zh)"));
    }
    for l in Lang::ALL {
        add(&mut chars, l.native_name(), "Lang::native_name");
    }
    // Scenario texts and the engine's data (rules, markers); the app's and the engine's
    // own literals (labels, symbols such as "→" and "⏱"). The engine may live in
    // crates/ (a workspace) or in src/core.
    let mut paths = Vec::new();
    files(&root.join("scenarios"), "ron", &mut paths);
    files(&root.join("data"), "ron", &mut paths);
    files(&root.join("src"), "rs", &mut paths);
    files(&root.join("crates"), "rs", &mut paths);
    assert!(
        paths
            .iter()
            .filter(|p| p.starts_with(root.join("scenarios")))
            .count()
            >= 10,
        "the shipped scenarios were not found"
    );
    for p in &paths {
        let Ok(src) = std::fs::read_to_string(p) else {
            continue;
        };
        let from = p.strip_prefix(root).unwrap_or(p).display().to_string();
        for lit in literals(&src) {
            add(&mut chars, &lit, &from);
        }
    }
    chars
}

struct Face<'a> {
    name: String,
    font: FontRef<'a>,
}

fn faces<'a>(defs: &'a FontDefinitions, family: &FontFamily) -> Vec<Face<'a>> {
    defs.families[family]
        .iter()
        .map(|name| {
            let data = &defs.font_data[name];
            let font = FontRef::from_index(&data.font, data.index)
                .unwrap_or_else(|e| panic!("font {name} does not parse: {e}"));
            Face {
                name: name.clone(),
                font,
            }
        })
        .collect()
}

/// The face egui draws `c` with (the first in the family that maps it), and whether the
/// glyph it maps to has an outline.
fn drawn_by<'a, 'f>(faces: &'f [Face<'a>], c: char) -> Option<(&'f Face<'a>, bool)> {
    faces.iter().find_map(|f| {
        let gid = f.font.charmap().map(c)?;
        let inked = f
            .font
            .glyph_metrics(Size::unscaled(), LocationRef::default())
            .bounds(gid)
            .is_some_and(|b| b.x_max > b.x_min && b.y_max > b.y_min);
        Some((f, inked))
    })
}

/// Full-width punctuation of Chinese text (GUIDE: ，。：？！；（）“”), plus the marks a
/// Chinese sentence uses that Latin fonts also have.
const CJK_PUNCTUATION: &str = "，。：？！；（）“”‘’、《》【】…—·";

#[test]
fn every_character_shown_has_a_glyph_in_the_app_fonts() {
    let chars = shown_chars();
    assert!(chars.contains_key(&'礼') && chars.contains_key(&'，'));
    // The full-width marks of the GUIDE are the CJK font's: checked below, first in Chinese.
    let defs = theme::fonts_for(Lang::Zh);
    let zh = faces(&defs, &FontFamily::Proportional);
    for c in "，。：？！；（）".chars() {
        let by = drawn_by(&zh, c).map(|(f, _)| f.name.as_str());
        assert_eq!(by, Some(theme::CJK_FONT_NAME), "{c:?} in Chinese");
    }
    let mut problems = Vec::new();
    for lang in Lang::ALL {
        let defs = theme::fonts_for(lang);
        for family in [FontFamily::Proportional, FontFamily::Monospace] {
            let faces = faces(&defs, &family);
            let cjk = faces
                .iter()
                .find(|f| f.name == theme::CJK_FONT_NAME)
                .expect("the CJK font is installed");
            for (c, from) in &chars {
                match drawn_by(&faces, *c) {
                    None => problems.push(format!(
                        "{lang:?}/{family:?}: no font has {c:?} (U+{:04X}), from {from}",
                        *c as u32
                    )),
                    Some((f, false)) if !c.is_whitespace() => problems.push(format!(
                        "{lang:?}/{family:?}: {c:?} (U+{:04X}) is blank in {}, from {from}",
                        *c as u32, f.name
                    )),
                    Some((f, _)) => {
                        // Where the CJK font has the mark, it must be the one drawing it
                        // (Droid Sans Fallback lacks “”‘’…—·: those come from the Latin
                        // font, the only ones that have them).
                        if lang == Lang::Zh
                            && CJK_PUNCTUATION.contains(*c)
                            && f.name != theme::CJK_FONT_NAME
                            && cjk.font.charmap().map(*c).is_some()
                        {
                            problems.push(format!(
                                "Zh/{family:?}: {c:?} is drawn by the Latin font {}, not the CJK font",
                                f.name
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} missing or blank glyphs:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_literal_reader_finds_strings_and_skips_comments() {
    let src = "// \"not me\"\nlet a = \"x→y\"; let q = '\"'; let b = \"\\u{23F1} \\\"q\\\"\";";
    assert_eq!(
        literals(src),
        vec!["x→y".to_string(), "⏱ \"q\"".to_string()]
    );
}
