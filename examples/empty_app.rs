//! The baseline for start-up time: an empty bevy + bevy_egui app built with the same
//! features as `courtesy app` (one window, a camera, one egui label), logging when its first
//! frame is drawn the way the app does. `scripts/measure-app.sh` runs both in one go:
//! cargo run --release --example empty_app
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, EguiRenderOutput, egui};
use std::time::Instant;

#[derive(Resource)]
struct StartedAt(Instant);

fn main() {
    let started = Instant::now();
    App::new()
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: "empty bevy + bevy_egui app".into(),
                resolution: bevy::window::WindowResolution::new(1280, 800),
                ..default()
            }),
            ..default()
        }))
        .add_plugins(EguiPlugin::default())
        .insert_resource(StartedAt(started))
        .add_systems(Startup, |mut commands: Commands| {
            commands.spawn((Camera2d, bevy::render::view::Msaa::Off));
        })
        .add_systems(EguiPrimaryContextPass, draw)
        .add_systems(
            PostUpdate,
            first_frame.after(bevy_egui::EguiPostUpdateSet::ProcessOutput),
        )
        .run();
}

fn draw(mut contexts: EguiContexts) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "screen".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    egui::CentralPanel::default().show(&mut root, |ui| {
        ui.label("Hello");
    });
    Ok(())
}

fn first_frame(outputs: Query<&EguiRenderOutput>, started: Res<StartedAt>, mut done: Local<bool>) {
    if !*done && outputs.iter().any(|o| !o.paint_jobs.is_empty()) {
        *done = true;
        info!(
            "first frame drawn {} ms after start",
            started.0.elapsed().as_millis()
        );
    }
}
