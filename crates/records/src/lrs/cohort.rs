//! Reading statements back from the LRS and rebuilding attempts from them, into a scratch records store that `courtesy report --lrs` queries like the local one.

use crate::lrs::{LrsClient, LrsError};
use crate::records::{
    AttemptId, AttemptStart, ImportedAttempt, RecordsError, Source, Store, check_trainee,
};
use crate::xapi::{Verb, parse_iso_duration, parse_timestamp};
use courtesy_engine::model::{Outcome, Principle};
use courtesy_engine::scoring::{CriticalChoice, Scores};
use courtesy_engine::session::{AttemptResult, CriticalError, TranscriptEntry};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

/// Every Courtesy statement in the LRS stored since `since_ms` (all if `None`).
/// `on_page` is told the running count of statements read.
pub fn fetch_attempts(
    client: &LrsClient,
    since_ms: Option<i64>,
    on_page: impl FnMut(usize),
) -> Result<Vec<Value>, LrsError> {
    let since = since_ms.map(crate::xapi::timestamp);
    let mut query: Vec<(&str, &str)> = vec![("limit", "500")];
    if let Some(s) = &since {
        query.push(("since", s));
    }
    client.get_statements(&query, on_page)
}

/// One attempt rebuilt from its statements.
#[derive(Debug, Clone)]
pub struct RebuiltAttempt {
    pub id: AttemptId,
    pub start: AttemptStart,
    pub started_ms: i64,
    pub transcript: Vec<TranscriptEntry>,
    pub finished: Option<(i64, AttemptResult)>,
    /// The station it was played at (its statements' `station` extension, cleaned).
    pub station: Option<String>,
}

/// The attempts found in a set of statements.
#[derive(Debug, Clone, Default)]
pub struct RebuiltAttempts {
    pub attempts: Vec<RebuiltAttempt>,
    /// Distinct Courtesy statements used.
    pub statements: usize,
    /// Statements that are not Courtesy's, or that could not be read (no registration …).
    pub ignored: usize,
    /// Attempts left out because a field the aggregates need (seed, step index, mood,
    /// outcome) is missing or unreadable: counted here rather than read as 0 / unresolved.
    pub unreadable: usize,
}

/// The extensions object at `v`, looked up by name: the key ending in
/// `/extensions/<name>` (any base IRI, so statements written under an older `base_iri`
/// still count).
pub(crate) fn ext<'a>(m: Option<&'a Map<String, Value>>, name: &str) -> Option<&'a Value> {
    let suffix = format!("/extensions/{name}");
    m?.iter()
        .find(|(k, _)| k.ends_with(&suffix))
        .map(|(_, v)| v)
}

fn as_map(v: Option<&Value>) -> Option<&Map<String, Value>> {
    v.and_then(Value::as_object)
}

fn principles<T>(v: Option<&Value>, f: impl Fn(&Value) -> Option<T>) -> BTreeMap<Principle, T> {
    as_map(v)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((Principle::from_key(k)?, f(v)?)))
                .collect()
        })
        .unwrap_or_default()
}

fn principle_list(v: Option<&Value>) -> Vec<Principle> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| Principle::from_key(p.as_str()?))
                .collect()
        })
        .unwrap_or_default()
}

fn int(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
}

#[derive(Default)]
struct Group {
    trainee: Option<String>,
    scenario: Option<String>,
    content_hash: Option<String>,
    seed: Option<u64>,
    locale: Option<String>,
    answered: BTreeMap<i64, (i64, TranscriptEntry)>,
    finished: Option<(i64, u64, Value)>,
    passed: Option<bool>,
    /// A step index or mood that could not be read.
    unreadable: bool,
    station: Option<String>,
}

