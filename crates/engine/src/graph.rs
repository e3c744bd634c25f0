//! The step graph of a scenario: one graph by index and its walks (validation, `courtesy graph`), and its Graphviz dot / Mermaid text.

use crate::model::{Outcome, Principle, Reply, Scenario};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// `R+2 M+1 S0` for a reply's ratings on the scenario's principles.
pub fn rating_label(reply: &Reply, principles: &[Principle]) -> String {
    principles
        .iter()
        .map(|p| {
            let v = reply.ratings.rating(*p);
            let sign = if v > 0 { "+" } else { "" };
            format!("{}{sign}{v}", p.rule_id())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where a `next`, a trigger's `goto` or `start` leads: a step or an ending (by index),
/// or nowhere (an id that names neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Step(usize),
    Ending(usize),
    Missing,
}

/// A scenario's step graph by index: every reply's target, step by step, and the
/// triggers' targets. An id held twice resolves to its first holder, and a step wins
/// over an ending of the same id (the session looks ids up the same way).
#[derive(Debug, Clone)]
pub struct StepGraph<'a> {
    sc: &'a Scenario,
    ids: HashMap<&'a str, Node>,
    /// Reply targets flattened step by step: step `i`'s are `edges[first[i]..first[i + 1]]`.
    edges: Vec<Node>,
    first: Vec<usize>,
    triggers: Vec<Node>,
}

/// What a forward walk reached, by step and by ending index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    pub steps: Vec<bool>,
    pub endings: Vec<bool>,
}

