"""The seam for the microphone, as the camera and the locator are seams: the visit screen
asks a `Recorder` to start and stop, and gets the sound as raw 16-bit PCM chunks while it
records; the real one is Flet's AudioRecorder (flet-audio-recorder 1.0.5), tests give a
fake that sends the chunks they want.

Why the sound is streamed into Python rather than left to the recorder's own file: in the
web client `stop_recording` gives a Blob URL, which Python cannot read, while the stream
(`on_stream` with the PCM16 encoder) reaches Python the same way in a browser and on a
phone. The app then owns the file from the first second (`wav.WavWriter`). Mono 16 kHz is
enough for speech on a speakerphone: 32 KB a second, 29 MB for the server's 900 s default,
under the 100 MB the server takes.

Not yet true in the web client (measured in headless Chromium with its fake microphone,
flet-web 1.0.5): the stream comes in the microphone's own format whatever is asked. The
client sends channels=1, sample_rate=16000, yet record_web adapts the configuration to the
input track before it builds its AudioWorklet: 8192-byte chunks every ~40 ms, ~166-170 KB/s,
every sample pair equal (two channels at about 44.1-48 kHz), so the WAV's header (16 kHz
mono) is wrong there and the call plays about five times too long. Chunks also kept coming
after stop_recording (they are dropped here once the file is closed). Phones: not tried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from flet_audio_recorder import AudioEncoder, AudioRecorder, AudioRecorderConfiguration

RATE = 16_000
CHANNELS = 1

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
        PCM16 mono chunks at RATE to `on_chunk`. Raises RecorderError."""
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

    def __init__(self) -> None:
        self._on_chunk: Chunk | None = None
        self._config = AudioRecorderConfiguration(encoder=AudioEncoder.PCM16BITS, channels=CHANNELS,
                                                  sample_rate=RATE)
        self.service = AudioRecorder(configuration=self._config, on_stream=self._stream)

    async def _stream(self, e: Any) -> None:
        # async: on the session's loop, one after another (a sync handler runs in a
        # thread, and two chunks could then be written out of order)
        chunk = e.chunk
        if isinstance(chunk, list):  # msgpack may deliver a list of ints
            chunk = bytes(chunk)
        if self._on_chunk is not None and chunk:
            self._on_chunk(bytes(chunk))

    async def start(self, on_chunk: Chunk) -> None:
        try:
            allowed = await self.service.has_permission()
        except Exception as error:
            raise RecorderError(reason_of(error), str(error)) from error
        if not allowed:
            raise RecorderError(DENIED)
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
