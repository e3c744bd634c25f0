//! Files that are not usable Courtesy stores (not SQLite, another program's database, a
//! newer schema, damaged) are refused with a clear, typed error and never changed.

mod support;

use courtesy::core::records::{RecordsError, Store};
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_courtesy")
}

fn fixture() -> String {
    support::fixture::SCORING_CASE.to_string()
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).expect("file readable")
}

/// Opens `path` with the library, `courtesy report` and `courtesy run --trainee`, and
/// checks that each refuses with a message containing `says`, leaving the bytes as they were.
fn refused(path: &Path, says: &str, check: impl Fn(&RecordsError) -> bool) {
    let before = read(path);
    for attempt in 0..2 {
        let err = match Store::open(path) {
            Ok(_) => panic!("{} was opened (try {attempt})", path.display()),
            Err(e) => e,
        };
        assert!(check(&err), "unexpected error: {err:?}");
        assert!(err.is_unusable_file());
        let msg = err.to_string();
        assert!(msg.contains(says), "{msg}");
        assert!(
            msg.contains(&path.display().to_string()),
            "says where: {msg}"
        );
        assert!(msg.contains("untouched"), "says it was not changed: {msg}");
    }
    let dir = path.parent().expect("has a folder");
    let report = Command::new(bin())
        .args(["report", "--data-dir"])
        .arg(dir)
        .output()
        .expect("report runs");
    assert_eq!(report.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&report.stderr);
    assert!(stderr.contains(says), "{stderr}");
    let run = run_fixture(dir);
    assert_eq!(
        run.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stderr).contains(says));
    assert_eq!(read(path), before, "{} was changed", path.display());
}

fn store_file(dir: &Path) -> PathBuf {
    dir.join("records.sqlite3")
}

/// `courtesy run` of the fixture (replies b, x) as trainee `t` with its store in `dir`.
fn run_fixture(dir: &Path) -> std::process::Output {
    Command::new(bin())
        .args([
            "run",
            &fixture(),
            "--choose",
            "b,x",
            "--trainee",
            "t",
            "--data-dir",
        ])
        .arg(dir)
        .output()
        .expect("run runs")
}
#[test]
fn a_text_file_is_not_a_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = store_file(dir.path());
    std::fs::write(&path, "name,score\nalice,90\n").expect("write");
    refused(&path, "not an SQLite database", |e| {
        matches!(e, RecordsError::NotSqlite { .. })
    });
    assert!(!dir.path().join("records.sqlite3-wal").exists());
}

#[test]
fn random_bytes_are_not_a_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = store_file(dir.path());
    let bytes: Vec<u8> = (0..10_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, bytes).expect("write");
    refused(&path, "not an SQLite database", |e| {
        matches!(e, RecordsError::NotSqlite { .. })
    });
}

#[test]
fn another_programs_sqlite_database_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = store_file(dir.path());
    {
        let c = rusqlite::Connection::open(&path).expect("create");
        c.execute_batch(
            "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);
             INSERT INTO invoices (total) VALUES (12.5), (99.0);",
        )
        .expect("fill");
    }
    refused(&path, "not a Courtesy records store", |e| {
        matches!(e, RecordsError::ForeignDatabase { tables: 1, .. })
    });
    let c = rusqlite::Connection::open(&path).expect("open");
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "delete", "its journal mode was not switched to WAL");
}

#[test]
fn an_empty_database_with_another_application_id_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = store_file(dir.path());
    {
        let c = rusqlite::Connection::open(&path).expect("create");
        c.execute_batch("PRAGMA application_id = 1234; PRAGMA user_version = 3;")
            .expect("set");
    }
    refused(&path, "not a Courtesy records store", |e| {
        matches!(
            e,
            RecordsError::ForeignDatabase {
                application_id: 1234,
                ..
            }
        )
    });
}

#[test]
fn a_store_from_a_newer_courtesy_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = store_file(dir.path());
    drop(Store::open(&path).expect("create"));
    {
        let c = rusqlite::Connection::open(&path).expect("open");
        c.execute_batch("PRAGMA user_version = 99; PRAGMA wal_checkpoint(TRUNCATE);")
            .expect("bump");
    }
    refused(&path, "newer Courtesy", |e| {
        matches!(
            e,
            RecordsError::NewerSchema {
                found: 99,
                supported,
                ..
            } if *supported == courtesy::core::records::schema_version()
        )
    });
}

/// A store with a few attempts, closed (so everything is in the main file).
fn filled_store(dir: &Path) -> PathBuf {
    let path = store_file(dir);
    let out = run_fixture(dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.join("records.sqlite3-wal").exists(),
        "WAL checkpointed on close"
    );
    path
}

#[test]
fn a_store_with_a_damaged_schema_page_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = filled_store(dir.path());
    let mut bytes = read(&path);
    // Scribble over page 1 after the 100-byte file header: the schema table's b-tree.
    for (i, b) in bytes.iter_mut().enumerate().take(4096).skip(100) {
        *b = (i * 7 + 3) as u8;
    }
    std::fs::write(&path, &bytes).expect("write");
    refused(&path, "damaged", |e| {
        matches!(e, RecordsError::Corrupt { .. })
    });
}

#[test]
fn a_truncated_store_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = filled_store(dir.path());
    let bytes = read(&path);
    assert!(bytes.len() > 4096 * 3);
    std::fs::write(&path, &bytes[..4096]).expect("truncate");
    refused(&path, "damaged", |e| {
        matches!(e, RecordsError::Corrupt { .. })
    });
}

#[test]
fn a_missing_store_is_reported_not_created_by_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(bin())
        .args(["report", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("report runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no records store at"), "{stderr}");
    assert!(!store_file(dir.path()).exists());
    assert!(matches!(
        Store::open_existing(&store_file(dir.path())),
        Err(RecordsError::Missing { .. })
    ));
}

#[test]
fn a_folder_where_the_file_should_be_is_an_io_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(store_file(dir.path())).expect("mkdir");
    assert!(matches!(
        Store::open(&store_file(dir.path())),
        Err(RecordsError::Io { .. })
    ));
}
