//! Hot reload: the OS tells a background thread when a scenario folder changes, and the app swaps in edited scenarios, keeping the last good version of a broken file.
//!
//! [`Reloader`] is the UI-free part (tested in `tests/app_hot_reload.rs`): it reads the
//! same sources as the app (embedded scenarios, then the station's folders) through the
//! one loader in `core::library`, remembers each folder file's size and modification
//! time, re-validates only the files that changed and keeps, per file, the last version
//! that passed validation. A broken edit leaves that version in the catalog and reports
//! the errors as findings (`core::diagnostics::Finding`, the validator's own type). After every change the library is put together again from
//! all files (`core::library::assemble`), so a duplicate id, or a folder's copy replacing
//! an embedded scenario, is decided afresh: a file that lost an id clash comes back as
//! soon as the clash is gone.
//!
//! In the app (author mode or `--watch` only) a thread waits for the OS's file
//! notifications and then calls [`Reloader::poll`]; only when something changed does it
//! send a [`Snapshot`] over a channel and wake the event loop, so an idle app stays idle
//! and nothing is polled. [`drain`] applies the snapshot to the catalog and asks egui to repaint.

use crate::app::flow::{Abandoned, AuthorMode, Catalog, FlowSet, Play, Screen, Selected, Settings};
use crate::app::i18n::T;
use crate::app::loader::CatalogEntry;
use crate::core::diagnostics::{Code, FileReport, Finding, Severity};
use crate::core::library::{LibraryError, Origin, Source, SourceFile, assemble, source_files};
use bevy::prelude::*;
use bevy_egui::egui;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, SystemTime};

/// What the sources hold now: the scenarios to offer and the errors to show.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// One entry per scenario id with a good version (the newest good one), in source
    /// order, files sorted by name within a folder.
    pub entries: Vec<CatalogEntry>,
    /// Errors in the scenario files: validator findings, or `E000` (no location) for a
    /// file or folder that cannot be read. The panel shows [`Finding::one_line`].
    pub problems: Vec<Finding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

/// One file as last read.
#[derive(Debug)]
struct FileState {
    origin: Origin,
    stamp: Option<Stamp>,
    /// The latest version's report (`None`: the file could not be read).
    current: Option<FileReport>,
    /// The last version without errors.
    good: Option<FileReport>,
    /// Why the file could not be read, if it could not.
    unreadable: Option<String>,
}

impl FileState {
    /// The version the catalog is built from: the latest if it has no errors, else the
    /// last good one, else the latest (so that its id still takes part in the checks).
    fn effective(&self) -> Option<&FileReport> {
        match &self.current {
            Some(c) if !c.has_errors() => Some(c),
            _ => self.good.as_ref().or(self.current.as_ref()),
        }
    }
}

/// One source and its files (embedded ones are read once; folders are re-scanned).
#[derive(Debug)]
struct SourceState {
    source: Source,
    files: BTreeMap<PathBuf, FileState>,
    /// Why the folder could not be listed at the last look.
    problem: Option<String>,
}

/// Watches the scenario sources (see the module docs).
#[derive(Debug)]
pub struct Reloader {
    sources: Vec<SourceState>,
}

impl Reloader {
    /// Watches the one folder `dir` (no embedded scenarios).
    pub fn new(dir: impl Into<PathBuf>) -> Reloader {
        Reloader::with_sources(vec![Source::Folder(dir.into())])
    }

    /// Reads `sources` once (the state the app started with).
    pub fn with_sources(sources: Vec<Source>) -> Reloader {
        let mut r = Reloader {
            sources: sources
                .into_iter()
                .map(|source| SourceState {
                    source,
                    files: BTreeMap::new(),
                    problem: None,
                })
                .collect(),
        };
        r.poll();
        r
    }

    /// The folders watched.
    pub(crate) fn folders(&self) -> Vec<&Path> {
        self.sources
            .iter()
            .flat_map(|s| match &s.source {
                Source::Folder(p) => vec![p.as_path()],
                Source::Paths(ps) => ps
                    .iter()
                    .map(PathBuf::as_path)
                    .filter(|p| p.is_dir())
                    .collect(),
                Source::Embedded(_) => vec![],
            })
            .collect()
    }

    /// Looks for added, changed and removed files; returns the new snapshot if anything
    /// changed (a file rewritten with the same bytes is no change).
    pub fn poll(&mut self) -> Option<Snapshot> {
        let mut changed = false;
        for st in &mut self.sources {
            changed |= rescan(st);
        }
        changed.then(|| self.snapshot())
    }

