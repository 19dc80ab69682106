"""What the phone remembers about its server, kept in the store's settings: the pairing
(server, shopper, device name), the last shopper paired, the pull cursor, the checklists it
last told the server it cannot open, and how the last runs went. The device token is kept
apart, in a `TokenVault` (the phone's secure storage in the app): every function that reads
or changes the pairing is given it.

An empty value means "none": each change of the settings is one transaction, and a key
emptied in it needs no delete. The token cannot join that transaction; `save_pairing` and
`forget_token` order the two writes so that a crash between them leaves the phone unpaired.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from field_app.domain.sync_messages import normalize_pairing_code
from field_app.store import PAIRED_SHOPPER_SETTING, Store

from .vault import TokenVault

SERVER_URL = "sync.server_url"
SHOPPER_ID = PAIRED_SHOPPER_SETTING  # the store stamps each visit it starts with it
# Kept through unpairing and revocation: the visits made under that account wait for it,
# and pairing as someone else hands the phone over (their route goes).
LAST_SHOPPER_ID = "sync.last_shopper_id"
SHOPPER_NAME = "sync.shopper_name"
DEVICE_NAME = "sync.device_name"
CURSOR = "sync.cursor"
LAST_PULL_AT = "sync.last_pull_at"
LAST_SUCCESS_AT = "sync.last_success_at"
LAST_PROBLEM = "sync.last_problem"
# The checklists ("id@version", JSON) the server last accepted as those this app cannot
# open; empty: none, or never told.
UNREADABLE_REPORTED = "sync.unreadable_reported"
# Made once per install, never sent: pairing attempt ids are derived from it.
PAIRING_SECRET = "sync.pairing_secret"

ProblemKind = Literal["network", "refused", "unpaired"]


@dataclass(frozen=True)
class SyncProblem:
    """Why a run (or an item) did not get through, for the app to show."""

    kind: ProblemKind
    code: str
    message: str
    at: datetime
    subject: str | None = None  # which item: "visit <uuid> r<n>", "photo <sha256>", "pull"
    retry_at: datetime | None = None  # a refused item: when an automatic run sends it again


@dataclass(frozen=True)
class Pairing:
    """The server this phone talks to, and as whom; `token` is None once unpaired."""

    server_url: str | None
    token: str | None
    shopper_id: str | None
    shopper_name: str | None
    device_name: str | None

    @property
    def paired(self) -> bool:
        return bool(self.server_url and self.token)


def pairing(store: Store, vault: TokenVault) -> Pairing:
    return Pairing(_get(store, SERVER_URL), vault.token(), _get(store, SHOPPER_ID), _get(store, SHOPPER_NAME),
                   _get(store, DEVICE_NAME))


def save_pairing(store: Store, vault: TokenVault, server_url: str, token: str, shopper_id: str,
                 shopper_name: str, device_name: str) -> list[str]:
    """A new pairing starts from a full pull: the cursor belonged to the old one. Paired as
    another shopper than the last one, the phone has changed hands: the stops no visit has
    started were the last shopper's route and go (the full pull brings the new one); the
    ids removed are returned."""
    # The token and the settings cannot share a transaction. The old token goes first and
    # the new one comes last, so a crash in between leaves the phone unpaired (pairing
    # again with the same code works: see `pairing_attempt`), never one shopper's token
    # with another's settings.
    vault.forget()
    previous = last_shopper_id(store)
    values = {
        SERVER_URL: server_url, SHOPPER_ID: shopper_id, LAST_SHOPPER_ID: shopper_id, SHOPPER_NAME: shopper_name,
        DEVICE_NAME: device_name, CURSOR: "", LAST_PULL_AT: "", LAST_PROBLEM: "",
        # The server keeps a report per device, and this pairing is a new device there.
        UNREADABLE_REPORTED: "",
    }
    removed: list[str] = []
    if previous is not None and previous != shopper_id:
        removed = store.hand_over(values)
    else:
        store.set_settings(values)
    vault.keep(token)
    return removed


def last_shopper_id(store: Store) -> str | None:
    """The shopper paired now, or the last one paired before unpairing (or revocation)."""
    # A phone paired before the last shopper was kept has only the current one.
    return _get(store, LAST_SHOPPER_ID) or _get(store, SHOPPER_ID)


def pairing_attempt(store: Store, server_url: str, code: str) -> str:
    """The attempt id this phone sends with `code` to `server_url`: the same on every
    retry, after a restart too, so a pairing whose answer was lost can be asked again;
    another phone, or another code, gives another id."""
    secret = _get(store, PAIRING_SECRET)
    if secret is None:
        secret = secrets.token_hex(32)
        store.set_settings({PAIRING_SECRET: secret})
    message = f"{server_url}\n{normalize_pairing_code(code)}".encode()
    return hmac.new(bytes.fromhex(secret), message, hashlib.sha256).hexdigest()


def forget_token(store: Store, vault: TokenVault, problem: SyncProblem | None = None) -> None:
    """Unpaired: the token and cursor go; the server, device name and last shopper stay
    to pair again."""
    vault.forget()  # first: a crash before the settings below still leaves the phone unpaired
    store.set_settings({
        SHOPPER_ID: "", LAST_SHOPPER_ID: last_shopper_id(store) or "", SHOPPER_NAME: "", CURSOR: "",
        LAST_PULL_AT: "", LAST_PROBLEM: _problem_text(problem),
    })


def cursor(store: Store) -> str | None:
    return _get(store, CURSOR)


def save_cursor(store: Store, value: str | None, at: datetime) -> None:
    """Note a pull at `at`, and its cursor (None: the cursor stays as it was)."""
    values = {LAST_PULL_AT: at.isoformat()}
    if value is not None:
        values[CURSOR] = value
    store.set_settings(values)


def unreadable_reported(store: Store) -> list[str]:
    text = _get(store, UNREADABLE_REPORTED)
    return json.loads(text) if text else []


def save_unreadable_reported(store: Store, checklists: list[str]) -> None:
    store.set_settings({UNREADABLE_REPORTED: json.dumps(checklists) if checklists else ""})


def last_pull_at(store: Store) -> datetime | None:
    return _moment(_get(store, LAST_PULL_AT))


def last_success_at(store: Store) -> datetime | None:
    return _moment(_get(store, LAST_SUCCESS_AT))


def record_outcome(store: Store, problem: SyncProblem | None, at: datetime) -> None:
    """After a run: a clean run sets the last success; any run replaces the last problem."""
    values = {LAST_PROBLEM: _problem_text(problem)}
    if problem is None:
        values[LAST_SUCCESS_AT] = at.isoformat()
    store.set_settings(values)


def last_problem(store: Store) -> SyncProblem | None:
    text = _get(store, LAST_PROBLEM)
    if not text:
        return None
    data = json.loads(text)
    return SyncProblem(data["kind"], data["code"], data["message"], datetime.fromisoformat(data["at"]),
                       data.get("subject"))


def _problem_text(problem: SyncProblem | None) -> str:
    if problem is None:
        return ""
    return json.dumps({"kind": problem.kind, "code": problem.code, "message": problem.message,
                       "at": problem.at.isoformat(), "subject": problem.subject}, ensure_ascii=False)


def _get(store: Store, key: str) -> str | None:
    return store.setting(key) or None


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
