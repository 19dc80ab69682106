"""A stand-in for `field_app.sync.service.SyncService` (and its `auto_sync`) for screen
tests: the same interface and records (the real `SyncStatus`, `SyncProgress`,
`SyncReport` and errors), state held in plain fields, and runs a test can step through.

A run reports `plan` (a list of `SyncProgress`) and then ends as `outcome` says. With
`stepping` on, it waits before each report until the test calls `step()`, so a test can
look at the screen between two reports. `after_run` runs in the run's thread at its end,
as a pull would (mark a visit returned, save a new route...).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from field_app.sync.report import RefusedItem, SyncReport
from field_app.sync.service import SyncProblem, SyncProgress, SyncStatus, WaitingPhoto

SHOPPER = "Анна Петрова"
SERVER = "https://audit.example.ru"
DEVICE = "Телефон Анны"


class FakeSync:
    def __init__(self, clock: Any, *, paired: bool = False) -> None:
        self.clock = clock
        self.paired = paired
        self.server_url: str | None = SERVER if paired else None
        self.shopper_name: str | None = SHOPPER if paired else None
        self.device_name: str | None = DEVICE if paired else None
        self.waiting_revisions = 0
        self.photos: dict[str, list[int]] = {}  # sha256 -> [bytes, sent], in upload order
        self.recordings: set[str] = set()  # which of `photos` are call recordings
        self.last_success_at: datetime | None = None
        self.last_problem: Any = None
        self.refused: list[Any] = []
        self.held_visits = 0  # visits made under another shopper's account
        self.running = False
        self.comments: dict[str, str] = {}
        # pairing
        self.pair_answer: str | Exception = SHOPPER
        self.pair_calls: list[tuple[str, str, str]] = []
        self.pair_gate: threading.Event | None = None
        self.unpair_calls = 0
        # runs
        self.plan: list[Any] = []
        self.outcome: str | list[Any] = "ok"  # "ok", "network", or the problems refused
        self.after_run: Callable[[], None] | None = None
        self.stepping = False
        self.emitted: list[Any] = []
        self.runs = 0
        self._steps = threading.Semaphore(0)
        # the background loop
        self.auto_interval: float | None = None
        self.auto_running = False
        self._kicks: asyncio.Queue[None] = asyncio.Queue()

    # --- the SyncService interface --------------------------------------------------

    def status(self) -> SyncStatus:
        photos = [WaitingPhoto(sha, size, sent, "recording" if sha in self.recordings else "photo")
                  for sha, (size, sent) in self.photos.items()]
        return SyncStatus(
            paired=self.paired, server_url=self.server_url, shopper_name=self.shopper_name,
            device_name=self.device_name, waiting_revisions=self.waiting_revisions, waiting_photos=photos,
            waiting_bytes=sum(p.bytes - p.sent for p in photos), last_success_at=self.last_success_at,
            last_problem=self.last_problem, running=self.running, refused=list(self.refused),
            held_visits=self.held_visits,
        )

    def pair(self, server_url: str, code: str, device_name: str) -> str:
        self.pair_calls.append((server_url, code, device_name))
        if self.pair_gate is not None:
            self.pair_gate.wait(5)
        if isinstance(self.pair_answer, Exception):
            raise self.pair_answer
        self.paired, self.server_url, self.shopper_name, self.device_name = (
            True, server_url, self.pair_answer, device_name)
        return self.pair_answer

    def unpair(self) -> None:
        self.unpair_calls += 1
        self.paired, self.shopper_name = False, None

    def sync_now(self, on_progress: Callable[[Any], None] | None = None, *, automatic: bool = False) -> SyncReport:
        self.running = True
        self.runs += 1
        try:
            for progress in self.plan:
                if self.stepping:
                    self._steps.acquire(timeout=5)
                if progress.photo_sha256 in self.photos:
                    self.photos[progress.photo_sha256][1] = progress.photo_bytes_done
                if on_progress is not None:
                    on_progress(progress)
                self.emitted.append(progress)
            if self.after_run is not None:
                self.after_run()
            return self._end()
        finally:
            self.running = False

    def returned_comment(self, uuid: str) -> str | None:
        return self.comments.get(uuid)

    async def auto_sync(self, service: Any, *, interval_s: float = 30, on_progress: Any = None,
                        on_finish: Any = None, stop: asyncio.Event) -> None:
        """Runs once per `kick()` instead of on a timer, until `stop` is set."""
        self.auto_interval, self.auto_running = interval_s, True
        try:
            while not stop.is_set():
                kick = asyncio.ensure_future(self._kicks.get())
                stopped = asyncio.ensure_future(stop.wait())
                await asyncio.wait({kick, stopped}, return_when=asyncio.FIRST_COMPLETED)
                for waiting in (kick, stopped):
                    waiting.cancel()
                if stop.is_set():
                    break
                try:
                    report = await asyncio.to_thread(service.sync_now, on_progress)
                except Exception:  # as the real loop: one bad run does not end it
                    continue
                if on_finish is not None:
                    on_finish(report)
        finally:
            self.auto_running = False

    # --- for the tests ---------------------------------------------------------------

    def kick(self) -> None:
        """Let the background loop run once."""
        self._kicks.put_nowait(None)

    def step(self) -> None:
        """Let a stepping run report its next progress."""
        self._steps.release()

    def wait(self, photos: dict[str, tuple[int, int]], visits: int = 1, recordings: tuple[str, ...] = ()) -> None:
        """What waits to be sent: `{sha256: (bytes, sent)}` (those in `recordings` are call
        recordings) and a count of visit revisions."""
        self.waiting_revisions = visits
        self.photos = {sha: [size, sent] for sha, (size, sent) in photos.items()}
        self.recordings = set(recordings)

    def plan_upload(self, chunks: int = 2) -> list[Any]:
        """The progress of a run that sends every waiting photo in `chunks` steps each."""
        total = sum(size - sent for size, sent in self.photos.values())
        plan = [progress("pull", done=0, total=total), progress("visits", done=0, total=total)]
        done = 0
        for sha, (size, sent) in self.photos.items():
            for k in range(1, chunks + 1):
                now_sent = sent + (size - sent) * k // chunks
                plan.append(progress("photos", sha, now_sent, size, done + now_sent - sent, total))
            done += size - sent
        plan.append(progress("done", done=total, total=total))
        self.plan = plan
        return plan

    def _end(self) -> SyncReport:
        now = self.clock.now()
        left = self.waiting_revisions + len(self.photos)
        if self.outcome == "network":
            self.last_problem = problem("network", "network", now)
            return SyncReport(network_failed=True, network_error="connection refused", left_to_send=left)
        if isinstance(self.outcome, list):
            self.refused = list(self.outcome)
            self.last_problem = self.outcome[-1]
            items = tuple(RefusedItem(p.subject or "pull", p.code, p.message) for p in self.outcome)
            return SyncReport(refused=items, left_to_send=left)
        self.waiting_revisions, self.photos = 0, {}
        self.last_success_at, self.last_problem = now, None
        return SyncReport(pulled=True)


def progress(phase: str, sha256: str | None = None, photo_done: int = 0, photo_total: int = 0,
             done: int = 0, total: int = 0) -> Any:
    return SyncProgress(phase=phase, photo_sha256=sha256, photo_bytes_done=photo_done,
                        photo_bytes_total=photo_total, bytes_done=done, bytes_total=total)


def problem(kind: str, code: str, at: datetime, subject: str | None = None) -> Any:
    return SyncProblem(kind=kind, code=code, message=f"the server's words for {code}", at=at, subject=subject)


