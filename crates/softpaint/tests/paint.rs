//! The painter against exact expected bytes: fills, blending, clip, scale, fill rule,
//! sampling, texture updates and bad input; and fast paths against the general path.

mod support;

use egui::epaint::{Mesh, PaintCallback, Primitive, Vertex};
use egui::{
    ClippedPrimitive, Color32, ColorImage, Rect, TextureFilter, TextureId, TextureOptions,
    TexturesDelta, pos2,
};
use softpaint::PaintError;
use support::*;

const BG: Color32 = Color32::from_rgb(200, 180, 160);

/// Pixels of `buf` (width `w`) inside the half-open pixel rect equal `inside`, others `outside`.
fn assert_rect(
    buf: &[u32],
    w: usize,
    (x0, y0, x1, y1): (usize, usize, usize, usize),
    inside: u32,
    outside: u32,
) {
    for (i, &p) in buf.iter().enumerate() {
        let (x, y) = (i % w, i / w);
        let want = if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
            inside
        } else {
            outside
        };
        assert_eq!(p, want, "pixel ({x}, {y}): {p:06x}, want {want:06x}");
    }
}

#[test]
fn solid_rect_is_written_exactly() {
    let mut p = painter();
    let c = Color32::from_rgb(200, 100, 50);
    let (buf, stats) = paint(
        &mut p,
        10,
        8,
        BG,
        &[prim(
            everywhere(),
            rect_mesh(pos2(2.0, 1.0), pos2(6.0, 5.0), c),
        )],
        1.0,
    );
    assert_rect(&buf, 10, (2, 1, 6, 5), 0xC86432, px(BG));
    assert_eq!(stats.rects, 1);
    assert_eq!(stats.pixels_blended, 16);
}

#[test]
fn translucent_rect_blends_over_the_background() {
    let c = Color32::from_rgba_premultiplied(100, 50, 0, 128);
    let want = over(rgb(px(BG)), c);
    let want = (u32::from(want[0]) << 16) | (u32::from(want[1]) << 8) | u32::from(want[2]);
    // Hand check of the formula: r = 100 + round(200 * 127 / 255) = 100 + 100.
    assert_eq!(want >> 16, 200);
    for fast in [true, false] {
        let mut p = painter();
        p.set_fast_paths(fast);
        let (buf, _) = paint(
            &mut p,
            8,
            8,
            BG,
            &[prim(
                everywhere(),
                rect_mesh(pos2(1.0, 1.0), pos2(7.0, 3.0), c),
            )],
            1.0,
        );
        assert_rect(&buf, 8, (1, 1, 7, 3), want, px(BG));
    }
}

#[test]
fn clip_rect_limits_drawing() {
    let mut p = painter();
    let c = Color32::from_rgb(10, 20, 30);
    let clip = Rect::from_min_max(pos2(2.0, 2.0), pos2(5.0, 4.0));
    for fast in [true, false] {
        p.set_fast_paths(fast);
        let (buf, _) = paint(
            &mut p,
            8,
            6,
            BG,
            &[prim(clip, rect_mesh(pos2(-5.0, -5.0), pos2(50.0, 50.0), c))],
            1.0,
        );
        assert_rect(&buf, 8, (2, 2, 5, 4), px(c), px(BG));
    }
}

#[test]
fn pixels_per_point_two_and_one_and_a_half() {
    let mut p = painter();
    let c = Color32::from_rgb(1, 2, 3);
    // ppp 2: points (1,1)-(3,2) are pixels (2,2)-(6,4).
    let (buf, _) = paint(
        &mut p,
        8,
        6,
        BG,
        &[prim(
            everywhere(),
            rect_mesh(pos2(1.0, 1.0), pos2(3.0, 2.0), c),
        )],
        2.0,
    );
    assert_rect(&buf, 8, (2, 2, 6, 4), px(c), px(BG));
    // ppp 1.5: points (1,1)-(3,3) are pixels 1.5..4.5: centres 1.5, 2.5, 3.5 are in (a centre
    // on the left/top edge is in, on the right/bottom edge out).
    for fast in [true, false] {
        p.set_fast_paths(fast);
        let (buf, _) = paint(
            &mut p,
            8,
            6,
            BG,
            &[prim(
                everywhere(),
                rect_mesh(pos2(1.0, 1.0), pos2(3.0, 3.0), c),
            )],
            1.5,
        );
        assert_rect(&buf, 8, (1, 1, 4, 4), px(c), px(BG));
        // The clip rect scales and rounds as bevy_egui's scissor: (0.9,0.9)-(2.1,1.7) points
        // at 1.5 are (1.35,1.35)-(3.15,2.55) -> pixels (1,1)-(3,3).
        let clip = Rect::from_min_max(pos2(0.9, 0.9), pos2(2.1, 1.7));
        let (buf, _) = paint(
            &mut p,
            8,
            6,
            BG,
            &[prim(clip, rect_mesh(pos2(0.0, 0.0), pos2(5.0, 5.0), c))],
            1.5,
        );
        assert_rect(&buf, 8, (1, 1, 3, 3), px(c), px(BG));
    }
}

