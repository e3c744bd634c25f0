//! xAPI 1.0.3 statements for attempts: one `answered` per reply, `completed` plus
//! `passed`/`failed` per finished attempt. The mapping is documented in docs/xapi.md.
//! Pure functions: building a statement touches no network and no store.

use crate::core::model::{Principle, Scenario};
use crate::core::session::{AttemptResult, TranscriptEntry};
use serde_json::{Map, Value, json};
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
    pub scenario: &'a Scenario,
    pub content_hash: &'a str,
    pub seed: u64,
    pub locale: &'a str,
}

/// An extension key under the base IRI, e.g. `…/extensions/ratings`.
pub fn ext(base: &str, name: &str) -> String {
    format!("{}/extensions/{name}", base.trim_end_matches('/'))
}

/// ISO 8601 duration with millisecond precision: `PT2.345S`, `PT1M5S`.
pub fn iso_duration(d: Duration) -> String {
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
    let secs = unix_ms.div_euclid(1000);
    let ms = unix_ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

fn lang_map(text: &crate::core::text::Text) -> Value {
    Value::Object(
        text.0
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn actor(c: &AttemptContext) -> Value {
    json!({"objectType": "Agent", "account": {"homePage": c.home_page, "name": c.trainee}})
}

fn verb(id: &str, en: &str, zh: &str) -> Value {
    json!({"id": id, "display": {"en-US": en, "zh-CN": zh}})
}

/// The scenario's activity id.
pub fn scenario_activity_id(base: &str, scenario_id: &str) -> String {
    format!("{}/scenarios/{scenario_id}", base.trim_end_matches('/'))
}

fn scenario_activity(c: &AttemptContext) -> Value {
    json!({
        "objectType": "Activity",
        "id": scenario_activity_id(c.base_iri, &c.scenario.id),
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/simulation",
            "name": lang_map(&c.scenario.title),
            "description": lang_map(&c.scenario.briefing),
        }
    })
}

fn context(c: &AttemptContext) -> Value {
    let mut ext_map = Map::new();
    ext_map.insert(ext(c.base_iri, "scenario-id"), json!(c.scenario.id));
    ext_map.insert(ext(c.base_iri, "content-hash"), json!(c.content_hash));
    ext_map.insert(ext(c.base_iri, "seed"), json!(c.seed));
    ext_map.insert(ext(c.base_iri, "locale"), json!(c.locale));
    json!({
        "registration": c.registration.to_string(),
        "language": c.locale,
        "platform": "Courtesy",
        "contextActivities": {"parent": [scenario_activity(c)]},
        "extensions": Value::Object(ext_map),
    })
}

fn principle_map<T: serde::Serialize + Copy>(
    m: &std::collections::BTreeMap<Principle, T>,
) -> Value {
    Value::Object(
        m.iter()
            .map(|(p, v)| (p.key().to_string(), json!(v)))
            .collect(),
    )
}

/// The `answered` statement for one reply. `id` is the statement's UUID, fixed when the
/// statement is created so that sending it twice is harmless.
pub fn answered(c: &AttemptContext, id: Uuid, entry: &TranscriptEntry, unix_ms: i64) -> Value {
    let base = c.base_iri.trim_end_matches('/');
    let step = c.scenario.step(&entry.step_id);
    let choices: Vec<Value> = step
        .map(|s| {
            s.replies
                .iter()
                .map(|r| json!({"id": r.id, "description": lang_map(&r.text)}))
                .collect()
        })
        .unwrap_or_default();
    let name = step
        .and_then(|s| s.says.get(entry.variant))
        .map(lang_map)
        .unwrap_or_else(|| json!({"en": entry.step_id}));
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
    json!({
        "id": id.to_string(),
        "actor": actor(c),
        "verb": verb(verbs::ANSWERED, "answered", "回答"),
        "object": {
            "objectType": "Activity",
            "id": format!("{}/steps/{}", scenario_activity_id(base, &c.scenario.id), entry.step_id),
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
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
        "context": context(c),
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
    let base = c.base_iri.trim_end_matches('/');
    let mut result_ext = Map::new();
    result_ext.insert(ext(base, "principle-scores"), principle_map(&r.principles));
    result_ext.insert(ext(base, "outcome"), json!(r.outcome.key()));
    result_ext.insert(ext(base, "ending"), json!(r.ending));
    result_ext.insert(ext(base, "final-mood"), json!(r.final_mood));
    let scaled = (r.overall / 100.0).clamp(0.0, 1.0);
    let result = json!({
        "score": {"scaled": scaled, "raw": r.overall, "min": 0, "max": 100},
        "success": r.passed,
        "completion": true,
        "duration": iso_duration(duration),
        "extensions": Value::Object(result_ext),
    });
    let (vid, ven, vzh) = if r.passed {
        (verbs::PASSED, "passed", "通过")
    } else {
        (verbs::FAILED, "failed", "未通过")
    };
    let stmt = |id: Uuid, verb_v: Value| {
        json!({
            "id": id.to_string(),
            "actor": actor(c),
            "verb": verb_v,
            "object": scenario_activity(c),
            "result": result.clone(),
            "context": context(c),
            "timestamp": timestamp(unix_ms),
        })
    };
    [
        stmt(completed_id, verb(verbs::COMPLETED, "completed", "完成")),
        stmt(verdict_id, verb(vid, ven, vzh)),
    ]
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
}
