"""Storing what is typed while it is typed: a field's text is stored `DELAY_S` after the
last keystroke, with the focus still in it, so a phone that dies a second after the last
keystroke loses nothing (a field stores itself only when it loses focus otherwise).

Each store runs in a worker thread (off the event loop: a write with `synchronous=FULL`
waits for the disk) and is its own transaction, as every shopper action is. Stores of one
screen go one at a time under `lock`; the screen takes the same lock when it stores a
field on the event loop (on leaving), so the last store always holds the latest text.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# Within a second of the last keystroke, with room for a slow disk.
DELAY_S = 0.4


class TypingSaver:
    """One per screen. `changed(key, store, after)` on every keystroke of field `key`:
    `store()` runs in a worker thread `DELAY_S` after the last one, then `after(result)` on
    the event loop (`after` may touch controls; `store` must not)."""

    delay_s = DELAY_S

    def __init__(self, on_error: Callable[[Exception], None] | None = None) -> None:
        self.lock = threading.Lock()
        self._on_error = on_error
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._jobs: dict[str, tuple[Callable[[], Any], Callable[[Any], None] | None]] = {}
        self._running: set[asyncio.Task] = set()

    def changed(self, key: str, store: Callable[[], Any], after: Callable[[Any], None] | None = None) -> None:
        loop = asyncio.get_running_loop()
        old = self._timers.pop(key, None)
        if old is not None:
            old.cancel()
        self._jobs[key] = (store, after)
        self._timers[key] = loop.call_later(self.delay_s, self._start, loop, key)

    def pending(self) -> bool:
        """A keystroke not stored yet (or being stored now)."""
        return bool(self._jobs or self._running)

    def cancel(self) -> None:
        """Forget what waits: the screen stores every field itself now (it is going)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._jobs.clear()

    async def idle(self) -> None:
        """Wait until every keystroke so far is stored (tests)."""
        while self._jobs or self._running:
            await asyncio.sleep(0.01)

    def _start(self, loop: asyncio.AbstractEventLoop, key: str) -> None:
        self._timers.pop(key, None)
        task = loop.create_task(self._store(key))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _store(self, key: str) -> None:
        job = self._jobs.pop(key, None)
        if job is None:
            return
        store, after = job
        try:
            result = await asyncio.to_thread(self._locked, store)
            if after is not None:
                after(result)
        except Exception as error:  # what was stored stays stored; the next keystroke tries again
            if self._on_error is not None:
                self._on_error(error)
            else:
                log.exception("could not store what was typed")

    def _locked(self, store: Callable[[], Any]) -> Any:
        with self.lock:
            return store()