/// Every pixel of `buf` is the background or the background with `c` blended once.
fn blended_at_most_once(buf: &[u32], c: Color32) -> usize {
    let once = over(rgb(px(BG)), c);
    let mut n = 0;
    for (i, &p) in buf.iter().enumerate() {
        if p == px(BG) {
            continue;
        }
        assert_eq!(
            rgb(p),
            once,
            "pixel {i} is neither background nor blended once"
        );
        n += 1;
    }
    n
}

#[test]
fn a_shared_edge_is_blended_exactly_once() {
    let c = Color32::from_rgba_premultiplied(60, 0, 128, 128);
    // A square split along its diagonal, whose pixel centres lie exactly on the diagonal.
    let sq = [
        pos2(0.0, 0.0),
        pos2(8.0, 0.0),
        pos2(8.0, 8.0),
        pos2(0.0, 8.0),
    ]
    .map(|p| (p, c));
    for fast in [true, false] {
        let mut p = painter();
        p.set_fast_paths(fast);
        for indices in [[0, 1, 2, 0, 2, 3], [0, 2, 1, 3, 2, 0], [1, 3, 0, 1, 2, 3]] {
            let (buf, _) = paint(
                &mut p,
                8,
                8,
                BG,
                &[prim(everywhere(), tri_mesh(&sq, &indices))],
                1.0,
            );
            assert_eq!(blended_at_most_once(&buf, c), 64, "{indices:?} fast={fast}");
        }
    }
    // A rotated square (general path only), a fan of four triangles meeting at a pixel
    // centre, edges through many centres: no seams, no double blend.
    let mut p = painter();
    let pts = [
        pos2(4.5, 0.5),
        pos2(8.5, 4.5),
        pos2(4.5, 8.5),
        pos2(0.5, 4.5),
        pos2(4.5, 4.5),
    ]
    .map(|q| (q, c));
    let (buf, stats) = paint(
        &mut p,
        10,
        10,
        BG,
        &[prim(
            everywhere(),
            tri_mesh(&pts, &[4, 0, 1, 4, 1, 2, 4, 2, 3, 4, 3, 0]),
        )],
        1.0,
    );
    assert_eq!(stats.triangles, 4);
    // The diamond |x-4.5|+|y-4.5| <= 4 holds 41 centres; the fill rule drops the 4 on its
    // right/bottom boundary... count what the rule keeps: exactly half-open coverage.
    let n = blended_at_most_once(&buf, c);
    let mut want = 0;
    for y in 0..10 {
        for x in 0..10 {
            let (dx, dy) = (x as f32 + 0.5 - 4.5, y as f32 + 0.5 - 4.5);
            if dx.abs() + dy.abs() < 4.0 {
                want += 1;
            }
        }
    }
    // Strictly inside: 25 centres; on the boundary (|dx|+|dy| = 4): 16, of which the
    // top-left rule keeps those on the upper-left and lower-left edges.
    assert!(
        n > want && n < want + 16,
        "covered {n}, strictly inside {want}"
    );
}

