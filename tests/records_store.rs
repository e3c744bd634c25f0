//! The records store's API: creation and pragmas, step-by-step recording, drill-down and
//! replay, hand-computed aggregates, filters, a trainee's own history, the manager password.

mod support;

use courtesy::core::model::{Outcome, Principle, Scenario};
use courtesy::core::records::time::{DAY_MS, parse_date};
use courtesy::core::records::{
    AttemptStart, AttemptStatus, Filter, ImportedAttempt, ManagerGate, Recorder, RecordsError,
    Source, Store, replay,
};
use courtesy::core::session::{AttemptResult, Session};
use courtesy::core::strategy::{Strategy, play};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn scenario() -> Arc<Scenario> {
    support::fixture::scoring_case()
}

fn played(ids: &[&str], seed: u64) -> AttemptResult {
    let path = Strategy::Path(ids.iter().map(|s| s.to_string()).collect());
    play(scenario(), seed, "en", &path).expect("path plays")
}

fn start(trainee: &str, r: &AttemptResult) -> AttemptStart {
    AttemptStart::for_result(trainee, r, Some("abc123"), Source::Import)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn new_store(dir: &Path) -> Store {
    Store::open(&dir.join("records.sqlite3")).expect("store opens")
}

#[test]
fn a_new_store_is_wal_with_our_application_id_and_schema_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/folder/records.sqlite3");
    let store = Store::open(&path).expect("creates the store and its folders");
    assert_eq!(
        store.schema_version().ok(),
        Some(courtesy::core::records::schema_version())
    );
    assert!(store.integrity_check().expect("checks").is_empty());
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    let app: i64 = raw
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .expect("app id");
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    let format: String = raw
        .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
            r.get(0)
        })
        .expect("format row");
    assert_eq!(app, courtesy::core::records::APPLICATION_ID);
    assert_eq!(mode, "wal");
    assert_eq!(format, "courtesy-records");
    drop(raw);
    drop(store);
    // Opening again neither migrates nor complains.
    let again = Store::open_existing(&path).expect("reopens");
    assert_eq!(
        again.schema_version().ok(),
        Some(courtesy::core::records::schema_version())
    );
}

#[test]
fn each_step_is_visible_to_another_connection_as_soon_as_it_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(dir.path());
    let mut session = Session::start(scenario(), 7, "en").expect("starts");
    let mut rec =
        Recorder::begin(&store, " alice ", &session, Some("h"), Source::App).expect("begins");
    let raw = rusqlite::Connection::open(store.path()).expect("raw open");
    let count = |raw: &rusqlite::Connection| -> i64 {
        raw.query_row("SELECT count(*) FROM steps", [], |r| r.get(0))
            .expect("count")
    };
    assert_eq!(count(&raw), 0);
    session.choose("b", Duration::from_millis(1200)).expect("b");
    assert_eq!(rec.pending(&session), 1);
    assert_eq!(rec.sync(&store, &session).expect("syncs"), 1);
    assert_eq!(count(&raw), 1);
    let listed = store.attempts(&Filter::all(), 10).expect("lists");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].trainee, "alice", "trainee ids are trimmed");
    assert_eq!(listed[0].status, AttemptStatus::InProgress);
    assert_eq!(listed[0].steps, 1);
    session.choose("x", Duration::from_millis(800)).expect("x");
    rec.sync(&store, &session).expect("syncs");
    assert_eq!(count(&raw), 2);
    let result = session.finish().expect("ended");
    rec.finish(&store, &result).expect("finishes");
    let detail = store
        .attempt(rec.attempt())
        .expect("reads")
        .expect("attempt exists");
    assert_eq!(detail.summary.status, AttemptStatus::Finished);
    assert_eq!(detail.summary.source, Source::App);
    assert_eq!(detail.summary.content_hash.as_deref(), Some("h"));
    assert_eq!(detail.transcript(), result.transcript);
    assert_eq!(detail.steps[0].entry.response_ms, 1200);
    assert_eq!(detail.summary.outcome, Some(Outcome::Resolved));
    assert_eq!(detail.summary.passed, Some(true));
    assert!(close(detail.summary.overall.unwrap_or(-1.0), 400.0 / 6.0));
    assert_eq!(detail.summary.principles, result.principles);
    assert_eq!(detail.choices(), vec!["b".to_string(), "x".to_string()]);
}

