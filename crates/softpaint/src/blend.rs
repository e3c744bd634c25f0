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
    fn opaque_and_empty_fragments() {
        assert_eq!(blend(0x0012_3456, 0xFFAB_CDEF), 0x00AB_CDEF);
        assert_eq!(blend(0x0012_3456, 0), 0x0012_3456);
    }

    /// The integer pipeline (modulate, then blend) against a GPU's float arithmetic with
    /// one rounding at the end: never more than one level apart.
    #[test]
    fn integer_pipeline_is_within_one_level_of_float() {
        let mut seed = 0x1234_5678_9ABC_DEF0u64;
        let mut next = |n: u32| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as u32) % n
        };
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