#[test]
fn a_circle_fan_covers_its_disc_once() {
    let c = Color32::from_rgba_premultiplied(0, 100, 0, 128);
    let (cx, cy, r) = (16.3f32, 15.7f32, 10.0f32);
    let mut pts = vec![(pos2(cx, cy), c)];
    let n = 64;
    for i in 0..n {
        let a = i as f32 / n as f32 * std::f32::consts::TAU;
        pts.push((pos2(cx + r * a.cos(), cy + r * a.sin()), c));
    }
    let mut idx = Vec::new();
    for i in 0..n {
        idx.extend([0, 1 + i, 1 + (i + 1) % n]);
    }
    let mut p = painter();
    let (buf, stats) = paint(
        &mut p,
        32,
        32,
        BG,
        &[prim(everywhere(), tri_mesh(&pts, &idx))],
        1.0,
    );
    assert_eq!(stats.triangles, n as usize);
    let covered = blended_at_most_once(&buf, c);
    let area = std::f32::consts::PI * r * r;
    assert!(
        (covered as f32 - area).abs() < area * 0.03,
        "{covered} vs {area}"
    );
    for (i, &p) in buf.iter().enumerate() {
        let (x, y) = ((i % 32) as f32 + 0.5, (i / 32) as f32 + 0.5);
        let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
        if d < r - 0.2 {
            assert_ne!(p, px(BG), "inside at ({x}, {y}) not painted");
        }
        if d > r {
            assert_eq!(p, px(BG), "outside at ({x}, {y}) painted");
        }
    }
}

/// A quad covering pixels (0,0)-(4,4) sampling all of texture `id`.
fn textured_quad(id: TextureId) -> ClippedPrimitive {
    let mut m = Mesh::with_texture(id);
    m.add_rect_with_uv(
        Rect::from_min_max(pos2(0.0, 0.0), pos2(4.0, 4.0)),
        Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
        Color32::WHITE,
    );
    prim(everywhere(), m)
}

fn two_by_two() -> ColorImage {
    ColorImage::new(
        [2, 2],
        vec![
            Color32::from_rgb(255, 0, 0),
            Color32::from_rgb(0, 255, 0),
            Color32::from_rgb(0, 0, 255),
            Color32::WHITE,
        ],
    )
}

#[test]
fn bilinear_and_nearest_on_a_two_by_two_texture() {
    let id = TextureId::User(7);
    for fast in [true, false] {
        let mut p = painter();
        p.set_fast_paths(fast);
        set(&mut p, id, two_by_two(), TextureOptions::NEAREST);
        let (buf, _) = paint(&mut p, 4, 4, BG, &[textured_quad(id)], 1.0);
        let texel = |x: usize, y: usize| px(two_by_two().pixels[y / 2 * 2 + x / 2]);
        for y in 0..4 {
            for x in 0..4 {
                assert_eq!(
                    buf[y * 4 + x],
                    texel(x, y),
                    "nearest ({x}, {y}) fast={fast}"
                );
            }
        }
        set(&mut p, id, two_by_two(), TextureOptions::LINEAR);
        let (buf, _) = paint(&mut p, 4, 4, BG, &[textured_quad(id)], 1.0);
        // Pixel 0's centre is at texel x -0.25: clamped to texel 0. Pixel 1 at 0.25: 3/4 of
        // texel 0 and 1/4 of texel 1 (weights in 1/256, rounded).
        assert_eq!(rgb(buf[0]), [255, 0, 0]);
        assert_eq!(rgb(buf[1]), [191, 64, 0]);
        assert_eq!(rgb(buf[2]), [64, 191, 0]);
        assert_eq!(rgb(buf[3]), [0, 255, 0]);
        // (1,1): rows 0 and 1 each 3/4-1/4, then 3/4 of row 0: r = (191*192 + 64*64)/256.
        let row0 = [191u32, 64, 0];
        // Row 1 is blue then white: 3/4 blue + 1/4 white = (64, 64, 255).
        let row1 = [(255 * 64 + 128) >> 8, (255 * 64 + 128) >> 8, 255u32];
        let want: Vec<u8> = (0..3)
            .map(|i| ((row0[i] * 192 + row1[i] * 64 + 128) >> 8) as u8)
            .collect();
        assert_eq!(rgb(buf[5]).to_vec(), want, "fast={fast}");
        // Magnified here, so magnification = Nearest wins over minification = Linear.
        let mixed = TextureOptions {
            magnification: TextureFilter::Nearest,
            minification: TextureFilter::Linear,
            ..TextureOptions::LINEAR
        };
        set(&mut p, id, two_by_two(), mixed);
        let (buf, _) = paint(&mut p, 4, 4, BG, &[textured_quad(id)], 1.0);
        assert_eq!(rgb(buf[1]), [255, 0, 0]);
    }
}

