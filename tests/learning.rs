//! The learning model (src/core/learning): verdicts on shipped replies, hand-computed
//! mastery (the worked example of docs/learning.md), spacing on a simulated clock, and
//! "Practise next" over the shipped scenarios.

use courtesy::core::learning::mastery::{estimate, weight};
use courtesy::core::learning::spacing::schedule_of;
use courtesy::core::learning::{
    Catalogue, Choice, DAY_MS, MasteryParams, Verdict, due_rules, mastery, recommend, schedules,
    verdict,
};
use courtesy::core::library::Library;
use courtesy::core::load::parse_str;
use courtesy::core::model::{Principle, Scenario};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// 2026-10-19T09:00:00Z: day 0 of the examples.
const T0: i64 = 1_792_400_400_000;

fn day(d: i64) -> i64 {
    T0 + d * DAY_MS
}

fn shipped() -> Vec<Scenario> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let lib = Library::load_dir(&dir).expect("scenarios/ loads");
    assert!(
        lib.scenarios.len() >= 10,
        "expected the shipped scenarios, found {}",
        lib.scenarios.len()
    );
    lib.scenarios
        .iter()
        .map(|s| s.scenario.as_ref().clone())
        .collect()
}

fn fixture() -> Scenario {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/scoring-case.ron"
    ))
    .expect("fixture readable");
    parse_str(&src).expect("fixture parses")
}

/// A choice as recorded, given only what the verdict reads: respect / moderation /
/// self-discipline ratings, citations, best, critical.
fn choice(at_ms: i64, r: [i64; 3], cites: &[&str], best: bool) -> Choice {
    Choice {
        at_ms,
        scenario: "s".to_string(),
        step: "st".to_string(),
        reply: "r".to_string(),
        ratings: BTreeMap::from([
            (Principle::Respect, r[0]),
            (Principle::Moderation, r[1]),
            (Principle::SelfDiscipline, r[2]),
        ]),
        cites: cites.iter().map(|s| s.to_string()).collect(),
        best,
        critical: false,
        mood_before: None,
        practice: false,
    }
}

fn broken(at_ms: i64, cites: &[&str]) -> Choice {
    choice(at_ms, [-1, 0, -1], cites, false)
}

