//! Benchmark: full `validate_source` against bare RON deserialisation (`load::parse_str`).
//!
//! Generates realistic valid scenarios (50 steps, 3 offered replies per step plus a
//! timeout reply on every fifth step, bilingual texts, citations, triggers) as RON text,
//! one at a time so memory stays flat, and times parse-only and full validation of each
//! text, alternating which runs first. Prints totals, per-scenario µs and the ratio
//! validate / parse for 1,000, 2,000, 5,000 and 10,000 scenarios. Target: ratio ≤ 1.5.
//!
//! Run: `cargo bench --no-default-features --bench validate` (add `-- --quick` for a
//! 100 / 200 / 500 / 1,000 run).

use courtesy::core::load::parse_str;
use courtesy::core::validate::validate_source;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const STEPS: usize = 50;
const RULES: &[&str] = &[
    "R", "M", "S", "L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9", "L10", "L11", "B1", "B2",
    "B3",
];
const ZH: &[&str] = &[
    "您好,请问有什么可以帮您?",
    "非常抱歉给您带来不便,我马上为您查询。",
    "请您稍等,我们会尽快为您处理。",
    "这是我们的失误,谢谢您的指正。",
    "您看这样解决好吗?",
    "我理解您的心情,我们一起想办法。",
];
const EN: &[&str] = &[
    "Hello, how can I help you today?",
    "I'm very sorry for the trouble; let me check that for you right away.",
    "Could you wait a moment? We'll sort it out as fast as we can.",
    "That was our mistake; thank you for pointing it out.",
    "How about we solve it this way?",
    "I understand how you feel; let's find a way together.",
];

fn text(out: &mut String, seed: usize) {
    let _ = write!(
        out,
        "{{\"zh-CN\": \"{}\", \"en\": \"{}\"}}",
        ZH[seed % ZH.len()],
        EN[(seed / 3) % EN.len()]
    );
}

/// A valid scenario (no finding at all) as RON text; `seed` varies ids and texts.
fn scenario(seed: usize, break_one: bool) -> String {
    let mut s = String::with_capacity(96 * 1024);
    let _ = write!(
        s,
        "// generated scenario {seed}\nScenario(\n    id: \"generated-{seed}\",\n    locales: [\"zh-CN\", \"en\"],\n    title: "
    );
    text(&mut s, seed);
    s.push_str(",\n    category: ");
    text(&mut s, seed + 1);
    s.push_str(",\n    difficulty: Intermediate,\n    minutes: 12,\n    briefing: ");
    text(&mut s, seed + 2);
    s.push_str(",\n    goal: ");
    text(&mut s, seed + 3);
    s.push_str(",\n    customer: (\n        name: ");
    text(&mut s, seed + 4);
    s.push_str(",\n        wants: ");
    text(&mut s, seed + 5);
    s.push_str(",\n        special_needs: ");
    text(&mut s, seed + 6);
    s.push_str(
        ",\n    ),\n    start_mood: 40,\n    scoring: (\n        pass_mark: 70,\n        weights: (respect: 2, moderation: 1, self_discipline: 1.5),\n        floors: (respect: 50),\n    ),\n    start: \"s0\",\n    triggers: [\n        (when: Below(10), goto: \"left\"),\n        (when: Above(95), goto: \"resolved\"),\n    ],\n    steps: [\n",
    );
    for i in 0..STEPS {
        let next = if i + 1 < STEPS {
            format!("s{}", i + 1)
        } else {
            "resolved".to_string()
        };
        let skip = if i + 2 < STEPS {
            format!("s{}", i + 2)
        } else {
            "escalated".to_string()
        };
        let timed = i % 5 == 4;
        let _ = write!(
            s,
            "        (\n            id: \"s{i}\",\n            says: ["
        );
        text(&mut s, seed + i);
        s.push_str(", ");
        text(&mut s, seed + i + 7);
        s.push_str("],\n");
        if timed {
            s.push_str("            time_limit: 20,\n            on_timeout: \"silent\",\n");
        }
        s.push_str("            replies: [\n");
        let replies: [(&str, &str, i32, &str); 3] = [
            (
                "best",
                "(respect: 2, moderation: 1, self_discipline: 2)",
                10,
                &next,
            ),
            (
                "okay",
                "(respect: 0, moderation: 1, self_discipline: 0)",
                -5,
                &skip,
            ),
            (
                "poor",
                "(respect: -2, moderation: -1, self_discipline: -1)",
                -20,
                "left",
            ),
        ];
        for (k, (id, ratings, mood, target)) in replies.iter().enumerate() {
            let target = if break_one && i == STEPS / 2 && k == 0 {
                "nowhere"
            } else {
                target
            };
            let _ = write!(
                s,
                "                (\n                    id: \"{id}\",\n                    text: "
            );
            text(&mut s, seed + i * 3 + k);
            let _ = write!(
                s,
                ",\n                    ratings: {ratings},\n                    mood: {mood},\n                    feedback: "
            );
            text(&mut s, seed + i * 5 + k);
            let _ = write!(
                s,
                ",\n                    cite: [\"{}\", \"{}\"],\n                    next: \"{target}\",\n                ),\n",
                RULES[(seed + i + k) % RULES.len()],
                RULES[(seed + i + k + 5) % RULES.len()]
            );
        }
        if timed {
            s.push_str("                (\n                    id: \"silent\",\n                    text: {\"zh-CN\": \"(沉默)\", \"en\": \"(says nothing)\"},\n                    ratings: (respect: -1, moderation: 0, self_discipline: -1),\n                    mood: -10,\n                    feedback: ");
            text(&mut s, seed + i);
            let _ = write!(
                s,
                ",\n                    cite: [\"B3\"],\n                    next: \"{next}\",\n                    timeout_only: true,\n                ),\n"
            );
        }
        s.push_str("            ],\n        ),\n");
    }
    s.push_str("    ],\n    endings: [\n");
    for (id, outcome) in [
        ("resolved", "Resolved"),
        ("escalated", "Escalated"),
        ("left", "CustomerLeft"),
    ] {
        let _ = write!(s, "        (id: \"{id}\", outcome: {outcome}, text: ");
        text(&mut s, seed + id.len());
        s.push_str("),\n");
    }
    s.push_str("    ],\n)\n");
    s
}

