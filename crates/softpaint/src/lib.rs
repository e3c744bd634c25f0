//! A CPU painter for egui's tessellated output: draws `ClippedPrimitive`s into a
//! row-major `0x00RRGGBB` buffer (what softbuffer presents), in egui's gamma-space colour
//! model, covering the same pixels a GPU would (pixel centres, top-left fill rule).
//!
//! Colour model (egui_wgpu's `fs_main_gamma_framebuffer`): texels and vertex colours are
//! premultiplied sRGB-gamma bytes; a fragment is texel × vertex colour per channel (`/255`,
//! rounded); it is blended source-over in gamma bytes, `dst = src + dst * (255 - src_a) / 255`
//! (rounded, saturated); the output is opaque.
//!
//! Paths: a pair of triangles that tiles an axis-aligned rectangle with one colour is a span
//! fill (opaque written without blending), or a per-row texel walk when textured (glyphs);
//! everything else goes through the general triangle rasteriser (24.8 fixed point, integer
//! edge functions). Every call paints everything: nothing is cached between frames, no
//! threads are used. The integer arithmetic stays within one level per channel of a GPU's
//! float arithmetic (fragments are rounded to bytes before blending).
//!
//! Not supported: `Primitive::Callback` (skipped, counted), textures egui does not send in
//! its `TexturesDelta` (e.g. images registered with bevy_egui: their meshes are skipped and
//! counted as missing), wrap modes other than clamp-to-edge (sampled as clamp), mipmaps.
//!
//! Per frame, as an egui integration does:
//!
//! ```
//! # use egui::{Color32, TexturesDelta};
//! # fn frame(ctx: &egui::Context, out: egui::FullOutput, painter: &mut softpaint::Painter,
//! #          pixels: &mut [u32], width: usize, height: usize) -> Result<(), softpaint::PaintError> {
//! let mut textures: TexturesDelta = out.textures_delta;
//! let primitives = ctx.tessellate(out.shapes, out.pixels_per_point);
//! painter.set_textures(&textures);
//! let stats = painter.paint(pixels, width, height, Color32::BLACK, &primitives, out.pixels_per_point)?;
//! painter.free_textures(&textures);
//! textures.clear(); // egui asserts (debug builds) that a delta is not dropped unhandled
//! # let _ = stats;
//! # Ok(())
//! # }
//! ```

mod blend;
mod raster;
mod rect;
mod texture;

use egui::epaint::Primitive;
use egui::{ClippedPrimitive, Color32, TexturesDelta};
use raster::{Clip, Target, to_fixed};
use texture::{Applied, Textures};

/// What one [`Painter::paint`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PaintStats {
    /// Triangles rasterised by the general path (those with pixels inside the clip).
    pub triangles: usize,
    /// Axis-aligned quads drawn by the fast paths (fills and textured quads).
    pub rects: usize,
    /// Fragments blended or written (pixels touched, counted once per primitive).
    pub pixels_blended: u64,
    /// Meshes skipped because their texture is unknown (never set, or freed).
    pub missing_textures: usize,
    /// Triangles skipped: an index past the mesh's vertices, or a vertex position that is
    /// not finite or lies beyond ±2^20 pixels.
    pub skipped_triangles: usize,
    /// `Primitive::Callback`s skipped (custom GPU painting has no CPU equivalent).
    pub callbacks: usize,
}

/// Why a paint could not run. Nothing is drawn when one is returned.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum PaintError {
    /// The buffer does not hold `width * height` pixels.
    #[error(
        "pixel buffer holds {actual} pixels but a {width}x{height} frame needs {expected}: \
         resize the window buffer to the frame size before painting"
    )]
    BufferSize {
        width: usize,
        height: usize,
        /// `width * height` (wide enough never to overflow).
        expected: u128,
        actual: usize,
    },
    /// `pixels_per_point` is not a positive finite number.
    #[error("pixels_per_point is {0}; it must be a positive finite scale (egui's ppp)")]
    PixelsPerPoint(f32),
}

