"""What the screens may ask of sync: pair, unpair, sync now, and how things stand.

Screens call these methods and never touch HTTP. `sync_now` blocks (run it off the UI
path); its progress callback is called on the syncing thread or on a photo upload's
(several photos go at once), one call at a time.
"""

from __future__ import annotations

import logging
import random as random_module
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from field_app import storage
from field_app.domain.clock import Clock
from field_app.recordings import recording_file
from field_app.store import OutboxItem, Store

from . import refusals, state
from .api import HEALTH_TIMEOUT, ApiClient
from .auto import auto_sync
from .engine import SyncEngine
from .errors import NotPairedError, SyncError
from .report import ProgressCallback, SyncProgress, SyncReport, held_visits
from .retry import RetryPolicy
from .state import SyncProblem
from .vault import SettingsVault, TokenVault

log = logging.getLogger(__name__)

# Without anything to send, a paired phone still asks for route changes this often.
PULL_EVERY = timedelta(minutes=15)
# The shopper waits on the pairing screen: three tries within a few seconds, then the
# screen says so and a tap tries again.
PAIRING_RETRIES = RetryPolicy(base_s=0.5, cap_s=2.0, max_failures=3)

__all__ = ["SyncProblem", "SyncProgress", "SyncReport", "SyncService", "SyncStatus", "WaitingPhoto", "auto_sync"]


@dataclass(frozen=True)
class WaitingPhoto:
    """A photo (or a call recording: `kind`) still to upload; `sent` is the server's last
    known offset (0 when none)."""

    sha256: str
    bytes: int
    sent: int
    kind: str = "photo"


@dataclass(frozen=True)
class SyncStatus:
    """How sync stands, for the settings screen and the Today screen's badge."""

    paired: bool
    server_url: str | None
    shopper_name: str | None
    device_name: str | None
    waiting_revisions: int
    waiting_photos: list[WaitingPhoto]
    waiting_bytes: int
    last_success_at: datetime | None
    last_problem: SyncProblem | None
    running: bool
    # Items the server refused, with why and when an automatic run sends them again.
    refused: list[SyncProblem] = field(default_factory=list)
    # Visits made under another shopper's account: not in the waiting above, they go only
    # once that account is paired again.
    held_visits: int = 0


