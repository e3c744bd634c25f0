//! Mastery: a recency-weighted Beta-Bernoulli estimate of how reliably a trainee upholds each rule and principle.
//!
//! Every upheld or broken verdict is one Bernoulli observation, weighted by
//! `0.5 ^ (age in days / half-life)`. With a Beta(a₀, b₀) prior the estimate is
//! Beta(a₀ + Σ w·upheld, b₀ + Σ w·broken): its mean is the reliability, its standard
//! deviation the uncertainty, and mean ± 1.645 sd (clipped to 0–1) the approximate 90 %
//! interval. Below `min_evidence` (Σ w) the figure is reported as "not enough evidence".

use super::{Choice, DAY_MS, Verdict, principle_verdict, rule_ids, verdict};
use crate::model::Principle;
use serde::Serialize;
use std::collections::BTreeMap;

/// The model's settings (the defaults are the ones docs/learning.md uses).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MasteryParams {
    /// Age, in days, at which an observation counts half. Default 14.
    pub half_life_days: f64,
    /// Pseudo-count of upheld observations in the prior. Default 1 (uniform prior).
    pub prior_upheld: f64,
    /// Pseudo-count of broken observations in the prior. Default 1.
    pub prior_broken: f64,
    /// Weighted evidence (Σ w) below which the estimate is "not enough evidence". Default 3.
    pub min_evidence: f64,
}

impl Default for MasteryParams {
    fn default() -> Self {
        MasteryParams {
            half_life_days: 14.0,
            prior_upheld: 1.0,
            prior_broken: 1.0,
            min_evidence: 3.0,
        }
    }
}

/// z for a two-sided 90 % interval of the normal approximation.
pub const Z90: f64 = 1.645;

/// How reliably the trainee upholds one rule or principle, with the working.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Choices that upheld it (unweighted count).
    pub upheld: u32,
    /// Choices that broke it (unweighted count).
    pub broken: u32,
    /// Σ w over the upheld choices.
    pub weighted_upheld: f64,
    /// Σ w over the broken choices.
    pub weighted_broken: f64,
    /// a = prior_upheld + weighted_upheld.
    pub alpha: f64,
    /// b = prior_broken + weighted_broken.
    pub beta: f64,
    /// a / (a + b): the estimated share of choices that uphold it.
    pub mean: f64,
    /// √(a·b / ((a + b)² (a + b + 1))).
    pub sd: f64,
    /// max(0, mean − 1.645 sd).
    pub low: f64,
    /// min(1, mean + 1.645 sd).
    pub high: f64,
    /// weighted_upheld + weighted_broken ≥ min_evidence.
    pub enough: bool,
    /// When the latest upheld or broken choice was recorded.
    pub last_ms: Option<i64>,
}

impl Estimate {
    /// Weighted evidence Σ w (upheld + broken).
    pub fn evidence(&self) -> f64 {
        self.weighted_upheld + self.weighted_broken
    }

    /// The mean, or `None` when there is not enough evidence to show one.
    pub fn reliability(&self) -> Option<f64> {
        self.enough.then_some(self.mean)
    }
}

/// The weight of an observation recorded at `at_ms`, seen at `now_ms`:
/// `0.5 ^ (age_days / half_life_days)`. An observation from the future (clock skew
/// between stations) counts as age 0; a half-life of 0 or less weighs everything 1.
pub fn weight(at_ms: i64, now_ms: i64, half_life_days: f64) -> f64 {
    if half_life_days <= 0.0 || !half_life_days.is_finite() {
        return 1.0;
    }
    let age_days = (now_ms.saturating_sub(at_ms)).max(0) as f64 / DAY_MS as f64;
    0.5f64.powf(age_days / half_life_days)
}

