"""The server's schema, as numbered migrations applied in order when the server starts.

A migration that has shipped is never edited: servers in use have already run it. Change
the schema by appending the next `Migration` to `MIGRATIONS`. Each runs in its own
transaction together with its row in `schema_migrations`, so a crash leaves it either
wholly applied or not at all (PostgreSQL and SQLite both have transactional DDL).

The SQL is the same on both databases: TEXT ids (made in Python), moments as ISO-8601 UTC
text, DOUBLE PRECISION for coordinates (SQLite reads it as REAL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, text

from .database import Database, moment

# Any constant: PostgreSQL's advisory lock key for "migrating this schema".
_PG_MIGRATION_LOCK = 4_172_026


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    # Python run after the statements, in the same transaction: fills new columns from
    # what the rows already hold (work SQL cannot do, such as scoring a stored revision).
    backfill: Callable[[Connection], None] | None = None


M001_INITIAL = Migration(1, "initial", (
    """
    CREATE TABLE coordinators (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE shoppers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE pairing_codes (
        code_hash TEXT PRIMARY KEY,
        shopper_id TEXT NOT NULL REFERENCES shoppers (id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        device_id TEXT
    )
    """,
    "CREATE INDEX pairing_codes_by_shopper ON pairing_codes (shopper_id)",
    """
    CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        shopper_id TEXT NOT NULL REFERENCES shoppers (id),
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_seen_at TEXT,
        revoked_at TEXT
    )
    """,
    """
    CREATE TABLE dealerships (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        brand TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        lat DOUBLE PRECISION,
        lon DOUBLE PRECISION,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE checklists (
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        body TEXT NOT NULL,
        published_at TEXT NOT NULL,
        PRIMARY KEY (id, version)
    )
    """,
    # One row, bumped in the transaction of every route change: its row lock orders those
    # transactions, so the sequence order is their commit order on PostgreSQL too.
    """
    CREATE TABLE change_counter (
        name TEXT PRIMARY KEY,
        value BIGINT NOT NULL
    )
    """,
    "INSERT INTO change_counter (name, value) VALUES ('routes', 0)",
    """
    CREATE TABLE assignments (
        id TEXT PRIMARY KEY,
        shopper_id TEXT NOT NULL REFERENCES shoppers (id),
        day TEXT NOT NULL,
        position INTEGER NOT NULL,
        dealer_code TEXT NOT NULL REFERENCES dealerships (code),
        checklist_id TEXT NOT NULL,
        checklist_version INTEGER NOT NULL,
        window_start TEXT,
        window_end TEXT,
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        removed_at TEXT,
        change_seq BIGINT NOT NULL,
        FOREIGN KEY (checklist_id, checklist_version) REFERENCES checklists (id, version)
    )
    """,
    "CREATE INDEX assignments_by_change ON assignments (shopper_id, change_seq)",
    "CREATE INDEX assignments_by_day ON assignments (shopper_id, day, position)",
    "CREATE INDEX assignments_by_dealer ON assignments (dealer_code)",
    """
    CREATE TABLE visits (
        uuid TEXT PRIMARY KEY,
        shopper_id TEXT NOT NULL REFERENCES shoppers (id),
        assignment_id TEXT,
        latest_revision INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('received', 'returned', 'approved')),
        reviewed_revision INTEGER,
        review_comment TEXT NOT NULL DEFAULT '',
        reviewed_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX visits_by_shopper ON visits (shopper_id, status)",
    """
    CREATE TABLE visit_revisions (
        visit_uuid TEXT NOT NULL REFERENCES visits (uuid),
        revision INTEGER NOT NULL CHECK (revision >= 1),
        payload TEXT NOT NULL,
        payload_sha256 TEXT NOT NULL,
        assignment_id TEXT,
        checklist_id TEXT NOT NULL,
        checklist_version INTEGER NOT NULL,
        finalized_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        device_id TEXT NOT NULL,
        PRIMARY KEY (visit_uuid, revision),
        FOREIGN KEY (checklist_id, checklist_version) REFERENCES checklists (id, version)
    )
    """,
    # The photos each revision names, with the question they answer.
    """
    CREATE TABLE revision_photos (
        visit_uuid TEXT NOT NULL,
        revision INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        question_id TEXT NOT NULL,
        bytes BIGINT NOT NULL CHECK (bytes > 0),
        PRIMARY KEY (visit_uuid, revision, sha256, question_id),
        FOREIGN KEY (visit_uuid, revision) REFERENCES visit_revisions (visit_uuid, revision)
    )
    """,
    # Who may upload or ask about a blob, and its one size: a row per photo a shopper's
    # stored revisions name (kept apart so that the check is one primary-key lookup).
    """
    CREATE TABLE shopper_photos (
        shopper_id TEXT NOT NULL REFERENCES shoppers (id),
        sha256 TEXT NOT NULL,
        bytes BIGINT NOT NULL CHECK (bytes > 0),
        PRIMARY KEY (shopper_id, sha256)
    )
    """,
    # A row only for a blob whose bytes were checked and moved into place.
    """
    CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY,
        bytes BIGINT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        stored_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE visit_reviews (
        id TEXT PRIMARY KEY,
        visit_uuid TEXT NOT NULL REFERENCES visits (uuid),
        revision INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('approve', 'return')),
        comment TEXT NOT NULL DEFAULT '',
        reviewed_by TEXT NOT NULL,
        reviewed_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX visit_reviews_by_visit ON visit_reviews (visit_uuid)",
    # The follow-ups the latest revision of a visit leaves unanswered, rewritten with it.
    """
    CREATE TABLE pending_follow_ups (
        visit_uuid TEXT NOT NULL REFERENCES visits (uuid),
        follow_up_id TEXT NOT NULL,
        due_at TEXT NOT NULL,
        PRIMARY KEY (visit_uuid, follow_up_id)
    )
    """,
))

# A photo is stored when its checked file is in place (an atomic rename): a row per blob
# said the same thing a second time, and writing it cost every upload a turn at SQLite's
# single writer lock.
M002_BLOBS_ARE_FILES = Migration(2, "blobs_are_files", ("DROP TABLE blobs",))


def _summarized_by_migration_14(conn: Connection) -> None:
    """Migrations 3, 8 and 12 once summarized the stored visits here. Today's summaries need
    the schema of migration 14, which runs after them on every server that runs them and
    summarizes every stored visit that has no summary yet (a server that ran them already
    is left as it was)."""


def _count_by_local_months(conn: Connection) -> None:
    from .summaries import count_by_local_months  # the summaries need the schema this migration makes

    count_by_local_months(conn)


# The coordinator console: sessions, and what it lists and counts of each visit worked
# out once, when a revision arrives (its dealership, checklist, moments and scores), so
# that a page over 100,000 visits reads columns and counters instead of scoring payloads.
M003_CONSOLE = Migration(3, "console", (
    """
    CREATE TABLE console_sessions (
        token_hash TEXT PRIMARY KEY,
        coordinator_id TEXT NOT NULL REFERENCES coordinators (id),
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )
    """,
    "ALTER TABLE visits ADD COLUMN dealer_code TEXT",
    "ALTER TABLE visits ADD COLUMN checklist_id TEXT",
    "ALTER TABLE visits ADD COLUMN checklist_version INTEGER",
    "ALTER TABLE visits ADD COLUMN started_at TEXT",
    "ALTER TABLE visits ADD COLUMN finalized_at TEXT",
    "ALTER TABLE visits ADD COLUMN score_got DOUBLE PRECISION",
    "ALTER TABLE visits ADD COLUMN score_out_of DOUBLE PRECISION",
    # {section id: [got, out of]} of the latest revision, for the list and the exports.
    "ALTER TABLE visits ADD COLUMN section_scores TEXT",
    "CREATE INDEX visits_by_started ON visits (started_at, uuid)",
    "CREATE INDEX visits_by_dealer ON visits (dealer_code, started_at, uuid)",
    "CREATE INDEX visits_by_status ON visits (status, started_at, uuid)",
    "CREATE INDEX visits_by_shopper_started ON visits (shopper_id, started_at, uuid)",
    "CREATE INDEX visits_by_checklist ON visits (checklist_id, started_at, uuid)",
    # Per dealership and item: how many counted visits met the standard, of how many it
    # applied to. Counted: the latest revision of each visit that is not returned.
    """
    CREATE TABLE standard_tally (
        dealer_code TEXT NOT NULL,
        checklist_id TEXT NOT NULL,
        item_id TEXT NOT NULL,
        met BIGINT NOT NULL,
        counted BIGINT NOT NULL,
        PRIMARY KEY (dealer_code, checklist_id, item_id)
    )
    """,
), backfill=_summarized_by_migration_14)

# The console asks which stops have been visited (the route board, a shopper's open work).
M004_VISITS_BY_ASSIGNMENT = Migration(4, "visits_by_assignment", (
    "CREATE INDEX visits_by_assignment ON visits (assignment_id)",
))

# A pairing whose answer was lost is retried with the same attempt id (PairRequest.attempt).
M005_PAIRING_ATTEMPTS = Migration(5, "pairing_attempts", (
    "ALTER TABLE pairing_codes ADD COLUMN attempt_hash TEXT",
))

# Follow-ups count working days in the dealership's time zone (an IANA name). A constant
# default fills the rows already there on both databases: every dealership so far was
# taken to be in Moscow's zone.
M006_DEALERSHIP_TIMEZONES = Migration(6, "dealership_timezones", (
    "ALTER TABLE dealerships ADD COLUMN timezone TEXT NOT NULL DEFAULT 'Europe/Moscow'",
))

# The production calendar's years a coordinator imported (`fieldaudit admin import-calendar`),
# added to the decrees the package ships: `transfers` is the JSON list of {"from", "to"}.
M007_CALENDAR_YEARS = Migration(7, "calendar_years", (
    """
    CREATE TABLE calendar_years (
        year INTEGER PRIMARY KEY,
        source TEXT NOT NULL DEFAULT '',
        transfers TEXT NOT NULL,
        imported_at TEXT NOT NULL
    )
    """,
))

# The tally counts a standard across a checklist's versions: `standard_tally.item_id` holds
# an item's key (`standards.key_of`: its standard id, else its version and question id)
# instead of the question id. Counted again from the stored revisions.
M008_TALLY_BY_STANDARD = Migration(8, "tally_by_standard", (), backfill=_summarized_by_migration_14)

# The console's review queue: the visits whose newest revision waits for a verdict, the
# one waiting longest first. `received_at` is when the newest revision arrived (set with
# `latest_revision`), filled here from the stored revisions.
M009_REVIEW_QUEUE = Migration(9, "review_queue", (
    "ALTER TABLE visits ADD COLUMN received_at TEXT",
    """
    UPDATE visits SET received_at = (
        SELECT r.received_at FROM visit_revisions r
        WHERE r.visit_uuid = visits.uuid AND r.revision = visits.latest_revision)
    """,
    "CREATE INDEX visits_waiting ON visits (status, received_at, uuid)",
))

# Failed console logins and pairing codes, which the limits on guessing count
# (`throttle.py`): the kind of limit, the sha256 of what it counts (a login name, a client
# address) and when. Kept in the database so that the limits outlive a restart.
M010_FAILED_ATTEMPTS = Migration(10, "failed_attempts", (
    """
    CREATE TABLE failed_attempts (
        kind TEXT NOT NULL,
        key_hash TEXT NOT NULL,
        at TEXT NOT NULL
    )
    """,
    "CREATE INDEX failed_attempts_by_key ON failed_attempts (kind, key_hash, at)",
    "CREATE INDEX failed_attempts_by_time ON failed_attempts (at)",
))


def _fold_search_columns(conn: Connection) -> None:
    from .search import fold  # the folding of the time; a later change of it re-folds in a migration of its own

    shoppers = conn.execute(text("SELECT id, name, city FROM shoppers")).all()
    if shoppers:
        conn.execute(text("UPDATE shoppers SET search = :f WHERE id = :id"),
                     [{"id": r.id, "f": fold(r.name, r.city, r.id)} for r in shoppers])
    dealers = conn.execute(text("SELECT code, name, brand, city FROM dealerships")).all()
    if dealers:
        conn.execute(text("UPDATE dealerships SET search = :f WHERE code = :c"),
                     [{"c": r.code, "f": fold(r.code, r.name, r.brand, r.city)} for r in dealers])


# People and places change (issue 16): a shopper or a dealership is deactivated (kept in
# history, visits and reports; gone from pickers and boards) and reactivated; a shopper
# has a city to tell namesakes apart; both lists are searched on `search`, the row's name,
# code or id and city (and brand) folded in Python (`search.fold`), and paged in name order.
M011_ROSTER = Migration(11, "roster", (
    "ALTER TABLE shoppers ADD COLUMN city TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE shoppers ADD COLUMN deactivated_at TEXT",
    "ALTER TABLE shoppers ADD COLUMN search TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE dealerships ADD COLUMN deactivated_at TEXT",
    "ALTER TABLE dealerships ADD COLUMN search TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX shoppers_by_name ON shoppers (name, id)",
    "CREATE INDEX dealerships_by_name ON dealerships (name, code)",
), backfill=_fold_search_columns)

# Analytics that count only approved visits by default and filter by period, city, brand
# and shopper (issue 16, point 5). Each visit keeps its standards met (`visit_standards`:
# item key -> 1 or 0, JSON) and their counts on its row; `month_tally` sums them over all
# dealerships per checklist, month (UTC, of the visit's start), status and item, so that
# each status counts apart. It replaces `standard_tally`, which had neither status nor
# month. `visits_for_analytics` carries what a page of dealerships sums, index only, in
# dealership order (no sort before the sums); the dealerships' cities and brands, which the
# filters offer and choose by, have indexes of their own.
# The stored visits are summarized by migration 14 (today's summaries need its column).
M012_ANALYTICS_FILTERS = Migration(12, "analytics_filters", (
    "ALTER TABLE visits ADD COLUMN standards_met INTEGER",
    "ALTER TABLE visits ADD COLUMN standards_counted INTEGER",
    """
    CREATE TABLE visit_standards (
        visit_uuid TEXT PRIMARY KEY REFERENCES visits (uuid),
        items TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE month_tally (
        checklist_id TEXT NOT NULL,
        month TEXT NOT NULL,
        status TEXT NOT NULL,
        item_id TEXT NOT NULL,
        met BIGINT NOT NULL,
        counted BIGINT NOT NULL,
        PRIMARY KEY (checklist_id, month, status, item_id)
    )
    """,
    "DROP TABLE standard_tally",
    "CREATE INDEX visits_for_analytics ON visits "
    "(checklist_id, dealer_code, status, started_at, standards_met, standards_counted, shopper_id)",
    "CREATE INDEX dealerships_by_city ON dealerships (city, brand)",
    "CREATE INDEX dealerships_by_brand ON dealerships (brand)",
), backfill=_summarized_by_migration_14)

# The dealership list shows the active ones in name order, a page at a time, searched or
# not: this index answers it alone (the deactivated_at IS NULL range, in name order, with
# `search` to filter on), so skipping to page 600 or finding no match reads the index
# instead of 60,000 rows (SQLite: 25 -> 2.4 ms and 48 -> 10 ms; benchmarks/console.py).
M013_DEALERSHIPS_LISTED = Migration(13, "dealerships_listed", (
    "CREATE INDEX dealerships_listed ON dealerships (deactivated_at, name, code, search)",
))

# A visit counts in the month of its start on its dealership's wall clock, not in UTC's: a
# visit in Vladivostok (UTC+10) on 1 March at 08:00 is a March visit, though it began on
# the last day of February in UTC. `local_month` ("YYYY-MM") is worked out in Python from
# `started_at` and the dealership's `timezone` (Moscow's without a dealership) when a
# revision arrives and when the dealership's zone changes; the period filters, a
# dealership's months and `month_tally` read it. `visits_for_analytics` is made again with
# it in place of `started_at`. Filled here for the visits already held and the tally
# counted again from what they keep (`summaries.count_by_local_months`); a server from
# before migration 12 has its visits summarized here instead.
M014_LOCAL_MONTHS = Migration(14, "local_months", (
    "ALTER TABLE visits ADD COLUMN local_month TEXT",
    "DROP INDEX visits_for_analytics",
    "CREATE INDEX visits_for_analytics ON visits "
    "(checklist_id, dealer_code, status, local_month, standards_met, standards_counted, shopper_id)",
), backfill=_count_by_local_months)

# The checklists page counts each version's visits: without an index that holds the
# version, SQLite read every visit row (100,000 of them: 204 ms a page; with it 16 ms,
# benchmarks/console.py).
M015_VISITS_BY_VERSION = Migration(15, "visits_by_version", (
    "CREATE INDEX visits_by_version ON visits (checklist_id, checklist_version)",
))

# The proof of a visit (issue 17, point 4). A dealership may say how far its car park and
# showroom reach (`radius_m`; NULL: evidence.DEFAULT_RADIUS_M). `photo_facts` keeps what
# the server read from each stored photo (`photo_facts.py`): its EXIF capture time as the
# file gives it (ISO 8601, with its offset only when the file has one), its EXIF position,
# its 64-bit difference hash (`look`, stored as a signed BIGINT; NULL when too plain) and
# that hash's seven bands, each indexed: a near-duplicate shares at least one band exactly;
# `photos_alike` keeps the pairs found. Which visits use a photo is `revision_photos`, now indexed by sha256. `revision_flags`
# holds each revision's flags (a code and its numbers, JSON), replaced whenever they are
# computed again; `visit_revisions.flags_at` says when that last happened (NULL: never,
# for a revision from before this migration or one whose computing failed).
# No backfill: the facts of photos already stored are read when a revision naming them
# arrives (`evidence_store`), not all at once here (some 10 ms a photo: 100,000 photos
# would hold a server's start for a quarter of an hour).
M016_EVIDENCE = Migration(16, "evidence", (
    "ALTER TABLE dealerships ADD COLUMN radius_m DOUBLE PRECISION",
    """
    CREATE TABLE photo_facts (
        sha256 TEXT PRIMARY KEY,
        taken_at TEXT,
        lat DOUBLE PRECISION,
        lon DOUBLE PRECISION,
        look BIGINT,
        band0 INTEGER,
        band1 INTEGER,
        band2 INTEGER,
        band3 INTEGER,
        band4 INTEGER,
        band5 INTEGER,
        band6 INTEGER,
        read_at TEXT NOT NULL
    )
    """,
    *(f"CREATE INDEX photo_facts_band{i} ON photo_facts (band{i})" for i in range(7)),
    "CREATE INDEX revision_photos_by_sha256 ON revision_photos (sha256, visit_uuid)",
    # Pairs of stored photos that look alike (within NEAR_DUPLICATE_BITS), both ways, found
    # once through the bands when the later of the two arrives: a PUT naming stored photos
    # then reads its photos' pairs instead of scanning the bands again.
    """
    CREATE TABLE photos_alike (
        sha256 TEXT NOT NULL,
        other TEXT NOT NULL,
        bits INTEGER NOT NULL,
        PRIMARY KEY (sha256, other)
    )
    """,
    """
    CREATE TABLE revision_flags (
        visit_uuid TEXT NOT NULL,
        revision INTEGER NOT NULL,
        position INTEGER NOT NULL,
        code TEXT NOT NULL,
        numbers TEXT NOT NULL,
        PRIMARY KEY (visit_uuid, revision, position),
        FOREIGN KEY (visit_uuid, revision) REFERENCES visit_revisions (visit_uuid, revision)
    )
    """,
    "CREATE INDEX revision_flags_by_code ON revision_flags (code, visit_uuid)",
    "ALTER TABLE visit_revisions ADD COLUMN flags_at TEXT",
))

# Calls on record (issue 17, point 3): the audio recordings each revision names, with the
# question they answer and the longest the question lets one be, which is what the upload's
# completion checks the file against (`server_stub/audio.py`). Who may upload a recording,
# and its one size, stay in shopper_photos: that table is about blobs, whatever they hold.
M017_RECORDINGS = Migration(17, "recordings", (
    """
    CREATE TABLE revision_recordings (
        visit_uuid TEXT NOT NULL,
        revision INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        question_id TEXT NOT NULL,
        bytes BIGINT NOT NULL CHECK (bytes > 0),
        max_seconds INTEGER NOT NULL CHECK (max_seconds > 0),
        PRIMARY KEY (visit_uuid, revision, sha256, question_id),
        FOREIGN KEY (visit_uuid, revision) REFERENCES visit_revisions (visit_uuid, revision)
    )
    """,
    "CREATE INDEX revision_recordings_by_sha256 ON revision_recordings (sha256, visit_uuid)",
))

# Flags in the console (issue 17, point 5). The visit list filtered by flags asks of each
# visit whether its latest revision has one (of a code): `revision_flags_by_revision`
# answers from the index alone; `visits_by_received` holds what that asks of a visit, so
# counting 100,000 visits so filtered reads an index, not every row. The shoppers page
# counts each shopper's visits received in the last 90 days and those without flags:
# `visits_by_shopper_received` walks only those (benchmarks/console.py).
M018_FLAGS_LISTED = Migration(18, "flags_listed", (
    "CREATE INDEX revision_flags_by_revision ON revision_flags (visit_uuid, revision, code)",
    "CREATE INDEX visits_by_received ON visits (received_at, uuid, latest_revision)",
    "CREATE INDEX visits_by_shopper_received ON visits (shopper_id, received_at, uuid, latest_revision)",
))

# What a phone reports it cannot open (checklists written for a newer app), per device: a
# shopper's old phone and new one report apart, and a revoked one's report stops counting.
# '[]' is "reads everything" (or never said); the moment is when it last reported.
M019_UNREADABLE_CHECKLISTS = Migration(19, "unreadable_checklists", (
    "ALTER TABLE devices ADD COLUMN unreadable_checklists TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE devices ADD COLUMN unreadable_reported_at TEXT",
))

MIGRATIONS: tuple[Migration, ...] = (M001_INITIAL, M002_BLOBS_ARE_FILES, M003_CONSOLE, M004_VISITS_BY_ASSIGNMENT,
                                     M005_PAIRING_ATTEMPTS, M006_DEALERSHIP_TIMEZONES, M007_CALENDAR_YEARS,
                                     M008_TALLY_BY_STANDARD, M009_REVIEW_QUEUE, M010_FAILED_ATTEMPTS,
                                     M011_ROSTER, M012_ANALYTICS_FILTERS, M013_DEALERSHIPS_LISTED,
                                     M014_LOCAL_MONTHS, M015_VISITS_BY_VERSION, M016_EVIDENCE,
                                     M017_RECORDINGS, M018_FLAGS_LISTED, M019_UNREADABLE_CHECKLISTS)

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


def migrate(db: Database, now: Callable[[], datetime] | None = None,
            migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply the migrations this database lacks; return the versions applied now."""
    clock = now or (lambda: datetime.now(timezone.utc))
    applied_now: list[int] = []
    for migration in migrations:
        with db.write() as conn:
            _lock(conn, db)
            conn.execute(text(_CREATE_TABLE))
            done = conn.execute(
                text("SELECT 1 FROM schema_migrations WHERE version = :v"), {"v": migration.version},
            ).first()
            if done:
                continue
            for statement in migration.statements:
                conn.execute(text(statement))
            if migration.backfill is not None:
                migration.backfill(conn)
            conn.execute(
                text("INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :at)"),
                {"v": migration.version, "n": migration.name, "at": moment(clock())},
            )
            applied_now.append(migration.version)
    return applied_now


def applied(db: Database) -> list[int]:
    with db.read() as conn:
        return [row.version for row in conn.execute(text("SELECT version FROM schema_migrations ORDER BY version"))]


def _lock(conn: Connection, db: Database) -> None:
    # Two servers starting at once on one PostgreSQL schema would both try to migrate;
    # SQLite's BEGIN IMMEDIATE already excludes the other one.
    if not db.is_sqlite:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
