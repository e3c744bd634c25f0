//! Assignments on one station and through the pull cache: stored, queued as statements in the outbox (kept when the LRS is down), old stores migrated, and forged or malformed assignment statements shown as problems, never applied.

mod support;
use support::outbox::statements_of;
use support::ralph::scenario;

use courtesy::core::lrs::assignments::{ProblemKind, accept_station, room_assignments};
use courtesy::core::lrs::{LrsCache, LrsClient, LrsConfig, classify, sync_pending};
use courtesy::core::model::Principle;
use courtesy::core::records::{
    AssignmentStatus, MIGRATIONS, NewAssignment, OutboxSelect, Policy, Source, Store, record_played,
};
use courtesy::core::strategy::{Strategy, play};
use courtesy::core::xapi::{DEFAULT_BASE_IRI, StatementIdentity, ext};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

const DAY: i64 = 86_400_000;

fn here() -> Vec<String> {
    vec![scenario().id.clone()]
}

fn assign_to(trainees: Option<&[&str]>, policy: Policy) -> NewAssignment {
    NewAssignment {
        scenarios: here(),
        trainees: trainees.map(|t| t.iter().map(|s| s.to_string()).collect()),
        due_ms: Some(courtesy::core::records::time::now_ms() + 3 * DAY),
        policy,
        floors: BTreeMap::from([(Principle::Respect, 50.0)]),
    }
}

#[test]
fn an_assignment_is_stored_and_queued_and_stays_queued_while_the_lrs_is_down() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("records.sqlite3")).expect("store");
    store.set_station(Some("desk-1"));
    let now = courtesy::core::records::time::now_ms();
    let a = store
        .assignment_create(&assign_to(Some(&["ann"]), Policy::Best), now)
        .expect("made");
    assert_eq!(store.assignments().expect("list"), vec![a.clone()]);
    let items = store
        .outbox_items(OutboxSelect::Pending, None)
        .expect("outbox");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].verb, "assigned");
    assert_eq!(items[0].attempt, "");
    let st: Value = serde_json::from_str(&items[0].statement).expect("json");
    assert_eq!(st["verb"]["id"], courtesy::core::assignment_xapi::ASSIGNED);
    // The LRS down (nothing listens on the port): the statement stays pending.
    let cfg = LrsConfig::parse(
        r#"(endpoint: "http://127.0.0.1:9/xAPI/", key: "k", secret: "s", timeout_secs: 2)"#,
        &dir.path().join("lrs.ron"),
    )
    .expect("config");
    let pass = sync_pending(
        &store,
        &LrsClient::new(&cfg),
        10,
        &AtomicBool::new(false),
        |_, _| {},
    )
    .expect("store works");
    assert!(pass.error.is_some());
    assert_eq!(store.outbox_counts().expect("counts").pending, 1);
    // Replaced, then withdrawn: two more statements, the revision counted.
    let b = store
        .assignment_replace(&a.id, &assign_to(None, Policy::Last), now + 10)
        .expect("replaced");
    assert_eq!(b.revision, 2);
    assert_eq!(b.assigned_ms, a.assigned_ms);
    store
        .assignment_withdraw(&a.id, now + 20)
        .expect("withdrawn");
    store
        .assignment_withdraw(&a.id, now + 30)
        .expect("twice is harmless");
    let verbs: Vec<String> = store
        .outbox_items(OutboxSelect::All, None)
        .expect("outbox")
        .into_iter()
        .map(|i| i.verb)
        .collect();
    assert_eq!(verbs, ["assigned", "assigned", "withdrew"]);
    assert!(
        store
            .assignment_replace(&a.id, &assign_to(None, Policy::Last), now + 40)
            .is_err()
    );
    // Bad input is refused with the reason, nothing queued.
    let err = store
        .assignment_create(
            &NewAssignment {
                scenarios: vec![],
                ..NewAssignment::default()
            },
            now,
        )
        .expect_err("no scenario");
    assert!(err.to_string().contains("at least one scenario"), "{err}");
    assert_eq!(store.outbox_counts().expect("counts").pending, 3);
}

