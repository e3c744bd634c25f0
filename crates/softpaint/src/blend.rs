//! Gamma-space colour arithmetic: premultiplied fragments, texel × vertex modulation and
//! source-over blending into 0x00RRGGBB pixels, byte-exact and rounded.

use egui::Color32;

/// `round(a * b / 255)` for `a`, `b` in `0..=255` (exact for the whole range).
#[inline(always)]
pub(crate) fn mul255(a: u32, b: u32) -> u32 {
    let t = a * b + 128;
    (t + (t >> 8)) >> 8
}

/// A premultiplied colour packed as `0xAARRGGBB`: the layout of fragments and texels.
#[inline(always)]
pub(crate) fn pack(c: Color32) -> u32 {
    let [r, g, b, a] = c.to_array();
    (u32::from(a) << 24) | (u32::from(r) << 16) | (u32::from(g) << 8) | u32::from(b)
}

/// The background as an opaque `0x00RRGGBB` pixel (its alpha is ignored: the output is opaque).
#[inline]
pub(crate) fn opaque(c: Color32) -> u32 {
    pack(c) & 0x00FF_FFFF
}

/// Fragment = texel × vertex colour per channel (`/255`, rounded), both `0xAARRGGBB`.
/// Branch-free (a white texel or colour comes out unchanged, since `mul255(x, 255) == x`).
#[inline(always)]
pub(crate) fn modulate(texel: u32, colour: u32) -> u32 {
    let ch = |shift: u32| mul255((texel >> shift) & 0xFF, (colour >> shift) & 0xFF) << shift;
    ch(24) | ch(16) | ch(8) | ch(0)
}

/// `colour × c / 255` per channel (rounded), `c` in `0..=255`: the fragment of a grey
/// texel `(c, c, c, c)` (every texel of egui's font atlas) two channels per multiply.
/// Equal to `modulate(c * 0x0101_0101, colour)`.
#[inline(always)]
pub(crate) fn scale(colour: u32, c: u32) -> u32 {
    let lanes = |x: u32| {
        let t = x * c + 0x0080_0080;
        ((t + ((t >> 8) & 0x00FF_00FF)) >> 8) & 0x00FF_00FF
    };
    lanes(colour & 0x00FF_00FF) | (lanes((colour >> 8) & 0x00FF_00FF) << 8)
}

/// [`modulate`], taking the two-lane [`scale`] when the texel is grey.
#[inline(always)]
pub(crate) fn modulate_texel(texel: u32, colour: u32) -> u32 {
    let c = texel >> 24;
    if texel == c * 0x0101_0101 {
        scale(colour, c)
    } else {
        modulate(texel, colour)
    }
}

/// Premultiplied source-over: `dst = src + dst * (255 - src_a) / 255` per channel, rounded
/// and saturated (an additive fragment, alpha 0 with colour, saturates as a GPU clamps).
/// `dst` is `0x00RRGGBB`, `src` is `0xAARRGGBB`; the result is `0x00RRGGBB`. Branch-free:
/// an opaque source gives `src` (the `dst` term is 0), a zero source leaves `dst` as it is.
#[inline(always)]
pub(crate) fn blend(dst: u32, src: u32) -> u32 {
    let inv = 255 - (src >> 24);
    // Red and blue in two 16-bit lanes at once; mul255 per lane without carries.
    let t_rb = (dst & 0x00FF_00FF) * inv + 0x0080_0080;
    let rb = ((t_rb + ((t_rb >> 8) & 0x00FF_00FF)) >> 8) & 0x00FF_00FF;
    let g = mul255((dst >> 8) & 0xFF, inv);
    let sum_rb = rb + (src & 0x00FF_00FF);
    let over = sum_rb & 0x0100_0100;
    let sum_rb = (sum_rb | (over - (over >> 8))) & 0x00FF_00FF;
    let sum_g = (g + ((src >> 8) & 0xFF)).min(255);
    sum_rb | (sum_g << 8)
}

/// Blends one fragment into a pixel; returns whether it counts as touched (a fragment of
/// all zeros, no coverage and no additive colour, leaves the pixel as it was).
#[inline(always)]
pub(crate) fn blend_into(px: &mut u32, src: u32) -> bool {
    *px = blend(*px, src);
    src != 0
}

