"""Limits on guessing console passwords and pairing codes.

Each failed attempt is a row in the database (its kind, the sha256 of its key, when), so
the limits hold across restarts and across server processes. A key is over its limit
while it has `attempts` failures within the last `window` (a sliding window). From then
on each attempt of that key is refused with `TooManyAttemptsError` (429, Retry-After:
until the oldest of those failures leaves the window) before the password or code is
looked at, so the right one is refused as well. A refused attempt is not recorded: it
does not make the wait longer.

    console login   5 failures per account (the name typed, whether or not it exists)
                    20 failures per client address, over any names
    pairing         20 wrong codes per client address

A correct password clears its account's failures, so a coordinator who mistyped four
times is not one typo from a lockout for the next 15 minutes. It does not clear its
address's: whoever knows one account's password must not be able to reset the count of
an address that is guessing the others'.

Keys are stored hashed: people type a password into the name field, and a name may be any
text. IPv6 addresses count by their /64, which one client usually holds whole.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from .errors import TooManyAttemptsError
from .queries import failed_attempts as q

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Limit:
    """At most `attempts` failures of one key within `window`."""

    kind: str
    attempts: int
    window: timedelta = WINDOW


LOGIN_ACCOUNT = Limit("login_account", 5)
LOGIN_ADDRESS = Limit("login_address", 20)
PAIRING_ADDRESS = Limit("pairing_address", 20)
LIMITS = (LOGIN_ACCOUNT, LOGIN_ADDRESS, PAIRING_ADDRESS)


@dataclass(frozen=True)
class Key:
    """What one limit counts: a login name or a client address."""

    limit: Limit
    value: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.value.encode("utf-8", "surrogatepass")).hexdigest()


def account(username: str) -> Key:
    """A login name as the limit counts it: "Anna " and "anna" are one account."""
    return Key(LOGIN_ACCOUNT, username.strip().casefold())


def address(limit: Limit, host: str | None) -> Key:
    """A client's address (`request.client.host`; behind a proxy, what uvicorn took from
    X-Forwarded-For of a trusted proxy)."""
    return Key(limit, _network(host or ""))


def refuse_if_over(conn: Connection, now: datetime, keys: Iterable[Key]) -> None:
    """Raise `TooManyAttemptsError` when any of `keys` is over its limit, with the
    longest wait among them."""
    until = None
    for key in keys:
        nth = q.nth_newest(conn, key.limit.kind, key.digest, now - key.limit.window, key.limit.attempts)
        if nth is not None and (until is None or nth + key.limit.window > until):
            until = nth + key.limit.window
    if until is not None:
        raise TooManyAttemptsError(until - now)


def record_failure(conn: Connection, now: datetime, keys: Iterable[Key]) -> None:
    """One more failure of each key; failures older than every window go."""
    q.delete_older(conn, now - max(limit.window for limit in LIMITS))
    for key in keys:
        q.insert(conn, key.limit.kind, key.digest, now)


def forget(conn: Connection, key: Key) -> None:
    """The key's failures no longer count (an account after its right password)."""
    q.delete_key(conn, key.limit.kind, key.digest)


def _network(host: str) -> str:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an IP (a test client's name, a Unix socket): as it is
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)
