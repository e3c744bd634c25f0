//! Where colours are blended: in sRGB gamma on an `Rgba8Unorm` main texture (egui's own model, no per-pixel sRGB decode and encode while egui draws), or bevy's linear default.
//!
//! bevy's 2D camera renders into an `Rgba8UnormSrgb` main texture: every pixel egui draws
//! is decoded from sRGB, blended in linear light and encoded back, and egui's shader turns
//! its gamma-space result to linear first. egui itself blends in gamma ("multiply the
//! colours in gamma space"; egui_wgpu's `fs_main_gamma_framebuffer`). With bevy's
//! `CompositingSpace::Srgb` on the camera the main texture is `Rgba8Unorm` and holds gamma
//! bytes; egui's shader then returns its gamma result as it is, and the software
//! rasteriser blends plain bytes. The upscaling blit turns gamma to linear once per pixel
//! (`SRGB_TO_LINEAR`) for the sRGB window; here with the same polynomial as egui's shader
//! instead of bevy's `pow()`. egui's font texture stays `Rgba8UnormSrgb` in memory (so its
//! updates write the same bytes) but is sampled through an `Rgba8Unorm` view: its bytes
//! are gamma already, so no decode and re-encode per sample.
//!
//! bevy_egui 0.42 specialises its pipeline for `Rgba8UnormSrgb` whatever the camera's
//! main texture is, so [`respecialize_egui_pipelines`] specialises it again for the
//! texture the camera really has.
//!
//! Limits: the `Rgba8Unorm` view of an `Rgba8UnormSrgb` texture needs wgpu's
//! `VIEW_FORMATS` (Vulkan, Metal and DX12 have it; no GL backend is built). Only egui's
//! managed textures get that view: an egui image added from a bevy `Image` would be
//! sampled with its sRGB decode and look too dark, so give it the same view.
//!
//! Environment, for measuring and comparing: `COURTESY_EXP_SPACE=linear` (bevy's default
//! space, as before; also the default with an experiment shader, `COURTESY_EXP_SHADER`)
//! or `srgb`; `COURTESY_EXP_FONT_VIEW=srgb` (sample the font texture
//! with its sRGB decode); `COURTESY_EXP_BLIT=stock` (bevy's blit shader, `pow()`) or
//! `load` (the polynomial blit loading texels instead of sampling).

use bevy::prelude::*;
use bevy::render::{Render, RenderApp, RenderStartup, RenderSystems};

/// How the app composites, read once from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Blend in sRGB gamma on an `Rgba8Unorm` main texture.
    pub(crate) srgb_space: bool,
    /// Sample egui's textures through an `Rgba8Unorm` view (only with `srgb_space`).
    pub(crate) unorm_textures: bool,
    /// Replace bevy's blit shader by one with polynomial conversions.
    pub(crate) poly_blit: bool,
    /// That blit loads the texel under each fragment instead of sampling its source as
    /// bevy's does (measured: no faster; kept for comparing).
    pub(crate) blit_load: bool,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The settings: the defaults unless `COURTESY_EXP_SPACE`, `COURTESY_EXP_FONT_VIEW` or
/// `COURTESY_EXP_BLIT` say otherwise.
pub(crate) fn settings() -> Settings {
    let srgb_space = match var("COURTESY_EXP_SPACE").as_deref() {
        Some("linear") => false,
        Some("srgb") => true,
        // The experiment shaders (`render_exp`) write linear colour.
        _ => DEFAULT_SRGB_SPACE && !crate::app::render_exp::shader_chosen(),
    };
    Settings {
        srgb_space,
        unorm_textures: srgb_space && var("COURTESY_EXP_FONT_VIEW").as_deref() != Some("srgb"),
        poly_blit: var("COURTESY_EXP_BLIT").as_deref() != Some("stock"),
        blit_load: var("COURTESY_EXP_BLIT").as_deref() == Some("load"),
    }
}

/// Measured (README, Performance): 20–27 % less CPU per redrawn frame under lavapipe.
const DEFAULT_SRGB_SPACE: bool = true;

/// The compositing space to put on the camera egui draws through (none: bevy's linear
/// default, exactly as without the component).
pub(crate) fn camera_space(settings: Settings) -> Option<bevy::camera::CompositingSpace> {
    settings
        .srgb_space
        .then_some(bevy::camera::CompositingSpace::Srgb)
}

