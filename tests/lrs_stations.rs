//! The room through the LRS: stations name themselves in every statement, the pull cache takes only what is new (cursor, dedupe, skipped statements), and serves the manager and the trainee when the LRS is down.
//!
//! The first tests run against a small xAPI server on 127.0.0.1 in the test (it honours
//! `since` on `stored`, `limit` and `more`, and can be told to misbehave). The last one,
//! `#[ignore]`d like tests/lrs_ralph.rs, is the three-station check against a real Ralph
//! LRS (`.ci/run`; `COURTESY_RALPH=<venv>/bin/ralph`).

mod support;
use support::outbox::statements_of;
use support::ralph::{Ralph, Station, ralph};

use courtesy::core::lrs::{LrsCache, LrsClient, LrsConfig, PullOptions, PullReport};
use courtesy::core::records::Filter;
use courtesy::core::strategy::Strategy;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the test server does besides serving its statements.
#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Good,
    /// Page 1 as usual, with a `more` link to another port.
    ForeignMore(String),
    /// Every page answered twice over: each statement appears on two pages.
    Repeat,
    /// A 200 with an HTML page (a login portal or proxy in front of the LRS).
    Html,
}

/// A minimal xAPI statements resource: `since` (exclusive, on `stored`), `limit`,
/// `more` (`?page=N` on the same query). It keeps every request target.
struct TestLrs {
    addr: SocketAddr,
    statements: Arc<Mutex<Vec<Value>>>,
    mode: Arc<Mutex<Mode>>,
    targets: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

/// The target of the request on `conn`.
fn read_target(conn: &mut TcpStream) -> Option<String> {
    let head = support::http::read_head(conn)?;
    Some(head.split(' ').nth(1)?.to_string())
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 1 {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query(target: &str) -> HashMap<String, String> {
    target
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), decode(v)))
        .collect()
}

impl TestLrs {
    fn start() -> TestLrs {
        let (listener, addr) = support::http::loopback();
        let lrs = TestLrs {
            addr,
            statements: Arc::default(),
            mode: Arc::new(Mutex::new(Mode::Good)),
            targets: Arc::default(),
            stop: Arc::default(),
        };
        let (statements, mode, targets) = (
            lrs.statements.clone(),
            lrs.mode.clone(),
            lrs.targets.clone(),
        );
        support::http::accept_until(listener, lrs.stop.clone(), move |mut conn| {
            let Some(target) = read_target(&mut conn) else {
                return;
            };
            targets.lock().expect("targets").push(target.clone());
            let q = query(&target);
            let since = q
                .get("since")
                .and_then(|s| courtesy::core::xapi::parse_timestamp(s));
            let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100);
            let page: usize = q.get("page").and_then(|l| l.parse().ok()).unwrap_or(0);
            let mode = mode.lock().expect("mode").clone();
            let all = statements.lock().expect("statements").clone();
            let mut matching: Vec<Value> = all
                .into_iter()
                .filter(|s| {
                    let stored = s["stored"]
                        .as_str()
                        .and_then(courtesy::core::xapi::parse_timestamp);
                    match (since, stored) {
                        (Some(a), Some(b)) => b > a,
                        _ => true,
                    }
                })
                .collect();
            if mode == Mode::Repeat {
                // Each page repeats the last statement of the page before.
                let mut doubled = Vec::new();
                for (i, s) in matching.iter().enumerate() {
                    doubled.push(s.clone());
                    if i % limit == limit - 1 {
                        doubled.push(s.clone());
                    }
                }
                matching = doubled;
            }
            let chunk: Vec<Value> = matching
                .iter()
                .skip(page * limit)
                .take(limit)
                .cloned()
                .collect();
            let has_more = matching.len() > (page + 1) * limit;
            let base = target.split('?').next().unwrap_or("");
            let mut rest: Vec<String> = target
                .split_once('?')
                .map(|(_, q)| q)
                .unwrap_or("")
                .split('&')
                .filter(|kv| !kv.starts_with("page=") && !kv.is_empty())
                .map(str::to_string)
                .collect();
            rest.push(format!("page={}", page + 1));
            let more = match (&mode, has_more) {
                (Mode::ForeignMore(url), _) => url.clone(),
                (_, true) => format!("{base}?{}", rest.join("&")),
                (_, false) => String::new(),
            };
            let (body, kind) = if mode == Mode::Html {
                (
                    "<html><body>Please sign in</body></html>".to_string(),
                    "text/html",
                )
            } else {
                (
                    json!({"statements": chunk, "more": more}).to_string(),
                    "application/json",
                )
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(body.as_bytes());
        });
        lrs
    }

