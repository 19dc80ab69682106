"""Blocking work of the photo upload path on worker threads, with less bookkeeping than
anyio's `to_thread` (which Starlette's `run_in_threadpool` uses).

Each anyio hop enters cancel scopes, a capacity limiter and sniffio's backend lookup:
about 15% of the event loop's time during a burst of uploads, measured with py-spy, and
under load every such microsecond holds the GIL the decoders wait for. A plain executor
future does the same job for the two hops of a PATCH and the one of a HEAD.

Like anyio's default, a hop is not abandoned when its task is cancelled: the caller waits
for the thread to finish before the cancellation goes on, so a lock held around the call
(the per-photo upload lock) is never let go while its work still runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# The database work of a hop is short; a decode or fsync waits on the disk or in C with
# the GIL released. Eight threads keep two cores busy without a queue of idle threads.
_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fieldaudit-blocking")


async def run_blocking(function: Callable[..., T], *args: object) -> T:
    """`function(*args)` on a worker thread; its result or its exception."""
    future = asyncio.get_running_loop().run_in_executor(_executor, function, *args)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        if not future.done():
            await asyncio.wait([future])
        raise
