//! `courtesy sync`: send the queued xAPI statements to the configured LRS from a terminal, show the queue (`--status`), or also pull the room's new statements into the local cache (`--pull`).

use crate::cli::{CliError, Format};
use crate::core::lrs::{Backoff, LrsClient, LrsConfig, LrsError, sync_pending};
use crate::core::records::time::format_utc;
use crate::core::records::{OutboxSelect, RecordsError, Store, store_path};
use crate::exit::{EXIT_FINDINGS, EXIT_OK};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// Folder holding records.sqlite3 (default: the station's data folder; see `courtesy config`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The LRS configuration file (default: the station's; see `courtesy config`).
    #[arg(long, value_name = "FILE")]
    pub lrs_config: Option<PathBuf>,
    /// Send nothing: print how many statements are pending, sent and parked, and every
    /// parked statement with the LRS's reason.
    #[arg(long)]
    pub status: bool,
    /// Put the parked statements back in the queue first (after fixing what the LRS
    /// objected to), then send.
    #[arg(long, conflicts_with = "status")]
    pub retry_parked: bool,
    /// How many more passes to make after a network or server failure (with backoff).
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub retries: u32,
    /// After sending, pull every station's new statements from the LRS into the local
    /// cache (lrs-cache.sqlite3 in the data folder) that `courtesy report --lrs` and the
    /// manager area read: only what is new since the last pull.
    #[arg(long, conflicts_with = "status")]
    pub pull: bool,
    /// With --pull: read every statement again instead of only the new ones (what is
    /// already cached is counted as a duplicate, once).
    #[arg(long, requires = "pull")]
    pub full: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Serialize)]
struct Parked {
    id: String,
    verb: String,
    attempt: String,
    tries: u64,
    last_try_utc: Option<String>,
    reason: Option<String>,
}

#[derive(Serialize)]
struct StatusJson {
    store: String,
    lrs: Option<String>,
    pending: u64,
    sent: u64,
    parked: u64,
    oldest_pending_utc: Option<String>,
    last_failure: Option<String>,
    parked_statements: Vec<Parked>,
}

#[derive(Serialize)]
struct SyncJson {
    lrs: String,
    sent: usize,
    parked: usize,
    requests: usize,
    seconds: f64,
    pending: u64,
    parked_total: u64,
    error: Option<String>,
}

/// Why `courtesy sync` could not send.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Lrs(#[from] LrsError),
    #[error(transparent)]
    Records(#[from] RecordsError),
    /// No LRS is configured: nothing can be sent, and the queue waits.
    #[error("{source}\n{pending} statement(s) pending, {parked} parked.")]
    Unconfigured {
        source: LrsError,
        pending: u64,
        parked: u64,
    },
}

pub(crate) fn run(
    args: SyncArgs,
    station: &crate::station::StationConfig,
) -> Result<ExitCode, CliError> {
    let records = station
        .records()
        .with_data_dir(args.data_dir.as_deref())
        .with_lrs_config(args.lrs_config.as_deref());
    Ok(ExitCode::from(sync(&args, &records)?))
}

