//! Pass 0: parsing — turns a ron parse error into one finding (E001–E005) with a readable span, message and hint.

use super::suggest;
use crate::diagnostics::{Code, Finding, LineIndex};
use crate::locate::{multiline_string_before, value_span_at};
use ron::error::{Error as RonError, SpannedError};
use std::path::Path;

pub(super) fn parse_error_finding(path: &Path, src: &str, err: &SpannedError) -> Finding {
    let idx = LineIndex::new(src);
    if src.trim().is_empty() {
        return idx.finding(
            Code::E001,
            path,
            (0, 0),
            "the file is empty".to_string(),
            Some(
                "a scenario file holds one `( … )` block; start from the example in \
                 docs/scenario-format.md"
                    .to_string(),
            ),
        );
    }
    let mut start = idx.offset(err.span.start.line, err.span.start.col);
    let mut end = idx.offset(err.span.end.line, err.span.end.col).max(start);
    let (code, message, hint) = describe_ron_error(&err.code, src);
    let char_at = |i: usize| src.get(i..).and_then(|s| s.chars().next());
    let missing = matches!(err.code, RonError::MissingStructField { .. });
    let comma = matches!(err.code, RonError::ExpectedComma);
    if code == Code::E004 && !missing {
        // ron stops before the value (often on the space after `:`): underline the
        // whole offending value, when it fits on one line.
        let (s, e) = value_span_at(src, start);
        if e > s && !src.get(s..e).unwrap_or("\n").contains('\n') {
            start = s;
            end = end.max(e);
        }
    } else if missing && char_at(end) == Some(')') {
        // ron stops on the `)` closing the block that lacks the field.
        start = end;
        end += 1;
    } else if missing || comma || (start == end && char_at(start).is_none_or(char::is_whitespace)) {
        // ron stops just after the `)` of a block lacking a field, after the token a
        // comma should follow, or at the end of the file: point at the last character
        // that is there instead.
        let before = if missing {
            src.get(..end).unwrap_or("").trim_end()
        } else {
            src.get(..start).unwrap_or("").trim_end()
        };
        if let Some(c) = before.chars().next_back() {
            start = before.len() - c.len_utf8();
            end = before.len();
        }
    }
    let mut f = idx.finding(code, path, (start, end), message, hint);
    if code == Code::E001
        && let Some(open) = multiline_string_before(src, start)
    {
        // A string running over a line break is usually one whose closing quote is
        // missing; ron only notices later, somewhere confusing.
        let (line, col) = idx.position(open.0);
        let hint = f.hint.take().unwrap_or_default();
        f.hint = Some(format!(
            "{hint}; note that the string opened at {line}:{col} runs over a line break: \
             is its closing `\"` missing?"
        ));
        f.related.push(idx.related(
            path,
            (open.0, open.0),
            "this string is not closed on its line".to_string(),
        ));
    }
    f.label = Some(
        match code {
            Code::E002 => "unknown name",
            Code::E003 => "this block lacks a field",
            Code::E004 => "wrong value",
            Code::E005 => "duplicate field",
            _ if comma => "expected `,` after this",
            _ => "here",
        }
        .to_string(),
    );
    f
}

/// Friendlier names for the model types ron reports as the enclosing type.
fn type_name(outer: Option<&str>) -> String {
    match outer {
        Some("PerPrinciple") => "the per-principle block".to_string(),
        Some("MoodTrigger") => "trigger".to_string(),
        Some("MoodCondition") => "`when`".to_string(),
        Some(o) => format!("`{o}`"),
        None => "this block".to_string(),
    }
}

/// E002 for an unknown field (`field`) or variant `found`: `did you mean …?` and the
/// valid names.
fn unknown_name(
    found: &str,
    expected: &[&str],
    outer: Option<&str>,
    field: bool,
) -> (Code, String, Option<String>) {
    let what = type_name(outer);
    let list = expected.join(", ");
    let (message, names) = if field {
        (
            format!("unknown field `{found}` in {what}"),
            format!("fields of {what}: {list}"),
        )
    } else {
        (
            format!("unknown value `{found}` for {what}"),
            format!("expected one of: {list}"),
        )
    };
    let hint = match suggest(found, expected.iter().copied()) {
        Some(m) => {
            // `names` starts with an ASCII letter.
            let mut names = names;
            names[..1].make_ascii_uppercase();
            format!("did you mean `{m}`? {names}")
        }
        None => names,
    };
    (Code::E002, message, Some(hint))
}