/// Blends a run of texels, each modulated by `colour`, into `dst` (pairwise, up to the
/// shorter length): the same bytes as `if t != 0 { blend_into(d, modulate_texel(t, colour)) }`
/// per pixel. Returns the number of non-zero fragments. Four pixels at a time with SSE2
/// on x86-64 (part of its baseline), scalar elsewhere.
#[inline]
pub(crate) fn blend_texel_run(dst: &mut [u32], texels: &[u32], colour: u32) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
        unsafe { sse2::blend_texel_run(dst, texels, colour) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        blend_texel_run_scalar(dst, texels, colour)
    }
}

/// The scalar form of [`blend_texel_run`] (also its tail, and its reference in tests).
#[inline]
pub(crate) fn blend_texel_run_scalar(dst: &mut [u32], texels: &[u32], colour: u32) -> u64 {
    let mut n = 0;
    for (d, &t) in dst.iter_mut().zip(texels) {
        if t != 0 {
            n += u64::from(blend_into(d, modulate_texel(t, colour)));
        }
    }
    n
}

/// A colour walked along a row: per channel (index 0..4 = b, g, r, a, the byte order of a
/// packed pixel) `value + 0.5` in 16.16 fixed point at the first pixel and its step per
/// pixel. Pixel `i`'s channel is `(at + step * i) >> 16`, clamped to `0..=255`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Gradient {
    pub at: [i32; 4],
    pub step: [i32; 4],
}

impl Gradient {
    /// From channel values (b, g, r, a) at the first pixel and their change per pixel.
    /// Inside a triangle every channel stays in `0..=255`, so a step beyond 256 levels a
    /// pixel only occurs on one-pixel spans: clamping it (and the start) keeps the i32
    /// walk from overflowing without changing any pixel that is drawn.
    pub fn new(at: [f64; 4], step: [f64; 4]) -> Self {
        const S: f64 = 65536.0;
        const LIMIT: f64 = (1 << 24) as f64;
        Gradient {
            at: at.map(|v| ((v + 0.5) * S).clamp(-LIMIT, LIMIT) as i32), // NaN -> 0
            step: step.map(|g| (g * S).clamp(-LIMIT, LIMIT) as i32),
        }
    }

    /// Pixel `i`'s colour, packed `0xAARRGGBB` (wrapping arithmetic, as the SSE2 walk).
    #[inline(always)]
    pub fn colour(&self, i: usize) -> u32 {
        let i = i as i32;
        let ch = |k: usize| {
            let v = self.at[k].wrapping_add(self.step[k].wrapping_mul(i)) >> 16;
            (v.clamp(0, 255) as u32) << (8 * k)
        };
        ch(0) | ch(1) | ch(2) | ch(3)
    }
}

/// Blends the colours of `g` along `dst`, each modulated by `texel`: the same bytes as
/// `if c != 0 { blend_into(d, modulate_texel(c, texel)) }` per pixel with `c = g.colour(i)`.
/// Returns the number of non-zero fragments.
#[inline]
pub(crate) fn blend_gradient_run(dst: &mut [u32], g: &Gradient, texel: u32) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
        unsafe { sse2::blend_gradient_run(dst, g, texel) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        blend_gradient_run_scalar(dst, g, 0, texel)
    }
}

