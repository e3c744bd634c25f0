//! Shared helpers for the painter's tests: textures, meshes, a tiny seeded generator and
//! an independent per-channel reference of the colour model.

#![allow(dead_code)]

pub mod frame;

use egui::epaint::{ImageDelta, Mesh, Primitive, Vertex};
use egui::{
    ClippedPrimitive, Color32, ColorImage, Pos2, Rect, TextureId, TextureOptions, TexturesDelta,
    pos2,
};
use softpaint::Painter;

/// Applies `d` to the painter and clears it (egui panics when a delta is dropped unapplied).
pub fn apply(p: &mut Painter, mut d: TexturesDelta) {
    p.set_textures(&d);
    p.free_textures(&d);
    d.clear();
}

/// Sets texture `id` to `image` (whole) with `options`.
pub fn set(p: &mut Painter, id: TextureId, image: ColorImage, options: TextureOptions) {
    let mut d = TexturesDelta::default();
    d.set
        .insert(id, vec![ImageDelta::full(image, options)].into());
    apply(p, d);
}

/// A 4x4 stand-in for egui's font atlas (managed texture 0): the top-left texel white
/// (`WHITE_UV`), every other texel a colour that would show if the wrong texel were read.
pub fn atlas() -> ColorImage {
    let mut img = ColorImage::new([4, 4], vec![Color32::from_rgb(0, 255, 0); 16]);
    img.pixels[0] = Color32::WHITE;
    img
}

/// A painter holding [`atlas`] as managed texture 0, linear filtering (as egui's font atlas).
pub fn painter() -> Painter {
    let mut p = Painter::new();
    set(
        &mut p,
        TextureId::Managed(0),
        atlas(),
        TextureOptions::LINEAR,
    );
    p
}

pub fn prim(clip: Rect, mesh: Mesh) -> ClippedPrimitive {
    ClippedPrimitive {
        clip_rect: clip,
        primitive: Primitive::Mesh(mesh),
    }
}

pub fn everywhere() -> Rect {
    Rect::from_min_max(pos2(-1e4, -1e4), pos2(1e4, 1e4))
}

pub fn rect_mesh(min: Pos2, max: Pos2, colour: Color32) -> Mesh {
    let mut m = Mesh::default();
    m.add_colored_rect(Rect::from_min_max(min, max), colour);
    m
}

/// A mesh of untextured triangles (`WHITE_UV`), vertices as given, indices as given.
pub fn tri_mesh(points: &[(Pos2, Color32)], indices: &[u32]) -> Mesh {
    let mut m = Mesh::default();
    for &(p, c) in points {
        m.vertices.push(Vertex {
            pos: p,
            uv: egui::epaint::WHITE_UV,
            color: c,
        });
    }
    m.indices = indices.to_vec();
    m
}

/// Paints into a fresh buffer and returns it with the stats.
pub fn paint(
    p: &mut Painter,
    w: usize,
    h: usize,
    bg: Color32,
    prims: &[ClippedPrimitive],
    ppp: f32,
) -> (Vec<u32>, softpaint::PaintStats) {
    let mut buf = vec![0xDEAD_BEEF; w * h];
    let stats = p
        .paint(&mut buf, w, h, bg, prims, ppp)
        .expect("buffer size matches");
    (buf, stats)
}

pub fn rgb(px: u32) -> [u8; 3] {
    [(px >> 16) as u8, (px >> 8) as u8, px as u8]
}

pub fn px(c: Color32) -> u32 {
    (u32::from(c.r()) << 16) | (u32::from(c.g()) << 8) | u32::from(c.b())
}

/// The colour model written out per channel in floating point, independently of the
/// painter's integer code: `round(s + d * (255 - a) / 255)`, clamped.
pub fn over(dst: [u8; 3], src: Color32) -> [u8; 3] {
    let a = f64::from(src.a());
    let s = [src.r(), src.g(), src.b()];
    std::array::from_fn(|i| {
        (f64::from(s[i]) + f64::from(dst[i]) * (255.0 - a) / 255.0)
            .round()
            .min(255.0) as u8
    })
}

/// A small seeded generator (64-bit LCG, high bits out).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    /// Uniform in `[lo, hi)`.
    pub fn f(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * (self.next_u32() as f32 / (1u64 << 31) as f32)
    }
    pub fn below(&mut self, n: u32) -> u32 {
        self.next_u32() % n
    }
    /// A premultiplied colour (rgb <= a).
    pub fn colour(&mut self) -> Color32 {
        let a = match self.below(4) {
            0 => 255,
            1 => 0,
            _ => self.below(256) as u8,
        };
        let mut c = || {
            if a == 0 {
                0
            } else {
                self.below(u32::from(a) + 1) as u8
            }
        };
        Color32::from_rgba_premultiplied(c(), c(), c(), a)
    }
}
