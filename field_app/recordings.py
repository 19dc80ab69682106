"""A call recording's file on the phone: kept whole, named by its sha256, beside the photos.

Recordings live in the photos folder as `<sha256>.audio`: every blob the phone uploads is
named by its hash in one folder, which the sync engine, the space count and the app's
wiring already hold, and the suffix keeps them apart from `.jpg` (photos) and
`.thumb.jpg` (thumbnails), which retention and the space count tell apart by name.

Nothing is checked of the sound itself here: the server reads the container (its kind and
length, `server_stub/audio.py`) when the upload ends. The phone only refuses an empty file
and one larger than the server takes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .photos.pipeline import fsync_directory

# The server's `Settings.max_recording_bytes`: a larger file would be refused after its
# upload (audio_too_large), so it is refused before it costs the shopper's data plan.
MAX_RECORDING_BYTES = 100 * 1024 * 1024
SUFFIX = ".audio"
_CHUNK = 64 * 1024


class RecordingError(ValueError):
    """A recording the phone does not keep; `code` names why (empty | too_large)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class StoredRecording:
    sha256: str
    bytes: int
    path: Path


def recording_file(folder: Path, sha256: str) -> Path:
    return Path(folder) / f"{sha256}{SUFFIX}"


def store_recording(source: bytes | Path, folder: Path, *, max_bytes: int = MAX_RECORDING_BYTES) -> StoredRecording:
    """Copy the recorder's file (or bytes) into `folder` as `<sha256>.audio`, durably: a
    synced temp file renamed into place, then the folder synced, as photos are. A file
    given as a path is streamed (a long call is tens of megabytes)."""
    folder = Path(folder)
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".recording.", suffix=".tmp")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(source):
                size += len(chunk)
                if size > max_bytes:
                    raise RecordingError(f"the recording is larger than {max_bytes} bytes", "too_large")
                digest.update(chunk)
                out.write(chunk)
            if size == 0:
                raise RecordingError("the recording is empty", "empty")
            out.flush()
            os.fsync(out.fileno())
        path = recording_file(folder, digest.hexdigest())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    fsync_directory(folder)  # the rename survives a power cut, as a photo's does
    return StoredRecording(digest.hexdigest(), size, path)


def _chunks(source: bytes | Path) -> Iterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = memoryview(source)
        for start in range(0, len(data), _CHUNK):
            yield bytes(data[start:start + _CHUNK])
        return
    with Path(source).open("rb") as file:
        while chunk := file.read(_CHUNK):
            yield chunk
