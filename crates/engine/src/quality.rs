//! The teaching-quality check: can shallow cues (length, politeness words, consultative
//! phrasing, chance) pass a scenario, and do its principles pull in different directions?
//! Definitions and thresholds: docs/validation.md, "Teaching quality".

use crate::diagnostics::{Code, Finding, Severity};
use crate::model::{Principle, Reply, Scenario, Step};
use crate::session::best_reply;
use crate::strategy::{Cue, Strategy, Tie, play};
use serde::Serialize;
use std::sync::Arc;

/// A cue share above this is a warning (Q002, Q003).
pub const MAX_CUE_SHARE: f64 = 0.40;
/// A random pass rate above this is a warning (Q004).
pub const MAX_RANDOM_PASS_RATE: f64 = 0.05;
/// Seeds random play is tried with by default (at least this many).
pub const RANDOM_SEEDS: u64 = 500;
/// Trade-off step share below this is a warning (Q005).
pub const MIN_TRADE_OFF_SHARE: f64 = 0.33;
/// Share of steps whose best reply is not top on every principle, below this a warning (Q006).
pub const MIN_BEST_NOT_TOP_SHARE: f64 = 0.20;
/// First principal component's share of the rating variance above this is a warning (Q007).
pub const MAX_FIRST_COMPONENT: f64 = 0.60;

/// The principles the principal-component figure is computed on.
pub const PCA_PRINCIPLES: [Principle; 3] = [
    Principle::Respect,
    Principle::Moderation,
    Principle::SelfDiscipline,
];

/// A count of steps out of a number of steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    pub hits: usize,
    pub steps: usize,
    /// hits / steps, 0 when there are no steps.
    pub share: f64,
}

impl Share {
    fn new(hits: usize, steps: usize) -> Share {
        Share {
            hits,
            steps,
            share: if steps == 0 {
                0.0
            } else {
                hits as f64 / steps as f64
            },
        }
    }

    fn add(self, o: Share) -> Share {
        Share::new(self.hits + o.hits, self.steps + o.steps)
    }

    /// "45 % (5/11)".
    pub fn display(&self) -> String {
        format!("{} ({}/{})", pct(self.share), self.hits, self.steps)
    }
}

/// "45 %".
pub fn pct(v: f64) -> String {
    format!("{:.0} %", v * 100.0)
}

/// One naive player's play-through.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NaiveRun {
    pub cue: Cue,
    pub tie: Tie,
    /// Overall score (absent when the play did not reach an ending).
    pub overall: Option<f64>,
    pub passed: bool,
    pub ending: Option<String>,
    /// The reply ids chosen, in order.
    pub path: Vec<String>,
    /// The steps they were chosen at (same order).
    pub steps: Vec<String>,
    /// Why the play did not reach an ending, if it did not.
    pub error: Option<String>,
}

/// Random play over many seeds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RandomPlay {
    pub seeds: u64,
    pub passed: u64,
    /// Plays that did not reach an ending (counted as not passing).
    pub errors: u64,
    pub rate: f64,
}

/// The locale-dependent figures of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocaleQuality {
    pub locale: String,
    /// Every naive player (each cue, ties broken first and last).
    pub naive: Vec<NaiveRun>,
    /// Steps whose best reply is the longest offered reply (ties count).
    pub longest_share: Share,
    /// Steps whose best reply carries the most politeness markers (ties count; a step
    /// where no offered reply has a marker is not a hit).
    pub marker_share: Share,
    /// The steps counted as hits in `longest_share`.
    pub longest_steps: Vec<String>,
    /// The steps counted as hits in `marker_share`.
    pub marker_steps: Vec<String>,
    pub random: RandomPlay,
}

/// The locale-independent figures: do the principles pull in different directions?
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TradeOffs {
    /// Steps with a second offered reply whose rating sum is positive and which is the
    /// best of the step (max, ties count) on at least one principle.
    pub trade_off_share: Share,
    /// Steps where the best reply is not top (max) on every principle.
    pub best_not_top_share: Share,
    /// First principal component of the within-step centred respect/moderation/
    /// self-discipline ratings, as a share of their total variance (absent with no variance).
    pub first_component: Option<f64>,
    /// The 3×3 scatter matrix the component is computed from (for pooling).
    #[serde(skip)]
    pub scatter: [[f64; 3]; 3],
}

