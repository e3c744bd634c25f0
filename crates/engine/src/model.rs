//! The scenario model: what a trainer writes in a `scenarios/*.ron` file, as Rust types.
//!
//! Field names here are the field names in the RON file; `docs/scenario-format.md`
//! documents each one with a complete example. Shape errors (a missing field, a typo in a
//! field name, a wrong type) are caught by deserialisation; everything that needs the
//! whole file (dangling step targets, unreachable steps, missing translations, ratings
//! out of range, unknown rule citations …) is checked by `core::validate`.

use crate::text::Text;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Lowest and highest value a reply may rate on a principle.
pub const RATING_MIN: i64 = -2;
/// See [`RATING_MIN`].
pub const RATING_MAX: i64 = 2;
/// The customer's mood runs from 0 (furious) to 100 (delighted).
pub const MOOD_MIN: i32 = 0;
/// See [`MOOD_MIN`].
pub const MOOD_MAX: i32 = 100;

/// One role-play scenario (one `.ron` file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Stable identifier, lower-case words joined by `-` (e.g. `lost-parcel`). Records refer to it.
    pub id: String,
    /// The locales every text in the file is written in, e.g. `["zh-CN", "en"]`.
    pub locales: Vec<String>,
    pub title: Text,
    /// A short label grouping scenarios in the library, e.g. "Complaints".
    pub category: Text,
    pub difficulty: Difficulty,
    /// Roughly how long one play-through takes, in minutes.
    pub minutes: u32,
    /// The situation, read on the briefing screen before the conversation starts.
    pub briefing: Text,
    /// What a good outcome looks like, shown on the briefing screen.
    pub goal: Text,
    pub customer: Customer,
    /// The customer's mood when the conversation starts, 0–100.
    pub start_mood: i32,
    /// The principles this scenario scores. Default: respect, moderation, self_discipline.
    #[serde(default = "Principle::core_set")]
    pub principles: Vec<Principle>,
    pub scoring: Scoring,
    /// Id of the first step.
    pub start: String,
    /// Mood conditions checked after every reply, in order (see [`MoodTrigger`]).
    #[serde(default)]
    pub triggers: Vec<MoodTrigger>,
    pub steps: Vec<Step>,
    pub endings: Vec<Ending>,
}

/// How hard a scenario is; shown on the library card. `Intermediate` in files, `intermediate` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all(serialize = "snake_case"))]
pub enum Difficulty {
    Introductory,
    Intermediate,
    Advanced,
}

impl Difficulty {
    /// A label for the difficulty in `locale`.
    pub fn label(self, locale: &str) -> &'static str {
        let zh = locale.starts_with("zh");
        match (self, zh) {
            (Difficulty::Introductory, false) => "Introductory",
            (Difficulty::Intermediate, false) => "Intermediate",
            (Difficulty::Advanced, false) => "Advanced",
            (Difficulty::Introductory, true) => "入门",
            (Difficulty::Intermediate, true) => "进阶",
            (Difficulty::Advanced, true) => "高级",
        }
    }
}

/// The customer the trainee is talking to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub name: Text,
    /// What the customer wants from this conversation.
    pub wants: Text,
    /// Special needs the trainee should notice (health, hearing, language …), if any.
    #[serde(default)]
    pub special_needs: Option<Text>,
}

/// The etiquette principles replies are rated on (see `data/rules.ron`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Principle {
    Respect,
    Moderation,
    SelfDiscipline,
    Compliance,
}

impl Principle {
    /// All principles, in display order.
    pub const ALL: [Principle; 4] = [
        Principle::Respect,
        Principle::Moderation,
        Principle::SelfDiscipline,
        Principle::Compliance,
    ];

    /// The three principles every scenario scores.
    pub fn core_set() -> Vec<Principle> {
        vec![
            Principle::Respect,
            Principle::Moderation,
            Principle::SelfDiscipline,
        ]
    }

