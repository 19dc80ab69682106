"""The audio recordings each revision names (issue 17, point 3), and the longest each may
play, which the upload's completion checks its file against."""

from __future__ import annotations

from sqlalchemy import Connection, text

from field_app.domain.records import RecordingRef


def insert(conn: Connection, uuid: str, revision: int, shopper_id: str,
           recordings: list[tuple[RecordingRef, int]]) -> None:
    """Each recording with its question's max_seconds. Its right to be uploaded by this
    shopper, and its one size, go in shopper_photos, beside the photos' (`queries.blobs`)."""
    unique = {(r.sha256, r.question_id): (r.bytes, seconds) for r, seconds in recordings}
    if not unique:
        return
    conn.execute(
        text("INSERT INTO revision_recordings (visit_uuid, revision, sha256, question_id, bytes, max_seconds) "
             "VALUES (:u, :r, :sha, :q, :bytes, :seconds)"),
        [{"u": uuid, "r": revision, "sha": sha, "q": q, "bytes": size, "seconds": seconds}
         for (sha, q), (size, seconds) in unique.items()],
    )
    conn.execute(
        text("INSERT INTO shopper_photos (shopper_id, sha256, bytes) VALUES (:s, :sha, :bytes) "
             "ON CONFLICT (shopper_id, sha256) DO NOTHING"),
        [{"s": shopper_id, "sha": sha, "bytes": size} for (sha, _), (size, _) in unique.items()],
    )


def of_visit(conn: Connection, uuid: str) -> list[str]:
    """The sha256 of every recording any stored revision of the visit names."""
    rows = conn.execute(
        text("SELECT DISTINCT sha256 FROM revision_recordings WHERE visit_uuid = :u ORDER BY sha256"), {"u": uuid},
    )
    return [r.sha256 for r in rows]


def names(conn: Connection, uuid: str, sha256: str) -> bool:
    """Whether a stored revision of the visit names the recording."""
    return conn.execute(
        text("SELECT 1 FROM revision_recordings WHERE visit_uuid = :u AND sha256 = :sha LIMIT 1"),
        {"u": uuid, "sha": sha256},
    ).first() is not None


def longest_allowed(conn: Connection, sha256: str) -> int | None:
    """The most seconds any question naming the file lets it play; None when no revision
    names it as a recording (it is a photo)."""
    return conn.execute(
        text("SELECT MAX(max_seconds) FROM revision_recordings WHERE sha256 = :sha"), {"sha": sha256},
    ).scalar()
