//! Records store benchmark: fills a store with 100,000 attempts / 1,000,000 recorded steps,
//! delivers their statements as a sync does (marks them sent, then prunes), then reports
//! the store's size before and after, (a) the time to durably record one step and (b) each
//! dashboard query next to the same hand-written SQL run by the `sqlite3` CLI on the same file.
//!
//! `cargo bench --no-default-features --bench records`. Set `COURTESY_BENCH_DIR=DIR` to
//! keep the filled store in DIR and reuse it on the next run (filling takes a while);
//! `COURTESY_BENCH_ATTEMPTS=N` fills N attempts instead of 100,000 (a scaled run);
//! `COURTESY_BENCH_STOP_AFTER=fill` or `=prune` stops after that phase (copy a filled
//! store aside to time the prune again). Long phases print their progress.
//! Without the `sqlite3` CLI on PATH the comparison column is left out.

use courtesy::core::load::parse_str;
use courtesy::core::model::Scenario;
use courtesy::core::records::time::{DAY_MS, parse_date};
use courtesy::core::records::{
    AttemptId, AttemptStart, Filter, ImportedAttempt, OutboxSelect, Source, Store,
};
use courtesy::core::session::{AttemptResult, Session};
use courtesy::core::strategy::{Strategy, play};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Attempts in the filled store; `COURTESY_BENCH_ATTEMPTS=N` runs a scaled benchmark
/// (the store size is reported per 1M steps either way).
const ATTEMPTS: usize = 100_000;
const STEPS_PER_ATTEMPT: usize = 10;
/// Attempts recorded step by step but never finished (all 10 steps answered, then a crash).
const UNFINISHED_EVERY: usize = 100;
const TRAINEES: usize = 200;
const SCENARIOS: usize = 5;
const BATCH: usize = 5_000;

/// A linear scenario of 10 steps with four replies each, rated differently per scenario.
fn scenario(k: usize) -> Arc<Scenario> {
    let mut steps = String::new();
    for i in 0..STEPS_PER_ATTEMPT {
        let next = if i + 1 < STEPS_PER_ATTEMPT {
            format!("s{}", i + 1)
        } else {
            "done".to_string()
        };
        let r = |a: i64| (a + i as i64 + k as i64) % 5 - 2;
        steps.push_str(&format!(
            r#"(id: "s{i}", says: [{{"en": "Customer line {i} of scenario {k}, told one way."}}, {{"en": "Customer line {i}, told another way."}}],
              replies: [
                (id: "warm", text: {{"en": "w"}}, ratings: (respect: 2, moderation: {}, self_discipline: 1), mood: 5, feedback: {{"en": "f"}}, cite: ["R"], next: "{next}"),
                (id: "flat", text: {{"en": "f"}}, ratings: (respect: 0, moderation: {}, self_discipline: 0), mood: 0, feedback: {{"en": "f"}}, cite: ["M"], next: "{next}"),
                (id: "curt", text: {{"en": "c"}}, ratings: (respect: -1, moderation: {}, self_discipline: -1), mood: -5, feedback: {{"en": "f"}}, cite: ["S"], next: "{next}"),
                (id: "rude", text: {{"en": "r"}}, ratings: (respect: -2, moderation: {}, self_discipline: -2), mood: -10, feedback: {{"en": "f"}}, cite: ["R"], next: "{next}"),
              ]),
"#,
            r(0),
            r(1),
            r(2),
            r(3)
        ));
    }
    let src = format!(
        r#"Scenario(id: "bench-{k}", locales: ["en"], title: {{"en": "Bench {k}"}}, category: {{"en": "Bench"}},
            difficulty: Intermediate, minutes: 5, briefing: {{"en": "b"}}, goal: {{"en": "g"}},
            customer: (name: {{"en": "C"}}, wants: {{"en": "w"}}), start_mood: 60, scoring: (pass_mark: 60),
            start: "s0", steps: [{steps}], endings: [(id: "done", outcome: Resolved, text: {{"en": "d"}})])"#
    );
    match parse_str(&src) {
        Ok(s) => Arc::new(s),
        Err(e) => panic!("bench scenario does not parse: {e}"),
    }
}

/// CPU time this thread has used (Linux: `/proc/thread-self/schedstat`; zero elsewhere).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or_default()
}

/// Base of the synthetic year of attempts.
fn base_ms() -> i64 {
    parse_date("2025-01-01").unwrap_or(0)
}

