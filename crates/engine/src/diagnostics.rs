//! The one findings type (validator, score-check and quality codes, and files that cannot be read) and its text / JSON / one-line renderings.

use crate::model::Scenario;
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How serious a finding is. Any `Error` makes `courtesy validate` exit 1 and keeps the
/// scenario out of the library; warnings are reported but do not block anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// `error` or `warning`, as printed and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($($variant:ident = $text:literal, $sev:ident, $summary:literal;)*) => {
        /// A stable finding code. Validator codes: the letter gives the severity (`E`
        /// error, `W` warning). `S0xx` are the score check's flags, `Q0xx` the quality
        /// check's (Q001 an error, the rest warnings). `docs/validation.md` lists every
        /// validator code with an example and the fix; docs/scoring-check.md the rest.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $summary] $variant,)*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed, e.g. `E011`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }

            /// The severity every finding with this code has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// A one-line description of what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }
        }
    };
}

codes! {
    E000 = "E000", Error, "the file or folder could not be read";
    E001 = "E001", Error, "syntax error: the file is not readable RON";
    E002 = "E002", Error, "unknown field or variant name";
    E003 = "E003", Error, "required field missing";
    E004 = "E004", Error, "value of the wrong type or out of the type's range";
    E005 = "E005", Error, "field given twice";
    E010 = "E010", Error, "duplicate id";
    E011 = "E011", Error, "reference to an id that does not exist";
    E012 = "E012", Error, "step can never be reached from `start`";
    E013 = "E013", Error, "no ending can be reached from this step";
    W014 = "W014", Warning, "ending can never be reached";
    E015 = "E015", Error, "scenario has no steps or no endings";
    E016 = "E016", Error, "step offers the trainee no reply";
    W017 = "W017", Warning, "step offers only one reply";
    E018 = "E018", Error, "step has no `says` variant";
    W019 = "W019", Warning, "id with unusual characters";
    E020 = "E020", Error, "missing or empty translation";
    E021 = "E021", Error, "unsupported locale declared";
    E022 = "E022", Error, "no locale declared";
    W023 = "W023", Warning, "translation in a locale the scenario does not declare";
    W024 = "W024", Warning, "locale declared twice";
    E030 = "E030", Error, "rating outside -2..2";
    E031 = "E031", Error, "principle rated but not scored, or scored but never rated";
    E032 = "E032", Error, "pass mark or floor outside 0..100";
    E033 = "E033", Error, "weight zero, negative or not a number";
    E034 = "E034", Error, "mood value outside 0..100";
    E035 = "E035", Error, "principle list empty or with a duplicate";
    W036 = "W036", Warning, "weight or floor for a principle the scenario does not score";
    W037 = "W037", Warning, "mood trigger that can never fire";
    E040 = "E040", Error, "citation of a rule not in the rule catalogue";
    E041 = "E041", Error, "reply cites no rule";
    W042 = "W042", Warning, "rule cited twice by one reply";
    W050 = "W050", Warning, "every reply at a step rates the same";
    E060 = "E060", Error, "time limit without `on_timeout`";
    W061 = "W061", Warning, "`on_timeout` without a time limit";
    E062 = "E062", Error, "time limit of zero seconds";
    W063 = "W063", Warning, "`timeout_only` reply in a step without a time limit";
    E070 = "E070", Error, "every reply a step offers is critical";
    E071 = "E071", Error, "no good ending can be reached without a critical reply";
    W072 = "W072", Warning, "a step's best reply is critical";
    E073 = "E073", Error, "critical reply marked `timeout_only`";
    W074 = "W074", Warning, "rule id in trainee-facing text";
    S001 = "S001", Warning, "no path passes";
    S002 = "S002", Warning, "the worst path passes";
    S003 = "S003", Warning, "a good ending is only reachable with a failing score";
    S004 = "S004", Warning, "a scored principle never varies";
    Q001 = "Q001", Error, "a naive player passes";
    Q002 = "Q002", Warning, "the best reply is mostly the longest";
    Q003 = "Q003", Warning, "the best reply mostly carries the most politeness markers";
    Q004 = "Q004", Warning, "random play passes too often";
    Q005 = "Q005", Warning, "too few steps offer a real trade-off";
    Q006 = "Q006", Warning, "the best reply is rarely beaten on any principle";
    Q007 = "Q007", Warning, "one component carries most of the rating variance";
}

