//! `courtesy run`: play a scenario headless along a path or a strategy and print the result.

use crate::cli::{CliError, finished, load};
use crate::core::session::AttemptResult;
use crate::core::strategy::Strategy;
use crate::exit::{EXIT_FINDINGS, EXIT_USAGE};
use clap::{ArgGroup, Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("how").required(true).args(["choose", "strategy"])))]
pub(crate) struct RunArgs {
    /// A scenario id (looked up in --scenarios) or a path to a .ron file.
    pub scenario: String,
    /// Seed for the attempt's randomness (reply order, line variants). Default: from the clock, printed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Locale to play in (default: en if the scenario has it, else its first locale).
    #[arg(long)]
    pub locale: Option<String>,
    /// Reply ids to choose, one per step, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub choose: Option<Vec<String>>,
    /// Pick replies by strategy instead of --choose. `longest`, `polite` and
    /// `consultative` are the naive players of `courtesy check` (longest text, most
    /// politeness markers, most consultative phrases).
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,
    /// For the naive strategies: which of equally cued replies to take (file order).
    #[arg(long, value_enum, default_value_t = TieArg::First)]
    pub ties: TieArg,
    /// Print one JSON object instead of the transcript.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 unless the attempt passed (`pass`) or failed (`fail`): for trainers' CI.
    #[arg(long, value_enum)]
    pub expect: Option<Expect>,
    /// Folder to look scenario ids up in (default: scenarios/).
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// Record the attempt under this trainee id in the records store (each step committed as it is played).
    #[arg(long, value_name = "ID")]
    pub trainee: Option<String>,
    /// Folder holding the records store, with --trainee (default: the station's data folder; see `courtesy config`).
    #[arg(long, value_name = "DIR", requires = "trainee")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StrategyArg {
    Best,
    Worst,
    Random,
    Longest,
    Polite,
    Consultative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TieArg {
    First,
    Last,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Expect {
    Pass,
    Fail,
}

/// Why `courtesy run` did not play through, or did not end as `--expect` said.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The scenario cannot be played along the given path (exit 1).
    #[error("{}: {source}", path.display())]
    Play {
        path: PathBuf,
        #[source]
        source: crate::core::strategy::PlayError,
    },
    /// `--expect pass` and the attempt failed, or `--expect fail` and it passed (exit 1).
    #[error("expected a {wanted}, but the attempt {got} (overall {overall:.1})")]
    Expected {
        wanted: &'static str,
        got: &'static str,
        overall: f64,
    },
    /// `--trainee`: the records store could not be opened (exit 2).
    #[error(transparent)]
    Store(#[from] crate::core::records::RecordsError),
    /// `--trainee`: the attempt could not be recorded (exit 2).
    #[error("could not record the attempt: {0}")]
    Record(#[from] crate::core::records::RecordRunError),
}

impl RunError {
    /// 1 when the scenario or the expectation failed, 2 when the records could not be written.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            RunError::Play { .. } | RunError::Expected { .. } => EXIT_FINDINGS,
            RunError::Store(_) | RunError::Record(_) => EXIT_USAGE,
        }
    }
}

pub(crate) fn run(
    args: RunArgs,
    station: &crate::station::StationConfig,
) -> Result<ExitCode, CliError> {
    let loaded = load::resolve(station, &args.scenario, args.scenarios.as_deref())?;
    let sc = &loaded.scenario;
    let locale = match &args.locale {
        Some(l) => l.clone(),
        None => sc.locale_or("en").to_string(),
    };
    let seed = args.seed.unwrap_or_else(clock_seed);
    let strategy = match (&args.choose, args.strategy) {
        (Some(ids), _) => Strategy::Path(ids.iter().map(|s| s.trim().to_string()).collect()),
        (None, Some(StrategyArg::Best)) => Strategy::Best,
        (None, Some(StrategyArg::Worst)) => Strategy::Worst,
        (None, Some(StrategyArg::Random)) => Strategy::Random,
        (None, Some(naive)) => {
            use crate::core::strategy::{Cue, Tie};
            let cue = match naive {
                StrategyArg::Longest => Cue::Longest,
                StrategyArg::Polite => Cue::Polite,
                _ => Cue::Consultative,
            };
            let tie = match args.ties {
                TieArg::First => Tie::First,
                TieArg::Last => Tie::Last,
            };
            Strategy::Naive(cue, tie)
        }
        (None, None) => {
            return Err(CliError::Usage(
                "give --choose ID,ID,... or --strategy best|worst|random".into(),
            ));
        }
    };
    let result = play_hashed(sc.clone(), &loaded.content_hash, seed, &locale, &strategy).map_err(
        |source| RunError::Play {
            path: loaded.path.clone(),
            source,
        },
    )?;
    let result = match &args.trainee {
        Some(trainee) => crate::cli::report::record_run(
            trainee,
            &station.records().with_data_dir(args.data_dir.as_deref()),
            &loaded,
            result,
        )?,
        None => result,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print!("{}", render_text(sc, &result));
    }
    let verdict = |passed: bool| if passed { "pass" } else { "fail" };
    match args.expect {
        Some(e) if (e == Expect::Pass) != result.passed => Err(RunError::Expected {
            wanted: verdict(e == Expect::Pass),
            got: if result.passed { "passed" } else { "failed" },
            overall: result.overall,
        }
        .into()),
        _ => Ok(finished(false)),
    }
}

fn play_hashed(
    sc: std::sync::Arc<crate::core::model::Scenario>,
    hash: &str,
    seed: u64,
    locale: &str,
    strategy: &Strategy,
) -> Result<AttemptResult, crate::core::strategy::PlayError> {
    let mut session =
        crate::core::session::Session::start(sc, seed, locale)?.with_content_hash(hash);
    crate::core::strategy::play_session(&mut session, strategy)?;
    Ok(session.finish()?)
}

/// A seed from the clock, kept below 10^9 so that it is easy to type back in and
/// survives JSON readers that hold numbers as doubles.
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d.as_nanos() as u64 ^ u64::from(std::process::id())) % 1_000_000_000)
        .unwrap_or(0)
}