    fn config(&self) -> LrsConfig {
        LrsConfig::parse(
            &format!(
                r#"(endpoint: "http://{}/xAPI/", key: "room", secret: "s3cret-pass", home_page: "https://sso.example.com", timeout_secs: 3)"#,
                self.addr
            ),
            Path::new("lrs.ron"),
        )
        .expect("config")
    }

    /// Adds statements as stored now (each a millisecond after the one before).
    fn add(&self, statements: Vec<Value>) {
        let mut all = self.statements.lock().expect("statements");
        let base = courtesy::core::records::time::now_ms();
        for (i, mut s) in statements.into_iter().enumerate() {
            if let Some(o) = s.as_object_mut() {
                o.insert(
                    "stored".into(),
                    json!(courtesy::core::xapi::timestamp(base + i as i64)),
                );
            }
            all.push(s);
        }
        drop(all);
        // The next statements get later `stored` times.
        std::thread::sleep(Duration::from_millis(5));
    }

    /// Pulls everything new from this LRS into `cache`, seven statements a page.
    fn pull_into(&self, cache: &LrsCache) -> PullReport {
        cache
            .pull(&LrsClient::new(&self.config()), &exact(), |_| {})
            .expect("pull")
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().expect("targets").clone()
    }

    /// Stops answering: the port is closed.
    fn shut(&self) {
        support::http::wake(&self.stop, self.addr);
    }
}

fn exact() -> PullOptions {
    PullOptions {
        overlap: Duration::ZERO,
        page: 7,
        ..PullOptions::default()
    }
}

/// The pull cache of a test, in its folder.
fn cache_in(dir: &Path) -> LrsCache {
    LrsCache::open_at(&dir.join("cache.sqlite3"), "lrs").expect("cache")
}

/// How many attempts the cache holds.
fn attempts_in(cache: &LrsCache) -> usize {
    cache
        .store()
        .attempts(&Filter::all(), 100)
        .expect("attempts")
        .len()
}

/// A test LRS holding ann's attempt at station A, pulled once into a cache: the folder,
/// the LRS, the cache, a client of the LRS and the cursor of that first pull.
fn pulled_once() -> (tempfile::TempDir, TestLrs, LrsCache, LrsClient, Option<i64>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let lrs = TestLrs::start();
    lrs.add(statements_of(dir.path(), "A", &["ann"], 1));
    let cache = cache_in(dir.path());
    let client = LrsClient::new(&lrs.config());
    let r = cache.pull(&client, &exact(), |_| {}).expect("pull");
    assert!(r.error.is_none(), "{:?}", r.error);
    let cursor = r.cursor_ms;
    (dir, lrs, cache, client, cursor)
}

#[test]
fn every_statement_names_its_station() {
    let dir = tempfile::tempdir().expect("tempdir");
    let st = statements_of(dir.path(), "Front desk 2", &["ann"], 1);
    assert!(!st.is_empty());
    for s in &st {
        assert_eq!(
            s["context"]["extensions"]["https://w3id.org/courtesy/xapi/extensions/station"],
            "Front desk 2",
            "{s}"
        );
    }
}