impl Code {
    /// The validator's codes (`courtesy validate` without `--scores`), in documentation
    /// order: E000–W074, without the score-check and quality flags.
    pub fn validator() -> impl Iterator<Item = Code> {
        Code::ALL
            .iter()
            .copied()
            .filter(|c| matches!(c.as_str().as_bytes().first(), Some(b'E' | b'W')))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Another place a finding refers to (the first of two duplicate ids, say).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Related {
    pub file: PathBuf,
    /// Byte range in that file.
    #[serde(skip)]
    pub span: (usize, usize),
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Where in its file a finding points. `line`/`column` are 1-based; columns count
/// characters, not bytes. `end_line` / `end_column` point just past the offending text
/// (exclusive), as editors expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Byte range of the offending text in the file.
    #[serde(skip)]
    pub span: (usize, usize),
}

/// One problem found in a scenario file: a validator finding, a score-check or quality
/// flag, or a file that could not be read (`E000`, with no location).
///
/// In JSON the location's fields stand inline (`file`, `line`, `column`, `end_line`,
/// `end_column`, `severity`, `code`, `message`, `hint`, `related`); a finding without a
/// location has no `line` … `end_column`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub file: PathBuf,
    /// Where in `file`; `None` when there is no text to point at (unreadable file).
    #[serde(flatten)]
    pub location: Option<Location>,
    pub severity: Severity,
    pub code: Code,
    /// What is wrong, and where in the scenario's terms (`step "greet", reply "b"`).
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// Short text shown under the caret.
    #[serde(skip)]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

impl Finding {
    /// Builds a finding at byte range `span` of `src`, computing line and column.
    pub fn at(
        code: Code,
        file: &Path,
        src: &str,
        span: (usize, usize),
        message: String,
        hint: Option<String>,
    ) -> Finding {
        let index = LineIndex::new(src);
        index.finding(code, file, span, message, hint)
    }

    /// A finding about `file` as a whole, at no place in it (e.g. `E000`: unreadable).
    pub fn whole_file(code: Code, file: &Path, message: String, hint: Option<String>) -> Finding {
        Finding {
            file: file.to_path_buf(),
            location: None,
            severity: code.severity(),
            code,
            message,
            hint,
            label: None,
            related: Vec::new(),
        }
    }

    /// 1-based line and column, when the finding has a place in the file.
    pub fn position(&self) -> Option<(usize, usize)> {
        self.location.map(|l| (l.line, l.column))
    }

    /// The byte range it points at, when it has a place in the file.
    pub fn span(&self) -> Option<(usize, usize)> {
        self.location.map(|l| l.span)
    }

    /// `file:line:column` (just `file` without a location), as printed in the heading of
    /// a text diagnostic.
    pub fn location(&self) -> String {
        match self.location {
            Some(l) => format!("{}:{}:{}", self.file.display(), l.line, l.column),
            None => self.file.display().to_string(),
        }
    }

    /// The short form the in-app problems panel shows: `name:line:column: message` (the
    /// file's name only), then the hint and each related place on lines of their own.
    pub fn one_line(&self) -> String {
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.file.display().to_string());
        let mut s = match self.location {
            Some(l) => format!("{name}:{}:{}: {}", l.line, l.column, self.message),
            None => format!("{name}: {}", self.message),
        };
        if let Some(h) = &self.hint {
            s.push_str(&format!("\n  = help: {h}"));
        }
        for r in &self.related {
            s.push_str(&format!(
                "\n  = note: {}:{}: {}",
                r.line, r.column, r.message
            ));
        }
        s
    }

    /// The plain text form, without the source line: `severity[code]: message`, `-->
    /// location`, then help and notes (used where no source text is at hand, and as the
    /// fallback of [`render_text`]).
    pub fn plain(&self) -> String {
        let mut s = format!(
            "{}[{}]: {}\n  --> {}\n",
            self.severity,
            self.code,
            self.message,
            self.location()
        );
        if let Some(h) = &self.hint {
            s.push_str(&format!("  = help: {h}\n"));
        }
        for r in &self.related {
            s.push_str(&format!(
                "  = note: {}:{}:{}: {}\n",
                r.file.display(),
                r.line,
                r.column,
                r.message
            ));
        }
        s
    }
}

/// Line starts of one source, to turn byte offsets into line / character columns.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `src`.
    pub fn new(src: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(
            src.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { src, starts }
    }

    /// The largest char boundary `<= offset` (clamped to the source).
    pub fn floor(&self, offset: usize) -> usize {
        self.src.floor_char_boundary(offset.min(self.src.len()))
    }

    /// 1-based line and character column of byte `offset`.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor(offset);
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let col = self.src.get(start..offset).map_or(0, |s| s.chars().count());
        (line, col + 1)
    }

