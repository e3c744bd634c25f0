//! `courtesy run`: play a scenario headless along a path or a strategy and print the result.

use crate::cli::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, load};
use crate::core::session::AttemptResult;
use crate::core::strategy::Strategy;
use clap::{ArgGroup, Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("how").required(true).args(["choose", "strategy"])))]
pub struct RunArgs {
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
    /// Folder holding the records store, with --trainee (default: $COURTESY_DATA_DIR, else the platform data directory).
    #[arg(long, value_name = "DIR", requires = "trainee")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    Best,
    Worst,
    Random,
    Longest,
    Polite,
    Consultative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TieArg {
    First,
    Last,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Expect {
    Pass,
    Fail,
}

pub fn run(args: RunArgs) -> u8 {
    let loaded = match load::resolve(&args.scenario, args.scenarios.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let sc = &loaded.scenario;
    let locale = match &args.locale {
        Some(l) => l.clone(),
        None if sc.locales.iter().any(|l| l == "en") => "en".to_string(),
        None => sc
            .locales
            .first()
            .cloned()
            .unwrap_or_else(|| "en".to_string()),
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
            eprintln!("error: give --choose ID,ID,... or --strategy best|worst|random");
            return EXIT_USAGE;
        }
    };
    let result = match play_hashed(sc.clone(), &loaded.content_hash, seed, &locale, &strategy) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", loaded.path.display());
            return EXIT_FINDINGS;
        }
    };
    let result = match &args.trainee {
        Some(trainee) => {
            match crate::cli::report::record_run(trainee, args.data_dir.as_deref(), &loaded, result)
            {
                Ok(r) => r,
                Err(code) => return code,
            }
        }
        None => result,
    };
    if args.json {
        match serde_json::to_string_pretty(&result) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: could not write JSON: {e}");
                return EXIT_USAGE;
            }
        }
    } else {
        print!("{}", render_text(sc, &result));
    }
    match args.expect {
        Some(Expect::Pass) if !result.passed => {
            eprintln!(
                "expected a pass, but the attempt failed (overall {:.1})",
                result.overall
            );
            EXIT_FINDINGS
        }
        Some(Expect::Fail) if result.passed => {
            eprintln!(
                "expected a fail, but the attempt passed (overall {:.1})",
                result.overall
            );
            EXIT_FINDINGS
        }
        _ => EXIT_OK,
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
