"""The device token in the phone's secure storage: an older app's token moves there once
from the settings table (and leaves no copy in the database files), the phone stays paired
and syncs with it; pairing writes the new token there, unpairing and a revoked token
remove it; a secure storage that fails at start does not stop the app. The CLI and the
app served from a data folder keep the token in the settings table (`SettingsVault`).

The app runs in the in-memory Flet session with the real sync client over
`fake_sync_server.FakeServer`. There is no Flutter client to keep anything, so
`FakeKeystore` answers SecureStorage's method calls as its Flutter side would; the Python
side is flet-secure-storage's own.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import flet as ft
import pytest

from field_app.app import build_app
from field_app.secure_vault import KEY, SecureStorageVault
from field_app.services import FieldService
from field_app.store import Store
from field_app.sync import SyncService, state
from field_app.sync.vault import TOKEN_SETTING, SettingsVault

from fake_sync_server import SHOPPER, TOKEN, FakeServer, pair_directly
from flet_harness import FletHarness, no_failing_handlers, until  # noqa: F401 (autouse fixture)


class FakeKeystore:
    """What the Flutter side of SecureStorage keeps (the Keystore, the Keychain), answering
    the session's `get`, `set` and `remove` calls; `calls` lists them in order."""

    def __init__(self, kept: dict[str, str] | None = None, fail: str | None = None) -> None:
        self.kept = dict(kept or {})
        self.calls: list[str] = []
        self.fail = fail  # a call the client answers with an error

    def answers(self) -> dict[str, Any]:
        return {"get": self._get, "set": self._set, "remove": self._remove}

    def _called(self, name: str) -> None:
        self.calls.append(name)
        if name == self.fail:
            raise RuntimeError("KeyStoreException")  # the harness hands it back as the client's error

    def _get(self, args: dict[str, Any]) -> str | None:
        self._called("get")
        return self.kept.get(args["key"])

    def _set(self, args: dict[str, Any]) -> None:
        self._called("set")
        self.kept[args["key"]] = args["value"]

    def _remove(self, args: dict[str, Any]) -> None:
        self._called("remove")
        self.kept.pop(args["key"], None)


@pytest.fixture
def fake() -> FakeServer:
    return FakeServer()


def phone_sync(service: FieldService, fake: FakeServer) -> SyncService:
    """The sync client as `run_phone` builds it, over the fake server."""
    return SyncService(service.store, service.photos_dir, clock=service.clock, transport=fake,
                       sleep=lambda s: None, random=lambda: 0.5, vault=SecureStorageVault(service.store))


async def start(harnesses, service: FieldService, fake: FakeServer, keystore: FakeKeystore,
                route: str = "/sync") -> tuple[FletHarness, SyncService]:
    sync = phone_sync(service, fake)
    h = await FletHarness.start(build_app(service, sync, auto_sync=None), route=route, answers=keystore.answers())
    harnesses.append(h)
    return h, sync


def as_a_phone_builds_sqlite(store: Store) -> None:
    """Debian's SQLite overwrites deleted bytes by default; SQLite's own default, as built
    for phones, does not."""
    store.db.execute("PRAGMA secure_delete = OFF")


def files_holding(folder: Path, secret: str) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes())


async def sync_now(h: FletHarness) -> None:
    await h.click(h.by_key("sync-now"))
    await until(lambda: not h.by_key("sync-now").disabled, timeout=10)


# --- the move from the settings table -----------------------------------------------------


async def test_a_token_in_the_settings_table_moves_to_the_secure_storage_and_still_syncs(
        harnesses, service, fake, folder):
    as_a_phone_builds_sqlite(service.store)
    pair_directly(service.store)  # as the app before the secure storage left it
    service.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the token in the database file itself
    assert files_holding(folder, TOKEN) == ["field.db"]
    keystore = FakeKeystore()

    h, sync = await start(harnesses, service, fake, keystore)

    assert keystore.kept == {KEY: TOKEN}
    assert service.store.setting(TOKEN_SETTING) is None  # the row is gone, not emptied
    assert files_holding(folder, TOKEN) == []  # nor left in freed space or in the WAL
    assert h.has_key("sync-account") and sync.status().paired
    await sync_now(h)
    assert fake.pulls == [None] and fake.visits  # the server took the token: pulled, and a visit went
    assert not h.has_key("sync-problem") and sync.status().waiting_revisions == 0


async def test_the_move_happens_once(harnesses, service, fake):
    pair_directly(service.store)
    keystore = FakeKeystore()
    await start(harnesses, service, fake, keystore)
    assert keystore.calls == ["set"]

    h, sync = await start(harnesses, service, fake, keystore)  # the app started again

    assert keystore.calls == ["set", "get"] and keystore.kept == {KEY: TOKEN}
    assert sync.status().paired and h.has_key("sync-account")
    assert service.store.setting(TOKEN_SETTING) is None


