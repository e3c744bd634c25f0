//! Delivered statements pruned after a sync: `courtesy export --xapi --all` gives back, byte for byte, what a (fake) LRS received; migration of a schema-2 store; retention; tampering detected; the file shrinks.

use courtesy::core::load::parse_str;
use courtesy::core::lrs::{LrsClient, LrsConfig, sync_pending};
use courtesy::core::model::Scenario;
use courtesy::core::records::time::DAY_MS;
use courtesy::core::records::{
    AttemptStart, ImportedAttempt, MIGRATIONS, OutboxSelect, PruneReport, Reclaim, RecordsError,
    Source, Store, record_played,
};
use courtesy::core::session::AttemptResult;
use courtesy::core::strategy::{Strategy, play};
use courtesy::core::xapi::StatementIdentity;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

fn scenario(name: &str) -> Arc<Scenario> {
    let path = format!("{}/scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(path).expect("scenario readable");
    Arc::new(parse_str(&src).expect("scenario parses"))
}

fn played(sc: &Arc<Scenario>, strategy: Strategy, seed: u64, locale: &str) -> AttemptResult {
    let mut r = play(sc.clone(), seed, locale, &strategy).expect("plays");
    r.content_hash = Some(format!("{seed:064x}"));
    r
}

/// A minimal LRS on 127.0.0.1: stores every POSTed body as received and answers 200 with
/// the statement ids, as an LRS does.
struct FakeLrs {
    port: u16,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl FakeLrs {
    fn start() -> FakeLrs {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
        let port = listener.local_addr().expect("addr").port();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let b = bodies.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut reader = BufReader::new(conn.try_clone().expect("clone"));
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("content-length")
                    {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let body = String::from_utf8(body).expect("utf-8 body");
                let value: serde_json::Value = serde_json::from_str(&body).expect("JSON body");
                let ids: Vec<serde_json::Value> = match &value {
                    serde_json::Value::Array(a) => a.iter().map(|s| s["id"].clone()).collect(),
                    s => vec![s["id"].clone()],
                };
                b.lock().expect("lock").push(body);
                let answer = serde_json::Value::Array(ids).to_string();
                let _ = write!(
                    conn,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        FakeLrs { port, bodies }
    }

    fn config(&self, batch_size: usize, keep_sent_days: u32) -> LrsConfig {
        LrsConfig::parse(
            &format!(
                r#"(endpoint: "http://127.0.0.1:{}/xAPI/", key: "room", secret: "s3cret", batch_size: {batch_size}, keep_sent_days: {keep_sent_days})"#,
                self.port
            ),
            Path::new("lrs.ron"),
        )
        .expect("config parses")
    }

    fn received(&self) -> Vec<String> {
        self.bodies.lock().expect("lock").clone()
    }
}

fn sync(store: &Store, config: &LrsConfig) {
    store.set_keep_sent_days(config.keep_sent_days);
    let pass = sync_pending(
        store,
        &LrsClient::new(config),
        config.batch_size,
        &AtomicBool::new(false),
        |_, _| {},
    )
    .expect("syncs");
    assert!(pass.error.is_none(), "{:?}", pass.error);
}

/// The manager password the exports give (reading the room's records needs it).
const MANAGER_PASSWORD: &str = "prune-test-password";

/// `courtesy export` as the manager: sets the password on the store if it has none.
fn export_command(data: &Path) -> Command {
    let store = Store::open(&data.join("records.sqlite3")).expect("store opens");
    if !store.has_manager_password().expect("reads") {
        store
            .set_manager_password(MANAGER_PASSWORD)
            .expect("sets the password");
    }
    drop(store);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_courtesy"));
    cmd.args(["export", "--xapi", "-", "--all", "--data-dir"])
        .arg(data)
        .env("COURTESY_MANAGER_PASSWORD", MANAGER_PASSWORD);
    cmd
}

fn export_all(data: &Path) -> String {
    let out = export_command(data)
        .env_remove("COURTESY_LRS_CONFIG")
        .env_remove("COURTESY_DATA_DIR")
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// What `courtesy export --xapi` writes for these statements.
fn export_body(statements: &[String]) -> String {
    let mut body = String::from("[");
    for (n, s) in statements.iter().enumerate() {
        body.push_str(if n == 0 { "\n" } else { ",\n" });
        body.push_str(s);
    }
    body.push_str("\n]\n");
    body
}

fn raw(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("raw open")
}

fn count(path: &Path, sql: &str) -> i64 {
    raw(path).query_row(sql, [], |r| r.get(0)).expect("counts")
}

/// Makes every delivered statement in the store at `path` `by_ms` older, then prunes.
fn aged_and_pruned(store: &Store, path: &Path, by_ms: i64) -> PruneReport {
    raw(path)
        .execute_batch(&format!("UPDATE outbox SET sent_ms = sent_ms - {by_ms}"))
        .expect("ages");
    store.prune_sent().expect("prunes")
}

/// Records attempts of every kind: played with the scenario at hand (texts, both
/// locales), a critical reply, steps recorded without the scenario, an unfinished
/// attempt, imported ones, and a change of identity half-way.
fn record_everything(store: &Store) -> usize {
    let angry = scenario("angry-customer");
    let parcel = scenario("lost-parcel");
    let mut criticals = 0;
    for (n, (sc, locale)) in [
        (&angry, "en"),
        (&angry, "zh-CN"),
        (&parcel, "en"),
        (&parcel, "zh-CN"),
    ]
    .into_iter()
    .enumerate()
    {
        for (k, strategy) in [Strategy::Best, Strategy::Worst, Strategy::Random]
            .into_iter()
            .enumerate()
        {
            let r = played(sc, strategy, (n * 10 + k) as u64, locale);
            criticals += r.critical.len();
            record_played(store, &format!("t{n}"), Source::Cli, sc.clone(), &r, |_| {})
                .expect("records");
        }
        if n == 1 {
            store.set_statement_identity(StatementIdentity {
                home_page: "https://sso.example.com/".into(),
                base_iri: "https://example.com/xapi/".into(),
            });
        }
    }
    // And attempts that chose a critical reply (the critical-replies extension).
    for seed in 0..200u64 {
        if criticals >= 2 {
            break;
        }
        let r = played(&parcel, Strategy::Random, 1000 + seed, "en");
        if !r.critical.is_empty() {
            criticals += r.critical.len();
            record_played(store, "crit", Source::Cli, parcel.clone(), &r, |_| {}).expect("records");
        }
    }
    // (Whether one was found is not asserted: lost-parcel's random players may avoid them.)
    let _ = criticals;
    // Without the scenario: the customer's line and the offered ids.
    let r = played(&angry, Strategy::Random, 99, "en");
    let start = AttemptStart::for_result("bare", &r, None, Source::App);
    let id = store.begin_attempt(&start).expect("begins");
    for (i, e) in r.transcript.iter().enumerate() {
        store.record_step(&id, i, e).expect("step");
    }
    store.finish_attempt(&id, &r).expect("finishes");
    // Unfinished.
    let open = store.begin_attempt(&start).expect("begins");
    store.record_step(&open, 0, &r.transcript[0]).expect("step");
    // Imported.
    let r2 = played(&parcel, Strategy::Worst, 5, "zh-CN");
    let start2 = AttemptStart::for_result("imp", &r2, Some("feed"), Source::Import);
    store
        .import_attempts(&[
            ImportedAttempt {
                start: &start,
                started_ms: 1_700_000_000_000,
                transcript: &[],
                finished: Some((1_700_000_300_000, &r)),
            },
            ImportedAttempt {
                start: &start2,
                started_ms: 1_700_000_000_000,
                transcript: &r2.transcript[..2],
                finished: None,
            },
        ])
        .expect("imports");
    store
        .outbox_items(OutboxSelect::All, None)
        .expect("reads")
        .len()
}

/// Every outbox statement's text, in outbox order.
fn statements(store: &Store) -> Vec<String> {
    store
        .outbox_items(OutboxSelect::All, None)
        .expect("reads")
        .into_iter()
        .map(|i| i.statement)
        .collect()
}
#[test]
fn export_all_after_a_sync_is_byte_for_byte_what_the_lrs_received() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("records.sqlite3");
    let store = Store::open(&path).expect("opens");
    let n = record_everything(&store);
    let before: Vec<String> = statements(&store);
    let lrs = FakeLrs::start();
    // One statement per POST: each body is exactly one statement as sent.
    sync(&store, &lrs.config(1, 0));
    let received = lrs.received();
    assert_eq!(received.len(), n);
    assert_eq!(received, before, "the LRS received the outbox as it was");
    assert_eq!(
        count(&path, "SELECT count(*) FROM outbox WHERE statement <> ''"),
        0,
        "every delivered statement was pruned"
    );
    assert_eq!(
        count(
            &path,
            "SELECT count(*) FROM outbox WHERE parts_id IS NOT NULL"
        ),
        n as i64
    );
    let parts = count(&path, "SELECT count(*) FROM statement_parts");
    assert!(
        parts < n as i64,
        "parts are deduplicated: {parts} rows for {n} statements"
    );
    assert_eq!(
        export_all(dir.path()),
        export_body(&received),
        "courtesy export --xapi --all gives back what was sent, byte for byte"
    );
    // Nothing pending: the default export is empty; the app's own reading is rebuilt too.
    let after: Vec<String> = statements(&store);
    assert_eq!(after, received);
}

#[test]
fn batched_delivery_prunes_too_and_a_second_sync_sends_nothing_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("records.sqlite3");
    let store = Store::open(&path).expect("opens");
    record_everything(&store);
    let before = store.outbox_items(OutboxSelect::All, None).expect("reads");
    let lrs = FakeLrs::start();
    let config = lrs.config(7, 0);
    sync(&store, &config);
    let posts = lrs.received().len();
    // The LRS got JSON arrays: each is the statements joined by ','.
    let sent: String = lrs
        .received()
        .iter()
        .map(|b| b.trim_start_matches('[').trim_end_matches(']').to_string())
        .collect::<Vec<_>>()
        .join(",");
    let expected: String = before
        .iter()
        .map(|i| i.statement.as_str())
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(sent, expected);
    assert_eq!(
        count(&path, "SELECT count(*) FROM outbox WHERE statement <> ''"),
        0
    );
    sync(&store, &config);
    assert_eq!(
        lrs.received().len(),
        posts,
        "pruned statements are not resent"
    );
    let statements: Vec<String> = before.into_iter().map(|i| i.statement).collect();
    assert_eq!(export_all(dir.path()), export_body(&statements));
}

#[test]
fn statements_are_kept_whole_for_the_configured_days() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("records.sqlite3");
    let store = Store::open(&path).expect("opens");
    let n = record_everything(&store) as i64;
    let before: Vec<String> = statements(&store);
    let lrs = FakeLrs::start();
    sync(&store, &lrs.config(50, 3));
    assert_eq!(
        count(
            &path,
            "SELECT count(*) FROM outbox WHERE status = 'sent' AND statement <> ''"
        ),
        n,
        "within the retention every delivered statement keeps its JSON"
    );
    // Two days later: still kept.
    let report = aged_and_pruned(&store, &path, 2 * DAY_MS);
    assert_eq!(report.pruned, 0);
    // Past three days: pruned.
    let report = aged_and_pruned(&store, &path, 2 * DAY_MS);
    assert_eq!(report.pruned as i64, n);
    assert_eq!(report.kept_whole, 0);
    assert_eq!(export_all(dir.path()), export_body(&before));
    // The setting is checked when read.
    let e = LrsConfig::parse(
        r#"(endpoint: "http://127.0.0.1:9/", key: "k", secret: "s", keep_sent_days: 40000)"#,
        Path::new("lrs.ron"),
    )
    .expect_err("out of range");
    assert!(e.to_string().contains("keep_sent_days"), "{e}");
}

#[test]
fn a_changed_record_is_refused_rather_than_rebuilt_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("records.sqlite3");
    let store = Store::open(&path).expect("opens");
    record_everything(&store);
    let lrs = FakeLrs::start();
    sync(&store, &lrs.config(50, 0));
    raw(&path)
        .execute_batch(
            "UPDATE steps SET response_ms = response_ms + 1 WHERE attempt_id = 1 AND idx = 0",
        )
        .expect("edits a step by hand");
    match store.outbox_items(OutboxSelect::All, None) {
        Err(RecordsError::Unrebuildable { detail, .. }) => {
            assert!(detail.contains("SHA-256"), "{detail}")
        }
        other => panic!("expected Unrebuildable, got {other:?}"),
    }
    let out = export_command(dir.path()).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot give back delivered statement"),
        "{err}"
    );
}

