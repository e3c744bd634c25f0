//! xAPI 1.0.3 statements for attempts: one `answered` per reply, `completed` plus
//! `passed`/`failed` per finished attempt. The mapping is documented in docs/xapi.md.
//! Pure functions: building a statement touches no network and no store.

use courtesy_engine::model::{Principle, Scenario};
use courtesy_engine::session::{AttemptResult, TranscriptEntry};
use courtesy_engine::text::Text;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

/// The base IRI of every Courtesy activity id and extension key.
pub const DEFAULT_BASE_IRI: &str = "https://w3id.org/courtesy/xapi";

/// xAPI verbs Courtesy uses (ADL vocabulary).
pub mod verbs {
    pub const ANSWERED: &str = "http://adlnet.gov/expapi/verbs/answered";
    pub const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
    pub const PASSED: &str = "http://adlnet.gov/expapi/verbs/passed";
    pub const FAILED: &str = "http://adlnet.gov/expapi/verbs/failed";
}

/// The `actor.account.homePage` used when no LRS configuration names one. Set
/// `home_page` in `lrs.ron` to the organisation's sign-in system so that every room's
/// statements name the same learner the same way (docs/xapi.md).
pub const DEFAULT_HOME_PAGE: &str = "https://w3id.org/courtesy/accounts";

/// The xAPI version Courtesy's statements follow (`X-Experience-API-Version`).
pub(crate) const XAPI_VERSION: &str = "1.0.3";

/// Who the statements speak for and under which IRIs: fixed into each statement when it
/// is created (the store keeps one, set from the LRS configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementIdentity {
    /// `actor.account.homePage` of every statement.
    pub home_page: String,
    /// Base IRI of activity ids and extension keys.
    pub base_iri: String,
}

impl Default for StatementIdentity {
    fn default() -> StatementIdentity {
        StatementIdentity {
            home_page: DEFAULT_HOME_PAGE.to_string(),
            base_iri: DEFAULT_BASE_IRI.to_string(),
        }
    }
}

/// Which kind of statement: the `outbox.verb` column and the verb's short name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Answered,
    Completed,
    Passed,
    Failed,
}

impl Verb {
    /// The short name (`answered` …).
    pub fn key(self) -> &'static str {
        match self {
            Verb::Answered => "answered",
            Verb::Completed => "completed",
            Verb::Passed => "passed",
            Verb::Failed => "failed",
        }
    }

    /// The verb whose [`Verb::key`] is `key`.
    pub fn from_key(key: &str) -> Option<Verb> {
        [Verb::Answered, Verb::Completed, Verb::Passed, Verb::Failed]
            .into_iter()
            .find(|v| v.key() == key)
    }

    /// The verb's IRI.
    pub(crate) fn iri(self) -> &'static str {
        match self {
            Verb::Answered => verbs::ANSWERED,
            Verb::Completed => verbs::COMPLETED,
            Verb::Passed => verbs::PASSED,
            Verb::Failed => verbs::FAILED,
        }
    }

    /// The verb whose IRI is `iri`.
    pub(crate) fn from_iri(iri: &str) -> Option<Verb> {
        [Verb::Answered, Verb::Completed, Verb::Passed, Verb::Failed]
            .into_iter()
            .find(|v| v.iri() == iri)
    }
}

/// Who and where: the parts of every statement that come from configuration and the attempt.
#[derive(Debug, Clone)]
pub struct AttemptContext<'a> {
    /// The IRI of the organisation's account system (`actor.account.homePage`).
    pub home_page: &'a str,
    /// Base IRI for activity ids and extension keys (default [`DEFAULT_BASE_IRI`]).
    pub base_iri: &'a str,
    pub trainee: &'a str,
    /// The attempt's UUID (`context.registration`).
    pub registration: Uuid,
    pub scenario_id: &'a str,
    /// The scenario, when the caller has it: it gives the activities their names and
    /// descriptions and the interactions all their choices with texts. Without it
    /// (e.g. a step recorded through `Store::record_step` alone) the statements carry the
    /// same ids, scores and ratings, the customer's line as the step's name, and the
    /// offered replies' ids as the choices.
    pub scenario: Option<&'a Scenario>,
    pub content_hash: Option<&'a str>,
    pub seed: u64,
    pub locale: &'a str,
    /// The station the attempt was played at (the `station` context extension), as the
    /// caller named it; `None` for attempts recorded before stations were named or by a
    /// store given no station name (their statements carry none).
    pub station: Option<&'a str>,
}