fn upheld(at_ms: i64, cites: &[&str]) -> Choice {
    choice(at_ms, [2, 2, 2], cites, true)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ---------------------------------------------------------------- verdicts

#[test]
fn verdicts_on_shipped_replies_follow_the_documented_rule() {
    let lib = shipped();
    let get = |sc: &str, step: &str, reply: &str| {
        let s = lib
            .iter()
            .find(|s| s.id == sc)
            .unwrap_or_else(|| panic!("shipped scenario {sc} missing"));
        Choice::from_model(s, step, reply, T0)
            .unwrap_or_else(|| panic!("{sc}/{step}/{reply} missing from the shipped file"))
    };
    // The step's best reply: upholds what it cites.
    let c = get("missed-callback", "will-it-be-fixed", "honest-unknown");
    assert!(c.best && c.cites.contains(&"L10".to_string()));
    assert_eq!(verdict(&c), Verdict::Upheld);
    // Not the best and rated below zero: breaks what it cites.
    let c = get("angry-customer", "promise-check", "blame-supervisor");
    assert!(!c.best);
    assert_eq!(verdict(&c), Verdict::Broken);
    // Not the best, nothing below zero: mixed feedback, counts neither way.
    let c = get("public-complaint", "answer-here", "dm-only");
    assert!(!c.best && c.ratings.values().all(|r| *r >= 0), "{c:?}");
    assert_eq!(verdict(&c), Verdict::Unclear);
    // A critical reply breaks its rules.
    let c = get("angry-customer", "the-facts", "give-in");
    assert!(c.critical);
    assert_eq!(verdict(&c), Verdict::Broken);
    // Unknown ids give no evidence rather than a guess.
    assert!(
        Choice::from_model(&lib[0], "no-such-step", "x", T0).is_none(),
        "an unknown step must not become evidence"
    );
}

#[test]
fn critical_breaks_even_when_best_and_best_wins_over_a_negative_rating() {
    let mut c = choice(T0, [2, 2, 2], &["L10"], true);
    c.critical = true;
    assert_eq!(verdict(&c), Verdict::Broken);
    // A step where every reply rates something below zero: its best reply still upholds.
    let c = choice(T0, [2, -1, 2], &["L10"], true);
    assert_eq!(verdict(&c), Verdict::Upheld);
    let c = choice(T0, [2, -1, 2], &["L10"], false);
    assert_eq!(verdict(&c), Verdict::Broken);
}

// ---------------------------------------------------------------- mastery

#[test]
fn recency_weight_halves_every_half_life() {
    assert!(close(weight(T0, T0, 14.0), 1.0));
    assert!(close(weight(T0, day(14), 14.0), 0.5));
    assert!(close(weight(T0, day(28), 14.0), 0.25));
    assert!(close(weight(T0, day(42), 14.0), 0.125));
    // From the future (another station's clock): age 0.
    assert!(close(weight(day(3), T0, 14.0), 1.0));
}

/// The worked example of docs/learning.md, "Worked example: Li and L10".
fn worked_example() -> Vec<Choice> {
    vec![
        // day 0  angry-customer / promise-check / blame-supervisor
        choice(day(0), [0, -2, -1], &["P4", "L10"], false),
        // day 14 angry-customer / wait-time / sort-it-yourself
        choice(day(14), [-1, 0, -1], &["L10", "B3"], false),
        // day 28 missed-callback / will-it-be-fixed / honest-unknown
        choice(day(28), [2, 2, 2], &["P4", "L10"], true),
        // day 28 angry-customer / sms-misleading / system-excuse
        choice(day(28), [-1, 0, 2], &["P5", "L10"], false),
        // day 28 public-complaint / answer-here / dm-only
        choice(day(28), [0, 1, 1], &["L10", "P6"], false),
        // day 42 late-technician / her-deadline / honest-estimate
        choice(day(42), [2, 2, 2], &["L8", "P4", "L10"], true),
        // day 42 wrong-facts / options / lay-out-options
        choice(day(42), [2, 2, 2], &["L10", "L7"], true),
    ]
}

#[test]
fn worked_example_mastery_matches_docs() {
    let m = mastery(&worked_example(), day(42), &MasteryParams::default());
    let l10 = m.rule("L10").expect("L10 estimated");
    assert_eq!((l10.upheld, l10.broken), (3, 3));
    assert!(close(l10.weighted_upheld, 2.5), "{l10:?}");
    assert!(close(l10.weighted_broken, 0.875), "{l10:?}");
    assert!(close(l10.alpha, 3.5) && close(l10.beta, 1.875), "{l10:?}");
    assert!(close(l10.evidence(), 3.375));
    assert!(l10.enough);
    // The figures docs/learning.md prints, to the digits it prints them.
    assert_eq!(format!("{:.4}", l10.mean), "0.6512");
    assert_eq!(format!("{:.4}", l10.sd), "0.1888");
    assert_eq!(format!("{:.4}", l10.low), "0.3406");
    assert_eq!(format!("{:.4}", l10.high), "0.9617");
    assert_eq!(l10.last_ms, Some(day(42)));
    // P4: cited three times, 1.625 of weighted evidence: not enough.
    let p4 = m.rule("P4").expect("P4 estimated");
    assert_eq!((p4.upheld, p4.broken), (2, 1));
    assert!(close(p4.evidence(), 1.625), "{p4:?}");
    assert!(!p4.enough && p4.reliability().is_none());
    assert_eq!(format!("{:.4}", p4.mean), "0.6897");
    // A rule nobody cited: no evidence, the prior's mean.
    let b5 = m.rule("B5").expect("every catalogue rule has a row");
    assert_eq!((b5.upheld, b5.broken), (0, 0));
    assert!(close(b5.mean, 0.5) && !b5.enough);
    // Every catalogue rule has a row.
    assert_eq!(m.rules.len(), courtesy::core::rules::catalogue().len());
}

#[test]
fn principle_mastery_counts_the_sign_of_each_rating() {
    // Respect: +2 (upheld), −1 (broken), 0 (nothing), +1 (upheld), all today.
    let ev = vec![
        choice(T0, [2, 0, -2], &[], false),
        choice(T0, [-1, 0, -1], &[], false),
        choice(T0, [0, 0, 1], &[], false),
        choice(T0, [1, 0, 2], &[], true),
    ];
    let m = mastery(&ev, T0, &MasteryParams::default());
    let r = m.principle(Principle::Respect).expect("respect");
    assert_eq!((r.upheld, r.broken), (2, 1));
    assert!(close(r.alpha, 3.0) && close(r.beta, 2.0));
    assert!(close(r.mean, 0.6));
    assert!(
        r.enough,
        "3 observations at weight 1 reach the threshold of 3"
    );
    // sd = √(3·2 / (25·6)) = √0.04 = 0.2
    assert!(close(r.sd, 0.2), "{r:?}");
    assert!(close(r.low, 0.6 - 1.645 * 0.2) && close(r.high, 0.6 + 1.645 * 0.2));
    // Moderation: only zeros: no evidence.
    let md = m.principle(Principle::Moderation).expect("moderation");
    assert_eq!((md.upheld, md.broken), (0, 0));
    assert!(!md.enough);
    // Self-discipline: −2, −1 broken; +1, +2 upheld.
    let sd = m
        .principle(Principle::SelfDiscipline)
        .expect("self-discipline");
    assert_eq!((sd.upheld, sd.broken), (2, 2));
    assert!(close(sd.mean, 0.5));
    // Compliance: no scenario scored it.
    let c = m.principle(Principle::Compliance).expect("compliance row");
    assert_eq!((c.upheld, c.broken, c.enough), (0, 0, false));
}

#[test]
fn old_evidence_fades_and_the_threshold_applies_to_weighted_evidence() {
    let p = MasteryParams::default();
    // Three upholds today: enough; the same three a fortnight ago weigh 1.5: not enough.
    let today = estimate(
        [
            (T0, Verdict::Upheld),
            (T0, Verdict::Upheld),
            (T0, Verdict::Upheld),
        ],
        T0,
        &p,
    );
    assert!(today.enough && close(today.mean, 4.0 / 5.0));
    let old = estimate(
        [
            (T0, Verdict::Upheld),
            (T0, Verdict::Upheld),
            (T0, Verdict::Upheld),
        ],
        day(14),
        &p,
    );
    assert!(!old.enough && close(old.weighted_upheld, 1.5));
    assert!(close(old.mean, 2.5 / 3.5));
    // A recent mistake counts more than an old success: mean below one half.
    let mixed = estimate(
        [(T0, Verdict::Upheld), (day(28), Verdict::Broken)],
        day(28),
        &p,
    );
    assert!(close(mixed.mean, 1.25 / 3.25), "{mixed:?}");
    // Unclear verdicts are not evidence.
    let unclear = estimate([(T0, Verdict::Unclear)], T0, &p);
    assert_eq!((unclear.upheld, unclear.broken), (0, 0));
    assert_eq!(unclear.last_ms, None);
}

// ---------------------------------------------------------------- spacing

#[test]
fn a_mistake_is_due_one_day_later() {
    let ev = vec![broken(day(0), &["L10"])];
    let s = schedules(&ev, day(0));
    let l10 = s.get("L10").expect("L10 scheduled after a mistake");
    assert_eq!((l10.stage, l10.due_ms), (0, Some(day(1))));
    assert!(!l10.is_due(day(1) - 1));
    assert!(l10.is_due(day(1)));
    assert!(due_rules(&ev, day(1) - 1).is_empty());
    let due = due_rules(&ev, day(1));
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].rule.as_str(), due[0].overdue_ms), ("L10", 0));
}