#[test]
fn pruning_gives_the_space_back_to_the_file_system() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("records.sqlite3");
    let store = Store::open(&path).expect("opens");
    assert_eq!(
        count(&path, "PRAGMA auto_vacuum"),
        2,
        "new stores are INCREMENTAL"
    );
    let sc = scenario("angry-customer");
    let results: Vec<AttemptResult> = (0..400)
        .map(|s| played(&sc, Strategy::Random, s, "en"))
        .collect();
    let starts: Vec<AttemptStart> = results
        .iter()
        .map(|r| AttemptStart::for_result("bulk", r, None, Source::Import))
        .collect();
    let batch: Vec<ImportedAttempt<'_>> = results
        .iter()
        .zip(&starts)
        .map(|(r, s)| ImportedAttempt {
            start: s,
            started_ms: 1_700_000_000_000,
            transcript: &[],
            finished: Some((1_700_000_100_000, r)),
        })
        .collect();
    store.import_attempts(&batch).expect("imports");
    raw(&path)
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("checkpoint");
    let items = store.outbox_items(OutboxSelect::All, None).expect("reads");
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    store.outbox_mark_sent(&ids).expect("marks");
    let report = store.prune_sent().expect("prunes");
    assert_eq!(report.pruned, items.len());
    assert_eq!(report.reclaim, Reclaim::Incremental);
    let after = std::fs::metadata(&path).expect("file").len();
    assert!(
        after * 2 < report.file_bytes_before,
        "the file shrank: {} → {after} bytes",
        report.file_bytes_before
    );
    assert_eq!(count(&path, "PRAGMA freelist_count"), 0);
    let wal = std::fs::metadata(dir.path().join("records.sqlite3-wal")).map_or(0, |m| m.len());
    assert!(wal < after, "the -wal file was truncated too ({wal} bytes)");
    assert!(store.integrity_check().expect("checks").is_empty());
}

