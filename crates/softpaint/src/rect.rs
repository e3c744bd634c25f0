//! Fast paths for axis-aligned quads (two triangles tiling a rectangle): one-colour fills
//! written as spans, and textured quads (glyphs) walked row by row without barycentrics.
//! Both cover exactly the pixels the general path covers: centres in `[x0, x1) × [y0, y1)`.

use crate::PaintStats;
use crate::blend::{blend_into, blend_texel_run, fill_span, modulate, modulate_texel, pack};
use crate::raster::{Clip, HALF, INVALID, ONE, Target, first_pixel_at_or_after};
use crate::texture::{Filter, Texture, lerp_packed, linear_coord, linear_taps, nearest_index};
use egui::epaint::Vertex;

/// An axis-aligned quad found in a mesh.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Quad {
    /// Fixed-point bounds: `x0 < x1`, `y0 < y1`.
    pub x0: i64,
    pub y0: i64,
    pub x1: i64,
    pub y1: i64,
    /// The one vertex colour, packed.
    pub colour: u32,
    /// Texture coordinates: `u` at `x0` and `x1`, `v` at `y0` and `y1`.
    pub u: [f32; 2],
    pub v: [f32; 2],
}

impl Quad {
    fn flat_uv(&self) -> bool {
        self.u[0] == self.u[1] && self.v[0] == self.v[1]
    }

    /// The pixels the quad covers inside `clip`: centres in `[x0, x1) × [y0, y1)`.
    pub fn pixels(&self, clip: Clip) -> Clip {
        Clip {
            x0: first_pixel_at_or_after(self.x0).max(clip.x0),
            y0: first_pixel_at_or_after(self.y0).max(clip.y0),
            x1: first_pixel_at_or_after(self.x1).min(clip.x1),
            y1: first_pixel_at_or_after(self.y1).min(clip.y1),
        }
    }

    /// The one fragment of a quad with a constant texel, if it has one.
    pub fn flat_fragment(&self, tex: &Texture) -> Option<u32> {
        self.flat_uv().then(|| {
            modulate(
                tex.sample(self.u[0], self.v[0], tex.filter_for(0.0)),
                self.colour,
            )
        })
    }
}

/// Recognises triangles `idx[0..3]` and `idx[3..6]` (indices already checked against the
/// vertices) as one axis-aligned rectangle split along a diagonal, with one colour and a
/// uv that depends on x alone (u) and y alone (v). `None` when they are anything else.
pub(crate) fn detect(idx: &[u32], vertices: &[Vertex], fixed: &[[i64; 2]]) -> Option<Quad> {
    let (t1, t2) = (&idx[0..3], &idx[3..6]);
    if t1[0] == t1[1]
        || t1[1] == t1[2]
        || t1[0] == t1[2]
        || t2[0] == t2[1]
        || t2[1] == t2[2]
        || t2[0] == t2[2]
    {
        return None;
    }
    // The two shared indices (the diagonal) and the one of t2 that t1 lacks.
    let mut shared = [0u32; 2];
    let mut n_shared = 0;
    let mut other = None;
    for &i in t2 {
        if t1.contains(&i) {
            if n_shared == 2 {
                return None;
            }
            shared[n_shared] = i;
            n_shared += 1;
        } else {
            other = Some(i);
        }
    }
    let other = other?;
    if n_shared != 2 {
        return None;
    }
    let own = *t1.iter().find(|i| !shared.contains(i))?;
    let corners = [shared[0], shared[1], own, other].map(|i| i as usize);
    let pos = corners.map(|i| fixed[i]);
    if pos.contains(&INVALID) {
        return None;
    }
    let x0 = pos.iter().map(|p| p[0]).min()?;
    let x1 = pos.iter().map(|p| p[0]).max()?;
    let y0 = pos.iter().map(|p| p[1]).min()?;
    let y1 = pos.iter().map(|p| p[1]).max()?;
    if x0 == x1 || y0 == y1 {
        return None;
    }
    // Corner code: bit 0 = right, bit 1 = bottom. All four distinct; shared ones opposite.
    let mut code = [0u8; 4];
    for (c, p) in code.iter_mut().zip(&pos) {
        let right = if p[0] == x1 {
            1
        } else if p[0] == x0 {
            0
        } else {
            return None;
        };
        let bottom = if p[1] == y1 {
            2
        } else if p[1] == y0 {
            0
        } else {
            return None;
        };
        *c = right | bottom;
    }
    if code[0] ^ code[1] != 3 || code[2] ^ code[3] != 3 || code[2] == code[0] || code[2] == code[1]
    {
        return None;
    }
    let vs = corners.map(|i| &vertices[i]);
    let colour = vs[0].color;
    if vs.iter().any(|v| v.color != colour) {
        return None;
    }
    let mut u = [f32::NAN; 2];
    let mut v = [f32::NAN; 2];
    for (vert, c) in vs.iter().zip(code) {
        let (ui, vi) = ((c & 1) as usize, (c >> 1) as usize);
        if u[ui].is_nan() {
            u[ui] = vert.uv.x;
        } else if u[ui] != vert.uv.x {
            return None;
        }
        if v[vi].is_nan() {
            v[vi] = vert.uv.y;
        } else if v[vi] != vert.uv.y {
            return None;
        }
    }
    if u.iter().chain(&v).any(|c| !c.is_finite()) {
        return None;
    }
    Some(Quad {
        x0,
        y0,
        x1,
        y1,
        colour: pack(colour),
        u,
        v,
    })
}

