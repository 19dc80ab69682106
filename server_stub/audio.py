"""What a recording's file is, and how long it plays, read from its container's header.

flet-audio-recorder (the Dart `record` package underneath) writes, by its `AudioEncoder`:
AAC (LC, HE, ELD) and, on Android and iOS, Opus in an MPEG-4 file (ISO BMFF: `ftyp`); AMR
in 3GP (ISO BMFF too); WAV (RIFF); FLAC; and, in a browser, Opus in WebM or Ogg
(MediaRecorder). The kind is told by the first bytes, never by a name.

The length is read where the header says it cheaply: WAV's data size over its byte rate,
the `mvhd` box of an MPEG-4 file (found by walking the top-level boxes with seeks, so a
`moov` after the audio costs no read of it), FLAC's STREAMINFO, and the granule position
of an Ogg file's last page. A WebM file from a browser's MediaRecorder states no duration
(its segment is written as it streams), and reading one would mean walking every cluster:
its length is bounded by its size instead (`UNKNOWN_LENGTH_BYTES_PER_SECOND`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from . import errors

HEAD = 64 * 1024
# Seconds a recording may run past its question's `max_seconds`: the shopper stops the
# recorder by hand, and an encoder pads its last frame.
SLACK_SECONDS = 5
# A recording whose length its container does not state may have at most this many bytes
# a second of its limit: 256 kbit/s, twice what a browser's Opus encoder uses for speech.
UNKNOWN_LENGTH_BYTES_PER_SECOND = 32_000

CONTENT_TYPES = {"wav": "audio/wav", "mp4": "audio/mp4", "3gp": "audio/3gpp", "webm": "audio/webm",
                 "ogg": "audio/ogg", "flac": "audio/flac"}


@dataclass(frozen=True)
class AudioFacts:
    """A recording's container and length (None: the container does not state it)."""

    container: str  # a key of CONTENT_TYPES
    seconds: float | None

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.container]


def check_recording(path: Path, *, max_seconds: int, max_bytes: int) -> AudioFacts:
    """The recording's facts, or the RecordingRefusedError that says why it is refused."""
    size = path.stat().st_size
    if size > max_bytes:
        raise errors.AudioTooLargeError(f"The recording has {size} bytes, more than the {max_bytes} allowed.")
    facts = read_audio(path)
    limit = max_seconds + SLACK_SECONDS
    if facts.seconds is not None and facts.seconds > limit:
        raise errors.AudioTooLongError(
            f"The recording plays {facts.seconds:.0f} s, more than the {max_seconds} s its question allows.")
    if facts.seconds is None and size > limit * UNKNOWN_LENGTH_BYTES_PER_SECOND:
        raise errors.AudioTooLongError(
            f"The recording does not state its length, and {size} bytes is more than {max_seconds} s "
            f"at {UNKNOWN_LENGTH_BYTES_PER_SECOND * 8 // 1000} kbit/s.")
    return facts


def read_audio(path: Path) -> AudioFacts:
    """Raises AudioFormatError for a file of no known kind, AudioCorruptError for one whose
    header is cut short or says nothing that makes sense."""
    with open(path, "rb") as file:
        head = file.read(HEAD)
        try:
            if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
                return AudioFacts("wav", _wav_seconds(head, path.stat().st_size))
            if head[4:8] == b"ftyp":
                return _iso_bmff(file, head)
            if head[:4] == b"fLaC":
                return AudioFacts("flac", _flac_seconds(head))
            if head[:4] == b"OggS":
                return AudioFacts("ogg", _ogg_seconds(file, head))
            if head[:4] == b"\x1a\x45\xdf\xa3":
                return AudioFacts("webm", None)
        except struct.error:
            raise errors.AudioCorruptError("The recording's header is cut short.") from None
    raise errors.AudioFormatError("The recording is not WAV, MPEG-4 (M4A, 3GP), FLAC, Ogg or WebM audio.")


def _corrupt(what: str) -> errors.AudioCorruptError:
    return errors.AudioCorruptError(f"The recording's header is damaged: {what}.")