/// The longest station name kept (characters); longer names are cut.
pub(crate) const MAX_STATION_CHARS: usize = 64;

/// A station name as stored and shown: cleaned of control and escape characters
/// ([`crate::untrusted::clean`]), trimmed, at most [`MAX_STATION_CHARS`] characters.
/// Used for this station's name and for names read from the LRS.
pub(crate) fn clean_station(s: &str) -> String {
    crate::untrusted::clean(s)
        .trim()
        .chars()
        .take(MAX_STATION_CHARS)
        .collect::<String>()
        .trim()
        .to_string()
}

/// An extension key under the base IRI, e.g. `…/extensions/ratings`.
pub fn ext(base: &str, name: &str) -> String {
    format!("{}/extensions/{name}", base.trim_end_matches('/'))
}

/// ISO 8601 duration with millisecond precision: `PT2.345S`, `PT1M5S`.
pub(crate) fn iso_duration(d: Duration) -> String {
    let ms = d.as_millis();
    let (h, rem) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rem) = (rem / 60_000, rem % 60_000);
    let (s, frac) = (rem / 1000, rem % 1000);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if frac > 0 {
        out.push_str(&format!("{s}.{frac:03}S"));
    } else if s > 0 || (h == 0 && m == 0) {
        out.push_str(&format!("{s}S"));
    }
    out
}

/// RFC 3339 UTC timestamp from unix milliseconds.
pub fn timestamp(unix_ms: i64) -> String {
    crate::records::time::format_utc_ms(unix_ms)
}

/// Parses an RFC 3339 timestamp (`2026-03-02T09:30:00.123Z`, `…+08:00`, any number of
/// fraction digits) into unix milliseconds; `None` if it is not one.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    let b = t.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &t[19..];
    let mut ms = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let first3: String = frac[..digits]
            .chars()
            .chain("000".chars())
            .take(3)
            .collect();
        ms = first3.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" | "" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hh: i64 = rest.get(1..3)?.parse().ok()?;
            let mm: i64 = rest.get(rest.len() - 2..)?.parse().ok()?;
            sign * (hh * 60 + mm)
        }
    };
    let days = crate::records::time::days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_min * 60;
    Some(secs * 1000 + ms)
}

/// Parses an ISO 8601 duration as statements carry them (`PT2.345S`, `PT1H1M`, `P1DT2H`)
/// into milliseconds; `None` if it is not one (years, months and weeks are refused: they
/// have no fixed length).
pub(crate) fn parse_iso_duration(text: &str) -> Option<u64> {
    let rest = text.trim().strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut total = 0f64;
    let mut take = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut num = String::new();
        for ch in part.chars() {
            if ch.is_ascii_digit() || ch == '.' || ch == ',' {
                num.push(if ch == ',' { '.' } else { ch });
            } else {
                let (_, factor) = units.iter().find(|(u, _)| *u == ch)?;
                let v: f64 = num.parse().ok()?;
                total += v * factor;
                num.clear();
            }
        }
        num.is_empty().then_some(())
    };
    take(date, &[('D', 86_400_000.0)])?;
    if let Some(t) = time {
        take(t, &[('H', 3_600_000.0), ('M', 60_000.0), ('S', 1000.0)])?;
    }
    (total.is_finite() && total >= 0.0).then(|| total.round() as u64)
}

