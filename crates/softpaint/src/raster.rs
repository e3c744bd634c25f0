//! The general triangle path: vertices in 24.8 fixed point, exact integer edge functions
//! with the top-left fill rule, per-row spans clipped to the clip rect, and linear
//! interpolation of colour and uv at pixel centres (x + 0.5, y + 0.5).

use crate::PaintStats;
use crate::blend::{Gradient, blend_gradient_run, blend_into, fill_span, modulate, pack};
use crate::texture::Texture;
use egui::{Pos2, epaint::Vertex};

/// Sub-pixel bits of vertex positions (as GPUs snap them).
pub(crate) const SUB_BITS: u32 = 8;
/// One pixel in fixed point.
pub(crate) const ONE: i64 = 1 << SUB_BITS;
/// A pixel centre's offset in fixed point.
pub(crate) const HALF: i64 = ONE / 2;
/// Positions beyond ±2^20 pixels are refused (the edge functions stay inside i64).
const LIMIT_PX: f32 = (1u32 << 20) as f32;
/// The marker for a vertex that could not be converted (not finite, or too far away).
pub(crate) const INVALID: [i64; 2] = [i64::MIN, i64::MIN];

/// A vertex position in pixels (`pos * pixels_per_point`) as fixed point, or [`INVALID`].
#[inline]
pub(crate) fn to_fixed(p: Pos2, ppp: f32) -> [i64; 2] {
    let x = p.x * ppp;
    let y = p.y * ppp;
    if !(x.abs() <= LIMIT_PX && y.abs() <= LIMIT_PX) {
        return INVALID; // also catches NaN
    }
    [round_i64(x * ONE as f32), round_i64(y * ONE as f32)]
}

/// `v` rounded half away from zero (`f32::round` without the libm call on baseline x86-64).
#[inline(always)]
fn round_i64(v: f32) -> i64 {
    (v + 0.5f32.copysign(v)) as i64
}

/// `floor(a / b)` for `b > 0`.
#[inline(always)]
pub(crate) fn floor_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}

/// `ceil(a / b)` for `b > 0`.
#[inline(always)]
pub(crate) fn ceil_div(a: i64, b: i64) -> i64 {
    -(-a).div_euclid(b)
}

/// The first pixel whose centre lies at or after fixed coordinate `c`.
#[inline(always)]
pub(crate) fn first_pixel_at_or_after(c: i64) -> i64 {
    ceil_div(c - HALF, ONE)
}

/// The last pixel whose centre lies at or before fixed coordinate `c`.
#[inline(always)]
pub(crate) fn last_pixel_at_or_before(c: i64) -> i64 {
    floor_div(c - HALF, ONE)
}

/// A clip rectangle in whole pixels, half-open, already inside the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Clip {
    pub x0: i64,
    pub y0: i64,
    pub x1: i64,
    pub y1: i64,
}

impl Clip {
    pub fn is_empty(&self) -> bool {
        self.x0 >= self.x1 || self.y0 >= self.y1
    }
}

/// The pixels being painted and the current clip.
pub(crate) struct Target<'a> {
    pub pixels: &'a mut [u32],
    pub width: usize,
    pub clip: Clip,
}

impl Target<'_> {
    /// Row `y`, columns `x0..=x1` (both inside the clip).
    #[inline(always)]
    pub fn span(&mut self, y: i64, x0: i64, x1: i64) -> &mut [u32] {
        let start = y as usize * self.width;
        &mut self.pixels[start + x0 as usize..=start + x1 as usize]
    }
}

/// One edge `a -> b` of a triangle oriented so the inside has `E >= 0`.
///
/// On a row, `E(x) = k - dy * ONE * x` for pixel column `x`, so the edge bounds the span at
/// `floor(k / (|dy| * ONE))` (from the right when `dy > 0`, from the left, negated, when
/// `dy < 0`). The quotient is carried from row to row with its remainder: exact, and no
/// division per row.
#[derive(Clone, Copy)]
struct Edge {
    dy: i64,
    /// `floor(k / d)` and `k - q * d` (in `0..d`), `d = |dy| * ONE`; for `dy == 0`, `q` is `k`.
    q: i64,
    r: i64,
    d: i64,
    /// Row step of `q` and `r`: `k` grows by `dx * ONE` per row.
    sq: i64,
    sr: i64,
}

