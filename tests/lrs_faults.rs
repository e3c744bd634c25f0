//! Against a misbehaving LRS (a fault-injecting HTTP server on 127.0.0.1 in the test): nothing counted delivered unless the LRS confirmed it, nothing sent or signed in anywhere but the endpoint's origin, bounded time.

mod support;

use courtesy::core::load::parse_str;
use courtesy::core::lrs::{LrsClient, LrsConfig, sync_pending};
use courtesy::core::model::Scenario;
use courtesy::core::records::{OutboxSelect, OutboxStatus, Source, Store, record_played};
use courtesy::core::strategy::{Strategy, play};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/angry-customer.ron");
/// `timeout_secs` in every test configuration.
const TIMEOUT_SECS: u64 = 2;
/// The longest one failing pass may take: one request's timeout plus slack for a loaded
/// machine.
const PASS_BOUND: Duration = Duration::from_secs(TIMEOUT_SECS + 4);
const KEY: &str = "room-3";
const SECRET: &str = "hunter22-secret";

/// What the fake LRS does with the requests it gets.
#[derive(Debug, Clone)]
enum Fault {
    /// A conforming LRS: stores statements, answers 200 with their ids, GETs them back.
    Good,
    /// Reads the request, never answers.
    Hang,
    /// Answers 200 with a long body, one byte every 100 ms.
    Trickle,
    /// Answers this status with this body (and Content-Type).
    Status(u16, &'static str, Vec<u8>),
    /// 200 with ids that are not the statements posted.
    WrongIds,
    /// Stores everything but lists only the first id posted.
    PartialIds,
    /// 409 to every POST, without holding the statements.
    ConflictLie,
    /// This redirect status with `Location` (a URL of the recorder).
    Redirect(u16, String),
    /// Headers promising 500 bytes, a few of them, then the connection closed.
    CloseMid,
    /// GETs answer a StatementResult whose `more` link is this URL.
    ForeignMore(String),
    /// Like Ralph 5: stores statements, lists only the ids it did not hold (204 when it
    /// held them all), answers `statementId` GETs with a StatementResult.
    OnlyNewIds,
}

#[derive(Debug, Clone)]
struct Req {
    method: String,
    target: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Req {
    fn authorization(&self) -> Option<&str> {
        self.headers.get("authorization").map(String::as_str)
    }
    /// The statement ids in a POST body.
    fn posted_ids(&self) -> Vec<String> {
        let v: Value = serde_json::from_slice(&self.body).unwrap_or(Value::Null);
        let list = match v {
            Value::Array(a) => a,
            v => vec![v],
        };
        list.iter()
            .filter_map(|s| s["id"].as_str().map(str::to_string))
            .collect()
    }
}

struct FakeLrs {
    addr: SocketAddr,
    fault: Arc<Mutex<Fault>>,
    requests: Arc<Mutex<Vec<Req>>>,
    stored: Arc<Mutex<Vec<Value>>>,
    stop: Arc<AtomicBool>,
}

impl FakeLrs {
    fn start(fault: Fault) -> FakeLrs {
        let (listener, addr) = support::http::loopback();
        let lrs = FakeLrs {
            addr,
            fault: Arc::new(Mutex::new(fault)),
            requests: Arc::default(),
            stored: Arc::default(),
            stop: Arc::default(),
        };
        let (fault, requests, stored, stop) = (
            lrs.fault.clone(),
            lrs.requests.clone(),
            lrs.stored.clone(),
            lrs.stop.clone(),
        );
        support::http::accept_until(listener, lrs.stop.clone(), move |conn| {
            let (fault, requests, stored, stop) = (
                fault.clone(),
                requests.clone(),
                stored.clone(),
                stop.clone(),
            );
            std::thread::spawn(move || serve(conn, &fault, &requests, &stored, &stop));
        });
        lrs
    }