def _wav_seconds(head: bytes, size: int) -> float:
    at, byte_rate = 12, None
    while at + 8 <= len(head):
        chunk, length = head[at:at + 4], struct.unpack_from("<I", head, at + 4)[0]
        if chunk == b"fmt ":
            byte_rate = struct.unpack_from("<I", head, at + 16)[0]
        elif chunk == b"data":
            if not byte_rate:
                raise _corrupt("no format (fmt) chunk before the data, or a byte rate of 0")
            # A recorder that streams writes 0 or 0xFFFFFFFF until it stops; the file says the rest.
            held = size - at - 8
            data = held if length in (0, 0xFFFFFFFF) else min(length, held)
            return data / byte_rate
        at += 8 + length + (length & 1)
    raise _corrupt("no data chunk")


def _iso_bmff(file: BinaryIO, head: bytes) -> AudioFacts:
    brand = head[8:12]
    container = "3gp" if brand.startswith(b"3g") else "mp4"
    file.seek(0, 2)
    moov = _find_box(file, 0, file.tell(), b"moov")
    if moov is None:
        raise _corrupt("no movie box (moov): the recorder did not finish the file")
    mvhd = _find_box(file, *moov, b"mvhd")
    if mvhd is None:
        raise _corrupt("no movie header (mvhd)")
    file.seek(mvhd[0])
    body = file.read(32)
    if body[:1] == b"\x01":
        timescale, duration = struct.unpack_from(">IQ", body, 20)
    else:
        timescale, duration = struct.unpack_from(">II", body, 12)
    if timescale == 0:
        raise _corrupt("a time scale of 0")
    # A fragmented file states 0 here and its length in fragments: not read.
    return AudioFacts(container, duration / timescale if duration else None)


def _find_box(file: BinaryIO, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """(start, end) of the body of the first `kind` box between start and end; a box
    that says it runs past its parent (or the file) is damaged."""
    at = start
    while at + 8 <= end:
        file.seek(at)
        header = file.read(16)
        if len(header) < 8:
            return None
        size, found = struct.unpack_from(">I4s", header)
        body = at + 8
        if size == 1:
            size, body = struct.unpack_from(">Q", header, 8)[0], at + 16
        box_end = end if size == 0 else at + size  # 0: the box runs to the end
        if box_end < body or box_end > end:
            raise _corrupt(f"a box {found.decode('latin-1')!r} of {size} bytes where {end - at} are left")
        if found == kind:
            return body, box_end
        at = box_end
    return None


def _flac_seconds(head: bytes) -> float | None:
    info = head[8:8 + 34]  # STREAMINFO, always the first metadata block
    if len(info) < 18:
        raise _corrupt("STREAMINFO is cut short")
    rate = (info[10] << 12) | (info[11] << 4) | (info[12] >> 4)
    samples = ((info[13] & 0x0F) << 32) | struct.unpack_from(">I", info, 14)[0]
    if rate == 0:
        raise _corrupt("a sample rate of 0")
    return samples / rate if samples else None


def _ogg_seconds(file: BinaryIO, head: bytes) -> float:
    if len(head) < 27:
        raise _corrupt("the first Ogg page is cut short")
    packet = head[27 + head[26]:]  # the first page's first packet: the codec's header
    if packet.startswith(b"OpusHead"):
        rate, skip = 48_000, struct.unpack_from("<H", packet, 10)[0]
    elif packet.startswith(b"\x01vorbis"):
        rate, skip = struct.unpack_from("<I", packet, 12)[0], 0
    else:
        raise errors.AudioFormatError("The Ogg file holds neither Opus nor Vorbis audio.")
    file.seek(0, 2)
    size = file.tell()
    file.seek(max(0, size - HEAD))
    tail = file.read()
    last = tail.rfind(b"OggS")
    if rate == 0 or last < 0 or last + 14 > len(tail):
        raise _corrupt("no last page to read the length from")
    granule = struct.unpack_from("<q", tail, last + 6)[0]
    return max(0, granule - skip) / rate
