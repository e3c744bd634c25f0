//! The xAPI outbox without an LRS: statement shape, same-transaction atomicity, rebuilding the cohort from statements, `courtesy sync`/`export` offline.

mod support;
use support::cli::{MANAGER_PASSWORD, courtesy_as_manager as courtesy};

use courtesy::core::load::parse_str;
use courtesy::core::lrs::{cohort_store, rebuild_attempts};
use courtesy::core::model::Scenario;
use courtesy::core::records::{AttemptStart, Filter, OutboxSelect, Source, Store, record_played};
use courtesy::core::session::AttemptResult;
use courtesy::core::strategy::{Strategy, play};
use courtesy::core::xapi::{DEFAULT_HOME_PAGE, StatementIdentity, verbs};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/angry-customer.ron");

fn scenario() -> Arc<Scenario> {
    let src = std::fs::read_to_string(SCENARIO).expect("scenario readable");
    Arc::new(parse_str(&src).expect("scenario parses"))
}

fn played(strategy: Strategy, seed: u64) -> AttemptResult {
    let mut r = play(scenario(), seed, "en", &strategy).expect("plays");
    r.content_hash = Some("c0ffee".into());
    r
}

fn record(store: &Store, trainee: &str, r: &AttemptResult) -> String {
    let (id, _) =
        record_played(store, trainee, Source::Cli, scenario(), r, |_| {}).expect("records");
    id.to_string()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("statement is JSON")
}

fn ext<'a>(v: &'a Value, name: &str) -> &'a Value {
    let key = format!("https://w3id.org/courtesy/xapi/extensions/{name}");
    v.get(&key)
        .unwrap_or_else(|| panic!("no extension {name} in {v}"))
}

