"""Failed console logins and pairing codes (table `failed_attempts`): what the limits on
guessing count. A key is kept only as its sha256 (see `throttle.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from ..database import moment, parse_moment


def insert(conn: Connection, kind: str, key_hash: str, at: datetime) -> None:
    conn.execute(text("INSERT INTO failed_attempts (kind, key_hash, at) VALUES (:kind, :key, :at)"),
                 {"kind": kind, "key": key_hash, "at": moment(at)})


def nth_newest(conn: Connection, kind: str, key_hash: str, since: datetime, n: int) -> datetime | None:
    """When the n-th newest failure of this key after `since` happened (n >= 1); None
    when there were fewer than n."""
    row = conn.execute(
        text("SELECT at FROM failed_attempts WHERE kind = :kind AND key_hash = :key AND at > :since "
             "ORDER BY at DESC LIMIT 1 OFFSET :skip"),
        {"kind": kind, "key": key_hash, "since": moment(since), "skip": n - 1},
    ).first()
    return parse_moment(row.at) if row else None


def delete_key(conn: Connection, kind: str, key_hash: str) -> None:
    conn.execute(text("DELETE FROM failed_attempts WHERE kind = :kind AND key_hash = :key"),
                 {"kind": kind, "key": key_hash})


def delete_older(conn: Connection, before: datetime) -> None:
    conn.execute(text("DELETE FROM failed_attempts WHERE at <= :before"), {"before": moment(before)})
