"""Asks for location fixes in the background and keeps what they come to (issue 17).

The shopper is never held up: a request is a task of the session's event loop, started by
the action it belongs to (a visit's start, a photo kept, the review of a visit about to be
finalized) and left to run; the action goes on at once. When the request ends, its outcome
(a fix, or unavailable and why) is written in its own transaction, so a fix that came before
the app died is in the revision finalized after it restarts. No error of the locator, and
no failure to write, ever reaches the screen: it is logged, and the event goes out as
unavailable.

The finish fix: a revision's payload is frozen when it is finalized, so its finish fix must
be in by then. The request starts when the review screen opens (the shopper reads the
scores and confirms: usually long enough), again at the tap on "finalize" if the last one
is more than `FINISH_FRESH_S` old, and finalizing waits at most `FINALIZE_WAIT_S` for the
requests of the visit still running. One still running after that is left: the revision
says "unavailable" for its event, and when it ends the store refuses its outcome (the
revision is frozen), so a later revision never carries a fix taken after the one before it
was finalized.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from field_app.domain.errors import VisitFrozenError
from field_app.domain.locations import ERROR, TIMEOUT, LocationOutcome
from field_app.domain.records import LocationEvent

from .locator import LocationUnavailableError, Locator

log = logging.getLogger(__name__)

TIME_LIMIT_S = 20.0
"""No fix within this: the event is unavailable (issue 17)."""
FINALIZE_WAIT_S = 3.0
"""The longest finalizing waits for the fixes of the visit still being taken."""
FINISH_FRESH_S = 120.0
"""A finish request this recent still says where the shopper finalizes."""
GIVE_UP_S = TIME_LIMIT_S + 150.0
"""A locator that has not answered by then never will (a permission prompt left open, a
client gone): the request ends as a timeout."""

Spawn = Callable[..., "concurrent.futures.Future[Any]"]


class Outcomes(Protocol):
    """Where outcomes go (`FieldService`): the phone's clock and its store."""

    def now(self) -> Any: ...

    def record_location(self, uuid: str, outcome: LocationOutcome) -> LocationOutcome: ...


class FixRecorder:
    """One per Flet session, as its `Locator` is. `spawn` runs a coroutine function on the
    session's event loop from any thread (`page.run_task`)."""

    def __init__(self, outcomes: Outcomes, locator: Locator, spawn: Spawn, *,
                 time_limit_s: float = TIME_LIMIT_S, finalize_wait_s: float = FINALIZE_WAIT_S,
                 give_up_s: float = GIVE_UP_S, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._outcomes = outcomes
        self._locator = locator
        self._spawn = spawn
        self.time_limit_s = time_limit_s
        self.finalize_wait_s = finalize_wait_s
        self.give_up_s = give_up_s
        self._monotonic = monotonic
        self._lock = threading.Lock()  # screens call from handler threads and the event loop
        self._running: dict[str, set[concurrent.futures.Future[Any]]] = {}
        self._finish_asked: dict[str, float] = {}

    # --- what the screens call: each returns at once -------------------------------------

    def start(self, uuid: str) -> None:
        """A visit has just begun."""
        self._ask(uuid, "start")

    def photo(self, uuid: str, sha256: str) -> None:
        """A photo has just been kept for the visit."""
        self._ask(uuid, "photo", sha256)

    def finish(self, uuid: str) -> None:
        """The shopper is about to finalize: take the finish fix unless one was asked for
        within `FINISH_FRESH_S`."""
        now = self._monotonic()
        with self._lock:
            asked = self._finish_asked.get(uuid)
            if asked is not None and now - asked < FINISH_FRESH_S:
                return
            self._finish_asked[uuid] = now
        self._ask(uuid, "finish")

    async def settle(self, uuid: str) -> int:
        """Before finalizing: wait at most `finalize_wait_s` for the visit's requests still
        running; returns how many are left running (their events go out unavailable)."""
        with self._lock:
            running = list(self._running.get(uuid, ()))
        if not running:
            return 0
        waiting = [asyncio.wrap_future(future) for future in running]
        _, left = await asyncio.wait(waiting, timeout=self.finalize_wait_s)
        if left:
            log.info("finalizing %s with %d location request(s) still running", uuid, len(left))
        return len(left)

    def running(self, uuid: str) -> int:
        with self._lock:
            return len(self._running.get(uuid, ()))

    def close(self) -> None:
        """The session has ended: stop asking."""
        with self._lock:
            futures = [f for running in self._running.values() for f in running]
            self._running.clear()
        for future in futures:
            future.cancel()

    # --- inside --------------------------------------------------------------------------

    def _ask(self, uuid: str, event: LocationEvent, sha256: str | None = None) -> None:
        try:
            future = self._spawn(self._take, uuid, event, sha256)
        except Exception:  # no event loop (the session is gone): the event is unavailable
            log.exception("could not ask for the %s location of %s", event, uuid)
            return
        with self._lock:
            self._running.setdefault(uuid, set()).add(future)
        future.add_done_callback(lambda done: self._forget(uuid, done))

    def _forget(self, uuid: str, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            running = self._running.get(uuid)
            if running is not None:
                running.discard(future)
                if not running:
                    del self._running[uuid]

    async def _take(self, uuid: str, event: LocationEvent, sha256: str | None) -> None:
        outcome = await self._locate(event, sha256)
        try:
            await asyncio.to_thread(self._outcomes.record_location, uuid, outcome)
        except VisitFrozenError:
            log.info("the %s location of %s came after it was finalized: not kept", event, uuid)
        except Exception:
            log.exception("the %s location of %s could not be kept", event, uuid)

    async def _locate(self, event: LocationEvent, sha256: str | None) -> LocationOutcome:
        try:
            position = await asyncio.wait_for(self._locator.locate(self.time_limit_s), self.give_up_s)
        except LocationUnavailableError as error:
            log.info("no %s location: %s", event, error)
            return LocationOutcome.unavailable(event, self._outcomes.now(), error.reason, photo_sha256=sha256)
        except TimeoutError:
            log.info("no %s location: the locator did not answer in %.0f s", event, self.give_up_s)
            return LocationOutcome.unavailable(event, self._outcomes.now(), TIMEOUT, photo_sha256=sha256)
        except Exception:
            log.exception("no %s location: the locator failed", event)
            return LocationOutcome.unavailable(event, self._outcomes.now(), ERROR, photo_sha256=sha256)
        try:
            return LocationOutcome.found(event, self._outcomes.now(), position.lat, position.lon,
                                         position.accuracy_m, photo_sha256=sha256)
        except ValueError:  # coordinates out of range: not a position
            log.warning("no %s location: the locator gave %r", event, position)
            return LocationOutcome.unavailable(event, self._outcomes.now(), ERROR, photo_sha256=sha256)