    /// The name used in files, JSON output and the CLI (`self_discipline`).
    pub fn key(self) -> &'static str {
        match self {
            Principle::Respect => "respect",
            Principle::Moderation => "moderation",
            Principle::SelfDiscipline => "self_discipline",
            Principle::Compliance => "compliance",
        }
    }

    /// Parses [`Principle::key`].
    pub fn from_key(key: &str) -> Option<Principle> {
        Principle::ALL.into_iter().find(|p| p.key() == key)
    }

    /// The rule-catalogue id of the principle (R, M, S, C).
    pub fn rule_id(self) -> &'static str {
        match self {
            Principle::Respect => "R",
            Principle::Moderation => "M",
            Principle::SelfDiscipline => "S",
            Principle::Compliance => "C",
        }
    }

    /// A display label in `locale`.
    pub fn label(self, locale: &str) -> &'static str {
        let zh = locale.starts_with("zh");
        match (self, zh) {
            (Principle::Respect, false) => "Respect",
            (Principle::Moderation, false) => "Moderation",
            (Principle::SelfDiscipline, false) => "Self-discipline",
            (Principle::Compliance, false) => "Compliance",
            (Principle::Respect, true) => "尊重",
            (Principle::Moderation, true) => "适度",
            (Principle::SelfDiscipline, true) => "自律",
            (Principle::Compliance, true) => "遵守",
        }
    }
}

