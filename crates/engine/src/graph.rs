//! The step graph of a scenario as Graphviz dot or Mermaid text (`courtesy graph`).

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

/// Ids of the steps and endings reachable from the start, following replies (timeout
/// replies included) and mood triggers (a trigger can fire after any reply).
pub fn reachable(sc: &Scenario) -> HashSet<&str> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut todo = vec![sc.start.as_str()];
    let mut triggers_added = false;
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        if let Some(step) = sc.step(id) {
            for r in &step.replies {
                todo.push(&r.next);
            }
            if !triggers_added {
                triggers_added = true;
                todo.extend(sc.triggers.iter().map(|t| t.goto.as_str()));
            }
        }
    }
    seen
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
