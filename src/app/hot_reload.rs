//! Hot reload: the OS tells a background thread when the scenario folder changes, and the app swaps in edited scenarios, keeping the last good version of a broken file.
//!
//! [`Reloader`] is the UI-free part (tested in `tests/app_hot_reload.rs`): it remembers
//! each `*.ron` file's size and modification time, re-validates only the files that
//! changed and keeps, per file, the last version that passed validation. A broken edit
//! leaves that version in the catalog and reports the errors as [`Problem`]s.
//!
//! In the app (author mode or `--watch` only) a thread waits for the OS's file
//! notifications and then calls [`Reloader::poll`]; only when something changed does it
//! send a [`Snapshot`] over a channel and wake the event loop, so an idle app stays idle
//! and nothing is polled. [`drain`] applies the snapshot to the catalog and asks egui to repaint.

use crate::app::flow::{Catalog, FlowSet, Play, Screen, Selected, Settings};
use crate::app::i18n::T;
use crate::app::loader::CatalogEntry;
use crate::core::diagnostics::Severity;
use crate::core::load::content_hash;
use crate::core::validate::validate_bytes;
use bevy::prelude::*;
use bevy_egui::egui;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, SystemTime};

/// An error in a scenario file, as shown in the problems panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is not at a place in the file (e.g. unreadable).
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// What to do about it (the validator's hint, e.g. "did you mean `next`?").
    pub hint: Option<String>,
}

impl Problem {
    /// `file:line:column: message`, then the hint on its own line (as the CLI shows it).
    pub fn display(&self) -> String {
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.file.display().to_string());
        let head = if self.line == 0 {
            format!("{name}: {}", self.message)
        } else {
            format!("{name}:{}:{}: {}", self.line, self.column, self.message)
        };
        match &self.hint {
            Some(h) => format!("{head}\n  = help: {h}"),
            None => head,
        }
    }
}

/// What the folder holds now: the scenarios to offer and the errors to show.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// One entry per file with a good version (the newest good one), sorted by file name.
    pub entries: Vec<CatalogEntry>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

#[derive(Debug, Default)]
struct FileState {
    stamp: Option<Stamp>,
    hash: String,
    good: Option<CatalogEntry>,
    problems: Vec<Problem>,
}

/// Watches one scenario folder (see the module docs).
#[derive(Debug)]
pub struct Reloader {
    dir: PathBuf,
    files: BTreeMap<PathBuf, FileState>,
}

impl Reloader {
    /// Reads the folder once (the state the app started with).
    pub fn new(dir: impl Into<PathBuf>) -> Reloader {
        let mut r = Reloader {
            dir: dir.into(),
            files: BTreeMap::new(),
        };
        r.poll();
        r
    }

    /// The folder watched.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Looks for added, changed and removed files; returns the new snapshot if anything
    /// changed (a file rewritten with the same bytes is no change).
    pub fn poll(&mut self) -> Option<Snapshot> {
        let mut seen: Vec<(PathBuf, Stamp)> = Vec::new();
        if let Ok(rd) = std::fs::read_dir(&self.dir) {
            for e in rd.flatten() {
                let path = e.path();
                if path.extension().is_some_and(|x| x == "ron")
                    && let Ok(meta) = e.metadata()
                    && meta.is_file()
                {
                    let stamp = Stamp {
                        modified: meta.modified().ok(),
                        len: meta.len(),
                    };
                    seen.push((path, stamp));
                }
            }
        }
        let mut changed = false;
        let before = self.files.len();
        self.files.retain(|p, _| seen.iter().any(|(q, _)| q == p));
        changed |= self.files.len() != before;
        for (path, stamp) in seen {
            let state = self.files.entry(path.clone()).or_default();
            if state.stamp == Some(stamp) {
                continue;
            }
            state.stamp = Some(stamp);
            changed |= reload_file(&path, state);
        }
        if changed {
            self.check_duplicate_ids();
            Some(self.snapshot())
        } else {
            None
        }
    }