impl TradeOffs {
    fn pooled<'a>(all: impl IntoIterator<Item = &'a TradeOffs>) -> TradeOffs {
        let mut a = Share::new(0, 0);
        let mut b = Share::new(0, 0);
        let mut m = [[0.0; 3]; 3];
        for t in all {
            a = a.add(t.trade_off_share);
            b = b.add(t.best_not_top_share);
            for (i, row) in m.iter_mut().enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v += t.scatter[i][j];
                }
            }
        }
        TradeOffs {
            trade_off_share: a,
            best_not_top_share: b,
            first_component: first_component_share(&m),
            scatter: m,
        }
    }
}

/// A teaching-quality problem. Only Q001 is an error (`courtesy check` exits 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code")]
pub enum QualityFlag {
    /// A naive player passes the scenario.
    Q001 {
        locale: String,
        cue: Cue,
        tie: Tie,
        overall: f64,
        /// The steps at which the player's pick was the best reply (the cue gave it away).
        steps: Vec<String>,
        message: String,
    },
    /// The best reply is the longest at more than 40 % of steps.
    Q002 {
        locale: String,
        share: f64,
        /// The steps whose best reply is the longest.
        steps: Vec<String>,
        message: String,
    },
    /// The best reply carries the most politeness markers at more than 40 % of steps.
    Q003 {
        locale: String,
        share: f64,
        /// The steps whose best reply carries the most markers.
        steps: Vec<String>,
        message: String,
    },
    /// Random play passes more than 5 % of seeds.
    Q004 {
        locale: String,
        rate: f64,
        message: String,
    },
    /// Fewer than 33 % of steps offer a real trade-off.
    Q005 { share: f64, message: String },
    /// At fewer than 20 % of steps the best reply is beaten on some principle.
    Q006 { share: f64, message: String },
    /// One principal component carries more than 60 % of the rating variance.
    Q007 { share: f64, message: String },
}

impl QualityFlag {
    /// The flag's code in the one findings type.
    pub fn as_code(&self) -> Code {
        match self {
            QualityFlag::Q001 { .. } => Code::Q001,
            QualityFlag::Q002 { .. } => Code::Q002,
            QualityFlag::Q003 { .. } => Code::Q003,
            QualityFlag::Q004 { .. } => Code::Q004,
            QualityFlag::Q005 { .. } => Code::Q005,
            QualityFlag::Q006 { .. } => Code::Q006,
            QualityFlag::Q007 { .. } => Code::Q007,
        }
    }

    /// The code as printed, e.g. `Q001`.
    pub fn code(&self) -> &'static str {
        self.as_code().as_str()
    }

    pub fn message(&self) -> &str {
        match self {
            QualityFlag::Q001 { message, .. }
            | QualityFlag::Q002 { message, .. }
            | QualityFlag::Q003 { message, .. }
            | QualityFlag::Q004 { message, .. }
            | QualityFlag::Q005 { message, .. }
            | QualityFlag::Q006 { message, .. }
            | QualityFlag::Q007 { message, .. } => message,
        }
    }

    /// Error for Q001 (fails the check), warning for the rest.
    pub fn severity(&self) -> Severity {
        self.as_code().severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    fn hint(&self) -> &'static str {
        match self {
            QualityFlag::Q001 { .. } => {
                "make some traps longer / more polite / more consultative than the best reply, or the best reply plainer; `courtesy run ID --strategy longest` (polite, consultative) shows the path"
            }
            QualityFlag::Q002 { .. } => {
                "keep best replies concise and let some wrong replies be long and fluent"
            }
            QualityFlag::Q003 { .. } => {
                "give some traps the polite words (a servile apology, a polite refusal) and let some best replies be plain"
            }
            QualityFlag::Q004 { .. } => {
                "make more replies clearly wrong, or raise the pass mark or floors"
            }
            QualityFlag::Q005 { .. } => {
                "give steps a second good reply that is strongest on another principle (warm but servile, composed but cool)"
            }
            QualityFlag::Q006 { .. } => {
                "let a trap beat the best reply on one principle (e.g. more respect, less moderation)"
            }
            QualityFlag::Q007 { .. } => {
                "rate the principles independently: replies that are high on one and low on another"
            }
        }
    }
}

/// The quality figures of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioQuality {
    pub scenario: String,
    pub locales: Vec<LocaleQuality>,
    pub trade_offs: TradeOffs,
    pub flags: Vec<QualityFlag>,
}

impl ScenarioQuality {
    /// Whether a naive player passes in some locale (the check fails).
    pub fn has_errors(&self) -> bool {
        self.flags.iter().any(QualityFlag::is_error)
    }
}

