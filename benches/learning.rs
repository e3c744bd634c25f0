//! Benchmark: mastery + "Practise next" for 200 trainees × 50 attempts over the shipped scenarios.
//!
//! Synthetic evidence: each trainee plays 50 attempts of shipped scenarios (picked by a
//! seeded generator), each attempt with the best, a random or the worst strategy in a mix
//! that depends on the trainee's skill, spread over the 60 days before "now"; every
//! transcript entry becomes a [`Choice`] through the scenario model. Generation is not
//! timed. Timed: for every trainee, [`mastery`] and [`recommend`] (top 5) from that
//! trainee's evidence, once the catalogue is built (also timed, separately). Prints the
//! fastest and the median of several passes.
//!
//! Run: `cargo bench --no-default-features --bench learning` (`-- --quick`: 20 trainees).

use courtesy::core::learning::{
    Catalogue, Choice, DAY_MS, MasteryParams, due_rules, mastery, recommend,
};
use courtesy::core::library::Library;
use courtesy::core::model::Scenario;
use courtesy::core::strategy::{Strategy, play};
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ATTEMPTS: usize = 50;
const PASSES: usize = 7;
/// 2026-12-01T00:00:00Z: "now" of the benchmark.
const NOW: i64 = 1_796_083_200_000;

/// SplitMix64: a small seeded generator so the evidence is the same on every run.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn evidence(lib: &[Arc<Scenario>], trainee: usize) -> Vec<Choice> {
    let mut rng = Mix(0xC0FF_EE00 + trainee as u64);
    // Skill from 0.1 to 0.9 across the cohort: the share of attempts played best.
    let skill = 0.1 + 0.8 * (trainee % 100) as f64 / 99.0;
    let mut out = Vec::new();
    for a in 0..ATTEMPTS {
        let sc = &lib[(rng.next() % lib.len() as u64) as usize];
        let roll = rng.unit();
        let strategy = if roll < skill {
            Strategy::Best
        } else if roll < skill + (1.0 - skill) * 0.7 {
            Strategy::Random
        } else {
            Strategy::Worst
        };
        let seed = rng.next();
        let result = match play(Arc::clone(sc), seed, "en", &strategy) {
            Ok(r) => r,
            Err(e) => panic!("{} does not play: {e}", sc.id),
        };
        let start = NOW - 60 * DAY_MS
            + (a as i64) * (60 * DAY_MS / ATTEMPTS as i64)
            + (rng.next() % 3_600_000) as i64;
        for (i, t) in result.transcript.iter().enumerate() {
            let at = start + 20_000 * i as i64;
            if let Some(c) = Choice::from_model(sc, &t.step_id, &t.chosen, at) {
                out.push(c);
            }
        }
    }
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let trainees = if quick { 20 } else { 200 };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let lib = match Library::load_dir(&dir) {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    };
    let scenarios: Vec<Arc<Scenario>> = lib
        .scenarios
        .iter()
        .map(|s| Arc::clone(&s.scenario))
        .collect();
    assert!(!scenarios.is_empty(), "no shipped scenarios");

    let gen_start = Instant::now();
    let cohort: Vec<Vec<Choice>> = (0..trainees).map(|t| evidence(&scenarios, t)).collect();
    let generated = gen_start.elapsed();
    let choices: usize = cohort.iter().map(Vec::len).sum();
    println!(
        "courtesy learning benchmark: {trainees} trainees x {ATTEMPTS} attempts over {} shipped \
         scenarios = {choices} recorded choices ({:.1} per trainee); generated in {:.2} s (not timed)",
        scenarios.len(),
        choices as f64 / trainees as f64,
        generated.as_secs_f64()
    );

    let t = Instant::now();
    let catalogue = Catalogue::from_scenarios(scenarios.iter().map(|s| s.as_ref()));
    let cat_time = t.elapsed();

    let params = MasteryParams::default();
    let (mut m_times, mut r_times, mut both) = (Vec::new(), Vec::new(), Vec::new());
    let mut cards = 0usize;
    let mut due_total = 0usize;
    for pass in 0..PASSES {
        let (mut tm, mut tr) = (Duration::ZERO, Duration::ZERO);
        let all = Instant::now();
        for ev in &cohort {
            let t = Instant::now();
            black_box(mastery(black_box(ev), NOW, &params));
            tm += t.elapsed();
            let t = Instant::now();
            let recs = recommend(&catalogue, black_box(ev), NOW, 5);
            tr += t.elapsed();
            if pass == 0 {
                cards += recs.len();
                due_total += due_rules(ev, NOW).len();
            }
            black_box(recs);
        }
        both.push(all.elapsed());
        m_times.push(tm);
        r_times.push(tr);
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / trainees as f64;
    let (bm, br, bb) = (
        *m_times.iter().min().unwrap_or(&Duration::ZERO),
        *r_times.iter().min().unwrap_or(&Duration::ZERO),
        *both.iter().min().unwrap_or(&Duration::ZERO),
    );
    let (mm, mr, mb) = (median(m_times), median(r_times), median(both));
    println!(
        "catalogue: {:.1} us ({} scenarios)",
        cat_time.as_secs_f64() * 1e6,
        catalogue.entries.len()
    );
    println!(
        "{:<26} {:>12} {:>12} {:>16}",
        "", "fastest ms", "median ms", "median us/trainee"
    );
    for (name, f, m) in [
        ("mastery", bm, mm),
        ("recommend (top 5)", br, mr),
        ("mastery + recommend", bb, mb),
    ] {
        println!(
            "{:<26} {:>12.2} {:>12.2} {:>16.1}",
            name,
            f.as_secs_f64() * 1e3,
            m.as_secs_f64() * 1e3,
            per(m)
        );
    }
    println!(
        "due rules per trainee at now: {:.1}; Practise-next cards: {:.1}",
        due_total as f64 / trainees as f64,
        cards as f64 / trainees as f64
    );
}