fn lang_map(text: &Text) -> Value {
    Value::Object(
        text.0
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// What a statement takes from outside the attempt's records rows: the scenario's texts
/// (as the scenario file had them when the statement was built) and, for the result
/// statements, the critical replies chosen. With the rows (`attempts`, `steps`, `outbox`)
/// and the statement identity these are every input the builders use, so a delivered
/// statement can be pruned and rebuilt byte for byte ([`answered_from`], [`result_from`];
/// docs/records.md, "Delivered statements").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementParts {
    /// The scenario's title: the name of every statement's parent activity (and of the
    /// result statements' object). `None` when the scenario was not at hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// Result statements: the scenario's briefing (the object's description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub briefing: Option<Text>,
    /// `answered`: the step's name (the customer's line in every language, or in the
    /// attempt's locale when the scenario was not at hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// `answered`: the interaction's choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<Choice>>,
    /// Result statements: the critical replies chosen, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<Vec<CriticalChoice>>,
}

/// One choice of an `answered` statement's interaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    /// The reply's text; `None` when the scenario was not at hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
}

/// A critical reply in the `critical-replies` extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriticalChoice {
    pub step: String,
    pub reply: String,
}

/// What the result statements (`completed`, `passed`/`failed`) say about the attempt:
/// the parts of an [`AttemptResult`] they use (the records keep each of them in `attempts`).
#[derive(Debug, Clone, PartialEq)]
pub struct ResultFacts {
    pub passed: bool,
    pub overall: f64,
    pub principles: BTreeMap<Principle, f64>,
    /// [`Outcome::key`](courtesy_engine::model::Outcome::key).
    pub outcome: String,
    pub ending: String,
    pub final_mood: i32,
    /// Steps answered.
    pub steps: usize,
    pub not_assessed: Vec<Principle>,
    pub below_floor: Vec<Principle>,
}

impl ResultFacts {
    /// The facts of `r`.
    pub fn of(r: &AttemptResult) -> ResultFacts {
        ResultFacts {
            passed: r.passed,
            overall: r.overall,
            principles: r.principles.clone(),
            outcome: r.outcome.key().to_string(),
            ending: r.ending.clone(),
            final_mood: r.final_mood,
            steps: r.transcript.len(),
            not_assessed: r.not_assessed.clone(),
            below_floor: r.below_floor.clone(),
        }
    }
}

fn actor(c: &AttemptContext) -> Value {
    json!({"objectType": "Agent", "account": {"homePage": c.home_page, "name": c.trainee}})
}

fn verb(v: Verb) -> Value {
    let (en, zh) = match v {
        Verb::Answered => ("answered", "回答"),
        Verb::Completed => ("completed", "完成"),
        Verb::Passed => ("passed", "通过"),
        Verb::Failed => ("failed", "未通过"),
    };
    json!({"id": v.iri(), "display": {"en-US": en, "zh-CN": zh}})
}

/// The scenario's activity id.
pub(crate) fn scenario_activity_id(base: &str, scenario_id: &str) -> String {
    format!("{}/scenarios/{scenario_id}", base.trim_end_matches('/'))
}

/// A step's activity id (the object of `answered`).
pub(crate) fn step_activity_id(base: &str, scenario_id: &str, step_id: &str) -> String {
    format!(
        "{}/steps/{step_id}",
        scenario_activity_id(base, scenario_id)
    )
}

const SIMULATION: &str = "http://adlnet.gov/expapi/activities/simulation";
const INTERACTION: &str = "http://adlnet.gov/expapi/activities/cmi.interaction";

/// The scenario as an activity; with its name (and its description when `full`) when known.
fn scenario_activity(c: &AttemptContext, p: &StatementParts, full: bool) -> Value {
    let mut definition = Map::new();
    definition.insert("type".into(), json!(SIMULATION));
    if let Some(t) = &p.title {
        definition.insert("name".into(), lang_map(t));
    }
    if full && let Some(b) = &p.briefing {
        definition.insert("description".into(), lang_map(b));
    }
    json!({
        "objectType": "Activity",
        "id": scenario_activity_id(c.base_iri, c.scenario_id),
        "definition": Value::Object(definition),
    })
}