#[test]
fn a_drilled_down_attempt_replays_to_the_same_feedback_and_result() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(dir.path());
    let mut session = Session::start(scenario(), 99, "zh-CN").expect("starts");
    let mut rec = Recorder::begin(&store, "bo", &session, Some("h1"), Source::App).expect("begins");
    let mut feedback = Vec::new();
    // z loops back to s1, so this visits s1 twice; the first visit times out.
    feedback.push(session.timeout(Duration::from_secs(20)).expect("times out"));
    rec.sync(&store, &session).expect("syncs");
    for id in ["a", "z", "b", "x"] {
        feedback.push(
            session
                .choose(id, Duration::from_millis(500))
                .expect("chooses"),
        );
        rec.sync(&store, &session).expect("syncs");
    }
    let result = session.finish().expect("ended");
    rec.finish(&store, &result).expect("finishes");
    let detail = store
        .attempt(rec.attempt())
        .expect("reads")
        .expect("exists");
    assert!(detail.steps[0].entry.timed_out);
    assert_eq!(detail.steps[0].entry.chosen, "silent");
    let again = replay(&detail, scenario(), Some("h1")).expect("replays");
    assert_eq!(again.feedback, feedback);
    assert_eq!(
        again.result.as_ref().map(|r| &r.transcript),
        Some(&result.transcript)
    );
    assert_eq!(again.same_content, Some(true));
    let other = replay(&detail, scenario(), Some("h2")).expect("replays");
    assert_eq!(other.same_content, Some(false));
}

#[test]
fn steps_are_idempotent_in_order_and_closed_attempts_take_no_more() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(dir.path());
    let r = played(&["b", "x"], 1);
    let id = store.begin_attempt(&start("carol", &r)).expect("begins");
    assert!(matches!(
        store.record_step(&id, 1, &r.transcript[1]),
        Err(RecordsError::StepGap {
            recorded: 0,
            got: 1,
            ..
        })
    ));
    store.record_step(&id, 0, &r.transcript[0]).expect("step 0");
    store
        .record_step(&id, 0, &r.transcript[0])
        .expect("step 0 again is a no-op");
    assert_eq!(
        store
            .attempt(&id)
            .expect("reads")
            .expect("exists")
            .steps
            .len(),
        1
    );
    // finish_attempt records the missing step 1 itself.
    store.finish_attempt(&id, &r).expect("finishes");
    let d = store.attempt(&id).expect("reads").expect("exists");
    assert_eq!(d.steps.len(), 2);
    assert!(matches!(
        store.record_step(&id, 2, &r.transcript[1]),
        Err(RecordsError::AttemptClosed { .. })
    ));
    assert!(matches!(
        store.finish_attempt(&id, &r),
        Err(RecordsError::AttemptClosed { .. })
    ));
    let unknown = courtesy::core::records::AttemptId::new_random();
    assert!(matches!(
        store.record_step(&unknown, 0, &r.transcript[0]),
        Err(RecordsError::UnknownAttempt(_))
    ));
    let mut wrong = r.clone();
    wrong.scenario = "another".to_string();
    let id2 = store.begin_attempt(&start("carol", &r)).expect("begins");
    assert!(matches!(
        store.finish_attempt(&id2, &wrong),
        Err(RecordsError::ScenarioMismatch { .. })
    ));
    store.abandon_attempt(&id2).expect("abandons");
    let d2 = store.attempt(&id2).expect("reads").expect("exists");
    assert_eq!(d2.summary.status, AttemptStatus::Abandoned);
    assert!(matches!(
        store.record_step(&id2, 0, &r.transcript[0]),
        Err(RecordsError::AttemptClosed { .. })
    ));
}

#[test]
fn bad_trainee_ids_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(dir.path());
    let r = played(&["b", "x"], 1);
    for bad in ["", "   ", "tab\there", "line\nbreak", &"x".repeat(101)] {
        assert!(
            matches!(
                store.begin_attempt(&start(bad, &r)),
                Err(RecordsError::InvalidTrainee { .. })
            ),
            "{bad:?}"
        );
    }
    store
        .begin_attempt(&start("王小明 (staff 0042)", &r))
        .expect("any printable text is a fine id");
}

