//! egui's shader with its per-pixel sRGB conversions done by short polynomials instead of `pow()` (same pixels within 1/255; a third cheaper per frame under a software renderer).
//!
//! bevy_egui 0.42's `egui.wgsl` turns every sampled texel from linear back to sRGB gamma,
//! multiplies it by the vertex colour (egui blends in gamma space), and turns the product
//! back to linear for the sRGB render target: two `pow()` per colour channel per pixel.
//! Under lavapipe (software Vulkan, what thin clients without a GPU get) `pow()` is a
//! log2, a multiply and an exp2, each a polynomial of its own, and those two conversions
//! were ~14 ms of a 1280×800 frame. Here each branch of the sRGB curve is one polynomial
//! fitted (minimax, weighted to the error seen on screen) to the exact curve:
//!
//! - linear → gamma, above the linear segment: a degree-4 polynomial in `t^(1/4)` (two
//!   square roots; the curve is close to a power 0.42 there, so `t^(1/4)` makes it smooth);
//! - gamma → linear, above the linear segment: a degree-5 polynomial in the gamma value;
//! - the linear segments (`t < 0.0031308`, `x < 0.04045`) exactly as the reference.
//!
//! The error, measured in what reaches the screen (sRGB gamma, 0–1) and checked by this
//! module's tests against egui's own conversions (`ecolor`), is below 0.01/255 for each
//! conversion and below 0.03/255 for the whole texel × colour chain, so a pixel can come
//! out at most one step of 255 away from bevy_egui's shader only where the exact value
//! sits right at a rounding boundary. `COURTESY_EXP_SHADER=stock` runs bevy_egui's own
//! shader instead (see `render_exp`), for comparing screenshots and timings.
//!
//! What the fragment stage returns depends on where the camera composites
//! (`compositing`): linear for bevy's sRGB main texture ([`Output::Linear`], the chain
//! above), or gamma for an `Rgba8Unorm` main texture that holds gamma bytes, where the
//! last conversion goes and, with the font texture sampled through an `Rgba8Unorm` view,
//! the first one too ([`Output::GammaFromGammaTexels`]: texel times colour, as egui does).

use bevy::prelude::*;

/// linear → gamma above the linear segment: `Σ G[k]·q^k` with `q = t^(1/4)`.
const G: [f32; 5] = [
    -0.064_611_52,
    0.196_135_8,
    1.122_681_6,
    -0.335_501_46,
    0.081_329_88,
];

/// gamma → linear above the linear segment: `Σ L[k]·x^k`.
const L: [f32; 6] = [
    0.000_916_888_8,
    0.032_746_114,
    0.519_381_8,
    0.667_160_75,
    -0.307_377_43,
    0.087_282_19,
];

/// Where the reference curves switch from their linear segments (egui's and bevy_egui's values).
const LINEAR_CUTOFF: f32 = 0.003_130_8;
const GAMMA_CUTOFF: f32 = 0.040_45;

/// Puts this shader in place of bevy_egui's (add after `EguiPlugin`), unless a render
/// experiment asks for another one.
pub(crate) fn plugin(app: &mut App) {
    if crate::app::render_exp::shader_chosen() {
        return;
    }
    let s = crate::app::compositing::settings();
    let output = match (s.srgb_space, s.unorm_textures) {
        (false, _) => Output::Linear,
        (true, false) => Output::Gamma,
        (true, true) => Output::GammaFromGammaTexels,
    };
    let shader = bevy::shader::Shader::from_wgsl(wgsl(output), "courtesy/egui.wgsl");
    if let Err(e) = app
        .world_mut()
        .resource_mut::<Assets<bevy::shader::Shader>>()
        .insert(bevy_egui::render::EGUI_SHADER_HANDLE.id(), shader)
    {
        warn!("egui's shader stays bevy_egui's own (slower): {e}");
    }
}

