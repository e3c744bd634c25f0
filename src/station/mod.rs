//! The station configuration (`station.ron`): every setting with the place it came from (flag > environment > file > default).
//!
//! One file per station, by default `station.ron` in the platform config directory
//! (`~/.config/courtesy/station.ron` on Linux, `%APPDATA%\courtesy\station.ron` on
//! Windows, `~/Library/Application Support/courtesy/station.ron` on macOS), or the file
//! named by `--config PATH` / `COURTESY_CONFIG`. A missing default file means "all
//! defaults"; a missing file that was named explicitly is an error. A file that cannot be
//! parsed, or has a bad value, gets a located diagnostic (file:line:column, the source
//! line and a caret), like a scenario file. Relative paths in the file are relative to
//! the file's folder.
//!
//! ```ron
//! (
//!     station: "room-2-seat-3",
//!     scenario_folders: ["/mnt/training/scenarios", "/home/trainer/scenarios"],
//!     data_dir: "/var/lib/courtesy",
//!     lrs_config: "/etc/courtesy/lrs.ron",
//!     locale: "zh-CN",
//!     timers: "relaxed",
//!     manager_idle_lock_minutes: 10,
//! )
//! ```

pub mod embedded;

use crate::core::library::Source;
use crate::core::locate::{Path as SPath, SourceMap};
use crate::core::lrs::{LrsConfig, LrsError};
use crate::core::records::{RecordsError, Store};
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Environment variable naming the station configuration file.
pub const CONFIG_ENV: &str = "COURTESY_CONFIG";
/// Environment variable with the station name.
pub const STATION_ENV: &str = "COURTESY_STATION";
/// Environment variable with the scenario folders (separated like `PATH`: `:` on Unix, `;` on Windows).
pub const SCENARIOS_ENV: &str = "COURTESY_SCENARIOS";
/// Environment variable naming the folder that holds the records store.
pub const DATA_DIR_ENV: &str = "COURTESY_DATA_DIR";
/// Environment variable naming the LRS configuration file.
pub const LRS_CONFIG_ENV: &str = "COURTESY_LRS_CONFIG";
/// The station name used when none is configured and the host has no name.
pub const UNNAMED_STATION: &str = "unnamed station";
/// The configuration file's name in the platform config directory's `courtesy` folder.
pub const CONFIG_FILE_NAME: &str = "station.ron";
/// The scenario folder used when none is configured, if it exists: `./scenarios`.
pub const DEFAULT_SCENARIO_FOLDER: &str = "scenarios";
/// The manager area locks after this many idle minutes unless configured otherwise.
pub const DEFAULT_IDLE_LOCK_MINUTES: u64 = 5;

/// Reply timers: the scenario's limits as written, doubled, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Timers {
    #[default]
    Normal,
    Relaxed,
    Off,
}

impl fmt::Display for Timers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Timers::Normal => "normal",
            Timers::Relaxed => "relaxed",
            Timers::Off => "off",
        })
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// A command-line flag, e.g. `--data-dir`.
    Flag { flag: String },
    /// An environment variable.
    Env { var: String },
    /// The configuration file, at this line.
    File { path: PathBuf, line: usize },
    /// The built-in default (with a word on what it is).
    Default { note: String },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag { flag } => write!(f, "flag {flag}"),
            Origin::Env { var } => write!(f, "env {var}"),
            Origin::File { path, line } => write!(f, "file {}:{line}", path.display()),
            Origin::Default { note } if note.is_empty() => f.write_str("default"),
            Origin::Default { note } => write!(f, "default ({note})"),
        }
    }
}

fn default(note: &str) -> Origin {
    Origin::Default {
        note: note.to_string(),
    }
}

/// One effective value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub from: Origin,
}

/// Values given on the command line (each overrides the environment and the file).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--config PATH`.
    pub config: Option<PathBuf>,
    /// `--station NAME`.
    pub station: Option<String>,
    /// `--scenarios DIR` (may be repeated).
    pub scenarios: Vec<PathBuf>,
    /// `--data-dir DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--lrs-config FILE`.
    pub lrs_config: Option<PathBuf>,
    /// `--locale`.
    pub locale: Option<String>,
    /// `--timers`.
    pub timers: Option<Timers>,
}

/// Reads one environment variable (`None` when unset or empty).
pub type VarReader = dyn Fn(&str) -> Option<String>;