fn context(c: &AttemptContext, p: &StatementParts) -> Value {
    let mut ext_map = Map::new();
    ext_map.insert(ext(c.base_iri, "scenario-id"), json!(c.scenario_id));
    if let Some(h) = c.content_hash {
        ext_map.insert(ext(c.base_iri, "content-hash"), json!(h));
    }
    // A string: seeds are 64-bit, beyond what a JSON number holds exactly in most LRSs.
    ext_map.insert(ext(c.base_iri, "seed"), json!(c.seed.to_string()));
    ext_map.insert(ext(c.base_iri, "locale"), json!(c.locale));
    if let Some(station) = c.station {
        ext_map.insert(ext(c.base_iri, "station"), json!(station));
    }
    json!({
        "registration": c.registration.to_string(),
        "language": c.locale,
        "platform": "Courtesy",
        "contextActivities": {"parent": [scenario_activity(c, p, false)]},
        "extensions": Value::Object(ext_map),
    })
}

fn principle_map<T: serde::Serialize + Copy>(m: &BTreeMap<Principle, T>) -> Value {
    Value::Object(
        m.iter()
            .map(|(p, v)| (p.key().to_string(), json!(v)))
            .collect(),
    )
}

/// The scenario-file parts of the `answered` statement for `entry` ([`StatementParts`]):
/// from `c.scenario` when it is the attempt's, otherwise the customer's line in the
/// attempt's locale and the offered reply ids.
pub(crate) fn answered_parts(c: &AttemptContext, entry: &TranscriptEntry) -> StatementParts {
    let step = c.scenario.and_then(|s| s.step(&entry.step_id));
    let choices = match step {
        Some(s) => s
            .replies
            .iter()
            .map(|r| Choice {
                id: r.id.clone(),
                description: Some(r.text.clone()),
            })
            .collect(),
        None => {
            let mut ids: Vec<&str> = entry.offered.iter().map(String::as_str).collect();
            if !ids.contains(&entry.chosen.as_str()) {
                ids.push(&entry.chosen);
            }
            ids.into_iter()
                .map(|id| Choice {
                    id: id.to_string(),
                    description: None,
                })
                .collect()
        }
    };
    let name = step
        .and_then(|s| s.says.get(entry.variant))
        .cloned()
        .unwrap_or_else(|| Text::from_pairs([(c.locale, entry.customer_line.as_str())]));
    StatementParts {
        title: c.scenario.map(|s| s.title.clone()),
        name: Some(name),
        choices: Some(choices),
        ..StatementParts::default()
    }
}

/// The scenario-file parts of the result statements for `r` ([`StatementParts`]).
pub(crate) fn result_parts(c: &AttemptContext, r: &AttemptResult) -> StatementParts {
    StatementParts {
        title: c.scenario.map(|s| s.title.clone()),
        briefing: c.scenario.map(|s| s.briefing.clone()),
        critical: Some(
            r.critical
                .iter()
                .map(|c| CriticalChoice {
                    step: c.step.clone(),
                    reply: c.reply.clone(),
                })
                .collect(),
        ),
        ..StatementParts::default()
    }
}

/// The `answered` statement for reply number `index` (0-based) of the attempt. `id` is
/// the statement's UUID, fixed when the statement is created so that sending it twice is
/// harmless.
pub fn answered(
    c: &AttemptContext,
    id: Uuid,
    index: usize,
    entry: &TranscriptEntry,
    unix_ms: i64,
) -> Value {
    answered_from(c, &answered_parts(c, entry), id, index, entry, unix_ms)
}