impl fmt::Display for Principle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One value per principle, each optional: `(respect: 2, moderation: 1)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerPrinciple<T> {
    #[serde(default)]
    pub respect: Option<T>,
    #[serde(default)]
    pub moderation: Option<T>,
    #[serde(default)]
    pub self_discipline: Option<T>,
    #[serde(default)]
    pub compliance: Option<T>,
}

impl<T: Copy> PerPrinciple<T> {
    /// The value for `p`, if given.
    pub fn get(&self, p: Principle) -> Option<T> {
        match p {
            Principle::Respect => self.respect,
            Principle::Moderation => self.moderation,
            Principle::SelfDiscipline => self.self_discipline,
            Principle::Compliance => self.compliance,
        }
    }

    /// Sets the value for `p`.
    pub fn set(&mut self, p: Principle, v: Option<T>) {
        match p {
            Principle::Respect => self.respect = v,
            Principle::Moderation => self.moderation = v,
            Principle::SelfDiscipline => self.self_discipline = v,
            Principle::Compliance => self.compliance = v,
        }
    }
}

/// A reply's rating on each principle, from -2 (violates) to +2 (exemplary):
/// `(respect: 2, moderation: 0, self_discipline: 1)`. `compliance` only when the scenario
/// scores it. A principle left out rates 0.
pub type Ratings = PerPrinciple<i64>;

impl Ratings {
    /// The rating on `p` (0 when not given).
    pub fn rating(&self, p: Principle) -> i64 {
        self.get(p).unwrap_or(0)
    }
}

/// How a play-through is judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    /// The overall score (0–100) needed to pass.
    pub pass_mark: f64,
    /// Weight of each principle in the overall score. Missing weights are 1.
    #[serde(default)]
    pub weights: PerPrinciple<f64>,
    /// Minimum score (0–100) on a principle to pass, whatever the overall score.
    #[serde(default)]
    pub floors: PerPrinciple<f64>,
}

/// When the customer's mood crosses a threshold, the conversation goes somewhere else:
/// `(when: Below(15), goto: "customer-leaves")`. Checked after every reply, in file
/// order; the first one that holds and has not fired yet in this attempt wins over the
/// reply's own `next`. Each trigger fires at most once per attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoodTrigger {
    pub when: MoodCondition,
    /// A step id or an ending id.
    pub goto: String,
}

/// A condition on the mood after a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoodCondition {
    /// Mood strictly below the value.
    Below(i32),
    /// Mood strictly above the value.
    Above(i32),
}

impl MoodCondition {
    /// Whether `mood` satisfies the condition.
    pub fn holds(self, mood: i32) -> bool {
        match self {
            MoodCondition::Below(v) => mood < v,
            MoodCondition::Above(v) => mood > v,
        }
    }
}

/// One decision point: the customer speaks, the trainee replies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    /// What the customer says; one variant is picked at random on each visit.
    pub says: Vec<Text>,
    /// Seconds the trainee has to reply; none means no time limit.
    #[serde(default)]
    pub time_limit: Option<u32>,
    /// Id of the reply taken when time runs out (required with `time_limit`). It may be a
    /// reply marked `timeout_only` (e.g. "(says nothing)").
    #[serde(default)]
    pub on_timeout: Option<String>,
    pub replies: Vec<Reply>,
}

/// A reply the trainee can choose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// Unique within its step.
    pub id: String,
    /// What the trainee says (and does, in brackets, where the manner matters).
    pub text: Text,
    pub ratings: Ratings,
    /// Change to the customer's mood, e.g. `-15` or `10`.
    #[serde(default)]
    pub mood: i32,
    /// Why the reply is rated as it is; shown after the reply.
    pub feedback: Text,
    /// Rule ids from the rule catalogue the feedback applies, e.g. `["L6", "P1"]`.
    pub cite: Vec<String>,
    /// The step or ending this reply leads to.
    pub next: String,
    /// Never offered as a button; only taken when the step's time runs out.
    #[serde(default)]
    pub timeout_only: bool,
    /// A grave error, not merely a weaker reply: unsafe advice, a falsehood the customer
    /// will act on, a promise against policy, covering up a mistake. Choosing it fails the
    /// attempt whatever the score; `feedback` must say why.
    #[serde(default)]
    pub critical: bool,
    /// What the customer says straight after this reply, before the next step's line:
    /// lets a step that several replies lead to read naturally after each of them.
    #[serde(default)]
    pub reaction: Option<Text>,
}

impl Reply {
    /// Sum of the ratings over `principles` (used by the best/worst strategies and to
    /// find the best reply at a step).
    pub fn total(&self, principles: &[Principle]) -> i64 {
        principles.iter().map(|p| self.ratings.rating(*p)).sum()
    }
}

/// How a conversation ended. Written `Resolved` in scenario files, `resolved` in JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all(serialize = "snake_case"))]
pub enum Outcome {
    /// The customer's problem was solved or a solution agreed.
    Resolved,
    /// Handed on: to a manager, a formal complaint, another department.
    Escalated,
    /// The customer walked out or hung up.
    CustomerLeft,
    /// The conversation ended without a solution.
    Unresolved,
}

impl Outcome {
    /// The name used in JSON output (`customer_left`).
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Resolved => "resolved",
            Outcome::Escalated => "escalated",
            Outcome::CustomerLeft => "customer_left",
            Outcome::Unresolved => "unresolved",
        }
    }

    /// Parses [`Outcome::key`] (the records store and xAPI statements hold it).
    pub fn from_key(key: &str) -> Option<Outcome> {
        [
            Outcome::Resolved,
            Outcome::Escalated,
            Outcome::CustomerLeft,
            Outcome::Unresolved,
        ]
        .into_iter()
        .find(|o| o.key() == key)
    }

    /// A display label in `locale`.
    pub fn label(self, locale: &str) -> &'static str {
        let zh = locale.starts_with("zh");
        match (self, zh) {
            (Outcome::Resolved, false) => "Resolved",
            (Outcome::Escalated, false) => "Escalated",
            (Outcome::CustomerLeft, false) => "Customer left",
            (Outcome::Unresolved, false) => "Unresolved",
            (Outcome::Resolved, true) => "问题解决",
            (Outcome::Escalated, true) => "升级处理",
            (Outcome::CustomerLeft, true) => "顾客离开",
            (Outcome::Unresolved, true) => "未解决",
        }
    }

    /// Whether this is the outcome a trainer wants trainees to reach.
    pub fn is_good(self) -> bool {
        matches!(self, Outcome::Resolved)
    }
}

/// An end of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ending {
    pub id: String,
    pub outcome: Outcome,
    /// What happens at the end, shown on the debrief screen.
    pub text: Text,
}

impl Scenario {
    /// The locale to play in for someone who asks for `wanted`: `wanted` if the scenario
    /// is written in it, else its first locale (else `wanted`, for a file with none).
    pub fn locale_or<'a>(&'a self, wanted: &'a str) -> &'a str {
        if self.locales.iter().any(|l| l == wanted) {
            wanted
        } else {
            self.locales.first().map_or(wanted, String::as_str)
        }
    }

    /// The step with `id`.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// The ending with `id`.
    pub fn ending(&self, id: &str) -> Option<&Ending> {
        self.endings.iter().find(|e| e.id == id)
    }

    /// Weight of `p` in the overall score (1 unless the file says otherwise).
    pub fn weight(&self, p: Principle) -> f64 {
        self.scoring.weights.get(p).unwrap_or(1.0)
    }
}

impl Step {
    /// The reply with `id`.
    pub fn reply(&self, id: &str) -> Option<&Reply> {
        self.replies.iter().find(|r| r.id == id)
    }

    /// The replies offered as buttons (all but the `timeout_only` ones), in file order.
    pub fn offered(&self) -> impl Iterator<Item = &Reply> {
        self.replies.iter().filter(|r| !r.timeout_only)
    }
}
