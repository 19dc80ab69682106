"""One sync run over the store's outbox: pull the route, push finalized revisions in outbox
order, then upload the photos the server still lacks.

A call recording (an outbox item of kind 'recording') is a blob like a photo: it goes the
same way, through the same resumable upload, from its own file (`<sha256>.audio`, see
`field_app.recordings`); everything said of photos below holds for it.

Every item ends a run in one of three ways: done (the server has it), refused (marked
failed with the server's reason; the run goes on with the next item), or still queued
because the network gave out. A lost connection stops the run there: the next items would
fail the same way. A busy server (5xx, 408, 423, 429 until the backoff gives up) does not
at first: one item's payload may trip a server bug, and the items behind it must still go
out. A second such item in a row stops the run: then the server itself is in trouble.
The backoff's count of failures in a row runs on from one item to the next, so the item
after a busy one gets a single attempt before it counts as the second.

Photos go `UPLOADS_IN_FLIGHT` at a time, each on a worker thread, so that one photo's
round trips (its request's way out, the server's check of the finished file, the answer's
way back) overlap the others' bytes and the link never idles; what happened to each is
dealt with on the run's own thread, in the order they end, as above. A run that stops
sends no new photo and waits for those in flight, which end the same way or go through.

An automatic run leaves alone the refused items still waiting (`refusals`); their photos
wait with them. A 401 stops the run and forgets the token: the device must be paired again.

Only what may go under the paired shopper's account is sent (`OutboxItem.sendable_as`):
the visits another shopper made on this phone stay queued, untouched, until their account
is paired again. Their photo goes only when a visit of this shopper holds the same bytes
and the server asks for them.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from field_app.recordings import recording_file
from field_app.store import OutboxItem, Store
from field_app.store.outbox import BLOB_KINDS

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


# Two or three photos in flight keep a link of a few Mbit/s busy through each one's round
# trips (at 1 Mbit/s and 300 ms, one round trip is 37 KB of the link's time); more would
# only cost memory (a chunk each) and server slots.
UPLOADS_IN_FLIGHT = 3


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
    uploaded: set[str] = field(default_factory=set)  # photos the server confirmed whole this run


@dataclass
class _PhotoJob:
    """One photo's upload on a worker thread, and how it ended."""

    item: OutboxItem
    size: int
    upload: PhotoUpload | None = None
    error: SyncError | None = None

    @property
    def sha256(self) -> str:
        return self.item.photo_sha256 or ""