/// Where to look for things outside the flags: the environment, the platform config and
/// data directories, the host name. [`Env::system`] is the real one; tests build their own.
pub struct Env {
    pub var: Box<VarReader>,
    pub config_dir: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub host_name: String,
}

impl Env {
    /// The process environment and the platform directories.
    pub(crate) fn system() -> Env {
        Env {
            var: Box::new(|k| std::env::var(k).ok().filter(|v| !v.is_empty())),
            config_dir: dirs::config_dir().map(|d| d.join("courtesy")),
            data_dir: dirs::data_dir().map(|d| d.join("courtesy")),
            host_name: gethostname::gethostname().to_string_lossy().into_owned(),
        }
    }
}

/// The station's effective configuration.
#[derive(Debug, Clone, Serialize)]
pub struct StationConfig {
    /// The configuration file looked at (`None`: the platform has no config directory).
    pub config_file: Setting<Option<PathBuf>>,
    /// Whether that file exists (and was read).
    pub config_file_read: bool,
    /// The station's name (on every xAPI statement).
    pub station: Setting<String>,
    /// Whether the scenarios embedded in the binary are offered (before the folders).
    pub embedded_scenarios: Setting<bool>,
    /// Scenario folders, read after the embedded scenarios in this order: a scenario in a
    /// later one replaces one with the same id from an earlier one.
    pub scenario_folders: Setting<Vec<PathBuf>>,
    /// Folder of the records store (`None`: the platform has no data directory).
    pub data_dir: Setting<Option<PathBuf>>,
    /// The LRS configuration file (`lrs.ron`); the LRS is off when it does not exist.
    pub lrs_config: Setting<Option<PathBuf>>,
    /// The app's default language.
    pub locale: Setting<String>,
    /// The app's default reply timers.
    pub timers: Setting<Timers>,
    /// Minutes of inactivity after which the manager area locks.
    pub manager_idle_lock_minutes: Setting<u64>,
}

/// Why the configuration could not be read.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error(
        "station configuration `{}` (named by {from}) does not exist; create it (see docs/deployment.md) or name another file",
        path.display()
    )]
    NotFound { path: PathBuf, from: Origin },
    #[error("cannot read station configuration `{}`: {source}; check that you may read it", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A located problem in the file; the message is the rendered diagnostic (without
    /// its leading `error: `, which the caller prints).
    #[error("{}", rendered.strip_prefix("error: ").unwrap_or(rendered))]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        rendered: String,
    },
}

/// The file's fields, all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileValues {
    station: Option<String>,
    embedded_scenarios: Option<bool>,
    scenario_folders: Option<Vec<PathBuf>>,
    data_dir: Option<PathBuf>,
    lrs_config: Option<PathBuf>,
    locale: Option<String>,
    timers: Option<String>,
    manager_idle_lock_minutes: Option<u64>,
}

/// The file as read: its values, and the line of each field.
struct ReadFile {
    path: PathBuf,
    text: String,
    values: FileValues,
}

impl ReadFile {
    fn origin(&self, field: &'static str) -> Origin {
        let map = SourceMap::new(&self.text);
        let at = map.locate(&SPath::root().field(field));
        let start = at.key.map_or(at.value.0, |k| k.0);
        Origin::File {
            path: self.path.clone(),
            line: line_of(&self.text, start),
        }
    }

    fn invalid(&self, field: &'static str, message: String, hint: &str) -> ConfigError {
        let map = SourceMap::new(&self.text);
        let at = map.locate(&SPath::root().field(field));
        located(&self.path, &self.text, at.value, message, Some(hint))
    }

    /// Relative paths in the file are relative to its folder.
    fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            return p.to_path_buf();
        }
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.join(p),
            _ => p.to_path_buf(),
        }
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text.get(..byte).map_or(1, |s| s.matches('\n').count() + 1)
}

fn column_of(text: &str, byte: usize) -> usize {
    let before = text.get(..byte).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    before[line_start..].chars().count() + 1
}

