//! A real egui frame (labels, rounded frame, rounded buttons, egui's own fonts and
//! tessellator) painted on the CPU: fills, text and clipping land where egui put them.

mod support;

use egui::Color32;
use support::frame::{BUTTON_FILL, run};
use support::{apply, px, rgb};

fn luma(p: u32) -> u32 {
    let [r, g, b] = rgb(p);
    (u32::from(r) * 3 + u32::from(g) * 6 + u32::from(b)) / 10
}

#[test]
fn a_real_frame_shows_its_buttons_text_and_respects_clips() {
    for ppp in [1.0f32, 1.5] {
        let (w, h) = (960, 600);
        let mut f = run(w, h, ppp, 12, true);
        let mut painter = softpaint::Painter::new();
        let mut general = softpaint::Painter::new();
        apply(&mut general, f.textures.clone());
        apply(&mut painter, std::mem::take(&mut f.textures));
        let bg = Color32::from_rgb(255, 0, 255); // never in egui's light theme
        let mut buf = vec![0; w * h];
        let stats = painter
            .paint(&mut buf, w, h, bg, &f.primitives, ppp)
            .expect("buffer fits");
        assert_eq!(stats.missing_textures, 0, "{stats:?}");
        assert!(
            stats.rects > 500,
            "glyph quads go through the fast path: {stats:?}"
        );
        assert!(
            stats.triangles > 100,
            "rounded corners and feathering: {stats:?}"
        );
        // The central panel covers the window: no background left.
        assert_eq!(buf.iter().filter(|&&p| p == px(bg)).count(), 0, "ppp {ppp}");

        // Each button: mostly its exact fill colour, and its white text inside.
        assert_eq!(f.buttons.len(), 4);
        for b in &f.buttons {
            let (x0, y0) = ((b.min.x * ppp) as usize, (b.min.y * ppp) as usize);
            let (x1, y1) = ((b.max.x * ppp) as usize, (b.max.y * ppp) as usize);
            let (mut fill, mut white, mut n) = (0, 0, 0);
            for y in y0..y1.min(h) {
                for x in x0..x1.min(w) {
                    n += 1;
                    let p = buf[y * w + x];
                    fill += usize::from(p == px(BUTTON_FILL));
                    white += usize::from(rgb(p).iter().all(|&c| c > 200));
                }
            }
            assert!(
                n > 0 && fill * 10 > n * 7,
                "button {b:?} at ppp {ppp}: {fill} of {n} fill"
            );
            assert!(
                white > 20,
                "button {b:?} text at ppp {ppp}: {white} white pixels"
            );
        }

        // The transcript: dark text on the light frame fill.
        let frame_fill = px(f.ctx.global_style().visuals.extreme_bg_color);
        let in_frame = buf.iter().filter(|&&p| p == frame_fill).count();
        let dark = buf
            .iter()
            .filter(|&&p| luma(p) + 120 < luma(frame_fill))
            .count();
        assert!(
            in_frame > w * h / 4,
            "the frame fill covers the transcript: {in_frame}"
        );
        assert!(dark > 2000, "text pixels darker than the frame: {dark}");

        // Every primitive alone touches only pixels inside its clip (as bevy_egui rounds it).
        for (i, prim) in f.primitives.iter().enumerate() {
            let mut alone = vec![0; w * h];
            painter
                .paint(&mut alone, w, h, bg, std::slice::from_ref(prim), ppp)
                .expect("buffer fits");
            let r = prim.clip_rect;
            let c = |v: f32| (v * ppp).round() as i64;
            let (cx0, cy0, cx1, cy1) = (c(r.min.x), c(r.min.y), c(r.max.x), c(r.max.y));
            for (k, &p) in alone.iter().enumerate() {
                let (x, y) = ((k % w) as i64, (k / w) as i64);
                if !(cx0..cx1).contains(&x) || !(cy0..cy1).contains(&y) {
                    assert_eq!(
                        p,
                        px(bg),
                        "primitive {i} painted ({x}, {y}) outside its clip {r:?} at ppp {ppp}"
                    );
                }
            }
        }

        // The fast paths agree with the general path on the whole frame.
        general.set_fast_paths(false);
        let mut buf2 = vec![0; w * h];
        general
            .paint(&mut buf2, w, h, bg, &f.primitives, ppp)
            .expect("buffer fits");
        for (k, (&a, &b)) in buf.iter().zip(&buf2).enumerate() {
            let (a, b) = (rgb(a), rgb(b));
            assert!(
                (0..3).all(|c| a[c].abs_diff(b[c]) <= 1),
                "pixel ({}, {}) fast {a:?} general {b:?} at ppp {ppp}",
                k % w,
                k / w
            );
        }
    }
}
