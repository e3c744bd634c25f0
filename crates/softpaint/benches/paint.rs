//! Benchmark (plain `fn main`, not a timed test): a realistic conversation frame (15 wrapped
//! paragraphs in a rounded frame, four large rounded buttons) at 1280x800, ppp 1.0 and 1.5,
//! painted 200 times each; prints median and p90 ms per paint and the paint's stats.
//! Run: `cargo bench -p courtesy-softpaint --bench paint` (add `-- fast` or `-- general`
//! for one path only, e.g. under a profiler). With `SOFTPAINT_PPM=dir` set, each
//! configuration's frame is also saved there as a PPM image, to look at.

#[path = "../tests/support/frame.rs"]
mod frame;

use std::time::Instant;

fn main() {
    let (w, h, runs) = (1280usize, 800usize, 200usize);
    // The floor: clearing the buffer alone.
    {
        let mut painter = softpaint::Painter::new();
        let mut buf = vec![0u32; w * h];
        let mut times: Vec<f64> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                let _ = painter.paint(&mut buf, w, h, egui::Color32::from_gray(30), &[], 1.0);
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "{w}x{h} clear only: median {:.2} ms, min {:.2} ms",
            times[runs / 2],
            times[0]
        );
    }
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |fast: bool| {
        only.is_empty()
            || only
                .iter()
                .any(|a| a == if fast { "fast" } else { "general" })
    };
    for light in [false, true] {
        for ppp in [1.0f32, 1.5] {
            let mut f = frame::run(w, h, ppp, 15, light);
            for fast in [true, false].into_iter().filter(|&f| wanted(f)) {
                let mut painter = softpaint::Painter::new();
                painter.set_textures(&f.textures);
                painter.set_fast_paths(fast);
                let mut buf = vec![0u32; w * h];
                let mut times = Vec::with_capacity(runs);
                let mut stats = None;
                for _ in 0..runs {
                    let t = Instant::now();
                    let s = painter.paint(&mut buf, w, h, f.background, &f.primitives, ppp);
                    times.push(t.elapsed().as_secs_f64() * 1e3);
                    stats = Some(s);
                }
                if let Some(dir) = std::env::var_os("SOFTPAINT_PPM") {
                    let name = format!(
                        "{}-ppp{ppp}-{}.ppm",
                        if light { "light" } else { "dark" },
                        if fast { "fast" } else { "general" }
                    );
                    let mut ppm = format!("P6 {w} {h} 255\n").into_bytes();
                    ppm.extend(
                        buf.iter()
                            .flat_map(|p| [(p >> 16) as u8, (p >> 8) as u8, *p as u8]),
                    );
                    let path = std::path::Path::new(&dir).join(name);
                    if let Err(e) = std::fs::write(&path, ppm) {
                        eprintln!("could not write {}: {e}", path.display());
                    }
                }
                times.sort_by(f64::total_cmp);
                let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
                println!(
                    "{w}x{h} ppp {ppp} {} {}: median {:.2} ms, p90 {:.2} ms, min {:.2} ms over {runs} paints; {:?}",
                    if light { "light" } else { "dark" },
                    if fast { "fast paths" } else { "general only" },
                    pct(0.5),
                    pct(0.9),
                    times[0],
                    stats.and_then(|s| s.ok()),
                );
            }
            f.textures.clear();
        }
    }
}
