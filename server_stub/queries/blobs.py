"""Who may upload (or ask about) which photo blob, and its one size.

Whether a blob is stored is not in the database: a checked photo is renamed into place
atomically, so its file is the record (see `blobstore.py`).
"""

from __future__ import annotations

from sqlalchemy import Connection, text


def declared_size(conn: Connection, shopper_id: str, sha256: str) -> int | None:
    """The size this shopper's stored revisions give the photo; None when none names it."""
    return conn.execute(
        text("SELECT bytes FROM shopper_photos WHERE shopper_id = :s AND sha256 = :sha"),
        {"sha": sha256, "s": shopper_id},
    ).scalar()
