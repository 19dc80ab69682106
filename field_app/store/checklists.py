"""Queries on `checklists`: each (id, version) is stored once, as its canonical JSON."""

from __future__ import annotations

from sqlite_utils import Database

from field_app.domain.canonical import checklist_json
from field_app.domain.checklist import Checklist


def stored_sha256(db: Database, checklist_id: str, version: int) -> str | None:
    row = db.execute(
        "SELECT sha256 FROM checklists WHERE id = ? AND version = ?", [checklist_id, version]
    ).fetchone()
    return None if row is None else row[0]


def insert(db: Database, checklist: Checklist, sha256: str) -> None:
    db.execute(
        "INSERT INTO checklists (id, version, sha256, body) VALUES (?, ?, ?, ?)",
        [checklist.id, checklist.version, sha256, checklist_json(checklist).decode()],
    )


def load(db: Database, checklist_id: str, version: int) -> tuple[Checklist, str] | None:
    """The checklist and its sha256, or None when this version is not stored."""
    row = db.execute(
        "SELECT body, sha256 FROM checklists WHERE id = ? AND version = ?", [checklist_id, version]
    ).fetchone()
    if row is None:
        return None
    return Checklist.model_validate_json(row[0]), row[1]