/// Options for [`assess`].
#[derive(Debug, Clone, Copy)]
pub struct QualityOptions {
    /// Random play is tried with seeds 0..seeds.
    pub random_seeds: u64,
}

impl Default for QualityOptions {
    fn default() -> Self {
        QualityOptions {
            random_seeds: RANDOM_SEEDS,
        }
    }
}

/// The steps that offer a choice (two or more offered replies), with their offered
/// replies in file order and the best one.
fn choice_steps(sc: &Scenario) -> impl Iterator<Item = (&Step, Vec<&Reply>, &Reply)> {
    sc.steps.iter().filter_map(|s| {
        let offered: Vec<&Reply> = s.offered().collect();
        if offered.len() < 2 {
            return None;
        }
        let best = best_reply(s, &sc.principles)?;
        Some((s, offered, best))
    })
}

/// Steps whose best reply has the most of `cue` in `locale` (ties count). With
/// `zero_is_miss`, a step where no offered reply has any of the cue is not a hit.
fn cue_share(sc: &Scenario, locale: &str, cue: Cue, zero_is_miss: bool) -> (Share, Vec<String>) {
    let mut steps = 0;
    let mut hits = Vec::new();
    for (s, offered, best) in choice_steps(sc) {
        steps += 1;
        let max = offered
            .iter()
            .map(|r| cue.measure(locale, r.text.get(locale)))
            .max()
            .unwrap_or(0);
        let b = cue.measure(locale, best.text.get(locale));
        if b == max && !(zero_is_miss && max == 0) {
            hits.push(s.id.clone());
        }
    }
    (Share::new(hits.len(), steps), hits)
}

/// The trade-off figures of `sc`.
pub fn trade_offs(sc: &Scenario) -> TradeOffs {
    let ps = &sc.principles;
    let mut steps = 0;
    let mut second = 0;
    let mut not_top = 0;
    let mut m = [[0.0f64; 3]; 3];
    for (_, offered, best) in choice_steps(sc) {
        steps += 1;
        let max = |p: Principle| {
            offered
                .iter()
                .map(|r| r.ratings.rating(p))
                .max()
                .unwrap_or(0)
        };
        let top_on_some = |r: &Reply| ps.iter().any(|p| r.ratings.rating(*p) == max(*p));
        if offered
            .iter()
            .any(|r| r.id != best.id && r.total(ps) > 0 && top_on_some(r))
        {
            second += 1;
        }
        if ps.iter().any(|p| best.ratings.rating(*p) < max(*p)) {
            not_top += 1;
        }
        let n = offered.len() as f64;
        let mean: Vec<f64> = PCA_PRINCIPLES
            .iter()
            .map(|p| {
                offered
                    .iter()
                    .map(|r| r.ratings.rating(*p) as f64)
                    .sum::<f64>()
                    / n
            })
            .collect();
        for r in &offered {
            let d: Vec<f64> = PCA_PRINCIPLES
                .iter()
                .zip(&mean)
                .map(|(p, mu)| r.ratings.rating(*p) as f64 - mu)
                .collect();
            for (i, row) in m.iter_mut().enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v += d[i] * d[j];
                }
            }
        }
    }
    TradeOffs {
        trade_off_share: Share::new(second, steps),
        best_not_top_share: Share::new(not_top, steps),
        first_component: first_component_share(&m),
        scatter: m,
    }
}

/// The largest eigenvalue of the symmetric scatter matrix `m` as a share of its trace
/// (the variance the first principal component carries); none when the trace is 0.
pub fn first_component_share(m: &[[f64; 3]; 3]) -> Option<f64> {
    let trace = m[0][0] + m[1][1] + m[2][2];
    if trace <= 1e-12 {
        return None;
    }
    Some(sym3_eigenvalues(m)[0] / trace)
}

