//! `courtesy report`: the manager's aggregates from the records store, as a table, RFC 4180 CSV or JSON.

use crate::cli::{CliError, finished};
use crate::core::model::Principle;
use crate::core::records::time::format_utc;
use crate::core::records::{
    AttemptDetail, AttemptId, AttemptSummary, CohortAverages, Filter, RecordsError, ReplyChoice,
    Store, TraineeRow, TrendSeries, store_path,
};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Folder holding records.sqlite3 (default: the station's data folder; see `courtesy config`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Only this trainee's attempts.
    #[arg(long, value_name = "ID")]
    pub trainee: Option<String>,
    /// Only attempts played at this station (the name in its statements; see
    /// `courtesy config`).
    #[arg(long, value_name = "NAME")]
    pub station: Option<String>,
    /// Only attempts at this scenario id.
    #[arg(long, value_name = "ID")]
    pub scenario: Option<String>,
    /// Only attempts started on or after this day (UTC), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only attempts started on or before this day (UTC), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Output format. CSV is RFC 4180 (CRLF line ends, every text cell quoted, cells that a
    /// spreadsheet would run as a formula prefixed with ').
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Which aggregate to print. Default: all of them for table and JSON, `trainees` for CSV
    /// (a CSV file holds one table).
    #[arg(long, value_enum)]
    pub view: Option<View>,
    /// Print one attempt in full (every step with its ratings, and the seed to replay it).
    #[arg(long, value_name = "ATTEMPT_ID", conflicts_with = "view")]
    pub attempt: Option<String>,
    /// Most rows in the table's "most common poor choices" and "attempts" lists.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Read the attempts back from the organisation's LRS (every room that sends to it)
    /// instead of this station's records store: the same aggregates, rebuilt from the
    /// xAPI statements (docs/xapi.md).
    #[arg(long, conflicts_with = "attempt")]
    pub lrs: bool,
    /// The LRS configuration file, with --lrs (default: the station's; see `courtesy config`).
    #[arg(long, value_name = "FILE", requires = "lrs")]
    pub lrs_config: Option<PathBuf>,
}