#[test]
fn without_an_lrs_the_station_judges_its_own_attempts_and_reports_satisfied_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("records.sqlite3")).expect("store");
    let now = courtesy::core::records::time::now_ms();
    store
        .roster_add("ann", None, None, now)
        .expect("ann on the roster");
    let best = store
        .assignment_create(&assign_to(None, Policy::Best), now - 1000)
        .expect("best");
    let first = store
        .assignment_create(&assign_to(Some(&["ann"]), Policy::First), now - 1000)
        .expect("first");
    let worst = play(scenario(), 1, "en", &Strategy::Worst).expect("plays");
    let good = play(scenario(), 2, "en", &Strategy::Best).expect("plays");
    assert!(!worst.passed && good.passed);
    record_played(&store, "ann", Source::Cli, scenario(), &worst, |_| {}).expect("records");
    record_played(&store, "ann", Source::Cli, scenario(), &good, |_| {}).expect("records");
    let room = room_assignments(&store, None, &here()).expect("room");
    assert!(room.problems.is_empty(), "{:?}", room.problems);
    let attempts = store.trainee_history("ann", 100).expect("history");
    let roster = vec!["ann".to_string()];
    let mine = room.for_trainee("ann", &attempts, &roster, now + 1);
    let by_id: BTreeMap<&str, AssignmentStatus> = mine
        .iter()
        .map(|t| (t.assignment.id.as_str(), t.status))
        .collect();
    assert_eq!(by_id[best.id.as_str()], AssignmentStatus::Passed);
    assert_eq!(by_id[first.id.as_str()], AssignmentStatus::Failed);
    // A trainee added to the roster later is covered by the roster-wide one only.
    let roster2 = vec!["ann".to_string(), "bo".to_string()];
    let bo = room.for_trainee("bo", &[], &roster2, now + 1);
    assert_eq!(bo.len(), 1);
    assert_eq!(bo[0].assignment.id, best.id);
    assert_eq!(bo[0].status, AssignmentStatus::NotStarted);
    // Overdue after the due date (a simulated clock).
    let bo = room.for_trainee("bo", &[], &roster2, now + 4 * DAY);
    assert_eq!(bo[0].status, AssignmentStatus::Overdue);
    // `satisfied` queued for the met assignment only, and only once: (when the room,
    // read afresh, reports; statements it queues).
    for (at, queued) in [(now + 1, 1), (now + 2, 0)] {
        let room = room_assignments(&store, None, &here()).expect("room");
        let n = room
            .report_satisfied(
                &store,
                &["ann".to_string()],
                &attempts,
                &roster,
                &here(),
                at,
            )
            .expect("report");
        assert_eq!(n, queued, "reported at {at}");
    }
    let satisfied: Vec<Value> = store
        .outbox_items(OutboxSelect::All, None)
        .expect("outbox")
        .into_iter()
        .filter(|i| i.verb == "satisfied")
        .map(|i| serde_json::from_str(&i.statement).expect("json"))
        .collect();
    assert_eq!(satisfied.len(), 1);
    assert_eq!(
        satisfied[0]["verb"]["id"],
        "https://w3id.org/xapi/adl/verbs/satisfied"
    );
    assert_eq!(satisfied[0]["actor"]["account"]["name"], "ann");
    assert_eq!(
        satisfied[0]["context"]["extensions"][ext(DEFAULT_BASE_IRI, "assignment-id")],
        json!(best.id)
    );
}

#[test]
fn a_schema_6_store_migrates_keeping_its_outbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("records.sqlite3");
    // A store as schema version 6 left it, with one attempt and its statements.
    let (pending_before, items_before) = {
        let store = Store::open(&dir.path().join("new.sqlite3")).expect("store");
        let r = play(scenario(), 3, "en", &Strategy::Best).expect("plays");
        record_played(&store, "ann", Source::Cli, scenario(), &r, |_| {}).expect("records");
        let items = store.outbox_items(OutboxSelect::All, None).expect("outbox");
        (store.outbox_counts().expect("counts").pending, items)
    };
    {
        let c = rusqlite::Connection::open(&path).expect("raw");
        let mut sql = String::from("BEGIN;");
        for m in &MIGRATIONS[..6] {
            sql.push_str(m);
        }
        sql.push_str("PRAGMA application_id = 1129469011; PRAGMA user_version = 6; COMMIT;");
        c.execute_batch(&sql).expect("schema 6");
        c.execute_batch(&format!(
            "ATTACH '{}' AS v7;
             INSERT INTO meta SELECT * FROM v7.meta;
             INSERT INTO trainees SELECT * FROM v7.trainees;
             INSERT INTO attempts SELECT * FROM v7.attempts;
             INSERT INTO steps SELECT * FROM v7.steps;
             INSERT INTO outbox SELECT * FROM v7.outbox;
             DETACH v7;",
            dir.path().join("new.sqlite3").display()
        ))
        .expect("copied");
    }
    let store = Store::open(&path).expect("migrates");
    assert_eq!(
        store.schema_version().expect("version"),
        courtesy::core::records::schema_version(),
        "migrated to the newest schema"
    );
    assert!(store.integrity_check().expect("check").is_empty());
    assert_eq!(
        store.outbox_counts().expect("counts").pending,
        pending_before
    );
    let items = store.outbox_items(OutboxSelect::All, None).expect("outbox");
    assert_eq!(items, items_before, "every statement kept as it was");
    // The migrated store takes assignments.
    store
        .assignment_create(
            &assign_to(None, Policy::Best),
            courtesy::core::records::time::now_ms(),
        )
        .expect("assignment");
    assert_eq!(
        store.outbox_counts().expect("counts").pending,
        pending_before + 1
    );
}

fn stored(mut st: Value, n: i64) -> Value {
    st["stored"] = json!(courtesy::core::xapi::timestamp(1_700_000_000_000 + n));
    st
}

