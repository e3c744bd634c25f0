//! `courtesy app` (and `courtesy` alone): the app's command-line options, parsed here and handed to the app as plain values.
//!
//! The app does not know clap: its state enums (`Screen`, `TextSize`, `Lang`) are bevy and
//! UI types. They name their values (`Screen::name`, …); the value parsers below offer
//! those names and give back the app's values.

use crate::app::flow::{Screen, TextSize};
use crate::app::i18n::Lang;
use crate::cli::CliError;
use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use std::path::PathBuf;
use std::process::ExitCode;

/// `courtesy app` options. All optional: with none, the app opens on sign-in.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct AppFlags {
    /// Scenario folder, read after the embedded scenarios (default: the station's
    /// configured folders; see `courtesy config`).
    #[arg(long, value_name = "DIR")]
    scenarios: Option<PathBuf>,
    /// Open this scenario (id or file name without .ron) as a signed-in trainee.
    #[arg(long, value_name = "ID")]
    scenario: Option<String>,
    /// Seed of the first attempt (line variants and reply order); random if not given.
    #[arg(long)]
    seed: Option<u64>,
    /// UI and scenario language.
    #[arg(long, value_parser = lang())]
    locale: Option<Lang>,
    /// Open directly on this screen (briefing and later need --scenario).
    #[arg(long, value_parser = screen())]
    screen: Option<Screen>,
    /// Reply ids to take first, comma-separated (to reach a given conversation, feedback or debrief).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    choose: Vec<String>,
    /// Save a PNG of the window once the screen has settled, then exit.
    #[arg(long, value_name = "PNG")]
    screenshot: Option<PathBuf>,
    /// Author preview mode (for trainers): start from any step and mood, see every
    /// reply's ratings, mood effect and target, go back, and the scenario map. Previews
    /// are never recorded.
    #[arg(long)]
    author: bool,
    /// Reload scenarios when their folder changes, outside author mode too (author mode
    /// always does). Uses the OS's file notifications; nothing is polled.
    #[arg(long)]
    watch: bool,
    /// With --author: start the first preview at this step id (default: the scenario's start).
    #[arg(long, value_name = "STEP", requires = "author")]
    from_step: Option<String>,
    /// With --author: the customer's mood (0–100) at the first preview's start.
    #[arg(long, value_name = "MOOD", requires = "author", value_parser = clap::value_parser!(i32).range(0..=100))]
    mood: Option<i32>,
    /// Trainee name when opening past the sign-in screen.
    #[arg(long)]
    name: Option<String>,
    /// Text size.
    #[arg(long, value_parser = text_size())]
    text_size: Option<TextSize>,
    /// High-contrast theme.
    #[arg(long)]
    high_contrast: bool,
    /// Reply timers: normal, relaxed (×2) or off.
    #[arg(long, value_enum)]
    timers: Option<crate::station::Timers>,
    /// Window size in pixels, WIDTHxHEIGHT.
    #[arg(long, value_name = "WxH", default_value = "1280x800", value_parser = parse_size)]
    size: Option<(u32, u32)>,
    /// Folder of the attempt records (default: the station's data folder; see `courtesy config`).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// What draws the window: auto (the CPU painter where the graphics adapter is itself
    /// a software rasteriser, as on thin clients and VDI desktops without a GPU; else the
    /// GPU), gpu, or software.
    #[arg(long, value_parser = renderer(), default_value = "auto")]
    renderer: Option<crate::app::soft_present::RendererChoice>,
    /// Measurement (scripts/measure-app.sh): redraw N frames continuously, log the CPU per
    /// frame and its breakdown by thread, then exit. Nothing is recorded.
    #[arg(long, value_name = "N", hide = true)]
    measure_frames: Option<u32>,
}

/// A value parser for one of the app's plain enums, by the names it gives its values
/// (so the app needs no clap, and the names stay written once, beside the enum).
fn one_of<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T) -> &'static str,
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(all.iter().map(|&t| name(t))).try_map(move |s: String| {
        all.iter()
            .copied()
            .find(|&t| name(t) == s)
            .ok_or_else(|| format!("unknown value `{s}`"))
    })
}

fn screen() -> impl TypedValueParser<Value = Screen> {
    one_of(&Screen::ALL, Screen::name)
}

fn renderer() -> impl TypedValueParser<Value = crate::app::soft_present::RendererChoice> {
    use crate::app::soft_present::RendererChoice;
    one_of(&RendererChoice::ALL, RendererChoice::name)
}

