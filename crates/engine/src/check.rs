//! The score check: walks every path through a scenario and reports, per ending, the
//! range of scores it can be reached with, and flags scoring designs that would mislead
//! trainees (nothing passes, the worst path passes, a good ending only reachable with a
//! failing score, a principle no reply teaches). A path through a reply marked `critical`
//! fails whatever its score, as it does in play.

use crate::diagnostics::{Code, Finding};
use crate::model::{Outcome, Principle, Reply, Scenario};
use crate::scoring::{self, Visit};
use crate::session::route;
use crate::strategy::{Strategy, play};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Limits on the path walk (scenarios with loops have infinitely many paths).
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// A path may visit the same step at most this many times.
    pub max_visits_per_step: u32,
    /// Stop after this many complete paths (the report then says it is partial).
    pub max_paths: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            max_visits_per_step: 2,
            max_paths: 500_000,
        }
    }
}

/// Lowest and highest value seen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MinMax {
    pub min: f64,
    pub max: f64,
}

impl MinMax {
    fn add(slot: &mut Option<MinMax>, v: f64) {
        match slot {
            Some(m) => {
                m.min = m.min.min(v);
                m.max = m.max.max(v);
            }
            None => *slot = Some(MinMax { min: v, max: v }),
        }
    }
}

/// What the paths into one ending can score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndingScores {
    pub ending: String,
    pub outcome: Outcome,
    /// Complete paths that end here.
    pub paths: usize,
    /// How many of them pass (a path through a critical reply never does).
    pub passing: usize,
    /// How many of them go through at least one critical reply (and so fail).
    pub critical: usize,
    /// Range per principle, over the paths on which the principle is assessed.
    pub principles: BTreeMap<Principle, MinMax>,
    pub overall: Option<MinMax>,
}

/// A scoring-design problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code")]
pub enum Flag {
    /// No path passes.
    S001 { message: String },
    /// The worst path (lowest-rated reply at every step) passes.
    S002 { message: String },
    /// An ending marked as a good outcome can only be reached with a failing score.
    S003 { ending: String, message: String },
    /// A scored principle never varies: no reply teaches it.
    S004 {
        principle: Principle,
        message: String,
    },
}

impl Flag {
    /// The flag's code in the one findings type, and its message.
    fn parts(&self) -> (Code, &str) {
        match self {
            Flag::S001 { message } => (Code::S001, message),
            Flag::S002 { message } => (Code::S002, message),
            Flag::S003 { message, .. } => (Code::S003, message),
            Flag::S004 { message, .. } => (Code::S004, message),
        }
    }

    /// The flag's code in the one findings type.
    pub fn as_code(&self) -> Code {
        self.parts().0
    }

    /// The code as printed, e.g. `S001`.
    pub fn code(&self) -> &'static str {
        self.as_code().as_str()
    }

    pub fn message(&self) -> &str {
        self.parts().1
    }
}

/// The score check of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreCheck {
    pub scenario: String,
    pub paths: usize,
    /// True when the walk stopped at `max_paths` or cut a loop at `max_visits_per_step`:
    /// the ranges then cover the paths explored, not necessarily every path.
    pub partial: bool,
    pub endings: Vec<EndingScores>,
    pub best_overall: Option<f64>,
    pub best_passes: bool,
    pub worst_overall: Option<f64>,
    pub worst_passes: bool,
    pub flags: Vec<Flag>,
}

struct Walk<'a> {
    sc: &'a Scenario,
    opts: CheckOptions,
    step_index: HashMap<&'a str, usize>,
    visits: Vec<u32>,
    path: Vec<(usize, usize)>,
    fired: Vec<bool>,
    endings: BTreeMap<String, EndingScores>,
    paths: usize,
    partial: bool,
    any_pass: bool,
}