impl Edge {
    fn new(a: [i64; 2], b: [i64; 2], first_row_centre: i64) -> Self {
        let dx = b[0] - a[0];
        let dy = b[1] - a[1];
        // Top-left rule: a pixel centre exactly on an edge belongs to the triangle only when
        // the edge is a top edge (horizontal, inside below) or a left edge.
        let top_left = dy < 0 || (dy == 0 && dx > 0);
        let bias = if top_left { 0 } else { -1 };
        // E(px, py) = dx*(py - ay) - dy*(px - ax), at px = HALF (column 0's centre).
        let k = dx * (first_row_centre - a[1]) - dy * (HALF - a[0]) + bias;
        let step = dx * ONE;
        if dy == 0 {
            return Edge {
                dy,
                q: k,
                r: 0,
                d: 1,
                sq: step,
                sr: 0,
            };
        }
        let d = dy.abs() * ONE;
        Edge {
            dy,
            q: floor_div(k, d),
            r: k.rem_euclid(d),
            d,
            sq: floor_div(step, d),
            sr: step.rem_euclid(d),
        }
    }

    /// Narrows `[lo, hi]` to the columns where this edge's `E >= 0` on the current row.
    #[inline(always)]
    fn narrow(&self, lo: &mut i64, hi: &mut i64) {
        if self.dy > 0 {
            *hi = (*hi).min(self.q);
        } else if self.dy < 0 {
            *lo = (*lo).max(-self.q);
        } else if self.q < 0 {
            *hi = *lo - 1;
        }
    }

    #[inline(always)]
    fn next_row(&mut self) {
        self.q += self.sq;
        self.r += self.sr;
        if self.r >= self.d {
            self.q += 1;
            self.r -= self.d;
        }
    }
}

/// A linear attribute over the triangle: value at pixel `(x, y)`'s centre is
/// `at0 + gx * x + gy * y` (pixel units; f64 setup, f32 per pixel along a row).
#[derive(Clone, Copy)]
struct Plane {
    at0: f64,
    gx: f64,
    gy: f64,
}

impl Plane {
    #[inline(always)]
    fn at(&self, x: i64, y: i64) -> f64 {
        self.at0 + self.gx * x as f64 + self.gy * y as f64
    }
}

/// The planes of attribute values `a` at the three (fixed-point) vertices.
fn plane(p: &[[i64; 2]; 3], a: [f64; 3]) -> Plane {
    let s = ONE as f64;
    let x1 = (p[1][0] - p[0][0]) as f64 / s;
    let y1 = (p[1][1] - p[0][1]) as f64 / s;
    let x2 = (p[2][0] - p[0][0]) as f64 / s;
    let y2 = (p[2][1] - p[0][1]) as f64 / s;
    let d = x1 * y2 - y1 * x2;
    let (d1, d2) = (a[1] - a[0], a[2] - a[0]);
    let gx = (d1 * y2 - d2 * y1) / d;
    let gy = (d2 * x1 - d1 * x2) / d;
    // Pixel (x, y)'s centre in pixels is (x + 0.5, y + 0.5); vertex 0 at p[0] / ONE.
    let ox = p[0][0] as f64 / s - 0.5;
    let oy = p[0][1] as f64 / s - 0.5;
    Plane {
        at0: a[0] - gx * ox - gy * oy,
        gx,
        gy,
    }
}

/// The gradient of the colour planes (a, r, g, b) along row `y` from column `x`.
#[inline]
fn gradient(pc: &[Plane; 4], x: i64, y: i64) -> Gradient {
    // Planes are a, r, g, b; a gradient's channels are b, g, r, a.
    Gradient::new(
        [
            pc[3].at(x, y),
            pc[2].at(x, y),
            pc[1].at(x, y),
            pc[0].at(x, y),
        ],
        [pc[3].gx, pc[2].gx, pc[1].gx, pc[0].gx],
    )
}