/// Sets up the pipeline, texture and blit side (add after `EguiPlugin` and the render
/// plugins).
pub(crate) fn plugin(app: &mut App) {
    let s = settings();
    if s.unorm_textures {
        app.add_systems(
            PostUpdate,
            view_egui_textures_as_unorm
                .after(bevy_egui::update_egui_textures_system)
                .in_set(bevy_egui::EguiPostUpdateSet::PostProcessOutput),
        );
    }
    let blit = s.poly_blit.then(|| {
        app.world_mut()
            .resource_mut::<Assets<bevy::shader::Shader>>()
            .add(bevy::shader::Shader::from_wgsl(
                blit_wgsl(s.blit_load),
                "courtesy/blit.wgsl",
            ))
    });
    let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
        return;
    };
    // bevy_egui's `queue_pipelines_system` inserts `EguiPipelines` through Commands; the
    // Render schedule's automatic sync point applies them before this system runs, so it
    // edits this frame's map (without it, last frame's: a format mismatch that stops the
    // app).
    render_app
        .insert_resource(ShaderSpace {
            gamma: s.srgb_space,
        })
        .add_systems(
            Render,
            respecialize_egui_pipelines
                .in_set(RenderSystems::Queue)
                .after(bevy_egui::render::systems::queue_pipelines_system),
        );
    if let Some(handle) = blit {
        render_app.insert_resource(PolyBlit(handle)).add_systems(
            RenderStartup,
            use_poly_blit.after(bevy::core_pipeline::blit::init_blit_pipeline),
        );
    }
}

/// egui's managed textures (the font atlas) get an `Rgba8Unorm` view of their
/// `Rgba8UnormSrgb` storage, once each (changing an image re-uploads it).
fn view_egui_textures_as_unorm(
    managed: Res<bevy_egui::EguiManagedTextures>,
    mut images: ResMut<Assets<Image>>,
) {
    use bevy::render::render_resource::{TextureFormat, TextureViewDescriptor};
    for texture in managed.0.values() {
        let id = texture.handle.id();
        let Some(image) = images.get(id) else {
            continue;
        };
        if image.texture_descriptor.format != TextureFormat::Rgba8UnormSrgb
            || image.texture_view_descriptor.is_some()
        {
            continue;
        }
        if let Some(mut image) = images.get_mut(id) {
            image.texture_descriptor.view_formats = &[TextureFormat::Rgba8Unorm];
            image.texture_view_descriptor = Some(TextureViewDescriptor {
                format: Some(TextureFormat::Rgba8Unorm),
                ..default()
            });
        }
    }
}

/// What the app's egui shader writes (render world): gamma bytes for an `Rgba8Unorm`
/// main texture, or linear colour for an sRGB one.
#[derive(Resource, Clone, Copy)]
struct ShaderSpace {
    gamma: bool,
}

/// Whether a main texture of `format` stores what a shader writing in `space` returns.
fn matches_space(space: ShaderSpace, format: bevy::render::render_resource::TextureFormat) -> bool {
    use bevy::render::render_resource::TextureFormat;
    if space.gamma {
        format == TextureFormat::Rgba8Unorm
    } else {
        format.is_srgb() || format == TextureFormat::Rgba16Float
    }
}

/// bevy_egui specialises its pipeline for `Rgba8UnormSrgb` (or `Rgba16Float` with HDR);
/// this specialises it again for the main texture each camera really has. One shader
/// serves every egui view, so a view whose texture does not store what it writes (a
/// second camera without the compositing space, HDR) would show wrong colours: that is
/// logged once.
fn respecialize_egui_pipelines(
    space: Res<ShaderSpace>,
    mut warned: Local<bool>,
    pipeline_cache: Res<bevy::render::render_resource::PipelineCache>,
    mut specialized: ResMut<
        bevy::render::render_resource::SpecializedRenderPipelines<bevy_egui::render::EguiPipeline>,
    >,
    egui_pipeline: Res<bevy_egui::render::EguiPipeline>,
    pipelines: Option<ResMut<bevy_egui::render::systems::EguiPipelines>>,
    targets: Query<(
        &bevy::render::sync_world::MainEntity,
        &bevy::render::view::ViewTarget,
    )>,
) {
    let Some(mut pipelines) = pipelines else {
        return;
    };
    for (main_entity, target) in &targets {
        let format = target.main_texture_format();
        if let Some(id) = pipelines.0.get_mut(main_entity) {
            if !*warned && !matches_space(*space, format) {
                *warned = true;
                warn!(
                    "an egui view draws into a {format:?} texture, but the egui shader writes \
                     {} colour: its colours will be off (put CompositingSpace::Srgb on every \
                     egui camera, or set COURTESY_EXP_SPACE=linear)",
                    if space.gamma { "gamma" } else { "linear" }
                );
            }
            *id = specialized.specialize(
                &pipeline_cache,
                &egui_pipeline,
                bevy_egui::render::EguiPipelineKey {
                    target_format: format,
                },
            );
        }
    }
}