fn sync(args: &SyncArgs, records: &crate::station::Records) -> Result<u8, SyncError> {
    let dir = records.data_dir()?;
    let path = store_path(&dir);
    let config = records.discover_lrs()?;
    if let Some(w) = records.lrs_exposure() {
        eprintln!("warning: {w}");
    }
    let opened = if args.status {
        Store::open_read_only(&path)
    } else {
        Store::open_existing(&path)
    };
    let store = match opened {
        Ok(s) => {
            records.name_store(&s);
            s
        }
        Err(RecordsError::Missing { .. }) if args.pull => {
            let Some(config) = config else {
                let looked_at = records.lrs_config_path(&dir).0;
                return Err(LrsError::NotConfigured { looked_at }.into());
            };
            return Ok(pull(args, &dir, &config, None)?);
        }
        Err(RecordsError::Missing { .. }) => {
            return Ok(nothing_recorded(args, &path, config.as_ref())?);
        }
        Err(e) => return Err(e.into()),
    };
    if args.status {
        return Ok(status(args, &store, config.as_ref())?);
    }
    let Some(config) = config else {
        let looked_at = records.lrs_config_path(&dir).0;
        let counts = store.outbox_counts()?;
        return Err(SyncError::Unconfigured {
            source: LrsError::NotConfigured { looked_at },
            pending: counts.pending,
            parked: counts.parked,
        });
    };
    store.set_keep_sent_days(config.keep_sent_days);
    if args.retry_parked {
        let n = store.outbox_requeue_parked()?;
        eprintln!("{n} parked statement(s) put back in the queue");
    }
    let client = LrsClient::new(&config);
    let stop = AtomicBool::new(false);
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    let mut total = crate::core::lrs::SyncPass::default();
    let started = std::time::Instant::now();
    let mut tries_left = args.retries;
    let progress =
        args.format == Format::Text && std::io::IsTerminal::is_terminal(&std::io::stderr());
    loop {
        let pass = sync_pending(&store, &client, config.batch_size, &stop, |sent, parked| {
            if progress {
                eprint!("\rsent {sent}, parked {parked} …");
            }
        })?;
        total.sent += pass.sent;
        total.parked += pass.parked;
        total.requests += pass.requests;
        match pass.error {
            Some(e) if tries_left > 0 => {
                let d = backoff.next_delay();
                eprintln!("\n{e}\nretrying in {:.1} s …", d.as_secs_f64());
                std::thread::sleep(d);
                tries_left -= 1;
            }
            e => {
                total.error = e;
                break;
            }
        }
    }
    total.elapsed = started.elapsed();
    if progress && total.requests > 0 {
        eprintln!();
    }
    let counts = store.outbox_counts()?;
    let error = total.error.as_ref().map(ToString::to_string);
    let code = if counts.pending == 0 && counts.parked == 0 {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    };
    if args.pull {
        drop(store);
        let pushed = Pushed {
            sent: total.sent,
            parked: total.parked,
            pending: counts.pending,
            error,
            code,
        };
        return Ok(pull(args, &dir, &config, Some(pushed))?);
    }
    match args.format {
        Format::Json => print_json(&SyncJson {
            lrs: config.endpoint_shown(),
            sent: total.sent,
            parked: total.parked,
            requests: total.requests,
            seconds: total.elapsed.as_secs_f64(),
            pending: counts.pending,
            parked_total: counts.parked,
            error,
        }),
        Format::Text => {
            println!(
                "LRS {}: sent {} statement(s) in {} request(s), {:.2} s; parked {} now; {} pending, {} parked in all",
                config.endpoint_shown(),
                total.sent,
                total.requests,
                total.elapsed.as_secs_f64(),
                total.parked,
                counts.pending,
                counts.parked
            );
            if let Some(e) = &error {
                println!("could not send everything: {e}");
            }
            if counts.parked > 0 {
                println!(
                    "{} statement(s) were rejected by the LRS: see `courtesy sync --status`; after fixing the cause, `courtesy sync --retry-parked`",
                    counts.parked
                );
            }
        }
    }
    Ok(code)
}

/// What the send before a pull did.
#[derive(Serialize)]
struct Pushed {
    sent: usize,
    parked: usize,
    pending: u64,
    error: Option<String>,
    #[serde(skip)]
    code: u8,
}

#[derive(Serialize)]
struct PullJson {
    lrs: String,
    cache: String,
    pushed: Option<Pushed>,
    pull: crate::core::lrs::PullReport,
    freshness: crate::core::lrs::Freshness,
    skipped_reasons: Vec<(String, u64)>,
}

/// `--pull`: the new statements of every station into the cache.
fn pull(
    args: &SyncArgs,
    dir: &std::path::Path,
    config: &LrsConfig,
    pushed: Option<Pushed>,
) -> Result<u8, LrsError> {
    use crate::core::lrs::{LrsCache, PullOptions, ago};
    let cache = LrsCache::open(dir, config)?;
    let client = LrsClient::new(config);
    let options = PullOptions {
        full: args.full,
        ..PullOptions::default()
    };
    let progress =
        args.format == Format::Text && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let report = cache.pull(&client, &options, |n| {
        if progress {
            eprint!("\rpulled {n} statement(s) …");
        }
    })?;
    if progress && report.fetched > 0 {
        eprintln!();
    }
    let fresh = cache.freshness()?;
    let now = crate::core::records::time::now_ms();
    let skipped_reasons = cache.store().cache_skip_reasons(5)?;
    let code = match (&report.error, &pushed) {
        (Some(_), _) => EXIT_FINDINGS,
        (None, Some(p)) => p.code,
        (None, None) => EXIT_OK,
    };
    match args.format {
        Format::Json => print_json(&PullJson {
            lrs: config.endpoint_shown(),
            cache: cache.store().path().display().to_string(),
            pushed,
            pull: report,
            freshness: fresh,
            skipped_reasons,
        }),
        Format::Text => {
            if let Some(p) = &pushed {
                println!(
                    "LRS {}: sent {} statement(s), parked {}; {} pending",
                    config.endpoint_shown(),
                    p.sent,
                    p.parked,
                    p.pending
                );
                if let Some(e) = &p.error {
                    println!("could not send everything: {e}");
                }
            }
            println!(
                "pulled {} new statement(s) of {} fetched ({} already cached) in {} page(s), {:.2} s{}: {} attempt(s) rebuilt{}{}",
                report.new,
                report.fetched,
                report.duplicates,
                report.pages,
                report.elapsed.as_secs_f64(),
                match report.since_ms {
                    Some(t) => format!(" since {}", format_utc(t)),
                    None => " (everything)".to_string(),
                },
                report.attempts_rebuilt,
                if report.skipped > 0 {
                    format!(", {} unreadable statement(s) skipped", report.skipped)
                } else {
                    String::new()
                },
                if report.ignored > 0 {
                    format!(", {} of other applications ignored", report.ignored)
                } else {
                    String::new()
                }
            );
            if let Some(e) = &report.error {
                println!(
                    "could not pull everything: {e}\nthe cache keeps what it has{}",
                    match fresh.last_success_ms {
                        Some(t) => format!(
                            " (last complete pull {}, {})",
                            ago(now.saturating_sub(t)),
                            format_utc(t)
                        ),
                        None => " (nothing pulled yet)".to_string(),
                    }
                );
            }
            println!(
                "cache {}: {}",
                cache.store().path().display(),
                fresh.line(now)
            );
            for (why, n) in &skipped_reasons {
                println!("  skipped {n}: {why}");
            }
        }
    }
    Ok(code)
}