/// A store as schema version 2 left it: migrations 1–2 only, `auto_vacuum` NONE, filled
/// with the rows (and statements) recorded by `from`.
fn schema_2_copy(from: &Path, to: &Path) {
    let c = raw(to);
    c.execute_batch(&format!(
        "BEGIN; {} {} PRAGMA application_id = 1129469011; PRAGMA user_version = 2; COMMIT;",
        MIGRATIONS[0], MIGRATIONS[1]
    ))
    .expect("schema 2");
    c.execute_batch(&format!(
        "ATTACH '{}' AS v3;
         INSERT INTO meta SELECT * FROM v3.meta;
         INSERT INTO trainees SELECT * FROM v3.trainees;
         INSERT INTO attempts SELECT id, uuid, trainee, scenario, content_hash, seed, locale,
             source, app_version, status, started_ms, last_ms, steps, finished_ms, ending,
             outcome, passed, overall, final_mood, respect, moderation, self_discipline,
             compliance, not_assessed, below_floor FROM v3.attempts;
         INSERT INTO steps SELECT * FROM v3.steps;
         INSERT INTO outbox SELECT seq, id, attempt_id, step_idx, verb, statement, status, created_ms,
             tries, last_try_ms, sent_ms, reason FROM v3.outbox;
         DETACH v3;",
        from.display()
    ))
    .expect("copies the rows");
}

