//! xAPI statements for assignments: `assigned` (made or replaced), `withdrew`, and cmi5's `satisfied` when a trainee meets one; built here and read back strictly.
//!
//! The shapes are documented in docs/xapi.md ("Assignments"). Pure functions: no network,
//! no store. [`parse`] never panics on what an LRS hands back: anything that is not
//! exactly the shape [`assigned`] / [`withdrew`] / [`satisfied`] build is an `Err` with
//! the reason, so that a malformed statement is shown as a problem, never applied.

use crate::records::assignments::{Assignment, Audience, Policy};
use crate::records::check_trainee;
use crate::xapi::{StatementIdentity, clean_station, ext, parse_timestamp, timestamp};
use courtesy_engine::model::Principle;
use serde_json::{Map, Value, json};
use sha2::Digest;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The verb of an assignment made or replaced (a new revision).
pub const ASSIGNED: &str = "https://w3id.org/courtesy/xapi/verbs/assigned";
/// The verb of an assignment withdrawn.
pub const WITHDREW: &str = "https://w3id.org/courtesy/xapi/verbs/withdrew";
/// cmi5's `satisfied` (ADL verb): the trainee met every scenario of the assignment.
pub const SATISFIED: &str = "https://w3id.org/xapi/adl/verbs/satisfied";

/// `outbox.verb` of each.
pub const ASSIGNED_KEY: &str = "assigned";
pub const WITHDREW_KEY: &str = "withdrew";
pub const SATISFIED_KEY: &str = "satisfied";

/// The activity type of an assignment.
pub const ASSIGNMENT_TYPE: &str = "https://w3id.org/courtesy/xapi/activities/assignment";

/// The `actor.account.name` of assignment statements made by a manager.
pub const MANAGER_ACCOUNT: &str = "manager";

/// Whether `iri` is one of the assignment verbs.
pub fn is_assignment_verb(iri: &str) -> bool {
    [ASSIGNED, WITHDREW, SATISFIED].contains(&iri)
}

/// The assignment's activity id.
pub fn assignment_activity_id(base: &str, id: &str) -> String {
    format!("{}/assignments/{id}", base.trim_end_matches('/'))
}