/// alice: b,x on day 1 (66.67, passed), a,x on day 2 (91.67, passed).
/// bob:   c on day 1 (33.33, customer left; self-discipline not assessed), and an attempt
///        started on day 3 that answered s1 with b and was never finished (long ago, so
///        it shows as abandoned).
fn fill(store: &Store) -> i64 {
    let day1 = parse_date("2026-03-02").expect("date");
    let bx = played(&["b", "x"], 11);
    let ax = played(&["a", "x"], 12);
    let c = played(&["c"], 13);
    let unfinished = played(&["b", "x"], 14);
    let (s_bx, s_ax) = (start("alice", &bx), start("alice", &ax));
    let (s_c, s_u) = (start("bob", &c), start("bob", &unfinished));
    store
        .import_attempts(&[
            ImportedAttempt {
                start: &s_bx,
                started_ms: day1 + 1000,
                transcript: &[],
                finished: Some((day1 + 60_000, &bx)),
            },
            ImportedAttempt {
                start: &s_ax,
                started_ms: day1 + DAY_MS,
                transcript: &[],
                finished: Some((day1 + DAY_MS + 60_000, &ax)),
            },
            ImportedAttempt {
                start: &s_c,
                started_ms: day1 + 5000,
                transcript: &[],
                finished: Some((day1 + 50_000, &c)),
            },
            ImportedAttempt {
                start: &s_u,
                started_ms: day1 + 2 * DAY_MS,
                transcript: &unfinished.transcript[..1],
                finished: None,
            },
        ])
        .expect("imports");
    day1
}

#[test]
fn cohort_averages_are_the_hand_computed_means() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(dir.path());
    fill(&store);
    let c = store.cohort_averages(&Filter::all()).expect("cohort");
    assert_eq!(
        (c.attempts, c.finished, c.abandoned, c.passed, c.trainees),
        (4, 3, 1, 2, 2)
    );
    // overall: (400/6 + 550/6 + 100/3) / 3
    assert!(close(
        c.overall.unwrap_or(0.0),
        (400.0 / 6.0 + 550.0 / 6.0 + 100.0 / 3.0) / 3.0
    ));
    let p = |k| c.principles.get(&k).map(|a| (a.mean, a.attempts));
    let (respect, n) = p(Principle::Respect).expect("respect");
    assert!(close(respect, 50.0) && n == 3, "{respect} {n}"); // 50, 100, 0
    let (moderation, _) = p(Principle::Moderation).expect("moderation");
    assert!(close(moderation, 50.0)); // 0, 50, 100
    let (sd, n) = p(Principle::SelfDiscipline).expect("self-discipline");
    assert!(close(sd, 100.0) && n == 2); // not assessed on bob's short path
    assert!(p(Principle::Compliance).is_none());
}

#[test]
fn the_trainee_table_has_first_last_best_improvement_and_weakest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(dir.path());
    fill(&store);
    let t = store.trainee_table(&Filter::all()).expect("table");
    assert_eq!(t.len(), 2);
    let alice = &t[0];
    assert_eq!(alice.trainee, "alice");
    assert_eq!(
        (
            alice.attempts,
            alice.finished,
            alice.abandoned,
            alice.passed
        ),
        (2, 2, 0, 2)
    );
    assert!(close(alice.first_overall.unwrap_or(0.0), 400.0 / 6.0));
    assert!(close(alice.last_overall.unwrap_or(0.0), 550.0 / 6.0));
    assert!(close(alice.best_overall.unwrap_or(0.0), 550.0 / 6.0));
    assert!(close(alice.improvement.unwrap_or(0.0), 25.0));
    // means: respect (50+100)/2 = 75, moderation (0+50)/2 = 25, self-discipline 100.
    assert_eq!(alice.weakest, Some(Principle::Moderation));
    assert!(close(alice.principles[&Principle::Moderation], 25.0));
    let bob = &t[1];
    assert_eq!(
        (bob.attempts, bob.finished, bob.abandoned, bob.passed),
        (2, 1, 1, 0)
    );
    assert_eq!(
        bob.improvement, None,
        "one finished attempt: nothing to compare"
    );
    assert_eq!(bob.weakest, Some(Principle::Respect));
}

