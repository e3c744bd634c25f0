//! Starting the app: opening directly on a screen (`--screen`, `--choose`), and the clear
//! exit-2 failures for a missing scenario folder, no display, or bad arguments. None of
//! these open a window.
#![cfg(feature = "app")]

use courtesy::app::flow::Screen;
use courtesy::app::loader::{CatalogEntry, load_dir};
use courtesy::app::{AppArgs, AppError, boot};
use courtesy::core::session::Current;
use std::process::Command;

fn fixture_catalog() -> Vec<CatalogEntry> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/scoring-case.ron"
        ),
        dir.path().join("scoring-case.ron"),
    )
    .expect("copy fixture");
    let (entries, skipped) = load_dir(dir.path()).expect("fixture folder loads");
    assert!(skipped.is_empty(), "{skipped:?}");
    entries
}

fn args(screen: Screen, choose: &[&str]) -> AppArgs {
    AppArgs {
        scenario: Some("scoring-case".into()),
        seed: Some(7),
        screen: Some(screen),
        choose: choose.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

#[test]
fn opens_on_a_screen_after_the_given_replies() {
    let cat = fixture_catalog();
    let b = boot(&args(Screen::Conversation, &["a"]), &cat).expect("boot");
    assert_eq!(b.screen, Screen::Conversation);
    let a = b.play.0.as_ref().expect("attempt");
    assert!(matches!(a.session.current(), Current::Step(v) if v.step_id == "s2"));
    assert_eq!(a.history.len(), 2);

    let b = boot(&args(Screen::Feedback, &["a"]), &cat).expect("boot");
    assert_eq!(
        b.play
            .0
            .as_ref()
            .and_then(|a| a.feedback.as_ref())
            .map(|f| f.reply_id.as_str()),
        Some("a")
    );

    let b = boot(&args(Screen::Debrief, &["a", "x"]), &cat).expect("boot");
    let r = b
        .play
        .0
        .as_ref()
        .and_then(|a| a.result.as_ref())
        .expect("result");
    assert_eq!(r.transcript.len(), 2);
    assert_eq!(b.trainee.name, "学员");
}

#[test]
fn bad_paths_and_missing_scenarios_are_usage_errors() {
    let cat = fixture_catalog();
    for (a, what) in [
        (
            args(Screen::Debrief, &["a"]),
            "path stops short of an ending",
        ),
        (
            args(Screen::Conversation, &["a", "x"]),
            "path ends the conversation",
        ),
        (args(Screen::Conversation, &["nope"]), "unknown reply"),
        (args(Screen::Feedback, &[]), "feedback without a reply"),
        (
            args(Screen::Library, &["a"]),
            "--choose outside a conversation",
        ),
    ] {
        let e = boot(&a, &cat).expect_err(what);
        assert_eq!(e.exit_code(), 2, "{what}: {e}");
    }
    let mut a = args(Screen::Briefing, &[]);
    a.scenario = Some("missing".into());
    assert!(matches!(
        boot(&a, &cat),
        Err(AppError::UnknownScenario { .. })
    ));
    a.scenario = None;
    assert!(matches!(boot(&a, &cat), Err(AppError::NeedsScenario(_))));
    // No arguments: sign-in, nobody signed in.
    let b = boot(&AppArgs::default(), &cat).expect("boot");
    assert_eq!(b.screen, Screen::SignIn);
    assert!(b.trainee.name.is_empty());
}

fn courtesy(args: &[&str], no_display: bool) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_courtesy"));
    cmd.args(args);
    if no_display {
        cmd.env_remove("DISPLAY");
    }
    let out = cmd.output().expect("run courtesy");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn missing_folder_and_no_display_exit_2_with_a_message() {
    let (code, err) = courtesy(&["app", "--scenarios", "/no/such/folder"], false);
    assert_eq!(code, 2);
    assert!(
        err.contains("/no/such/folder") && err.contains("does not exist"),
        "{err}"
    );

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let (code, err) = courtesy(&["app", "--scenarios", dir], true);
    assert_eq!(code, 2);
    assert!(err.contains("no display"), "{err}");

    let (code, err) = courtesy(&["app", "--scenarios", dir, "--screen", "debrief"], true);
    assert_eq!(code, 2);
    assert!(err.contains("--scenario"), "{err}");
}