#[test]
fn on_time_successes_grow_the_interval_1_3_7_14_30_then_graduate() {
    let mut ev = vec![broken(day(0), &["L10"])];
    // (success day, expected stage after it, expected due day)
    let steps = [
        (1, 1, Some(4)),
        (4, 2, Some(11)),
        (11, 3, Some(25)),
        (25, 4, Some(55)),
        (55, 5, None),
    ];
    for (d, stage, due) in steps {
        ev.push(upheld(day(d), &["L10"]));
        let s = schedules(&ev, day(d));
        let l10 = s.get("L10").expect("still on the schedule");
        assert_eq!(l10.stage, stage, "after the success on day {d}");
        assert_eq!(l10.due_ms, due.map(day), "after the success on day {d}");
    }
    assert!(due_rules(&ev, day(400)).is_empty(), "graduated: never due");
}

#[test]
fn a_success_before_the_due_date_does_not_move_it() {
    // Broken, then upheld two hours later in the same attempt, then again on day 2.
    let ev = vec![
        broken(day(0), &["L10"]),
        upheld(day(0) + 2 * 3_600_000, &["L10"]),
    ];
    let l10 = schedules(&ev, day(2)).remove("L10").expect("scheduled");
    assert_eq!((l10.stage, l10.due_ms), (0, Some(day(1))));
    // An unclear choice after the due date does not count as a success either.
    let mut ev2 = ev.clone();
    ev2.push(choice(day(2), [0, 1, 1], &["L10"], false));
    let l10 = schedules(&ev2, day(2)).remove("L10").expect("scheduled");
    assert_eq!((l10.stage, l10.due_ms), (0, Some(day(1))));
}

