"""The store's schema, as migrations applied in order when a store opens.

A migration that has shipped is never edited: phones in the field have already run it.
Change the schema by adding the next `mNNN_...` function below the last one. Each runs in
its own transaction together with its record in `_sqlite_migrations`.

Moments are ISO-8601 UTC text ending in `Z`; answer values are JSON text.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from field_app.domain.checklist import Checklist
from field_app.domain.errors import UnknownChecklistError

from . import checklists, follow_ups, visits

MIGRATIONS = Migrations("field_app.store")


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    statements = [
        """
        CREATE TABLE checklists (
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (id, version)
        )
        """,
        """
        CREATE TABLE visits (
            uuid TEXT PRIMARY KEY,
            assignment_id TEXT,
            checklist_id TEXT NOT NULL,
            checklist_version INTEGER NOT NULL,
            checklist_sha256 TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('planned', 'in_progress', 'finalized', 'synced', 'returned')),
            revision INTEGER NOT NULL CHECK (revision >= 1),
            started_at TEXT NOT NULL,
            finalized_at TEXT,
            current_section TEXT,
            updated_at TEXT NOT NULL,
            FOREIGN KEY (checklist_id, checklist_version) REFERENCES checklists (id, version)
        )
        """,
        """
        CREATE TABLE answers (
            visit_uuid TEXT NOT NULL REFERENCES visits (uuid),
            question_id TEXT NOT NULL,
            value TEXT,
            na INTEGER NOT NULL DEFAULT 0 CHECK (na IN (0, 1)),
            comment TEXT NOT NULL DEFAULT '',
            answered_at TEXT NOT NULL,
            PRIMARY KEY (visit_uuid, question_id)
        )
        """,
        """
        CREATE TABLE timer_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            visit_uuid TEXT NOT NULL REFERENCES visits (uuid),
            question_id TEXT NOT NULL,
            event TEXT NOT NULL CHECK (event IN ('start', 'stop', 'reset')),
            at TEXT NOT NULL
        )
        """,
        "CREATE INDEX timer_events_by_visit ON timer_events (visit_uuid)",
        """
        CREATE TABLE photos (
            visit_uuid TEXT NOT NULL REFERENCES visits (uuid),
            question_id TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            bytes INTEGER NOT NULL CHECK (bytes > 0),
            taken_at TEXT NOT NULL,
            path TEXT NOT NULL,
            PRIMARY KEY (visit_uuid, question_id, sha256)
        )
        """,
        """
        CREATE TABLE follow_up_answers (
            visit_uuid TEXT NOT NULL REFERENCES visits (uuid),
            follow_up_id TEXT NOT NULL,
            value TEXT,
            comment TEXT NOT NULL DEFAULT '',
            answered_at TEXT NOT NULL,
            PRIMARY KEY (visit_uuid, follow_up_id)
        )
        """,
        """
        CREATE TABLE revisions (
            visit_uuid TEXT NOT NULL REFERENCES visits (uuid),
            revision INTEGER NOT NULL CHECK (revision >= 1),
            payload BLOB NOT NULL,
            payload_sha256 TEXT NOT NULL,
            finalized_at TEXT NOT NULL,
            PRIMARY KEY (visit_uuid, revision)
        )
        """,
        # A retry must resend the very bytes first sent: the database itself refuses edits.
        """
        CREATE TRIGGER revisions_are_frozen BEFORE UPDATE ON revisions
        BEGIN
            SELECT RAISE(ABORT, 'a finalized revision never changes');
        END
        """,
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN ('visit_revision', 'photo')),
            visit_uuid TEXT NOT NULL,
            revision INTEGER NOT NULL,
            photo_sha256 TEXT CHECK ((kind = 'photo') = (photo_sha256 IS NOT NULL)),
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_attempt_at TEXT,
            done_at TEXT,
            FOREIGN KEY (visit_uuid, revision) REFERENCES revisions (visit_uuid, revision)
        )
        """,
        "CREATE INDEX outbox_pending ON outbox (id) WHERE done_at IS NULL",
        # Photos are blobs addressed by their hash: one upload serves every visit using it.
        "CREATE UNIQUE INDEX outbox_photo_once ON outbox (photo_sha256) WHERE kind = 'photo'",
        """
        CREATE UNIQUE INDEX outbox_revision_once ON outbox (visit_uuid, revision)
        WHERE kind = 'visit_revision'
        """,
    ]
    for statement in statements:
        db.execute(statement)