#[test]
fn a_schema_2_store_is_migrated_pruned_and_vacuumed_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("src.sqlite3");
    {
        let store = Store::open(&src).expect("opens");
        // Schema 2 had no stations: its statements carry none.
        store.set_station(None);
        record_everything(&store);
    }
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    let path = data.join("records.sqlite3");
    schema_2_copy(&src, &path);
    // One statement in a shape this build does not write (an older Courtesy's, before
    // the critical-replies extension): it must be kept whole.
    raw(&path)
        .execute_batch(
            "UPDATE outbox SET statement = json_remove(statement, \
             '$.result.extensions.\"https://w3id.org/courtesy/xapi/extensions/critical-replies\"') \
             WHERE seq = (SELECT min(seq) FROM outbox WHERE verb = 'completed')",
        )
        .expect("an older statement");
    let before: Vec<String> = {
        let c = raw(&path);
        let mut st = c
            .prepare("SELECT statement FROM outbox ORDER BY seq")
            .expect("prepares");
        st.query_map([], |r| r.get(0))
            .expect("reads")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(count(&path, "PRAGMA user_version"), 2);
    assert_eq!(count(&path, "PRAGMA auto_vacuum"), 0);

    let store = Store::open(&path).expect("migrates");
    assert_eq!(
        store.schema_version().expect("version"),
        courtesy::core::records::schema_version()
    );
    assert_eq!(count(&path, "SELECT count(*) FROM statement_parts"), 0);
    let lrs = FakeLrs::start();
    let config = lrs.config(20, 0);
    store.set_keep_sent_days(0);
    let pass = sync_pending(
        &store,
        &LrsClient::new(&config),
        20,
        &AtomicBool::new(false),
        |_, _| {},
    )
    .expect("syncs");
    assert_eq!(pass.sent, before.len());
    assert_eq!(
        count(&path, "PRAGMA auto_vacuum"),
        2,
        "the first prune switched it to INCREMENTAL (one VACUUM)"
    );
    assert_eq!(
        count(
            &path,
            "SELECT count(*) FROM outbox WHERE statement <> '' AND digest IS NOT NULL AND parts_id IS NULL"
        ),
        1,
        "the statement in an older shape is kept whole"
    );
    assert_eq!(
        count(&path, "SELECT count(*) FROM outbox WHERE statement = ''"),
        before.len() as i64 - 1
    );
    assert_eq!(export_all(&data), export_body(&before));
    // A second prune has nothing left to examine.
    let again = store.prune_sent().expect("prunes");
    assert_eq!((again.examined, again.reclaim), (0, Reclaim::None));
    assert!(store.integrity_check().expect("checks").is_empty());
}