#[test]
fn a_second_pull_fetches_only_what_is_new_and_the_cursor_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lrs = TestLrs::start();
    let a = statements_of(dir.path(), "A", &["ann", "bo"], 1);
    let b = statements_of(dir.path(), "B", &["ann", "cy"], 10);
    let first = a.len() + b.len();
    lrs.add(a);
    lrs.add(b);
    let client = LrsClient::new(&lrs.config());
    let cache_file = dir.path().join("cache.sqlite3");
    let cursor;
    {
        let cache = LrsCache::open_at(&cache_file, "lrs").expect("cache");
        let r = cache.pull(&client, &exact(), |_| {}).expect("pull");
        assert!(r.error.is_none(), "{:?}", r.error);
        assert_eq!((r.fetched, r.new, r.duplicates), (first, first, 0));
        assert_eq!((r.used, r.skipped, r.ignored), (first, 0, 0));
        assert_eq!(r.attempts_rebuilt, 4);
        assert!(r.pages >= first / 7, "{} pages", r.pages);
        let attempts = cache
            .store()
            .attempts(&Filter::all(), 100)
            .expect("attempts");
        assert_eq!(attempts.len(), 4);
        let at_a = cache
            .store()
            .attempts(&Filter::all().station("A"), 100)
            .expect("attempts");
        assert_eq!(at_a.len(), 2);
        assert!(at_a.iter().all(|x| x.station.as_deref() == Some("A")));
        let ann = cache.store().trainee_history("ann", 10).expect("history");
        let mut stations: Vec<_> = ann.iter().filter_map(|x| x.station.clone()).collect();
        stations.sort();
        assert_eq!(stations, ["A", "B"]);
        let fresh = cache.freshness().expect("freshness");
        assert_eq!(fresh.station_names(), ["A", "B"]);
        assert!(
            fresh
                .line(fresh.last_success_ms.expect("pulled"))
                .starts_with("LRS data from just now; stations: A, B"),
            "{}",
            fresh.line(0)
        );
        cursor = r.cursor_ms.expect("a cursor");
    }
    // New statements at a third station, then a pull by a cache opened afresh.
    let c = statements_of(dir.path(), "C", &["bo"], 20);
    let second = c.len();
    lrs.add(c);
    let before = lrs.targets().len();
    let cache = LrsCache::open_at(&cache_file, "lrs").expect("cache again");
    let r = cache.pull(&client, &exact(), |_| {}).expect("pull 2");
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.since_ms, Some(cursor), "the cursor survived the restart");
    assert_eq!((r.fetched, r.new, r.duplicates), (second, second, 0));
    assert_eq!(r.attempts_rebuilt, 1);
    let asked = &lrs.targets()[before];
    let q = query(asked);
    assert_eq!(
        q.get("ascending").map(String::as_str),
        Some("true"),
        "{asked}"
    );
    assert_eq!(
        q.get("since")
            .and_then(|s| courtesy::core::xapi::parse_timestamp(s)),
        Some(cursor),
        "{asked}"
    );
    assert_eq!(attempts_in(&cache), 5);
    // Nothing new: nothing fetched. With the default overlap the last statements come
    // again, and are counted as duplicates, once.
    let r = cache.pull(&client, &exact(), |_| {}).expect("pull 3");
    assert_eq!((r.fetched, r.new), (0, 0));
    let r = cache
        .pull(&client, &PullOptions::default(), |_| {})
        .expect("pull 4");
    assert_eq!(r.new, 0);
    assert_eq!(r.duplicates, r.fetched);
    assert!(r.fetched > 0, "the overlap asks again");
    assert_eq!(attempts_in(&cache), 5);
    assert_eq!(
        cache.store().cache_counts().expect("counts").used as usize,
        first + second
    );
}

#[test]
fn statements_seen_twice_count_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lrs = TestLrs::start();
    let a = statements_of(dir.path(), "A", &["ann", "bo", "cy"], 1);
    let n = a.len();
    lrs.add(a);
    *lrs.mode.lock().expect("mode") = Mode::Repeat;
    let cache = cache_in(dir.path());
    let r = lrs.pull_into(&cache);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert!(r.duplicates > 0, "the server repeated itself");
    assert_eq!(r.new, n);
    assert_eq!(r.fetched, n + r.duplicates);
    let trainees = cache.store().trainee_table(&Filter::all()).expect("table");
    let attempts: u64 = trainees.iter().map(|t| t.attempts as u64).sum();
    assert_eq!(attempts, 3);
}

#[test]
fn unreadable_statements_are_skipped_and_counted_never_zeros() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lrs = TestLrs::start();
    let mut a = statements_of(dir.path(), "A", &["ann", "bo"], 1);
    let score_key = "/result/score";
    // bo's verdict statements lose their score; a step of ann's its step index.
    let mut broken = 0;
    for s in a.iter_mut() {
        let is_bo = s["actor"]["account"]["name"] == "bo";
        let verb = s["verb"]["id"].as_str().unwrap_or("").to_string();
        if is_bo && !verb.ends_with("answered") {
            if let Some(r) = s.pointer_mut("/result").and_then(Value::as_object_mut) {
                r.remove("score");
                broken += 1;
            }
            assert!(s.pointer(score_key).is_none());
        }
    }
    let idx = a
        .iter()
        .position(|s| {
            s["actor"]["account"]["name"] == "ann"
                && s["verb"]["id"].as_str().unwrap_or("").ends_with("answered")
        })
        .expect("an answered statement");
    if let Some(e) = a[idx]
        .pointer_mut("/result/extensions")
        .and_then(Value::as_object_mut)
    {
        e.retain(|k, _| !k.ends_with("/step-index"));
    }
    broken += 1;
    // Another application's statement, and one that is not even an object.
    a.push(json!({"id": "6f1c5f2e-0000-4000-8000-000000000001", "actor": {"mbox": "mailto:x@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"}, "object": {"id": "https://example.com/video"}}));
    a.push(json!("garbage"));
    let total = a.len();
    lrs.add(a);
    let cache = cache_in(dir.path());
    let r = lrs.pull_into(&cache);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.fetched, total);
    assert_eq!(r.skipped, broken);
    assert_eq!(r.ignored, 2);
    assert_eq!(r.used, total - broken - 2);
    let fresh = cache.freshness().expect("freshness");
    assert_eq!(fresh.counts.skipped as usize, broken);
    assert!(
        fresh
            .line(0)
            .contains(&format!("{broken} unreadable statement(s) skipped"))
    );
    let reasons = cache.store().cache_skip_reasons(5).expect("reasons");
    assert!(reasons.iter().any(|(w, _)| w == "no score"), "{reasons:?}");
    // bo's attempt has its steps but no made-up result: not finished, no overall of 0.
    let bo = cache.store().trainee_history("bo", 10).expect("history");
    assert_eq!(bo.len(), 1);
    assert_eq!(bo[0].overall, None);
    assert_eq!(bo[0].finished_ms, None);
    let table = cache.store().trainee_table(&Filter::all()).expect("table");
    assert!(
        table
            .iter()
            .filter(|t| t.trainee == "bo")
            .all(|t| t.best_overall.is_none()),
        "{table:?}"
    );
}

