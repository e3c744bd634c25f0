//! `--screenshot <PNG>`: let the screen settle, capture the window, save it and exit.
//!
//! A screenshot is not training: attempts started during a capture are never recorded
//! (the records store, when `--data-dir` names one, is only read — the manager's
//! dashboard, a trainee's bests), so a capture leaves no attempt that ends neither
//! finished nor abandoned.

use crate::app::flow::{FlowSet, Play};
use crate::app::records::{AttemptRecord, record_attempt};
use crate::app::soft_present::{Presenter, SoftCapture};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::winit::WinitSettings;
use std::num::NonZero;
use std::path::PathBuf;

/// Frames to run before capturing, so fonts are uploaded and the layout has settled.
pub const SETTLE_FRAMES: u32 = 12;
/// Frames after which we give up waiting for the capture.
pub const GIVE_UP_FRAMES: u32 = 3_000;

/// Where to save the capture.
#[derive(Resource, Debug, Clone)]
pub struct ScreenshotTo(pub PathBuf);

#[derive(Resource, Debug, Default)]
struct Capture {
    frames: u32,
    requested: bool,
    /// `Some(Ok)` once saved, `Some(Err)` if saving failed.
    done: Option<Result<(), String>>,
}

/// Adds the capture; the app runs continuously (no idle policy) until it is saved.
pub fn plugin(app: &mut App) {
    app.insert_resource(WinitSettings::continuous())
        .init_resource::<Capture>()
        .init_resource::<SoftCapture>()
        .add_systems(Last, drive)
        .add_systems(Update, never_record.after(FlowSet).before(record_attempt));
}

/// Marks a newly started attempt "recording off" before the recorder sees it.
pub(crate) fn never_record(mut play: ResMut<Play>) {
    if let Some(a) = play.bypass_change_detection().0.as_mut()
        && a.record == AttemptRecord::NotStarted
    {
        a.record = AttemptRecord::Off;
    }
}

fn drive(
    mut cap: ResMut<Capture>,
    to: Res<ScreenshotTo>,
    presenter: Option<Res<Presenter>>,
    mut soft: ResMut<SoftCapture>,
    mut commands: Commands,
    mut exit: MessageWriter<AppExit>,
) {
    cap.frames += 1;
    if let SoftCapture::Taken(image) = &*soft {
        cap.done = Some(save(image, &to.0));
        *soft = SoftCapture::None;
    }
    // The software presenter gave up (it fell back to the GPU path) before painting the
    // wanted frame: ask bevy for it instead.
    if matches!(*soft, SoftCapture::Wanted) && presenter.as_deref() == Some(&Presenter::Gpu) {
        *soft = SoftCapture::None;
        cap.requested = false;
    }
    if let Some(done) = cap.done.take() {
        match done {
            Ok(()) => {
                info!("screenshot saved to {}", to.0.display());
                exit.write(AppExit::Success);
            }
            Err(e) => {
                error!("cannot save the screenshot to {}: {e}", to.0.display());
                exit.write(AppExit::Error(NonZero::<u8>::MIN));
            }
        }
        return;
    }
    if !cap.requested && cap.frames >= SETTLE_FRAMES {
        cap.requested = true;
        // With the software presenter bevy renders nothing: the painter keeps the next
        // frame it paints.
        if presenter.is_some_and(|p| *p == Presenter::Software) {
            *soft = SoftCapture::Wanted;
            return;
        }
        let path = to.0.clone();
        commands.spawn(Screenshot::primary_window()).observe(
            move |ev: On<ScreenshotCaptured>, mut cap: ResMut<Capture>| {
                cap.done = Some(save(&ev.image, &path));
            },
        );
    }
    if cap.frames > GIVE_UP_FRAMES {
        error!("no screenshot after {GIVE_UP_FRAMES} frames; is the window visible?");
        exit.write(AppExit::Error(NonZero::<u8>::MIN));
    }
}

fn save(image: &Image, path: &std::path::Path) -> Result<(), String> {
    let dynamic = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    dynamic.to_rgb8().save(path).map_err(|e| e.to_string())
}