/// The eigenvalues of a symmetric 3×3 matrix, largest first, by the closed-form
/// trigonometric method (O. K. Smith, "Eigenvalues of a symmetric 3 × 3 matrix",
/// Communications of the ACM 4(4), 1961). Only the upper triangle is read.
pub fn sym3_eigenvalues(a: &[[f64; 3]; 3]) -> [f64; 3] {
    let p1 = a[0][1].powi(2) + a[0][2].powi(2) + a[1][2].powi(2);
    if p1 == 0.0 {
        let mut d = [a[0][0], a[1][1], a[2][2]];
        d.sort_by(|x, y| y.total_cmp(x));
        return d;
    }
    let q = (a[0][0] + a[1][1] + a[2][2]) / 3.0;
    let p2 = (a[0][0] - q).powi(2) + (a[1][1] - q).powi(2) + (a[2][2] - q).powi(2) + 2.0 * p1;
    let p = (p2 / 6.0).sqrt();
    // B = (A − qI) / p; r = det(B) / 2, in [−1, 1] up to rounding.
    let b = |i: usize, j: usize| (a[i.min(j)][i.max(j)] - if i == j { q } else { 0.0 }) / p;
    let det = b(0, 0) * (b(1, 1) * b(2, 2) - b(1, 2) * b(2, 1))
        - b(0, 1) * (b(1, 0) * b(2, 2) - b(1, 2) * b(2, 0))
        + b(0, 2) * (b(1, 0) * b(2, 1) - b(1, 1) * b(2, 0));
    let r = (det / 2.0).clamp(-1.0, 1.0);
    let phi = r.acos() / 3.0;
    let e1 = q + 2.0 * p * phi.cos();
    let e3 = q + 2.0 * p * (phi + 2.0 * std::f64::consts::PI / 3.0).cos();
    let e2 = 3.0 * q - e1 - e3;
    [e1, e2, e3]
}

fn naive_run(sc: &Arc<Scenario>, locale: &str, cue: Cue, tie: Tie) -> NaiveRun {
    match play(Arc::clone(sc), 0, locale, &Strategy::Naive(cue, tie)) {
        Ok(r) => NaiveRun {
            cue,
            tie,
            overall: Some(r.overall),
            passed: r.passed,
            ending: Some(r.ending.clone()),
            path: r.transcript.iter().map(|t| t.chosen.clone()).collect(),
            steps: r.transcript.iter().map(|t| t.step_id.clone()).collect(),
            error: None,
        },
        Err(e) => NaiveRun {
            cue,
            tie,
            overall: None,
            passed: false,
            ending: None,
            path: Vec::new(),
            steps: Vec::new(),
            error: Some(e.to_string()),
        },
    }
}

fn random_play(sc: &Arc<Scenario>, locale: &str, seeds: u64) -> RandomPlay {
    let (mut passed, mut errors) = (0, 0);
    for seed in 0..seeds {
        match play(Arc::clone(sc), seed, locale, &Strategy::Random) {
            Ok(r) => passed += u64::from(r.passed),
            Err(_) => errors += 1,
        }
    }
    RandomPlay {
        seeds,
        passed,
        errors,
        rate: if seeds == 0 {
            0.0
        } else {
            passed as f64 / seeds as f64
        },
    }
}

/// The quality figures of `sc` in every locale it declares, and its flags.
pub fn assess(sc: &Arc<Scenario>, opts: QualityOptions) -> ScenarioQuality {
    let mut locales = Vec::new();
    let mut flags = Vec::new();
    for loc in &sc.locales {
        let naive: Vec<NaiveRun> = Cue::ALL
            .iter()
            .flat_map(|c| Tie::BOTH.iter().map(move |t| (*c, *t)))
            .map(|(c, t)| naive_run(sc, loc, c, t))
            .collect();
        let (longest_share, longest_steps) = cue_share(sc, loc, Cue::Longest, false);
        let (marker_share, marker_steps) = cue_share(sc, loc, Cue::Polite, true);
        let random = random_play(sc, loc, opts.random_seeds);
        for n in naive.iter().filter(|n| n.passed) {
            let overall = n.overall.unwrap_or(0.0);
            let gave_away: Vec<String> = n
                .steps
                .iter()
                .zip(&n.path)
                .filter(|(s, r)| {
                    sc.step(s)
                        .and_then(|st| best_reply(st, &sc.principles))
                        .is_some_and(|b| &b.id == *r)
                })
                .map(|(s, _)| s.clone())
                .collect();
            flags.push(QualityFlag::Q001 {
                locale: loc.clone(),
                cue: n.cue,
                tie: n.tie,
                overall,
                steps: gave_away,
                message: format!(
                    "{loc}: the naive `{}` player (ties: {} in file order) passes with {overall:.1} (ending `{}`), choosing {}",
                    n.cue.key(),
                    n.tie.key(),
                    n.ending.as_deref().unwrap_or("?"),
                    n.path.join(" → ")
                ),
            });
        }
        flags.extend(cue_flag(
            loc,
            &longest_share,
            &longest_steps,
            "is the longest",
            |locale, share, steps, message| QualityFlag::Q002 {
                locale,
                share,
                steps,
                message,
            },
        ));
        flags.extend(cue_flag(
            loc,
            &marker_share,
            &marker_steps,
            "carries the most politeness markers",
            |locale, share, steps, message| QualityFlag::Q003 {
                locale,
                share,
                steps,
                message,
            },
        ));
        if random.rate > MAX_RANDOM_PASS_RATE {
            flags.push(QualityFlag::Q004 {
                locale: loc.clone(),
                rate: random.rate,
                message: format!(
                    "{loc}: random play passes {} of {} seeds ({}, more than {})",
                    random.passed,
                    random.seeds,
                    pct1(random.rate),
                    pct(MAX_RANDOM_PASS_RATE)
                ),
            });
        }
        locales.push(LocaleQuality {
            locale: loc.clone(),
            naive,
            longest_share,
            marker_share,
            longest_steps,
            marker_steps,
            random,
        });
    }
    let t = trade_offs(sc);
    flags.extend(trade_off_flags(&t, "the scenario"));
    ScenarioQuality {
        scenario: sc.id.clone(),
        locales,
        trade_offs: t,
        flags,
    }
}