fn describe_ron_error(e: &RonError, src: &str) -> (Code, String, Option<String>) {
    use RonError as E;
    let s = |x: &str| Some(x.to_string());
    match e {
        E::NoSuchStructField {
            expected,
            found,
            outer,
        } => unknown_name(found, expected, outer.as_deref(), true),
        E::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => unknown_name(found, expected, outer.as_deref(), false),
        E::MissingStructField { field, outer } => (
            Code::E003,
            format!(
                "{} is missing the required field `{field}`",
                type_name(outer.as_deref())
            ),
            Some(format!(
                "add `{field}: …` inside this block (docs/scenario-format.md describes every field)"
            )),
        ),
        E::DuplicateStructField { field, outer } => (
            Code::E005,
            format!(
                "field `{field}` is given twice in {}",
                type_name(outer.as_deref())
            ),
            s("keep only one of the two"),
        ),
        E::InvalidValueForType { expected, found } => (
            Code::E004,
            format!("expected {expected}, found {found}"),
            s("check the field's type in docs/scenario-format.md"),
        ),
        E::ExpectedDifferentLength { .. } => (Code::E004, e.to_string(), None),
        E::IntegerOutOfBounds => (
            Code::E004,
            "number out of range for this field".to_string(),
            s("counts such as `minutes` and `time_limit` are whole numbers ≥ 0"),
        ),
        E::Message(m) => (Code::E004, m.clone(), None),
        E::ExpectedInteger => (
            Code::E004,
            "expected a whole number".to_string(),
            s("write a whole number such as `20` (no quotes, no decimal point)"),
        ),
        E::ExpectedFloat => (
            Code::E004,
            "expected a number".to_string(),
            s("write a number such as `70` or `1.5`"),
        ),
        E::ExpectedBoolean => (Code::E004, "expected `true` or `false`".to_string(), None),
        E::ExpectedString => (
            Code::E004,
            "expected a string".to_string(),
            s("write text in double quotes, e.g. \"greet\""),
        ),
        E::ExpectedArray => (
            Code::E004,
            "expected a list".to_string(),
            s("write a list in square brackets: [ …, … ]"),
        ),
        E::ExpectedMap => (
            Code::E004,
            "expected a translated text".to_string(),
            s("write texts as a map from locale to string: {\"zh-CN\": \"…\", \"en\": \"…\"}"),
        ),
        E::ExpectedStructLike | E::ExpectedNamedStructLike(_) => (
            Code::E004,
            e.to_string(),
            s("this value is a block of fields in parentheses: ( name: value, … )"),
        ),
        E::ExpectedDifferentStructName { .. }
        | E::ExpectedStructName(_)
        | E::ExpectedOption
        | E::ExpectedChar
        | E::ExpectedUnit
        | E::ExpectedIdentifier => (Code::E004, e.to_string(), None),
        _ => syntax_error(e, src),
    }
}

/// E001 for the syntax errors (punctuation, strings, comments, the end of the file).
fn syntax_error(e: &RonError, src: &str) -> (Code, String, Option<String>) {
    use RonError as E;
    let s = |x: &str| Some(x.to_string());
    match e {
        E::Eof => (
            Code::E001,
            "the file ends before the scenario is complete".to_string(),
            s("look for an unclosed `(`, `[`, `{` or string"),
        ),
        E::ExpectedComma => (
            Code::E001,
            "expected a comma".to_string(),
            s("separate fields and list items with `,`"),
        ),
        E::ExpectedStringEnd => (
            Code::E001,
            "unterminated string".to_string(),
            s("close the string with `\"` (write a quote inside text as `\\\"`)"),
        ),
        E::TrailingCharacters => (
            Code::E001,
            "text after the end of the scenario".to_string(),
            s(
                "the scenario's closing `)` must end the file: remove or comment out what follows, or check for a `)` closed too early",
            ),
        ),
        E::UnexpectedChar(c) => {
            let hint = if *c == '\u{feff}' || src.starts_with('\u{feff}') {
                "the file starts with a byte-order mark: save it as UTF-8 without BOM".to_string()
            } else if matches!(c, '“' | '”' | '，' | '：' | '（' | '）') {
                "use ASCII punctuation (\" , : ( )) outside strings; full-width punctuation is only allowed inside text".to_string()
            } else {
                "check the punctuation before this point".to_string()
            };
            (
                Code::E001,
                format!("unexpected character {c:?}"),
                Some(hint),
            )
        }
        E::UnclosedBlockComment => (
            Code::E001,
            "unclosed block comment".to_string(),
            s("close the comment with `*/`"),
        ),
        E::ExpectedMapColon => (
            Code::E001,
            "expected `:` in a translated text".to_string(),
            s("write each translation as \"locale\": \"text\""),
        ),
        E::ExpectedArrayEnd => (
            Code::E001,
            "expected `]` or `,`".to_string(),
            s("separate list items with `,` and close the list with `]`"),
        ),
        E::ExpectedMapEnd => (
            Code::E001,
            "expected `}` or `,`".to_string(),
            s("separate translations with `,` and close the text with `}`"),
        ),
        E::ExpectedStructLikeEnd | E::ExpectedOptionEnd => (
            Code::E001,
            "expected `)` or `,`".to_string(),
            s("separate fields with `,` and close the block with `)`"),
        ),
        E::ExceededRecursionLimit => (
            Code::E001,
            "values nested too deeply".to_string(),
            s("a scenario nests at most a few levels; look for unbalanced brackets"),
        ),
        other => (
            Code::E001,
            other.to_string(),
            s("see docs/scenario-format.md for the file syntax"),
        ),
    }
}