impl<'a> Walk<'a> {
    fn candidates(&self, step: usize) -> Vec<usize> {
        let s = &self.sc.steps[step];
        s.replies
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                !r.timeout_only
                    || (s.time_limit.is_some() && s.on_timeout.as_deref() == Some(r.id.as_str()))
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn enter(&mut self, target: &str, mood: i32) {
        if self.paths >= self.opts.max_paths {
            self.partial = true;
            return;
        }
        if let Some(&si) = self.step_index.get(target) {
            if self.visits[si] >= self.opts.max_visits_per_step {
                self.partial = true;
                return;
            }
            self.visits[si] += 1;
            for ri in self.candidates(si) {
                let reply: &Reply = &self.sc.steps[si].replies[ri];
                let mood_after = crate::mood::apply(mood, reply.mood);
                let fired_before = self.fired.clone();
                let (next, _) = route(self.sc, reply, mood_after, &mut self.fired);
                self.path.push((si, ri));
                self.enter(next, mood_after);
                self.path.pop();
                self.fired = fired_before;
            }
            self.visits[si] -= 1;
        } else if let Some(end) = self.sc.ending(target) {
            self.paths += 1;
            let sc = self.sc;
            let visits = self.path.iter().map(|&(s, r)| Visit {
                step: &sc.steps[s],
                chosen: &sc.steps[s].replies[r],
            });
            let scores = scoring::score(sc, visits);
            self.any_pass |= scores.passed;
            let e = self
                .endings
                .entry(end.id.clone())
                .or_insert_with(|| EndingScores {
                    ending: end.id.clone(),
                    outcome: end.outcome,
                    paths: 0,
                    passing: 0,
                    critical: 0,
                    principles: BTreeMap::new(),
                    overall: None,
                });
            e.paths += 1;
            e.passing += usize::from(scores.passed);
            e.critical += usize::from(!scores.critical.is_empty());
            for (p, v) in &scores.principles {
                let mut slot = e.principles.get(p).copied();
                MinMax::add(&mut slot, *v);
                if let Some(m) = slot {
                    e.principles.insert(*p, m);
                }
            }
            if !scores.principles.is_empty() {
                MinMax::add(&mut e.overall, scores.overall);
            }
        }
        // A dangling target is the validator's business; the walk just stops there.
    }
}

/// Walks the paths of `scenario` and checks its scoring design.
pub fn check(scenario: &Arc<Scenario>, opts: CheckOptions) -> ScoreCheck {
    let sc: &Scenario = scenario;
    let mut walk = Walk {
        sc,
        opts,
        step_index: sc
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect(),
        visits: vec![0; sc.steps.len()],
        path: Vec::new(),
        fired: vec![false; sc.triggers.len()],
        endings: BTreeMap::new(),
        paths: 0,
        partial: false,
        any_pass: false,
    };
    let start_mood = sc
        .start_mood
        .clamp(crate::model::MOOD_MIN, crate::model::MOOD_MAX);
    walk.enter(&sc.start, start_mood);

    let locale = sc.locales.first().map(String::as_str).unwrap_or("en");
    let best = play(Arc::clone(scenario), 0, locale, &Strategy::Best).ok();
    let worst = play(Arc::clone(scenario), 0, locale, &Strategy::Worst).ok();

    let mut flags = Vec::new();
    if walk.paths > 0 && !walk.any_pass {
        flags.push(Flag::S001 {
            message: format!(
                "no path passes (of {} explored): lower the pass mark or floors, or make the best replies rate higher",
                walk.paths
            ),
        });
    }
    if let Some(w) = &worst
        && w.passed
    {
        flags.push(Flag::S002 {
            message: format!(
                "the worst path passes (overall {:.1} ≥ pass mark {}): raise the pass mark or make poor replies rate lower",
                w.overall, sc.scoring.pass_mark
            ),
        });
    }
    for e in walk.endings.values() {
        if e.outcome.is_good() && e.paths > 0 && e.passing == 0 {
            flags.push(Flag::S003 {
                ending: e.ending.clone(),
                message: format!(
                    "ending `{}` is marked {:?} but every path to it fails ({} paths, best overall {:.1}): a trainee who resolves the case would always be told they failed",
                    e.ending,
                    e.outcome,
                    e.paths,
                    e.overall.map(|m| m.max).unwrap_or(0.0)
                ) + &if e.critical > 0 {
                    format!(
                        " ({} of the paths fail because they go through a critical reply)",
                        e.critical
                    )
                } else {
                    String::new()
                },
            });
        }
    }
    for p in &sc.principles {
        let varies = sc
            .steps
            .iter()
            .any(|s| scoring::range(s, *p).is_some_and(|r| r.best != r.worst));
        if !varies {
            flags.push(Flag::S004 {
                principle: *p,
                message: format!(
                    "no step's replies differ on {p}: the scenario scores it but no choice teaches it; rate the replies on it, or drop it from `principles`"
                ),
            });
        }
    }
    ScoreCheck {
        scenario: sc.id.clone(),
        paths: walk.paths,
        partial: walk.partial,
        endings: walk.endings.into_values().collect(),
        best_overall: best.as_ref().map(|b| b.overall),
        best_passes: best.as_ref().is_some_and(|b| b.passed),
        worst_overall: worst.as_ref().map(|w| w.overall),
        worst_passes: worst.as_ref().is_some_and(|w| w.passed),
        flags,
    }
}

/// A plain-text table of a check, as `courtesy check` prints it (the flags are findings:
/// [`locate_flags`], rendered with the other findings).
pub fn render_text(c: &ScoreCheck, sc: &Scenario) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} path{} explored{}",
        c.scenario,
        c.paths,
        if c.paths == 1 { "" } else { "s" },
        if c.partial {
            " (partial: loops cut after 2 visits per step or the path limit reached)"
        } else {
            ""
        }
    );
    let fmt = |m: Option<&MinMax>| match m {
        Some(m) => format!("{:>5.1}–{:<5.1}", m.min, m.max),
        None => format!("{:^11}", "—"),
    };
    let _ = write!(
        out,
        "  {:<24} {:<13} {:>6} {:>6} {:>8}",
        "ending", "outcome", "paths", "pass", "critical"
    );
    for p in &sc.principles {
        let _ = write!(out, " {:>11}", p.key());
    }
    let _ = writeln!(out, " {:>11}", "overall");
    for e in &c.endings {
        let _ = write!(
            out,
            "  {:<24} {:<13} {:>6} {:>6} {:>8}",
            e.ending,
            e.outcome.key(),
            e.paths,
            e.passing,
            e.critical
        );
        for p in &sc.principles {
            let _ = write!(out, " {}", fmt(e.principles.get(p)));
        }
        let _ = writeln!(out, " {}", fmt(e.overall.as_ref()));
    }
    let _ = writeln!(
        out,
        "  best path: {} ({}), worst path: {} ({}); pass mark {}",
        c.best_overall
            .map(|v| format!("{v:.1}"))
            .unwrap_or_else(|| "—".into()),
        if c.best_passes { "passes" } else { "fails" },
        c.worst_overall
            .map(|v| format!("{v:.1}"))
            .unwrap_or_else(|| "—".into()),
        if c.worst_passes { "passes" } else { "fails" },
        sc.scoring.pass_mark
    );
    out
}