#[test]
fn a_new_mistake_resets_to_one_day() {
    let ev = vec![
        broken(day(0), &["L10"]),
        upheld(day(1), &["L10"]), // stage 1, due day 4
        upheld(day(4), &["L10"]), // stage 2, due day 11
        broken(day(6), &["L10"]), // reset: stage 0, due day 7
    ];
    let before = schedules(&ev[..3], day(5))
        .remove("L10")
        .expect("scheduled");
    assert_eq!((before.stage, before.due_ms), (2, Some(day(11))));
    let l10 = schedules(&ev, day(6)).remove("L10").expect("scheduled");
    assert_eq!((l10.stage, l10.due_ms), (0, Some(day(7))));
    assert_eq!(l10.breaks, vec![day(0), day(6)]);
    assert_eq!(l10.last_broken_ms, day(6));
}

#[test]
fn evidence_after_now_is_ignored_and_never_broken_rules_are_not_scheduled() {
    let ev = vec![upheld(day(0), &["L9"]), broken(day(5), &["L10"])];
    assert!(schedules(&ev, day(3)).is_empty());
    let s = schedules(&ev, day(5));
    assert_eq!(s.keys().collect::<Vec<_>>(), vec!["L10"]);
    // schedule_of sorts its input.
    let obs = [(day(3), Verdict::Upheld), (day(0), Verdict::Broken)];
    let l = schedule_of("L6", &obs, day(3)).expect("scheduled");
    assert_eq!((l.stage, l.due_ms), (1, Some(day(6))));
}

#[test]
fn worked_example_schedule_matches_docs() {
    // day 0 broken → due 1; day 14 broken → due 15; day 28 upheld (≥ 15) → stage 1, due 31;
    // day 28 broken → due 29; day 42 upheld (≥ 29) → stage 1, due 45; day 42 upheld (< 45).
    let l10 = schedules(&worked_example(), day(42))
        .remove("L10")
        .expect("scheduled");
    assert_eq!((l10.stage, l10.due_ms), (1, Some(day(45))));
    assert_eq!(l10.breaks, vec![day(0), day(14), day(28)]);
    assert!(!l10.is_due(day(42)));
    assert_eq!(l10.breaks_this_week(day(42)), 0);
}

#[test]
fn due_rules_are_ordered_most_overdue_first() {
    let ev = vec![
        broken(day(0), &["L6"]),  // due day 1
        broken(day(3), &["L10"]), // due day 4
        broken(day(3), &["B3"]),  // due day 4, fewer breaks than L10
        broken(day(4), &["L10"]), // L10 due day 5
        broken(day(8), &["L11"]), // due day 9
    ];
    let due = due_rules(&ev, day(10));
    let ids: Vec<&str> = due.iter().map(|d| d.rule.as_str()).collect();
    assert_eq!(ids, vec!["L6", "B3", "L10", "L11"]);
    assert_eq!(due[0].overdue_days(), 9);
    // Day 3 is exactly 7 days before day 10: outside "this week".
    assert_eq!((due[2].breaks_total, due[2].breaks_this_week), (2, 1));
    assert_eq!(due[3].overdue_ms, DAY_MS);
}

// ---------------------------------------------------------------- recommendations

/// Shipped scenarios that have a reply citing `rule`, with the number of steps that do,
/// read straight from the scenario model (not through the Catalogue).
fn citing(lib: &[Scenario], rule: &str) -> BTreeMap<String, usize> {
    lib.iter()
        .filter_map(|s| {
            let n = s
                .steps
                .iter()
                .filter(|st| st.replies.iter().any(|r| r.cite.iter().any(|c| c == rule)))
                .count();
            (n > 0).then(|| (s.id.clone(), n))
        })
        .collect()
}

fn no_bare_ids(text: &str) {
    for r in courtesy::core::rules::catalogue() {
        // Titles are words; an id would show up as a token of its own.
        let bare = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|tok| tok == r.id);
        assert!(!bare, "trainee text names rule id {}: {text}", r.id);
    }
}

