"""Queries on `outbox`: what still has to reach the server, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlite_utils import Database

from field_app.domain.records import VisitRevision

from .codec import moment_text, read_moment, read_moment_or_none

OutboxKind = Literal["visit_revision", "photo", "recording"]
# The kinds that are a file uploaded by its sha256 (`photo_sha256` names it).
BLOB_KINDS = ("photo", "recording")
# A refusal (the server said no: resending soon gets the same answer) or the network's
# failure (the item goes again at the next run).
FailureKind = Literal["refused", "network"]
# The rule of `OutboxItem.sendable_as` in SQL, over the item's visit as `v`, with the
# shopper as its parameter.
SENDABLE_AS = "(v.shopper_id IS NULL OR v.shopper_id = ?)"


@dataclass(frozen=True)
class OutboxItem:
    """One thing to send: a frozen revision (`PUT /visits/{uuid}`), or a photo's or a
    call recording's file (a blob, named by `photo_sha256`)."""

    id: int
    kind: OutboxKind
    visit_uuid: str
    revision: int
    photo_sha256: str | None
    created_at: datetime
    attempts: int
    last_error: str | None
    last_attempt_at: datetime | None
    failure_kind: FailureKind | None  # of the last failed attempt
    refusals: int  # refusals in a row since the item last went through or failed on the network
    shopper_id: str | None = None  # whose account its visit was made under; None: the phone was unpaired

    def sendable_as(self, shopper_id: str | None) -> bool:
        """Whether it may go under `shopper_id`'s account: the server would take another
        shopper's visit as theirs. One made while unpaired goes under whoever pairs next."""
        return self.shopper_id is None or self.shopper_id == shopper_id


def enqueue_revision(db: Database, uuid: str, revision: VisitRevision, now: datetime) -> None:
    """The revision, and each of its photos and recordings that no earlier revision has queued."""
    created_at = moment_text(now)
    db.execute(
        "INSERT INTO outbox (kind, visit_uuid, revision, created_at) VALUES ('visit_revision', ?, ?, ?)",
        [uuid, revision.revision, created_at],
    )
    blobs = [("photo", photo.sha256) for photo in revision.photos]
    blobs += [("recording", recording.sha256) for recording in revision.recordings]
    for kind, digest in dict.fromkeys(blobs):
        db.execute(
            """
            INSERT INTO outbox (kind, visit_uuid, revision, photo_sha256, created_at)
            SELECT ?, ?, ?, ?, ?
            WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE kind = ? AND photo_sha256 = ?)
            """,
            [kind, uuid, revision.revision, digest, created_at, kind, digest],
        )


def pending(db: Database) -> list[OutboxItem]:
    rows = db.execute(
        """
        SELECT o.id, o.kind, o.visit_uuid, o.revision, o.photo_sha256, o.created_at, o.attempts, o.last_error,
               o.last_attempt_at, o.failure_kind, o.refusals, v.shopper_id
        FROM outbox o LEFT JOIN visits v ON v.uuid = o.visit_uuid
        WHERE o.done_at IS NULL ORDER BY o.id
        """
    )
    return [
        OutboxItem(
            id=item_id, kind=kind, visit_uuid=uuid, revision=revision, photo_sha256=digest,
            created_at=read_moment(created_at), attempts=attempts, last_error=error,
            last_attempt_at=read_moment_or_none(last_attempt_at), failure_kind=failure, refusals=refusals,
            shopper_id=shopper_id,
        )
        for (item_id, kind, uuid, revision, digest, created_at, attempts, error, last_attempt_at, failure, refusals,
             shopper_id) in rows
    ]


def identity(db: Database, item_id: int) -> tuple[OutboxKind, str, int] | None:
    """(kind, visit uuid, revision) of an item, or None when there is no such item."""
    return db.execute("SELECT kind, visit_uuid, revision FROM outbox WHERE id = ?", [item_id]).fetchone()


def mark_done(db: Database, item_id: int, now: datetime) -> None:
    # A second "done" (a retried acknowledgement) keeps the first moment.
    db.execute(
        """
        UPDATE outbox SET done_at = coalesce(done_at, ?), attempts = attempts + 1, last_attempt_at = ?, refusals = 0
        WHERE id = ?
        """,
        [moment_text(now), moment_text(now), item_id],
    )


def mark_failed(db: Database, item_id: int, kind: FailureKind, error: str, now: datetime) -> None:
    db.execute(
        """
        UPDATE outbox SET attempts = attempts + 1, last_error = ?, last_attempt_at = ?, failure_kind = ?,
            refusals = CASE WHEN ? = 'refused' THEN refusals + 1 ELSE 0 END
        WHERE id = ?
        """,
        [error, moment_text(now), kind, kind, item_id],
    )
