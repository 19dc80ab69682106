"""Queries for the sync client: what is queued, how big it is, and how far each photo's
(or call recording's) upload has got on the server. What is queued counts only what may go under a shopper's
account (`OutboxItem.sendable_as`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from .codec import moment_text
from .outbox import SENDABLE_AS


@dataclass(frozen=True)
class QueuedPhoto:
    """A photo or a call recording still to upload: its size (0 when no row knows it) and the server's last
    known offset."""

    sha256: str
    bytes: int
    sent: int
    kind: str = "photo"  # or "recording": a call recording, uploaded the same way


def put_offset(db: Database, sha256: str, offset: int, total: int, now: datetime) -> None:
    db.execute(
        """
        INSERT INTO photo_uploads (sha256, bytes, server_offset, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (sha256) DO UPDATE SET
            bytes = excluded.bytes, server_offset = excluded.server_offset, updated_at = excluded.updated_at
        """,
        [sha256, total, offset, moment_text(now)],
    )


def queued_photos(db: Database, shopper_id: str | None) -> list[QueuedPhoto]:
    rows = db.execute(
        f"""
        SELECT o.photo_sha256,
               coalesce(u.bytes, (SELECT max(p.bytes) FROM photos p WHERE p.sha256 = o.photo_sha256),
                        (SELECT max(r.bytes) FROM recordings r WHERE r.sha256 = o.photo_sha256), 0),
               coalesce(u.server_offset, 0), o.kind
        FROM outbox o LEFT JOIN photo_uploads u ON u.sha256 = o.photo_sha256
        LEFT JOIN visits v ON v.uuid = o.visit_uuid
        WHERE o.kind IN ('photo', 'recording') AND o.done_at IS NULL AND {SENDABLE_AS}
        ORDER BY o.id
        """,
        [shopper_id],
    )
    return [QueuedPhoto(sha256, size, sent, kind) for sha256, size, sent, kind in rows]


def queued_revisions(db: Database, shopper_id: str | None) -> tuple[int, int]:
    """How many revisions wait, and their payloads' total size in bytes."""
    count, size = db.execute(
        f"""
        SELECT count(*), coalesce(sum(length(r.payload)), 0)
        FROM outbox o JOIN revisions r ON r.visit_uuid = o.visit_uuid AND r.revision = o.revision
        LEFT JOIN visits v ON v.uuid = o.visit_uuid
        WHERE o.kind = 'visit_revision' AND o.done_at IS NULL AND {SENDABLE_AS}
        """,
        [shopper_id],
    ).fetchone()
    return count, size