    /// The current state, whether or not it changed.
    pub fn snapshot(&self) -> Snapshot {
        let mut s = Snapshot::default();
        for st in self.files.values() {
            if let Some(g) = &st.good {
                s.entries.push(g.clone());
            }
            s.problems.extend(st.problems.iter().cloned());
        }
        s
    }

    /// Two files with the same scenario id: the later file (by name) loses its new version.
    fn check_duplicate_ids(&mut self) {
        let mut owner: BTreeMap<String, PathBuf> = BTreeMap::new();
        for (path, st) in self.files.iter_mut() {
            let Some(g) = &st.good else { continue };
            let id = g.scenario.id.clone();
            if let Some(first) = owner.get(&id) {
                st.problems.push(Problem {
                    file: path.clone(),
                    line: 0,
                    column: 0,
                    message: format!(
                        "scenario id `{id}` is already used by {}; give this scenario another id",
                        first.display()
                    ),
                    hint: None,
                });
                st.good = None;
            } else {
                owner.insert(id, path.clone());
            }
        }
    }
}

/// Re-reads one file; returns whether its entry or its problems changed.
fn reload_file(path: &Path, state: &mut FileState) -> bool {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let p = vec![Problem {
                file: path.to_path_buf(),
                line: 0,
                column: 0,
                message: format!("cannot read the file: {e}"),
                hint: None,
            }];
            let changed = state.problems != p;
            state.problems = p;
            state.hash.clear();
            return changed;
        }
    };
    let report = validate_bytes(path, &bytes);
    let hash = content_hash(&report.source);
    if hash == state.hash {
        return false;
    }
    state.hash = hash.clone();
    state.problems = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| Problem {
            file: path.to_path_buf(),
            line: f.line,
            column: f.column,
            message: f.message.clone(),
            hint: f.hint.clone(),
        })
        .collect();
    if !report.has_errors()
        && let Some(sc) = report.scenario
    {
        state.good = Some(CatalogEntry {
            scenario: sc,
            path: path.to_path_buf(),
            content_hash: hash,
        });
    }
    true
}

/// After a file-system event, wait until the folder has been quiet this long before
/// re-reading it (an editor's save is often several events: write, rename, chmod).
pub const SETTLE: Duration = Duration::from_millis(80);

/// Starts the watcher: the OS reports changes in `dir` (inotify, FSEvents,
/// ReadDirectoryChangesW through the `notify` crate), a thread re-reads the folder once
/// the events settle and, when something changed, sends the snapshot and calls `wake`.
/// Nothing runs between events: no polling. The thread ends when the receiver is dropped
/// (at the next event) or the OS watch fails.
pub fn spawn_watcher(
    mut reloader: Reloader,
    wake: impl Fn() + Send + 'static,
) -> Result<Receiver<Snapshot>, WatchError> {
    use notify::Watcher as _;
    let (events_tx, events) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut os_watch = notify::recommended_watcher(events_tx).map_err(WatchError::Notify)?;
    os_watch
        .watch(reloader.dir(), notify::RecursiveMode::NonRecursive)
        .map_err(WatchError::Notify)?;
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("courtesy-hot-reload".into())
        .spawn(move || {
            // Keep the OS watch alive as long as the thread.
            let _os_watch = os_watch;
            while let Ok(first) = events.recv() {
                if let Err(e) = first {
                    warn!("hot reload: the folder watch reported an error: {e}");
                }
                // Let a burst of events settle into one re-read.
                while events.recv_timeout(SETTLE).is_ok() {}
                if let Some(s) = reloader.poll() {
                    if tx.send(s).is_err() {
                        break;
                    }
                    wake();
                }
            }
        })
        .map_err(WatchError::Thread)?;
    Ok(rx)
}

/// Why hot reload could not start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("the operating system refused to watch the folder: {0}")]
    Notify(notify::Error),
    #[error("cannot start the watcher thread: {0}")]
    Thread(std::io::Error),
}

