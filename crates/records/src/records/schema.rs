//! The records store's schema and its migrations, keyed on SQLite's `user_version`.
//!
//! `docs/records.md` documents every table and column; keep it in step with this file.
//! A migration is appended, never edited: migration *n* (1-based) takes a store from
//! `user_version` *n − 1* to *n*, inside the same transaction that sets the version.

/// `PRAGMA application_id` of every Courtesy records store: "CRTS" in ASCII.
pub const APPLICATION_ID: i64 = 0x4352_5453;

/// The `meta` row that names the file format.
pub(crate) const FORMAT_KEY: &str = "format";
/// Its value.
pub(crate) const FORMAT_VALUE: &str = "courtesy-records";

/// The migrations, in order. The schema version this build writes is their count.
pub const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE trainees (
    id            TEXT PRIMARY KEY,
    first_seen_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE attempts (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT NOT NULL UNIQUE,
    trainee         TEXT NOT NULL REFERENCES trainees(id),
    scenario        TEXT NOT NULL,
    content_hash    TEXT,
    seed            TEXT NOT NULL,
    locale          TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('app', 'cli', 'import')),
    app_version     TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'finished', 'abandoned')),
    started_ms      INTEGER NOT NULL,
    last_ms         INTEGER NOT NULL,
    steps           INTEGER NOT NULL DEFAULT 0,
    finished_ms     INTEGER,
    ending          TEXT,
    outcome         TEXT CHECK (outcome IN ('resolved', 'escalated', 'customer_left', 'unresolved')),
    passed          INTEGER CHECK (passed IN (0, 1)),
    overall         REAL,
    final_mood      INTEGER,
    respect         REAL,
    moderation      REAL,
    self_discipline REAL,
    compliance      REAL,
    not_assessed    TEXT,
    below_floor     TEXT
);

CREATE INDEX attempts_by_time     ON attempts (started_ms);
-- These two cover the dashboard's aggregates (cohort averages, trainee table, first and
-- last attempt, a trainee's best per scenario): they read a narrow index instead of the
-- table, for every trainee or for one scenario.
CREATE INDEX attempts_by_trainee  ON attempts (trainee, finished_ms, id, status, passed, overall,
    respect, moderation, self_discipline, compliance, last_ms, started_ms, scenario);
CREATE INDEX attempts_by_scenario ON attempts (scenario, started_ms, trainee, finished_ms, status,
    passed, overall, respect, moderation, self_discipline, compliance, last_ms);

CREATE TABLE steps (
    attempt_id      INTEGER NOT NULL REFERENCES attempts(id),
    idx             INTEGER NOT NULL,
    scenario        TEXT NOT NULL,
    step_id         TEXT NOT NULL,
    variant         INTEGER NOT NULL,
    customer_line   TEXT NOT NULL,
    offered         TEXT NOT NULL,
    chosen          TEXT NOT NULL,
    best            TEXT NOT NULL,
    timed_out       INTEGER NOT NULL CHECK (timed_out IN (0, 1)),
    response_ms     INTEGER NOT NULL,
    respect         INTEGER,
    moderation      INTEGER,
    self_discipline INTEGER,
    compliance      INTEGER,
    rating_total    INTEGER NOT NULL,
    mood_before     INTEGER NOT NULL,
    mood_after      INTEGER NOT NULL,
    trigger_goto    TEXT,
    recorded_ms     INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, idx)
) WITHOUT ROWID;

-- "Where learners go wrong": reply counts per scenario and step straight from this index,
-- in GROUP BY order, without reading the steps themselves.
CREATE INDEX steps_by_choice ON steps (scenario, step_id, chosen, best, rating_total, timed_out,
    response_ms);

CREATE VIEW attempts_readable AS
SELECT uuid,
       trainee,
       scenario,
       strftime('%Y-%m-%dT%H:%M:%SZ', started_ms / 1000, 'unixepoch') AS started_utc,
       strftime('%Y-%m-%dT%H:%M:%SZ', finished_ms / 1000, 'unixepoch') AS finished_utc,
       CASE WHEN status = 'finished' THEN 'finished'
            WHEN status = 'abandoned' THEN 'abandoned'
            WHEN last_ms < CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 3600000 THEN 'abandoned'
            ELSE 'in_progress' END AS state,
       steps,
       outcome,
       passed,
       round(overall, 1) AS overall,
       round(respect, 1) AS respect,
       round(moderation, 1) AS moderation,
       round(self_discipline, 1) AS self_discipline,
       round(compliance, 1) AS compliance,
       seed,
       locale