#[test]
fn a_trainee_who_keeps_breaking_l10_is_recommended_the_l10_scenarios() {
    let lib = shipped();
    let fixture = fixture();
    let catalogue = Catalogue::from_scenarios(lib.iter().chain(std::iter::once(&fixture)));
    // Broken on days 4, 5 and 6; now is day 10: due on day 7, 3 days overdue.
    let ev = vec![
        broken(day(4), &["L10"]),
        broken(day(5), &["L10"]),
        broken(day(6), &["L10"]),
    ];
    let recs = recommend(&catalogue, &ev, day(10), 100);
    let expected = citing(&lib, "L10");
    assert!(!expected.is_empty(), "no shipped scenario cites L10");
    let got: BTreeSet<&str> = recs.iter().map(|r| r.scenario.as_str()).collect();
    let want: BTreeSet<&str> = expected.keys().map(String::as_str).collect();
    assert_eq!(got, want, "exactly the scenarios that cite L10");
    assert!(
        !got.contains(fixture.id.as_str()),
        "the fixture cites no L10"
    );
    // One due rule, one overdue-ness: more steps citing L10 first, then id.
    let order: Vec<(usize, &str)> = recs
        .iter()
        .map(|r| (expected[&r.scenario], r.scenario.as_str()))
        .collect();
    let mut sorted = order.clone();
    sorted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    assert_eq!(order, sorted);
    for r in &recs {
        assert_eq!(r.rules.len(), 1);
        assert_eq!(r.rules[0].rule, "L10");
        assert_eq!(r.overdue_ms(), 3 * DAY_MS);
        let en = r.reason.get("en");
        assert_eq!(
            en,
            "You have broken ‘No flat \"no\" / \"I don't know\"’ 3 times this week; it is 3 days overdue for practice."
        );
        let zh = r.reason.get("zh-CN");
        assert_eq!(
            zh,
            "这周您有3次没做到这一条：不说“不”“不清楚”“不知道”。该复习了，已经过了3天。"
        );
        no_bare_ids(en);
        no_bare_ids(zh);
    }
    // Limit.
    assert_eq!(recommend(&catalogue, &ev, day(10), 2).len(), 2);
    // Before the rule is due, nothing to practise.
    assert!(recommend(&catalogue, &ev, day(7) - 1, 100).is_empty());
}

#[test]
fn a_more_overdue_rule_puts_its_scenarios_first() {
    let lib = shipped();
    let catalogue = Catalogue::from_scenarios(&lib);
    // L6 broken once long ago (due day 1: 9 days overdue at day 10); L10 broken twice
    // this week (due day 9: 1 day overdue).
    let ev = vec![
        broken(day(0), &["L6"]),
        broken(day(7), &["L10"]),
        broken(day(8), &["L10"]),
    ];
    let recs = recommend(&catalogue, &ev, day(10), 100);
    let l6 = citing(&lib, "L6");
    let l10 = citing(&lib, "L10");
    assert!(
        !l6.is_empty() && l6.len() < lib.len(),
        "the test needs some shipped scenarios citing L6 and some not"
    );
    let want: BTreeSet<&String> = l6.keys().chain(l10.keys()).collect();
    let got: BTreeSet<&String> = recs.iter().map(|r| &r.scenario).collect();
    assert_eq!(got, want);
    // Every L6 scenario before every scenario that does not cite L6.
    let first_other = recs
        .iter()
        .position(|r| !l6.contains_key(&r.scenario))
        .unwrap_or(recs.len());
    assert_eq!(first_other, l6.len(), "{recs:#?}");
    // Overdue-ness never increases down the list.
    assert!(
        recs.windows(2)
            .all(|w| w[0].overdue_ms() >= w[1].overdue_ms())
    );
    let top = &recs[0];
    assert_eq!(top.rules[0].rule, "L6");
    assert_eq!(top.overdue_ms(), 9 * DAY_MS);
    // The top card exercises both due rules if any L6 scenario also cites L10.
    if l6.keys().any(|k| l10.contains_key(k)) {
        assert_eq!(top.rules.len(), 2);
        assert_eq!(
            top.reason.get("en"),
            "You last broke ‘Calm in a conflict’ 10 days ago; it is 9 days overdue for practice. \
             You have broken ‘No flat \"no\" / \"I don't know\"’ twice this week; it is 1 day overdue for practice."
        );
        assert_eq!(
            top.reason.get("zh-CN"),
            "您10天前没做到这一条：冲突中心平气和。该复习了，已经过了9天。\
             这周您有两次没做到这一条：不说“不”“不清楚”“不知道”。该复习了，已经过了1天。"
        );
    }
    let tail = recs.last().expect("some recommendation");
    assert_eq!(tail.rules[0].rule, "L10");
    for r in &recs {
        no_bare_ids(r.reason.get("en"));
        no_bare_ids(r.reason.get("zh-CN"));
    }
}

#[test]
fn a_trainee_with_nothing_due_gets_no_recommendation() {
    let lib = shipped();
    let catalogue = Catalogue::from_scenarios(&lib);
    let ev = vec![upheld(day(0), &["L10", "L6"]), upheld(day(1), &["L9"])];
    assert!(recommend(&catalogue, &ev, day(30), 10).is_empty());
    assert!(recommend(&catalogue, &[], day(30), 10).is_empty());
}