/// [`ATTEMPTS`], or `COURTESY_BENCH_ATTEMPTS` when set (at least 1,000).
fn attempts_wanted() -> usize {
    std::env::var("COURTESY_BENCH_ATTEMPTS")
        .ok()
        .and_then(|v| v.replace('_', "").parse::<usize>().ok())
        .map_or(ATTEMPTS, |n| n.max(1_000))
}

/// Fills attempts `from..attempts` (`from` > 0: resuming a fill that stopped after a
/// whole batch; the generator is wound on so the store ends as one uninterrupted fill's).
fn fill(store: &Store, scenarios: &[Arc<Scenario>], from: usize, attempts: usize) {
    let started = Instant::now();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let year = 365 * DAY_MS;
    // Three draws per attempt: its seed, its start-time jitter, its trainee.
    for _ in 0..from * 3 {
        next();
    }
    let mut done = from;
    while done < attempts {
        let n = BATCH.min(attempts - done);
        let mut starts = Vec::with_capacity(n);
        let mut results: Vec<AttemptResult> = Vec::with_capacity(n);
        let mut times = Vec::with_capacity(n);
        for j in 0..n {
            let i = done + j;
            let sc = &scenarios[i % SCENARIOS];
            let seed = next();
            let r = match play(Arc::clone(sc), seed, "en", &Strategy::Random) {
                Ok(r) => r,
                Err(e) => panic!("bench scenario does not play: {e}"),
            };
            // Trainees improve over the year a little: nothing depends on it, it just
            // makes the figures look like a training room's.
            let t = base_ms() + (i as i64) * year / attempts as i64 + (next() % 60_000) as i64;
            starts.push(AttemptStart {
                trainee: format!("trainee-{:03}", (next() % TRAINEES as u64)),
                scenario: sc.id.clone(),
                content_hash: Some(format!("{:064x}", i % SCENARIOS)),
                seed,
                locale: "en".to_string(),
                source: if i % 3 == 0 { Source::Cli } else { Source::App },
            });
            times.push(t);
            results.push(r);
        }
        let batch: Vec<ImportedAttempt<'_>> = (0..n)
            .map(|j| {
                let finished = (done + j) % UNFINISHED_EVERY != 0;
                ImportedAttempt {
                    start: &starts[j],
                    started_ms: times[j],
                    transcript: &results[j].transcript,
                    finished: finished.then_some((times[j] + 300_000, &results[j])),
                }
            })
            .collect();
        if let Err(e) = store.import_attempts(&batch) {
            panic!("fill failed: {e}");
        }
        done += n;
        print!("\rfilling: {done} attempts");
        let _ = std::io::stdout().flush();
    }
    println!(" in {:.1} s", started.elapsed().as_secs_f64());
}

