//! Temporary render experiments (issue 15), chosen by COURTESY_EXP_* environment variables; unset = the app's normal setup.

use bevy::prelude::*;
use bevy::window::PresentMode;
use bevy_egui::EguiContexts;

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

/// COURTESY_EXP_SHADER=flat|const: egui's shader without its colour conversions (flat) or
/// without texture sampling either (const). Wrong colours; for measuring only.
pub(crate) fn plugin(app: &mut App) {
    if let Some(kind) = var("COURTESY_EXP_SHADER") {
        let body = match kind.as_str() {
            "flat" => {
                "let t = textureSample(image_texture, image_sampler, in.uv); return t * in.color;"
            }
            "const" => "return in.color;",
            _ => return,
        };
        let src = format!(
            "{HEAD}\n@fragment\nfn fs_main(in: VertexOutput) -> @location(0) vec4<f32> {{\n#ifdef BINDLESS\nlet image_texture = image_texture[offset.offset];\nlet image_sampler = image_sampler[offset.offset];\n#endif\n{body}\n}}\n"
        );
        let shader = bevy::shader::Shader::from_wgsl(src, "courtesy/egui_exp.wgsl");
        let _ = app
            .world_mut()
            .resource_mut::<Assets<bevy::shader::Shader>>()
            .insert(bevy_egui::render::EGUI_SHADER_HANDLE.id(), shader);
    }
    if var("COURTESY_EXP_NO_FEATHER").is_some() {
        app.add_systems(Update, no_feather);
    }
}

fn no_feather(mut contexts: EguiContexts) {
    if let Ok(ctx) = contexts.ctx_mut() {
        ctx.tessellation_options_mut(|t| t.feathering = false);
    }
}

const HEAD: &str = r#"
struct Transform {
    scale: vec2<f32>,
    translation: vec2<f32>,
}
struct VertexInput {
    @location(0) position: vec2<f32>,
    @location(1) uv: vec2<f32>,
    @location(2) color: vec4<f32>,
}
struct VertexOutput {
    @builtin(position) position: vec4<f32>,
    @location(0) color: vec4<f32>,
    @location(1) uv: vec2<f32>,
}
@group(0) @binding(0) var<uniform> transform: Transform;
#ifdef BINDLESS
@group(1) @binding(0) var image_texture: binding_array<texture_2d<f32>>;
@group(1) @binding(1) var image_sampler: binding_array<sampler>;
struct BindlessOffset {
    offset: u32,
};
var<immediate> offset: BindlessOffset;
#else
@group(1) @binding(0) var image_texture: texture_2d<f32>;
@group(1) @binding(1) var image_sampler: sampler;
#endif
@vertex
fn vs_main(in: VertexInput) -> VertexOutput {
    let position = in.position * transform.scale + transform.translation;
    return VertexOutput(vec4<f32>(position, 0.0, 1.0), in.color, in.uv);
}
"#;