/// A located error, rendered like the scenario diagnostics (codespan-reporting).
fn located(
    path: &Path,
    text: &str,
    span: (usize, usize),
    message: String,
    hint: Option<&str>,
) -> ConfigError {
    let start = span.0.min(text.len());
    let end = span.1.clamp(start, text.len());
    let mut files = SimpleFiles::new();
    let id = files.add(path.display().to_string(), text);
    let mut d = Diagnostic::error()
        .with_message(&message)
        .with_label(Label::primary(id, start..end));
    if let Some(h) = hint {
        d = d.with_note(format!("help: {h}"));
    }
    let line = line_of(text, start);
    let column = column_of(text, start);
    let rendered = term::emit_into_string(&term::Config::default(), &files, &d)
        .map(|s| s.trim_end().to_string())
        .unwrap_or_else(|_| format!("{}:{line}:{column}: {message}", path.display()));
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        column,
        message,
        rendered,
    }
}

fn read_file(path: &Path, explicit: Option<&Origin>) -> Result<Option<ReadFile>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match explicit {
                Some(from) => Err(ConfigError::NotFound {
                    path: path.to_path_buf(),
                    from: from.clone(),
                }),
                None => Ok(None),
            };
        }
        Err(source) => {
            return Err(ConfigError::Unreadable {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let options = crate::core::load::ron_options();
    let values: FileValues = options.from_str(&text).map_err(|e| {
        let (line, col) = (e.span.start.line.max(1), e.span.start.col.max(1));
        let start = byte_at(&text, line, col);
        let end = if e.span.end > e.span.start {
            byte_at(&text, e.span.end.line.max(1), e.span.end.col.max(1))
        } else {
            crate::core::locate::value_span_at(&text, start).1
        };
        located(
            path,
            &text,
            (start, end.max(start)),
            e.code
                .to_string()
                .replace("`FileValues`", "the station configuration"),
            Some(
                "the file is one RON value `( field: value, … )`; known fields: station, \
                 embedded_scenarios, scenario_folders, data_dir, lrs_config, locale, timers, \
                 manager_idle_lock_minutes (docs/deployment.md)",
            ),
        )
    })?;
    Ok(Some(ReadFile {
        path: path.to_path_buf(),
        text,
        values,
    }))
}

/// Byte offset of 1-based `line` / `col` (characters) in `text`.
fn byte_at(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset
                + l.char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(l.trim_end_matches('\n').len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

/// A station name: printable, at most 100 characters.
fn station_name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("the station name is empty")
    } else if name.chars().count() > 100 {
        Some("the station name is longer than 100 characters")
    } else if name.chars().any(char::is_control) {
        Some("the station name contains control characters")
    } else {
        None
    }
}

impl StationConfig {
    /// Reads the configuration of this station (the process environment and the platform
    /// directories) with `flags` on top.
    pub(crate) fn load(flags: &Flags) -> Result<StationConfig, ConfigError> {
        StationConfig::load_with(flags, &Env::system())
    }

    /// Like [`StationConfig::load`], with the environment given.
    pub fn load_with(flags: &Flags, env: &Env) -> Result<StationConfig, ConfigError> {
        let var = |k: &str| (env.var)(k);
        let config_file = if let Some(p) = &flags.config {
            Setting {
                value: Some(p.clone()),
                from: Origin::Flag {
                    flag: "--config".into(),
                },
            }
        } else if let Some(p) = var(CONFIG_ENV) {
            Setting {
                value: Some(PathBuf::from(p)),
                from: Origin::Env {
                    var: CONFIG_ENV.into(),
                },
            }
        } else {
            Setting {
                value: env.config_dir.as_ref().map(|d| d.join(CONFIG_FILE_NAME)),
                from: default("the platform config directory"),
            }
        };
        let explicit = match config_file.from {
            Origin::Default { .. } => None,
            ref o => Some(o.clone()),
        };
        let file = match &config_file.value {
            Some(p) => read_file(p, explicit.as_ref())?,
            None => None,
        };
        let fv = file.as_ref().map(|f| &f.values);
        let from_file = |field: &'static str| match &file {
            Some(f) => f.origin(field),
            None => default(""),
        };

        // Station name.
        let station = if let Some(s) = &flags.station {
            Setting {
                value: s.clone(),
                from: Origin::Flag {
                    flag: "--station".into(),
                },
            }
        } else if let Some(s) = var(STATION_ENV) {
            Setting {
                value: s,
                from: Origin::Env {
                    var: STATION_ENV.into(),
                },
            }
        } else if let Some(s) = fv.and_then(|v| v.station.clone()) {
            if let (Some(f), Some(problem)) = (&file, station_name_problem(&s)) {
                return Err(f.invalid(
                    "station",
                    problem.to_string(),
                    "give a short printable name, e.g. \"room-2-seat-3\"",
                ));
            }
            Setting {
                value: s,
                from: from_file("station"),
            }
        } else if env.host_name.trim().is_empty() {
            Setting {
                value: UNNAMED_STATION.to_string(),
                from: default("the host has no name"),
            }
        } else {
            Setting {
                value: env.host_name.clone(),
                from: default("the host name"),
            }
        };

        let embedded_scenarios = match fv.and_then(|v| v.embedded_scenarios) {
            Some(b) => Setting {
                value: b,
                from: from_file("embedded_scenarios"),
            },
            None => Setting {
                value: true,
                from: default(""),
            },
        };

        let scenario_folders = if !flags.scenarios.is_empty() {
            Setting {
                value: flags.scenarios.clone(),
                from: Origin::Flag {
                    flag: "--scenarios".into(),
                },
            }
        } else if let Some(v) = var(SCENARIOS_ENV) {
            Setting {
                value: std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect(),
                from: Origin::Env {
                    var: SCENARIOS_ENV.into(),
                },
            }
        } else if let (Some(f), Some(list)) = (&file, fv.and_then(|v| v.scenario_folders.clone())) {
            if list.iter().any(|p| p.as_os_str().is_empty()) {
                return Err(f.invalid(
                    "scenario_folders",
                    "a scenario folder is an empty string".to_string(),
                    "give each folder's path, e.g. [\"/mnt/training/scenarios\"], or [] for none",
                ));
            }
            Setting {
                value: list.iter().map(|p| f.resolve(p)).collect(),
                from: from_file("scenario_folders"),
            }
        } else {
            let local = PathBuf::from(DEFAULT_SCENARIO_FOLDER);
            Setting {
                value: if local.is_dir() { vec![local] } else { vec![] },
                from: default("./scenarios if it exists"),
            }
        };

        let data_dir = if let Some(d) = &flags.data_dir {
            Setting {
                value: Some(d.clone()),
                from: Origin::Flag {
                    flag: "--data-dir".into(),
                },
            }
        } else if let Some(d) = var(DATA_DIR_ENV) {
            Setting {
                value: Some(PathBuf::from(d)),
                from: Origin::Env {
                    var: DATA_DIR_ENV.into(),
                },
            }
        } else if let (Some(f), Some(d)) = (&file, fv.and_then(|v| v.data_dir.clone())) {
            Setting {
                value: Some(f.resolve(&d)),
                from: from_file("data_dir"),
            }
        } else {
            Setting {
                value: env.data_dir.clone(),
                from: default("the platform data directory"),
            }
        };

        let lrs_config = if let Some(p) = &flags.lrs_config {
            Setting {
                value: Some(p.clone()),
                from: Origin::Flag {
                    flag: "--lrs-config".into(),
                },
            }
        } else if let Some(p) = var(LRS_CONFIG_ENV) {
            Setting {
                value: Some(PathBuf::from(p)),
                from: Origin::Env {
                    var: LRS_CONFIG_ENV.into(),
                },
            }
        } else if let (Some(f), Some(p)) = (&file, fv.and_then(|v| v.lrs_config.clone())) {
            Setting {
                value: Some(f.resolve(&p)),
                from: from_file("lrs_config"),
            }
        } else {
            Setting {
                value: data_dir
                    .value
                    .as_ref()
                    .map(|d| d.join(crate::core::lrs::CONFIG_FILE_NAME)),
                from: default("lrs.ron in the data folder"),
            }
        };

        let supported = crate::core::text::SUPPORTED_LOCALES;
        let locale = if let Some(l) = &flags.locale {
            Setting {
                value: l.clone(),
                from: Origin::Flag {
                    flag: "--locale".into(),
                },
            }
        } else if let (Some(f), Some(l)) = (&file, fv.and_then(|v| v.locale.clone())) {
            if !supported.contains(&l.as_str()) {
                return Err(f.invalid(
                    "locale",
                    format!("locale `{l}` is not supported"),
                    &format!("use one of: {}", supported.join(", ")),
                ));
            }
            Setting {
                value: l,
                from: from_file("locale"),
            }
        } else {
            Setting {
                value: supported[0].to_string(),
                from: default(""),
            }
        };

        let timers = if let Some(t) = flags.timers {
            Setting {
                value: t,
                from: Origin::Flag {
                    flag: "--timers".into(),
                },
            }
        } else if let (Some(f), Some(t)) = (&file, fv.and_then(|v| v.timers.clone())) {
            let value = match t.as_str() {
                "normal" => Timers::Normal,
                "relaxed" => Timers::Relaxed,
                "off" => Timers::Off,
                _ => {
                    return Err(f.invalid(
                        "timers",
                        format!("`{t}` is not a timer policy"),
                        "use \"normal\" (the scenario's limits), \"relaxed\" (doubled) or \"off\"",
                    ));
                }
            };
            Setting {
                value,
                from: from_file("timers"),
            }
        } else {
            Setting {
                value: Timers::Normal,
                from: default(""),
            }
        };

        let manager_idle_lock_minutes = match fv.and_then(|v| v.manager_idle_lock_minutes) {
            Some(m) => {
                if let (Some(f), true) = (&file, m == 0 || m > 24 * 60) {
                    return Err(f.invalid(
                        "manager_idle_lock_minutes",
                        format!("{m} minutes is not a usable idle lock"),
                        "give between 1 and 1440 minutes (default 5)",
                    ));
                }
                Setting {
                    value: m,
                    from: from_file("manager_idle_lock_minutes"),
                }
            }
            None => Setting {
                value: DEFAULT_IDLE_LOCK_MINUTES,
                from: default(""),
            },
        };

        Ok(StationConfig {
            config_file_read: file.is_some(),
            config_file,
            station,
            embedded_scenarios,
            scenario_folders,
            data_dir,
            lrs_config,
            locale,
            timers,
            manager_idle_lock_minutes,
        })
    }

    /// Where scenarios are read from, in order: the embedded ones (unless turned off),
    /// then each configured folder.
    pub(crate) fn scenario_sources(&self) -> Vec<Source> {
        let mut out = Vec::new();
        if self.embedded_scenarios.value {
            out.push(Source::Embedded(embedded::SCENARIOS));
        }
        out.extend(
            self.scenario_folders
                .value
                .iter()
                .cloned()
                .map(Source::Folder),
        );
        out
    }

    /// Like [`StationConfig::scenario_sources`], but with `folder` instead of the
    /// configured folders when a command was given `--scenarios DIR`.
    pub(crate) fn sources_with(&self, folder: Option<&Path>) -> Vec<Source> {
        let Some(dir) = folder else {
            return self.scenario_sources();
        };
        let mut out = Vec::new();
        if self.embedded_scenarios.value {
            out.push(Source::Embedded(embedded::SCENARIOS));
        }
        out.push(Source::Folder(dir.to_path_buf()));
        out
    }

    /// The manager area's idle lock (read by the app only).
    #[cfg(feature = "app")]
    pub fn manager_idle_lock(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.manager_idle_lock_minutes.value * 60)
    }

    /// Every setting as (name, value shown, where it came from), in a fixed order.
    pub(crate) fn rows(&self) -> Vec<(&'static str, String, &Origin)> {
        let path = |p: &Option<PathBuf>| {
            p.as_ref()
                .map_or("(none)".to_string(), |p| p.display().to_string())
        };
        let file_note = if self.config_file_read {
            ""
        } else {
            " (not present: defaults)"
        };
        vec![
            (
                "config_file",
                format!("{}{file_note}", path(&self.config_file.value)),
                &self.config_file.from,
            ),
            ("station", self.station.value.clone(), &self.station.from),
            (
                "embedded_scenarios",
                self.embedded_scenarios.value.to_string(),
                &self.embedded_scenarios.from,
            ),
            (
                "scenario_folders",
                if self.scenario_folders.value.is_empty() {
                    "(none)".to_string()
                } else {
                    self.scenario_folders
                        .value
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                &self.scenario_folders.from,
            ),
            ("data_dir", path(&self.data_dir.value), &self.data_dir.from),
            (
                "lrs_config",
                match &self.lrs_config.value {
                    Some(p) if p.is_file() => p.display().to_string(),
                    Some(p) => format!("{} (not present: no LRS)", p.display()),
                    None => "(none)".to_string(),
                },
                &self.lrs_config.from,
            ),
            ("locale", self.locale.value.clone(), &self.locale.from),
            ("timers", self.timers.value.to_string(), &self.timers.from),
            (
                "manager_idle_lock_minutes",
                self.manager_idle_lock_minutes.value.to_string(),
                &self.manager_idle_lock_minutes.from,
            ),
        ]
    }

    /// Where this station's records and LRS configuration are, and its name: what the
    /// commands and the app open the records store with.
    pub fn records(&self) -> Records {
        Records {
            data_dir: self.data_dir.value.clone(),
            lrs_config: match self.lrs_config.from {
                // The default is `lrs.ron` in the data folder, which a command's
                // `--data-dir` may move.
                Origin::Default { .. } => None,
                _ => self.lrs_config.value.clone(),
            },
            station: self.station.value.clone(),
        }
    }
}

/// Where a station's records store and LRS configuration are, and the station's name,
/// as resolved once from flags, environment, `station.ron` and defaults
/// ([`StationConfig::records`]). Opening a store or finding `lrs.ron` through it reads
/// no environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records {
    /// The data folder (`None`: none was configured and the platform has no data directory).
    pub data_dir: Option<PathBuf>,
    /// The LRS configuration file when one was named (by a flag, the environment or the
    /// station file; then a missing file is an error); `None`: `lrs.ron` in the data
    /// folder, if it exists.
    pub lrs_config: Option<PathBuf>,
    /// The station new attempts and statements are recorded at.
    pub station: String,
}