#[test]
fn forged_malformed_and_foreign_assignments_are_problems_never_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let local = Store::open(&dir.path().join("records.sqlite3")).expect("store");
    local.set_station(Some("desk-2"));
    let cache = LrsCache::open_at(&dir.path().join("lrs-cache.sqlite3"), "http://lrs.test/")
        .expect("cache");
    let id = StatementIdentity::default();
    let now = courtesy::core::records::time::now_ms();
    let make = |station: &str, scenarios: Vec<String>| {
        let a = courtesy::core::records::Assignment {
            id: uuid::Uuid::new_v4().to_string(),
            revision: 1,
            scenarios,
            audience: courtesy::core::records::Audience::Roster,
            due_ms: None,
            policy: Policy::Best,
            floors: BTreeMap::new(),
            assigned_ms: now,
            updated_ms: now,
            station: Some(station.to_string()),
            withdrawn_ms: None,
        };
        let st = courtesy::core::assignment_xapi::assigned(&id, &a, uuid::Uuid::new_v4(), now);
        (a, st)
    };
    // From desk-1, which has played here (known): applied.
    let desk1_attempt = statements_of(dir.path(), "desk-1", &["ann"], 4);
    let (good, good_st) = make("desk-1", here());
    let (stranger, stranger_st) = make("intruder", here());
    let (missing, missing_st) = make("desk-1", vec![here()[0].clone(), "no-such-scenario".into()]);
    let mut malformed = make("desk-1", here()).1;
    malformed["context"]["extensions"][ext(DEFAULT_BASE_IRI, "pass-policy")] = json!("median");
    let mut no_station = make("desk-1", here()).1;
    no_station["context"]["extensions"]
        .as_object_mut()
        .expect("extensions")
        .remove(&ext(DEFAULT_BASE_IRI, "station"));
    let mut all: Vec<Value> = desk1_attempt;
    all.extend([good_st, stranger_st, missing_st, malformed, no_station]);
    let batch: Vec<_> = all
        .into_iter()
        .enumerate()
        .map(|(n, s)| classify(&stored(s, n as i64)))
        .collect();
    cache.store().cache_add(&batch, now).expect("added");

    let room = room_assignments(&local, Some(&cache), &here()).expect("never an error");
    let ids: Vec<&str> = room
        .assignments
        .iter()
        .map(|r| r.assignment.id.as_str())
        .collect();
    assert!(ids.contains(&good.id.as_str()));
    assert!(ids.contains(&missing.id.as_str()), "applied to what exists");
    assert!(
        !ids.contains(&stranger.id.as_str()),
        "the stranger's is not applied"
    );
    assert_eq!(ids.len(), 2, "{ids:?}");
    let kinds: Vec<&ProblemKind> = room.problems.iter().map(|p| &p.kind).collect();
    assert!(
        kinds.contains(&&ProblemKind::UnknownStation {
            station: Some("intruder".into())
        }),
        "{kinds:?}"
    );
    assert!(kinds.contains(&&ProblemKind::UnknownStation { station: None }));
    assert!(kinds.contains(&&ProblemKind::MissingScenario {
        scenario: "no-such-scenario".into()
    }));
    assert!(
        kinds.iter().any(
            |k| matches!(k, ProblemKind::Malformed { reason } if reason.contains("pass policy"))
        ),
        "{kinds:?}"
    );
    for p in &room.problems {
        assert!(!p.line().is_empty());
    }
    // desk-3 (known: it has played) tries to withdraw desk-1's assignment: refused.
    let mut by_other = courtesy::core::assignment_xapi::withdrew(
        &id,
        &good.id,
        1,
        Some("desk-3"),
        uuid::Uuid::new_v4(),
        now,
    );
    by_other = stored(by_other, 100);
    let desk3: Vec<_> = statements_of(dir.path(), "desk-3", &["bo"], 5)
        .into_iter()
        .enumerate()
        .map(|(n, s)| classify(&stored(s, 200 + n as i64)))
        .collect();
    cache.store().cache_add(&desk3, now).expect("added");
    cache
        .store()
        .cache_add(&[classify(&by_other)], now)
        .expect("added");
    let room = room_assignments(&local, Some(&cache), &here()).expect("room");
    let g = room
        .assignments
        .iter()
        .find(|r| r.assignment.id == good.id)
        .expect("still there");
    assert_eq!(
        g.assignment.withdrawn_ms, None,
        "not withdrawn by another station"
    );
    assert!(room.problems.iter().any(|p| p.kind
        == ProblemKind::NotTheOwner {
            station: Some("desk-3".into())
        }));
    // desk-1 withdraws it itself: withdrawn.
    let own = stored(
        courtesy::core::assignment_xapi::withdrew(
            &id,
            &good.id,
            1,
            Some("desk-1"),
            uuid::Uuid::new_v4(),
            now,
        ),
        300,
    );
    cache
        .store()
        .cache_add(&[classify(&own)], now)
        .expect("added");
    let room = room_assignments(&local, Some(&cache), &here()).expect("room");
    assert!(
        room.assignments
            .iter()
            .any(|r| r.assignment.id == good.id && r.assignment.withdrawn_ms.is_some())
    );
    // The manager accepts the stranger's station: its assignment applies from then on.
    accept_station(&local, "intruder").expect("accepted");
    let room = room_assignments(&local, Some(&cache), &here()).expect("room");
    assert!(
        room.assignments
            .iter()
            .any(|r| r.assignment.id == stranger.id)
    );
}