/// Groups Courtesy statements by registration (the attempt) and rebuilds each attempt:
/// its transcript from the `answered` statements (in `step-index` order), its result
/// from `completed`/`passed`/`failed`. Duplicates (same statement id) count once.
pub fn rebuild_attempts(statements: &[Value]) -> RebuiltAttempts {
    let mut out = RebuiltAttempts::default();
    let mut seen = HashSet::new();
    let mut groups: HashMap<String, Group> = HashMap::new();
    let mut order = Vec::new();
    for st in statements {
        let Some(id) = st.get("id").and_then(Value::as_str) else {
            out.ignored += 1;
            continue;
        };
        if !seen.insert(id.to_string()) {
            continue;
        }
        let verb = st
            .pointer("/verb/id")
            .and_then(Value::as_str)
            .and_then(Verb::from_iri);
        let ctx = st.get("context");
        let cext = as_map(ctx.and_then(|c| c.get("extensions")));
        let registration = ctx
            .and_then(|c| c.get("registration"))
            .and_then(Value::as_str);
        let (Some(verb), Some(registration), Some(scenario)) = (
            verb,
            registration,
            ext(cext, "scenario-id").and_then(Value::as_str),
        ) else {
            out.ignored += 1;
            continue;
        };
        let Ok(attempt) = AttemptId::parse(registration) else {
            out.ignored += 1;
            continue;
        };
        let at = st
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(parse_timestamp);
        let Some(at) = at else {
            out.ignored += 1;
            continue;
        };
        out.statements += 1;
        let key = attempt.to_string();
        let g = groups.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            Group::default()
        });
        g.trainee = g.trainee.take().or_else(|| {
            st.pointer("/actor/account/name")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        g.scenario.get_or_insert_with(|| scenario.to_string());
        if g.content_hash.is_none() {
            g.content_hash = ext(cext, "content-hash")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        if g.seed.is_none() {
            g.seed =
                ext(cext, "seed").and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()));
        }
        if g.station.is_none() {
            g.station = ext(cext, "station")
                .and_then(Value::as_str)
                .map(crate::xapi::clean_station)
                .filter(|s| !s.is_empty());
        }
        if g.locale.is_none() {
            g.locale = ext(cext, "locale")
                .or_else(|| ctx.and_then(|c| c.get("language")))
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        let result = st.get("result");
        let rext = as_map(result.and_then(|r| r.get("extensions")));
        let duration_ms = result
            .and_then(|r| r.get("duration"))
            .and_then(Value::as_str)
            .and_then(parse_iso_duration)
            .unwrap_or(0);
        match verb {
            Verb::Answered => {
                let step_id = st
                    .pointer("/object/id")
                    .and_then(Value::as_str)
                    .and_then(|s| s.rsplit_once("/steps/"))
                    .map(|(_, s)| s.to_string())
                    .unwrap_or_default();
                let locale = g.locale.clone().unwrap_or_default();
                let name = st.pointer("/object/definition/name");
                let customer_line = name
                    .and_then(|n| n.get(&locale).or_else(|| as_map(Some(n))?.values().next()))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let mood = |name| int(ext(rext, name)).and_then(|v| i32::try_from(v).ok());
                let (Some(index), Some(mood_before), Some(mood_after)) = (
                    int(ext(rext, "step-index")),
                    mood("mood-before"),
                    mood("mood-after"),
                ) else {
                    g.unreadable = true;
                    continue;
                };
                let entry = TranscriptEntry {
                    step_id,
                    variant: int(ext(rext, "variant"))
                        .and_then(|v| usize::try_from(v).ok())
                        .unwrap_or(0),
                    customer_line,
                    offered: ext(rext, "offered-order")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| Some(s.as_str()?.to_string()))
                                .collect()
                        })
                        .unwrap_or_default(),
                    chosen: result
                        .and_then(|r| r.get("response"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    reaction: None,
                    timed_out: ext(rext, "timed-out")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    response_ms: duration_ms,
                    ratings: principles(ext(rext, "ratings"), Value::as_i64),
                    mood_before,
                    mood_after,
                    best: ext(rext, "best-reply")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    trigger: ext(rext, "trigger")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                };
                g.answered.entry(index).or_insert((at, entry));
            }
            Verb::Completed | Verb::Passed | Verb::Failed => {
                if verb != Verb::Completed {
                    g.passed = Some(verb == Verb::Passed);
                }
                if g.finished.is_none() {
                    g.finished = result.map(|r| (at, duration_ms, r.clone()));
                }
            }
        }
    }
    for key in order {
        let Some(g) = groups.remove(&key) else {
            continue;
        };
        let Ok(id) = AttemptId::parse(&key) else {
            continue;
        };
        let finish_readable = g.finished.as_ref().is_none_or(|(_, _, r)| {
            let rext = as_map(r.get("extensions"));
            let outcome = ext(rext, "outcome")
                .and_then(Value::as_str)
                .and_then(Outcome::from_key);
            let mood = int(ext(rext, "final-mood")).and_then(|v| i32::try_from(v).ok());
            outcome.is_some() && mood.is_some()
        });
        let (Some(trainee), Some(scenario), Some(seed), false, true) =
            (g.trainee, g.scenario, g.seed, g.unreadable, finish_readable)
        else {
            out.unreadable += 1;
            continue;
        };
        let start = AttemptStart {
            trainee,
            scenario: scenario.clone(),
            content_hash: g.content_hash.clone(),
            seed,
            locale: g.locale.clone().unwrap_or_default(),
            source: Source::Import,
        };
        let first_answer = g
            .answered
            .values()
            // The import places step n at start + Σ max(response, 1 ms); invert it.
            .map(|(at, e)| at.saturating_sub(i64::try_from(e.response_ms).unwrap_or(0).max(1)))
            .min();
        let transcript: Vec<TranscriptEntry> = g.answered.into_values().map(|(_, e)| e).collect();
        let finished = g.finished.map(|(at, dur, r)| {
            let rext = as_map(r.get("extensions"));
            let overall = r
                .pointer("/score/raw")
                .and_then(Value::as_f64)
                .or_else(|| Some(r.pointer("/score/scaled")?.as_f64()? * 100.0))
                .unwrap_or(0.0);
            let passed = g
                .passed
                .or_else(|| r.get("success").and_then(Value::as_bool))
                .unwrap_or(false);
            let principles = principles(ext(rext, "principle-scores"), Value::as_f64);
            let not_assessed = principle_list(ext(rext, "not-assessed"));
            let below_floor = principle_list(ext(rext, "below-floor"));
            let critical: Vec<CriticalChoice> = ext(rext, "critical-replies")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|c| {
                            Some(CriticalChoice {
                                step: c.get("step")?.as_str()?.to_string(),
                                reply: c.get("reply")?.as_str()?.to_string(),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let result = AttemptResult {
                scenario: scenario.clone(),
                content_hash: g.content_hash.clone(),
                seed,
                locale: g.locale.clone().unwrap_or_default(),
                ending: ext(rext, "ending")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                outcome: ext(rext, "outcome")
                    .and_then(Value::as_str)
                    .and_then(Outcome::from_key)
                    .unwrap_or(Outcome::Unresolved),
                passed,
                overall,
                critical: critical
                    .iter()
                    .map(|c| CriticalError {
                        step: c.step.clone(),
                        reply: c.reply.clone(),
                        reply_text: String::new(),
                        feedback: String::new(),
                    })
                    .collect(),
                principles: principles.clone(),
                not_assessed: not_assessed.clone(),
                below_floor: below_floor.clone(),
                final_mood: int(ext(rext, "final-mood"))
                    .and_then(|v| i32::try_from(v).ok())
                    .unwrap_or(0),
                transcript: transcript.clone(),
                scores: Scores {
                    principles,
                    not_assessed,
                    tallies: BTreeMap::new(),
                    overall,
                    passed,
                    below_floor,
                    critical,
                },
            };
            (at, dur, result)
        });
        let started_ms = match &finished {
            Some((at, dur, _)) => at.saturating_sub(i64::try_from(*dur).unwrap_or(0)),
            None => first_answer.unwrap_or(0),
        };
        out.attempts.push(RebuiltAttempt {
            id,
            start,
            started_ms,
            transcript,
            finished: finished.map(|(at, _, r)| (at, r)),
            station: g.station,
        });
    }
    out
}

/// A scratch records store holding rebuilt attempts; removed when dropped.
#[derive(Debug)]
pub struct CohortStore {
    store: Option<Store>,
    dir: PathBuf,
    /// Attempts skipped because their trainee id is not usable.
    pub skipped: usize,
}

impl CohortStore {
    /// The store, to query with the usual `Filter`s.
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }
}

impl Drop for CohortStore {
    fn drop(&mut self) {
        drop(self.store.take());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Imports `rebuilt` into a new scratch store (in the system's temporary folder), keeping
/// the attempts' ids, so that the records queries give the cohort across every room.
pub fn cohort_store(rebuilt: &RebuiltAttempts) -> Result<CohortStore, RecordsError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "courtesy-lrs-report-{}-{nanos}",
        std::process::id()
    ));
    let mut cohort = CohortStore {
        store: None,
        dir: dir.clone(),
        skipped: 0,
    };
    let store = Store::open(&dir.join(crate::records::STORE_FILE_NAME))?;
    let batch = ImportBatch::of(rebuilt);
    cohort.skipped = batch.skipped;
    for ((chunk, ids), stations) in batch
        .attempts
        .chunks(1000)
        .zip(batch.ids.chunks(1000))
        .zip(batch.stations.chunks(1000))
    {
        store.import_attempts_as(chunk, ids, false, Some(stations))?;
    }
    cohort.store = Some(store);
    Ok(cohort)
}

/// The rebuilt attempts a store can import (those whose trainee id is usable), as
/// `Store::import_attempts_as` takes them: the attempts, their ids and their stations,
/// in one order.
pub(crate) struct ImportBatch<'a> {
    pub attempts: Vec<ImportedAttempt<'a>>,
    pub ids: Vec<AttemptId>,
    pub stations: Vec<Option<String>>,
    /// Attempts left out: their trainee id is not one the records accept.
    pub skipped: usize,
}