    /// Byte offset of 1-based `line` / character `col` (as ron reports them), clamped
    /// to the source.
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.src.len();
        };
        let line_end = self
            .starts
            .get(line)
            .copied()
            .unwrap_or(self.src.len())
            .min(self.src.len());
        let text = self.src.get(start..line_end).unwrap_or("");
        let skip = col.saturating_sub(1);
        match text.char_indices().nth(skip) {
            Some((i, _)) => start + i,
            None => line_end,
        }
    }

    /// A byte range made safe to show: on char boundaries, in order, and one character
    /// wide when empty (unless at the end of the file).
    pub fn widen(&self, span: (usize, usize)) -> (usize, usize) {
        let start = self.floor(span.0);
        let mut end = self.floor(span.1.max(start));
        if end == start
            && let Some(c) = self.src.get(start..).and_then(|s| s.chars().next())
            && c != '\n'
            && c != '\r'
        {
            end = start + c.len_utf8();
        }
        (start, end)
    }

    /// Builds a finding at `span`.
    pub fn finding(
        &self,
        code: Code,
        file: &Path,
        span: (usize, usize),
        message: String,
        hint: Option<String>,
    ) -> Finding {
        let span = self.widen(span);
        let (line, column) = self.position(span.0);
        let (end_line, end_column) = self.position(span.1);
        let mut f = Finding::whole_file(code, file, message, hint);
        f.location = Some(Location {
            line,
            column,
            end_line,
            end_column,
            span,
        });
        f
    }

    /// Builds a related location at `span`.
    pub fn related(&self, file: &Path, span: (usize, usize), message: String) -> Related {
        let span = self.widen(span);
        let (line, column) = self.position(span.0);
        Related {
            file: file.to_path_buf(),
            span,
            line,
            column,
            message,
        }
    }
}

/// Everything found in one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    /// The file's text (needed to show the source line of each finding).
    pub source: String,
    /// The scenario, when the file could be read as one (even if it has other errors).
    pub scenario: Option<Arc<Scenario>>,
    /// Findings in source order.
    pub findings: Vec<Finding>,
}

impl FileReport {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Number of findings of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// The result of validating a set of files.
#[derive(Debug, Clone, Default)]
pub struct ValidationReport {
    pub files: Vec<FileReport>,
}

impl ValidationReport {
    /// Whether any file has an error finding.
    pub fn has_errors(&self) -> bool {
        self.files.iter().any(FileReport::has_errors)
    }