class SyncEngine:
    """Runs one sync against a server; `run()` never raises for a network failure or a
    refusal, it reports them."""

    def __init__(self, store: Store, api: ApiClient, photos_dir: Path, *, vault: TokenVault, backoff: Backoff,
                 now: Callable[[], datetime], on_progress: ProgressCallback | None = None,
                 automatic: bool = False, unsure: set[str] | None = None,
                 uploads_in_flight: int = UPLOADS_IN_FLIGHT) -> None:
        """`unsure` holds the photos whose bytes went out in an earlier run without the
        server saying where its copy ends (kept by the caller across runs, updated here):
        those are asked about before sending."""
        self.store = store
        self.api = api
        self.vault = vault
        self.photos_dir = Path(photos_dir)
        self.backoff = backoff
        self.now = now
        self.on_progress = on_progress
        self.automatic = automatic
        self.unsure = unsure if unsure is not None else set()
        self.uploads_in_flight = max(1, uploads_in_flight)

    def photo_path(self, sha256: str) -> Path:
        return self.photos_dir / f"{sha256}.jpg"

    def blob_path(self, item: OutboxItem) -> Path:
        """The file an item of a blob kind uploads."""
        sha256 = item.photo_sha256 or ""
        return recording_file(self.photos_dir, sha256) if item.kind == "recording" else self.photo_path(sha256)

    def run(self) -> SyncReport:
        # What is queued now is this run's work; what the shopper finalizes meanwhile
        # waits for the next run.
        tally = _Tally()
        shopper = state.pairing(self.store, self.vault).shopper_id
        items = self._items(tally, shopper)
        revisions = [(item, self.store.revision_payload(item.visit_uuid, item.revision))
                     for item in items if item.kind == "visit_revision"]
        photos = [(item, self._size(item)) for item in items if item.kind in BLOB_KINDS]
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
            self.unsure |= self._started(shopper)
            self._photos(photos, tally, meter)
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
                 if item.sendable_as(shopper) or item.kind in BLOB_KINDS]
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
        missing = set(receipt.missing_photos) | set(receipt.missing_recordings)
        tally.missing |= missing
        revision = json.loads(payload)
        named = revision.get("photos", []) + revision.get("recordings", [])
        tally.present |= {blob["sha256"] for blob in named} - missing

    def _photos(self, photos: list[tuple[OutboxItem, int]], tally: _Tally, meter: ProgressMeter) -> None:
        """Upload the photos that must go, a few at a time; the first error that stops the
        run is raised once the photos in flight have ended. Two items of one photo (two
        visits holding the same bytes) never go at once: the second waits for the first,
        and then needs no upload."""
        queue = deque(photos)
        running: dict[Future[_PhotoJob], _PhotoJob] = {}
        twins: dict[str, list[tuple[OutboxItem, int]]] = {}  # items of a photo in flight
        stop: SyncError | None = None
        with ThreadPoolExecutor(self.uploads_in_flight, thread_name_prefix="photo-upload") as pool:
            while True:
                while stop is None and len(running) < self.uploads_in_flight:
                    job = self._next_job(queue, twins, tally, meter)
                    if job is None:
                        break
                    twins[job.sha256] = []
                    running[pool.submit(self._send, job, meter)] = job
                if not running:
                    break
                ended, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in ended:
                    job = running.pop(future)
                    queue.extendleft(reversed(twins.pop(job.sha256)))
                    future.result()  # a bug in the worker comes out here
                    try:
                        self._photo_outcome(job, tally)
                    except (NetworkError, PairingRevokedError) as error:
                        stop = stop or error
                    finally:
                        meter.finished(job.size, job.sha256)
        if stop is not None:
            raise stop

    def _next_job(self, queue: deque[tuple[OutboxItem, int]], twins: dict[str, list[tuple[OutboxItem, int]]],
                  tally: _Tally, meter: ProgressMeter) -> _PhotoJob | None:
        """The next photo that must be uploaded; those that need not are dealt with here."""
        while queue:
            item, size = queue.popleft()
            sha256 = item.photo_sha256 or ""
            if sha256 in twins:
                twins[sha256].append((item, size))
                continue
            if sha256 in tally.uploaded or (sha256 in tally.present and sha256 not in tally.missing):
                self.store.mark_outbox_done(item.id)
            elif (item.visit_uuid, item.revision) in tally.unsent_revisions and sha256 not in tally.missing:
                pass  # the server knows the photo only from its revision: it waits for it
            elif item.id in tally.others and sha256 not in tally.missing:
                pass  # another shopper's visit's: it waits for their account
            else:
                meter.photo(sha256, size)
                return _PhotoJob(item, size)
            meter.finished(size)
        return None

    def _send(self, job: _PhotoJob, meter: ProgressMeter) -> _PhotoJob:
        """On a worker thread: check the file, then upload it. Never raises a SyncError."""
        sha256 = job.sha256
        try:
            job.upload = self._upload(job.item, meter, start=None if sha256 in self.unsure else 0)
            job.upload.run()
        except SyncError as error:
            job.error = error
        return job

    def _photo_outcome(self, job: _PhotoJob, tally: _Tally) -> None:
        upload, sha256 = job.upload, job.sha256
        if upload is not None:
            tally.bytes_sent += upload.bytes_sent
            if upload.unsure:
                self.unsure.add(sha256)
            elif upload.complete:
                self.unsure.discard(sha256)
        if job.error is not None:
            self._fail(job.item, job.error, tally)
            return
        self.store.mark_outbox_done(job.item.id)
        tally.uploaded.add(sha256)
        tally.busy_in_a_row = False
        tally.sent_photos += int(upload is not None and upload.uploaded)

    def _upload(self, item: OutboxItem, meter: ProgressMeter, *, start: int | None) -> PhotoUpload:
        sha256, path = item.photo_sha256 or "", self.blob_path(item)
        total = check_file(path, sha256, item.kind)

        def heard(offset: int) -> None:
            # Kept for the app's "sent so far"; a resumed photo's bar starts there.
            self.store.record_upload_offset(sha256, offset, total)
            meter.photo_at(sha256, offset)

        return PhotoUpload(self.api, self.backoff, sha256, path, total, start=start, on_offset=heard,
                           on_bytes=lambda done: meter.photo_at(sha256, done))

    def _started(self, shopper: str | None) -> set[str]:
        """Photos whose server copy may hold more bytes than this phone knows: the
        server's last word, kept in the store, is above 0 (an app restarted since the run
        that sent them has no `unsure` of its own)."""
        return {photo.sha256 for photo in self.store.queued_photos(shopper) if photo.sent > 0}

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

    def _size(self, item: OutboxItem) -> int:
        try:
            return self.blob_path(item).stat().st_size
        except OSError:
            return 0