@MIGRATIONS()
def m002_route_and_settings(db: Database) -> None:
    statements = [
        """
        CREATE TABLE dealerships (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            brand TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            lat REAL,
            lon REAL
        )
        """,
        """
        CREATE TABLE assignments (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            dealer_code TEXT NOT NULL REFERENCES dealerships (code),
            checklist_id TEXT NOT NULL,
            checklist_version INTEGER NOT NULL,
            window_start TEXT,
            window_end TEXT,
            note TEXT NOT NULL DEFAULT ''
        )
        """,
        "CREATE INDEX assignments_by_day ON assignments (day, position)",
        "CREATE INDEX visits_by_assignment ON visits (assignment_id)",
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """,
    ]
    for statement in statements:
        db.execute(statement)


@MIGRATIONS()
def m003_sync(db: Database) -> None:
    statements = [
        # Why a coordinator sent a visit back, for the app to show next to it.
        """
        CREATE TABLE return_notes (
            visit_uuid TEXT PRIMARY KEY REFERENCES visits (uuid),
            revision INTEGER NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            returned_at TEXT NOT NULL
        )
        """,
        # The server's last known offset of each photo upload: what the app shows as sent.
        """
        CREATE TABLE photo_uploads (
            sha256 TEXT PRIMARY KEY,
            bytes INTEGER NOT NULL,
            server_offset INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
    ]
    for statement in statements:
        db.execute(statement)


@MIGRATIONS()
def m004_outbox_failure_kinds(db: Database) -> None:
    statements = [
        # Kept apart from `last_error` (text for people): automatic runs wait before
        # resending a refused item, and wait longer with each refusal in a row.
        "ALTER TABLE outbox ADD COLUMN failure_kind TEXT CHECK (failure_kind IN ('refused', 'network'))",
        "ALTER TABLE outbox ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0",
        # Rows failed before this migration: the kind is the first word of `last_error`
        # as `sync.report.failure_text` wrote it ("<kind> <code>: <message>"); GLOB is
        # case-sensitive, as `parse_failure` is. How many refusals in a row is not known:
        # one, the shortest wait.
        """
        UPDATE outbox SET failure_kind = substr(last_error, 1, instr(last_error, ' ') - 1)
        WHERE last_error GLOB 'refused *: *' OR last_error GLOB 'network *: *'
        """,
        "UPDATE outbox SET refusals = 1 WHERE failure_kind = 'refused' AND done_at IS NULL",
    ]
    for statement in statements:
        db.execute(statement)


@MIGRATIONS()
def m005_visit_shopper(db: Database) -> None:
    statements = [
        # Whose account the visit was made under: a phone handed to another shopper must
        # not send it under theirs. NULL: made while the phone was not paired.
        "ALTER TABLE visits ADD COLUMN shopper_id TEXT",
        # The visits already here were made under the account paired now, if any: the
        # sync client empties `sync.shopper_id` when it unpairs.
        """
        UPDATE visits SET shopper_id = (
            SELECT value FROM settings WHERE key = 'sync.shopper_id' AND value <> '')
        """,
    ]
    for statement in statements:
        db.execute(statement)


@MIGRATIONS()
def m006_open_follow_ups(db: Database) -> None:
    # Today lists the follow-ups due: reading them from every finalized visit made a year
    # of visits cost a year. Each visit's unanswered ones are kept here with their due
    # moment, written with the revision that changes them (`follow_ups.replace`).
    statements = [
        """
        CREATE TABLE open_follow_ups (
            visit_uuid TEXT NOT NULL REFERENCES visits (uuid),
            follow_up_id TEXT NOT NULL,
            due_at TEXT NOT NULL,
            PRIMARY KEY (visit_uuid, follow_up_id)
        )
        """,
        "CREATE INDEX open_follow_ups_by_due ON open_follow_ups (due_at)",
    ]
    for statement in statements:
        db.execute(statement)
    # The visits already here: each one whose revision is frozen (finalized, synced or
    # returned; one reopened has not frozen its next yet) is rebuilt from its rows, as
    # the store reads it, and its open follow-ups counted by the domain's rule.
    read: dict[tuple[str, int], Checklist] = {}

    def checklist_of(checklist_id: str, version: int) -> Checklist:
        if (checklist_id, version) not in read:
            entry = checklists.load(db, checklist_id, version)
            if entry is None:
                raise UnknownChecklistError(f"no checklist {checklist_id}@{version} is stored")
            read[(checklist_id, version)] = entry[0]
        return read[(checklist_id, version)]

    frozen = db.execute(
        """
        SELECT v.uuid FROM visits v
        WHERE v.status IN ('finalized', 'synced', 'returned')
          AND EXISTS (SELECT 1 FROM revisions r WHERE r.visit_uuid = v.uuid AND r.revision = v.revision)
        ORDER BY v.rowid
        """
    ).fetchall()
    for (uuid,) in frozen:
        visit = visits.load(db, uuid, checklist_of)
        if visit is not None:
            follow_ups.replace(db, visit)


@MIGRATIONS()
def m007_photos_leave_the_phone(db: Database) -> None:
    statements = [
        # The revision a coordinator approved, as a pull told it (`PullResponse.approved`);
        # NULL: not approved, or not known to be.
        "ALTER TABLE visits ADD COLUMN approved_revision INTEGER",
        # Photos whose full file has left the phone (the server has them; the thumbnail
        # stays). A photo is named by its sha256 wherever a visit uses it.
        """
        CREATE TABLE removed_photos (
            sha256 TEXT PRIMARY KEY,
            removed_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX photos_by_sha256 ON photos (sha256)",
    ]
    for statement in statements:
        db.execute(statement)


@MIGRATIONS()
def m008_time_zones_and_calendar(db: Database) -> None:
    statements = [
        # The dealership's IANA time zone, as a pull gives it: follow-ups count working
        # days in it. Stored before the pull sent it: Moscow, what `Dealership` assumes.
        "ALTER TABLE dealerships ADD COLUMN timezone TEXT NOT NULL DEFAULT 'Europe/Moscow'",
        # The production calendar's years a pull brought (`PullResponse.calendar`), over
        # those the app ships with; `body` is the year's JSON as `workdays.parse_year` reads it.
        """
        CREATE TABLE calendar_years (
            year INTEGER PRIMARY KEY,
            body TEXT NOT NULL,
            received_at TEXT NOT NULL
        )
        """,
    ]
    for statement in statements:
        db.execute(statement)


@MIGRATIONS()
def m009_location_fixes(db: Database) -> None:
    # What each request for a location fix came to (issue 17): a fix (lat, lon, accuracy)
    # or the reason there was none. One row per outcome, written when it comes, in its own
    # transaction; the latest of each slot (start, finish, a photo by its sha256) counts.
    # `at` is the phone's clock when the outcome came, as a revision's moments are.
    statements = [
        """
        CREATE TABLE location_outcomes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            visit_uuid TEXT NOT NULL REFERENCES visits (uuid),
            event TEXT NOT NULL CHECK (event IN ('start', 'finish', 'photo')),
            photo_sha256 TEXT CHECK ((event = 'photo') = (photo_sha256 IS NOT NULL)),
            at TEXT NOT NULL,
            lat REAL CHECK (lat BETWEEN -90 AND 90),
            lon REAL CHECK (lon BETWEEN -180 AND 180),
            accuracy_m REAL CHECK (accuracy_m >= 0),
            reason TEXT CHECK (reason IN ('denied', 'no_service', 'timeout', 'error')),
            CHECK ((reason IS NULL) = (lat IS NOT NULL AND lon IS NOT NULL AND accuracy_m IS NOT NULL)),
            CHECK (reason IS NULL OR (lat IS NULL AND lon IS NULL AND accuracy_m IS NULL))
        )
        """,
        "CREATE INDEX location_outcomes_by_visit ON location_outcomes (visit_uuid, id)",
    ]
    for statement in statements:
        db.execute(statement)


@MIGRATIONS()
def m010_recordings(db: Database) -> None:
    # A visit's call recordings (issue 17), kept as its photos are: one row per question
    # and file, the file named by its sha256 (`field_app.recordings`), listed in the
    # order they were added (rowid), which is the order the revision lists them in.
    statements = [
        """
        CREATE TABLE recordings (
            visit_uuid TEXT NOT NULL REFERENCES visits (uuid),
            question_id TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            bytes INTEGER NOT NULL CHECK (bytes > 0),
            recorded_at TEXT NOT NULL,
            path TEXT NOT NULL,
            PRIMARY KEY (visit_uuid, question_id, sha256)
        )
        """,
        "CREATE INDEX recordings_by_sha256 ON recordings (sha256)",
    ]
    for statement in statements:
        db.execute(statement)


# The outbox as migrations 1 and 4 left it, in its column order, with `kind` (and the rule
# tying `photo_sha256` to it) allowing 'recording': SQLite changes a CHECK only by
# rebuilding the table.
_OUTBOX_COLUMNS = ("id, kind, visit_uuid, revision, photo_sha256, created_at, attempts, last_error, "
                   "last_attempt_at, done_at, failure_kind, refusals")


@MIGRATIONS()
def m011_outbox_recordings(db: Database) -> None:
    # A call recording is a blob uploaded like a photo (HEAD/PATCH /blobs/{sha256}); its
    # outbox items are kind 'recording' and name the file in `photo_sha256`, which now
    # names any blob. Every row is kept with its id (the order items go in), and the
    # AUTOINCREMENT high-water mark too, so no id is ever given twice. This runs in the
    # migration's transaction: a failure leaves the old table as it was.
    (high,) = db.execute("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
    statements = [
        """
        CREATE TABLE outbox_rebuilt (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN ('visit_revision', 'photo', 'recording')),
            visit_uuid TEXT NOT NULL,
            revision INTEGER NOT NULL,
            photo_sha256 TEXT CHECK ((kind IN ('photo', 'recording')) = (photo_sha256 IS NOT NULL)),
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_attempt_at TEXT,
            done_at TEXT,
            failure_kind TEXT CHECK (failure_kind IN ('refused', 'network')),
            refusals INTEGER NOT NULL DEFAULT 0,
            FOREIGN KEY (visit_uuid, revision) REFERENCES revisions (visit_uuid, revision)
        )
        """,
        f"INSERT INTO outbox_rebuilt ({_OUTBOX_COLUMNS}) SELECT {_OUTBOX_COLUMNS} FROM outbox ORDER BY id",
        "DROP TABLE outbox",  # its indexes go with it
        "ALTER TABLE outbox_rebuilt RENAME TO outbox",
        "CREATE INDEX outbox_pending ON outbox (id) WHERE done_at IS NULL",
        "CREATE UNIQUE INDEX outbox_photo_once ON outbox (photo_sha256) WHERE kind = 'photo'",
        # A recording, too, is uploaded once whichever visits use it.
        "CREATE UNIQUE INDEX outbox_recording_once ON outbox (photo_sha256) WHERE kind = 'recording'",
        """
        CREATE UNIQUE INDEX outbox_revision_once ON outbox (visit_uuid, revision)
        WHERE kind = 'visit_revision'
        """,
    ]
    for statement in statements:
        db.execute(statement)
    db.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'outbox'", [high])
    if high and db.execute("SELECT 1 FROM sqlite_sequence WHERE name = 'outbox'").fetchone() is None:
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)", [high])
