//! The LRS sync worker (a background thread, never the frame loop) and the small records / sync status shown in a corner of every screen.

use crate::app::flow::{Play, Settings};
use crate::app::i18n::{Lang, T};
use crate::app::records::{AttemptRecord, RecordIssue, RecordStore, Recorded};
use crate::app::screens::UiSet;
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
    pub fn is_empty(&self) -> bool {
        self.store_error.is_none()
            && self.unrecorded.is_none()
            && self.write_error.is_none()
            && self.sync.is_none()
            && self.config.is_empty()
    }
}

/// Draws the status lines (pure; used inside a small corner area).
pub fn ui(ui: &mut egui::Ui, vm: &StatusVm) {
    let lang = vm.lang;
    let err = ui.visuals().error_fg_color;
    if let Some(e) = &vm.store_error {
        ui.colored_label(err, RichText::new(T::RecordsUnavailable.get(lang)).strong())
            .on_hover_text(e);
    } else if let Some(e) = &vm.unrecorded {
        ui.colored_label(err, RichText::new(T::NotRecorded.get(lang)).strong())
            .on_hover_text(e);
    }
    if let Some(e) = &vm.write_error {
        ui.colored_label(err, T::RecordWriteFailed.get(lang))
            .on_hover_text(e);
    }
    for c in &vm.config {
        ui.label(
            RichText::new(T::LrsConfigProblem.fmt(lang, &[c]))
                .small()
                .color(err),
        );
    }
    if let Some(s) = &vm.sync {
        let line = match s.state {
            SyncState::NotConfigured => T::SyncNotConfigured.fmt(lang, &[&s.pending]),
            SyncState::Idle if s.pending == 0 => T::SyncAllSent.get(lang).to_string(),
            _ => T::SyncPending.fmt(lang, &[&s.pending]),
        };
        let mut text = RichText::new(line).small().weak();
        if s.last_error.is_some() || s.parked > 0 {
            text = text.color(err);
        }
        let r = ui.label(text);
        if let Some(e) = &s.last_error {
            ui.label(
                RichText::new(T::SyncLastError.fmt(lang, &[e]))
                    .small()
                    .color(err),
            );
        }
        if s.parked > 0 {
            r.on_hover_text(T::SyncRejected.fmt(lang, &[&s.parked]));
        }
    }
}

/// Starts the worker (if the store is open), wakes it after each record, stops it on
/// exit, and draws the status corner.
pub fn plugin(app: &mut App) {
    app.init_resource::<LrsSync>()
        .add_systems(Startup, start_worker)
        .add_systems(Update, wake_worker)
        .add_systems(Last, stop_worker_on_exit)
        .add_systems(EguiPrimaryContextPass, draw.after(UiSet::Screens));
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

fn draw(
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
    if vm.is_empty() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    egui::Area::new(egui::Id::new("records-status"))
        // Bottom left: the bottom-right corner holds the author-mode toggle.
        .anchor(egui::Align2::LEFT_BOTTOM, egui::vec2(10.0, -8.0))
        .order(egui::Order::Foreground)
        .interactable(true)
        .show(ctx, |u| {
            egui::Frame::NONE
                .fill(u.visuals().window_fill)
                .inner_margin(4.0)
                .corner_radius(4.0)
                .show(u, |u| {
                    u.with_layout(egui::Layout::top_down(egui::Align::Min), |u| ui(u, &vm));
                });
        });
    Ok(())
}