impl<'a> StepGraph<'a> {
    /// Builds the graph of `sc` (linear in its size).
    pub fn new(sc: &'a Scenario) -> StepGraph<'a> {
        let mut ids: HashMap<&str, Node> =
            HashMap::with_capacity(sc.steps.len() + sc.endings.len());
        for (i, s) in sc.steps.iter().enumerate() {
            ids.entry(s.id.as_str()).or_insert(Node::Step(i));
        }
        for (k, e) in sc.endings.iter().enumerate() {
            ids.entry(e.id.as_str()).or_insert(Node::Ending(k));
        }
        let lookup = |id: &str| ids.get(id).copied().unwrap_or(Node::Missing);
        let mut edges = Vec::with_capacity(sc.steps.iter().map(|s| s.replies.len()).sum());
        let mut first = Vec::with_capacity(sc.steps.len() + 1);
        for s in &sc.steps {
            first.push(edges.len());
            edges.extend(s.replies.iter().map(|r| lookup(&r.next)));
        }
        first.push(edges.len());
        let triggers = sc.triggers.iter().map(|t| lookup(&t.goto)).collect();
        StepGraph {
            sc,
            ids,
            edges,
            first,
            triggers,
        }
    }

    /// What `id` names.
    pub fn lookup(&self, id: &str) -> Node {
        self.ids.get(id).copied().unwrap_or(Node::Missing)
    }

    /// Where `start` leads.
    pub fn start(&self) -> Node {
        self.lookup(&self.sc.start)
    }

    /// The targets of step `i`'s replies, in reply order.
    pub fn out(&self, i: usize) -> &[Node] {
        let a = self.first.get(i).copied().unwrap_or(0);
        let b = self.first.get(i + 1).copied().unwrap_or(a);
        self.edges.get(a..b).unwrap_or(&[])
    }

    /// The triggers' targets, in trigger order.
    pub fn triggers(&self) -> &[Node] {
        &self.triggers
    }

    /// Steps and endings reachable from `start`, taking every reply but those `skip`
    /// returns true for (timeout replies included). A mood trigger can fire after any
    /// reply, so its target is reachable once some reached step's reply was taken.
    pub fn forward(&self, skip: impl Fn(&Reply) -> bool) -> Reached {
        let sc = self.sc;
        let mut seen = Reached {
            steps: vec![false; sc.steps.len()],
            endings: vec![false; sc.endings.len()],
        };
        let mut stack = Vec::new();
        let visit = |n: Node, seen: &mut Reached, stack: &mut Vec<usize>| match n {
            Node::Step(j) if !seen.steps[j] => {
                seen.steps[j] = true;
                stack.push(j);
            }
            Node::Ending(k) => seen.endings[k] = true,
            _ => {}
        };
        visit(self.start(), &mut seen, &mut stack);
        let mut replied = false;
        let mut triggers_added = false;
        loop {
            while let Some(s) = stack.pop() {
                for (r, t) in sc.steps[s].replies.iter().zip(self.out(s)) {
                    if !skip(r) {
                        replied = true;
                        visit(*t, &mut seen, &mut stack);
                    }
                }
            }
            if triggers_added || self.triggers.is_empty() || !replied {
                break;
            }
            triggers_added = true;
            for t in &self.triggers {
                visit(*t, &mut seen, &mut stack);
            }
        }
        seen
    }

    /// For every step, whether some path from it leads to an ending (following replies;
    /// a trigger that leads to an ending, or to a step that can, is a way out from every
    /// step that has a reply).
    pub fn can_finish(&self) -> Vec<bool> {
        let n = self.sc.steps.len();
        // Predecessors of each step, as a flat list (`preds[at[j]..at[j + 1]]`).
        let mut at = vec![0usize; n + 1];
        for t in &self.edges {
            if let Node::Step(j) = *t {
                at[j + 1] += 1;
            }
        }
        for i in 0..n {
            at[i + 1] += at[i];
        }
        let mut fill = at.clone();
        let mut preds = vec![0usize; at[n]];
        let mut ok = vec![false; n];
        let mut work = Vec::new();
        for (i, ok_i) in ok.iter_mut().enumerate() {
            for t in self.out(i) {
                match *t {
                    Node::Step(j) => {
                        if let Some(slot) = preds.get_mut(fill[j]) {
                            *slot = i;
                        }
                        fill[j] += 1;
                    }
                    Node::Ending(_) if !*ok_i => {
                        *ok_i = true;
                        work.push(i);
                    }
                    _ => {}
                }
            }
        }
        while let Some(j) = work.pop() {
            for &i in preds.get(at[j]..at[j + 1]).unwrap_or(&[]) {
                if !ok[i] {
                    ok[i] = true;
                    work.push(i);
                }
            }
        }
        let trigger_escape = self.triggers.iter().any(|t| match *t {
            Node::Ending(_) => true,
            Node::Step(j) => ok[j],
            Node::Missing => false,
        });
        if trigger_escape {
            for (i, ok_i) in ok.iter_mut().enumerate() {
                *ok_i = *ok_i || !self.out(i).is_empty();
            }
        }
        ok
    }
}

/// Ids of the steps and endings reachable from the start, following replies (timeout
/// replies included) and mood triggers (a trigger can fire after any reply).
pub fn reachable<'a>(sc: &'a Scenario) -> HashSet<&'a str> {
    let seen = StepGraph::new(sc).forward(|_| false);
    let ids = |ids: Vec<&'a str>, reached: &[bool]| -> Vec<&'a str> {
        ids.into_iter()
            .zip(reached)
            .filter_map(|(id, r)| r.then_some(id))
            .collect()
    };
    let steps = ids(
        sc.steps.iter().map(|s| s.id.as_str()).collect(),
        &seen.steps,
    );
    let endings = ids(
        sc.endings.iter().map(|e| e.id.as_str()).collect(),
        &seen.endings,
    );
    steps.into_iter().chain(endings).collect()
}

