"""The seam for the microphone, as the camera and the locator are seams: the visit screen
asks a `Recorder` to start and stop, and gets the sound as raw 16-bit mono PCM chunks
while it records, with the rate they are at; the real one is Flet's AudioRecorder
(flet-audio-recorder 1.0.5), tests give a fake that sends the chunks they want.

Why the sound is streamed into Python rather than left to the recorder's own file: in the
web client `stop_recording` gives a Blob URL, which Python cannot read, while the stream
(`on_stream` with the PCM16 encoder) reaches Python the same way in a browser and on a
phone. The app then owns the file from the first second (`wav.WavWriter`). Mono 16 kHz is
enough for speech on a speakerphone: 32 KB a second, 29 MB for the server's 900 s default,
under the 100 MB the server takes.

A phone's recorder streams the format asked. The web client does not (measured in headless
Chromium with its fake microphone, flet-web 1.0.5): record_web adapts the configuration to
the microphone track before it builds its AudioWorklet, so the stream comes at the
AudioContext's rate with the track's channels, and Python is told neither. There the
channels are read from the first chunk's length (the worklet posts 2048 frames at a time:
4096 bytes a channel) and a second channel is dropped, keeping the file mono; the rate is
measured from the chunks' arrival (`stream_rate`). Chunks also kept coming after
stop_recording: they are dropped here.
"""

from __future__ import annotations

import logging
import time
from array import array
from collections.abc import Callable
from typing import Any, Protocol

from flet.controls.context import context
from flet_audio_recorder import AudioEncoder, AudioRecorder, AudioRecorderConfiguration

from .stream_rate import RateMeter

RATE = 16_000  # asked of the recorder; what a phone streams
CHANNELS = 1
WEB_GUESS_RATE = 48_000  # a browser's usual AudioContext rate, until measured
WEB_FRAMES_PER_CHUNK = 2048  # record_web's worklet buffer (streamBufferSize)

# Why the microphone does not record.
DENIED, FAILED = "denied", "failed"
DENIED_HINTS = ("denied", "permission", "notallowed", "not allowed", "restricted")

log = logging.getLogger(__name__)

Chunk = Callable[[bytes], None]


class RecorderError(Exception):
    """No recording: `reason` is DENIED (no permission) or FAILED (anything else)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class Recorder(Protocol):
    async def start(self, on_chunk: Chunk) -> None:
        """Ask for the microphone (the system's prompt, the first time) and start sending
        PCM16 mono chunks to `on_chunk`. Raises RecorderError."""
        ...

    @property
    def rate(self) -> int:
        """The frame rate of the chunks sent so far (best known; final after `stop`)."""
        ...

    async def stop(self) -> None:
        """Stop recording; no chunk comes after it returns."""
        ...


def reason_of(error: Exception) -> str:
    text = str(error).lower().replace("_", " ")
    return DENIED if any(hint in text for hint in DENIED_HINTS) else FAILED


class FletRecorder:
    """A `Recorder` over a Flet AudioRecorder service. Build it inside the session (a
    handler or `main`): the service registers with the page it is built in, and is kept
    here, since Flet drops a service nothing refers to."""

    def __init__(self, web: bool | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.web = context.page.web if web is None else web
        self._clock = clock
        self._on_chunk: Chunk | None = None
        self._config = AudioRecorderConfiguration(encoder=AudioEncoder.PCM16BITS, channels=CHANNELS,
                                                  sample_rate=RATE)
        self._channels: int | None = None  # the stream's, once its first chunk is seen
        self._meter = RateMeter(WEB_GUESS_RATE)
        self.service = AudioRecorder(configuration=self._config, on_stream=self._stream)

    @property
    def rate(self) -> int:
        return self._meter.rate if self.web else RATE

    async def _stream(self, e: Any) -> None:
        # async: on the session's loop, one after another (a sync handler runs in a
        # thread, and two chunks could then be written out of order)
        chunk = e.chunk
        if isinstance(chunk, list):  # msgpack may deliver a list of ints
            chunk = bytes(chunk)
        if self._on_chunk is None or not chunk:
            return
        chunk = bytes(chunk)
        if self.web:
            chunk = self._to_mono(chunk)
            self._meter.add(len(chunk) // 2, self._clock())
        self._on_chunk(chunk)

    def _to_mono(self, chunk: bytes) -> bytes:
        if self._channels is None:
            whole_chunks = len(chunk) // (WEB_FRAMES_PER_CHUNK * 2)
            self._channels = whole_chunks if whole_chunks in (1, 2) else 1
            log.info("the web recorder streams %d channel(s): chunk of %d bytes", self._channels, len(chunk))
        if self._channels == 1:
            return chunk
        samples = array("h")  # items picked whole: the bytes' order does not matter
        samples.frombytes(chunk[:len(chunk) - len(chunk) % 4])
        return samples[::2].tobytes()  # the left channel

    async def start(self, on_chunk: Chunk) -> None:
        try:
            allowed = await self.service.has_permission()
        except Exception as error:
            raise RecorderError(reason_of(error), str(error)) from error
        if not allowed:
            raise RecorderError(DENIED)
        self._channels, self._meter = None, RateMeter(WEB_GUESS_RATE)
        self._on_chunk = on_chunk
        try:
            started = await self.service.start_recording(configuration=self._config)
        except Exception as error:
            self._on_chunk = None
            raise RecorderError(reason_of(error), str(error)) from error
        if not started:
            self._on_chunk = None
            raise RecorderError(FAILED, "start_recording said no")

    async def stop(self) -> None:
        try:
            await self.service.stop_recording()
        except Exception:  # the chunks so far are kept whatever the client says
            log.exception("stop_recording failed")
        finally:
            self._on_chunk = None
            if self.web:
                log.info("the web recorder streamed at %s frames/s: kept as %d Hz", self._meter.measured,
                         self._meter.rate)