/// The scalar form of [`blend_gradient_run`], starting at pixel `first` of the gradient.
#[inline]
pub(crate) fn blend_gradient_run_scalar(
    dst: &mut [u32],
    g: &Gradient,
    first: usize,
    texel: u32,
) -> u64 {
    let mut n = 0;
    for (i, d) in dst.iter_mut().enumerate() {
        let c = g.colour(first + i);
        if c != 0 {
            n += u64::from(blend_into(d, modulate_texel(c, texel)));
        }
    }
    n
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    //! [`blend_texel_run`](super::blend_texel_run) four pixels at a time: channels widened
    //! to 16-bit lanes, the same rounded `mul255` per lane, saturating byte adds.
    use std::arch::x86_64::*;

    /// `round(a * b / 255)` per 16-bit lane (lanes hold bytes, so nothing overflows).
    #[inline]
    #[target_feature(enable = "sse2")]
    fn mul255(a: __m128i, b: __m128i) -> __m128i {
        let t = _mm_add_epi16(_mm_mullo_epi16(a, b), _mm_set1_epi16(128));
        _mm_srli_epi16(_mm_add_epi16(t, _mm_srli_epi16(t, 8)), 8)
    }

    /// `255 - alpha` of each pixel (lanes 3 and 7: bytes are b, g, r, a) in its four lanes.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn inv_alpha(f: __m128i) -> __m128i {
        let a = _mm_shufflehi_epi16(_mm_shufflelo_epi16(f, 0xFF), 0xFF);
        _mm_sub_epi16(_mm_set1_epi16(255), a)
    }

    /// Four fragments `src × c` (per channel) blended into four pixels `dv`; also how many
    /// of the fragments are not zero.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn blend4(dv: __m128i, src: __m128i, c: __m128i) -> (__m128i, u32) {
        let zero = _mm_setzero_si128();
        let f_lo = mul255(_mm_unpacklo_epi8(src, zero), c);
        let f_hi = mul255(_mm_unpackhi_epi8(src, zero), c);
        let m_lo = mul255(_mm_unpacklo_epi8(dv, zero), inv_alpha(f_lo));
        let m_hi = mul255(_mm_unpackhi_epi8(dv, zero), inv_alpha(f_hi));
        let frag = _mm_packus_epi16(f_lo, f_hi);
        let sum = _mm_adds_epu8(frag, _mm_packus_epi16(m_lo, m_hi));
        let out = _mm_and_si128(sum, _mm_set1_epi32(0x00FF_FFFF));
        let empty = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(frag, zero)));
        (out, 4 - empty.count_ones())
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn blend_texel_run(dst: &mut [u32], texels: &[u32], colour: u32) -> u64 {
        let len = dst.len().min(texels.len());
        let (dst, texels) = (&mut dst[..len], &texels[..len]);
        let zero = _mm_setzero_si128();
        let c = _mm_unpacklo_epi8(_mm_set1_epi32(colour as i32), zero);
        let mut n = 0u64;
        let mut d4 = dst.chunks_exact_mut(4);
        let mut t4 = texels.chunks_exact(4);
        for (d, t) in (&mut d4).zip(&mut t4) {
            // SAFETY: `t` and `d` are 4 x u32 = 16 bytes each; unaligned loads/stores.
            let tv = unsafe { _mm_loadu_si128(t.as_ptr().cast()) };
            if _mm_movemask_epi8(_mm_cmpeq_epi32(tv, zero)) == 0xFFFF {
                continue; // four empty texels: the pixels stay as they are
            }
            let dv = unsafe { _mm_loadu_si128(d.as_ptr().cast()) };
            let (out, k) = blend4(dv, tv, c);
            unsafe { _mm_storeu_si128(d.as_mut_ptr().cast(), out) };
            n += u64::from(k);
        }
        n + super::blend_texel_run_scalar(d4.into_remainder(), t4.remainder(), colour)
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn blend_gradient_run(dst: &mut [u32], g: &super::Gradient, texel: u32) -> u64 {
        let zero = _mm_setzero_si128();
        let c = _mm_unpacklo_epi8(_mm_set1_epi32(texel as i32), zero);
        let [b, gr, r, a] = g.at;
        let mut acc = _mm_set_epi32(a, r, gr, b);
        let [sb, sg, sr, sa] = g.step;
        let step = _mm_set_epi32(sa, sr, sg, sb);
        let mut n = 0u64;
        let mut d4 = dst.chunks_exact_mut(4);
        let mut done = 0;
        for d in &mut d4 {
            // Four pixels' channels, >> 16, clamped to bytes by the saturating packs.
            let v0 = acc;
            let v1 = _mm_add_epi32(v0, step);
            let v2 = _mm_add_epi32(v1, step);
            let v3 = _mm_add_epi32(v2, step);
            acc = _mm_add_epi32(v3, step);
            let p01 = _mm_packs_epi32(_mm_srai_epi32(v0, 16), _mm_srai_epi32(v1, 16));
            let p23 = _mm_packs_epi32(_mm_srai_epi32(v2, 16), _mm_srai_epi32(v3, 16));
            let src = _mm_packus_epi16(p01, p23);
            done += 4;
            if _mm_movemask_epi8(_mm_cmpeq_epi32(src, zero)) == 0xFFFF {
                continue;
            }
            // SAFETY: `d` is 4 x u32 = 16 bytes; unaligned load/store.
            let dv = unsafe { _mm_loadu_si128(d.as_ptr().cast()) };
            let (out, k) = blend4(dv, src, c);
            unsafe { _mm_storeu_si128(d.as_mut_ptr().cast(), out) };
            n += u64::from(k);
        }
        n + super::blend_gradient_run_scalar(d4.into_remainder(), g, done, texel)
    }
}