/// Rasterises one triangle (any winding) with texture `tex`. Vertices at [`INVALID`]
/// positions or with zero area draw nothing.
pub(crate) fn draw_triangle(
    target: &mut Target<'_>,
    tex: &Texture,
    mut p: [[i64; 2]; 3],
    mut v: [&Vertex; 3],
    stats: &mut PaintStats,
) {
    if p.contains(&INVALID) {
        stats.skipped_triangles += 1;
        return;
    }
    let area =
        (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[1][1] - p[0][1]) * (p[2][0] - p[0][0]);
    if area == 0 {
        return;
    }
    if area < 0 {
        // Orient so the inside of every edge has E >= 0 (egui's winding is not consistent).
        p.swap(1, 2);
        v.swap(1, 2);
    }
    let clip = target.clip;
    let (xmin, xmax) = (
        p[0][0].min(p[1][0]).min(p[2][0]),
        p[0][0].max(p[1][0]).max(p[2][0]),
    );
    let (ymin, ymax) = (
        p[0][1].min(p[1][1]).min(p[2][1]),
        p[0][1].max(p[1][1]).max(p[2][1]),
    );
    let row0 = first_pixel_at_or_after(ymin).max(clip.y0);
    let row1 = last_pixel_at_or_before(ymax).min(clip.y1 - 1);
    let col0 = first_pixel_at_or_after(xmin).max(clip.x0);
    let col1 = last_pixel_at_or_before(xmax).min(clip.x1 - 1);
    if row0 > row1 || col0 > col1 {
        return;
    }
    stats.triangles += 1;

    let centre0 = row0 * ONE + HALF;
    let mut edges = [
        Edge::new(p[0], p[1], centre0),
        Edge::new(p[1], p[2], centre0),
        Edge::new(p[2], p[0], centre0),
    ];

    let colours = [pack(v[0].color), pack(v[1].color), pack(v[2].color)];
    let flat_colour = colours[0] == colours[1] && colours[0] == colours[2];
    // Compared as plain f32 (emath's `Pos2 == Pos2` asserts against NaN in debug builds).
    let same_uv = |a: &Vertex, b: &Vertex| a.uv.x == b.uv.x && a.uv.y == b.uv.y;
    let flat_uv = same_uv(v[0], v[1]) && same_uv(v[0], v[2]);

    let (w, h) = (tex.width as f64, tex.height as f64);
    let planes_uv = if flat_uv {
        None
    } else {
        let u = plane(&p, [v[0].uv.x, v[1].uv.x, v[2].uv.x].map(f64::from));
        let vv = plane(&p, [v[0].uv.y, v[1].uv.y, v[2].uv.y].map(f64::from));
        Some((u, vv))
    };
    let filter = match &planes_uv {
        None => tex.filter_for(0.0),
        Some((u, vv)) => {
            let rx = (u.gx * w).hypot(vv.gx * h);
            let ry = (u.gy * w).hypot(vv.gy * h);
            tex.filter_for(rx.max(ry) as f32)
        }
    };
    let flat_texel = if flat_uv {
        tex.sample(v[0].uv.x, v[0].uv.y, filter)
    } else {
        0
    };
    let planes_colour = if flat_colour {
        None
    } else {
        let ch = |shift: u32| plane(&p, colours.map(|c| f64::from((c >> shift) & 0xFF)));
        Some([ch(24), ch(16), ch(8), ch(0)])
    };

    for y in row0..=row1 {
        let (mut lo, mut hi) = (col0, col1);
        for e in &edges {
            e.narrow(&mut lo, &mut hi);
        }
        for e in &mut edges {
            e.next_row();
        }
        if lo > hi {
            continue;
        }
        let span = target.span(y, lo, hi);
        match (&planes_colour, &planes_uv) {
            (None, None) => {
                stats.pixels_blended += fill_span(span, modulate(flat_texel, colours[0]));
            }
            (Some(pc), None) => {
                stats.pixels_blended += blend_gradient_run(span, &gradient(pc, lo, y), flat_texel);
            }
            (pc, Some((pu, pv))) => {
                let (bu, gu) = (pu.at(lo, y) as f32, pu.gx as f32);
                let (bv, gv) = (pv.at(lo, y) as f32, pv.gx as f32);
                let grad = pc.as_ref().map(|pc| gradient(pc, lo, y));
                let mut n = 0u64;
                for (i, px) in span.iter_mut().enumerate() {
                    let texel = tex.sample(bu + gu * i as f32, bv + gv * i as f32, filter);
                    let colour = grad.map_or(colours[0], |g| g.colour(i));
                    n += u64::from(blend_into(px, modulate(texel, colour)));
                }
                stats.pixels_blended += n;
            }
        }
    }
}
