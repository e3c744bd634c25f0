//! Benchmark (plain `fn main`, not a timed test): a realistic conversation frame (15 wrapped
//! paragraphs in a rounded frame, four large rounded buttons) at 1280x800, ppp 1.0 and 1.5,
//! painted 200 times each; prints median and p90 ms per paint and the paint's stats.
//! Run: `cargo bench -p courtesy-softpaint --bench paint` (add `-- fast` or `-- general`
//! for one path only, e.g. under a profiler). With `SOFTPAINT_PPM=dir` set, each
//! configuration's frame is also saved there as a PPM image, to look at.
//!
//! Per paint: wall-clock median, p90 and min, and the thread's mean CPU time over the batch
//! (Linux `/proc/thread-self/schedstat`: time spent preempted by other processes on a busy
//! machine is left out).

#[path = "../tests/support/frame.rs"]
mod frame;

use std::time::Instant;

/// Nanoseconds this thread has run on a CPU, if the kernel says.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Runs `f` `runs` times; prints median and p90 of wall milliseconds per run, and the
/// thread's CPU time per run averaged over the batch (the kernel updates it at scheduler
/// ticks, too coarse for one run but fine over a batch of ~1 s).
fn measure(label: &str, runs: usize, mut f: impl FnMut()) {
    let mut wall = Vec::with_capacity(runs);
    let cpu0 = thread_cpu_ns();
    for _ in 0..runs {
        let t0 = Instant::now();
        f();
        wall.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    let cpu = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) => format!("CPU mean {:.2} ms", (b - a) as f64 / 1e6 / runs as f64),
        _ => "no thread CPU time here".to_string(),
    };
    wall.sort_by(f64::total_cmp);
    let pct = |p: f64| wall[((wall.len() - 1) as f64 * p).round() as usize];
    println!(
        "{label}: median {:.2} ms, p90 {:.2} ms, min {:.2} ms (wall, {runs} runs); {cpu}",
        pct(0.5),
        pct(0.9),
        wall[0]
    );
}

fn main() {
    let (w, h, runs) = (1280usize, 800usize, 200usize);
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

    // The floor: clearing the buffer alone.
    let mut painter = softpaint::Painter::new();
    let mut buf = vec![0u32; w * h];
    measure(&format!("{w}x{h} clear only"), runs, || {
        let _ = painter.paint(&mut buf, w, h, egui::Color32::from_gray(30), &[], 1.0);
    });

    for light in [false, true] {
        for ppp in [1.0f32, 1.5] {
            let mut f = frame::run(w, h, ppp, 15, light);
            for fast in [true, false].into_iter().filter(|&f| wanted(f)) {
                let mut painter = softpaint::Painter::new();
                painter.set_textures(&f.textures);
                painter.set_fast_paths(fast);
                let mut buf = vec![0u32; w * h];
                let mut stats = None;
                let label = format!(
                    "{w}x{h} ppp {ppp} {} {}",
                    if light { "light" } else { "dark" },
                    if fast { "fast paths" } else { "general only" }
                );
                measure(&label, runs, || {
                    stats = Some(painter.paint(&mut buf, w, h, f.background, &f.primitives, ppp));
                });
                println!("    {:?}", stats.and_then(|s| s.ok()));
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
            }
            f.textures.clear();
        }
    }
}
