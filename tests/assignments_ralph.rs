//! Assignments end to end through a real Ralph LRS: assigned at station 1, seen and completed at station 2, shown as passed in station 1's grid, best / first / last applied, a withdrawal and a forged assignment too.
//!
//! `#[ignore]`d like tests/lrs_stations.rs: `.ci/run` runs it with
//! `COURTESY_RALPH=<venv>/bin/ralph` (scripts/ralph-lrs.sh).

mod support;
use support::ralph::{Ralph, Station, ralph, scenario};

use courtesy::core::lrs::assignments::{ProblemKind, room_assignments};
use courtesy::core::lrs::{LrsCache, LrsClient, PullOptions};
use courtesy::core::model::Principle;
use courtesy::core::records::{AssignmentStatus, Filter, NewAssignment, Policy};
use courtesy::core::strategy::Strategy;
use std::collections::BTreeMap;
use std::time::Duration;

impl Station {
    fn cache(&self) -> LrsCache {
        LrsCache::open(&self.dir, &self.config()).expect("cache")
    }

    /// Pulls the room into this station's cache (past the pull overlap first).
    fn pull(&self) -> LrsCache {
        let cache = self.cache();
        let r = cache
            .pull(
                &LrsClient::new(&self.config()),
                &PullOptions::default(),
                |_| {},
            )
            .expect("pull");
        assert!(r.error.is_none(), "{}: {:?}", self.name, r.error);
        cache
    }
}