class _Run:
    """A run in progress, which a second caller of `sync_now` waits for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.report: SyncReport | None = None
        self.error: BaseException | None = None


class SyncService:
    def __init__(
        self,
        store: Store,
        photos_dir: Path,
        *,
        clock: Clock,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = random_module.random,
        policy: RetryPolicy | None = None,
        vault: TokenVault | None = None,
    ) -> None:
        """`vault` keeps the device token: by default the store's settings table (what
        runs with no Flet page); the app on a phone gives its secure storage."""
        self.store = store
        self.vault: TokenVault = vault if vault is not None else SettingsVault(store)
        self.photos_dir = Path(photos_dir)
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self._transport = transport
        self._sleep = sleep
        self._random = random
        self._guard = threading.Lock()
        self._running: _Run | None = None
        # Photos whose bytes went out in a run that ended before the server said where its
        # copy ends: the next run asks before sending them (`SyncEngine`).
        self._unsure: set[str] = set()

    # --- how things stand ----------------------------------------------------------------

    def status(self) -> SyncStatus:
        pairing = state.pairing(self.store, self.vault)
        # Unpaired, what waits is what the last shopper's account sends once paired again.
        shopper = pairing.shopper_id if pairing.paired else state.last_shopper_id(self.store)
        revisions, revision_bytes = self.store.queued_revisions(shopper)
        photos = [WaitingPhoto(p.sha256, p.bytes or self._file_size(p.sha256, p.kind), p.sent, p.kind)
                  for p in self.store.queued_photos(shopper)]
        pending = self.store.pending_outbox()
        return SyncStatus(
            paired=pairing.paired,
            server_url=pairing.server_url,
            shopper_name=pairing.shopper_name,
            device_name=pairing.device_name,
            waiting_revisions=revisions,
            waiting_photos=photos,
            waiting_bytes=revision_bytes + sum(max(p.bytes - p.sent, 0) for p in photos),
            last_success_at=state.last_success_at(self.store),
            last_problem=state.last_problem(self.store),
            running=self._running is not None,
            refused=self._refused(pending),
            held_visits=held_visits(pending, shopper),
        )

    def returned_comment(self, uuid: str) -> str | None:
        """What the coordinator wrote when returning the visit, if it was returned."""
        note = self.store.return_note(uuid)
        return note.comment if note is not None else None

    def sync_due(self) -> bool:
        """Paired, and something waits to be sent under this account (a refused item once
        its wait is over) or the route has not been pulled lately."""
        pairing = state.pairing(self.store, self.vault)
        if not pairing.paired:
            return False
        now = self.clock.now()
        if any(item.sendable_as(pairing.shopper_id) and not refusals.waiting(item, now)
               for item in self.store.pending_outbox()):
            return True
        last = state.last_pull_at(self.store)
        return last is None or now - last >= PULL_EVERY

    def server_reachable(self) -> bool:
        """Whether the paired server answers `/health` now (a quick probe; never raises)."""
        url = state.pairing(self.store, self.vault).server_url
        if not url:
            return False
        try:
            with ApiClient(url, transport=self._transport, timeout=HEALTH_TIMEOUT) as api:
                return api.health()
        except SyncError:
            return False

    # --- pairing ------------------------------------------------------------------------

    def pair(self, server_url: str, code: str, device_name: str) -> str:
        """Pair this phone with a server using a coordinator's one-time code; returns the
        shopper's name. Network failures are retried (a few times, with backoff): the
        request carries this phone's attempt id for the code, so a retry after a lost
        answer pairs instead of finding the code used; so does the shopper tapping again
        later. Paired as another shopper than the last one, the stops no visit has started
        leave the phone (`state.save_pairing`). Raises `NetworkError`, `ServerRefusedError`
        (a bad code) or `InvalidServerUrlError`."""
        url = server_url.strip().rstrip("/")
        attempt = state.pairing_attempt(self.store, url, code)
        backoff = PAIRING_RETRIES.start(sleep=self._sleep, random=self._random)
        with ApiClient(url, transport=self._transport) as api:  # a mistyped address fails here
            answer = backoff.call(lambda: api.pair(code.strip(), device_name.strip(), attempt))
        state.save_pairing(self.store, self.vault, url, answer.token, answer.shopper.id, answer.shopper.name,
                           device_name.strip())
        return answer.shopper.name

    def unpair(self) -> None:
        """Forget the token (telling the server when it can be reached); the visits and
        the outbox stay on the phone, to go when this shopper pairs it again."""
        pairing = state.pairing(self.store, self.vault)
        if pairing.paired:
            try:
                with ApiClient(pairing.server_url or "", pairing.token, transport=self._transport) as api:
                    api.unpair()
            except SyncError:
                pass  # offline, or already revoked: forgetting it here is what matters
        state.forget_token(self.store, self.vault)

    # --- syncing ------------------------------------------------------------------------

    def sync_now(self, on_progress: ProgressCallback | None = None, *, automatic: bool = False) -> SyncReport:
        """Run one sync and report how it went. One run at a time: a second caller waits
        for the running one and gets its report. Raises `NotPairedError`.

        An `automatic` run (the app syncing by itself) leaves alone the refused items
        still waiting; a run the shopper asks for sends them at once."""
        with self._guard:
            run = self._running
            owner = run is None
            if run is None:
                run = self._running = _Run()
        if not owner:
            run.done.wait()
            if run.error is not None:
                raise run.error
            assert run.report is not None
            return run.report
        try:
            run.report = self._run(on_progress, automatic)
            self._free_space()
            return run.report
        except BaseException as error:
            run.error = error
            raise
        finally:
            with self._guard:
                self._running = None
            run.done.set()

    def _run(self, on_progress: ProgressCallback | None, automatic: bool) -> SyncReport:
        pairing = state.pairing(self.store, self.vault)
        if not pairing.paired:
            raise NotPairedError("this phone is not paired with a server")
        backoff = self.policy.start(sleep=self._sleep, random=self._random)
        with ApiClient(pairing.server_url or "", pairing.token, transport=self._transport) as api:
            engine = SyncEngine(self.store, api, self.photos_dir, vault=self.vault, backoff=backoff,
                                now=self.clock.now, on_progress=on_progress, automatic=automatic,
                                unsure=self._unsure)
            return engine.run()

    # --- inside -------------------------------------------------------------------------

    def _refused(self, pending: list[OutboxItem]) -> list[SyncProblem]:
        now = self.clock.now()
        return [refusals.problem(item, now) for item in pending if item.failure_kind == "refused"]

    def _file_size(self, sha256: str, kind: str) -> int:
        path = recording_file(self.photos_dir, sha256) if kind == "recording" else self.photos_dir / f"{sha256}.jpg"
        try:
            return path.stat().st_size
        except OSError:
            return 0

    def _free_space(self) -> None:
        """After a run, on its thread: the photos and call recordings the server has
        confirmed leave the phone (a photo's thumbnail stays; see `storage`). A failure is
        logged and fails no run."""
        try:
            removed = storage.free_confirmed_photos(self.store, self.photos_dir, self.clock.now())
            removed += storage.free_confirmed_recordings(self.store, self.photos_dir, self.clock.now())
        except Exception:
            log.exception("confirmed photos or recordings could not be removed")
            return
        if removed:
            log.info("%d confirmed photo(s) and recording(s) left the phone", len(removed))