#[test]
fn the_catalogue_counts_steps_citing_each_rule() {
    let f = fixture();
    let c = Catalogue::from_scenarios([&f]);
    let e = c.get(&f.id).expect("fixture entry");
    // Count independently: steps with any reply citing the rule.
    for (rule, n) in &e.rules {
        let want = f
            .steps
            .iter()
            .filter(|s| s.replies.iter().any(|r| r.cite.contains(rule)))
            .count();
        assert_eq!(*n, want, "{rule}");
    }
    assert!(!e.rules.contains_key("L10"));
    assert!(!e.rules.is_empty());
}

// ---------------------------------------------------------------- evidence from the store

#[test]
fn evidence_is_read_from_a_records_store() {
    use courtesy::core::records::{AttemptStart, ImportedAttempt, Source, Store};
    use courtesy::core::session::AttemptResult;
    use courtesy::core::strategy::{Strategy, play};
    use std::sync::Arc;

    let lib = shipped();
    let angry = Arc::new(
        lib.iter()
            .find(|s| s.id == "angry-customer")
            .expect("angry-customer shipped")
            .clone(),
    );
    let fix = Arc::new(fixture());
    let played = |sc: &Arc<Scenario>, s: &Strategy, seed: u64| -> AttemptResult {
        play(Arc::clone(sc), seed, "en", s).expect("plays")
    };
    let start = |trainee: &str, r: &AttemptResult| {
        AttemptStart::for_result(trainee, r, None, Source::Import)
    };
    let worst = played(&angry, &Strategy::Worst, 1);
    let best = played(&angry, &Strategy::Best, 2);
    let other = played(&fix, &Strategy::Worst, 3);
    let someone_else = played(&angry, &Strategy::Random, 4);
    let (s1, s2, s3, s4) = (
        start("li", &worst),
        start("li", &best),
        start("li", &other),
        start("wang", &someone_else),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("records.sqlite3")).expect("store opens");
    store
        .import_attempts(&[
            // Imported newest first: the evidence must still come out oldest first.
            ImportedAttempt {
                start: &s2,
                started_ms: day(3),
                transcript: &[],
                finished: Some((day(3) + 3_600_000, &best)),
            },
            ImportedAttempt {
                start: &s1,
                started_ms: day(0),
                transcript: &[],
                finished: Some((day(0) + 3_600_000, &worst)),
            },
            ImportedAttempt {
                start: &s3,
                started_ms: day(1),
                transcript: &[],
                finished: Some((day(1) + 3_600_000, &other)),
            },
            ImportedAttempt {
                start: &s4,
                started_ms: day(2),
                transcript: &[],
                finished: Some((day(2) + 3_600_000, &someone_else)),
            },
        ])
        .expect("imports");

    // Only the shipped scenarios are given: the fixture's steps are unknown.
    let ev = store.trainee_evidence("li", &lib).expect("reads evidence");
    assert_eq!(ev.unknown_scenario, other.transcript.len());
    assert_eq!(ev.unknown_reply, 0);
    assert_eq!(
        ev.choices.len(),
        worst.transcript.len() + best.transcript.len()
    );
    assert!(ev.choices.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    let (first, second) = ev.choices.split_at(worst.transcript.len());
    for (c, t) in first
        .iter()
        .zip(&worst.transcript)
        .chain(second.iter().zip(&best.transcript))
    {
        assert_eq!(
            (c.step.as_str(), c.reply.as_str()),
            (t.step_id.as_str(), t.chosen.as_str())
        );
        assert_eq!(c.ratings, t.ratings, "ratings as recorded");
        assert_eq!(c.best, t.chosen == t.best);
        let reply = angry
            .step(&t.step_id)
            .and_then(|s| s.reply(&t.chosen))
            .expect("reply in the file");
        assert_eq!(c.cites, reply.cite, "citations from the file");
        assert_eq!(c.critical, reply.critical);
    }
    assert!(
        first
            .iter()
            .all(|c| (day(0)..day(0) + 3_600_000).contains(&c.at_ms))
    );
    assert!(
        second
            .iter()
            .all(|c| (day(3)..day(3) + 3_600_000).contains(&c.at_ms))
    );
    assert!(
        first.iter().all(|c| !c.best),
        "the worst path never picks the best reply"
    );
    assert!(second.iter().all(|c| c.best));

    // With the fixture given too, its steps count; wang's never do.
    let both = store
        .trainee_evidence("li", lib.iter().chain(std::iter::once(fix.as_ref())))
        .expect("reads evidence");
    assert_eq!(both.unknown_scenario, 0);
    assert_eq!(
        both.choices.len(),
        ev.choices.len() + other.transcript.len()
    );
    assert!(both.choices.iter().any(|c| c.scenario == fix.id));
    assert!(
        store
            .trainee_evidence("nobody", &lib)
            .expect("reads")
            .choices
            .is_empty()
    );

    // The evidence feeds the model: the rules the worst path broke on day 0 are due on
    // day 1 unless the best path upheld them on day 3 (on or after their due date).
    let broken_day0: BTreeSet<&str> = first
        .iter()
        .filter(|c| verdict(c) == Verdict::Broken)
        .flat_map(|c| c.cites.iter().map(String::as_str))
        .collect();
    assert!(!broken_day0.is_empty());
    let upheld_day3: BTreeSet<&str> = second
        .iter()
        .flat_map(|c| c.cites.iter().map(String::as_str))
        .collect();
    let due: BTreeSet<String> = due_rules(&ev.choices, day(3) + 3_600_000)
        .into_iter()
        .map(|d| d.rule)
        .collect();
    let want: BTreeSet<String> = broken_day0
        .difference(&upheld_day3)
        .map(|s| s.to_string())
        .collect();
    assert_eq!(due, want);
}

#[test]
fn ordering_is_overdue_first_then_due_rules_exercised_then_steps() {
    use courtesy::core::learning::recommend::CatalogueEntry;
    use courtesy::core::text::Text;
    let entry = |id: &str, rules: &[(&str, usize)]| CatalogueEntry {
        scenario: id.to_string(),
        title: Text::from_pairs([("en", id), ("zh-CN", id)]),
        rules: rules.iter().map(|(r, n)| (r.to_string(), *n)).collect(),
    };
    let catalogue = Catalogue {
        entries: vec![
            entry("d-one-step", &[("L10", 1)]),
            entry("b-two-rules", &[("L10", 1), ("L11", 1)]),
            entry("a-most-overdue", &[("L6", 1), ("L9", 4)]),
            entry("c-three-steps", &[("L10", 3)]),
            entry("e-nothing-due", &[("L9", 5)]),
        ],
    };
    let ev = vec![
        broken(day(0), &["L6"]),  // due day 1: 9 days overdue at day 10
        broken(day(8), &["L10"]), // due day 9: 1 day overdue
        broken(day(8), &["L11"]), // due day 9: 1 day overdue
    ];
    let recs = recommend(&catalogue, &ev, day(10), 10);
    let ids: Vec<&str> = recs.iter().map(|r| r.scenario.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "a-most-overdue",
            "b-two-rules",
            "c-three-steps",
            "d-one-step"
        ]
    );
    assert_eq!(recs[0].overdue_ms(), 9 * DAY_MS);
    let b: Vec<&str> = recs[1].rules.iter().map(|d| d.rule.as_str()).collect();
    assert_eq!(b, vec!["L10", "L11"]);
}

