//! Who can read what at a shared station: owner-only store, folder and LRS configuration, read-only use, and (below) the manager password on the command line.

use courtesy::core::load::parse_str;
use courtesy::core::lrs::config_exposure;
use courtesy::core::records::{Source, Store, record_played};
use courtesy::core::strategy::{Strategy, play};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/angry-customer.ron");
const PASSWORD: &str = "correct horse battery";

fn record(store: &Store, trainee: &str) {
    let src = std::fs::read_to_string(SCENARIO).expect("scenario readable");
    let sc = Arc::new(parse_str(&src).expect("scenario parses"));
    let r = play(sc.clone(), 3, "en", &Strategy::Best).expect("plays");
    record_played(store, trainee, Source::Cli, sc, &r, |_| {}).expect("records");
}

/// `courtesy run` of the scenario as `trainee` (best replies, seed 1) on the data folder `data`.
fn run_best(trainee: &str, data: &Path) -> (i32, String, String) {
    let args = [
        "run",
        SCENARIO,
        "--strategy",
        "best",
        "--seed",
        "1",
        "--trainee",
        trainee,
    ];
    courtesy(&args, data, &[], "")
}

fn courtesy(
    args: &[&str],
    data: &Path,
    env: &[(&str, &str)],
    stdin: &str,
) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_courtesy"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("COURTESY_LRS_CONFIG")
        .env_remove("COURTESY_DATA_DIR")
        .env_remove("COURTESY_MANAGER_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("runs");
    if let Some(mut i) = child.stdin.take() {
        use std::io::Write;
        let _ = i.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("waits");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

#[cfg(unix)]
fn chmod(p: &Path, m: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
}

#[cfg(unix)]
#[test]
fn a_new_store_and_its_folder_are_owner_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("a/b/courtesy");
    let store = Store::open(&data.join("records.sqlite3")).expect("opens");
    record(&store, "ivy");
    drop(store);
    assert_eq!(mode(&data), 0o700, "the data folder");
    assert_eq!(mode(&dir.path().join("a")), 0o700, "folders it created");
    assert_eq!(mode(&data.join("records.sqlite3")), 0o600, "the store");
    for side in ["records.sqlite3-wal", "records.sqlite3-shm"] {
        let p = data.join(side);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{side}");
        }
    }
    // A folder that already exists is the administrator's choice: left as it is.
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    chmod(&shared, 0o755);
    drop(Store::open(&shared.join("records.sqlite3")).expect("opens"));
    assert_eq!(mode(&shared), 0o755);
    assert_eq!(mode(&shared.join("records.sqlite3")), 0o600);
    // The CLI creates it the same way.
    let (code, _, err) = run_best("jon", &dir.path().join("cli"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode(&dir.path().join("cli")), 0o700);
    assert_eq!(mode(&dir.path().join("cli/records.sqlite3")), 0o600);
}

#[cfg(unix)]
#[test]
fn an_lrs_configuration_others_can_read_is_warned_about() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(Store::open(&dir.path().join("records.sqlite3")).expect("opens"));
    let cfg = dir.path().join("lrs.ron");
    std::fs::write(
        &cfg,
        r#"(endpoint: "http://127.0.0.1:9/xAPI/", key: "k", secret: "s3cret-value", home_page: "https://sso.example.com")"#,
    )
    .expect("write");
    chmod(&cfg, 0o644);
    let w = config_exposure(dir.path(), None).expect("warned");
    assert!(w.contains("644") && w.contains("chmod 600"), "{w}");
    assert!(!w.contains("s3cret-value"));
    let (code, _, err) = courtesy(&["sync", "--status"], dir.path(), &[], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning:") && err.contains("chmod 600"),
        "{err}"
    );
    chmod(&cfg, 0o640);
    assert!(
        config_exposure(dir.path(), None).is_some(),
        "group-readable too"
    );
    chmod(&cfg, 0o600);
    assert_eq!(config_exposure(dir.path(), None), None);
    let (_, _, err) = courtesy(&["sync", "--status"], dir.path(), &[], "");
    assert!(!err.contains("warning"), "{err}");
}