FROM attempts;
"#,
    // 2: the xAPI outbox (docs/xapi.md). One row per statement, written in the same
    // transaction as the step or result it describes; the sync sends the pending ones.
    r#"
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    attempt_id  INTEGER NOT NULL REFERENCES attempts(id),
    step_idx    INTEGER,
    verb        TEXT NOT NULL CHECK (verb IN ('answered', 'completed', 'passed', 'failed')),
    statement   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'parked')),
    created_ms  INTEGER NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0,
    last_try_ms INTEGER,
    sent_ms     INTEGER,
    reason      TEXT
);

-- The sync reads the oldest pending statements first; status counts come from here too.
CREATE INDEX outbox_by_status ON outbox (status, seq);
CREATE INDEX outbox_by_attempt ON outbox (attempt_id, step_idx);
"#,
    // 3: access to the room's records (docs/records.md, "Access"): every manager
    // sign-in, wrong password and throttled attempt, and password change, logged; the
    // failure count behind the growing delay lives in `meta`.
    r#"
CREATE TABLE access_log (
    seq    INTEGER PRIMARY KEY,
    at_ms  INTEGER NOT NULL,
    event  TEXT NOT NULL,
    via    TEXT NOT NULL,
    detail TEXT
);
"#,
    // 4: the room's roster (docs/records.md, "Access"): trainees the manager added,
    // with a display name, an optional PIN (argon2id) and a retirement time.
    r#"
CREATE TABLE roster (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    pin        TEXT,
    added_ms   INTEGER NOT NULL,
    retired_ms INTEGER
) WITHOUT ROWID;
"#,
    // 5: pruning delivered statements (docs/records.md, "Delivered statements"). A sent
    // statement's JSON is replaced by '' once it is proven to be rebuilt byte for byte from
    // the records rows plus its `statement_parts` row (scenario texts, identity, critical
    // replies: deduplicated); `digest` is the SHA-256 of the JSON as sent, checked on
    // every rebuild. `digest` set with `parts_id` NULL: checked, kept whole.
    r#"
CREATE TABLE statement_parts (
    id    INTEGER PRIMARY KEY,
    hash  BLOB NOT NULL UNIQUE,
    parts TEXT NOT NULL
);

ALTER TABLE outbox ADD COLUMN parts_id INTEGER REFERENCES statement_parts(id);
ALTER TABLE outbox ADD COLUMN digest BLOB;

-- The sent statements not examined yet, oldest delivery first: what the next prune reads.
CREATE INDEX outbox_unpruned ON outbox (sent_ms) WHERE status = 'sent' AND digest IS NULL;
"#,
    // 6: stations and the LRS pull cache (docs/records.md, "Stations" and "The LRS cache").
    // `attempts.station`: the station an attempt was played at (NULL before this version);
    // it is the `station` extension of its statements. The `lrs_` tables are used only in
    // the cache store (`lrs-cache.sqlite3`) that `courtesy sync --pull` fills from the LRS:
    // every statement pulled (deduplicated by id) with what was made of it, and the pull's
    // cursor per endpoint. In a station's own store they stay empty.
    r#"
ALTER TABLE attempts ADD COLUMN station TEXT;

CREATE TABLE lrs_statements (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    stored_ms    INTEGER,
    registration TEXT,
    station      TEXT,
    status       TEXT NOT NULL CHECK (status IN ('used', 'ignored', 'skipped')),
    reason       TEXT,
    statement    TEXT NOT NULL,
    pulled_ms    INTEGER NOT NULL,
    rebuilt      INTEGER NOT NULL DEFAULT 0 CHECK (rebuilt IN (0, 1))
);

CREATE INDEX lrs_statements_by_registration ON lrs_statements (registration, stored_ms)
    WHERE status = 'used';