#[test]
fn filters_narrow_every_aggregate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(dir.path());
    let day1 = fill(&store);
    let day2 = Filter::all().since_date("2026-03-03").expect("date");
    assert_eq!(day2.since_ms, Some(day1 + DAY_MS));
    let c = store.cohort_averages(&day2).expect("cohort");
    assert_eq!((c.attempts, c.finished), (2, 1)); // alice's a,x and bob's unfinished
    let only_day1 = Filter::all().until_date("2026-03-02").expect("date");
    assert_eq!(
        store.cohort_averages(&only_day1).expect("cohort").attempts,
        2
    );
    let bob = Filter::for_trainee("bob");
    assert_eq!(store.trainee_table(&bob).expect("table").len(), 1);
    assert_eq!(store.trend(&bob).expect("trend").len(), 1);
    let none = Filter::all().scenario("no-such-scenario");
    assert_eq!(store.cohort_averages(&none).expect("cohort").attempts, 0);
    assert!(store.trainee_table(&none).expect("table").is_empty());
    assert!(store.reply_choices(&none).expect("choices").is_empty());
    assert_eq!(
        store.scenario_ids(&Filter::all()).expect("ids"),
        vec!["scoring-case".to_string()]
    );
    assert_eq!(
        store.trainee_ids(&only_day1).expect("ids"),
        vec!["alice".to_string(), "bob".to_string()]
    );
    assert!(matches!(
        Filter::all().since_date("03/02/2026"),
        Err(RecordsError::BadDate { .. })
    ));
}

#[test]
fn the_trend_is_per_trainee_in_finishing_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(dir.path());
    let day1 = fill(&store);
    let trend = store.trend(&Filter::all()).expect("trend");
    assert_eq!(trend.len(), 2);
    assert_eq!(trend[0].trainee, "alice");
    let pts: Vec<(i64, f64)> = trend[0]
        .points
        .iter()
        .map(|p| (p.finished_ms, p.overall))
        .collect();
    assert_eq!(pts.len(), 2);
    assert_eq!(pts[0].0, day1 + 60_000);
    assert!(close(pts[1].1, 550.0 / 6.0));
    assert!(trend[0].points.iter().all(|p| p.passed));
    assert_eq!(
        trend[1].points.len(),
        1,
        "bob's unfinished attempt is not on the chart"
    );
}

#[test]
fn reply_choices_count_every_answered_step_and_rank_poor_choices() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(dir.path());
    fill(&store);
    let choices = store.reply_choices(&Filter::all()).expect("choices");
    let s1: Vec<(&str, u64, u64, bool)> = choices
        .iter()
        .filter(|c| c.step_id == "s1")
        .map(|c| (c.reply_id.as_str(), c.chosen, c.visits, c.is_best))
        .collect();
    // s1 was answered 4 times: b (alice, bob's unfinished), a, c. a is the best reply.
    assert_eq!(
        s1,
        vec![("b", 2, 4, false), ("a", 1, 4, true), ("c", 1, 4, false)]
    );
    let b = choices.iter().find(|c| c.reply_id == "b").expect("b");
    assert!(close(b.share, 0.5));
    assert!(close(b.rating_total, -1.0)); // 0 − 1 + 0
    let x = choices.iter().find(|c| c.reply_id == "x").expect("x");
    assert_eq!((x.chosen, x.visits, x.is_best), (2, 2, true));
    let poor = store.poor_choices(&Filter::all(), 10).expect("poor");
    let order: Vec<&str> = poor.iter().map(|c| c.reply_id.as_str()).collect();
    assert_eq!(order, vec!["b", "c"]);
    assert_eq!(
        store.poor_choices(&Filter::all(), 1).expect("poor").len(),
        1
    );
}