#[test]
#[ignore = "needs a Ralph LRS: COURTESY_RALPH=<venv>/bin/ralph (see scripts/ralph-lrs.sh, .ci/run)"]
fn assigned_at_one_station_completed_at_another_through_ralph() {
    if ralph().is_none() {
        panic!("COURTESY_RALPH is not set: run `eval \"$(scripts/ralph-lrs.sh env)\"` first");
    }
    let ralph = Ralph::start();
    let root = tempfile::tempdir().expect("tempdir");
    let s1 = Station::new(root.path(), "Manager desk", &ralph.config_path());
    let s2 = Station::new(root.path(), "Station 2", &ralph.config_path());
    let now = courtesy::core::records::time::now_ms();
    let day = 86_400_000;
    for s in [&s1, &s2] {
        s.store.roster_add("dee", None, None, now).expect("roster");
    }
    let here = vec![scenario().id.clone()];
    // Station 1 has played in the room (so station 2 knows it) and assigns three ways.
    assert!(s1.play("ann", 1, Strategy::Best));
    let assign = |trainees: Option<Vec<String>>, policy| NewAssignment {
        scenarios: here.clone(),
        trainees,
        due_ms: Some(now + 3 * day),
        policy,
        floors: BTreeMap::from([(Principle::Respect, 40.0)]),
    };
    let dee = Some(vec!["dee".to_string()]);
    let best = s1
        .store
        .assignment_create(&assign(dee.clone(), Policy::Best), now - 3000)
        .expect("best");
    let first = s1
        .store
        .assignment_create(&assign(dee.clone(), Policy::First), now - 2000)
        .expect("first");
    let last = s1
        .store
        .assignment_create(&assign(None, Policy::Last), now - 1000)
        .expect("last, the whole roster");
    let dropped = s1
        .store
        .assignment_create(&assign(dee.clone(), Policy::Best), now - 500)
        .expect("to withdraw");
    s1.store
        .assignment_withdraw(&dropped.id, now)
        .expect("withdrawn");
    let queued = s1
        .store
        .outbox_items(courtesy::core::records::OutboxSelect::Pending, None)
        .expect("outbox");
    assert_eq!(
        queued.iter().filter(|i| i.attempt.is_empty()).count(),
        5,
        "four `assigned`, one `withdrew`"
    );
    assert_eq!(s1.sync(), queued.len(), "all of them delivered");

    // A forged assignment from a station nobody knows, posted straight to the LRS.
    let forged = {
        let mut a = best.clone();
        a.id = uuid::Uuid::new_v4().to_string();
        a.station = Some("Intruder".into());
        a.audience = courtesy::core::records::Audience::Trainees(vec!["dee".into()]);
        let st = courtesy::core::assignment_xapi::assigned(
            &s1.store.statement_identity(),
            &a,
            uuid::Uuid::new_v4(),
            now,
        );
        let out = LrsClient::new(&s1.config()).post(&st.to_string());
        assert!(
            matches!(
                out,
                courtesy::core::lrs::PostOutcome::Stored(_)
                    | courtesy::core::lrs::PostOutcome::NoContent
            ),
            "{out:?}"
        );
        a
    };
    std::thread::sleep(PullOptions::default().overlap + Duration::from_millis(500));

    // Station 2 sees dee's three assignments (not the withdrawn one, not the forged one).
    let cache2 = s2.pull();
    let room2 = room_assignments(&s2.store, Some(&cache2), &here).expect("room at 2");
    let roster = vec!["dee".to_string()];
    let (hist, _) =
        courtesy::core::lrs::trainee_records(&s2.store, Some(&cache2), "dee", 100).expect("dee");
    let mine = room2.for_trainee("dee", &hist, &roster, now);
    let mut ids: Vec<&str> = mine.iter().map(|t| t.assignment.id.as_str()).collect();
    ids.sort();
    let mut want = vec![best.id.as_str(), first.id.as_str(), last.id.as_str()];
    want.sort();
    assert_eq!(ids, want);
    assert!(
        mine.iter()
            .all(|t| t.status == AssignmentStatus::NotStarted)
    );
    assert!(
        room2
            .problems
            .iter()
            .any(|p| p.assignment.as_deref() == Some(forged.id.as_str())
                && p.kind
                    == ProblemKind::UnknownStation {
                        station: Some("Intruder".into())
                    }),
        "{:?}",
        room2.problems
    );

    // dee fails, then passes, at station 2; station 2 reports `satisfied` where met.
    assert!(!s2.play("dee", 2, Strategy::Worst));
    assert!(s2.play("dee", 3, Strategy::Best));
    let (hist, _) =
        courtesy::core::lrs::trainee_records(&s2.store, Some(&cache2), "dee", 100).expect("dee");
    let later = courtesy::core::records::time::now_ms();
    let mine = room2.for_trainee("dee", &hist, &roster, later);
    let status = |id: &str| {
        mine.iter()
            .find(|t| t.assignment.id == id)
            .map(|t| t.status)
            .expect("listed")
    };
    assert_eq!(status(&best.id), AssignmentStatus::Passed);
    assert_eq!(status(&first.id), AssignmentStatus::Failed);
    assert_eq!(status(&last.id), AssignmentStatus::Passed);
    let reported = room2
        .report_satisfied(&s2.store, &roster, &hist, &roster, &here, later)
        .expect("reported");
    assert_eq!(reported, 2, "best and last are met, first is not");
    assert!(s2.sync() > 0);
    std::thread::sleep(PullOptions::default().overlap + Duration::from_millis(500));

    // Station 1's grid: dee passed (the newest assignment, `last`, decides the cell);
    // each assignment judged by its own policy; station 2's `satisfied` arrived.
    let cache1 = s1.pull();
    let room1 = room_assignments(&s1.store, Some(&cache1), &here).expect("room at 1");
    let attempts =
        courtesy::core::lrs::room_dashboard(&s1.store, Some(&cache1), &Filter::all(), 1000)
            .expect("dashboard")
            .attempts;
    assert_eq!(attempts.iter().filter(|a| a.trainee == "dee").count(), 2);
    let grid = room1.grid(&attempts, &roster, later);
    let cell = grid
        .get(&("dee".to_string(), here[0].clone()))
        .expect("dee's cell is assigned");
    assert_eq!(cell.assignment, last.id);
    assert_eq!(cell.judged.status, AssignmentStatus::Passed);
    let at1 = room1.for_trainee("dee", &attempts, &roster, later);
    let status1 = |id: &str| at1.iter().find(|t| t.assignment.id == id).map(|t| t.status);
    assert_eq!(status1(&best.id), Some(AssignmentStatus::Passed));
    assert_eq!(status1(&first.id), Some(AssignmentStatus::Failed));
    assert_eq!(status1(&last.id), Some(AssignmentStatus::Passed));
    assert_eq!(status1(&dropped.id), None, "withdrawn");
    let satisfied: Vec<(&str, bool)> = room1
        .assignments
        .iter()
        .map(|r| (r.assignment.id.as_str(), r.satisfied.contains("dee")))
        .collect();
    assert!(
        satisfied.contains(&(best.id.as_str(), true)),
        "{satisfied:?}"
    );
    assert!(
        satisfied.contains(&(last.id.as_str(), true)),
        "{satisfied:?}"
    );
    assert!(
        satisfied.contains(&(first.id.as_str(), false)),
        "{satisfied:?}"
    );
    // After the due date, a still-unpassed trainee is overdue (simulated clock).
    let grid = room1.grid(
        &attempts,
        &["dee".to_string(), "eve".to_string()],
        now + 4 * day,
    );
    let eve = grid
        .get(&("eve".to_string(), here[0].clone()))
        .expect("eve, on the roster");
    assert_eq!(eve.judged.status, AssignmentStatus::Overdue);
}
