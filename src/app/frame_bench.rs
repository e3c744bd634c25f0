//! `--measure-frames N`: redraw continuously, measure the CPU each redrawn frame costs, log the figures and the per-thread breakdown, then exit (used by `scripts/measure-app.sh`).
//!
//! The CPU time is the whole process's (every thread: bevy's main and render threads, the
//! task pools, the software rasteriser's threads), read at the end of each frame; a
//! frame's cost is the difference from the previous frame. Frames before [`WARM_UP`] are
//! not measured (shader compilation, font upload, first layout).

use bevy::prelude::*;
use bevy::winit::WinitSettings;
use std::collections::BTreeMap;
use std::time::Duration;

/// Frames run before measuring.
pub const WARM_UP: u32 = 30;

/// How many frames to measure.
#[derive(Resource, Debug, Clone, Copy)]
pub struct MeasureFrames(pub u32);

#[derive(Resource, Debug, Default)]
struct Bench {
    frames: u32,
    last: Option<Duration>,
    costs: Vec<Duration>,
    threads_at_start: BTreeMap<String, Duration>,
    /// The software presenter's paint and present times, one per painted frame.
    paint: Vec<Duration>,
    present: Vec<Duration>,
    painted_frames: u64,
}

/// The middle value, picked as [`Report`] picks its median.
fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v.get(((v.len() as f64 - 1.0) * 0.5).round() as usize)
        .copied()
        .unwrap_or_default()
}

/// Adds the measurement; the app runs continuously (no idle policy) until it is done.
pub(crate) fn plugin(app: &mut App) {
    app.insert_resource(WinitSettings::continuous())
        .init_resource::<Bench>()
        .add_systems(Last, measure);
}

fn measure(
    mut bench: ResMut<Bench>,
    want: Res<MeasureFrames>,
    painted: Option<Res<crate::app::soft_present::PaintTimes>>,
    mut exit: MessageWriter<AppExit>,
) {
    bench.frames += 1;
    if bench.frames > WARM_UP
        && let Some(p) = painted.filter(|p| p.frames > 0 && p.frames != bench.painted_frames)
    {
        bench.painted_frames = p.frames;
        bench.paint.push(p.paint);
        bench.present.push(p.present);
    }
    let Some(now) = crate::app::cpu_time::process_cpu() else {
        error!("--measure-frames: this platform gives no process CPU time");
        exit.write(AppExit::from_code(2));
        return;
    };
    if bench.frames == WARM_UP {
        bench.threads_at_start = thread_cpu();
    }
    if bench.frames > WARM_UP
        && let Some(last) = bench.last
    {
        bench.costs.push(now.saturating_sub(last));
    }
    bench.last = Some(now);
    if bench.costs.len() as u32 >= want.0.max(1) {
        let report = Report::new(&bench.costs, &bench.threads_at_start, &thread_cpu());
        let mut text = report.render();
        if !bench.paint.is_empty() {
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            text.push_str(&format!(
                "\n  of which the software presenter (main thread): paint {:.2} ms, present {:.2} ms (medians over {} frames)",
                ms(median(&bench.paint)),
                ms(median(&bench.present)),
                bench.paint.len()
            ));
        }
        info!("{text}");
        exit.write(AppExit::Success);
    }
}

/// The figures of one measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub frames: usize,
    pub median: Duration,
    pub p90: Duration,
    /// CPU per frame by thread kind (thread names with their numbers removed), largest first.
    pub by_thread: Vec<(String, Duration)>,
}

