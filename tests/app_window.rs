//! A real window: opens the conversation screen of every shipped scenario (in both
//! languages) under a display, saves a screenshot, and fails if the window never appears,
//! the image is blank, or flat areas are not the theme's colours byte for byte.
//!
//! Needs an X display and a Vulkan driver, so it is ignored in a plain `cargo test`. Run:
//!
//! ```sh
//! xvfb-run -a -s "-screen 0 1280x800x24" cargo test --test app_window -- --ignored
//! ```
#![cfg(feature = "app")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;
/// Longest a single screenshot run may take (a debug build under lavapipe takes ~5 s).
const LIMIT: Duration = Duration::from_secs(120);

fn shipped_scenarios() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let (entries, skipped) =
        courtesy::app::loader::load_dir(&dir).expect("the shipped scenarios load");
    assert!(
        skipped.is_empty(),
        "unreadable shipped scenarios: {skipped:?}"
    );
    entries.iter().map(|e| e.scenario.id.clone()).collect()
}

/// Runs the app to a screenshot; panics with its output if it fails or hangs.
fn screenshot(id: &str, locale: &str, out: &Path) {
    screenshot_with(id, locale, "auto", out)
}

/// As [`screenshot`], drawn by the given presenter (`--renderer`).
fn screenshot_with(id: &str, locale: &str, renderer: &str, out: &Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_courtesy"))
        .args([
            "app",
            "--scenario",
            id,
            "--seed",
            "7",
            "--screen",
            "conversation",
            "--timers",
            "off",
        ])
        .args([
            "--locale",
            locale,
            "--size",
            &format!("{WIDTH}x{HEIGHT}"),
            "--renderer",
            renderer,
            "--screenshot",
        ])
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the courtesy binary starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait on the app") {
            break status;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{id} ({locale}): no screenshot after {LIMIT:?}; the window never appeared");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output().expect("app output");
    assert!(
        status.success(),
        "{id} ({locale}): the app failed with {status}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Fails if the image is missing, the wrong size, or (nearly) one flat colour.
fn assert_not_blank(path: &Path) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: not a readable image: {e}", path.display()))
        .to_rgb8();
    assert_eq!(
        (img.width(), img.height()),
        (WIDTH, HEIGHT),
        "{}: wrong size",
        path.display()
    );
    let mut counts = std::collections::HashMap::<[u8; 3], u32>::new();
    for p in img.pixels() {
        *counts.entry(p.0).or_default() += 1;
    }
    let total = img.width() * img.height();
    let background = counts.values().copied().max().unwrap_or(0);
    let drawn = total - background;
    assert!(
        counts.len() > 50 && drawn > total / 50,
        "{}: looks blank ({} colours, {drawn} of {total} pixels off the background)",
        path.display(),
        counts.len()
    );
}

/// Fails unless flat areas come out in exactly the theme's colours: the window's
/// background (the camera's clear colour, through bevy's blit only) is the most common
/// colour, and the reply buttons' fill (drawn by egui's shader) covers at least 2 % of the
/// window byte for byte. A gamma slip in the compositing (an sRGB/linear mix-up in egui's
/// shader, the font texture's view or the blit) shifts both, yet leaves text readable.
fn assert_theme_colours(path: &Path) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: not a readable image: {e}", path.display()))
        .to_rgb8();
    let mut counts = std::collections::HashMap::<[u8; 3], u32>::new();
    for p in img.pixels() {
        *counts.entry(p.0).or_default() += 1;
    }
    let style = courtesy::app::theme::style(&courtesy::app::flow::Settings::default());
    let rgb = |c: bevy_egui::egui::Color32| [c.r(), c.g(), c.b()];
    let background = rgb(style.visuals.panel_fill);
    let button = rgb(style.visuals.widgets.inactive.weak_bg_fill);
    let most = counts.iter().max_by_key(|(_, n)| **n).map(|(c, _)| *c);
    assert_eq!(
        most,
        Some(background),
        "{}: the most common colour is not the theme's background",
        path.display()
    );
    let total = img.width() * img.height();
    let buttons = counts.get(&button).copied().unwrap_or(0);
    assert!(
        buttons >= total / 50,
        "{}: the reply buttons' fill {button:?} covers {buttons} of {total} pixels (want ≥ 2 %); \
         nearest colours: {:?}",
        path.display(),
        {
            let mut near: Vec<_> = counts
                .iter()
                .filter(|(c, _)| c.iter().zip(button).all(|(a, b)| a.abs_diff(b) <= 8))
                .map(|(c, n)| (*c, *n))
                .collect();
            near.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
            near.truncate(3);
            near
        }
    );
}

