"""Published checklist versions, kept in memory once read: `(id, version)` never changes
content, so a cached copy never goes stale. A version published by another process (the
admin CLI while the server runs) is read from the database on first use."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from field_app.domain.canonical import checklist_json, checklist_sha256
from field_app.domain.checklist import Checklist

from .database import MAX_INTEGER, Database, storable
from .errors import ChecklistConflictError, ChecklistNotFoundError
from .queries import checklists as q


@dataclass(frozen=True)
class Entry:
    """One published version: the model, its canonical JSON (the body served) and its hash."""

    checklist: Checklist
    body: bytes
    sha256: str


class Catalog:
    def __init__(self, db: Database):
        self._db = db
        self._entries: dict[tuple[str, int], Entry] = {}
        self._lock = threading.Lock()

    def get(self, checklist_id: str, version: int) -> Entry:
        entry = self._entries.get((checklist_id, version))
        if entry is not None:
            return entry
        if not (1 <= version <= MAX_INTEGER and storable(checklist_id)):  # cannot be in the database
            raise ChecklistNotFoundError(f"The server has no checklist {checklist_id}@{version}.")
        with self._db.read() as conn:
            row = q.get(conn, checklist_id, version)
        if row is None:
            raise ChecklistNotFoundError(f"The server has no checklist {checklist_id}@{version}.")
        return self._remember(row.body, row.sha256)

    def newest(self, checklist_id: str) -> Entry:
        with self._db.read() as conn:
            version = q.newest_version(conn, checklist_id)
        if version is None:
            raise ChecklistNotFoundError(f"The server has no checklist {checklist_id!r}.")
        return self.get(checklist_id, version)

    def publish(self, checklist: Checklist, now: datetime) -> tuple[Entry, bool]:
        """Publish a version; publishing the same content again is a no-op (False)."""
        body = checklist_json(checklist)
        row = q.ChecklistRow(checklist.id, checklist.version, checklist_sha256(checklist), body.decode())
        with self._db.write() as conn:
            created = q.insert(conn, row, now)
            known = row if created else q.get(conn, checklist.id, checklist.version)
        assert known is not None
        if known.sha256 != row.sha256:
            raise ChecklistConflictError(
                f"{checklist.id}@{checklist.version} is already published with other content "
                f"(sha256 {known.sha256[:12]}, this file {row.sha256[:12]}); publish it as a new version"
            )
        return self._remember(known.body, known.sha256), created

    def load_all(self) -> None:
        with self._db.read() as conn:
            rows = q.all_rows(conn)
        for row in rows:
            self._remember(row.body, row.sha256)

    def _remember(self, body: str, sha256: str) -> Entry:
        checklist = Checklist.model_validate_json(body)
        entry = Entry(checklist, body.encode(), sha256)
        with self._lock:
            return self._entries.setdefault((checklist.id, checklist.version), entry)