/// Bytes of the store file after a checkpoint (the `-wal` emptied into it).
fn file_bytes(path: &Path) -> u64 {
    if let Ok(c) = rusqlite::Connection::open(path) {
        let _ = c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
    }
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// SHA-256 over every statement as `courtesy export --xapi --all` reads it, and how many.
/// Only statements up to seq `upto` (those recorded during the prune come after).
fn outbox_digest(store: &Store, what: &str, upto: i64) -> (String, usize) {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let (mut after, mut n) = (0i64, 0usize);
    let started = Instant::now();
    loop {
        let page = match store.outbox_page(OutboxSelect::All, after, Some(20_000)) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        let Some(last) = page.last() else { break };
        after = last.seq;
        for it in page.iter().filter(|it| it.seq <= upto) {
            h.update(it.statement.as_bytes());
            h.update(b"\n");
        }
        n += page.iter().filter(|it| it.seq <= upto).count();
        if n % 100_000 < 20_000 {
            print!(
                "\r{what}: {n} statements read ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
            let _ = std::io::stdout().flush();
        }
    }
    println!(
        "\r{what}: {n} statements read in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    (format!("{:x}", h.finalize()), n)
}

/// What a sync that delivers everything does to the store: marks the statements sent
/// (as `sync_pending` does after a 2xx), then prunes (as it does after every pass).
fn deliver_and_prune(store: &Store, path: &Path, steps: i64, scenarios: &[Arc<Scenario>]) {
    let pending = match store.outbox_counts() {
        Ok(c) => c.pending,
        Err(e) => panic!("{e}"),
    };
    let unpruned = rusqlite::Connection::open(path)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM outbox WHERE status = 'sent' AND digest IS NULL",
                [],
                |r| r.get::<_, i64>(0),
            )
        })
        .unwrap_or(0);
    if pending == 0 && unpruned == 0 {
        println!("statements already delivered and pruned (reused store)");
        return;
    }
    if pending == 0 {
        println!(
            "resuming a prune that was stopped: {unpruned} delivered statements left to examine"
        );
    }
    let per_m = |b: u64| b as f64 / 1e9 * 1_000_000.0 / steps.max(1) as f64;
    let before = file_bytes(path);
    let t = Instant::now();
    let (digest_before, n) = outbox_digest(store, "export --all before", i64::MAX);
    let last_seq = rusqlite::Connection::open(path)
        .and_then(|c| c.query_row("SELECT max(seq) FROM outbox", [], |r| r.get::<_, i64>(0)))
        .unwrap_or(i64::MAX);
    let read_before = t.elapsed();
    let t = Instant::now();
    let mut marked_n = 0usize;
    // Paged by seq, as `sync_pending` reads its batches: from the start each time, with
    // the statistics of a store ANALYZEd while everything was pending, SQLite reads
    // `status = 'pending'` by scanning the table in seq order, past every row already
    // marked — quadratic at 1.2M statements.
    let mut after = 0i64;
    loop {
        let batch = match store.outbox_page(OutboxSelect::Pending, after, Some(5_000)) {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        let Some(last) = batch.last() else { break };
        after = last.seq;
        let ids: Vec<&str> = batch.iter().map(|i| i.id.as_str()).collect();
        match store.outbox_mark_sent(&ids) {
            Ok(k) => marked_n += k,
            Err(e) => panic!("{e}"),
        }
        if marked_n % 100_000 < 5_000 {
            print!(
                "\rmarking sent: {marked_n} statements ({:.0} s)",
                t.elapsed().as_secs_f64()
            );
            let _ = std::io::stdout().flush();
        }
    }
    let marked = t.elapsed();
    println!(
        "\rmarking sent: {marked_n} statements in {:.1} s",
        marked.as_secs_f64()
    );
    let cpu = thread_cpu();
    // From the end of one batch to the end of the next: the prune's pause, the batch's
    // write transaction and the vacuum of what it freed.
    let mut batches: Vec<Duration> = Vec::new();
    let mut last = Instant::now();
    let (report, during) = recording_meanwhile(path, scenarios, || {
        with_prune_progress(path, n, || {
            let r = store.prune_sent_with(|_| {
                batches.push(last.elapsed());
                last = Instant::now();
            });
            match r {
                Ok(r) => r,
                Err(e) => panic!("{e}"),
            }
        })
    });
    let prune_cpu = thread_cpu().saturating_sub(cpu);
    let after = file_bytes(path);
    let t = Instant::now();
    let (digest_after, n_after) = outbox_digest(store, "export --all after", last_seq);
    let read_after = t.elapsed();
    println!(
        "\nsync + prune of {n} statements (marked sent in {:.1} s; prune_sent {:.1} s, {:.1} s of it on CPU: {} pruned, {} kept whole, reclaim {:?})\n    \
         reclaim: {} pages given back in {:.1} s of the prune\n    \
         {} batches (from one batch's end to the next's: the 100 ms pause, the batch's write transaction, the vacuum of what it freed): median {:.0} ms, p99 {:.0} ms, max {:.0} ms (batch {})\n    \
         store file: {:.0} MiB before ({:.2} GB per 1M steps) → {:.0} MiB after ({:.2} GB per 1M steps)   (target ≤ 0.6 GB)\n    \
         every statement read back (export --all): SHA-256 {} before and after ({n_after} statements; read in {:.1} s before, {:.1} s rebuilt after)",
        marked.as_secs_f64(),
        report.elapsed_ms as f64 / 1000.0,
        prune_cpu.as_secs_f64(),
        report.pruned,
        report.kept_whole,
        report.reclaim,
        report.pages_reclaimed,
        report.reclaim_ms as f64 / 1000.0,
        batches.len(),
        ms(median(batches.clone())),
        ms(percentile(batches.clone(), 0.99)),
        ms(percentile(batches.clone(), 1.0)),
        batches
            .iter()
            .enumerate()
            .max_by_key(|(_, d)| **d)
            .map_or(0, |(i, _)| i + 1),
        before as f64 / 1_048_576.0,
        per_m(before),
        after as f64 / 1_048_576.0,
        per_m(after),
        if digest_before == digest_after && n == n_after {
            "EQUAL"
        } else {
            "DIFFERENT"
        },
        read_before.as_secs_f64(),
        read_after.as_secs_f64(),
    );
    println!(
        "    recorded meanwhile by a second connection (record_step every 50 ms, as a station does): {} steps, median {:.3} ms, p99 {:.0} ms, max {:.0} ms",
        during.len(),
        ms(median(during.clone())),
        ms(percentile(during.clone(), 0.99)),
        ms(percentile(during, 1.0)),
    );
    assert_eq!(digest_before, digest_after, "pruning changed a statement");
}

/// Runs `f` (the prune) while a second connection records a step every 50 ms, as a
/// station in use does: `f`'s result and each `record_step`'s time.
fn recording_meanwhile<T>(
    path: &Path,
    scenarios: &[Arc<Scenario>],
    f: impl FnOnce() -> T,
) -> (T, Vec<Duration>) {
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let recorder = s.spawn(|| {
            let store = match Store::open(path) {
                Ok(s) => s,
                Err(e) => panic!("{e}"),
            };
            let mut times = Vec::new();
            let mut k = 0u64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let sc = &scenarios[(k as usize) % SCENARIOS];
                let mut session = match Session::start(Arc::clone(sc), 1000 + k, "en") {
                    Ok(s) => s,
                    Err(e) => panic!("{e}"),
                };
                k += 1;
                let start =
                    AttemptStart::for_session("bench-meanwhile", &session, None, Source::App);
                let id = match store.begin_attempt(&start) {
                    Ok(id) => id,
                    Err(e) => panic!("{e}"),
                };
                for i in 0..STEPS_PER_ATTEMPT {
                    if done.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                    match answer_and_record(&store, &mut session, &id, i) {
                        Some(t) => times.push(t),
                        None => break,
                    }
                }
            }
            times
        });
        let r = f();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let times = match recorder.join() {
            Ok(t) => t,
            Err(_) => panic!("the recorder panicked"),
        };
        (r, times)
    })
}