/// Paints a quad found by [`detect`].
pub(crate) fn draw_quad(
    target: &mut Target<'_>,
    tex: &Texture,
    q: &Quad,
    scratch: &mut Vec<(usize, usize, u32)>,
    stats: &mut PaintStats,
) {
    let px = q.pixels(target.clip);
    if px.is_empty() {
        return;
    }
    let (col0, col1, row0, row1) = (px.x0, px.x1, px.y0, px.y1); // ends exclusive
    stats.rects += 1;
    if let Some(frag) = q.flat_fragment(tex) {
        for y in row0..row1 {
            stats.pixels_blended += fill_span(target.span(y, col0, col1 - 1), frag);
        }
        return;
    }
    // u and v at a pixel centre, linear in x and y alone.
    let (wpx, hpx) = (
        (q.x1 - q.x0) as f64 / ONE as f64,
        (q.y1 - q.y0) as f64 / ONE as f64,
    );
    let du = (f64::from(q.u[1]) - f64::from(q.u[0])) / wpx;
    let dv = (f64::from(q.v[1]) - f64::from(q.v[0])) / hpx;
    let u_at =
        |x: i64| (f64::from(q.u[0]) + du * ((x * ONE + HALF - q.x0) as f64 / ONE as f64)) as f32;
    let v_at =
        |y: i64| (f64::from(q.v[0]) + dv * ((y * ONE + HALF - q.y0) as f64 / ONE as f64)) as f32;
    let rho = (du * tex.width as f64)
        .abs()
        .max((dv * tex.height as f64).abs());
    let filter = tex.filter_for(rho as f32);
    let tap = |c: f32, size: usize| match filter {
        Filter::Nearest => {
            let i = nearest_index(c, size);
            (i, i, 0)
        }
        Filter::Linear => linear_taps(linear_coord(c, size), size),
    };
    let (ncols, nrows) = ((col1 - col0) as usize, (row1 - row0) as usize);
    // Glyphs drawn at their rasterised size walk the texels one to one: no taps per column
    // (or per row) then, just the first texel.
    let run = one_to_one(filter, u_at(col0), u_at(col1 - 1), ncols, tex.width);
    let row_run = one_to_one(filter, v_at(row0), v_at(row1 - 1), nrows, tex.height);
    // Per-column taps, unless every row takes the one-to-one run.
    scratch.clear();
    if run.is_none() || row_run.is_none() {
        scratch.extend((col0..col1).map(|x| tap(u_at(x), tex.width)));
    }
    for y in row0..row1 {
        let rows = match row_run {
            Some(first) => {
                let r = first + (y - row0) as usize;
                (r, r, 0)
            }
            None => tap(v_at(y), tex.height),
        };
        let span = target.span(y, col0, col1 - 1);
        let mut n = 0u64;
        // Glyph boxes are mostly empty texels: skipping them (a zero texel would blend to the
        // pixel unchanged) is cheaper than blending them.
        if let (0, Some(first)) = (rows.2, run) {
            let row = &tex.texels[rows.0 * tex.width..(rows.0 + 1) * tex.width];
            n += blend_texel_run(span, &row[first..first + ncols], q.colour);
        } else if rows.2 == 0 {
            // One texel row, columns interpolated: no vertical interpolation.
            let row = &tex.texels[rows.0 * tex.width..(rows.0 + 1) * tex.width];
            for (px, &(x0, x1, fx)) in span.iter_mut().zip(scratch.iter()) {
                let t = lerp_packed(row[x0], row[x1], fx);
                if t != 0 {
                    n += u64::from(blend_into(px, modulate_texel(t, q.colour)));
                }
            }
        } else {
            for (px, &cols) in span.iter_mut().zip(scratch.iter()) {
                let t = tex.bilinear_taps(cols, rows);
                if t != 0 {
                    n += u64::from(blend_into(px, modulate_texel(t, q.colour)));
                }
            }
        }
        stats.pixels_blended += n;
    }
}

/// Whether `n` pixel centres whose texture coordinates run linearly from `first` to `last`
/// (normalised) sample consecutive texels one to one, and from which texel: with `Linear`,
/// both ends on texel centres (to 1/256 texel) `n - 1` texels apart, so every pixel between
/// is on a centre too and needs no interpolation; with `Nearest`, both ends well inside
/// their texels `n - 1` apart, so every pixel between is inside the next one. Always
/// within the texture.
fn one_to_one(filter: Filter, first: f32, last: f32, n: usize, size: usize) -> Option<usize> {
    let n = i64::try_from(n).ok()?;
    let (lo, hi) = match filter {
        Filter::Linear => {
            let (c0, c1) = (linear_coord(first, size), linear_coord(last, size));
            if c0 & 0xFF != 0 || c1 & 0xFF != 0 {
                return None;
            }
            (i64::from(c0 >> 8), i64::from(c1 >> 8))
        }
        Filter::Nearest => {
            let (x0, x1) = (first * size as f32, last * size as f32);
            let inside = |x: f32| {
                let f = x - x.floor();
                (1e-3..=1.0 - 1e-3).contains(&f)
            };
            if !(inside(x0) && inside(x1)) {
                return None;
            }
            (x0.floor() as i64, x1.floor() as i64)
        }
    };
    (hi - lo == n - 1 && lo >= 0 && hi < size as i64).then_some(lo as usize)
}
