"""The server's database layer: migrations recorded and applied once, SQLite set up for
durability and lock-free upgrades, PostgreSQL URLs as psql takes them."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server_stub.database import Database, engine_url, moment, parse_moment
from server_stub.migrations import MIGRATIONS, Migration, applied, migrate
from server_stub.settings import Settings


@pytest.fixture
def database(tmp_path, server_db):
    db = Database(Settings(data_dir=tmp_path, db_url=server_db).database_url)
    yield db
    db.close()


def test_migrations_apply_once_and_a_second_run_changes_nothing(database):
    assert migrate(database) == [m.version for m in MIGRATIONS]
    assert migrate(database) == []
    assert applied(database) == [m.version for m in MIGRATIONS]
    with database.read() as conn:
        assert conn.execute(text("SELECT value FROM change_counter WHERE name = 'routes'")).scalar_one() == 0


def test_a_new_migration_is_applied_on_the_next_start(database):
    migrate(database)
    later = MIGRATIONS + (Migration(999, "test_extra", ("CREATE TABLE extra (id TEXT PRIMARY KEY)",)),)
    assert migrate(database, migrations=later) == [999]
    assert migrate(database, migrations=later) == []
    with database.read() as conn:
        assert conn.execute(text("SELECT name FROM schema_migrations WHERE version = 999")).scalar_one() == "test_extra"


def test_a_database_made_by_an_older_server_is_brought_up_to_date(database):
    assert migrate(database, migrations=MIGRATIONS[:1]) == [1]
    assert migrate(database) == [m.version for m in MIGRATIONS[1:]]
    with database.read() as conn:
        with pytest.raises(SQLAlchemyError):
            conn.execute(text("SELECT * FROM blobs"))  # migration 2: stored photos are files


def test_dealerships_stored_before_time_zones_are_in_moscows(database):
    older = [m for m in MIGRATIONS if m.version <= 5]
    migrate(database, migrations=tuple(older))
    with database.write() as conn:
        conn.execute(text("INSERT INTO dealerships (code, name, updated_at) VALUES ('D1', 'Дилер', '2026-11-22')"))
    assert migrate(database) == [m.version for m in MIGRATIONS if m.version > 5]
    with database.write() as conn:
        assert conn.execute(text("SELECT timezone FROM dealerships")).scalar_one() == "Europe/Moscow"
        conn.execute(text("INSERT INTO calendar_years (year, transfers, imported_at) VALUES (2027, '[]', 'x')"))
        assert conn.execute(text("SELECT source FROM calendar_years")).scalar_one() == ""


def test_a_failing_migration_leaves_nothing_behind(database):
    migrate(database)
    broken = MIGRATIONS + (Migration(998, "broken", ("CREATE TABLE half (id TEXT)", "THIS IS NOT SQL")),)
    with pytest.raises(SQLAlchemyError):
        migrate(database, migrations=broken)
    assert 998 not in applied(database)
    with database.read() as conn:
        with pytest.raises(SQLAlchemyError):
            conn.execute(text("SELECT * FROM half"))


def test_sqlite_is_durable_and_waits_for_locks(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.close()


def test_a_sqlite_write_holds_the_write_lock_from_its_start(tmp_path):
    path = tmp_path / "x.db"
    db = Database(f"sqlite:///{path}")
    migrate(db)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with db.write():
        # No statement ran yet, but BEGIN IMMEDIATE already holds the lock: no other
        # writer can get in between and make this transaction fail on upgrade.
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    with db.read():
        other.execute("BEGIN IMMEDIATE")  # a read does not block writers
        other.execute("ROLLBACK")
    other.close()
    db.close()


def test_postgresql_urls_are_given_to_psycopg_3():
    assert engine_url("postgresql://postgres@127.0.0.1:5432/test") == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert engine_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert engine_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert engine_url("sqlite:///x.db") == "sqlite:///x.db"


def test_moments_are_stored_as_text_that_sorts_as_time():
    moscow = timezone(timedelta(hours=3))
    early = datetime(2026, 11, 22, 12, 0, tzinfo=moscow)
    late = datetime(2026, 11, 22, 9, 30, 0, 1, tzinfo=timezone.utc)
    assert moment(early) == "2026-11-22T09:00:00.000000Z"
    assert moment(early) < moment(late)
    assert parse_moment(moment(late)) == late
    with pytest.raises(ValueError):
        moment(datetime(2026, 11, 22))


def test_moments_of_any_year_keep_their_width():
    early = datetime(160, 2, 25, 7, 18, 8, 5862, tzinfo=timezone.utc)
    assert moment(early) == "0160-02-25T07:18:08.005862Z"
    assert parse_moment(moment(early)) == early
