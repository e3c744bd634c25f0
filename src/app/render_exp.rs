//! Temporary render experiments (issue 15), chosen by COURTESY_EXP_* environment variables; unset = the app's normal setup.

use bevy::prelude::*;
use bevy::window::PresentMode;
use bevy_egui::EguiContexts;

use super::egui_shader::{HEAD, VERTEX};

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// COURTESY_EXP_PRESENT=immediate|mailbox|novsync|fifo
pub(crate) fn present_mode() -> Option<PresentMode> {
    match var("COURTESY_EXP_PRESENT")?.as_str() {
        "immediate" => Some(PresentMode::Immediate),
        "mailbox" => Some(PresentMode::Mailbox),
        "novsync" => Some(PresentMode::AutoNoVsync),
        "fifo" => Some(PresentMode::Fifo),
        _ => None,
    }
}

/// COURTESY_EXP_NO_PIPELINED=1
pub(crate) fn no_pipelined() -> bool {
    var("COURTESY_EXP_NO_PIPELINED").is_some()
}

/// COURTESY_EXP_OUTPUT=noclear|skip: the camera's output to the window without the clear
/// before the blit (noclear; the blit covers the whole window), or no output at all (skip:
/// nothing reaches the window; for measuring what the blit costs).
pub(crate) fn camera(camera: &mut Camera) {
    use bevy::camera::{CameraOutputMode, ClearColorConfig};
    match var("COURTESY_EXP_OUTPUT").as_deref() {
        Some("noclear") => {
            camera.output_mode = CameraOutputMode::Write {
                blend_state: None,
                clear_color: ClearColorConfig::None,
            }
        }
        Some("skip") => camera.output_mode = CameraOutputMode::Skip,
        _ => {}
    }
}

/// Whether COURTESY_EXP_SHADER names a shader (then `egui_shader` leaves it to this module).
pub(crate) fn shader_chosen() -> bool {
    var("COURTESY_EXP_SHADER").is_some()
}

/// COURTESY_EXP_SHADER=stock|flat|const|offscreen: bevy_egui's own shader (stock, with
/// `pow()` conversions), egui's shader without its colour conversions (flat), without
/// texture sampling either (const), or with every triangle moved off screen so nothing is
/// rasterised (offscreen). All but stock give wrong pixels; for measuring only.
pub(crate) fn plugin(app: &mut App) {
    if let Some(kind) = var("COURTESY_EXP_SHADER") {
        let (vertex, body) = match kind.as_str() {
            "flat" => (
                VERTEX,
                "let t = textureSample(image_texture, image_sampler, in.uv); return t * in.color;",
            ),
            "const" => (VERTEX, "return in.color;"),
            "offscreen" => (OFFSCREEN_VERTEX, "return in.color;"),
            _ => return,
        };
        let src = format!(
            "{HEAD}{vertex}\n@fragment\nfn fs_main(in: VertexOutput) -> @location(0) vec4<f32> {{\n#ifdef BINDLESS\nlet image_texture = image_texture[offset.offset];\nlet image_sampler = image_sampler[offset.offset];\n#endif\n{body}\n}}\n"
        );
        let shader = bevy::shader::Shader::from_wgsl(src, "courtesy/egui_exp.wgsl");
        let _ = app
            .world_mut()
            .resource_mut::<Assets<bevy::shader::Shader>>()
            .insert(bevy_egui::render::EGUI_SHADER_HANDLE.id(), shader);
    }
    if var("COURTESY_EXP_NO_MAIN_PASS").is_some() {
        app.add_plugins(NoMainPass);
    }
    if var("COURTESY_EXP_NO_FEATHER").is_some() {
        app.add_systems(Update, no_feather);
    }
}

/// COURTESY_EXP_NO_MAIN_PASS=1: bevy's 2D main passes taken out of the camera's schedule
/// (nothing but egui draws; egui's pass then clears the main texture itself, and no depth
/// texture is cleared).
struct NoMainPass;

impl Plugin for NoMainPass {
    fn build(&self, _app: &mut App) {}

    fn finish(&self, app: &mut App) {
        use bevy::core_pipeline::Core2d;
        use bevy::core_pipeline::core_2d::{main_opaque_pass_2d, main_transparent_pass_2d};
        use bevy::ecs::schedule::ScheduleCleanupPolicy;
        let Some(render_app) = app.get_sub_app_mut(bevy::render::RenderApp) else {
            return;
        };
        for r in [
            render_app.remove_systems_in_set(
                Core2d,
                main_opaque_pass_2d,
                ScheduleCleanupPolicy::RemoveSystemsOnly,
            ),
            render_app.remove_systems_in_set(
                Core2d,
                main_transparent_pass_2d,
                ScheduleCleanupPolicy::RemoveSystemsOnly,
            ),
        ] {
            if let Err(e) = r {
                warn!("COURTESY_EXP_NO_MAIN_PASS: {e}");
            }
        }
    }
}

fn no_feather(mut contexts: EguiContexts) {
    if let Ok(ctx) = contexts.ctx_mut() {
        ctx.tessellation_options_mut(|t| t.feathering = false);
    }
}

/// Every vertex outside the clip volume: the egui pass runs, its triangles are culled.
const OFFSCREEN_VERTEX: &str = r#"
@vertex
fn vs_main(in: VertexInput) -> VertexOutput {
    return VertexOutput(vec4<f32>(4.0, 4.0, 0.0, 1.0), in.color, in.uv);
}
"#;
