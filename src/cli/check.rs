//! `courtesy check`: the score check (score ranges per ending, scoring-design flags) and
//! the teaching-quality check (naive players, cue shares, random play, trade-offs).

use crate::cli::{CliError, Format, finished, load};
use crate::core::check::{CheckOptions, ScoreCheck, check, locate_flags, render_text};
use crate::core::diagnostics::Finding;
use crate::core::quality::{self, QualityOptions, ScenarioQuality};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Scenario ids or .ron paths (default: every scenario in --scenarios).
    pub scenarios_or_paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Folder to look scenario ids up in (default: scenarios/).
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// How many times one path may visit the same step (loops).
    #[arg(long, default_value_t = 2)]
    pub max_visits: u32,
    /// How many seeds random play is tried with (seeds 0..N; at least 500).
    #[arg(long, default_value_t = quality::RANDOM_SEEDS)]
    pub seeds: u64,
}

/// One scenario in the JSON report: the score check's fields, the quality figures, and
/// every flag of both placed in the file.
#[derive(Serialize)]
struct ScenarioReport {
    #[serde(flatten)]
    score: ScoreCheck,
    file: PathBuf,
    quality: ScenarioQuality,
    findings: Vec<Finding>,
}

#[derive(Serialize)]
struct Report {
    scenarios: Vec<ScenarioReport>,
    library: quality::LibraryQuality,
}

/// A located flag as text (the findings' plain form), indented under its table.
fn print_located(out: &mut String, f: &Finding) {
    for line in f.plain().lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
}

pub(crate) fn run(
    args: CheckArgs,
    station: &crate::station::StationConfig,
) -> Result<ExitCode, CliError> {
    let loaded = load::resolve_many(station, &args.scenarios_or_paths, args.scenarios.as_deref())?;
    if args.seeds < quality::RANDOM_SEEDS {
        return Err(CliError::Usage(format!(
            "--seeds {} is too few to measure a pass rate against 5 %; use at least {}",
            args.seeds,
            quality::RANDOM_SEEDS
        )));
    }
    let opts = CheckOptions {
        max_visits_per_step: args.max_visits.max(1),
        ..CheckOptions::default()
    };
    let qopts = QualityOptions {
        random_seeds: args.seeds,
    };
    let mut flagged = false;
    let mut reports = Vec::new();
    let mut text = String::new();
    for l in &loaded {
        let c = check(&l.scenario, opts);
        let q = quality::assess(&l.scenario, qopts);
        flagged |= !c.flags.is_empty() || q.has_errors();
        // The text the scenario was read from (embedded scenarios have no file to re-read).
        let src: &str = &l.source;
        let mut findings = locate_flags(&c, &l.scenario, &l.path, src);
        let qf = quality::locate_flags(&q, &l.scenario, &l.path, src);
        match args.format {
            Format::Text => {
                text.push_str(&render_text(&c, &l.scenario));
                for f in &findings {
                    print_located(&mut text, f);
                }
                text.push_str(&quality::render_text(&q));
                for f in &qf {
                    print_located(&mut text, f);
                }
                text.push('\n');
            }
            Format::Json => {}
        }
        findings.extend(qf);
        reports.push(ScenarioReport {
            score: c,
            file: l.path.clone(),
            quality: q,
            findings,
        });
    }
    let all: Vec<ScenarioQuality> = reports.iter().map(|r| r.quality.clone()).collect();
    let lib = quality::library(&all);
    match args.format {
        Format::Text => {
            if all.len() > 1 {
                text.push_str(&quality::render_library_text(&lib));
            }
            print!("{text}");
        }
        Format::Json => {
            let report = Report {
                scenarios: reports,
                library: lib,
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
    }
    Ok(finished(flagged))
}
