//! Scenario validation: every problem in a file, each with a stable code, a location and a hint.
//!
//! [`validate_source`] parses one file (shape errors come from ron, with its spans) and
//! then runs the whole-file checks on the model: ids, references, reachability,
//! translations, ratings, scoring, timing and citations. Checks are linear in the size
//! of the scenario (hash maps and sets, no nested scans) and work on the model only;
//! when, and only when, something was found, [`crate::locate`] scans the text
//! once to turn each finding's semantic path into a line and column. Nothing here may
//! panic, whatever the input.

use crate::diagnostics::{Code, FileReport, Finding, LineIndex};
use crate::load;
use crate::locate::{Path as SPath, SourceMap, multiline_string_before, value_span_at};
use crate::model::{
    MOOD_MAX, MOOD_MIN, MoodCondition, Principle, RATING_MAX, RATING_MIN, Scenario,
};
use crate::rules;
use crate::text::{SUPPORTED_LOCALES, Text};
use ron::error::{Error as RonError, SpannedError};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Validates one scenario file's text. `path` is only used to label findings.
pub fn validate_source(path: &Path, src: &str) -> FileReport {
    let (scenario, findings) = match load::parse_str(src) {
        Err(e) => (None, vec![parse_error_finding(path, src, &e)]),
        Ok(sc) => {
            let pending = check_scenario(&sc);
            let findings = if pending.is_empty() {
                Vec::new()
            } else {
                resolve(path, src, pending)
            };
            (Some(Arc::new(sc)), findings)
        }
    };
    FileReport {
        path: path.to_path_buf(),
        source: src.to_string(),
        scenario,
        findings,
    }
}

/// Validates a file's raw bytes: text that is not UTF-8 is an `E001` finding pointing at
/// the first bad byte.
pub fn validate_bytes(path: &Path, bytes: &[u8]) -> FileReport {
    match std::str::from_utf8(bytes) {
        Ok(src) => validate_source(path, src),
        Err(e) => {
            let good = e.valid_up_to();
            let source = String::from_utf8_lossy(bytes).into_owned();
            // The lossy text agrees with the bytes up to the first bad byte.
            let finding = Finding::at(
                Code::E001,
                path,
                &source,
                (good, good),
                "the file is not UTF-8 text".to_string(),
                Some(
                    "save the file as UTF-8 (scenario files are plain UTF-8 text; \
                     Chinese text must not be saved as GBK or UTF-16)"
                        .to_string(),
                ),
            );
            FileReport {
                path: path.to_path_buf(),
                source,
                scenario: None,
                findings: vec![finding],
            }
        }
    }
}

/// Cross-file check: two files declaring the same scenario `id` (`E010`, reported on
/// every file after the first one, in the given order).
pub fn check_duplicate_scenario_ids(files: &mut [FileReport]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for i in 0..files.len() {
        let Some(id) = files[i].scenario.as_ref().map(|s| s.id.clone()) else {
            continue;
        };
        let Some(&first) = seen.get(&id) else {
            seen.insert(id, i);
            continue;
        };
        let id_path = SPath::root().field("id");
        let (first_related, first_display) = {
            let f = &files[first];
            let span = span_for(&SourceMap::new(&f.source), &id_path, Part::Value);
            let idx = LineIndex::new(&f.source);
            (
                idx.related(&f.path, span, "first declared here".to_string()),
                f.path.display().to_string(),
            )
        };
        let f = &mut files[i];
        let map = SourceMap::new(&f.source);
        let idx = LineIndex::new(&f.source);
        let span = span_for(&map, &id_path, Part::Value);
        let mut finding = idx.finding(
            Code::E010,
            &f.path,
            span,
            format!("scenario id `{id}` is already used by {first_display}"),
            Some(
                "scenario ids must be unique across the library (attempt records refer to \
                 them): rename one of the two"
                    .to_string(),
            ),
        );
        finding.label = Some("duplicate scenario id".to_string());
        finding.related.push(first_related);
        f.findings.push(finding);
        f.findings.sort_by_key(|f| f.span.map_or(0, |s| s.0));
    }
}

// ---------------------------------------------------------------------------------------
// Parse errors (E001–E005)
// ---------------------------------------------------------------------------------------

