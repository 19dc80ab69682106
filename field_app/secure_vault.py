"""The device token in the phone's secure storage (Android Keystore, iOS Keychain, the
browser's storage in a web build), through Flet's SecureStorage service.

SecureStorage belongs to a Flet session and its methods are coroutines that the Flutter
client answers, while the sync client runs in worker threads and reads the token at every
run. So the token is read once, when the session starts (`open`), and kept in memory; a
new token, or forgetting it, is written through, the worker waiting until the storage has
it (a pairing is not reported before its token is kept).

App versions before this one kept the token in the store's settings table; `open` moves it
once: into the secure storage first, then out of the table (`Store.erase_setting`). A
crash between the two leaves it in both, and the next start moves it again. A token found
in the table is always the newer one: the app empties the table each time it moves one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from flet_secure_storage import SecureStorage

from .store import Store
from .sync.errors import TokenStorageError
from .sync.vault import TOKEN_SETTING

log = logging.getLogger(__name__)

KEY = "fieldaudit.device_token"
# The client answers in milliseconds; a minute means it never will (the session is gone).
TIMEOUT_S = 60.0


class SecureStorageVault:
    """A `TokenVault` over SecureStorage, usable once `open` has run in a Flet session."""

    def __init__(self, store: Store, make_storage: Callable[[], SecureStorage] = SecureStorage) -> None:
        self.store = store
        self._make_storage = make_storage
        self._storage: SecureStorage | None = None  # kept: Flet drops a service nothing refers to
        self._loop: asyncio.AbstractEventLoop | None = None
        self._token: str | None = None

    async def open(self) -> None:
        """Read the token for this session, moving it out of the settings table if an older
        app left it there. Call it in the session's `main`, before the sync client runs."""
        self._loop = asyncio.get_running_loop()
        left_in_table = self.store.setting(TOKEN_SETTING) or None
        try:
            self._storage = self._make_storage()  # built in the session: it registers with its page
            if left_in_table:
                await self._call(self._storage.set(KEY, left_in_table))
                self.store.erase_setting(TOKEN_SETTING)
                log.info("the device token moved from the settings table to the secure storage")
                self._token = left_in_table
            else:
                self._token = await self._call(self._storage.get(KEY)) or None
        except Exception:  # the app must start all the same
            # Sync as before this session: the token stays where it was, if anywhere.
            log.exception("the secure storage could not be opened")
            self._token = left_in_table

    # --- TokenVault ------------------------------------------------------------------

    def token(self) -> str | None:
        return self._token

    def keep(self, token: str) -> None:
        self._write(lambda storage: storage.set(KEY, token))
        self._token = token
        self._drop_left_in_table()

    def forget(self) -> None:
        self._token = None  # at once: no run starts with it while the storage forgets it
        self._write(lambda storage: storage.remove(KEY))
        self._drop_left_in_table()

    # --- inside ----------------------------------------------------------------------

    def _drop_left_in_table(self) -> None:
        # Left there when the storage failed at `open`: older than what was just written,
        # and the next start would move it over it.
        if self.store.setting(TOKEN_SETTING):
            self.store.erase_setting(TOKEN_SETTING)

    def _write(self, call: Callable[[SecureStorage], Awaitable[Any]]) -> None:
        """Run a storage call on the session's event loop and wait for it (from a worker
        thread: the sync client's calls all run in one)."""
        storage, loop = self._storage, self._loop
        if storage is None or loop is None or loop.is_closed():
            raise TokenStorageError("the secure storage is not open: no Flet session")
        if _running_loop() is loop:
            raise RuntimeError("the token vault waits for the event loop: call it from a worker thread")
        future = asyncio.run_coroutine_threadsafe(self._call(call(storage)), loop)
        try:
            future.result(TIMEOUT_S + 5)  # a stopped loop would never run it
        except concurrent.futures.TimeoutError as error:
            future.cancel()
            raise TokenStorageError("the secure storage did not answer") from error

    @staticmethod
    async def _call(pending: Awaitable[Any]) -> Any:
        try:
            return await asyncio.wait_for(pending, TIMEOUT_S)
        except (TimeoutError, RuntimeError) as error:  # no answer, or the client's error
            raise TokenStorageError(f"the secure storage failed: {error}") from error


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