/// The Q002 or Q003 warning (`flag` builds it) when the best reply `what` at more than
/// [`MAX_CUE_SHARE`] of steps.
fn cue_flag(
    loc: &str,
    share: &Share,
    steps: &[String],
    what: &str,
    flag: fn(String, f64, Vec<String>, String) -> QualityFlag,
) -> Option<QualityFlag> {
    (share.share > MAX_CUE_SHARE).then(|| {
        let message = format!(
            "{loc}: the best reply {what} at {} of steps (more than {}): {}",
            share.display(),
            pct(MAX_CUE_SHARE),
            steps.join(", ")
        );
        flag(loc.to_string(), share.share, steps.to_vec(), message)
    })
}

/// "1.2 %".
pub fn pct1(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

/// The trade-off warnings for `t` (`whose`: "the scenario" or "the library").
pub fn trade_off_flags(t: &TradeOffs, whose: &str) -> Vec<QualityFlag> {
    let mut flags = Vec::new();
    let a = t.trade_off_share;
    if a.steps > 0 && a.share < MIN_TRADE_OFF_SHARE {
        flags.push(QualityFlag::Q005 {
            share: a.share,
            message: format!(
                "{whose}: only {} of steps offer a second reply with a positive rating sum that is the best of the step on some principle (target at least {})",
                a.display(),
                pct(MIN_TRADE_OFF_SHARE)
            ),
        });
    }
    let b = t.best_not_top_share;
    if b.steps > 0 && b.share < MIN_BEST_NOT_TOP_SHARE {
        flags.push(QualityFlag::Q006 {
            share: b.share,
            message: format!(
                "{whose}: the best reply is beaten on some principle at only {} of steps (target at least {})",
                b.display(),
                pct(MIN_BEST_NOT_TOP_SHARE)
            ),
        });
    }
    if let Some(pc) = t.first_component
        && pc > MAX_FIRST_COMPONENT
    {
        flags.push(QualityFlag::Q007 {
            share: pc,
            message: format!(
                "{whose}: one principal component carries {} of the respect/moderation/self-discipline rating variance (target at most {}): the principles mostly measure one thing",
                pct(pc),
                pct(MAX_FIRST_COMPONENT)
            ),
        });
    }
    flags
}

/// The library-wide figures: trade-offs pooled over every step of every scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibraryQuality {
    pub scenarios: usize,
    /// Every scenario's figures in one row each (the summary table).
    pub rows: Vec<LibraryRow>,
    /// Scenarios a naive player passes in some locale.
    pub naive_passed: Vec<String>,
    pub trade_offs: TradeOffs,
    pub thresholds: Thresholds,
    pub flags: Vec<QualityFlag>,
}

/// One scenario's figures in the library summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibraryRow {
    pub scenario: String,
    pub locales: Vec<LibraryLocaleRow>,
    /// The highest random pass rate over the locales.
    pub random_rate: f64,
    pub trade_off_share: f64,
    pub best_not_top_share: f64,
    pub first_component: Option<f64>,
}

/// One locale of a [`LibraryRow`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibraryLocaleRow {
    pub locale: String,
    /// Naive players (of `naive_players`) that pass.
    pub naive_passing: usize,
    pub naive_players: usize,
    /// The highest score a naive player reached.
    pub best_naive: Option<f64>,
    pub longest_share: f64,
    pub marker_share: f64,
}