#[test]
fn a_trainee_sees_their_own_history_and_best_per_scenario() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(dir.path());
    fill(&store);
    let h = store.trainee_history("alice", 10).expect("history");
    assert_eq!(h.len(), 2);
    assert!(h.iter().all(|a| a.trainee == "alice"));
    assert!(h[0].started_ms > h[1].started_ms, "newest first");
    let bests = store.trainee_bests("alice").expect("bests");
    assert_eq!(bests.len(), 1);
    assert_eq!(
        (bests[0].attempts, bests[0].finished, bests[0].passed),
        (2, 2, true)
    );
    assert!(close(bests[0].best_overall.unwrap_or(0.0), 550.0 / 6.0));
    assert_eq!(bests[0].best_attempt, Some(h[0].id));
    let bob = store.trainee_bests("bob").expect("bests");
    assert_eq!(
        (bob[0].attempts, bob[0].finished, bob[0].passed),
        (2, 1, false)
    );
    let bob_history = store.trainee_history("bob", 10).expect("history");
    assert_eq!(bob_history[0].status, AttemptStatus::Abandoned);
    assert_eq!(bob_history[0].steps, 1);
    assert!(store.trainee_bests("nobody").expect("bests").is_empty());
}

#[test]
fn the_manager_password_is_an_argon2id_hash_set_once_and_changed_with_the_old_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(dir.path());
    assert!(!store.has_manager_password().expect("reads"));
    assert!(matches!(
        store.verify_manager_password("anything"),
        Err(RecordsError::NoManagerPassword)
    ));
    assert!(matches!(
        store.set_manager_password("short"),
        Err(RecordsError::PasswordTooShort { min: 8 })
    ));
    store.set_manager_password("correct horse").expect("sets");
    assert!(store.has_manager_password().expect("reads"));
    assert!(matches!(
        store.set_manager_password("another one"),
        Err(RecordsError::PasswordAlreadySet)
    ));
    assert!(
        store
            .verify_manager_password("correct horse")
            .expect("verifies")
    );
    assert!(
        !store
            .verify_manager_password("correct horsE")
            .expect("verifies")
    );
    let raw = rusqlite::Connection::open(store.path()).expect("raw open");
    let phc: String = raw
        .query_row(
            "SELECT value FROM meta WHERE key = 'manager_password'",
            [],
            |r| r.get(0),
        )
        .expect("stored");
    assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
    assert!(!phc.contains("correct horse"));
    assert!(matches!(
        store.change_manager_password("wrong password", "battery staple"),
        Err(RecordsError::WrongPassword)
    ));
    store
        .change_manager_password("correct horse", "battery staple")
        .expect("changes");
    assert!(
        store
            .verify_manager_password("battery staple")
            .expect("verifies")
    );
    assert!(
        !store
            .verify_manager_password("correct horse")
            .expect("verifies")
    );
    // The gate opens on the right password only, and locks after inactivity.
    let mut gate = ManagerGate::new(Duration::from_secs(60));
    let t0 = Instant::now();
    assert!(!gate.unlock(&store, "nope nope", t0).expect("checks"));
    assert!(!gate.is_unlocked(t0));
    assert!(gate.unlock(&store, "battery staple", t0).expect("checks"));
    assert!(gate.touch(t0 + Duration::from_secs(50)));
    assert!(
        gate.is_unlocked(t0 + Duration::from_secs(100)),
        "activity extends it"
    );
    assert!(!gate.is_unlocked(t0 + Duration::from_secs(111)));
    assert!(
        !gate.touch(t0 + Duration::from_secs(112)),
        "locked stays locked"
    );
}

#[test]
fn the_store_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Store>();
    shared::<Recorder>();
    shared::<ManagerGate>();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(new_store(dir.path()));
    let r = played(&["b", "x"], 1);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = Arc::clone(&store);
            let r = r.clone();
            std::thread::spawn(move || {
                let id = store
                    .begin_attempt(&start(&format!("thread-{t}"), &r))
                    .expect("begins");
                for (i, e) in r.transcript.iter().enumerate() {
                    store.record_step(&id, i, e).expect("records");
                }
                store.finish_attempt(&id, &r).expect("finishes");
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    assert_eq!(
        store
            .cohort_averages(&Filter::all())
            .expect("cohort")
            .finished,
        4
    );
}
