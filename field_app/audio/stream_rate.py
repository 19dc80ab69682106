"""The frame rate of a sound stream whose format nobody says: measured from when its
chunks arrive, then snapped to the nearest rate a sound card runs at.

Why: in the web client (flet-web 1.0.5, record_web) the PCM16 stream comes at the
browser's AudioContext rate and the microphone track's channel count, whatever the app
asked for, and nothing of that format reaches Python. A phone's recorder honours the
asked format; there this is not used.

Chunks arrive with network jitter (tens of milliseconds), so the measure is taken from
the first chunk's arrival to the latest one's, over every frame between them: after a
second the error is a few per cent, after ten well under one, and the nearest common
rates (44,100 and 48,000) are 8.8% apart.
"""

from __future__ import annotations

COMMON_RATES = (8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 88_200, 96_000)
SETTLE_S = 0.5  # before this much time between chunks, the measure is mostly jitter


def nearest_rate(frames_per_second: float) -> int:
    """The common sample rate nearest (by ratio) to a measured one."""
    return min(COMMON_RATES, key=lambda rate: abs(frames_per_second / rate - 1))


class RateMeter:
    """Feed it each chunk's frame count and arrival time (seconds, monotonic)."""

    def __init__(self, guess: int) -> None:
        self.guess = guess  # the rate until enough has arrived to measure
        self._first_at: float | None = None
        self._last_at = 0.0
        self._frames_after_first = 0

    def add(self, frames: int, at: float) -> None:
        if self._first_at is None:
            # The first chunk's frames were recorded before it arrived: they do not count
            # towards the time measured from its arrival.
            self._first_at = self._last_at = at
            return
        self._frames_after_first += frames
        self._last_at = at

    @property
    def measured(self) -> float | None:
        """Frames per second between the first chunk and the latest, once that spans
        `SETTLE_S`."""
        if self._first_at is None or self._last_at - self._first_at < SETTLE_S:
            return None
        return self._frames_after_first / (self._last_at - self._first_at)

    @property
    def rate(self) -> int:
        measured = self.measured
        return self.guess if measured is None else nearest_rate(measured)
