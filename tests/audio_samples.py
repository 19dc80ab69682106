"""Small recordings of each container flet-audio-recorder writes, made in code: WAV by the
standard library's `wave`, the others byte by byte (no ffmpeg on the test machines), each
with just the header fields the server reads (`server_stub/audio.py`)."""

from __future__ import annotations

import io
import math
import struct
import wave


def wav(seconds: float, rate: int = 8000, channels: int = 1) -> bytes:
    """A real WAV of a 440 Hz tone, 16 bit."""
    frames = int(seconds * rate)
    tone = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) * channels
                    for i in range(min(frames, rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(channels)
        file.setsampwidth(2)
        file.setframerate(rate)
        whole, left = divmod(frames, rate)
        for _ in range(whole):
            file.writeframes(tone)
        file.writeframes(tone[:left * 2 * channels])
    return out.getvalue()


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mvhd(seconds: float, timescale: int = 44100, version: int = 0) -> bytes:
    duration = round(seconds * timescale)
    if version == 1:
        times = struct.pack(">QQIQ", 0, 0, timescale, duration)
    else:
        times = struct.pack(">IIII", 0, 0, timescale, duration)
    return box(b"mvhd", bytes([version, 0, 0, 0]) + times + bytes(80))


def m4a(seconds: float, *, brand: bytes = b"M4A ", moov_last: bool = True, version: int = 0,
        audio_bytes: int = 2000) -> bytes:
    """An MPEG-4 audio file's boxes: ftyp, mdat, and moov with its mvhd (after the audio,
    as an Android recorder writes it, or before it, as a "fast start" file)."""
    ftyp = box(b"ftyp", brand + struct.pack(">I", 0) + b"isomM4A mp42")
    mdat = box(b"mdat", bytes(range(256)) * (audio_bytes // 256) + bytes(audio_bytes % 256))
    moov = box(b"moov", mvhd(seconds, version=version) + box(b"trak", bytes(40)))
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def ogg_page(granule: int, packet: bytes, sequence: int, flags: int = 0) -> bytes:
    segments = [255] * (len(packet) // 255) + [len(packet) % 255]
    return (b"OggS" + bytes([0, flags]) + struct.pack("<qII", granule, 1, sequence) + bytes(4)
            + bytes([len(segments)]) + bytes(segments) + packet)


def ogg_opus(seconds: float, pre_skip: int = 312) -> bytes:
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", pre_skip, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    return (ogg_page(0, head, 0, 2) + ogg_page(0, tags, 1) + ogg_page(960, bytes(60), 2)
            + ogg_page(round(seconds * 48000) + pre_skip, bytes(60), 3, 4))


def flac(seconds: float, rate: int = 16000) -> bytes:
    samples = round(seconds * rate)
    info = (struct.pack(">HH", 4096, 4096) + bytes(6)
            + bytes([rate >> 12, (rate >> 4) & 0xFF, ((rate & 0xF) << 4) | 0b0000_0010 | 0,
                     0xF0 | (samples >> 32)]) + struct.pack(">I", samples & 0xFFFFFFFF) + bytes(16))
    return b"fLaC" + bytes([0x80, 0, 0, 34]) + info + bytes(200)


def webm(size: int = 4000) -> bytes:
    """A browser's WebM as far as its magic: an EBML header, then its streamed segment."""
    header = b"\x1a\x45\xdf\xa3" + bytes([0x9f]) + b"\x42\x82\x84webm" + bytes(25)
    return header + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff" + bytes(max(0, size - len(header) - 12))
