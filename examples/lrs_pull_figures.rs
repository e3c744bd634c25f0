//! Figures for issue 14 (not a test): the time to pull 10,000 statements from a Ralph LRS into an empty cache, and of an incremental pull of about 100 new ones.
//!
//! Needs Ralph (scripts/ralph-lrs.sh setup):
//!
//!     eval "$(scripts/ralph-lrs.sh env)"
//!     cargo run --no-default-features --example lrs_pull_figures [-- STATEMENTS]

use courtesy::core::load::parse_str;
use courtesy::core::lrs::{LrsCache, LrsClient, LrsConfig, PullOptions, sync_pending};
use courtesy::core::records::time::now_ms;
use courtesy::core::records::{ImportedAttempt, Source, Store};
use courtesy::core::strategy::{Strategy, play};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let root = std::env::temp_dir().join(format!("courtesy-pull-figures-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/ralph-lrs.sh");
    let ralph_dir = root.join("ralph");
    let out = Command::new("bash")
        .arg(&script)
        .arg("start")
        .arg(&ralph_dir)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "ralph-lrs.sh start: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let result = run(&root, &ralph_dir, target);
    let _ = Command::new("bash")
        .arg(&script)
        .arg("stop")
        .arg(&ralph_dir)
        .output();
    let _ = std::fs::remove_dir_all(&root);
    result
}

/// Records attempts at `store` until its outbox holds at least `n` more statements.
fn record(store: &Store, n: usize, seed0: u64) -> Result<usize, Box<dyn std::error::Error>> {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/angry-customer.ron"
    ))?;
    let sc = Arc::new(parse_str(&src).map_err(|e| format!("{e:?}"))?);
    let before = store.outbox_counts()?.pending as usize;
    let mut results = Vec::new();
    let mut statements = 0;
    let mut seed = seed0;
    while statements < n {
        let strategy = if seed % 2 == 0 {
            Strategy::Best
        } else {
            Strategy::Worst
        };
        let r = play(sc.clone(), seed, "en", &strategy).map_err(|e| format!("{e:?}"))?;
        statements += r.transcript.len() + 2;
        results.push((format!("trainee {}", seed % 40), r));
        seed += 1;
    }
    let starts: Vec<_> = results
        .iter()
        .map(|(t, r)| courtesy::core::records::AttemptStart {
            trainee: t.clone(),
            scenario: sc.id.clone(),
            content_hash: None,
            seed: r.seed,
            locale: "en".into(),
            source: Source::Cli,
        })
        .collect();
    let now = now_ms();
    let batch: Vec<ImportedAttempt<'_>> = results
        .iter()
        .zip(&starts)
        .enumerate()
        .map(|(i, ((_, r), s))| ImportedAttempt {
            start: s,
            started_ms: now - 60_000 + i as i64,
            transcript: &r.transcript,
            finished: Some((now - 30_000 + i as i64, r)),
        })
        .collect();
    store.import_attempts(&batch)?;
    Ok(store.outbox_counts()?.pending as usize - before)
}

fn send(store: &Store, cfg: &LrsConfig) -> Result<(usize, Duration), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let pass = sync_pending(
        store,
        &LrsClient::new(cfg),
        cfg.batch_size,
        &AtomicBool::new(false),
        |_, _| {},
    )?;
    if let Some(e) = pass.error {
        return Err(e.to_string().into());
    }
    Ok((pass.sent, started.elapsed()))
}

fn run(root: &Path, ralph_dir: &Path, target: usize) -> Result<(), Box<dyn std::error::Error>> {
    let cfg = LrsConfig::load(&ralph_dir.join("lrs.ron"))?;
    let store = Store::open(&root.join("station").join("records.sqlite3"))?;
    store.set_station(Some("Figures"));
    store.set_statement_identity(cfg.identity());
    let n = record(&store, target, 1)?;
    let (sent, push) = send(&store, &cfg)?;
    println!(
        "sent {sent} statements ({n} recorded) to Ralph in {:.2} s",
        push.as_secs_f64()
    );
    let cache = LrsCache::open(&root.join("station"), &cfg)?;
    let client = LrsClient::new(&cfg);
    let full = cache.pull(&client, &PullOptions::default(), |_| {})?;
    if let Some(e) = &full.error {
        return Err(e.to_string().into());
    }
    println!(
        "first pull into an empty cache: {} statements ({} new, {} attempts rebuilt) in {} pages: {:.2} s, of which {:.2} s here (the rest waiting for the LRS)",
        full.fetched,
        full.new,
        full.attempts_rebuilt,
        full.pages,
        full.elapsed.as_secs_f64(),
        full.local.as_secs_f64()
    );
    // Past the overlap, then about 100 new statements.
    std::thread::sleep(PullOptions::default().overlap + Duration::from_millis(500));
    let m = record(&store, 100, 1_000_000)?;
    let (sent2, _) = send(&store, &cfg)?;
    let inc = cache.pull(&client, &PullOptions::default(), |_| {})?;
    if let Some(e) = &inc.error {
        return Err(e.to_string().into());
    }
    println!(
        "incremental pull: {} statements fetched ({} new of {m} recorded, {sent2} sent, {} duplicates, {} attempts rebuilt) in {} pages: {:.2} s, of which {:.2} s here",
        inc.fetched,
        inc.new,
        inc.duplicates,
        inc.attempts_rebuilt,
        inc.pages,
        inc.elapsed.as_secs_f64(),
        inc.local.as_secs_f64()
    );
    Ok(())
}