/// Paints egui frames on the CPU. Holds the textures egui has set (font atlas, images).
pub struct Painter {
    textures: Textures,
    /// Off only in tests and benchmarks: every triangle through the general path.
    fast_paths: bool,
    /// Fixed-point positions of the current mesh's vertices (reused between meshes).
    fixed: Vec<[i64; 2]>,
    /// Per-column texel taps of the current textured quad.
    columns: Vec<(usize, usize, u32)>,
    /// Image deltas ignored so far (a patch for an unknown texture, or a pixel count that
    /// does not match the image size).
    rejected_deltas: usize,
}

impl Default for Painter {
    fn default() -> Self {
        Self::new()
    }
}

impl Painter {
    pub fn new() -> Self {
        Painter {
            textures: Textures::default(),
            fast_paths: true,
            fixed: Vec::new(),
            columns: Vec::new(),
            rejected_deltas: 0,
        }
    }

    /// Applies `delta.set` (full images and partial updates at `pos`); call before paint.
    /// A patch for a texture that does not exist, or an image whose pixel count does not
    /// match its size, is ignored (counted by [`Painter::rejected_deltas`]); a patch that
    /// reaches past the texture is clipped to it.
    pub fn set_textures(&mut self, delta: &TexturesDelta) {
        for (id, deltas) in &delta.set {
            for d in deltas {
                if self.textures.apply(*id, d) == Applied::Rejected {
                    self.rejected_deltas += 1;
                }
            }
        }
    }

    /// Frees `delta.free`; call after paint.
    pub fn free_textures(&mut self, delta: &TexturesDelta) {
        for id in &delta.free {
            self.textures.free(*id);
        }
    }

    /// How many textures are held.
    pub fn texture_count(&self) -> usize {
        self.textures.len()
    }

    /// How many image deltas [`Painter::set_textures`] has ignored since creation.
    pub fn rejected_deltas(&self) -> usize {
        self.rejected_deltas
    }

    /// Turns the axis-aligned quad fast paths on (the default) or off, so that every
    /// triangle goes through the general rasteriser. For tests and benchmarks comparing
    /// the two; the output agrees within 1/255 per channel.
    pub fn set_fast_paths(&mut self, enabled: bool) {
        self.fast_paths = enabled;
    }