impl Records {
    /// Records in `data_dir` (its `lrs.ron`, if any) at the station `station`.
    pub fn at(data_dir: &Path, station: &str) -> Records {
        Records {
            data_dir: Some(data_dir.to_path_buf()),
            lrs_config: None,
            station: station.to_string(),
        }
    }

    /// With a command's `--data-dir`, if given.
    pub fn with_data_dir(mut self, flag: Option<&Path>) -> Records {
        if let Some(d) = flag {
            self.data_dir = Some(d.to_path_buf());
        }
        self
    }

    /// With a command's `--lrs-config`, if given.
    pub fn with_lrs_config(mut self, flag: Option<&Path>) -> Records {
        if let Some(p) = flag {
            self.lrs_config = Some(p.to_path_buf());
        }
        self
    }

    /// The data folder, or [`RecordsError::NoDataDir`].
    pub fn data_dir(&self) -> Result<PathBuf, RecordsError> {
        self.data_dir.clone().ok_or(RecordsError::NoDataDir)
    }

    /// The records store file, `records.sqlite3` in the data folder.
    pub fn store_path(&self) -> Result<PathBuf, RecordsError> {
        Ok(crate::core::records::store_path(&self.data_dir()?))
    }

    /// The LRS configuration file to use with the data folder `data_dir`, and whether it
    /// was named explicitly (a missing named file is an error, not "no LRS").
    pub fn lrs_config_path(&self, data_dir: &Path) -> (PathBuf, bool) {
        crate::core::lrs::config_path(data_dir, self.lrs_config.as_deref())
    }