#[test]
#[ignore = "needs a display and a Vulkan driver: xvfb-run -a -s \"-screen 0 1280x800x24\" cargo test --test app_window -- --ignored"]
fn conversation_screen_renders_for_every_shipped_scenario() {
    let ids = shipped_scenarios();
    assert!(!ids.is_empty(), "no shipped scenarios");
    let dir = tempfile::tempdir().expect("temp dir");
    let keep = std::env::var_os("COURTESY_KEEP_SCREENSHOTS").map(PathBuf::from);
    for id in &ids {
        for locale in ["en", "zh-CN"] {
            let out = keep
                .as_deref()
                .unwrap_or(dir.path())
                .join(format!("{id}-{locale}.png"));
            screenshot(id, locale, &out);
            assert_not_blank(&out);
            assert_theme_colours(&out);
        }
    }
}

/// How two screenshots of one screen differ: pixels that differ at all, and the largest
/// channel difference.
fn difference(a: &Path, b: &Path) -> (u64, u8) {
    let a = image::open(a).expect("first image").to_rgb8();
    let b = image::open(b).expect("second image").to_rgb8();
    assert_eq!(
        a.dimensions(),
        b.dimensions(),
        "the two screenshots differ in size"
    );
    let mut pixels = 0;
    let mut max = 0;
    for (p, q) in a.pixels().zip(b.pixels()) {
        let d =
            p.0.iter()
                .zip(q.0)
                .map(|(x, y)| x.abs_diff(y))
                .max()
                .unwrap_or(0);
        if d > 0 {
            pixels += 1;
            max = max.max(d);
        }
    }
    (pixels, max)
}

/// The software presenter (egui painted on the CPU, `src/app/soft_present.rs`) and the GPU
/// path draw the same screen: both pass the theme checks, and they differ only on a small
/// share of pixels (anti-aliased edges, where the two round differently), never by more
/// than a few levels.
#[test]
#[ignore = "needs a display and a Vulkan driver: xvfb-run -a -s \"-screen 0 1280x800x24\" cargo test --test app_window -- --ignored"]
fn the_software_presenter_draws_what_the_gpu_path_draws() {
    let dir = tempfile::tempdir().expect("temp dir");
    let keep = std::env::var_os("COURTESY_KEEP_SCREENSHOTS").map(PathBuf::from);
    let total = u64::from(WIDTH * HEIGHT);
    for id in ["angry-customer", "special-medical-needs"] {
        for locale in ["en", "zh-CN"] {
            let at = |r: &str| {
                keep.as_deref()
                    .unwrap_or(dir.path())
                    .join(format!("{id}-{locale}-{r}.png"))
            };
            for r in ["gpu", "software"] {
                screenshot_with(id, locale, r, &at(r));
                assert_not_blank(&at(r));
                assert_theme_colours(&at(r));
            }
            let (pixels, max) = difference(&at("gpu"), &at("software"));
            eprintln!("{id} ({locale}): {pixels} of {total} pixels differ, by at most {max}/255");
            // Measured: ~380 pixels, by 1/255 (rounding on anti-aliased edges).
            assert!(
                pixels <= 2_000 && max <= 2,
                "{id} ({locale}): the presenters differ on {pixels} of {total} pixels, by up \
                 to {max}/255 (want ≤ 2,000 pixels, by ≤ 2)"
            );
        }
    }
}