-- Statements whose attempt has not been rebuilt since they arrived (a pull cut short).
CREATE INDEX lrs_statements_unrebuilt ON lrs_statements (registration)
    WHERE status = 'used' AND rebuilt = 0;

CREATE TABLE lrs_pull (
    endpoint        TEXT PRIMARY KEY,
    cursor_ms       INTEGER,
    last_success_ms INTEGER,
    last_try_ms     INTEGER,
    last_error      TEXT,
    pulls           INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
"#,
    // 7: assignments (docs/learning.md, "Assignments"). The manager's assignments made at
    // this station (`assignments`; their revisions replace them, a withdrawal ends them),
    // and the (assignment, trainee) pairs whose `satisfied` statement was queued. The
    // outbox is rebuilt so that a statement may belong to no attempt (`attempt_id` NULL:
    // the assignment statements `assigned`, `withdrew`, `satisfied`), its rows and
    // `seq`s kept as they were.
    r#"
CREATE TABLE assignments (
    id           TEXT PRIMARY KEY,
    revision     INTEGER NOT NULL CHECK (revision >= 1),
    scenarios    TEXT NOT NULL,
    trainees     TEXT,
    due_ms       INTEGER,
    policy       TEXT NOT NULL CHECK (policy IN ('best', 'first', 'last')),
    floors       TEXT NOT NULL DEFAULT '{}',
    assigned_ms  INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL,
    station      TEXT,
    withdrawn_ms INTEGER
) WITHOUT ROWID;

CREATE TABLE assignment_satisfied (
    assignment TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    trainee    TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    PRIMARY KEY (assignment, revision, trainee)
) WITHOUT ROWID;

CREATE TABLE outbox_v7 (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    attempt_id  INTEGER REFERENCES attempts(id),
    step_idx    INTEGER,
    verb        TEXT NOT NULL CHECK (verb IN ('answered', 'completed', 'passed', 'failed',
                                              'assigned', 'withdrew', 'satisfied')),
    statement   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'parked')),
    created_ms  INTEGER NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0,
    last_try_ms INTEGER,
    sent_ms     INTEGER,
    reason      TEXT,
    parts_id    INTEGER REFERENCES statement_parts(id),
    digest      BLOB,
    CHECK ((attempt_id IS NULL) = (verb IN ('assigned', 'withdrew', 'satisfied')))
);
INSERT INTO outbox_v7 (seq, id, attempt_id, step_idx, verb, statement, status, created_ms,
    tries, last_try_ms, sent_ms, reason, parts_id, digest)
SELECT seq, id, attempt_id, step_idx, verb, statement, status, created_ms, tries,
    last_try_ms, sent_ms, reason, parts_id, digest FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v7 RENAME TO outbox;
CREATE INDEX outbox_by_status ON outbox (status, seq);
CREATE INDEX outbox_by_attempt ON outbox (attempt_id, step_idx);
CREATE INDEX outbox_unpruned ON outbox (sent_ms) WHERE status = 'sent' AND digest IS NULL;
"#,
    // 8: practice-the-step (docs/learning.md, "Practice"). One row per step a trainee
    // replayed in practice. Never an attempt: no query over `attempts`/`steps` (scores,
    // dashboards, reports) reads it, and nothing writes a statement to the outbox for it.
    r#"
CREATE TABLE practice (
    id              INTEGER PRIMARY KEY,
    trainee         TEXT NOT NULL,
    scenario        TEXT NOT NULL,
    step_id         TEXT NOT NULL,
    mood_before     INTEGER NOT NULL,
    chosen          TEXT NOT NULL,
    best            TEXT NOT NULL,
    timed_out       INTEGER NOT NULL CHECK (timed_out IN (0, 1)),
    response_ms     INTEGER NOT NULL,
    respect         INTEGER,
    moderation      INTEGER,
    self_discipline INTEGER,
    compliance      INTEGER,
    recorded_ms     INTEGER NOT NULL
);

CREATE INDEX practice_by_trainee ON practice (trainee, recorded_ms);
"#,
];

/// The schema version this build writes (and the newest it can read).
pub fn current_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}
