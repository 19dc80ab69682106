"""What a sync run tells its caller: progress while it runs, a report when it ends.

Also how an outbox item's failure is written into its `last_error` column, so the app can
later tell a refusal (show it) from a network failure (it will go by itself).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from field_app.store import OutboxItem
from field_app.store.outbox import FailureKind

log = logging.getLogger(__name__)

Phase = Literal["pull", "visits", "photos", "done"]


@dataclass(frozen=True)
class SyncProgress:
    """Where a run is: its phase, the photo being sent, and bytes done of the run's total."""

    phase: Phase
    photo_sha256: str | None
    photo_bytes_done: int
    photo_bytes_total: int
    bytes_done: int
    bytes_total: int


@dataclass(frozen=True)
class RefusedItem:
    """Something the server refused (or that failed a check), with why."""

    subject: str  # "visit <uuid> r<n>", "photo <sha256>", "pull"
    code: str
    message: str
    outbox_id: int | None = None


@dataclass(frozen=True)
class SyncReport:
    """How a run went. `left_to_send` counts what is still queued after it."""

    sent_revisions: int = 0
    sent_photos: int = 0
    bytes_sent: int = 0
    refused: tuple[RefusedItem, ...] = ()
    network_failed: bool = False
    network_error: str | None = None
    unpaired: bool = False
    pulled: bool = False
    left_to_send: int = 0
    # Of what is left: visits made under another shopper's account, which only it sends.
    held_visits: int = 0

    @property
    def complete(self) -> bool:
        """Everything went through and nothing is left: what `fieldaudit sync` exits 0 on."""
        return not (self.refused or self.network_failed or self.unpaired or self.left_to_send)


def subject(item: OutboxItem) -> str:
    """How reports and problems name an outbox item: "visit <uuid> r<n>", "photo <sha256>"
    or "recording <sha256>"."""
    if item.kind in ("photo", "recording"):
        return f"{item.kind} {item.photo_sha256}"
    return f"visit {item.visit_uuid} r{item.revision}"


def held_visits(items: list[OutboxItem], shopper_id: str | None) -> int:
    """How many visits the queued `items` hold that may not go under `shopper_id`'s account."""
    return len({item.visit_uuid for item in items if not item.sendable_as(shopper_id)})


def failure_text(kind: FailureKind, code: str, message: str) -> str:
    return f"{kind} {code}: {message}"


def parse_failure(text: str | None) -> tuple[FailureKind, str, str] | None:
    """(kind, code, message) from an outbox item's `last_error`, or None for another shape."""
    if not text:
        return None
    kind, _, rest = text.partition(" ")
    code, sep, message = rest.partition(": ")
    if kind not in ("refused", "network") or not sep:
        return None
    return kind, code, message  # type: ignore[return-value]


ProgressCallback = Callable[[SyncProgress], None]


class ProgressMeter:
    """Turns what the engine does into `SyncProgress` records whose bytes never go back.

    Several photos may be in flight at once, each on its own thread: a record names the
    photo that moved, and the run's bytes count every photo in flight. Calls take turns,
    so the callback never runs twice at once.

    After a cut the server may hold fewer bytes than were handed to the network; the shown
    count then waits until the resent bytes catch up, instead of jumping backwards.
    """

    def __init__(self, bytes_total: int, callback: ProgressCallback | None) -> None:
        self.bytes_total = bytes_total
        self._callback = callback
        self._phase: Phase = "pull"
        self._base = 0
        self._photos: dict[str, tuple[int, int]] = {}  # in flight: sha256 -> (done, total)
        self._shown = 0
        self._lock = threading.RLock()

    def phase(self, phase: Phase) -> None:
        with self._lock:
            self._phase = phase
            self._emit(None)

    def finished(self, size: int, sha256: str | None = None) -> None:
        """An item (a revision or a whole photo) is dealt with, sent or not."""
        with self._lock:
            self._base += size
            if sha256 is not None:
                self._photos.pop(sha256, None)
            self._emit(None)

    def photo(self, sha256: str, total: int) -> None:
        with self._lock:
            self._photos[sha256] = (0, total)
            self._emit(sha256)

    def photo_at(self, sha256: str, done: int) -> None:
        with self._lock:
            was, total = self._photos.get(sha256, (0, 0))
            if done > was:
                self._photos[sha256] = (min(done, total), total)
                self._emit(sha256)

    def _emit(self, sha256: str | None) -> None:
        in_flight = sum(done for done, _ in self._photos.values())
        self._shown = min(max(self._shown, self._base + in_flight), max(self.bytes_total, self._shown))
        if self._callback is None:
            return
        done, total = self._photos.get(sha256, (0, 0)) if sha256 is not None else (0, 0)
        record = SyncProgress(self._phase, sha256, done, total, self._shown, self.bytes_total)
        try:
            self._callback(record)
        except Exception:  # a closed screen must not stop the upload it was watching
            log.exception("sync progress callback failed")