/// Fills a span with one fragment: opaque fragments are written without blending.
/// Returns the number of pixels touched.
#[inline]
pub(crate) fn fill_span(span: &mut [u32], src: u32) -> u64 {
    if src == 0 {
        return 0;
    }
    if src >> 24 == 255 {
        span.fill(src & 0x00FF_FFFF); // what `blend` gives for an opaque source
    } else {
        for px in span.iter_mut() {
            *px = blend(*px, src);
        }
    }
    span.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded linear congruential stream (Knuth's MMIX constants): the high 32 bits.
    fn lcg(mut seed: u64) -> impl FnMut() -> u32 {
        move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 32) as u32
        }
    }

    #[test]
    fn mul255_rounds_exactly_over_the_whole_range() {
        for a in 0..=255u32 {
            for b in 0..=255u32 {
                let want = ((a * b) as f64 / 255.0).round() as u32;
                assert_eq!(mul255(a, b), want, "{a}*{b}");
            }
        }
    }

    #[test]
    fn blend_matches_the_formula_per_channel() {
        let chans = [0u32, 1, 7, 100, 127, 128, 200, 254, 255];
        for &a in &chans {
            for &s in &chans {
                let s = s.min(a);
                for &d in &chans {
                    let dst = (d << 16) | ((255 - d) << 8) | (d / 2);
                    let src = (a << 24) | (s << 16) | (s << 8) | s;
                    let out = blend(dst, src);
                    let want =
                        |dc: u32| (s + ((dc * (255 - a)) as f64 / 255.0).round() as u32).min(255);
                    assert_eq!(out >> 16, want(d), "r a={a} s={s} d={d}");
                    assert_eq!((out >> 8) & 0xFF, want(255 - d), "g a={a} s={s} d={d}");
                    assert_eq!(out & 0xFF, want(d / 2), "b a={a} s={s} d={d}");
                }
            }
        }
    }

    #[test]
    fn modulate_is_per_channel_and_white_is_neutral() {
        assert_eq!(modulate(0x80FF_4000, 0xFFFF_FFFF), 0x80FF_4000);
        assert_eq!(modulate(0xFFFF_FFFF, 0x1234_5678), 0x1234_5678);
        // 128 * 128 / 255 = 64.25 -> 64; 255 * 10 / 255 = 10.
        assert_eq!(modulate(0x80FF_0000, 0x800A_00FF), 0x400A_0000);
    }

    #[test]
    fn scale_equals_modulate_by_a_grey_texel() {
        for c in 0..=255u32 {
            for colour in [
                0u32,
                0xFFFF_FFFF,
                0x8040_2010,
                0xFF00_80FF,
                0x0102_0304,
                0x7F7F_7F7F,
            ] {
                assert_eq!(
                    scale(colour, c),
                    modulate(c * 0x0101_0101, colour),
                    "{c} {colour:08x}"
                );
                assert_eq!(
                    modulate_texel(c * 0x0101_0101, colour),
                    modulate(c * 0x0101_0101, colour)
                );
            }
        }
        assert_eq!(modulate_texel(0x8040_2010, 0xFFFF_FFFF), 0x8040_2010);
    }

    #[test]
    fn the_texel_run_matches_the_scalar_loop() {
        let mut next = lcg(77);
        for len in 0..40 {
            for _ in 0..50 {
                // Premultiplied texels (grey and coloured, many empty), any colour.
                let texels: Vec<u32> = (0..len)
                    .map(|_| match next() % 4 {
                        0 => 0,
                        1 => (next() & 0xFF) * 0x0101_0101,
                        _ => {
                            let a = next() & 0xFF;
                            let c = |x: u32| if a == 0 { 0 } else { x % (a + 1) };
                            (a << 24) | (c(next()) << 16) | (c(next()) << 8) | c(next())
                        }
                    })
                    .collect();
                let colour = match next() % 3 {
                    0 => 0xFFFF_FFFF,
                    _ => next(),
                };
                let start: Vec<u32> = (0..len).map(|_| next() & 0x00FF_FFFF).collect();
                let (mut a, mut b) = (start.clone(), start);
                let na = blend_texel_run(&mut a, &texels, colour);
                let nb = blend_texel_run_scalar(&mut b, &texels, colour);
                assert_eq!(a, b, "len {len} colour {colour:08x}");
                assert_eq!(na, nb);
            }
        }
    }

    #[test]
    fn the_gradient_run_matches_the_scalar_loop() {
        let mut next = lcg(4242);
        for len in 0..40 {
            for _ in 0..50 {
                let f = |x: u32| f64::from(x % 1000) / 999.0;
                // Channels from -20 to 275 (clamped), steps small and, sometimes, huge.
                let at = [(); 4].map(|_| f(next()) * 295.0 - 20.0);
                let big = next() % 8 == 0;
                let step = [(); 4].map(|_| (f(next()) - 0.5) * if big { 1e9 } else { 20.0 });
                let g = Gradient::new(at, step);
                let texel = match next() % 3 {
                    0 => 0xFFFF_FFFF,
                    1 => (next() & 0xFF) * 0x0101_0101,
                    _ => next(),
                };
                let start: Vec<u32> = (0..len).map(|_| next() & 0x00FF_FFFF).collect();
                let (mut a, mut b) = (start.clone(), start);
                let na = blend_gradient_run(&mut a, &g, texel);
                let nb = blend_gradient_run_scalar(&mut b, &g, 0, texel);
                assert_eq!(a, b, "len {len} {g:?} texel {texel:08x}");
                assert_eq!(na, nb);
            }
        }
        // The walk itself: value + 0.5 rounds, bytes clamp, the start clamps at 256 (alpha:
        // 300 -> 256, then 254 two pixels on).
        let g = Gradient::new([0.0, 10.4, 254.6, 300.0], [1.0, 0.0, 0.25, -1.0]);
        assert_eq!(g.colour(0), 0xFF_FF_0A_00);
        assert_eq!(g.colour(2), 0xFE_FF_0A_02);
    }

    #[test]
    fn opaque_and_empty_fragments() {
        assert_eq!(blend(0x0012_3456, 0xFFAB_CDEF), 0x00AB_CDEF);
        assert_eq!(blend(0x0012_3456, 0), 0x0012_3456);
    }

    /// The integer pipeline (modulate, then blend) against a GPU's float arithmetic with
    /// one rounding at the end: never more than one level apart.
    #[test]
    fn integer_pipeline_is_within_one_level_of_float() {
        let mut bits = lcg(0x1234_5678_9ABC_DEF0);
        let mut next = |n: u32| (bits() >> 1) % n;
        for _ in 0..200_000 {
            let a = next(256);
            let c = next(a + 1);
            let cov = next(256);
            let d = next(256);
            let colour = (a << 24) | (c << 16) | (c << 8) | c;
            let out = blend(d * 0x0001_0101, modulate_texel(cov * 0x0101_0101, colour)) & 0xFF;
            let f = |x: u32| f64::from(x) / 255.0;
            let gpu = ((f(c) * f(cov) + f(d) * (1.0 - f(a) * f(cov))) * 255.0).round() as u32;
            assert!(
                out.abs_diff(gpu) <= 1,
                "c {c} a {a} cov {cov} d {d}: {out} vs {gpu}"
            );
        }
    }

    #[test]
    fn additive_fragments_saturate() {
        // Alpha 0 with colour (egui's "additive"): adds, clamps at 255 per channel.
        assert_eq!(blend(0x00F0_1010, 0x0020_2020), 0x00FF_3030);
    }
}
