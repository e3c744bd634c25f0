//! Span locator: maps a semantic path (`steps[3].replies[1].next`) to a byte range in RON text.
//!
//! Deserialising into the model loses every position, so validation findings are located
//! afterwards by this small, forgiving recursive-descent scanner over RON syntax
//! (comments, strings, raw strings, chars, numbers, identifiers, named and anonymous
//! structs / tuples, lists, maps, `Some(..)`). It never fails: on text it does not
//! understand it skips a character and carries on, and a path that does not exist
//! resolves to its deepest existing ancestor. It is only run for files that have
//! findings, so valid files never pay for it.

use std::fmt;

/// Deepest nesting the scanner descends into; anything deeper is skipped as one value.
const MAX_DEPTH: usize = 200;

/// One step of a path into a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A struct field by name (`steps`).
    Field(&'static str),
    /// An element of a list or tuple (`[3]`; `Below(15)`'s 15 is index 0).
    Index(usize),
    /// A map entry by its string key (`title["en"]`).
    Key(String),
}

/// A path from the top of the file; build one with [`Path::root`] and the chained methods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path(pub Vec<Seg>);

impl Path {
    /// The whole file.
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// This path then field `name`.
    pub fn field(&self, name: &'static str) -> Path {
        self.with(Seg::Field(name))
    }

    /// This path then element `i`.
    pub fn index(&self, i: usize) -> Path {
        self.with(Seg::Index(i))
    }

    /// This path then map key `key`.
    pub fn key(&self, key: &str) -> Path {
        self.with(Seg::Key(key.to_string()))
    }

    fn with(&self, seg: Seg) -> Path {
        let mut v = self.0.clone();
        v.push(seg);
        Path(v)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Seg::Field(n) if first => write!(f, "{n}")?,
                Seg::Field(n) => write!(f, ".{n}")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
                Seg::Key(k) => write!(f, "[{k:?}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// Where a path was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// Byte range of the value (of the deepest existing ancestor when not `exact`).
    pub value: (usize, usize),
    /// Byte range of the field name or map key introducing the value, if it has one.
    pub key: Option<(usize, usize)>,
    /// Whether the whole path exists.
    pub exact: bool,
}

#[derive(Debug, Clone)]
struct Node {
    start: usize,
    end: usize,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Atom,
    /// `(a: 1)` or `Name(a: 1)`: (field name range, value).
    Struct(Vec<((usize, usize), Node)>),
    /// `(1, 2)`, `Name(1)`, `Some(x)`.
    Tuple(Vec<Node>),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// The parsed outline of one RON source: every value with its byte range.
#[derive(Debug, Clone)]
pub struct SourceMap<'a> {
    src: &'a str,
    root: Node,
}

impl<'a> SourceMap<'a> {
    /// Scans `src`. Never fails and never panics.
    pub fn new(src: &'a str) -> SourceMap<'a> {
        let mut s = Scanner {
            src: src.as_bytes(),
            pos: 0,
        };
        s.skip_ws();
        // `#![enable(...)]` attributes before the value.
        while s.peek() == Some(b'#') && s.peek_at(1) == Some(b'!') {
            s.pos += 2;
            s.skip_ws();
            if s.peek() == Some(b'[') {
                s.skip_flat();
            }
            s.skip_ws();
        }
        let root = if s.pos < s.src.len() {
            s.value(0)
        } else {
            Node {
                start: 0,
                end: src.len(),
                kind: Kind::Atom,
            }
        };
        SourceMap { src, root }
    }

    /// The source text in `span` (empty when out of range).
    pub fn text(&self, span: (usize, usize)) -> &'a str {
        self.src.get(span.0..span.1).unwrap_or("")
    }

    /// Finds `path`; a missing tail resolves to the deepest ancestor that exists.
    pub fn locate(&self, path: &Path) -> Located {
        let mut node = &self.root;
        let mut key = None;
        for seg in &path.0 {
            match self.child(node, seg) {
                Some((k, child)) => {
                    key = k;
                    node = child;
                }
                None => {
                    return Located {
                        value: (node.start, node.end),
                        key,
                        exact: false,
                    };
                }
            }
        }
        Located {
            value: (node.start, node.end),
            key,
            exact: true,
        }
    }

    fn child<'n>(&self, node: &'n Node, seg: &Seg) -> Option<(Option<(usize, usize)>, &'n Node)> {
        match (&node.kind, seg) {
            (Kind::Struct(fields), Seg::Field(name)) => fields
                .iter()
                .find(|(r, _)| self.ident(*r) == *name)
                .map(|(r, n)| (Some(*r), n)),
            (Kind::Map(entries), Seg::Key(k)) => entries
                .iter()
                .find(|(kn, _)| self.string_content(kn).as_deref() == Some(k.as_str()))
                .map(|(kn, v)| (Some((kn.start, kn.end)), v)),
            // `Some([..])`: look through to the list.
            (Kind::Tuple(items), Seg::Index(_))
                if items.len() == 1 && items.iter().all(|n| matches!(n.kind, Kind::Seq(_))) =>
            {
                items.first().and_then(|n| self.child(n, seg))
            }
            (Kind::Seq(items) | Kind::Tuple(items), Seg::Index(i)) => {
                items.get(*i).map(|n| (None, n))
            }
            // `Some(x)` / a newtype: look through it.
            (Kind::Tuple(items), _) if items.len() == 1 => {
                items.first().and_then(|n| self.child(n, seg))
            }
            _ => None,
        }
    }

    fn ident(&self, r: (usize, usize)) -> &str {
        let s = self.src.get(r.0..r.1).unwrap_or("");
        s.strip_prefix("r#").unwrap_or(s)
    }

    /// The content of a string node (escapes resolved for the common cases).
    fn string_content(&self, n: &Node) -> Option<String> {
        let text = self.src.get(n.start..n.end)?;
        if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            if !inner.contains('\\') {
                return Some(inner.to_string());
            }
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c != '\\' {
                    out.push(c);
                    continue;
                }
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('0') => out.push('\0'),
                    Some(c) => out.push(c),
                    None => {}
                }
            }
            return Some(out);
        }
        let hashes = text.strip_prefix('r')?;
        let n_hash = hashes.bytes().take_while(|&b| b == b'#').count();
        let body = hashes.get(n_hash..)?.strip_prefix('"')?;
        let body = body.get(..body.len().checked_sub(n_hash + 1)?)?;
        Some(body.to_string())
    }
}