/// Runs `cmd`, returns its stdout; panics with its stderr if it fails.
fn run_tool(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} (xdotool, xwd and ImageMagick): {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A window the user resizes is laid out again at its new size at once, with no input,
/// by both presenters: the reply buttons' fill reaches past the old width. (Before the
/// fix the layout stayed at the old size in the window's corner until the next key.)
#[test]
#[ignore = "needs a display, a Vulkan driver, xdotool, xwd and ImageMagick: xvfb-run -a -s \"-screen 0 1280x800x24\" cargo test --test app_window -- --ignored"]
fn a_resized_window_is_laid_out_at_its_new_size() {
    let style = courtesy::app::theme::style(&courtesy::app::flow::Settings::default());
    let fill = style.visuals.widgets.inactive.weak_bg_fill;
    let fill = [fill.r(), fill.g(), fill.b()];
    let dir = tempfile::tempdir().expect("temp dir");
    for renderer in ["gpu", "software"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_courtesy"))
            .args(["app", "--scenario", "lost-parcel", "--seed", "7"])
            .args([
                "--screen",
                "conversation",
                "--timers",
                "off",
                "--locale",
                "en",
            ])
            .args(["--size", "900x600", "--renderer", renderer])
            .env("COURTESY_DATA_DIR", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the courtesy binary starts");
        let pid = child.id().to_string();
        let start = Instant::now();
        let window = loop {
            let found = Command::new("xdotool")
                .args(["search", "--all", "--onlyvisible", "--pid", &pid])
                .output()
                .expect("xdotool runs");
            let ids = String::from_utf8_lossy(&found.stdout).to_string();
            if let Some(id) = ids.split_whitespace().next() {
                break id.to_string();
            }
            if start.elapsed() > LIMIT {
                let _ = child.kill();
                panic!("{renderer}: the window never appeared");
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        let png = dir.path().join(format!("resized-{renderer}.png"));
        let fill_at = |img: &image::RgbImage, from_x: u32| {
            img.enumerate_pixels()
                .filter(|(x, _, p)| *x >= from_x && p.0 == fill)
                .count()
        };
        // Wait for the first frame (a debug build under lavapipe, beside the other tests'
        // apps, can take several seconds), then resize. The screen is idle (no timer, no
        // input), so whatever lays it out again after this is the resize's doing.
        let drawn = poll(LIMIT, || {
            let img = capture(&window, &png);
            (fill_at(&img, 0) > 5_000).then_some(())
        });
        if drawn.is_none() {
            let _ = child.kill();
            panic!("{renderer}: the window never showed the reply buttons");
        }
        run_tool(Command::new("xdotool").args(["windowsize", &window, "1200", "760"]));
        let img = poll(Duration::from_secs(20), || {
            let img = capture(&window, &png);
            (img.dimensions() == (1200, 760) && fill_at(&img, 950) > 5_000).then_some(img)
        })
        .unwrap_or_else(|| capture(&window, &png));
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            img.dimensions(),
            (1200, 760),
            "{renderer}: the window's size"
        );
        let beyond = fill_at(&img, 950);
        assert!(
            beyond > 5_000,
            "{renderer}: {beyond} pixels of the reply buttons' fill lie past the old width \
             (x ≥ 950): the layout did not follow the resize"
        );
    }
}

/// The window's pixels now (xwd, through ImageMagick into `png`).
fn capture(window: &str, png: &Path) -> image::RgbImage {
    let xwd = run_tool(Command::new("xwd").args(["-id", window, "-silent"]));
    let mut convert = Command::new("convert")
        .args(["xwd:-", &png.to_string_lossy()])
        .stdin(Stdio::piped())
        .spawn()
        .expect("ImageMagick's convert runs");
    std::io::Write::write_all(convert.stdin.as_mut().expect("stdin"), &xwd).expect("pipe");
    assert!(convert.wait().expect("convert").success());
    image::open(png).expect("the window's image").to_rgb8()
}

/// `check` every half second until it gives a value or `limit` has passed.
fn poll<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if start.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