fn text_size() -> impl TypedValueParser<Value = TextSize> {
    one_of(&TextSize::ALL, TextSize::name)
}

/// `--locale zh-CN` (or `zh`) or `en`, the codes scenario files use.
fn lang() -> impl TypedValueParser<Value = Lang> {
    PossibleValuesParser::new(Lang::ALL.map(|l| {
        let v = PossibleValue::new(l.code()).help(l.native_name());
        if l == Lang::Zh { v.alias("zh") } else { v }
    }))
    .try_map(|s: String| Lang::from_code(&s).ok_or_else(|| format!("unknown locale `{s}`")))
}

impl From<AppFlags> for crate::app::AppArgs {
    fn from(f: AppFlags) -> crate::app::AppArgs {
        crate::app::AppArgs {
            scenario: f.scenario,
            seed: f.seed,
            locale: f.locale,
            screen: f.screen,
            choose: f.choose,
            screenshot: f.screenshot,
            author: f.author,
            watch: f.watch,
            from_step: f.from_step,
            mood: f.mood,
            name: f.name,
            text_size: f.text_size,
            high_contrast: f.high_contrast,
            timers: f.timers.map(crate::app::timer_mode),
            size: f.size,
            data_dir: f.data_dir,
            measure_frames: f.measure_frames,
            renderer: f.renderer.unwrap_or_default(),
        }
    }
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or("expected WIDTHxHEIGHT, e.g. 1280x800")?;
    let w: u32 = w.trim().parse().map_err(|_| format!("bad width `{w}`"))?;
    let h: u32 = h.trim().parse().map_err(|_| format!("bad height `{h}`"))?;
    if w < 320 || h < 240 {
        return Err("the window must be at least 320x240".into());
    }
    Ok((w, h))
}

/// Opens the app: 0 when closed normally; start-up failures and crashes are errors.
/// The station's settings fill what the command line leaves open.
pub(crate) fn run(
    flags: AppFlags,
    station: &crate::station::StationConfig,
) -> Result<ExitCode, CliError> {
    let scenarios = flags.scenarios.clone();
    let mut args: crate::app::AppArgs = flags.into();
    let setup = app_station(&mut args, station, scenarios.as_deref());
    Ok(ExitCode::from(crate::app::run(args, setup)?))
}

/// What the app is given from the station: its scenario sources (`--scenarios DIR`
/// instead of the configured folders), records, idle lock, and the default language and
/// timers for `args` when the command line gives none.
fn app_station(
    args: &mut crate::app::AppArgs,
    station: &crate::station::StationConfig,
    scenarios: Option<&std::path::Path>,
) -> crate::app::Station {
    if args.locale.is_none() {
        args.locale = Lang::from_code(&station.locale.value);
    }
    if args.timers.is_none() {
        args.timers = Some(crate::app::timer_mode(station.timers.value));
    }
    crate::app::Station {
        sources: station.sources_with(scenarios),
        records: station.records(),
        manager_idle_lock: station.manager_idle_lock(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        app: AppFlags,
    }

    fn parse(args: &[&str]) -> Result<crate::app::AppArgs, clap::Error> {
        let mut all = vec!["courtesy"];
        all.extend_from_slice(args);
        Cmd::try_parse_from(all).map(|c| c.app.into())
    }

    /// The command line's value names are the ones the app's enums had (scripts use them).
    #[test]
    fn every_app_value_parses_by_its_name() {
        for s in Screen::ALL {
            let a = parse(&["--screen", s.name()]).expect("parses");
            assert_eq!(a.screen, Some(s));
        }
        assert_eq!(
            Screen::ALL.map(Screen::name),
            [
                "sign-in",
                "library",
                "briefing",
                "conversation",
                "feedback",
                "debrief",
                "manager",
                "author",
                "progress"
            ]
        );
        for (v, l) in [("zh-CN", Lang::Zh), ("zh", Lang::Zh), ("en", Lang::En)] {
            assert_eq!(parse(&["--locale", v]).expect("parses").locale, Some(l));
        }
        let a = parse(&["--text-size", "extra-large", "--timers", "relaxed"]).expect("parses");
        assert_eq!(a.text_size, Some(TextSize::ExtraLarge));
        assert_eq!(a.timers, Some(crate::app::flow::TimerMode::Relaxed));
        assert_eq!(parse(&[]).expect("parses").size, Some((1280, 800)));
        for bad in [
            &["--screen", "lobby"][..],
            &["--locale", "fr"],
            &["--size", "200x100"],
            &["--author", "--mood", "101"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
