"""`run_blocking`, the upload path's hop to a worker thread: results, exceptions, and a
cancellation that waits for the thread's work (the upload lock around it must not be let
go while a photo is still being checked and moved)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from server_stub.blocking import run_blocking


def test_it_returns_the_result_and_runs_off_the_event_loop():
    async def main():
        loop_thread = threading.get_ident()
        worker = await run_blocking(threading.get_ident)
        return loop_thread, worker, await run_blocking(pow, 2, 10)

    loop_thread, worker, result = asyncio.run(main())
    assert worker != loop_thread
    assert result == 1024


def test_it_raises_what_the_function_raised():
    def refuse():
        raise LookupError("no such photo")

    with pytest.raises(LookupError, match="no such photo"):
        asyncio.run(run_blocking(refuse))


def test_a_cancelled_caller_waits_for_the_work_before_the_cancellation_goes_on():
    finished = threading.Event()

    def slow_work():
        time.sleep(0.3)
        finished.set()

    async def main():
        task = asyncio.create_task(run_blocking(slow_work))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return finished.is_set()

    assert asyncio.run(main()) is True
