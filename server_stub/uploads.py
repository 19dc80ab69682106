"""Resumable photo and recording uploads (tus 1.0 core): HEAD says how much the server
holds, PATCH appends from exactly there.

Who may touch a blob is decided by the visits: a shopper may upload (or ask about) a
sha256 only if one of their stored revisions names it, and its length is the size that
revision gives. When the last byte arrives the file is checked (sha256, then a JPEG
decode under a pixel limit, or for a recording its container, length and size) and only
then moved into place, which is what makes it stored; a file that fails is deleted.

The sha256 is computed as the bytes stream in. The running hash lives in memory, next to
the length it covers; after a restart (or for an upload this process has forgotten) it is
rebuilt from the part file once, so nothing beyond the part file needs to be persisted.

PATCHes of one blob take turns on a per-sha lock (one worker process serves uploads), and
a HEAD waits its turn too, so that the offset it states is final.
What may wait runs on worker threads: the database, opening and renaming files (a
directory lock held by another upload's rename), syncing and decoding. Appending a chunk
to an open file only copies it into the page cache and stays on the event loop: under
load every hop to a thread costs milliseconds of waiting for the GIL.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.requests import ClientDisconnect

from field_app.domain.sync_messages import TUS_VERSION, UPLOAD_CONTENT_TYPE
from field_app.photos.decode import check_jpeg
from field_app.photos.errors import CorruptImageError, FileTooLargeError, ImageTooLargeError, NotAnImageError

from . import audio, devices, errors, evidence_store
from .blobstore import write_all
from .blocking import run_blocking
from .queries import blobs as q, recordings as recordings_q
from .store import ServerStore

_MAX_REMEMBERED_HASHES = 1024


@dataclass
class _Hashing:
    offset: int
    hasher: object


@dataclass(frozen=True)
class UploadState:
    """What HEAD answers: bytes held and the photo's full length."""

    offset: int
    length: int


@dataclass(frozen=True)
class PatchHeaders:
    """The tus headers of a PATCH as they came (`Uploads.append` checks them)."""

    tus_resumable: str | None
    content_type: str | None
    offset: str | None
    length: str | None


@dataclass(frozen=True)
class _Start:
    held: int
    declared: int
    fd: int | None  # None: nothing to append (the photo is stored already)