    /// The current state, whether or not it changed.
    pub fn snapshot(&self) -> Snapshot {
        let groups: Vec<Vec<(Origin, FileReport)>> = self
            .sources
            .iter()
            .map(|st| {
                st.files
                    .values()
                    .filter_map(|f| f.effective().map(|r| (f.origin.clone(), r.clone())))
                    .collect()
            })
            .collect();
        let library = assemble(groups);
        let mut problems = Vec::new();
        let mut assembled = library.report.files.iter();
        for st in &self.sources {
            if let Some(p) = &st.problem {
                problems.push(Finding::whole_file(
                    Code::E000,
                    Path::new(&st.source.describe()),
                    p.clone(),
                    None,
                ));
            }
            for (path, f) in &st.files {
                if let Some(why) = &f.unreadable {
                    problems.push(Finding::whole_file(Code::E000, path, why.clone(), None));
                }
                // The latest version's own errors …
                if let Some(c) = &f.current {
                    problems.extend(errors(c, |_| true));
                }
                // … and the cross-file ones (duplicate ids) decided just now.
                if f.effective().is_some()
                    && let Some(r) = assembled.next()
                {
                    problems.extend(errors(r, |code| code == Code::E010));
                }
            }
        }
        Snapshot {
            entries: library.scenarios,
            problems,
        }
    }
}

fn errors(report: &FileReport, keep: impl Fn(Code) -> bool) -> Vec<Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error && keep(f.code))
        .cloned()
        .collect()
}

/// Re-lists one source and re-reads its changed files; returns whether anything changed.
fn rescan(st: &mut SourceState) -> bool {
    let listed = match source_files(&st.source) {
        Ok(files) => {
            let changed = st.problem.take().is_some();
            (files, changed)
        }
        Err(e) => {
            let msg = match &e {
                LibraryError::FolderNotFound { .. } => {
                    "the scenario folder is not there (any more); its scenarios are kept until it is back".to_string()
                }
                other => other.to_string(),
            };
            let changed = st.problem.as_ref() != Some(&msg);
            st.problem = Some(msg);
            // Keep the files as last read: a network folder that drops out for a moment
            // does not empty the catalog.
            return changed;
        }
    };
    let (files, mut changed) = listed;
    let before = st.files.len();
    st.files.retain(|p, _| files.iter().any(|f| &f.path == p));
    changed |= st.files.len() != before;
    for file in files {
        changed |= reload_file(st, file);
    }
    changed
}

/// Re-reads one file if its stamp changed; returns whether its state changed.
fn reload_file(st: &mut SourceState, file: SourceFile) -> bool {
    let stamp = if file.is_embedded() {
        None
    } else {
        match std::fs::metadata(&file.path) {
            Ok(meta) => Some(Stamp {
                modified: meta.modified().ok(),
                len: meta.len(),
            }),
            Err(_) => None,
        }
    };
    if let Some(known) = st.files.get(&file.path)
        && (file.is_embedded() || (stamp.is_some() && known.stamp == stamp))
    {
        return false;
    }
    let state = st.files.entry(file.path.clone()).or_insert(FileState {
        origin: file.origin.clone(),
        stamp: None,
        current: None,
        good: None,
        unreadable: None,
    });
    state.stamp = stamp;
    match file.report() {
        Ok(report) => {
            let same = state
                .current
                .as_ref()
                .is_some_and(|c| c.source == report.source);
            if same && state.unreadable.is_none() {
                return false;
            }
            state.unreadable = None;
            if !report.has_errors() {
                state.good = Some(report.clone());
            }
            state.current = Some(report);
            true
        }
        Err(e) => {
            let why = format!("cannot read the file: {e}");
            let changed = state.unreadable.as_ref() != Some(&why);
            state.unreadable = Some(why);
            state.current = None;
            changed
        }
    }
}

/// After a file-system event, wait until the folder has been quiet this long before
/// re-reading it (an editor's save is often several events: write, rename, chmod).
pub const SETTLE: Duration = Duration::from_millis(80);

/// Starts the watcher: the OS reports changes in the reloader's folders (inotify, FSEvents,
/// ReadDirectoryChangesW through the `notify` crate), a thread re-reads the folder once
/// the events settle and, when something changed, sends the snapshot and calls `wake`.
/// Nothing runs between events: no polling. The thread ends when the receiver is dropped
/// (at the next event) or the OS watch fails.
pub(crate) fn spawn_watcher(
    mut reloader: Reloader,
    wake: impl Fn() + Send + 'static,
) -> Result<Receiver<Snapshot>, WatchError> {
    use notify::Watcher as _;
    let (events_tx, events) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut os_watch = notify::recommended_watcher(events_tx).map_err(WatchError::Notify)?;
    let mut watched = 0;
    for dir in reloader.folders() {
        match os_watch.watch(dir, notify::RecursiveMode::NonRecursive) {
            Ok(()) => watched += 1,
            Err(e) => warn!("hot reload: cannot watch {}: {e}", dir.display()),
        }
    }
    if watched == 0 {
        return Err(WatchError::NothingToWatch);
    }
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
    #[error("there is no scenario folder that can be watched (only the embedded scenarios)")]
    NothingToWatch,
    #[error("the operating system refused to watch the folder: {0}")]
    Notify(notify::Error),
    #[error("cannot start the watcher thread: {0}")]
    Thread(std::io::Error),
}

/// The scenario sources the app was started with (inserted by the app; without it nothing
/// is watched). Only the folders among them are watched.
#[derive(Resource, Debug, Clone)]
pub struct HotReloadSources(pub Vec<Source>);

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
    pub problems: Vec<Finding>,
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