/// A WGSL float literal that reads back as exactly `v`.
fn lit(v: f32) -> String {
    let s = format!("{v:?}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

/// `c[0] + x*(c[1] + x*(…))` in WGSL.
fn horner(c: &[f32], x: &str) -> String {
    let mut s = lit(c[c.len() - 1]);
    for k in (0..c.len() - 1).rev() {
        s = format!("{} + {x} * ({s})", lit(c[k]));
    }
    s
}

/// What the fragment stage writes, for which render target and texture views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Output {
    /// Linear colour, for an sRGB target (bevy's default main texture): the texel is
    /// turned to gamma, multiplied by the vertex colour, and the product back to linear.
    Linear,
    /// Gamma, for an `Rgba8Unorm` target holding gamma bytes (`CompositingSpace::Srgb`):
    /// the texel is turned to gamma and multiplied, nothing after.
    Gamma,
    /// Gamma, with textures sampled through `Rgba8Unorm` views (their texels are gamma
    /// already): texel times vertex colour, no conversion at all.
    GammaFromGammaTexels,
}

/// The gamma → linear WGSL function `linear_from_gamma_rgb` (also used by the blit).
pub(crate) fn linear_from_gamma_wgsl() -> String {
    format!(
        "
fn linear_from_gamma_rgb(x: vec3<f32>) -> vec3<f32> {{
    let higher = {l};
    return select(higher, x / 12.92, x < vec3<f32>({gc}));
}}
",
        l = horner(&L, "x"),
        gc = lit(GAMMA_CUTOFF),
    )
}

/// The whole shader: bevy_egui's bindings and vertex stage, its fragment stage with the
/// conversions above (as many as `output` needs).
pub(crate) fn wgsl(output: Output) -> String {
    let body = match output {
        Output::Linear => {
            "let c = vec4<f32>(gamma_from_linear_rgb(t.rgb), t.a) * in.color;
    return vec4<f32>(linear_from_gamma_rgb(c.rgb), c.a);"
        }
        Output::Gamma => "return vec4<f32>(gamma_from_linear_rgb(t.rgb), t.a) * in.color;",
        Output::GammaFromGammaTexels => "return t * in.color;",
    };
    format!(
        "{HEAD}{VERTEX}
fn gamma_from_linear_rgb(rgb: vec3<f32>) -> vec3<f32> {{
    let q = sqrt(sqrt(rgb));
    let higher = {g};
    return select(higher, rgb * 12.92, rgb < vec3<f32>({lc}));
}}
{linear}
@fragment
fn fs_main(in: VertexOutput) -> @location(0) vec4<f32> {{
#ifdef BINDLESS
    let image_texture = image_texture[offset.offset];
    let image_sampler = image_sampler[offset.offset];
#endif
    // As egui: texel and vertex colour are multiplied in gamma space.
    let t = textureSample(image_texture, image_sampler, in.uv);
    {body}
}}
",
        g = horner(&G, "q"),
        lc = lit(LINEAR_CUTOFF),
        linear = linear_from_gamma_wgsl(),
    )
}

/// The fragment stage's linear → gamma, operation for operation (f32), for the tests.
#[cfg(test)]
fn gamma_from_linear(t: f32) -> f32 {
    gamma_from_linear_with(&G, t)
}

#[cfg(test)]
fn gamma_from_linear_with(g: &[f32], t: f32) -> f32 {
    if t < LINEAR_CUTOFF {
        return t * 12.92;
    }
    let q = t.sqrt().sqrt();
    g.iter().rev().fold(0.0, |acc, &c| acc * q + c)
}

/// The fragment stage's gamma → linear, operation for operation (f32), for the tests.
#[cfg(test)]
fn linear_from_gamma(x: f32) -> f32 {
    linear_from_gamma_with(&L, x)
}

#[cfg(test)]
fn linear_from_gamma_with(l: &[f32], x: f32) -> f32 {
    if x < GAMMA_CUTOFF {
        return x / 12.92;
    }
    l.iter().rev().fold(0.0, |acc, &c| acc * x + c)
}

/// bevy_egui 0.42's bindings and vertex input/output (unchanged from its `egui.wgsl`).
pub const HEAD: &str = r#"
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
"#;

/// bevy_egui 0.42's vertex stage (unchanged).
pub const VERTEX: &str = r#"
@vertex
fn vs_main(in: VertexInput) -> VertexOutput {
    let position = in.position * transform.scale + transform.translation;
    return VertexOutput(vec4<f32>(position, 0.0, 1.0), in.color, in.uv);
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use bevy_egui::egui::ecolor;

    /// What the screen shows for a linear value (egui's reference encoding), 0–255 scale.
    fn shown(linear: f32) -> f64 {
        ecolor::gamma_from_linear(linear) as f64 * 255.0
    }

    /// Dense samples of [0, 1], ends included.
    fn grid(n: u32) -> impl Iterator<Item = f32> {
        (0..=n).map(move |i| i as f32 / n as f32)
    }

    /// Largest error of linear → gamma over [0, 1] (steps of 255).
    fn worst_gamma(g: &[f32]) -> f64 {
        grid(1 << 20)
            .map(|t| {
                (gamma_from_linear_with(g, t) as f64 - ecolor::gamma_from_linear(t) as f64).abs()
                    * 255.0
            })
            .fold(0.0, f64::max)
    }

    /// Largest error of gamma → linear over [0, 1], as seen on screen (steps of 255).
    fn worst_linear(l: &[f32]) -> f64 {
        grid(1 << 20)
            .map(|x| {
                (shown(linear_from_gamma_with(l, x)) - shown(ecolor::linear_from_gamma(x))).abs()
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn linear_to_gamma_matches_egui_within_a_hundredth_of_a_step() {
        let worst = worst_gamma(&G);
        eprintln!("linear -> gamma: worst {worst:.4} of a step");
        assert!(worst < 0.01, "worst error {worst} of a step of 255");
        // Every texel value a texture can hold comes back as its own byte, exactly.
        for b in 0..=255u8 {
            let g = gamma_from_linear(ecolor::linear_f32_from_gamma_u8(b));
            assert_eq!((g * 255.0).round() as u8, b, "texel {b} -> {g}");
        }
    }

    #[test]
    fn gamma_to_linear_matches_egui_within_a_hundredth_of_a_step_on_screen() {
        let worst = worst_linear(&L);
        eprintln!("gamma -> linear: worst {worst:.4} of a step on screen");
        assert!(worst < 0.02, "worst error {worst} of a step of 255");
        for b in 0..=255u8 {
            let x = b as f32 / 255.0;
            assert_eq!(
                ecolor::gamma_u8_from_linear_f32(linear_from_gamma(x)),
                b,
                "gamma byte {b}"
            );
        }
    }

    /// The bounds above can fail: the polynomials without their highest term break them.
    #[test]
    fn the_error_bounds_reject_truncated_polynomials() {
        assert!(worst_gamma(&G[..4]) > 0.01);
        assert!(worst_linear(&L[..5]) > 0.02);
    }

    /// The fragment stage end to end, for every texel byte × every vertex colour byte
    /// (and texel values between bytes, as linear filtering gives): what reaches the
    /// screen over black (the worst case: over anything brighter the encoding's slope is
    /// smaller) differs from egui's reference by less than 0.03 of a step, so at most
    /// one step after rounding and only at a rounding boundary.
    #[test]
    fn texel_times_colour_reaches_the_screen_as_in_egui() {
        let exact = |t: f32, c: f32| ecolor::linear_from_gamma(ecolor::gamma_from_linear(t) * c);
        let ours = |t: f32, c: f32| linear_from_gamma(gamma_from_linear(t) * c);
        let mut worst = 0.0f64;
        let mut bytes_differ = 0u32;
        let mut texels: Vec<f32> = (0..=255u8).map(ecolor::linear_f32_from_gamma_u8).collect();
        texels.extend(grid(4096));
        for &t in &texels {
            for cb in 0..=255u8 {
                let c = cb as f32 / 255.0;
                let (a, b) = (shown(ours(t, c)), shown(exact(t, c)));
                worst = worst.max((a - b).abs());
                let (ra, rb) = (a.round() as i32, b.round() as i32);
                assert!((ra - rb).abs() <= 1, "t {t} c {c}: {a} vs {b}");
                bytes_differ += u32::from(ra != rb);
            }
        }
        eprintln!("texel x colour: worst {worst:.4} of a step, {bytes_differ} bytes differ");
        assert!(worst < 0.03, "worst error {worst} of a step of 255");
        // Rounding boundaries are rare: well under 1 % of the values change by one step.
        let all = (texels.len() * 256) as f64;
        assert!(
            (bytes_differ as f64) < all * 0.01,
            "{bytes_differ} of {all}"
        );
    }

    #[test]
    fn the_shader_carries_the_coefficients_exactly() {
        for output in [Output::Linear, Output::Gamma, Output::GammaFromGammaTexels] {
            let src = wgsl(output);
            for c in G.iter().chain(L.iter()) {
                let l = lit(*c);
                assert_eq!(l.parse::<f32>().ok(), Some(*c));
                assert!(src.contains(&l), "{l} missing from the shader");
            }
            assert!(src.contains("fn fs_main") && src.contains("fn vs_main"));
            assert!(!src.contains("pow("));
        }
    }

    /// Each output does the conversions its target needs and no more: linear for an sRGB
    /// target ends in `linear_from_gamma_rgb`; gamma for an `Rgba8Unorm` target does not;
    /// gamma texels are not converted at all.
    #[test]
    fn each_output_converts_only_what_its_target_needs() {
        let fragment = |o| {
            let src = wgsl(o);
            let at = src.find("fn fs_main").unwrap_or(0);
            src[at..].to_string()
        };
        let linear = fragment(Output::Linear);
        assert!(linear.contains("gamma_from_linear_rgb(t.rgb)"));
        assert!(linear.contains("return vec4<f32>(linear_from_gamma_rgb(c.rgb), c.a)"));
        let gamma = fragment(Output::Gamma);
        assert!(gamma.contains("gamma_from_linear_rgb(t.rgb)"));
        assert!(!gamma.contains("linear_from_gamma_rgb("));
        let raw = fragment(Output::GammaFromGammaTexels);
        assert!(raw.contains("return t * in.color;"));
        assert!(!raw.contains("gamma_from_linear_rgb(") && !raw.contains("linear_from_gamma_rgb("));
    }
}
