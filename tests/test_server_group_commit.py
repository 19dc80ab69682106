"""SQLite's group commit: writers that queue share one transaction and one commit, each
keeps or loses only its own work, and none returns before its work is on disk."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import closing

import pytest
from sqlalchemy import event, text

from server_stub import group_commit
from server_stub.database import Database
from server_stub.group_commit import CommitFailedError


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.write() as conn:
        conn.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE t (writer TEXT, n INTEGER)"))
        # Checked at COMMIT, not at the INSERT: a way to make a shared commit fail.
        conn.execute(text("CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"))
    yield database
    database.close()


@pytest.fixture
def commits(db):
    counted = []
    event.listen(db.engine, "commit", lambda conn: counted.append(1))
    return counted


def committed(db, sql: str) -> list[tuple]:
    """What a connection of its own sees: only what is committed."""
    with closing(sqlite3.connect(db.url.database)) as other:
        return sorted(other.execute(sql).fetchall())


def rows(db) -> list[str]:
    return [writer for (writer,) in committed(db, "SELECT writer FROM t")]


class Writer(threading.Thread):
    """Inserts a row under `name` in a write of its own, then runs `then` (inside the write)."""

    def __init__(self, db, name, then=None):
        super().__init__()
        self.db, self.name, self.then = db, name, then
        self.error: BaseException | None = None
        self.visible_on_return: list[str] | None = None

    def run(self):
        try:
            with self.db.write() as conn:
                conn.execute(text("INSERT INTO t (writer, n) VALUES (:w, 1)"), {"w": self.name})
                if self.then:
                    self.then(conn)
            self.visible_on_return = rows(self.db)
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            self.error = exc


def queue_behind_a_held_turn(db, *writers):
    """Start a writer that holds the turn until all the others queue behind it, so that
    they land in one batch with it."""
    inside, release = threading.Event(), threading.Event()
    first = Writer(db, "first", lambda conn: (inside.set(), release.wait(10)))
    first.start()
    assert inside.wait(10), "the first writer never took its turn"
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 10
    while db._group.queued < len(writers):
        assert time.monotonic() < deadline, "the writers never queued"
        time.sleep(0.005)
    release.set()
    for writer in (first, *writers):
        writer.join(10)
    return first


def test_writers_that_queue_share_one_commit_and_return_only_once_it_is_on_disk(db, commits):
    writers = [Writer(db, f"w{i}") for i in range(5)]
    first = queue_behind_a_held_turn(db, *writers)
    assert [w.error for w in (first, *writers)] == [None] * 6
    assert rows(db) == sorted(["first"] + [f"w{i}" for i in range(5)])
    # Five queued behind the first, so it did not commit; the last of them committed for all.
    assert len(commits) == 1
    for w in (first, *writers):
        assert w.name in w.visible_on_return


def test_a_writer_alone_commits_at_once(db, commits):
    with db.write() as conn:
        conn.execute(text("INSERT INTO t (writer, n) VALUES ('alone', 1)"))
    assert rows(db) == ["alone"]
    assert len(commits) == 1


def test_an_error_undoes_only_its_own_writers_work(db):
    def fail(conn):
        raise ValueError("this writer's own problem")

    kept, failing = Writer(db, "kept"), Writer(db, "failing", fail)
    first = queue_behind_a_held_turn(db, failing, kept)
    assert isinstance(failing.error, ValueError)
    assert first.error is None and kept.error is None
    assert rows(db) == ["first", "kept"]


def test_a_commit_that_fails_fails_every_writer_of_its_batch_and_keeps_nothing(db):
    def orphan(conn):
        conn.execute(text("INSERT INTO child (parent) VALUES (42)"))  # no parent 42: COMMIT refuses

    writers = [Writer(db, "a"), Writer(db, "orphan", orphan), Writer(db, "b")]
    first = queue_behind_a_held_turn(db, *writers)
    for writer in (first, *writers):
        assert isinstance(writer.error, CommitFailedError), writer.name
    assert rows(db) == []
    # The next write starts a fresh transaction and is kept.
    with db.write() as conn:
        conn.execute(text("INSERT INTO t (writer, n) VALUES ('after', 1)"))
    assert rows(db) == ["after"]


def test_a_transaction_lost_midway_fails_the_writers_before_it(db):
    def lose_transaction(conn):
        conn.exec_driver_sql("ROLLBACK")  # as SQLite does by itself on a full disk

    earlier, losing = Writer(db, "earlier"), Writer(db, "losing", lose_transaction)
    first = queue_behind_a_held_turn(db, earlier, losing)
    assert isinstance(first.error, CommitFailedError)
    assert isinstance(earlier.error, CommitFailedError)
    assert losing.error is not None
    assert rows(db) == []
    with db.write() as conn:
        conn.execute(text("INSERT INTO t (writer, n) VALUES ('after', 1)"))
    assert rows(db) == ["after"]


def test_a_batch_ends_at_its_size_limit_even_with_writers_queued(db, commits, monkeypatch):
    monkeypatch.setattr(group_commit, "MAX_BATCH", 2)
    writers = [Writer(db, f"w{i}") for i in range(5)]
    queue_behind_a_held_turn(db, *writers)
    assert len(rows(db)) == 6
    assert len(commits) == 3  # 6 writers, 2 per batch


def test_many_threads_writing_at_once_lose_nothing_and_write_nothing_twice(db):
    def many(index):
        for n in range(40):
            with db.write() as conn:
                conn.execute(text("INSERT INTO t (writer, n) VALUES (:w, :n)"), {"w": f"t{index}", "n": n})

    threads = [threading.Thread(target=many, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert committed(db, "SELECT writer, n FROM t") == sorted((f"t{i}", n) for i in range(8) for n in range(40))