/// Why `courtesy report` could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Records(#[from] RecordsError),
    #[error(transparent)]
    Lrs(#[from] crate::core::lrs::LrsError),
    #[error(transparent)]
    Access(#[from] crate::cli::manager::AccessError),
    #[error(
        "cannot report from the LRS: it could not be reached and nothing has been pulled into \
         the cache yet ({0})"
    )]
    Pull(String),
    #[error("could not write the report: {0}")]
    Output(std::io::Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum View {
    /// Cohort figures, trainee table and the most common poor choices (table, JSON).
    All,
    /// The cohort's per-principle averages.
    Principles,
    /// One row per trainee: attempts, first/last/best overall, improvement, weakest principle.
    Trainees,
    /// One row per finished attempt, per trainee, in time order.
    Trend,
    /// How often each reply was chosen at each step ("where learners go wrong").
    Choices,
    /// The attempts, newest first.
    Attempts,
}

pub(crate) fn run(
    args: ReportArgs,
    station: &crate::station::StationConfig,
) -> Result<ExitCode, CliError> {
    let text = report(&args, station)?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(ReportError::Output)?;
    Ok(finished(false))
}

/// Builds the whole output (so that an error prints nothing half-done).
pub(crate) fn report(
    args: &ReportArgs,
    station: &crate::station::StationConfig,
) -> Result<String, ReportError> {
    let mut filter = Filter::all();
    if let Some(d) = &args.since {
        filter = filter.since_date(d)?;
    }
    if let Some(d) = &args.until {
        filter = filter.until_date(d)?;
    }
    if let Some(s) = &args.scenario {
        filter = filter.scenario(s);
    }
    if let Some(t) = &args.trainee {
        filter = filter.trainee(t);
    }
    if let Some(s) = &args.station {
        filter = filter.station(s);
    }
    let records = station
        .records()
        .with_data_dir(args.data_dir.as_deref())
        .with_lrs_config(args.lrs_config.as_deref());
    let dir = records.data_dir()?;
    // The whole room's records (this station's, or every station's from the LRS): only
    // with the manager password of this station's store.
    let local = match Store::open_read_only(&store_path(&dir)) {
        Ok(s) => {
            records.name_store(&s);
            s
        }
        Err(RecordsError::Missing { path }) if args.lrs => {
            return Err(crate::cli::manager::AccessError::NoPassword { path }.into());
        }
        Err(e) => return Err(e.into()),
    };
    crate::cli::manager::require_manager(&local, "`courtesy report`")?;
    let cohort;
    let cache;
    let mut label = local.path().display().to_string();
    let lrs_store: &Store = if !args.lrs {
        &local
    } else {
        use crate::core::lrs::{LrsClient, LrsError, cohort_store};
        let cfg = records
            .discover_lrs()?
            .ok_or_else(|| LrsError::NotConfigured {
                looked_at: records.lrs_config_path(&dir).0,
            })?;
        if let Some(w) = records.lrs_exposure() {
            eprintln!("warning: {w}");
        }
        let client = LrsClient::new(&cfg);
        match crate::core::lrs::LrsCache::open(&dir, &cfg) {
            // The cache beside the store: pull what is new, then report from it.
            Ok(c) => {
                let pulled = c.pull(&client, &crate::core::lrs::PullOptions::default(), |_| {})?;
                let fresh = c.freshness()?;
                if let Some(e) = &pulled.error {
                    if fresh.last_success_ms.is_none() {
                        return Err(ReportError::Pull(e.to_string()));
                    }
                    eprintln!(
                        "warning: could not pull from the LRS ({e}); reporting from the cache"
                    );
                }
                let now = crate::core::records::time::now_ms();
                label = format!(
                    "LRS {} (cache {}: {}; this pull: {} new statement(s) of {} fetched)",
                    cfg.endpoint_shown(),
                    c.store().path().display(),
                    fresh.line(now),
                    pulled.new,
                    pulled.fetched
                );
                cache = c;
                cache.store()
            }
            // No cache here (a read-only data folder): rebuild from scratch as before.
            Err(open_error) => {
                eprintln!(
                    "warning: cannot use the LRS cache ({open_error}); reading every statement"
                );
                let statements =
                    crate::core::lrs::fetch_attempts(&client, filter.since_ms, |_| {})?;
                let rebuilt = crate::core::lrs::rebuild_attempts(&statements);
                cohort = cohort_store(&rebuilt)?;
                label = format!(
                    "LRS {} ({} Courtesy statement(s), {} attempt(s) rebuilt{})",
                    cfg.endpoint_shown(),
                    rebuilt.statements,
                    rebuilt.attempts.len() - cohort.skipped,
                    if cohort.skipped > 0 {
                        format!(", {} skipped: unusable trainee id", cohort.skipped)
                    } else {
                        String::new()
                    }
                );
                cohort
                    .store()
                    .ok_or(RecordsError::Missing { path: dir.clone() })?
            }
        }
    };
    let store = lrs_store;
    if let Some(id) = &args.attempt {
        let id = AttemptId::parse(id)?;
        let detail = store
            .attempt(&id)?
            .ok_or(RecordsError::UnknownAttempt(id))?;
        return Ok(match args.format {
            ReportFormat::Table => attempt_table(&detail),
            ReportFormat::Csv => attempt_csv(&detail),
            ReportFormat::Json => json(&detail),
        });
    }
    let view = args.view.unwrap_or(match args.format {
        ReportFormat::Csv => View::Trainees,
        _ => View::All,
    });
    let limit = args.limit;
    Ok(match (args.format, view) {
        (ReportFormat::Json, View::All) => json(&AllJson {
            store: label,
            filter: &filter,
            cohort: store.cohort_averages(&filter)?,
            trainees: store.trainee_table(&filter)?,
            trend: store.trend(&filter)?,
            choices: store.reply_choices(&filter)?,
        }),
        (ReportFormat::Json, View::Principles) => json(&store.cohort_averages(&filter)?),
        (ReportFormat::Json, View::Trainees) => json(&store.trainee_table(&filter)?),
        (ReportFormat::Json, View::Trend) => json(&store.trend(&filter)?),
        (ReportFormat::Json, View::Choices) => json(&store.reply_choices(&filter)?),
        (ReportFormat::Json, View::Attempts) => json(&store.attempts(&filter, limit)?),
        (ReportFormat::Csv, View::All | View::Trainees) => {
            to_csv(&trainee_rows(&store.trainee_table(&filter)?))
        }
        (ReportFormat::Csv, View::Principles) => {
            to_csv(&principle_rows(&store.cohort_averages(&filter)?))
        }
        (ReportFormat::Csv, View::Trend) => to_csv(&trend_rows(&store.trend(&filter)?)),
        (ReportFormat::Csv, View::Choices) => to_csv(&choice_rows(&store.reply_choices(&filter)?)),
        (ReportFormat::Csv, View::Attempts) => {
            to_csv(&attempt_rows(&store.attempts(&filter, limit)?))
        }
        (ReportFormat::Table, view) => {
            let mut out = String::new();
            let cohort = store.cohort_averages(&filter)?;
            let _ = writeln!(
                out,
                "Records: {}\n{} attempt(s) by {} trainee(s): {} finished, {} passed, {} abandoned{}",
                label,
                cohort.attempts,
                cohort.trainees,
                cohort.finished,
                cohort.passed,
                cohort.abandoned,
                describe(&filter),
            );
            if cohort.attempts == 0 {
                out.push_str("\nNo attempts recorded match.\n");
                return Ok(out);
            }
            if matches!(view, View::All | View::Principles) {
                section(&mut out, "Cohort averages (finished attempts)");
                out.push_str(&to_table(&principle_rows(&cohort)));
            }
            if matches!(view, View::All | View::Trainees) {
                section(&mut out, "Trainees");
                out.push_str(&to_table(&trainee_rows(&store.trainee_table(&filter)?)));
            }
            if matches!(view, View::Trend) {
                section(&mut out, "Trend (finished attempts, oldest first)");
                out.push_str(&to_table(&trend_rows(&store.trend(&filter)?)));
            }
            if matches!(view, View::All) {
                section(
                    &mut out,
                    "Where learners go wrong: most common poor choices",
                );
                out.push_str(&to_table(&choice_rows(
                    &store.poor_choices(&filter, limit)?,
                )));
            }
            if matches!(view, View::Choices) {
                section(&mut out, "Reply choices per scenario and step");
                out.push_str(&to_table(&choice_rows(&store.reply_choices(&filter)?)));
            }
            if matches!(view, View::Attempts) {
                section(&mut out, "Attempts, newest first");
                out.push_str(&to_table(&attempt_rows(&store.attempts(&filter, limit)?)));
            }
            out
        }
    })
}

/// Test hook: with `COURTESY_TEST_COMMIT_TRACE=MS` set, `courtesy run --trainee` prints
/// `begun <attempt>`, `committed <attempt> <index>` and `finished <attempt>` on stderr right
/// after each durable commit, then waits MS milliseconds (so tests can kill it mid-attempt).
pub(crate) const COMMIT_TRACE_ENV: &str = "COURTESY_TEST_COMMIT_TRACE";

/// `courtesy run --trainee ID`: records the attempt `run` just played (`planned`) into the
/// store, committing each step as it is played again (same seed and choices). Returns the
/// recorded result.
pub(crate) fn record_run(
    trainee: &str,
    records: &crate::station::Records,
    loaded: &crate::core::library::LoadedScenario,
    planned: crate::core::session::AttemptResult,
) -> Result<crate::core::session::AttemptResult, crate::cli::RunError> {
    use crate::core::records::{RecordEvent, Source, record_played};
    let store = records.open_store()?;
    // The statements written beside each step name the trainee under the configured
    // account home page; a broken LRS configuration must not stop the recording.
    if let Err(e) = records.configure_store(&store) {
        eprintln!("warning: {e}; statements are written with the default account home page");
    }
    let trace: Option<u64> = std::env::var(COMMIT_TRACE_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok());
    let on_event = |ev: RecordEvent<'_>| {
        let Some(ms) = trace else { return };
        match ev {
            RecordEvent::Begun(id) => eprintln!("begun {id}"),
            RecordEvent::Committed { attempt, index } => eprintln!("committed {attempt} {index}"),
            RecordEvent::Finished(id) => eprintln!("finished {id}"),
        }
        std::thread::sleep(std::time::Duration::from_millis(ms));
    };
    let (id, result) = record_played(
        &store,
        trainee,
        Source::Cli,
        loaded.scenario.clone(),
        &planned,
        on_event,
    )?;
    eprintln!(
        "recorded attempt {id} for trainee {} in {}",
        trainee.trim(),
        store.path().display()
    );
    Ok(result)
}