/// The blit shader with polynomial conversions (render world).
#[derive(Resource)]
struct PolyBlit(Handle<bevy::shader::Shader>);

fn use_poly_blit(
    poly: Res<PolyBlit>,
    blit: Option<ResMut<bevy::core_pipeline::blit::BlitPipeline>>,
) {
    if let Some(mut blit) = blit {
        blit.fragment_shader = poly.0.clone();
    }
}

/// bevy's `blit.wgsl` with egui_shader's gamma → linear polynomial for `SRGB_TO_LINEAR`.
/// It samples its source as bevy's does, or with `load` loads the texel under each
/// fragment (the same texel, without the sampler's coordinate arithmetic).
pub(crate) fn blit_wgsl(load: bool) -> String {
    format!(
        "#import bevy_core_pipeline::fullscreen_vertex_shader::FullscreenVertexOutput
#ifdef OKLAB_TO_LINEAR
#import bevy_render::color_operations::oklab_to_linear_rgb
#endif

@group(0) @binding(0) var in_texture: texture_2d<f32>;
@group(0) @binding(1) var in_sampler: sampler;
{linear}
@fragment
fn fs_main(in: FullscreenVertexOutput) -> @location(0) vec4<f32> {{
    {fetch}
#ifdef SRGB_TO_LINEAR
    color = vec4(linear_from_gamma_rgb(color.rgb), color.a);
#endif
#ifdef OKLAB_TO_LINEAR
    color = vec4(oklab_to_linear_rgb(color.rgb), color.a);
#endif
    return color;
}}
",
        linear = super::egui_shader::linear_from_gamma_wgsl(),
        fetch = if !load {
            "var color = textureSample(in_texture, in_sampler, in.uv);"
        } else {
            // The main texture has the window's size and the full-screen triangle covers
            // it pixel for pixel (the upscaling pass only scissors to a viewport), so the
            // nearest sample at `uv` is the texel under the fragment.
            "let last = vec2<i32>(textureDimensions(in_texture)) - 1;
    var color = textureLoad(in_texture, min(vec2<i32>(in.position.xy), last), 0);"
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_matches_the_space_the_shader_writes_in() {
        use bevy::render::render_resource::TextureFormat as F;
        let gamma = ShaderSpace { gamma: true };
        let linear = ShaderSpace { gamma: false };
        assert!(matches_space(gamma, F::Rgba8Unorm));
        assert!(!matches_space(gamma, F::Rgba8UnormSrgb));
        assert!(!matches_space(gamma, F::Rgba16Float));
        assert!(matches_space(linear, F::Rgba8UnormSrgb));
        assert!(matches_space(linear, F::Bgra8UnormSrgb));
        assert!(matches_space(linear, F::Rgba16Float));
        assert!(!matches_space(linear, F::Rgba8Unorm));
    }

    /// The blit converts gamma to linear only under `SRGB_TO_LINEAR`, with the polynomial
    /// (no `pow()`), and keeps bevy's bindings and Oklab branch.
    #[test]
    fn the_blit_converts_with_the_polynomial_only_for_an_srgb_source() {
        for load in [false, true] {
            let src = blit_wgsl(load);
            assert!(!src.contains("pow("), "{src}");
            let at = src.find("#ifdef SRGB_TO_LINEAR").unwrap_or(usize::MAX);
            assert!(
                src.get(at..)
                    .is_some_and(|s| s.starts_with("#ifdef SRGB_TO_LINEAR\n    color = vec4(linear_from_gamma_rgb(color.rgb), color.a);\n#endif")),
                "{src}"
            );
            assert!(src.contains(&super::super::egui_shader::linear_from_gamma_wgsl()));
            assert!(src.contains("@group(0) @binding(0) var in_texture: texture_2d<f32>;"));
            assert!(src.contains("@group(0) @binding(1) var in_sampler: sampler;"));
            assert!(src.contains("oklab_to_linear_rgb(color.rgb)"));
            assert_eq!(src.contains("textureLoad("), load);
            assert_eq!(src.contains("textureSample("), !load);
        }
    }

    #[test]
    fn only_the_srgb_space_puts_a_component_on_the_camera() {
        let s = |srgb_space| Settings {
            srgb_space,
            unorm_textures: srgb_space,
            poly_blit: true,
            blit_load: false,
        };
        assert_eq!(
            camera_space(s(true)),
            Some(bevy::camera::CompositingSpace::Srgb)
        );
        assert_eq!(camera_space(s(false)), None);
    }
}