/// The estimate from `(at_ms, verdict)` observations; [`Verdict::Unclear`] ones are skipped.
pub fn estimate(
    observations: impl IntoIterator<Item = (i64, Verdict)>,
    now_ms: i64,
    params: &MasteryParams,
) -> Estimate {
    let (mut upheld, mut broken) = (0u32, 0u32);
    let (mut wu, mut wb) = (0.0f64, 0.0f64);
    let mut last_ms: Option<i64> = None;
    for (at, v) in observations {
        let w = weight(at, now_ms, params.half_life_days);
        match v {
            Verdict::Upheld => {
                upheld = upheld.saturating_add(1);
                wu += w;
            }
            Verdict::Broken => {
                broken = broken.saturating_add(1);
                wb += w;
            }
            Verdict::Unclear => continue,
        }
        last_ms = Some(last_ms.map_or(at, |l| l.max(at)));
    }
    let alpha = params.prior_upheld + wu;
    let beta = params.prior_broken + wb;
    let n = alpha + beta;
    let (mean, sd) = if n > 0.0 {
        (alpha / n, (alpha * beta / (n * n * (n + 1.0))).sqrt())
    } else {
        (0.5, 0.0)
    };
    Estimate {
        upheld,
        broken,
        weighted_upheld: wu,
        weighted_broken: wb,
        alpha,
        beta,
        mean,
        sd,
        low: (mean - Z90 * sd).max(0.0),
        high: (mean + Z90 * sd).min(1.0),
        enough: wu + wb >= params.min_evidence,
        last_ms,
    }
}

/// One trainee's mastery: an estimate per rule of the catalogue and per principle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mastery {
    /// When it was computed (the "now" the weights are taken at).
    pub at_ms: i64,
    /// Every catalogue rule, cited or not (a rule never cited has no evidence).
    pub rules: BTreeMap<String, Estimate>,
    /// Every principle (a principle no scenario scored has no evidence).
    pub principles: BTreeMap<Principle, Estimate>,
}

impl Mastery {
    /// The estimate for rule `id`.
    pub fn rule(&self, id: &str) -> Option<&Estimate> {
        self.rules.get(id)
    }

    /// The estimate for principle `p`.
    pub fn principle(&self, p: Principle) -> Option<&Estimate> {
        self.principles.get(&p)
    }

    /// Rules with enough evidence, least reliable first (ties: rule id).
    pub fn weakest_rules(&self) -> Vec<(&str, &Estimate)> {
        let mut v: Vec<(&str, &Estimate)> = self
            .rules
            .iter()
            .filter(|(_, e)| e.enough)
            .map(|(id, e)| (id.as_str(), e))
            .collect();
        v.sort_by(|a, b| a.1.mean.total_cmp(&b.1.mean).then(a.0.cmp(b.0)));
        v
    }
}

/// The mastery `evidence` shows at `now_ms`. Rules: every choice citing the rule, with its
/// [`verdict`]. Principles: every choice whose scenario scores the principle, with its
/// [`principle_verdict`] (the sign of the rating).
pub fn mastery(evidence: &[Choice], now_ms: i64, params: &MasteryParams) -> Mastery {
    let mut per_rule: BTreeMap<String, Vec<(i64, Verdict)>> = rule_ids()
        .into_iter()
        .map(|id| (id.to_string(), Vec::new()))
        .collect();
    let mut per_principle: BTreeMap<Principle, Vec<(i64, Verdict)>> =
        Principle::ALL.iter().map(|p| (*p, Vec::new())).collect();
    for c in evidence {
        let v = verdict(c);
        let mut seen: Vec<&str> = Vec::with_capacity(c.cites.len());
        for id in &c.cites {
            if seen.contains(&id.as_str()) {
                continue;
            }
            seen.push(id);
            // A citation the catalogue lacks (an old file) still gets its own row.
            per_rule.entry(id.clone()).or_default().push((c.at_ms, v));
        }
        for (p, obs) in per_principle.iter_mut() {
            if let Some(v) = principle_verdict(c, *p) {
                obs.push((c.at_ms, v));
            }
        }
    }
    Mastery {
        at_ms: now_ms,
        rules: per_rule
            .into_iter()
            .map(|(id, obs)| (id, estimate(obs, now_ms, params)))
            .collect(),
        principles: per_principle
            .into_iter()
            .map(|(p, obs)| (p, estimate(obs, now_ms, params)))
            .collect(),
    }
}
