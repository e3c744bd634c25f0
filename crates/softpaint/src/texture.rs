//! The texture store (egui's managed and user textures as premultiplied `0xAARRGGBB` texels)
//! and sampling: nearest and bilinear with clamp-to-edge, texel centres at +0.5 as a GPU.

use crate::blend::pack;
use egui::epaint::ImageDelta;
use egui::{ImageData, TextureFilter, TextureId, TextureOptions, TextureWrapMode};
use std::collections::HashMap;

/// One texture: `width * height` texels, row-major, premultiplied `0xAARRGGBB`.
pub(crate) struct Texture {
    pub width: usize,
    pub height: usize,
    pub texels: Vec<u32>,
    pub options: TextureOptions,
}

/// How one triangle or quad samples its texture: the filter already chosen between
/// magnification and minification for its texel-to-pixel scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Filter {
    Nearest,
    Linear,
}

/// A texture coordinate in texel space with 8 fractional bits, for bilinear sampling:
/// `round((u * width - 0.5) * 256)`, clamped so it cannot overflow.
#[inline(always)]
pub(crate) fn linear_coord(u: f32, size: usize) -> i32 {
    let x = (u * size as f32 - 0.5) * 256.0;
    // Round half up as floor(x + 0.5), shifted positive so truncation is floor (no libm
    // call); the clamp keeps `>> 8` and `+ 1` in range, `as` maps NaN to 0.
    let max = (size as f32) * 256.0 + 256.0;
    ((x.clamp(-512.0, max) + 1024.5) as i32) - 1024
}

/// The texel index nearest-sampling picks for `u`: `floor(u * size)`, clamped to the edge.
#[inline(always)]
pub(crate) fn nearest_index(u: f32, size: usize) -> usize {
    // Truncation is floor for non-negative values; negatives and NaN clamp to 0.
    ((u * size as f32).max(0.0) as usize).min(size - 1)
}

/// Splits a [`linear_coord`] into the two clamped texel indices and the weight (0..=255)
/// of the second.
#[inline(always)]
pub(crate) fn linear_taps(c: i32, size: usize) -> (usize, usize, u32) {
    let last = size as i32 - 1;
    let i = c >> 8;
    let f = (c & 0xFF) as u32;
    (
        i.clamp(0, last) as usize,
        (i + 1).clamp(0, last) as usize,
        f,
    )
}

/// Interpolates two packed texels with weight `f` (0..=255) of `b`, per channel, rounded.
#[inline(always)]
pub(crate) fn lerp_packed(a: u32, b: u32, f: u32) -> u32 {
    if f == 0 {
        return a;
    }
    let nf = 256 - f;
    let rb = (((a & 0x00FF_00FF) * nf + (b & 0x00FF_00FF) * f + 0x0080_0080) >> 8) & 0x00FF_00FF;
    let ag = ((((a >> 8) & 0x00FF_00FF) * nf + ((b >> 8) & 0x00FF_00FF) * f + 0x0080_0080) >> 8)
        & 0x00FF_00FF;
    rb | (ag << 8)
}

impl Texture {
    /// The filter for a footprint of `rho` texels per pixel (the larger of the two screen
    /// axes' texel steps): magnification up to one texel per pixel, as a GPU picks lod 0.
    #[inline]
    pub fn filter_for(&self, rho: f32) -> Filter {
        let f = if rho <= 1.0 + 1e-4 {
            self.options.magnification
        } else {
            self.options.minification
        };
        match f {
            TextureFilter::Nearest => Filter::Nearest,
            TextureFilter::Linear => Filter::Linear,
        }
    }

    /// The texel at clamped indices.
    #[inline(always)]
    pub fn texel(&self, x: usize, y: usize) -> u32 {
        // Indices are clamped by the callers; `get` keeps a slip from panicking.
        self.texels.get(y * self.width + x).copied().unwrap_or(0)
    }

    /// Bilinear sample from taps (see [`linear_taps`]).
    #[inline(always)]
    pub fn bilinear_taps(
        &self,
        (x0, x1, fx): (usize, usize, u32),
        (y0, y1, fy): (usize, usize, u32),
    ) -> u32 {
        let top = lerp_packed(self.texel(x0, y0), self.texel(x1, y0), fx);
        if fy == 0 {
            return top;
        }
        let bottom = lerp_packed(self.texel(x0, y1), self.texel(x1, y1), fx);
        lerp_packed(top, bottom, fy)
    }

