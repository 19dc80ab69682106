"""Resumable photo uploads (tus 1.0 core): HEAD says how much the server holds, PATCH
appends from exactly there.

Who may touch a blob is decided by the visits: a shopper may upload (or ask about) a
sha256 only if one of their stored revisions names it, and its length is the size that
revision gives. When the last byte arrives the file is checked (sha256, then a full JPEG
decode under a pixel limit) and only then moved into place; a file that fails is deleted.

The sha256 is computed as the bytes stream in. The running hash lives in memory, next to
the length it covers; after a restart (or for an upload this process has forgotten) it is
rebuilt from the part file once, so nothing beyond the part file needs to be persisted.

PATCHes of one blob take turns on a per-sha lock (one worker process serves uploads). The
database and the decoder run on worker threads; the event loop only appends chunks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from field_app.photos.decode import check_jpeg
from field_app.photos.errors import CorruptImageError, FileTooLargeError, ImageTooLargeError, NotAnImageError

from . import errors
from .blobstore import write_all
from .queries import blobs as q
from .records import Device
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


class Uploads:
    def __init__(self, store: ServerStore):
        self.store = store
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._hashes: OrderedDict[str, _Hashing] = OrderedDict()

    # --- HEAD ------------------------------------------------------------------------

    def state(self, device: Device, sha256: str) -> UploadState:
        """Blocking (database): call from a worker thread."""
        access = self._access(device, sha256)
        assert access.declared_bytes is not None
        if access.stored_bytes is not None:
            return UploadState(access.stored_bytes, access.declared_bytes)
        held = min(self.store.files.received(sha256), access.declared_bytes)
        return UploadState(held, access.declared_bytes)

    # --- PATCH -----------------------------------------------------------------------

    async def append(self, device: Device, sha256: str, offset: int, length: int | None,
                     chunks: AsyncIterator[bytes]) -> int:
        """Append a PATCH body at `offset`; return the bytes held afterwards."""
        access = await run_in_threadpool(self._access, device, sha256)
        declared = access.declared_bytes
        assert declared is not None
        if length is not None and length != declared:
            raise errors.UploadLengthMismatchError(
                f"Upload-Length is {length}, but the visit gives this photo {declared} bytes."
            )
        async with self._lock(sha256):
            # Stored while this request waited for the lock? Completion moves the file into
            # place before it releases the lock, so a stat tells.
            if access.stored_bytes is not None or self.store.files.is_in_place(sha256):
                if offset != declared:
                    raise errors.OffsetMismatchError(declared, offset)
                return declared
            held = self.store.files.received(sha256)
            if held > declared:  # left by a client that lied about the length; start over
                self._forget(sha256)
                held = 0
            if offset != held:
                raise errors.OffsetMismatchError(held, offset)
            hashing = await self._hashing(sha256, held)
            held = await self._receive(sha256, held, declared, hashing, chunks)
            if held == declared:
                try:
                    await run_in_threadpool(self._complete, sha256, declared, hashing)
                finally:
                    self._hashes.pop(sha256, None)
            return held

    async def _receive(self, sha256: str, held: int, declared: int, hashing: _Hashing,
                       chunks: AsyncIterator[bytes]) -> int:
        fd = self.store.files.open_part(sha256, held)
        idle = self.store.settings.upload_idle_timeout
        loop = asyncio.get_running_loop()
        iterator = chunks.__aiter__()
        try:
            while True:
                try:
                    # One timer moved forward per chunk: cheaper than a task per chunk.
                    async with asyncio.timeout(None) as deadline:
                        deadline.reschedule(loop.time() + idle)
                        chunk = await iterator.__anext__()
                except (StopAsyncIteration, ClientDisconnect, TimeoutError):
                    # A cut or stalled connection keeps what arrived; HEAD will tell.
                    break
                if not chunk:
                    continue
                if held + len(chunk) > declared:
                    raise errors.UploadTooLongError(
                        f"This photo has {declared} bytes; the upload went past them after {held}."
                    )
                write_all(fd, chunk)
                hashing.hasher.update(chunk)  # type: ignore[attr-defined]
                held += len(chunk)
                hashing.offset = held
        finally:
            os.close(fd)
        return held

    # --- completion ------------------------------------------------------------------

    def _complete(self, sha256: str, size: int, hashing: _Hashing) -> None:
        """Blocking (decode, fsync, database): runs on a worker thread."""
        files = self.store.files
        try:
            digest = hashing.hasher.hexdigest()  # type: ignore[attr-defined]
            if digest != sha256:
                raise errors.HashMismatchError(f"The uploaded bytes have sha256 {digest}, not {sha256}.")
            width, height = _check_photo(files.part_path(sha256), self.store.settings.max_pixels)
        except errors.PhotoRefusedError:
            files.discard_part(sha256)
            raise
        files.move_into_place(sha256)
        with self.store.db.write() as conn:
            q.record_blob(conn, sha256, size, width, height, self.store.now())

    def _record_in_place(self, sha256: str) -> int:
        """A blob moved into place by a process that died before recording it: only a
        checked file is ever moved there, so recording it now is safe."""
        path = self.store.files.blob_path(sha256)
        width, height = _check_photo(path, self.store.settings.max_pixels)
        size = path.stat().st_size
        with self.store.db.write() as conn:
            q.record_blob(conn, sha256, size, width, height, self.store.now())
        return size

    # --- helpers ---------------------------------------------------------------------

    def _access(self, device: Device, sha256: str) -> q.BlobAccess:
        with self.store.db.read() as conn:
            access = q.access(conn, device.shopper_id, sha256)
        if access.declared_bytes is None:
            raise errors.NotFoundError("None of your visits names this photo.")
        if access.stored_bytes is None and self.store.files.is_in_place(sha256):
            return q.BlobAccess(access.declared_bytes, self._record_in_place(sha256))
        return access

    async def _hashing(self, sha256: str, held: int) -> _Hashing:
        known = self._hashes.get(sha256)
        if known is None or known.offset != held:
            hasher = await run_in_threadpool(self.store.files.hash_part, sha256, held)
            known = _Hashing(held, hasher)
            self._hashes[sha256] = known
        self._hashes.move_to_end(sha256)
        while len(self._hashes) > _MAX_REMEMBERED_HASHES:
            self._hashes.popitem(last=False)
        return known

    def _forget(self, sha256: str) -> None:
        self._hashes.pop(sha256, None)
        self.store.files.discard_part(sha256)

    @contextlib.asynccontextmanager
    async def _lock(self, sha256: str):
        lock = self._locks.get(sha256)
        if lock is None:
            lock = self._locks[sha256] = asyncio.Lock()
        try:
            await asyncio.wait_for(lock.acquire(), self.store.settings.upload_lock_wait)
        except asyncio.TimeoutError:
            raise errors.UploadLockedError() from None
        try:
            yield
        finally:
            lock.release()


def _check_photo(path, max_pixels: int) -> tuple[int, int]:
    try:
        return check_jpeg(path, max_pixels=max_pixels)
    except NotAnImageError as exc:
        raise errors.ImageNotJpegError(f"The photo is not a JPEG image: {exc}") from exc
    except (ImageTooLargeError, FileTooLargeError) as exc:
        raise errors.ImageTooLargeError(str(exc)) from exc
    except CorruptImageError as exc:
        raise errors.ImageCorruptError(str(exc)) from exc
