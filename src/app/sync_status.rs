//! The LRS sync worker (a background thread, never the frame loop) and the records / sync status in the status bar at the bottom of every screen.

use crate::app::flow::{Play, Settings};
use crate::app::i18n::{Lang, T};
use crate::app::records::{AttemptRecord, RecordIssue, RecordStore, Recorded};
use crate::app::sets::UiSet;
use crate::core::lrs::{SyncState, SyncStatus, SyncWorker, WorkerOptions};
use bevy::prelude::*;
use bevy_egui::egui::{self, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

/// The running sync worker, if the store is open.
#[derive(Resource, Default)]
pub struct LrsSync(pub Option<SyncWorker>);

/// What the status corner shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatusVm {
    pub lang: Lang,
    /// The store could not be opened: attempts are not saved (the reason).
    pub store_error: Option<String>,
    /// The attempt in progress is not being recorded (the reason).
    pub unrecorded: Option<String>,
    /// The last write failed (it is retried at the next step).
    pub write_error: Option<String>,
    /// The sync worker's status, when there is a worker.
    pub sync: Option<SyncStatus>,
    /// Problems with the LRS configuration: unreadable, or readable by other accounts.
    pub config: Vec<String>,
}

impl StatusVm {
    /// Whether there is anything to show.
    pub(crate) fn is_empty(&self) -> bool {
        self.store_error.is_none()
            && self.unrecorded.is_none()
            && self.write_error.is_none()
            && self.sync.is_none()
            && self.config.is_empty()
    }
}

/// Draws the status in one line, in words a trainee understands (pure; the status bar
/// of [`crate::app::screens::frame`]). Counts and raw errors are in the hover text, for
/// the trainer.
pub(crate) fn ui(ui: &mut egui::Ui, vm: &StatusVm) {
    let lang = vm.lang;
    let err = ui.visuals().error_fg_color;
    ui.horizontal_wrapped(|ui| {
        if let Some(e) = &vm.store_error {
            ui.colored_label(err, RichText::new(T::RecordsUnavailable.get(lang)).strong())
                .on_hover_text(e);
            return;
        }
        if let Some(e) = &vm.unrecorded {
            ui.colored_label(err, RichText::new(T::NotRecorded.get(lang)).strong())
                .on_hover_text(e);
        }
        if let Some(e) = &vm.write_error {
            ui.colored_label(err, T::RecordWriteFailed.get(lang))
                .on_hover_text(e);
        }
        let (line, bad) = match &vm.sync {
            _ if !vm.config.is_empty() => (T::StatusSetupProblem, true),
            None => (T::StatusSavedHere, false),
            Some(s) if s.parked > 0 => (T::StatusRefused, true),
            Some(s) => match s.state {
                SyncState::NotConfigured => (T::StatusSavedHere, false),
                _ if s.last_error.is_some() => (T::StatusRetrying, false),
                SyncState::Idle if s.pending == 0 => (T::StatusAllSent, false),
                _ => (T::StatusSending, false),
            },
        };
        if vm.unrecorded.is_some() {
            return;
        }
        let mut text = RichText::new(line.get(lang)).small();
        text = if bad { text.color(err) } else { text.weak() };
        let r = ui.label(text);
        let mut details = Vec::new();
        if let Some(s) = &vm.sync {
            details.push(T::StatusDetails.fmt(lang, &[&s.pending, &s.sent, &s.parked]));
            if let Some(e) = &s.last_error {
                details.push(T::SyncLastError.fmt(lang, &[e]));
            }
        }
        for c in &vm.config {
            details.push(T::LrsConfigProblem.fmt(lang, &[c]));
        }
        if !details.is_empty() {
            r.on_hover_text(details.join("\n"));
        }
    });
}

/// The id under which the frame's [`StatusVm`] is handed to the screens (egui memory).
pub(crate) fn status_id() -> egui::Id {
    egui::Id::new("records-status")
}

/// Starts the worker (if the store is open), wakes it after each record, stops it on
/// exit, and draws the status corner.
pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<LrsSync>()
        .add_systems(Startup, start_worker)
        .add_systems(Update, wake_worker)
        .add_systems(Last, stop_worker_on_exit)
        .add_systems(EguiPrimaryContextPass, publish.before(UiSet::Screens));
}

fn start_worker(records: Option<Res<RecordStore>>, mut sync: ResMut<LrsSync>) {
    if let Some(r) = records.as_deref()
        && let Some(store) = &r.store
    {
        sync.0 = Some(SyncWorker::spawn(
            store.path().to_path_buf(),
            r.lrs.clone(),
            WorkerOptions::default(),
        ));
    }
}

fn wake_worker(mut recorded: MessageReader<Recorded>, sync: Res<LrsSync>) {
    if recorded.read().count() > 0
        && let Some(w) = &sync.0
    {
        w.wake();
    }
}

fn stop_worker_on_exit(mut exit: MessageReader<AppExit>, mut sync: ResMut<LrsSync>) {
    if exit.read().count() > 0
        && let Some(w) = sync.0.take()
    {
        // Undelivered statements stay in the outbox; this only ends the thread.
        w.request_stop();
    }
}

/// Hands this frame's status to the screens, which draw it in their status bar.
fn publish(
    mut contexts: EguiContexts,
    settings: Res<Settings>,
    records: Option<Res<RecordStore>>,
    issue: Res<RecordIssue>,
    play: Res<Play>,
    sync: Res<LrsSync>,
) -> Result {
    let vm = StatusVm {
        lang: settings.lang,
        store_error: records.as_ref().and_then(|r| r.error.clone()),
        unrecorded: play.0.as_ref().and_then(|a| match &a.record {
            AttemptRecord::Failed(e) => Some(e.clone()),
            _ => None,
        }),
        write_error: issue.0.clone(),
        sync: sync.0.as_ref().map(SyncWorker::status),
        config: records
            .as_ref()
            .map(|r| r.lrs_error.iter().chain(&r.lrs_warning).cloned().collect())
            .unwrap_or_default(),
    };
    let ctx = contexts.ctx_mut()?;
    let shown = (!vm.is_empty()).then_some(vm);
    ctx.data_mut(|d| d.insert_temp(status_id(), shown));
    Ok(())
}
