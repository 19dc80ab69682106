"""Queries deciding which photos may leave the phone, and remembering those that left.

A visit is confirmed when the server holds all of it: the phone's revision was sent and
nothing of the visit waits in the outbox (`status = 'synced'`: not unsent, not returned,
not being corrected), every photo and call recording it names was uploaded, and a
coordinator approved that revision or it was finalized at least `CONFIRMED_AFTER` ago
(`sync_messages`). A photo's file, or a call recording's, may go when every visit naming
it is confirmed. Nothing else ever qualifies: what is unsent stays. A recording leaves
nothing behind (a photo leaves its thumbnail): the screens say it is kept on the server.
`removed_photos` remembers both, by sha256 (a file is named by its content: one sha256 is
never both a photo and a recording of one visit, `revision_check`).
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from .codec import moment_text

_CONFIRMED = """
SELECT v.uuid FROM visits v
WHERE v.status = 'synced'
  AND (v.approved_revision = v.revision OR v.finalized_at <= :cutoff)
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.visit_uuid = v.uuid AND o.done_at IS NULL)
  AND NOT EXISTS (
      SELECT 1 FROM photos p WHERE p.visit_uuid = v.uuid AND NOT EXISTS (
          SELECT 1 FROM outbox u WHERE u.kind = 'photo' AND u.photo_sha256 = p.sha256 AND u.done_at IS NOT NULL))
  AND NOT EXISTS (
      SELECT 1 FROM recordings r WHERE r.visit_uuid = v.uuid AND NOT EXISTS (
          SELECT 1 FROM outbox u WHERE u.kind = 'recording' AND u.photo_sha256 = r.sha256 AND u.done_at IS NOT NULL))
"""


def may_leave(db: Database, cutoff: datetime) -> list[str]:
    """The sha256 of the photos still on the phone that only confirmed visits name;
    `cutoff`: a revision finalized before it is confirmed by age."""
    return _only_confirmed_name(db, "photos", cutoff)


def recordings_may_leave(db: Database, cutoff: datetime) -> list[str]:
    """The sha256 of the call recordings still on the phone that only confirmed visits
    name; `cutoff` as for photos."""
    return _only_confirmed_name(db, "recordings", cutoff)


def _only_confirmed_name(db: Database, table: str, cutoff: datetime) -> list[str]:
    """The files of `table` (photos or recordings: the same columns) not removed yet,
    named by confirmed visits only."""
    assert table in ("photos", "recordings")  # a table name, never a value from outside
    rows = db.execute(
        f"""
        WITH confirmed AS ({_CONFIRMED})
        SELECT DISTINCT f.sha256 FROM {table} f JOIN confirmed c ON c.uuid = f.visit_uuid
        WHERE NOT EXISTS (SELECT 1 FROM removed_photos r WHERE r.sha256 = f.sha256)
          AND NOT EXISTS (SELECT 1 FROM {table} q WHERE q.sha256 = f.sha256
                          AND q.visit_uuid NOT IN (SELECT uuid FROM confirmed))
        ORDER BY f.sha256
        """,
        {"cutoff": moment_text(cutoff)},
    )
    return [sha256 for (sha256,) in rows]


def is_removed(db: Database, sha256: str) -> bool:
    return db.execute("SELECT 1 FROM removed_photos WHERE sha256 = ?", [sha256]).fetchone() is not None


def mark_removed(db: Database, sha256s: list[str], now: datetime) -> None:
    for sha256 in sha256s:
        db.execute(
            "INSERT INTO removed_photos (sha256, removed_at) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
            [sha256, moment_text(now)],
        )


def back_on_phone(db: Database, sha256: str) -> None:
    """The same photo was taken in again (its file is back): it may leave again later."""
    db.execute("DELETE FROM removed_photos WHERE sha256 = ?", [sha256])


def approve(db: Database, uuid: str, revision: int) -> bool:
    """A coordinator approved this revision; an approval of another revision than the
    phone's (an older one, already corrected) says nothing."""
    cursor = db.execute(
        "UPDATE visits SET approved_revision = ? WHERE uuid = ? AND revision = ?", [revision, uuid, revision]
    )
    return cursor.rowcount > 0