#[test]
fn with_the_lrs_down_the_cache_serves_and_says_how_old_it_is() {
    let (_dir, lrs, cache, client, cursor) = pulled_once();
    lrs.shut();
    std::thread::sleep(Duration::from_millis(50));
    let r = cache
        .pull(&client, &exact(), |_| {})
        .expect("pull while down");
    let e = r.error.as_ref().map(ToString::to_string).expect("an error");
    assert!(e.contains("could not reach"), "{e}");
    assert_eq!(r.cursor_ms, cursor, "the cursor did not move");
    let fresh = cache.freshness().expect("freshness");
    let ok = fresh.last_success_ms.expect("pulled once");
    let line = fresh.line(ok + 3 * 60_000 + 1);
    assert!(
        line.starts_with("LRS data from 3 minutes ago; stations: A"),
        "{line}"
    );
    assert!(line.contains("the last pull failed"), "{line}");
    assert_eq!(attempts_in(&cache), 1);
}

#[test]
fn a_200_with_an_html_page_is_an_error_and_changes_nothing() {
    let (dir, lrs, cache, client, cursor) = pulled_once();
    let before = attempts_in(&cache);
    lrs.add(statements_of(dir.path(), "B", &["bea"], 2));
    *lrs.mode.lock().expect("mode") = Mode::Html;
    let r = cache
        .pull(&client, &exact(), |_| {})
        .expect("pull of a page");
    assert!(r.error.is_some(), "an HTML page is not a statement result");
    assert_eq!(r.cursor_ms, cursor, "the cursor did not move");
    assert_eq!(
        attempts_in(&cache),
        before,
        "nothing was added from the page"
    );
}

#[test]
fn a_foreign_more_link_stops_the_pull_and_keeps_the_cursor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lrs = TestLrs::start();
    let other = TestLrs::start();
    lrs.add(statements_of(dir.path(), "A", &["ann", "bo"], 1));
    *lrs.mode.lock().expect("mode") =
        Mode::ForeignMore(format!("http://{}/xAPI/statements?page=1", other.addr));
    let cache = cache_in(dir.path());
    let r = lrs.pull_into(&cache);
    let e = r.error.as_ref().map(ToString::to_string).expect("an error");
    assert!(e.contains("not the same server"), "{e}");
    assert_eq!(r.fetched, 7, "the first page was read");
    assert_eq!(r.new, 7);
    assert_eq!(r.cursor_ms, None, "no cursor after an incomplete pull");
    assert!(
        other.targets().is_empty(),
        "nothing asked of the other server"
    );
    // Repaired: the next pull reads everything again; the first page counts once.
    *lrs.mode.lock().expect("mode") = Mode::Good;
    let r = lrs.pull_into(&cache);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.duplicates, 7);
    assert_eq!(attempts_in(&cache), 2);
}

// ---------------------------------------------------------------------------------------
// Three stations against a real Ralph LRS.

impl Station {
    fn cache(&self) -> LrsCache {
        LrsCache::open(&self.dir, &self.config()).expect("cache")
    }

    /// Pulls into `cache` from this station's LRS with the default options.
    fn pull(&self, cache: &LrsCache, what: &str) -> PullReport {
        cache
            .pull(
                &LrsClient::new(&self.config()),
                &PullOptions::default(),
                |_| {},
            )
            .expect(what)
    }
}