fn parse_error_finding(path: &Path, src: &str, err: &SpannedError) -> Finding {
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

fn describe_ron_error(e: &RonError, src: &str) -> (Code, String, Option<String>) {
    use RonError as E;
    let s = |x: &str| Some(x.to_string());
    match e {
        E::NoSuchStructField {
            expected,
            found,
            outer,
        } => {
            let what = type_name(outer.as_deref());
            let list = expected.join(", ");
            let hint = match suggest(found, expected.iter().copied()) {
                Some(m) => format!("did you mean `{m}`? Fields of {what}: {list}"),
                None => format!("fields of {what}: {list}"),
            };
            (
                Code::E002,
                format!("unknown field `{found}` in {what}"),
                Some(hint),
            )
        }
        E::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => {
            let what = type_name(outer.as_deref());
            let list = expected.join(", ");
            let hint = match suggest(found, expected.iter().copied()) {
                Some(m) => format!("did you mean `{m}`? Expected one of: {list}"),
                None => format!("expected one of: {list}"),
            };
            (
                Code::E002,
                format!("unknown value `{found}` for {what}"),
                Some(hint),
            )
        }
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

// ---------------------------------------------------------------------------------------
// Whole-file checks (E010 and up)
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Value,
    Key,
}

/// A finding before it has a location: where it is, as a path into the scenario.
#[derive(Debug)]
struct Pending {
    code: Code,
    at: SPath,
    part: Part,
    /// Where to point if `at` is not in the file (a defaulted field).
    alt: Option<SPath>,
    message: String,
    hint: Option<String>,
    label: Option<String>,
    related: Vec<(SPath, String)>,
}

impl Pending {
    fn key(&mut self) -> &mut Self {
        self.part = Part::Key;
        self
    }
    fn label(&mut self, l: impl Into<String>) -> &mut Self {
        self.label = Some(l.into());
        self
    }
    fn alt(&mut self, p: SPath) -> &mut Self {
        self.alt = Some(p);
        self
    }
    fn related(&mut self, p: SPath, msg: impl Into<String>) -> &mut Self {
        self.related.push((p, msg.into()));
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Step(usize),
    Ending(usize),
    Missing,
}

fn pidx(p: Principle) -> usize {
    match p {
        Principle::Respect => 0,
        Principle::Moderation => 1,
        Principle::SelfDiscipline => 2,
        Principle::Compliance => 3,
    }
}

fn rule_ids() -> &'static HashSet<&'static str> {
    static IDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    IDS.get_or_init(|| rules::catalogue().iter().map(|r| r.id.as_str()).collect())
}

/// The first rule id with a number (`L6`, `B1`, `P3` …) standing as a word of its own in
/// `s` (not part of a longer run of ASCII letters and digits), if any. The one-letter
/// principle ids (R, M, S, C) are left alone: in English they are ordinary letters.
fn rule_id_in(s: &str) -> Option<&str> {
    let ids = rule_ids();
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| w.len() >= 2 && w.bytes().any(|b| b.is_ascii_digit()) && ids.contains(w))
}

fn root() -> SPath {
    SPath::root()
}

fn step_path(i: usize) -> SPath {
    root().field("steps").index(i)
}

fn reply_path(i: usize, j: usize) -> SPath {
    step_path(i).field("replies").index(j)
}

struct Checker<'a> {
    sc: &'a Scenario,
    declared: Vec<&'a str>,
    scored: [bool; 4],
    out: Vec<Pending>,
}

impl<'a> Checker<'a> {
    fn push(
        &mut self,
        code: Code,
        at: SPath,
        message: String,
        hint: Option<String>,
    ) -> &mut Pending {
        self.out.push(Pending {
            code,
            at,
            part: Part::Value,
            alt: None,
            message,
            hint,
            label: None,
            related: Vec::new(),
        });
        let last = self.out.len() - 1;
        &mut self.out[last]
    }

    /// Missing / empty translations (E020) and translations in undeclared locales (W023).
    fn text(&mut self, t: &Text, at: impl Fn() -> SPath, what: impl Fn() -> String) {
        if self.declared.is_empty() {
            // E022 already says so; every text would repeat it.
            return;
        }
        for i in 0..self.declared.len() {
            let loc = self.declared[i];
            match t.0.get(loc) {
                None => {
                    let locales = self.declared.join(", ");
                    self.push(
                        Code::E020,
                        at(),
                        format!("{} has no `{loc}` translation", what()),
                        Some(format!(
                            "add \"{loc}\": \"…\" to this text (the scenario declares: {locales})"
                        )),
                    )
                    .label(format!("no `{loc}` here"));
                }
                Some(s) if s.trim().is_empty() => {
                    self.push(
                        Code::E020,
                        at().key(loc),
                        format!("the `{loc}` translation of {} is empty", what()),
                        Some(format!("write the {loc} text")),
                    )
                    .label("empty");
                }
                Some(_) => {}
            }
        }
        if t.0.len() > self.declared.len()
            || t.0.keys().any(|k| !self.declared.contains(&k.as_str()))
        {
            for k in t.0.keys() {
                if self.declared.contains(&k.as_str()) {
                    continue;
                }
                let hint = match suggest(k, self.declared.iter().copied()) {
                    Some(m) => format!("did you mean `{m}`? Locale names are case-sensitive"),
                    None => format!(
                        "add `{k}` to `locales` (supported: {}), or remove this translation",
                        SUPPORTED_LOCALES.join(", ")
                    ),
                };
                self.push(
                    Code::W023,
                    at().key(k),
                    format!(
                        "{} has a `{k}` translation, but the scenario does not declare `{k}`",
                        what()
                    ),
                    Some(hint),
                )
                .key()
                .label("undeclared locale");
            }
        }
    }

    /// A text the trainee reads (briefing, goal, what the customer says, replies,
    /// feedback, reactions, endings): checked like every text, and for rule ids (W074).
    fn trainee_text(&mut self, t: &Text, at: impl Fn() -> SPath, what: impl Fn() -> String) {
        self.text(t, &at, &what);
        for i in 0..self.declared.len() {
            let loc = self.declared[i];
            let Some(s) = t.0.get(loc) else { continue };
            let Some(id) = rule_id_in(s) else { continue };
            self.push(
                Code::W074,
                at().key(loc),
                format!(
                    "{} (`{loc}`) names the rule id `{id}`: trainees do not know the catalogue's ids",
                    what()
                ),
                Some(
                    "say what the rule asks in plain words; put the id in the reply's `cite` \
                     (the feedback screen shows each cited rule's title and text)"
                        .to_string(),
                ),
            )
            .label("rule id");
        }
    }

    fn id_chars(&mut self, id: &str, at: impl Fn() -> SPath, what: &str) {
        let ok = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !ok {
            let msg = if id.is_empty() {
                format!("{what} id is empty")
            } else {
                format!("{what} id `{id}` has characters other than a-z, 0-9, `-` and `_`")
            };
            self.push(
                Code::W019,
                at(),
                msg,
                Some(
                    "ids end up in attempt records and on the command line: use lower-case \
                     ASCII words joined by `-`, e.g. `ask-for-receipt`"
                        .to_string(),
                ),
            )
            .label("unusual id");
        }
    }
}

/// Runs every whole-file check on a parsed scenario.
fn check_scenario(sc: &Scenario) -> Vec<Pending> {
    let mut c = Checker {
        sc,
        declared: Vec::with_capacity(sc.locales.len()),
        scored: [false; 4],
        out: Vec::new(),
    };

    // --- Scenario id and locales -------------------------------------------------------
    let scenario_id_ok = !sc.id.is_empty()
        && sc.id.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !scenario_id_ok {
        c.push(
            Code::W019,
            root().field("id"),
            format!(
                "scenario id `{}` is not lower-case words joined by `-`",
                sc.id
            ),
            Some("write it like `lost-parcel`: records and `courtesy run <id>` use it".to_string()),
        )
        .label("unusual id");
    }
    if sc.locales.is_empty() {
        c.push(
            Code::E022,
            root().field("locales"),
            "the scenario declares no locale".to_string(),
            Some(format!(
                "list the languages its texts are written in, e.g. locales: [\"zh-CN\", \"en\"] (supported: {})",
                SUPPORTED_LOCALES.join(", ")
            )),
        )
        .label("empty");
    }
    for (i, loc) in sc.locales.iter().enumerate() {
        if c.declared.contains(&loc.as_str()) {
            c.push(
                Code::W024,
                root().field("locales").index(i),
                format!("locale `{loc}` is declared twice"),
                Some("remove the second one".to_string()),
            )
            .label("again");
            continue;
        }
        if !SUPPORTED_LOCALES.contains(&loc.as_str()) {
            let hint = match suggest(loc, SUPPORTED_LOCALES.iter().copied()) {
                Some(m) => format!(
                    "did you mean `{m}`? Supported locales: {}",
                    SUPPORTED_LOCALES.join(", ")
                ),
                None => format!(
                    "supported locales: {} (the app has no UI strings for others)",
                    SUPPORTED_LOCALES.join(", ")
                ),
            };
            c.push(
                Code::E021,
                root().field("locales").index(i),
                format!("locale `{loc}` is not supported"),
                Some(hint),
            )
            .label("unsupported");
        }
        c.declared.push(loc.as_str());
    }

    // --- Scenario texts ----------------------------------------------------------------
    c.text(
        &sc.title,
        || root().field("title"),
        || "`title`".to_string(),
    );
    c.text(
        &sc.category,
        || root().field("category"),
        || "`category`".to_string(),
    );
    c.trainee_text(
        &sc.briefing,
        || root().field("briefing"),
        || "`briefing`".to_string(),
    );
    c.trainee_text(&sc.goal, || root().field("goal"), || "`goal`".to_string());
    c.text(
        &sc.customer.name,
        || root().field("customer").field("name"),
        || "the customer's `name`".to_string(),
    );
    c.trainee_text(
        &sc.customer.wants,
        || root().field("customer").field("wants"),
        || "the customer's `wants`".to_string(),
    );
    if let Some(t) = &sc.customer.special_needs {
        c.trainee_text(
            t,
            || root().field("customer").field("special_needs"),
            || "the customer's `special_needs`".to_string(),
        );
    }

    // --- Mood and scoring --------------------------------------------------------------
    if !(MOOD_MIN..=MOOD_MAX).contains(&sc.start_mood) {
        c.push(
            Code::E034,
            root().field("start_mood"),
            format!(
                "`start_mood` is {}, outside {MOOD_MIN}..{MOOD_MAX}",
                sc.start_mood
            ),
            Some(format!(
                "mood runs from {MOOD_MIN} (furious) to {MOOD_MAX} (delighted)"
            )),
        )
        .label("out of range");
    }
    if sc.principles.is_empty() {
        c.push(
            Code::E035,
            root().field("principles"),
            "the scenario scores no principle".to_string(),
            Some(
                "list the principles replies are rated on, or leave `principles` out for the \
                 default [respect, moderation, self_discipline]"
                    .to_string(),
            ),
        )
        .label("empty");
    }
    for (i, p) in sc.principles.iter().enumerate() {
        if c.scored[pidx(*p)] {
            c.push(
                Code::E035,
                root().field("principles").index(i),
                format!("principle `{p}` is listed twice"),
                Some("remove the second one".to_string()),
            )
            .label("again");
        }
        c.scored[pidx(*p)] = true;
    }
    let pm = sc.scoring.pass_mark;
    if !(0.0..=100.0).contains(&pm) {
        c.push(
            Code::E032,
            root().field("scoring").field("pass_mark"),
            format!("`pass_mark` is {pm}, outside 0..100"),
            Some("scores run from 0 to 100; a typical pass mark is 60–80".to_string()),
        )
        .label("out of range");
    }
    for p in Principle::ALL {
        if let Some(f) = sc.scoring.floors.get(p) {
            let at = || root().field("scoring").field("floors").field(p.key());
            if !(0.0..=100.0).contains(&f) {
                c.push(
                    Code::E032,
                    at(),
                    format!("the `{p}` floor is {f}, outside 0..100"),
                    Some("a floor is the minimum score (0–100) on a principle".to_string()),
                )
                .label("out of range");
            }
            if !c.scored[pidx(p)] {
                c.push(
                    Code::W036,
                    at(),
                    format!("floor for `{p}`, which the scenario does not score"),
                    Some(format!("add `{p}` to `principles`, or remove this floor")),
                )
                .key()
                .label("not scored");
            }
        }
        if let Some(w) = sc.scoring.weights.get(p) {
            let at = || root().field("scoring").field("weights").field(p.key());
            if !(w.is_finite() && w > 0.0) {
                c.push(
                    Code::E033,
                    at(),
                    format!("the `{p}` weight is {w}; weights must be positive"),
                    Some(
                        "use a positive number (1 is the default); to stop scoring a principle, \
                         remove it from `principles`"
                            .to_string(),
                    ),
                )
                .label("not positive");
            }
            if !c.scored[pidx(p)] {
                c.push(
                    Code::W036,
                    at(),
                    format!("weight for `{p}`, which the scenario does not score"),
                    Some(format!("add `{p}` to `principles`, or remove this weight")),
                )
                .key()
                .label("not scored");
            }
        }
    }

    // --- Ids and targets ---------------------------------------------------------------
    let mut targets: HashMap<&str, Target> =
        HashMap::with_capacity(sc.steps.len() + sc.endings.len());
    // Second and later holders of an id: already E010, so not also reported unreachable.
    let mut dup_step = vec![false; sc.steps.len()];
    let mut dup_end = vec![false; sc.endings.len()];
    for (i, s) in sc.steps.iter().enumerate() {
        match targets.get(s.id.as_str()) {
            Some(&Target::Step(first)) => {
                dup_step[i] = true;
                c.push(
                    Code::E010,
                    step_path(i).field("id"),
                    format!("step id `{}` is used twice", s.id),
                    Some("give every step its own id".to_string()),
                )
                .label("duplicate step id")
                .related(step_path(first).field("id"), "first used here");
            }
            _ => {
                targets.insert(s.id.as_str(), Target::Step(i));
            }
        }
    }
    for (k, e) in sc.endings.iter().enumerate() {
        match targets.get(e.id.as_str()) {
            Some(&Target::Step(first)) => {
                dup_end[k] = true;
                c.push(
                    Code::E010,
                    root().field("endings").index(k).field("id"),
                    format!("ending id `{}` is also a step id", e.id),
                    Some(
                        "a `next` naming it would be ambiguous: rename the ending or the step"
                            .to_string(),
                    ),
                )
                .label("same id as a step")
                .related(step_path(first).field("id"), "the step");
            }
            Some(&Target::Ending(first)) => {
                dup_end[k] = true;
                c.push(
                    Code::E010,
                    root().field("endings").index(k).field("id"),
                    format!("ending id `{}` is used twice", e.id),
                    Some("give every ending its own id".to_string()),
                )
                .label("duplicate ending id")
                .related(
                    root().field("endings").index(first).field("id"),
                    "first used here",
                );
            }
            _ => {
                targets.insert(e.id.as_str(), Target::Ending(k));
            }
        }
        c.id_chars(
            &e.id,
            || root().field("endings").index(k).field("id"),
            "ending",
        );
        c.trainee_text(
            &e.text,
            || root().field("endings").index(k).field("text"),
            || format!("ending `{}`: `text`", e.id),
        );
    }
    let lookup = |id: &str| targets.get(id).copied().unwrap_or(Target::Missing);
    let dangling_hint = |id: &str, kinds: &str| -> String {
        let candidates = sc
            .steps
            .iter()
            .map(|s| s.id.as_str())
            .chain(sc.endings.iter().map(|e| e.id.as_str()));
        match suggest(id, candidates) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("use the id of one of the scenario's {kinds}"),
        }
    };

    if sc.steps.is_empty() {
        c.push(
            Code::E015,
            root().field("steps"),
            "the scenario has no steps".to_string(),
            Some(
                "add at least one step: what the customer says and the replies offered".to_string(),
            ),
        )
        .label("empty");
    }
    if sc.endings.is_empty() {
        c.push(
            Code::E015,
            root().field("endings"),
            "the scenario has no endings".to_string(),
            Some("add at least one ending for replies to lead to".to_string()),
        )
        .label("empty");
    }
    let start = lookup(&sc.start);
    match start {
        Target::Step(_) => {}
        Target::Ending(_) => {
            c.push(
                Code::E011,
                root().field("start"),
                format!("`start` names ending `{}`, not a step", sc.start),
                Some("`start` is the id of the first step".to_string()),
            )
            .label("an ending");
        }
        Target::Missing => {
            c.push(
                Code::E011,
                root().field("start"),
                format!("`start` names `{}`, which is not a step", sc.start),
                Some(dangling_hint(&sc.start, "steps")),
            )
            .label("no such step");
        }
    }
    let mut trigger_targets = Vec::with_capacity(sc.triggers.len());
    for (t, trig) in sc.triggers.iter().enumerate() {
        let tp = || root().field("triggers").index(t);
        let (v, never) = match trig.when {
            MoodCondition::Below(v) => (v, v <= MOOD_MIN),
            MoodCondition::Above(v) => (v, v >= MOOD_MAX),
        };
        if !(MOOD_MIN..=MOOD_MAX).contains(&v) {
            c.push(
                Code::E034,
                tp().field("when").index(0),
                format!("trigger threshold {v} is outside {MOOD_MIN}..{MOOD_MAX}"),
                Some(format!("mood runs from {MOOD_MIN} to {MOOD_MAX}")),
            )
            .label("out of range");
        } else if never {
            c.push(
                Code::W037,
                tp().field("when"),
                format!(
                    "this trigger can never fire: mood is never {}",
                    match trig.when {
                        MoodCondition::Below(_) => format!("below {v}"),
                        MoodCondition::Above(_) => format!("above {v}"),
                    }
                ),
                Some(format!(
                    "mood stays within {MOOD_MIN}..{MOOD_MAX}; pick a threshold inside it"
                )),
            )
            .label("never holds");
        }
        let target = lookup(&trig.goto);
        if target == Target::Missing {
            c.push(
                Code::E011,
                tp().field("goto"),
                format!(
                    "trigger `goto` names `{}`, which is neither a step nor an ending",
                    trig.goto
                ),
                Some(dangling_hint(&trig.goto, "steps or endings")),
            )
            .label("no such step or ending");
        }
        trigger_targets.push(target);
    }

    // --- Steps and replies -------------------------------------------------------------
    let rules = rule_ids();
    let mut rated = [false; 4];
    // Flat reply targets, step by step (reply_start[i]..reply_start[i + 1]).
    let n_replies: usize = sc.steps.iter().map(|s| s.replies.len()).sum();
    let mut edges: Vec<Target> = Vec::with_capacity(n_replies);
    let mut reply_start: Vec<usize> = Vec::with_capacity(sc.steps.len() + 1);
    let mut reply_ids: HashMap<&str, usize> = HashMap::new();
    for (i, step) in sc.steps.iter().enumerate() {
        reply_start.push(edges.len());
        c.id_chars(&step.id, || step_path(i).field("id"), "step");
        if step.says.is_empty() {
            c.push(
                Code::E018,
                step_path(i).field("says"),
                format!("step `{}` has no `says` variant", step.id),
                Some("add at least one thing the customer says: says: [{\"zh-CN\": \"…\", \"en\": \"…\"}]".to_string()),
            )
            .label("empty");
        }
        for (k, t) in step.says.iter().enumerate() {
            c.trainee_text(
                t,
                || step_path(i).field("says").index(k),
                || format!("step `{}`: says variant {}", step.id, k + 1),
            );
        }
        let offered = step.offered().count();
        if offered == 0 {
            c.push(
                Code::E016,
                step_path(i).field("replies"),
                format!("step `{}` offers the trainee no reply", step.id),
                Some("add at least two replies that are not `timeout_only`".to_string()),
            )
            .label("nothing to choose");
        } else if offered == 1 {
            c.push(
                Code::W017,
                step_path(i).field("replies"),
                format!(
                    "step `{}` offers only one reply, so there is no choice to make",
                    step.id
                ),
                Some("add an alternative reply (a weaker one teaches by contrast)".to_string()),
            )
            .key()
            .label("one reply");
        }
        match (step.time_limit, &step.on_timeout) {
            (Some(0), _) => {
                c.push(
                    Code::E062,
                    step_path(i).field("time_limit"),
                    format!("step `{}` has a time limit of 0 seconds", step.id),
                    Some("give the trainee time to read and choose (e.g. 20), or remove `time_limit`".to_string()),
                )
                .label("zero");
            }
            (Some(_), None) => {
                c.push(
                    Code::E060,
                    step_path(i).field("time_limit"),
                    format!("step `{}` has a time limit but no `on_timeout`", step.id),
                    Some("add `on_timeout: \"<reply id>\"` naming the reply taken when time runs out".to_string()),
                )
                .label("no on_timeout");
            }
            (None, Some(_)) => {
                c.push(
                    Code::W061,
                    step_path(i).field("on_timeout"),
                    format!(
                        "step `{}` has `on_timeout` but no time limit, so it is never used",
                        step.id
                    ),
                    Some("add `time_limit: <seconds>`, or remove `on_timeout`".to_string()),
                )
                .label("never used");
            }
            _ => {}
        }
        // Reply ids, unique within the step.
        reply_ids.clear();
        for (j, r) in step.replies.iter().enumerate() {
            if let Some(&first) = reply_ids.get(r.id.as_str()) {
                c.push(
                    Code::E010,
                    reply_path(i, j).field("id"),
                    format!("reply id `{}` is used twice in step `{}`", r.id, step.id),
                    Some("give every reply in a step its own id".to_string()),
                )
                .label("duplicate reply id")
                .related(reply_path(i, first).field("id"), "first used here");
            } else {
                reply_ids.insert(r.id.as_str(), j);
            }
        }
        if let Some(t) = &step.on_timeout
            && !reply_ids.contains_key(t.as_str())
        {
            let hint = match suggest(t, step.replies.iter().map(|r| r.id.as_str())) {
                Some(m) => format!("did you mean `{m}`?"),
                None => "name one of this step's replies (a `timeout_only` reply such as \"(says nothing)\" is typical)".to_string(),
            };
            c.push(
                Code::E011,
                step_path(i).field("on_timeout"),
                format!(
                    "`on_timeout` names `{t}`, which is not a reply of step `{}`",
                    step.id
                ),
                Some(hint),
            )
            .label("no such reply");
        }
        let mut first_ratings: Option<[i64; 4]> = None;
        let mut all_same = true;
        for (j, r) in step.replies.iter().enumerate() {
            let rp = || reply_path(i, j);
            let who = || format!("step `{}`, reply `{}`", step.id, r.id);
            c.id_chars(&r.id, || rp().field("id"), "reply");
            c.trainee_text(
                &r.text,
                || rp().field("text"),
                || format!("{}: `text`", who()),
            );
            c.trainee_text(
                &r.feedback,
                || rp().field("feedback"),
                || format!("{}: `feedback`", who()),
            );
            if let Some(t) = &r.reaction {
                c.trainee_text(
                    t,
                    || rp().field("reaction"),
                    || format!("{}: `reaction`", who()),
                );
            }
            if r.critical && r.timeout_only {
                c.push(
                    Code::E073,
                    rp().field("critical"),
                    format!(
                        "{} is both `critical` and `timeout_only`: running out of time would fail the attempt for a grave error the trainee never chose",
                        who()
                    ),
                    Some(
                        "make the timeout reply an ordinary (poorly rated) one, or offer the critical reply as a button"
                            .to_string(),
                    ),
                )
                .label("critical timeout");
            }
            let mut vals = [0i64; 4];
            for p in Principle::ALL {
                let Some(v) = r.ratings.get(p) else { continue };
                vals[pidx(p)] = v;
                rated[pidx(p)] = true;
                let at = || rp().field("ratings").field(p.key());
                if !(RATING_MIN..=RATING_MAX).contains(&v) {
                    c.push(
                        Code::E030,
                        at(),
                        format!(
                            "{}: `{p}` rating {v} is outside {RATING_MIN}..{RATING_MAX}",
                            who()
                        ),
                        Some("rate from -2 (violates the principle) to 2 (exemplary)".to_string()),
                    )
                    .label("out of range");
                }
                if !c.scored[pidx(p)] && !sc.principles.is_empty() {
                    c.push(
                        Code::E031,
                        at(),
                        format!("{} rates `{p}`, which the scenario does not score", who()),
                        Some(format!(
                            "add `{p}` to the scenario's `principles`, or remove this rating"
                        )),
                    )
                    .key()
                    .label("not scored");
                }
            }
            if !r.timeout_only {
                match first_ratings {
                    None => first_ratings = Some(vals),
                    Some(f) => {
                        if Principle::ALL
                            .iter()
                            .any(|p| c.scored[pidx(*p)] && f[pidx(*p)] != vals[pidx(*p)])
                        {
                            all_same = false;
                        }
                    }
                }
            }
            if r.cite.is_empty() {
                c.push(
                    Code::E041,
                    rp().field("cite"),
                    format!("{} cites no rule", who()),
                    Some("cite the rules its feedback applies, e.g. cite: [\"L6\", \"P1\"] (ids from data/rules.ron)".to_string()),
                )
                .label("no citation");
            }
            for (k, id) in r.cite.iter().enumerate() {
                if !rules.contains(id.as_str()) {
                    let hint = match suggest(id, rules.iter().copied()) {
                        Some(m) => {
                            format!("did you mean `{m}`? Rule ids are listed in data/rules.ron")
                        }
                        None => {
                            "use a rule id from data/rules.ron (e.g. R, L6, B3, P1)".to_string()
                        }
                    };
                    c.push(
                        Code::E040,
                        rp().field("cite").index(k),
                        format!("{} cites `{id}`, which is not in the rule catalogue", who()),
                        Some(hint),
                    )
                    .label("unknown rule");
                } else if r.cite[..k].contains(id) {
                    c.push(
                        Code::W042,
                        rp().field("cite").index(k),
                        format!("{} cites `{id}` twice", who()),
                        Some("remove the second citation".to_string()),
                    )
                    .label("again");
                }
            }
            let target = lookup(&r.next);
            if target == Target::Missing {
                c.push(
                    Code::E011,
                    rp().field("next"),
                    format!(
                        "{}: `next` names `{}`, which is neither a step nor an ending",
                        who(),
                        r.next
                    ),
                    Some(dangling_hint(&r.next, "steps or endings")),
                )
                .label("no such step or ending");
            }
            edges.push(target);
            if r.timeout_only && step.time_limit.is_none() {
                c.push(
                    Code::W063,
                    rp().field("timeout_only"),
                    format!("{} is `timeout_only`, but the step has no time limit, so it is never taken", who()),
                    Some("add a `time_limit` and `on_timeout` to the step, or remove the reply".to_string()),
                )
                .label("never taken");
            }
        }
        let critical_offered = step.offered().filter(|r| r.critical).count();
        if offered > 0 && critical_offered == offered {
            c.push(
                Code::E070,
                step_path(i).field("replies"),
                format!(
                    "every reply step `{}` offers is critical: whatever the trainee says, the attempt fails",
                    step.id
                ),
                Some(
                    "a critical reply must be avoidable: add a sound reply, or un-mark one that is merely weak"
                        .to_string(),
                ),
            )
            .key()
            .label("no way to avoid a critical reply");
        } else if let Some(best) = crate::session::best_reply(step, &sc.principles)
            && best.critical
        {
            let j = step
                .replies
                .iter()
                .position(|r| std::ptr::eq(r, best))
                .unwrap_or(0);
            c.push(
                Code::W072,
                reply_path(i, j).field("critical"),
                format!(
                    "reply `{}` is the best-rated reply of step `{}` and also critical: the best path would fail",
                    best.id, step.id
                ),
                Some(
                    "rate a grave error low (−2 where it violates a principle), or un-mark it"
                        .to_string(),
                ),
            )
            .label("best reply is critical");
        }
        if offered >= 2 && all_same && c.scored.iter().any(|s| *s) {
            c.push(
                Code::W050,
                step_path(i).field("id"),
                format!(
                    "every reply at step `{}` rates the same on every scored principle, so the choice does not matter",
                    step.id
                ),
                Some("make the better reply rate higher (ratings run -2..2)".to_string()),
            )
            .label("no better reply");
        }
    }
    reply_start.push(edges.len());
    let scored_list = sc
        .principles
        .iter()
        .map(|p| p.key())
        .collect::<Vec<_>>()
        .join(", ");
    for p in Principle::ALL {
        if c.scored[pidx(p)] && !rated[pidx(p)] && !sc.steps.is_empty() {
            let at = sc.principles.iter().position(|q| *q == p).map_or_else(
                || root().field("principles"),
                |k| root().field("principles").index(k),
            );
            c.push(
                Code::E031,
                at,
                format!("the scenario scores `{p}`, but no reply rates it"),
                Some(format!(
                    "rate `{p}` on the replies where it matters, or set `principles` to what this scenario scores (now: {scored_list})"
                )),
            )
            .alt(root().field("scoring"))
            .label("never rated");
        }
    }

    // --- Reachability ------------------------------------------------------------------
    if let Target::Step(s0) = start {
        let graph = Graph {
            start: s0,
            edges: &edges,
            reply_start: &reply_start,
            triggers: &trigger_targets,
            dup_step: &dup_step,
            dup_end: &dup_end,
        };
        reachability(&mut c, &graph);
        if sc
            .steps
            .iter()
            .any(|s| s.replies.iter().any(|r| r.critical))
        {
            good_ending_without_critical(&mut c, &graph);
        }
    }
    c.out
}

