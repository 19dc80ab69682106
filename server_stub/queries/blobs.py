"""Photo blobs: which are stored whole, and who may upload or read which."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from ..database import moment


@dataclass(frozen=True)
class BlobAccess:
    declared_bytes: int | None  # the size the shopper's visits give it; None: not theirs
    stored_bytes: int | None    # the size of the checked, stored blob; None: not stored yet


def access(conn: Connection, shopper_id: str, sha256: str) -> BlobAccess:
    row = conn.execute(
        text(
            "SELECT (SELECT bytes FROM shopper_photos WHERE shopper_id = :s AND sha256 = :sha) AS declared, "
            "       (SELECT bytes FROM blobs WHERE sha256 = :sha) AS stored"
        ),
        {"sha": sha256, "s": shopper_id},
    ).one()
    return BlobAccess(row.declared, row.stored)


def record_blob(conn: Connection, sha256: str, size: int, width: int, height: int, now: datetime) -> None:
    conn.execute(
        text("INSERT INTO blobs (sha256, bytes, width, height, stored_at) VALUES (:sha, :b, :w, :h, :now) "
             "ON CONFLICT (sha256) DO NOTHING"),
        {"sha": sha256, "b": size, "w": width, "h": height, "now": moment(now)},
    )