// ---------------------------------------------------------------- in words, over time, practice

#[test]
fn levels_in_words_follow_the_documented_thresholds() {
    use courtesy::core::learning::{Level, level};
    let p = MasteryParams::default();
    let now = day(10);
    let upheld_n = |n: usize| estimate((0..n).map(|_| (now, Verdict::Upheld)), now, &p);
    // 2 successes: evidence 2 < 3.
    assert_eq!(level(&upheld_n(2)), Level::NotEnough);
    // 3: a = 4, b = 1, mean 0.8, sd 0.1633, low 0.531 < 0.6.
    let e3 = upheld_n(3);
    assert!(
        close(e3.mean, 0.8) && (e3.low - 0.5314).abs() < 1e-4,
        "{e3:?}"
    );
    assert_eq!(level(&e3), Level::Learning);
    // 8: a = 9, b = 1, mean 0.9, sd 0.0905, low 0.751 ≥ 0.6.
    let e8 = upheld_n(8);
    assert!((e8.low - 0.7512).abs() < 1e-4, "{e8:?}");
    assert_eq!(level(&e8), Level::Reliable);
    // Plenty of evidence, half of it mistakes: still learning.
    let mixed = estimate(
        (0..10).map(|i| {
            (
                now,
                if i % 2 == 0 {
                    Verdict::Upheld
                } else {
                    Verdict::Broken
                },
            )
        }),
        now,
        &p,
    );
    assert_eq!(level(&mixed), Level::Learning);
    assert_eq!(Level::Reliable.words("en"), "reliable");
    assert_eq!(Level::NotEnough.words("zh-CN"), "练得还不够，暂无结论");
}