/// [`answered`] with its scenario-file parts given (`c.scenario` is not read): how a
/// pruned statement is rebuilt. `entry.reaction` is not used.
pub(crate) fn answered_from(
    c: &AttemptContext,
    p: &StatementParts,
    id: Uuid,
    index: usize,
    entry: &TranscriptEntry,
    unix_ms: i64,
) -> Value {
    let base = c.base_iri.trim_end_matches('/');
    let choices: Vec<Value> = p
        .choices
        .iter()
        .flatten()
        .map(|ch| match &ch.description {
            Some(d) => json!({"id": ch.id, "description": lang_map(d)}),
            None => json!({"id": ch.id}),
        })
        .collect();
    let name = p
        .name
        .as_ref()
        .map(lang_map)
        .unwrap_or_else(|| json!({ c.locale: entry.customer_line }));
    let mut result_ext = Map::new();
    result_ext.insert(ext(base, "ratings"), principle_map(&entry.ratings));
    result_ext.insert(ext(base, "mood-before"), json!(entry.mood_before));
    result_ext.insert(ext(base, "mood-after"), json!(entry.mood_after));
    result_ext.insert(
        ext(base, "mood-change"),
        json!(entry.mood_after - entry.mood_before),
    );
    result_ext.insert(ext(base, "offered-order"), json!(entry.offered));
    result_ext.insert(ext(base, "timed-out"), json!(entry.timed_out));
    result_ext.insert(ext(base, "step-index"), json!(index));
    result_ext.insert(ext(base, "variant"), json!(entry.variant));
    result_ext.insert(ext(base, "best-reply"), json!(entry.best));
    if let Some(t) = &entry.trigger {
        result_ext.insert(ext(base, "trigger"), json!(t));
    }
    json!({
        "id": id.to_string(),
        "actor": actor(c),
        "verb": verb(Verb::Answered),
        "object": {
            "objectType": "Activity",
            "id": step_activity_id(base, c.scenario_id, &entry.step_id),
            "definition": {
                "type": INTERACTION,
                "interactionType": "choice",
                "name": name,
                "choices": choices,
            }
        },
        "result": {
            "response": entry.chosen,
            "duration": iso_duration(Duration::from_millis(entry.response_ms)),
            "extensions": Value::Object(result_ext),
        },
        "context": context(c, p),
        "timestamp": timestamp(unix_ms),
    })
}

/// The `completed` and the `passed`/`failed` statements for a finished attempt, with
/// `completed_id` and `verdict_id` as their UUIDs.
pub fn finished(
    c: &AttemptContext,
    completed_id: Uuid,
    verdict_id: Uuid,
    r: &AttemptResult,
    unix_ms: i64,
    duration: Duration,
) -> [Value; 2] {
    let p = result_parts(c, r);
    let facts = ResultFacts::of(r);
    let verdict = if r.passed { Verb::Passed } else { Verb::Failed };
    [
        result_from(
            c,
            &p,
            completed_id,
            Verb::Completed,
            &facts,
            unix_ms,
            duration,
        ),
        result_from(c, &p, verdict_id, verdict, &facts, unix_ms, duration),
    ]
}

/// One result statement (`v` is `completed`, `passed` or `failed`) with its
/// scenario-file parts given (`c.scenario` is not read): what [`finished`] builds, and
/// how a pruned one is rebuilt.
pub(crate) fn result_from(
    c: &AttemptContext,
    p: &StatementParts,
    id: Uuid,
    v: Verb,
    r: &ResultFacts,
    unix_ms: i64,
    duration: Duration,
) -> Value {
    let base = c.base_iri.trim_end_matches('/');
    let mut result_ext = Map::new();
    result_ext.insert(ext(base, "principle-scores"), principle_map(&r.principles));
    result_ext.insert(ext(base, "outcome"), json!(r.outcome));
    result_ext.insert(ext(base, "ending"), json!(r.ending));
    result_ext.insert(ext(base, "final-mood"), json!(r.final_mood));
    result_ext.insert(ext(base, "steps"), json!(r.steps));
    result_ext.insert(
        ext(base, "not-assessed"),
        json!(r.not_assessed.iter().map(|p| p.key()).collect::<Vec<_>>()),
    );
    result_ext.insert(
        ext(base, "below-floor"),
        json!(r.below_floor.iter().map(|p| p.key()).collect::<Vec<_>>()),
    );
    result_ext.insert(
        ext(base, "critical-replies"),
        json!(
            p.critical
                .iter()
                .flatten()
                .map(|c| json!({"step": c.step, "reply": c.reply}))
                .collect::<Vec<_>>()
        ),
    );
    let overall = if r.overall.is_finite() {
        r.overall
    } else {
        0.0
    };
    let scaled = (overall / 100.0).clamp(0.0, 1.0);
    json!({
        "id": id.to_string(),
        "actor": actor(c),
        "verb": verb(v),
        "object": scenario_activity(c, p, true),
        "result": {
            "score": {"scaled": scaled, "raw": overall.clamp(0.0, 100.0), "min": 0, "max": 100},
            "success": r.passed,
            "completion": true,
            "duration": iso_duration(duration),
            "extensions": Value::Object(result_ext),
        },
        "context": context(c, p),
        "timestamp": timestamp(unix_ms),
    })
}