    /// Samples at normalised `(u, v)` with `filter`.
    #[inline(always)]
    pub fn sample(&self, u: f32, v: f32, filter: Filter) -> u32 {
        match filter {
            Filter::Nearest => {
                self.texel(nearest_index(u, self.width), nearest_index(v, self.height))
            }
            Filter::Linear => self.bilinear_taps(
                linear_taps(linear_coord(u, self.width), self.width),
                linear_taps(linear_coord(v, self.height), self.height),
            ),
        }
    }
}

/// What [`Textures::apply`] did with one image delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    /// A whole texture set, or a patch written (clipped to the texture).
    Done,
    /// A patch for a texture that does not exist, or an image whose pixel count does not
    /// match its size: ignored.
    Rejected,
}

/// All live textures by egui id.
#[derive(Default)]
pub(crate) struct Textures {
    map: HashMap<TextureId, Texture>,
}

impl Textures {
    pub fn get(&self, id: TextureId) -> Option<&Texture> {
        self.map.get(&id).filter(|t| t.width > 0 && t.height > 0)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn free(&mut self, id: TextureId) {
        self.map.remove(&id);
    }

    /// Applies one delta: a full image replaces the texture; `pos: Some([x, y])` writes the
    /// patch into the existing texture at `(x, y)`, clipped to it. Wrap modes other than
    /// clamp-to-edge are not supported: they sample as clamp.
    pub fn apply(&mut self, id: TextureId, delta: &ImageDelta) -> Applied {
        let ImageData::Color(image) = &delta.image;
        let [w, h] = image.size;
        if w.checked_mul(h) != Some(image.pixels.len()) {
            return Applied::Rejected;
        }
        let mut options = delta.options;
        if options.wrap_mode != TextureWrapMode::ClampToEdge {
            options.wrap_mode = TextureWrapMode::ClampToEdge;
        }
        match delta.pos {
            None => {
                let texels = image.pixels.iter().map(|&c| pack(c)).collect();
                self.map.insert(
                    id,
                    Texture {
                        width: w,
                        height: h,
                        texels,
                        options,
                    },
                );
                Applied::Done
            }
            Some([px, py]) => {
                let Some(tex) = self.map.get_mut(&id) else {
                    return Applied::Rejected;
                };
                tex.options = options;
                let cols = w.min(tex.width.saturating_sub(px));
                let rows = h.min(tex.height.saturating_sub(py));
                if cols == 0 || rows == 0 {
                    return Applied::Done; // entirely outside the texture: nothing to write
                }
                for row in 0..rows {
                    let src = &image.pixels[row * w..row * w + cols];
                    let start = (py + row) * tex.width + px;
                    let dst = &mut tex.texels[start..start + cols];
                    for (d, &s) in dst.iter_mut().zip(src) {
                        *d = pack(s);
                    }
                }
                Applied::Done
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lerp_is_exact_at_the_ends_and_rounds_between() {
        assert_eq!(lerp_packed(0x10203040, 0xFFFFFFFF, 0), 0x10203040);
        // Half way between 0 and 255 with weight 128/256: 127.5 rounds to 128.
        assert_eq!(lerp_packed(0, 0xFFFF_FFFF, 128), 0x8080_8080);
    }

    #[test]
    fn taps_clamp_to_the_edge() {
        // u = 0 on a 4-wide texture: x = -0.5 texel, both taps clamp to texel 0.
        let (a, b, f) = linear_taps(linear_coord(0.0, 4), 4);
        assert_eq!((a, b, f), (0, 0, 128));
        // u = 1: x = 3.5, taps 3 and (clamped) 3.
        let (a, b, f) = linear_taps(linear_coord(1.0, 4), 4);
        assert_eq!((a, b, f), (3, 3, 128));
        // A texel centre samples that texel alone.
        assert_eq!(linear_taps(linear_coord(1.5 / 4.0, 4), 4), (1, 2, 0));
        assert_eq!(nearest_index(-3.0, 4), 0);
        assert_eq!(nearest_index(0.99, 4), 3);
        assert_eq!(nearest_index(f32::NAN, 4), 0);
    }
}
