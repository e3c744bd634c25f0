//! `courtesy list`: the scenarios found, with id, title, difficulty and locales.

use crate::cli::{CliError, Format, finished};
use crate::core::library::Library;
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Files or folders to list (default: the station's scenarios: the embedded ones, then
    /// the configured folders; see `courtesy config`).
    pub paths: Vec<PathBuf>,
    /// Locale for titles and labels.
    #[arg(long, default_value = "en")]
    pub locale: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Print the rule coverage table (rule → scenarios upholding / breaking it) instead;
    /// exits 1 if a required rule or a principle is not covered.
    #[arg(long, conflicts_with = "quality")]
    pub coverage: bool,
    /// Print the teaching-quality summary instead (the library summary of `courtesy
    /// check`: naive players, cue shares, random play, trade-offs per scenario and for
    /// the library); exits 1 if a naive player passes some scenario.
    #[arg(long)]
    pub quality: bool,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    category: &'a str,
    difficulty: crate::core::model::Difficulty,
    minutes: u32,
    locales: &'a [String],
    principles: Vec<&'static str>,
    steps: usize,
    endings: usize,
    path: String,
    /// Where it came from: `embedded`, or the folder (or file) path.
    origin: String,
    /// Where the scenario it replaced came from (a folder's copy of an embedded one).
    replaces: Option<String>,
}

pub(crate) fn run(
    args: ListArgs,
    station: &crate::station::StationConfig,
) -> Result<ExitCode, CliError> {
    let lib = if args.paths.is_empty() {
        Library::load_strict(&super::load::sources(station, None))?
    } else {
        Library::load_paths(&args.paths)?
    };
    if args.coverage {
        let cov = crate::core::coverage::compute(lib.scenarios.iter().map(|l| &*l.scenario));
        match args.format {
            Format::Text => print!("{}", crate::core::coverage::render_text(&cov)),
            Format::Json => println!("{}", serde_json::to_string_pretty(&cov)?),
        }
        let complete = cov.missing_rules().is_empty() && cov.missing_principles().is_empty();
        return Ok(finished(!complete));
    }
    if args.quality {
        use crate::core::quality::{QualityOptions, assess, library, render_library_text};
        let all: Vec<_> = lib
            .scenarios
            .iter()
            .map(|l| assess(&l.scenario, QualityOptions::default()))
            .collect();
        let summary = library(&all);
        match args.format {
            Format::Text => print!("{}", render_library_text(&summary)),
            Format::Json => {
                #[derive(Serialize)]
                struct Quality<'a> {
                    scenarios: &'a [crate::core::quality::ScenarioQuality],
                    library: &'a crate::core::quality::LibraryQuality,
                }
                let q = Quality {
                    scenarios: &all,
                    library: &summary,
                };
                println!("{}", serde_json::to_string_pretty(&q)?);
            }
        }
        return Ok(finished(!summary.naive_passed.is_empty()));
    }
    let loc = args.locale.as_str();
    let rows: Vec<Row> = lib
        .scenarios
        .iter()
        .map(|l| {
            let s = &l.scenario;
            Row {
                id: &s.id,
                title: s.title.get(loc),
                category: s.category.get(loc),
                difficulty: s.difficulty,
                minutes: s.minutes,
                locales: &s.locales,
                principles: s.principles.iter().map(|p| p.key()).collect(),
                steps: s.steps.len(),
                endings: s.endings.len(),
                path: l.path.display().to_string(),
                origin: l.origin.to_string(),
                replaces: lib
                    .replaced
                    .iter()
                    .rfind(|r| r.id == s.id && r.by == l.path)
                    .map(|r| r.was.to_string()),
            }
        })
        .collect();
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Text => {
            println!(
                "{:<24} {:<36} {:<13} {:>4}  {:<10} {:>5}  from",
                "id", "title", "difficulty", "min", "locales", "steps"
            );
            for (r, l) in rows.iter().zip(&lib.scenarios) {
                let from = match &r.replaces {
                    Some(was) => format!("{} (replaces {was})", r.origin),
                    None => r.origin.clone(),
                };
                println!(
                    "{:<24} {:<36} {:<13} {:>4}  {:<10} {:>5}  {from}",
                    r.id,
                    r.title,
                    l.scenario.difficulty.label(loc),
                    r.minutes,
                    r.locales.join(","),
                    r.steps
                );
            }
        }
    }
    let broken: Vec<_> = lib.report.files.iter().filter(|f| f.has_errors()).collect();
    for f in &broken {
        eprintln!(
            "note: {} has errors and is not listed (run `courtesy validate {}`)",
            f.path.display(),
            f.path.display()
        );
    }
    Ok(finished(!broken.is_empty()))
}