impl Report {
    /// Sorts the frame costs and shares the threads' CPU out over the frames.
    pub(crate) fn new(
        costs: &[Duration],
        threads_before: &BTreeMap<String, Duration>,
        threads_after: &BTreeMap<String, Duration>,
    ) -> Report {
        let mut sorted = costs.to_vec();
        sorted.sort();
        let at = |q: f64| {
            sorted
                .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or_default()
        };
        let n = costs.len().max(1) as u32;
        let mut by_kind: BTreeMap<String, Duration> = BTreeMap::new();
        for (key, after) in threads_after {
            let before = threads_before.get(key).copied().unwrap_or_default();
            let name = key
                .rsplit_once(" (")
                .map_or(key.as_str(), |(name, _tid)| name);
            *by_kind.entry(thread_kind(name)).or_default() += after.saturating_sub(before);
        }
        let mut by_thread: Vec<(String, Duration)> = by_kind
            .into_iter()
            .map(|(k, d)| (k, d / n))
            .filter(|(_, d)| !d.is_zero())
            .collect();
        by_thread.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Report {
            frames: costs.len(),
            median: at(0.5),
            p90: at(0.9),
            by_thread,
        }
    }

    /// One line the measurement script reads, then the breakdown.
    pub(crate) fn render(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mut s = format!(
            "frame cpu: median {:.2} ms, p90 {:.2} ms over {} frames",
            ms(self.median),
            ms(self.p90),
            self.frames
        );
        for (kind, d) in &self.by_thread {
            s.push_str(&format!("\n  {kind}: {:.2} ms per frame", ms(*d)));
        }
        s
    }
}

/// "llvmpipe-3" → "llvmpipe-#", "Compute Task Pool (1)" → "Compute Task Pool (#)".
fn thread_kind(name: &str) -> String {
    let mut out = String::new();
    let mut in_digits = false;
    for c in name.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    out
}

/// CPU time per thread, keyed by "name (tid)", from /proc (Linux; empty elsewhere).
fn thread_cpu() -> BTreeMap<String, Duration> {
    let mut out = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    // SAFETY: sysconf with a constant name has no preconditions.
    #[cfg(unix)]
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    #[cfg(not(unix))]
    let hz = 100u64;
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // "tid (name) S ppid …": the name may hold spaces, so split at the last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = &stat[open + 1..close];
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // After the name: state is field 0; utime and stime are fields 11 and 12.
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let cpu = Duration::from_micros((ticks(11) + ticks(12)) * 1_000_000 / hz);
        out.insert(
            format!("{name} ({})", task.file_name().to_string_lossy()),
            cpu,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn median_and_p90_of_frame_costs() {
        let costs: Vec<Duration> = (1..=10).rev().map(ms).collect();
        let r = Report::new(&costs, &BTreeMap::new(), &BTreeMap::new());
        assert_eq!(r.frames, 10);
        // Nearest rank on 0-based positions: 0.5 × 9 = 4.5 → 5 (6 ms); 0.9 × 9 = 8.1 → 8.
        assert_eq!(r.median, ms(6));
        assert_eq!(r.p90, ms(9));
    }

    #[test]
    fn threads_are_grouped_by_kind_and_shared_over_frames() {
        let before = BTreeMap::from([
            ("llvmpipe-0 (11)".to_string(), ms(100)),
            ("llvmpipe-1 (12)".to_string(), ms(100)),
            ("main (10)".to_string(), ms(50)),
        ]);
        let after = BTreeMap::from([
            ("llvmpipe-0 (11)".to_string(), ms(300)),
            ("llvmpipe-1 (12)".to_string(), ms(200)),
            ("main (10)".to_string(), ms(150)),
            ("idle (13)".to_string(), ms(0)),
        ]);
        let r = Report::new(&[ms(1); 10], &before, &after);
        assert_eq!(
            r.by_thread,
            vec![
                ("llvmpipe-#".to_string(), ms(30)),
                ("main".to_string(), ms(10)),
            ]
        );
        assert!(
            r.render()
                .starts_with("frame cpu: median 1.00 ms, p90 1.00 ms over 10 frames")
        );
    }

    #[test]
    fn this_process_has_cpu_time_and_threads() {
        if cfg!(target_os = "linux") {
            assert!(crate::app::cpu_time::process_cpu().is_some());
            assert!(crate::app::cpu_time::calling_thread_cpu().is_some());
            assert!(!thread_cpu().is_empty());
        }
    }
}
