"""Published checklist versions, kept in memory once read: `(id, version)` never changes
content, so a cached copy never goes stale. A version published by another process (the
admin CLI while the server runs) is read from the database on first use.

A file uploaded in the console is checked for size and encoding before the loader reads
it (which guards every path against YAML built to blow up, see domain/yaml_limits.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from field_app.domain.canonical import checklist_json, checklist_sha256
from field_app.domain.checklist import Checklist
from field_app.domain.checklist_diff import ChecklistDiff, diff_checklists
from field_app.domain.loader import parse_checklist

from .database import MAX_INTEGER, Database, storable
from .errors import ChecklistConflictError, ChecklistNotFoundError, InvalidInputError
from .queries import checklists as q

# The largest checklist of the repository is 13 KB; reading YAML takes about 6 s a MB.
MAX_UPLOAD = 256 * 1024


class UnreadableUploadError(InvalidInputError):
    """An uploaded checklist file is empty, too large or not UTF-8 text (`reason`)."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class Version:
    """A published version as the console lists it."""

    id: str
    version: int
    title: str
    sha256: str
    published_at: datetime
    questions: int
    follow_ups: int
    visits: int


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

    def publish_upload(self, data: bytes, name: str, now: datetime) -> tuple[Entry, bool]:
        """Publish an uploaded file: `UnreadableUploadError`, `ChecklistError` with every
        problem, or `ChecklistConflictError` when it is refused."""
        return self.publish(read_upload(data, name), now)

    def versions(self) -> list[Version]:
        with self._db.read() as conn:
            rows = q.versions(conn)
        return [self._listed(row) for row in rows]

    def version(self, checklist_id: str, number: int) -> Version:
        self.get(checklist_id, number)  # refuses what is not published
        with self._db.read() as conn:
            row = q.version(conn, checklist_id, number)
        assert row is not None
        return self._listed(row)

    def version_numbers(self, checklist_id: str) -> list[int]:
        with self._db.read() as conn:
            return q.version_numbers(conn, checklist_id)

    def diff(self, checklist_id: str, old: int, new: int) -> ChecklistDiff:
        return diff_checklists(self.get(checklist_id, old).checklist, self.get(checklist_id, new).checklist)

    def load_all(self) -> None:
        with self._db.read() as conn:
            rows = q.all_rows(conn)
        for row in rows:
            self._remember(row.body, row.sha256)

    def _listed(self, row: q.VersionRow) -> Version:
        checklist = self.get(row.id, row.version).checklist
        return Version(row.id, row.version, checklist.title, row.sha256, row.published_at,
                       len(checklist.questions()), len(checklist.follow_ups), row.visits)

    def _remember(self, body: str, sha256: str) -> Entry:
        checklist = Checklist.model_validate_json(body)
        entry = Entry(checklist, body.encode(), sha256)
        with self._lock:
            return self._entries.setdefault((checklist.id, checklist.version), entry)


def read_upload(data: bytes, name: str) -> Checklist:
    """An uploaded checklist file: not too large, UTF-8 text, then what the loader checks."""
    if len(data) > MAX_UPLOAD:
        raise UnreadableUploadError("too_large", f"the file is larger than {MAX_UPLOAD // 1024} KB")
    if not data.strip():
        raise UnreadableUploadError("empty", "the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableUploadError("not_utf8", f"the file is not UTF-8 text (byte {exc.start + 1})") from None
    return parse_checklist(text, name)
