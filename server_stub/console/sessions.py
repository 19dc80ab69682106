"""Console sessions: a random cookie value whose sha256 names a row in the database, and
a CSRF token per session that every form sends back.

Kept in the database (not a signed cookie) so that logging out ends the session on the
server, and a session can outlive neither its expiry nor its coordinator's row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from .. import security, throttle
from ..queries import console_sessions as q
from ..store import ServerStore

LIFETIME = timedelta(hours=12)
# Verified against when the username is unknown, so both refusals take as long.
_DUMMY_HASH = security.hash_password("not a password of anyone")


@dataclass(frozen=True)
class ConsoleSession:
    """A logged-in coordinator, as a page sees them."""

    coordinator_id: str
    username: str
    csrf_token: str


def log_in(store: ServerStore, username: str, password: str, address: str) -> str | None:
    """A new session's cookie value, or None when the username or password is wrong.

    Failures count against the name typed and the client's `address` (`throttle.py`);
    past either limit it raises `TooManyAttemptsError` without looking at the password,
    so the right one opens no session either. An unknown name counts like a known one."""
    keys = [throttle.account(username), throttle.address(throttle.LOGIN_ADDRESS, address)]
    with store.db.read() as conn:
        throttle.refuse_if_over(conn, store.now(), keys)
        found = q.coordinator_login(conn, username.strip())
    right = security.verify_password(password, found[1] if found else _DUMMY_HASH) and found is not None
    token, now = secrets.token_urlsafe(32), store.now()
    with store.db.write() as conn:
        # Again, in the transaction that counts this one: attempts sent side by side all
        # passed the check above while their passwords were being hashed.
        throttle.refuse_if_over(conn, now, keys)
        if not right or found is None:
            throttle.record_failure(conn, now, keys)
            return None
        throttle.forget(conn, keys[0])
        q.delete_expired(conn, now)
        q.insert(conn, security.token_hash(token), found[0], secrets.token_urlsafe(32), now, now + LIFETIME)
    return token


def current(store: ServerStore, token: str | None) -> ConsoleSession | None:
    if not token:
        return None
    with store.db.read() as conn:
        row = q.find(conn, security.token_hash(token))
    if row is None or row.expires_at <= store.now():
        return None
    return ConsoleSession(row.coordinator_id, row.username, row.csrf_token)


def log_out(store: ServerStore, token: str | None) -> None:
    if token:
        with store.db.write() as conn:
            q.delete(conn, security.token_hash(token))


def csrf_matches(session: ConsoleSession, sent: str | None) -> bool:
    return bool(sent) and secrets.compare_digest(session.csrf_token.encode(), (sent or "").encode())