/// The id of the `satisfied` statement for (assignment, revision, trainee): the same at
/// every station (a UUID v8 from SHA-256), so the LRS keeps one however many send it.
pub fn satisfied_id(assignment: &str, revision: u32, trainee: &str) -> Uuid {
    let mut h = sha2::Sha256::new();
    h.update(b"courtesy satisfied\0");
    h.update(assignment.as_bytes());
    h.update(b"\0");
    h.update(revision.to_string().as_bytes());
    h.update(b"\0");
    h.update(trainee.as_bytes());
    let d = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&d[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

fn verb(iri: &str) -> Value {
    let (en, zh) = match iri {
        ASSIGNED => ("assigned", "布置"),
        WITHDREW => ("withdrew", "撤回"),
        _ => ("satisfied", "达成"),
    };
    json!({"id": iri, "display": {"en-US": en, "zh-CN": zh}})
}

fn object(base: &str, id: &str) -> Value {
    json!({
        "objectType": "Activity",
        "id": assignment_activity_id(base, id),
        "definition": {
            "type": ASSIGNMENT_TYPE,
            "name": {"en-US": "Courtesy assignment", "zh-CN": "Courtesy 练习任务"},
        },
    })
}

fn manager(home_page: &str) -> Value {
    json!({"objectType": "Agent", "account": {"homePage": home_page, "name": MANAGER_ACCOUNT}})
}

fn base_ext(base: &str, id: &str, revision: u32, station: Option<&str>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(ext(base, "assignment-id"), json!(id));
    m.insert(ext(base, "assignment-revision"), json!(revision));
    if let Some(s) = station {
        m.insert(ext(base, "station"), json!(s));
    }
    m
}

/// The `assigned` statement of `a` (its current revision).
pub fn assigned(identity: &StatementIdentity, a: &Assignment, id: Uuid, unix_ms: i64) -> Value {
    let base = identity.base_iri.trim_end_matches('/');
    let mut e = base_ext(base, &a.id, a.revision, a.station.as_deref());
    e.insert(ext(base, "scenario-ids"), json!(a.scenarios));
    e.insert(
        ext(base, "assignees"),
        match &a.audience {
            Audience::Roster => json!("roster"),
            Audience::Trainees(t) => json!(t),
        },
    );
    e.insert(
        ext(base, "due"),
        a.due_ms.map_or(Value::Null, |d| json!(timestamp(d))),
    );
    e.insert(ext(base, "assigned-at"), json!(timestamp(a.assigned_ms)));
    e.insert(ext(base, "pass-policy"), json!(a.policy.key()));
    e.insert(
        ext(base, "principle-floors"),
        Value::Object(
            a.floors
                .iter()
                .map(|(p, v)| (p.key().to_string(), json!(v)))
                .collect(),
        ),
    );
    json!({
        "id": id.to_string(),
        "actor": manager(&identity.home_page),
        "verb": verb(ASSIGNED),
        "object": object(base, &a.id),
        "context": {"platform": "Courtesy", "extensions": Value::Object(e)},
        "timestamp": timestamp(unix_ms),
    })
}

/// The `withdrew` statement of assignment `assignment` (revision `revision`).
pub fn withdrew(
    identity: &StatementIdentity,
    assignment: &str,
    revision: u32,
    station: Option<&str>,
    id: Uuid,
    unix_ms: i64,
) -> Value {
    let base = identity.base_iri.trim_end_matches('/');
    json!({
        "id": id.to_string(),
        "actor": manager(&identity.home_page),
        "verb": verb(WITHDREW),
        "object": object(base, assignment),
        "context": {
            "platform": "Courtesy",
            "extensions": Value::Object(base_ext(base, assignment, revision, station)),
        },
        "timestamp": timestamp(unix_ms),
    })
}

/// The `satisfied` statement: `trainee` met every scenario of `a` under its policy.
pub fn satisfied(
    identity: &StatementIdentity,
    a: &Assignment,
    trainee: &str,
    station: Option<&str>,
    id: Uuid,
    unix_ms: i64,
) -> Value {
    let base = identity.base_iri.trim_end_matches('/');
    let mut e = base_ext(base, &a.id, a.revision, station);
    e.insert(ext(base, "scenario-ids"), json!(a.scenarios));
    e.insert(ext(base, "pass-policy"), json!(a.policy.key()));
    json!({
        "id": id.to_string(),
        "actor": {"objectType": "Agent", "account": {"homePage": identity.home_page, "name": trainee}},
        "verb": verb(SATISFIED),
        "object": object(base, &a.id),
        "context": {"platform": "Courtesy", "extensions": Value::Object(e)},
        "timestamp": timestamp(unix_ms),
    })
}

/// One assignment statement, read back.
#[derive(Debug, Clone, PartialEq)]
pub enum AssignmentEvent {
    /// An assignment made or replaced (`station`: where; `withdrawn_ms` is `None`).
    Assigned(Assignment),
    Withdrew {
        assignment: String,
        revision: u32,
        at_ms: i64,
        station: Option<String>,
    },
    Satisfied {
        assignment: String,
        revision: u32,
        trainee: String,
        at_ms: i64,
        station: Option<String>,
    },
}

impl AssignmentEvent {
    /// The assignment it is about.
    pub fn assignment(&self) -> &str {
        match self {
            AssignmentEvent::Assigned(a) => &a.id,
            AssignmentEvent::Withdrew { assignment, .. }
            | AssignmentEvent::Satisfied { assignment, .. } => assignment,
        }
    }

    /// The station that sent it.
    pub fn station(&self) -> Option<&str> {
        match self {
            AssignmentEvent::Assigned(a) => a.station.as_deref(),
            AssignmentEvent::Withdrew { station, .. }
            | AssignmentEvent::Satisfied { station, .. } => station.as_deref(),
        }
    }
}

fn find<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    let suffix = format!("/extensions/{name}");
    m.iter().find(|(k, _)| k.ends_with(&suffix)).map(|(_, v)| v)
}

fn id_text(v: Option<&Value>, what: &str) -> Result<String, String> {
    let s = v
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no {what}"))?;
    Uuid::parse_str(s)
        .map(|u| u.to_string())
        .map_err(|_| format!("the {what} is not a UUID"))
}

fn revision(v: Option<&Value>) -> Result<u32, String> {
    v.and_then(Value::as_u64)
        .and_then(|r| u32::try_from(r).ok())
        .filter(|r| *r >= 1)
        .ok_or_else(|| "no assignment revision (a whole number from 1)".to_string())
}

/// Reads an assignment statement strictly; `Err` says what is wrong.
pub fn parse(st: &Value) -> Result<AssignmentEvent, String> {
    let verb = st
        .pointer("/verb/id")
        .and_then(Value::as_str)
        .filter(|v| is_assignment_verb(v))
        .ok_or("not an assignment verb")?;
    let at_ms = st
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
        .ok_or("no readable timestamp")?;
    let e = st
        .pointer("/context/extensions")
        .and_then(Value::as_object)
        .ok_or("no context extensions")?;
    let assignment = id_text(find(e, "assignment-id"), "assignment id")?;
    let rev = revision(find(e, "assignment-revision"))?;
    let station = match find(e, "station") {
        None => None,
        Some(v) => Some(
            v.as_str()
                .map(clean_station)
                .filter(|s| !s.is_empty())
                .ok_or("the station is not a name")?,
        ),
    };
    let object_ok = st
        .pointer("/object/id")
        .and_then(Value::as_str)
        .is_some_and(|o| o.ends_with(&format!("/assignments/{assignment}")));
    if !object_ok {
        return Err("the object is not the assignment the extensions name".into());
    }
    match verb {
        WITHDREW => Ok(AssignmentEvent::Withdrew {
            assignment,
            revision: rev,
            at_ms,
            station,
        }),
        SATISFIED => {
            let trainee = st
                .pointer("/actor/account/name")
                .and_then(Value::as_str)
                .ok_or("no trainee (actor.account.name)")?;
            let trainee = check_trainee(trainee).map_err(|_| "the trainee id is not usable")?;
            Ok(AssignmentEvent::Satisfied {
                assignment,
                revision: rev,
                trainee,
                at_ms,
                station,
            })
        }
        _ => {
            let scenarios = find(e, "scenario-ids")
                .and_then(Value::as_array)
                .ok_or("no scenario ids (a list)")?;
            let scenarios: Vec<String> = scenarios
                .iter()
                .map(|s| {
                    s.as_str()
                        .map(|s| crate::untrusted::clean(s).trim().to_string())
                        .filter(|s| !s.is_empty() && s.len() <= 200)
                        .ok_or("a scenario id is not a name")
                })
                .collect::<Result<_, _>>()?;
            if scenarios.is_empty() {
                return Err("the assignment names no scenario".into());
            }
            if scenarios.len() > crate::records::assignments::MAX_ASSIGNED {
                return Err("the assignment names too many scenarios".into());
            }
            let audience = match find(e, "assignees") {
                Some(Value::String(s)) if s == "roster" => Audience::Roster,
                Some(Value::Array(ts)) if !ts.is_empty() => {
                    if ts.len() > crate::records::assignments::MAX_ASSIGNED {
                        return Err("the assignment names too many trainees".into());
                    }
                    let mut out = Vec::with_capacity(ts.len());
                    for t in ts {
                        let t = t.as_str().ok_or("a trainee is not a name")?;
                        out.push(check_trainee(t).map_err(|_| "a trainee id is not usable")?);
                    }
                    Audience::Trainees(out)
                }
                _ => return Err("no assignees (\"roster\" or a list of trainee ids)".into()),
            };
            let due_ms = match find(e, "due") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_str()
                        .and_then(parse_timestamp)
                        .ok_or("the due date is not a timestamp")?,
                ),
            };
            let assigned_ms = find(e, "assigned-at")
                .and_then(Value::as_str)
                .and_then(parse_timestamp)
                .ok_or("no readable assigned-at time")?;
            let policy = find(e, "pass-policy")
                .and_then(Value::as_str)
                .and_then(Policy::from_key)
                .ok_or("no pass policy (best, first or last)")?;
            let floors_v = find(e, "principle-floors")
                .and_then(Value::as_object)
                .ok_or("no principle floors (an object, maybe empty)")?;
            let mut floors = BTreeMap::new();
            for (k, v) in floors_v {
                let p = Principle::from_key(k)
                    .ok_or_else(|| format!("a floor names an unknown principle `{k}`"))?;
                let f = v
                    .as_f64()
                    .filter(|f| f.is_finite() && (0.0..=100.0).contains(f))
                    .ok_or_else(|| format!("the {k} floor is not a number from 0 to 100"))?;
                floors.insert(p, f);
            }
            Ok(AssignmentEvent::Assigned(Assignment {
                id: assignment,
                revision: rev,
                scenarios,
                audience,
                due_ms,
                policy,
                floors,
                assigned_ms,
                updated_ms: at_ms,
                station,
                withdrawn_ms: None,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Assignment {
        Assignment {
            id: Uuid::new_v4().to_string(),
            revision: 2,
            scenarios: vec!["refund-no-receipt".into(), "late-delivery".into()],
            audience: Audience::Trainees(vec!["ann".into(), "bob".into()]),
            due_ms: Some(1_800_000_000_000),
            policy: Policy::Last,
            floors: BTreeMap::from([(Principle::Respect, 70.0)]),
            assigned_ms: 1_700_000_000_000,
            updated_ms: 1_700_000_100_000,
            station: Some("front-desk".into()),
            withdrawn_ms: None,
        }
    }

    #[test]
    fn assigned_withdrew_and_satisfied_read_back_as_built() {
        let id = StatementIdentity::default();
        let a = sample();
        let st = assigned(&id, &a, Uuid::new_v4(), a.updated_ms);
        assert_eq!(parse(&st), Ok(AssignmentEvent::Assigned(a.clone())));
        let w = withdrew(&id, &a.id, 2, Some("front-desk"), Uuid::new_v4(), 5000);
        assert_eq!(
            parse(&w),
            Ok(AssignmentEvent::Withdrew {
                assignment: a.id.clone(),
                revision: 2,
                at_ms: 5000,
                station: Some("front-desk".into())
            })
        );
        let s = satisfied(
            &id,
            &a,
            "ann",
            Some("s2"),
            satisfied_id(&a.id, 2, "ann"),
            6000,
        );
        assert_eq!(
            parse(&s),
            Ok(AssignmentEvent::Satisfied {
                assignment: a.id.clone(),
                revision: 2,
                trainee: "ann".into(),
                at_ms: 6000,
                station: Some("s2".into())
            })
        );
        assert_eq!(satisfied_id(&a.id, 2, "ann"), satisfied_id(&a.id, 2, "ann"));
        assert_ne!(satisfied_id(&a.id, 2, "ann"), satisfied_id(&a.id, 3, "ann"));
    }

    #[test]
    fn malformed_assignments_are_refused_with_the_reason() {
        let id = StatementIdentity::default();
        let a = sample();
        let good = assigned(&id, &a, Uuid::new_v4(), a.updated_ms);
        let base = crate::xapi::DEFAULT_BASE_IRI;
        let cases: Vec<(&str, Value, &str)> = vec![
            ("pass-policy", json!("median"), "pass policy"),
            ("principle-floors", json!({"respect": 170}), "respect floor"),
            (
                "principle-floors",
                json!({"charm": 50}),
                "unknown principle",
            ),
            ("scenario-ids", json!("one"), "scenario ids"),
            ("scenario-ids", json!([]), "no scenario"),
            ("assignees", json!("everyone"), "assignees"),
            ("assignees", json!([""]), "trainee id"),
            ("due", json!("next friday"), "due date"),
            ("assignment-revision", json!(0), "revision"),
            ("assignment-id", json!("not-a-uuid"), "UUID"),
        ];
        for (key, value, why) in cases {
            let mut st = good.clone();
            st["context"]["extensions"][ext(base, key)] = value;
            let got = parse(&st);
            assert!(
                got.as_ref().is_err_and(|e| e.contains(why)),
                "{key}: {got:?} (expected an error naming {why})"
            );
        }
        let mut st = good.clone();
        st["object"]["id"] = json!("https://example.org/other");
        assert!(parse(&st).is_err());
        let mut st = good;
        st["timestamp"] = json!(12);
        assert!(parse(&st).is_err());
        assert!(parse(&json!(null)).is_err());
        assert!(parse(&json!({"verb": {"id": ASSIGNED}})).is_err());
    }
}