/// The byte range of the single value that starts at (or after whitespace following)
/// `start`, e.g. the whole string `"2"` or list `[ … ]`. Used to widen ron's error
/// positions to the offending value.
pub fn value_span_at(src: &str, start: usize) -> (usize, usize) {
    let mut s = Scanner {
        src: src.as_bytes(),
        pos: start.min(src.len()),
    };
    s.skip_ws();
    let from = s.pos;
    if from >= src.len() {
        return (from, from);
    }
    let n = s.value(0);
    (from, n.end.min(src.len()))
}

/// The last string literal that starts before `limit` and contains a line break, if
/// any (comments and other literals are skipped correctly).
pub fn multiline_string_before(src: &str, limit: usize) -> Option<(usize, usize)> {
    let mut s = Scanner {
        src: src.as_bytes(),
        pos: 0,
    };
    let mut found = None;
    while s.pos < limit.min(src.len()) {
        s.skip_ws();
        let start = s.pos;
        match s.peek() {
            None => break,
            Some(b'"') => s.string(),
            Some(b'r') if s.raw_string_ahead() => s.raw_string(),
            Some(b'\'') => s.char_lit(),
            Some(b) if is_ident_start(b) => s.ident(),
            Some(_) => s.pos += 1,
        }
        let end = s.pos.min(src.len());
        let is_string = matches!(s.src.get(start), Some(b'"' | b'r'))
            && s.src.get(start..end).is_some_and(|t| t.contains(&b'\n'));
        if is_string && start < limit {
            found = Some((start, end));
        }
        if s.pos <= start {
            s.pos = start + 1;
        }
    }
    found
}

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.src.get(self.pos + n).copied()
    }

    /// Skips whitespace and comments (block comments may nest, as in RON).
    fn skip_ws(&mut self) {
        loop {
            match self.peek() {
                Some(b) if b.is_ascii_whitespace() => self.pos += 1,
                Some(b'/') if self.peek_at(1) == Some(b'/') => {
                    while let Some(b) = self.peek() {
                        self.pos += 1;
                        if b == b'\n' {
                            break;
                        }
                    }
                }
                Some(b'/') if self.peek_at(1) == Some(b'*') => {
                    self.pos += 2;
                    let mut depth = 1usize;
                    while depth > 0 && self.pos < self.src.len() {
                        if self.peek() == Some(b'*') && self.peek_at(1) == Some(b'/') {
                            depth -= 1;
                            self.pos += 2;
                        } else if self.peek() == Some(b'/') && self.peek_at(1) == Some(b'*') {
                            depth += 1;
                            self.pos += 2;
                        } else {
                            self.pos += 1;
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn node(&self, start: usize, kind: Kind) -> Node {
        Node {
            start,
            end: self.pos.max(start),
            kind,
        }
    }

    /// One value starting at the current position (which is not whitespace).
    fn value(&mut self, depth: usize) -> Node {
        let start = self.pos;
        let Some(b) = self.peek() else {
            return self.node(start, Kind::Atom);
        };
        if depth > MAX_DEPTH && matches!(b, b'(' | b'[' | b'{') {
            self.skip_flat();
            return self.node(start, Kind::Atom);
        }
        match b {
            b'"' => {
                self.string();
                self.node(start, Kind::Atom)
            }
            b'\'' => {
                self.char_lit();
                self.node(start, Kind::Atom)
            }
            b'r' if matches!(self.peek_at(1), Some(b'"' | b'#')) && self.raw_string_ahead() => {
                self.raw_string();
                self.node(start, Kind::Atom)
            }
            b'b' if self.peek_at(1) == Some(b'"') => {
                self.pos += 1;
                self.string();
                self.node(start, Kind::Atom)
            }
            b'b' if self.peek_at(1) == Some(b'\'') => {
                self.pos += 1;
                self.char_lit();
                self.node(start, Kind::Atom)
            }
            b'(' => self.parens(start, depth),
            b'[' => {
                self.pos += 1;
                let items = self.items(b']', depth);
                self.node(start, Kind::Seq(items))
            }
            b'{' => self.map(start, depth),
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                self.number();
                self.node(start, Kind::Atom)
            }
            b if is_ident_start(b) => {
                self.ident();
                let after = self.pos;
                self.skip_ws();
                if self.peek() == Some(b'(') {
                    let mut n = self.parens(self.pos, depth);
                    n.start = start;
                    n
                } else {
                    self.pos = after;
                    self.node(start, Kind::Atom)
                }
            }
            _ => {
                self.bump_char();
                self.node(start, Kind::Atom)
            }
        }
    }

    fn bump_char(&mut self) {
        self.pos += 1;
        while self.peek().is_some_and(|b| (b & 0xC0) == 0x80) {
            self.pos += 1;
        }
    }

    fn ident(&mut self) {
        if self.peek() == Some(b'r') && self.peek_at(1) == Some(b'#') {
            self.pos += 2;
        }
        while self.peek().is_some_and(is_ident_char) {
            self.pos += 1;
        }
    }

    fn number(&mut self) {
        // First char: digit, sign or dot; then digits, letters (hex, suffixes, `inf`),
        // `_`, `.` and a sign right after an exponent `e`.
        self.pos += 1;
        while let Some(b) = self.peek() {
            let exp_sign =
                matches!(b, b'+' | b'-') && matches!(self.src.get(self.pos - 1), Some(b'e' | b'E'));
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || exp_sign {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn string(&mut self) {
        // At the opening quote.
        self.pos += 1;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'\\' if self.pos < self.src.len() => self.pos += 1,
                b'"' => return,
                _ => {}
            }
        }
    }

    fn char_lit(&mut self) {
        // At the opening quote: 'x', '\n', '\u{..}', '中'.
        self.pos += 1;
        if self.peek() == Some(b'\\') {
            self.pos += 2;
        } else if self.pos < self.src.len() {
            self.bump_char();
        }
        while let Some(b) = self.peek() {
            self.pos += 1;
            if b == b'\'' || b == b'\n' {
                return;
            }
        }
        self.pos = self.pos.min(self.src.len());
    }

    fn raw_string_ahead(&self) -> bool {
        let mut i = self.pos + 1;
        while self.src.get(i) == Some(&b'#') {
            i += 1;
        }
        self.src.get(i) == Some(&b'"')
    }

    fn raw_string(&mut self) {
        self.pos += 1;
        let mut hashes = 0;
        while self.peek() == Some(b'#') {
            hashes += 1;
            self.pos += 1;
        }
        self.pos += 1; // opening quote
        while self.pos < self.src.len() {
            if self.peek() == Some(b'"') {
                let close = self.pos + 1;
                let n = self.src.get(close..).map_or(0, |r| {
                    r.iter().take(hashes).take_while(|&&b| b == b'#').count()
                });
                if n == hashes {
                    self.pos = close + hashes;
                    return;
                }
            }
            self.pos += 1;
        }
    }

    /// `( … )`: a struct when the first thing inside is `ident:`, else a tuple.
    fn parens(&mut self, start: usize, depth: usize) -> Node {
        self.pos += 1;
        self.skip_ws();
        if self.struct_ahead() {
            let fields = self.entries(b')', &[], depth, |s| {
                if s.peek().is_some_and(is_ident_start) {
                    let name_start = s.pos;
                    s.ident();
                    Some((name_start, s.pos))
                } else {
                    // Not understood: skip one value.
                    let _ = s.value(depth + 1);
                    None
                }
            });
            return self.node(start, Kind::Struct(fields));
        }
        let items = self.items(b')', depth);
        self.node(start, Kind::Tuple(items))
    }

    fn struct_ahead(&self) -> bool {
        let mut i = self.pos;
        if self.src.get(i) == Some(&b'r') && self.src.get(i + 1) == Some(&b'#') {
            i += 2;
        }
        if !self.src.get(i).copied().is_some_and(is_ident_start) {
            return false;
        }
        while self.src.get(i).copied().is_some_and(is_ident_char) {
            i += 1;
        }
        let mut probe = Scanner {
            src: self.src,
            pos: i,
        };
        probe.skip_ws();
        probe.peek() == Some(b':') && probe.peek_at(1) != Some(b':')
    }

    /// Comma-separated values up to `close`.
    fn items(&mut self, close: u8, depth: usize) -> Vec<Node> {
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => break,
                Some(b) if b == close => {
                    self.pos += 1;
                    break;
                }
                Some(b',') => self.pos += 1,
                Some(b')' | b']' | b'}') => {
                    // Mismatched closer: end here without consuming it twice.
                    self.pos += 1;
                    break;
                }
                Some(_) => items.push(self.value(depth + 1)),
            }
        }
        items
    }

    fn map(&mut self, start: usize, depth: usize) -> Node {
        self.pos += 1;
        let entries = self.entries(b'}', b")]", depth, |s| Some(s.value(depth + 1)));
        self.node(start, Kind::Map(entries))
    }

    /// `key: value` entries up to `close` (the opener already read), each key read by
    /// `key` (None: not a key, and skipped); a key without `:` or without a value is
    /// dropped. One of `stray` (a closer of another bracket) ends the entries too.
    fn entries<K>(
        &mut self,
        close: u8,
        stray: &[u8],
        depth: usize,
        mut key: impl FnMut(&mut Self) -> Option<K>,
    ) -> Vec<(K, Node)> {
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            let Some(b) = self.peek() else { break };
            if b == close || stray.contains(&b) {
                self.pos += 1;
                break;
            }
            if b == b',' {
                self.pos += 1;
                continue;
            }
            let Some(k) = key(self) else { continue };
            self.skip_ws();
            if self.peek() != Some(b':') {
                continue;
            }
            self.pos += 1;
            self.skip_ws();
            if self.peek().is_none_or(|b| b == close) {
                continue;
            }
            let v = self.value(depth + 1);
            entries.push((k, v));
        }
        entries
    }

    /// Skips a bracketed value without building nodes (iterative, string-aware).
    fn skip_flat(&mut self) {
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            match b {
                b'"' => {
                    self.string();
                    continue;
                }
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<'a>(src: &'a str, path: &Path) -> &'a str {
        let l = SourceMap::new(src).locate(path);
        assert!(l.exact, "{path} not found");
        &src[l.value.0..l.value.1]
    }

    const SRC: &str = r##"#![enable(implicit_some)]
// comment with ( unbalanced [ brackets
Scenario(
    id: "x", /* block /* nested */ comment ) */
    title: {"en": "Hi, \"you\"", "zh-CN": r#"您好 "raw" "#},
    triggers: [(when: Below(15), goto: "leave")],
    steps: [
        (id: "a", says: [{"en": 'c'}], time_limit: Some(20), replies: [
            (id: "r1", next: "b", ratings: (respect: -2), mood: -1.5e-3),
            (id: "r2", next: "nowhere", ratings: ()),
        ]),
    ],
    customer: (special_needs: Some({"en": "deaf"})),
)
"##;

    #[test]
    fn finds_nested_values() {
        let root = Path::root();
        let reply = |i: usize| root.field("steps").index(0).field("replies").index(i);
        let cases = [
            (root.field("id"), "\"x\""),
            (reply(1).field("next"), "\"nowhere\""),
            (root.field("title").key("zh-CN"), "r#\"您好 \"raw\" \"#"),
            (root.field("title").key("en"), "\"Hi, \\\"you\\\"\""),
            (root.field("triggers").index(0).field("when").index(0), "15"),
            (root.field("steps").index(0).field("time_limit"), "Some(20)"),
            (
                root.field("customer").field("special_needs").key("en"),
                "\"deaf\"",
            ),
            (reply(0).field("ratings").field("respect"), "-2"),
        ];
        for (path, want) in &cases {
            assert_eq!(text(SRC, path), *want, "{path}");
        }
        let l = SourceMap::new(SRC).locate(&root.field("title").key("en"));
        assert_eq!(l.key.map(|k| &SRC[k.0..k.1]), Some("\"en\""));
    }

    #[test]
    fn missing_tail_falls_back_to_ancestor() {
        let l = SourceMap::new(SRC).locate(&Path::root().field("title").key("fr"));
        assert!(!l.exact);
        assert!(SRC[l.value.0..l.value.1].starts_with("{\"en\""));
        let l = SourceMap::new(SRC).locate(&Path::root().field("steps").index(9));
        assert!(SRC[l.value.0..l.value.1].starts_with('['));
    }

    #[test]
    fn never_panics_on_garbage() {
        let inputs = [
            "",
            "(",
            ")",
            "r#",
            "r#\"",
            "'",
            "'\\",
            "\"\\",
            "/*",
            "{:",
            "(a:",
            "b'",
            "#!",
            "#![",
            "[[[[[[",
            "中(文:",
            "(x: r##\"a\"#)",
            "-",
            "1e-",
            "(,,,)",
            "{\"a\":}",
        ];
        for s in inputs {
            let map = SourceMap::new(s);
            let l = map.locate(&Path::root().field("a").index(3).key("k"));
            assert!(l.value.0 <= l.value.1 && l.value.1 <= s.len(), "{s:?}");
        }
        let deep = "[".repeat(100_000);
        let _ = SourceMap::new(&deep).locate(&Path::root().index(0));
        for cut in 0..SRC.len() {
            if let Some(s) = SRC.get(..cut) {
                let l = SourceMap::new(s)
                    .locate(&Path::root().field("steps").index(0).field("replies"));
                assert!(l.value.1 <= s.len());
            }
        }
    }
}