#[test]
fn partial_update_writes_into_the_existing_texture() {
    let id = TextureId::User(3);
    let mut p = painter();
    let red = Color32::from_rgb(255, 0, 0);
    let green = Color32::from_rgb(0, 255, 0);
    set(
        &mut p,
        id,
        ColorImage::new([4, 4], vec![red; 16]),
        TextureOptions::NEAREST,
    );
    let mut d = TexturesDelta::default();
    // Patch 3x2 at (2, 1): the third column falls outside and is clipped.
    d.set.insert(
        id,
        vec![egui::epaint::ImageDelta::partial(
            [2, 1],
            ColorImage::new([3, 2], vec![green; 6]),
            TextureOptions::NEAREST,
        )]
        .into(),
    );
    apply(&mut p, d);
    assert_eq!(p.rejected_deltas(), 0);
    let (buf, _) = paint(&mut p, 4, 4, BG, &[textured_quad(id)], 1.0);
    assert_rect(&buf, 4, (2, 1, 4, 3), px(green), px(red));
    // Patches that start past the texture's edge write nothing and do not panic.
    for pos in [[4, 0], [1000, 1], [0, 4], [usize::MAX, usize::MAX]] {
        let mut d = TexturesDelta::default();
        d.set.insert(
            id,
            vec![egui::epaint::ImageDelta::partial(
                pos,
                two_by_two(),
                TextureOptions::NEAREST,
            )]
            .into(),
        );
        apply(&mut p, d);
    }
    let (again, _) = paint(&mut p, 4, 4, BG, &[textured_quad(id)], 1.0);
    assert_eq!(again, buf);
    // A patch for a texture that does not exist is ignored, not a panic.
    let mut d = TexturesDelta::default();
    d.set.insert(
        TextureId::User(99),
        vec![egui::epaint::ImageDelta::partial(
            [0, 0],
            two_by_two(),
            TextureOptions::NEAREST,
        )]
        .into(),
    );
    apply(&mut p, d);
    assert_eq!(p.rejected_deltas(), 1);
}

#[test]
fn freed_and_unknown_textures_skip_their_mesh_only() {
    let id = TextureId::User(5);
    let mut p = painter();
    set(&mut p, id, two_by_two(), TextureOptions::NEAREST);
    assert_eq!(p.texture_count(), 2);
    let solid = prim(
        everywhere(),
        rect_mesh(pos2(0.0, 3.0), pos2(4.0, 4.0), Color32::BLACK),
    );
    let mut free = TexturesDelta::default();
    free.free.insert(id);
    apply(&mut p, free);
    assert_eq!(p.texture_count(), 1);
    let (buf, stats) = paint(
        &mut p,
        4,
        4,
        BG,
        &[
            textured_quad(id),
            solid.clone(),
            textured_quad(TextureId::Managed(42)),
        ],
        1.0,
    );
    assert_eq!(stats.missing_textures, 2);
    assert_rect(&buf, 4, (0, 3, 4, 4), 0, px(BG));
}

#[test]
fn bad_indices_skip_their_triangle_and_callbacks_are_skipped() {
    let c = Color32::from_rgb(9, 9, 9);
    let pts = [
        pos2(0.0, 0.0),
        pos2(4.0, 0.0),
        pos2(4.0, 4.0),
        pos2(0.0, 4.0),
    ]
    .map(|q| (q, c));
    let mut p = painter();
    let callback = ClippedPrimitive {
        clip_rect: everywhere(),
        primitive: Primitive::Callback(PaintCallback {
            rect: everywhere(),
            callback: std::sync::Arc::new(()),
        }),
    };
    // Indices past the vertices, a trailing partial triangle, and one good triangle.
    let mesh = tri_mesh(&pts, &[0, 1, 9, u32::MAX, 0, 1, 0, 1, 2, 3]);
    let (buf, stats) = paint(&mut p, 4, 4, BG, &[callback, prim(everywhere(), mesh)], 1.0);
    assert_eq!(stats.skipped_triangles, 2);
    assert_eq!(stats.callbacks, 1);
    assert_eq!(stats.triangles, 1);
    // The upper-right half (centres with x > y) is painted; the diagonal's centres too,
    // since for this winding the diagonal is the triangle's left edge.
    for y in 0..4 {
        for x in 0..4 {
            let want = if x >= y { px(c) } else { px(BG) };
            assert_eq!(buf[y * 4 + x], want, "({x}, {y})");
        }
    }
    // Non-finite and absurdly far vertices skip their triangle.
    let far = [
        (pos2(f32::NAN, 0.0), c),
        (pos2(1e30, 0.0), c),
        (pos2(1.0, 1.0), c),
    ];
    let (_, stats) = paint(
        &mut p,
        4,
        4,
        BG,
        &[prim(everywhere(), tri_mesh(&far, &[0, 1, 2]))],
        1.0,
    );
    assert_eq!(stats.skipped_triangles, 1);
}