/// E071: some good (`Resolved`) ending must be reachable from `start` without choosing a
/// critical reply (a mood trigger counts as reachable once a reached step has a
/// non-critical reply, as in [`reachability`]). Silent when no good ending is reachable
/// at all (W014 and `courtesy check` say so) or the scenario has no good ending.
fn good_ending_without_critical(c: &mut Checker<'_>, g: &Graph<'_>) {
    let sc = c.sc;
    let n = sc.steps.len();
    let walk = |avoid_critical: bool| -> Vec<bool> {
        let mut seen_step = vec![false; n];
        let mut seen_end = vec![false; sc.endings.len()];
        let mut stack = vec![g.start];
        seen_step[g.start] = true;
        let mut any_reply = false;
        let mut triggers_added = false;
        loop {
            while let Some(s) = stack.pop() {
                let a = g.reply_start.get(s).copied().unwrap_or(0);
                for (j, r) in sc.steps[s].replies.iter().enumerate() {
                    if avoid_critical && r.critical {
                        continue;
                    }
                    any_reply = true;
                    match g.edges.get(a + j).copied() {
                        Some(Target::Step(t)) if !seen_step[t] => {
                            seen_step[t] = true;
                            stack.push(t);
                        }
                        Some(Target::Ending(k)) => seen_end[k] = true,
                        _ => {}
                    }
                }
            }
            if triggers_added || g.triggers.is_empty() || !any_reply {
                break;
            }
            triggers_added = true;
            for t in g.triggers {
                match *t {
                    Target::Step(j) if !seen_step[j] => {
                        seen_step[j] = true;
                        stack.push(j);
                    }
                    Target::Ending(k) => seen_end[k] = true,
                    _ => {}
                }
            }
        }
        seen_end
    };
    let good =
        |k: usize| sc.endings[k].outcome.is_good() && !g.dup_end.get(k).copied().unwrap_or(false);
    let all = walk(false);
    let clean = walk(true);
    let reachable_good: Vec<usize> = (0..sc.endings.len())
        .filter(|&k| good(k) && all[k])
        .collect();
    if reachable_good.is_empty() || reachable_good.iter().any(|&k| clean[k]) {
        return;
    }
    let k = reachable_good[0];
    let names = reachable_good
        .iter()
        .map(|&k| format!("`{}`", sc.endings[k].id))
        .collect::<Vec<_>>()
        .join(", ");
    c.push(
        Code::E071,
        root().field("endings").index(k).field("id"),
        format!(
            "every way to a good ending ({names}) goes through a critical reply: no trainee can resolve the case and pass"
        ),
        Some(
            "a critical reply must never be the only way forward: give the step before it a sound reply that leads on, or un-mark the reply"
                .to_string(),
        ),
    )
    .label("only reachable through a critical reply");
}