#[test]
#[ignore = "needs a Ralph LRS: COURTESY_RALPH=<venv>/bin/ralph (see scripts/ralph-lrs.sh, .ci/run)"]
fn three_stations_share_one_room_through_ralph() {
    if ralph().is_none() {
        panic!("COURTESY_RALPH is not set: run `eval \"$(scripts/ralph-lrs.sh env)\"` first");
    }
    let ralph = Ralph::start();
    let root = tempfile::tempdir().expect("tempdir");
    let s1 = Station::new(root.path(), "Station 1", &ralph.config_path());
    let s2 = Station::new(root.path(), "Station 2", &ralph.config_path());
    let s3 = Station::new(root.path(), "Station 3", &ralph.config_path());
    // Overlapping trainees: ann plays at 1 and 3, bo at 1 and 2, cy at 2 and 3.
    s1.play("ann", 1, Strategy::Best);
    s1.play("bo", 2, Strategy::Worst);
    s2.play("bo", 3, Strategy::Best);
    s2.play("cy", 4, Strategy::Worst);
    s3.play("cy", 5, Strategy::Best);
    s3.play("ann", 6, Strategy::Worst);
    // Past the pull's overlap (2 s before the cursor), so that the second pull has
    // nothing of this round to ask again: it must fetch exactly the new statements.
    std::thread::sleep(PullOptions::default().overlap + Duration::from_millis(500));
    let sent: usize = [&s1, &s2, &s3].iter().map(|s| s.sync()).sum();
    assert!(sent > 0);

    // The manager view model at station 1: every attempt, with its station.
    let cache1 = s1.cache();
    let r = s1.pull(&cache1, "pull");
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.new, sent, "every statement sent is pulled once");
    assert_eq!(r.skipped, 0);
    let dash = courtesy::core::lrs::room_dashboard(&s1.store, Some(&cache1), &Filter::all(), 100)
        .expect("dashboard");
    assert_eq!(dash.attempts.len(), 6, "{:?}", dash.attempts);
    let mut seen: Vec<(String, String)> = dash
        .attempts
        .iter()
        .map(|a| (a.station.clone().unwrap_or_default(), a.trainee.clone()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("Station 1", "ann"),
            ("Station 1", "bo"),
            ("Station 2", "bo"),
            ("Station 2", "cy"),
            ("Station 3", "ann"),
            ("Station 3", "cy"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let fresh = dash.freshness.clone().expect("freshness");
    assert_eq!(
        fresh.station_names(),
        ["Station 1", "Station 2", "Station 3"]
    );
    let station2_only = courtesy::core::lrs::room_dashboard(
        &s1.store,
        Some(&cache1),
        &Filter::all().station("Station 2"),
        100,
    )
    .expect("filtered");
    assert_eq!(station2_only.attempts.len(), 2);

    // The trainee's history at station 2 includes what they did at station 1.
    let cache2 = s2.cache();
    let r2 = s2.pull(&cache2, "pull at 2");
    assert!(r2.error.is_none(), "{:?}", r2.error);
    let (history, bests) =
        courtesy::core::lrs::trainee_records(&s2.store, Some(&cache2), "bo", 20).expect("bo");
    let mut at: Vec<String> = history.iter().filter_map(|a| a.station.clone()).collect();
    at.sort();
    assert_eq!(at, ["Station 1", "Station 2"]);
    assert!(bests.iter().any(|b| b.best_overall.is_some()));

    // A second pull fetches only the new statements.
    s3.play("bo", 7, Strategy::Best);
    let new_sent = s3.sync();
    assert!(new_sent > 0);
    let r = s1.pull(&cache1, "second pull");
    assert!(r.error.is_none(), "{:?}", r.error);
    eprintln!(
        "second pull: {} new of {} fetched ({} duplicates), {} sent",
        r.new, r.fetched, r.duplicates, new_sent
    );
    assert_eq!(r.new, new_sent, "exactly the new statements");
    assert_eq!(r.fetched, new_sent, "only the new statements were fetched");
    assert_eq!(r.duplicates, 0);

    // Ralph stopped: the dashboard serves the cache and says how old it is.
    ralph.stop();
    let r = s1.pull(&cache1, "pull while down");
    assert!(r.error.is_some());
    let dash = courtesy::core::lrs::room_dashboard(&s1.store, Some(&cache1), &Filter::all(), 100)
        .expect("dashboard from the cache");
    assert_eq!(dash.attempts.len(), 7);
    let fresh = dash.freshness.expect("freshness");
    let line = fresh.line(courtesy::core::records::time::now_ms());
    assert!(line.starts_with("LRS data from "), "{line}");
    assert!(line.contains("the last pull failed"), "{line}");
    eprintln!("{line}");
}