fn text_of(v: &Value) -> Option<Text> {
    let m = v.as_object()?;
    let mut t = BTreeMap::new();
    for (k, s) in m {
        t.insert(k.clone(), s.as_str()?.to_string());
    }
    Some(Text(t))
}

/// The parts of a built statement ([`StatementParts`]) read back from its JSON, with
/// its identity: `(home_page, base IRI without trailing '/', parts)`; `None` if it does
/// not have the shape the builders give (e.g. written by an older Courtesy).
/// `scenario_id` is the attempt's. Whether the statement can be rebuilt exactly from
/// these is for the caller to check, by rebuilding it.
pub(crate) fn parts_of(
    statement: &Value,
    v: Verb,
    scenario_id: &str,
) -> Option<(String, String, StatementParts)> {
    let home_page = statement
        .pointer("/actor/account/homePage")?
        .as_str()?
        .to_string();
    let parent = statement.pointer("/context/contextActivities/parent/0")?;
    let base = parent
        .get("id")?
        .as_str()?
        .strip_suffix(&format!("/scenarios/{scenario_id}"))?
        .to_string();
    let title = match parent.pointer("/definition/name") {
        Some(n) => Some(text_of(n)?),
        None => None,
    };
    let def = statement.pointer("/object/definition")?;
    let parts = match v {
        Verb::Answered => {
            let mut choices = Vec::new();
            for ch in def.get("choices")?.as_array()? {
                choices.push(Choice {
                    id: ch.get("id")?.as_str()?.to_string(),
                    description: match ch.get("description") {
                        Some(d) => Some(text_of(d)?),
                        None => None,
                    },
                });
            }
            StatementParts {
                title,
                name: Some(text_of(def.get("name")?)?),
                choices: Some(choices),
                ..StatementParts::default()
            }
        }
        Verb::Completed | Verb::Passed | Verb::Failed => {
            let key = ext(&base, "critical-replies");
            let mut critical = Vec::new();
            for c in statement
                .get("result")?
                .get("extensions")?
                .get(&key)?
                .as_array()?
            {
                critical.push(CriticalChoice {
                    step: c.get("step")?.as_str()?.to_string(),
                    reply: c.get("reply")?.as_str()?.to_string(),
                });
            }
            StatementParts {
                title,
                briefing: match def.get("description") {
                    Some(d) => Some(text_of(d)?),
                    None => None,
                },
                critical: Some(critical),
                ..StatementParts::default()
            }
        }
    };
    Some((home_page, base, parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(iso_duration(Duration::ZERO), "PT0S");
        assert_eq!(iso_duration(Duration::from_millis(2345)), "PT2.345S");
        assert_eq!(iso_duration(Duration::from_secs(65)), "PT1M5S");
        assert_eq!(iso_duration(Duration::from_secs(3600)), "PT1H");
        assert_eq!(
            iso_duration(Duration::from_millis(3_661_050)),
            "PT1H1M1.050S"
        );
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(timestamp(1_795_000_000_000), "2026-11-18T11:06:40.000Z");
    }

    #[test]
    fn timestamps_parse_back() {
        for ms in [0, 951_782_400_123, 1_795_000_000_000, -86_400_001] {
            assert_eq!(parse_timestamp(&timestamp(ms)), Some(ms));
        }
        assert_eq!(
            parse_timestamp("2026-11-22T08:55:13.033909+00:00"),
            Some(1_795_337_713_033)
        );
        assert_eq!(
            parse_timestamp("2026-11-22T16:55:13+08:00"),
            Some(1_795_337_713_000)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn durations_parse_back() {
        for ms in [0, 2345, 65_000, 3_600_000, 3_661_050] {
            assert_eq!(
                parse_iso_duration(&iso_duration(Duration::from_millis(ms))),
                Some(ms)
            );
        }
        assert_eq!(parse_iso_duration("P1DT1S"), Some(86_401_000));
        assert_eq!(parse_iso_duration("P1Y"), None);
        assert_eq!(parse_iso_duration("5 minutes"), None);
    }
}