/// The step graph: reply targets flattened step by step (`reply_start[i]..reply_start[i + 1]`).
struct Graph<'g> {
    start: usize,
    edges: &'g [Target],
    reply_start: &'g [usize],
    triggers: &'g [Target],
    dup_step: &'g [bool],
    dup_end: &'g [bool],
}

/// E012 / W014 (forward from `start`) and E013 (backward from the endings).
fn reachability(c: &mut Checker<'_>, g: &Graph<'_>) {
    let Graph {
        start,
        edges,
        reply_start,
        triggers,
        dup_step,
        dup_end,
    } = *g;
    let sc = c.sc;
    let n = sc.steps.len();
    let out = |i: usize| {
        let a = reply_start.get(i).copied().unwrap_or(0);
        let b = reply_start.get(i + 1).copied().unwrap_or(a);
        edges.get(a..b).unwrap_or(&[])
    };
    let has_replies = |i: usize| !out(i).is_empty();

    let mut seen_step = vec![false; n];
    let mut seen_end = vec![false; sc.endings.len()];
    let mut stack = vec![start];
    seen_step[start] = true;
    let mut triggers_added = false;
    loop {
        while let Some(s) = stack.pop() {
            for t in out(s) {
                match *t {
                    Target::Step(j) if !seen_step[j] => {
                        seen_step[j] = true;
                        stack.push(j);
                    }
                    Target::Ending(k) => seen_end[k] = true,
                    _ => {}
                }
            }
        }
        // A trigger can fire after any reply, so its target is reachable once any
        // reached step has a reply.
        if triggers_added || triggers.is_empty() || !(0..n).any(|i| seen_step[i] && has_replies(i))
        {
            break;
        }
        triggers_added = true;
        for t in triggers {
            match *t {
                Target::Step(j) if !seen_step[j] => {
                    seen_step[j] = true;
                    stack.push(j);
                }
                Target::Ending(k) => seen_end[k] = true,
                _ => {}
            }
        }
    }

    // Backward: which steps can reach an ending.
    let mut in_count = vec![0usize; n + 1];
    for t in edges {
        if let Target::Step(j) = *t {
            in_count[j + 1] += 1;
        }
    }
    for i in 0..n {
        in_count[i + 1] += in_count[i];
    }
    let mut fill = in_count.clone();
    let mut rev = vec![0usize; edges.len()];
    let mut ok = vec![false; n];
    let mut work = Vec::new();
    for (i, ok_i) in ok.iter_mut().enumerate() {
        for t in out(i) {
            match *t {
                Target::Step(j) => {
                    if let Some(slot) = rev.get_mut(fill[j]) {
                        *slot = i;
                    }
                    fill[j] += 1;
                }
                Target::Ending(_) if !*ok_i => {
                    *ok_i = true;
                    work.push(i);
                }
                _ => {}
            }
        }
    }
    let propagate = |ok: &mut Vec<bool>, work: &mut Vec<usize>| {
        while let Some(j) = work.pop() {
            for &i in rev.get(in_count[j]..in_count[j + 1]).unwrap_or(&[]) {
                if !ok[i] {
                    ok[i] = true;
                    work.push(i);
                }
            }
        }
    };
    propagate(&mut ok, &mut work);
    let trigger_escape = triggers.iter().any(|t| match *t {
        Target::Ending(_) => true,
        Target::Step(j) => ok[j],
        Target::Missing => false,
    });
    if trigger_escape {
        for (i, ok_i) in ok.iter_mut().enumerate() {
            *ok_i = *ok_i || has_replies(i);
        }
    }

    for (i, step) in sc.steps.iter().enumerate() {
        if dup_step.get(i).copied().unwrap_or(false) {
            continue;
        }
        if !seen_step[i] {
            c.push(
                Code::E012,
                step_path(i).field("id"),
                format!(
                    "step `{}` can never be reached from `start` (`{}`)",
                    step.id, sc.start
                ),
                Some(
                    "point a reply's `next` (or a trigger's `goto`) at it, or remove the step"
                        .to_string(),
                ),
            )
            .label("unreachable");
        } else if !ok[i] && !out(i).is_empty() {
            c.push(
                Code::E013,
                step_path(i).field("id"),
                format!(
                    "from step `{}` no path leads to an ending: the conversation can never finish",
                    step.id
                ),
                Some(
                    "give at least one reply on the way a `next` that leads to an ending"
                        .to_string(),
                ),
            )
            .label("no way out");
        }
    }
    for (k, e) in sc.endings.iter().enumerate() {
        if !seen_end[k] && !dup_end.get(k).copied().unwrap_or(false) {
            c.push(
                Code::W014,
                root().field("endings").index(k).field("id"),
                format!("ending `{}` can never be reached", e.id),
                Some(
                    "point a reply's `next` (or a trigger's `goto`) at it, or remove it"
                        .to_string(),
                ),
            )
            .label("unreachable");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Locating findings
// ---------------------------------------------------------------------------------------

fn span_for(map: &SourceMap<'_>, path: &SPath, part: Part) -> (usize, usize) {
    let l = map.locate(path);
    if !l.exact {
        // The field is absent (defaulted): point at its closest ancestor's field name,
        // or at the ancestor's first character.
        return l.key.unwrap_or((l.value.0, l.value.0));
    }
    let span = match part {
        Part::Key => l.key.unwrap_or(l.value),
        Part::Value => l.value,
    };
    let multi_line = map.text(span).contains('\n');
    if multi_line {
        // A whole multi-line block makes a poor caret: point at its name instead.
        return l.key.unwrap_or((span.0, span.0));
    }
    span
}

fn resolve(path: &Path, src: &str, pending: Vec<Pending>) -> Vec<Finding> {
    let map = SourceMap::new(src);
    let idx = LineIndex::new(src);
    let mut out: Vec<Finding> = pending
        .into_iter()
        .map(|p| {
            let mut span = span_for(&map, &p.at, p.part);
            if let Some(alt) = &p.alt
                && !map.locate(&p.at).exact
            {
                span = span_for(&map, alt, Part::Key);
            }
            let mut f = idx.finding(p.code, path, span, p.message, p.hint);
            f.label = p.label;
            for (rp, msg) in p.related {
                let s = span_for(&map, &rp, Part::Value);
                f.related.push(idx.related(path, s, msg));
            }
            f
        })
        .collect();
    out.sort_by_key(|f| f.span.map_or(0, |s| s.0));
    out
}

// ---------------------------------------------------------------------------------------
// "Did you mean"
// ---------------------------------------------------------------------------------------

/// The candidate closest to `found` (case-insensitive match, or a small edit distance).
pub fn suggest<'c>(found: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = found.to_lowercase();
    let limit = (found.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == found {
            continue;
        }
        let d = if c.to_lowercase() == lower {
            0
        } else {
            edit_distance(&lower, &c.to_lowercase())
        };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_found_as_words_only() {
        assert_eq!(rule_id_in("as L6 asks"), Some("L6"));
        assert_eq!(rule_id_in("（见L6）"), Some("L6"));
        assert_eq!(rule_id_in("rules B1-B5"), Some("B1"));
        assert_eq!(rule_id_in("P3."), Some("P3"));
        // Not ids: longer words, ids not in the catalogue, one-letter principle ids.
        assert_eq!(rule_id_in("the L60 bus, an MP3 player, AP3"), None);
        assert_eq!(rule_id_in("L12 and B9 are not rules"), None);
        assert_eq!(rule_id_in("Plan C, vitamin B, size M, R&D"), None);
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("nxt", ["next", "says", "id"]), Some("next"));
        assert_eq!(suggest("zh-cn", ["zh-CN", "en"]), Some("zh-CN"));
        assert_eq!(suggest("l6", ["L6", "L7"]), Some("L6"));
        assert_eq!(suggest("completely-else", ["greet", "apology"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "",
            "(",
            "\u{feff}(",
            "(id: \"x\"",
            "[[[[",
            "\"",
            "r#\"",
            "(steps: [(replies: [(next: 5)])])",
        ] {
            let r = validate_source(Path::new("x.ron"), s);
            assert!(!r.findings.is_empty(), "{s:?}");
            assert!(r.has_errors());
        }
        let r = validate_bytes(Path::new("x.ron"), b"(id: \"\xff\xfe\")");
        assert_eq!(r.findings[0].code, Code::E001);
        assert_eq!((r.findings[0].line, r.findings[0].column), (1, 7));
    }
}
