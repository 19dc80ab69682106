"""Sending one photo (or call recording: the same) as a resumable upload (tus 1.0 core),
keyed by its sha256.

A photo never sent goes in one request: a PATCH from offset 0 with `Upload-Length`, which
the server takes as creation and append at once (its visit already declared the photo), so
no round trip is spent asking first. Only when bytes went before and their fate is unknown
(a cut, a run that ended midway) is the server asked where its copy ends (HEAD); the rest
is then streamed in one PATCH from exactly there: bytes the server kept are never sent
twice, and the upload restarts from 0 only when the server says 0. A 409 names the
server's offset, and the upload goes on from it.

The file is streamed in `CHUNK_BYTES` pieces pulled by the transport as it sends: a photo
in flight costs one chunk of memory, whatever its size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from field_app.recordings import SUFFIX as RECORDING_SUFFIX

from .api import ApiClient
from .errors import NetworkError, OffsetMismatchError, PhotoFileError
from .retry import Backoff

CHUNK_BYTES = 64 * 1024


def check_file(path: Path, sha256: str, what: str = "photo") -> int:
    """The file's size, once it is known to still have its sha256; `what` ("photo" or
    "recording") names it in the refusal's code and words."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            for block in iter(lambda: file.read(CHUNK_BYTES), b""):
                digest.update(block)
    except FileNotFoundError:
        raise PhotoFileError(f"the {what} file {path.name} is missing on this phone", code=f"{what}_missing")
    except OSError as exc:
        raise PhotoFileError(f"the {what} file {path.name} cannot be read: {exc}", code=f"{what}_damaged")
    if digest.hexdigest() != sha256:
        raise PhotoFileError(f"the {what} file {path.name} no longer has its sha256", code=f"{what}_damaged")
    return path.stat().st_size


class PhotoUpload:
    """Brings the server's copy of one photo to its full length.

    `start` is where the first PATCH begins: 0 for a photo this phone never sent (nothing
    to ask), None when bytes went before and the server must say where its copy ends.
    `on_offset` hears each offset the server states (to remember it), `on_bytes` how far
    into the photo the bytes handed to the network have got (to show progress).
    `bytes_sent` counts those bytes, resends included, and stays readable after a failure.
    """

    def __init__(self, api: ApiClient, backoff: Backoff, sha256: str, path: Path, total: int, *,
                 on_offset: Callable[[int], None], on_bytes: Callable[[int], None],
                 start: int | None = None) -> None:
        self.api, self.backoff = api, backoff
        self.sha256, self.path, self.total = sha256, path, total
        self.on_offset, self.on_bytes = on_offset, on_bytes
        self.start = start
        self.bytes_sent = 0
        self.uploaded = False  # stays False unless a PATCH of this run added bytes
        self.complete = False  # the server stated the whole length

    @property
    def unsure(self) -> bool:
        """Bytes went out and the server has not said where its copy ends since: the next
        attempt, in this run or a later one, must ask before sending."""
        return self.bytes_sent > 0 and not self.complete

    def run(self) -> None:
        """Network failures are retried through the backoff, whose count starts again
        whenever the server's offset grows; a refusal is raised."""
        offset = self.start  # where the next PATCH starts; None: ask the server first
        stated = False  # whether `offset` is what the server last said
        known = -1 if offset is None else offset  # the highest offset known to be held
        while True:
            try:
                if offset is None:
                    offset, stated = self.api.blob_state(self.sha256).offset, True
                if stated:
                    self._heard(offset, known)
                    known = max(known, offset)
                if offset >= self.total:
                    self.complete = True
                    return
                offset, stated = self._patch(offset), True
            except OffsetMismatchError as error:
                # The server says where its copy really ends: go on from there, not from 0.
                self.backoff.failed(error)
                offset, stated = error.offset, error.offset is not None
            except _NothingSent as error:
                # Not a byte left the phone: the server's copy is where it was.
                self.backoff.failed(error.cause)
                stated = False
            except NetworkError as error:
                self.backoff.failed(error)
                offset = None

    def _heard(self, offset: int, known: int) -> None:
        self.on_offset(offset)
        if known >= 0 and offset > known:
            self.backoff.progressed()

    def _patch(self, offset: int) -> int:
        sent = [0]
        chunks = _chunks(self.path, offset, sent, self.on_bytes)
        try:
            new_offset = self.api.patch_blob(self.sha256, offset, self.total, chunks)
        except NetworkError as error:
            if sent[0] == 0:
                raise _NothingSent(error) from error
            raise
        finally:
            chunks.close()
            self.bytes_sent += sent[0]
        if new_offset <= offset:
            raise NetworkError(f"the server kept nothing of the PATCH from {offset}", code="no_progress")
        self.uploaded = True
        return new_offset


class _NothingSent(Exception):
    """A PATCH failed before the transport took any of its body (a connect error, or an
    answer that came first): the server holds what it held."""

    def __init__(self, cause: NetworkError) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _chunks(path: Path, offset: int, sent: list[int], on_bytes: Callable[[int], None]) -> Iterator[bytes]:
    """The file from `offset` on, in chunks, pulled by the transport as it sends."""
    try:
        file = path.open("rb")
    except OSError as exc:
        what = "recording" if path.suffix == RECORDING_SUFFIX else "photo"
        raise PhotoFileError(f"the {what} file {path.name} cannot be read: {exc}", code=f"{what}_missing")
    with file:
        file.seek(offset)
        while chunk := file.read(CHUNK_BYTES):
            # Counted as it is handed over: a cut mid-chunk still spent those bytes.
            sent[0] += len(chunk)
            on_bytes(offset + sent[0])
            yield chunk