/// The oldest delivered statement a prune has not examined yet (an index probe).
const NEXT_UNEXAMINED: &str =
    "SELECT seq FROM outbox WHERE status = 'sent' AND digest IS NULL ORDER BY sent_ms LIMIT 1";

/// Runs `f` (the prune) while a second, read-only connection reports every 10 s where it
/// is: the seq of the oldest delivered statement not yet examined (the bench marks them
/// sent in seq order, so the ones before it are done; one index probe, where a count would
/// cost as much CPU as the prune) and, once all are examined, the free pages the vacuum
/// still has to give back (WAL readers do not block the prune's writes).
fn with_prune_progress<T>(path: &Path, total: usize, f: impl FnOnce() -> T) -> T {
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let Ok(c) = rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            ) else {
                return;
            };
            let started = Instant::now();
            let mut last = Instant::now();
            let mut first_seq: Option<i64> = c.query_row(NEXT_UNEXAMINED, [], |r| r.get(0)).ok();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                if last.elapsed() < Duration::from_secs(10) {
                    continue;
                }
                last = Instant::now();
                let q = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or(-1);
                let next = q(NEXT_UNEXAMINED);
                let t = started.elapsed().as_secs_f64();
                if next > 0 {
                    let first = *first_seq.get_or_insert(next);
                    let examined = next - first;
                    println!(
                        "pruning: about {examined} of {total} examined this run ({:.0} s, {:.0} statements/s)",
                        t,
                        examined as f64 / t.max(1e-3)
                    );
                } else {
                    println!(
                        "pruning: all examined; vacuum: {} free pages left ({t:.0} s)",
                        q("PRAGMA freelist_count")
                    );
                }
            }
        });
        let r = f();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        r
    })
}

fn counts(path: &Path) -> (i64, i64) {
    let c = match rusqlite::Connection::open(path) {
        Ok(c) => c,
        Err(e) => panic!("cannot open {}: {e}", path.display()),
    };
    let q = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or(-1);
    (
        q("SELECT count(*) FROM attempts"),
        q("SELECT count(*) FROM steps"),
    )
}