#[test]
fn every_step_and_result_writes_its_statements_with_the_documented_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("records.sqlite3")).expect("opens");
    let r = played(Strategy::Best, 7);
    let attempt = record(&store, " alice ", &r);
    let outbox = store.outbox_for_attempt(&attempt).expect("reads");
    assert_eq!(outbox.len(), r.transcript.len() + 2);
    let ids: HashSet<&str> = outbox.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids.len(), outbox.len(), "every statement has its own id");
    let sc = scenario();
    for (i, o) in outbox.iter().enumerate() {
        let st = json(&o.statement);
        assert_eq!(st["id"], o.id.as_str());
        assert_eq!(st["actor"]["account"]["homePage"], DEFAULT_HOME_PAGE);
        assert_eq!(st["actor"]["account"]["name"], "alice");
        assert_eq!(st["context"]["registration"], attempt.as_str());
        let cext = &st["context"]["extensions"];
        assert_eq!(ext(cext, "scenario-id"), sc.id.as_str());
        assert_eq!(ext(cext, "content-hash"), "c0ffee");
        assert_eq!(ext(cext, "seed"), "7");
        assert_eq!(ext(cext, "locale"), "en");
        assert!(st["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
        if let Some(e) = r.transcript.get(i) {
            assert_eq!(o.verb, "answered");
            assert_eq!(st["verb"]["id"], verbs::ANSWERED);
            let def = &st["object"]["definition"];
            assert_eq!(def["interactionType"], "choice");
            let step = sc.step(&e.step_id).expect("step");
            let choices = def["choices"].as_array().expect("choices");
            assert_eq!(choices.len(), step.replies.len());
            assert!(choices.iter().all(|c| c["description"]["en"].is_string()));
            assert!(choices.iter().any(|c| c["id"] == e.chosen.as_str()));
            assert_eq!(st["result"]["response"], e.chosen.as_str());
            assert!(
                st["result"]["duration"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("PT"))
            );
            let rext = &st["result"]["extensions"];
            for (p, v) in &e.ratings {
                assert_eq!(ext(rext, "ratings")[p.key()], *v);
            }
            assert_eq!(ext(rext, "mood-change"), e.mood_after - e.mood_before);
            assert_eq!(ext(rext, "step-index"), i);
        } else {
            let score = &st["result"]["score"];
            let scaled = score["scaled"].as_f64().expect("scaled");
            assert!((scaled - r.overall / 100.0).abs() < 1e-9);
            assert_eq!(st["result"]["success"], r.passed);
            let pext = ext(&st["result"]["extensions"], "principle-scores");
            for (p, v) in &r.principles {
                assert!((pext[p.key()].as_f64().expect("score") - v).abs() < 1e-9);
            }
            let want = if i == r.transcript.len() {
                verbs::COMPLETED
            } else if r.passed {
                verbs::PASSED
            } else {
                verbs::FAILED
            };
            assert_eq!(st["verb"]["id"], want);
            assert_eq!(st["object"]["definition"]["name"]["en"], sc.title.get("en"));
        }
    }
    // The identity from the configuration is fixed into statements created afterwards.
    store.set_statement_identity(StatementIdentity {
        home_page: "https://sso.example.com".into(),
        base_iri: "https://example.com/xapi".into(),
    });
    let b = record(&store, "bo", &played(Strategy::Worst, 8));
    let first = json(&store.outbox_for_attempt(&b).expect("reads")[0].statement);
    assert_eq!(
        first["actor"]["account"]["homePage"],
        "https://sso.example.com"
    );
    assert!(
        first["object"]["id"]
            .as_str()
            .is_some_and(|s| s.starts_with("https://example.com/xapi/scenarios/"))
    );
}

#[test]
fn a_statement_that_cannot_be_written_rolls_back_its_step_and_the_reverse() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("records.sqlite3");
    let store = Store::open(&path).expect("opens");
    let r = played(Strategy::Best, 3);
    let start = AttemptStart::for_result("cy", &r, None, Source::App);
    let id = store.begin_attempt(&start).expect("begins");
    let raw = rusqlite::Connection::open(&path).expect("raw");
    raw.execute_batch(
        "CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox refused'); END;",
    )
    .expect("trigger");
    let e = store
        .record_step(&id, 0, &r.transcript[0])
        .expect_err("the statement insert fails");
    assert!(e.to_string().contains("outbox refused"), "{e}");
    let d = store.attempt(&id).expect("reads").expect("exists");
    assert!(
        d.steps.is_empty(),
        "the step was rolled back with its statement"
    );
    assert!(store.finish_attempt(&id, &r).is_err());
    let d = store.attempt(&id).expect("reads").expect("exists");
    assert!(
        d.steps.is_empty() && d.summary.overall.is_none(),
        "the result was rolled back"
    );

    // And the reverse: a step that cannot be written leaves no statement.
    raw.execute_batch(
        "DROP TRIGGER refuse_outbox; CREATE TRIGGER refuse_steps BEFORE INSERT ON steps BEGIN SELECT RAISE(ABORT, 'steps refused'); END;",
    )
    .expect("trigger");
    assert!(store.record_step(&id, 0, &r.transcript[0]).is_err());
    assert_eq!(store.outbox_counts().expect("counts").pending, 0);
    raw.execute_batch("DROP TRIGGER refuse_steps;")
        .expect("drop");
    store
        .record_step(&id, 0, &r.transcript[0])
        .expect("records now");
    store
        .record_step(&id, 0, &r.transcript[0])
        .expect("a retried step is a no-op");
    store.finish_attempt(&id, &r).expect("finishes");
    let outbox = store.outbox_for_attempt(&id.to_string()).expect("reads");
    assert_eq!(
        outbox.len(),
        r.transcript.len() + 2,
        "no duplicate for the retried step"
    );
}

#[test]
fn statements_rebuild_the_same_cohort_aggregates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("records.sqlite3")).expect("opens");
    for (n, trainee) in ["ann", "ben", "cat", "ann", "ben", "ann"]
        .iter()
        .enumerate()
    {
        let strategy = [Strategy::Best, Strategy::Worst, Strategy::Random][n % 3].clone();
        record(&store, trainee, &played(strategy, 100 + n as u64));
    }
    // One unfinished attempt: answered statements only.
    let r = played(Strategy::Random, 55);
    let start = AttemptStart::for_result("dan", &r, Some("c0ffee"), Source::App);
    let open = store.begin_attempt(&start).expect("begins");
    store.record_step(&open, 0, &r.transcript[0]).expect("step");

    let statements: Vec<Value> = store
        .outbox_items(OutboxSelect::All, None)
        .expect("reads")
        .iter()
        .map(|o| json(&o.statement))
        .collect();
    let mut doubled = statements.clone();
    doubled.extend(statements.iter().take(5).cloned()); // duplicates count once
    let rebuilt = rebuild_attempts(&doubled);
    assert_eq!(rebuilt.statements, statements.len());
    assert_eq!(rebuilt.attempts.len(), 7);
    let cohort = cohort_store(&rebuilt).expect("scratch store");
    let remote = cohort.store().expect("store");
    let f = Filter::all();
    let j = |v: &dyn erased::Ser| rounded(&json(&v.json()));
    assert_eq!(
        j(&store.cohort_averages(&f).expect("a")),
        j(&remote.cohort_averages(&f).expect("b"))
    );
    assert_eq!(
        j(&store.trainee_table(&f).expect("a")),
        j(&remote.trainee_table(&f).expect("b"))
    );
    assert_eq!(
        j(&store.trend(&f).expect("a")),
        j(&remote.trend(&f).expect("b"))
    );
    assert_eq!(
        j(&store.reply_choices(&f).expect("a")),
        j(&remote.reply_choices(&f).expect("b"))
    );
    let ft = Filter::for_trainee("ann");
    assert_eq!(
        j(&store.cohort_averages(&ft).expect("a")),
        j(&remote.cohort_averages(&ft).expect("b"))
    );
}