struct Run {
    n: usize,
    bytes: usize,
    parse: Duration,
    validate: Duration,
}

fn run(n: usize, first_seed: usize) -> Run {
    let path = Path::new("generated.ron");
    let mut parse = Duration::ZERO;
    let mut validate = Duration::ZERO;
    let mut bytes = 0;
    for i in 0..n {
        let src = scenario(first_seed + i, false);
        bytes += src.len();
        let time_parse = |total: &mut Duration| {
            let t = Instant::now();
            let r = black_box(parse_str(black_box(&src)));
            drop(r);
            *total += t.elapsed();
        };
        let time_validate = |total: &mut Duration| {
            let t = Instant::now();
            let r = black_box(validate_source(path, black_box(&src)));
            let clean = r.findings.is_empty();
            drop(r);
            *total += t.elapsed();
            clean
        };
        // Alternate the order so neither side always gets the warm cache.
        let clean = if i % 2 == 0 {
            time_parse(&mut parse);
            time_validate(&mut validate)
        } else {
            let c = time_validate(&mut validate);
            time_parse(&mut parse);
            c
        };
        assert!(clean, "generated scenario {i} is not valid");
    }
    Run {
        n,
        bytes,
        parse,
        validate,
    }
}

fn us_per(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e6 / n as f64
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes: &[usize] = if quick {
        &[100, 200, 500, 1_000]
    } else {
        &[1_000, 2_000, 5_000, 10_000]
    };
    // Sanity: the generator's output is valid and parses.
    let sample = scenario(0, false);
    let report = validate_source(Path::new("sample.ron"), &sample);
    assert!(report.findings.is_empty(), "{:?}", report.findings.first());
    println!(
        "courtesy validate benchmark: {STEPS} steps x 3 replies (+ timeout reply every 5th step), \
         zh-CN + en, {} bytes per scenario",
        sample.len()
    );
    // Warm-up.
    let _ = run(50, 9_999_000);
    println!(
        "{:>10} {:>9} {:>12} {:>12} {:>14} {:>14} {:>6}",
        "scenarios", "MiB", "parse s", "validate s", "parse us/scn", "valid. us/scn", "ratio"
    );
    let mut worst: f64 = 0.0;
    for (k, &n) in sizes.iter().enumerate() {
        let r = run(n, k * 100_000);
        let ratio = r.validate.as_secs_f64() / r.parse.as_secs_f64();
        worst = worst.max(ratio);
        println!(
            "{:>10} {:>9.1} {:>12.3} {:>12.3} {:>14.1} {:>14.1} {:>6.3}",
            r.n,
            r.bytes as f64 / (1024.0 * 1024.0),
            r.parse.as_secs_f64(),
            r.validate.as_secs_f64(),
            us_per(r.parse, r.n),
            us_per(r.validate, r.n),
            ratio
        );
    }
    // Files with a finding pay for the span locator too (for information; no target).
    let n = if quick { 100 } else { 1_000 };
    let mut t_bad = Duration::ZERO;
    for i in 0..n {
        let src = scenario(500_000 + i, true);
        let t = Instant::now();
        let r = black_box(validate_source(Path::new("broken.ron"), &src));
        t_bad += t.elapsed();
        assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
    }
    println!(
        "with one finding (dangling `next`, located): {:.1} us/scn over {n} scenarios",
        us_per(t_bad, n)
    );
    println!(
        "worst ratio validate/parse: {worst:.3} (target <= 1.5): {}",
        if worst <= 1.5 { "OK" } else { "OVER TARGET" }
    );
}