/// Answers step `i` of `session` with its `i`-th reply (round the list) and records it
/// in attempt `id`: the time `record_step` took, or `None` once the conversation ended.
fn answer_and_record(
    store: &Store,
    session: &mut Session,
    id: &AttemptId,
    i: usize,
) -> Option<Duration> {
    let reply = match session.current() {
        courtesy::core::session::Current::Step(v) => v.replies[i % v.replies.len()].id.clone(),
        courtesy::core::session::Current::Ended(_) => return None,
    };
    if let Err(e) = session.choose(&reply, Duration::from_millis(900)) {
        panic!("{e}");
    }
    let entry = &session.transcript()[i];
    let t = Instant::now();
    if let Err(e) = store.record_step(id, i, entry) {
        panic!("recording step {i} failed: {e}");
    }
    Some(t.elapsed())
}

/// (a): the time `record_step` takes, each call its own durable transaction.
fn bench_record_step(store: &Store, scenarios: &[Arc<Scenario>]) {
    let mut times = Vec::new();
    let mut finish = Vec::new();
    for k in 0..60u64 {
        let sc = &scenarios[(k as usize) % SCENARIOS];
        let mut session = match Session::start(Arc::clone(sc), k, "en") {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let start = AttemptStart::for_session("bench-recorder", &session, None, Source::App);
        let id = match store.begin_attempt(&start) {
            Ok(id) => id,
            Err(e) => panic!("{e}"),
        };
        for i in 0..STEPS_PER_ATTEMPT {
            match answer_and_record(store, &mut session, &id, i) {
                Some(t) => times.push(t),
                None => break,
            }
        }
        let result = match session.finish() {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let t = Instant::now();
        if let Err(e) = store.finish_attempt(&id, &result) {
            panic!("{e}");
        }
        finish.push(t.elapsed());
    }
    println!(
        "\n(a) durably record one step (record_step: BEGIN IMMEDIATE … COMMIT, WAL, synchronous=FULL), {} steps:\n    \
         median {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms   (target ≤ 2 ms median)\n    \
         finish_attempt: median {:.3} ms",
        times.len(),
        ms(median(times.clone())),
        ms(percentile(times.clone(), 0.90)),
        ms(percentile(times.clone(), 0.99)),
        ms(percentile(times, 1.0)),
        ms(median(finish)),
    );
}

/// Runs `f` until about `budget` has passed (at least 5, at most 200 times) after two
/// warm-up runs; returns (median, mean, rows).
fn time_api(budget: Duration, mut f: impl FnMut() -> usize) -> (Duration, Duration, usize) {
    let rows = f();
    f();
    let mut v = Vec::new();
    let started = Instant::now();
    while v.len() < 5 || (started.elapsed() < budget && v.len() < 200) {
        let t = Instant::now();
        std::hint::black_box(f());
        v.push(t.elapsed());
    }
    let mean = v.iter().sum::<Duration>() / v.len() as u32;
    (median(v), mean, rows)
}

/// Wall time of one `sqlite3` process running `script` with output to /dev/null.
fn cli_once(db: &Path, script: &str) -> Option<Duration> {
    let t = Instant::now();
    let mut child = Command::new("sqlite3")
        .arg("-bail")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(script.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() || !out.stderr.is_empty() {
        eprintln!("sqlite3 failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    Some(t.elapsed())
}

/// The per-query time of `sql` in the CLI: (wall of a process running it 1 + n times −
/// wall of a process running it once) / n, so process start-up is not counted; the
/// median of three such measurements.
fn time_cli(db: &Path, sql: &str, per_query_hint: Duration) -> Option<Duration> {
    let n = ((Duration::from_millis(1500).as_secs_f64() / per_query_hint.as_secs_f64().max(1e-5))
        as usize)
        .clamp(5, 400);
    let one = format!(".output /dev/null\n{sql}\n");
    let many = format!(".output /dev/null\n{}", format!("{sql}\n").repeat(n + 1));
    cli_once(db, &one)?; // warm the OS cache
    let mut per = Vec::new();
    for _ in 0..3 {
        let a = cli_once(db, &one)?;
        let b = cli_once(db, &many)?;
        per.push(b.saturating_sub(a) / n as u32);
    }
    Some(median(per))
}

fn cli_rows(db: &Path, sql: &str) -> Option<usize> {
    let out = Command::new("sqlite3").arg(db).arg(sql).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).lines().count())
}

struct Query<'a> {
    name: &'static str,
    api: Box<dyn FnMut() -> usize + 'a>,
    sql: String,
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and test harness probes
    }
    let tmp;
    let dir: PathBuf = match std::env::var_os("COURTESY_BENCH_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            tmp = match tempfile::tempdir() {
                Ok(t) => t,
                Err(e) => panic!("no temp dir: {e}"),
            };
            tmp.path().to_path_buf()
        }
    };
    let path = dir.join("records.sqlite3");
    let scenarios: Vec<Arc<Scenario>> = (0..SCENARIOS).map(scenario).collect();
    let store = match Store::open(&path) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let (a, _) = counts(&path);
    let wanted = attempts_wanted();
    if a < wanted as i64 {
        // A fill stopped part-way (e.g. a full disk) keeps its whole batches: go on from there.
        let from = usize::try_from(a).unwrap_or(0);
        if from % BATCH != 0 {
            panic!(
                "{} holds {a} attempts, not a whole number of fill batches: delete it",
                path.display()
            );
        }
        fill(&store, &scenarios, from, wanted);
        // What a store looks like after normal use: statistics for the planner
        // (SQLite's documented practice for long-lived databases).
        if let Err(e) = rusqlite::Connection::open(&path)
            .and_then(|c| c.execute_batch("PRAGMA optimize; ANALYZE;"))
        {
            panic!("{e}");
        }
    } else {
        println!("reusing the store in {}", dir.display());
    }
    let stop_after = std::env::var("COURTESY_BENCH_STOP_AFTER").unwrap_or_default();
    if stop_after == "fill" {
        println!("filled {} (COURTESY_BENCH_STOP_AFTER=fill)", path.display());
        return;
    }
    let (attempts, steps) = counts(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "store: {} ({attempts} attempts, {steps} steps, {:.0} MiB + WAL)",
        path.display(),
        size as f64 / 1_048_576.0
    );

    deliver_and_prune(&store, &path, steps, &scenarios);
    if stop_after == "prune" {
        println!("(COURTESY_BENCH_STOP_AFTER=prune)");
        return;
    }

    bench_record_step(&store, &scenarios);

    let since = base_ms() + 182 * DAY_MS;
    let stale = "strftime('%s', 'now') * 1000 - 3600000";
    let trainee = "trainee-042";
    let scen = "bench-3";
    let one_attempt = match store.attempts(&Filter::for_trainee(trainee), 1) {
        Ok(v) => match v.into_iter().next() {
            Some(a) => a.id,
            None => panic!("no attempt for {trainee}"),
        },
        Err(e) => panic!("{e}"),
    };
    let unwrap_rows = |r: Result<usize, courtesy::core::records::RecordsError>| match r {
        Ok(n) => n,
        Err(e) => panic!("{e}"),
    };
    let cohort_sql = |cond: &str| {
        format!(
            "SELECT count(*), count(finished_ms), coalesce(sum(status = 'abandoned' OR (status = 'open' AND last_ms < {stale})), 0), \
             coalesce(sum(passed), 0), count(DISTINCT trainee), avg(overall), avg(respect), count(respect), \
             avg(moderation), count(moderation), avg(self_discipline), count(self_discipline), avg(compliance), count(compliance) \
             FROM attempts WHERE 1 = 1{cond};"
        )
    };
    let trainee_sql = |ca: &str, cf: &str| {
        format!(
            "SELECT g.trainee, g.attempts, g.finished, g.abandoned, g.passed, \
               (SELECT f.overall FROM attempts f WHERE f.trainee = g.trainee AND f.finished_ms IS NOT NULL{cf} \
                  ORDER BY f.finished_ms, f.id LIMIT 1) AS first_overall, \
               (SELECT f.overall FROM attempts f WHERE f.trainee = g.trainee AND f.finished_ms IS NOT NULL{cf} \
                  ORDER BY f.finished_ms DESC, f.id DESC LIMIT 1) AS last_overall, \
               g.best, g.respect, g.moderation, g.self_discipline, g.compliance, g.last_ms \
             FROM (SELECT trainee, count(*) AS attempts, count(finished_ms) AS finished, \
                     coalesce(sum(status = 'abandoned' OR (status = 'open' AND last_ms < {stale})), 0) AS abandoned, \
                     coalesce(sum(passed), 0) AS passed, max(overall) AS best, avg(respect) AS respect, \
                     avg(moderation) AS moderation, avg(self_discipline) AS self_discipline, \
                     avg(compliance) AS compliance, max(last_ms) AS last_ms \
                   FROM attempts WHERE 1 = 1{ca} GROUP BY trainee) g \
             ORDER BY g.trainee;"
        )
    };
    let choices_sql = |cond: &str| {
        format!(
            "SELECT scenario, step_id, chosen, count(*), sum(chosen = best), avg(rating_total), \
             sum(timed_out), avg(response_ms) FROM steps WHERE 1 = 1{cond} GROUP BY scenario, step_id, chosen;"
        )
    };
    let choices_join_sql = |cond: &str| {
        format!(
            "SELECT s.scenario, s.step_id, s.chosen, count(*), sum(s.chosen = s.best), avg(s.rating_total), \
             sum(s.timed_out), avg(s.response_ms) FROM steps s JOIN attempts a ON a.id = s.attempt_id \
             WHERE 1 = 1{cond} GROUP BY s.scenario, s.step_id, s.chosen;"
        )
    };
    let trend_sql = |cond: &str| {
        format!(
            "SELECT trainee, finished_ms, uuid, scenario, overall, passed, respect, moderation, self_discipline, compliance \
             FROM attempts WHERE finished_ms IS NOT NULL{cond} ORDER BY trainee, finished_ms, id;"
        )
    };
    let st = &store;
    let all = Filter::all();
    let by_scen_since = Filter::all().scenario(scen).since(since);
    let by_scen = Filter::all().scenario(scen);
    let by_trainee = Filter::for_trainee(trainee);
    let mut queries: Vec<Query<'_>> = vec![
        Query {
            name: "cohort averages, everything",
            api: Box::new(|| unwrap_rows(st.cohort_averages(&all).map(|_| 1))),
            sql: cohort_sql(""),
        },
        Query {
            name: "cohort averages, 1 scenario + since",
            api: Box::new(|| unwrap_rows(st.cohort_averages(&by_scen_since).map(|_| 1))),
            sql: cohort_sql(&format!(
                " AND scenario = '{scen}' AND started_ms >= {since}"
            )),
        },
        Query {
            name: "trainee table, everything",
            api: Box::new(|| unwrap_rows(st.trainee_table(&all).map(|v| v.len()))),
            sql: trainee_sql("", ""),
        },
        Query {
            name: "trainee table, 1 scenario",
            api: Box::new(|| unwrap_rows(st.trainee_table(&by_scen).map(|v| v.len()))),
            sql: trainee_sql(
                &format!(" AND scenario = '{scen}'"),
                &format!(" AND f.scenario = '{scen}'"),
            ),
        },
        Query {
            name: "trend, 1 trainee",
            api: Box::new(|| {
                unwrap_rows(
                    st.trend(&by_trainee)
                        .map(|v| v.iter().map(|s| s.points.len()).sum()),
                )
            }),
            sql: trend_sql(&format!(" AND trainee = '{trainee}'")),
        },
        Query {
            name: "trend, everything",
            api: Box::new(|| {
                unwrap_rows(
                    st.trend(&all)
                        .map(|v| v.iter().map(|s| s.points.len()).sum()),
                )
            }),
            sql: trend_sql(""),
        },
        Query {
            name: "reply choices, 1 scenario",
            api: Box::new(|| unwrap_rows(st.reply_choices(&by_scen).map(|v| v.len()))),
            sql: choices_sql(&format!(" AND scenario = '{scen}'")),
        },
        Query {
            name: "reply choices, 1 scenario + since",
            api: Box::new(|| unwrap_rows(st.reply_choices(&by_scen_since).map(|v| v.len()))),
            sql: choices_join_sql(&format!(
                " AND a.scenario = '{scen}' AND a.started_ms >= {since}"
            )),
        },
        Query {
            name: "reply choices, 1 trainee",
            api: Box::new(|| unwrap_rows(st.reply_choices(&by_trainee).map(|v| v.len()))),
            sql: choices_join_sql(&format!(" AND a.trainee = '{trainee}'")),
        },
        Query {
            name: "reply choices, everything",
            api: Box::new(|| unwrap_rows(st.reply_choices(&all).map(|v| v.len()))),
            sql: choices_sql(""),
        },
        Query {
            name: "attempt list, 1 trainee, newest 50",
            api: Box::new(|| unwrap_rows(st.attempts(&by_trainee, 50).map(|v| v.len()))),
            sql: format!(
                "SELECT uuid, trainee, scenario, content_hash, seed, locale, source, status, started_ms, last_ms, steps, \
                 finished_ms, ending, outcome, passed, overall, final_mood, respect, moderation, self_discipline, compliance, \
                 not_assessed, below_floor FROM attempts WHERE trainee = '{trainee}' ORDER BY started_ms DESC, id DESC LIMIT 50;"
            ),
        },
        Query {
            name: "attempt drill-down (summary + steps)",
            api: Box::new(|| {
                unwrap_rows(
                    st.attempt(&one_attempt)
                        .map(|d| d.map(|d| d.steps.len() + 1).unwrap_or(0)),
                )
            }),
            sql: format!(
                "SELECT uuid, trainee, scenario, content_hash, seed, locale, source, status, started_ms, last_ms, steps, \
                 finished_ms, ending, outcome, passed, overall, final_mood, respect, moderation, self_discipline, compliance, \
                 not_assessed, below_floor, id FROM attempts WHERE uuid = '{one_attempt}';\n\
                 SELECT idx, step_id, variant, customer_line, offered, chosen, best, timed_out, response_ms, respect, moderation, \
                 self_discipline, compliance, mood_before, mood_after, trigger_goto, recorded_ms FROM steps \
                 WHERE attempt_id = (SELECT id FROM attempts WHERE uuid = '{one_attempt}') ORDER BY idx;"
            ),
        },
        Query {
            name: "trainee's best per scenario",
            api: Box::new(|| unwrap_rows(st.trainee_bests(trainee).map(|v| v.len()))),
            sql: format!(
                "SELECT a.scenario, count(*), count(a.finished_ms), max(a.overall), coalesce(max(a.passed), 0), max(a.last_ms), \
                   (SELECT b.uuid FROM attempts b WHERE b.trainee = a.trainee AND b.scenario = a.scenario \
                      AND b.finished_ms IS NOT NULL ORDER BY b.overall DESC, b.finished_ms, b.id LIMIT 1) \
                 FROM attempts a WHERE a.trainee = '{trainee}' GROUP BY a.scenario ORDER BY a.scenario;"
            ),
        },
    ];
    let has_cli = Command::new("sqlite3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let cli_version = Command::new("sqlite3")
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()
                .unwrap_or("?")
                .to_string()
        })
        .unwrap_or_else(|_| "not installed".to_string());
    println!(
        "\n(b) dashboard queries: API (rusqlite, bundled SQLite {}) vs the same SQL in the sqlite3 CLI ({cli_version});\n    \
         API: median (mean) of repeated calls, rows mapped to Rust structs; CLI: per-query time from\n    \
         (process running it n+1 times − process running it once) / n, output to /dev/null; target API ≤ 1.5× CLI",
        rusqlite::version()
    );
    println!(
        "    {:<38} {:>6} {:>12} {:>12} {:>12} {:>7}",
        "query", "rows", "API median", "API mean", "sqlite3 CLI", "ratio"
    );
    let mut worst: f64 = 0.0;
    for q in &mut queries {
        let (med, mean, rows) = time_api(Duration::from_secs(2), &mut q.api);
        let cli = if has_cli {
            time_cli(&path, &q.sql, mean)
        } else {
            None
        };
        let cli_n = if has_cli {
            cli_rows(&path, &q.sql)
        } else {
            None
        };
        let ratio = cli.map(|c| mean.as_secs_f64() / c.as_secs_f64().max(1e-9));
        if let Some(r) = ratio {
            worst = worst.max(r);
        }
        println!(
            "    {:<38} {:>6} {:>9.3} ms {:>9.3} ms {:>12} {:>7}{}",
            q.name,
            rows,
            ms(med),
            ms(mean),
            cli.map(|c| format!("{:.3} ms", ms(c)))
                .unwrap_or_else(|| "—".to_string()),
            ratio
                .map(|r| format!("{r:.2}×"))
                .unwrap_or_else(|| "—".to_string()),
            match cli_n {
                Some(n) if n != rows => format!("  (CLI printed {n} rows)"),
                _ => String::new(),
            }
        );
    }
    if has_cli {
        println!("    worst ratio (API mean / CLI): {worst:.2}×");
    } else {
        println!("    (install the sqlite3 CLI for the comparison: apt-get install -y sqlite3)");
    }
}