#[test]
fn wrong_buffer_length_and_bad_scale_are_errors() {
    let mut p = painter();
    let mut buf = vec![0u32; 15];
    let err = p.paint(&mut buf, 4, 4, BG, &[], 1.0).unwrap_err();
    assert_eq!(
        err,
        PaintError::BufferSize {
            width: 4,
            height: 4,
            expected: 16,
            actual: 15
        }
    );
    assert!(err.to_string().contains("15 pixels"), "{err}");
    assert!(buf.iter().all(|&p| p == 0), "nothing drawn on error");
    let err = p.paint(&mut buf, usize::MAX, 2, BG, &[], 1.0).unwrap_err();
    assert!(matches!(err, PaintError::BufferSize { .. }));
    let mut buf = vec![0u32; 16];
    for ppp in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        assert!(matches!(
            p.paint(&mut buf, 4, 4, BG, &[], ppp),
            Err(PaintError::PixelsPerPoint(_))
        ));
    }
    // Zero-sized frames are fine.
    assert!(p.paint(&mut [], 0, 10, BG, &[], 1.0).is_ok());
}

/// Which pixels a triangle covers, by brute force: every pixel centre tested against the
/// three edges in 24.8 fixed point with the top-left rule (independent of the painter's
/// per-row spans).
fn reference_coverage(p: [[i64; 2]; 3], w: usize, h: usize) -> Vec<bool> {
    let mut p = p;
    let area =
        (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[1][1] - p[0][1]) * (p[2][0] - p[0][0]);
    if area < 0 {
        p.swap(1, 2);
    }
    let mut out = vec![false; w * h];
    if area == 0 {
        return out;
    }
    for y in 0..h as i64 {
        for x in 0..w as i64 {
            let (cx, cy) = (x * 256 + 128, y * 256 + 128);
            out[(y as usize) * w + x as usize] = (0..3).all(|i| {
                let (a, b) = (p[i], p[(i + 1) % 3]);
                let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                let e = dx * (cy - a[1]) - dy * (cx - a[0]);
                e > 0 || (e == 0 && (dy < 0 || (dy == 0 && dx > 0)))
            });
        }
    }
    out
}

#[test]
fn general_triangles_cover_what_the_brute_force_rule_covers() {
    let mut rng = Lcg(7);
    let (w, h) = (24, 20);
    let c = Color32::from_rgb(0, 0, 0);
    let mut p = painter();
    for round in 0..400 {
        // Positions snapped to 1/256 px so the reference sees exactly what the painter sees;
        // every fourth round on a coarse grid to hit pixel centres and shared edges.
        let snap = if round % 4 == 0 { 2.0 } else { 256.0 };
        let pts: Vec<_> = (0..3)
            .map(|_| {
                pos2(
                    (rng.f(-4.0, 28.0) * snap).round() / snap,
                    (rng.f(-4.0, 24.0) * snap).round() / snap,
                )
            })
            .collect();
        let fixed = [0, 1, 2].map(|i| {
            [
                (pts[i].x * 256.0).round() as i64,
                (pts[i].y * 256.0).round() as i64,
            ]
        });
        let want = reference_coverage(fixed, w, h);
        let mesh = tri_mesh(&pts.iter().map(|&q| (q, c)).collect::<Vec<_>>(), &[0, 1, 2]);
        let (buf, _) = paint(&mut p, w, h, BG, &[prim(everywhere(), mesh)], 1.0);
        for i in 0..w * h {
            assert_eq!(
                buf[i] != px(BG),
                want[i],
                "round {round} pixel ({}, {}) of {pts:?}",
                i % w,
                i / w
            );
        }
    }
}

