"""Phones: pairing with a one-time code, recognising a device by its token, unpairing, and
what a phone reports it cannot open."""

from __future__ import annotations

import hmac

from sqlalchemy import Connection

from field_app.domain.sync_messages import PairResponse, Shopper

from . import security, throttle
from .database import storable
from .errors import (
    InvalidRequestError,
    PairingCodeExpiredError,
    PairingCodeUnknownError,
    PairingCodeUsedError,
    TokenInvalidError,
    TokenMissingError,
    TokenRevokedError,
)
from .queries import accounts
from .records import Device
from .store import ServerStore


def pair(store: ServerStore, code: str, device_name: str, attempt: str | None = None,
         address: str | None = None) -> PairResponse:
    """Trade a pairing code for a device token (shown once; only its hash is kept).

    A code is used once. The one exception is the same phone retrying (the same secret
    `attempt`) because the answer never reached it, as happens on a dropping signal: the
    device the code made gets a new token, and the one that was lost stops working.

    With the client's `address`, wrong codes count against it (`throttle.py`): past the
    limit every code is refused with `TooManyAttemptsError`, the right one too. Without
    it (a library caller, not a request) nothing is counted."""
    if address is None:
        return _pair(store, code, device_name, attempt)
    key = throttle.address(throttle.PAIRING_ADDRESS, address)
    with store.db.read() as conn:
        throttle.refuse_if_over(conn, store.now(), [key])
    try:
        return _pair(store, code, device_name, attempt)
    except (PairingCodeUnknownError, PairingCodeUsedError, PairingCodeExpiredError):
        with store.db.write() as conn:
            throttle.record_failure(conn, store.now(), [key])
        raise


def _pair(store: ServerStore, code: str, device_name: str, attempt: str | None) -> PairResponse:
    if not storable(code):
        raise PairingCodeUnknownError()
    if not storable(device_name):
        raise InvalidRequestError("The device name has characters that cannot be stored.")
    now = store.now()
    digest = security.code_hash(code)
    attempt_digest = security.attempt_hash(attempt) if attempt else None
    token = security.new_token()
    device_id = security.new_id("dev_")
    with store.db.write() as conn:
        row = accounts.find_code(conn, digest)
        if row is None:
            raise PairingCodeUnknownError()
        if row.used_at is not None:
            if not _is_retry(row, attempt_digest):
                raise PairingCodeUsedError()
            if row.expires_at <= now:
                raise PairingCodeExpiredError()
            # Refused too when the device was revoked meanwhile.
            if not accounts.replace_token(conn, row.device_id or "", security.token_hash(token)):
                raise PairingCodeUsedError()
        elif row.expires_at <= now:
            raise PairingCodeExpiredError()
        elif accounts.use_code(conn, digest, device_id, attempt_digest, now):
            accounts.insert_device(conn, device_id, row.shopper_id, device_name.strip() or "phone",
                                   security.token_hash(token), now)
        else:
            raise PairingCodeUsedError()
        shopper = accounts.get_shopper(conn, row.shopper_id)
    assert shopper is not None
    return PairResponse(token=token, shopper=Shopper(id=shopper.id, name=shopper.name))


def _is_retry(row: accounts.CodeRow, attempt_digest: str | None) -> bool:
    return (attempt_digest is not None and row.attempt_hash is not None and row.device_id is not None
            and hmac.compare_digest(row.attempt_hash, attempt_digest))


def authenticate(store: ServerStore, token: str | None) -> Device:
    """The device a bearer token belongs to; a refusal names why (missing, unknown, revoked)."""
    with store.db.read() as conn:
        device = recognise(conn, token)
    note_seen(store, device)
    return device


def recognise(conn: Connection, token: str | None) -> Device:
    """`authenticate` inside a transaction of the caller's (which then calls `note_seen`)."""
    if not token:
        raise TokenMissingError()
    device = accounts.device_by_token(conn, security.token_hash(token))
    if device is None:
        raise TokenInvalidError()
    if device.revoked:
        raise TokenRevokedError()
    return device


def note_seen(store: ServerStore, device: Device) -> None:
    now = store.now()
    # Writing last_seen_at on every request would make every read a write.
    if device.last_seen_at is None or now - device.last_seen_at >= store.settings.last_seen_interval:
        with store.db.write() as conn:
            accounts.touch_device(conn, device.id, now)


def unpair(store: ServerStore, device: Device) -> None:
    with store.db.write() as conn:
        accounts.revoke_device(conn, device.id, store.now())


def report_unreadable(store: ServerStore, device: Device, checklists: list[str]) -> None:
    """Keep the checklists ("id@version") the phone says its app cannot open, in place of
    what it said before: the console asks the coordinator to have the app updated."""
    with store.db.write() as conn:
        accounts.set_unreadable(conn, device.id, sorted(set(checklists)), store.now())
