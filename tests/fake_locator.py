"""A `Locator` for tests: answers a position, or a refusal, after a delay, and keeps to the
time limit it is given as the real one does (no fix within it: a timeout)."""

from __future__ import annotations

import asyncio

from field_app.domain.locations import TIMEOUT
from field_app.location import LocationUnavailableError, Position

MOSCOW = Position(lat=55.7558, lon=37.6173, accuracy_m=25.0)


class FakeLocator:
    def __init__(self, position: Position | None = MOSCOW, *, delay_s: float = 0.0,
                 refuse: str | None = None, fail: Exception | None = None) -> None:
        self.position = position
        self.delay_s = delay_s
        self.refuse = refuse  # a reason: every request ends unavailable with it
        self.fail = fail  # an unexpected error the locator raises
        self.asked = 0
        self.answered = 0

    async def locate(self, time_limit_s: float) -> Position:
        self.asked += 1
        if self.delay_s > time_limit_s:
            await asyncio.sleep(time_limit_s)
            raise LocationUnavailableError(TIMEOUT, f"no fix in {time_limit_s} s")
        await asyncio.sleep(self.delay_s)
        if self.fail is not None:
            raise self.fail
        if self.refuse is not None:
            raise LocationUnavailableError(self.refuse)
        self.answered += 1
        assert self.position is not None
        return self.position