/// The folder to watch (inserted by the app; without it nothing is watched).
#[derive(Resource, Debug, Clone)]
pub struct HotReloadDir(pub PathBuf);

/// Watch the folder even outside author mode (`courtesy app --watch`, for a station whose
/// shared scenario folder changes during the day). Without it, only author mode watches.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct WatchAlways(pub bool);

/// Snapshots from the watcher thread.
#[derive(Resource)]
pub struct Watcher(pub Mutex<Receiver<Snapshot>>);

/// What the problems panel shows.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct ReloadPanel {
    pub problems: Vec<Problem>,
    /// A one-off message about the last reload (e.g. the preview was restarted).
    pub notice: Option<String>,
    /// Hidden by the trainer until the next change.
    pub dismissed: bool,
}

impl ReloadPanel {
    pub fn visible(&self) -> bool {
        !self.dismissed && (!self.problems.is_empty() || self.notice.is_some())
    }
}

/// What a reload did to the running app.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// Ids of scenarios whose content changed (new hash).
    pub changed: Vec<String>,
    /// Ids that are no longer offered.
    pub removed: Vec<String>,
}

/// Puts `snap` into the catalog, keeping `selected` and the attempt pointing at the same
/// scenario ids. If the selected scenario is gone, `selected` and the attempt are cleared.
pub fn apply_snapshot(
    snap: &Snapshot,
    catalog: &mut Catalog,
    selected: &mut Selected,
    play: &mut Play,
) -> Applied {
    let id_at = |i: usize| catalog.0.get(i).map(|e| e.scenario.id.clone());
    let sel_id = selected.0.and_then(id_at);
    let play_id = play.0.as_ref().and_then(|a| id_at(a.scenario));
    let mut applied = Applied::default();
    for old in &catalog.0 {
        match snap
            .entries
            .iter()
            .find(|e| e.scenario.id == old.scenario.id)
        {
            None => applied.removed.push(old.scenario.id.clone()),
            Some(new) if new.content_hash != old.content_hash => {
                applied.changed.push(old.scenario.id.clone())
            }
            Some(_) => {}
        }
    }
    catalog.0 = snap.entries.clone();
    let index_of = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| catalog.0.iter().position(|e| &e.scenario.id == id))
    };
    selected.0 = index_of(&sel_id);
    match index_of(&play_id) {
        Some(i) => {
            if let Some(a) = play.0.as_mut() {
                a.scenario = i;
            }
        }
        None => play.0 = None,
    }
    applied
}

/// Adds the watcher (started once a [`HotReloadDir`] is present).
pub fn plugin(app: &mut App) {
    app.init_resource::<ReloadPanel>()
        .add_systems(Update, drain.before(FlowSet));
}

/// Adds the problems panel (needs egui).
pub fn ui_plugin(app: &mut App) {
    app.add_systems(
        bevy_egui::EguiPrimaryContextPass,
        draw_panel.after(crate::app::screens::UiSet::Screens),
    );
}