#[derive(Serialize)]
struct AllJson<'a> {
    store: String,
    filter: &'a Filter,
    cohort: CohortAverages,
    trainees: Vec<TraineeRow>,
    trend: Vec<TrendSeries>,
    choices: Vec<ReplyChoice>,
}

fn json<T: Serialize>(v: &T) -> String {
    // Serialising these plain structs cannot fail.
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".to_string());
    s.push('\n');
    s
}

fn describe(f: &Filter) -> String {
    let mut parts = Vec::new();
    if let Some(t) = &f.trainee {
        parts.push(format!("trainee {t}"));
    }
    if let Some(s) = &f.scenario {
        parts.push(format!("scenario {s}"));
    }
    if let Some(ms) = f.since_ms {
        parts.push(format!("since {}", format_utc(ms)));
    }
    if let Some(ms) = f.until_ms {
        parts.push(format!("before {}", format_utc(ms)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{title}");
}

/// A cell of a report table: text (neutralised in CSV) or a number we formatted.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Num(String),
    Empty,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn int(v: u64) -> Cell {
    Cell::Num(v.to_string())
}

fn num(v: Option<f64>, decimals: usize) -> Cell {
    match v {
        Some(v) if v.is_finite() => Cell::Num(format!("{v:.decimals$}")),
        _ => Cell::Empty,
    }
}

fn flag(v: bool) -> Cell {
    Cell::Num(if v { "true" } else { "false" }.to_string())
}

fn time(ms: Option<i64>) -> Cell {
    ms.map(|ms| Cell::Num(format_utc(ms)))
        .unwrap_or(Cell::Empty)
}

/// A header row and data rows.
struct Rows {
    header: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

const P_COLUMNS: [Principle; 4] = Principle::ALL;

fn principle_rows(c: &CohortAverages) -> Rows {
    let mut rows: Vec<Vec<Cell>> = P_COLUMNS
        .iter()
        .filter_map(|p| {
            c.principles
                .get(p)
                .map(|a| vec![text(p.key()), num(Some(a.mean), 1), int(a.attempts)])
        })
        .collect();
    rows.push(vec![text("overall"), num(c.overall, 1), int(c.finished)]);
    Rows {
        header: vec!["principle", "mean", "attempts"],
        rows,
    }
}

fn trainee_rows(t: &[TraineeRow]) -> Rows {
    Rows {
        header: vec![
            "trainee",
            "attempts",
            "finished",
            "abandoned",
            "passed",
            "first_overall",
            "last_overall",
            "best_overall",
            "improvement",
            "weakest",
            "respect",
            "moderation",
            "self_discipline",
            "compliance",
            "last_active_utc",
        ],
        rows: t
            .iter()
            .map(|r| {
                let mut row = vec![
                    text(&r.trainee),
                    int(r.attempts),
                    int(r.finished),
                    int(r.abandoned),
                    int(r.passed),
                    num(r.first_overall, 1),
                    num(r.last_overall, 1),
                    num(r.best_overall, 1),
                    num(r.improvement, 1),
                    r.weakest.map(|p| text(p.key())).unwrap_or(Cell::Empty),
                ];
                row.extend(
                    P_COLUMNS
                        .iter()
                        .map(|p| num(r.principles.get(p).copied(), 1)),
                );
                row.push(time(Some(r.last_active_ms)));
                row
            })
            .collect(),
    }
}

fn trend_rows(series: &[TrendSeries]) -> Rows {
    let mut rows = Vec::new();
    for s in series {
        for p in &s.points {
            let mut row = vec![
                text(&s.trainee),
                time(Some(p.finished_ms)),
                text(p.attempt.to_string()),
                text(&p.scenario),
                num(Some(p.overall), 1),
                flag(p.passed),
            ];
            row.extend(
                P_COLUMNS
                    .iter()
                    .map(|k| num(p.principles.get(k).copied(), 1)),
            );
            rows.push(row);
        }
    }
    Rows {
        header: vec![
            "trainee",
            "finished_utc",
            "attempt",
            "scenario",
            "overall",
            "passed",
            "respect",
            "moderation",
            "self_discipline",
            "compliance",
        ],
        rows,
    }
}

fn choice_rows(c: &[ReplyChoice]) -> Rows {
    Rows {
        header: vec![
            "scenario",
            "step",
            "reply",
            "chosen",
            "visits",
            "share",
            "rating_total",
            "best_reply",
            "timed_out",
            "mean_response_ms",
        ],
        rows: c
            .iter()
            .map(|r| {
                vec![
                    text(&r.scenario),
                    text(&r.step_id),
                    text(&r.reply_id),
                    int(r.chosen),
                    int(r.visits),
                    num(Some(r.share), 3),
                    num(Some(r.rating_total), 1),
                    flag(r.is_best),
                    int(r.timed_out),
                    num(Some(r.mean_response_ms), 0),
                ]
            })
            .collect(),
    }
}

fn attempt_rows(a: &[AttemptSummary]) -> Rows {
    Rows {
        header: vec![
            "attempt",
            "trainee",
            "scenario",
            "status",
            "started_utc",
            "finished_utc",
            "steps",
            "outcome",
            "passed",
            "overall",
            "seed",
            "locale",
            "station",
        ],
        rows: a
            .iter()
            .map(|s| {
                vec![
                    text(s.id.to_string()),
                    text(&s.trainee),
                    text(&s.scenario),
                    text(s.status.key()),
                    time(Some(s.started_ms)),
                    time(s.finished_ms),
                    int(u64::try_from(s.steps).unwrap_or(0)),
                    s.outcome.map(|o| text(o.key())).unwrap_or(Cell::Empty),
                    s.passed.map(flag).unwrap_or(Cell::Empty),
                    num(s.overall, 1),
                    Cell::Num(s.seed.to_string()),
                    text(&s.locale),
                    s.station.as_deref().map(text).unwrap_or(Cell::Empty),
                ]
            })
            .collect(),
    }
}

fn step_rows(d: &AttemptDetail) -> Rows {
    Rows {
        header: vec![
            "index",
            "step",
            "customer_line",
            "offered",
            "chosen",
            "best",
            "timed_out",
            "response_ms",
            "respect",
            "moderation",
            "self_discipline",
            "compliance",
            "mood_before",
            "mood_after",
            "trigger",
            "recorded_utc",
        ],
        rows: d
            .steps
            .iter()
            .map(|s| {
                let e = &s.entry;
                let mut row = vec![
                    int(u64::try_from(s.index).unwrap_or(0)),
                    text(&e.step_id),
                    text(&e.customer_line),
                    text(e.offered.join(" ")),
                    text(&e.chosen),
                    text(&e.best),
                    flag(e.timed_out),
                    int(e.response_ms),
                ];
                row.extend(P_COLUMNS.iter().map(|p| match e.ratings.get(p) {
                    Some(v) => Cell::Num(v.to_string()),
                    None => Cell::Empty,
                }));
                row.push(Cell::Num(e.mood_before.to_string()));
                row.push(Cell::Num(e.mood_after.to_string()));
                row.push(e.trigger.as_ref().map(text).unwrap_or(Cell::Empty));
                row.push(time(Some(s.recorded_ms)));
                row
            })
            .collect(),
    }
}

fn attempt_table(d: &AttemptDetail) -> String {
    let s = &d.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Attempt {} by {} at {} ({}), seed {}, locale {}\nstarted {}{}; {}",
        s.id,
        s.trainee,
        s.scenario,
        s.status.key(),
        s.seed,
        s.locale,
        format_utc(s.started_ms),
        s.finished_ms
            .map(|f| format!(", finished {}", format_utc(f)))
            .unwrap_or_default(),
        match (s.outcome, s.overall, s.passed) {
            (Some(o), Some(v), Some(p)) => format!(
                "ending {} [{}], overall {v:.1}, {}",
                s.ending.as_deref().unwrap_or(""),
                o.key(),
                if p { "PASSED" } else { "FAILED" }
            ),
            _ => format!("{} step(s) recorded, not finished", s.steps),
        }
    );
    for p in P_COLUMNS {
        if let Some(v) = s.principles.get(&p) {
            let _ = writeln!(out, "  {:<16} {v:>5.1}", p.key());
        }
    }
    let _ = writeln!(
        out,
        "Replay: courtesy run {} --seed {} --locale {} --choose {}",
        s.scenario,
        s.seed,
        s.locale,
        d.choices().join(",")
    );
    section(&mut out, "Steps");
    out.push_str(&to_table(&step_rows(d)));
    out
}

fn attempt_csv(d: &AttemptDetail) -> String {
    to_csv(&step_rows(d))
}

/// OWASP CSV-injection advice: a text cell a spreadsheet could run as a formula (starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`.
pub(crate) fn neutralise(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// One RFC 4180 field: text cells neutralised, then quoted with inner quotes doubled.
fn csv_field(c: &Cell) -> String {
    match c {
        Cell::Text(s) => format!("\"{}\"", neutralise(s).replace('"', "\"\"")),
        Cell::Num(s) => s.clone(),
        Cell::Empty => String::new(),
    }
}

fn to_csv(rows: &Rows) -> String {
    let mut out = String::new();
    let header: Vec<String> = rows.header.iter().map(|h| csv_field(&text(*h))).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in &rows.rows {
        let fields: Vec<String> = r.iter().map(csv_field).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

fn table_text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s
            .chars()
            .map(|ch| if ch.is_control() { ' ' } else { ch })
            .collect(),
        Cell::Num(s) => s.clone(),
        Cell::Empty => "—".to_string(),
    }
}

fn to_table(rows: &Rows) -> String {
    if rows.rows.is_empty() {
        return "  (none)\n".to_string();
    }
    let cells: Vec<Vec<String>> = rows
        .rows
        .iter()
        .map(|r| r.iter().map(table_text).collect())
        .collect();
    let mut width: Vec<usize> = rows.header.iter().map(|h| h.chars().count()).collect();
    for r in &cells {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = width.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let numeric: Vec<bool> = (0..rows.header.len())
        .map(|i| {
            rows.rows
                .iter()
                .all(|r| matches!(r.get(i), Some(Cell::Num(_) | Cell::Empty) | None))
        })
        .collect();
    let line = |vals: Vec<String>| -> String {
        let mut s = String::from(" ");
        for (i, v) in vals.iter().enumerate() {
            let w = width.get(i).copied().unwrap_or(0);
            let pad = w.saturating_sub(v.chars().count());
            s.push(' ');
            if numeric.get(i).copied().unwrap_or(false) {
                s.push_str(&" ".repeat(pad));
                s.push_str(v);
            } else {
                s.push_str(v);
                s.push_str(&" ".repeat(pad));
            }
        }
        format!("{}\n", s.trim_end())
    };
    let mut out = line(rows.header.iter().map(|h| h.to_string()).collect());
    for r in cells {
        out.push_str(&line(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_quoted() {
        let rows = Rows {
            header: vec!["a", "b"],
            rows: vec![
                vec![text("=1+1"), num(Some(-2.5), 1)],
                vec![text("say \"hi\", ok"), Cell::Empty],
            ],
        };
        assert_eq!(
            to_csv(&rows),
            "\"a\",\"b\"\r\n\"'=1+1\",-2.5\r\n\"say \"\"hi\"\", ok\",\r\n"
        );
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(neutralise("alice"), "alice");
    }
}