impl LibraryRow {
    fn of(q: &ScenarioQuality) -> LibraryRow {
        LibraryRow {
            scenario: q.scenario.clone(),
            locales: q
                .locales
                .iter()
                .map(|l| LibraryLocaleRow {
                    locale: l.locale.clone(),
                    naive_passing: l.naive.iter().filter(|n| n.passed).count(),
                    naive_players: l.naive.len(),
                    best_naive: l
                        .naive
                        .iter()
                        .filter_map(|n| n.overall)
                        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v)))),
                    longest_share: l.longest_share.share,
                    marker_share: l.marker_share.share,
                })
                .collect(),
            random_rate: q.locales.iter().map(|l| l.random.rate).fold(0.0, f64::max),
            trade_off_share: q.trade_offs.trade_off_share.share,
            best_not_top_share: q.trade_offs.best_not_top_share.share,
            first_component: q.trade_offs.first_component,
        }
    }
}

/// The thresholds the figures are held to.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub max_cue_share: f64,
    pub max_random_pass_rate: f64,
    pub min_trade_off_share: f64,
    pub min_best_not_top_share: f64,
    pub max_first_component: f64,
}

pub const THRESHOLDS: Thresholds = Thresholds {
    max_cue_share: MAX_CUE_SHARE,
    max_random_pass_rate: MAX_RANDOM_PASS_RATE,
    min_trade_off_share: MIN_TRADE_OFF_SHARE,
    min_best_not_top_share: MIN_BEST_NOT_TOP_SHARE,
    max_first_component: MAX_FIRST_COMPONENT,
};

/// Pools the scenarios' figures into the library's.
pub fn library(all: &[ScenarioQuality]) -> LibraryQuality {
    let t = TradeOffs::pooled(all.iter().map(|q| &q.trade_offs));
    LibraryQuality {
        scenarios: all.len(),
        rows: all.iter().map(LibraryRow::of).collect(),
        naive_passed: all
            .iter()
            .filter(|q| q.has_errors())
            .map(|q| q.scenario.clone())
            .collect(),
        flags: trade_off_flags(&t, "the library"),
        trade_offs: t,
        thresholds: THRESHOLDS,
    }
}

fn fmt_score(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

/// The per-scenario quality section of `courtesy check`.
pub fn render_text(q: &ScenarioQuality) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "  teaching quality:");
    for l in &q.locales {
        let _ = writeln!(out, "    [{}]", l.locale);
        for cue in Cue::ALL {
            let mut row = format!("      naive {:<13}", cue.key());
            for tie in Tie::BOTH {
                if let Some(n) = l.naive.iter().find(|n| n.cue == cue && n.tie == tie) {
                    let verdict = match (&n.error, n.passed) {
                        (Some(_), _) => "no ending".to_string(),
                        (None, true) => "PASSES".to_string(),
                        (None, false) => "fails".to_string(),
                    };
                    let _ = write!(
                        row,
                        "  ties→{:<5} {:>5} {:<9}",
                        tie.key(),
                        fmt_score(n.overall),
                        verdict
                    );
                }
            }
            let _ = writeln!(out, "{}", row.trim_end());
        }
        let _ = writeln!(
            out,
            "      cue shares: best is longest {}, best has most markers {}  (≤ {} each)",
            l.longest_share.display(),
            l.marker_share.display(),
            pct(MAX_CUE_SHARE)
        );
        let _ = writeln!(
            out,
            "      random play: {} pass ({}/{} seeds{})  (≤ {})",
            pct1(l.random.rate),
            l.random.passed,
            l.random.seeds,
            if l.random.errors > 0 {
                format!(", {} without an ending", l.random.errors)
            } else {
                String::new()
            },
            pct(MAX_RANDOM_PASS_RATE)
        );
    }
    let t = &q.trade_offs;
    let _ = writeln!(
        out,
        "    trade-offs: second strong reply {} (≥ {}), best not top everywhere {} (≥ {}), first component {} (≤ {})",
        t.trade_off_share.display(),
        pct(MIN_TRADE_OFF_SHARE),
        t.best_not_top_share.display(),
        pct(MIN_BEST_NOT_TOP_SHARE),
        t.first_component.map(pct).unwrap_or_else(|| "—".into()),
        pct(MAX_FIRST_COMPONENT)
    );
    out
}

