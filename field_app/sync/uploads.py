"""Sending one photo as a resumable upload (tus 1.0 core), keyed by its sha256.

Ask the server where its copy ends (HEAD), then stream the rest in one PATCH. After a cut,
ask again and go on from the server's offset: bytes the server kept are never sent twice,
and the upload restarts from 0 only when the server says 0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from .api import ApiClient
from .errors import NetworkError, OffsetMismatchError, PhotoFileError
from .retry import Backoff

CHUNK_BYTES = 64 * 1024


def check_file(path: Path, sha256: str) -> int:
    """The file's size, once it is known to still have its sha256."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise PhotoFileError(f"the photo file {path.name} is missing on this phone", code="photo_missing")
    except OSError as exc:
        raise PhotoFileError(f"the photo file {path.name} cannot be read: {exc}", code="photo_damaged")
    if digest.hexdigest() != sha256:
        raise PhotoFileError(f"the photo file {path.name} no longer has its sha256", code="photo_damaged")
    return path.stat().st_size


class PhotoUpload:
    """Brings the server's copy of one photo to its full length.

    `on_offset` hears each offset the server states (to remember it), `on_bytes` how far
    into the photo the bytes handed to the network have got (to show progress).
    `bytes_sent` counts those bytes, resends included, and stays readable after a failure.
    """

    def __init__(self, api: ApiClient, backoff: Backoff, sha256: str, path: Path, total: int, *,
                 on_offset: Callable[[int], None], on_bytes: Callable[[int], None]) -> None:
        self.api, self.backoff = api, backoff
        self.sha256, self.path, self.total = sha256, path, total
        self.on_offset, self.on_bytes = on_offset, on_bytes
        self.bytes_sent = 0
        self.uploaded = False  # stays False when the server had every byte already

    def run(self) -> None:
        """Network failures are retried through the backoff, whose count starts again
        whenever the server's offset grows; a refusal is raised."""
        known = stated = -1  # the highest, and the latest, offset the server has stated
        offset: int | None = None  # where the next PATCH starts; None: ask the server first
        while True:
            try:
                if offset is None:
                    offset = self.api.blob_state(self.sha256).offset
                if offset != stated:
                    stated = offset
                    self.on_offset(offset)
                if offset > known:
                    if known >= 0:
                        self.backoff.progressed()
                    known = offset
                if offset >= self.total:
                    return
                offset = self._patch(offset)
            except OffsetMismatchError as error:
                # The server says where its copy really ends: go on from there, not from 0.
                self.backoff.failed(error)
                offset = error.offset
            except NetworkError as error:
                self.backoff.failed(error)
                offset = None

    def _patch(self, offset: int) -> int:
        self.uploaded = True
        sent = [0]
        chunks = _chunks(self.path, offset, sent, self.on_bytes)
        try:
            new_offset = self.api.patch_blob(self.sha256, offset, self.total, chunks)
        finally:
            chunks.close()
            self.bytes_sent += sent[0]
        if new_offset <= offset:
            raise NetworkError(f"the server kept nothing of the PATCH from {offset}", code="no_progress")
        return new_offset


def _chunks(path: Path, offset: int, sent: list[int], on_bytes: Callable[[int], None]) -> Iterator[bytes]:
    """The file from `offset` on, in chunks, pulled by the transport as it sends."""
    try:
        file = path.open("rb")
    except OSError as exc:
        raise PhotoFileError(f"the photo file {path.name} cannot be read: {exc}", code="photo_missing")
    with file:
        file.seek(offset)
        while chunk := file.read(CHUNK_BYTES):
            # Counted as it is handed over: a cut mid-chunk still spent those bytes.
            sent[0] += len(chunk)
            on_bytes(offset + sent[0])
            yield chunk