    /// Reads the LRS configuration: `Ok(None)` when none was named and the data folder
    /// has no `lrs.ron`; an error for a named file that is missing, or any file that
    /// cannot be read or is not valid.
    pub fn discover_lrs(&self) -> Result<Option<LrsConfig>, LrsError> {
        LrsConfig::discover(&self.data_dir()?, self.lrs_config.as_deref())
    }

    /// A warning when the LRS configuration file can be read by other accounts (it
    /// holds the secret); see [`crate::core::lrs::file_exposure`].
    pub fn lrs_exposure(&self) -> Option<String> {
        let dir = self.data_dir().ok()?;
        crate::core::lrs::file_exposure(&self.lrs_config_path(&dir).0)
    }

    /// Names `store`'s new attempts and statements after this station (a blank name,
    /// e.g. `--station ""`, is [`UNNAMED_STATION`]). A store opened without this
    /// records no station.
    pub fn name_store(&self, store: &Store) {
        let name = match self.station.trim() {
            "" => UNNAMED_STATION,
            _ => &self.station,
        };
        store.set_station(Some(name));
    }

    /// Opens (creating if needed) the records store, named after this station.
    pub fn open_store(&self) -> Result<Store, RecordsError> {
        let store = Store::open(&self.store_path()?)?;
        self.name_store(&store);
        Ok(store)
    }