/// What a reload did to the running app; [`drain`] sends it on (author mode restarts its
/// preview from it).
#[derive(Message, Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// Ids of scenarios whose content changed (new hash).
    pub changed: Vec<String>,
    /// Ids that are no longer offered.
    pub removed: Vec<String>,
    /// The attempt in progress was at a removed scenario: it was dropped, and is to be
    /// recorded abandoned.
    pub abandoned: Option<Abandoned>,
}

/// Puts `snap` into the catalog. Scenarios already offered keep their place (and so
/// their card number); new ones are added at the end. The selection and the attempt
/// are kept by scenario id; if their scenario is gone, they are cleared (an unfinished
/// attempt is handed back in [`Applied::abandoned`]).
pub(crate) fn apply_snapshot(
    snap: &Snapshot,
    catalog: &mut Catalog,
    selected: &mut Selected,
    play: &mut Play,
) -> Applied {
    let mut applied = Applied::default();
    let mut entries = Vec::with_capacity(snap.entries.len());
    for old in &catalog.0 {
        match snap
            .entries
            .iter()
            .find(|e| e.scenario.id == old.scenario.id)
        {
            None => applied.removed.push(old.scenario.id.clone()),
            Some(new) => {
                if new.content_hash != old.content_hash {
                    applied.changed.push(old.scenario.id.clone());
                }
                entries.push(new.clone());
            }
        }
    }
    for new in &snap.entries {
        if catalog.get(&new.scenario.id).is_none() {
            entries.push(new.clone());
        }
    }
    catalog.0 = entries;
    if selected.entry(catalog).is_none() {
        selected.0 = None;
    }
    if play
        .0
        .as_ref()
        .is_some_and(|a| catalog.get(&a.scenario).is_none())
    {
        applied.abandoned = play.0.take().as_ref().and_then(Abandoned::of);
    }
    applied
}

/// Adds the watcher (started once a [`HotReloadDir`] is present).
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<ReloadPanel>()
        .add_message::<Applied>()
        .add_systems(Update, drain.before(FlowSet));
}

/// Adds the problems panel (needs egui).
pub(crate) fn ui_plugin(app: &mut App) {
    app.add_systems(
        bevy_egui::EguiPrimaryContextPass,
        draw_panel.after(crate::app::sets::UiSet::Screens),
    );
}

/// Starts the watcher once it is wanted (author mode, or [`WatchAlways`]), then applies
/// whatever it sent.
#[allow(clippy::too_many_arguments)]
pub(crate) fn drain(
    mut commands: Commands,
    sources: Option<Res<HotReloadSources>>,
    watcher: Option<Res<Watcher>>,
    proxy: Option<Res<bevy::winit::EventLoopProxyWrapper>>,
    mut started: Local<bool>,
    mut catalog: ResMut<Catalog>,
    mut selected: ResMut<Selected>,
    mut play: ResMut<Play>,
    mut panel: ResMut<ReloadPanel>,
    mut reloaded: MessageWriter<Applied>,
    settings: Res<Settings>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    mut contexts: Query<&mut bevy_egui::EguiContext, With<bevy_egui::PrimaryEguiContext>>,
    mut abandoned: MessageWriter<Abandoned>,
    (author, always): (Option<Res<AuthorMode>>, Option<Res<WatchAlways>>),
) {
    let Some(watcher) = watcher else {
        let wanted = always.is_some_and(|a| a.0) || author.is_some_and(|a| a.0);
        if !*started
            && wanted
            && let Some(sources) = sources
        {
            *started = true;
            let proxy = proxy.map(|p| (**p).clone());
            let wake = move || {
                if let Some(p) = &proxy {
                    let _ = p.send_event(bevy::winit::WinitUserEvent::WakeUp);
                }
            };
            let reloader = Reloader::with_sources(sources.0.clone());
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
    let was_selected = selected.0.clone();
    // Its title in the trainee's language, while the catalogue still has it.
    let was_title = selected
        .entry(&catalog)
        .map(|e| e.scenario.title.get(lang.code()).to_string());
    let mut applied = apply_snapshot(&snap, &mut catalog, &mut selected, &mut play);
    if let Some(gone) = applied.abandoned.take() {
        abandoned.write(gone);
    }
    let mut notice = None;
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
    }
    // The scenario last opened (on the library: the card the trainee came back to) is
    // gone: say so, by the title it had (its id only if it had none to show).
    if let Some(id) = was_selected.filter(|id| applied.removed.contains(id))
        && here != Screen::SignIn
    {
        let name = was_title.filter(|t| !t.trim().is_empty()).unwrap_or(id);
        notice = Some(T::ReloadRemoved.fmt(lang, &[&name]));
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
    reloaded.write(applied);
    for mut c in &mut contexts {
        c.get_mut().request_repaint();
    }
}

/// Draws the panel's content; returns true when the trainer dismisses it.
pub(crate) fn panel_ui(
    ui: &mut egui::Ui,
    panel: &ReloadPanel,
    lang: crate::app::i18n::Lang,
) -> bool {
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
        ui.label(egui::RichText::new(p.one_line()).monospace());
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
