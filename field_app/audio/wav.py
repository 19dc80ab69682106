"""A WAV file written while the sound arrives: 16-bit PCM chunks appended to the file as
they come, the header's two sizes fixed when the recording stops.

Chunks go to the file at once rather than into memory, so a phone that dies in the middle
of a call still has on disk everything recorded up to then (the header then says 0 bytes
of data; `recover` fixes it from the file's size). A stream may split a sample between two
chunks: the odd byte waits for the next chunk, and one left at the end is dropped.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

SAMPLE_BYTES = 2  # 16 bit
HEADER_BYTES = 44


def wav_header(data_bytes: int, rate: int, channels: int) -> bytes:
    """The canonical 44-byte header of a 16-bit PCM WAV holding `data_bytes` of sound."""
    block = channels * SAMPLE_BYTES
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, 8 * SAMPLE_BYTES)
            + b"data" + struct.pack("<I", data_bytes))


class WavWriter:
    """`append(chunk)` while recording, `finish()` once. At most `max_seconds` of sound is
    kept (0: no limit): what comes after is dropped, and `full` says the limit is reached."""

    def __init__(self, path: Path, rate: int, channels: int = 1, max_seconds: float = 0) -> None:
        self.path = Path(path)
        self.channels, self.max_seconds = channels, max_seconds
        self.frame_bytes = channels * SAMPLE_BYTES
        self.rate, self.max_bytes = rate, self._limit(rate)
        self.data_bytes = 0
        self._odd = b""  # the bytes of a frame split between chunks
        self._file: BinaryIO | None = self.path.open("wb")
        self._file.write(wav_header(0, rate, channels))

    def set_rate(self, rate: int) -> None:
        """The sound's rate, where it is learnt while recording (a web client's stream):
        the header (now, for `recover` after a crash, and at `finish`) and the limit follow
        it."""
        if rate == self.rate:
            return
        self.rate, self.max_bytes = rate, self._limit(rate)
        if self._file is not None:
            self._file.seek(0)
            self._file.write(wav_header(self.data_bytes, rate, self.channels))
            self._file.seek(0, os.SEEK_END)

    def _limit(self, rate: int) -> int:
        return int(self.max_seconds * rate) * self.frame_bytes if self.max_seconds else 0

    @property
    def seconds(self) -> float:
        return self.data_bytes / self.frame_bytes / self.rate

    @property
    def full(self) -> bool:
        return bool(self.max_bytes) and self.data_bytes >= self.max_bytes

    def append(self, chunk: bytes) -> None:
        if self._file is None:
            raise ValueError("the recording is finished")
        data = self._odd + bytes(chunk)
        whole = len(data) - len(data) % self.frame_bytes
        data, self._odd = data[:whole], data[whole:]
        if self.max_bytes:
            data = data[:max(0, self.max_bytes - self.data_bytes)]
            if self.full or len(data) < whole:
                self._odd = b""
        if data:
            self._file.write(data)
            self.data_bytes += len(data)

    def finish(self) -> Path:
        """Fix the header's sizes, sync the file and close it."""
        if self._file is None:
            return self.path
        file, self._file = self._file, None
        try:
            file.seek(0)
            file.write(wav_header(self.data_bytes, self.rate, self.channels))
            file.flush()
            os.fsync(file.fileno())
        finally:
            file.close()
        return self.path

    def discard(self) -> None:
        """Close and delete the file (a recording that is not kept)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)


def recover(path: Path) -> float:
    """A recording cut off by a crash (the app killed, the battery flat): fix its header's
    sizes from what reached the disk, a whole number of frames, and return its seconds
    (0.0: nothing was recorded). Raises ValueError when it is not such a file."""
    with Path(path).open("r+b") as file:
        header = file.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or header[:4] != b"RIFF" or header[8:16] != b"WAVEfmt ":
            raise ValueError(f"{path} is not a WAV this app wrote")
        channels, rate = struct.unpack("<HI", header[22:28])
        if not channels or not rate:
            raise ValueError(f"{path} has no format")
        size = file.seek(0, os.SEEK_END)
        data_bytes = size - HEADER_BYTES
        data_bytes -= data_bytes % (channels * SAMPLE_BYTES)
        file.truncate(HEADER_BYTES + data_bytes)
        file.seek(0)
        file.write(wav_header(data_bytes, rate, channels))
        file.flush()
        os.fsync(file.fileno())
    return data_bytes / (channels * SAMPLE_BYTES) / rate