/// Numbers rounded to 9 significant digits: the local store and the store rebuilt from
/// statements sum the same scores in a different order, which may change the last bit.
fn rounded(v: &Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => {
                serde_json::json!(format!("{f:.9e}"))
            }
            _ => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(rounded).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), rounded(x))).collect()),
        _ => v.clone(),
    }
}

mod erased {
    pub trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_string(self).expect("serialises")
        }
    }
}

fn run_attempt(data: &Path, trainee: &str, strategy: &str) {
    let (code, _, err) = courtesy(
        &[
            "run",
            SCENARIO,
            "--strategy",
            strategy,
            "--trainee",
            trainee,
        ],
        data,
    );
    assert!(code == 0 || code == 1, "run failed: {err}");
}

#[test]
fn offline_sync_says_no_lrs_and_export_writes_the_queue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    run_attempt(data, "eve", "best");
    run_attempt(data, "fay", "worst");
    let (code, _, err) = courtesy(&["sync"], data);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no LRS is configured"), "{err}");
    let (code, out, _) = courtesy(&["sync", "--status"], data);
    assert_eq!(code, 0);
    assert!(out.contains("not configured"), "{out}");

    let file = data.join("out.json");
    let f = file.to_str().expect("utf-8 path");
    let (code, _, err) = courtesy(&["export", "--xapi", f], data);
    assert_eq!(code, 2, "no manager password yet: refused");
    assert!(err.contains("no manager password is set"), "{err}");
    assert!(!file.exists());
    Store::open_existing(&data.join("records.sqlite3"))
        .and_then(|s| s.set_manager_password(MANAGER_PASSWORD))
        .expect("password");
    let (code, _, err) = courtesy(&["export", "--xapi", f], data);
    assert_eq!(code, 0, "{err}");
    let all: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&file).expect("written"))
        .expect("a JSON array");
    assert!(all.len() >= 6);
    assert!(
        all.iter()
            .all(|s| s["id"].is_string() && s["actor"]["account"]["name"].is_string())
    );
    let (code, _, _) = courtesy(&["export", "--xapi", f, "--mark-sent"], data);
    assert_eq!(code, 0);
    let (_, out, _) = courtesy(&["export", "--xapi", "-"], data);
    let none: Vec<Value> = serde_json::from_str(&out).expect("array");
    assert!(none.is_empty(), "exported statements were marked sent");
    let (_, out, _) = courtesy(&["export", "--xapi", "-", "--all"], data);
    let again: Vec<Value> = serde_json::from_str(&out).expect("array");
    assert_eq!(again.len(), all.len());
}

#[test]
fn an_unreachable_lrs_keeps_statements_pending_and_never_shows_the_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    run_attempt(data, "gus", "best");
    std::fs::write(
        data.join("lrs.ron"),
        r#"(endpoint: "http://127.0.0.1:9/xAPI/", key: "room", secret: "TOPSECRET-4711", timeout_secs: 2)"#,
    )
    .expect("config");
    let (code, out, err) = courtesy(&["sync", "--retries", "0"], data);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("could not send everything"), "{out}");
    let (code, status, err2) = courtesy(&["sync", "--status"], data);
    assert_eq!(code, 0);
    assert!(
        status.contains("last failure: could not reach the LRS"),
        "{status}"
    );
    assert!(!status.contains(" 0 pending"), "{status}");
    for text in [&out, &err, &status, &err2] {
        assert!(!text.contains("TOPSECRET"), "the secret leaked: {text}");
    }
}