/// Places each flag of `c` in `src` (the scenario file's text), for editors and CI: the
/// pass mark (S001, S002), the ending's id (S003) or the principle list (S004).
pub fn locate_flags(
    c: &ScoreCheck,
    sc: &Scenario,
    file: &std::path::Path,
    src: &str,
) -> Vec<Finding> {
    use crate::diagnostics::LineIndex;
    use crate::locate::{Path, SourceMap};
    let map = SourceMap::new(src);
    let idx = LineIndex::new(src);
    c.flags
        .iter()
        .map(|f| {
            let path = match f {
                Flag::S001 { .. } | Flag::S002 { .. } => Path::root().field("scoring").field("pass_mark"),
                Flag::S003 { ending, .. } => {
                    let i = sc.endings.iter().position(|e| &e.id == ending).unwrap_or(0);
                    Path::root().field("endings").index(i).field("id")
                }
                Flag::S004 { .. } => {
                    if src.contains("principles") {
                        Path::root().field("principles")
                    } else {
                        Path::root().field("scoring")
                    }
                }
            };
            let hint = match f {
                Flag::S001 { .. } => Some("run `courtesy check` to see what each ending can score".to_string()),
                Flag::S002 { .. } => Some("`courtesy run ID --strategy worst` shows the path".to_string()),
                Flag::S003 { .. } => Some("make the replies on the way to this ending rate higher, or mark the ending with another outcome".to_string()),
                Flag::S004 { .. } => None,
            };
            idx.finding(f.as_code(), file, map.locate(&path).value, f.message().to_string(), hint)
        })
        .collect()
}