async def test_a_secure_storage_failing_at_start_leaves_the_token_where_it_was(harnesses, service, fake, caplog):
    pair_directly(service.store)
    keystore = FakeKeystore(fail="set")

    h, sync = await start(harnesses, service, fake, keystore)

    assert keystore.kept == {} and service.store.setting(TOKEN_SETTING) == TOKEN  # moved at the next start
    assert sync.status().paired  # and syncs meanwhile
    await sync_now(h)
    assert fake.pulls == [None]
    assert "the secure storage could not be opened" in caplog.text

    keystore.fail = None  # it works again: unpairing forgets the token in both places
    await h.click(h.by_key("unpair"))
    [dialog] = [d for d in h.dialogs() if isinstance(d, ft.AlertDialog)]
    await h.click(h.button("Отключить", root=dialog))
    await until(lambda: h.has_key("sync-unpaired"))
    assert keystore.kept == {} and service.store.setting(TOKEN_SETTING) is None
    _, sync = await start(harnesses, service, fake, keystore)  # and it stays forgotten
    assert not sync.status().paired


# --- pairing and unpairing ----------------------------------------------------------------


async def test_pairing_writes_the_token_to_the_secure_storage_only(harnesses, service, fake):
    fake.pairing_codes["ABCDEFGH"] = SHOPPER
    keystore = FakeKeystore()
    h, sync = await start(harnesses, service, fake, keystore, route="/pair")
    assert keystore.calls == ["get"] and not sync.status().paired

    for key, text in (("pair-server", "http://sync.test"), ("pair-code", "abcd-efgh"), ("pair-device", "Pixel 7")):
        await h.type(h.by_key(key), text)
    await h.click(h.by_key("pair"))
    await until(lambda: h.top_view().route == "/sync")
    await until(lambda: not h.by_key("sync-now").disabled, timeout=10)  # the first sync, with the new token

    [token] = [t for t in fake.tokens if t != TOKEN]
    assert keystore.kept == {KEY: token}
    assert service.store.setting(TOKEN_SETTING) is None
    assert state.pairing(service.store, sync.vault).token == token
    assert fake.pulls == [None] and not h.has_key("sync-problem")


async def test_a_pairing_the_secure_storage_does_not_keep_is_told_and_can_be_tried_again(harnesses, service, fake):
    fake.pairing_codes["ABCDEFGH"] = SHOPPER
    keystore = FakeKeystore()
    h, sync = await start(harnesses, service, fake, keystore, route="/pair")
    keystore.fail = "set"
    for key, text in (("pair-server", "http://sync.test"), ("pair-code", "ABCDEFGH"), ("pair-device", "Pixel 7")):
        await h.type(h.by_key(key), text)
    await h.click(h.by_key("pair"))
    await until(lambda: h.shown("pair-error"))

    assert h.by_key("pair-error").value == (
        "Телефон не смог сохранить подключение в защищённом хранилище. Попробуйте ещё раз; "
        "если не получится, перезапустите приложение.")
    assert keystore.kept == {} and not sync.status().paired
    keystore.fail = None
    # The real server pairs the same attempt again; this fake needs the code given back.
    fake.pairing_codes["ABCDEFGH"] = SHOPPER
    await h.click(h.by_key("pair"))
    await until(lambda: h.top_view().route == "/sync")
    assert list(keystore.kept) == [KEY] and sync.status().paired


async def test_unpairing_removes_the_token_from_the_secure_storage(harnesses, service, fake):
    pair_directly(service.store)
    keystore = FakeKeystore()
    h, sync = await start(harnesses, service, fake, keystore)

    await h.click(h.by_key("unpair"))
    [dialog] = [d for d in h.dialogs() if isinstance(d, ft.AlertDialog)]
    await h.click(h.button("Отключить", root=dialog))
    await until(lambda: h.has_key("sync-unpaired"))

    assert keystore.kept == {} and keystore.calls[-1] == "remove"
    assert TOKEN in fake.revoked  # told the server with the token, before forgetting it
    assert not sync.status().paired and service.store.setting(TOKEN_SETTING) is None


async def test_a_token_the_server_revoked_leaves_the_secure_storage(harnesses, service, fake):
    pair_directly(service.store)
    fake.revoked.add(TOKEN)
    keystore = FakeKeystore()
    h, sync = await start(harnesses, service, fake, keystore)

    await h.click(h.by_key("sync-now"))
    await until(lambda: h.has_key("sync-unpaired"))

    assert keystore.kept == {} and keystore.calls[-1] == "remove" and not sync.status().paired


async def test_the_vault_refuses_to_block_the_event_loop(harnesses, service, fake):
    keystore = FakeKeystore()
    _, sync = await start(harnesses, service, fake, keystore)
    with pytest.raises(RuntimeError, match="worker thread"):
        sync.vault.keep("token-x")
    await asyncio.to_thread(sync.vault.keep, "token-x")
    assert keystore.kept == {KEY: "token-x"}


# --- with no Flet page: the settings table --------------------------------------------------


def test_the_cli_and_a_served_data_folder_keep_the_token_in_the_settings_table(service, fake, folder):
    as_a_phone_builds_sqlite(service.store)
    sync = SyncService(service.store, service.photos_dir, clock=service.clock, transport=fake, sleep=lambda s: None)
    assert isinstance(sync.vault, SettingsVault)
    fake.pairing_codes["ABCDEFGH"] = SHOPPER
    sync.pair("http://sync.test", "ABCDEFGH", "laptop")
    token = state.pairing(service.store, sync.vault).token
    assert token and service.store.setting(TOKEN_SETTING) == token
    assert sync.sync_now().complete
    service.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    sync.unpair()

    assert service.store.setting(TOKEN_SETTING) is None and files_holding(folder, token) == []
