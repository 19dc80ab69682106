"""One SQL layer over SQLite and PostgreSQL: SQLAlchemy Core, `text()` SQL, no ORM.

A read is a plain transaction. A write on SQLite starts with BEGIN IMMEDIATE, so it holds
the write lock from its first statement and never fails upgrading a read lock; threads of
this process take turns on a lock of their own first (SQLite's busy handler sleeps in
steps of up to 100 ms, a Python lock wakes the next writer at once), and share one
transaction and one commit while they queue (`group_commit`). On PostgreSQL, row locks
order concurrent writers, each in its own transaction.

Moments are stored as fixed-width ISO-8601 UTC text (`moment`), so they sort as text and
the same SQL compares them on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import make_url

from .group_commit import GroupCommit

SQLITE_BUSY_TIMEOUT_MS = 10_000
# INTEGER columns (revision and checklist version numbers) hold at most this on PostgreSQL.
MAX_INTEGER = 2**31 - 1


def engine_url(url: str) -> str:
    """`postgresql://...` (as psql takes it) -> SQLAlchemy's psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 30):
        self.url = make_url(engine_url(url))
        self.engine = create_engine(
            self.url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=30,
        )
        self.dialect = self.engine.dialect.name
        if self.is_sqlite:
            _sqlite_setup(self.engine)
        self._writer = self.engine.execution_options(fieldaudit_write=True)
        self._group = GroupCommit(self._writer) if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that may write; committed when the block ends without an error,
        and on disk when the block has returned. On SQLite the commit may be shared with
        other threads' writes (it then raises `CommitFailedError` if it fails)."""
        if self._group is not None:
            with self._group.write() as conn:
                yield conn
            return
        with self._writer.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_setup(engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # sqlite3 would open transactions on its own (deferred); SQLAlchemy's BEGIN below does.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives power loss; it measured 0.3 ms a commit against NORMAL's 0.04.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        writing = conn.get_execution_options().get("fieldaudit_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def storable(text: str) -> bool:
    """Whether both databases can hold the text: PostgreSQL refuses NUL, and neither
    stores a lone surrogate (JSON can spell one, UTF-8 cannot)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def moment(value: datetime) -> str:
    """A moment as stored: UTC, microseconds, `Z`; text order is time order."""
    if value.tzinfo is None:
        raise ValueError("a stored moment must carry its time zone")
    # isoformat pads the year to four digits, where strftime's %Y may not.
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