#[test]
fn progress_samples_whole_days_back_from_now_and_leaves_later_choices_out() {
    use courtesy::core::learning::{principle_history, sample_times};
    let ev = vec![upheld(day(0), &["L1"]), broken(day(10), &["L1"])];
    // 10 days, 12 points: one a day, day 0 … day 10.
    let t = sample_times(&ev, day(10), 12);
    assert_eq!(t, (0..=10).map(day).collect::<Vec<_>>());
    // 30 days, 12 points: ceil(30 / 11) = 3 days apart, from now back to the first.
    let ev30 = vec![upheld(day(0), &["L1"]), upheld(day(30), &["L1"])];
    let t = sample_times(&ev30, day(30), 12);
    assert_eq!(t.len(), 11);
    assert_eq!((t[0], t[10]), (day(0), day(30)));
    assert!(t.windows(2).all(|w| w[1] - w[0] == 3 * DAY_MS));
    assert!(sample_times(&[], day(3), 12).is_empty());
    // Day 0: only the success (a = 2, b = 1: respect 2/3); day 10: the mistake too, the
    // success weighted 0.5^(10/14).
    let h = principle_history(&ev, &[day(0), day(10)], &MasteryParams::default());
    let r0 = h[0].principles[&Principle::Respect];
    assert_eq!((r0.upheld, r0.broken), (1, 0));
    assert!(close(r0.mean, 2.0 / 3.0));
    let r10 = h[1].principles[&Principle::Respect];
    assert_eq!((r10.upheld, r10.broken), (1, 1));
    let w = 0.5f64.powf(10.0 / 14.0);
    assert!(close(r10.mean, (1.0 + w) / (3.0 + w)), "{r10:?}");
}

#[test]
fn wrong_steps_are_the_latest_choice_at_each_step_with_its_mood() {
    use courtesy::core::learning::wrong_steps;
    let sc = fixture();
    let at = |t: i64, step: &str, reply: &str, mood: i32| {
        let mut c = Choice::from_model(&sc, step, reply, t).expect("in the fixture");
        c.mood_before = Some(mood);
        c
    };
    // s1: wrong (c) then right (a): put right. s2: right (x) then wrong (y) at mood 35.
    let ev = vec![
        at(day(0), "s1", "c", 50),
        at(day(0), "s2", "x", 60),
        at(day(1), "s1", "a", 50),
        at(day(2), "s2", "y", 35),
    ];
    let w = wrong_steps(&ev, &sc);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!((w[0].step.as_str(), w[0].mood), ("s2", 35));
    // No record of the mood: the scenario's start mood.
    let mut ev2 = ev.clone();
    ev2[3].mood_before = None;
    assert_eq!(wrong_steps(&ev2, &sc)[0].mood, sc.start_mood);
    // Another scenario's choices do not count.
    let mut other = ev.clone();
    for c in &mut other {
        c.scenario = "elsewhere".into();
    }
    assert!(wrong_steps(&other, &sc).is_empty());
}

#[test]
fn practice_in_the_store_is_evidence_and_moves_the_schedule() {
    use courtesy::core::records::Store;
    use courtesy::core::session::Session;
    use std::sync::Arc;
    use std::time::Duration;
    let sc = Arc::new(fixture());
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("records.sqlite3")).expect("store");
    // Practise s2 twice: y (breaks S) on day 0, then x (the best, cites L7) on day 2.
    let step = |reply: &str| {
        let mut s = Session::start_at(Arc::clone(&sc), 1, "en", "s2", 40).expect("starts");
        s.choose(reply, Duration::from_secs(3)).expect("chooses");
        s.transcript()[0].clone()
    };
    let broke = step("y");
    store
        .record_practice_at("li", &sc.id, &broke, day(0))
        .expect("records");
    let ev = store
        .trainee_evidence("li", [sc.as_ref()])
        .expect("evidence");
    assert_eq!(ev.choices.len(), 1);
    assert!(ev.choices[0].practice);
    assert_eq!(ev.choices[0].mood_before, Some(40));
    assert_eq!(
        due_rules(&ev.choices, day(1))
            .iter()
            .map(|d| d.rule.as_str())
            .collect::<Vec<_>>(),
        ["S"]
    );
    // Practice is not an attempt.
    assert!(
        store
            .attempts(&courtesy::core::records::Filter::all(), 10)
            .expect("attempts")
            .is_empty()
    );
    assert_eq!(
        store.outbox_counts().expect("outbox"),
        Default::default(),
        "practice wrote a statement"
    );
    let rows = store.practice_rows("li").expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].step.as_str(), rows[0].chosen.as_str()),
        ("s2", "y")
    );
    assert_eq!(rows[0].ratings[&Principle::SelfDiscipline], -2);
}
