"""The store's methods that only the sync client needs, kept apart so `store.py` stays
one screen-sized module. `Store` inherits them; each is one transaction, as elsewhere."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlite_utils import Database

from field_app.domain.sync_messages import CONFIRMED_AFTER

from . import checklists, retention, returns, route, uploads
from .returns import ReturnNote
from .uploads import QueuedPhoto


class SyncMethods:
    db: Database
    _lock: threading.RLock
    _clock: Callable[[], datetime]
    _transaction: Callable[..., AbstractContextManager[None]]

    def stored_checklist_sha256(self, checklist_id: str, version: int) -> str | None:
        """The sha256 of a stored checklist version, or None when it is not stored."""
        with self._transaction(write=False):
            return checklists.stored_sha256(self.db, checklist_id, version)

    def drop_assignments(self, assignment_ids: list[str]) -> list[str]:
        """Withdrawn stops leave the route unless a visit of them has begun; returns the
        ids dropped."""
        with self._transaction():
            return route.drop_unstarted(self.db, assignment_ids)

    def set_settings(self, values: dict[str, str]) -> None:
        """Several settings at once: pairing writes a token and whose it is together."""
        with self._transaction():
            route.put_settings(self.db, values)

    def erase_setting(self, key: str) -> None:
        """Remove a setting and leave no copy of its value in the database files: for a
        secret (the device token) that moves out of the store. SQLite as usually built
        leaves deleted bytes in the file until the space is reused, and the WAL keeps old
        pages until a checkpoint."""
        with self._lock:
            before = self.db.execute("PRAGMA secure_delete").fetchone()[0]
            self.db.execute("PRAGMA secure_delete = ON")  # freed space is overwritten with zeros
            try:
                with self._transaction():
                    route.delete_setting(self.db, key)
            finally:
                self.db.execute(f"PRAGMA secure_delete = {int(before)}")
            # Best effort: while another connection reads, the WAL stays until a later checkpoint.
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def return_note(self, uuid: str) -> ReturnNote | None:
        """Why the coordinator returned the visit, if they did."""
        with self._transaction(write=False):
            return returns.get(self.db, uuid)

    def record_upload_offset(self, sha256: str, offset: int, total: int) -> None:
        """The server's offset of a photo upload, as last heard."""
        with self._transaction():
            uploads.put_offset(self.db, sha256, offset, total, self._clock())

    def queued_photos(self, shopper_id: str | None) -> list[QueuedPhoto]:
        """Photos still to upload under `shopper_id`'s account, oldest first, with how far
        each has got."""
        with self._transaction(write=False):
            return uploads.queued_photos(self.db, shopper_id)

    def queued_revisions(self, shopper_id: str | None) -> tuple[int, int]:
        """How many finalized revisions wait to be sent under `shopper_id`'s account, and
        their size in bytes."""
        with self._transaction(write=False):
            return uploads.queued_revisions(self.db, shopper_id)

    def hand_over(self, settings: dict[str, str]) -> list[str]:
        """The phone passes to another shopper: write the settings that say so and remove
        the stops no visit has started (the last shopper's route), in one transaction, so
        a crash never leaves one without the other. Returns the ids removed."""
        with self._transaction():
            route.put_settings(self.db, settings)
            return route.drop_unstarted(self.db, route.unstarted(self.db))

    def mark_approved(self, approvals: list[tuple[str, int]]) -> list[str]:
        """Coordinators approved these (visit uuid, revision)s; returns the uuids whose
        revision on the phone is the one approved."""
        if not approvals:
            return []
        with self._transaction():
            return [uuid for uuid, revision in approvals if retention.approve(self.db, uuid, revision)]

    def photos_that_may_leave(self, now: datetime) -> list[str]:
        """The sha256 of the photos on the phone that only confirmed visits name (see
        `retention`): the server holds them, and no visit will send them again."""
        with self._transaction(write=False):
            return retention.may_leave(self.db, now - CONFIRMED_AFTER)

    def recordings_that_may_leave(self, now: datetime) -> list[str]:
        """The sha256 of the call recordings on the phone that only confirmed visits name."""
        with self._transaction(write=False):
            return retention.recordings_may_leave(self.db, now - CONFIRMED_AFTER)

    def file_removed(self, sha256: str) -> bool:
        """Whether this photo's or recording's full file left the phone (kept on the server)."""
        with self._transaction(write=False):
            return retention.is_removed(self.db, sha256)

    def record_photos_removed(self, sha256s: list[str]) -> None:
        """These photos' (or call recordings') full files have left the phone (a photo's
        thumbnail stays)."""
        with self._transaction():
            retention.mark_removed(self.db, sha256s, self._clock())