class Uploads:
    def __init__(self, store: ServerStore):
        self.store = store
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._hashes: OrderedDict[str, _Hashing] = OrderedDict()

    # --- HEAD ------------------------------------------------------------------------

    async def state(self, token: str | None, sha256: str) -> UploadState:
        """Bytes held once no PATCH of the photo is under way. A phone asks right after its
        connection was cut, while the server may still be writing what arrived before the
        cut: an offset read then would be short, and the PATCH sent from it refused with 409
        only once its whole body was on the way (a client sends the body before it reads
        the answer). So HEAD takes its turn on the photo's lock, as a PATCH does (423 when
        it stays held). The caller's right to the photo is checked before waiting."""
        declared = await run_blocking(self._authorize, token, sha256)
        async with self._lock(sha256):
            return await run_blocking(self._held, sha256, declared)

    def _held(self, sha256: str, declared: int) -> UploadState:
        """Blocking (file system)."""
        if self.store.files.is_in_place(sha256):
            return UploadState(declared, declared)
        return UploadState(min(self.store.files.received(sha256), declared), declared)

    # --- PATCH -----------------------------------------------------------------------

    async def append(self, token: str | None, sha256: str, headers: PatchHeaders,
                     chunks: AsyncIterator[bytes]) -> int:
        """Append a PATCH body at its offset; return the bytes held afterwards. The checks
        before the body (token, right to the photo, headers, offset) and opening the part
        file make one hop to a thread; completion another."""
        async with self._lock(sha256):
            start = await run_blocking(self._start, token, sha256, headers)
            if start.fd is None:
                return start.held
            try:
                hashing = await self._hashing(sha256, start.held)
                held = await self._receive(start.fd, start.held, start.declared, hashing, chunks)
            finally:
                os.close(start.fd)
            if held == start.declared:
                try:
                    await run_blocking(self._complete, sha256, hashing)
                finally:
                    self._hashes.pop(sha256, None)
            return held

    def _authorize(self, token: str | None, sha256: str) -> int:
        """The photo's size if the token's shopper may touch it: one of their visits names
        it. A refusal is a token error, or not_found (another shopper's photo stays
        invisible)."""
        with self.store.db.read() as conn:
            device = devices.recognise(conn, token)
            declared = q.declared_size(conn, device.shopper_id, sha256)
        devices.note_seen(self.store, device)
        if declared is None:
            raise errors.NotFoundError("None of your visits names this photo.")
        return declared

    def _start(self, token: str | None, sha256: str, headers: PatchHeaders) -> _Start:
        """Every check before the body, in the order a client should fix them, then the
        part file opened where the client said it continues. Blocking."""
        declared = self._authorize(token, sha256)
        if headers.tus_resumable != TUS_VERSION:
            raise errors.TusVersionError()
        if (headers.content_type or "").split(";")[0].strip().lower() != UPLOAD_CONTENT_TYPE:
            raise errors.UploadContentTypeError()
        offset = _whole_number("Upload-Offset", headers.offset)
        if offset is None:
            raise errors.InvalidRequestError("An upload needs an Upload-Offset header.")
        length = _whole_number("Upload-Length", headers.length)
        if length is not None and length != declared:
            raise errors.UploadLengthMismatchError(
                f"Upload-Length is {length}, but the visit gives this photo {declared} bytes."
            )
        files = self.store.files
        if files.is_in_place(sha256):  # stored, perhaps while this request waited for the lock
            if offset != declared:
                raise errors.OffsetMismatchError(declared, offset)
            return _Start(declared, declared, None)
        held = files.received(sha256)
        if held > declared:  # left by a client that lied about the length; start over
            files.discard_part(sha256)
            held = 0
        if offset != held:
            raise errors.OffsetMismatchError(held, offset)
        return _Start(held, declared, files.open_part(sha256, held))

    async def _receive(self, fd: int, held: int, declared: int, hashing: _Hashing,
                       chunks: AsyncIterator[bytes]) -> int:
        idle = self.store.settings.upload_idle_timeout
        loop = asyncio.get_running_loop()
        iterator = chunks.__aiter__()
        try:
            # One timer for the whole body, moved forward at most once per `slack`
            # seconds, so a chunk may wait between idle - slack and idle seconds. Moving
            # it for every chunk cost 3.6% of the event loop's time in a burst of uploads
            # (py-spy).
            slack = min(1.0, idle / 10)
            async with asyncio.timeout(idle) as deadline:
                while True:
                    chunk = await iterator.__anext__()
                    now = loop.time()
                    if deadline.when() - now < idle - slack:  # type: ignore[operator]
                        deadline.reschedule(now + idle)
                    if not chunk:
                        continue
                    if held + len(chunk) > declared:
                        raise errors.UploadTooLongError(
                            f"This photo has {declared} bytes; the upload went past them after {held}."
                        )
                    # On the loop: appending to an open file only copies into the page
                    # cache (no directory lock, no sync), cheaper than a hop to a thread.
                    # Should a write fail halfway, the file outgrows `hashing.offset` and
                    # the next PATCH rebuilds the hash from the file.
                    write_all(fd, chunk)
                    hashing.hasher.update(chunk)  # type: ignore[attr-defined]
                    held += len(chunk)
                    hashing.offset = held
        except (StopAsyncIteration, ClientDisconnect, TimeoutError):
            # A cut or stalled connection keeps what arrived; HEAD will tell.
            return held

    # --- completion ------------------------------------------------------------------

    def _complete(self, sha256: str, hashing: _Hashing) -> None:
        """Blocking (decode, fsync): runs on a worker thread. A file that a revision names
        as a recording is checked as one (`audio.py`), any other as a photo."""
        files, settings = self.store.files, self.store.settings
        with self.store.db.read() as conn:
            max_seconds = recordings_q.longest_allowed(conn, sha256)
        try:
            digest = hashing.hasher.hexdigest()  # type: ignore[attr-defined]
            if digest != sha256:
                raise errors.HashMismatchError(f"The uploaded bytes have sha256 {digest}, not {sha256}.")
            if max_seconds is None:
                _check_photo(files.part_path(sha256), settings.max_pixels)
            else:
                audio.check_recording(files.part_path(sha256), max_seconds=max_seconds,
                                      max_bytes=settings.max_recording_bytes)
        except (errors.PhotoRefusedError, errors.RecordingRefusedError):
            files.discard_part(sha256)
            raise
        files.move_into_place(sha256)
        if max_seconds is None:
            # Stored: its facts are read and the flags of the visits naming it computed
            # again (never raises: flags do not refuse a photo).
            evidence_store.photo_stored(self.store, sha256)

    # --- helpers ---------------------------------------------------------------------

    async def _hashing(self, sha256: str, held: int) -> _Hashing:
        """The running sha256 of the part file's `held` bytes: remembered from the last
        PATCH, or (after a restart, or once forgotten) read back from the file."""
        known = self._hashes.get(sha256)
        if known is None or known.offset != held:
            if held == 0:
                hasher = hashlib.sha256()
            else:
                hasher = await run_blocking(self.store.files.hash_part, sha256, held)
            known = _Hashing(held, hasher)
            self._hashes[sha256] = known
        self._hashes.move_to_end(sha256)
        while len(self._hashes) > _MAX_REMEMBERED_HASHES:
            self._hashes.popitem(last=False)
        return known

    @contextlib.asynccontextmanager
    async def _lock(self, sha256: str):
        lock = self._locks.get(sha256)
        if lock is None:
            lock = self._locks[sha256] = asyncio.Lock()
        if lock.locked():
            try:
                await asyncio.wait_for(lock.acquire(), self.store.settings.upload_lock_wait)
            except asyncio.TimeoutError:
                raise errors.UploadLockedError() from None
        else:
            await lock.acquire()  # free: taken at once, without wait_for's task
        try:
            yield
        finally:
            lock.release()


def _whole_number(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 15:
        raise errors.InvalidRequestError(f"{name} must be a whole number of bytes, not {value!r}.")
    return int(value)


def _check_photo(path, max_pixels: int) -> tuple[int, int]:
    try:
        return check_jpeg(path, max_pixels=max_pixels)
    except NotAnImageError as exc:
        raise errors.ImageNotJpegError(f"The photo is not a JPEG image: {exc}") from exc
    except (ImageTooLargeError, FileTooLargeError) as exc:
        raise errors.ImageTooLargeError(str(exc)) from exc
    except CorruptImageError as exc:
        raise errors.ImageCorruptError(str(exc)) from exc