/// A random scene of egui-like meshes: quads (flat fills, white-uv fills, textured with
/// linear or nearest sampling, both egui index orders), feathered strips, random triangles.
fn random_scene(rng: &mut Lcg) -> Vec<ClippedPrimitive> {
    let mut prims = Vec::new();
    for _ in 0..30 {
        let tex = if rng.below(3) == 0 {
            TextureId::User(1)
        } else {
            TextureId::Managed(0)
        };
        let mut m = Mesh::with_texture(tex);
        for _ in 0..rng.below(6) + 1 {
            let base = m.vertices.len() as u32;
            let (x0, y0) = (rng.f(-10.0, 60.0), rng.f(-10.0, 50.0));
            let (x1, y1) = (x0 + rng.f(0.1, 30.0), y0 + rng.f(0.1, 30.0));
            let colour = rng.colour();
            match rng.below(3) {
                0 | 1 => {
                    let uv = if rng.below(2) == 0 {
                        Rect::from_min_max(egui::epaint::WHITE_UV, egui::epaint::WHITE_UV)
                    } else {
                        let (u0, v0) = (rng.f(-0.2, 1.0), rng.f(-0.2, 1.0));
                        Rect::from_min_max(
                            pos2(u0, v0),
                            pos2(u0 + rng.f(-0.5, 0.8), v0 + rng.f(-0.5, 0.8)),
                        )
                    };
                    let r = Rect::from_min_max(pos2(x0, y0), pos2(x1, y1));
                    if rng.below(2) == 0 {
                        m.add_rect_with_uv(r, uv, colour);
                    } else {
                        // The convex-fan order egui's path filler uses: (0,1,2), (0,2,3).
                        for (p, t) in [
                            (r.left_top(), uv.left_top()),
                            (r.right_top(), uv.right_top()),
                            (r.right_bottom(), uv.right_bottom()),
                            (r.left_bottom(), uv.left_bottom()),
                        ] {
                            m.vertices.push(Vertex {
                                pos: p,
                                uv: t,
                                color: colour,
                            });
                        }
                        m.indices
                            .extend([base, base + 1, base + 2, base, base + 2, base + 3]);
                    }
                }
                _ => {
                    for _ in 0..3 {
                        m.vertices.push(Vertex {
                            pos: pos2(rng.f(-10.0, 70.0), rng.f(-10.0, 60.0)),
                            uv: pos2(rng.f(0.0, 1.0), rng.f(0.0, 1.0)),
                            color: rng.colour(),
                        });
                    }
                    m.indices.extend([base, base + 1, base + 2]);
                }
            }
        }
        let clip = if rng.below(3) == 0 {
            Rect::from_min_max(
                pos2(rng.f(0.0, 30.0), rng.f(0.0, 20.0)),
                pos2(rng.f(20.0, 64.0), rng.f(15.0, 48.0)),
            )
        } else {
            everywhere()
        };
        prims.push(prim(clip, m));
    }
    prims
}

#[test]
fn fast_paths_agree_with_the_general_path_on_random_scenes() {
    let mut rng = Lcg(0x5EED);
    let mut img = ColorImage::new([5, 3], vec![Color32::TRANSPARENT; 15]);
    for p in img.pixels.iter_mut() {
        *p = rng.colour();
    }
    let mut rects = 0;
    for scene in 0..60 {
        let prims = random_scene(&mut rng);
        let ppp = [1.0, 1.5, 2.0, 1.25][scene % 4];
        let filter = if scene % 2 == 0 {
            TextureOptions::LINEAR
        } else {
            TextureOptions::NEAREST
        };
        let mut fast = painter();
        set(&mut fast, TextureId::User(1), img.clone(), filter);
        let mut general = painter();
        set(&mut general, TextureId::User(1), img.clone(), filter);
        general.set_fast_paths(false);
        let (w, h) = ((64.0 * ppp) as usize, (48.0 * ppp) as usize);
        let (a, sa) = paint(&mut fast, w, h, BG, &prims, ppp);
        let (b, sb) = paint(&mut general, w, h, BG, &prims, ppp);
        assert_eq!(sb.rects, 0);
        rects += sa.rects;
        for (i, (&x, &y)) in a.iter().zip(&b).enumerate() {
            let (x, y) = (rgb(x), rgb(y));
            for ch in 0..3 {
                assert!(
                    x[ch].abs_diff(y[ch]) <= 1,
                    "scene {scene} pixel ({}, {}): fast {x:?} general {y:?}",
                    i % w,
                    i / w
                );
            }
        }
    }
    assert!(rects > 1000, "the fast paths ran ({rects} quads)");
}