    /// Number of error findings over all files.
    pub fn errors(&self) -> usize {
        self.files.iter().map(|f| f.count(Severity::Error)).sum()
    }

    /// Number of warning findings over all files.
    pub fn warnings(&self) -> usize {
        self.files.iter().map(|f| f.count(Severity::Warning)).sum()
    }

    /// Every finding, file by file.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    /// One line summing up the report, e.g. `checked 3 files: 2 errors, 1 warning`.
    pub fn summary(&self) -> String {
        let n = self.files.len();
        let (e, w) = (self.errors(), self.warnings());
        let files = plural(n, "file", "files");
        if e == 0 && w == 0 {
            return format!("checked {files}: no problems found");
        }
        format!(
            "checked {files}: {}, {}",
            plural(e, "error", "errors"),
            plural(w, "warning", "warnings")
        )
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Renders every finding as a compiler-style diagnostic (`error[E011]: …`, `┌─ file:line:col`,
/// the source line and a caret), followed by a summary line. `color` adds ANSI colours;
/// pass `std::io::stdout().is_terminal()` or `false` when writing to a file or pipe.
pub fn render_text(report: &ValidationReport, color: bool) -> String {
    let mut out = render_findings(report, color);
    out.push_str(&report.summary());
    out.push('\n');
    out
}

/// [`render_text`] without the summary line: the diagnostics alone (any findings, the
/// score check's and quality flags too).
pub fn render_findings(report: &ValidationReport, color: bool) -> String {
    let mut files = SimpleFiles::new();
    let ids: Vec<usize> = report
        .files
        .iter()
        .map(|f| files.add(f.path.display().to_string(), f.source.as_str()))
        .collect();
    let id_of = |p: &Path| {
        report
            .files
            .iter()
            .position(|f| f.path == p)
            .and_then(|i| ids.get(i).copied())
    };
    let config = Config::default();
    let mut out = String::new();
    let mut colored = term::termcolor::Buffer::ansi();
    for (file, &file_id) in report.files.iter().zip(&ids) {
        for finding in &file.findings {
            let diagnostic = to_diagnostic(finding, file_id, &id_of);
            let rendered = if color {
                colored.clear();
                term::emit_to_write_style(&mut colored, &config, &files, &diagnostic)
                    .ok()
                    .map(|()| String::from_utf8_lossy(colored.as_slice()).into_owned())
            } else {
                term::emit_into_string(&config, &files, &diagnostic).ok()
            };
            out.push_str(&rendered.unwrap_or_else(|| finding.plain()));
        }
    }
    out
}

fn to_diagnostic(
    finding: &Finding,
    file_id: usize,
    id_of: &dyn Fn(&Path) -> Option<usize>,
) -> Diagnostic<usize> {
    let base = match finding.severity {
        Severity::Error => Diagnostic::error(),
        Severity::Warning => Diagnostic::warning(),
    };
    let mut d = base
        .with_code(finding.code.as_str())
        .with_message(&finding.message);
    match finding.span() {
        Some(span) => {
            let label = finding.label.as_deref().unwrap_or(finding.code.summary());
            d = d.with_label(Label::primary(file_id, span.0..span.1).with_message(label));
        }
        None => d = d.with_note(format!("in {}", finding.file.display())),
    }
    for r in &finding.related {
        if let Some(id) = id_of(&r.file) {
            d = d.with_label(Label::secondary(id, r.span.0..r.span.1).with_message(&r.message));
        }
    }
    if let Some(hint) = &finding.hint {
        d = d.with_note(format!("help: {hint}"));
    }
    d
}

/// Renders every finding as one JSON array of objects with the fields `file`, `line`,
/// `column`, `end_line`, `end_column`, `severity`, `code`, `message`, `hint` (null when
/// none) and, when there is one, `related` (see `docs/validation.md`).
pub fn render_json(report: &ValidationReport) -> String {
    let all: Vec<&Finding> = report.findings().collect();
    serde_json::to_string_pretty(&all).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let src = "ab\n中文x\n";
        let idx = LineIndex::new(src);
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(3), (2, 1));
        let x = src.find('x').unwrap_or(0);
        assert_eq!(idx.position(x), (2, 3));
        assert_eq!(idx.offset(2, 3), x);
        assert_eq!(idx.offset(9, 9), src.len());
        // Inside a multi-byte char: floored to its start.
        assert_eq!(idx.position(4), (2, 1));
    }

    #[test]
    fn codes_are_unique_and_match_their_severity_letter() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            let letter = c.as_str().chars().next();
            // Validator codes say their severity by letter; of the flags, only Q001
            // (a naive player passes) is an error.
            match (letter, c.severity()) {
                (Some('E'), Severity::Error) | (Some('W' | 'S'), Severity::Warning) => {}
                (Some('Q'), s) => assert_eq!(s == Severity::Error, *c == Code::Q001, "{c}"),
                other => panic!("{c}: {other:?}"),
            }
        }
    }

