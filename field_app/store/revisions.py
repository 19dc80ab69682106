"""Queries on `revisions`: each finalized revision's payload, written once and never changed."""

from __future__ import annotations

import hashlib

from sqlite_utils import Database

from field_app.domain.canonical import canonical_json
from field_app.domain.records import VisitRevision

from .codec import moment_text


def insert(db: Database, uuid: str, revision: VisitRevision) -> None:
    payload = canonical_json(revision)
    db.execute(
        """
        INSERT INTO revisions (visit_uuid, revision, payload, payload_sha256, finalized_at)
        VALUES (?, ?, ?, ?, ?)
        """,
        [uuid, revision.revision, payload, hashlib.sha256(payload).hexdigest(), moment_text(revision.finalized_at)],
    )


def payload(db: Database, uuid: str, revision: int) -> bytes | None:
    row = db.execute(
        "SELECT payload FROM revisions WHERE visit_uuid = ? AND revision = ?", [uuid, revision]
    ).fetchone()
    return None if row is None else bytes(row[0])