/// No store yet: nothing was ever recorded here, so nothing is waiting.
fn nothing_recorded(
    args: &SyncArgs,
    path: &std::path::Path,
    config: Option<&LrsConfig>,
) -> Result<u8, LrsError> {
    match args.format {
        Format::Json => print_json(&StatusJson {
            store: path.display().to_string(),
            lrs: config.map(LrsConfig::endpoint_shown),
            pending: 0,
            sent: 0,
            parked: 0,
            oldest_pending_utc: None,
            last_failure: None,
            parked_statements: Vec::new(),
        }),
        Format::Text => {
            println!("Records: {} (nothing recorded yet)", path.display());
            println!(
                "LRS: {}",
                config
                    .map(LrsConfig::endpoint_shown)
                    .as_deref()
                    .unwrap_or("not configured (statements queue here)")
            );
            println!("nothing recorded yet: 0 pending, 0 sent, 0 parked");
        }
    }
    Ok(EXIT_OK)
}

fn status(args: &SyncArgs, store: &Store, config: Option<&LrsConfig>) -> Result<u8, LrsError> {
    let counts = store.outbox_counts()?;
    let parked: Vec<Parked> = store
        .outbox_items(OutboxSelect::Parked, None)?
        .into_iter()
        .map(|i| Parked {
            id: i.id,
            verb: i.verb,
            attempt: i.attempt,
            tries: i.tries,
            last_try_utc: i.last_try_ms.map(format_utc),
            reason: i.reason,
        })
        .collect();
    let last_failure = store
        .outbox_items(OutboxSelect::Pending, Some(1))?
        .into_iter()
        .next()
        .and_then(|i| i.reason);
    let out = StatusJson {
        store: store.path().display().to_string(),
        lrs: config.map(LrsConfig::endpoint_shown),
        pending: counts.pending,
        sent: counts.sent,
        parked: counts.parked,
        oldest_pending_utc: counts.oldest_pending_ms.map(format_utc),
        last_failure,
        parked_statements: parked,
    };
    match args.format {
        Format::Json => print_json(&out),
        Format::Text => {
            println!("Records: {}", out.store);
            println!(
                "LRS: {}",
                out.lrs
                    .as_deref()
                    .unwrap_or("not configured (statements queue here)")
            );
            println!(
                "{} pending{}, {} sent, {} parked",
                out.pending,
                out.oldest_pending_utc
                    .as_deref()
                    .map(|t| format!(" (oldest {t})"))
                    .unwrap_or_default(),
                out.sent,
                out.parked
            );
            if let Some(r) = &out.last_failure {
                println!("last failure: {r}");
            }
            if let Some(cfg) = config
                && let Some(dir) = store.path().parent()
                && let Ok(cache) = crate::core::lrs::LrsCache::open_read_only(dir, cfg)
                && let Ok(fresh) = cache.freshness()
            {
                println!(
                    "room cache {}: {}",
                    cache.store().path().display(),
                    fresh.line(crate::core::records::time::now_ms())
                );
            }
            for p in &out.parked_statements {
                println!(
                    "parked {} ({} of attempt {}, {} tries, last {}): {}",
                    p.id,
                    p.verb,
                    p.attempt,
                    p.tries,
                    p.last_try_utc.as_deref().unwrap_or("-"),
                    p.reason.as_deref().unwrap_or("-")
                );
            }
        }
    }
    Ok(EXIT_OK)
}

fn print_json<T: Serialize>(v: &T) {
    // Serialising these plain structs cannot fail.
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
    );
}