#[test]
fn zero_area_pairs_are_not_taken_for_rects() {
    // egui's zero-width stroke middles: two vertices at each end of a segment, indexed as
    // a quad. Both triangles have no area; nothing may be painted (a rect fast path that
    // took the two distinct points for opposite corners once filled their box).
    let c = Color32::from_rgb(1, 1, 1);
    let a = pos2(1.5, 1.7);
    let b = pos2(6.4, 5.5);
    let pts = [(a, c), (a, c), (b, c), (b, c)];
    for fast in [true, false] {
        let mut p = painter();
        p.set_fast_paths(fast);
        let (buf, stats) = paint(
            &mut p,
            8,
            8,
            BG,
            &[prim(everywhere(), tri_mesh(&pts, &[0, 1, 2, 1, 2, 3]))],
            1.0,
        );
        assert!(buf.iter().all(|&q| q == px(BG)), "fast={fast}");
        assert_eq!(stats.rects + stats.triangles, 0);
    }
}

#[test]
fn garbage_input_never_panics() {
    // Non-finite, huge and tiny positions, wild uvs and indices, inverted and NaN clips,
    // odd scales: painting must skip what it cannot draw and never panic.
    let mut rng = Lcg(99);
    let coord = |rng: &mut Lcg| match rng.below(8) {
        0 => f32::NAN,
        1 => f32::INFINITY,
        2 => -1e7,
        3 => 3e5,
        4 => rng.f(-1.0, 1.0) * 1e-3,
        _ => rng.f(-20.0, 60.0),
    };
    for round in 0..300 {
        let mut prims = Vec::new();
        for _ in 0..5 {
            let tex = if rng.below(4) == 0 {
                TextureId::User(1)
            } else {
                TextureId::Managed(0)
            };
            let mut m = Mesh::with_texture(tex);
            let n = rng.below(10);
            for _ in 0..n {
                m.vertices.push(Vertex {
                    pos: pos2(coord(&mut rng), coord(&mut rng)),
                    uv: pos2(coord(&mut rng), coord(&mut rng)),
                    color: Color32::from_rgba_premultiplied(
                        rng.below(256) as u8,
                        rng.below(256) as u8,
                        rng.below(256) as u8,
                        rng.below(256) as u8,
                    ),
                });
            }
            for _ in 0..rng.below(20) {
                m.indices.push(if rng.below(6) == 0 {
                    rng.next_u32()
                } else {
                    rng.below(n.max(1))
                });
            }
            let clip = Rect::from_min_max(
                pos2(coord(&mut rng), coord(&mut rng)),
                pos2(coord(&mut rng), coord(&mut rng)),
            );
            prims.push(prim(
                if rng.below(2) == 0 {
                    everywhere()
                } else {
                    clip
                },
                m,
            ));
        }
        let ppp = [1.0, 1.5, 0.01, 100.0, 3.7][round % 5];
        let mut p = painter();
        set(
            &mut p,
            TextureId::User(1),
            two_by_two(),
            if round % 2 == 0 {
                TextureOptions::LINEAR
            } else {
                TextureOptions::NEAREST
            },
        );
        p.set_fast_paths(round % 3 != 0);
        let _ = paint(&mut p, 17, 9, BG, &prims, ppp);
    }
}

