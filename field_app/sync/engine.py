"""One sync run over the store's outbox: pull the route, push finalized revisions in outbox
order, then upload the photos the server still lacks.

Every item ends a run in one of three ways: done (the server has it), refused (marked
failed with the server's reason; the run goes on with the next item), or still queued
because the network gave out. A lost connection stops the run there: the next items would
fail the same way. A busy server (5xx, 408, 423, 429 until the backoff gives up) does not
at first: one item's payload may trip a server bug, and the items behind it must still go
out. A second such item in a row stops the run: then the server itself is in trouble.
The backoff's count of failures in a row runs on from one item to the next, so the item
after a busy one gets a single attempt before it counts as the second.

An automatic run leaves alone the refused items still waiting (`refusals`); their photos
wait with them. A 401 stops the run and forgets the token: the device must be paired again.

Only what may go under the paired shopper's account is sent (`OutboxItem.sendable_as`):
the visits another shopper made on this phone stay queued, untouched, until their account
is paired again. Their photo goes only when a visit of this shopper holds the same bytes
and the server asks for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from field_app.store import OutboxItem, Store

from . import refusals, state
from .api import ApiClient
from .errors import (
    NetworkError,
    PairingRevokedError,
    PhotoFileError,
    ServerBusyError,
    ServerRefusedError,
    SyncError,
)
from .pull import pull
from .report import ProgressCallback, ProgressMeter, RefusedItem, SyncReport, failure_text, held_visits, subject
from .retry import Backoff
from .state import SyncProblem
from .uploads import PhotoUpload, check_file
from .vault import TokenVault


@dataclass
class _Tally:
    sent_revisions: int = 0
    sent_photos: int = 0
    bytes_sent: int = 0
    refused: list[RefusedItem] = field(default_factory=list)
    pulled: bool = False
    # From the receipts: photos the server lacks, and photos of sent revisions it has.
    missing: set[str] = field(default_factory=set)
    present: set[str] = field(default_factory=set)
    unsent_revisions: set[tuple[str, int]] = field(default_factory=set)
    busy: ServerBusyError | None = None  # the last busy answer an item was left with
    busy_in_a_row: bool = False  # the last item the server was asked about ended busy
    waiting: list[OutboxItem] = field(default_factory=list)  # refused, left alone this run
    others: set[int] = field(default_factory=set)  # ids of photos of another shopper's visits


class SyncEngine:
    """Runs one sync against a server; `run()` never raises for a network failure or a
    refusal, it reports them."""

    def __init__(self, store: Store, api: ApiClient, photos_dir: Path, *, vault: TokenVault, backoff: Backoff,
                 now: Callable[[], datetime], on_progress: ProgressCallback | None = None,
                 automatic: bool = False) -> None:
        self.store = store
        self.api = api
        self.vault = vault
        self.photos_dir = Path(photos_dir)
        self.backoff = backoff
        self.now = now
        self.on_progress = on_progress
        self.automatic = automatic

    def photo_path(self, sha256: str) -> Path:
        return self.photos_dir / f"{sha256}.jpg"

    def run(self) -> SyncReport:
        # What is queued now is this run's work; what the shopper finalizes meanwhile
        # waits for the next run.
        tally = _Tally()
        shopper = state.pairing(self.store, self.vault).shopper_id
        items = self._items(tally, shopper)
        revisions = [(item, self.store.revision_payload(item.visit_uuid, item.revision))
                     for item in items if item.kind == "visit_revision"]
        photos = [(item, self._size(item.photo_sha256 or "")) for item in items if item.kind == "photo"]
        meter = ProgressMeter(sum(len(p) for _, p in revisions) + sum(s for _, s in photos), self.on_progress)
        network: NetworkError | None = None
        revoked: PairingRevokedError | None = None
        try:
            meter.phase("pull")
            self._pull(tally)
            meter.phase("visits")
            for item, payload in revisions:
                self._push(item, payload, tally)
                meter.finished(len(payload))
            meter.phase("photos")
            for item, size in photos:
                self._photo(item, size, tally, meter)
                meter.finished(size)
        except PairingRevokedError as error:
            revoked = error
            # Also a refusal, so a caller that only reads `refused` still shows why.
            tally.refused.append(RefusedItem("device", error.code, error.message))
        except NetworkError as error:
            network = error
        meter.phase("done")
        network = network or tally.busy
        left = self.store.pending_outbox()
        report = SyncReport(
            sent_revisions=tally.sent_revisions, sent_photos=tally.sent_photos, bytes_sent=tally.bytes_sent,
            refused=tuple(tally.refused), network_failed=network is not None,
            network_error=str(network) if network else None, unpaired=revoked is not None,
            pulled=tally.pulled, left_to_send=len(left), held_visits=held_visits(left, shopper),
        )
        self._record(report, network, revoked, tally.waiting)
        return report

    def _items(self, tally: _Tally, shopper: str | None) -> list[OutboxItem]:
        items = [item for item in self.store.pending_outbox()
                 if item.sendable_as(shopper) or item.kind == "photo"]
        tally.others = {item.id for item in items if not item.sendable_as(shopper)}
        if not self.automatic:
            return items
        now = self.now()
        tally.waiting = [item for item in items if refusals.waiting(item, now)]
        # The photos of a waiting revision wait with it, as they do for one refused now.
        tally.unsent_revisions |= {(item.visit_uuid, item.revision) for item in tally.waiting
                                   if item.kind == "visit_revision"}
        return [item for item in items if item not in tally.waiting]

    # --- the three phases ------------------------------------------------------------

    def _pull(self, tally: _Tally) -> None:
        try:
            pull(self.store, self.api, self.backoff, self.now())
        except PairingRevokedError:
            raise
        except ServerRefusedError as error:
            # A bad route must not keep finished visits from going out.
            tally.refused.append(RefusedItem("pull", error.code, error.message))
            return
        tally.pulled = True

    def _push(self, item: OutboxItem, payload: bytes, tally: _Tally) -> None:
        try:
            receipt = self.backoff.call(lambda: self.api.put_visit(item.visit_uuid, payload))
        except SyncError as error:
            tally.unsent_revisions.add((item.visit_uuid, item.revision))
            self._fail(item, error, tally)
            return
        self.store.mark_outbox_done(item.id)
        tally.busy_in_a_row = False
        tally.sent_revisions += 1
        tally.bytes_sent += len(payload)
        missing = set(receipt.missing_photos)
        tally.missing |= missing
        tally.present |= {photo["sha256"] for photo in json.loads(payload).get("photos", [])} - missing

    def _photo(self, item: OutboxItem, size: int, tally: _Tally, meter: ProgressMeter) -> None:
        sha256 = item.photo_sha256 or ""
        if sha256 in tally.present and sha256 not in tally.missing:
            self.store.mark_outbox_done(item.id)
            return
        if (item.visit_uuid, item.revision) in tally.unsent_revisions and sha256 not in tally.missing:
            return  # the server knows the photo only from its revision: it waits for it
        if item.id in tally.others and sha256 not in tally.missing:
            return  # another shopper's visit's: it waits for their account
        meter.photo(sha256, size)
        upload: PhotoUpload | None = None
        try:
            upload = self._upload(sha256, meter)
            upload.run()
        except SyncError as error:
            self._fail(item, error, tally)
            return
        finally:
            tally.bytes_sent += upload.bytes_sent if upload else 0
        self.store.mark_outbox_done(item.id)
        tally.busy_in_a_row = False
        tally.sent_photos += int(upload.uploaded)

    def _upload(self, sha256: str, meter: ProgressMeter) -> PhotoUpload:
        path = self.photo_path(sha256)
        total = check_file(path, sha256)

        def heard(offset: int) -> None:
            # Kept for the app's "sent so far"; a resumed photo's bar starts there.
            self.store.record_upload_offset(sha256, offset, total)
            meter.photo_at(offset)

        return PhotoUpload(self.api, self.backoff, sha256, path, total, on_offset=heard, on_bytes=meter.photo_at)

    # --- outcomes ---------------------------------------------------------------------

    def _fail(self, item: OutboxItem, error: SyncError, tally: _Tally) -> None:
        """A refusal is noted and the run goes on, and so does a busy server's answer unless
        the item before ended the same way; any other network failure, or a revoked token,
        stops the run."""
        if isinstance(error, PairingRevokedError):
            raise error
        kind = "network" if isinstance(error, NetworkError) else "refused"
        self.store.mark_outbox_failed(item.id, kind, failure_text(kind, error.code, error.message), at=self.now())
        if isinstance(error, (ServerRefusedError, PhotoFileError)):
            tally.refused.append(RefusedItem(subject(item), error.code, error.message, item.id))
            if isinstance(error, ServerRefusedError):
                # The server answered: the next item gets the backoff's attempts afresh.
                tally.busy_in_a_row = False
                self.backoff.progressed()
            return
        if isinstance(error, ServerBusyError) and not tally.busy_in_a_row:
            tally.busy, tally.busy_in_a_row = error, True
            return
        raise error

    def _record(self, report: SyncReport, network: NetworkError | None,
                revoked: PairingRevokedError | None, waiting: list[OutboxItem]) -> None:
        at = self.now()
        if revoked is not None:
            state.forget_token(self.store, self.vault, SyncProblem("unpaired", revoked.code, revoked.message, at))
            return
        problem = None
        if network is not None:
            problem = SyncProblem("network", network.code, network.message, at)
        elif report.refused:
            first = report.refused[0]
            problem = SyncProblem("refused", first.code, first.message, at, first.subject)
        elif waiting:
            # Not a clean run: something the server refused is still on the phone.
            problem = refusals.problem(waiting[0], at)
        state.record_outcome(self.store, problem, at)

    def _size(self, sha256: str) -> int:
        try:
            return self.photo_path(sha256).stat().st_size
        except OSError:
            return 0