/// Runs `courtesy` as another account that may read but not write the store: `nobody`
/// through runuser when the tests run as root (where permissions do not apply),
/// otherwise this account with the store and its folder made read-only.
#[cfg(unix)]
#[test]
fn a_store_this_account_cannot_write_can_still_be_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    chmod(dir.path(), 0o755);
    let data = dir.path().join("d");
    {
        let store = Store::open(&data.join("records.sqlite3")).expect("opens");
        store.set_manager_password(PASSWORD).expect("password");
        record(&store, "ivy");
    }
    let root = is_root();
    if root {
        chmod(&data, 0o755);
        chmod(&data.join("records.sqlite3"), 0o644);
    } else {
        chmod(&data.join("records.sqlite3"), 0o444);
        chmod(&data, 0o555);
    }
    let run = |args: &[&str]| -> (i32, String, String) {
        if root {
            let mut full = vec!["-u", "nobody", "--", env!("CARGO_BIN_EXE_courtesy")];
            full.extend_from_slice(args);
            let out = Command::new("runuser")
                .args(&full)
                .arg("--data-dir")
                .arg(&data)
                .env("COURTESY_MANAGER_PASSWORD", PASSWORD)
                .env_remove("COURTESY_DATA_DIR")
                .output()
                .expect("runuser runs");
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        } else {
            courtesy(args, &data, &[("COURTESY_MANAGER_PASSWORD", PASSWORD)], "")
        }
    };
    let (code, out, err) = run(&["sync", "--status"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("pending"), "{out}");
    let (code, out, err) = run(&["report"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 attempt(s) by 1 trainee(s)"), "{out}");
    let (code, out, err) = run(&["export", "--xapi", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.trim_start().starts_with('['), "{out}");
    if !root {
        chmod(&data, 0o755);
    }
}

#[cfg(unix)]
fn is_root() -> bool {
    // `id -u` rather than libc, to stay within the test's dependencies.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn wrong_manager_passwords_are_throttled_with_a_growing_delay_and_logged() {
    use courtesy::core::records::{PasswordCheck, throttle_delay};
    use std::time::Duration;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("records.sqlite3")).expect("opens");
    store.set_manager_password(PASSWORD).expect("set");
    // A simulated clock (ms): only the times passed in count.
    let mut t = 1_000_000i64;
    assert_eq!(
        store
            .check_manager_password(PASSWORD, t, "test")
            .expect("check"),
        PasswordCheck::Correct
    );
    let mut waits = Vec::new();
    for _ in 0..5 {
        match store
            .check_manager_password("guess-guess", t, "test")
            .expect("check")
        {
            PasswordCheck::Wrong { wait } => {
                // Too soon, even with the right password: not checked at all.
                let early = store
                    .check_manager_password(PASSWORD, t + wait.as_millis() as i64 - 1, "test")
                    .expect("check");
                assert!(
                    matches!(early, PasswordCheck::Throttled { wait: w } if w == Duration::from_millis(1)),
                    "{early:?}"
                );
                waits.push(wait);
                t += wait.as_millis() as i64;
            }
            other => panic!("{other:?}"),
        }
    }
    let secs: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
    assert_eq!(secs, [1, 2, 4, 8, 16], "the delay doubles");
    assert_eq!(throttle_delay(40), courtesy::core::records::MAX_THROTTLE);
    // The count is in the store: a new process (another Store) is throttled the same.
    let again = Store::open(&dir.path().join("records.sqlite3")).expect("opens");
    assert!(matches!(
        again
            .check_manager_password(PASSWORD, t - 1, "test")
            .expect("check"),
        PasswordCheck::Throttled { .. }
    ));
    // Once waited out, the right password opens and resets the count.
    assert_eq!(
        again
            .check_manager_password(PASSWORD, t, "test")
            .expect("check"),
        PasswordCheck::Correct
    );
    assert_eq!(
        again
            .check_manager_password("guess-guess", t, "test")
            .expect("check"),
        PasswordCheck::Wrong {
            wait: Duration::from_secs(1)
        }
    );
    let log = again.access_log(100).expect("log");
    let count = |e: &str| log.iter().filter(|l| l.event == e).count();
    assert_eq!(count("wrong-password"), 6);
    assert_eq!(count("throttled"), 6);
    assert_eq!(count("unlocked"), 2);
    assert_eq!(count("password-set"), 1);
    assert!(
        log.iter()
            .all(|l| l.via == "test" || l.event == "password-set")
    );
}

#[test]
fn report_and_export_are_refused_without_the_manager_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    {
        let store = Store::open(&data.join("records.sqlite3")).expect("opens");
        record(&store, "ivy");
    }
    let pw = |p: &'static str| [("COURTESY_MANAGER_PASSWORD", p)];
    // No password set yet: nobody can read the room from the command line.
    for args in [
        &["report"][..],
        &["export", "--xapi", "-"],
        &["report", "--lrs"],
    ] {
        let (code, out, err) = courtesy(args, data, &pw(PASSWORD), "");
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(err.contains("no manager password is set"), "{err}");
        assert!(!out.contains("ivy"), "{out}");
    }
    // Set it from standard input (not a terminal).
    let (code, _, err) = courtesy(&["manager", "set-password"], data, &[], "short\n");
    assert_eq!(code, 2, "too short");
    assert!(err.contains("at least 8"), "{err}");
    let (code, _, err) = courtesy(
        &["manager", "set-password"],
        data,
        &[],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("manager password set"), "{err}");
    // Without it (no terminal to ask on, no variable): refused, nothing printed.
    let (code, out, err) = courtesy(&["report"], data, &[], "");
    assert_eq!(code, 2);
    assert!(
        err.contains("needs the manager password") && err.contains("COURTESY_MANAGER_PASSWORD"),
        "{err}"
    );
    assert!(out.is_empty(), "{out}");
    // Wrong: refused, and the next try must wait.
    let (code, out, err) = courtesy(&["report"], data, &pw("not-the-password"), "");
    assert_eq!(code, 2);
    assert!(err.contains("wrong manager password"), "{err}");
    assert!(out.is_empty());
    let (code, _, err) = courtesy(&["export", "--xapi", "-"], data, &pw(PASSWORD), "");
    assert_eq!(code, 2, "throttled even with the right one");
    assert!(err.contains("too many wrong manager passwords"), "{err}");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, out, err) = courtesy(&["report"], data, &pw(PASSWORD), "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ivy"), "{out}");
    let (code, out, err) = courtesy(&["export", "--xapi", "-"], data, &pw(PASSWORD), "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"ivy\""));
    // Changing it needs the current one (first line), then the new one.
    let (code, _, err) = courtesy(
        &["manager", "set-password"],
        data,
        &[],
        "not-the-password\nsomething-new-1\n",
    );
    assert_eq!(code, 2);
    assert!(err.contains("wrong manager password"), "{err}");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, _, err) = courtesy(
        &["manager", "set-password"],
        data,
        &[],
        &format!("{PASSWORD}\nsomething-new-1\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("changed"), "{err}");
    let (code, _, _) = courtesy(&["report"], data, &pw(PASSWORD), "");
    assert_eq!(code, 2, "the old one no longer works");
    let store = Store::open_existing(&data.join("records.sqlite3")).expect("opens");
    let log = store.access_log(100).expect("log");
    assert!(log.iter().any(|l| l.event == "password-changed"));
    assert!(
        log.iter()
            .any(|l| l.event == "wrong-password" && l.via == "cli")
    );
}

#[test]
fn trainee_ids_are_nfc_and_hidden_or_look_alike_ids_are_refused() {
    use courtesy::core::records::{AttemptStart, Filter, RecordsError};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("records.sqlite3")).expect("opens");
    let start = |t: &str| AttemptStart {
        trainee: t.to_string(),
        scenario: "angry-customer".into(),
        content_hash: None,
        seed: 1,
        locale: "en".into(),
        source: Source::Cli,
    };
    // NFD and NFC josé, and a full-width space: one trainee each time.
    store.begin_attempt(&start("jose\u{301}")).expect("NFD");
    store.begin_attempt(&start("jos\u{e9}")).expect("NFC");
    store
        .begin_attempt(&start("张\u{3000}三"))
        .expect("full-width space");
    store.begin_attempt(&start("张 三")).expect("same");
    let ids = store.trainee_ids(&Filter::all()).expect("ids");
    assert_eq!(ids, ["jos\u{e9}", "张 三"], "{ids:?}");
    assert_eq!(
        store
            .attempts(&Filter::all().trainee("jose\u{301}"), 10)
            .expect("attempts")
            .len(),
        2,
        "a filter typed in NFD finds the NFC rows"
    );
    // Invisible and bidi characters: refused with the code point.
    store.begin_attempt(&start("alice")).expect("alice");
    for (id, code) in [
        ("alice\u{200b}", "U+200B"),
        ("\u{202e}ecila", "U+202E"),
        ("al\u{ad}ice", "U+00AD"),
        ("bob\u{feff}", "U+FEFF"),
    ] {
        let e = store.begin_attempt(&start(id)).expect_err(id);
        assert!(matches!(e, RecordsError::HiddenCharacter { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(msg.contains(code) && msg.contains("invisible"), "{msg}");
        assert!(
            !msg.contains('\u{202e}'),
            "the message shows it escaped: {msg}"
        );
    }
    // Look-alikes of an existing id: refused at creation.
    for id in ["\u{430}lice", "Alice", "ALICE", "a.lice", "ａｌｉｃｅ"] {
        let e = store.begin_attempt(&start(id)).expect_err(id);
        assert!(matches!(e, RecordsError::LookAlike { .. }), "{id}: {e:?}");
        assert!(
            e.to_string().contains("looks like the trainee `alice`"),
            "{e}"
        );
    }
    store
        .begin_attempt(&start("alicia"))
        .expect("a different id");
    let ids = store.trainee_ids(&Filter::all()).expect("ids");
    assert_eq!(ids.len(), 4, "{ids:?}");
    // The command line refuses the same way.
    let (code, _, err) = run_best("alice\u{200b}", dir.path());
    assert_ne!(code, 0);
    assert!(err.contains("U+200B"), "{err}");
}

#[test]
fn the_roster_decides_who_signs_in_with_pins_retirement_and_throttling() {
    use courtesy::core::records::{RecordsError, SignInRefused};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("records.sqlite3")).expect("opens");
    let t = 5_000_000i64;
    // Empty roster: the station is open (any valid id).
    assert_eq!(
        store.sign_in_trainee(" Li  Lei ", None, t),
        Ok("Li Lei".into())
    );
    assert!(matches!(
        store.sign_in_trainee("eve\u{200b}", None, t),
        Err(SignInRefused::BadId(_))
    ));
    record(&store, "ivy");
    store
        .roster_add("ivy", Some("Ivy Chen"), None, t)
        .expect("an id with records can be rostered");
    store.roster_add("bo", None, Some("4321"), t).expect("bo");
    assert!(matches!(
        store.roster_add("bo", None, None, t),
        Err(RecordsError::AlreadyOnRoster { .. })
    ));
    assert!(matches!(
        store.roster_add("ivу", None, None, t), // Cyrillic у
        Err(RecordsError::LookAlike { .. })
    ));
    assert!(matches!(
        store.roster_add("cy", None, Some("12"), t),
        Err(RecordsError::PinTooShort { .. })
    ));
    // Only rostered trainees now; by id or by name.
    assert_eq!(
        store.sign_in_trainee("Li Lei", None, t),
        Err(SignInRefused::NotOnRoster("Li Lei".into()))
    );
    assert_eq!(store.sign_in_trainee("ivy", None, t), Ok("ivy".into()));
    assert_eq!(store.sign_in_trainee("Ivy Chen", None, t), Ok("ivy".into()));
    // A PIN, throttled when wrong.
    assert_eq!(
        store.sign_in_trainee("bo", None, t),
        Err(SignInRefused::PinNeeded)
    );
    assert!(matches!(
        store.sign_in_trainee("bo", Some("0000"), t),
        Err(SignInRefused::WrongPin(_))
    ));
    assert!(matches!(
        store.sign_in_trainee("bo", Some("4321"), t + 500),
        Err(SignInRefused::Throttled(_))
    ));
    assert_eq!(
        store.sign_in_trainee("bo", Some("4321"), t + 1000),
        Ok("bo".into())
    );
    // Room-wide PIN requirement: ivy has none yet.
    store.set_pin_required(true).expect("setting");
    assert_eq!(
        store.sign_in_trainee("ivy", None, t),
        Err(SignInRefused::NoPinSet("ivy".into()))
    );
    store.roster_set_pin("ivy", Some("9876")).expect("pin");
    assert_eq!(
        store.sign_in_trainee("ivy", Some("9876"), t),
        Ok("ivy".into())
    );
    // Rename keeps the id; retire stops sign-in, records stay.
    store.roster_rename("ivy", "Ivy Chen-Wang").expect("rename");
    assert_eq!(
        store.sign_in_trainee("Ivy Chen-Wang", Some("9876"), t),
        Ok("ivy".into())
    );
    store.roster_retire("ivy", t).expect("retire");
    assert_eq!(
        store.sign_in_trainee("ivy", Some("9876"), t),
        Err(SignInRefused::Retired("ivy".into()))
    );
    assert!(matches!(
        store.roster_retire("nobody", t),
        Err(RecordsError::NotOnRoster { .. })
    ));
    let roster = store.roster().expect("roster");
    assert_eq!(roster.len(), 2);
    assert!(roster.iter().all(|e| e.has_pin));
    let log = store.access_log(50).expect("log");
    assert!(log.iter().any(|l| l.event == "wrong-pin"));
    assert!(log.iter().any(|l| l.event == "pin-throttled"));
}

#[test]
fn the_manager_keeps_the_roster_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    {
        let store = Store::open(&data.join("records.sqlite3")).expect("opens");
        store.set_manager_password(PASSWORD).expect("password");
    }
    let pw = [("COURTESY_MANAGER_PASSWORD", PASSWORD)];
    let (code, _, err) = courtesy(&["manager", "roster", "add", "ivy"], data, &[], "");
    assert_eq!(code, 2, "needs the password");
    assert!(err.contains("needs the manager password"), "{err}");
    let (code, _, err) = courtesy(
        &[
            "manager", "roster", "add", "ivy", "--name", "Ivy Chen", "--pin",
        ],
        data,
        &pw,
        "2468\n",
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = courtesy(&["manager", "roster", "add", "іvy"], data, &pw, "");
    assert_eq!(code, 2);
    assert!(err.contains("looks like"), "{err}");
    let (code, _, _) = courtesy(&["manager", "roster", "retire", "ivy"], data, &pw, "");
    assert_eq!(code, 0);
    let (code, out, _) = courtesy(&["manager", "roster", "list"], data, &pw, "");
    assert_eq!(code, 0);
    assert!(out.contains("ivy\tIvy Chen\tPIN\tretired"), "{out}");
    let store = Store::open_existing(&data.join("records.sqlite3")).expect("opens");
    assert!(
        store.sign_in_trainee("ivy", Some("2468"), 0).is_err(),
        "retired"
    );
}