fn outcome_shape(o: Outcome) -> (&'static str, &'static str) {
    match o {
        Outcome::Resolved => ("doublecircle", "palegreen"),
        Outcome::Escalated => ("doubleoctagon", "khaki"),
        Outcome::CustomerLeft => ("octagon", "lightpink"),
        Outcome::Unresolved => ("octagon", "lightgrey"),
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Graphviz dot: steps as boxes, endings shaped and coloured by outcome, replies as
/// edges labelled `id: ratings (mood ±n)`, mood triggers as dashed edges from a
/// "mood" node.
pub fn to_dot(sc: &Scenario, locale: &str) -> String {
    to_dot_weighted(sc, locale, None)
}

/// How often learners took each reply: `(step id, reply id)` → (times chosen, share of
/// the step's visits). Built from a records store by `courtesy graph --data-dir`.
pub type EdgeWeights = HashMap<(String, String), (u64, f64)>;

fn weight_label(w: Option<&EdgeWeights>, step: &str, reply: &str) -> String {
    match w {
        None => String::new(),
        Some(w) => {
            let (n, share) = w
                .get(&(step.to_string(), reply.to_string()))
                .copied()
                .unwrap_or((0, 0.0));
            format!(" · {:.0}% (n={n})", share * 100.0)
        }
    }
}

/// [`to_dot`], with edges drawn thicker the more often learners took them when
/// `weights` is given (pen width 1–8, label `· 42% (n=120)`).
pub fn to_dot_weighted(sc: &Scenario, locale: &str, weights: Option<&EdgeWeights>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", dot_escape(&sc.id));
    let _ = writeln!(
        out,
        "  rankdir=LR;\n  node [fontname=\"sans-serif\"];\n  edge [fontname=\"sans-serif\", fontsize=10];"
    );
    let _ = writeln!(
        out,
        "  \"__start\" [shape=point];\n  \"__start\" -> \"{}\";",
        dot_escape(&sc.start)
    );
    let reach = reachable(sc);
    for s in &sc.steps {
        let timer = s
            .time_limit
            .map(|t| format!("\\n⏱ {t}s"))
            .unwrap_or_default();
        let (extra, note) = if reach.contains(s.id.as_str()) {
            ("", "")
        } else {
            (
                ", style=\"dashed,filled\", fillcolor=mistyrose, color=red",
                "\\n(unreachable)",
            )
        };
        let _ = writeln!(
            out,
            "  \"{}\" [shape=box, label=\"{}{timer}{note}\"{extra}];",
            dot_escape(&s.id),
            dot_escape(&s.id)
        );
    }
    for e in &sc.endings {
        let (shape, colour) = outcome_shape(e.outcome);
        let (style, note) = if reach.contains(e.id.as_str()) {
            ("filled", "")
        } else {
            ("\"dashed,filled\", color=red", "\\n(unreachable)")
        };
        let _ = writeln!(
            out,
            "  \"{}\" [shape={shape}, style={style}, fillcolor={colour}, label=\"{}\\n({}){note}\"];",
            dot_escape(&e.id),
            dot_escape(&e.id),
            e.outcome.label(locale)
        );
    }
    for s in &sc.steps {
        for r in &s.replies {
            let style = if r.timeout_only { ", style=dotted" } else { "" };
            let mood = if r.mood != 0 {
                format!(" (mood {:+})", r.mood)
            } else {
                String::new()
            };
            let taken = weight_label(weights, &s.id, &r.id);
            let pen = weights
                .map(|w| {
                    let share = w.get(&(s.id.clone(), r.id.clone())).map_or(0.0, |x| x.1);
                    format!(", penwidth={:.1}", 1.0 + 7.0 * share)
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}: {}{mood}{taken}\"{style}{pen}];",
                dot_escape(&s.id),
                dot_escape(&r.next),
                dot_escape(&r.id),
                rating_label(r, &sc.principles)
            );
        }
    }
    if !sc.triggers.is_empty() {
        let _ = writeln!(out, "  \"__mood\" [shape=diamond, label=\"mood\"];");
        for t in &sc.triggers {
            let cond = match t.when {
                crate::model::MoodCondition::Below(v) => format!("< {v}"),
                crate::model::MoodCondition::Above(v) => format!("> {v}"),
            };
            let _ = writeln!(
                out,
                "  \"__mood\" -> \"{}\" [style=dashed, label=\"{cond}\"];",
                dot_escape(&t.goto)
            );
        }
    }
    out.push_str("}\n");
    out
}

fn mermaid_id(id: &str) -> String {
    // Mermaid node ids: keep letters, digits and _; map the rest to _ and prefix to avoid keywords.
    let body: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("n_{body}")
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
}

/// Mermaid flowchart with the same content as [`to_dot`].
pub fn to_mermaid(sc: &Scenario, locale: &str) -> String {
    to_mermaid_weighted(sc, locale, None)
}

/// [`to_mermaid`], with learners' choices in the edge labels and as link widths.
pub fn to_mermaid_weighted(sc: &Scenario, locale: &str, weights: Option<&EdgeWeights>) -> String {
    let mut link = 1usize; // the start arrow is link 0
    let mut link_styles = String::new();
    let mut out = String::from("flowchart LR\n");
    let _ = writeln!(out, "  start((start)) --> {}", mermaid_id(&sc.start));
    for s in &sc.steps {
        let timer = s.time_limit.map(|t| format!(" ⏱ {t}s")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {}[\"{}{timer}\"]",
            mermaid_id(&s.id),
            mermaid_text(&s.id)
        );
    }
    for e in &sc.endings {
        let _ = writeln!(
            out,
            "  {}([\"{} ({})\"]):::{}",
            mermaid_id(&e.id),
            mermaid_text(&e.id),
            e.outcome.label(locale),
            e.outcome.key()
        );
    }
    for s in &sc.steps {
        for r in &s.replies {
            let arrow = if r.timeout_only { "-.->" } else { "-->" };
            let mood = if r.mood != 0 {
                format!(" (mood {:+})", r.mood)
            } else {
                String::new()
            };
            let taken = weight_label(weights, &s.id, &r.id);
            let _ = writeln!(
                out,
                "  {} {arrow}|\"{}: {}{mood}{taken}\"| {}",
                mermaid_id(&s.id),
                mermaid_text(&r.id),
                rating_label(r, &sc.principles),
                mermaid_id(&r.next)
            );
            if let Some(w) = weights {
                let share = w.get(&(s.id.clone(), r.id.clone())).map_or(0.0, |x| x.1);
                let _ = writeln!(
                    link_styles,
                    "  linkStyle {link} stroke-width:{:.1}px",
                    1.0 + 7.0 * share
                );
            }
            link += 1;
        }
    }
    if !sc.triggers.is_empty() {
        out.push_str("  mood{mood}\n");
        for t in &sc.triggers {
            let cond = match t.when {
                crate::model::MoodCondition::Below(v) => format!("below {v}"),
                crate::model::MoodCondition::Above(v) => format!("above {v}"),
            };
            let _ = writeln!(out, "  mood -.->|\"{cond}\"| {}", mermaid_id(&t.goto));
        }
    }
    let reach = reachable(sc);
    for id in sc
        .steps
        .iter()
        .map(|s| &s.id)
        .chain(sc.endings.iter().map(|e| &e.id))
    {
        if !reach.contains(id.as_str()) {
            let _ = writeln!(out, "  class {} unreachable", mermaid_id(id));
        }
    }
    out.push_str(&link_styles);
    out.push_str("  classDef unreachable stroke:#d00,stroke-dasharray:4 3,fill:#ffe4e1\n");
    out.push_str("  classDef resolved fill:#b7f0b1\n  classDef escalated fill:#f0e68c\n  classDef customer_left fill:#ffb6c1\n  classDef unresolved fill:#d3d3d3\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tests/fixtures/valid/minimal.ron: ask → thanks → done; ask's `silent` → left; a
    /// trigger (mood below 10) → left.
    fn minimal() -> Scenario {
        let src = include_str!("../../../tests/fixtures/valid/minimal.ron");
        crate::load::parse_str(src).expect("the minimal fixture parses")
    }

    #[test]
    fn forward_follows_replies_and_triggers_after_a_reply() {
        let mut sc = minimal();
        let g = StepGraph::new(&sc);
        assert_eq!(g.start(), Node::Step(0));
        assert_eq!(g.out(0), [Node::Step(1), Node::Step(1), Node::Ending(1)]);
        assert_eq!(g.lookup("nowhere"), Node::Missing);
        let all = g.forward(|_| false);
        assert_eq!(
            (all.steps, all.endings),
            (vec![true, true], vec![true, true])
        );
        // Without `silent` the customer can still leave: through the trigger.
        let no_silent = g.forward(|r| r.id == "silent");
        assert_eq!(no_silent.endings, [true, true]);
        // No reply taken at all: the trigger never fires, nothing beyond `start`.
        let none = g.forward(|_| true);
        assert_eq!(
            (none.steps, none.endings),
            (vec![true, false], vec![false, false])
        );
        sc.triggers.clear();
        let g = StepGraph::new(&sc);
        assert_eq!(g.forward(|r| r.id == "silent").endings, [true, false]);
    }

    #[test]
    fn can_finish_walks_back_from_the_endings_and_through_triggers() {
        let mut sc = minimal();
        assert_eq!(StepGraph::new(&sc).can_finish(), [true, true]);
        // `thanks` loops on itself: only the trigger (→ an ending) gets it out.
        for r in &mut sc.steps[1].replies {
            r.next = "thanks".into();
        }
        assert_eq!(StepGraph::new(&sc).can_finish(), [true, true]);
        sc.triggers.clear();
        assert_eq!(StepGraph::new(&sc).can_finish(), [true, false]);
    }

    #[test]
    fn an_id_resolves_to_its_first_holder_and_steps_win_over_endings() {
        let mut sc = minimal();
        sc.endings[0].id = "thanks".into();
        let mut again = sc.steps[1].clone();
        again.replies.clear();
        sc.steps.push(again);
        let g = StepGraph::new(&sc);
        assert_eq!(g.lookup("thanks"), Node::Step(1));
        assert!(reachable(&sc).contains("thanks"));
        assert!(!reachable(&sc).contains("done"));
    }
}
