"""Running sync for one app session: on demand ("Sync now") and in the background
(`auto_sync`), and telling the screens what happens.

The screens never call `sync_now` themselves: they ask the runner, and the sync screen
registers as its `watcher` to show progress live. Everything the sync client reports
(from a worker thread) is handed over to the event loop before a control is touched.
After each run the runner compares a short summary of what Today shows and calls
`on_change` when it differs (a pull brought a new route or a returned visit, or a visit
went out), so the app can redraw Today when it is the screen on top.

The sync client is `field_app.sync.service.SyncService`; the screens rely only on the
`SyncClient` protocol below, so tests give them a fake (tests/fake_sync.py).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol

from field_app.services import FieldService
from field_app.sync.errors import NetworkError, ServerRefusedError

log = logging.getLogger(__name__)

AUTO_SYNC_INTERVAL_S = 30.0

# `field_app.sync.service.auto_sync(service, *, interval_s, on_progress, on_finish, stop)`
AutoSync = Callable[..., Awaitable[None]]


class SyncClient(Protocol):
    """What the screens use of `field_app.sync.service.SyncService`."""

    def status(self) -> Any: ...  # SyncStatus
    def pair(self, server_url: str, code: str, device_name: str) -> str: ...
    def unpair(self) -> None: ...
    # SyncReport; `automatic`: a background run, which leaves waiting refused items alone
    def sync_now(self, on_progress: Callable[[Any], None] | None = None, *, automatic: bool = False) -> Any: ...


class SyncWatcher(Protocol):
    """The sync screen while it is shown."""

    def show_progress(self, progress: Any) -> None: ...
    def finished(self, report: Any, error: Exception | None, tell: bool) -> None: ...


def failure_kind(error: BaseException) -> Literal["network", "refused"] | None:
    """Which branch of the sync client's errors this is: "network" (no answer: it stays
    queued and is retried) or "refused" (the server said no, with a code)."""
    if isinstance(error, NetworkError):
        return "network"
    if isinstance(error, ServerRefusedError):
        return "refused"
    return None


def returned_comment(sync: SyncClient | None, uuid: str) -> str | None:
    """The coordinator's comment on a returned visit, when the sync client keeps it."""
    ask = getattr(sync, "returned_comment", None)  # not every sync client has it yet
    if ask is None:
        return None
    try:
        comment = ask(uuid)
    except Exception:  # a missing comment must not hide the visit
        log.exception("could not read the comment of returned visit %s", uuid)
        return None
    return comment.strip() if comment and comment.strip() else None


class SyncRunner:
    """One per session. `start()` begins the background loop; `stop()` ends it."""

    def __init__(self, sync: SyncClient, service: FieldService, *,
                 on_change: Callable[[], None] = lambda: None) -> None:
        self.sync = sync
        self.service = service
        self.on_change = on_change
        self.watcher: SyncWatcher | None = None
        self.progress: Any = None  # the last SyncProgress of the run under way
        self.running = False
        self._tell = False
        self._stop = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._pending: Any = None
        self._summary = self._what_today_shows()

    # --- background ----------------------------------------------------------------

    def start(self, run_task: Callable[..., Any], auto_sync: AutoSync | None,
              interval_s: float = AUTO_SYNC_INTERVAL_S) -> None:
        """Begin `auto_sync` as a background task (`run_task` is `page.run_task`)."""
        self._loop = asyncio.get_running_loop()
        if auto_sync is not None:
            run_task(self._auto, auto_sync, interval_s)

    async def _auto(self, auto_sync: AutoSync, interval_s: float) -> None:
        try:
            await auto_sync(_EndsEveryRun(self), interval_s=interval_s, on_progress=self._progress_from_any_thread,
                            on_finish=self._finish_from_any_thread, stop=self._stop)
        except Exception:
            log.exception("background sync stopped")

    def stop(self) -> None:
        self._stop.set()

    # --- on demand -----------------------------------------------------------------

    def busy(self) -> bool:
        """A run is under way, started here or by the background loop."""
        if self.running:
            return True
        try:
            return bool(self.sync.status().running)
        except Exception:
            log.exception("could not read the sync status")
            return False

    async def run_now(self, tell: bool = True) -> None:
        """One run now, unless one is under way; the watcher hears how it goes (and, with
        `tell`, is asked to say how it ended)."""
        if self.busy():
            return
        self._loop = asyncio.get_running_loop()
        self.running, self._tell = True, tell
        report, error = None, None
        try:
            report = await asyncio.to_thread(self.sync.sync_now, self._progress_from_any_thread)
        except Exception as exc:
            error = exc
            if failure_kind(exc) is None:
                log.exception("sync failed")
        self._finish(report, error)

    # --- from the sync client's thread to the event loop ---------------------------

    def _progress_from_any_thread(self, progress: Any) -> None:
        # Only the latest progress counts: a burst of chunks makes one update of the screen.
        with self._lock:
            first = self._pending is None
            self._pending = progress
        if first and self._loop is not None:
            self._loop.call_soon_threadsafe(self._flush_progress)

    def _finish_from_any_thread(self, report: Any = None, error: Exception | None = None) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._finish, report, error)

    def _flush_progress(self) -> None:
        with self._lock:
            progress, self._pending = self._pending, None
        if progress is None:
            return
        self.running = True
        self.progress = progress
        if self.watcher is not None:
            self.watcher.show_progress(progress)

    def _finish(self, report: Any, error: Exception | None) -> None:
        self._flush_progress()
        tell = self._tell
        self.running, self._tell, self.progress = False, False, None
        if self.watcher is not None:
            self.watcher.finished(report, error, tell)
        summary = self._what_today_shows()
        if summary != self._summary:
            self._summary = summary
            self.on_change()

    def _what_today_shows(self) -> tuple[Any, ...]:
        try:
            status = self.sync.status()
            waiting = (status.paired, status.waiting_revisions, len(status.waiting_photos))
        except Exception:
            log.exception("could not read the sync status")
            waiting = None
        return self.service.route_state(), waiting


class _EndsEveryRun:
    """The sync client as the background loop gets it. `auto_sync` reports only the runs
    that return; one that raises must end on the screen too, or it would look stuck."""

    def __init__(self, runner: SyncRunner) -> None:
        self._runner = runner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runner.sync, name)

    def sync_now(self, on_progress: Callable[[Any], None] | None = None, **options: Any) -> Any:
        try:
            return self._runner.sync.sync_now(on_progress, **options)
        except Exception as error:
            self._runner._finish_from_any_thread(None, error)
            raise
