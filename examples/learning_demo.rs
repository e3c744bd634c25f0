//! Seeds a records store with four weeks of one trainee's attempts, for the "Practise next" and "My progress" screenshots.
//!
//! ```sh
//! cargo run --no-default-features --example learning_demo -- /tmp/demo "Wang Fang"
//! courtesy app --data-dir /tmp/demo --name "Wang Fang" --screen library --screenshot out.png
//! ```
//!
//! The trainee gets steadily better over 28 days (more best replies), except that this
//! week they twice answered with a flat "no" (rule L10), so L10 is overdue for practice.
//! Deterministic: the same folder contents every run.

use courtesy_engine::library::Library;
use courtesy_engine::model::Scenario;
use courtesy_engine::session::{AttemptResult, Current, Session, best_reply};
use courtesy_records::records::{Source as RecSource, Store};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

const DAY_MS: i64 = 86_400_000;

/// A small deterministic generator (no dependency needed for a demo).
struct Lcg(u64);

impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Plays `sc`: the best reply with probability `p_best`, else a random offered one; with
/// `flat_no`, a reply that breaks L10 the first time one is offered.
fn play(
    sc: &Arc<Scenario>,
    seed: u64,
    p_best: f64,
    flat_no: bool,
    rng: &mut Lcg,
) -> Option<AttemptResult> {
    let mut s = Session::start(Arc::clone(sc), seed, "en").ok()?;
    let mut flat_no = flat_no;
    while let Current::Step(v) = s.current().clone() {
        let step = sc.step(&v.step_id)?;
        let offered: Vec<_> = v.replies.iter().filter_map(|o| step.reply(&o.id)).collect();
        let l10 = offered.iter().find(|r| {
            r.cite.iter().any(|c| c == "L10")
                && sc.principles.iter().any(|p| r.ratings.rating(*p) < 0)
        });
        let pick = match l10 {
            Some(r) if flat_no => {
                flat_no = false;
                r.id.clone()
            }
            _ if rng.unit() < p_best => best_reply(step, &sc.principles)?.id.clone(),
            _ => {
                let i = (rng.unit() * offered.len() as f64) as usize;
                offered
                    .get(i.min(offered.len().saturating_sub(1)))?
                    .id
                    .clone()
            }
        };
        s.choose(
            &pick,
            Duration::from_millis(4_000 + (rng.unit() * 8_000.0) as u64),
        )
        .ok()?;
    }
    s.finish().ok()
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(name)) = (args.next(), args.next()) else {
        eprintln!("usage: learning_demo <data-dir> <trainee name>");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let scenarios = match Library::load_dir(&shipped) {
        Ok(lib) => lib
            .scenarios
            .into_iter()
            .map(|e| e.scenario)
            .collect::<Vec<_>>(),
        Err(e) => {
            eprintln!("learning_demo: cannot load the shipped scenarios: {e}");
            return ExitCode::FAILURE;
        }
    };
    let store = match Store::open_in(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("learning_demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A store opened directly records no station until it is given one.
    store.set_station(Some("demo"));
    let now = courtesy_records::records::time::now_ms();
    let seed: u64 = std::env::var("DEMO_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let mut rng = Lcg(seed);
    // (days ago, scenario, flat "no" on purpose)
    let plan: Vec<(i64, &str, bool)> = vec![
        (27, "lost-parcel", false),
        (26, "angry-customer", false),
        (24, "rude-caller", false),
        (22, "wrong-facts", false),
        (20, "late-technician", false),
        (19, "lost-parcel", false),
        (17, "missed-callback", false),
        (15, "angry-customer", false),
        (13, "hesitant-customer", false),
        (12, "refund-outside-policy", false),
        (10, "wrong-facts", false),
        (8, "rude-caller", false),
        (6, "late-technician", false),
        (5, "refund-outside-policy", false),
        (4, "provocative-chat", true),
        (2, "rude-caller", true),
    ];
    let mut played: Vec<(AttemptResult, i64)> = Vec::new();
    for (k, (ago, id, flat_no)) in plan.iter().enumerate() {
        let Some(sc) = scenarios.iter().find(|s| s.id == *id) else {
            eprintln!("learning_demo: no scenario `{id}`");
            return ExitCode::FAILURE;
        };
        // Early on a slip now and then; then the best reply, bar the flat "no".
        let p_best = if k < 8 { 0.97 } else { 1.0 };
        let at = now - ago * DAY_MS - 5 * 3_600_000;
        match play(sc, 100 + k as u64, p_best, *flat_no, &mut rng) {
            Some(r) => played.push((r, at)),
            None => {
                eprintln!("learning_demo: `{id}` did not play to an end");
                return ExitCode::FAILURE;
            }
        }
    }
    match store.import_finished(&name, &played, 900_000, RecSource::Import) {
        Ok(ids) => {
            println!("{} attempts for {name} in {}", ids.len(), dir.display());
            let ev = store
                .trainee_evidence(&name, scenarios.iter().map(|s| s.as_ref()))
                .map(|e| e.choices)
                .unwrap_or_default();
            for d in courtesy_engine::learning::due_rules(&ev, now)
                .iter()
                .take(5)
            {
                println!(
                    "due: {} ({} days overdue, {} breaks this week)",
                    d.rule,
                    d.overdue_days(),
                    d.breaks_this_week
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("learning_demo: {e}");
            ExitCode::FAILURE
        }
    }
}