    #[test]
    fn renders_caret_and_location() {
        let src = "(id: \"x\",\n next: \"nowhere\")\n";
        let path = PathBuf::from("a.ron");
        let start = src.find("\"nowhere\"").unwrap_or(0);
        let f = Finding::at(
            Code::E011,
            &path,
            src,
            (start, start + 9),
            "no step".into(),
            Some("fix it".into()),
        );
        let l = f.location.expect("located");
        assert_eq!((l.line, l.column, l.end_line, l.end_column), (2, 8, 2, 17));
        let report = ValidationReport {
            files: vec![FileReport {
                path,
                source: src.into(),
                scenario: None,
                findings: vec![f],
            }],
        };
        let text = render_text(&report, false);
        assert!(text.contains("error[E011]: no step"), "{text}");
        assert!(text.contains("a.ron:2:8"), "{text}");
        assert!(text.contains("^^^^^^^^^"), "{text}");
        assert!(text.contains("help: fix it"), "{text}");
        assert!(text.contains("1 error, 0 warnings"), "{text}");
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&report)).unwrap_or_default();
        assert_eq!(json[0]["code"], "E011");
        assert_eq!(json[0]["end_column"], 17);
        assert!(render_text(&report, true).contains("\u{1b}["));
    }

    #[test]
    fn a_finding_without_a_location_renders_everywhere_without_one() {
        let f = Finding::whole_file(
            Code::E000,
            Path::new("dir/a.ron"),
            "permission denied".into(),
            Some("check the file's permissions".into()),
        );
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.position(), None);
        assert_eq!(
            f.one_line(),
            "a.ron: permission denied\n  = help: check the file's permissions"
        );
        assert!(f.plain().contains("--> dir/a.ron\n"), "{}", f.plain());
        let report = ValidationReport {
            files: vec![FileReport {
                path: PathBuf::from("dir/a.ron"),
                source: String::new(),
                scenario: None,
                findings: vec![f],
            }],
        };
        let text = render_text(&report, false);
        assert!(text.contains("error[E000]: permission denied"), "{text}");
        assert!(text.contains("in dir/a.ron"), "{text}");
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&report)).unwrap_or_default();
        assert_eq!(json[0]["code"], "E000");
        assert_eq!(json[0]["file"], "dir/a.ron");
        assert!(json[0].get("line").is_none(), "{json}");
    }

    #[test]
    fn located_findings_keep_the_documented_json_fields_in_order() {
        let src = "(id: \"x\")\n";
        let f = Finding::at(
            Code::W019,
            Path::new("a.ron"),
            src,
            (5, 8),
            "m".into(),
            None,
        );
        let json = serde_json::to_string(&f).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"file":"a.ron","line":1,"column":6,"end_line":1,"end_column":9,"severity":"warning","code":"W019","message":"m","hint":null}"#
        );
    }
}