#[test]
fn vertex_colours_interpolate_linearly_at_pixel_centres() {
    // Opaque: red runs 0 -> 255 across x, blue 255 -> 0 down y, over a 32 px square (two
    // triangles, general path: the colours are not uniform).
    let c = |r: u8, b: u8| Color32::from_rgb(r, 0, b);
    let pts = [
        (pos2(0.0, 0.0), c(0, 255)),
        (pos2(32.0, 0.0), c(255, 255)),
        (pos2(32.0, 32.0), c(255, 0)),
        (pos2(0.0, 32.0), c(0, 0)),
    ];
    let mut p = painter();
    let (buf, stats) = paint(
        &mut p,
        32,
        32,
        BG,
        &[prim(everywhere(), tri_mesh(&pts, &[0, 1, 2, 0, 2, 3]))],
        1.0,
    );
    assert_eq!((stats.rects, stats.triangles), (0, 2));
    for y in 0..32 {
        for x in 0..32 {
            let [r, g, b] = rgb(buf[y * 32 + x]);
            let want_r = (x as f64 + 0.5) / 32.0 * 255.0;
            let want_b = 255.0 - (y as f64 + 0.5) / 32.0 * 255.0;
            assert!(
                (f64::from(r) - want_r).abs() <= 0.51,
                "({x}, {y}) r {r} want {want_r}"
            );
            assert!(
                (f64::from(b) - want_b).abs() <= 0.51,
                "({x}, {y}) b {b} want {want_b}"
            );
            assert_eq!(g, 0);
        }
    }
    // A feathered edge: alpha 255 -> 0 over 4 px, blended over the background.
    let white = Color32::WHITE;
    let clear = Color32::TRANSPARENT;
    let pts = [
        (pos2(0.0, 0.0), white),
        (pos2(4.0, 0.0), clear),
        (pos2(4.0, 4.0), clear),
        (pos2(0.0, 4.0), white),
    ];
    let (buf, _) = paint(
        &mut p,
        4,
        4,
        BG,
        &[prim(everywhere(), tri_mesh(&pts, &[0, 1, 2, 0, 2, 3]))],
        1.0,
    );
    for (x, &got) in buf.iter().take(4).enumerate() {
        let a = ((1.0 - (x as f64 + 0.5) / 4.0) * 255.0).round() as u8;
        let want = over(rgb(px(BG)), Color32::from_rgba_premultiplied(a, a, a, a));
        assert_eq!(rgb(got), want, "column {x}");
    }
}

#[test]
fn textured_quads_one_to_one_on_one_axis_only() {
    // A 4x4 texture on a 4-wide quad (columns one to one, on texel centres) stretched to 8
    // rows (rows interpolated), and the transpose; linear and nearest; fast path against
    // the general path.
    let mut img = ColorImage::new([4, 4], vec![Color32::TRANSPARENT; 16]);
    for (i, p) in img.pixels.iter_mut().enumerate() {
        let v = (i * 16) as u8;
        *p = Color32::from_rgba_premultiplied(v, 255 - v, v / 2, 255);
    }
    for options in [TextureOptions::LINEAR, TextureOptions::NEAREST] {
        for (w, h) in [(4.0, 8.0), (8.0, 4.0), (4.0, 4.0)] {
            let mut m = Mesh::with_texture(TextureId::User(2));
            m.add_rect_with_uv(
                Rect::from_min_max(pos2(1.0, 1.0), pos2(1.0 + w, 1.0 + h)),
                Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
                Color32::WHITE,
            );
            let prims = [prim(everywhere(), m)];
            let mut out = Vec::new();
            for fast in [true, false] {
                let mut p = painter();
                set(&mut p, TextureId::User(2), img.clone(), options);
                p.set_fast_paths(fast);
                let (buf, stats) = paint(&mut p, 10, 10, BG, &prims, 1.0);
                assert_eq!(stats.rects, usize::from(fast));
                out.push(buf);
            }
            for (i, (a, b)) in out[0].iter().zip(&out[1]).enumerate() {
                let (a, b) = (rgb(*a), rgb(*b));
                assert!(
                    (0..3).all(|c| a[c].abs_diff(b[c]) <= 1),
                    "{w}x{h} {options:?} pixel {i}: {a:?} vs {b:?}"
                );
            }
            let painted = out[0].iter().filter(|&&q| q != px(BG)).count();
            assert_eq!(painted, (w * h) as usize, "{w}x{h} {options:?}");
        }
    }
}