impl<'a> ImportBatch<'a> {
    pub fn of(rebuilt: &'a RebuiltAttempts) -> ImportBatch<'a> {
        let usable: Vec<&RebuiltAttempt> = rebuilt
            .attempts
            .iter()
            .filter(|a| check_trainee(&a.start.trainee).is_ok())
            .collect();
        ImportBatch {
            attempts: usable
                .iter()
                .map(|a| ImportedAttempt {
                    start: &a.start,
                    started_ms: a.started_ms,
                    transcript: &a.transcript,
                    finished: a.finished.as_ref().map(|(at, r)| (*at, r)),
                })
                .collect(),
            ids: usable.iter().map(|a| a.id).collect(),
            stations: usable.iter().map(|a| a.station.clone()).collect(),
            skipped: rebuilt.attempts.len() - usable.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const X: &str = "https://example.org/xapi/extensions/";
    const REG: &str = "6f1c1c8e-4b7a-4c53-9d44-0e6a0f6f8a01";

    /// One attempt's `answered` + `completed` statements as Courtesy writes them;
    /// `edit` spoils a field before they are read back.
    fn attempt(edit: impl Fn(&mut Value, &mut Value)) -> Vec<Value> {
        let ctx = json!({"registration": REG, "extensions": {
            format!("{X}scenario-id"): "lost-parcel", format!("{X}seed"): "42",
            format!("{X}locale"): "en"}});
        let mut answered = json!({
            "id": "a1", "verb": {"id": Verb::Answered.iri()},
            "actor": {"account": {"name": "wang.li"}},
            "object": {"id": "https://example.org/scenarios/lost-parcel/steps/s1"},
            "context": ctx.clone(), "timestamp": "2026-03-01T10:00:05Z",
            "result": {"response": "a", "duration": "PT5S", "extensions": {
                format!("{X}step-index"): 0, format!("{X}mood-before"): 50,
                format!("{X}mood-after"): 60}}});
        let mut completed = json!({
            "id": "c1", "verb": {"id": Verb::Completed.iri()},
            "actor": {"account": {"name": "wang.li"}},
            "object": {"id": "https://example.org/scenarios/lost-parcel"},
            "context": ctx, "timestamp": "2026-03-01T10:00:10Z",
            "result": {"duration": "PT10S", "score": {"raw": 80.0}, "extensions": {
                format!("{X}outcome"): "resolved", format!("{X}final-mood"): 60,
                format!("{X}ending"): "done"}}});
        edit(&mut answered, &mut completed);
        vec![answered, completed]
    }

    #[test]
    fn a_readable_attempt_is_rebuilt() {
        let r = rebuild_attempts(&attempt(|_, _| {}));
        assert_eq!((r.attempts.len(), r.unreadable), (1, 0));
        let (_, result) = r.attempts[0].finished.as_ref().expect("finished");
        assert_eq!((result.seed, result.final_mood), (42, 60));
        assert_eq!(result.outcome, Outcome::Resolved);
        assert_eq!(r.attempts[0].transcript[0].mood_after, 60);
    }

    #[test]
    fn unreadable_fields_skip_the_attempt_instead_of_becoming_zero() {
        let spoil: [(&str, fn(&mut Value, &mut Value)); 5] = [
            ("seed", |a, c| {
                a["context"]["extensions"][format!("{X}seed")] = json!("forty-two");
                c["context"]["extensions"][format!("{X}seed")] = json!("forty-two");
            }),
            ("outcome", |_, c| {
                c["result"]["extensions"][format!("{X}outcome")] = json!("sorted");
            }),
            ("final mood", |_, c| {
                c["result"]["extensions"][format!("{X}final-mood")] = json!("calm");
            }),
            ("mood after", |a, _| {
                a["result"]["extensions"][format!("{X}mood-after")] = json!(null);
            }),
            ("step index", |a, _| {
                a["result"]["extensions"][format!("{X}step-index")] = json!("first");
            }),
        ];
        for (what, edit) in spoil {
            let r = rebuild_attempts(&attempt(edit));
            assert!(
                r.attempts.is_empty(),
                "{what}: attempt fed into the aggregates"
            );
            assert_eq!(r.unreadable, 1, "{what}: counted as skipped");
        }
    }
}