    /// Reads the LRS configuration (see [`Records::discover_lrs`]) and gives `store` its
    /// statement identity and `keep_sent_days` (the defaults when there is none). Call it
    /// right after opening the store, before recording; on error the store keeps the
    /// defaults.
    pub fn configure_store(&self, store: &Store) -> Result<Option<LrsConfig>, LrsError> {
        crate::core::lrs::configure_store(store, &self.data_dir()?, self.lrs_config.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(vars: &'static [(&'static str, &'static str)]) -> Env {
        Env {
            var: Box::new(move |k| {
                vars.iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| v.to_string())
            }),
            config_dir: None,
            data_dir: Some(PathBuf::from("/platform/data")),
            host_name: "host-1".into(),
        }
    }

    fn records(vars: &'static [(&'static str, &'static str)]) -> Records {
        StationConfig::load_with(&Flags::default(), &env_with(vars))
            .expect("no file: defaults")
            .records()
    }

    #[test]
    fn the_default_lrs_file_follows_a_commands_data_folder_and_a_named_one_stays() {
        let r = records(&[]);
        assert_eq!(r.station, "host-1");
        let dir = r.data_dir().expect("a data folder");
        assert_eq!(
            r.lrs_config_path(&dir),
            (PathBuf::from("/platform/data/lrs.ron"), false)
        );
        let moved = r.with_data_dir(Some(Path::new("/elsewhere")));
        let dir = moved.data_dir().expect("a data folder");
        assert_eq!(dir, PathBuf::from("/elsewhere"));
        assert_eq!(
            moved.lrs_config_path(&dir),
            (PathBuf::from("/elsewhere/lrs.ron"), false)
        );

        // Named by the environment: explicit, and not moved by --data-dir.
        let r = records(&[
            (LRS_CONFIG_ENV, "/etc/courtesy/lrs.ron"),
            (STATION_ENV, "seat-9"),
        ])
        .with_data_dir(Some(Path::new("/elsewhere")));
        assert_eq!(r.station, "seat-9");
        assert_eq!(
            r.lrs_config_path(Path::new("/elsewhere")),
            (PathBuf::from("/etc/courtesy/lrs.ron"), true)
        );
        // A command's --lrs-config beats it.
        let r = r.with_lrs_config(Some(Path::new("/flag/lrs.ron")));
        assert_eq!(
            r.lrs_config_path(Path::new("/elsewhere")),
            (PathBuf::from("/flag/lrs.ron"), true)
        );
        // A named file that is missing is an error, not "no LRS".
        assert!(matches!(r.discover_lrs(), Err(LrsError::ConfigRead { .. })));
    }

    #[test]
    fn the_store_is_named_by_the_configuration_and_a_nameless_host_is_unnamed() {
        let tmp = tempfile::tempdir().expect("temp dir");
        // Opened directly, a store records no station: nothing below reads one.
        let bare = Store::open_in(tmp.path()).expect("opens");
        assert_eq!(bare.station(), None);
        drop(bare);
        let env = Env {
            host_name: "  ".into(),
            ..env_with(&[])
        };
        let cfg = StationConfig::load_with(&Flags::default(), &env).expect("defaults");
        assert_eq!(cfg.station.value, UNNAMED_STATION);
        let r = cfg.records().with_data_dir(Some(tmp.path()));
        let store = r.open_store().expect("opens");
        assert_eq!(store.station().as_deref(), Some(UNNAMED_STATION));
        // A blank name given on the command line is not "no station" either.
        let flags = Flags {
            station: Some(String::new()),
            ..Default::default()
        };
        let r = StationConfig::load_with(&flags, &env_with(&[]))
            .expect("defaults")
            .records();
        r.name_store(&store);
        assert_eq!(store.station().as_deref(), Some(UNNAMED_STATION));
        let named = records(&[(STATION_ENV, "seat-4")]);
        named.name_store(&store);
        assert_eq!(store.station().as_deref(), Some("seat-4"));
    }

    #[test]
    fn no_data_folder_is_a_typed_error_not_a_guess() {
        let env = Env {
            data_dir: None,
            ..env_with(&[])
        };
        let r = StationConfig::load_with(&Flags::default(), &env)
            .expect("defaults")
            .records();
        assert!(matches!(r.data_dir(), Err(RecordsError::NoDataDir)));
        assert!(matches!(r.open_store(), Err(RecordsError::NoDataDir)));
        assert!(r.discover_lrs().is_err());
    }
}