    fn endpoint(&self) -> String {
        format!("http://{}/xAPI/", self.addr)
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn set(&self, fault: Fault) {
        *self.fault.lock().expect("fault") = fault;
    }

    fn requests(&self) -> Vec<Req> {
        self.requests.lock().expect("requests").clone()
    }

    fn clear(&self) {
        self.requests.lock().expect("requests").clear();
    }

    fn stored_ids(&self) -> Vec<String> {
        self.stored
            .lock()
            .expect("stored")
            .iter()
            .filter_map(|s| s["id"].as_str().map(str::to_string))
            .collect()
    }

    fn config_text(&self, batch_size: usize) -> String {
        format!(
            "(endpoint: \"{}\", key: \"{KEY}\", secret: \"{SECRET}\", home_page: \"https://sso.example.com\", batch_size: {batch_size}, timeout_secs: {TIMEOUT_SECS})",
            self.endpoint()
        )
    }

    fn config(&self, batch_size: usize) -> LrsConfig {
        LrsConfig::parse(&self.config_text(batch_size), Path::new("lrs.ron")).expect("config")
    }

    fn client(&self) -> LrsClient {
        LrsClient::new(&self.config(50))
    }
}

impl Drop for FakeLrs {
    fn drop(&mut self) {
        support::http::wake(&self.stop, self.addr);
    }
}

fn read_request(conn: &mut TcpStream) -> Option<Req> {
    let head = support::http::read_head(conn)?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    conn.read_exact(&mut body).ok()?;
    Some(Req {
        method,
        target,
        headers,
        body,
    })
}

fn respond(conn: &mut TcpStream, status: u16, content_type: &str, body: &[u8], extra: &str) {
    let head = format!(
        "HTTP/1.1 {status} Whatever\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
    let _ = conn.flush();
}

fn serve(
    mut conn: TcpStream,
    fault: &Mutex<Fault>,
    requests: &Mutex<Vec<Req>>,
    stored: &Mutex<Vec<Value>>,
    stop: &AtomicBool,
) {
    let Some(req) = read_request(&mut conn) else {
        return;
    };
    requests.lock().expect("requests").push(req.clone());
    let fault = fault.lock().expect("fault").clone();
    let posted: Vec<Value> = if req.method == "POST" {
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Array(a)) => a,
            Ok(v) => vec![v],
            Err(_) => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let ids: Vec<String> = posted
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    let good_get = |stored: &Mutex<Vec<Value>>, more: &str| -> (u16, Vec<u8>) {
        let all = stored.lock().expect("stored").clone();
        if let Some(q) = req.target.split("statementId=").nth(1) {
            let id = q.split('&').next().unwrap_or("");
            return match all.iter().find(|s| s["id"] == id) {
                Some(s) => (200, s.to_string().into_bytes()),
                None => (404, b"no such statement".to_vec()),
            };
        }
        (
            200,
            json!({"statements": all, "more": more})
                .to_string()
                .into_bytes(),
        )
    };
    match fault {
        Fault::Good => {
            if req.method == "POST" {
                stored.lock().expect("stored").extend(posted);
                respond(
                    &mut conn,
                    200,
                    "application/json",
                    &serde_json::to_vec(&ids).unwrap_or_default(),
                    "",
                );
            } else {
                let (status, body) = good_get(stored, "");
                respond(&mut conn, status, "application/json", &body, "");
            }
        }
        Fault::Hang => {
            let until = Instant::now() + Duration::from_secs(30);
            while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Fault::Trickle => {
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
            );
            let body = serde_json::to_vec(&ids).unwrap_or_default();
            for b in body.iter().cycle().take(100_000) {
                if stop.load(Ordering::Relaxed) || conn.write_all(&[*b]).is_err() {
                    return;
                }
                let _ = conn.flush();
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Fault::Status(status, ct, body) => respond(&mut conn, status, ct, &body, ""),
        Fault::WrongIds => {
            let other: Vec<String> = ids
                .iter()
                .map(|_| uuid::Uuid::new_v4().to_string())
                .collect();
            respond(
                &mut conn,
                200,
                "application/json",
                &serde_json::to_vec(&other).unwrap_or_default(),
                "",
            );
        }
        Fault::PartialIds => {
            stored.lock().expect("stored").extend(posted);
            let first: Vec<&String> = ids.iter().take(1).collect();
            respond(
                &mut conn,
                200,
                "application/json",
                &serde_json::to_vec(&first).unwrap_or_default(),
                "",
            );
        }
        Fault::ConflictLie => {
            if req.method == "POST" {
                respond(&mut conn, 409, "text/plain", b"Conflict", "");
            } else {
                let (status, body) = good_get(stored, "");
                respond(&mut conn, status, "application/json", &body, "");
            }
        }
        Fault::Redirect(status, location) => respond(
            &mut conn,
            status,
            "text/html",
            b"<a href=\"elsewhere\">moved</a>",
            &format!("Location: {location}\r\n"),
        ),
        Fault::CloseMid => {
            let start = format!("[\"{}", ids.first().map(String::as_str).unwrap_or("x"));
            let _ = conn.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{}",
                    &start[..start.len().min(12)]
                )
                .as_bytes(),
            );
            let _ = conn.flush();
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
        Fault::OnlyNewIds => {
            if req.method == "POST" {
                let mut all = stored.lock().expect("stored");
                let new: Vec<Value> = posted
                    .into_iter()
                    .filter(|p| !all.iter().any(|s| s["id"] == p["id"]))
                    .collect();
                let new_ids: Vec<Value> = new.iter().map(|s| s["id"].clone()).collect();
                all.extend(new);
                if new_ids.is_empty() {
                    let _ = conn.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
                } else {
                    respond(
                        &mut conn,
                        200,
                        "application/json",
                        &serde_json::to_vec(&new_ids).unwrap_or_default(),
                        "",
                    );
                }
            } else {
                let all = stored.lock().expect("stored").clone();
                let id = req.target.split("statementId=").nth(1).unwrap_or("");
                let found: Vec<&Value> = all.iter().filter(|s| s["id"] == id).collect();
                respond(
                    &mut conn,
                    200,
                    "application/json",
                    json!({"statements": found, "more": ""})
                        .to_string()
                        .as_bytes(),
                    "",
                );
            }
        }
        Fault::ForeignMore(url) => {
            let (status, body) = good_get(stored, &url);
            respond(&mut conn, status, "application/json", &body, "");
        }
    }
}

fn scenario() -> Arc<Scenario> {
    let src = std::fs::read_to_string(SCENARIO).expect("scenario readable");
    Arc::new(parse_str(&src).expect("scenario parses"))
}

/// A store with two recorded attempts (a dozen statements or so), all pending.
fn store_with_statements(dir: &Path) -> Store {
    let store = Store::open(&dir.join("records.sqlite3")).expect("store");
    for (t, s, seed) in [("ivy", Strategy::Best, 1), ("jon", Strategy::Worst, 2)] {
        let r = play(scenario(), seed, "en", &s).expect("plays");
        record_played(&store, t, Source::Cli, scenario(), &r, |_| {}).expect("records");
    }
    store
}

fn all_ids(store: &Store) -> Vec<String> {
    store
        .outbox_items(OutboxSelect::All, None)
        .expect("outbox")
        .into_iter()
        .map(|i| i.id)
        .collect()
}

fn sent_ids(store: &Store) -> HashSet<String> {
    store
        .outbox_items(OutboxSelect::All, None)
        .expect("outbox")
        .into_iter()
        .filter(|i| i.status == OutboxStatus::Sent)
        .map(|i| i.id)
        .collect()
}

/// What one pass against a fault did.
struct Seen {
    elapsed: Duration,
    sent: usize,
    error: Option<String>,
}

fn one_pass(store: &Store, lrs: &FakeLrs, batch: usize) -> Seen {
    let started = Instant::now();
    let pass = sync_pending(
        store,
        &LrsClient::new(&lrs.config(batch)),
        batch,
        &AtomicBool::new(false),
        |_, _| {},
    )
    .expect("store works");
    Seen {
        elapsed: started.elapsed(),
        sent: pass.sent,
        error: pass.error.map(|e| e.to_string()),
    }
}

/// The checks every fault must pass: nothing marked sent, the reason says why, bounded
/// time, credentials only at the endpoint; then, with the LRS repaired, everything is
/// delivered and every statement is posted exactly once.
fn assert_fault_delivers_nothing(fault: Fault, expect_in_error: &[&str]) {
    assert_fault_delivers_nothing_with(fault, |_| {
        expect_in_error.iter().map(|s| s.to_string()).collect()
    });
}

/// The same, with the expected texts computed from the number of statements.
fn assert_fault_delivers_nothing_with(fault: Fault, expect: impl Fn(usize) -> Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_statements(dir.path());
    let ids = all_ids(&store);
    let lrs = FakeLrs::start(fault.clone());
    let seen = one_pass(&store, &lrs, 50);
    eprintln!(
        "FAULT {fault:?}: sent {} of {}, gave up after {:.2} s: {}",
        seen.sent,
        ids.len(),
        seen.elapsed.as_secs_f64(),
        seen.error.as_deref().unwrap_or("-")
    );
    assert_eq!(seen.sent, 0, "{fault:?}: nothing is confirmed");
    assert!(
        sent_ids(&store).is_empty(),
        "{fault:?}: nothing marked sent"
    );
    let counts = store.outbox_counts().expect("counts");
    assert_eq!(
        counts.pending as usize,
        ids.len(),
        "{fault:?}: all still pending"
    );
    assert!(
        seen.elapsed < PASS_BOUND,
        "{fault:?}: gave up after {:?}",
        seen.elapsed
    );
    let error = seen.error.unwrap_or_default();
    for want in expect(ids.len()) {
        assert!(error.contains(&want), "{fault:?}: `{want}` not in: {error}");
    }
    assert!(!error.contains(SECRET), "{error}");
    assert!(!error.contains('\u{1b}'), "{error}");
    let reason = store
        .outbox_items(OutboxSelect::Pending, Some(1))
        .expect("pending")[0]
        .reason
        .clone()
        .unwrap_or_default();
    assert!(!reason.is_empty(), "{fault:?}: the failure is noted");
    // Repaired: every statement arrives, each posted once.
    lrs.clear();
    lrs.set(Fault::Good);
    let seen = one_pass(&store, &lrs, 50);
    assert!(seen.error.is_none(), "{:?}", seen.error);
    assert_eq!(sent_ids(&store).len(), ids.len());
    let posted: Vec<String> = lrs
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .flat_map(Req::posted_ids)
        .collect();
    let unique: HashSet<&String> = posted.iter().collect();
    assert_eq!(unique.len(), posted.len(), "no statement posted twice");
    assert_eq!(unique.len(), ids.len());
}

#[test]
fn a_hanging_lrs_is_given_up_on_within_the_timeout() {
    assert_fault_delivers_nothing(Fault::Hang, &["could not reach"]);
}

#[test]
fn a_trickling_lrs_is_given_up_on_within_the_timeout() {
    assert_fault_delivers_nothing(Fault::Trickle, &["could not reach"]);
}

#[test]
fn a_server_error_keeps_everything_pending() {
    assert_fault_delivers_nothing(
        Fault::Status(500, "text/plain", b"Internal Server Error".to_vec()),
        &["500"],
    );
}

#[test]
fn refused_credentials_keep_everything_pending() {
    assert_fault_delivers_nothing(
        Fault::Status(401, "text/plain", b"Unauthorized".to_vec()),
        &["401", "key"],
    );
}

#[test]
fn a_200_with_an_html_page_is_not_a_delivery() {
    assert_fault_delivers_nothing(
        Fault::Status(
            200,
            "text/html",
            b"<html><body>Please sign in to the guest Wi-Fi</body></html>".to_vec(),
        ),
        &["did not confirm", "text/html", "<html>"],
    );
}

#[test]
fn a_200_with_garbage_is_not_a_delivery() {
    let garbage: Vec<u8> = (0..4000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_fault_delivers_nothing(
        Fault::Status(200, "application/octet-stream", garbage),
        &["did not confirm", "4000 bytes"],
    );
}

#[test]
fn a_200_with_an_empty_body_or_a_204_to_a_post_is_not_a_delivery() {
    assert_fault_delivers_nothing(
        Fault::Status(200, "application/json", Vec::new()),
        &["empty body"],
    );
    assert_fault_delivers_nothing(Fault::Status(204, "application/json", Vec::new()), &["204"]);
}

#[test]
fn a_200_with_other_ids_is_not_a_delivery() {
    assert_fault_delivers_nothing_with(Fault::WrongIds, |n| {
        vec![format!("left out {n} of the {n} statement(s)")]
    });
}

#[test]
fn a_reply_cut_short_is_not_a_delivery() {
    assert_fault_delivers_nothing(Fault::CloseMid, &["could not reach"]);
}

#[test]
fn a_409_is_a_delivery_only_if_the_lrs_returns_the_statement() {
    // Batches that conflict are sent one by one; each single 409 is checked with a GET.
    assert_fault_delivers_nothing(Fault::ConflictLie, &["409"]);
    // The LRS does hold it (with other content): delivered.
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_statements(dir.path());
    let items = store.outbox_items(OutboxSelect::All, None).expect("outbox");
    let lrs = FakeLrs::start(Fault::ConflictLie);
    let mut held: Value = serde_json::from_str(&items[0].statement).expect("json");
    held["result"]["response"] = Value::from("changed");
    lrs.stored.lock().expect("stored").push(held);
    let seen = one_pass(&store, &lrs, 1);
    assert_eq!(seen.sent, 1, "{:?}", seen.error);
    assert_eq!(
        sent_ids(&store),
        HashSet::from([items[0].id.clone()]),
        "only the statement the LRS holds"
    );
}

#[test]
fn partial_confirmations_mark_only_the_confirmed_statements() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_statements(dir.path());
    let ids = all_ids(&store);
    let lrs = FakeLrs::start(Fault::PartialIds);
    let seen = one_pass(&store, &lrs, 50);
    eprintln!(
        "FAULT PartialIds: sent {} of {}, stopped after {:.2} s: {}",
        seen.sent,
        ids.len(),
        seen.elapsed.as_secs_f64(),
        seen.error.as_deref().unwrap_or("-")
    );
    assert_eq!(seen.sent, 1);
    assert_eq!(sent_ids(&store), HashSet::from([ids[0].clone()]));
    let error = seen.error.unwrap_or_default();
    assert!(
        error.contains(&format!("left out {} of the {}", ids.len() - 1, ids.len())),
        "{error}"
    );
    assert!(seen.elapsed < PASS_BOUND);
    lrs.clear();
    lrs.set(Fault::Good);
    let seen = one_pass(&store, &lrs, 50);
    assert!(seen.error.is_none(), "{:?}", seen.error);
    assert_eq!(sent_ids(&store).len(), ids.len());
    let posted: Vec<String> = lrs.requests().iter().flat_map(Req::posted_ids).collect();
    assert_eq!(
        posted.len(),
        ids.len() - 1,
        "the confirmed one is not sent again"
    );
    assert!(!posted.contains(&ids[0]));
}

/// A pass reads its batches after the last one's `seq` (lrs::sync). An LRS that fails in
/// the middle of a pass: the batches before are delivered, the failing one and all after
/// it stay pending, and the next pass delivers exactly those, each posted once.
#[test]
fn an_lrs_failing_mid_pass_keeps_the_rest_pending_and_the_next_pass_sends_each_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_statements(dir.path());
    let ids = all_ids(&store);
    let batch = 3;
    assert!(
        ids.len() > 2 * batch,
        "needs several batches: {} statements",
        ids.len()
    );
    let lrs = FakeLrs::start(Fault::Good);
    let pass = sync_pending(
        &store,
        &LrsClient::new(&lrs.config(batch)),
        batch,
        &AtomicBool::new(false),
        // After the first batch, the LRS starts failing.
        |_, _| {
            lrs.set(Fault::Status(
                503,
                "text/plain",
                b"Service Unavailable".to_vec(),
            ))
        },
    )
    .expect("store works");
    assert_eq!(pass.sent, batch);
    assert!(
        pass.error
            .as_ref()
            .is_some_and(|e| e.to_string().contains("503")),
        "{:?}",
        pass.error
    );
    let first: HashSet<String> = ids[..batch].iter().cloned().collect();
    assert_eq!(
        sent_ids(&store),
        first,
        "the first batch only, in outbox order"
    );
    lrs.clear();
    lrs.set(Fault::Good);
    let seen = one_pass(&store, &lrs, batch);
    assert!(seen.error.is_none(), "{:?}", seen.error);
    assert_eq!(sent_ids(&store).len(), ids.len());
    let mut posted: Vec<String> = lrs.requests().iter().flat_map(Req::posted_ids).collect();
    posted.sort();
    let mut rest: Vec<String> = ids[batch..].to_vec();
    rest.sort();
    assert_eq!(
        posted, rest,
        "each undelivered statement posted once, none of the first batch"
    );
}

#[test]
fn statements_an_lrs_already_holds_are_confirmed_by_asking_for_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_statements(dir.path());
    let items = store.outbox_items(OutboxSelect::All, None).expect("outbox");
    let lrs = FakeLrs::start(Fault::OnlyNewIds);
    // It already holds the first three (sent before a crash, say).
    for it in &items[..3] {
        let v: Value = serde_json::from_str(&it.statement).expect("json");
        lrs.stored.lock().expect("stored").push(v);
    }
    let seen = one_pass(&store, &lrs, 50);
    assert!(seen.error.is_none(), "{:?}", seen.error);
    assert_eq!(sent_ids(&store).len(), items.len());
    let gets: Vec<Req> = lrs
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert_eq!(
        gets.len(),
        3,
        "only the three left out of the id list are looked up"
    );
    // Everything again: a 204, each one looked up and found.
    rusqlite::Connection::open(dir.path().join("records.sqlite3"))
        .and_then(|c| c.execute("UPDATE outbox SET status = 'pending'", []))
        .expect("requeue");
    let seen = one_pass(&store, &lrs, 50);
    assert!(seen.error.is_none(), "{:?}", seen.error);
    assert_eq!(sent_ids(&store).len(), items.len());
    assert_eq!(lrs.stored_ids().len(), items.len(), "stored once each");
}

#[test]
fn redirects_are_never_followed_and_nothing_reaches_their_target() {
    let recorder = FakeLrs::start(Fault::Good);
    for status in [301u16, 302, 303, 307, 308] {
        let target = recorder.url("/xAPI/statements");
        assert_fault_delivers_nothing(
            Fault::Redirect(status, target.clone()),
            &[
                &format!("answered {status}, redirecting to {target}"),
                "does not follow redirects",
            ],
        );
        assert!(
            recorder.requests().is_empty(),
            "{status}: the redirect target got {:?}",
            recorder.requests()
        );
    }
}

#[test]
fn every_request_carries_the_credentials_to_the_endpoint_and_nowhere_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_statements(dir.path());
    let lrs = FakeLrs::start(Fault::Good);
    let seen = one_pass(&store, &lrs, 5);
    assert!(seen.error.is_none(), "{:?}", seen.error);
    let reqs = lrs.requests();
    assert_eq!(
        reqs.len(),
        all_ids(&store).len().div_ceil(5),
        "batches of 5"
    );
    let want = format!(
        "Basic {}",
        // room-3:hunter22-secret
        "cm9vbS0zOmh1bnRlcjIyLXNlY3JldA=="
    );
    for r in &reqs {
        assert_eq!(
            r.authorization(),
            Some(want.as_str()),
            "{} {}",
            r.method,
            r.target
        );
        assert_eq!(r.target, "/xAPI/statements");
    }
}

#[test]
fn a_foreign_more_link_stops_the_download_and_gets_no_request() {
    let recorder = FakeLrs::start(Fault::Good);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_statements(dir.path());
    let lrs = FakeLrs::start(Fault::Good);
    assert!(one_pass(&store, &lrs, 50).error.is_none());
    for more in [
        recorder.url("/xAPI/statements?more=2"),
        format!("//{}/xAPI/statements?more=2", recorder.addr),
        format!("https://{}/xAPI/statements?more=2", lrs.addr),
        format!("http://{KEY}@{}/xAPI/statements?more=2", recorder.addr),
    ] {
        lrs.set(Fault::ForeignMore(more.clone()));
        let started = Instant::now();
        let got = lrs.client().get_statements(&[("limit", "500")], |_| {});
        let e = got
            .expect_err("a foreign `more` link is refused")
            .to_string();
        assert!(e.contains("not the same server"), "{more}: {e}");
        assert!(started.elapsed() < PASS_BOUND);
        assert!(
            recorder.requests().is_empty(),
            "{more}: {:?}",
            recorder.requests()
        );
    }
    // Our own origin, relative or absolute, is followed.
    lrs.set(Fault::ForeignMore(lrs.url("/xAPI/statements?page=2")));
    lrs.clear();
    let got = lrs.client().get_statements(&[("limit", "500")], |_| {});
    // The fake repeats the same page with the same link: the second page is read, the
    // third (the same URL again) is refused as a loop.
    let e = got.expect_err("loop").to_string();
    assert!(e.contains("already read"), "{e}");
    assert_eq!(lrs.requests().len(), 2);
}

#[test]
fn an_lrs_error_body_with_escape_codes_is_cleaned_before_it_is_stored_or_printed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_statements(dir.path());
    let lrs = FakeLrs::start(Fault::Status(
        400,
        "text/plain",
        b"\x1b[2J\x1b]0;pwned\x07bad \x1b[31mactor\x1b[0m\r\n\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\"
            .to_vec(),
    ));
    let seen = one_pass(&store, &lrs, 50);
    assert!(seen.error.is_none(), "400s park: {:?}", seen.error);
    let parked = store
        .outbox_items(OutboxSelect::Parked, None)
        .expect("parked");
    assert_eq!(parked.len(), all_ids(&store).len());
    let reason = parked[0].reason.clone().unwrap_or_default();
    assert_eq!(reason, "the LRS answered 400: bad actor x");
    std::fs::write(dir.path().join("lrs.ron"), lrs.config_text(50)).expect("config");
    owner_only(&dir.path().join("lrs.ron"));
    drop(store);
    let (code, out, err) = courtesy(&["sync", "--status"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("bad actor x"), "{out}");
    assert!(
        !out.contains('\u{1b}') && !err.contains('\u{1b}'),
        "{out:?}{err:?}"
    );
}

fn owner_only(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

fn courtesy(args: &[&str], data: &Path) -> (i32, String, String) {
    support::cli::courtesy_in(args, data, &[])
}

#[test]
fn courtesy_sync_shows_a_redirect_as_a_configuration_problem_and_keeps_the_statements() {
    let recorder = FakeLrs::start(Fault::Good);
    let lrs = FakeLrs::start(Fault::Redirect(302, recorder.url("/login")));
    let dir = tempfile::tempdir().expect("tempdir");
    let n = {
        let store = store_with_statements(dir.path());
        all_ids(&store).len()
    };
    std::fs::write(dir.path().join("lrs.ron"), lrs.config_text(50)).expect("config");
    owner_only(&dir.path().join("lrs.ron"));
    let started = Instant::now();
    let (code, out, err) = courtesy(&["sync", "--retries", "0"], dir.path());
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("redirecting to"), "{out}");
    assert!(out.contains(&format!("{n} pending")), "{out}");
    assert!(started.elapsed() < PASS_BOUND + Duration::from_secs(5));
    assert!(recorder.requests().is_empty());
    assert!(
        !err.contains("warning"),
        "an owner-only lrs.ron is not warned about: {err}"
    );
}

#[test]
fn sync_status_works_before_anything_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = courtesy(&["sync", "--status"], &dir.path().join("fresh"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("nothing recorded yet"), "{out}");
    assert!(
        !dir.path().join("fresh").exists(),
        "a status creates nothing"
    );
    let (code, out, _) = courtesy(
        &["sync", "--status", "--format", "json"],
        &dir.path().join("fresh"),
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["pending"], 0);
}
