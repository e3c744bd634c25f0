//! The state every validation pass shares: the scenario, what it declares, its step graph, and the findings so far.

use super::suggest;
use crate::diagnostics::{Code, Finding, LineIndex};
use crate::graph::{Node, StepGraph};
use crate::locate::{Path as SPath, SourceMap};
use crate::model::{Principle, Scenario};
use crate::rules;
use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

/// Which part of a located field a finding underlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Value,
    Key,
}

/// A finding before it has a location: where it is, as a path into the scenario.
#[derive(Debug)]
pub(super) struct Pending {
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
    pub(super) fn key(&mut self) -> &mut Self {
        self.part = Part::Key;
        self
    }
    pub(super) fn label(&mut self, l: impl Into<String>) -> &mut Self {
        self.label = Some(l.into());
        self
    }
    pub(super) fn alt(&mut self, p: SPath) -> &mut Self {
        self.alt = Some(p);
        self
    }
    pub(super) fn related(&mut self, p: SPath, msg: impl Into<String>) -> &mut Self {
        self.related.push((p, msg.into()));
        self
    }
}

/// The shared context: read-only facts about the scenario, computed once, and the
/// findings the passes add (in pass order; [`resolve`] puts them in source order).
pub(super) struct Ctx<'a> {
    pub sc: &'a Scenario,
    /// The declared locales, each once, in the order declared.
    pub declared: Vec<&'a str>,
    /// Which principles the scenario scores (indexed by [`pidx`]).
    pub scored: [bool; 4],
    /// The step graph: what every `start`, `next` and `goto` names.
    pub graph: StepGraph<'a>,
    /// For a step whose id an earlier step already holds: that step (else `None`).
    pub dup_step: Vec<Option<usize>>,
    /// For an ending whose id an earlier step or ending already holds: that holder.
    pub dup_end: Vec<Option<Node>>,
    out: Vec<Pending>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(sc: &'a Scenario) -> Ctx<'a> {
        let mut declared: Vec<&str> = Vec::with_capacity(sc.locales.len());
        for l in &sc.locales {
            if !declared.contains(&l.as_str()) {
                declared.push(l.as_str());
            }
        }
        let mut scored = [false; 4];
        for p in &sc.principles {
            scored[pidx(*p)] = true;
        }
        let graph = StepGraph::new(sc);
        let dup_step = sc
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| match graph.lookup(&s.id) {
                Node::Step(first) if first != i => Some(first),
                _ => None,
            })
            .collect();
        let dup_end = sc
            .endings
            .iter()
            .enumerate()
            .map(|(k, e)| match graph.lookup(&e.id) {
                Node::Ending(first) if first == k => None,
                Node::Missing => None,
                holder => Some(holder),
            })
            .collect();
        Ctx {
            sc,
            declared,
            scored,
            graph,
            dup_step,
            dup_end,
            out: Vec::new(),
        }
    }

    /// Whether step `i` repeats an earlier step's id (already E010, so not also reported
    /// unreachable).
    pub(super) fn is_dup_step(&self, i: usize) -> bool {
        self.dup_step.get(i).is_some_and(Option::is_some)
    }

    /// Whether ending `k` repeats an earlier id (already E010).
    pub(super) fn is_dup_end(&self, k: usize) -> bool {
        self.dup_end.get(k).is_some_and(Option::is_some)
    }

    /// Adds a finding at `at` (the value's span; `.key()` for the field name).
    pub(super) fn push(
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

    /// `did you mean …?` for an id that names no step or ending.
    pub(super) fn dangling_hint(&self, id: &str, kinds: &str) -> String {
        let candidates = self
            .sc
            .steps
            .iter()
            .map(|s| s.id.as_str())
            .chain(self.sc.endings.iter().map(|e| e.id.as_str()));
        match suggest(id, candidates) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("use the id of one of the scenario's {kinds}"),
        }
    }

    pub(super) fn into_pending(self) -> Vec<Pending> {
        self.out
    }
}

/// The index of `p` in per-principle arrays.
pub(super) fn pidx(p: Principle) -> usize {
    match p {
        Principle::Respect => 0,
        Principle::Moderation => 1,
        Principle::SelfDiscipline => 2,
        Principle::Compliance => 3,
    }
}

/// The ids of the rule catalogue (data/rules.ron).
pub(super) fn rule_ids() -> &'static HashSet<&'static str> {
    static IDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    IDS.get_or_init(|| rules::catalogue().iter().map(|r| r.id.as_str()).collect())
}

pub(super) fn root() -> SPath {
    SPath::root()
}

pub(super) fn step_path(i: usize) -> SPath {
    root().field("steps").index(i)
}

pub(super) fn reply_path(i: usize, j: usize) -> SPath {
    step_path(i).field("replies").index(j)
}

pub(super) fn ending_path(k: usize) -> SPath {
    root().field("endings").index(k)
}

/// The byte range `path` points at in the file (see [`SourceMap::locate`]).
pub(super) fn span_for(map: &SourceMap<'_>, path: &SPath, part: Part) -> (usize, usize) {
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

/// Turns the passes' findings into located ones, in source order (a stable sort: two
/// findings at one place keep the order the passes ran in).
pub(super) fn resolve(path: &Path, src: &str, pending: Vec<Pending>) -> Vec<Finding> {
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
    out.sort_by_key(|f| f.span().map_or(0, |s| s.0));
    out
}