/// The library summary: one row per scenario, then the pooled trade-off figures.
pub fn render_library_text(lib: &LibraryQuality) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut locales: Vec<&str> = Vec::new();
    for r in &lib.rows {
        for l in &r.locales {
            if !locales.contains(&l.locale.as_str()) {
                locales.push(&l.locale);
            }
        }
    }
    let mark = |bad: bool| if bad { "!" } else { " " };
    let _ = writeln!(
        out,
        "library quality: {} scenario{}; ! = threshold missed",
        lib.scenarios,
        if lib.scenarios == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "  naive: naive players passing (of 6), best naive score; long, mark: % of steps whose best\n  \
         reply is the longest / most polite (≤ 40); random: % of seeds passing (≤ 5); trade: % of\n  \
         steps with a second strong reply (≥ 33); ¬top: % where the best reply is beaten on a\n  \
         principle (≥ 20); pc1: first principal component, % of the rating variance (≤ 60)"
    );
    let _ = write!(out, "  {:<24}", "scenario");
    for loc in &locales {
        let _ = write!(
            out,
            " {:>16} {:>5} {:>5}",
            format!("naive {loc}"),
            "long",
            "mark"
        );
    }
    let _ = writeln!(
        out,
        " {:>6} {:>6} {:>6} {:>6}",
        "random", "trade", "¬top", "pc1"
    );
    for r in &lib.rows {
        let mut line = format!("  {:<24}", r.scenario);
        for loc in &locales {
            match r.locales.iter().find(|l| l.locale == *loc) {
                Some(l) => {
                    let _ = write!(
                        line,
                        " {:>16} {:>4.0}{} {:>4.0}{}",
                        format!(
                            "{}{}/{} {}",
                            mark(l.naive_passing > 0),
                            l.naive_passing,
                            l.naive_players,
                            fmt_score(l.best_naive)
                        ),
                        l.longest_share * 100.0,
                        mark(l.longest_share > MAX_CUE_SHARE),
                        l.marker_share * 100.0,
                        mark(l.marker_share > MAX_CUE_SHARE),
                    );
                }
                None => {
                    let _ = write!(line, " {:>16} {:>5} {:>5}", "—", "—", "—");
                }
            }
        }
        let _ = write!(
            line,
            " {:>5.1}{} {:>5.0}{} {:>5.0}{} {:>5}{}",
            r.random_rate * 100.0,
            mark(r.random_rate > MAX_RANDOM_PASS_RATE),
            r.trade_off_share * 100.0,
            mark(r.trade_off_share < MIN_TRADE_OFF_SHARE),
            r.best_not_top_share * 100.0,
            mark(r.best_not_top_share < MIN_BEST_NOT_TOP_SHARE),
            r.first_component
                .map(|v| format!("{:.0}", v * 100.0))
                .unwrap_or_else(|| "—".into()),
            mark(r.first_component.is_some_and(|v| v > MAX_FIRST_COMPONENT)),
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let t = &lib.trade_offs;
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    let _ = writeln!(out, "  library (pooled over every step of every scenario):");
    let _ = writeln!(
        out,
        "    steps with a second strong reply   {:>16}  target ≥ {}  {}",
        t.trade_off_share.display(),
        pct(MIN_TRADE_OFF_SHARE),
        verdict(t.trade_off_share.share >= MIN_TRADE_OFF_SHARE)
    );
    let _ = writeln!(
        out,
        "    best reply not top everywhere       {:>16}  target ≥ {}  {}",
        t.best_not_top_share.display(),
        pct(MIN_BEST_NOT_TOP_SHARE),
        verdict(t.best_not_top_share.share >= MIN_BEST_NOT_TOP_SHARE)
    );
    let _ = writeln!(
        out,
        "    first principal component           {:>16}  target ≤ {}  {}",
        t.first_component.map(pct).unwrap_or_else(|| "—".into()),
        pct(MAX_FIRST_COMPONENT),
        verdict(t.first_component.is_none_or(|v| v <= MAX_FIRST_COMPONENT))
    );
    let _ = writeln!(
        out,
        "    scenarios a naive player passes     {:>16}  target 0  {}",
        lib.naive_passed.len(),
        verdict(lib.naive_passed.is_empty())
    );
    out
}

/// Places each flag of `q` in `src` (the scenario file's text). Every flag points at the
/// scenario's `id` (the figures are about the whole scenario); a flag about particular
/// steps (Q001: where the naive pick was the best reply; Q002, Q003: where the best reply
/// is the longest / most polite) adds each step's best reply text in that locale as a
/// related location.
pub fn locate_flags(
    q: &ScenarioQuality,
    sc: &Scenario,
    file: &std::path::Path,
    src: &str,
) -> Vec<Finding> {
    use crate::diagnostics::LineIndex;
    use crate::locate::{Path, SourceMap};
    let map = SourceMap::new(src);
    let idx = LineIndex::new(src);
    let id_span = map.locate(&Path::root().field("id")).value;
    // The best reply's text at each of `steps`, with what `cue` measures on it.
    let related = |locale: &str, steps: &[String], cue: Cue| {
        steps
            .iter()
            .filter_map(|id| {
                let si = sc.steps.iter().position(|s| &s.id == id)?;
                let step = &sc.steps[si];
                let best = best_reply(step, &sc.principles)?;
                let ri = step.replies.iter().position(|r| r.id == best.id)?;
                let path = Path::root()
                    .field("steps")
                    .index(si)
                    .field("replies")
                    .index(ri)
                    .field("text")
                    .key(locale);
                let at = map.locate(&path).value;
                let v = cue.measure(locale, best.text.get(locale));
                let tied = step
                    .offered()
                    .filter(|r| r.id != best.id && cue.measure(locale, r.text.get(locale)) == v)
                    .count();
                let unit = match (cue, v == 1) {
                    (Cue::Longest, false) => "characters",
                    (Cue::Longest, true) => "character",
                    (Cue::Polite, false) => "politeness markers",
                    (Cue::Polite, true) => "politeness marker",
                    (Cue::Consultative, false) => "consultative phrases",
                    (Cue::Consultative, true) => "consultative phrase",
                };
                let how = if tied == 0 {
                    format!("{v} {unit}, more than any other reply")
                } else {
                    format!(
                        "{v} {unit}, tied with {tied} other repl{}: the file-order tie-break picks it",
                        if tied == 1 { "y" } else { "ies" }
                    )
                };
                Some(idx.related(
                    file,
                    at,
                    format!("step `{id}`: the best reply `{}` has {how}", best.id),
                ))
            })
            .collect::<Vec<_>>()
    };
    q.flags
        .iter()
        .map(|f| {
            let related = match f {
                QualityFlag::Q001 {
                    locale, steps, cue, ..
                } => related(locale, steps, *cue),
                QualityFlag::Q002 { locale, steps, .. } => related(locale, steps, Cue::Longest),
                QualityFlag::Q003 { locale, steps, .. } => related(locale, steps, Cue::Polite),
                _ => Vec::new(),
            };
            let mut finding = idx.finding(
                f.as_code(),
                file,
                id_span,
                f.message().to_string(),
                Some(f.hint().to_string()),
            );
            finding.related = related;
            finding
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn eigenvalues_of_a_diagonal_matrix_are_its_diagonal_sorted() {
        let e = sym3_eigenvalues(&[[1.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 3.0]]);
        assert_eq!(e, [5.0, 3.0, 1.0]);
    }

    #[test]
    fn eigenvalues_of_known_matrices() {
        // [[2,1,0],[1,2,0],[0,0,3]]: eigenvalues 3, 3, 1. A double eigenvalue puts the
        // arccos at its steep end, so the pair is only good to about √ε (1e-8 here):
        // far below what a share printed in whole percent needs.
        let e = sym3_eigenvalues(&[[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 3.0]]);
        let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert!(
            near(e[0], 3.0) && near(e[1], 3.0) && close(e[2], 1.0),
            "{e:?}"
        );
        // [[4,1,2],[1,3,0],[2,0,5]]: characteristic polynomial λ³ − 12λ² + 42λ − 43;
        // the eigenvalues sum to the trace and each solves it.
        let e = sym3_eigenvalues(&[[4.0, 1.0, 2.0], [1.0, 3.0, 0.0], [2.0, 0.0, 5.0]]);
        assert!(close(e.iter().sum::<f64>(), 12.0), "{e:?}");
        for l in e {
            let p = l.powi(3) - 12.0 * l * l + 42.0 * l - 43.0;
            assert!(p.abs() < 1e-8, "{l} gives {p}");
        }
        assert!(e[0] >= e[1] && e[1] >= e[2]);
        // All ones (rank 1): 3, 0, 0.
        let e = sym3_eigenvalues(&[[1.0; 3]; 3]);
        assert!(
            close(e[0], 3.0) && close(e[1], 0.0) && close(e[2], 0.0),
            "{e:?}"
        );
    }

    #[test]
    fn first_component_share_spans_one_third_to_one() {
        assert_eq!(first_component_share(&[[0.0; 3]; 3]), None);
        let all_equal = first_component_share(&[[1.0; 3]; 3]).expect("variance");
        assert!(close(all_equal, 1.0));
        let independent = [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]];
        assert!(close(
            first_component_share(&independent).expect("v"),
            1.0 / 3.0
        ));
    }
}
