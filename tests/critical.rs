//! Critical replies and reactions, end to end: for every critical reply in the shipped
//! library, the best path with that one reply swapped in fails and names it; a critical
//! reply fails an attempt whose score alone would pass; `courtesy check` counts paths
//! through one as failing; the xAPI result says so; reactions reach the transcript.

use courtesy::core::check::{CheckOptions, check};
use courtesy::core::library::Library;
use courtesy::core::load::parse_str;
use courtesy::core::model::Scenario;
use courtesy::core::session::{Current, Session, best_reply};
use courtesy::core::strategy::{Strategy, play_session};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn library() -> Library {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
    Library::load_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn fixture(rel: &str) -> Arc<Scenario> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(rel);
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Arc::new(parse_str(&src).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Replays `choices` from the start (seed 0).
fn replay(sc: &Arc<Scenario>, locale: &str, choices: &[String]) -> Session {
    let mut s = Session::start(Arc::clone(sc), 0, locale).expect("starts");
    for c in choices {
        s.choose(c, Duration::from_secs(1))
            .expect("replayable choice");
    }
    s
}

/// A sequence of offered replies that reaches step `target`, found depth-first with the
/// best reply tried first at every step (so it is the best path wherever the best path
/// goes there), critical replies last, through the real session (mood triggers included).
fn path_to(sc: &Arc<Scenario>, locale: &str, target: &str) -> Option<Vec<String>> {
    fn go(
        sc: &Arc<Scenario>,
        locale: &str,
        target: &str,
        prefix: &mut Vec<String>,
        seen: &mut HashSet<(String, i32, usize)>,
    ) -> bool {
        let s = replay(sc, locale, prefix);
        let Current::Step(view) = s.current() else {
            return false;
        };
        if view.step_id == target {
            return true;
        }
        if prefix.len() > 30 || !seen.insert((view.step_id.clone(), s.mood(), prefix.len())) {
            return false;
        }
        let Some(step) = sc.step(&view.step_id) else {
            return false;
        };
        let mut order: Vec<String> = Vec::new();
        if let Some(b) = best_reply(step, &sc.principles) {
            order.push(b.id.clone());
        }
        // Other sound replies next; critical ones last (some steps, such as lost-parcel's
        // `caught-out`, are only reached through one).
        for critical in [false, true] {
            for r in step.offered() {
                if !order.contains(&r.id) && r.critical == critical {
                    order.push(r.id.clone());
                }
            }
        }
        for id in order {
            prefix.push(id);
            if go(sc, locale, target, prefix, seen) {
                return true;
            }
            prefix.pop();
        }
        false
    }
    let mut prefix = Vec::new();
    let mut seen = HashSet::new();
    go(sc, locale, target, &mut prefix, &mut seen).then_some(prefix)
}

#[test]
fn best_path_with_any_one_critical_reply_fails_and_names_it() {
    let lib = library();
    let mut tried = 0;
    let mut failures = String::new();
    for loaded in &lib.scenarios {
        let sc = &loaded.scenario;
        for locale in &sc.locales {
            for step in &sc.steps {
                for reply in step.replies.iter().filter(|r| r.critical) {
                    let Some(prefix) = path_to(sc, locale, &step.id) else {
                        failures.push_str(&format!(
                            "{} [{locale}]: no path reaches step `{}` to try critical reply `{}`\n",
                            sc.id, step.id, reply.id
                        ));
                        continue;
                    };
                    let mut s = replay(sc, locale, &prefix);
                    let fb = s
                        .choose(&reply.id, Duration::from_secs(1))
                        .expect("critical reply is offered");
                    assert!(
                        fb.critical,
                        "{}: feedback marks `{}` critical",
                        sc.id, reply.id
                    );
                    play_session(&mut s, &Strategy::Best).expect("best continues to an ending");
                    let r = s.finish().expect("ended");
                    tried += 1;
                    let named = r.critical.iter().any(|c| {
                        c.step == step.id
                            && c.reply == reply.id
                            && c.reply_text == reply.text.get(locale)
                            && c.feedback == reply.feedback.get(locale)
                            && !c.feedback.trim().is_empty()
                    });
                    if r.passed || !named || r.scores.passed {
                        failures.push_str(&format!(
                            "{} [{locale}]: best path with `{}` at `{}` (path {:?}): passed {}, overall {:.1}, critical {:?}\n",
                            sc.id, reply.id, step.id, prefix, r.passed, r.overall,
                            r.critical.iter().map(|c| &c.reply).collect::<Vec<_>>()
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
    // The core three alone mark nine critical replies; each is tried in both locales.
    assert!(tried >= 18, "only {tried} critical replies tried");
}

#[test]
fn the_core_three_mark_the_grave_errors() {
    let lib = library();
    for (scenario, step, reply) in [
        ("special-medical-needs", "insulin-flight", "play-doctor"),
        ("special-medical-needs", "insurance", "already-covered"),
        ("lost-parcel", "check-result", "cover-up"),
        ("angry-customer", "the-facts", "give-in"),
    ] {
        let sc = &lib.get(scenario).expect("shipped").scenario;
        let r = sc.step(step).and_then(|s| s.reply(reply)).expect("exists");
        assert!(r.critical, "{scenario}: `{reply}` should be critical");
    }
}

#[test]
fn a_critical_reply_fails_an_attempt_whose_score_would_pass() {
    // special-medical-needs, best path with only `play-doctor` changed: issue 10 measured
    // 86.3 and a pass before replies could be critical.
    let lib = library();
    let sc = &lib.get("special-medical-needs").expect("shipped").scenario;
    let prefix = path_to(sc, "en", "insulin-flight").expect("reachable");
    let mut s = replay(sc, "en", &prefix);
    s.choose("play-doctor", Duration::from_secs(1))
        .expect("offered");
    play_session(&mut s, &Strategy::Best).expect("ends");
    let r = s.finish().expect("ended");
    assert!(
        r.scores.passed_on_score(sc),
        "score alone would pass: {:.1}",
        r.overall
    );
    assert!(r.overall >= sc.scoring.pass_mark);
    assert!(!r.passed && !r.scores.passed);
    assert_eq!(r.critical.len(), 1);
    assert_eq!(r.critical[0].reply, "play-doctor");
    // The JSON `courtesy run --json` prints carries it.
    let json = serde_json::to_value(&r).expect("serialises");
    assert_eq!(json["passed"], false);
    assert_eq!(json["critical"][0]["step"], "insulin-flight");
    assert_eq!(json["critical"][0]["reply"], "play-doctor");
    // And the xAPI verdict: success false, the critical replies listed.
    let c = courtesy::core::xapi::AttemptContext {
        home_page: "https://example.org",
        base_iri: courtesy::core::xapi::DEFAULT_BASE_IRI,
        trainee: "t1",
        registration: uuid::Uuid::nil(),
        scenario_id: &sc.id,
        scenario: Some(sc),
        content_hash: None,
        seed: 0,
        locale: "en",
        station: None,
    };
    let [_, verdict] = courtesy::core::xapi::finished(
        &c,
        uuid::Uuid::nil(),
        uuid::Uuid::nil(),
        &r,
        0,
        Duration::from_secs(60),
    );
    assert_eq!(verdict["result"]["success"], false);
    assert!(
        verdict["verb"]["id"]
            .as_str()
            .unwrap_or("")
            .ends_with("failed")
    );
    let key = courtesy::core::xapi::ext(courtesy::core::xapi::DEFAULT_BASE_IRI, "critical-replies");
    assert_eq!(
        verdict["result"]["extensions"][key.as_str()],
        serde_json::json!([{"step": "insulin-flight", "reply": "play-doctor"}])
    );
    // The text output leads the trainer to it.
    let text = courtesy::cli::run::render_text(sc, &r);
    assert!(text.contains("FAILED"));
    assert!(text.contains("chose play-doctor [CRITICAL]"));
    assert!(text.contains("Failed on 1 critical error"));
}

#[test]
fn check_counts_paths_through_a_critical_reply_as_failing() {
    // w072's fixture: the best reply of `ask` (`guide`) is critical, so every path through
    // it fails; only `point` can pass.
    let sc = fixture("invalid/w072-best-reply-critical.ron");
    let c = check(&sc, CheckOptions::default());
    let done = c
        .endings
        .iter()
        .find(|e| e.ending == "done")
        .expect("ending");
    assert!(done.critical > 0, "{done:?}");
    assert!(done.passing + done.critical <= done.paths, "{done:?}");
    assert!(
        !c.best_passes,
        "the best path goes through the critical reply"
    );
    // Unmarked, the same paths pass.
    let mut plain = (*sc).clone();
    for s in &mut plain.steps {
        for r in &mut s.replies {
            r.critical = false;
        }
    }
    let p = check(&Arc::new(plain), CheckOptions::default());
    let done_plain = p
        .endings
        .iter()
        .find(|e| e.ending == "done")
        .expect("ending");
    assert_eq!(done_plain.critical, 0);
    assert!(
        done_plain.passing > done.passing,
        "{done_plain:?} vs {done:?}"
    );
    assert!(p.best_passes);
}

#[test]
fn a_reaction_follows_the_reply_in_feedback_and_transcript() {
    let lib = library();
    let sc = &lib.get("angry-customer").expect("shipped").scenario;
    for locale in ["en", "zh-CN"] {
        let mut s = Session::start(Arc::clone(sc), 3, locale).expect("starts");
        let fb = s
            .choose("policy-first", Duration::from_secs(2))
            .expect("offered");
        let want = sc
            .step("outburst")
            .and_then(|st| st.reply("policy-first"))
            .and_then(|r| r.reaction.as_ref())
            .map(|t| t.get(locale).to_string())
            .expect("policy-first has a reaction");
        assert_eq!(fb.reaction.as_deref(), Some(want.as_str()));
        assert_eq!(s.transcript()[0].reaction.as_deref(), Some(want.as_str()));
        // The next step's line no longer assumes an apology was made.
        let Current::Step(v) = s.current() else {
            panic!("at a step")
        };
        assert_eq!(v.step_id, "insult");
        assert!(!v.customer_line.contains("What good is sorry"));
        assert!(!v.customer_line.contains("道歉有什么用"));
    }
}
