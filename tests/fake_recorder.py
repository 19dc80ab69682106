"""A `Recorder` for tests: it records when told, and the test sends the chunks."""

from __future__ import annotations

from field_app.audio.recorder import Chunk, RecorderError


class FakeRecorder:
    def __init__(self, refuse: str | None = None, rate: int = 16_000) -> None:
        self.refuse = refuse  # a RecorderError reason start() raises, or None
        self.rate = rate  # of the chunks the test sends
        self.on_chunk: Chunk | None = None
        self.starts = self.stops = 0

    @property
    def recording(self) -> bool:
        return self.on_chunk is not None

    async def start(self, on_chunk: Chunk) -> None:
        self.starts += 1
        if self.refuse:
            raise RecorderError(self.refuse)
        self.on_chunk = on_chunk

    async def stop(self) -> None:
        self.stops += 1
        self.on_chunk = None

    def send(self, chunk: bytes) -> None:
        """What the microphone heard, as the client streams it."""
        assert self.on_chunk is not None, "not recording"
        self.on_chunk(chunk)

    def send_seconds(self, seconds: float) -> None:
        """`seconds` of a quiet hum, in chunks of a tenth of a second."""
        rate = self.rate
        frames = int(seconds * rate)
        step = rate // 10
        for start in range(0, frames, step):
            n = min(step, frames - start)
            self.send(b"\x10\x00" * n)
