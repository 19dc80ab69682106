"""Group commit for SQLite: the writers of this process share one transaction, and one
commit (one fsync of the WAL) makes all of them durable at once.

SQLite has one writer at a time, and with `synchronous=FULL` every commit waits for the
disk. Sixteen shoppers syncing at once would each hold the write lock through their own
fsync, so the writes would go no faster than the disk syncs. Instead, writers take turns
on one connection: each runs inside a savepoint of the open transaction (an error rolls
back only its own work), and the writer that finds nobody queued behind it commits for
everyone. A writer returns only once the commit that holds its work is done, so "returned
without an error" still means "on disk"; if that commit fails, every writer of the batch
gets the error, and none of their work is kept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, NestedTransaction

MAX_BATCH = 64
"""Writers in one transaction at most: under a steady queue a batch would otherwise never
end, and the first writer in it would wait for ever."""


class CommitFailedError(Exception):
    """The shared transaction that held this write could not commit; nothing of it was kept."""


class _Batch:
    def __init__(self) -> None:
        self.writers = 0
        self.done = threading.Event()
        self.error: BaseException | None = None

    def wait(self) -> None:
        self.done.wait()
        if self.error is not None:
            raise CommitFailedError(f"the transaction was not committed: {self.error}") from self.error


class GroupCommit:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._turn = threading.Lock()
        self._counting = threading.Lock()
        self._queued = 0  # writers waiting for the turn; counted before they wait
        self._conn: Connection | None = None
        self._batch: _Batch | None = None

    @property
    def queued(self) -> int:
        """Writers waiting for their turn now."""
        with self._counting:
            return self._queued

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self._counting:
            self._queued += 1
        self._turn.acquire()
        with self._counting:
            self._queued -= 1
        try:
            batch, savepoint = self._join()
        except BaseException:
            self._turn.release()
            raise
        try:
            yield self._conn
        except BaseException:
            self._leave(batch, savepoint, kept=False)
            raise
        self._leave(batch, savepoint, kept=True)
        batch.wait()

    def _join(self) -> tuple[_Batch, NestedTransaction]:
        """Open the shared transaction if there is none; a savepoint for this writer."""
        if self._conn is None:
            conn = self._engine.connect()
            try:
                conn.begin()
            except BaseException:
                conn.close()
                raise
            self._conn, self._batch = conn, _Batch()
        assert self._batch is not None
        self._batch.writers += 1
        try:
            return self._batch, self._conn.begin_nested()
        except BaseException as exc:
            self._end(exc)
            raise

    def _leave(self, batch: _Batch, savepoint: NestedTransaction, *, kept: bool) -> None:
        """Keep or undo this writer's savepoint; commit if nobody is queued. Releases the turn."""
        try:
            try:
                if kept:
                    savepoint.commit()
                else:
                    savepoint.rollback()
            except BaseException as exc:
                self._end(exc)
                return
            if not self._transaction_alive():
                # SQLite rolls the whole transaction back by itself on some errors (a full
                # disk, an I/O error): the savepoints before this one are gone too.
                self._end(RuntimeError("SQLite rolled the transaction back after an error"))
                return
            with self._counting:
                last = self._queued == 0
            if last or batch.writers >= MAX_BATCH:
                self._end(None)
        finally:
            self._turn.release()

    def _transaction_alive(self) -> bool:
        assert self._conn is not None
        return self._conn.connection.dbapi_connection.in_transaction

    def _end(self, error: BaseException | None) -> None:
        """Commit the shared transaction (or drop it after `error`) and wake its writers."""
        conn, batch = self._conn, self._batch
        self._conn = self._batch = None
        assert conn is not None and batch is not None
        try:
            if error is None:
                conn.commit()
        except BaseException as exc:
            error = exc
        finally:
            try:
                if error is not None:
                    # A failed COMMIT can leave SQLite inside the transaction; a closed
                    # connection is certain to have let it go.
                    conn.invalidate()
                conn.close()
            finally:
                batch.error = error
                batch.done.set()
