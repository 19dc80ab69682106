"""Coordinators' console sessions: only the hash of a session's cookie is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from ..database import moment, parse_moment


@dataclass(frozen=True)
class SessionRow:
    coordinator_id: str
    username: str
    csrf_token: str
    expires_at: datetime


def coordinator_login(conn: Connection, username: str) -> tuple[str, str] | None:
    """(id, password hash) of a coordinator."""
    row = conn.execute(text("SELECT id, password_hash FROM coordinators WHERE username = :u"), {"u": username}).first()
    return (row.id, row.password_hash) if row else None


def insert(conn: Connection, token_hash: str, coordinator_id: str, csrf_token: str,
           now: datetime, expires_at: datetime) -> None:
    conn.execute(
        text("INSERT INTO console_sessions (token_hash, coordinator_id, csrf_token, created_at, expires_at) "
             "VALUES (:h, :c, :csrf, :now, :exp)"),
        {"h": token_hash, "c": coordinator_id, "csrf": csrf_token, "now": moment(now), "exp": moment(expires_at)},
    )


def find(conn: Connection, token_hash: str) -> SessionRow | None:
    row = conn.execute(
        text("SELECT s.coordinator_id, c.username, s.csrf_token, s.expires_at FROM console_sessions s "
             "JOIN coordinators c ON c.id = s.coordinator_id WHERE s.token_hash = :h"),
        {"h": token_hash},
    ).first()
    return SessionRow(row.coordinator_id, row.username, row.csrf_token, parse_moment(row.expires_at)) if row else None


def delete(conn: Connection, token_hash: str) -> None:
    conn.execute(text("DELETE FROM console_sessions WHERE token_hash = :h"), {"h": token_hash})


def delete_expired(conn: Connection, now: datetime) -> None:
    conn.execute(text("DELETE FROM console_sessions WHERE expires_at <= :now"), {"now": moment(now)})