/// Statements built from fixed inputs, one per line: the bytes the builders must keep
/// writing for the same inputs (pruned statements are rebuilt by them).
fn golden_statements() -> String {
    use courtesy::core::xapi::{self, AttemptContext};
    use std::time::Duration;
    // A frozen copy of lost-parcel (as the golden lines were written from it), so that
    // editing the shipped scenario does not change the expected bytes.
    let src = include_str!("fixtures/xapi-golden-lost-parcel.ron");
    let sc = Arc::new(parse_str(src).expect("golden scenario parses"));
    let mut out = String::new();
    for (seed, locale, with_scenario) in [(3u64, "zh-CN", true), (4, "en", true), (5, "en", false)]
    {
        for strategy in [
            courtesy::core::strategy::Strategy::Worst,
            courtesy::core::strategy::Strategy::Best,
        ] {
            let r =
                courtesy::core::strategy::play(sc.clone(), seed, locale, &strategy).expect("plays");
            let c = AttemptContext {
                home_page: "https://sso.example.com/",
                base_iri: "https://example.com/xapi/",
                trainee: "golden \"trainee\" 金",
                registration: uuid::Uuid::from_u128(
                    0x1b4e28ba_2fa1_41d2_883f_0016d3cca427 + u128::from(seed),
                ),
                scenario_id: &sc.id,
                scenario: with_scenario.then_some(&*sc),
                content_hash: with_scenario.then_some("c0ffee"),
                seed: u64::MAX - seed,
                locale,
                station: None,
            };
            for (i, e) in r.transcript.iter().enumerate() {
                let id = uuid::Uuid::from_u128(u128::from(seed) << 64 | i as u128);
                out.push_str(
                    &xapi::answered(&c, id, i, e, 1_795_000_000_000 + i as i64 * 1234).to_string(),
                );
                out.push('\n');
            }
            let [a, b] = xapi::finished(
                &c,
                uuid::Uuid::from_u128(7),
                uuid::Uuid::from_u128(8),
                &r,
                1_795_000_999_999,
                Duration::from_millis(654_321),
            );
            out.push_str(&a.to_string());
            out.push('\n');
            out.push_str(&b.to_string());
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_builders_still_write_the_bytes_of_pruned_statements() {
    // Written by the builders as they were before pruning existed (and must stay): a
    // builder that writes other bytes for the same inputs would rebuild every pruned
    // statement differently. Change the output only with a new STATEMENT_FORMAT that
    // keeps the old builders for the statements pruned before.
    let want = include_str!("fixtures/xapi-golden.jsonl");
    let got = golden_statements();
    assert_eq!(got.lines().count(), want.lines().count());
    for (n, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "statement {n} differs");
    }
}

/// Marks every pending statement delivered (as a sync does after a 2xx) and prunes once,
/// so that one prune sees them all.
fn deliver_all_and_prune(store: &Store) {
    let ids: Vec<String> = store
        .outbox_pending(100_000)
        .expect("reads")
        .into_iter()
        .map(|i| i.id)
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    store.outbox_mark_sent(&ids).expect("marks sent");
    let report = store.prune_sent().expect("prunes");
    assert_eq!(report.pruned, ids.len(), "{report:?}");
}

/// A prune first tries the parts of the last statement of the same step shown the same
/// way; a statement those do not rebuild byte for byte (here: the same attempt recorded
/// again under another identity, then under the first one again) gets its own parts, and
/// every statement reads back as it was sent.
#[test]
fn the_same_step_under_another_identity_gets_its_own_parts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("records.sqlite3");
    let store = Store::open(&path).expect("opens");
    let angry = scenario("angry-customer");
    let r = played(&angry, Strategy::Random, 7, "en");
    record_played(&store, "t", Source::Cli, angry.clone(), &r, |_| {}).expect("records");
    deliver_all_and_prune(&store);
    let one = count(&path, "SELECT count(*) FROM statement_parts");
    assert!(one > 1, "{one} parts rows for one attempt");

    let other = StatementIdentity {
        home_page: "https://sso.example.com/".into(),
        base_iri: "https://example.com/xapi/".into(),
    };
    store.set_statement_identity(other);
    record_played(&store, "t", Source::Cli, angry.clone(), &r, |_| {}).expect("records");
    store.set_statement_identity(StatementIdentity::default());
    record_played(&store, "t", Source::Cli, angry.clone(), &r, |_| {}).expect("records");
    let sent = statements(&store);
    let n = sent.len();
    assert_eq!(
        sent.iter()
            .filter(|s| s.contains("sso.example.com"))
            .count(),
        n / 3,
        "the second attempt's statements carry the other identity"
    );
    // The third attempt's statements follow the second's with the same steps, variants
    // and reply order: their first guess is the other identity's parts, which is wrong.
    deliver_all_and_prune(&store);
    assert_eq!(
        count(&path, "SELECT count(*) FROM outbox WHERE statement <> ''"),
        0,
        "every delivered statement was pruned"
    );
    assert_eq!(
        count(&path, "SELECT count(*) FROM statement_parts"),
        2 * one,
        "one set of parts per identity: the first attempt's reused by the third"
    );
    assert_eq!(
        statements(&store),
        sent,
        "every statement reads back as sent"
    );
    assert_eq!(export_all(dir.path()), export_body(&sent));
}