    /// Clears `pixels` (row-major, `width*height`, each 0x00RRGGBB as softbuffer wants) to
    /// `background`, then draws every primitive in order. Positions and clip rects are in
    /// egui points: multiply by `pixels_per_point`. Returns stats.
    pub fn paint(
        &mut self,
        pixels: &mut [u32],
        width: usize,
        height: usize,
        background: Color32,
        primitives: &[ClippedPrimitive],
        pixels_per_point: f32,
    ) -> Result<PaintStats, PaintError> {
        if width.checked_mul(height) != Some(pixels.len()) {
            return Err(PaintError::BufferSize {
                width,
                height,
                expected: width as u128 * height as u128,
                actual: pixels.len(),
            });
        }
        if !(pixels_per_point.is_finite() && pixels_per_point > 0.0) {
            return Err(PaintError::PixelsPerPoint(pixels_per_point));
        }
        let ppp = pixels_per_point;
        let (w, h) = (width as i64, height as i64);
        let bg = blend::opaque(background);
        match self.opaque_cover(primitives.first(), ppp, w, h) {
            // The first primitive starts with an opaque rectangle (egui's panel fill): clear
            // only around it, it overwrites the rest. The result is the same as a full clear.
            Some(c) => {
                let (x0, y0, x1, y1) = (c.x0 as usize, c.y0 as usize, c.x1 as usize, c.y1 as usize);
                pixels[..y0 * width].fill(bg);
                pixels[y1 * width..].fill(bg);
                for row in pixels[y0 * width..y1 * width].chunks_exact_mut(width) {
                    row[..x0].fill(bg);
                    row[x1..].fill(bg);
                }
            }
            None => pixels.fill(bg),
        }
        let mut stats = PaintStats::default();
        for prim in primitives {
            let mesh = match &prim.primitive {
                Primitive::Mesh(mesh) => mesh,
                Primitive::Callback(_) => {
                    stats.callbacks += 1;
                    continue;
                }
            };
            let clip = clip_of(prim, ppp, w, h);
            if clip.is_empty() || mesh.indices.is_empty() {
                continue;
            }
            let Some(tex) = self.textures.get(mesh.texture_id) else {
                stats.missing_textures += 1;
                continue;
            };
            self.fixed.clear();
            self.fixed
                .extend(mesh.vertices.iter().map(|v| to_fixed(v.pos, ppp)));
            let mut target = Target {
                pixels,
                width,
                clip,
            };
            let n = mesh.vertices.len();
            let idx = &mesh.indices;
            let valid = |t: &[u32]| t.iter().all(|&i| (i as usize) < n);
            let mut i = 0;
            while i + 3 <= idx.len() {
                let t = &idx[i..i + 3];
                if !valid(t) {
                    stats.skipped_triangles += 1;
                    i += 3;
                    continue;
                }
                let quad = (self.fast_paths && i + 6 <= idx.len() && valid(&idx[i + 3..i + 6]))
                    .then(|| rect::detect(&idx[i..i + 6], &mesh.vertices, &self.fixed))
                    .flatten();
                if let Some(q) = quad {
                    rect::draw_quad(&mut target, tex, &q, &mut self.columns, &mut stats);
                    i += 6;
                    continue;
                }
                let [a, b, c] = [t[0], t[1], t[2]].map(|k| k as usize);
                raster::draw_triangle(
                    &mut target,
                    tex,
                    [self.fixed[a], self.fixed[b], self.fixed[c]],
                    [&mesh.vertices[a], &mesh.vertices[b], &mesh.vertices[c]],
                    &mut stats,
                );
                i += 3;
            }
        }
        Ok(stats)
    }

    /// The pixels `first` (the frame's first primitive) is sure to paint opaque: its first
    /// two triangles, when they form a one-colour quad whose fragment is opaque. Only with
    /// the fast paths on (the general path stays the plain reference).
    fn opaque_cover(
        &mut self,
        first: Option<&ClippedPrimitive>,
        ppp: f32,
        w: i64,
        h: i64,
    ) -> Option<Clip> {
        let first = first.filter(|_| self.fast_paths)?;
        let Primitive::Mesh(mesh) = &first.primitive else {
            return None;
        };
        let tex = self.textures.get(mesh.texture_id)?;
        let idx = mesh.indices.get(..6)?;
        if idx.iter().any(|&i| i as usize >= mesh.vertices.len()) {
            return None;
        }
        self.fixed.clear();
        self.fixed
            .extend(mesh.vertices.iter().map(|v| to_fixed(v.pos, ppp)));
        let q = rect::detect(idx, &mesh.vertices, &self.fixed)?;
        let frag = q.flat_fragment(tex)?;
        let covered = q.pixels(clip_of(first, ppp, w, h));
        (frag >> 24 == 255 && !covered.is_empty()).then_some(covered)
    }
}

/// A primitive's clip in whole pixels, as bevy_egui sets the scissor (each corner of
/// `clip_rect * ppp` rounded), intersected with the `w` x `h` buffer.
fn clip_of(prim: &ClippedPrimitive, ppp: f32, w: i64, h: i64) -> Clip {
    let r = prim.clip_rect;
    let px = |c: f32| (c * ppp).round() as i64; // saturating; NaN -> 0
    Clip {
        x0: px(r.min.x).max(0),
        y0: px(r.min.y).max(0),
        x1: px(r.max.x).min(w),
        y1: px(r.max.y).min(h),
    }
}

#[cfg(test)]
mod tests {
    /// The painter can live in a bevy resource (or move to another thread).
    #[test]
    fn painter_is_send_and_sync() {
        fn check<T: Send + Sync + Default>() {}
        check::<super::Painter>();
    }
}
