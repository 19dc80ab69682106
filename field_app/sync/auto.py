"""Syncing by itself: while the app runs, send what waits as soon as the server answers.

Network calls run in worker threads (`asyncio.to_thread`), so the app's event loop never
waits on the network. `on_progress` is called on the worker threads (the run's, or a
photo upload's), one call at a time; `on_finish` on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import random as random_module
from collections.abc import Callable
from typing import TYPE_CHECKING

from .errors import NotPairedError
from .report import ProgressCallback, SyncReport
from .retry import RetryPolicy

if TYPE_CHECKING:  # service.py re-exports auto_sync, so it cannot be imported from here
    from .service import SyncService

log = logging.getLogger(__name__)


async def auto_sync(
    service: SyncService,
    *,
    interval_s: float = 30,
    on_progress: ProgressCallback | None = None,
    on_finish: Callable[[SyncReport], None] | None = None,
    stop: asyncio.Event,
    random: Callable[[], float] = random_module.random,
    max_wait_s: float = 15 * 60,
) -> None:
    """Until `stop` is set: every `interval_s`, when sync is due (something waits, or a
    pull), probe the server and sync if it answers; refused items go again only once
    their wait is over. After runs that the network cut short, wait longer each time
    (with jitter), up to `max_wait_s`."""
    backoff = RetryPolicy(base_s=interval_s, cap_s=max_wait_s)
    failures = 0
    while not stop.is_set():
        try:
            if await asyncio.to_thread(service.sync_due) and await asyncio.to_thread(service.server_reachable):
                report = await asyncio.to_thread(service.sync_now, on_progress, automatic=True)
                failures = failures + 1 if report.network_failed else 0
                if on_finish is not None:
                    on_finish(report)
        except NotPairedError:
            failures = 0  # unpaired meanwhile (here or by the server): nothing to do until paired again
        except Exception:  # the loop must outlive one bad run; the next may go through
            log.exception("automatic sync failed")
            failures += 1
        wait = interval_s + (backoff.delay(failures, random) if failures else 0.0)
        try:
            await asyncio.wait_for(stop.wait(), timeout=wait)
        except TimeoutError:
            pass