fn signed(v: i64) -> String {
    if v > 0 {
        format!("+{v}")
    } else {
        v.to_string()
    }
}

/// The human-readable transcript and score table.
pub fn render_text(sc: &crate::core::model::Scenario, r: &AttemptResult) -> String {
    use std::fmt::Write;
    let loc = r.locale.as_str();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}), seed {}, locale {}",
        sc.title.get(loc),
        sc.id,
        r.seed,
        loc
    );
    for (i, t) in r.transcript.iter().enumerate() {
        let step = sc.step(&t.step_id);
        let reply = step.and_then(|s| s.reply(&t.chosen));
        let _ = writeln!(out, "\n{}. [{}] {}", i + 1, t.step_id, t.customer_line);
        let _ = writeln!(out, "   offered: {}", t.offered.join(", "));
        let how = if t.timed_out { " (time ran out)" } else { "" };
        let grave = if reply.is_some_and(|r| r.critical) {
            " [CRITICAL]"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "   chose {}{how}{grave}: {}",
            t.chosen,
            reply.map(|r| r.text.get(loc)).unwrap_or("")
        );
        if let Some(line) = &t.reaction {
            let _ = writeln!(out, "   customer: {line}");
        }
        let ratings: Vec<String> = t
            .ratings
            .iter()
            .map(|(p, v)| format!("{} {}", p.label(loc), signed(*v)))
            .collect();
        let _ = writeln!(
            out,
            "   {}; mood {} → {}{}",
            ratings.join(", "),
            t.mood_before,
            t.mood_after,
            t.trigger
                .as_ref()
                .map(|g| format!(" (mood trigger → {g})"))
                .unwrap_or_default()
        );
        if t.best != t.chosen {
            let _ = writeln!(out, "   best here: {}", t.best);
        }
    }
    let ending = sc.ending(&r.ending);
    let _ = writeln!(
        out,
        "\nEnding: {} [{}] {}",
        r.ending,
        r.outcome.label(loc),
        ending.map(|e| e.text.get(loc)).unwrap_or("")
    );
    for p in &sc.principles {
        match r.principles.get(p) {
            Some(s) => {
                let floor = sc
                    .scoring
                    .floors
                    .get(*p)
                    .map(|f| format!(" (floor {f})"))
                    .unwrap_or_default();
                let _ = writeln!(out, "  {:<16} {:>5.1}{floor}", p.label(loc), s);
            }
            None => {
                let _ = writeln!(
                    out,
                    "  {:<16}     — (not assessed on this path)",
                    p.label(loc)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "  {:<16} {:>5.1} (pass mark {})\n{}",
        "Overall",
        r.overall,
        sc.scoring.pass_mark,
        if r.passed { "PASSED" } else { "FAILED" }
    );
    if !r.critical.is_empty() {
        let _ = writeln!(
            out,
            "Failed on {} critical error{} (a critical reply fails the attempt whatever the score):",
            r.critical.len(),
            if r.critical.len() == 1 { "" } else { "s" }
        );
        for c in &r.critical {
            let _ = writeln!(out, "  [{}] {}: {}", c.step, c.reply, c.reply_text);
            let _ = writeln!(out, "    why: {}", c.feedback);
        }
    }
    out
}
