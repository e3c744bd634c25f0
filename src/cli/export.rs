//! `courtesy export --xapi FILE`: the outbox's statements as a JSON array, for rooms with no network.

use crate::cli::{CliError, finished};
use crate::core::records::{OutboxSelect, RecordsError, Store};
use clap::Args;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// Write the statements as one JSON array (xAPI 1.0.3) to FILE (`-` for standard
    /// output); POST it to the LRS's statements resource, or import it there.
    #[arg(long, value_name = "FILE")]
    pub xapi: PathBuf,
    /// Every statement, sent or not (default: only those not delivered yet: pending and parked).
    #[arg(long)]
    pub all: bool,
    /// Mark the exported statements as sent, so that `courtesy sync` does not send them
    /// again (sending twice would be harmless, only slower).
    #[arg(long)]
    pub mark_sent: bool,
    /// Folder holding records.sqlite3 (default: the station's data folder; see `courtesy config`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Why the export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Records(#[from] RecordsError),
    #[error(transparent)]
    Access(#[from] crate::cli::manager::AccessError),
    #[error("cannot write `{}`: {source}; check the folder exists and you may write there", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub(crate) fn run(
    args: ExportArgs,
    station: &crate::station::StationConfig,
) -> Result<ExitCode, CliError> {
    let n = export(
        &args,
        &station.records().with_data_dir(args.data_dir.as_deref()),
    )?;
    eprintln!(
        "wrote {n} statement(s) to {}{}",
        if args.xapi == Path::new("-") {
            "standard output".to_string()
        } else {
            args.xapi.display().to_string()
        },
        if args.mark_sent { ", marked sent" } else { "" }
    );
    Ok(finished(false))
}

fn export(args: &ExportArgs, records: &crate::station::Records) -> Result<usize, ExportError> {
    let path = records.store_path()?;
    let store = if args.mark_sent {
        Store::open_existing(&path)?
    } else {
        Store::open_read_only(&path)?
    };
    records.name_store(&store);
    crate::cli::manager::require_manager(&store, "`courtesy export`")?;
    let select = if args.all {
        OutboxSelect::All
    } else {
        OutboxSelect::Undelivered
    };
    let items = store.outbox_items(select, None)?;
    let mut body =
        String::with_capacity(items.iter().map(|i| i.statement.len() + 2).sum::<usize>() + 4);
    body.push('[');
    for (n, it) in items.iter().enumerate() {
        body.push_str(if n == 0 { "\n" } else { ",\n" });
        body.push_str(&it.statement);
    }
    body.push_str("\n]\n");
    let write_err = |source| ExportError::Write {
        path: args.xapi.clone(),
        source,
    };
    if args.xapi == Path::new("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(body.as_bytes())
            .and_then(|()| out.flush())
            .map_err(write_err)?;
    } else {
        // Whole or nothing: write beside it, then rename over.
        let mut tmp = args.xapi.clone().into_os_string();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, body.as_bytes())
            .and_then(|()| std::fs::rename(&tmp, &args.xapi))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                write_err(e)
            })?;
    }
    if args.mark_sent {
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        store.outbox_mark_sent(&ids)?;
        prune_marked(&store, records)?;
    }
    Ok(items.len())
}

/// Prunes what `--mark-sent` delivered, as a sync would, keeping `keep_sent_days` of the
/// LRS configuration if there is one (docs/records.md); an unreadable configuration
/// skips pruning rather than guess its retention.
fn prune_marked(store: &Store, records: &crate::station::Records) -> Result<(), ExportError> {
    match records.discover_lrs() {
        Ok(cfg) => {
            store.set_keep_sent_days(cfg.map_or(0, |c| c.keep_sent_days));
            store.prune_sent()?;
        }
        Err(e) => eprintln!("not pruning the delivered statements: {e}"),
    }
    Ok(())
}
