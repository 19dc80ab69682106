"""Queries on `return_notes`: why a coordinator sent a visit back for correction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from .codec import moment_text, read_moment


@dataclass(frozen=True)
class ReturnNote:
    """The coordinator's comment on a returned revision, as the app shows it."""

    visit_uuid: str
    revision: int
    comment: str
    returned_at: datetime


def put(db: Database, note: ReturnNote) -> None:
    db.execute(
        """
        INSERT INTO return_notes (visit_uuid, revision, comment, returned_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (visit_uuid) DO UPDATE SET
            revision = excluded.revision, comment = excluded.comment, returned_at = excluded.returned_at
        """,
        [note.visit_uuid, note.revision, note.comment, moment_text(note.returned_at)],
    )


def get(db: Database, uuid: str) -> ReturnNote | None:
    row = db.execute(
        "SELECT revision, comment, returned_at FROM return_notes WHERE visit_uuid = ?", [uuid]
    ).fetchone()
    if row is None:
        return None
    revision, comment, returned_at = row
    return ReturnNote(uuid, revision, comment, read_moment(returned_at))