/// Starts the watcher once it is wanted (author mode, or [`WatchAlways`]), then applies
/// whatever it sent.
#[allow(clippy::too_many_arguments)]
pub fn drain(
    mut commands: Commands,
    dir: Option<Res<HotReloadDir>>,
    watcher: Option<Res<Watcher>>,
    proxy: Option<Res<bevy::winit::EventLoopProxyWrapper>>,
    mut started: Local<bool>,
    mut catalog: ResMut<Catalog>,
    mut selected: ResMut<Selected>,
    mut play: ResMut<Play>,
    mut panel: ResMut<ReloadPanel>,
    mut preview: ResMut<crate::app::author::Preview>,
    settings: Res<Settings>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    mut contexts: Query<&mut bevy_egui::EguiContext, With<bevy_egui::PrimaryEguiContext>>,
    (author, always): (
        Option<Res<crate::app::author::AuthorMode>>,
        Option<Res<WatchAlways>>,
    ),
) {
    let Some(watcher) = watcher else {
        let wanted = always.is_some_and(|a| a.0) || author.is_some_and(|a| a.0);
        if !*started
            && wanted
            && let Some(dir) = dir
        {
            *started = true;
            let proxy = proxy.map(|p| (**p).clone());
            let wake = move || {
                if let Some(p) = &proxy {
                    let _ = p.send_event(bevy::winit::WinitUserEvent::WakeUp);
                }
            };
            let reloader = Reloader::new(dir.0.clone());
            // Files already broken at start-up are shown too.
            let problems = reloader.snapshot().problems;
            if !problems.is_empty() {
                panel.problems = problems;
                panel.dismissed = false;
                for mut c in &mut contexts {
                    c.get_mut().request_repaint();
                }
            }
            match spawn_watcher(reloader, wake) {
                Ok(rx) => commands.insert_resource(Watcher(Mutex::new(rx))),
                Err(e) => warn!("hot reload is off: {e}"),
            }
        }
        return;
    };
    let latest = match watcher.0.lock() {
        Ok(rx) => rx.try_iter().last(),
        Err(_) => None,
    };
    let Some(snap) = latest else { return };
    let lang = settings.lang;
    let applied = apply_snapshot(&snap, &mut catalog, &mut selected, &mut play);
    let mut notice = crate::app::author::after_reload(
        &applied,
        &catalog,
        &selected,
        &mut play,
        &mut preview,
        lang,
    );
    let here = *screen.get();
    if selected.0.is_none()
        && matches!(
            here,
            Screen::Briefing
                | Screen::Conversation
                | Screen::Feedback
                | Screen::Debrief
                | Screen::Author
        )
    {
        play.0 = None;
        next.set(Screen::Library);
        if let Some(id) = applied.removed.first() {
            notice = Some(T::ReloadRemoved.fmt(lang, &[id]));
        }
    }
    if panel.problems != snap.problems || notice.is_some() {
        panel.dismissed = false;
    }
    panel.problems = snap.problems;
    panel.notice = notice;
    info!(
        "scenarios reloaded: {} offered, {} changed, {} removed, {} problem(s)",
        catalog.0.len(),
        applied.changed.len(),
        applied.removed.len(),
        panel.problems.len()
    );
    for mut c in &mut contexts {
        c.get_mut().request_repaint();
    }
}

/// Draws the panel's content; returns true when the trainer dismisses it.
pub fn panel_ui(ui: &mut egui::Ui, panel: &ReloadPanel, lang: crate::app::i18n::Lang) -> bool {
    let mut dismiss = false;
    ui.horizontal(|ui| {
        if !panel.problems.is_empty() {
            ui.label(
                egui::RichText::new(T::ReloadProblems.get(lang))
                    .strong()
                    .color(egui::Color32::from_rgb(200, 40, 40)),
            );
        }
        if ui.button(T::Dismiss.get(lang)).clicked() {
            dismiss = true;
        }
    });
    if let Some(n) = &panel.notice {
        ui.label(n);
    }
    for p in &panel.problems {
        ui.label(egui::RichText::new(p.display()).monospace());
    }
    dismiss
}

fn draw_panel(
    mut contexts: bevy_egui::EguiContexts,
    mut panel: ResMut<ReloadPanel>,
    settings: Res<Settings>,
    screen: Option<Res<State<crate::app::flow::Screen>>>,
) -> Result {
    // The author screen shows the problems in its own layout, above the replies.
    let on_author = screen.is_some_and(|s| *s.get() == crate::app::flow::Screen::Author);
    if !panel.visible() || on_author {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut dismiss = false;
    egui::Area::new("reload-panel".into())
        .order(egui::Order::Foreground)
        .anchor(egui::Align2::CENTER_BOTTOM, egui::vec2(0.0, -12.0))
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_max_width(900.0);
                dismiss = panel_ui(ui, &panel, settings.lang);
            });
        });
    if dismiss {
        panel.dismissed = true;
    }
    Ok(())
}
